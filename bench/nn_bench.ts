/**
 * Benches of memspec's nn blocks: multi-head attention (matmul projections and
 * the fused attention core) forward and forward + backward at
 * (B, heads, Lq, Lk, d) = (1, 4, 1, 20, 64) (one query over 20 memories),
 * (1, 4, 11, 11, 64) (11 tokens) and (4, 8, 128, 128, 512), and one
 * post-norm encoder layer forward + backward (eval, ReLU, ff = 4d, B = 2,
 * L = 64) at d = 48 and 64.
 *
 * Work per call: multi-head attention forward 2·B·(Lq + 2·Lk)·d² (projections)
 * + 2·B·Lq·d² (output) + 4·B·Lq·Lk·d (scores and weighted sum) flops; the
 * encoder layer adds 4·B·L·d·ff (feed-forward); forward + backward counts 3×.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/nn_bench.ts`
 *
 * @module
 */
import { backward, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { MultiheadAttention, TransformerEncoderLayer } from "../impl/nn/mod.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const rng = new Rng(11);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));

function clearGrads(leaves: readonly Tensor[]): void {
  for (const t of leaves) {
    t.grad?.dispose();
    t.grad = null;
  }
}

const mhaFlops = (b: number, lq: number, lk: number, d: number) =>
  2 * b * (lq + 2 * lk) * d * d + 2 * b * lq * d * d + 4 * b * lq * lk * d;

for (const [B, H, Lq, Lk, d] of [[1, 4, 1, 20, 64], [1, 4, 11, 11, 64], [4, 8, 128, 128, 512]]) {
  const shape = `(B, h, Lq, Lk, d) = (${B}, ${H}, ${Lq}, ${Lk}, ${d})`;
  const mha = new MultiheadAttention(d!, H!, { seed: 1 });
  const q = tensor(values(B! * Lq! * d!), [B!, Lq!, d!], { requiresGrad: true });
  const kv = tensor(values(B! * Lk! * d!), [B!, Lk!, d!], { requiresGrad: true });
  const leaves = [q, kv, ...mha.parameters()];
  const work = mhaFlops(B!, Lq!, Lk!, d!);
  const big = d === 512;
  throughputBench({
    name: `multihead attention forward ${shape}`,
    group: `multihead attention ${shape}`,
    reps: big ? 2 : 8,
    work,
    unit: "GFLOP/s",
    iterations: 3,
    call: () => mha.forward(q, kv, kv, { needWeights: false }).output,
  });
  throughputBench({
    name: `multihead attention forward + backward ${shape}`,
    group: `multihead attention ${shape}`,
    reps: big ? 1 : 4,
    work: 3 * work,
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      clearGrads(leaves);
      const y = mha.forward(q, kv, kv, { needWeights: false }).output;
      backward(y, y);
    },
  });
}

for (const d of [48, 64]) {
  const B = 2;
  const L = 64;
  const ff = 4 * d;
  const layer = new TransformerEncoderLayer(d, 4, { dimFeedforward: ff, seed: 2 }).eval();
  const x = tensor(values(B * L * d), [B, L, d], { requiresGrad: true });
  const leaves = [x, ...layer.parameters()];
  const work = mhaFlops(B, L, L, d) + 4 * B * L * d * ff;
  throughputBench({
    name: `encoder layer forward + backward d=${d} (B=${B}, L=${L}, ff=${ff}, 4 heads)`,
    group: `encoder layer d=${d}`,
    reps: 2,
    work: 3 * work,
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      clearGrads(leaves);
      const y = layer.forward(x);
      backward(y, y);
    },
  });
}
