/**
 * Concept-direction aggregators of the amygdala trainer, on the host in f64:
 * from the pooled activations of a concept's positives P (n_p × H) and
 * negatives N (n_n × H) at one layer, one direction in R^H.
 *
 * - `pooled` (contrastive activation addition, CAA): d = normalise(mean P − mean N);
 *   any counts.
 * - the steering-vectors library's aggregators (steering-vectors/steering-vectors:
 *   steering_vectors/aggregators.py @5459bd1), on paired rows δ_i = p_i − n_i (equal
 *   counts required):
 *   - `mean`: v = mean_i δ_i, not normalised by the library ({@link meanAggregator});
 *     the trainer normalises it ({@link aggregate});
 *   - `pca`: the top eigenvector of the uncentered second moment Σ δ_i δ_iᵀ (the top right
 *     singular vector of [δ; −δ]), sign-aligned so that mean_i ⟨δ_i, v⟩ > 0;
 *   - `logistic`: scikit-learn's `LogisticRegression(fit_intercept=False, C=1)` (L2) on the
 *     per-pair midpoint samples x = ±δ_i/2 (labels ±1), the coefficient normalised;
 *   - `logistic_l1`: the same with the L1 penalty. The library has no such function (nor a
 *     `linear` aggregator any more); memspec defines it as scikit-learn's L1 objective
 *     ‖w‖₁ + C Σ log(1 + exp(−y wᵀx)) on the same samples.
 *
 * Solvers, written here (no scikit-learn): the L2 fit minimises the λ = 1 strongly convex
 * f(w) = ½‖w‖² + 2C Σ_i log(1 + exp(−wᵀδ_i/2)) by damped Newton, solving each Newton system
 * in the n-dimensional span of the δ_i (the minimiser lies there) by Cholesky; it stops when
 * ‖∇f(w)‖₂ ≤ tol·max(1, ‖w‖₂, C Σ σ(−m_i)‖δ_i‖₂), and since f is 1-strongly convex ‖w − w*‖₂ ≤ ‖∇f(w)‖₂, so
 * the direction is within 1 − cos ≤ (‖∇f‖/(‖w‖ − ‖∇f‖))² of the exact optimum's (reported as
 * `directionBound`). The L1 fit runs cyclic coordinate descent with a soft-thresholded Newton
 * step per coordinate and a backtracking line search (the newGLMNET scheme of liblinear),
 * sweeping the active set between full sweeps; it stops when the minimum-norm subgradient's
 * largest entry (the KKT residual) is ≤ tol.
 *
 * Everything runs on the host: at the sizes the trainer sees (≤ a few hundred rows, H ≤ a
 * few thousand) each aggregator is O(n·H) to O(n²·H) flops, far below one GPU round trip on
 * this machine (≥ 11 ms per host sync on llvmpipe), so no aggregator here uses the GPU.
 *
 * @example
 * ```ts
 * import { aggregate } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { ok } from "node:assert/strict";
 * const pos = fromRows([[2, 1], [3, 1]]);
 * const neg = fromRows([[0, 1], [1, 1]]);
 * for (const method of ["pooled", "mean", "pca", "logistic", "logistic_l1"] as const) {
 *   const d = aggregate(method, pos, neg, { concept: "joy" });
 *   ok(Math.abs(d[0]! - 1) < 1e-12 && Math.abs(d[1]!) < 1e-12);
 * }
 * ```
 *
 * @module
 */
import { eigh, type Matrix, matrix, type MatrixData } from "../../linalg/mod.ts";
import { firstNonFinite, isMatrix, isObject, shown } from "../validate.ts";

/** The aggregation methods of this module (the subspace method lives elsewhere). */
export const AGGREGATOR_METHODS = ["pooled", "mean", "pca", "logistic", "logistic_l1"] as const;

/** One of {@link AGGREGATOR_METHODS}. */
export type AggregatorMethod = typeof AGGREGATOR_METHODS[number];

/** Names the concept and layer in error messages. */
export interface AggregatorContext {
  /** The concept whose direction is computed. */
  concept?: string;
  /** The layer index the activations come from. */
  layer?: number;
}

/** Options of the logistic aggregators. */
export interface LogisticOptions extends AggregatorContext {
  /** Inverse regularisation strength, as scikit-learn's `C`; default 1. */
  C?: number;
  /**
   * Convergence tolerance: L2, ‖∇f‖₂ ≤ tol·max(1, ‖w‖₂, C Σ σ(−m_i)‖δ_i‖₂) (default 1e-10);
   * L1, KKT residual
   * (∞-norm of the minimum-norm subgradient) ≤ tol (default 1e-10).
   */
  tol?: number;
  /** Newton iterations (L2, default 100) or full coordinate sweeps (L1, default 10000). */
  maxIter?: number;
}

