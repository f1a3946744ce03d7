/**
 * Eigenvalues and eigenvectors of the symmetric part (A + Aᵀ)/2 of a real
 * square matrix, descending, with an a-posteriori error bound: a thin layer
 * over impl/linalg's `eigh` (cyclic Jacobi in f64, see impl/linalg/eigh.ts
 * for the numerical choices), which this module symmetrises for and reorders.
 *
 * - The input is symmetrised as (A + Aᵀ)/2 first, so a slightly asymmetric
 *   matrix (e.g. one computed in f32) gives the spectrum of its symmetric part
 *   (`eigh` itself rejects asymmetric input).
 * - Eigenvalues come back sorted DESCENDING (eigh's ascending order reversed);
 *   eigenvector j is column j of `vectors`, of unit length, its
 *   largest-magnitude component positive (the first such on ties).
 * - `errorBound` bounds |λ̂_i − λ_i| for every i (see
 *   {@link jacobiEigenvalueBound} in the ledger), in the standard model of
 *   rounding: it does not cover matrices whose entries reach the subnormal
 *   range (|a_ij| < 2⁻¹⁰²² with ‖A‖_F of that order).
 *
 * @example
 * ```ts
 * import { eigenSymmetric } from "./eigen_symmetric.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const e = eigenSymmetric(fromRows([[2, 1], [1, 2]]));
 * ok(Math.abs(e.values[0]! - 3) < 1e-15 && Math.abs(e.values[1]! - 1) < 1e-15);
 * ok(Math.abs(e.vectors.data[0]! - Math.SQRT1_2) < 1e-15); // (1, 1)/√2 for λ = 3
 * ```
 *
 * @module
 */
import { eigh } from "../impl/linalg/eigh.ts";
import { assertFinite } from "../impl/linalg/validate.ts";
import { assertSquare, type Matrix, matrix } from "./matrix.ts";
import { jacobiEigenvalueBound } from "./tolerance.ts";

/** Options for {@link eigenSymmetric}. */
export interface EigenOptions {
  /** Sweeps allowed before giving up with a RangeError; default 64. */
  maxSweeps?: number;
}

/** An eigendecomposition A = V·diag(values)·Vᵀ. */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /** n × n, column j the unit eigenvector of `values[j]`. */
  readonly vectors: Matrix;
  /** Sweeps run, the last one finding nothing to rotate. */
  readonly sweeps: number;
  /** Rotations applied. */
  readonly rotations: number;
  /** Off-diagonal pairs set to zero as negligible. */
  readonly dropped: number;
  /** ‖(A + Aᵀ)/2‖_F. */
  readonly frobenius: number;
  /** Bound on the absolute error of every eigenvalue. */
  readonly errorBound: number;
}

/**
 * Eigendecomposition of the symmetric part of `a`.
 *
 * @throws {TypeError} when `a` is not a square matrix
 * @throws {RangeError} when an element is not finite, `maxSweeps` is not a
 * positive integer, or the sweeps run out
 *
 * @example A rotation-conjugated diagonal gives back its diagonal
 * ```ts
 * import { eigenSymmetric } from "./eigen_symmetric.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const [c, s] = [Math.cos(0.3), Math.sin(0.3)];
 * // R·diag(5, -1)·Rᵀ with R the rotation by 0.3 rad
 * const a = fromRows([
 *   [5 * c * c - s * s, 6 * c * s],
 *   [6 * c * s, 5 * s * s - c * c],
 * ]);
 * const e = eigenSymmetric(a);
 * ok(Math.abs(e.values[0]! - 5) <= e.errorBound && Math.abs(e.values[1]! + 1) <= e.errorBound);
 * ```
 */
export function eigenSymmetric(a: Matrix, options: EigenOptions = {}): SymmetricEigen {
  const what = "eigendecompose";
  assertSquare(a, what);
  const maxSweeps = options.maxSweeps ?? 64;
  if (!Number.isSafeInteger(maxSweeps) || maxSweeps < 1) {
    throw new RangeError(`Cannot ${what}: maxSweeps must be a positive integer, got ${maxSweeps}`);
  }
  // Checked on the input itself, so that the error names the element as given.
  assertFinite(a, what);
  const n = a.rows;
  const sym = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // Halving first keeps the sum from overflowing; 0.5·x is exact above the subnormals.
      sym.data[i * n + j] = 0.5 * a.data[i * n + j]! + 0.5 * a.data[j * n + i]!;
    }
  }
  const e = eigh(sym, { maxSweeps });
  // Ascending → descending: reverse the values and the columns.
  const values = e.values.reverse();
  const vectors = matrix(n, n);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < n; j++) vectors.data[r * n + j] = e.vectors.data[r * n + (n - 1 - j)]!;
  }
  return {
    values,
    vectors,
    sweeps: e.sweeps,
    rotations: e.rotations,
    dropped: e.dropped,
    frobenius: e.frobenius,
    errorBound: jacobiEigenvalueBound(e.rotations, e.dropped, e.frobenius),
  };
}
