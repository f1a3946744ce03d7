/**
 * AMS v4's Kakeya compression of large memory fields, in f64 on the host:
 * PCA with the variance-ratio rank rule, spherical k-means with farthest-first
 * initialisation and the empty-cluster rule, the alignment helpers that tie a
 * set to a bundle axis, `KakeyaSet` (build, encode, decode), `KakeyaRegistry`
 * (the default routing of fields to four sets, base-to-field maps, inactive
 * sets that keep indices aligned, `decodeField`, `verifyInvariants`), a
 * rebuild policy of memspec's own, and the v3.12 codec's byte accounting.
 *
 * Source: FluffyAIcode/AgentMemorySystem:ams_v4/kakeya/{set,registry,alignment}.py and the v3.12
 * kakeya_codec.py (PR #30). Where memspec departs from the original, the JSDoc says so:
 * - the single random centre of a set whose projected rows are all (near) zero is drawn from
 *   memspec's seeded `Rng` (the original draws it from torch's global RNG: not reproducible);
 * - base-to-field maps are drawn from memspec's seeded `Rng` (stream `set index + 100`, f64
 *   Box–Muller normals / √d_base), or given explicitly: torch's `randn` cannot be reproduced;
 * - `verifyInvariants` also reports invariant 5 (reconstruction) on samples, which the original
 *   checks in tests only, and reports each failure with its figure and bound;
 * - `kakeyaRebuildDecision` is memspec's policy (the original builds once, from the first
 *   `kakeya_min_entries` entries).
 *
 * Everything is f64 and deterministic; a `Matrix` (impl/linalg) holds row-major rows.
 *
 * @example Build a set, encode and decode one of its rows
 * ```ts
 * import { KakeyaSet } from "./kakeya.ts";
 * import { matrix } from "../../linalg/mod.ts";
 * import { ok } from "node:assert/strict";
 * // 6 points on a 2-d plane through (1, 1, 1, 1) in R⁴: PCA keeps 2 axes, and with
 * // d_res ≥ d_eff the decode is the PCA projection, so a point of the plane comes back.
 * const x = matrix(6, 4, [
 *   2, 1, 1, 1, 1, 2, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 3, 2, 1, 1, 2, 3, 1, 1,
 * ]);
 * const set = KakeyaSet.build(x, [1, 0, 0, 0], { K: 2, dRes: 5 });
 * const v = [2, 1, 1, 1];
 * const back = set.decode(set.encode(v));
 * ok(back.every((y, i) => Math.abs(y - v[i]!) < 1e-12));
 * ```
 *
 * @module
 */
import { CFG4_DEFAULTS } from "../config/config.ts";
import { type Matrix, matrix, type MatrixData, svd } from "../../linalg/mod.ts";
import { Rng } from "../../gpu/rng.ts";

// ---------------------------------------------------------------------------------------------
// Checks

function shownValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === "object") return "an object";
  return String(v);
}

/** Checks a finite f64 vector of `length` values; returns it as a Float64Array copy. */
function vectorOf(op: string, what: string, v: unknown, length?: number): Float64Array {
  const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to be an array or typed array but got ` +
        shownValue(v),
    );
  }
  const xs = v as ArrayLike<unknown>;
  if (length !== undefined && xs.length !== length) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to hold ${length} values but got ${xs.length}`,
    );
  }
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== "number") {
      throw new TypeError(
        `Cannot ${op}: expected ${what}[${i}] to be a number but got ` +
          shownValue(x),
      );
    }
    if (!Number.isFinite(x)) {
      throw new RangeError(`Cannot ${op}: expected ${what}[${i}] to be finite but got ${x}`);
    }
    out[i] = x;
  }
  return out;
}

/** `v`, or `d` when `v` is undefined (null is a value, refused by the checks that follow). */
function dflt<T>(v: T | undefined, d: T): T {
  return v === undefined ? d : v;
}

/** Checks an options object (undefined: `{}`, every default). */
function optionsOf<T extends object>(op: string, o: T | undefined, what = "options"): T {
  if (o === undefined) return {} as T;
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new TypeError(`Cannot ${op}: expected ${what} to be an object but got ${shownValue(o)}`);
  }
  return o;
}