/** A logistic fit with its convergence record. */
export interface LogisticFit {
  /** The coefficient w (not normalised). */
  readonly coef: Float64Array;
  /** Newton iterations (L2) or full coordinate sweeps (L1) run. */
  readonly iterations: number;
  /** L2: ‖∇f(w)‖₂ at the end; L1: the KKT residual at the end. */
  readonly residual: number;
  /**
   * L2 only: the derived bound on 1 − cos(w, w*) against the exact optimum w*,
   * (‖∇f‖/(‖w‖ − ‖∇f‖))²; NaN for L1 (no strong convexity to derive it from).
   */
  readonly directionBound: number;
  /** The objective at `coef`. */
  readonly objective: number;
}

/**
 * Bad aggregator input: an empty P or N, mismatched hidden sizes, unequal counts for a
 * paired aggregator, a non-finite activation, or a bad option. Names the concept (when
 * given) and the argument.
 */
export class AggregatorInputError extends TypeError {
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "AggregatorInputError";
  /** The concept, when the caller named it. */
  readonly concept: string | undefined;
  /** The argument at fault: "positives", "negatives", "method" or an option name. */
  readonly argument: string;
  /** Builds the error; `message` is the whole message. */
  constructor(message: string, argument: string, concept?: string) {
    super(message);
    this.argument = argument;
    this.concept = concept;
  }
}

/**
 * The aggregate direction is the zero vector, so no unit direction exists: mean P = mean N
 * (pooled, mean), mean_i ⟨δ_i, v⟩ = 0 (pca, where the library returns the zero vector since
 * sign(0) = 0), or a zero coefficient (logistic: Σ δ_i = 0; logistic_l1: the L1 penalty
 * dominates, C·‖Σ δ_i‖_∞/2 ≤ 1).
 */
export class ZeroDirectionError extends RangeError {
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "ZeroDirectionError";
  /** The concept, when the caller named it. */
  readonly concept: string | undefined;
  /** The method that produced the zero vector. */
  readonly method: AggregatorMethod;
  /** Builds the error; `message` is the whole message. */
  constructor(message: string, method: AggregatorMethod, concept?: string) {
    super(message);
    this.method = method;
    this.concept = concept;
  }
}

/** The solver ran out of iterations before its convergence test held. */
export class AggregatorConvergenceError extends RangeError {
  /** The error name, for `instanceof`-free checks and logs. */
  override name = "AggregatorConvergenceError";
}

function where(method: string, ctx: AggregatorContext): string {
  if (!isObject(ctx)) return `Cannot aggregate the ${method} direction`;
  const c = ctx.concept === undefined ? "" : ` of concept "${ctx.concept}"`;
  const l = ctx.layer === undefined ? "" : ` at layer ${ctx.layer}`;
  return `Cannot aggregate the ${method} direction${c}${l}`;
}

/**
 * Checks the context (and options) object: an object whose `concept` is a string and `layer`
 * an index >= 0 where given.
 */
function checkContext(ctx: unknown, method: string): asserts ctx is AggregatorContext {
  if (!isObject(ctx)) {
    throw new AggregatorInputError(
      `${where(method, {})}: expected the options an object but got ${shown(ctx)}`,
      "options",
    );
  }
  if (ctx.concept !== undefined && typeof ctx.concept !== "string") {
    throw new AggregatorInputError(
      `${where(method, {})}: expected concept a string but got ${shown(ctx.concept)}`,
      "concept",
    );
  }
  const l = ctx.layer;
  if (l !== undefined && (typeof l !== "number" || !Number.isSafeInteger(l) || l < 0)) {
    throw new AggregatorInputError(
      `${where(method, { concept: ctx.concept as string | undefined })}: expected layer an ` +
        `index >= 0 but got ${shown(l)}`,
      "layer",
      ctx.concept as string | undefined,
    );
  }
}

function checkSide(
  m: Matrix<MatrixData>,
  argument: "positives" | "negatives",
  method: string,
  ctx: AggregatorContext,
): void {
  const head = where(method, ctx);
  if (!isMatrix(m)) {
    const x = m as unknown as Record<string, unknown> | null;
    const data = x !== null && typeof x === "object" ? x.data : undefined;
    const typed = data instanceof Float64Array || data instanceof Float32Array;
    const got = x !== null && typeof x === "object"
      ? `${shown(x.rows)} × ${shown(x.cols)} with ${
        typed ? `${data.length} values` : `${shown(data)} (not a Float64Array or Float32Array)`
      }`
      : shown(x);
    throw new AggregatorInputError(
      `${head}: expected ${argument} as a rows × cols matrix with rows·cols values but got ${got}`,
      argument,
      ctx.concept,
    );
  }
  if (m.rows === 0) {
    throw new AggregatorInputError(
      `${head}: expected at least one row of ${argument} but got 0`,
      argument,
      ctx.concept,
    );
  }
  if (m.cols === 0) {
    throw new AggregatorInputError(
      `${head}: expected a hidden size ≥ 1 in ${argument} but got 0`,
      argument,
      ctx.concept,
    );
  }
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) {
      throw new AggregatorInputError(
        `${head}: expected finite ${argument} but got ${m.data[i]} at row ${
          Math.floor(i / m.cols)
        }, column ${i % m.cols}`,
        argument,
        ctx.concept,
      );
    }
  }
}

