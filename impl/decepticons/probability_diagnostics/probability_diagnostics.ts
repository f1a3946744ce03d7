/**
 * Two-source probability diagnostics (asuramaya/decepticons src/decepticons/
 * probability_diagnostics.py): per-row statistics of a base distribution p and a proxy q over
 * one vocabulary, each in [0, 1]: normalised entropy, peak, top-k mass, top-2 margin, overlap
 * Σ min(p, q), top-1 agreement and shared top-k mass.
 *
 * Rows are normalised first: p/Σp when Σp > 1e-12, else uniform. memspec differs from the
 * original where the original is wrong: top-k sets break ties by the lower index (the
 * original's argpartition leaves the tie order unspecified, so shared top-k changes with it).
 *
 * @example Overlap of a distribution with itself is 1
 * ```ts
 * import { overlap } from "./probability_diagnostics.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(overlap([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 1);
 * ```
 *
 * @module
 */
import { finiteNumber, finiteVector, integer } from "../control/check.ts";

/** Mass below which a row is replaced by the uniform distribution. */
export const ROW_MASS_EPS = 1e-12;

/**
 * A row normalised to sum 1 (uniform when its mass is ≤ 1e-12).
 *
 * @throws {TypeError | RangeError} for an empty, non-finite or negative row.
 */
export function normalizeRow(row: ArrayLike<number>, what = "row"): Float64Array {
  const op = "normalise a probability row";
  if (typeof what !== "string") {
    throw new TypeError(
      `Cannot ${op}: expected the row's name to be a string but got ${typeof what}`,
    );
  }
  const p = finiteVector(op, what, row);
  let s = 0;
  p.forEach((x, i) => {
    finiteNumber(op, `${what}[${i}]`, x, 0);
    s += x;
  });
  if (s > ROW_MASS_EPS) return p.map((x) => x / s);
  return p.fill(1 / p.length);
}

/** −Σ p ln(p + ε) / ln V, in [0, 1] up to ε (0 for V = 1). */
export function normalizedEntropy(row: ArrayLike<number>): number {
  const p = normalizeRow(row);
  if (p.length === 1) return 0;
  let h = 0;
  for (const x of p) h -= x * Math.log(x + ROW_MASS_EPS);
  return h / Math.log(p.length);
}

/** Indices of the k largest entries, larger first, lower index first on ties.
 *
 * @example Ties by index
 * ```ts
 * import { topkIndices } from "./probability_diagnostics.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(topkIndices([0.2, 0.4, 0.4], 2), [1, 2]);
 * ```
 */
export function topkIndices(row: ArrayLike<number>, k: number): number[] {
  integer("take the top k", "k", k, 1, row.length);
  const idx = Array.from({ length: row.length }, (_, i) => i);
  idx.sort((a, b) => row[b]! - row[a]! || a - b);
  return idx.slice(0, k);
}

/** The largest probability. */
export function peak(row: ArrayLike<number>): number {
  return Math.max(...normalizeRow(row));
}

/** Mass of the k largest entries. */
export function topkMass(row: ArrayLike<number>, k: number): number {
  const p = normalizeRow(row);
  return topkIndices(p, Math.min(k, p.length)).reduce((a, i) => a + p[i]!, 0);
}

/** p₍₁₎ − p₍₂₎ (0 for V = 1). */
export function top2Margin(row: ArrayLike<number>): number {
  const p = normalizeRow(row);
  if (p.length === 1) return 0;
  const [a, b] = topkIndices(p, 2);
  return p[a!]! - p[b!]!;
}

function pair(p: ArrayLike<number>, q: ArrayLike<number>): [Float64Array, Float64Array] {
  const a = normalizeRow(p, "base row");
  const b = normalizeRow(q, "proxy row");
  if (a.length !== b.length) {
    throw new TypeError(
      `Cannot compare probability rows: expected equal vocabularies but got ${a.length} and ` +
        `${b.length}`,
    );
  }
  return [a, b];
}

/** Σ min(p, q): 1 for equal rows, symmetric. */
export function overlap(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const [a, b] = pair(p, q);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i]!, b[i]!);
  return s;
}

/** 1 when the argmaxes (lower index on ties) agree, else 0. */
export function top1Agreement(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const [a, b] = pair(p, q);
  return topkIndices(a, 1)[0] === topkIndices(b, 1)[0] ? 1 : 0;
}

/** ½(Σ_{i∈S} p_i + Σ_{i∈S} q_i) with S = topk(p) ∩ topk(q), ties broken by index. */
export function sharedTopkMass(p: ArrayLike<number>, q: ArrayLike<number>, k: number): number {
  const [a, b] = pair(p, q);
  const kk = Math.min(k, a.length);
  const sa = new Set(topkIndices(a, kk));
  const sb = new Set(topkIndices(b, kk));
  // Index order and a[i] + b[i] (commutative in floating point) keep the value symmetric.
  let s = 0;
  for (let i = 0; i < a.length; i++) if (sa.has(i) && sb.has(i)) s += a[i]! + b[i]!;
  return s / 2;
}

/** Row diagnostics of a base/proxy pair, averaged over rows. */
export interface ProbabilityDiagnostics {
  /** Mean of the base and proxy normalised entropies. */
  readonly entropy: number;
  /** Mean of the base and proxy peaks. */
  readonly peak: number;
  /** Mean of the base and proxy top-k masses. */
  readonly topkMass: number;
  /** Mean of the base and proxy top-2 margins. */
  readonly top2Margin: number;
  /** Σ min(p, q). */
  readonly overlap: number;
  /** [argmax p = argmax q]. */
  readonly top1Agreement: number;
  /** Shared top-k mass. */
  readonly sharedTopkMass: number;
}

/**
 * The seven diagnostics of one base/proxy row pair.
 *
 * @throws {TypeError | RangeError} for malformed rows, unequal vocabularies or k < 1.
 */
export function probabilityDiagnostics(
  base: ArrayLike<number>,
  proxy: ArrayLike<number>,
  k = 4,
): ProbabilityDiagnostics {
  const [p, q] = pair(base, proxy);
  integer("compute probability diagnostics", "k", k, 1, 2 ** 31);
  const avg = (f: (r: Float64Array) => number) => (f(p) + f(q)) / 2;
  return Object.freeze({
    entropy: avg(normalizedEntropy),
    peak: avg(peak),
    topkMass: avg((r) => topkMass(r, k)),
    top2Margin: avg(top2Margin),
    overlap: overlap(p, q),
    top1Agreement: top1Agreement(p, q),
    sharedTopkMass: sharedTopkMass(p, q, k),
  });
}