/** Checks a finite matrix (optionally of `cols` columns and at least `minRows` rows). */
function matrixOf(
  op: string,
  what: string,
  m: unknown,
  shape: { rows?: number; cols?: number; minRows?: number } = {},
): Matrix<MatrixData> {
  const mm = m as Partial<Matrix<MatrixData>> | null;
  if (
    mm === null || typeof mm !== "object" || !Number.isSafeInteger(mm.rows) ||
    !Number.isSafeInteger(mm.cols) ||
    !(mm.data instanceof Float64Array || mm.data instanceof Float32Array) ||
    mm.data.length !== mm.rows! * mm.cols!
  ) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to be a Matrix {rows, cols, data: Float64Array or ` +
        `Float32Array of rows·cols} but got ${shownValue(m)}`,
    );
  }
  const a = mm as Matrix<MatrixData>;
  if (shape.cols !== undefined && a.cols !== shape.cols) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to have ${shape.cols} columns but got ${a.cols}`,
    );
  }
  if (shape.rows !== undefined && a.rows !== shape.rows) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} to have ${shape.rows} rows but got ${a.rows}`,
    );
  }
  if (shape.minRows !== undefined && a.rows < shape.minRows) {
    throw new RangeError(
      `Cannot ${op}: expected ${what} to have at least ${shape.minRows} rows but got ${a.rows}`,
    );
  }
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]!)) {
      throw new RangeError(
        `Cannot ${op}: expected ${what} to be finite but element (${Math.floor(i / a.cols)}, ` +
          `${i % a.cols}) is ${a.data[i]}`,
      );
    }
  }
  return a;
}

function intIn(op: string, what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(
      `Cannot ${op}: expected ${what} to be an integer in [${min}, ${max}] but got ${
        shownValue(v)
      }`,
    );
  }
  return v;
}

function realIn(
  op: string,
  what: string,
  v: unknown,
  lo: number,
  hi: number,
  rule: string,
): number {
  if (typeof v !== "number" || !Number.isFinite(v) || !(v > lo && v <= hi)) {
    throw new RangeError(`Cannot ${op}: expected ${what} ${rule} but got ${shownValue(v)}`);
  }
  return v;
}

function norm(x: ArrayLike<number>, from = 0, n = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[from + i]! * x[from + i]!;
  return Math.sqrt(s);
}

// ---------------------------------------------------------------------------------------------
// PCA with the variance-ratio rule

/** The result of {@link kakeyaPca}. */
export interface KakeyaPca {
  /** d column means μ. */
  readonly mean: Float64Array;
  /** d_eff × d, orthonormal rows: the top right singular vectors of X − μ (impl/linalg's signs). */
  readonly basis: Matrix;
  /** The kept rank d_eff. */
  readonly dEff: number;
  /** Every singular value of X − μ, descending (min(n, d) of them). */
  readonly singularValues: Float64Array;
  /** cumvar_i = Σ_{j≤i} S_j² / max(Σ S², 1e-12), i = 0..min(n, d) − 1. */
  readonly cumvar: Float64Array;
}

/**
 * The variance-ratio rank rule: d_eff = 1 + (the first i with cumvar_i ≥ ratio), or len(S)
 * when there is none, clamped into [2, rows] (rows = min(n, d), the rows of Vh).
 *
 * @throws {RangeError} when `ratio` is not in (0, 1] or `rows` < 2
 *
 * @example
 * ```ts
 * import { varianceRatioRank } from "./kakeya.ts";
 * import { strictEqual } from "node:assert/strict";
 * // cumvar = [0.9, 0.99, 1]: the first i with cumvar_i ≥ 0.99 is 1, so d_eff = 2.
 * strictEqual(varianceRatioRank(Float64Array.of(Math.sqrt(90), 3, 1), 0.99, 3).dEff, 2);
 * ```
 */
export function varianceRatioRank(
  singularValues: ArrayLike<number>,
  ratio: number,
  rows: number,
): { dEff: number; cumvar: Float64Array } {
  const op = "apply the variance-ratio rule";
  realIn(op, "ratio", ratio, 0, 1, "to be in (0, 1]");
  intIn(op, "rows", rows, 2, Number.MAX_SAFE_INTEGER);
  const sv = vectorOf(op, "singularValues", singularValues);
  if (sv.length === 0 || sv.some((x) => x < 0)) {
    throw new RangeError(
      `Cannot ${op}: expected at least one singular value, each >= 0, but got ${shownValue(sv)}`,
    );
  }
  singularValues = sv;
  const k = singularValues.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += singularValues[i]! ** 2;
  const denom = Math.max(total, 1e-12);
  const cumvar = new Float64Array(k);
  let acc = 0;
  let dEff = k;
  for (let i = 0; i < k; i++) {
    acc += singularValues[i]! ** 2;
    cumvar[i] = acc / denom;
  }
  for (let i = 0; i < k; i++) {
    if (cumvar[i]! >= ratio) {
      dEff = i + 1;
      break;
    }
  }
  dEff = Math.min(Math.max(dEff, 2), rows);
  return { dEff, cumvar };
}

/**
 * PCA of `x` (n rows × d) as the original computes it: μ = mean(X), the thin SVD of X − μ
 * (impl/linalg's f64 one-sided Jacobi; its sign convention fixes the basis' signs), and the
 * variance-ratio rule ({@link varianceRatioRank}) for the rank.
 *
 * @throws {TypeError} when `x` is not a Matrix
 * @throws {RangeError} when `x` has fewer than 2 rows or 2 columns, a non-finite element, or
 *   `ratio` is not in (0, 1]
 *
 * @example
 * ```ts
 * import { kakeyaPca } from "./kakeya.ts";
 * import { matrix } from "../../linalg/mod.ts";
 * import { strictEqual } from "node:assert/strict";
 * const p = kakeyaPca(matrix(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1]), 0.99);
 * strictEqual(p.dEff, 2); // the centred data have rank 2
 * ```
 */
export function kakeyaPca(
  x: Matrix<MatrixData>,
  ratio: number = CFG4_DEFAULTS.kakeya_variance_ratio,
): KakeyaPca {
  const op = "compute the Kakeya PCA";
  const a = matrixOf(op, "X", x, { minRows: 2 });
  if (a.cols < 2) {
    throw new RangeError(`Cannot ${op}: expected X to have at least 2 columns but got ${a.cols}`);
  }
  realIn(op, "the variance ratio", ratio, 0, 1, "to be in (0, 1]");
  const [n, d] = [a.rows, a.cols];
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + a.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const c = matrix(n, d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c.data[i * d + j] = a.data[i * d + j]! - mean[j]!;
  }
  const r = svd(c);
  const k = r.s.length;
  const { dEff, cumvar } = varianceRatioRank(r.s, ratio, k);
  const basis = matrix(dEff, d);
  for (let q = 0; q < dEff; q++) {
    for (let j = 0; j < d; j++) basis.data[q * d + j] = r.v.data[j * k + q]!;
  }
  return { mean, basis, dEff, singularValues: Float64Array.from(r.s), cumvar };
}

// ---------------------------------------------------------------------------------------------
// Spherical k-means

/** The result of {@link sphericalKMeans}. */
export interface SphericalKMeans {
  /** K × d centres: normalize(mean of members), or a copy of a point (init, empty-cluster rule). */
  readonly centers: Matrix;
  /** Per point, its cluster: argmax_k ⟨dir, c_k⟩ (ties to the lower k) at the last check. */
  readonly assignment: Int32Array;
  /** The farthest-first initialisation: the indices of the points copied into c_0..c_{K−1}. */
  readonly initOrder: readonly number[];
  /** Loop iterations run (the last one the check that found no change, unless 100 ran out). */
  readonly iterations: number;
}

/** The original's iteration cap. */
export const KMEANS_MAX_ITERATIONS = 100;

/** argmax_k ⟨row i, c_k⟩ for every row; ties to the lower k. */
function argmaxAssign(dirs: Float64Array, n: number, d: number, centers: Float64Array, K: number) {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += dirs[i * d + j]! * centers[k * d + j]!;
      if (s > best) {
        best = s;
        arg = k;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** The point whose max-similarity to the first `K` centres is smallest (ties: lower index). */
function leastCovered(dirs: Float64Array, n: number, d: number, centers: Float64Array, K: number) {
  let worst = Infinity;
  let arg = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += dirs[i * d + j]! * centers[k * d + j]!;
      if (s > best) best = s;
    }
    if (best < worst) {
      worst = best;
      arg = i;
    }
  }
  return arg;
}

/**
 * Spherical k-means of unit rows `dirs` (n × d) into K ← min(K, n) clusters, as the original:
 * - K ≤ 1: the single centre is the first point, every point in cluster 0;
 * - farthest-first init: c_0 = dirs_0, and each next centre is the point whose MAXIMUM
 *   similarity to the centres so far is the MINIMUM (ties to the lower index);
 * - at most 100 iterations of: assign by argmax ⟨dir, c⟩; stop when the assignment did not change
 *   (the initial assignment is all zero); c_k = normalize(mean of members); an empty cluster k
 *   (clusters taken in order, in place) takes the point with the smallest max-similarity to the
 *   current centres, and that point is reassigned to k.
 * The rows are used as given (the caller normalises them).
 *
 * @throws {TypeError} when `dirs` is not a Matrix
 * @throws {RangeError} when `dirs` has no rows or a non-finite element, or K is not an integer ≥ 1
 *
 * @example
 * ```ts
 * import { sphericalKMeans } from "./kakeya.ts";
 * import { matrix } from "../../linalg/mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const r = sphericalKMeans(matrix(4, 2, [1, 0, 0.8, 0.6, 0, 1, -1, 0]), 2);
 * deepStrictEqual(r.initOrder, [0, 3]); // (−1, 0) has the least similarity to (1, 0)
 * ```
 */
export function sphericalKMeans(dirs: Matrix<MatrixData>, K: number): SphericalKMeans {
  const op = "run spherical k-means";
  const a = matrixOf(op, "dirs", dirs, { minRows: 1 });
  intIn(op, "K", K, 1, Number.MAX_SAFE_INTEGER);
  const [n, d] = [a.rows, a.cols];
  const x = Float64Array.from(a.data);
  const k = Math.min(K, n);
  if (k <= 1) {
    return {
      centers: matrix(1, d, x.subarray(0, d)),
      assignment: new Int32Array(n),
      initOrder: [0],
      iterations: 0,
    };
  }
  const c = new Float64Array(k * d);
  const initOrder = [0];
  c.set(x.subarray(0, d), 0);
  for (let m = 1; m < k; m++) {
    const j = leastCovered(x, n, d, c, m);
    initOrder.push(j);
    c.set(x.subarray(j * d, (j + 1) * d), m * d);
  }
  let assign = new Int32Array(n);
  let iterations = 0;
  for (let it = 0; it < KMEANS_MAX_ITERATIONS; it++) {
    iterations++;
    const next = argmaxAssign(x, n, d, c, k);
    let same = true;
    for (let i = 0; i < n; i++) if (next[i] !== assign[i]) same = false;
    if (same) break;
    assign = next;
    for (let q = 0; q < k; q++) {
      const sum = new Float64Array(d);
      let members = 0;
      for (let i = 0; i < n; i++) {
        if (assign[i] !== q) continue;
        members++;
        for (let j = 0; j < d; j++) sum[j] = sum[j]! + x[i * d + j]!;
      }
      if (members === 0) {
        const far = leastCovered(x, n, d, c, k);
        c.set(x.subarray(far * d, (far + 1) * d), q * d);
        assign[far] = q;
        continue;
      }
      for (let j = 0; j < d; j++) sum[j] = sum[j]! / members;
      const s = Math.max(norm(sum), 1e-12);
      for (let j = 0; j < d; j++) c[q * d + j] = sum[j]! / s;
    }
  }
  return { centers: { rows: k, cols: d, data: c }, assignment: assign, initOrder, iterations };
}

// ---------------------------------------------------------------------------------------------
// Alignment helpers

/**
 * pushforward(a, M) = a·M: a base-space axis (d_base) carried into a field (d_field) by the
 * d_base × d_field map M.
 *
 * @throws {TypeError} when `a` does not hold M.rows values or M is not a Matrix
 * @throws {RangeError} when an element is not finite
 *
 * @example
 * ```ts
 * import { pushforward } from "./kakeya.ts";
 * import { matrix } from "../../linalg/mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(pushforward([1, 2], matrix(2, 3, [1, 0, 1, 0, 1, 1]))), [1, 2, 3]);
 * ```
 */
export function pushforward(a: ArrayLike<number>, m: Matrix<MatrixData>): Float64Array {
  const op = "push an axis forward";
  const M = matrixOf(op, "M", m);
  const av = vectorOf(op, "the axis", a, M.rows);
  const out = new Float64Array(M.cols);
  for (let i = 0; i < M.rows; i++) {
    for (let j = 0; j < M.cols; j++) out[j] = out[j]! + av[i]! * M.data[i * M.cols + j]!;
  }
  return out;
}

/**
 * project_into_pca(u, B) = B·u: a field vector's coordinates in a d_eff × d basis.
 *
 * @throws {TypeError} when `u` does not hold B.cols values
 * @throws {RangeError} when an element is not finite
 *
 * @example
 * ```ts
 * import { projectIntoPca } from "./kakeya.ts";
 * import { matrix } from "../../linalg/mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(projectIntoPca([3, 4, 5], matrix(2, 3, [1, 0, 0, 0, 0, 1]))), [3, 5]);
 * ```
 */
export function projectIntoPca(u: ArrayLike<number>, b: Matrix<MatrixData>): Float64Array {
  const op = "project into the PCA basis";
  const B = matrixOf(op, "B", b);
  const uv = vectorOf(op, "u", u, B.cols);
  const out = new Float64Array(B.rows);
  for (let q = 0; q < B.rows; q++) {
    let s = 0;
    for (let j = 0; j < B.cols; j++) s += B.data[q * B.cols + j]! * uv[j]!;
    out[q] = s;
  }
  return out;
}

/**
 * alignment_error(t, y) = ‖t − y / max(‖y‖, 1e-8)‖: 0 when t is y's direction, √2 when they are
 * orthogonal unit vectors, 2 when opposite.
 *
 * @throws {TypeError} when the lengths differ
 * @throws {RangeError} when an element is not finite
 *
 * @example
 * ```ts
 * import { alignmentError } from "./kakeya.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * strictEqual(alignmentError([1, 0], [3, 0]), 0);
 * ok(alignmentError([1, 0], [0, 2]) > 1);
 * ```
 */
export function alignmentError(t: ArrayLike<number>, y: ArrayLike<number>): number {
  const op = "measure the alignment error";
  const tv = vectorOf(op, "t", t);
  const yv = vectorOf(op, "y", y, tv.length);
  const s = Math.max(norm(yv), 1e-8);
  let e = 0;
  for (let i = 0; i < tv.length; i++) e += (tv[i]! - yv[i]! / s) ** 2;
  return Math.sqrt(e);
}

/**
 * solve_aligned_t_dir(y): (y/‖y‖, degenerate false) when ‖y‖ ≥ 1e-8, else (e₀, true).
 *
 * @throws {TypeError} when `y` is not a list
 * @throws {RangeError} when `y` is empty or holds a non-finite element
 *
 * @example
 * ```ts
 * import { solveAlignedTDir } from "./kakeya.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(solveAlignedTDir([0, 0, 0]), { t: Float64Array.of(1, 0, 0), degenerate: true });
 * ```
 */
export function solveAlignedTDir(y: ArrayLike<number>): { t: Float64Array; degenerate: boolean } {
  const yv = vectorOf("solve the aligned direction", "y", y);
  if (yv.length === 0) {
    throw new RangeError(
      "Cannot solve the aligned direction: expected y to be non-empty but got 0 values",
    );
  }
  const s = norm(yv);
  if (s >= 1e-8) return { t: yv.map((v) => v / s), degenerate: false };
  const t = new Float64Array(yv.length);
  t[0] = 1;
  return { t, degenerate: true };
}

// ---------------------------------------------------------------------------------------------
// KakeyaSet

/** One compressed vector: the original's `CompressedVec`, with τ (which its decode needs). */
export interface CompressedVec {
  /** The set that encoded it (its index in the registry's routing; 0 for a lone set). */
  readonly setIdx: number;
  /** The segment: argmax_k ⟨c_k, p/‖p‖⟩ (0 when ‖p‖ ≤ 1e-8). */
  readonly segId: number;
  /** α = ⟨c, t⟩: the coordinate along the set's axis direction t. */
  readonly alpha: number;
  /** τ = ⟨p, c_seg⟩: the coordinate along the segment centre. */
  readonly tau: number;
  /** The kept residual entries, largest |r_i| first (all d_eff, in index order, when d_res ≥ d_eff). */
  readonly residualVals: Float64Array;
  /** Their indices into the d_eff coefficients. */
  readonly residualIdx: Int32Array;
}

/** Options of {@link KakeyaSet.build}; defaults are Cfg4's. */
export interface KakeyaSetOptions {
  /** The PCA variance ratio (kakeya_variance_ratio, 0.99). */
  varianceRatio?: number;
  /** Segment centres (kakeya_K, 16). */
  K?: number;
  /** Residual entries kept (kakeya_d_res, 5), capped at d_eff. */
  dRes?: number;
  /** Seed of the single random centre used when fewer than 2 projected rows are non-zero. */
  seed?: number;
}

/** The stored parts of a set, as fixtures carry them (so SVD signs need not be reproduced). */
export interface KakeyaSetParts {
  /** d means μ. */
  readonly mean: ArrayLike<number>;
  /** d_eff × d basis B (orthonormal rows). */
  readonly basis: Matrix<MatrixData>;
  /** K × d_eff unit centres. */
  readonly centers: Matrix<MatrixData>;
  /** The axis pushed into the field (d). */
  readonly axisInField: ArrayLike<number>;
  /** Residual entries kept, before the cap at d_eff (default 5). */
  readonly dRes?: number;
}

/** Seed of a set's single random centre when none is given. */
export const KAKEYA_DEFAULT_SEED = 0;

/**
 * One Kakeya set over a field of width d: μ, the d_eff × d basis B, the axis direction
 * t = normalize(B·axis_in_field), K segment centres in the d_eff coefficient space and
 * d_res = min(kakeya_d_res, d_eff).
 */
export class KakeyaSet {
  /** Field width. */
  readonly d: number;
  /** Kept rank. */
  readonly dEff: number;
  /** Residual entries each encoding keeps. */
  readonly dRes: number;
  /** μ (d). */
  readonly mean: Float64Array;
  /** B (d_eff × d). */
  readonly basis: Matrix;
  /** The unit direction t = normalize(B·axis_in_field) (e₀ when ‖B·axis‖ < 1e-8). */
  readonly t: Float64Array;
  /** Whether ‖B·axis_in_field‖ < 1e-8, so that t fell back to e₀. */
  readonly tDegenerate: boolean;
  /** K × d_eff centres. */
  readonly centers: Matrix;
  /** The axis in the field the set was built with. */
  readonly axisInField: Float64Array;

  private constructor(
    mean: Float64Array,
    basis: Matrix,
    centers: Matrix,
    axisInField: Float64Array,
    dRes: number,
  ) {
    this.d = basis.cols;
    this.dEff = basis.rows;
    this.mean = mean;
    this.basis = basis;
    this.centers = centers;
    this.axisInField = axisInField;
    this.dRes = Math.min(dRes, this.dEff);
    const { t, degenerate } = solveAlignedTDir(projectIntoPca(axisInField, basis));
    this.t = t;
    this.tDegenerate = degenerate;
  }

  /**
   * Builds a set from rows X (n × d, n ≥ 2) and the bundle axis pushed into the field:
   * PCA ({@link kakeyaPca}), t, the coefficients C = (X − μ)Bᵀ, α = C·t, P = C − α tᵀ; over the
   * rows with ‖P_i‖ > 1e-8, when there are at least 2, centres = spherical k-means of their
   * directions into min(K, n_valid); otherwise one random unit centre, drawn from memspec's
   * `Rng(seed)` (the original's is torch's global RNG, not reproducible).
   *
   * @throws {TypeError} when X is not a Matrix or the axis does not hold X.cols values
   * @throws {RangeError} when X has fewer than 2 rows or 2 columns, a value is not finite, or an
   *   option is out of range
   *
   * @example
   * ```ts
   * import { KakeyaSet } from "./kakeya.ts";
   * import { matrix } from "../../linalg/mod.ts";
   * import { strictEqual } from "node:assert/strict";
   * const s = KakeyaSet.build(matrix(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1]), [1, 1, 0], { K: 4 });
   * strictEqual(s.dEff, 2);
   * ```
   */
  static build(
    x: Matrix<MatrixData>,
    axisInField: ArrayLike<number>,
    options: KakeyaSetOptions = {},
  ): KakeyaSet {
    const op = "build a KakeyaSet";
    const a = matrixOf(op, "X", x, { minRows: 2 });
    options = optionsOf(op, options);
    const axis = vectorOf(op, "axis_in_field", axisInField, a.cols);
    const ratio = dflt(options.varianceRatio, CFG4_DEFAULTS.kakeya_variance_ratio);
    realIn(op, "varianceRatio", ratio, 0, 1, "to be in (0, 1]");
    const K = intIn(op, "K", dflt(options.K, CFG4_DEFAULTS.kakeya_K), 1, Number.MAX_SAFE_INTEGER);
    const dRes = intIn(op, "dRes", dflt(options.dRes, CFG4_DEFAULTS.kakeya_d_res), 0, 1 << 30);
    const seed = intIn(op, "seed", dflt(options.seed, KAKEYA_DEFAULT_SEED), 0, 0xffffffff);
    const p = kakeyaPca(a, ratio);
    const { t } = solveAlignedTDir(projectIntoPca(axis, p.basis));
    const [n, d, e] = [a.rows, a.cols, p.dEff];
    const dirs: number[] = [];
    let valid = 0;
    for (let i = 0; i < n; i++) {
      const c = new Float64Array(e);
      for (let q = 0; q < e; q++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          s += (a.data[i * d + j]! - p.mean[j]!) * p.basis.data[q * d + j]!;
        }
        c[q] = s;
      }
      let alpha = 0;
      for (let q = 0; q < e; q++) alpha += c[q]! * t[q]!;
      for (let q = 0; q < e; q++) c[q] = c[q]! - alpha * t[q]!;
      const r = norm(c);
      if (r > 1e-8) {
        valid++;
        for (let q = 0; q < e; q++) dirs.push(c[q]! / r);
      }
    }
    let centers: Matrix;
    if (valid >= 2) {
      centers = sphericalKMeans(matrix(valid, e, dirs), Math.min(K, valid)).centers;
    } else {
      const rng = new Rng(seed);
      const c = new Float64Array(e);
      for (let q = 0; q < e; q++) c[q] = rng.normal();
      const s = Math.max(norm(c), 1e-12);
      centers = matrix(1, e, c.map((v) => v / s));
    }
    return new KakeyaSet(p.mean, p.basis, centers, axis, dRes);
  }

  /**
   * A set from stored parts (μ, B, centres, axis): what fixtures carry, since SVD signs and
   * torch's RNG cannot be reproduced.
   *
   * @throws {TypeError} when a part has the wrong shape
   * @throws {RangeError} when a value is not finite or dRes is not an integer ≥ 0
   *
   * @example
   * ```ts
   * import { KakeyaSet } from "./kakeya.ts";
   * import { matrix } from "../../linalg/mod.ts";
   * import { strictEqual } from "node:assert/strict";
   * const s = KakeyaSet.fromParts({
   *   mean: [0, 0, 0], basis: matrix(2, 3, [1, 0, 0, 0, 1, 0]),
   *   centers: matrix(1, 2, [0, 1]), axisInField: [1, 0, 0],
   * });
   * strictEqual(s.decode(s.encode([1, 2, 3]))[2], 0); // off the basis: dropped
   * ```
   */
  static fromParts(parts: KakeyaSetParts): KakeyaSet {
    const op = "make a KakeyaSet from parts";
    const B = matrixOf(op, "basis", parts?.basis, { minRows: 1 });
    const mean = vectorOf(op, "mean", parts.mean, B.cols);
    const C = matrixOf(op, "centers", parts.centers, { cols: B.rows, minRows: 1 });
    const axis = vectorOf(op, "axisInField", parts.axisInField, B.cols);
    const dRes = intIn(op, "dRes", dflt(parts.dRes, CFG4_DEFAULTS.kakeya_d_res), 0, 1 << 30);
    return new KakeyaSet(
      mean,
      { rows: B.rows, cols: B.cols, data: Float64Array.from(B.data) },
      { rows: C.rows, cols: C.cols, data: Float64Array.from(C.data) },
      axis,
      dRes,
    );
  }

  /** The d_eff coefficients c = (v − μ)Bᵀ of a field vector (checked). */
  coefficients(v: ArrayLike<number>): Float64Array {
    const vv = vectorOf("encode with a KakeyaSet", "the field vector", v, this.d);
    return this.#coefficients(vv);
  }

  #coefficients(v: Float64Array): Float64Array {
    const { d, dEff } = this;
    const c = new Float64Array(dEff);
    for (let q = 0; q < dEff; q++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (v[j]! - this.mean[j]!) * this.basis.data[q * d + j]!;
      c[q] = s;
    }
    return c;
  }

  /**
   * Encodes a field vector v (d values): c = (v − μ)Bᵀ; α = ⟨c, t⟩; p = c − αt;
   * seg = argmax_k ⟨c_k, p/‖p‖⟩ (0 when ‖p‖ ≤ 1e-8); τ = ⟨p, c_seg⟩; r = p − τ·c_seg; keep the
   * d_res entries of r with the largest |r_i| (largest first, ties to the lower index), or all
   * of them in index order when d_res ≥ d_eff.
   *
   * @throws {TypeError} when v does not hold d values
   * @throws {RangeError} when a value is not finite
   *
   * @example
   * ```ts
   * import { KakeyaSet } from "./kakeya.ts";
   * import { matrix } from "../../linalg/mod.ts";
   * import { strictEqual } from "node:assert/strict";
   * const s = KakeyaSet.fromParts({
   *   mean: [0, 0], basis: matrix(2, 2, [1, 0, 0, 1]), centers: matrix(1, 2, [0, 1]),
   *   axisInField: [1, 0],
   * });
   * strictEqual(s.encode([3, 4]).alpha, 3);
   * ```
   */
  encode(v: ArrayLike<number>, setIdx = 0): CompressedVec {
    intIn("encode with a KakeyaSet", "setIdx", setIdx, 0, 0xffffffff);
    const c = this.coefficients(v);
    const { dEff, t } = this;
    let alpha = 0;
    for (let q = 0; q < dEff; q++) alpha += c[q]! * t[q]!;
    const p = new Float64Array(dEff);
    for (let q = 0; q < dEff; q++) p[q] = c[q]! - alpha * t[q]!;
    const pn = norm(p);
    const C = this.centers;
    let seg = 0;
    if (pn > 1e-8) {
      let best = -Infinity;
      for (let k = 0; k < C.rows; k++) {
        let s = 0;
        for (let q = 0; q < dEff; q++) s += C.data[k * dEff + q]! * (p[q]! / pn);
        if (s > best) {
          best = s;
          seg = k;
        }
      }
    }
    let tau = 0;
    for (let q = 0; q < dEff; q++) tau += p[q]! * C.data[seg * dEff + q]!;
    const r = new Float64Array(dEff);
    for (let q = 0; q < dEff; q++) r[q] = p[q]! - tau * C.data[seg * dEff + q]!;
    let idx: number[];
    if (this.dRes >= dEff) {
      idx = Array.from({ length: dEff }, (_, q) => q);
    } else {
      idx = Array.from({ length: dEff }, (_, q) => q)
        .sort((i, j) => Math.abs(r[j]!) - Math.abs(r[i]!) || i - j)
        .slice(0, this.dRes);
    }
    return {
      setIdx,
      segId: seg,
      alpha,
      tau,
      residualVals: Float64Array.from(idx, (q) => r[q]!),
      residualIdx: Int32Array.from(idx),
    };
  }

  /**
   * Decodes: r̂ = scatter(values, indices) into zeros(d_eff); ĉ = αt + τ·c_seg + r̂;
   * v̂ = ĉB + μ.
   *
   * @throws {TypeError} when the residual arrays differ in length
   * @throws {RangeError} when seg or an index is out of range, or a value is not finite
   *
   * @example
   * ```ts
   * import { KakeyaSet } from "./kakeya.ts";
   * import { matrix } from "../../linalg/mod.ts";
   * import { deepStrictEqual } from "node:assert/strict";
   * const s = KakeyaSet.fromParts({
   *   mean: [1, 1], basis: matrix(2, 2, [1, 0, 0, 1]), centers: matrix(1, 2, [0, 1]),
   *   axisInField: [1, 0],
   * });
   * deepStrictEqual(Array.from(s.decode(s.encode([3, 4]))), [3, 4]);
   * ```
   */
  decode(code: CompressedVec): Float64Array {
    const op = "decode with a KakeyaSet";
    const { d, dEff, t } = this;
    const C = this.centers;
    intIn(op, "segId", code?.segId, 0, C.rows - 1);
    const vals = vectorOf(op, "residualVals", code.residualVals);
    const idx = code.residualIdx as unknown;
    if (!(idx instanceof Int32Array) || idx.length !== vals.length) {
      throw new TypeError(
        `Cannot ${op}: expected residualIdx to be an Int32Array of ${vals.length} indices but ` +
          `got ${shownValue(idx)}`,
      );
    }
    for (const i of idx) intIn(op, "a residual index", i, 0, dEff - 1);
    for (const [what, x] of [["alpha", code.alpha], ["tau", code.tau]] as const) {
      if (typeof x !== "number" || !Number.isFinite(x)) {
        throw new RangeError(
          `Cannot ${op}: expected ${what} to be finite but got ${shownValue(x)}`,
        );
      }
    }
    const rhat = new Float64Array(dEff);
    for (let i = 0; i < idx.length; i++) rhat[idx[i]!] = vals[i]!;
    const chat = new Float64Array(dEff);
    for (let q = 0; q < dEff; q++) {
      chat[q] = code.alpha * t[q]! + code.tau * C.data[code.segId * dEff + q]! + rhat[q]!;
    }
    const out = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let q = 0; q < dEff; q++) s += chat[q]! * this.basis.data[q * d + j]!;
      out[j] = s + this.mean[j]!;
    }
    return out;
  }

  /**
   * alignment_error(t, B·axis) for an axis in the field: 0 (to rounding) for the axis the set
   * was built with, unless ‖B·axis‖ < 1e-8.
   *
   * @throws {TypeError} when the axis does not hold d values
   */
  alignmentErrorFor(axisInField: ArrayLike<number>): number {
    return alignmentError(this.t, projectIntoPca(axisInField, this.basis));
  }
}

/**
 * ‖v − v̂‖ / max(‖v‖, 1e-12): the relative reconstruction error the claims measure.
 *
 * @example
 * ```ts
 * import { kakeyaRelativeError } from "./kakeya.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(kakeyaRelativeError([3, 4], [3, 0]), 0.8);
 * ```
 *
 * @throws {TypeError} when v or vHat is not an array of numbers, or their lengths differ.
 * @throws {RangeError} when a value is not finite.
 */
export function kakeyaRelativeError(v: ArrayLike<number>, vHat: ArrayLike<number>): number {
  const op = "measure the Kakeya relative error";
  v = vectorOf(op, "v", v);
  vHat = vectorOf(op, "vHat", vHat, v.length);
  let e = 0;
  for (let i = 0; i < v.length; i++) e += (v[i]! - vHat[i]!) ** 2;
  return Math.sqrt(e) / Math.max(norm(v), 1e-12);
}

// ---------------------------------------------------------------------------------------------
// KakeyaRegistry

/** The three bundles a set can be bound to. */
export type KakeyaBundle = "time" | "topic" | "ctx";

/** One routed set: the bundle whose axis it aligns with, and the fields it concatenates. */
export interface KakeyaRoute {
  /** The bundle whose axis the set aligns with. */
  readonly bundle: KakeyaBundle;
  /** The fields it concatenates, in order. */
  readonly fields: readonly string[];
}

/** The original's default routing, in set order. */
export const KAKEYA_DEFAULT_ROUTING: readonly KakeyaRoute[] = Object.freeze([
  Object.freeze({ bundle: "time" as const, fields: Object.freeze(["semantic_emb"]) }),
  Object.freeze({
    bundle: "topic" as const,
    fields: Object.freeze(["semantic_emb", "content_wte_mean"]),
  }),
  Object.freeze({ bundle: "ctx" as const, fields: Object.freeze(["context_descriptor"]) }),
  Object.freeze({ bundle: "topic" as const, fields: Object.freeze(["content_wte_mean"]) }),
]);

/** The seed offset of the default base-to-field maps: set i draws from stream i + 100. */
export const KAKEYA_MAP_SEED_OFFSET = 100;

/** Options of {@link KakeyaRegistry}; defaults are Cfg4's. */
export interface KakeyaRegistryOptions {
  /** The routing (default {@link KAKEYA_DEFAULT_ROUTING}); at least `nSets` routes. */
  routing?: readonly KakeyaRoute[];
  /** n_kakeya_sets (4): the routing must have exactly this many routes. */
  nSets?: number;
  /** Bundle base dims (d_time 8, d_topic 16, d_ctx 12). */
  bundleDims?: Partial<Record<KakeyaBundle, number>>;
  /** Explicit base-to-field maps per set (d_base × d_field); missing ones are drawn at build. */
  maps?: readonly (Matrix<MatrixData> | undefined)[];
  /** kakeya_variance_ratio (0.99): the variance fraction each set's PCA keeps. */
  varianceRatio?: number;
  /** kakeya_K (16): spherical k-means centres per set. */
  K?: number;
  /** kakeya_d_res (5): residual coordinates kept per vector. */
  dRes?: number;
  /** kakeya_min_entries (8), for invariant 3. */
  minEntries?: number;
  /** kakeya_alignment_tol (1e-3), for invariant 4. */
  alignmentTol?: number;
  /** kakeya_reconstruction_tol (0.15), for invariant 5. */
  reconstructionTol?: number;
  /** Seed of the sets' single random centres (set i uses seed + i). */
  seed?: number;
}

/** One set of a registry. */
export interface KakeyaSlot {
  /** Its index in the routing. */
  readonly index: number;
  /** The bundle whose axis it aligns with. */
  readonly bundle: KakeyaBundle;
  /** The fields it concatenates, in order. */
  readonly fields: readonly string[];
  /** Start of each field in the concatenated vector, in field order (known once built). */
  readonly offsets: readonly number[];
  /** Width of each field (known once built). */
  readonly widths: readonly number[];
  /** Whether the set was built (every field present in the corpus). */
  readonly active: boolean;
  /** The built set, or null. */
  readonly set: KakeyaSet | null;
  /** The d_base × d_field map M (null until built, or for an inactive set). */
  readonly map: Matrix | null;
}

/** A memory's compressed fields: per field, one CompressedVec per set that routes it, in set order. */
export interface KakeyaHandle {
  /** Per field, one CompressedVec per set that routes it, in set order. */
  readonly entries: Readonly<Record<string, readonly CompressedVec[]>>;
}

/** One failed invariant, with its figure. */
export interface KakeyaInvariantFailure {
  /** ARCHITECTURE_v4.md §6's invariant number: 3 (≥ 2 active sets), 4 (alignment), 5 (reconstruction). */
  readonly invariant: 3 | 4 | 5;
  /** The set concerned (invariant 4), or the field (invariant 5). */
  readonly set?: number;
  /** The field concerned (invariant 5). */
  readonly field?: string;
  /** What was measured: active sets; the alignment error; the median or max relative error. */
  readonly figure: number;
  /** What it had to hold: ≥ 2; ≤ alignment_tol; ≤ tol (median) or < 3·tol + 0.2 (max). */
  readonly bound: number;
  /** What failed, in words. */
  readonly message: string;
}

const BUNDLES: readonly KakeyaBundle[] = ["time", "topic", "ctx"];

interface SlotState {
  index: number;
  bundle: KakeyaBundle;
  fields: readonly string[];
  offsets: number[];
  widths: number[];
  set: KakeyaSet | null;
  map: Matrix | null;
}

/**
 * The registry of Kakeya sets: routes fields to sets (default: 4 sets, see
 * {@link KAKEYA_DEFAULT_ROUTING}), builds each set on the concatenation of its fields with its
 * bundle's canonical axis pushed forward by the set's base-to-field map M
 * (axis_in_field = axis·M), encodes a memory's fields into a {@link KakeyaHandle}, decodes a
 * field back, and checks invariants 3, 4 (and 5 on samples).
 *
 * A set whose field is missing from the build corpus stays inactive, so set indices stay aligned
 * with the routing. Maps M are given (`maps`) or drawn at build from `Rng(index + 100)` as f64
 * normals / √d_base.
 *
 * @example
 * ```ts
 * import { KakeyaRegistry } from "./kakeya.ts";
 * import { matrix } from "../../linalg/mod.ts";
 * import { Rng } from "../../gpu/rng.ts";
 * import { strictEqual } from "node:assert/strict";
 * const rng = new Rng(1);
 * const field = () => matrix(10, 6, Array.from({ length: 60 }, () => rng.normal()));
 * const reg = new KakeyaRegistry();
 * reg.build(
 *   { semantic_emb: field(), content_wte_mean: field() }, // no context_descriptor
 *   { time: new Float64Array(8).fill(1), topic: new Float64Array(16).fill(1),
 *     ctx: new Float64Array(12).fill(1) },
 * );
 * strictEqual(reg.activeCount, 3); // set 2 (ctx) is inactive
 * strictEqual(reg.verifyInvariants(10).length, 0);
 * ```
 */
export class KakeyaRegistry {
  /** Options in force. */
  readonly minEntries: number;
  /** kakeya_alignment_tol in force (invariant 4). */
  readonly alignmentTol: number;
  /** kakeya_reconstruction_tol in force (invariant 5). */
  readonly reconstructionTol: number;
  /** Bundle base dims in force. */
  readonly bundleDims: Readonly<Record<KakeyaBundle, number>>;
  readonly #setOptions: { varianceRatio: number; K: number; dRes: number; seed: number };
  readonly #givenMaps: readonly (Matrix<MatrixData> | undefined)[];
  #slots: SlotState[];

  /**
   * An unbuilt registry with the given routing and options (defaults Cfg4's).
   *
   * @throws {TypeError} when the routing is malformed (a route without fields, an unknown
   *   bundle, a field twice in one route)
   * @throws {RangeError} when the routing has fewer (or more) routes than n_kakeya_sets, nSets is
   *   below 2, or an option is out of range
   */
  constructor(options: KakeyaRegistryOptions = {}) {
    const op = "make a KakeyaRegistry";
    options = optionsOf(op, options);
    const routing: readonly KakeyaRoute[] = dflt(options.routing, KAKEYA_DEFAULT_ROUTING);
    const nSets = intIn(op, "nSets", dflt(options.nSets, CFG4_DEFAULTS.n_kakeya_sets), 2, 1 << 20);
    if (!Array.isArray(routing)) {
      throw new TypeError(
        `Cannot ${op}: expected routing to be an array but got ${shownValue(routing)}`,
      );
    }
    if (routing.length !== nSets) {
      throw new RangeError(
        `Cannot ${op}: expected the routing to have n_kakeya_sets = ${nSets} routes but got ` +
          `${routing.length}`,
      );
    }
    routing.forEach((r, i) => {
      if (!BUNDLES.includes(r?.bundle)) {
        throw new TypeError(
          `Cannot ${op}: expected route ${i}'s bundle to be time, topic or ctx but got ` +
            shownValue(r?.bundle),
        );
      }
      if (
        !Array.isArray(r.fields) || r.fields.length === 0 ||
        !r.fields.every((f: unknown) => typeof f === "string")
      ) {
        throw new TypeError(`Cannot ${op}: expected route ${i} to name at least one field`);
      }
      if (new Set(r.fields).size !== r.fields.length) {
        throw new TypeError(`Cannot ${op}: expected route ${i}'s fields to be distinct`);
      }
    });
    const dims = {
      time: CFG4_DEFAULTS.d_time,
      topic: CFG4_DEFAULTS.d_topic,
      ctx: CFG4_DEFAULTS.d_ctx,
      ...optionsOf(op, options.bundleDims, "bundleDims"),
    };
    for (const b of BUNDLES) intIn(op, `bundleDims.${b}`, dims[b], 1, 1 << 20);
    this.bundleDims = Object.freeze(dims);
    this.minEntries = intIn(
      op,
      "minEntries",
      dflt(options.minEntries, CFG4_DEFAULTS.kakeya_min_entries),
      2,
      Number.MAX_SAFE_INTEGER,
    );
    this.alignmentTol = realIn(
      op,
      "alignmentTol",
      dflt(options.alignmentTol, CFG4_DEFAULTS.kakeya_alignment_tol),
      0,
      Infinity,
      "to be > 0",
    );
    this.reconstructionTol = realIn(
      op,
      "reconstructionTol",
      dflt(options.reconstructionTol, CFG4_DEFAULTS.kakeya_reconstruction_tol),
      0,
      1 - Number.EPSILON,
      "to be in (0, 1)",
    );
    this.#setOptions = {
      varianceRatio: realIn(
        op,
        "varianceRatio",
        dflt(options.varianceRatio, CFG4_DEFAULTS.kakeya_variance_ratio),
        0,
        1,
        "to be in (0, 1]",
      ),
      K: intIn(op, "K", dflt(options.K, CFG4_DEFAULTS.kakeya_K), 2, Number.MAX_SAFE_INTEGER),
      dRes: intIn(op, "dRes", dflt(options.dRes, CFG4_DEFAULTS.kakeya_d_res), 0, 1 << 30),
      seed: intIn(op, "seed", dflt(options.seed, KAKEYA_DEFAULT_SEED), 0, 0xffffffff - nSets),
    };
    const maps = dflt(options.maps, []);
    if (!Array.isArray(maps) || maps.length > nSets) {
      throw new TypeError(`Cannot ${op}: expected maps to be an array of at most ${nSets} entries`);
    }
    maps.forEach((m, i) => {
      if (m !== undefined) {
        matrixOf(op, `maps[${i}]`, m, { rows: dims[(routing[i] as KakeyaRoute).bundle] });
      }
    });
    this.#givenMaps = maps;
    this.#slots = routing.map((r, index) => ({
      index,
      bundle: r.bundle,
      fields: Object.freeze([...r.fields]),
      offsets: [],
      widths: [],
      set: null,
      map: null,
    }));
  }

  /** The sets, in routing order (copies: changing them changes nothing). */
  get slots(): readonly KakeyaSlot[] {
    return this.#slots.map((s) => ({
      index: s.index,
      bundle: s.bundle,
      fields: s.fields,
      offsets: [...s.offsets],
      widths: [...s.widths],
      active: s.set !== null,
      set: s.set,
      map: s.map,
    }));
  }

  /** How many sets are active. */
  get activeCount(): number {
    return this.#slots.filter((s) => s.set !== null).length;
  }

  /** Every field some route names, in first-route order. */
  get routedFields(): readonly string[] {
    return [...new Set(this.#slots.flatMap((s) => s.fields))];
  }

  /**
   * Builds every set whose fields are all in `corpus` (each an n × width Matrix, the same n ≥ 2
   * for all) with its bundle's axis (d_base values) pushed into the field; the others become
   * inactive. A rebuild replaces every set (handles encoded before it must be re-encoded).
   * Nothing changes when it throws.
   *
   * @throws {TypeError} when a corpus entry is not a Matrix, the row counts differ, an axis is
   *   missing or has the wrong length, or a given map does not match its field width
   * @throws {RangeError} when n < 2 or a value is not finite
   */
  build(
    corpus: Readonly<Record<string, Matrix<MatrixData>>>,
    axes: Readonly<Record<KakeyaBundle, ArrayLike<number>>>,
  ): void {
    const op = "build the KakeyaRegistry";
    if (corpus === null || typeof corpus !== "object") {
      throw new TypeError(`Cannot ${op}: expected corpus to be an object of field matrices`);
    }
    let n = -1;
    for (const [name, m] of Object.entries(corpus)) {
      const a = matrixOf(op, `corpus.${name}`, m, { minRows: 2 });
      if (n >= 0 && a.rows !== n) {
        throw new TypeError(
          `Cannot ${op}: expected every corpus field to have ${n} rows but ${name} has ${a.rows}`,
        );
      }
      n = a.rows;
    }
    if (n < 0) {
      throw new RangeError(`Cannot ${op}: expected at least one corpus field but got none`);
    }
    if (axes === null || typeof axes !== "object") {
      throw new TypeError(`Cannot ${op}: expected axes to be an object of bundle axes`);
    }
    const axisOf: Record<string, Float64Array> = {};
    for (const b of BUNDLES) axisOf[b] = vectorOf(op, `axes.${b}`, axes[b], this.bundleDims[b]);
    const next: SlotState[] = this.#slots.map((s) => {
      const present = s.fields.every((f) => Object.hasOwn(corpus, f));
      if (!present) return { ...s, offsets: [], widths: [], set: null, map: null };
      const widths = s.fields.map((f) => corpus[f]!.cols);
      const offsets: number[] = [];
      let width = 0;
      for (const w of widths) {
        offsets.push(width);
        width += w;
      }
      const dBase = this.bundleDims[s.bundle];
      const given = this.#givenMaps[s.index];
      let map: Matrix;
      if (given !== undefined) {
        if (given.cols !== width) {
          throw new TypeError(
            `Cannot ${op}: expected maps[${s.index}] to be ${dBase} × ${width} but got ` +
              `${given.rows} × ${given.cols}`,
          );
        }
        map = { rows: given.rows, cols: given.cols, data: Float64Array.from(given.data) };
      } else {
        map = drawBaseToFieldMap(s.index, dBase, width);
      }
      const x = matrix(n, width);
      for (let i = 0; i < n; i++) {
        s.fields.forEach((f, fi) => {
          const src = corpus[f]!;
          for (let j = 0; j < widths[fi]!; j++) {
            x.data[i * width + offsets[fi]! + j] = src.data[i * src.cols + j]!;
          }
        });
      }
      const set = KakeyaSet.build(x, pushforward(axisOf[s.bundle]!, map), {
        ...this.#setOptions,
        seed: this.#setOptions.seed + s.index,
      });
      return { ...s, offsets, widths, set, map };
    });
    this.#slots = next;
  }

  /**
   * Encodes a memory's fields with every active set (in set order): a field routed to two sets
   * gets two CompressedVecs; a set over two fields appends the same CompressedVec to both.
   *
   * @throws {RangeError} when no set is active (encode before build), or a value is not finite
   * @throws {TypeError} when a field an active set needs is missing or has the wrong width
   */
  encode(fields: Readonly<Record<string, ArrayLike<number>>>): KakeyaHandle {
    const op = "encode with the KakeyaRegistry";
    if (this.activeCount === 0) {
      throw new RangeError(
        `Cannot ${op}: expected a built registry (at least one active set) but no set is ` +
          "active; call build() first",
      );
    }
    if (fields === null || typeof fields !== "object") {
      throw new TypeError(`Cannot ${op}: expected fields to be an object of field vectors`);
    }
    const prepared: { slot: SlotState; v: Float64Array }[] = [];
    for (const s of this.#slots) {
      if (s.set === null) continue;
      const v = new Float64Array(s.set.d);
      s.fields.forEach((f, fi) => {
        if (!Object.hasOwn(fields, f)) {
          throw new TypeError(
            `Cannot ${op}: expected field ${f} (set ${s.index}) but it is missing`,
          );
        }
        v.set(vectorOf(op, `field ${f}`, fields[f], s.widths[fi]), s.offsets[fi]);
      });
      prepared.push({ slot: s, v });
    }
    const entries: Record<string, CompressedVec[]> = {};
    for (const { slot, v } of prepared) {
      const code = slot.set!.encode(v, slot.index);
      for (const f of slot.fields) (entries[f] ??= []).push(code);
    }
    return { entries };
  }

  /**
   * Decodes one field of a handle: the field's CompressedVec of `preferredSet` when given, else
   * its first (lowest set index), decoded by that set and sliced to the field's range.
   *
   * @throws {TypeError} when the handle has no entry for the field (or none from preferredSet)
   * @throws {RangeError} when the entry's set is not active
   */
  decodeField(handle: KakeyaHandle, field: string, preferredSet?: number): Float64Array {
    const op = "decode a field with the KakeyaRegistry";
    const list = handle?.entries?.[field] as unknown;
    if (
      !Array.isArray(list) || list.length === 0 ||
      !list.every((c) => c !== null && typeof c === "object")
    ) {
      throw new TypeError(
        `Cannot ${op}: expected the handle to hold field ${field} but it does not`,
      );
    }
    const code = preferredSet === undefined
      ? list[0]!
      : list.find((c) => c.setIdx === preferredSet);
    if (code === undefined) {
      throw new TypeError(
        `Cannot ${op}: expected an entry of field ${field} from set ${preferredSet} but the ` +
          `handle has sets ${list.map((c) => c.setIdx).join(", ")}`,
      );
    }
    const slot = this.#slots[code.setIdx];
    if (slot === undefined || slot.set === null) {
      throw new RangeError(`Cannot ${op}: expected set ${code.setIdx} to be active but it is not`);
    }
    const fi = slot.fields.indexOf(field);
    if (fi < 0) {
      throw new TypeError(`Cannot ${op}: set ${code.setIdx} does not route field ${field}`);
    }
    const v = slot.set.decode(code);
    return v.slice(slot.offsets[fi]!, slot.offsets[fi]! + slot.widths[fi]!);
  }

  /**
   * Replaces set `index`'s base-to-field map WITHOUT rebuilding it: what a changed map (or, with
   * `axis·M` in mind, a changed axis) does to a live registry, which invariant 4 must report.
   *
   * @throws {RangeError} when the set is not active
   * @throws {TypeError} when the map's shape differs from the current one
   */
  replaceMap(index: number, m: Matrix<MatrixData>): void {
    const op = "replace a KakeyaRegistry map";
    const s = this.#slots[intIn(op, "index", index, 0, this.#slots.length - 1)]!;
    if (s.map === null) throw new RangeError(`Cannot ${op}: expected set ${index} to be active`);
    const a = matrixOf(op, "M", m, { rows: s.map.rows, cols: s.map.cols });
    s.map = { rows: a.rows, cols: a.cols, data: Float64Array.from(a.data) };
  }

  /**
   * ARCHITECTURE_v4.md §6 invariants on a live registry, each failure with its figure:
   * - 3: when n ≥ kakeya_min_entries, at least 2 sets are active;
   * - 4 (when `axes` are given): for each active set, alignment_error(t, B·(axis·M)) ≤
   *   kakeya_alignment_tol, with the set's CURRENT map and the given axis (so a changed axis or
   *   map after build is reported);
   * - 5 (when `samples` are given: per field, rows of raw vectors): per field, the relative
   *   error of decodeField(encode(·)) has median ≤ kakeya_reconstruction_tol and max
   *   < 3·tol + 0.2 (the original's test bar). Rows need every field an active set routes.
   * Returns the failures (empty when every checked invariant holds).
   *
   * @throws {TypeError} when an axis or sample has the wrong width
   */
  verifyInvariants(
    n: number,
    axes?: Readonly<Record<KakeyaBundle, ArrayLike<number>>>,
    samples?: Readonly<Record<string, Matrix<MatrixData>>>,
  ): KakeyaInvariantFailure[] {
    const op = "verify the Kakeya invariants";
    intIn(op, "n", n, 0, Number.MAX_SAFE_INTEGER);
    const out: KakeyaInvariantFailure[] = [];
    const active = this.activeCount;
    if (n >= this.minEntries && active < 2) {
      out.push({
        invariant: 3,
        figure: active,
        bound: 2,
        message: `invariant 3: ${active} active Kakeya sets with n = ${n} ≥ kakeya_min_entries ` +
          `= ${this.minEntries}; expected at least 2`,
      });
    }
    if (axes !== undefined) {
      for (const [index, err] of this.alignmentErrors(axes)) {
        const s = this.#slots[index]!;
        if (!(err <= this.alignmentTol)) {
          out.push({
            invariant: 4,
            set: s.index,
            figure: err,
            bound: this.alignmentTol,
            message: `invariant 4: set ${s.index} (${s.bundle}) alignment error ${err} > ` +
              `kakeya_alignment_tol = ${this.alignmentTol}`,
          });
        }
      }
    }
    if (samples !== undefined) {
      const maxBound = 3 * this.reconstructionTol + 0.2;
      for (const [field, errs] of Object.entries(this.reconstructionErrors(samples))) {
        const sorted = [...errs].sort((a, b) => a - b);
        const med = median(sorted);
        const max = sorted[sorted.length - 1]!;
        if (!(med <= this.reconstructionTol)) {
          out.push({
            invariant: 5,
            field,
            figure: med,
            bound: this.reconstructionTol,
            message: `invariant 5: field ${field} median relative reconstruction error ${med} > ` +
              `kakeya_reconstruction_tol = ${this.reconstructionTol}`,
          });
        }
        if (!(max < maxBound)) {
          out.push({
            invariant: 5,
            field,
            figure: max,
            bound: maxBound,
            message: `invariant 5: field ${field} max relative reconstruction error ${max} ≥ ` +
              `3·tol + 0.2 = ${maxBound}`,
          });
        }
      }
    }
    return out;
  }

  /**
   * Invariant 4's figures: per active set, alignment_error(t, B·(axis·M)) with the given axes and
   * the set's current map (a map of set index → error; inactive sets are absent). What a
   * checker reports as its figure whether or not the invariant holds.
   *
   * @throws {TypeError} when an axis has the wrong length
   * @throws {RangeError} when an axis holds a non-finite value
   */
  alignmentErrors(axes: Readonly<Record<KakeyaBundle, ArrayLike<number>>>): Map<number, number> {
    const op = "measure the Kakeya alignment";
    const out = new Map<number, number>();
    for (const s of this.#slots) {
      if (s.set === null || s.map === null) continue;
      const axis = vectorOf(op, `axes.${s.bundle}`, axes?.[s.bundle], this.bundleDims[s.bundle]);
      out.set(s.index, s.set.alignmentErrorFor(pushforward(axis, s.map)));
    }
    return out;
  }

  /**
   * Per routed field present in `samples`, the relative error ‖v − decodeField(encode(row))‖/‖v‖
   * of each row (decoded from the field's first set).
   *
   * @throws {RangeError} when no set is active, or the samples' row counts differ
   * @throws {TypeError} when a field an active set needs is missing or has the wrong width
   */
  reconstructionErrors(
    samples: Readonly<Record<string, Matrix<MatrixData>>>,
  ): Record<string, number[]> {
    const op = "measure the Kakeya reconstruction";
    if (samples === null || typeof samples !== "object" || Array.isArray(samples)) {
      throw new TypeError(`Cannot ${op}: expected samples to be an object of field matrices`);
    }
    let n = -1;
    for (const [name, m] of Object.entries(samples)) {
      const a = matrixOf(op, `samples.${name}`, m, { minRows: 1 });
      if (n >= 0 && a.rows !== n) {
        throw new RangeError(`Cannot ${op}: expected every sample field to have ${n} rows`);
      }
      n = a.rows;
    }
    const out: Record<string, number[]> = {};
    for (let i = 0; i < Math.max(n, 0); i++) {
      const row: Record<string, Float64Array> = {};
      for (const [name, m] of Object.entries(samples)) {
        row[name] = Float64Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
      }
      const h = this.encode(row);
      for (const field of Object.keys(h.entries)) {
        if (!Object.hasOwn(row, field)) continue;
        (out[field] ??= []).push(kakeyaRelativeError(row[field]!, this.decodeField(h, field)));
      }
    }
    return out;
  }
}