function checkPair(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  method: string,
  ctx: AggregatorContext,
  paired: boolean,
): void {
  checkContext(ctx, method);
  checkSide(pos, "positives", method, ctx);
  checkSide(neg, "negatives", method, ctx);
  if (pos.cols !== neg.cols) {
    throw new AggregatorInputError(
      `${where(method, ctx)}: expected negatives of hidden size ${pos.cols} (the positives') ` +
        `but got ${neg.cols}`,
      "negatives",
      ctx.concept,
    );
  }
  if (paired && pos.rows !== neg.rows) {
    throw new AggregatorInputError(
      `${where(method, ctx)}: expected as many negatives as positives (${pos.rows}, paired ` +
        `rows) but got ${neg.rows}`,
      "negatives",
      ctx.concept,
    );
  }
}

function columnMean(m: Matrix<MatrixData>): Float64Array {
  const h = m.cols;
  const out = new Float64Array(h);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < h; j++) out[j]! += m.data[i * h + j]!;
  }
  for (let j = 0; j < h; j++) out[j]! /= m.rows;
  return out;
}

/**
 * The Euclidean norm of `v`, scaled so that no square overflows or underflows to zero.
 */
function norm2(v: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < v.length; i++) scale = Math.max(scale, Math.abs(v[i]!));
  if (scale === 0) return 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]! / scale;
    s += x * x;
  }
  return scale * Math.sqrt(s);
}

function unitOrThrow(
  v: Float64Array,
  method: AggregatorMethod,
  ctx: AggregatorContext,
  why: string,
): Float64Array {
  const n = norm2(v);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new ZeroDirectionError(
      `${where(method, ctx)}: expected a non-zero direction to normalise but got ${
        Number.isFinite(n) ? "the zero vector" : `a vector of norm ${n}`
      } (${why})`,
      method,
      ctx.concept,
    );
  }
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/** δ_i = p_i − n_i, row-major n × H. */
function pairedDeltas(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): Float64Array {
  const d = new Float64Array(pos.rows * pos.cols);
  for (let i = 0; i < d.length; i++) d[i] = pos.data[i]! - neg.data[i]!;
  return d;
}

/**
 * Pooled CAA: d = (mean P − mean N) / ‖mean P − mean N‖₂. P and N may have different counts.
 *
 * @throws {AggregatorInputError} for an empty P or N, mismatched hidden sizes or a
 *   non-finite activation (naming the concept and the argument)
 * @throws {ZeroDirectionError} when mean P = mean N
 *
 * @example
 * ```ts
 * import { pooledDirection } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const d = pooledDirection(fromRows([[3, 4], [3, 4]]), fromRows([[0, 0]]));
 * deepStrictEqual(Array.from(d), [0.6, 0.8]);
 * ```
 */
export function pooledDirection(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  ctx: AggregatorContext = {},
): Float64Array {
  checkPair(pos, neg, "pooled", ctx, false);
  const mp = columnMean(pos);
  const mn = columnMean(neg);
  for (let j = 0; j < mp.length; j++) mp[j]! -= mn[j]!;
  return unitOrThrow(mp, "pooled", ctx, "mean P = mean N");
}

/**
 * The library's `mean` aggregator: v = mean_i (p_i − n_i), NOT normalised (the library
 * leaves that to its caller). Requires equal counts (paired rows), as the library's
 * `pos_acts − neg_acts` does.
 *
 * @throws {AggregatorInputError} for an empty P or N, mismatched hidden sizes, unequal
 *   counts or a non-finite activation
 *
 * @example
 * ```ts
 * import { meanAggregator } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(Array.from(meanAggregator(fromRows([[2], [4]]), fromRows([[0], [0]]))), [3]);
 * throws(() => meanAggregator(fromRows([[1]]), fromRows([[0], [0]]), { concept: "joy" }), {
 *   name: "AggregatorInputError",
 *   message: /concept "joy".*expected as many negatives as positives \(1/,
 * });
 * ```
 */
export function meanAggregator(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  ctx: AggregatorContext = {},
): Float64Array {
  checkPair(pos, neg, "mean", ctx, true);
  const d = pairedDeltas(pos, neg);
  const h = pos.cols;
  const out = new Float64Array(h);
  for (let i = 0; i < pos.rows; i++) {
    for (let j = 0; j < h; j++) out[j]! += d[i * h + j]!;
  }
  for (let j = 0; j < h; j++) out[j]! /= pos.rows;
  return out;
}

