/**
 * The f64 oracle of the amygdala aggregators: each one written as its definition reads,
 * with no shortcut, so that it checks the implementation (impl/amygdala/aggregators/)
 * independently.
 *
 * - pooled: (mean P − mean N)/‖·‖₂;
 * - mean: mean_i δ_i, δ_i = p_i − n_i;
 * - pca: the top eigenvector of the H × H uncentered second moment S = Σ δ_i δ_iᵀ (where the
 *   implementation uses the n × n Gram matrix), times sign(mean_i ⟨δ_i, v⟩) exactly as the
 *   steering-vectors library does, so sign(0) = 0 gives the zero vector here;
 * - logistic: the objective ½‖w‖² + 2C Σ softplus(−wᵀδ_i/2), its gradient and Hessian in
 *   w-space (H × H), and an L2 fit by plain Newton with the H × H Hessian;
 * - logistic_l1: the objective ‖w‖₁ + 2C Σ softplus(−wᵀδ_i/2) and its KKT residual (the
 *   ∞-norm of the minimum-norm subgradient).
 *
 * Sources: steering-vectors/steering-vectors:steering_vectors/aggregators.py @5459bd1;
 * scikit-learn LogisticRegression (the objective C Σ log(1 + exp(−y wᵀx)) + penalty).
 *
 * @module
 */
import {
  choleskySolve,
  eigh,
  type Matrix,
  matrix,
  type MatrixData,
} from "../../../impl/linalg/mod.ts";

/** Row-major n × H deltas δ_i = p_i − n_i. */
export function oracleDeltas(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): Float64Array {
  return Float64Array.from(pos.data, (p, i) => p - neg.data[i]!);
}

function colMean(m: Matrix<MatrixData>): Float64Array {
  const out = new Float64Array(m.cols);
  for (let j = 0; j < m.cols; j++) {
    let s = 0;
    for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + j]!;
    out[j] = s / m.rows;
  }
  return out;
}

/** ‖v‖₂. */
export function oracleNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** ⟨a, b⟩ / (‖a‖‖b‖). */
export function oracleCos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s / (oracleNorm(a) * oracleNorm(b));
}

/** Pooled CAA: (mean P − mean N)/‖mean P − mean N‖₂. */
export function oraclePooled(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): Float64Array {
  const mp = colMean(pos);
  const mn = colMean(neg);
  const d = mp.map((x, j) => x - mn[j]!);
  const n = oracleNorm(d);
  return d.map((x) => x / n);
}

/** The library's mean aggregator: mean_i δ_i (not normalised). */
export function oracleMean(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): Float64Array {
  return colMean(matrix(pos.rows, pos.cols, oracleDeltas(pos, neg)));
}

/**
 * The library's pca aggregator as written: the top eigenvector of Σ δ_i δ_iᵀ (H × H),
 * multiplied by sign(mean_i ⟨δ_i, v⟩): the zero vector when that mean is 0.
 */
export function oraclePca(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): Float64Array {
  const n = pos.rows;
  const h = pos.cols;
  const d = oracleDeltas(pos, neg);
  const s = matrix(h, h);
  for (let a = 0; a < h; a++) {
    for (let b = a; b < h; b++) {
      let t = 0;
      for (let i = 0; i < n; i++) t += d[i * h + a]! * d[i * h + b]!;
      s.data[a * h + b] = t;
      s.data[b * h + a] = t;
    }
  }
  const e = eigh(s);
  const v = Float64Array.from({ length: h }, (_, j) => e.vectors.data[j * h + h - 1]!);
  // Per-row projections, then their mean, as the library's `(deltas @ v).mean()`.
  let proj = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < h; j++) r += d[i * h + j]! * v[j]!;
    proj += r;
  }
  proj /= n;
  return v.map((x) => x * Math.sign(proj));
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function marginsOf(d: Float64Array, n: number, h: number, w: ArrayLike<number>): Float64Array {
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < h; j++) s += d[i * h + j]! * w[j]!;
    m[i] = s / 2;
  }
  return m;
}

