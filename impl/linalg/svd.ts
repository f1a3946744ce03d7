/**
 * Thin singular value decomposition A = U·diag(s)·Vᵀ in f64 by ONE-SIDED
 * JACOBI (Hestenes), and principal component analysis built on it.
 *
 * Why one-sided Jacobi rather than eigh of the smaller Gram matrix AᵀA: the
 * Gram matrix squares the condition number, so a singular value σ computed
 * from it carries an absolute error of about u·σ_max²/σ (a rank-deficient or
 * ill-conditioned A loses its small singular values entirely). One-sided
 * Jacobi works on A itself: it rotates pairs of columns (p, q) until every pair
 * is orthogonal, |w_pᵀw_q| ≤ m·u·‖w_p‖·‖w_q‖ (m rows, u = 2⁻⁵³); then
 * σ_j = ‖w_j‖, u_j = w_j/σ_j, and V is the product of the rotations. Each
 * singular value is then accurate to about m·u·σ_max absolutely (often to
 * m·u·σ_j relatively), and U and V are orthonormal to O(m·u).
 *
 * Conventions:
 * - s is DESCENDING (numpy's order; ties keep the lower column first); k = min(m, n).
 * - A wide matrix (m < n) is decomposed through its transpose.
 * - Sign: each right singular vector v_j (column j of V) follows the
 *   convention of ./sign.ts (largest-magnitude component positive, lowest
 *   index on ties) and u_j follows it, so that A·v_j = σ_j·u_j. Where σ_j = 0,
 *   u_j is an arbitrary unit vector orthogonal to the others (Gram–Schmidt of
 *   the first suitable standard basis vector), put in the convention on its own.
 * - A is scaled by a power of two (exact) so that max|a_ij| is about 1 before
 *   the squares are formed; column norms below about 1e-150·max|a_ij| lose
 *   accuracy to underflow.
 *
 * @example
 * ```ts
 * import { svd } from "./svd.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const r = svd(fromRows([[3, 0], [4, 5]])); // singular values √45 and √5
 * ok(Math.abs(r.s[0]! - Math.sqrt(45)) < 1e-14 && Math.abs(r.s[1]! - Math.sqrt(5)) < 1e-14);
 * ```
 *
 * @module
 */
import { type Matrix, matrix, type MatrixData } from "./matrix.ts";
import { canonicalizeColumns, pivotRow } from "./sign.ts";
import { assertFinite, assertMatrix } from "./validate.ts";

/** f64 unit roundoff 2⁻⁵³. */
const U = 2 ** -53;

/** Options for {@link svd}. */
export interface SvdOptions {
  /** Sweeps allowed before giving up with a RangeError; default 64. */
  maxSweeps?: number;
}

/** A thin SVD A = U·diag(s)·Vᵀ of an m × n matrix, k = min(m, n). */
export interface Svd {
  /** m × k, orthonormal columns. */
  readonly u: Matrix;
  /** k singular values, descending. */
  readonly s: Float64Array;
  /** n × k, orthonormal columns, each in the sign convention. */
  readonly v: Matrix;
  /** Sweeps run, the last one finding nothing to rotate. */
  readonly sweeps: number;
  /** Rotations applied. */
  readonly rotations: number;
}

const DEFAULT_MAX_SWEEPS = 64;

interface Raw {
  /** k × m: row j is u_j (unnormalised columns w_j until finished). */
  ut: Float64Array;
  s: Float64Array;
  /** k × k: row j is v_j. */
  vt: Float64Array;
  sweeps: number;
  rotations: number;
}

/**
 * One-sided Jacobi on the k columns (rows of `wt`, each of length m, m ≥ k) of a tall matrix.
 * Returns the singular values (unsorted), U's columns and V's columns as rows.
 */