function median(sorted: readonly number[]): number {
  const m = sorted.length;
  if (m === 0) return NaN;
  return m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
}

/**
 * The default base-to-field map of set `index`: d_base × d_field f64 normals from
 * `Rng(index + 100)` (Box–Muller), divided by √d_base. (The original draws
 * `torch.randn(generator seeded index + 100) / √d_base`, which memspec cannot reproduce.)
 *
 * @example
 * ```ts
 * import { drawBaseToFieldMap } from "./kakeya.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(drawBaseToFieldMap(0, 8, 4), drawBaseToFieldMap(0, 8, 4)); // seeded
 * ```
 */
export function drawBaseToFieldMap(index: number, dBase: number, dField: number): Matrix {
  const op = "draw a base-to-field map";
  intIn(op, "index", index, 0, 0xffffffff - KAKEYA_MAP_SEED_OFFSET);
  intIn(op, "dBase", dBase, 1, 1 << 20);
  intIn(op, "dField", dField, 1, 1 << 26);
  const rng = new Rng(index + KAKEYA_MAP_SEED_OFFSET);
  const m = matrix(dBase, dField);
  const s = Math.sqrt(dBase);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal() / s;
  return m;
}

// ---------------------------------------------------------------------------------------------
// memspec's rebuild policy

/** memspec's rebuild policy (the original builds once, from the first kakeya_min_entries entries). */
export interface KakeyaRebuildPolicy {
  /** Rebuild when n ≥ growthFactor·(n at the last build); default 2 (when N doubles). */
  readonly growthFactor: number;
  /** The least number of writes since the last build whose errors are judged; default 4. */
  readonly window: number;
}

