/**
 * Controller summaries (asuramaya/decepticons src/decepticons/control.py): a fixed-width f64
 * vector built from any 0-, 1- or 2-D signal by one reduction and an optional L2
 * normalisation, the common input of the gate controller, the router and the modulator.
 *
 * memspec differs from the original where the original is wrong: the reduction name is
 * checked at construction (the original checks it at the first encode) and a non-finite
 * signal is refused (the original returns NaN summaries, which later route to index 0).
 *
 * @example Reductions of a 2-D signal over its first axis
 * ```ts
 * import { SummaryBuilder } from "./control.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const s = new SummaryBuilder({ reduction: "mean_abs" }).encode([[1, -2, 3], [-4, 5, -6]]);
 * deepStrictEqual([...s.values], [2.5, 3.5, 4.5]);
 * ```
 *
 * @module
 */
import { finiteNumber, finiteVector, optionsRecord } from "./check.ts";
import { shown } from "../../validate.ts";

/** How a 2-D signal becomes a vector (1-D and scalar signals are taken as they are). */
export type SummaryReduction = "identity" | "last" | "mean" | "mean_abs" | "max_abs";

/** Every reduction, in the original's order. */
export const SUMMARY_REDUCTIONS: readonly SummaryReduction[] = Object.freeze([
  "identity",
  "last",
  "mean",
  "mean_abs",
  "max_abs",
]);

/** Settings of a {@link SummaryBuilder}. */
export interface SummaryConfig {
  /** The reduction of 2-D signals (default "identity": flatten). */
  reduction: SummaryReduction;
  /** Divide by the L2 norm when it exceeds `eps` (default false). */
  normalize: boolean;
  /** Norm floor of the normalisation (default 1e-8). */
  eps: number;
}

/** The original's defaults. */
export const SUMMARY_DEFAULTS: Readonly<SummaryConfig> = Object.freeze({
  reduction: "identity",
  normalize: false,
  eps: 1e-8,
});

/** A named summary vector. */
export interface ControllerSummary {
  /** The summary's name (routing branch names default to it). */
  readonly name: string;
  /** The f64 values, at least one, all finite. */
  readonly values: Float64Array;
}

/** A signal: a scalar, a vector, or a matrix given as rows of equal length. */
export type Signal = number | ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/**
 * Checks and completes summary settings.
 *
 * @throws {TypeError} for a non-object, an unknown reduction or a non-boolean `normalize`.
 * @throws {RangeError} for a negative or non-finite `eps`.
 */
export function summaryConfig(op: string, v: unknown): SummaryConfig {
  if (typeof op !== "string") {
    throw new TypeError(
      `Cannot read a summaryConfig: expected op to be a string but got ${shown(op)}`,
    );
  }
  const o = optionsRecord(op, v);
  const reduction = o.reduction ?? SUMMARY_DEFAULTS.reduction;
  if (
    typeof reduction !== "string" || !SUMMARY_REDUCTIONS.includes(reduction as SummaryReduction)
  ) {
    throw new TypeError(
      `Cannot ${op}: expected summary reduction to be one of ${SUMMARY_REDUCTIONS.join(", ")} ` +
        `but got ${shown(reduction)}`,
    );
  }
  const normalize = o.normalize ?? SUMMARY_DEFAULTS.normalize;
  if (typeof normalize !== "boolean") {
    throw new TypeError(
      `Cannot ${op}: expected summary normalize to be a boolean but got ${shown(normalize)}`,
    );
  }
  const eps = finiteNumber(op, "summary eps", o.eps ?? SUMMARY_DEFAULTS.eps, 0);
  return { reduction: reduction as SummaryReduction, normalize, eps };
}

/** Divides `v` by its L2 norm when the norm exceeds `eps` (in place). */
export function normalizeInPlace(v: Float64Array, eps: number): Float64Array {
  let ss = 0;
  for (const x of v) ss += x * x;
  const norm = Math.sqrt(ss);
  if (norm > eps) { for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm; }
  return v;
}

function isRows(s: Signal): s is ReadonlyArray<ArrayLike<number>> {
  return Array.isArray(s) && s.length > 0 && typeof s[0] === "object" && s[0] !== null;
}

/**
 * Builds controller summaries from signals.
 *
 * @example A normalised summary
 * ```ts
 * import { SummaryBuilder } from "./control.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual([...new SummaryBuilder({ normalize: true }).encode([3, 4]).values], [0.6, 0.8]);
 * ```
 */
export class SummaryBuilder {
  /** The checked settings. */
  readonly config: Readonly<SummaryConfig>;