/**
 * The library's `pca` aggregator: the top eigenvector v of the uncentered second moment
 * Σ_i δ_i δ_iᵀ of the paired deltas, oriented so that mean_i ⟨δ_i, v⟩ > 0. Computed through
 * the n × n Gram matrix G = D Dᵀ (D the n × H deltas): G w = λ₁ w gives v = Dᵀw/‖Dᵀw‖.
 *
 * Where the library multiplies by sign(mean ⟨δ_i, v⟩) and so returns the zero vector when
 * the mean projection is exactly 0 (e.g. δ₂ = −δ₁), memspec raises
 * {@link ZeroDirectionError}.
 *
 * @throws {AggregatorInputError} as {@link meanAggregator}
 * @throws {ZeroDirectionError} when every δ_i is 0 or the mean projection is exactly 0
 *
 * @example
 * ```ts
 * import { pcaAggregator } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { ok, throws } from "node:assert/strict";
 * const v = pcaAggregator(fromRows([[1, 0]]), fromRows([[0, 0]]));
 * ok(v[0] === 1 && v[1] === 0);
 * throws(() => pcaAggregator(fromRows([[1, 0], [0, 0]]), fromRows([[0, 0], [1, 0]])), {
 *   name: "ZeroDirectionError",
 * });
 * ```
 */
export function pcaAggregator(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  ctx: AggregatorContext = {},
): Float64Array {
  checkPair(pos, neg, "pca", ctx, true);
  const n = pos.rows;
  const h = pos.cols;
  const d = pairedDeltas(pos, neg);
  const g = matrix(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += d[a * h + j]! * d[b * h + j]!;
      g.data[a * n + b] = s;
      g.data[b * n + a] = s;
    }
  }
  const e = eigh(g);
  const top = n - 1;
  if (!(e.values[top]! > 0)) {
    throw new ZeroDirectionError(
      `${where("pca", ctx)}: expected a non-zero paired delta but got every δ_i = 0`,
      "pca",
      ctx.concept,
    );
  }
  const v = new Float64Array(h);
  for (let a = 0; a < n; a++) {
    const wa = e.vectors.data[a * n + top]!;
    for (let j = 0; j < h; j++) v[j]! += wa * d[a * h + j]!;
  }
  const u = unitOrThrow(v, "pca", ctx, "every δ_i = 0");
  // The library's orientation: multiply by sign(mean_i ⟨δ_i, v⟩).
  let proj = 0;
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let j = 0; j < h; j++) s += d[a * h + j]! * u[j]!;
    proj += s;
  }
  proj /= n;
  if (proj === 0 || !Number.isFinite(proj)) {
    throw new ZeroDirectionError(
      `${where("pca", ctx)}: expected a non-zero mean projection mean_i ⟨δ_i, v⟩ to orient ` +
        `the top eigenvector but got ${proj} (the library returns the zero vector here, ` +
        `since sign(0) = 0)`,
      "pca",
      ctx.concept,
    );
  }
  if (proj < 0) { for (let j = 0; j < h; j++) u[j] = -u[j]!; }
  return u;
}

/** log(1 + exp(x)) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + exp(−x)) without overflow. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function checkLogisticOptions(
  o: LogisticOptions,
  method: AggregatorMethod,
  l1: boolean,
): { C: number; tol: number; maxIter: number } {
  checkContext(o, method);
  // `undefined` means the default; null is a malformed value, not a default.
  const C = o.C === undefined ? 1 : o.C;
  const tol = o.tol === undefined ? 1e-10 : o.tol;
  const maxIter = o.maxIter === undefined ? (l1 ? 10000 : 100) : o.maxIter;
  const bad = (argument: string, expected: string, got: number) =>
    new AggregatorInputError(
      `${where(method, o)}: expected ${argument} ${expected} but got ${shown(got)}`,
      argument,
      o.concept,
    );
  if (typeof C !== "number" || !(C > 0) || !Number.isFinite(C)) {
    throw bad("C", "finite and > 0", C);
  }
  if (typeof tol !== "number" || !(tol > 0) || !Number.isFinite(tol)) {
    throw bad("tol", "finite and > 0", tol);
  }
  if (!Number.isSafeInteger(maxIter) || maxIter < 1) {
    throw bad("maxIter", "a positive integer", maxIter);
  }
  return { C, tol, maxIter };
}

/** Checks the fits' deltas (f64 or f32, finite) and their sizes n, h (integers >= 1). */
function checkDeltas(
  deltas: unknown,
  n: unknown,
  h: unknown,
  method: AggregatorMethod,
  o: LogisticOptions,
): void {
  for (const [name, v] of [["n", n], ["h", h]] as const) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      throw new AggregatorInputError(
        `${where(method, o)}: expected ${name} an integer >= 1 but got ${shown(v)}`,
        name,
        o.concept,
      );
    }
  }
  if (!(deltas instanceof Float64Array) && !(deltas instanceof Float32Array)) {
    throw new AggregatorInputError(
      `${where(method, o)}: expected the deltas a Float64Array but got ${shown(deltas)}`,
      "deltas",
      o.concept,
    );
  }
  const bad = firstNonFinite(deltas);
  if (bad >= 0) {
    throw new AggregatorInputError(
      `${where(method, o)}: expected finite deltas but got ${deltas[bad]} at ${bad}`,
      "deltas",
      o.concept,
    );
  }
}

