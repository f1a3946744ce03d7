/**
 * The subspace method of Kent Overstreet's amygdala trainer
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py,
 * `--method subspace`), in f64 on the host, with memspec's two fixes.
 *
 * 1. Each story i (a T_i × H matrix X_i of ALL its token activations, NOT
 *    mean-centred: the uncentred reading reproduces the original's measured
 *    planted figures, λ₁ ≈ 0.57 and |cos(u₁, u)| ≈ 0.89, where centring gives
 *    ≈ 0.39 and ≈ 0.1) gives its full-rank token subspace V_i: the right
 *    singular vectors whose σ_j > σ₁·max(T_i, H)·2⁻⁵² (numpy.linalg.matrix_rank's
 *    default threshold; {@link storySubspace}).
 * 2. M = M_pos − M_base with M_pos = (1/n_pos) Σ V_iV_iᵀ over the positive
 *    stories and M_base = (1/n_base) Σ V_iV_iᵀ over the base stories.
 * 3. d = normalize(Σ_{j ≤ k} max(λ_j, 0)·s_j·u_j) over the top k eigenpairs of M
 *    (descending), where s_j = sign⟨u_j, g⟩ orients each eigenvector by the
 *    orientation vector g (default: the mean over positive stories of each
 *    story's token mean minus the same over base stories; a caller may pass
 *    pooled mean P − mean N instead). The original sums the eigenvectors in
 *    whatever sign `eigh` returned, so its direction depends on sign
 *    conventions; with the orientation, flipping any u_j changes nothing. Where
 *    ⟨u_j, g⟩ is within rounding of 0, u_j keeps the sign convention of
 *    impl/linalg/sign.ts (largest-magnitude component positive).
 * 4. Every top-k eigenvalue ≤ 0 makes the weighted sum 0: a
 *    {@link SubspaceSpectrumError}, not a NaN direction. "≤ 0" means within M's rounding
 *    floor c·(H + Σk_i + n)·u (c = 8): positive stories equal to the base stories give
 *    M = 0 only up to rounding.
 *
 * Why the span: M is a sum of projectors onto span{V_i}, so it vanishes on the
 * orthogonal complement of that span and all its non-zero eigenpairs live in it.
 * With K = Σk_i < H the method orthonormalises the stacked V_i (classical
 * Gram–Schmidt, twice: Q, H × r), decomposes the r × r matrix QᵀMQ and lifts
 * the eigenvectors back (u = Q·w): an r-dimensional eigenproblem instead of an
 * H × H one (the original ran 5120 × 5120 per concept on a GPU). The spectrum
 * of M is then eig(QᵀMQ) and H − r zeros. Both eigenproblems run in f64 on the
 * host (impl/linalg eigh, cyclic Jacobi): r is small, and on memspec's WebGPU
 * backend one host sync costs more than the whole r × r solve.
 *
 * @example
 * ```ts
 * import { subspaceDirection } from "./subspace.ts";
 * import { matrix } from "../../linalg/matrix.ts";
 * import { ok } from "node:assert/strict";
 * // Positive stories contain e₀ exactly; the base story does not.
 * const pos = [matrix(2, 4, [1, 0, 0, 0, 0, 1, 0, 0]), matrix(2, 4, [1, 0, 0, 0, 0, 0, 1, 0])];
 * const base = [matrix(1, 4, [0, 0, 0, 1])];
 * const r = subspaceDirection(pos, base, { eigenK: 1 });
 * ok(Math.abs(r.eigvals[0]! - 1) < 1e-15 && Math.abs(r.direction[0]! - 1) < 1e-15);
 * ```
 *
 * @module
 */
import { eigh } from "../../linalg/eigh.ts";
import { type Matrix, matrix, type MatrixData } from "../../linalg/matrix.ts";
import { pivotRow } from "../../linalg/sign.ts";
import { svd } from "../../linalg/svd.ts";
import {
  checkObject,
  checkReal,
  checkReals,
  firstNonFinite,
  isMatrix,
  shown,
} from "../validate.ts";

/** f64 unit roundoff 2⁻⁵³. */
const U = 2 ** -53;

/** The length of `subspace_eigvals`: the top min(20, H) eigenvalues, as the original logs. */
export const SUBSPACE_EIGVALS_LENGTH = 20;

/** The default number of eigenpairs summed (the original's `--subspace-eigen-k`). */
export const SUBSPACE_DEFAULT_EIGEN_K = 5;

