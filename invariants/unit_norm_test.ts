import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp } from "./_testing.ts";
import { fromRows, type Matrix, matrix } from "./matrix.ts";
import { U32, U64 } from "./tolerance.ts";
import { checkUnitNorm, rowNorms } from "./unit_norm.ts";

Deno.test("checkUnitNorm control: exact unit rows pass with figure 0", () => {
  const v = checkUnitNorm(fromRows([[1, 0, 0], [0, -1, 0], [0.5, 0.5, Math.SQRT1_2]]), {
    atol: 2 * U64,
  });
  ok(v.pass, String(v.figure));
  strictEqual(v.compare, "<=");
});

Deno.test("checkUnitNorm fault: a row of norm 1 + 2⁻¹⁰ fails by exactly 2⁻¹⁰", () => {
  const v = checkUnitNorm(fromRows([[1, 0], [0, 1 + 2 ** -10], [0, 1]]), { atol: 1e-6 });
  ok(!v.pass);
  strictEqual(v.figure, 2 ** -10);
  deepStrictEqual(v.worst, { row: 1, norm: 1 + 2 ** -10 });
  const short = checkUnitNorm(fromRows([[0.75, 0]]), { atol: 0 });
  strictEqual(short.figure, 0.25);
});

Deno.test("checkUnitNorm limits: atol just below, at, above the deviation", () => {
  const m = fromRows([[0, 1.5]]);
  strictEqual(checkUnitNorm(m, { atol: nextDown(0.5) }).pass, false);
  strictEqual(checkUnitNorm(m, { atol: 0.5 }).pass, true);
  strictEqual(checkUnitNorm(m, { atol: nextUp(0.5) }).pass, true);
});

Deno.test("rowNorms: scaling keeps huge and tiny rows accurate, zero rows are 0", () => {
  // Unscaled, 4e200² overflows to ∞ and 4e-200² underflows to 0.
  const n = rowNorms(fromRows([[3e200, 4e200], [3e-200, 4e-200], [0, 0]]));
  ok(Math.abs(n[0]! - 5e200) <= 4 * U64 * 5e200, String(n[0]));
  ok(Math.abs(n[1]! - 5e-200) <= 4 * U64 * 5e-200, String(n[1]));
  strictEqual(n[2], 0);
  deepStrictEqual(Array.from(rowNorms(matrix(2, 0))), [0, 0]);
});

Deno.test("checkUnitNorm: a zero row fails by 1; NaN and ∞ fail", () => {
  const z = checkUnitNorm(fromRows([[1, 0], [0, 0]]), { atol: 0.5 });
  ok(!z.pass && z.figure === 1);
  deepStrictEqual(z.worst, { row: 1, norm: 0 });
  const n = checkUnitNorm(fromRows([[2, 0], [NaN, 0], [1, 0]]), { atol: 10 });
  ok(!n.pass && Number.isNaN(n.figure) && n.worst.row === 1);
  const inf = checkUnitNorm(fromRows([[Infinity, 0]]), { atol: 10 });
  ok(!inf.pass && inf.figure === Infinity);
});

Deno.test("checkUnitNorm: no rows passes vacuously", () => {
  const v = checkUnitNorm(matrix(0, 3), { atol: 0 });
  ok(v.pass && v.figure === 0);
  deepStrictEqual(v.worst, { row: -1, norm: NaN });
});

Deno.test("checkUnitNorm: precise errors", () => {
  throws(() => checkUnitNorm({ rows: 2, cols: 2, data: new Float64Array(5) }, { atol: 0 }), {
    name: "TypeError",
    message: "Cannot check unit norms of a 2 × 2 matrix holding 5 elements: expected 4",
  });
  throws(() => checkUnitNorm(matrix(1, 1), { atol: NaN }), {
    name: "RangeError",
    message: "Cannot check unit norms: atol must be a finite number in [0, Infinity], got NaN",
  });
});

Deno.test("checkUnitNorm property: normalised random rows pass in f64 and f32", () => {
  const rowsArb = fc.integer({ min: 1, max: 16 }).chain((d) =>
    fc.array(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: d, maxLength: d })
        .filter((r) => r.some((x) => Math.abs(x) > 1e-3)),
      { minLength: 1, maxLength: 6 },
    )
  );
  fc.assert(
    fc.property(rowsArb, (rows) => {
      const d = rows[0]!.length;
      const unit = rows.map((r) => {
        const n = Math.hypot(...r);
        return r.map((x) => x / n);
      });
      // f64: hypot and each division round once (≤ u each), the checker's scaled sum of d
      // squares and its sqrt add ≤ (d + 3)·u: |‖v‖ − 1| ≤ (d + 5)·u.
      const m = fromRows(unit);
      ok(checkUnitNorm(m, { atol: (d + 5) * U64 }).pass, `d = ${d}`);
      // f32: storing each element rounds it by ≤ u₃₂ relative, so ‖v‖ moves by ≤ u₃₂,
      // plus the f64 part, far below.
      const f32: Matrix = { rows: m.rows, cols: d, data: Float32Array.from(m.data) };
      ok(checkUnitNorm(f32, { atol: U32 + (d + 5) * U64 }).pass);
    }),
    fcParams(100),
  );
});

Deno.test("checkUnitNorm property: scaling one unit row by s gives figure |s − 1|", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.nat(7),
      fc.integer({ min: 1, max: 64 }),
      (rows, which, k) => {
        const row = which % rows;
        const s = k / 32; // dyadic, so s·e_j is exact and the norm is s
        const m = matrix(rows, 3);
        for (let i = 0; i < rows; i++) m.data[i * 3 + (i % 3)] = i === row ? s : 1;
        const v = checkUnitNorm(m, { atol: 0 });
        strictEqual(v.figure, Math.abs(s - 1));
        strictEqual(v.pass, s === 1);
        if (s !== 1) strictEqual(v.worst.row, row);
      },
    ),
    fcParams(100),
  );
});
