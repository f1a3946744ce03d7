/**
 * Antisymmetry (skew-symmetry) of a square matrix: the figure is
 * max_{i≤j} |a_ij + a_ji|, i.e. max |A + Aᵀ| (a diagonal entry counts as
 * |2a_ii|), compared `<=` with `atol` (default 0). A matrix built as B − Bᵀ
 * in floating point is exactly antisymmetric, since fl(x − y) = −fl(y − x).
 *
 * @example
 * ```ts
 * import { checkAntisymmetry } from "./antisymmetry.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
 * ok(checkAntisymmetry(fromRows([[0, 2], [-2, 0]])).pass);
 * const v = checkAntisymmetry(fromRows([[0, 2], [-1.5, 0]]));
 * strictEqual(v.figure, 0.5);
 * deepStrictEqual(v.worst, { row: 0, col: 1 });
 * ```
 *
 * @module
 */
import { assertSquare, type Matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict, WorstTracker } from "./verdict.ts";

/** Options for {@link checkAntisymmetry}. */
export interface AntisymmetryOptions {
  /** Largest |a_ij + a_ji| accepted; default 0. */
  atol?: number;
}

/** Where |a_ij + a_ji| was largest (row ≤ col), or -1s for a 0 × 0 matrix. */
export interface AntisymmetryWorst {
  /** Row of the worst pair. */
  row: number;
  /** Column of the worst pair. */
  col: number;
}

/**
 * Checks that `a` is antisymmetric: Aᵀ = −A.
 *
 * @throws {TypeError} when `a` is not a square matrix
 * @throws {RangeError} when `atol` is negative or not finite
 *
 * @example A non-zero diagonal is a violation of twice its size
 * ```ts
 * import { checkAntisymmetry } from "./antisymmetry.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const v = checkAntisymmetry(fromRows([[0, 1], [-1, 0.25]]), { atol: 0.5 });
 * ok(v.figure === 0.5 && v.pass && v.worst.row === 1 && v.worst.col === 1);
 * ```
 */
export function checkAntisymmetry(
  a: Matrix,
  options: AntisymmetryOptions = {},
): Verdict<AntisymmetryWorst> {
  assertSquare(a, "check antisymmetry of");
  const atol = options.atol ?? 0;
  assertBound(atol, "atol", "check antisymmetry", { min: 0 });
  const n = a.rows;
  const worst = new WorstTracker();
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      worst.offer(Math.abs(a.data[i * n + j]! + a.data[j * n + i]!), i * n + j);
    }
  }
  return makeVerdict(
    worst.value,
    "<=",
    atol,
    worst.index < 0
      ? { row: -1, col: -1 }
      : { row: Math.floor(worst.index / n), col: worst.index % n },
  );
}
