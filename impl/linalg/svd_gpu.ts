/**
 * Thin SVD and PCA on the GPU in f32, through the eigendecomposition of the
 * Gram matrix: for the tall orientation X (M × K, M ≥ K: A, or Aᵀ when A is
 * wide), G = XᵀX on the GPU, G = W·diag(λ)·Wᵀ by parallel Jacobi
 * (./eigh_gpu.ts, G never leaves the GPU but for one read of its norms),
 * σ_j = √λ_j, and X·w_j/σ_j on the GPU. The f64 host counterpart is ./svd.ts
 * (one-sided Jacobi); results follow its conventions: σ descending, each v_j
 * with its largest-magnitude component positive (./sign.ts), u_j flipped with
 * it, and u_j of a numerically zero σ_j completed to an orthonormal basis in
 * f64 and put in the sign convention itself.
 *
 * Accuracy consequence of squaring: G carries the f32 errors of the product
 * (‖Ĝ − G‖₂ ≤ γ_M·‖A‖_F² + 2u₃₂‖A‖_F², the input rounded once) and of the
 * eigensolver (c·K·u₃₂·σ₁², c = LINALG_GPU_JACOBI_C of ./eigh_gpu.ts), so
 * every λ_j = σ_j² is within B = (γ_M + 2u₃₂)·‖A‖_F² + c·K·u₃₂·σ₁² and every
 * σ_j within min(√B, B/(σ̂_j + σ_j)): absolute accuracy ~u₃₂·σ₁²/σ_j, so
 * singular values below √B (≈ √(c·K·u₃₂)·σ₁, about 0.017·σ₁ at K = 256) are
 * noise and relative accuracy falls as σ₁/σ_j (one-sided Jacobi on A keeps
 * it to u·κ). A u_j = X·w_j/σ_j is as accurate as B/σ_j², so those with
 * σ_j² ≤ B are not formed from it: they are completed instead (`rank` counts
 * the others).
 *
 * @example
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { svdGpu } from "./svd_gpu.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const r = await svdGpu(fromRows([[3, 0], [0, -2], [0, 0]]));
 * ok(Math.abs(r.s[0]! - 3) < 1e-5 && Math.abs(r.s[1]! - 2) < 1e-5);
 * ok(r.v.data[0]! > 0.99 && r.u.data[0]! > 0.99); // v₁ = e₁, u₁ = e₁
 * ```
 *
 * @module
 */
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import { readBuffers } from "../gpu/readback.ts";
import { EIGH_GPU_MAX_N, eighGpuBuffer, LINALG_GPU_JACOBI_C, recordProduct } from "./eigh_gpu.ts";
import { type Matrix, matrix, type MatrixData } from "./matrix.ts";
import { applySignConvention } from "./svd.ts";
import { assertFinite, assertMatrix } from "./validate.ts";

/** f32 unit roundoff 2⁻²⁴. */
const U32 = 2 ** -24;

/** Options for {@link svdGpu}. */
export interface SvdGpuOptions {
  /** Sweeps of the Gram eigensolver allowed before a RangeError; default 40. */
  maxSweeps?: number;
}

/** A thin SVD A ≈ U·diag(s)·Vᵀ of an m × n matrix computed in f32, k = min(m, n). */
export interface SvdGpu {
  /** m × k, orthonormal columns (to the accuracy in the module doc). */
  readonly u: Matrix;
  /** k singular values, descending. */
  readonly s: Float64Array;
  /** n × k, orthonormal columns, each in the sign convention. */
  readonly v: Matrix;
  /** Singular values whose u_j came from A·v_j/σ_j (σ_j² above the Gram error bound). */
  readonly rank: number;
  /** The Gram error bound B (input scale, σ² units) under which σ² counts as zero. */
  readonly gramBound: number;
  /** Sweeps of the Gram eigensolver. */
  readonly sweeps: number;
}

/** γ_k = k·u/(1 − k·u) in f32. */
function gamma32(k: number): number {
  return k * U32 >= 1 ? Infinity : (k * U32) / (1 - k * U32);
}

/**
 * Thin SVD of `a` on the GPU, via the eigendecomposition of its Gram matrix (see the module
 * doc for the accuracy this costs).
 *
 * @throws {TypeError} when `a` is not a well-formed matrix
 * @throws {RangeError} when a dimension is 0, min(m, n) > EIGH_GPU_MAX_N, an element is not
 *   finite (naming it), `maxSweeps` is not a positive integer, or the sweeps run out
 *
 * @example A wide matrix: U is 2 × 2, V is 3 × 2, and U·diag(s)·Vᵀ gives A back
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { svdGpu } from "./svd_gpu.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const a = fromRows([[1, 2, 0], [0, 1, 3]]);
 * const { u, s, v } = await svdGpu(a);
 * for (let i = 0; i < 2; i++) {
 *   for (let j = 0; j < 3; j++) {
 *     let x = 0;
 *     for (let l = 0; l < 2; l++) x += u.data[i * 2 + l]! * s[l]! * v.data[j * 2 + l]!;
 *     ok(Math.abs(x - a.data[i * 3 + j]!) < 1e-5);
 *   }
 * }
 * ```
 */
