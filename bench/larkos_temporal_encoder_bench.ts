/**
 * Benches of Larkos 0.3's temporal encoder ([B, 4, 48], 4 heads, ff 64, 2 layers):
 * the eval forward at B = 1 (one training step's history) and B = 97 (every full
 * window of a 100-step trace in one call), and forward + backward at B = 1 in
 * training mode (dropout 0.1).
 *
 * Work per call: per layer, attention 2·B·3L·d² (projections) + 2·B·L·d² (output)
 * + 4·B·L²·d (scores and weighted sum) and the feed-forward 4·B·L·d·ff flops;
 * forward + backward counts 3×. The input LayerNorm and pos add are not counted.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/larkos_temporal_encoder_bench.ts`
 *
 * @module
 */
import { backward, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { TemporalAttentionEncoder } from "../impl/larkos/temporal_encoder/temporal_encoder.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const rng = new Rng(13);
const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));
const L = 4;
const D = 48;
const FF = 64;
const flops = (b: number) =>
  2 * (2 * b * 3 * L * D * D + 2 * b * L * D * D + 4 * b * L * L * D + 4 * b * L * D * FF);

const enc = new TemporalAttentionEncoder({ seed: 3 });
for (const B of [1, 97]) {
  const x = tensor(values(B * L * D), [B, L, D]);
  throughputBench({
    name: `temporal encoder eval forward B=${B}`,
    group: "temporal encoder",
    reps: 8,
    work: flops(B),
    unit: "GFLOP/s",
    iterations: 3,
    call: () => {
      enc.eval();
      return enc.forward(x);
    },
  });
}

const xg = tensor(values(L * D), [1, L, D], { requiresGrad: true });
const leaves: Tensor[] = [xg, ...enc.parameters()];
throughputBench({
  name: "temporal encoder train forward + backward B=1",
  group: "temporal encoder",
  reps: 4,
  work: 3 * flops(1),
  unit: "GFLOP/s",
  iterations: 3,
  call: () => {
    for (const t of leaves) {
      t.grad?.dispose();
      t.grad = null;
    }
    enc.train();
    const y = enc.forward(xg, { seed: 1 });
    backward(y, y);
  },
});