/** f(w) = ½‖w‖² + 2C Σ softplus(−m_i) (L2) given the margins m_i = wᵀδ_i/2. */
function l2Objective(w: Float64Array, m: Float64Array, C: number): number {
  let r = 0;
  for (let j = 0; j < w.length; j++) r += w[j]! * w[j]!;
  let l = 0;
  for (let i = 0; i < m.length; i++) l += softplus(-m[i]!);
  return 0.5 * r + 2 * C * l;
}

function margins(d: Float64Array, n: number, h: number, w: Float64Array, out: Float64Array) {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < h; j++) s += d[i * h + j]! * w[j]!;
    out[i] = s / 2;
  }
}

/** Cholesky factorisation in place of the SPD n × n `a` (lower triangle); false if not SPD. */
function cholInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= a[j * n + k]! * a[j * n + k]!;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = t / l;
    }
  }
  return true;
}

function cholSolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/**
 * Fits the L2 logistic regression of the library's `logistic` aggregator on the paired
 * deltas (n × H, row-major): minimises f(w) = ½‖w‖² + 2C Σ_i log(1 + exp(−wᵀδ_i/2)), which is
 * scikit-learn's ½‖w‖² + C Σ_samples log(1 + exp(−y wᵀx)) on the samples x = ±δ_i/2, y = ±1.
 * Damped Newton (Armijo backtracking) from w = 0, each system (I + Dᵀ S D) p = −∇f solved as
 * p = −∇f + Dᵀ S^½ (I + S^½ D Dᵀ S^½)⁻¹ S^½ D ∇f (an n × n Cholesky), S = diag(C·σ(m_i)σ(−m_i)/2).
 * Stops when ‖∇f‖₂ ≤ tol·max(1, ‖w‖₂, C Σ σ(−m_i)‖δ_i‖₂): relative to the largest of the
 * terms the gradient is made of, so that the test is reachable above their rounding.
 *
 * @throws {AggregatorInputError} for a bad option or a delta array of the wrong length
 * @throws {AggregatorConvergenceError} when maxIter Newton steps do not reach the tolerance
 *
 * @example
 * ```ts
 * import { logisticFit } from "./aggregators.ts";
 * import { ok } from "node:assert/strict";
 * const fit = logisticFit(new Float64Array([2, 0, 2, 0]), 2, 2);
 * ok(fit.coef[0]! > 0 && fit.coef[1] === 0 && fit.residual <= 1e-10 * fit.coef[0]!);
 * ```
 */
