/**
 * Linear-recurrence benches: the sequential scan (one invocation per channel
 * looping over t) against the division-free chunked scan (K = 32: prefix pairs
 * per chunk, scanned chunk summaries, parallel apply), at T ∈ {1024, 4096} and
 * width C ∈ {64, 256} (one sequence), forward and forward + backward. Work is
 * counted in µs per step·channel.
 *
 * On llvmpipe (2 cores) the width alone fills the machine, so the sequential
 * form can win; the chunked form's parallelism over t is for real GPUs.
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/decepticons_scan_bench.ts`
 *
 * @module
 */
import { backward, initGpu, Rng, type Tensor, tensor } from "../impl/mod.ts";
import {
  linearRecurrence,
  type ScanMethod,
} from "../impl/decepticons/linear_recurrence/linear_recurrence.ts";
import { throughputBench } from "./_throughput.ts";

await initGpu();

const rng = new Rng(7);

for (const T of [1024, 4096]) {
  for (const C of [64, 256]) {
    const n = T * C;
    const a = tensor(
      Float32Array.from({ length: n }, () => 0.18 + 0.82 * rng.uniform()),
      [1, T, C],
      {
        requiresGrad: true,
      },
    );
    const b = tensor(Float32Array.from({ length: n }, () => rng.uniform() - 0.5), [1, T, C], {
      requiresGrad: true,
    });
    const g = tensor(Float32Array.from({ length: n }, () => rng.uniform() - 0.5), [1, T, C]);
    const clear = (ts: Tensor[]) => {
      for (const t of ts) {
        t.grad?.dispose();
        t.grad = null;
      }
    };
    for (const method of ["sequential", "chunked"] as ScanMethod[]) {
      const opts = { method, chunk: 32 };
      throughputBench({
        name: `scan ${method} forward T=${T} C=${C}`,
        group: `scan forward T=${T} C=${C}`,
        reps: 4,
        work: n,
        unit: "µs/op",
        call: () => linearRecurrence(a, b, opts).h,
      });
      throughputBench({
        name: `scan ${method} fwd+bwd T=${T} C=${C}`,
        group: `scan forward + backward T=${T} C=${C}`,
        reps: 2,
        work: n,
        unit: "µs/op",
        call: () => {
          clear([a, b]);
          const { h } = linearRecurrence(a, b, opts);
          backward(h, g);
        },
      });
    }
  }
}
