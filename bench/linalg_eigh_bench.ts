/**
 * Symmetric eigendecomposition: the GPU's f32 parallel Jacobi (impl/linalg/eigh_gpu.ts,
 * `eighGpu`) beside the f64 host cyclic Jacobi (impl/linalg/eigh.ts, `eigh`) at n = 64, 256
 * and 1024, on the same random symmetric matrices ((B + Bᵀ)/2, B Gaussian, rounded to f32).
 * Each iteration is one whole decomposition, its host syncs included (one per sweep, ~11 ms
 * each in Deno). n = 1024 asks for one run and no warm-up (deno bench timed two): a
 * decomposition takes minutes on llvmpipe.
 *
 * numpy's eigh (LAPACK dsyevd, numpy 1.24.2 of /usr/bin/python3, Debian's build) on this
 * machine (2 cores, llvmpipe, shared with other work), measured with
 * `/usr/bin/python3 -c "…timeit.repeat(lambda: np.linalg.eigh(a), …)"` on the same kind of
 * matrix: 1.32 ms at n = 64, 49.3 ms at n = 256, 2570 ms at n = 1024 (f64; f32 input: 1.11,
 * 49.3, 3094 ms).
 *
 * Measured here (`deno bench`, llvmpipe on the 2 cores, 2026-12-06; mean per decomposition):
 *
 * | n    | eighGpu (f32, GPU)   | eigh (f64, host) | numpy eigh (f64) |
 * | ---- | -------------------- | ---------------- | ---------------- |
 * | 64   | 248 ms (7 sweeps)    | 8.6 ms           | 1.32 ms          |
 * | 256  | 2.1 s (9 sweeps)     | 0.47 s           | 49.3 ms          |
 * | 1024 | 122 s (2 runs)       | 64 s (2 runs)    | 2.57 s           |
 *
 * On llvmpipe the GPU solver is 2–29× slower than the host's f64 Jacobi: each round's n²
 * updates cost tens of ns an invocation on the CPU, and small n pay ~3n dispatches and one
 * 11 ms sync a sweep. On a real GPU the same rounds are launch-bound (impl/linalg/eigh_gpu.ts
 * explains the method choice).
 *
 * Run: `npx -y deno@2.9.6 bench --allow-read=. --allow-env bench/linalg_eigh_bench.ts`
 *
 * @module
 */
import { optionalEnv } from "./_env.ts";
import { initGpu } from "../impl/mod.ts";
import { Rng } from "../impl/gpu/rng.ts";
import { eigh } from "../impl/linalg/eigh.ts";
import { eighGpu } from "../impl/linalg/eigh_gpu.ts";
import { type Matrix, matrix } from "../impl/linalg/matrix.ts";

await initGpu();

/** (B + Bᵀ)/2 for a Gaussian B, rounded to f32 (the GPU's input exactly). */
function symmetric(n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      a.data[i * n + j] = Math.fround(0.5 * (b[i * n + j]! + b[j * n + i]!));
    }
  }
  return a;
}

/** Iterations and warm-ups per size: one decomposition at 1024 takes minutes here. */
const RUNS: Record<number, { n: number; warmup: number }> = {
  64: { n: 5, warmup: 1 },
  256: { n: 2, warmup: 0 },
  1024: { n: 1, warmup: 0 },
};

/** Sizes to run: LINALG_BENCH_SIZES (e.g. "64,256") when readable, else 64, 256 and 1024. */
function benchSizes(): number[] {
  return (optionalEnv("LINALG_BENCH_SIZES") ?? "64,256,1024").split(",").map(Number);
}

const sizes = benchSizes();

for (const n of sizes) {
  const a = symmetric(n, n);
  const runs = RUNS[n] ?? { n: 1, warmup: 0 };
  Deno.bench({
    name: `eighGpu n=${n} (f32 parallel Jacobi)`,
    group: `eigh n=${n}`,
    baseline: true,
    ...runs,
    fn: async () => {
      const e = await eighGpu(a);
      if (e.values.length !== n) throw new Error(`eighGpu returned ${e.values.length} values`);
    },
  });
  Deno.bench({
    name: `eigh n=${n} (f64 host cyclic Jacobi)`,
    group: `eigh n=${n}`,
    ...runs,
    fn: () => {
      const e = eigh(a);
      if (e.values.length !== n) throw new Error(`eigh returned ${e.values.length} values`);
    },
  });
}
