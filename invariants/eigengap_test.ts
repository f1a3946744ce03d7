import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { conjugateDiagonal, nextDown, orthogonalArb } from "./_testing.ts";
import { checkEigengap } from "./eigengap.ts";
import { fromRows, matrix } from "./matrix.ts";

const ROT = fromRows([[0.6, -0.8, 0, 0], [0.8, 0.6, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]);

Deno.test("checkEigengap control: spectrum (5, 4, 1, 0.5) has gap 3 after λ₂", () => {
  const v = checkEigengap(conjugateDiagonal(ROT, [5, 4, 1, 0.5]), { k: 2 });
  ok(v.pass);
  ok(Math.abs(v.figure - 3) <= 1e-14 && Math.abs(v.relativeGap - 0.75) <= 1e-14);
  strictEqual(v.compare, ">");
  strictEqual(v.bound, 2 * v.errorBound);
  strictEqual(v.worst.k, 2);
  ok(Math.abs(v.worst.upper - 4) <= 1e-14 && Math.abs(v.worst.lower - 1) <= 1e-14);
});

Deno.test("checkEigengap fault: a repeated eigenvalue at k has no gap and fails", () => {
  const v = checkEigengap(conjugateDiagonal(ROT, [5, 2, 2, 0.5]), { k: 2 });
  ok(!v.pass);
  ok(Math.abs(v.figure) <= 2 * v.errorBound, `${v.figure} vs ${v.errorBound}`);
  ok(checkEigengap(conjugateDiagonal(ROT, [5, 2, 2, 0.5]), { k: 1 }).pass);
});

Deno.test("checkEigengap limits: the gap must exceed minGap strictly", () => {
  const a = fromRows([[7, 0, 0], [0, 4, 0], [0, 0, 1]]); // diagonal: gaps exactly 3
  strictEqual(checkEigengap(a, { k: 1, minGap: nextDown(3) }).pass, true);
  strictEqual(checkEigengap(a, { k: 1, minGap: 3 }).pass, false);
  strictEqual(checkEigengap(a, { k: 1, minGap: 3.5 }).pass, false);
});

Deno.test("checkEigengap limits: k = n − 1 is the last gap, k = n and k = 0 are rejected", () => {
  const a = fromRows([[7, 0, 0], [0, 4, 0], [0, 0, 1]]);
  const last = checkEigengap(a, { k: 2 });
  ok(last.pass && last.figure === 3);
  deepStrictEqual(last.worst, { k: 2, upper: 4, lower: 1 });
  throws(() => checkEigengap(a, { k: 3 }), {
    name: "RangeError",
    message: "Cannot check the eigengap after eigenvalue k = 3 of a 3 × 3 matrix: " +
      "k must be an integer in [1, 2]",
  });
  throws(() => checkEigengap(a, { k: 0 }), RangeError);
  throws(() => checkEigengap(a, { k: 1.5 }), RangeError);
  throws(() => checkEigengap(fromRows([[1]]), { k: 1 }), /k must be an integer in \[1, 0\]/);
});

Deno.test("checkEigengap relative: negative spectra and the all-zero case", () => {
  const v = checkEigengap(fromRows([[-1, 0], [0, -3]]), { k: 1, relative: true });
  ok(v.pass && v.figure === 2 / 3 && v.absoluteGap === 2);
  const z = checkEigengap(matrix(3, 3), { k: 1, relative: true });
  ok(!z.pass && z.figure === 0 && z.relativeGap === 0);
  const zAbs = checkEigengap(matrix(3, 3), { k: 1 });
  ok(!zAbs.pass && zAbs.figure === 0);
});

Deno.test("checkEigengap: a non-finite element fails with a NaN figure", () => {
  const v = checkEigengap(fromRows([[1, NaN], [NaN, 0]]), { k: 1, minGap: 0 });
  ok(!v.pass && Number.isNaN(v.figure) && v.eigenvalues.length === 0);
});

Deno.test("checkEigengap: precise errors", () => {
  throws(() => checkEigengap(matrix(2, 3), { k: 1 }), {
    name: "TypeError",
    message: "Cannot check the eigengap of a matrix of shape [2, 3]: it must be square",
  });
  throws(() => checkEigengap(matrix(2, 2), { k: 1, minGap: -1 }), /minGap must be/);
});

Deno.test("checkEigengap property: the measured gap is the constructed gap", () => {
  const caseArb = fc.integer({ min: 2, max: 7 }).chain((n) =>
    fc.record({
      q: orthogonalArb(n),
      lambda: fc.array(fc.double({ min: -50, max: 50, noNaN: true }), {
        minLength: n,
        maxLength: n,
      }),
      k: fc.integer({ min: 1, max: n - 1 }),
    })
  );
  fc.assert(
    fc.property(caseArb, ({ q, lambda, k }) => {
      const sorted = [...lambda].sort((x, y) => y - x);
      const gap = sorted[k - 1]! - sorted[k]!;
      const v = checkEigengap(conjugateDiagonal(q, lambda), { k, minGap: 0 });
      // Each eigenvalue is within errorBound (plus the construction's rounding, ≤ 1e-12 here).
      ok(Math.abs(v.absoluteGap - gap) <= 2 * v.errorBound + 1e-12, `${v.absoluteGap} vs ${gap}`);
      ok(v.absoluteGap >= 0 && v.relativeGap >= 0 && v.relativeGap <= 2);
    }),
    fcParams(100),
  );
});
