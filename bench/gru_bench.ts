/**
 * GRU benches: the fused GRU of impl/nn/gru/ (one input-projection matmul, then ONE recurrent
 * kernel looping over T with h in workgroup memory; backward one reverse-time kernel plus
 * matmuls) side by side with the same GRU composed of per-step ops (a matmul and the gate
 * arithmetic recorded for every t, as a framework without a fused recurrence runs it), at
 * T ∈ {64, 512} and H ∈ {64, 256} (B = 2, I = 64), forward and forward + backward. Work is
 * counted in FLOPs: per step and sequence 2·3H·(I + H) for the two products plus ~16H for the
 * gates (forward; the backward about twice that).
 *
 * On llvmpipe one workgroup runs on one thread, so the fused kernel uses B threads; the
 * per-step form pays ~40 µs per dispatch, T·~15 dispatches per call.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/gru_bench.ts`
 *
 * @module
 */
import {
  add,
  backward,
  concat,
  initGpu,
  matmul,
  mul,
  reshape,
  Rng,
  sigmoid,
  slice,
  sub,
  tanh,
  type Tensor,
  tensor,
} from "../impl/mod.ts";
import { gru, type GruWeights, initGruWeights } from "../impl/nn/gru/gru.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

/** The same GRU from per-step ops (the reference composition, one dispatch group per step). */
function gruPerStep(x: Tensor, w: GruWeights): Tensor {
  const [B, T, I] = x.shape as [number, number, number];
  const H = w.wHh.shape[1]!;
  const gi = reshape(
    add(matmul(reshape(x, [B * T, I]), w.wIh, { transB: true }), w.bIh),
    [B, T, 3 * H],
  );
  let h = tensor(new Float32Array(B * H), [B, H]);
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const g = reshape(slice(gi, [0, t, 0], [B, 1, 3 * H]), [B, 3 * H]);
    const gh = add(matmul(h, w.wHh, { transB: true }), w.bHh);
    const part = (m: Tensor, i: number) => slice(m, [0, i * H], [B, H]);
    const r = sigmoid(add(part(g, 0), part(gh, 0)));
    const z = sigmoid(add(part(g, 1), part(gh, 1)));
    const n = tanh(add(part(g, 2), mul(r, part(gh, 2))));
    h = add(n, mul(z, sub(h, n)));
    outs.push(reshape(h, [B, 1, H]));
  }
  return concat(outs, 1);
}

const rng = new Rng(5);
const B = 2;
const I = 64;
for (const T of [64, 512]) {
  for (const H of [64, 256]) {
    const w = initGruWeights(I, H, 1, "bench.");
    const x = tensor(Float32Array.from({ length: B * T * I }, () => rng.uniformIn(-1, 1)), [
      B,
      T,
      I,
    ], { requiresGrad: true });
    const g = tensor(Float32Array.from({ length: B * T * H }, () => rng.uniformIn(-1, 1)), [
      B,
      T,
      H,
    ]);
    const leaves = [x, w.wIh, w.wHh, w.bIh, w.bHh];
    const clear = () => {
      for (const t of leaves) {
        t.grad?.dispose();
        t.grad = null;
      }
    };
    const flops = B * T * (2 * 3 * H * (I + H) + 16 * H);
    const forms: [string, (x: Tensor, w: GruWeights) => Tensor][] = [
      ["fused", (x, w) => gru(x, w)],
      ["per-step ops", gruPerStep],
    ];
    for (const [form, f] of forms) {
      // The per-step form at T = 512 records ~8,000 dispatches a call: one rep suffices.
      throughputBench({
        name: `gru ${form} forward T=${T} H=${H}`,
        group: `gru forward T=${T} H=${H}`,
        reps: 1,
        work: flops,
        unit: "GFLOP/s",
        call: () => f(x, w),
      });
      throughputBench({
        name: `gru ${form} fwd+bwd T=${T} H=${H}`,
        group: `gru forward + backward T=${T} H=${H}`,
        reps: 1,
        work: 3 * flops,
        unit: "GFLOP/s",
        call: () => {
          clear();
          backward(f(x, w), g);
        },
      });
    }
  }
}
