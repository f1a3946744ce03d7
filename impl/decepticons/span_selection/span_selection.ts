/**
 * Span selection (asuramaya/decepticons src/decepticons/span_selection.py): positions whose
 * score is ≥ θ, merged into spans when the gap between neighbours is ≤ maxGap, each span
 * [first, last + 1) kept when its length (gaps included) is ≥ minSpan.
 *
 * @example The original's table
 * ```ts
 * import { selectSpans } from "./span_selection.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const s = [0.1, 0.6, 0.7, 0.2, 0.8, 0.1, 0.1, 0.9, 0.9, 0.9];
 * deepStrictEqual(selectSpans(s, 0.5, { maxGap: 1 }).map((x) => [x.start, x.stop]), [[1, 5], [7, 10]]);
 * ```
 *
 * @module
 */
import { finiteNumber, finiteVector, integer, optionsRecord } from "../control/check.ts";

/** A selected span. */
export interface Span {
  /** First position. */
  readonly start: number;
  /** One past the last selected position. */
  readonly stop: number;
  /** Mean score over the selected positions (gaps excluded). */
  readonly mean: number;
  /** Largest selected score. */
  readonly max: number;
  /** Selected positions in the span. */
  readonly count: number;
}

/** Options of {@link selectSpans}. */
export interface SpanOptions {
  /** Shortest span kept, gaps counted (default 1). */
  minSpan?: number;
  /** Largest gap merged (default 0). */
  maxGap?: number;
}

/** Whether a score is selected at threshold θ: the one comparison, score ≥ θ.
 *
 * @example The threshold itself is selected
 * ```ts
 * import { selected } from "./span_selection.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(selected(0.5, 0.5), true);
 * ```
 */
export function selected(score: number, threshold: number): boolean {
  return score >= threshold;
}

/**
 * Spans of scores ≥ `threshold`.
 *
 * @throws {TypeError | RangeError} for non-finite scores or threshold, or bad options.
 */
export function selectSpans(
  scores: ArrayLike<number>,
  threshold: number,
  options: SpanOptions = {},
): Span[] {
  const op = "select spans";
  const s = finiteVector(op, "scores", scores, undefined, true);
  finiteNumber(op, "threshold", threshold);
  const o = optionsRecord(op, options);
  const minSpan = integer(op, "minSpan", o.minSpan ?? 1, 1, 2 ** 31);
  const maxGap = integer(op, "maxGap", o.maxGap ?? 0, 0, 2 ** 31);
  const out: Span[] = [];
  let group: number[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const start = group[0]!;
    const stop = group[group.length - 1]! + 1;
    if (stop - start >= minSpan) {
      const vals = group.map((i) => s[i]!);
      out.push(Object.freeze({
        start,
        stop,
        mean: vals.reduce((a, b) => a + b, 0) / vals.length,
        max: Math.max(...vals),
        count: vals.length,
      }));
    }
    group = [];
  };
  for (let i = 0; i < s.length; i++) {
    if (!selected(s[i]!, threshold)) continue;
    if (group.length > 0 && i - group[group.length - 1]! - 1 > maxGap) flush();
    group.push(i);
  }
  flush();
  return out;
}
