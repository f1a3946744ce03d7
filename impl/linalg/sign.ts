/**
 * The sign convention of every eigenvector and singular vector `impl/linalg`
 * returns: in each vector, the component of largest magnitude is positive;
 * among components of equal largest magnitude, the one of lowest index
 * decides. A unit eigenvector of a simple eigenvalue is unique up to sign, so
 * under this convention it is unique, and results can be compared element by
 * element across implementations (fixtures/gen/linalg_fixtures.py applies the
 * same rule to numpy's vectors).
 *
 * The convention is well conditioned only when the largest magnitude is
 * clearly largest: where two components are equal in magnitude to within
 * rounding, another implementation may flip the vector; comparisons should
 * then compare up to sign.
 *
 * @example
 * ```ts
 * import { canonicalizeColumns } from "./sign.ts";
 * import { fromRows, toRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const v = fromRows([[0.6, 0.8], [-0.8, 0.6]]);
 * canonicalizeColumns(v); // column 0's largest is −0.8: flipped; column 1's is 0.8: kept
 * deepStrictEqual(toRows(v), [[-0.6, 0.8], [0.8, 0.6]]);
 * ```
 *
 * @module
 */
import type { Matrix } from "./matrix.ts";

/**
 * The row index of the component of largest magnitude in column `j` of the row-major
 * `rows × cols` array `data` (the lowest such index on ties), or −1 for an empty column.
 *
 * @example
 * ```ts
 * import { pivotRow } from "./sign.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(pivotRow(Float64Array.of(1, -3, 3, 2), 2, 2, 1), 0); // |−3| = |3|: row 0 wins
 * ```
 */
export function pivotRow(data: ArrayLike<number>, rows: number, cols: number, j: number): number {
  let best = -1;
  let big = -1;
  for (let r = 0; r < rows; r++) {
    const a = Math.abs(data[r * cols + j]!);
    if (a > big) [best, big] = [r, a];
  }
  return best;
}

/**
 * Flips, in place, every column of `v` whose largest-magnitude component (lowest index on
 * ties) is negative, and returns `v`.
 *
 * @example
 * ```ts
 * import { canonicalizeColumns } from "./sign.ts";
 * import { matrix } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(canonicalizeColumns(matrix(2, 1, [-0.5, 0.5])).data), [0.5, -0.5]);
 * ```
 */
export function canonicalizeColumns(v: Matrix): Matrix {
  for (let j = 0; j < v.cols; j++) {
    const r = pivotRow(v.data, v.rows, v.cols, j);
    if (r >= 0 && v.data[r * v.cols + j]! < 0) {
      for (let i = 0; i < v.rows; i++) v.data[i * v.cols + j] = -v.data[i * v.cols + j]!;
    }
  }
  return v;
}
