/**
 * Retention benches (issue 5): the chunkwise form (chunk summaries, an
 * inter-chunk carry, the parallel form inside each chunk; chunk 64) against
 * the recurrent form (one fused kernel looping over t, split over dispatches
 * by the loop budget) at T ∈ {1024, 4096} and model width 64 and 256, forward
 * and forward + backward (the backward is the adjoint recurrence for both).
 *
 * Width W is split into W / 16 heads of d_k = d_v = 16 (one sequence per
 * head), the head-factored layout of the original's retention path
 * (d_s = state_dim / heads). Work per call is counted as the recurrence's
 * 4·T·d_k·d_v flops per head (forward; ×3 for forward + backward), so the two
 * forms are compared on the same figure.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/decepticons_retention_bench.ts`
 *
 * @module
 */
import { backward, initGpu, type Tensor, tensor } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { retention, type RetentionForm } from "../impl/decepticons/retention.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const HEAD = 16;
const CHUNK = 64;
const rng = new Rng(5);
const values = (n: number, scale: number) =>
  Float32Array.from({ length: n }, () => (rng.uniform() - 0.5) * scale);

function clearGrads(leaves: readonly Tensor[]): void {
  for (const t of leaves) {
    t.grad?.dispose();
    t.grad = null;
  }
}

for (const T of [1024, 4096]) {
  for (const width of [64, 256]) {
    const heads = width / HEAD;
    const q = tensor(values(heads * T * HEAD, 0.5), [heads, T, HEAD], { requiresGrad: true });
    const k = tensor(values(heads * T * HEAD, 0.5), [heads, T, HEAD], { requiresGrad: true });
    const v = tensor(values(heads * T * HEAD, 1), [heads, T, HEAD], { requiresGrad: true });
    const gamma = tensor(
      Float32Array.from({ length: heads }, (_, h) => 1 - 2 ** -(1 + (5 * h) / heads)),
      [heads],
      { requiresGrad: true },
    );
    const seed = tensor(values(heads * T * HEAD, 1), [heads, T, HEAD]);
    const leaves = [q, k, v, gamma];
    const flops = 4 * heads * T * HEAD * HEAD;
    for (const form of ["recurrent", "chunkwise"] as RetentionForm[]) {
      const group = `retention T=${T} width ${width} (${heads}×${HEAD}²)`;
      throughputBench({
        name: `${form} forward`,
        group: `${group}, forward`,
        reps: T === 4096 ? 2 : 4,
        work: flops,
        unit: "GFLOP/s",
        iterations: 3,
        call: () => retention(q, k, v, gamma, { form, chunk: CHUNK }),
      });
      throughputBench({
        name: `${form} forward + backward`,
        group: `${group}, forward + backward`,
        reps: T === 4096 ? 1 : 2,
        work: 3 * flops,
        unit: "GFLOP/s",
        iterations: 3,
        call: () => {
          clearGrads(leaves);
          const o = retention(q, k, v, gamma, { form, chunk: CHUNK });
          backward(o, seed);
        },
      });
    }
  }
}
