/**
 * Symmetric eigendecomposition on the GPU in f32, beside the f64 host solver
 * (./eigh.ts): every eigenpair by parallel Jacobi ({@link eighGpu}), the k
 * dominant eigenpairs by subspace iteration with Rayleigh–Ritz
 * ({@link eighTopKGpu}), and eigengap reporting ({@link eigengaps},
 * {@link eigengap}).
 *
 * Method of {@link eighGpu}: the parallel cyclic Jacobi method in round-robin
 * order (Brent & Luk 1985; the method of cuSOLVER's `syevj`). A round applies
 * n/2 disjoint rotations: one dispatch computes them (one invocation per
 * pair), one applies them to A (one invocation per 2 × 2 block of a pair's rows
 * and a pair's columns, upper triangle, ping-pong buffers) and one to V (one
 * invocation per row and pair); a sweep is the n − 1 rounds (n even; n rounds
 * for n odd) that meet every pair once (impl/linalg/kernels/jacobi.ts). After each sweep one more dispatch sums off(A)² and the
 * host reads two floats: the sweeps stop once off(A) ≤ u₃₂·‖A‖_F (u₃₂ = 2⁻²⁴).
 *
 * Why Jacobi rather than Householder tridiagonalisation + host QL:
 * - On a real GPU every round is ~n² independent updates with no reduction
 *   inside it: 3 dispatches of a few µs, ~3n a sweep, 7–10 sweeps; at n = 1024
 *   about 30,000 launches and 10 host syncs, launch-bound rather than
 *   flop-bound. The tridiagonal route needs n sequential Householder steps,
 *   each a reduction, a matrix–vector product and a rank-2 update (~5n small
 *   dependent dispatches at low occupancy), then a serial QL on the host (O(n²)
 *   for values, O(n³) for vectors): only its back-transformation is GPU-shaped.
 * - On llvmpipe (~40 µs a dispatch, ≥ 11 ms a host sync, 2 CPU threads here)
 *   launches and syncs are minor past n ≈ 128 and the cost is the O(n³) work
 *   of each sweep, ~8n³ flops spread over n² invocations a round at tens of ns
 *   each: measured (bench/linalg_eigh_bench.ts) 0.25 s at n = 64, 2.1 s at
 *   256 and 122 s at 1024, 2–29× slower than the f64 host Jacobi in JavaScript
 *   and ~45× slower than numpy's LAPACK. A tridiagonal reduction (~4n³/3 flops
 *   once) would be faster there, but its eigenvectors would need the O(n³)
 *   serial QL in JavaScript; the GPU solver is for real adapters, and on
 *   llvmpipe the host eigh is the faster choice.
 * - Jacobi is the more accurate of the two in f32 (eigenvalues of graded
 *   matrices keep relative accuracy; vectors come out orthonormal without
 *   re-orthogonalisation), handles repeated eigenvalues with no special case,
 *   and is three small kernels.
 * Not done: batching several rounds per launch inside one workgroup with
 * barriers (one workgroup holds A in its 32 KiB only for n ≤ 90), which would
 * make small n a single dispatch.
 *
 * Accuracy (derived at {@link LINALG_GPU_JACOBI_C}, the first-order model of
 * invariants/tolerance.ts's LINALG_JACOBI_C carried over to f32 and WGSL):
 * the result is the exact decomposition of A + E with
 * ‖E‖₂ ≤ c·n·u₃₂·‖A‖₂, c = 18; eigenvalues are within that of the exact ones
 * (Weyl), vectors within c·n·u₃₂·‖A‖₂/gap (Davis–Kahan), VᵀV within c·n·u₃₂ of I.
 *
 * Conventions as the host: eigenvalues ascending (ties keep the lower
 * diagonal position first), eigenvector j is column j of `vectors` with its
 * largest-magnitude component positive (./sign.ts). Input is validated before
 * any GPU work (typed errors, no buffer allocated); buffers are released on
 * every path, errors included.
 *
 * @example
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { eighGpu } from "./eigh_gpu.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const e = await eighGpu(fromRows([[2, 1], [1, 2]]));
 * ok(Math.abs(e.values[0]! - 1) < 1e-6 && Math.abs(e.values[1]! - 3) < 1e-6);
 * ok(Math.abs(e.vectors.data[1]! - Math.SQRT1_2) < 1e-6); // (1, 1)/√2 for λ = 3
 * ```
 *
 * @module
 */
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import { dispatch } from "../gpu/program.ts";
import { readBuffers } from "../gpu/readback.ts";
import { Rng } from "../gpu/rng.ts";
import { eigh } from "./eigh.ts";
import {
  JACOBI_APPLY_A,
  JACOBI_APPLY_V,
  JACOBI_NORMS,
  JACOBI_NORMS_MAX_N,
  JACOBI_ROTATIONS,
  JACOBI_TILE,
  JACOBI_WORKGROUP,
} from "./kernels/jacobi.ts";
import { LINALG_PRODUCT, PRODUCT_WORKGROUP } from "./kernels/product.ts";
import { type Matrix, matrix, type MatrixData } from "./matrix.ts";
import { canonicalizeColumns } from "./sign.ts";
import { assertFinite, assertSquare, assertSymmetric } from "./validate.ts";

