import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { conjugateDiagonal, nextDown, nextUp, orthogonalArb } from "./_testing.ts";
import { fromRows, matmul, type Matrix, matrix, transpose } from "./matrix.ts";
import { checkSpd } from "./spd.ts";

const ROT = fromRows([[0.6, -0.8, 0], [0.8, 0.6, 0], [0, 0, 1]]);

Deno.test("checkSpd control: Q·diag(3, 2, 0.5)·Qᵀ passes with λ_min = 0.5", () => {
  const v = checkSpd(conjugateDiagonal(ROT, [3, 2, 0.5]));
  ok(v.pass);
  strictEqual(v.symmetry.figure, 0);
  ok(Math.abs(v.definiteness.figure - 0.5) <= 1e-15);
  strictEqual(v.definiteness.compare, ">");
  ok(v.definiteness.bound > 0 && v.definiteness.bound < 1e-13, String(v.definiteness.bound));
  strictEqual(v.definiteness.worst.index, 2);
  deepStrictEqual(Array.from(v.definiteness.worst.eigenvector), [0, 0, 1]);
});

Deno.test("checkSpd fault: a negative eigenvalue fails with that eigenvalue as the figure", () => {
  const v = checkSpd(conjugateDiagonal(ROT, [1, -0.25, 2]));
  ok(!v.pass && v.symmetry.pass && !v.definiteness.pass);
  ok(Math.abs(v.definiteness.figure + 0.25) <= 1e-15);
  // The worst direction is the second column of ROT (up to sign): xᵀAx = −0.25.
  const x = v.definiteness.worst.eigenvector;
  ok(Math.abs(Math.abs(x[0]! * -0.8 + x[1]! * 0.6) - 1) <= 1e-15);
});

Deno.test("checkSpd fault: asymmetry by 2⁻¹⁰ is measured exactly and located", () => {
  const a = fromRows([[4, 0.5, 0], [0.5 + 2 ** -10, 4, 0], [0, 0, 4]]);
  const v = checkSpd(a);
  ok(!v.pass && !v.symmetry.pass && v.definiteness.pass);
  strictEqual(v.symmetry.figure, 2 ** -10);
  deepStrictEqual(v.symmetry.worst, { row: 0, col: 1 });
});

Deno.test("checkSpd limits: symmetryAtol just below, at, above the asymmetry", () => {
  const a = fromRows([[4, 0.5], [0.5 + 2 ** -10, 4]]);
  strictEqual(checkSpd(a, { symmetryAtol: nextDown(2 ** -10) }).pass, false);
  strictEqual(checkSpd(a, { symmetryAtol: 2 ** -10 }).pass, true);
  strictEqual(checkSpd(a, { symmetryAtol: nextUp(2 ** -10) }).pass, true);
});

Deno.test("checkSpd limits: λ_min must exceed minEigenvalue strictly", () => {
  const a = fromRows([[3, 0, 0], [0, 2, 0], [0, 0, 1]]); // exact: no rotation needed
  strictEqual(checkSpd(a, { minEigenvalue: nextDown(1) }).pass, true);
  strictEqual(checkSpd(a, { minEigenvalue: 1 }).pass, false);
  strictEqual(checkSpd(a, { minEigenvalue: nextUp(1) }).pass, false);
});

Deno.test("checkSpd: singular PSD fails by default, passes with a negative floor", () => {
  const a = conjugateDiagonal(ROT, [2, 1, 0]);
  const v = checkSpd(a);
  ok(!v.pass, `λ_min = ${v.definiteness.figure}, bound ${v.definiteness.bound}`);
  ok(Math.abs(v.definiteness.figure) <= v.definiteness.bound);
  ok(checkSpd(a, { minEigenvalue: -1e-12 }).pass);
});

Deno.test("checkSpd: f32 data, 1 × 1, and the eigenvalues", () => {
  const f32: Matrix = { rows: 2, cols: 2, data: Float32Array.of(2, -1, -1, 2) };
  const v = checkSpd(f32);
  ok(v.pass);
  ok(Math.abs(v.eigenvalues[0]! - 3) <= 1e-15 && Math.abs(v.eigenvalues[1]! - 1) <= 1e-15);
  const one = checkSpd(fromRows([[5]]));
  ok(one.pass && one.symmetry.figure === 0);
  deepStrictEqual(one.symmetry.worst, { row: -1, col: -1 });
  ok(!checkSpd(fromRows([[-5]])).pass);
});

Deno.test("checkSpd: a non-finite element fails both verdicts and is named", () => {
  const v = checkSpd(fromRows([[1, 0], [0, NaN]]));
  ok(!v.pass && Number.isNaN(v.definiteness.figure) && Number.isNaN(v.symmetry.figure));
  deepStrictEqual(v.nonFinite, { row: 1, col: 1 });
  const off = checkSpd(fromRows([[1, Infinity], [0, 1]]));
  ok(!off.pass && !off.symmetry.pass);
  deepStrictEqual(off.nonFinite, { row: 0, col: 1 });
});

Deno.test("checkSpd: precise errors", () => {
  throws(() => checkSpd(matrix(2, 3)), {
    name: "TypeError",
    message: "Cannot check positive definiteness of a matrix of shape [2, 3]: it must be square",
  });
  throws(() => checkSpd(matrix(0, 0)), /0 × 0 matrix: it has no spectrum/);
  throws(() => checkSpd(fromRows([[1]]), { symmetryAtol: -1 }), {
    name: "RangeError",
    message: "Cannot check positive definiteness: symmetryAtol must be a finite number in " +
      "[0, Infinity], got -1",
  });
  throws(() => checkSpd(fromRows([[1]]), { minEigenvalue: NaN }), RangeError);
});

Deno.test("checkSpd property: BᵀB + I passes, −(BᵀB + I) fails with λ_min ≤ −1", () => {
  const bArb = fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.array(fc.double({ min: -10, max: 10, noNaN: true }), {
      minLength: n * n,
      maxLength: n * n,
    }).map((v) => matrix(n, n, v))
  );
  fc.assert(
    fc.property(bArb, (b) => {
      const n = b.rows;
      const gram = matmul(transpose(b), b); // symmetric: entry (i, j) and (j, i) sum the same products
      for (let i = 0; i < n; i++) gram.data[i * n + i] = gram.data[i * n + i]! + 1;
      const v = checkSpd(gram);
      ok(v.pass, `λ_min = ${v.definiteness.figure}`);
      ok(v.definiteness.figure >= 1 - v.definiteness.bound);
      const neg: Matrix = { rows: n, cols: n, data: Float64Array.from(gram.data, (x) => -x) };
      const w = checkSpd(neg);
      ok(!w.pass && w.definiteness.figure <= -1 + w.definiteness.bound);
    }),
    fcParams(100),
  );
});

Deno.test("checkSpd property: λ_min of Q·diag(λ)·Qᵀ is min λ, and the verdict follows its sign", () => {
  const caseArb = fc.integer({ min: 2, max: 6 }).chain((n) =>
    fc.tuple(
      orthogonalArb(n),
      fc.array(fc.double({ min: -4, max: 4, noNaN: true }).filter((x) => Math.abs(x) > 1e-3), {
        minLength: n,
        maxLength: n,
      }),
    )
  );
  fc.assert(
    fc.property(caseArb, ([q, lambda]) => {
      const v = checkSpd(conjugateDiagonal(q, lambda));
      const min = Math.min(...lambda);
      ok(Math.abs(v.definiteness.figure - min) <= 1e-12);
      strictEqual(v.pass, min > 0);
    }),
    fcParams(100),
  );
});