export function logisticFit(
  deltas: Float64Array,
  n: number,
  h: number,
  options: LogisticOptions = {},
): LogisticFit {
  const { C, tol, maxIter } = checkLogisticOptions(options, "logistic", false);
  checkDeltas(deltas, n, h, "logistic", options);
  if (deltas.length !== n * h || n < 1 || h < 1) {
    throw new AggregatorInputError(
      `${where("logistic", options)}: expected ${n} × ${h} deltas but got ${deltas.length} values`,
      "deltas",
      options.concept,
    );
  }
  const d = deltas;
  const w = new Float64Array(h);
  const m = new Float64Array(n);
  const g = new Float64Array(h);
  const kern = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += d[a * h + j]! * d[b * h + j]!;
      kern[a * n + b] = s;
      kern[b * n + a] = s;
    }
  }
  const rowNorm = Float64Array.from({ length: n }, (_, i) => norm2(d.subarray(i * h, i * h + h)));
  const pm = new Float64Array(n);
  const sys = new Float64Array(n * n);
  const sq = new Float64Array(n);
  const rhs = new Float64Array(n);
  const p = new Float64Array(h);
  let gn = Infinity;
  for (let it = 0; it <= maxIter; it++) {
    // Gradient ∇f = w − C Σ σ(−m_i) δ_i, and the size of its terms for the relative test.
    g.set(w);
    let terms = 0;
    for (let i = 0; i < n; i++) {
      const c = C * sigmoid(-m[i]!);
      for (let j = 0; j < h; j++) g[j]! -= c * d[i * h + j]!;
      terms += c * rowNorm[i]!;
    }
    gn = norm2(g);
    const wn = norm2(w);
    if (gn <= tol * Math.max(1, wn, terms)) {
      return {
        coef: w,
        iterations: it,
        residual: gn,
        directionBound: wn > gn ? (gn / (wn - gn)) ** 2 : Infinity,
        objective: l2Objective(w, m, C),
      };
    }
    if (it === maxIter) break;
    // Newton direction through the n × n system.
    for (let i = 0; i < n; i++) {
      const s = sigmoid(m[i]!) * sigmoid(-m[i]!);
      sq[i] = Math.sqrt((C * s) / 2);
    }
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        sys[a * n + b] = sq[a]! * kern[a * n + b]! * sq[b]! + (a === b ? 1 : 0);
      }
    }
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += d[a * h + j]! * g[j]!;
      rhs[a] = sq[a]! * s;
    }
    if (!cholInPlace(sys, n)) break; // I + PSD is SPD; only non-finite values get here
    cholSolveInPlace(sys, n, rhs);
    for (let j = 0; j < h; j++) p[j] = -g[j]!;
    for (let a = 0; a < n; a++) {
      const c = sq[a]! * rhs[a]!;
      for (let j = 0; j < h; j++) p[j]! += c * d[a * h + j]!;
    }
    let slope = 0;
    let wp = 0;
    let pp = 0;
    for (let j = 0; j < h; j++) {
      slope += g[j]! * p[j]!;
      wp += w[j]! * p[j]!;
      pp += p[j]! * p[j]!;
    }
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += d[a * h + j]! * p[j]!;
      pm[a] = s / 2;
    }
    // Armijo backtracking on the change of f computed term by term (½‖w + tp‖² − ½‖w‖² =
    // t·wᵀp + ½t²‖p‖², softplus(a + x) − softplus(a) = log1p(σ(a)·expm1(x))), so that
    // decreases far below f's own rounding are still seen: full steps near the optimum,
    // where Newton converges quadratically.
    let t = 1;
    for (let k = 0; k < 60; k++) {
      let dl = 0;
      for (let a = 0; a < n; a++) dl += Math.log1p(sigmoid(-m[a]!) * Math.expm1(-t * pm[a]!));
      const df = t * wp + 0.5 * t * t * pp + 2 * C * dl;
      if (df <= 1e-4 * t * slope || k === 59) break;
      t /= 2;
    }
    for (let j = 0; j < h; j++) w[j]! += t * p[j]!;
    margins(d, n, h, w, m);
  }
  throw new AggregatorConvergenceError(
    `${where("logistic", options)}: expected ‖∇f‖₂ ≤ ${tol}·max(1, ‖w‖₂, C Σ σ(−m_i)‖δ_i‖₂) ` +
      `within ${maxIter} ` +
      `Newton steps but got ‖∇f‖₂ = ${gn}`,
  );
}

/** KKT residual of the L1 problem: ∞-norm of the minimum-norm subgradient. */
function l1Kkt(w: Float64Array, grad: Float64Array): number {
  let r = 0;
  for (let j = 0; j < w.length; j++) {
    const gj = grad[j]!;
    const v = w[j]! > 0
      ? Math.abs(gj + 1)
      : w[j]! < 0
      ? Math.abs(gj - 1)
      : Math.max(Math.abs(gj) - 1, 0);
    if (v > r) r = v;
  }
  return r;
}

function l1LossGrad(
  d: Float64Array,
  n: number,
  h: number,
  m: Float64Array,
  C: number,
  out: Float64Array,
): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const c = -C * sigmoid(-m[i]!);
    for (let j = 0; j < h; j++) out[j]! += c * d[i * h + j]!;
  }
}

/**
 * Fits the L1 logistic regression of memspec's `logistic_l1` aggregator on the paired
 * deltas: minimises F(w) = ‖w‖₁ + 2C Σ_i log(1 + exp(−wᵀδ_i/2)) (scikit-learn's L1 objective
 * on the samples x = ±δ_i/2) by cyclic coordinate descent. Each coordinate takes the
 * soft-thresholded Newton step z = soft(w_j − g_j/h_j, 1/h_j) of the one-dimensional
 * quadratic model, shortened by halving until F decreases by ≥ 1e-4 of the model's
 * predicted decrease (liblinear's newGLMNET line search), and the margins m_i = wᵀδ_i/2
 * are updated in O(n). Between full sweeps, sweeps over the non-zero coordinates only run
 * until they change nothing more than 1e-3·tol. Stops when the KKT residual ≤ tol.
 *
 * @throws {AggregatorInputError} for a bad option or a delta array of the wrong length
 * @throws {AggregatorConvergenceError} when maxIter full sweeps do not reach the tolerance
 *
 * @example
 * ```ts
 * import { logisticL1Fit } from "./aggregators.ts";
 * import { ok } from "node:assert/strict";
 * const fit = logisticL1Fit(new Float64Array([4, 0.01, 4, 0.01]), 2, 2);
 * ok(fit.coef[0]! > 0 && fit.coef[1] === 0 && fit.residual <= 1e-10);
 * ```
 */
