import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp, orthogonalArb } from "./_testing.ts";
import { fromRows, identity, type Matrix, matrix, transpose } from "./matrix.ts";
import { checkOrthonormality } from "./orthonormality.ts";
import { U32, U64 } from "./tolerance.ts";

Deno.test("checkOrthonormality control: the identity and a permutation pass exactly", () => {
  const v = checkOrthonormality(identity(4), { atol: 0 });
  ok(v.pass && v.figure === 0);
  ok(checkOrthonormality(fromRows([[0, 0, 1], [1, 0, 0], [0, -1, 0]]), { atol: 0 }).pass);
});

Deno.test("checkOrthonormality fault: a column scaled by 1 + 2⁻⁸ fails by (1 + 2⁻⁸)² − 1", () => {
  const q = identity(3);
  q.data[1 * 3 + 1] = 1 + 2 ** -8;
  const v = checkOrthonormality(q, { atol: 1e-6 });
  ok(!v.pass);
  strictEqual(v.figure, 2 ** -7 + 2 ** -16);
  deepStrictEqual(v.worst, { i: 1, j: 1 });
});

Deno.test("checkOrthonormality fault: two columns at cosine 2⁻⁴ fail by 2⁻⁴ off the diagonal", () => {
  // Unit columns e₀ and (2⁻⁴, √(1 − 2⁻⁸)): their inner product is 2⁻⁴.
  const q = fromRows([[1, 2 ** -4], [0, Math.sqrt(1 - 2 ** -8)]]);
  const v = checkOrthonormality(q, { atol: 1e-3 });
  ok(!v.pass && v.figure === 2 ** -4);
  deepStrictEqual(v.worst, { i: 0, j: 1 });
});

Deno.test("checkOrthonormality limits: atol just below, at, above the error", () => {
  const q = fromRows([[1.25, 0], [0, 1]]); // (QᵀQ − I)₀₀ = 0.5625
  strictEqual(checkOrthonormality(q, { atol: nextDown(0.5625) }).pass, false);
  strictEqual(checkOrthonormality(q, { atol: 0.5625 }).pass, true);
  strictEqual(checkOrthonormality(q, { atol: nextUp(0.5625) }).pass, true);
});

Deno.test("checkOrthonormality: rows versus columns of a tall matrix", () => {
  const q = fromRows([[0.6, 0], [0.8, 0], [0, 1]]); // orthonormal columns, not rows
  ok(checkOrthonormality(q, { atol: 1e-15 }).pass);
  const rows = checkOrthonormality(q, { atol: 1e-15, of: "rows" });
  ok(!rows.pass);
  ok(checkOrthonormality(transpose(q), { atol: 1e-15, of: "rows" }).pass);
});

Deno.test("checkOrthonormality: empty, NaN, and more columns than rows", () => {
  const e = checkOrthonormality(matrix(3, 0), { atol: 0 });
  ok(e.pass && e.figure === 0);
  deepStrictEqual(e.worst, { i: -1, j: -1 });
  const n = checkOrthonormality(fromRows([[1, 0], [0, NaN]]), { atol: 1 });
  ok(!n.pass && Number.isNaN(n.figure));
  deepStrictEqual(n.worst, { i: 0, j: 1 });
  // Three unit columns in the plane: QᵀQ − I has eigenvalue −1, so the figure is ≥ 1/3.
  const c = Math.cos((2 * Math.PI) / 3);
  const s = Math.sin((2 * Math.PI) / 3);
  const wide = checkOrthonormality(fromRows([[1, c, c], [0, s, -s]]), { atol: 0.1 });
  ok(!wide.pass && wide.figure >= 1 / 3);
});

Deno.test("checkOrthonormality: precise errors", () => {
  throws(() => checkOrthonormality({ rows: -1, cols: 2, data: new Float64Array(0) }, { atol: 0 }), {
    name: "TypeError",
    message: "Cannot check orthonormality of a matrix of -1 × 2: dimensions must be " +
      "non-negative integers",
  });
  throws(() => checkOrthonormality(identity(2), { atol: -1 }), RangeError);
  throws(
    // @ts-expect-error: an unknown `of` is rejected at run time too
    () => checkOrthonormality(identity(2), { atol: 0, of: "diagonal" }),
    {
      name: "RangeError",
      message: 'Cannot check orthonormality: of must be "columns" or "rows", got diagonal',
    },
  );
});

Deno.test("checkOrthonormality property: Gram–Schmidt rotations pass, in f64 and rounded to f32", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10 }).chain(orthogonalArb), (q) => {
      const n = q.rows;
      // Two-pass Gram–Schmidt is orthonormal to O(n·u) ("twice is enough"); the checker's Gram
      // entries add ≤ n·u each. 8n·u covers both.
      const v = checkOrthonormality(q, { atol: 8 * n * U64 });
      ok(v.pass, `n = ${n}: ${v.figure}`);
      ok(checkOrthonormality(q, { atol: 8 * n * U64, of: "rows" }).pass);
      // Rounding each entry to f32 moves each Gram entry by ≤ Σ_k 2u₃₂|q_ik·q_jk| ≤ 2u₃₂
      // (Cauchy–Schwarz with unit columns), plus second order.
      const f32: Matrix = { rows: n, cols: n, data: Float32Array.from(q.data) };
      const w = checkOrthonormality(f32, { atol: 2 * U32 + 8 * n * U64 + U32 * U32 * n });
      ok(w.pass, `f32, n = ${n}: ${w.figure}`);
    }),
    fcParams(100),
  );
});

Deno.test("checkOrthonormality property: stretching column j by s gives figure |s² − 1| at (j, j)", () => {
  const caseArb = fc.integer({ min: 2, max: 6 }).chain((n) =>
    fc.tuple(fc.constant(n), fc.nat(n - 1), fc.integer({ min: 2, max: 8 }))
  );
  fc.assert(
    fc.property(caseArb, ([n, j, k]) => {
      const q = identity(n);
      q.data[j * n + j] = k / 4;
      const v = checkOrthonormality(q, { atol: 0 });
      strictEqual(v.figure, Math.abs((k / 4) ** 2 - 1));
      strictEqual(v.pass, k === 4);
      if (k !== 4) deepStrictEqual(v.worst, { i: j, j });
    }),
    fcParams(100),
  );
});
