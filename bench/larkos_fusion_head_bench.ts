/**
 * Bench of Larkos 0.3's fusion head (impl/larkos/fusion_head/): the eval-mode forward
 * (typed tokens, input LayerNorm, 3 encoder layers of d 64, 4 heads, ff 128, the
 * learned-query pool and the read-out) at batch 1 (the training loop's size) and 64, and
 * the training-mode forward + backward at batch 1.
 *
 * Work per forward, with L = 11 tokens, d = 64, ff = 128: the projections
 * 2·B·d·(32 + 32 + 8), per layer 2·B·L·4d² (attention projections) + 4·B·L²·d (scores
 * and weighted sum) + 4·B·L·d·ff (feed-forward), the pool 4·B·L·d and the read-out
 * 2·B·d·8 flops; forward + backward counts 3×.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/larkos_fusion_head_bench.ts`
 *
 * @module
 */
import { backward, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { FusionTransformerHead } from "../impl/larkos/fusion_head/fusion_head.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const rng = new Rng(13);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));

const L = 11;
const D = 64;
const FF = 128;
const flops = (B: number) =>
  2 * B * D * (32 + 32 + 8) +
  3 * (2 * B * L * 4 * D * D + 4 * B * L * L * D + 4 * B * L * D * FF) +
  4 * B * L * D + 2 * B * D * 8;

function inputs(B: number, requiresGrad: boolean): [Tensor, Tensor, Tensor, Tensor] {
  const o = { requiresGrad };
  return [
    tensor(values(B * 8 * D), [B, 8, D], o),
    tensor(values(B * 32), [B, 32], o),
    tensor(values(B * 32), [B, 32], o),
    tensor(values(B * 8), [B, 8], o),
  ];
}

const head = new FusionTransformerHead({ seed: 1 }).eval();
for (const B of [1, 64]) {
  const xs = inputs(B, false);
  throughputBench({
    name: `fusion head forward B=${B} (eval, 11 tokens, 3 layers d=64)`,
    group: "fusion head forward",
    reps: B === 1 ? 8 : 2,
    work: flops(B),
    unit: "GFLOP/s",
    iterations: 3,
    call: () => head.forward(...xs),
  });
}

const trainHead = new FusionTransformerHead({ seed: 2 });
const xs1 = inputs(1, true);
const leaves = [...xs1, ...trainHead.parameters()];
throughputBench({
  name: "fusion head forward + backward B=1 (training, dropout and noise)",
  group: "fusion head training step",
  reps: 2,
  work: 3 * flops(1),
  unit: "GFLOP/s",
  iterations: 3,
  call: () => {
    for (const t of leaves) {
      t.grad?.dispose();
      t.grad = null;
    }
    backward(trainHead.forward(...xs1), tensor(values(8), [1, 8]));
  },
});