export function logisticL1Fit(
  deltas: Float64Array,
  n: number,
  h: number,
  options: LogisticOptions = {},
): LogisticFit {
  const { C, tol, maxIter } = checkLogisticOptions(options, "logistic_l1", true);
  checkDeltas(deltas, n, h, "logistic_l1", options);
  if (deltas.length !== n * h || n < 1 || h < 1) {
    throw new AggregatorInputError(
      `${where("logistic_l1", options)}: expected ${n} × ${h} deltas but got ${deltas.length} ` +
        `values`,
      "deltas",
      options.concept,
    );
  }
  const d = deltas;
  const w = new Float64Array(h);
  const m = new Float64Array(n);
  const grad = new Float64Array(h);
  const mt = new Float64Array(n);
  const lossOf = (mm: Float64Array) => {
    let l = 0;
    for (let i = 0; i < n; i++) l += softplus(-mm[i]!);
    return 2 * C * l;
  };
  let loss = lossOf(m);
  /** One coordinate update; returns |Δw_j|. */
  const update = (j: number): number => {
    let gj = 0;
    let hj = 0;
    for (let i = 0; i < n; i++) {
      const x = d[i * h + j]!;
      if (x === 0) continue;
      const sp = sigmoid(m[i]!);
      const sm = sigmoid(-m[i]!);
      gj -= C * sm * x;
      hj += (C / 2) * sp * sm * x * x;
    }
    if (!(hj > 0)) return 0; // a zero column (or saturated margins): nothing to move
    const wj = w[j]!;
    // Minimiser of g·δ + ½h·δ² + |w_j + δ|.
    const z = wj - gj / hj;
    const thr = 1 / hj;
    const target = z > thr ? z - thr : z < -thr ? z + thr : 0;
    let step = target - wj;
    if (step === 0) return 0;
    for (let k = 0; k < 40; k++) {
      const model = gj * step + Math.abs(wj + step) - Math.abs(wj);
      // The loss change summed term by term, softplus(a + t) − softplus(a) =
      // log1p(σ(a)·expm1(t)), so that tiny steps are not lost in the rounding of the loss.
      let dl = 0;
      for (let i = 0; i < n; i++) {
        const t = (step * d[i * h + j]!) / 2;
        mt[i] = m[i]! + t;
        if (t !== 0) dl += Math.log1p(sigmoid(-m[i]!) * Math.expm1(-t));
      }
      dl *= 2 * C;
      const dec = dl + Math.abs(wj + step) - Math.abs(wj);
      if (dec <= 1e-4 * model) {
        w[j] = wj + step;
        m.set(mt);
        loss += dl;
        return Math.abs(step);
      }
      step /= 2;
    }
    return 0;
  };
  let kkt = Infinity;
  for (let sweep = 0; sweep < maxIter; sweep++) {
    // Recompute the margins from w: the O(n) updates drift by rounding over many sweeps.
    margins(d, n, h, w, m);
    loss = lossOf(m);
    l1LossGrad(d, n, h, m, C, grad);
    kkt = l1Kkt(w, grad);
    if (kkt <= tol) {
      return {
        coef: w,
        iterations: sweep,
        residual: kkt,
        directionBound: NaN,
        objective: loss + w.reduce((s, x) => s + Math.abs(x), 0),
      };
    }
    for (let j = 0; j < h; j++) update(j);
    // Active-set sweeps: the support is usually found early; polish it.
    for (let inner = 0; inner < 1000; inner++) {
      let change = 0;
      for (let j = 0; j < h; j++) if (w[j] !== 0) change = Math.max(change, update(j));
      if (change <= 1e-3 * tol) break;
    }
  }
  margins(d, n, h, w, m);
  loss = lossOf(m);
  l1LossGrad(d, n, h, m, C, grad);
  kkt = l1Kkt(w, grad);
  if (kkt <= tol) {
    return {
      coef: w,
      iterations: maxIter,
      residual: kkt,
      directionBound: NaN,
      objective: loss + w.reduce((s, x) => s + Math.abs(x), 0),
    };
  }
  throw new AggregatorConvergenceError(
    `${where("logistic_l1", options)}: expected a KKT residual ≤ ${tol} within ${maxIter} ` +
      `coordinate sweeps but got ${kkt}`,
  );
}