/** The default policy: rebuild when N doubles, or when ≥ 4 writes since the last build have a
 * median write-time relative error above kakeya_reconstruction_tol. */
export const KAKEYA_REBUILD_POLICY: KakeyaRebuildPolicy = Object.freeze({
  growthFactor: 2,
  window: 4,
});

/**
 * Whether to rebuild the registry (from every stored entry) now: when n ≥ growthFactor·nBuilt,
 * or when at least `window` entries were written since the last build and the median of their
 * write-time relative reconstruction errors (`recentErrors`) exceeds `tol`. Before the first
 * build (nBuilt = 0) the answer is n ≥ minEntries.
 *
 * @throws {RangeError} when a count is not a non-negative integer, an error is not finite, or
 *   the policy is out of range
 *
 * @example
 * ```ts
 * import { kakeyaRebuildDecision } from "./kakeya.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(kakeyaRebuildDecision({ n: 16, nBuilt: 8, recentErrors: [] }).rebuild, true);
 * strictEqual(kakeyaRebuildDecision({ n: 12, nBuilt: 8, recentErrors: [0.9, 0.9, 0.9, 0.9] })
 *   .rebuild, true);
 * strictEqual(kakeyaRebuildDecision({ n: 12, nBuilt: 8, recentErrors: [0.1, 0.1, 0.1, 0.1] })
 *   .rebuild, false);
 * ```
 */
