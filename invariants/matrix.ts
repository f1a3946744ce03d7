/**
 * The one dense matrix type the invariant checkers take: a row-major
 * `Float64Array` or `Float32Array` with its row and column counts. Element
 * (i, j) is `data[i * cols + j]`. A vector is a 1 × n or n × 1 matrix.
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

/** A dense row-major matrix. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** `rows * cols` elements, row-major. */
  readonly data: Float64Array | Float32Array;
}

/**
 * Builds a `rows × cols` f64 matrix from row-major values (zeros when omitted).
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
export function at(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j] ?? NaN;
}

/**
 * The transpose, in f64.
 *
 * @example
 * ```ts
 * import { at, fromRows, transpose } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(at(transpose(fromRows([[1, 2, 3]])), 2, 0), 3);
 * ```
 */
export function transpose(m: Matrix): Matrix {
  assertMatrix(m, "transpose");
  const out = matrix(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  }
  return out;
}

/**
 * The product a·b in f64.
 *
 * @example
 * ```ts
 * import { fromRows, matmul } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const p = matmul(fromRows([[1, 2]]), fromRows([[3], [4]]));
 * deepStrictEqual(Array.from(p.data), [11]);
 * ```
 */
export function matmul(a: Matrix, b: Matrix): Matrix {
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

/**
 * Throws a TypeError naming `what` unless `m` is a well-formed matrix
 * (non-negative integer dimensions, `rows * cols` elements).
 *
 * @example
 * ```ts
 * import { assertMatrix } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => assertMatrix({ rows: 2, cols: 2, data: new Float64Array(3) }, "check"), TypeError);
 * ```
 */
export function assertMatrix(m: Matrix, what: string): void {
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
 * import { assertSquare, matrix } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => assertSquare(matrix(2, 3), "check the symmetry of"), /must be square/);
 * ```
 */
export function assertSquare(m: Matrix, what: string): void {
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
 * import { firstNonFinite, fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(firstNonFinite(fromRows([[1, 2], [NaN, Infinity]])), { row: 1, col: 0 });
 * deepStrictEqual(firstNonFinite(fromRows([[1]])), null);
 * ```
 */
export function firstNonFinite(m: Matrix): { row: number; col: number } | null {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) return { row: Math.floor(i / m.cols), col: i % m.cols };
  }
  return null;
}