/**
 * The library's `logistic` aggregator (scikit-learn LogisticRegression with
 * fit_intercept=False, L2, C = 1 by default, on the midpoint samples ±δ_i/2): the unit
 * coefficient of {@link logisticFit}. Requires equal counts (paired rows).
 *
 * @throws {AggregatorInputError} as {@link meanAggregator}, or for a bad option
 * @throws {ZeroDirectionError} when the fit is the zero vector (Σ δ_i = 0)
 * @throws {AggregatorConvergenceError} as {@link logisticFit}
 *
 * @example
 * ```ts
 * import { logisticAggregator } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { ok } from "node:assert/strict";
 * const v = logisticAggregator(fromRows([[1, 1], [1, -1]]), fromRows([[0, 0], [0, 0]]));
 * ok(Math.abs(v[0]! - 1) < 1e-15 && Math.abs(v[1]!) < 1e-15);
 * ```
 */
export function logisticAggregator(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  options: LogisticOptions = {},
): Float64Array {
  checkPair(pos, neg, "logistic", options, true);
  const fit = logisticFit(pairedDeltas(pos, neg), pos.rows, pos.cols, options);
  return unitOrThrow(fit.coef, "logistic", options, "the L2 fit is w = 0, i.e. Σ δ_i = 0");
}

/**
 * memspec's `logistic_l1` aggregator: the unit coefficient of {@link logisticL1Fit}
 * (L1 penalty, C = 1 by default, no intercept, the midpoint samples ±δ_i/2). Not a
 * steering-vectors function: the library has none by this name.
 *
 * @throws {AggregatorInputError} as {@link meanAggregator}, or for a bad option
 * @throws {ZeroDirectionError} when the L1 fit is the zero vector, i.e. C·‖Σ δ_i‖_∞/2 ≤ 1
 *   (the penalty outweighs every coordinate's gradient at w = 0)
 * @throws {AggregatorConvergenceError} as {@link logisticL1Fit}
 *
 * @example
 * ```ts
 * import { logisticL1Aggregator } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => logisticL1Aggregator(fromRows([[0.5, 0]]), fromRows([[0, 0]])), {
 *   name: "ZeroDirectionError",
 * });
 * ```
 */
export function logisticL1Aggregator(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  options: LogisticOptions = {},
): Float64Array {
  checkPair(pos, neg, "logistic_l1", options, true);
  const fit = logisticL1Fit(pairedDeltas(pos, neg), pos.rows, pos.cols, options);
  return unitOrThrow(
    fit.coef,
    "logistic_l1",
    options,
    "the L1 penalty zeroes every coefficient: C·‖Σ δ_i‖_∞/2 ≤ 1",
  );
}

/**
 * The trainer's per-layer direction by `method`, always unit: `pooled`, the normalised
 * `mean`, `pca`, `logistic`, `logistic_l1`. Every method but `pooled` pairs row i of P with
 * row i of N and so requires equal counts.
 *
 * @throws {AggregatorInputError} for an unknown method (naming the available ones), or as the
 *   method's function
 * @throws {ZeroDirectionError} when the method's direction is the zero vector
 *
 * @example
 * ```ts
 * import { aggregate } from "./aggregators.ts";
 * import { fromRows } from "../../linalg/mod.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => aggregate("linear" as "mean", fromRows([[1]]), fromRows([[0]])), {
 *   name: "AggregatorInputError",
 *   message: /expected one of pooled, mean, pca, logistic, logistic_l1 but got "linear"/,
 * });
 * ```
 */
export function aggregate(
  method: AggregatorMethod,
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  options: LogisticOptions = {},
): Float64Array {
  checkContext(options, String(method));
  if (!(AGGREGATOR_METHODS as readonly unknown[]).includes(method)) {
    throw new AggregatorInputError(
      `${where(String(method), options)}: expected one of ${AGGREGATOR_METHODS.join(", ")} ` +
        `but got ${JSON.stringify(method)}`,
      "method",
      options.concept,
    );
  }
  // The logistic options are checked for every method, so that a bad C is never ignored.
  checkLogisticOptions(options, method, method === "logistic_l1");
  switch (method) {
    case "pooled":
      return pooledDirection(pos, neg, options);
    case "mean":
      return unitOrThrow(meanAggregator(pos, neg, options), "mean", options, "mean δ_i = 0");
    case "pca":
      return pcaAggregator(pos, neg, options);
    case "logistic":
      return logisticAggregator(pos, neg, options);
    case "logistic_l1":
      return logisticL1Aggregator(pos, neg, options);
    default:
      throw new AggregatorInputError(
        `${where(String(method), options)}: expected one of ${AGGREGATOR_METHODS.join(", ")} ` +
          `but got ${JSON.stringify(method)}`,
        "method",
        options.concept,
      );
  }
}