export function kakeyaRebuildDecision(
  state: { n: number; nBuilt: number; recentErrors: readonly number[] },
  options: {
    tol?: number;
    minEntries?: number;
    policy?: KakeyaRebuildPolicy;
  } = {},
): { rebuild: boolean; reason: string } {
  const op = "decide a Kakeya rebuild";
  const n = intIn(op, "n", state?.n, 0, Number.MAX_SAFE_INTEGER);
  const nBuilt = intIn(op, "nBuilt", state.nBuilt, 0, Number.MAX_SAFE_INTEGER);
  const errs = vectorOf(op, "recentErrors", state.recentErrors);
  if (errs.some((e) => e < 0)) {
    throw new RangeError(`Cannot ${op}: expected recentErrors (relative errors) to be >= 0`);
  }
  options = optionsOf(op, options);
  const tol = dflt(options.tol, CFG4_DEFAULTS.kakeya_reconstruction_tol);
  realIn(op, "tol", tol, 0, Infinity, "to be > 0");
  const minEntries = dflt(options.minEntries, CFG4_DEFAULTS.kakeya_min_entries);
  intIn(op, "minEntries", minEntries, 2, Number.MAX_SAFE_INTEGER);
  const policy = options.policy === undefined
    ? KAKEYA_REBUILD_POLICY
    : optionsOf(op, options.policy, "policy");
  realIn(op, "growthFactor", policy.growthFactor, 1, Infinity, "to be > 1");
  intIn(op, "window", policy.window, 1, Number.MAX_SAFE_INTEGER);
  if (nBuilt === 0) {
    return n >= minEntries
      ? { rebuild: true, reason: `first build: n = ${n} ≥ kakeya_min_entries = ${minEntries}` }
      : { rebuild: false, reason: `n = ${n} < kakeya_min_entries = ${minEntries}` };
  }
  if (n >= policy.growthFactor * nBuilt) {
    return { rebuild: true, reason: `n = ${n} ≥ ${policy.growthFactor}·${nBuilt}` };
  }
  if (errs.length >= policy.window) {
    const med = median([...errs].sort((a, b) => a - b));
    if (med > tol) {
      return {
        rebuild: true,
        reason: `median write-time error ${med} of ${errs.length} writes > tol = ${tol}`,
      };
    }
  }
  return { rebuild: false, reason: "within policy" };
}

