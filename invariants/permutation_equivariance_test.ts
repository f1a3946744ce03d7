import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp, permutationArb } from "./_testing.ts";
import { fromRows, type Matrix, matrix } from "./matrix.ts";
import {
  assertPermutation,
  checkEquivariance,
  checkInvariance,
  compareEquivariant,
  compareInvariant,
  permuteRows,
} from "./permutation_equivariance.ts";
import { U64 } from "./tolerance.ts";

/** Row-wise softmax: a per-item map, so equivariant bit for bit. */
function rowSoftmax(m: Matrix): Matrix {
  const out = matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) {
    const row = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
    const top = Math.max(...row);
    const e = row.map((x) => Math.exp(x - top));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((x, j) => (out.data[i * m.cols + j] = x / z));
  }
  return out;
}

/** Column sums, accumulated in row order. */
function colSums(m: Matrix): Float64Array {
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out[j] = out[j]! + m.data[i * m.cols + j]!;
  }
  return out;
}

/** Adds the row index to each row: depends on position, so not equivariant. */
function addRowIndex(m: Matrix): Matrix {
  const out = matrix(m.rows, m.cols, m.data);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] = out.data[i * m.cols + j]! + i;
  }
  return out;
}

const X = fromRows([[1, 2], [3, 4], [5, 6], [7, 8]]);

Deno.test("permuteRows: row i of PX is row perm[i] of X", () => {
  deepStrictEqual(Array.from(permuteRows(X, [3, 0, 2, 1]).data), [7, 8, 1, 2, 5, 6, 3, 4]);
  strictEqual(permuteRows(matrix(0, 2), []).rows, 0);
});

Deno.test("checkEquivariance control: a row-wise map is exactly equivariant", () => {
  const v = checkEquivariance(rowSoftmax, X, [2, 3, 1, 0]);
  ok(v.pass && v.figure === 0);
  strictEqual(v.compare, "<=");
  strictEqual(v.bound, 0);
});

Deno.test("checkEquivariance fault: adding the row index fails by max |i − π(i)|", () => {
  // f(PX)_i − (P f(X))_i = i − π(i); for the reversal of 4 rows the worst is row 0, by 3.
  const v = checkEquivariance(addRowIndex, X, [3, 2, 1, 0]);
  ok(!v.pass);
  strictEqual(v.figure, 3);
  deepStrictEqual(v.worst, { row: 0, col: 0, actual: 7, expected: 10 });
  // A permutation that moves rows by at most 1 bounds the error by 1.
  strictEqual(checkEquivariance(addRowIndex, X, [1, 0, 3, 2]).figure, 1);
  // The identity permutation cannot see any position dependence.
  ok(checkEquivariance(addRowIndex, X, [0, 1, 2, 3]).pass);
});

Deno.test("checkEquivariance limits: atol just below, at, above the error", () => {
  const perm = [1, 0, 3, 2];
  strictEqual(checkEquivariance(addRowIndex, X, perm, { atol: nextDown(1) }).pass, false);
  strictEqual(checkEquivariance(addRowIndex, X, perm, { atol: 1 }).pass, true);
  strictEqual(checkEquivariance(addRowIndex, X, perm, { atol: nextUp(1) }).pass, true);
});

Deno.test("checkInvariance control and fault: column sums versus the first row", () => {
  ok(checkInvariance(colSums, X, [3, 1, 0, 2]).pass); // small integers: every order is exact
  const first = (m: Matrix) => m.data.subarray(0, m.cols);
  const v = checkInvariance(first, X, [2, 1, 0, 3]);
  ok(!v.pass);
  strictEqual(v.figure, 4); // row 2 − row 0
  deepStrictEqual(v.worst, { index: 0, actual: 5, expected: 1 });
  strictEqual(checkInvariance(first, X, [2, 1, 0, 3], { atol: 4 }).pass, true);
  strictEqual(checkInvariance(first, X, [2, 1, 0, 3], { atol: nextDown(4) }).pass, false);
});

