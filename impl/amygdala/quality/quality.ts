/**
 * Spectrum metrics and the quality report of Kent Overstreet's amygdala
 * trainer (kent/consciousness:training/amygdala_training/train_steering_vectors.py,
 * `--quality-report` → `quality.json`), in f64 on the host, with memspec's
 * readings where the original leaves a choice open:
 *
 * - first_pc_variance_ratio = σ₁²/Σσ² of the centred positives. For n samples it
 *   is ≥ 1/min(n − 1, H) and exactly 1 for n = 2, so the original's fixed
 *   "clean > 0.7 / fragmented < 0.4" reading ignores n: memspec reports it with
 *   a seeded null baseline (the same ratio for n Gaussian samples in H dimensions).
 * - Per-story alignment: cos(p_i − mean N, d); the 2 lowest are the outliers.
 * - Single-neuron alignment: max_j cos(W_down[:, j], d), signed (no absolute value).
 * - Ridge linear combination: (OOᵀ + λI)α = Ot, λ = 0.01; R² = 1 − ‖t − Oᵀα‖²/max(‖t‖², 1e-12)
 *   (uncentred); the top 5 |α| with their signs.
 * - Per-head concentration: Δ_h = mean_pos − mean_neg of head h's slice; raw_h = ‖Δ_h‖;
 *   selectivity_h = raw_h / std_h with std_h the population (ddof = 0) std of all the negatives'
 *   entries in head h; concentration = Σ_{top min(10, n_heads)} raw / Σ raw. Uniform heads give
 *   k/n_heads (the original's message says n/k).
 * - Spectrum metrics of the PCA on the paired deltas (uncentred, as the library's pca
 *   aggregator: λ_i = σ_i² of the delta matrix): first_pc_ratio = λ₁/Σλ, k90 and the
 *   participation ratio (Σλ)²/Σλ², over the full spectrum and over the top k90 ("signal").
 *
 * @example
 * ```ts
 * import { spectrumMetrics } from "./quality.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(spectrumMetrics([2, 2, 2, 2]), {
 *   first_pc_ratio: 0.25, k90: 4, participation_ratio: 4, participation_ratio_signal: 4,
 * });
 * ```
 *
 * @module
 */
import { choleskySolve } from "../../linalg/cholesky.ts";
import { type Matrix, matrix, type MatrixData } from "../../linalg/matrix.ts";
import { svd } from "../../linalg/svd.ts";
import { isMatrix, shown } from "../validate.ts";

/** The ridge penalty of the original's linear-combination analysis. */
export const RIDGE_LAMBDA = 0.01;
/** How many contributors, nearest concepts and story outliers are reported. */
export const QUALITY_TOP = { contributors: 5, nearest: 5, outliers: 2, heads: 10 } as const;
/** Trials of the first-PC null baseline. */
export const NULL_BASELINE_TRIALS = 64;
/** The largest n·H the null baseline accepts (2^26 f64 values, 512 MiB per trial matrix). */
const NULL_BASELINE_MAX_ELEMENTS = 2 ** 26;
/** The most trials the null baseline accepts. */
const NULL_BASELINE_MAX_TRIALS = 2 ** 20;

function fail(verb: string, expected: string, got: string): never {
  throw new RangeError(`Cannot ${verb}: expected ${expected} but got ${got}`);
}

function checkMatrix(m: Matrix<MatrixData>, verb: string, what: string, cols?: number): void {
  if (!isMatrix(m)) {
    throw new TypeError(
      `Cannot ${verb}: expected ${what} to be a matrix (f64 or f32 data of rows·cols values) ` +
        `but got a malformed value`,
    );
  }
  if (cols !== undefined && m.cols !== cols) {
    throw new TypeError(
      `Cannot ${verb}: expected ${what} to have ${cols} columns but got ${m.cols}`,
    );
  }
  for (let e = 0; e < m.data.length; e++) {
    if (!Number.isFinite(m.data[e]!)) {
      fail(
        verb,
        `finite ${what}`,
        `${m.data[e]} at row ${Math.floor(e / m.cols)}, column ${e % m.cols}`,
      );
    }
  }
}

