/**
 * Benches of AMS v4's cross-bundle attention on the GPU (impl/ams/cross_bundle) at Cfg4's
 * defaults (d_LLM 1536; fibers 32/64/48 with 4/8/4 heads; 2/6/4 slots): prefix construction
 * for one query over M = 20 and M = 200 stored entries, and forward plus backward for a batch of
 * 3 (the original's training batch), one read-back each.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. bench/ams_cross_bundle_bench.ts`
 *
 * @module
 */
import { backward, initGpu, readTensors, tensor, tidyAsync } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { CrossBundleAttention } from "../impl/ams/cross_bundle/cross_bundle.ts";
import { CFG4_DEFAULTS } from "../impl/ams/config/config.ts";

await initGpu();
const cfg = CFG4_DEFAULTS;
const D = cfg.d_LLM;
const rng = new Rng(79);
const m = new CrossBundleAttention({ cfg, seed: 1 });
const fibersOf = (M: number) => ({
  time: rng.normals(M * cfg.d_F_time),
  topic: rng.normals(M * cfg.d_F_topic),
  ctx: rng.normals(M * cfg.d_F_ctx),
});

for (const M of [20, 200]) {
  const fibers = fibersOf(M);
  const h1 = rng.normals(D);
  Deno.bench({
    name: `prefix B=1 M=${M} d=${D}`,
    group: "prefix",
    fn: async () => {
      await tidyAsync(async () => {
        await readTensors([m.forward(h1, fibers).prefix]);
      });
    },
  });
}

const h3 = rng.normals(3 * D);
const up = rng.normals(3 * cfg.L_mem * D);
const fibers20 = fibersOf(20);
Deno.bench({
  name: `prefix forward+backward B=3 M=20 d=${D}`,
  group: "forward+backward",
  fn: async () => {
    await tidyAsync(async () => {
      const p = m.forward(h3, fibers20).prefix;
      backward(p, tensor(up, p.shape));
      const q = m.namedParameters().find(([k]) => k === "query_heads.q_time.weight")![1];
      await readTensors([q.grad!]);
      for (const t of m.parameters()) {
        t.grad?.dispose();
        t.grad = null;
      }
    });
  },
});
