/**
 * The dense matrix type the invariant checkers take, and its helpers: these
 * are impl/linalg's (the one matrix type of memspec's host linear algebra),
 * re-exported here so that the checkers and their callers keep one import
 * path. `Matrix` here admits f64 or f32 storage (`impl/linalg`'s
 * `Matrix<MatrixData>`); element (i, j) is `data[i * cols + j]`, and a vector
 * is a 1 × n or n × 1 matrix.
 *
 * The dependency runs invariants → impl/linalg only: impl/linalg imports
 * nothing from invariants/, so the module graph stays acyclic.
 *
 * @example
 * ```ts
 * import { at, fromRows } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * const m = fromRows([[1, 2, 3], [4, 5, 6]]);
 * strictEqual(m.rows, 2);
 * strictEqual(at(m, 1, 2), 6);
 * ```
 *
 * @module
 */
import type { Matrix as LinalgMatrix, MatrixData } from "../impl/linalg/matrix.ts";

export type { MatrixData };

/** A dense row-major matrix with f64 or f32 storage. */
export type Matrix = LinalgMatrix<MatrixData>;

export {
  at,
  fromRows,
  identity,
  matmul,
  matrix,
  toRows,
  transpose,
} from "../impl/linalg/matrix.ts";
export { assertMatrix, assertSquare, firstNonFinite } from "../impl/linalg/validate.ts";