function checkVector(v: ArrayLike<number>, verb: string, what: string, n: number): void {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    throw new TypeError(`Cannot ${verb}: expected ${what} an array of numbers but got ${shown(v)}`);
  }
  if (v.length !== n) {
    throw new TypeError(`Cannot ${verb}: expected ${what} of length ${n} but got ${v.length}`);
  }
  for (let i = 0; i < n; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      fail(verb, `finite ${what}`, `${shown(x)} at ${i}`);
    }
  }
}

function checkCount(v: unknown, verb: string, what: string): void {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    fail(verb, `${what} an integer ≥ 0`, shown(v));
  }
}

function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number) {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i]! * b[bo + i]!;
  return s;
}

// --- first_pc_variance_ratio ---

/**
 * σ₁²/Σσ² of the positives centred on their mean (n ≥ 2 rows). In [1/min(n − 1, H), 1];
 * exactly 1 for n = 2.
 *
 * @throws {RangeError} for fewer than 2 rows, a non-finite element, or identical rows (0/0)
 *
 * @example
 * ```ts
 * import { firstPcVarianceRatio } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(Math.abs(firstPcVarianceRatio(fromRows([[1, 5], [3, -2]])) - 1) < 1e-15);
 * ```
 */
export function firstPcVarianceRatio(p: Matrix<MatrixData>): number {
  const verb = "compute the first-PC variance ratio";
  checkMatrix(p, verb, "the positives");
  if (p.rows < 2) fail(verb, "at least 2 positives", String(p.rows));
  const [n, h] = [p.rows, p.cols];
  const c = matrix(n, h);
  for (let j = 0; j < h; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += p.data[i * h + j]!;
    m /= n;
    for (let i = 0; i < n; i++) c.data[i * h + j] = p.data[i * h + j]! - m;
  }
  const s = svd(c).s;
  let total = 0;
  for (const x of s) total += x * x;
  if (!(total > 0)) fail(verb, "positives that are not all identical", "zero variance");
  return (s[0]! * s[0]!) / total;
}

/** The first-PC ratio expected from noise alone for the same n and H. */
export interface NullBaseline {
  /** Samples. */
  readonly n: number;
  /** Mean ratio over the trials (n Gaussian N(0, I_H) samples each). */
  readonly mean: number;
  /** The 95th percentile over the trials. */
  readonly p95: number;
  /** The bound every ratio obeys: 1/min(n − 1, H). */
  readonly lower_bound: number;
  /** Trials run. */
  readonly trials: number;
}

/** Mulberry32: a small seeded uniform generator (deterministic baselines). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Box–Muller standard normals from a seeded uniform generator. */
function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/**
 * The null baseline of the first-PC variance ratio for n positives in H dimensions: the ratio
 * of `trials` sets of n standard-normal samples (seeded, deterministic).
 *
 * @throws {RangeError} when n < 2, H < 1 or trials < 1
 *
 * @example
 * ```ts
 * import { firstPcNullBaseline } from "./quality.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(firstPcNullBaseline(2, 16).mean, 1); // two points: one axis holds everything
 * ```
 */
export function firstPcNullBaseline(
  n: number,
  h: number,
  trials = NULL_BASELINE_TRIALS,
  seed = 20260406,
): NullBaseline {
  const verb = "compute the first-PC null baseline";
  if (!Number.isSafeInteger(n) || n < 2) fail(verb, "n ≥ 2 samples", String(n));
  if (!Number.isSafeInteger(h) || h < 1) fail(verb, "H ≥ 1", String(h));
  if (!Number.isSafeInteger(trials) || trials < 1) fail(verb, "trials ≥ 1", String(trials));
  // Each trial draws and decomposes an n × H matrix: refuse sizes no corpus has before
  // allocating (or looping) for them.
  if (n * h > NULL_BASELINE_MAX_ELEMENTS) {
    fail(verb, `n·H ≤ ${NULL_BASELINE_MAX_ELEMENTS}`, `${n}·${h}`);
  }
  if (trials > NULL_BASELINE_MAX_TRIALS) {
    fail(verb, `trials ≤ ${NULL_BASELINE_MAX_TRIALS}`, String(trials));
  }
  if (!Number.isSafeInteger(seed)) fail(verb, "an integer seed", shown(seed));
  const g = gaussian(mulberry32(seed));
  const r: number[] = [];
  for (let t = 0; t < trials; t++) {
    const x = matrix(n, h);
    for (let i = 0; i < x.data.length; i++) x.data[i] = g();
    r.push(n === 2 ? 1 : firstPcVarianceRatio(x));
  }
  r.sort((a, b) => a - b);
  return {
    n,
    mean: r.reduce((a, b) => a + b, 0) / trials,
    p95: r[Math.min(trials - 1, Math.ceil(0.95 * trials) - 1)]!,
    lower_bound: 1 / Math.min(n - 1, h),
    trials,
  };
}