// ---------------------------------------------------------------------------------------------
// v3.12 byte accounting

/** The v3.12 codec's byte accounting (kakeya_codec.py get_stats). */
export interface KakeyaByteAccount {
  /** N·d·4. */
  readonly original: number;
  /** d_eff·d·4 + d·4 + d_eff·4 + K·d_eff·4 + N·(12 + 8·d_res). */
  readonly compressed: number;
  /** original / compressed. */
  readonly ratio: number;
}

/**
 * The v3.12 byte accounting: original = N·d·4; compressed = d_eff·d·4 (basis) + d·4 (μ) +
 * d_eff·4 (t) + K·d_eff·4 (centres) + N·(12 + 8·d_res) (per vector: seg, α, τ and d_res value/
 * index pairs, each counted as 4 bytes though the code's indices are int64).
 *
 * @throws {RangeError} when a count is not a non-negative integer (N, d ≥ 1)
 *
 * @example
 * ```ts
 * import { kakeyaByteAccount } from "./kakeya.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const a = kakeyaByteAccount({ N: 10, d: 768, dEff: 7, K: 8, dRes: 5 });
 * deepStrictEqual([a.original, a.compressed], [30720, 25348]);
 * ```
 */
export function kakeyaByteAccount(
  p: { N: number; d: number; dEff: number; K: number; dRes: number },
): KakeyaByteAccount {
  const op = "count Kakeya bytes";
  const N = intIn(op, "N", p?.N, 1, Number.MAX_SAFE_INTEGER);
  const d = intIn(op, "d", p.d, 1, Number.MAX_SAFE_INTEGER);
  const dEff = intIn(op, "dEff", p.dEff, 0, Number.MAX_SAFE_INTEGER);
  const K = intIn(op, "K", p.K, 0, Number.MAX_SAFE_INTEGER);
  const dRes = intIn(op, "dRes", p.dRes, 0, Number.MAX_SAFE_INTEGER);
  const original = N * d * 4;
  const compressed = dEff * d * 4 + d * 4 + dEff * 4 + K * dEff * 4 + N * (12 + 8 * dRes);
  if (!(original <= Number.MAX_SAFE_INTEGER && compressed <= Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `Cannot ${op}: expected byte counts within 2^53 (exact in f64) but got ${original} and ` +
        `${compressed}`,
    );
  }
  return { original, compressed, ratio: original / compressed };
}
