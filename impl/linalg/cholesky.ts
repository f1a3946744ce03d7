/**
 * Cholesky factorisation A = L·Lᵀ of a symmetric positive definite matrix in
 * f64 (L lower triangular with a positive diagonal), and the solve A·X = B by
 * forward and back substitution.
 *
 * The factor is the column-by-column (left-looking) algorithm reading A's
 * lower triangle: l_jj = √(a_jj − Σ_{p<j} l_jp²), l_ij = (a_ij − Σ_{p<j} l_ip·l_jp)/l_jj.
 * It is backward stable (Higham, Accuracy and Stability, Thm 10.3):
 * L̂·L̂ᵀ = A + ΔA with |ΔA| ≤ γ_{n+1}·|L̂|·|L̂ᵀ| element by element, and a
 * solve satisfies (A + ΔA)·x̂ = b with |ΔA| ≤ γ_{3n+1}·|L̂|·|L̂ᵀ| (Thm 10.4).
 * No pivoting is needed: a positive definite matrix has positive pivots in
 * exact arithmetic, and a pivot that rounds to ≤ 0 means A is not positive
 * definite to working precision.
 *
 * @example
 * ```ts
 * import { choleskySolve } from "./cholesky.ts";
 * import { fromRows, toRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * // [[4, 2], [2, 3]]·x = [[2], [1]] has x = [[0.5], [0]].
 * deepStrictEqual(toRows(choleskySolve(fromRows([[4, 2], [2, 3]]), fromRows([[2], [1]]))), [
 *   [0.5],
 *   [0],
 * ]);
 * ```
 *
 * @module
 */
import { type Matrix, matrix, type MatrixData } from "./matrix.ts";
import { assertFinite, assertMatrix, assertSquare, assertSymmetric } from "./validate.ts";

/** Options for {@link cholesky} and {@link choleskySolve}. */
export interface CholeskyOptions {
  /** Relative symmetry tolerance of A; default {@link SYMMETRY_RTOL} (1e-12). */
  symmetryRtol?: number;
}

function checkSpd(a: Matrix<MatrixData>, what: string, options: CholeskyOptions): void {
  assertSquare(a, what);
  assertFinite(a, what);
  assertSymmetric(a, what, options.symmetryRtol);
}

/** Factors the n × n lower triangle of `a` into `l` (row-major n × n, zero above). */
function factor(a: ArrayLike<number>, n: number, l: Float64Array, what: string): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= l[j * n + p]! ** 2;
    if (!(d > 0)) {
      throw new RangeError(
        `Cannot ${what} a matrix that is not positive definite: expected pivot ${j} ` +
          `a[${j}][${j}] − Σ_p l[${j}][p]² > 0 but got ${d}`,
      );
    }
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= l[i * n + p]! * l[j * n + p]!;
      l[i * n + j] = s / ljj;
    }
  }
}

/** Overwrites the n × k row-major `b` with L⁻ᵀ·L⁻¹·b. */
function substitute(l: Float64Array, n: number, b: Float64Array, k: number): void {
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      const c = l[i * n + p]!;
      for (let c2 = 0; c2 < k; c2++) b[i * k + c2] = b[i * k + c2]! - c * b[p * k + c2]!;
    }
    const d = l[i * n + i]!;
    for (let c2 = 0; c2 < k; c2++) b[i * k + c2] = b[i * k + c2]! / d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const c = l[p * n + i]!;
      for (let c2 = 0; c2 < k; c2++) b[i * k + c2] = b[i * k + c2]! - c * b[p * k + c2]!;
    }
    const d = l[i * n + i]!;
    for (let c2 = 0; c2 < k; c2++) b[i * k + c2] = b[i * k + c2]! / d;
  }
}