// --- per-story alignment ---

/** Per-story alignment and its outliers. */
export interface StoryAlignment {
  /** cos(p_i − mean N, d) per positive story. */
  readonly cosines: number[];
  /** The lowest ones (up to 2), ascending: candidates for mislabelling. */
  readonly outliers: { index: number; cos: number }[];
}

/**
 * cos(p_i − mean N, d) for each positive row, and the 2 lowest as outliers. A row equal to
 * mean N has cosine 0.
 *
 * @throws {TypeError} on hidden-size mismatches; {@link RangeError} on empty sets or non-finite values
 *
 * @example
 * ```ts
 * import { storyAlignment } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const a = storyAlignment(fromRows([[2, 0], [0, 1]]), fromRows([[0, 0]]), [1, 0]);
 * deepStrictEqual(a.cosines, [1, 0]);
 * ```
 */
export function storyAlignment(
  p: Matrix<MatrixData>,
  nMat: Matrix<MatrixData>,
  d: ArrayLike<number>,
  outliers: number = QUALITY_TOP.outliers,
): StoryAlignment {
  const verb = "compute the per-story alignment";
  checkMatrix(p, verb, "the positives");
  const h = p.cols;
  checkMatrix(nMat, verb, "the negatives", h);
  checkVector(d, verb, "the direction", h);
  checkCount(outliers, verb, "the outlier count");
  if (p.rows < 1 || nMat.rows < 1) {
    fail(verb, "at least one positive and one negative", `${p.rows} and ${nMat.rows}`);
  }
  const mn = new Float64Array(h);
  for (let i = 0; i < nMat.rows; i++) {
    for (let j = 0; j < h; j++) mn[j] = mn[j]! + nMat.data[i * h + j]! / nMat.rows;
  }
  const dn = Math.sqrt(dot(d, 0, d, 0, h));
  const cosines: number[] = [];
  const x = new Float64Array(h);
  for (let i = 0; i < p.rows; i++) {
    for (let j = 0; j < h; j++) x[j] = p.data[i * h + j]! - mn[j]!;
    const xn = Math.sqrt(dot(x, 0, x, 0, h));
    cosines.push(xn > 0 && dn > 0 ? dot(x, 0, d, 0, h) / (xn * dn) : 0);
  }
  const order = cosines.map((c, i) => ({ index: i, cos: c })).sort((a, b) =>
    a.cos - b.cos || a.index - b.index
  );
  return { cosines, outliers: order.slice(0, outliers) };
}

// --- single-neuron alignment ---

/**
 * max_j cos(W_down[:, j], d) (signed) over the neurons' output directions, the columns of the
 * H × I down-projection; zero columns score 0.
 *
 * @throws {TypeError} when W_down's row count is not d's length
 *
 * @example
 * ```ts
 * import { singleNeuronAlignment } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(singleNeuronAlignment(fromRows([[0, 3], [1, 0]]), [1, 0]), { score: 1, neuron: 1 });
 * ```
 */
export function singleNeuronAlignment(
  wDown: Matrix<MatrixData>,
  d: ArrayLike<number>,
): { score: number; neuron: number } {
  const verb = "compute the single-neuron alignment";
  checkMatrix(wDown, verb, "W_down");
  const [h, m] = [wDown.rows, wDown.cols];
  checkVector(d, verb, "the direction (one entry per W_down row)", h);
  if (m < 1) fail(verb, "at least one neuron (column of W_down)", "0");
  const dn = Math.sqrt(dot(d, 0, d, 0, h));
  let best = -Infinity;
  let neuron = -1;
  for (let j = 0; j < m; j++) {
    let s = 0;
    let cn = 0;
    for (let i = 0; i < h; i++) {
      const w = wDown.data[i * m + j]!;
      s += w * d[i]!;
      cn += w * w;
    }
    const c = cn > 0 && dn > 0 ? s / (Math.sqrt(cn) * dn) : 0;
    if (c > best) [best, neuron] = [c, j];
  }
  return { score: Math.min(1, Math.max(-1, best)), neuron };
}

