/**
 * Matrix norms in f64: the largest magnitude max|a_ij|, the Frobenius norm
 * ‖A‖_F = √(Σ a_ij²) (computed scaled, so it neither overflows nor
 * underflows), and the spectral norm ‖A‖₂ = σ_max(A), taken from the
 * one-sided Jacobi SVD of ./svd.ts (accurate to about m·u·‖A‖₂; power
 * iteration would converge slowly when σ₁ ≈ σ₂, and eigh of AᵀA would add the
 * rounding of forming AᵀA).
 *
 * @example
 * ```ts
 * import { frobeniusNorm, maxAbs, spectralNorm } from "./norms.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * const a = fromRows([[3, 0], [4, 5]]);
 * strictEqual(maxAbs(a), 5);
 * ok(Math.abs(frobeniusNorm(a) - Math.sqrt(50)) < 1e-15);
 * ok(Math.abs(spectralNorm(a) - Math.sqrt(45)) < 1e-14);
 * ```
 *
 * @module
 */
import type { Matrix, MatrixData } from "./matrix.ts";
import { svd } from "./svd.ts";
import { assertFinite, assertMatrix } from "./validate.ts";

/**
 * max_ij |a_ij| (0 for an empty matrix).
 *
 * @throws {TypeError} when `m` is malformed
 * @throws {RangeError} when an element is not finite (naming it)
 *
 * @example
 * ```ts
 * import { maxAbs } from "./norms.ts";
 * import { fromRows } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(maxAbs(fromRows([[1, -7], [2, 3]])), 7);
 * ```
 */
export function maxAbs(m: Matrix<MatrixData>): number {
  assertMatrix(m, "take the largest magnitude of");
  assertFinite(m, "take the largest magnitude of");
  let big = 0;
  for (const x of m.data) big = Math.max(big, Math.abs(x));
  return big;
}

/**
 * The Frobenius norm √(Σ a_ij²), each element divided by max|a_ij| before squaring.
 *
 * @throws {TypeError} when `m` is malformed
 * @throws {RangeError} when an element is not finite (naming it)
 *
 * @example
 * ```ts
 * import { frobeniusNorm } from "./norms.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(Math.abs(frobeniusNorm(fromRows([[3e200, 4e200]])) - 5e200) < 1e-15 * 5e200); // no overflow
 * ```
 */
export function frobeniusNorm(m: Matrix<MatrixData>): number {
  assertMatrix(m, "take the Frobenius norm of");
  assertFinite(m, "take the Frobenius norm of");
  let big = 0;
  for (const x of m.data) big = Math.max(big, Math.abs(x));
  if (big === 0) return 0;
  let ss = 0;
  for (const x of m.data) ss += (x / big) ** 2;
  return big * Math.sqrt(ss);
}

/**
 * The spectral norm ‖A‖₂, the largest singular value (0 for an empty matrix).
 *
 * @throws {TypeError} when `m` is malformed
 * @throws {RangeError} when an element is not finite (naming it)
 *
 * @example
 * ```ts
 * import { spectralNorm } from "./norms.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(Math.abs(spectralNorm(fromRows([[1, 1], [1, 1]])) - 2) < 1e-15);
 * ```
 */
export function spectralNorm(m: Matrix<MatrixData>): number {
  assertMatrix(m, "take the spectral norm of");
  assertFinite(m, "take the spectral norm of");
  return svd(m).s[0] ?? 0;
}