/**
 * The span method's dependence threshold: a stacked column whose residual after two
 * Gram–Schmidt passes is ≤ 2⁻²⁶ = √u (relative to its unit norm) is taken to be in the span
 * already. The dropped mass is reported (`spanResidual`) and enters the parity bound.
 */
export const SUBSPACE_SPAN_TOL = 2 ** -26;

/** The rounding model's constant c of M's floor c·(H + Σk_i + n)·u (invariants/tolerance.ts's LINALG_JACOBI_C). */
export const SUBSPACE_ROUNDING_C = 8;

/** All top-k eigenvalues of M are ≤ 0: no direction exists (the original normalises 0). */
export class SubspaceSpectrumError extends RangeError {
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "SubspaceSpectrumError";
}

/** Options of {@link subspaceDirection}. */
export interface SubspaceOptions {
  /** Eigenpairs summed, an integer in 1..H; default min({@link SUBSPACE_DEFAULT_EIGEN_K}, H). */
  eigenK?: number;
  /**
   * `span` (the r × r problem in the span of the story subspaces), `full` (the H × H
   * eigenproblem of M), or `auto` (default): `span` when Σk_i < H, else `full`.
   */
  method?: "span" | "full" | "auto";
  /** The orientation vector g (length H); default the story-mean difference (module doc). */
  orient?: ArrayLike<number>;
}

/** The eigengaps reported with every subspace direction (eigenvalues descending). */
export interface SubspaceEigengap {
  /** λ₁ − λ₂: how well the top eigenvector is separated. */
  readonly lead: number;
  /** λ_k − λ_{k+1}: how well the summed top-k eigenspace is separated (0 when k = H). */
  readonly afterK: number;
  /** lead / max|λ| (0 for a zero spectrum). */
  readonly relative: number;
}

/** What {@link subspaceDirection} returns. */
export interface SubspaceDirection {
  /** The unit concept direction (length H). */
  readonly direction: Float64Array;
  /** `subspace_eigvals`: the top min(20, H) eigenvalues of M, descending. */
  readonly eigvals: Float64Array;
  /** The top-k eigenvalues of M, descending. */
  readonly topValues: Float64Array;
  /** The top k's weights: λ_j above M's rounding floor c·(H + Σk_i + n)·u, else 0. */
  readonly weights: Float64Array;
  /** H × p: the p top-k eigenvectors with λ_j > 0 (the ones summed), oriented. */
  readonly topVectors: Matrix;
  /** The eigengaps of the spectrum. */
  readonly eigengap: SubspaceEigengap;
  /** k. */
  readonly eigenK: number;
  /** rank(X_i) of each positive story. */
  readonly posRanks: readonly number[];
  /** rank(X_i) of each base story. */
  readonly baseRanks: readonly number[];
  /** r: the dimension of the eigenproblem solved (H for `full`). */
  readonly spanRank: number;
  /** The largest residual of a stacked column dropped as dependent (0 for `full`). */
  readonly spanResidual: number;
  /** Which eigenproblem was solved. */
  readonly method: "span" | "full";
  /** The orientation vector g used. */
  readonly orientation: Float64Array;
}

/** Checks a story set; returns H. Typed errors before any work. */
function checkStories(
  stories: readonly Matrix<MatrixData>[],
  which: string,
  hidden: number | null,
): number {
  if (!Array.isArray(stories) || stories.length === 0) {
    throw new RangeError(
      `Cannot compute the subspace direction: expected at least one ${which} story but got ${
        Array.isArray(stories) ? 0 : typeof stories
      }`,
    );
  }
  let h = hidden;
  stories.forEach((x, i) => {
    if (!isMatrix(x)) {
      throw new TypeError(
        `Cannot compute the subspace direction: expected ${which} story ${i} to be a T × H ` +
          `matrix (f64 or f32 data of T·H values) but got a malformed value`,
      );
    }
    if (x.rows < 1 || x.cols < 1) {
      throw new RangeError(
        `Cannot compute the subspace direction: expected ${which} story ${i} to have at least ` +
          `one token and one feature but got ${x.rows} × ${x.cols}`,
      );
    }
    if (h === null) h = x.cols;
    else if (x.cols !== h) {
      throw new TypeError(
        `Cannot compute the subspace direction: expected hidden size ${h} but ${which} story ` +
          `${i} has ${x.cols}`,
      );
    }
    for (let e = 0; e < x.data.length; e++) {
      if (!Number.isFinite(x.data[e]!)) {
        throw new RangeError(
          `Cannot compute the subspace direction: expected finite activations but ${which} ` +
            `story ${i} has ${x.data[e]} at token ${Math.floor(e / x.cols)}, feature ${e % x.cols}`,
        );
      }
    }
  });
  return h!;
}