// --- nearest concepts ---

/**
 * The top-k other concepts by cos(d_c, d_c′) among the rows of `directions` (n × H).
 *
 * @throws {RangeError} when `c` is not a row index
 *
 * @example
 * ```ts
 * import { nearestConcepts } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const d = fromRows([[1, 0], [0.6, 0.8], [-1, 0]]);
 * deepStrictEqual(nearestConcepts(d, ["a", "b", "c"], 0, 1), [{ concept: "b", cos: 0.6 }]);
 * ```
 */
export function nearestConcepts(
  directions: Matrix<MatrixData>,
  names: readonly string[],
  c: number,
  k: number = QUALITY_TOP.nearest,
): { concept: string; cos: number }[] {
  const verb = "find the nearest concepts";
  checkMatrix(directions, verb, "the directions");
  const [n, h] = [directions.rows, directions.cols];
  if (!Array.isArray(names) || names.some((x) => typeof x !== "string")) {
    throw new TypeError(`Cannot ${verb}: expected the concept names an array of strings`);
  }
  checkCount(k, verb, "k");
  if (h < 1) fail(verb, "directions of at least one feature", `${n} × ${h}`);
  if (names.length !== n) {
    throw new TypeError(`Cannot ${verb}: expected ${n} concept names but got ${names.length}`);
  }
  if (!Number.isSafeInteger(c) || c < 0 || c >= n) {
    fail(verb, `a concept index in 0..${n - 1}`, String(c));
  }
  const norm = (i: number) => Math.sqrt(dot(directions.data, i * h, directions.data, i * h, h));
  const out: { concept: string; cos: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i === c) continue;
    const den = norm(i) * norm(c);
    out.push({
      concept: names[i]!,
      cos: den > 0 ? dot(directions.data, i * h, directions.data, c * h, h) / den : 0,
    });
  }
  out.sort((a, b) => b.cos - a.cos);
  return out.slice(0, k);
}

// --- ridge linear combination ---

/** The ridge linear-combination analysis of one target direction. */
export interface RidgeCombination {
  /** 1 − ‖t − Oᵀα‖²/max(‖t‖², 1e-12), in [0, 1]. */
  readonly r2: number;
  /** The penalty used. */
  readonly lambda: number;
  /** The coefficients α, one per row of O. */
  readonly alpha: Float64Array;
  /** The top 5 |α|, with their signs, descending. */
  readonly top: { index: number; alpha: number }[];
}

/**
 * Ridge regression of the target t (length H) on the other concepts' directions O ((n−1) × H):
 * (OOᵀ + λI)α = Ot, R² = 1 − ‖t − Oᵀα‖²/max(‖t‖², 1e-12).
 *
 * @throws {TypeError} when t's length is not O's column count
 * @throws {RangeError} when λ is not positive or an element is not finite
 *
 * @example
 * ```ts
 * import { ridgeCombination } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(ridgeCombination(fromRows([[1, 0], [0, 1]]), [0.6, 0.8]).r2 > 0.9998);
 * ok(ridgeCombination(fromRows([[1, 0]]), [0, 1]).r2 === 0);
 * ```
 */
