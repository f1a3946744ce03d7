/**
 * The shape every invariant checker answers with: the measured figure, the
 * bound it is compared with, how it is compared, whether it passed, and where
 * the figure was worst. A NaN figure never passes.
 *
 * @example
 * ```ts
 * import { describeVerdict, makeVerdict } from "./verdict.ts";
 * import { ok } from "node:assert/strict";
 * const v = makeVerdict(0.25, "<=", 0.5, { row: 1, col: 0 });
 * ok(v.pass);
 * ok(describeVerdict(v).startsWith("pass: 2.500e-1 <= 5.000e-1"));
 * ```
 *
 * @module
 */

/**
 * How a figure is compared with its bound: `"<="` for errors (the figure must
 * not exceed the bound), `">="` and `">"` for quantities that must reach or
 * exceed a floor (recall, an eigenvalue, a spectral gap).
 */
export type Comparison = "<=" | ">=" | ">";

/** A checker's answer. `W` says where the figure was worst (an index, a pair of indices, ...). */
export interface Verdict<W> {
  /** Whether `figure compare bound` holds. */
  readonly pass: boolean;
  /** What was measured. */
  readonly figure: number;
  /** What it is compared with. */
  readonly bound: number;
  /** How it is compared with the bound. */
  readonly compare: Comparison;
  /** Where the figure was attained. */
  readonly worst: W;
}

/**
 * Whether `figure compare bound` holds; false whenever either side is NaN.
 *
 * @example
 * ```ts
 * import { holds } from "./verdict.ts";
 * import { ok } from "node:assert/strict";
 * ok(holds(1, "<=", 1) && !holds(1, ">", 1) && !holds(NaN, "<=", 1));
 * ```
 */
export function holds(figure: number, compare: Comparison, bound: number): boolean {
  switch (compare) {
    case "<=":
      return figure <= bound;
    case ">=":
      return figure >= bound;
    case ">":
      return figure > bound;
  }
}

/**
 * Builds a verdict, computing `pass` from the figure, the comparison and the bound.
 *
 * @example
 * ```ts
 * import { makeVerdict } from "./verdict.ts";
 * import { ok } from "node:assert/strict";
 * ok(!makeVerdict(0.75, ">=", 0.8, { query: 3 }).pass);
 * ```
 */
export function makeVerdict<W>(
  figure: number,
  compare: Comparison,
  bound: number,
  worst: W,
): Verdict<W> {
  return { pass: holds(figure, compare, bound), figure, bound, compare, worst };
}

/**
 * One-line summary of a verdict for reports and assertion messages.
 *
 * @example
 * ```ts
 * import { describeVerdict, makeVerdict } from "./verdict.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(
 *   describeVerdict(makeVerdict(2, "<=", 1, { row: 0 })),
 *   'FAIL: 2.000e+0 <= 1.000e+0 does not hold, worst at {"row":0}',
 * );
 * ```
 */
export function describeVerdict<W>(v: Verdict<W>): string {
  const head = `${v.figure.toExponential(3)} ${v.compare} ${v.bound.toExponential(3)}`;
  const where = JSON.stringify(
    v.worst,
    (_k, x) => ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : x,
  );
  return v.pass
    ? `pass: ${head}, worst at ${where}`
    : `FAIL: ${head} does not hold, worst at ${where}`;
}

/**
 * Running maximum of non-negative error figures in which NaN wins and sticks, so
 * that a NaN anywhere makes the figure NaN (and the verdict fail) and its
 * location is reported. Internal helper of the checkers.
 *
 * @example
 * ```ts
 * import { WorstTracker } from "./verdict.ts";
 * import { ok } from "node:assert/strict";
 * const t = new WorstTracker();
 * t.offer(0.5, 2);
 * t.offer(NaN, 4);
 * t.offer(9, 5);
 * ok(Number.isNaN(t.value) && t.index === 4);
 * ```
 */
export class WorstTracker {
  /** The largest figure offered so far (NaN once a NaN was offered); 0 before any offer. */
  value = 0;
  /** Where {@link WorstTracker.value} was offered; -1 before any offer. */
  index: number = -1;

  /** Offers one figure measured at `index`. */
  offer(value: number, index: number): void {
    if (Number.isNaN(this.value)) return;
    if (this.index < 0 || Number.isNaN(value) || value > this.value) {
      this.value = value;
      this.index = index;
    }
  }
}

/**
 * Throws a RangeError naming the checker and the parameter unless `value` is a
 * finite number within `[min, max]` (each end optional).
 *
 * @example
 * ```ts
 * import { assertBound } from "./verdict.ts";
 * import { throws } from "node:assert/strict";
 * assertBound(0.5, "minRecall", "check recall@k", { min: 0, max: 1 });
 * throws(() => assertBound(-1, "atol", "check antisymmetry", { min: 0 }), /atol must be/);
 * ```
 */
export function assertBound(
  value: number,
  name: string,
  what: string,
  range: { min?: number; max?: number } = {},
): void {
  const min = range.min ?? -Infinity;
  const max = range.max ?? Infinity;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot ${what}: ${name} must be a finite number in [${min}, ${max}], got ${value}`,
    );
  }
}
