/**
 * Input checks every `impl/linalg` routine runs before doing any work, each
 * naming the offending element: malformed or wrongly shaped matrices and
 * asymmetric input raise `TypeError`; NaN or ±Infinity raises `RangeError`.
 *
 * Symmetry is checked to a relative tolerance: A is symmetric when
 * |a_ij − a_ji| ≤ rtol·max_kl |a_kl| for every i, j, with the default
 * {@link SYMMETRY_RTOL} = 1e-12.
 *
 * @example
 * ```ts
 * import { assertSymmetric } from "./validate.ts";
 * import { fromRows } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => assertSymmetric(fromRows([[1, 2], [3, 1]]), "factor"), /at \(0, 1\)/);
 * ```
 *
 * @module
 */
import type { Matrix, MatrixData } from "./matrix.ts";

/**
 * Default relative symmetry tolerance, 1e-12 ≈ 2·4096·u (u = 2⁻⁵³): about the
 * asymmetry rounding leaves when a symmetric matrix is computed in f64 as
 * sums of up to ~4096 products taken in different orders (e.g. Q·Λ·Qᵀ) and
 * the sums do not cancel much. A larger asymmetry is not rounding (an
 * f32-rounded matrix is off by ~6e-8) and more likely a wrong matrix:
 * symmetrise it explicitly, or pass a looser tolerance, to accept it.
 */
export const SYMMETRY_RTOL = 1e-12;

/**
 * Throws a TypeError naming `what` unless `m` is a well-formed matrix
 * (non-negative integer dimensions, a Float64Array or Float32Array of
 * `rows * cols` elements).
 *
 * @example
 * ```ts
 * import { assertMatrix } from "./validate.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => assertMatrix({ rows: 2, cols: 2, data: new Float64Array(3) }, "check"), TypeError);
 * ```
 */
export function assertMatrix(m: Matrix<MatrixData>, what: string): void {
  if (
    !Number.isSafeInteger(m.rows) || m.rows < 0 || !Number.isSafeInteger(m.cols) || m.cols < 0
  ) {
    throw new TypeError(
      `Cannot ${what} a matrix of ${m.rows} × ${m.cols}: dimensions must be non-negative integers`,
    );
  }
  if (!(m.data instanceof Float64Array || m.data instanceof Float32Array)) {
    throw new TypeError(`Cannot ${what} a matrix whose data is not a Float64Array or Float32Array`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new TypeError(
      `Cannot ${what} a ${m.rows} × ${m.cols} matrix holding ${m.data.length} elements: ` +
        `expected ${m.rows * m.cols}`,
    );
  }
}

/**
 * Throws a TypeError naming `what` unless `m` is a well-formed square matrix.
 *
 * @example
 * ```ts
 * import { assertSquare } from "./validate.ts";
 * import { matrix } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => assertSquare(matrix(2, 3), "check the symmetry of"), /must be square/);
 * ```
 */
export function assertSquare(m: Matrix<MatrixData>, what: string): void {
  assertMatrix(m, what);
  if (m.rows !== m.cols) {
    throw new TypeError(
      `Cannot ${what} a matrix of shape [${m.rows}, ${m.cols}]: it must be square`,
    );
  }
}

/**
 * The first element that is NaN or ±Infinity, in row-major order, or null when all are finite.
 *
 * @example
 * ```ts
 * import { firstNonFinite } from "./validate.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(firstNonFinite(fromRows([[1, 2], [NaN, Infinity]])), { row: 1, col: 0 });
 * deepStrictEqual(firstNonFinite(fromRows([[1]])), null);
 * ```
 */
export function firstNonFinite(m: Matrix<MatrixData>): { row: number; col: number } | null {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) return { row: Math.floor(i / m.cols), col: i % m.cols };
  }
  return null;
}