export function ridgeCombination(
  o: Matrix<MatrixData>,
  t: ArrayLike<number>,
  lambda: number = RIDGE_LAMBDA,
): RidgeCombination {
  const verb = "compute the ridge linear combination";
  checkMatrix(o, verb, "the other directions");
  const [n, h] = [o.rows, o.cols];
  checkVector(t, verb, "the target", h);
  if (!(lambda > 0) || !Number.isFinite(lambda)) fail(verb, "a positive finite λ", String(lambda));
  const g = matrix(n, n);
  const b = matrix(n, 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = dot(o.data, i * h, o.data, j * h, h);
      g.data[i * n + j] = x;
      g.data[j * n + i] = x;
    }
    g.data[i * n + i] = g.data[i * n + i]! + lambda;
    b.data[i] = dot(o.data, i * h, t, 0, h);
  }
  const alpha = n > 0 ? Float64Array.from(choleskySolve(g, b).data) : new Float64Array(0);
  let res = 0;
  let tt = 0;
  for (let j = 0; j < h; j++) {
    let r = t[j]!;
    for (let i = 0; i < n; i++) r -= alpha[i]! * o.data[i * h + j]!;
    res += r * r;
    tt += t[j]! * t[j]!;
  }
  const r2 = Math.min(1, Math.max(0, 1 - res / Math.max(tt, 1e-12)));
  const top = Array.from(alpha, (a, i) => ({ index: i, alpha: a }))
    .sort((x, y) => Math.abs(y.alpha) - Math.abs(x.alpha) || x.index - y.index)
    .slice(0, QUALITY_TOP.contributors);
  return { r2, lambda, alpha, top };
}

// --- per-head concentration ---

/** The per-head decomposition of one concept at one layer. */
export interface HeadConcentration {
  /** The top min(10, n_heads) heads as [head, raw_norm, selectivity], by raw_norm descending. */
  readonly top: [number, number, number][];
  /** Σ_top raw_norm / Σ_all raw_norm, in [k/n_heads, 1]. */
  readonly concentration: number;
  /** k/n_heads: the value for heads of equal raw norm. */
  readonly uniform_value: number;
  /** ‖Δ_h‖ per head. */
  readonly raw_norm: number[];
}

/**
 * Per-head concentration from the o_proj inputs (rows: samples; columns: n_heads·head_dim,
 * head-major). A head whose negatives have zero spread gets selectivity Infinity (raw > 0) or 0.
 *
 * @throws {TypeError} when the widths disagree or are not a multiple of n_heads
 * @throws {RangeError} on empty sets, non-finite values, or all Δ_h = 0 (0/0)
 *
 * @example
 * ```ts
 * import { headConcentration } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * // 2 heads of width 1, equal differences: uniform, k/n = 1 (k = min(10, 2) = 2).
 * strictEqual(headConcentration(fromRows([[1, 1]]), fromRows([[0, 0]]), 2).concentration, 1);
 * ```
 */
export function headConcentration(
  pos: Matrix<MatrixData>,
  neg: Matrix<MatrixData>,
  nHeads: number,
  top: number = QUALITY_TOP.heads,
): HeadConcentration {
  const verb = "compute the per-head concentration";
  checkMatrix(pos, verb, "the positive o_proj inputs");
  const w = pos.cols;
  checkMatrix(neg, verb, "the negative o_proj inputs", w);
  checkCount(top, verb, "the top count");
  if (!Number.isSafeInteger(nHeads) || nHeads < 1 || w % nHeads !== 0) {
    throw new TypeError(
      `Cannot ${verb}: expected n_heads to divide the width ${w} but got ${nHeads}`,
    );
  }
  if (pos.rows < 1 || neg.rows < 1) {
    fail(verb, "at least one positive and one negative", `${pos.rows} and ${neg.rows}`);
  }
  const hd = w / nHeads;
  const mean = (m: Matrix<MatrixData>, j: number) => {
    let s = 0;
    for (let i = 0; i < m.rows; i++) s += m.data[i * w + j]!;
    return s / m.rows;
  };
  const raw: number[] = [];
  const sel: number[] = [];
  for (let hh = 0; hh < nHeads; hh++) {
    let r = 0;
    let s1 = 0;
    let s2 = 0;
    for (let j = hh * hd; j < (hh + 1) * hd; j++) {
      const dj = mean(pos, j) - mean(neg, j);
      r += dj * dj;
      for (let i = 0; i < neg.rows; i++) s1 += neg.data[i * w + j]!;
    }
    const cnt = neg.rows * hd;
    const mu = s1 / cnt;
    for (let j = hh * hd; j < (hh + 1) * hd; j++) {
      for (let i = 0; i < neg.rows; i++) s2 += (neg.data[i * w + j]! - mu) ** 2;
    }
    const std = Math.sqrt(s2 / cnt);
    r = Math.sqrt(r);
    raw.push(r);
    sel.push(std > 0 ? r / std : r > 0 ? Infinity : 0);
  }
  const total = raw.reduce((a, b) => a + b, 0);
  if (!(total > 0)) fail(verb, "a non-zero mean difference in some head", "Δ_h = 0 for every head");
  const k = Math.min(top, nHeads);
  const order = raw.map((_, i) => i).sort((a, b) => raw[b]! - raw[a]! || a - b).slice(0, k);
  const sumTop = order.reduce((a, i) => a + raw[i]!, 0);
  return {
    top: order.map((i) => [i, raw[i]!, sel[i]!]),
    // Every head in the top: exactly 1 (summation order would otherwise leave 1 − u).
    concentration: k === nHeads ? 1 : Math.min(1, sumTop / total),
    uniform_value: k / nHeads,
    raw_norm: raw,
  };
}

