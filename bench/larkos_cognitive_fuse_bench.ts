/**
 * Benches of Larkos 0.3's cognitive fusion over 1200 memories (L = 768, text of 64): the f32
 * host (bit-exact to the C) beside the GPU path with one call per batch and with 16 calls
 * per batch (four dispatches and one host sync for the whole batch; the per-call time is the
 * iteration's time divided by 16).
 *
 * Work per call (multiply-adds): 64·(L + T) for the query, n'·(22 + 64·22 + 64) for the keys
 * and scores, 32·64 for the weighted sum and 2·32·64 for the bands: about 1.9 M at n' = 1200.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/larkos_cognitive_fuse_bench.ts`
 *
 * @module
 */
import { initGpu } from "../impl/mod.ts";
import {
  cognitiveFuse,
  type CognitiveFuseInput,
} from "../impl/larkos/cognitive_fuse/cognitive_fuse.ts";
import { cognitiveFuseGpuBatch } from "../impl/larkos/cognitive_fuse/cognitive_fuse_gpu.ts";
import { Rng } from "../impl/gpu/rng.ts";

await initGpu();

const rng = new Rng(5);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));

function input(): CognitiveFuseInput {
  return {
    llm: values(768),
    text: values(64),
    memories: Array.from({ length: 1200 }, () => values(22)),
    importances: Float32Array.from({ length: 1200 }, () => rng.uniformIn(0.1, 3)),
    defaultWeights: values(22),
    memWeightRatio: 0.7,
    contextFactor: 0.4,
  };
}

const one = input();
const batch = Array.from({ length: 16 }, input);
// Warm the pipelines and the host's coefficient tables once.
await cognitiveFuseGpuBatch([one]);
cognitiveFuse(one);

const group = "cognitive_fuse, 1200 memories";
Deno.bench({ name: "host f32, 1 call", group, baseline: true }, () => {
  cognitiveFuse(one);
});
Deno.bench({ name: "GPU, 1 call per batch (one sync)", group }, async () => {
  await cognitiveFuseGpuBatch([one]);
});
Deno.bench({ name: "GPU, 16 calls per batch (one sync; ÷16 per call)", group }, async () => {
  await cognitiveFuseGpuBatch(batch);
});
