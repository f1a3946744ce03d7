import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp, orthogonalArb } from "./_testing.ts";
import { checkExplainedVariance } from "./explained_variance.ts";
import { fromRows, matmul, type Matrix, matrix } from "./matrix.ts";

/** Rows ±s_i·e_i: centred, with scatter diag(2s_i²). */
function axisData(scales: readonly number[]): Matrix {
  const d = scales.length;
  const x = matrix(2 * d, d);
  scales.forEach((s, i) => {
    x.data[2 * i * d + i] = s;
    x.data[(2 * i + 1) * d + i] = -s;
  });
  return x;
}

Deno.test("checkExplainedVariance control: data on a plane is explained by k = 2", () => {
  // Points in span{(1, 2, 2)/3, (2, 1, −2)/3}, with a common offset removed by centring.
  const x = fromRows(
    [[1, 2, 2], [2, 1, -2], [3, 3, 0], [-1, 1, 4], [0, 0, 0]].map((r) => r.map((v) => v + 10)),
  );
  const v = checkExplainedVariance(x, { k: 2, minRatio: 1 - 1e-12 });
  ok(v.pass, String(v.figure));
  strictEqual(v.compare, ">=");
  ok(Math.abs(v.worst.ratios[2]!) <= 1e-14);
});

Deno.test("checkExplainedVariance fault: variances 18, 8, 2 give ratio 18/28 for k = 1", () => {
  const v = checkExplainedVariance(axisData([2, 3, 1]), { k: 1, minRatio: 0.7 });
  ok(!v.pass);
  strictEqual(v.figure, 18 / 28);
  deepStrictEqual(Array.from(v.eigenvalues), [18, 8, 2]);
  deepStrictEqual(Array.from(v.worst.ratios), [18 / 28, 8 / 28, 2 / 28]);
  strictEqual(v.totalVariance, 28);
  strictEqual(checkExplainedVariance(axisData([2, 3, 1]), { k: 2, minRatio: 0.7 }).figure, 26 / 28);
});

Deno.test("checkExplainedVariance limits: minRatio just below, at, above the ratio", () => {
  const x = axisData([2, 3, 1]);
  strictEqual(checkExplainedVariance(x, { k: 1, minRatio: nextDown(18 / 28) }).pass, true);
  strictEqual(checkExplainedVariance(x, { k: 1, minRatio: 18 / 28 }).pass, true);
  strictEqual(checkExplainedVariance(x, { k: 1, minRatio: nextUp(18 / 28) }).pass, false);
});

Deno.test("checkExplainedVariance limits: k = d − 1, d, d + 1", () => {
  const x = axisData([2, 3, 1]);
  strictEqual(checkExplainedVariance(x, { k: 2, minRatio: 0 }).figure, 26 / 28);
  strictEqual(checkExplainedVariance(x, { k: 3, minRatio: 1 }).figure, 1);
  throws(() => checkExplainedVariance(x, { k: 4, minRatio: 0 }), {
    name: "RangeError",
    message: "Cannot check the explained variance of the top k = 4 components of 3 features: " +
      "k must be an integer in [1, 3]",
  });
  throws(() => checkExplainedVariance(x, { k: 0, minRatio: 0 }), RangeError);
});

Deno.test("checkExplainedVariance: centring matters for data off the origin", () => {
  // Centred: all variance along x. Uncentred: the offset (0, 5) dominates.
  const x = fromRows([[1, 5], [-1, 5]]);
  strictEqual(checkExplainedVariance(x, { k: 1, minRatio: 0 }).figure, 1);
  const raw = checkExplainedVariance(x, { k: 1, minRatio: 0, center: false });
  strictEqual(raw.totalVariance, 52);
  ok(Math.abs(raw.figure - 50 / 52) <= 1e-15);
});

Deno.test("checkExplainedVariance: f32 data, NaN, and zero variance", () => {
  const f32: Matrix = { rows: 2, cols: 2, data: Float32Array.of(1, 0, -1, 0) };
  strictEqual(checkExplainedVariance(f32, { k: 1, minRatio: 1 }).figure, 1);
  const n = checkExplainedVariance(fromRows([[1, 0], [NaN, 1]]), { k: 1, minRatio: 0 });
  ok(!n.pass && Number.isNaN(n.figure));
  throws(
    () => checkExplainedVariance(fromRows([[1, 2], [1, 2]]), { k: 1, minRatio: 0 }),
    /total variance is zero, so no ratio exists/,
  );
  throws(() => checkExplainedVariance(fromRows([[1, 2]]), { k: 1, minRatio: 0 }), RangeError);
});

Deno.test("checkExplainedVariance: precise errors", () => {
  throws(() => checkExplainedVariance(matrix(3, 0), { k: 1, minRatio: 0 }), {
    name: "TypeError",
    message: "Cannot check the explained variance of data of shape [3, 0]: it has no features",
  });
  throws(() => checkExplainedVariance(axisData([1, 2]), { k: 1, minRatio: 1.5 }), {
    name: "RangeError",
    message: "Cannot check explained variance: minRatio must be a finite number in [0, 1], got 1.5",
  });
});

Deno.test("checkExplainedVariance property: rotated axis data gives the constructed ratio", () => {
  const caseArb = fc.integer({ min: 1, max: 6 }).chain((d) =>
    fc.record({
      q: orthogonalArb(d),
      scales: fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), {
        minLength: d,
        maxLength: d,
      }),
      k: fc.integer({ min: 1, max: d }),
    })
  );
  fc.assert(
    fc.property(caseArb, ({ q, scales, k }) => {
      // Rows ±s_i·q_i (q_i the columns of Q): variances 2s_i² along orthonormal directions.
      const x = matmul(axisData(scales), q);
      const variances = scales.map((s) => 2 * s * s).sort((a, b) => b - a);
      const total = variances.reduce((a, b) => a + b, 0);
      const want = variances.slice(0, k).reduce((a, b) => a + b, 0) / total;
      const v = checkExplainedVariance(x, { k, minRatio: 0 });
      ok(Math.abs(v.figure - want) <= 1e-12, `${v.figure} vs ${want}`);
      // Monotone in k, and 1 at k = d.
      let previous = 0;
      for (let j = 1; j <= q.rows; j++) {
        const r = checkExplainedVariance(x, { k: j, minRatio: 0 }).figure;
        ok(r >= previous - 1e-15 && r <= 1 + 1e-12);
        previous = r;
      }
      ok(Math.abs(previous - 1) <= 1e-12);
    }),
    fcParams(100),
  );
});