/**
 * The lower-triangular Cholesky factor L of the symmetric positive definite `a` (A = L·Lᵀ).
 *
 * @throws {TypeError} when `a` is not square, or not symmetric to the relative tolerance
 *   (naming the worst pair)
 * @throws {RangeError} when an element is not finite (naming it), or a pivot is not positive
 *   (naming the pivot: A is not positive definite to working precision)
 *
 * @example
 * ```ts
 * import { cholesky } from "./cholesky.ts";
 * import { fromRows, toRows } from "./matrix.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * deepStrictEqual(toRows(cholesky(fromRows([[4, 2], [2, 5]]))), [[2, 0], [1, 2]]);
 * throws(() => cholesky(fromRows([[1, 2], [2, 1]])), {
 *   name: "RangeError",
 *   message: /not positive definite: expected pivot 1 .* but got -3/,
 * });
 * ```
 */
export function cholesky(a: Matrix<MatrixData>, options: CholeskyOptions = {}): Matrix {
  const what = "Cholesky-factor";
  checkSpd(a, what, options);
  const l = matrix(a.rows, a.rows);
  factor(a.data, a.rows, l.data, what);
  return l;
}

/**
 * Solves A·X = B for the symmetric positive definite `a` (n × n) and `b` (n × k), by
 * Cholesky factorisation and forward and back substitution. Neither input is modified.
 *
 * @throws {TypeError} as {@link cholesky}, or when `b` is malformed or has other than n rows
 * @throws {RangeError} as {@link cholesky}, or when `b` has a non-finite element
 *
 * @example
 * ```ts
 * import { choleskySolve } from "./cholesky.ts";
 * import { fromRows, matrix } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => choleskySolve(fromRows([[1]]), matrix(2, 1)), {
 *   name: "TypeError",
 *   message: "Cannot Cholesky-solve with a right-hand side of shape [2, 1]: expected 1 rows",
 * });
 * ```
 */
export function choleskySolve(
  a: Matrix<MatrixData>,
  b: Matrix<MatrixData>,
  options: CholeskyOptions = {},
): Matrix {
  const what = "Cholesky-solve";
  checkSpd(a, what, options);
  assertMatrix(b, what);
  if (b.rows !== a.rows) {
    throw new TypeError(
      `Cannot ${what} with a right-hand side of shape [${b.rows}, ${b.cols}]: expected ` +
        `${a.rows} rows`,
    );
  }
  assertFinite(b, what);
  const n = a.rows;
  const l = new Float64Array(n * n);
  factor(a.data, n, l, what);
  const x = matrix(b.rows, b.cols, b.data);
  substitute(l, n, x.data, b.cols);
  return x;
}

/**
 * Solves A·X = B given A's Cholesky factor `l` (from {@link cholesky}): L⁻ᵀ·L⁻¹·B.
 *
 * @throws {TypeError} when `l` is not square or `b` has other than n rows
 * @throws {RangeError} when an element of `l` or `b` is not finite, or a diagonal element of
 *   `l` is not positive (naming it)
 *
 * @example
 * ```ts
 * import { cholesky, solveWithCholesky } from "./cholesky.ts";
 * import { fromRows, toRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const l = cholesky(fromRows([[4, 2], [2, 5]]));
 * deepStrictEqual(toRows(solveWithCholesky(l, fromRows([[2], [1]]))), [[0.5], [0]]);
 * ```
 */
export function solveWithCholesky(l: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix {
  const what = "solve with a Cholesky factor";
  assertSquare(l, what);
  assertFinite(l, what);
  assertMatrix(b, what);
  if (b.rows !== l.rows) {
    throw new TypeError(
      `Cannot ${what} and a right-hand side of shape [${b.rows}, ${b.cols}]: expected ` +
        `${l.rows} rows`,
    );
  }
  assertFinite(b, what);
  const n = l.rows;
  for (let j = 0; j < n; j++) {
    const d = l.data[j * n + j]!;
    if (!(d > 0)) {
      throw new RangeError(
        `Cannot ${what}: expected a positive diagonal but got l[${j}][${j}] = ${d}`,
      );
    }
  }
  const x = matrix(b.rows, b.cols, b.data);
  substitute(Float64Array.from(l.data), n, x.data, b.cols);
  return x;
}
