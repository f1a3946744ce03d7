import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  assertMatrix,
  assertSquare,
  at,
  firstNonFinite,
  fromRows,
  identity,
  matmul,
  matrix,
  transpose,
} from "./matrix.ts";

Deno.test("matrix, fromRows, identity, at: layout is row-major", () => {
  const m = fromRows([[1, 2, 3], [4, 5, 6]]);
  deepStrictEqual([m.rows, m.cols, at(m, 0, 2), at(m, 1, 0)], [2, 3, 3, 4]);
  deepStrictEqual(Array.from(matrix(2, 2, [1, 2, 3, 4]).data), [1, 2, 3, 4]);
  deepStrictEqual(Array.from(identity(2).data), [1, 0, 0, 1]);
  deepStrictEqual([fromRows([]).rows, fromRows([]).cols], [0, 0]);
  strictEqual(at(m, 5, 5), NaN);
});

Deno.test("transpose and matmul agree with hand results", () => {
  const a = fromRows([[1, 2, 3], [4, 5, 6]]);
  deepStrictEqual(Array.from(transpose(a).data), [1, 4, 2, 5, 3, 6]);
  deepStrictEqual(Array.from(matmul(a, transpose(a)).data), [14, 32, 32, 77]);
  deepStrictEqual(Array.from(matmul(matrix(2, 0), matrix(0, 3)).data), [0, 0, 0, 0, 0, 0]);
});

Deno.test("firstNonFinite: row-major order, null when all finite", () => {
  deepStrictEqual(firstNonFinite(fromRows([[1, -Infinity], [NaN, 0]])), { row: 0, col: 1 });
  strictEqual(firstNonFinite(matrix(0, 4)), null);
});

Deno.test("matrix helpers: precise errors", () => {
  throws(() => matrix(-1, 2), {
    name: "RangeError",
    message: "Cannot make a matrix of -1 × 2: dimensions must be non-negative integers",
  });
  throws(() => matrix(2, 2, [1, 2, 3]), {
    name: "TypeError",
    message: "Cannot make a 2 × 2 matrix from 3 values: expected 4",
  });
  throws(() => fromRows([[1, 2], [3]]), {
    name: "TypeError",
    message: "Cannot make a matrix from rows of lengths 2 and 1: row 1 differs",
  });
  throws(() => matmul(matrix(3, 4), matrix(5, 6)), {
    name: "TypeError",
    message: "Cannot matmul matrices of shapes [3, 4] and [5, 6]: inner dimensions must match " +
      "(4 != 5)",
  });
  throws(
    // @ts-expect-error: a plain array is not a typed array
    () => assertMatrix({ rows: 1, cols: 1, data: [1] }, "check"),
    /whose data is not a Float64Array or Float32Array/,
  );
  throws(() => assertMatrix({ rows: 1.5, cols: 1, data: new Float64Array(1) }, "check"), TypeError);
  throws(() => assertSquare(matrix(1, 2), "invert"), {
    name: "TypeError",
    message: "Cannot invert a matrix of shape [1, 2]: it must be square",
  });
});