/**
 * The full-rank token subspace of one story: the right singular vectors of X (T × H,
 * uncentred) whose singular value exceeds σ₁·max(T, H)·2⁻⁵² (numpy.linalg.matrix_rank's
 * default threshold). Returns H × k, orthonormal columns (k = 0 for an all-zero story). Where
 * impl/linalg's SVD does not converge (exactly dependent rows), the Gram matrix XXᵀ is
 * decomposed instead and the threshold becomes σ_j > σ₁·√(max(T, H)·2⁻⁵²), its rounding floor.
 *
 * @throws {TypeError} when `x` is malformed
 * @throws {RangeError} when an element is not finite
 *
 * @example
 * ```ts
 * import { storySubspace } from "./subspace.ts";
 * import { matrix } from "../../linalg/matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * // Three tokens spanning two dimensions.
 * strictEqual(storySubspace(matrix(3, 4, [1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0])).cols, 2);
 * ```
 */
export function storySubspace(x: Matrix<MatrixData>): Matrix {
  const verb = "compute the story subspace";
  if (!isMatrix(x)) {
    throw new TypeError(
      `Cannot ${verb}: expected a T × H matrix (f64 or f32 data of T·H values) but got ${shown(x)}`,
    );
  }
  if (x.rows < 1 || x.cols < 1) {
    throw new RangeError(
      `Cannot ${verb}: expected at least one token and one feature but got ${x.rows} × ${x.cols}`,
    );
  }
  const bad = firstNonFinite(x.data);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot ${verb}: expected finite activations but got ${x.data[bad]} at token ` +
        `${Math.floor(bad / x.cols)}, feature ${bad % x.cols}`,
    );
  }
  const [t, h] = [x.rows, x.cols];
  // Exactly dependent token rows are fine: impl/linalg's svd counts a rounding-level column
  // as a zero singular value.
  const s = svd(x);
  const tol = (s.s[0] ?? 0) * Math.max(t, h) * 2 * U;
  let k = 0;
  while (k < s.s.length && s.s[k]! > tol) k++;
  const kk = s.v.cols;
  const v = matrix(h, k);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < k; j++) v.data[i * k + j] = s.v.data[i * kk + j]!;
  }
  return v;
}

/**
 * Orients each of the k columns of `vectors` (H × k) by sign⟨u_j, g⟩ and returns
 * normalize(Σ_j w_j·s_j·u_j) with the oriented vectors, w_j = λ_j where λ_j > `floor` (default
 * 0) and 0 otherwise: negative weights clamped. A column with |⟨u_j, g⟩| ≤ H·u·‖u_j‖·‖g‖
 * (orthogonal to rounding) takes the sign convention instead. Flipping the sign of any input
 * column changes nothing.
 *
 * @throws {SubspaceSpectrumError} when no λ_j is > floor
 *
 * @example
 * ```ts
 * import { combineTopK } from "./subspace.ts";
 * import { matrix } from "../../linalg/matrix.ts";
 * import { ok } from "node:assert/strict";
 * const v = matrix(2, 2, [-1, 0, 0, 1]); // u₁ = −e₀, u₂ = e₁
 * const d = combineTopK([0.8, 0.6], v, [1, 1]).direction;
 * ok(Math.abs(d[0]! - 0.8) < 1e-15 && Math.abs(d[1]! - 0.6) < 1e-15);
 * ```
 */
export function combineTopK(
  values: ArrayLike<number>,
  vectors: Matrix<MatrixData>,
  orient: ArrayLike<number>,
  floor = 0,
): { direction: Float64Array; oriented: Matrix; weights: Float64Array } {
  const verb = "combine the top-k eigenvectors";
  if (!isMatrix(vectors)) {
    throw new TypeError(
      `Cannot ${verb}: expected the vectors an H × k matrix (f64 or f32 data of H·k values) ` +
        `but got ${shown(vectors)}`,
    );
  }
  if (vectors.rows < 1 || vectors.cols < 1) {
    throw new RangeError(
      `Cannot ${verb}: expected at least one row and one column of vectors but got ` +
        `${vectors.rows} × ${vectors.cols}`,
    );
  }
  checkReals(values, verb, "the values", null);
  checkReals(orient, verb, "the orientation", null);
  checkReals(vectors.data, verb, "the vectors", null);
  checkReal(floor, verb, "the floor");
  const [h, k] = [vectors.rows, vectors.cols];
  if (values.length !== k || orient.length !== h) {
    throw new TypeError(
      `Cannot combine the top-k eigenvectors: expected ${k} values and an orientation of ` +
        `length ${h} but got ${values.length} and ${orient.length}`,
    );
  }
  const weights = new Float64Array(k);
  for (let j = 0; j < k; j++) weights[j] = values[j]! > floor ? values[j]! : 0;
  // The summed columns: every non-zero weight (the clamp above leaves only positive ones).
  const used = weights.reduce((a, w) => a + (w !== 0 ? 1 : 0), 0);
  if (!weights.some((w) => w > 0)) {
    throw new SubspaceSpectrumError(
      `Cannot form the subspace direction: expected a positive eigenvalue among the top ` +
        `k = ${k} of M = M_pos − M_base but got λ₁ = ${values[0]}: the positive stories ` +
        `share no direction that the base stories lack`,
    );
  }
  let gNorm = 0;
  for (let i = 0; i < h; i++) gNorm += orient[i]! * orient[i]!;
  gNorm = Math.sqrt(gNorm);
  const oriented = matrix(h, used);
  const sum = new Float64Array(h);
  let col = 0;
  for (let j = 0; j < k; j++) {
    if (weights[j] === 0) continue;
    let dot = 0;
    let un = 0;
    for (let i = 0; i < h; i++) {
      const x = vectors.data[i * k + j]!;
      dot += x * orient[i]!;
      un += x * x;
    }
    let sign: number;
    if (Math.abs(dot) > h * U * Math.sqrt(un) * gNorm) sign = Math.sign(dot);
    else sign = vectors.data[pivotRow(vectors.data, h, k, j) * k + j]! < 0 ? -1 : 1;
    for (let i = 0; i < h; i++) {
      const x = sign * vectors.data[i * k + j]!;
      oriented.data[i * used + col] = x;
      sum[i] = sum[i]! + weights[j]! * x;
    }
    col++;
  }
  let n = 0;
  for (let i = 0; i < h; i++) n += sum[i]! * sum[i]!;
  n = Math.sqrt(n);
  for (let i = 0; i < h; i++) sum[i] = sum[i]! / n;
  return { direction: sum, oriented, weights };
}

/** The default orientation: mean over positive stories of token means − the same over base. */
function storyMeanDifference(
  pos: readonly Matrix<MatrixData>[],
  base: readonly Matrix<MatrixData>[],
  h: number,
): Float64Array {
  const g = new Float64Array(h);
  const add = (set: readonly Matrix<MatrixData>[], sign: number) => {
    for (const x of set) {
      const w = sign / (x.rows * set.length);
      for (let t = 0; t < x.rows; t++) {
        for (let i = 0; i < h; i++) g[i] = g[i]! + w * x.data[t * h + i]!;
      }
    }
  };
  add(pos, 1);
  add(base, -1);
  return g;
}

/** Adds w·VVᵀ (V: h × k) into the n × n matrix m, upper triangle mirrored (exactly symmetric). */
function addProjector(m: Float64Array, n: number, v: Float64Array, k: number, w: number): void {
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += v[a * k + l]! * v[b * k + l]!;
      m[a * n + b] = m[a * n + b]! + w * s;
    }
  }
}

function mirror(m: Float64Array, n: number): void {
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) m[a * n + b] = m[b * n + a]!;
}

/**
 * Orthonormal basis of the span of the stacked columns (classical Gram–Schmidt, two passes):
 * returns Q (h × r, row-major in a Float64Array) and the largest dropped residual.
 */
function spanBasis(vs: readonly Matrix[], h: number): { q: Float64Array; r: number; res: number } {
  const total = vs.reduce((a, v) => a + v.cols, 0);
  const cols: Float64Array[] = [];
  let res = 0;
  const w = new Float64Array(h);
  const c = new Float64Array(total);
  for (const v of vs) {
    for (let j = 0; j < v.cols; j++) {
      for (let i = 0; i < h; i++) w[i] = v.data[i * v.cols + j]!;
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < cols.length; p++) {
          const q = cols[p]!;
          let s = 0;
          for (let i = 0; i < h; i++) s += q[i]! * w[i]!;
          c[p] = s;
        }
        for (let p = 0; p < cols.length; p++) {
          const q = cols[p]!;
          const s = c[p]!;
          for (let i = 0; i < h; i++) w[i] = w[i]! - s * q[i]!;
        }
      }
      let n = 0;
      for (let i = 0; i < h; i++) n += w[i]! * w[i]!;
      n = Math.sqrt(n);
      if (n <= SUBSPACE_SPAN_TOL || cols.length === h) {
        res = Math.max(res, n);
        continue;
      }
      const q = new Float64Array(h);
      for (let i = 0; i < h; i++) q[i] = w[i]! / n;
      cols.push(q);
    }
  }
  const r = cols.length;
  const q = new Float64Array(h * r);
  for (let p = 0; p < r; p++) for (let i = 0; i < h; i++) q[i * r + p] = cols[p]![i]!;
  return { q, r, res };
}

/**
 * The subspace-method concept direction of one concept at one layer, from the token
 * activations of its positive stories and of its base stories (module doc: the method, its
 * rank threshold, the orientation and the span eigenproblem).
 *
 * @throws {RangeError} when a story set is empty, a story has no tokens, an activation is not
 *   finite (naming the story, token and feature), or `eigenK` is not an integer in 1..H
 * @throws {TypeError} when a story is malformed, hidden sizes differ (naming the story), or the
 *   orientation's length is not H
 * @throws {SubspaceSpectrumError} when every top-k eigenvalue of M is ≤ 0
 *
 * @example
 * ```ts
 * import { subspaceDirection, SubspaceSpectrumError } from "./subspace.ts";
 * import { matrix } from "../../linalg/matrix.ts";
 * import { throws } from "node:assert/strict";
 * const s = [matrix(1, 3, [1, 0, 0])];
 * // The same story as positive and as base: M = 0, no direction.
 * throws(() => subspaceDirection(s, s), SubspaceSpectrumError);
 * throws(() => subspaceDirection(s, [matrix(1, 2, [1, 0])]), { name: "TypeError" });
 * ```
 */
export function subspaceDirection(
  pos: readonly Matrix<MatrixData>[],
  base: readonly Matrix<MatrixData>[],
  options: SubspaceOptions = {},
): SubspaceDirection {
  checkObject(options, "compute the subspace direction", "options");
  const h = checkStories(pos, "positive", null);
  checkStories(base, "base", h);
  const eigenK = options.eigenK === undefined
    ? Math.min(SUBSPACE_DEFAULT_EIGEN_K, h)
    : options.eigenK;
  if (!Number.isSafeInteger(eigenK) || eigenK < 1 || eigenK > h) {
    throw new RangeError(
      `Cannot compute the subspace direction: expected eigenK to be an integer in 1..${h} ` +
        `but got ${eigenK}`,
    );
  }
  const method = options.method === undefined ? "auto" : options.method;
  if (method !== "span" && method !== "full" && method !== "auto") {
    throw new TypeError(
      `Cannot compute the subspace direction: expected method span, full or auto but got ${
        String(method)
      }`,
    );
  }
  let orientation: Float64Array;
  if (options.orient !== undefined) {
    checkReals(options.orient, "compute the subspace direction", "the orientation", null);
    if (options.orient.length !== h) {
      throw new TypeError(
        `Cannot compute the subspace direction: expected an orientation of length ${h} but ` +
          `got ${options.orient.length}`,
      );
    }
    orientation = Float64Array.from(options.orient);
    const bad = orientation.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot compute the subspace direction: expected a finite orientation but got ` +
          `${orientation[bad]} at ${bad}`,
      );
    }
  } else orientation = storyMeanDifference(pos, base, h);

  const posV = pos.map(storySubspace);
  const baseV = base.map(storySubspace);
  const total = [...posV, ...baseV].reduce((a, v) => a + v.cols, 0);
  const useSpan = method === "span" || (method === "auto" && total < h);

  // The eigenpairs of M that the method can see: `values` ascending, `vecs` h × n (lifted).
  let values: Float64Array;
  let vecs: Float64Array;
  let n: number;
  let spanResidual = 0;
  if (useSpan) {
    const basis = spanBasis([...posV, ...baseV], h);
    n = basis.r;
    spanResidual = basis.res;
    const mq = new Float64Array(n * n);
    const project = (set: Matrix[], w: number) => {
      for (const v of set) {
        // C = QᵀV (n × k): the story's subspace in the span's coordinates.
        const k = v.cols;
        const c = new Float64Array(n * k);
        for (let i = 0; i < h; i++) {
          for (let a = 0; a < n; a++) {
            const qa = basis.q[i * n + a]!;
            if (qa === 0) continue;
            for (let l = 0; l < k; l++) c[a * k + l] = c[a * k + l]! + qa * v.data[i * k + l]!;
          }
        }
        addProjector(mq, n, c, k, w);
      }
    };
    project(posV, 1 / posV.length);
    project(baseV, -1 / baseV.length);
    mirror(mq, n);
    const e = n > 0 ? eigh(matrix(n, n, mq)) : null;
    values = e?.values ?? new Float64Array(0);
    vecs = new Float64Array(h * n);
    if (e !== null) {
      for (let i = 0; i < h; i++) {
        for (let a = 0; a < n; a++) {
          const qa = basis.q[i * n + a]!;
          for (let j = 0; j < n; j++) {
            vecs[i * n + j] = vecs[i * n + j]! + qa * e.vectors.data[a * n + j]!;
          }
        }
      }
    }
  } else {
    n = h;
    const m = new Float64Array(h * h);
    for (const v of posV) addProjector(m, h, v.data, v.cols, 1 / posV.length);
    for (const v of baseV) addProjector(m, h, v.data, v.cols, -1 / baseV.length);
    mirror(m, h);
    const e = eigh(matrix(h, h, m));
    values = e.values;
    vecs = e.vectors.data;
  }

  // The whole spectrum of M, descending: the solved values and, for the span, h − n zeros.
  const spectrum = new Float64Array(h);
  let at = 0;
  for (let j = n - 1; j >= 0 && values[j]! > 0; j--) spectrum[at++] = values[j]!;
  at += h - n; // zeros of the complement
  for (let j = n - 1; j >= 0; j--) if (!(values[j]! > 0)) spectrum[at++] = values[j]!;

  const topValues = spectrum.slice(0, eigenK);
  // M's rounding floor: an eigenvalue within c·(H + K + n)·u of 0 (c = 8, the Jacobi model of
  // invariants/tolerance.ts) may be a rounding artefact of an exactly zero one (positive stories
  // equal to the base ones give M = 0 up to rounding), so it gets no weight.
  const floor = SUBSPACE_ROUNDING_C * (h + total + pos.length + base.length) * U;
  // The candidates: the solved eigenpairs among the top k (any eigenvector outside the span has
  // λ = 0 and no weight); combineTopK clamps the non-positive weights.
  const m = Math.min(eigenK, n);
  const top = matrix(h, m);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < m; j++) top.data[i * m + j] = vecs[i * n + (n - 1 - j)]!;
  }
  const candidates = Float64Array.from({ length: m }, (_, j) => values[n - 1 - j]!);
  if (!candidates.some((x) => x > floor)) {
    throw new SubspaceSpectrumError(
      `Cannot form the subspace direction: expected a positive eigenvalue among the top ` +
        `k = ${eigenK} of M = M_pos − M_base above its rounding floor ${floor.toExponential(2)} ` +
        `but got λ₁ = ${spectrum[0]}: the positive ` +
        `stories share no direction that the base stories lack`,
    );
  }
  const combined = combineTopK(candidates, top, orientation, floor);
  const big = Math.max(Math.abs(spectrum[0]!), Math.abs(spectrum[h - 1]!));
  const lead = h > 1 ? spectrum[0]! - spectrum[1]! : 0;
  return {
    direction: combined.direction,
    eigvals: spectrum.slice(0, Math.min(SUBSPACE_EIGVALS_LENGTH, h)),
    topValues,
    weights: Float64Array.from(topValues, (x) => (x > floor ? x : 0)),
    topVectors: combined.oriented,
    eigengap: {
      lead,
      afterK: eigenK < h ? spectrum[eigenK - 1]! - spectrum[eigenK]! : 0,
      relative: big > 0 ? lead / big : 0,
    },
    eigenK,
    posRanks: posV.map((v) => v.cols),
    baseRanks: baseV.map((v) => v.cols),
    spanRank: n,
    spanResidual,
    method: useSpan ? "span" : "full",
    orientation,
  };
}