/** f32 unit roundoff 2⁻²⁴. */
const U32 = 2 ** -24;

/**
 * Relative symmetry tolerance of the GPU solvers' input: |a_ij − a_ji| ≤ 2⁻²⁰·max|a| (16·u₃₂).
 * The solver decomposes the symmetric part (A + Aᵀ)/2 in f32, whose own backward error is
 * ≥ n·u₃₂·‖A‖₂; an asymmetry of a few f32 roundings (e.g. a Gram matrix whose two triangles
 * were summed in different orders) is noise at that precision, while anything above 16
 * roundings of the largest entry is a different matrix and is rejected. `symmetryRtol` overrides.
 */
export const EIGH_GPU_SYMMETRY_RTOL = 2 ** -20;

/**
 * Largest order {@link eighGpu} takes: the norm kernel's lane loop (n²/256 iterations) must fit
 * the adapter's loop budget, and at 2048 one sweep is already ~8·2048³ flops; use
 * {@link eighTopKGpu} for the leading eigenpairs of larger matrices.
 */
export const EIGH_GPU_MAX_N: number = JACOBI_NORMS_MAX_N;

/** The stopping test of {@link eighGpu}: off(A) ≤ EIGH_GPU_TOL·‖A‖_F, checked once per sweep. */
export const EIGH_GPU_TOL: number = U32;

/**
 * c of the f32 parallel-Jacobi bounds c·n·u₃₂·‖A‖₂ (u₃₂ = 2⁻²⁴), the first-order model of
 * invariants/tolerance.ts's LINALG_JACOBI_C carried over to the GPU's arithmetic:
 * - one mixing of two rows (or columns) by a computed rotation is an exact rotation plus
 *   ≤ 8u relative error on the two rows it mixes: 2u of arithmetic per side (each new element a
 *   two-term sum of products, γ₂; the apply kernel does both sides in one γ₄ expression) and
 *   6u because c = inverseSqrt(1 + t²), s = t·c are within 5u, 6u of the exact rotation by the
 *   computed t (WGSL's inverseSqrt within 2 ulp, ≤ 4u, its argument within 2 roundings; where
 *   the host's correctly rounded sqrt and division give 2u and 3u). Zeroing a_pq instead of
 *   computing it perturbs by |δt|·|a_pq|, second order once the angles are small;
 * - as for the host, a sweep mixes every row and column n − 1 times and the quadratic
 *   convergence makes the late sweeps' angles, and their errors, second order, so one
 *   decomposition is exact for a matrix within 2·(n − 1)·8u·‖A‖₂ ≤ 16·n·u·‖A‖₂ of A;
 * - the input is rounded once to f32 (≤ u·‖A‖_F ≤ √n·u·‖A‖₂ ≤ n·u·‖A‖₂) and the sweeps stop at
 *   off(A) ≤ u·‖A‖_F (the f32 reduction that measures it is accurate to far better than a
 *   factor 2), which Weyl charges once more: c = 16 + 1 + 1 = 18.
 * The other participant of every check (numpy's LAPACK, the f64 host solver, the check's own
 * f64 re-evaluation) contributes ~n·2⁻⁵³, nothing at f32 scale. The same c bounds ‖VᵀV − I‖_max
 * (each column's drift from orthonormality is at most the per-mixing 8u accumulated the same
 * way, twice for a pair) and ‖A − VΛVᵀ‖_F/‖A‖_F. Measured (spec/linalg/eigh_gpu_test.ts), worst
 * at n = 256 (8 sweeps): eigenvalues 3.8·n·u·‖A‖₂ from numpy's, ‖VᵀV − I‖_max 3.7·n·u,
 * reconstruction 6.5·n·u; the fuzzed sizes up to 67 stay below 5·n·u; at n = 1024 (10 sweeps,
 * against the host eigh, one run) 3.9·n·u·‖A‖₂, 4.8·n·u and 8.2·n·u. The measured constants
 * grow slowly with the sweep count (reconstruction 4.2, 6.5, 8.2 at n = 64, 256, 1024), the
 * rounding errors of successive sweeps adding up more like a random walk than the worst case.
 */