export async function svdGpu(a: Matrix<MatrixData>, options: SvdGpuOptions = {}): Promise<SvdGpu> {
  const what = "compute on the GPU the SVD of";
  assertMatrix(a, what);
  const [m, n] = [a.rows, a.cols];
  if (m < 1 || n < 1 || Math.min(m, n) > EIGH_GPU_MAX_N) {
    throw new RangeError(
      `Cannot ${what} a ${m} × ${n} matrix: expected both dimensions ≥ 1 and min(m, n) ≤ ` +
        `${EIGH_GPU_MAX_N} but got ${m} × ${n}`,
    );
  }
  const maxSweeps = options.maxSweeps ?? 40;
  if (!Number.isSafeInteger(maxSweeps) || maxSweeps < 1) {
    throw new RangeError(
      `Cannot ${what}: expected maxSweeps to be a positive integer but got ${maxSweeps}`,
    );
  }
  assertFinite(a, what);
  const tall = m >= n;
  const big = tall ? m : n;
  const k = tall ? n : m;
  let largest = 0;
  for (const x of a.data) largest = Math.max(largest, Math.abs(x));
  const scale = largest > 0 ? 2 ** Math.min(1023, -Math.ceil(Math.log2(largest) + 1e-12)) : 1;
  // X (big × k), row-major: A when tall, Aᵀ when wide; scaled by a power of two (exact).
  const x = new Float32Array(big * k);
  let xx = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = Math.fround(a.data[i * n + j]! * scale);
      xx += v * v;
      if (tall) x[i * k + j] = v;
      else x[j * k + i] = v;
    }
  }
  const owned: GPUBuffer[] = [];
  const make = (bytes: number, label: string, data?: Float32Array) => {
    const b = createStorageBuffer(bytes, label, data);
    owned.push(b);
    return b;
  };
  try {
    const xbuf = make(4 * big * k, "svd_gpu X", x);
    const gbuf = make(4 * k * k, "svd_gpu G");
    recordProduct(xbuf, xbuf, gbuf, k, k, big, true);
    const [gBytes] = await readBuffers([{ buffer: gbuf, byteLength: 4 * k * k }]);
    const g = new Float32Array(gBytes!);
    let all = 0;
    let off = 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const s2 = g[i * k + j]! ** 2;
        all += s2;
        if (i !== j) off += s2;
      }
    }
    const e = await eighGpuBuffer(gbuf, k, Math.sqrt(all), Math.sqrt(off), what, maxSweeps);
    // Descending: reverse the ascending eigenpairs (columns stay in the sign convention).
    const lambda = new Float64Array(k);
    const w = new Float32Array(k * k);
    for (let c = 0; c < k; c++) {
      const src = k - 1 - c;
      lambda[c] = e.values[src]!;
      for (let r = 0; r < k; r++) w[r * k + c] = e.vectors.data[r * k + src]!;
    }
    const top = Math.max(0, lambda[0]!);
    const bound = (gamma32(big) + 2 * U32) * xx + LINALG_GPU_JACOBI_C * k * U32 * top;
    const wbuf = make(4 * k * k, "svd_gpu W", w);
    const ybuf = make(4 * big * k, "svd_gpu XW");
    recordProduct(xbuf, wbuf, ybuf, big, k, k, false);
    const [yBytes] = await readBuffers([{ buffer: ybuf, byteLength: 4 * big * k }]);
    const y = new Float32Array(yBytes!);
    // Tall-side factor L (big × k, orthonormal) and short-side factor R (k × k, = W).
    const left = new Float64Array(big * k);
    const s = new Float64Array(k);
    let rank = 0;
    const zero: number[] = [];
    for (let c = 0; c < k; c++) {
      const lam = Math.max(0, lambda[c]!);
      s[c] = Math.sqrt(lam);
      if (lam > bound) {
        rank++;
        for (let r = 0; r < big; r++) left[r * k + c] = y[r * k + c]! / s[c]!;
      } else zero.push(c);
    }
    complete(left, big, k, zero);
    const u = matrix(m, k);
    const v = matrix(n, k);
    for (let c = 0; c < k; c++) {
      s[c] = s[c]! / scale;
      for (let r = 0; r < big; r++) {
        (tall ? u : v).data[r * k + c] = left[r * k + c]!;
      }
      for (let r = 0; r < k; r++) (tall ? v : u).data[r * k + c] = w[r * k + c]!;
    }
    applySignConvention(u, v, (j) => zero.includes(j));
    return { u, s, v, rank, gramBound: bound / (scale * scale), sweeps: e.sweeps };
  } finally {
    for (const b of owned) releaseBuffer(b);
  }
}

