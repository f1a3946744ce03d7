/**
 * f64 oracle of the amygdala subspace method (Kent Overstreet's amygdala
 * trainer, kent/consciousness:training/amygdala_training/train_steering_vectors.py),
 * the direct way: each story's full-rank right singular vectors, M formed as an
 * explicit H × H matrix M_pos − M_base, the whole H × H eigendecomposition, and
 * the top-k sum. Independent of impl/amygdala/subspace's span method, which it
 * checks; it also gives the original's UNORIENTED top-k sum (whatever signs the
 * eigensolver returned) for the sign-dependence divergence.
 *
 * @module
 */
import { eigh } from "../../../impl/linalg/eigh.ts";
import { type Matrix, matrix, type MatrixData } from "../../../impl/linalg/matrix.ts";
import { svd } from "../../../impl/linalg/svd.ts";

/** Projector average (1/n)·Σ V_iV_iᵀ over stories, each V_i from the rank-thresholded SVD. */
export function projectorMean(stories: readonly Matrix<MatrixData>[]): Float64Array {
  const h = stories[0]!.cols;
  const m = new Float64Array(h * h);
  for (const x of stories) {
    const s = svd(x);
    const tol = s.s[0]! * Math.max(x.rows, x.cols) * 2 ** -52;
    const kk = s.v.cols;
    for (let j = 0; j < kk; j++) {
      if (!(s.s[j]! > tol)) continue;
      for (let a = 0; a < h; a++) {
        const va = s.v.data[a * kk + j]!;
        for (let b = 0; b < h; b++) {
          m[a * h + b] = m[a * h + b]! + (va * s.v.data[b * kk + j]!) / stories.length;
        }
      }
    }
  }
  // Exactly symmetric for eigh's check.
  for (let a = 0; a < h; a++) for (let b = 0; b < a; b++) m[a * h + b] = m[b * h + a]!;
  return m;
}

/** The H × H matrix M = M_pos − M_base. */
export function oracleM(
  pos: readonly Matrix<MatrixData>[],
  base: readonly Matrix<MatrixData>[],
): Matrix {
  const p = projectorMean(pos);
  const b = projectorMean(base);
  const h = pos[0]!.cols;
  return matrix(h, h, p.map((x, i) => x - b[i]!));
}

/** Eigenpairs of a symmetric matrix, DESCENDING: values and vectors (columns). */
export function eighDescending(m: Matrix): { values: Float64Array; vectors: Matrix } {
  const e = eigh(m);
  const n = m.rows;
  const values = new Float64Array(n);
  const vectors = matrix(n, n);
  for (let j = 0; j < n; j++) {
    values[j] = e.values[n - 1 - j]!;
    for (let i = 0; i < n; i++) vectors.data[i * n + j] = e.vectors.data[i * n + (n - 1 - j)]!;
  }
  return { values, vectors };
}

/**
 * The original's top-k sum: normalize(Σ_{j≤k} max(λ_j, 0)·signs_j·u_j) with the eigenvectors
 * in whatever sign they come (`signs` models the eigensolver's arbitrary choice). memspec's
 * oriented sum is this with signs_j = sign⟨u_j, g⟩.
 */
export function topKSum(
  values: Float64Array,
  vectors: Matrix,
  k: number,
  signs: readonly number[],
): Float64Array {
  const n = vectors.rows;
  const d = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const w = Math.max(values[j]!, 0) * signs[j]!;
    for (let i = 0; i < n; i++) d[i] = d[i]! + w * vectors.data[i * vectors.cols + j]!;
  }
  let s = 0;
  for (const x of d) s += x * x;
  return d.map((x) => x / Math.sqrt(s));
}

/** The oriented direction: signs_j = sign⟨u_j, g⟩ (+1 on exact zero). */
export function orientedTopK(
  values: Float64Array,
  vectors: Matrix,
  k: number,
  g: ArrayLike<number>,
): Float64Array {
  const n = vectors.rows;
  const signs: number[] = [];
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += vectors.data[i * vectors.cols + j]! * g[i]!;
    signs.push(s < 0 ? -1 : 1);
  }
  return topKSum(values, vectors, k, signs);
}

/** The default orientation: story-mean difference (positives minus base). */
export function storyMeanDifference(
  pos: readonly Matrix<MatrixData>[],
  base: readonly Matrix<MatrixData>[],
): Float64Array {
  const h = pos[0]!.cols;
  const g = new Float64Array(h);
  for (const [set, sign] of [[pos, 1], [base, -1]] as const) {
    for (const x of set) {
      for (let t = 0; t < x.rows; t++) {
        for (let i = 0; i < h; i++) {
          g[i] = g[i]! + (sign * x.data[t * h + i]!) / (x.rows * set.length);
        }
      }
    }
  }
  return g;
}