// --- spectrum metrics ---

/** Spectrum metrics of a PCA's eigenvalues. */
export interface SpectrumMetrics {
  /** λ₁/Σλ, in (0, 1]. */
  readonly first_pc_ratio: number;
  /** min{k : Σ_{i≤k} λ_i / Σλ ≥ 0.9}, ≥ 1. */
  readonly k90: number;
  /** (Σλ)²/Σλ² over the full spectrum, in [1, rank]. */
  readonly participation_ratio: number;
  /** (Σλ)²/Σλ² over the top k90 ("signal") eigenvalues. */
  readonly participation_ratio_signal: number;
}

/**
 * first_pc_ratio, k90 and the participation ratios of non-negative eigenvalues (any order;
 * sorted descending here). k equal eigenvalues give PR = k and first = 1/k.
 *
 * @throws {RangeError} on an empty list, a negative or non-finite value, or an all-zero list
 *
 * @example
 * ```ts
 * import { spectrumMetrics } from "./quality.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(spectrumMetrics([9, 1]).k90, 1);
 * ```
 */
export function spectrumMetrics(eigenvalues: ArrayLike<number>): SpectrumMetrics {
  const verb = "compute the spectrum metrics";
  if (!Array.isArray(eigenvalues) && !ArrayBuffer.isView(eigenvalues)) {
    throw new TypeError(
      `Cannot ${verb}: expected the eigenvalues an array of numbers but got ${shown(eigenvalues)}`,
    );
  }
  const l = Array.from(eigenvalues as ArrayLike<number>);
  if (l.length === 0) fail(verb, "at least one eigenvalue", "none");
  l.forEach((x, i) => {
    if (!Number.isFinite(x) || x < 0) fail(verb, "finite non-negative eigenvalues", `${x} at ${i}`);
  });
  l.sort((a, b) => b - a);
  const total = l.reduce((a, b) => a + b, 0);
  if (!(total > 0)) fail(verb, "a positive eigenvalue", "an all-zero spectrum");
  let k90 = 0;
  let acc = 0;
  while (k90 < l.length) {
    acc += l[k90]!;
    k90++;
    if (acc / total >= 0.9) break;
  }
  const pr = (xs: number[]) => {
    const s = xs.reduce((a, b) => a + b, 0);
    const s2 = xs.reduce((a, b) => a + b * b, 0);
    return (s * s) / s2;
  };
  return {
    first_pc_ratio: l[0]! / total,
    k90,
    participation_ratio: pr(l),
    participation_ratio_signal: pr(l.slice(0, k90)),
  };
}

/**
 * The eigenvalues of the uncentred PCA on paired deltas (rows δ_i): σ_i² of the delta matrix,
 * descending (the library's pca aggregator decomposes [δ; −δ], whose second moment is 2Σδδᵀ:
 * the same spectrum up to the factor 2, which every ratio cancels).
 *
 * @example
 * ```ts
 * import { deltaSpectrum } from "./quality.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(Math.abs(deltaSpectrum(fromRows([[3, 0], [0, 1]]))[0]! - 9) < 1e-14);
 * ```
 */
export function deltaSpectrum(deltas: Matrix<MatrixData>): Float64Array {
  checkMatrix(deltas, "compute the delta spectrum", "the deltas");
  if (deltas.rows < 1 || deltas.cols < 1) {
    fail(
      "compute the delta spectrum",
      "at least one delta and one feature",
      `${deltas.rows} × ${deltas.cols}`,
    );
  }
  return Float64Array.from(svd(deltas).s, (s) => s * s);
}