function jacobi(wt: Float64Array, m: number, k: number, maxSweeps: number, what: string): Raw {
  const vt = new Float64Array(k * k);
  for (let j = 0; j < k; j++) vt[j * k + j] = 1;
  const tol = m * U;
  // A column whose norm is at most m·u·‖A‖_F is zero within the backward error the claims allow:
  // rotating it against the others can never make it orthogonal to m·u of its own norm (its
  // entries are rounding noise), so it is skipped, and set to exactly 0 at the end (σ = 0,
  // completed in U like any null direction). Rotations keep ‖A‖_F, so this is decided once.
  let fro2 = 0;
  for (let i = 0; i < k * m; i++) fro2 += wt[i]! ** 2;
  const negligible2 = tol * tol * fro2;
  let sweeps = 0;
  let rotations = 0;
  let converged = false;
  while (!converged && sweeps < maxSweeps) {
    sweeps++;
    let rotatedThisSweep = 0;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const op = p * m;
        const oq = q * m;
        for (let i = 0; i < m; i++) {
          const x = wt[op + i]!;
          const y = wt[oq + i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (alpha <= negligible2 || beta <= negligible2) continue;
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        // The rotation that diagonalises the 2 × 2 Gram matrix [[α, γ], [γ, β]], smaller angle.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(zeta, 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let i = 0; i < m; i++) {
          const x = wt[op + i]!;
          const y = wt[oq + i]!;
          wt[op + i] = c * x - s * y;
          wt[oq + i] = s * x + c * y;
        }
        const vp = p * k;
        const vq = q * k;
        for (let i = 0; i < k; i++) {
          const x = vt[vp + i]!;
          const y = vt[vq + i]!;
          vt[vp + i] = c * x - s * y;
          vt[vq + i] = s * x + c * y;
        }
        rotations++;
        rotatedThisSweep++;
      }
    }
    converged = rotatedThisSweep === 0;
  }
  if (!converged) {
    throw new RangeError(
      `Cannot ${what} a ${m} × ${k} matrix within maxSweeps = ${maxSweeps} sweeps: its ` +
        "columns are not yet orthogonal to m·u",
    );
  }
  const s = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += wt[j * m + i]! ** 2;
    if (ss <= negligible2) {
      wt.fill(0, j * m, (j + 1) * m);
      ss = 0;
    }
    s[j] = Math.sqrt(ss);
  }
  return { ut: wt, s, vt, sweeps, rotations };
}

/**
 * Normalises the columns of U (rows of `ut`) with σ > 0 and completes those with σ = 0 by
 * Gram–Schmidt (twice) of standard basis vectors against every column already set.
 */
function normaliseU(ut: Float64Array, s: Float64Array, m: number, k: number): void {
  const done: number[] = [];
  for (let j = 0; j < k; j++) {
    if (s[j]! > 0) {
      for (let i = 0; i < m; i++) ut[j * m + i] = ut[j * m + i]! / s[j]!;
      done.push(j);
    }
  }
  for (let j = 0; j < k; j++) {
    if (s[j]! > 0) continue;
    for (let e = 0; e < m; e++) {
      const w = new Float64Array(m);
      w[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const d of done) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += ut[d * m + i]! * w[i]!;
          for (let i = 0; i < m; i++) w[i] = w[i]! - dot * ut[d * m + i]!;
        }
      }
      let nn = 0;
      for (let i = 0; i < m; i++) nn += w[i]! ** 2;
      // e_e keeps at least half its length off the span found so far: well conditioned.
      if (nn > 0.25) {
        const norm = Math.sqrt(nn);
        for (let i = 0; i < m; i++) ut[j * m + i] = w[i]! / norm;
        done.push(j);
        break;
      }
    }
  }
}

/**
 * The thin SVD of `a` (m × n): U m × k, s descending, V n × k, k = min(m, n).
 *
 * @throws {TypeError} when `a` is malformed
 * @throws {RangeError} when an element is not finite (naming it), `maxSweeps` is not a
 *   positive integer, or the sweeps run out
 *
 * @example Reconstruction and the sign convention
 * ```ts
 * import { svd } from "./svd.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const a = fromRows([[1, 2, 3], [4, 5, 6]]);
 * const { u, s, v } = svd(a); // wide: u 2 × 2, v 3 × 2
 * for (let i = 0; i < 2; i++) {
 *   for (let j = 0; j < 3; j++) {
 *     let x = 0;
 *     for (let l = 0; l < 2; l++) x += u.data[i * 2 + l]! * s[l]! * v.data[j * 2 + l]!;
 *     ok(Math.abs(x - a.data[i * 3 + j]!) < 1e-14);
 *   }
 * }
 * ok(v.data[2 * 2 + 0]! > 0); // v_0's largest component (row 2) is positive
 * ```
 */