export const LINALG_GPU_JACOBI_C = 18;

/** Options for {@link eighGpu}. */
export interface EighGpuOptions {
  /** Sweeps allowed before giving up with a RangeError; default 40. */
  maxSweeps?: number;
  /** Relative symmetry tolerance; default {@link EIGH_GPU_SYMMETRY_RTOL}. */
  symmetryRtol?: number;
}

/** An eigendecomposition A ≈ V·diag(values)·Vᵀ computed in f32 on the GPU. */
export interface EighGpu {
  /** Eigenvalues, ascending (f32 results, widened to f64). */
  readonly values: Float64Array;
  /** n × n, column j the unit eigenvector of `values[j]`, in the sign convention. */
  readonly vectors: Matrix;
  /** Sweeps run. */
  readonly sweeps: number;
  /** Rounds run: sweeps × (n − 1) for even n, sweeps × n for odd n. */
  readonly rounds: number;
  /** off(A)/‖A‖_F after each sweep, as the stopping test read it. */
  readonly offHistory: readonly number[];
  /** ‖A‖_F of the f32 symmetric matrix the GPU decomposed (in the input's scale). */
  readonly frobenius: number;
}

const DEFAULT_MAX_SWEEPS = 40;

/** The power of two that brings max|a| into [0.5, 1) (1 for the zero matrix): exact scaling. */
function powerOfTwoScale(largest: number): number {
  return largest > 0 ? 2 ** Math.min(1023, -Math.ceil(Math.log2(largest) + 1e-12)) : 1;
}

function grid(count: number, per: number): number {
  return Math.max(1, Math.ceil(count / per));
}

function checkPositiveInteger(x: number, name: string, what: string): void {
  if (!Number.isSafeInteger(x) || x < 1) {
    throw new RangeError(`Cannot ${what}: expected ${name} to be a positive integer but got ${x}`);
  }
}

/** Raw result of the Jacobi core: diagonal and V (both f32, scaled matrix), in index order. */
interface JacobiRaw {
  diag: Float32Array;
  v: Float32Array;
  sweeps: number;
  rounds: number;
  offHistory: number[];
}

/**
 * Runs the parallel Jacobi sweeps on the n × n symmetric f32 matrix in `a0` (consumed: its
 * buffer is overwritten), until off(A) ≤ tol·fro. `off0` is off(A) of the input (computed by
 * the caller): an input already diagonal takes no sweep.
 */
