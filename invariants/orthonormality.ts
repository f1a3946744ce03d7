/**
 * Orthonormality of the columns (or rows) of a matrix Q: the figure is
 * max_{i≤j} |(QᵀQ − I)_ij| (or of QQᵀ − I for rows), compared `<=` with
 * `atol`. The Gram matrix is accumulated in f64, so for f32 input its own
 * rounding (≤ m·2⁻⁵³ relative) is far below any f32 tolerance.
 *
 * More columns than rows (n > m) can never be orthonormal; that is measured,
 * not rejected: QᵀQ − I then has eigenvalue −1, so the figure is ≥ 1/n.
 *
 * @example
 * ```ts
 * import { checkOrthonormality } from "./orthonormality.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual, ok } from "node:assert/strict";
 * const q = fromRows([[0.6, -0.8], [0.8, 0.6], [0, 0]]);
 * ok(checkOrthonormality(q, { atol: 1e-15 }).pass);
 * const v = checkOrthonormality(fromRows([[1, 0.25], [0, 1]]), { atol: 1e-6 });
 * ok(!v.pass && v.figure === 0.25);
 * deepStrictEqual(v.worst, { i: 0, j: 1 });
 * ```
 *
 * @module
 */
import { assertMatrix, type Matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict, WorstTracker } from "./verdict.ts";

/** Options for {@link checkOrthonormality}. */
export interface OrthonormalityOptions {
  /** Largest |(QᵀQ − I)_ij| accepted. */
  atol: number;
  /** Which vectors must be orthonormal; default "columns" (QᵀQ = I). */
  of?: "columns" | "rows";
}

/** The Gram entry furthest from the identity (i ≤ j), or -1s when there are no vectors. */
export interface OrthonormalityWorst {
  /** Row of the Gram entry. */
  i: number;
  /** Column of the Gram entry. */
  j: number;
}

/**
 * Checks that the columns (default) or rows of `q` are orthonormal within `atol`.
 *
 * @throws {TypeError} when `q` is not a well-formed matrix
 * @throws {RangeError} when `atol` is negative or not finite, or `of` is unknown
 *
 * @example Rows of a rotation are orthonormal too
 * ```ts
 * import { checkOrthonormality } from "./orthonormality.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const r = fromRows([[0, 1], [-1, 0]]);
 * ok(checkOrthonormality(r, { atol: 0, of: "rows" }).figure === 0);
 * ```
 */
export function checkOrthonormality(
  q: Matrix,
  options: OrthonormalityOptions,
): Verdict<OrthonormalityWorst> {
  assertMatrix(q, "check orthonormality of");
  assertBound(options.atol, "atol", "check orthonormality", { min: 0 });
  const of = options.of ?? "columns";
  if (of !== "columns" && of !== "rows") {
    throw new RangeError(`Cannot check orthonormality: of must be "columns" or "rows", got ${of}`);
  }
  // Vector i, element k lives at data[i * vStride + k * eStride].
  const count = of === "columns" ? q.cols : q.rows;
  const length = of === "columns" ? q.rows : q.cols;
  const vStride = of === "columns" ? 1 : q.cols;
  const eStride = of === "columns" ? q.cols : 1;
  const worst = new WorstTracker();
  for (let i = 0; i < count; i++) {
    for (let j = i; j < count; j++) {
      let g = 0;
      for (let k = 0; k < length; k++) {
        g += q.data[i * vStride + k * eStride]! * q.data[j * vStride + k * eStride]!;
      }
      worst.offer(Math.abs(g - (i === j ? 1 : 0)), i * count + j);
    }
  }
  return makeVerdict(
    worst.value,
    "<=",
    options.atol,
    worst.index < 0
      ? { i: -1, j: -1 }
      : { i: Math.floor(worst.index / count), j: worst.index % count },
  );
}