  /**
   * Builds a summary builder with checked settings.
   *
   * @throws {TypeError} for an unknown reduction or malformed settings.
   * @throws {RangeError} for a bad eps.
   */
  constructor(config: Partial<SummaryConfig> = {}) {
    this.config = Object.freeze(summaryConfig("build a SummaryBuilder", config));
  }

  /**
   * The summary of `signal`: scalars and vectors as they are (the reduction applies only to
   * 2-D signals), matrices reduced over their rows, then normalised when configured.
   *
   * @throws {TypeError} when the signal is not a number, a list or a list of equal rows.
   * @throws {RangeError} when it is empty or holds a non-finite value.
   */
  encode(signal: Signal, name = "summary"): ControllerSummary {
    const op = "encode a controller summary";
    if (typeof name !== "string") {
      throw new TypeError(`Cannot ${op}: expected the name to be a string but got ${shown(name)}`);
    }
    let values: Float64Array;
    if (typeof signal === "number") {
      values = finiteVector(op, "signal", [signal]);
    } else if (isRows(signal)) {
      const rows = signal.map((r, i) => finiteVector(op, `signal row ${i}`, r));
      const d = rows[0]!.length;
      rows.forEach((r, i) => {
        if (r.length !== d) {
          throw new TypeError(
            `Cannot ${op}: expected every signal row to hold ${d} values but row ${i} holds ` +
              `${r.length}`,
          );
        }
      });
      values = reduceRows(rows, this.config.reduction);
    } else {
      values = finiteVector(op, "signal", signal);
    }
    if (this.config.normalize) normalizeInPlace(values, this.config.eps);
    return Object.freeze({ name, values });
  }
}

/** The reduction of equal-length rows over the first axis. */
function reduceRows(rows: Float64Array[], r: SummaryReduction): Float64Array {
  const d = rows[0]!.length;
  if (r === "identity") {
    const out = new Float64Array(rows.length * d);
    rows.forEach((row, i) => out.set(row, i * d));
    return out;
  }
  if (r === "last") return Float64Array.from(rows[rows.length - 1]!);
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let acc = 0;
    for (const row of rows) {
      const x = row[j]!;
      if (r === "max_abs") acc = Math.max(acc, Math.abs(x));
      else acc += r === "mean_abs" ? Math.abs(x) : x;
    }
    out[j] = r === "max_abs" ? acc : acc / rows.length;
  }
  return out;
}

/**
 * Stacks summaries of one width into rows.
 *
 * @throws {RangeError} for no summaries or summaries of different widths.
 *
 * @example
 * ```ts
 * import { SummaryBuilder, stackSummaries } from "./control.ts";
 * import { strictEqual } from "node:assert/strict";
 * const b = new SummaryBuilder();
 * strictEqual(stackSummaries([b.encode([1, 2]), b.encode([3, 4])]).length, 2);
 * ```
 */
export function stackSummaries(summaries: readonly ControllerSummary[]): Float64Array[] {
  const op = "stack controller summaries";
  if (!Array.isArray(summaries) || summaries.length === 0) {
    throw new RangeError(`Cannot ${op}: expected at least one summary but got ${shown(summaries)}`);
  }
  // Each entry is checked (an object holding finite values) before any row is built.
  const rows = summaries.map((s, i) => {
    if (s === null || typeof s !== "object" || Array.isArray(s)) {
      throw new TypeError(
        `Cannot ${op}: expected summary ${i} to be a summary but got ${shown(s)}`,
      );
    }
    return finiteVector(op, `summary ${i} values`, (s as ControllerSummary).values);
  });
  const d = rows[0]!.length;
  return rows.map((s, i) => {
    if (s.length !== d) {
      throw new RangeError(
        `Cannot ${op}: expected every summary to hold ${d} values but summary ${i} holds ` +
          `${s.length}`,
      );
    }
    return s;
  });
}

/**
 * A raw signal or a ready summary as the f64 vector a controller reads: signals go through a
 * builder with `config`; a summary is taken as it is (checked finite).
 *
 * @throws {TypeError | RangeError} as {@link SummaryBuilder.encode}.
 */
export function summaryVector(
  op: string,
  input: Signal | ControllerSummary,
  config: SummaryConfig,
): Float64Array {
  if (typeof input === "object" && input !== null && "values" in input && !Array.isArray(input)) {
    return finiteVector(op, "summary values", (input as ControllerSummary).values);
  }
  try {
    return new SummaryBuilder(config).encode(input as Signal).values;
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replace("encode a controller summary", op);
    throw e;
  }
}