export function svd(a: Matrix<MatrixData>, options: SvdOptions = {}): Svd {
  const what = "compute the SVD of";
  assertMatrix(a, what);
  const maxSweeps = options.maxSweeps ?? DEFAULT_MAX_SWEEPS;
  if (!Number.isSafeInteger(maxSweeps) || maxSweeps < 1) {
    throw new RangeError(`Cannot ${what}: maxSweeps must be a positive integer, got ${maxSweeps}`);
  }
  assertFinite(a, what);
  const tall = a.rows >= a.cols;
  const m = tall ? a.rows : a.cols;
  const k = tall ? a.cols : a.rows;
  // Scale by a power of two so that max|a| is in [0.5, 1): exact, and the squares of the
  // column norms neither overflow nor lose digits to the subnormals needlessly.
  let largest = 0;
  for (const x of a.data) largest = Math.max(largest, Math.abs(x));
  // (The exponent is capped at 1023: a subnormal-only matrix is scaled up as far as 2¹⁰²³ goes.)
  const scale = largest > 0 ? 2 ** Math.min(1023, -Math.ceil(Math.log2(largest) + 1e-12)) : 1;
  // wt (k × m): row j is column j of the tall matrix (A if tall, Aᵀ if wide).
  const wt = new Float64Array(k * m);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) {
      const x = a.data[i * a.cols + j]! * scale;
      if (tall) wt[j * m + i] = x;
      else wt[i * m + j] = x;
    }
  }
  const raw = jacobi(wt, m, k, maxSweeps, what);
  normaliseU(raw.ut, raw.s, m, k);
  const order = Array.from({ length: k }, (_, i) => i);
  order.sort((i, j) => raw.s[j]! - raw.s[i]! || i - j);
  // Tall: A = W·Vᵀ, so U from W and V from the rotations. Wide: Aᵀ = W·Vᵀ, so roles swap.
  const uRows = tall ? m : k;
  const vRows = tall ? k : m;
  const u = matrix(a.rows, k);
  const v = matrix(a.cols, k);
  const s = new Float64Array(k);
  order.forEach((src, dst) => {
    s[dst] = raw.s[src]! / scale;
    for (let i = 0; i < uRows; i++) {
      u.data[i * k + dst] = tall ? raw.ut[src * m + i]! : raw.vt[src * k + i]!;
    }
    for (let i = 0; i < vRows; i++) {
      v.data[i * k + dst] = tall ? raw.vt[src * k + i]! : raw.ut[src * m + i]!;
    }
  });
  applySignConvention(u, v, (j) => s[j] === 0);
  return { u, s, v, sweeps: raw.sweeps, rotations: raw.rotations };
}

/**
 * Puts each v_j (k columns) in the sign convention and flips u_j with it; where u_j was
 * completed (σ_j zero, so u_j and v_j are independent) each is put in the convention on its
 * own. Shared by the host SVD and the GPU one (./svd_gpu.ts).
 */
export function applySignConvention(
  u: Matrix,
  v: Matrix,
  completed: (j: number) => boolean,
): void {
  const k = v.cols;
  for (let j = 0; j < k; j++) {
    const r = pivotRow(v.data, v.rows, k, j);
    const alone = completed(j);
    if (r >= 0 && v.data[r * k + j]! < 0) {
      for (let i = 0; i < v.rows; i++) v.data[i * k + j] = -v.data[i * k + j]!;
      if (!alone) { for (let i = 0; i < u.rows; i++) u.data[i * k + j] = -u.data[i * k + j]!; }
    }
    if (alone) {
      const col = matrix(u.rows, 1);
      for (let i = 0; i < u.rows; i++) col.data[i] = u.data[i * k + j]!;
      canonicalizeColumns(col);
      for (let i = 0; i < u.rows; i++) u.data[i * k + j] = col.data[i]!;
    }
  }
}

/** A principal component analysis of n samples (rows) of d features (columns). */
export interface Pca {
  /** The d feature means that were subtracted. */
  readonly mean: Float64Array;
  /** d × k: column j the j-th principal axis (right singular vector of the centred data). */
  readonly components: Matrix;
  /** k variances along the axes, σ_j²/(n − 1), descending. */
  readonly explainedVariance: Float64Array;
  /** k fractions σ_j²/Σ_all σ², of the total variance (0 when the data are constant). */
  readonly explainedVarianceRatio: Float64Array;
  /** n × k: the centred samples projected on the axes, U_k·diag(σ_k). */
  readonly scores: Matrix;
}

/**
 * PCA of `x` (n samples × d features) through the thin SVD of the centred data (not the
 * covariance matrix, whose formation would square the condition number). `k` defaults to
 * min(n, d) components. The axes follow the SVD's sign convention.
 *
 * @throws {TypeError} when `x` is malformed
 * @throws {RangeError} when `x` has fewer than 2 samples, an element is not finite (naming
 *   it), or `k` is not an integer in 0..min(n, d)
 *
 * @example
 * ```ts
 * import { pca } from "./svd.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * // Points on the line y = 2x: one axis (1, 2)/√5 carries all the variance.
 * const p = pca(fromRows([[0, 0], [1, 2], [2, 4], [3, 6]]));
 * ok(Math.abs(p.components.data[2]! - 2 / Math.sqrt(5)) < 1e-15);
 * ok(Math.abs(p.explainedVarianceRatio[0]! - 1) < 1e-15);
 * ```
 */
export function pca(x: Matrix<MatrixData>, k?: number): Pca {
  const what = "compute the PCA of";
  assertMatrix(x, what);
  const [n, d] = [x.rows, x.cols];
  if (n < 2) {
    throw new RangeError(`Cannot ${what} ${n} samples: expected at least 2 (rows are samples)`);
  }
  assertFinite(x, what);
  const full = Math.min(n, d);
  const kk = k ?? full;
  if (!Number.isSafeInteger(kk) || kk < 0 || kk > full) {
    throw new RangeError(
      `Cannot ${what} a ${n} × ${d} matrix: k must be an integer in ` +
        `0..${full}, got ${kk}`,
    );
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const c = matrix(n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c.data[i * d + j] = x.data[i * d + j]! - mean[j]!;
  }
  const r = svd(c);
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
