/**
 * The one dense matrix type of memspec's f64 host linear algebra: a row-major
 * typed array with its row and column counts. Element (i, j) is
 * `data[i * cols + j]`; a vector is a 1 × n or n × 1 matrix.
 *
 * Every routine here and in the rest of `impl/linalg/` accepts f64 or f32
 * storage (`Matrix<MatrixData>`; an f32 element converts to f64 exactly) and
 * returns f64 (`Matrix`, i.e. `Matrix<Float64Array>`).
 *
 * @example
 * ```ts
 * import { at, fromRows, matmul, toRows, transpose } from "./matrix.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * const m = fromRows([[1, 2, 3], [4, 5, 6]]);
 * strictEqual(at(m, 1, 2), 6);
 * deepStrictEqual(toRows(matmul(m, transpose(m))), [[14, 32], [32, 77]]);
 * ```
 *
 * @module
 */
import { assertMatrix } from "./validate.ts";

/** The element storage a {@link Matrix} may have. */
export type MatrixData = Float64Array | Float32Array;

/** A dense row-major matrix; f64 unless the storage type says otherwise. */
export interface Matrix<D extends MatrixData = Float64Array> {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** `rows * cols` elements, row-major. */
  readonly data: D;
}

/**
 * Builds a `rows × cols` f64 matrix from row-major values (zeros when omitted).
 *
 * @throws {RangeError} when a dimension is not a non-negative integer
 * @throws {TypeError} when `values` does not hold `rows * cols` numbers
 *
 * @example
 * ```ts
 * import { matrix } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(matrix(2, 2, [1, 0, 0, 1]).data[3], 1);
 * strictEqual(matrix(3, 1).data.length, 3);
 * ```
 */
export function matrix(rows: number, cols: number, values?: ArrayLike<number>): Matrix {
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(cols) || cols < 0) {
    throw new RangeError(
      `Cannot make a matrix of ${rows} × ${cols}: dimensions must be non-negative integers`,
    );
  }
  if (values !== undefined && values.length !== rows * cols) {
    throw new TypeError(
      `Cannot make a ${rows} × ${cols} matrix from ${values.length} values: expected ${
        rows * cols
      }`,
    );
  }
  const data = new Float64Array(rows * cols);
  if (values !== undefined) data.set(values);
  return { rows, cols, data };
}

/**
 * Builds an f64 matrix from an array of equally long rows.
 *
 * @throws {TypeError} when the rows differ in length
 *
 * @example
 * ```ts
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(fromRows([[1, 2], [3, 4]]).data), [1, 2, 3, 4]);
 * ```
 */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) {
      throw new TypeError(
        `Cannot make a matrix from rows of lengths ${cols} and ${r.length}: row ${i} differs`,
      );
    }
    data.set(r, i * cols);
  });
  return { rows: rows.length, cols, data };
}

/**
 * The rows of `m` as plain arrays (for printing and deep comparison).
 *
 * @throws {TypeError} when `m` is malformed
 *
 * @example
 * ```ts
 * import { matrix, toRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(toRows(matrix(2, 1, [5, 6])), [[5], [6]]);
 * ```
 */
export function toRows(m: Matrix<MatrixData>): number[][] {
  assertMatrix(m, "list the rows of");
  return Array.from(
    { length: m.rows },
    (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)),
  );
}

/**
 * The n × n identity in f64.
 *
 * @example
 * ```ts
 * import { at, identity } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(at(identity(3), 2, 2), 1);
 * ```
 */
export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/**
 * Element (i, j), unchecked beyond what typed arrays give (undefined past the end becomes NaN).
 *
 * @example
 * ```ts
 * import { at, matrix } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(at(matrix(1, 2, [7, 8]), 0, 1), 8);
 * ```
 */
export function at(m: Matrix<MatrixData>, i: number, j: number): number {
  return m.data[i * m.cols + j] ?? NaN;
}

/**
 * The transpose, in f64.
 *
 * @throws {TypeError} when `m` is malformed
 *
 * @example
 * ```ts
 * import { at, fromRows, transpose } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(at(transpose(fromRows([[1, 2, 3]])), 2, 0), 3);
 * ```
 */
export function transpose(m: Matrix<MatrixData>): Matrix {
  assertMatrix(m, "transpose");
  const out = matrix(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  }
  return out;
}

/**
 * The product a·b in f64, each element summed over k in increasing order.
 *
 * @throws {TypeError} when a matrix is malformed or the inner dimensions differ
 *
 * @example
 * ```ts
 * import { fromRows, matmul } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const p = matmul(fromRows([[1, 2]]), fromRows([[3], [4]]));
 * deepStrictEqual(Array.from(p.data), [11]);
 * ```
 */
export function matmul(a: Matrix<MatrixData>, b: Matrix<MatrixData>): Matrix {
  assertMatrix(a, "matmul");
  assertMatrix(b, "matmul");
  if (a.cols !== b.rows) {
    throw new TypeError(
      `Cannot matmul matrices of shapes [${a.rows}, ${a.cols}] and [${b.rows}, ${b.cols}]: ` +
        `inner dimensions must match (${a.cols} != ${b.rows})`,
    );
  }
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!;
      for (let j = 0; j < b.cols; j++) {
        out.data[i * b.cols + j] = out.data[i * b.cols + j]! + aik * b.data[k * b.cols + j]!;
      }
    }
  }
  return out;
}