/**
 * Fills the columns `zero` of the big × k array `q` with unit vectors orthogonal to every other
 * column, by Gram–Schmidt (twice) of the unit vectors e₀, e₁, … in f64, as ./svd.ts does.
 */
function complete(q: Float64Array, big: number, k: number, zero: readonly number[]): void {
  const done = Array.from({ length: k }, (_, c) => c).filter((c) => !zero.includes(c));
  for (const j of zero) {
    // The first e_e keeping half its length off the span found so far (well conditioned), else
    // the one keeping most: some e_e keeps ≥ 1/big of its squared length, as the missing
    // directions' components sum to 1.
    let best = new Float64Array(big);
    let bestNorm = -1;
    for (let e = 0; e < big && bestNorm <= 0.25; e++) {
      const w = new Float64Array(big);
      w[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const d of done) {
          let dot = 0;
          for (let i = 0; i < big; i++) dot += q[i * k + d]! * w[i]!;
          for (let i = 0; i < big; i++) w[i] = w[i]! - dot * q[i * k + d]!;
        }
      }
      let nn = 0;
      for (let i = 0; i < big; i++) nn += w[i]! ** 2;
      if (nn > bestNorm) [best, bestNorm] = [w, nn];
    }
    const norm = Math.sqrt(bestNorm);
    for (let i = 0; i < big; i++) q[i * k + j] = best[i]! / norm;
    done.push(j);
  }
}

/** A principal component analysis computed on the GPU, see {@link pcaGpu}. */
export interface PcaGpu {
  /** The d feature means that were subtracted (f64). */
  readonly mean: Float64Array;
  /** d × k: column j the j-th principal axis, in the sign convention. */
  readonly components: Matrix;
  /** k variances along the axes, σ_j²/(n − 1), descending. */
  readonly explainedVariance: Float64Array;
  /** k fractions σ_j²/Σ_all σ² (0 when the data are constant). */
  readonly explainedVarianceRatio: Float64Array;
  /** n × k: the centred samples projected on the axes, U_k·diag(σ_k). */
  readonly scores: Matrix;
}

/**
 * Principal component analysis of n samples (rows) of d features on the GPU: the means are
 * subtracted in f64, then {@link svdGpu} of the centred data (so the variances carry its
 * Gram-matrix accuracy: each σ_j² within B of the exact one, i.e. each variance within
 * B/(n − 1)). Same fields and conventions as ./svd.ts's `pca`.
 *
 * @throws {TypeError} when `x` is not a well-formed matrix
 * @throws {RangeError} when n < 2, d = 0, k is not an integer in 1..min(n, d), or an element
 *   is not finite
 *
 * @example
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { pcaGpu } from "./svd_gpu.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const p = await pcaGpu(fromRows([[0, 0], [2, 0], [4, 1], [6, 1]]), 1);
 * ok(p.explainedVarianceRatio[0]! > 0.95 && p.components.data[0]! > 0.95); // along x
 * ```
 */
export async function pcaGpu(x: Matrix<MatrixData>, k?: number): Promise<PcaGpu> {
  const what = "compute on the GPU the PCA of";
  assertMatrix(x, what);
  const [n, d] = [x.rows, x.cols];
  if (n < 2 || d < 1) {
    throw new RangeError(
      `Cannot ${what} ${n} samples of ${d} features: expected at least 2 samples (rows) and ` +
        `1 feature`,
    );
  }
  const full = Math.min(n, d);
  const kk = k ?? full;
  if (!Number.isSafeInteger(kk) || kk < 1 || kk > full) {
    throw new RangeError(
      `Cannot ${what} a ${n} × ${d} matrix: expected k to be an integer in 1..${full} but ` +
        `got ${kk}`,
    );
  }
  assertFinite(x, what);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const c = matrix(n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c.data[i * d + j] = x.data[i * d + j]! - mean[j]!;
  }
  const r = await svdGpu(c);
  let total = 0;
  for (const s of r.s) total += s * s;
  const components = matrix(d, kk);
  const scores = matrix(n, kk);
  const explainedVariance = new Float64Array(kk);
  const explainedVarianceRatio = new Float64Array(kk);
  for (let j = 0; j < kk; j++) {
    const s = r.s[j]!;
    explainedVariance[j] = (s * s) / (n - 1);
    explainedVarianceRatio[j] = total > 0 ? (s * s) / total : 0;
    for (let i = 0; i < d; i++) components.data[i * kk + j] = r.v.data[i * full + j]!;
    for (let i = 0; i < n; i++) scores.data[i * kk + j] = r.u.data[i * full + j]! * s;
  }
  return { mean, components, explainedVariance, explainedVarianceRatio, scores };
}