async function jacobiCore(
  a0: GPUBuffer,
  n: number,
  fro: number,
  off0: number,
  maxSweeps: number,
  what: string,
): Promise<JacobiRaw> {
  const bytes = 4 * n * n;
  const eye = new Float32Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const owned: GPUBuffer[] = [];
  const make = (size: number, label: string, data?: Float32Array) => {
    const b = createStorageBuffer(size, label, data);
    owned.push(b);
    return b;
  };
  try {
    const a = [a0, make(bytes, "eigh_gpu A′")];
    const v = [make(bytes, "eigh_gpu V", eye), make(bytes, "eigh_gpu V′")];
    const h = (n + (n % 2)) / 2;
    const rot = make(8 * h, "eigh_gpu rotations");
    const pairs = make(8 * h, "eigh_gpu pairs");
    const norms = make(8, "eigh_gpu norms");
    const m = n + (n % 2);
    const roundsPerSweep = m - 1;
    let cur = 0;
    let sweeps = 0;
    const offHistory: number[] = [];
    let off = off0;
    while (!(off <= EIGH_GPU_TOL * fro)) {
      if (sweeps === maxSweeps) {
        throw new RangeError(
          `Cannot ${what} a ${n} × ${n} matrix within maxSweeps = ${maxSweeps} sweeps: ` +
            `expected off(A) ≤ u₃₂·‖A‖_F but got off(A)/‖A‖_F = ${(off / fro).toExponential(3)}`,
        );
      }
      sweeps++;
      for (let r = 0; r < roundsPerSweep; r++) {
        dispatch(JACOBI_ROTATIONS, {
          uniforms: { n, m, round: r },
          buffers: { a: a[cur], pairs, rot },
          workgroups: grid(h, JACOBI_WORKGROUP),
        });
        dispatch(JACOBI_APPLY_A, {
          uniforms: { n, h },
          buffers: { a: a[cur], pairs, rot, a_out: a[1 - cur] },
          workgroups: [grid(h, JACOBI_TILE), grid(h, JACOBI_TILE), 1],
        });
        dispatch(JACOBI_APPLY_V, {
          uniforms: { n, h },
          buffers: { v: v[cur], pairs, rot, v_out: v[1 - cur] },
          workgroups: [grid(h, JACOBI_WORKGROUP), n, 1],
        });
        cur = 1 - cur;
      }
      dispatch(JACOBI_NORMS, {
        uniforms: { n },
        buffers: { a: a[cur], out: norms },
        workgroups: 1,
      });
      const [got] = await readBuffers([{ buffer: norms, byteLength: 8 }]);
      off = Math.sqrt(new Float32Array(got!)[0]!);
      offHistory.push(fro > 0 ? off / fro : 0);
      // A NaN off-norm (a kernel fault) fails the test above forever: stop at maxSweeps.
    }
    const [aBytes, vBytes] = await readBuffers([
      { buffer: a[cur]!, byteLength: bytes },
      { buffer: v[cur]!, byteLength: bytes },
    ]);
    const full = new Float32Array(aBytes!);
    const diag = new Float32Array(n);
    for (let i = 0; i < n; i++) diag[i] = full[i * n + i]!;
    return {
      diag,
      v: new Float32Array(vBytes!),
      sweeps,
      rounds: sweeps * roundsPerSweep,
      offHistory,
    };
  } finally {
    for (const b of owned) releaseBuffer(b);
  }
}

/** ‖·‖_F of the whole matrix and of its off-diagonal part, in f64, of an f32 row-major array. */
function norms(x: Float32Array, n: number): { fro: number; off: number } {
  let all = 0;
  let off = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const s = x[i * n + j]! ** 2;
      all += s;
      if (i !== j) off += s;
    }
  }
  return { fro: Math.sqrt(all), off: Math.sqrt(off) };
}

/** Sorts the raw Jacobi result ascending and applies the sign convention. */
function finish(
  raw: JacobiRaw,
  n: number,
  unscale: number,
): { values: Float64Array; vectors: Matrix } {
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => raw.diag[i]! - raw.diag[j]! || i - j);
  const values = new Float64Array(n);
  const vectors = matrix(n, n);
  order.forEach((src, dst) => {
    values[dst] = raw.diag[src]! * unscale;
    for (let r = 0; r < n; r++) vectors.data[r * n + dst] = raw.v[r * n + src]!;
  });
  canonicalizeColumns(vectors);
  return { values, vectors };
}

/**
 * Eigendecomposition of the symmetric matrix `a` on the GPU (f32), by parallel Jacobi.
 *
 * The input (f64 or f32) is symmetrised in f64, scaled by a power of two so that max|a| lies
 * in [0.5, 1) (exact; undone on the eigenvalues), and rounded once to f32.
 *
 * @throws {TypeError} when `a` is not a square matrix, or is asymmetric beyond
 *   `symmetryRtol`·max|a| (default {@link EIGH_GPU_SYMMETRY_RTOL}), naming the worst pair
 * @throws {RangeError} when n = 0 or n > {@link EIGH_GPU_MAX_N}, an element is not finite
 *   (naming it), `maxSweeps` is not a positive integer, or the sweeps run out
 *
 * @example Errors come before any GPU work
 * ```ts
 * import { initGpu, liveBufferCount } from "../mod.ts";
 * import { eighGpu } from "./eigh_gpu.ts";
 * import { fromRows, matrix } from "./matrix.ts";
 * import { rejects, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const live = liveBufferCount();
 * await rejects(eighGpu(fromRows([[1, 2], [0, 1]])), { name: "TypeError" });
 * await rejects(eighGpu(matrix(0, 0)), { name: "RangeError", message: /n ≥ 1/ });
 * strictEqual(liveBufferCount(), live);
 * ```
 */
