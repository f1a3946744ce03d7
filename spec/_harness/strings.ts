/**
 * How far a produced string is from the expected one, as a claim figure: the
 * number of UTF-16 positions where they differ, plus the difference in length.
 * 0 means equal; unlike a yes/no, the figure says how wrong a continuation was.
 *
 * @example
 * ```ts
 * import { stringDistance } from "./strings.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(stringDistance("0101", "0101"), 0);
 * strictEqual(stringDistance("0111", "0101"), 1);
 * strictEqual(stringDistance("01", "0101"), 2);
 * ```
 *
 * @module
 */

/** Positions where `a` and `b` differ, plus |len a − len b|. */
export function stringDistance(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let d = Math.abs(a.length - b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) d++;
  return d;
}