/** ∇ of the logistic loss 2C Σ softplus(−wᵀδ_i/2): −C Σ σ(−m_i) δ_i. */
export function oracleLossGradient(
  d: Float64Array,
  n: number,
  h: number,
  w: ArrayLike<number>,
  C = 1,
): Float64Array {
  const m = marginsOf(d, n, h, w);
  const g = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    const c = C * sigmoid(-m[i]!);
    for (let j = 0; j < h; j++) g[j]! -= c * d[i * h + j]!;
  }
  return g;
}

/** ∇f of the L2 objective: w − C Σ σ(−m_i) δ_i. */
export function oracleL2Gradient(
  d: Float64Array,
  n: number,
  h: number,
  w: ArrayLike<number>,
  C = 1,
): Float64Array {
  const g = oracleLossGradient(d, n, h, w, C);
  for (let j = 0; j < h; j++) g[j]! += w[j]!;
  return g;
}

/** The Hessian of the loss, (C/2) Σ σ(m_i)σ(−m_i) δ_i δ_iᵀ, restricted to `cols`. */
export function oracleLossHessian(
  d: Float64Array,
  n: number,
  h: number,
  w: ArrayLike<number>,
  cols: readonly number[],
  C = 1,
): Matrix {
  const m = marginsOf(d, n, h, w);
  const k = cols.length;
  const out = matrix(k, k);
  for (let i = 0; i < n; i++) {
    const q = (C / 2) * sigmoid(m[i]!) * sigmoid(-m[i]!);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        out.data[a * k + b]! += q * d[i * h + cols[a]!]! * d[i * h + cols[b]!]!;
      }
    }
  }
  return out;
}

/** ½‖w‖² + 2C Σ softplus(−m_i). */
export function oracleL2Objective(
  d: Float64Array,
  n: number,
  h: number,
  w: ArrayLike<number>,
  C = 1,
): number {
  const m = marginsOf(d, n, h, w);
  let r = 0;
  for (let j = 0; j < h; j++) r += w[j]! * w[j]!;
  let l = 0;
  for (let i = 0; i < n; i++) l += softplus(-m[i]!);
  return r / 2 + 2 * C * l;
}

/** The L1 problem's KKT residual at w: ∞-norm of the minimum-norm subgradient. */
export function oracleL1Kkt(
  d: Float64Array,
  n: number,
  h: number,
  w: ArrayLike<number>,
  C = 1,
): number {
  const g = oracleLossGradient(d, n, h, w, C);
  let r = 0;
  for (let j = 0; j < h; j++) {
    const v = w[j]! !== 0 ? Math.abs(g[j]! + Math.sign(w[j]!)) : Math.max(Math.abs(g[j]!) - 1, 0);
    r = Math.max(r, v);
  }
  return r;
}

/**
 * The L2 logistic fit by undamped Newton with the H × H Hessian I + (C/2) Σ σσ' δ δᵀ, from
 * w = 0, until ‖∇f‖ stops decreasing (at most 100 steps): the literal method, for small H.
 */
export function oracleLogisticL2(
  d: Float64Array,
  n: number,
  h: number,
  C = 1,
): Float64Array {
  let w = new Float64Array(h);
  let best = Infinity;
  let bestW = w;
  for (let it = 0; it < 100; it++) {
    const g = oracleL2Gradient(d, n, h, w, C);
    const gn = oracleNorm(g);
    if (gn >= best) break;
    best = gn;
    bestW = w;
    const all = Array.from({ length: h }, (_, j) => j);
    const hess = oracleLossHessian(d, n, h, w, all, C);
    for (let j = 0; j < h; j++) hess.data[j * h + j]! += 1;
    const p = choleskySolve(hess, matrix(h, 1, g));
    w = w.map((x, j) => x - p.data[j]!);
  }
  return bestW;
}