export async function eighGpu(
  a: Matrix<MatrixData>,
  options: EighGpuOptions = {},
): Promise<EighGpu> {
  const what = "eigendecompose on the GPU";
  assertSquare(a, what);
  const n = a.rows;
  if (n < 1 || n > EIGH_GPU_MAX_N) {
    throw new RangeError(
      `Cannot ${what} a ${n} × ${n} matrix: expected n ≥ 1 and n ≤ ${EIGH_GPU_MAX_N} ` +
        `(eighTopKGpu takes larger n) but got n = ${n}`,
    );
  }
  const maxSweeps = options.maxSweeps ?? DEFAULT_MAX_SWEEPS;
  checkPositiveInteger(maxSweeps, "maxSweeps", what);
  assertFinite(a, what);
  assertSymmetric(a, what, options.symmetryRtol ?? EIGH_GPU_SYMMETRY_RTOL);
  const { data: x, scale } = symmetricF32(a);
  const { fro, off } = norms(x, n);
  const a0 = createStorageBuffer(4 * n * n, "eigh_gpu A", x);
  const raw = await jacobiCore(a0, n, fro, off, maxSweeps, what).finally(() => releaseBuffer(a0));
  const { values, vectors } = finish(raw, n, 1 / scale);
  return {
    values,
    vectors,
    sweeps: raw.sweeps,
    rounds: raw.rounds,
    offHistory: raw.offHistory,
    frobenius: fro / scale,
  };
}

/** (A + Aᵀ)/2 in f64, scaled by a power of two to max|a| ∈ [0.5, 1), rounded to f32. */
function symmetricF32(a: Matrix<MatrixData>): { data: Float32Array; scale: number } {
  const n = a.rows;
  let largest = 0;
  for (const v of a.data) largest = Math.max(largest, Math.abs(v));
  const scale = powerOfTwoScale(largest);
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // Halving first keeps the sum from overflowing; the scaling is a power of two: exact.
      data[i * n + j] = (0.5 * a.data[i * n + j]! + 0.5 * a.data[j * n + i]!) * scale;
    }
  }
  return { data, scale };
}

// --- internal entry for svd_gpu.ts: eigh of a matrix already on the GPU ---

/**
 * Jacobi on an n × n symmetric f32 matrix already in `buffer` (which is overwritten), with its
 * Frobenius and off-diagonal norms given (computed by the caller). Returns values ascending
 * and vectors in the sign convention, in the buffer's scale. Not part of the public API.
 */
export async function eighGpuBuffer(
  buffer: GPUBuffer,
  n: number,
  fro: number,
  off: number,
  what: string,
  maxSweeps: number = DEFAULT_MAX_SWEEPS,
): Promise<{ values: Float64Array; vectors: Matrix; sweeps: number; rounds: number }> {
  const raw = await jacobiCore(buffer, n, fro, off, maxSweeps, what);
  const { values, vectors } = finish(raw, n, 1);
  return { values, vectors, sweeps: raw.sweeps, rounds: raw.rounds };
}

/**
 * Records out = op(X)·Y on the GPU ({@link LINALG_PRODUCT}); op(X) is rows × k.
 * Not part of the public API.
 */
export function recordProduct(
  x: GPUBuffer,
  y: GPUBuffer,
  out: GPUBuffer,
  rows: number,
  cols: number,
  k: number,
  trans: boolean,
): void {
  dispatch(LINALG_PRODUCT, {
    sizes: { k },
    uniforms: { rows, cols, trans: trans ? 1 : 0 },
    buffers: { x, y, out },
    workgroups: grid(rows * cols, PRODUCT_WORKGROUP),
  });
}

// --- top-k: subspace iteration with Rayleigh–Ritz ---

