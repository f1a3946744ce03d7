import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp } from "./_testing.ts";
import { checkAntisymmetry } from "./antisymmetry.ts";
import { fromRows, type Matrix, matrix } from "./matrix.ts";

Deno.test("checkAntisymmetry control: a skew matrix passes with figure 0", () => {
  const v = checkAntisymmetry(fromRows([[0, 1.5, -2], [-1.5, 0, 3], [2, -3, 0]]));
  ok(v.pass);
  strictEqual(v.figure, 0);
  strictEqual(v.compare, "<=");
  strictEqual(v.bound, 0);
});

Deno.test("checkAntisymmetry fault: an off-diagonal violation of 2⁻⁸ is measured and located", () => {
  const v = checkAntisymmetry(fromRows([[0, 1.5, -2], [-1.5, 0, 3], [2, -3 + 2 ** -8, 0]]));
  ok(!v.pass);
  strictEqual(v.figure, 2 ** -8);
  deepStrictEqual(v.worst, { row: 1, col: 2 });
});

Deno.test("checkAntisymmetry fault: a diagonal entry d counts as |2d|", () => {
  const v = checkAntisymmetry(fromRows([[0, 1], [-1, -0.125]]));
  strictEqual(v.figure, 0.25);
  deepStrictEqual(v.worst, { row: 1, col: 1 });
});

Deno.test("checkAntisymmetry limits: atol just below, at, above the violation", () => {
  const a = fromRows([[0, 1], [-1 + 2 ** -8, 0]]);
  strictEqual(checkAntisymmetry(a, { atol: nextDown(2 ** -8) }).pass, false);
  strictEqual(checkAntisymmetry(a, { atol: 2 ** -8 }).pass, true);
  strictEqual(checkAntisymmetry(a, { atol: nextUp(2 ** -8) }).pass, true);
});

Deno.test("checkAntisymmetry: the worst of several violations wins; NaN wins over all", () => {
  const a = fromRows([[0, 1, 1], [-0.5, 0, 0], [-1, 0.75, 0]]);
  const v = checkAntisymmetry(a);
  strictEqual(v.figure, 0.75);
  deepStrictEqual(v.worst, { row: 1, col: 2 });
  const n = checkAntisymmetry(fromRows([[0, NaN, 9], [0, 0, 0], [0, 0, 0]]));
  ok(!n.pass && Number.isNaN(n.figure));
  deepStrictEqual(n.worst, { row: 0, col: 1 });
  ok(!checkAntisymmetry(fromRows([[0, Infinity], [-Infinity, 0]])).pass); // ∞ − ∞ is NaN
});

Deno.test("checkAntisymmetry: empty, 1 × 1, f32", () => {
  const empty = checkAntisymmetry(matrix(0, 0));
  ok(empty.pass && empty.figure === 0);
  deepStrictEqual(empty.worst, { row: -1, col: -1 });
  ok(checkAntisymmetry(fromRows([[0]])).pass);
  const f32: Matrix = { rows: 2, cols: 2, data: Float32Array.of(0, 0.1, -0.1, 0) };
  ok(checkAntisymmetry(f32).pass);
});

Deno.test("checkAntisymmetry: precise errors", () => {
  throws(() => checkAntisymmetry(matrix(1, 2)), {
    name: "TypeError",
    message: "Cannot check antisymmetry of a matrix of shape [1, 2]: it must be square",
  });
  throws(() => checkAntisymmetry({ rows: 2, cols: 2, data: new Float64Array(3) }), {
    name: "TypeError",
    message: "Cannot check antisymmetry of a 2 × 2 matrix holding 3 elements: expected 4",
  });
  throws(() => checkAntisymmetry(matrix(1, 1), { atol: -0.5 }), RangeError);
  throws(() => checkAntisymmetry(matrix(1, 1), { atol: Infinity }), RangeError);
});

Deno.test("checkAntisymmetry property: B − Bᵀ is exactly antisymmetric in f64 and f32", () => {
  // Entries bounded so that no difference overflows (an overflow makes A + Aᵀ = ∞ − ∞ = NaN).
  const bArb = fc.integer({ min: 0, max: 8 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      v64: fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), {
        minLength: n * n,
        maxLength: n * n,
      }),
      v32: fc.array(fc.float({ min: Math.fround(-1e38), max: Math.fround(1e38), noNaN: true }), {
        minLength: n * n,
        maxLength: n * n,
      }),
    })
  );
  fc.assert(
    fc.property(bArb, ({ n, v64, v32 }) => {
      // fl(x − y) = −fl(y − x): rounding to nearest is symmetric, so the difference is skew
      // bit for bit, whatever the precision (f32: the f64 difference is rounded once more).
      const d64 = new Float64Array(n * n);
      const d32 = new Float32Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          d64[i * n + j] = v64[i * n + j]! - v64[j * n + i]!;
          d32[i * n + j] = v32[i * n + j]! - v32[j * n + i]!;
        }
      }
      strictEqual(checkAntisymmetry({ rows: n, cols: n, data: d64 }).figure, 0);
      strictEqual(checkAntisymmetry({ rows: n, cols: n, data: d32 }).figure, 0);
    }),
    fcParams(100),
  );
});

Deno.test("checkAntisymmetry property: adding δ at one off-diagonal place gives figure |δ|", () => {
  const caseArb = fc.integer({ min: 2, max: 6 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      i: fc.nat(n - 1),
      j: fc.nat(n - 1),
      k: fc.integer({ min: -20, max: 20 }),
      // small dyadic entries so that a + δ is exact and the figure equals |δ|
      v: fc.array(fc.integer({ min: -1024, max: 1024 }), { minLength: n * n, maxLength: n * n }),
    })
  ).filter(({ i, j }) => i !== j);
  fc.assert(
    fc.property(caseArb, ({ n, i, j, k, v }) => {
      const a = matrix(n, n);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) a.data[r * n + c] = (v[r * n + c]! - v[c * n + r]!) / 8;
      }
      const delta = k === 0 ? 1 / 16 : k / 16;
      a.data[i * n + j] = a.data[i * n + j]! + delta;
      const verdict = checkAntisymmetry(a);
      strictEqual(verdict.figure, Math.abs(delta));
      deepStrictEqual(verdict.worst, { row: Math.min(i, j), col: Math.max(i, j) });
    }),
    fcParams(100),
  );
});
