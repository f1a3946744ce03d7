/**
 * Benches of AMS v4's three bundle encoders on the GPU (impl/ams/encoders) at Cfg4's defaults
 * (d_LLM 1536, time 8/32, topic 16/64, context 12/48): forward of a batch of 16 memories, and
 * forward plus backward (one read-back each). The topic centroid reads a 4096-row normalised
 * embedding table; the context encoder pools over 4 previous turns.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. bench/ams_encoders_bench.ts`
 *
 * @module
 */
import {
  backward,
  initGpu,
  readTensors,
  sum,
  type Tensor,
  tensor,
  tidyAsync,
} from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import {
  ContextEncoder,
  type EncoderOutput,
  normalizeRows,
  TimeEncoder,
  TopicEncoder,
} from "../impl/ams/encoders/encoders.ts";
import { CFG4_DEFAULTS } from "../impl/ams/config/config.ts";

await initGpu();
const cfg = CFG4_DEFAULTS;
const D = cfg.d_LLM;
const B = 16;
const T = 4;
const V = 4096;
const rng = new Rng(77);
const h = rng.normals(B * D);
const session = rng.normals(B * D);
const prev = rng.normals(B * T * D);
const wte = normalizeRows(rng.normals(V * D), V, D);
const ids = Array.from({ length: B }, () => Array.from({ length: 12 }, () => rng.int(V)));
const ts = Array.from({ length: 3 * B }, (_, i) => (i % 3 === 0 ? i * 10 : 0));
const sig = Array.from({ length: B }, () => rng.uniform());

const time = new TimeEncoder({ cfg, seed: 1 });
const topic = new TopicEncoder({ cfg, seed: 2 });
const ctx = new ContextEncoder({ cfg, seed: 3 });

const runs: Record<string, (x: Tensor) => EncoderOutput> = {
  time: (x) => time.forward(x, { timeScalars: ts, surprise: sig }),
  topic: (x) => topic.forward(x, { tokenIds: ids, wteNormed: wte }),
  context: (x) => ctx.forward(x, { sessionSummary: session, prevTurns: prev }),
};

for (const [name, run] of Object.entries(runs)) {
  Deno.bench({
    name: `${name} forward B=${B} d=${D}`,
    group: "forward",
    fn: async () => {
      await tidyAsync(async () => {
        const o = run(tensor(h, [B, D]));
        await readTensors([o.base, o.fiber, o.dirn]);
      });
    },
  });
  Deno.bench({
    name: `${name} forward+backward B=${B} d=${D}`,
    group: "forward+backward",
    fn: async () => {
      await tidyAsync(async () => {
        const x = tensor(h, [B, D], { requiresGrad: true });
        const o = run(x);
        backward(sum(o.fiber));
        await readTensors([x.grad!]);
        x.dispose();
      });
    },
  });
}