/** Options for {@link eighTopKGpu}. */
export interface EighTopKOptions {
  /** Block size p ≥ k of the iterated subspace; default min(n, max(2k, k + 8)). */
  blockSize?: number;
  /**
   * Stop when every one of the k Ritz residuals ‖A·q_j − θ_j·q_j‖₂ ≤ tol·‖A‖_F; default
   * 4·√n·u₃₂ (a few times the f32 rounding of the product A·q itself).
   */
  tol?: number;
  /** Iterations allowed before a RangeError; default 500. */
  maxIterations?: number;
  /** Seed of the Gaussian start block (impl/gpu/rng.ts); default 1. */
  seed?: number;
  /** Relative symmetry tolerance; default {@link EIGH_GPU_SYMMETRY_RTOL}. */
  symmetryRtol?: number;
}

/** The k dominant eigenpairs of a symmetric matrix. */
export interface EighTopK {
  /** The k eigenvalues of largest magnitude, ordered by descending |λ| (ties: larger λ first). */
  readonly values: Float64Array;
  /** n × k, column j the unit Ritz vector of `values[j]`, in the sign convention. */
  readonly vectors: Matrix;
  /** ‖A·q_j − θ_j·q_j‖₂ of each returned pair, as the stopping test measured it (f64 on f32 A·Q). */
  readonly residuals: Float64Array;
  /** Iterations run (each: one product A·Q on the GPU, one host sync, Rayleigh–Ritz in f64). */
  readonly iterations: number;
  /** Block size used. */
  readonly blockSize: number;
  /**
   * |θ_p|/|θ_k| of the last Ritz values (p the block size): the estimated factor by which the
   * error in the k-th pair shrinks per iteration (1 when p = k; the eigengap convergence needs).
   */
  readonly convergenceRatio: number;
  /** ‖A‖_F of the symmetrised input. */
  readonly frobenius: number;
}

/** Modified Gram–Schmidt, twice, on the p columns of the n × p f64 array q (in place). */
function orthonormalise(q: Float64Array, n: number, p: number, rng: Rng): void {
  for (let j = 0; j < p; j++) {
    for (let attempt = 0; attempt < 4; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let l = 0; l < j; l++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += q[i * p + l]! * q[i * p + j]!;
          for (let i = 0; i < n; i++) q[i * p + j] = q[i * p + j]! - dot * q[i * p + l]!;
        }
      }
      let nn = 0;
      for (let i = 0; i < n; i++) nn += q[i * p + j]! ** 2;
      if (nn > 1e-20) {
        const inv = 1 / Math.sqrt(nn);
        for (let i = 0; i < n; i++) q[i * p + j] = q[i * p + j]! * inv;
        break;
      }
      // The column fell into the span of the others (a rank-deficient A·Q): a fresh direction.
      for (let i = 0; i < n; i++) q[i * p + j] = rng.normal();
    }
  }
}

/**
 * The k eigenpairs of largest magnitude of the symmetric matrix `a`, by subspace (block
 * power) iteration with Rayleigh–Ritz: Z = A·Q on the GPU (f32), then in f64 on the host
 * H = QᵀZ, H = W·diag(θ)·Wᵀ (./eigh.ts), Ritz pairs (θ_j, Q·w_j) with residuals
 * ‖Z·w_j − θ_j·Q·w_j‖₂, and the next basis Q = orth(Z·W).
 *
 * Convergence: the error of pair j shrinks by |λ_{p+1}|/|λ_j| per iteration (p the block
 * size), so the k-th pair needs the eigengap |λ_k| > |λ_{p+1}|: oversampling (p > k) makes
 * the ratio small even when |λ_k| and |λ_{k+1}| are close. The stopping test is a residual:
 * for a symmetric A, |θ_j − λ| ≤ ‖r_j‖₂ for some eigenvalue λ, and the Ritz vector's angle to
 * the eigenvector is ≤ ‖r_j‖₂/gap_j (Davis–Kahan), gap_j the distance from θ_j to the rest of
 * the spectrum. The f32 product adds ≤ γ_n·‖A‖_F to each residual.
 *
 * @throws {TypeError} for a non-square or asymmetric matrix (as {@link eighGpu})
 * @throws {RangeError} when n = 0, k is not an integer in 1..n, an element is not finite,
 *   an option is out of range, or the iterations run out
 *
 * @example The two dominant eigenpairs of a diagonal matrix
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { eighTopKGpu } from "./eigh_gpu.ts";
 * import { matrix } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const a = matrix(6, 6);
 * [1, -8, 2, 5, 0.5, 0.1].forEach((x, i) => (a.data[i * 6 + i] = x));
 * const top = await eighTopKGpu(a, 2);
 * ok(Math.abs(top.values[0]! + 8) < 1e-5 && Math.abs(top.values[1]! - 5) < 1e-5);
 * ```
 */