Deno.test("compareEquivariant / compareInvariant: given outputs, NaN fails", () => {
  const fx = fromRows([[1], [2]]);
  ok(compareEquivariant(fx, fromRows([[2], [1]]), [1, 0]).pass);
  const n = compareEquivariant(fx, fromRows([[2], [NaN]]), [1, 0], { atol: 100 });
  ok(!n.pass && Number.isNaN(n.figure) && n.worst.row === 1);
  const i = compareInvariant([1, 2], [1, NaN], { atol: 100 });
  ok(!i.pass && i.worst.index === 1);
  const empty = compareInvariant([], []);
  ok(empty.pass && empty.worst.index === -1);
});

Deno.test("permutation checks: f32 inputs and outputs", () => {
  const x32: Matrix = { rows: 2, cols: 2, data: Float32Array.of(0.1, 0.2, 0.3, 0.4) };
  const f = (m: Matrix): Matrix => ({ ...m, data: Float32Array.from(m.data, (v) => v * 3) });
  ok(checkEquivariance(f, x32, [1, 0]).pass);
});

Deno.test("permutation checks: precise errors", () => {
  throws(() => assertPermutation([0, 1], 3), {
    name: "TypeError",
    message: "Cannot permute 3 rows with a permutation of length 2: lengths must match",
  });
  throws(() => assertPermutation([0, 3, 1], 3), {
    name: "RangeError",
    message: "Cannot permute 3 rows: permutation entry 1 is 3, not an integer in [0, 2]",
  });
  throws(() => assertPermutation([0, 0.5, 1], 3), RangeError);
  throws(() => assertPermutation([1, 1, 0], 3), {
    name: "RangeError",
    message: "Cannot permute 3 rows: the permutation repeats 1",
  });
  throws(() => compareEquivariant(fromRows([[1]]), fromRows([[1, 2]]), [0]), {
    name: "TypeError",
    message: "Cannot compare f(X) of shape [1, 1] with f(PX) of shape [1, 2]: " +
      "an equivariant function keeps the shape",
  });
  throws(() => checkEquivariance((m) => matrix(m.rows + 1, 1), X, [0, 1, 2, 3]), {
    name: "TypeError",
    message: "Cannot check permutation equivariance of a function from 4 rows to 5: " +
      "it must keep the row count",
  });
  throws(() => compareInvariant([1], [1, 2]), /lengths differ/);
  throws(() => checkInvariance(colSums, X, [0, 1, 2, 3], { atol: -1 }), RangeError);
  throws(() => checkEquivariance(rowSoftmax, X, [0, 1]), TypeError);
});

const dataArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.integer({ min: 1, max: 5 }).chain((d) =>
    fc.record({
      x: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
        minLength: n * d,
        maxLength: n * d,
      }).map((v) => matrix(n, d, v)),
      perm: permutationArb(n),
    })
  )
);

Deno.test("property: row-wise maps are equivariant bit for bit under random permutations", () => {
  fc.assert(
    fc.property(dataArb, ({ x, perm }) => {
      strictEqual(checkEquivariance(rowSoftmax, x, perm).figure, 0);
    }),
    fcParams(100),
  );
});

Deno.test("property: column sums are invariant within the reordering bound", () => {
  fc.assert(
    fc.property(dataArb, ({ x, perm }) => {
      // Each order's sum is within (n − 1)·u·Σ|x| of the exact sum (Higham), so two orders
      // differ by at most 2(n − 1)·u·Σ|x|, the largest column's Σ|x| bounding every column.
      let worstMagnitude = 0;
      const mag = colSums({ ...x, data: Float64Array.from(x.data, Math.abs) });
      for (const m of mag) worstMagnitude = Math.max(worstMagnitude, m);
      const atol = 2 * (x.rows - 1) * U64 * worstMagnitude;
      const v = checkInvariance(colSums, x, perm, { atol });
      ok(v.pass, `${v.figure} > ${atol}`);
    }),
    fcParams(100),
  );
});