/**
 * Throws a RangeError naming `what` and the first non-finite element (row-major) of `m`.
 *
 * @example
 * ```ts
 * import { assertFinite } from "./validate.ts";
 * import { fromRows } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => assertFinite(fromRows([[1, 0], [NaN, 1]]), "factor"), {
 *   name: "RangeError",
 *   message: "Cannot factor a matrix with a non-finite element: (1, 0) is NaN",
 * });
 * ```
 */
export function assertFinite(m: Matrix<MatrixData>, what: string): void {
  const bad = firstNonFinite(m);
  if (bad !== null) {
    throw new RangeError(
      `Cannot ${what} a matrix with a non-finite element: (${bad.row}, ${bad.col}) is ` +
        `${m.data[bad.row * m.cols + bad.col]}`,
    );
  }
}

/** The worst asymmetry of a square matrix: where, how large, and the scale max|a|. */
export interface Asymmetry {
  /** Row of the worst pair, with `row < col` (0, 0 when n < 2). */
  readonly row: number;
  /** Column of the worst pair (`row < col`; 0 when n < 2). */
  readonly col: number;
  /** |a_row,col − a_col,row|. */
  readonly difference: number;
  /** max_kl |a_kl|. */
  readonly scale: number;
}

/**
 * The largest |a_ij − a_ji| of a square matrix, where it occurs (first in
 * row-major order among equals) and max|a|. Unchecked: call {@link assertSquare} first.
 *
 * @example
 * ```ts
 * import { asymmetry } from "./validate.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(asymmetry(fromRows([[4, 1, 0], [1, 4, 2], [0, 3, 4]])), {
 *   row: 1, col: 2, difference: 1, scale: 4,
 * });
 * ```
 */
export function asymmetry(m: Matrix<MatrixData>): Asymmetry {
  const n = m.rows;
  let row = 0;
  let col = 0;
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    scale = Math.max(scale, Math.abs(m.data[i * n + i]!));
    for (let j = i + 1; j < n; j++) {
      const x = m.data[i * n + j]!;
      const y = m.data[j * n + i]!;
      scale = Math.max(scale, Math.abs(x), Math.abs(y));
      const d = Math.abs(x - y);
      if (d > difference) [row, col, difference] = [i, j, d];
    }
  }
  return { row, col, difference, scale };
}

/**
 * Throws a TypeError naming `what` and the worst pair unless the square, finite matrix `m`
 * satisfies |a_ij − a_ji| ≤ rtol·max|a| for all i, j.
 *
 * @throws {RangeError} when `rtol` is not a finite non-negative number
 *
 * @example
 * ```ts
 * import { assertSymmetric } from "./validate.ts";
 * import { fromRows } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * assertSymmetric(fromRows([[1, 2], [2 + 1e-15, 1]]), "factor"); // within 1e-12·2
 * throws(() => assertSymmetric(fromRows([[1, 2], [3, 1]]), "factor"), {
 *   name: "TypeError",
 *   message: "Cannot factor a non-symmetric matrix: expected |a_ij − a_ji| ≤ 1e-12·max|a| = " +
 *     "3.000e-12 for all i, j but got |a[0][1] − a[1][0]| = |2 − 3| = 1 at (0, 1)",
 * });
 * ```
 */
export function assertSymmetric(
  m: Matrix<MatrixData>,
  what: string,
  rtol: number = SYMMETRY_RTOL,
): void {
  if (!(rtol >= 0) || !Number.isFinite(rtol)) {
    throw new RangeError(
      `Cannot ${what}: expected a finite non-negative symmetry tolerance but got ${rtol}`,
    );
  }
  const w = asymmetry(m);
  const tol = rtol * w.scale;
  if (w.difference > tol) {
    const n = m.rows;
    const [i, j] = [w.row, w.col];
    throw new TypeError(
      `Cannot ${what} a non-symmetric matrix: expected |a_ij − a_ji| ≤ ${rtol}·max|a| = ` +
        `${tol.toExponential(3)} for all i, j but got |a[${i}][${j}] − a[${j}][${i}]| = ` +
        `|${m.data[i * n + j]} − ${m.data[j * n + i]}| = ${w.difference} at (${i}, ${j})`,
    );
  }
}