export async function eighTopKGpu(
  a: Matrix<MatrixData>,
  k: number,
  options: EighTopKOptions = {},
): Promise<EighTopK> {
  const what = "compute the top-k eigenpairs on the GPU of";
  assertSquare(a, what);
  const n = a.rows;
  if (n < 1) {
    throw new RangeError(`Cannot ${what} a 0 × 0 matrix: expected n ≥ 1`);
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > n) {
    throw new RangeError(
      `Cannot ${what} a ${n} × ${n} matrix: expected k to be an integer in 1..${n} but got ${k}`,
    );
  }
  const p = options.blockSize ?? Math.min(n, Math.max(2 * k, k + 8));
  if (!Number.isSafeInteger(p) || p < k || p > n) {
    throw new RangeError(
      `Cannot ${what} a ${n} × ${n} matrix: expected blockSize to be an integer in ${k}..${n} ` +
        `but got ${p}`,
    );
  }
  const tol = options.tol ?? 4 * Math.sqrt(n) * U32;
  if (!(tol > 0) || !Number.isFinite(tol)) {
    throw new RangeError(`Cannot ${what}: expected tol to be finite and positive but got ${tol}`);
  }
  const maxIterations = options.maxIterations ?? 500;
  checkPositiveInteger(maxIterations, "maxIterations", what);
  assertFinite(a, what);
  assertSymmetric(a, what, options.symmetryRtol ?? EIGH_GPU_SYMMETRY_RTOL);

  const { data: x, scale } = symmetricF32(a);
  const { fro } = norms(x, n);
  const rng = new Rng(options.seed ?? 1);
  let q = new Float64Array(n * p);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  orthonormalise(q, n, p, rng);
  const abuf = createStorageBuffer(4 * n * n, "eigh_topk A", x);
  const owned = [abuf];
  try {
    const zbuf = createStorageBuffer(4 * n * p, "eigh_topk Z");
    owned.push(zbuf);
    for (let it = 1; it <= maxIterations; it++) {
      const qf = Float32Array.from(q);
      const qbuf = createStorageBuffer(4 * n * p, "eigh_topk Q", qf);
      recordProduct(abuf, qbuf, zbuf, n, p, n, false);
      releaseBuffer(qbuf);
      const [zBytes] = await readBuffers([{ buffer: zbuf, byteLength: 4 * n * p }]);
      const z = new Float32Array(zBytes!);
      // Rayleigh–Ritz in f64 on the basis the GPU actually used (qf).
      const h = matrix(p, p);
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < p; i++) {
          const qi = qf[r * p + i]!;
          for (let j = 0; j < p; j++) h.data[i * p + j] = h.data[i * p + j]! + qi * z[r * p + j]!;
        }
      }
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < i; j++) {
          const s = 0.5 * (h.data[i * p + j]! + h.data[j * p + i]!);
          h.data[i * p + j] = s;
          h.data[j * p + i] = s;
        }
      }
      const rr = eigh(h);
      const order = Array.from({ length: p }, (_, i) => i).sort((i, j) =>
        Math.abs(rr.values[j]!) - Math.abs(rr.values[i]!) || rr.values[j]! - rr.values[i]!
      );
      const qr = new Float64Array(n * p);
      const zr = new Float64Array(n * p);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < p; c++) {
          const src = order[c]!;
          let sq = 0;
          let sz = 0;
          for (let l = 0; l < p; l++) {
            const w = rr.vectors.data[l * p + src]!;
            sq += qf[r * p + l]! * w;
            sz += z[r * p + l]! * w;
          }
          qr[r * p + c] = sq;
          zr[r * p + c] = sz;
        }
      }
      const theta = order.map((i) => rr.values[i]!);
      const residuals = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += (zr[r * p + c]! - theta[c]! * qr[r * p + c]!) ** 2;
        residuals[c] = Math.sqrt(s);
      }
      const worst = Math.max(...residuals);
      if (worst <= tol * fro) {
        const values = new Float64Array(k);
        const vectors = matrix(n, k);
        for (let c = 0; c < k; c++) {
          values[c] = theta[c]! / scale;
          residuals[c] = residuals[c]! / scale;
          let nn = 0;
          for (let r = 0; r < n; r++) nn += qr[r * p + c]! ** 2;
          const inv = 1 / Math.sqrt(nn);
          for (let r = 0; r < n; r++) vectors.data[r * k + c] = qr[r * p + c]! * inv;
        }
        canonicalizeColumns(vectors);
        const last = Math.abs(theta[p - 1]!);
        const kth = Math.abs(theta[k - 1]!);
        return {
          values,
          vectors,
          residuals,
          iterations: it,
          blockSize: p,
          convergenceRatio: p === k || kth === 0 ? 1 : last / kth,
          frobenius: fro / scale,
        };
      }
      if (it === maxIterations) {
        const ratio = Math.abs(theta[p - 1]!) / Math.abs(theta[k - 1]!);
        throw new RangeError(
          `Cannot ${what} a ${n} × ${n} matrix within maxIterations = ${maxIterations}: ` +
            `expected every residual ≤ ${tol.toExponential(2)}·‖A‖_F but the worst is ` +
            `${(worst / fro).toExponential(3)}·‖A‖_F; the estimated convergence ratio ` +
            `|θ_p|/|θ_k| = ${ratio.toPrecision(4)} (raise blockSize to widen the eigengap)`,
        );
      }
      q = zr;
      orthonormalise(q, n, p, rng);
    }
    throw new Error("unreachable");
  } finally {
    for (const b of owned) releaseBuffer(b);
  }
}

// --- eigengaps ---

/**
 * The gaps between consecutive eigenvalues: out[i] = values[i + 1] − values[i] (length n − 1;
 * positive for ascending values, negative for descending).
 *
 * @example
 * ```ts
 * import { eigengaps } from "./eigh_gpu.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(eigengaps([1, 1.5, 4])), [0.5, 2.5]);
 * ```
 */
export function eigengaps(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, values.length - 1));
  for (let i = 0; i + 1 < values.length; i++) out[i] = values[i + 1]! - values[i]!;
  return out;
}

/** The eigengap after the leading k eigenvalues, see {@link eigengap}. */
export interface Eigengap {
  /** |values[k − 1] − values[k]|: the gap separating the leading k from the rest. */
  readonly gap: number;
  /** gap / max_i |values[i]| (0 for an all-zero spectrum). */
  readonly relative: number;
  /** |values[k]| / |values[k − 1]|: the subspace-iteration convergence ratio of that split. */
  readonly ratio: number;
}

/**
 * The gap between the k-th and (k + 1)-th of `values` in the order given (ascending from
 * {@link eighGpu}: pass them reversed for the k largest; descending |λ| from
 * {@link eighTopKGpu}), its size relative to the largest magnitude, and the ratio that governs
 * how fast a k-dimensional subspace iteration converges. The Davis–Kahan bound on the leading
 * k-dimensional eigenspace under a perturbation E is ‖E‖₂/gap.
 *
 * @throws {RangeError} when k is not an integer in 1..n − 1 or a value is not finite
 *
 * @example
 * ```ts
 * import { eigengap } from "./eigh_gpu.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(eigengap([8, 4, 1], 2), { gap: 3, relative: 0.375, ratio: 0.25 });
 * ```
 */
export function eigengap(values: ArrayLike<number>, k: number): Eigengap {
  const n = values.length;
  if (!Number.isSafeInteger(k) || k < 1 || k > n - 1) {
    throw new RangeError(
      `Cannot compute the eigengap after value k of ${n} values: expected k to be an integer ` +
        `in 1..${n - 1} but got ${k}`,
    );
  }
  let big = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new RangeError(
        `Cannot compute the eigengap: expected finite values but got ${v} at index ${i}`,
      );
    }
    big = Math.max(big, Math.abs(v));
  }
  const gap = Math.abs(values[k - 1]! - values[k]!);
  const lead = Math.abs(values[k - 1]!);
  return {
    gap,
    relative: big > 0 ? gap / big : 0,
    ratio: lead > 0 ? Math.abs(values[k]!) / lead : 1,
  };
}
