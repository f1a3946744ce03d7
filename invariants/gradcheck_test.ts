import { ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { gradcheck } from "./gradcheck.ts";
import { GRADCHECK_MAX_REL } from "./tolerance.ts";

/** f(x, y) = (x₀³·y₀, sin(x₁) + y₀², x₀·x₁), with L = Σ w·f. */
const f = ([x, y]: Float64Array[]) =>
  Float64Array.of(x![0]! ** 3 * y![0]!, Math.sin(x![1]!) + y![0]! ** 2, x![0]! * x![1]!);

function vjp(x: Float64Array, y: Float64Array, scale = 1) {
  return (w: Float64Array) => [
    Float64Array.of(
      scale * (3 * x[0]! ** 2 * y[0]! * w[0]! + x[1]! * w[2]!),
      scale * (Math.cos(x[1]!) * w[1]! + x[0]! * w[2]!),
    ),
    Float64Array.of(scale * (x[0]! ** 3 * w[0]! + 2 * y[0]! * w[1]!)),
  ];
}

const X = Float64Array.of(1.5, -0.7);
const Y = Float64Array.of(2);
const W = Float64Array.of(1, -0.5, 2);

Deno.test("gradcheck control: a correct gradient passes in full mode", () => {
  const r = gradcheck(f, [X, Y], vjp(X, Y), W);
  ok(r.pass, String(r.maxError));
  ok(r.maxError < 1e-8, String(r.maxError));
  strictEqual(r.evaluations, 2 * 3); // two evaluations per input element
});

Deno.test("gradcheck fault: a gradient twice too large fails with error 1/2", () => {
  // |2g − g| / max(|2g|, |g|, 1) = 1/2 wherever |2g| ≥ 1.
  const r = gradcheck(f, [X, Y], vjp(X, Y, 2), W);
  ok(!r.pass);
  ok(Math.abs(r.maxError - 0.5) <= 1e-8, String(r.maxError));
  ok(Math.abs(r.worst.analytic / r.worst.numeric - 2) <= 1e-8);
});

Deno.test("gradcheck fault: below 1 the error is absolute", () => {
  // L = w·x² at x = 0.1: ∂L/∂x = 0.2w; an analytic value off by 1e-3 is an error of 1e-3.
  const r = gradcheck(
    ([x]) => Float64Array.of(x![0]! ** 2),
    [Float64Array.of(0.1)],
    (w) => [Float64Array.of(0.2 * w[0]! + 1e-3)],
    Float64Array.of(1),
  );
  ok(!r.pass && Math.abs(r.maxError - 1e-3) <= 1e-9, String(r.maxError));
  strictEqual(r.worst.input, 0);
  strictEqual(r.worst.index, 0);
});

Deno.test("gradcheck limits: the bound option around a known error", () => {
  const wrong = (w: Float64Array) => [Float64Array.of(0.2 * w[0]! + 1e-3)];
  const run = (bound: number) =>
    gradcheck(
      ([x]) => Float64Array.of(x![0]! ** 2),
      [Float64Array.of(0.1)],
      wrong,
      Float64Array.of(1),
      {
        bound,
      },
    );
  const err = run(1).maxError;
  strictEqual(run(err * (1 - 1e-9)).pass, false);
  strictEqual(run(err).pass, true);
  strictEqual(run(err * (1 + 1e-9)).pass, true);
  strictEqual(run(1).pass, true);
  ok(GRADCHECK_MAX_REL < 1e-3);
});

Deno.test("gradcheck random mode: directional derivatives, deterministic per seed", () => {
  const big = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i) * 2);
  const g = ([x]: Float64Array[]) => x!.map((v) => v * v * v);
  const w = Float64Array.from({ length: 40 }, (_, i) => Math.cos(i));
  const right = (w: Float64Array) => [big.map((v, i) => 3 * v * v * w[i]!)];
  const r = gradcheck(g, [big], right, w, { mode: "random", directions: 5, seed: 7 });
  ok(r.pass, String(r.maxError));
  strictEqual(r.evaluations, 2 * 5);
  // Off by 10 % in one element: a random direction sees it (error far above the bound).
  const wrong = (w: Float64Array) => {
    const out = right(w)[0]!;
    out[17] = out[17]! * 1.1;
    return [out];
  };
  const bad = gradcheck(g, [big], wrong, w, { mode: "random", directions: 5, seed: 7 });
  ok(!bad.pass && bad.maxError > 1e-4, String(bad.maxError));
  const again = gradcheck(g, [big], wrong, w, { mode: "random", directions: 5, seed: 7 });
  strictEqual(again.maxError, bad.maxError);
  strictEqual(again.worst.index, bad.worst.index);
});

Deno.test("gradcheck: null gradients and the check mask skip inputs", () => {
  const skipY = gradcheck(f, [X, Y], (w) => [vjp(X, Y)(w)[0]!, null], W);
  ok(skipY.pass && skipY.evaluations === 4);
  const masked = gradcheck(f, [X, Y], vjp(X, Y, 2), W, { check: [false, false] });
  ok(masked.pass && masked.evaluations === 0 && masked.worst.input === -1);
});

Deno.test("gradcheck: a NaN analytic gradient fails with error ∞", () => {
  const r = gradcheck(f, [X, Y], (w) => [Float64Array.of(NaN, 0), vjp(X, Y)(w)[1]!], W);
  ok(!r.pass && r.maxError === Infinity);
  strictEqual(r.worst.index, 0);
});

Deno.test("gradcheck: a gradient of the wrong length is a TypeError", () => {
  throws(() => gradcheck(f, [X, Y], () => [Float64Array.of(1), null], W), {
    name: "TypeError",
    message: "Cannot gradcheck input 0: analytic gradient has 1 elements, input has 2",
  });
});

Deno.test("gradcheck property: polynomials with their exact gradients pass at the ledger bound", () => {
  const arb = fc.record({
    x: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 8 }),
    c: fc.double({ min: -2, max: 2, noNaN: true }),
  });
  fc.assert(
    fc.property(arb, ({ x, c }) => {
      // f_i = c·x_i³ + x_i², L = Σ w_i f_i with w = 1: ∂L/∂x_i = 3c·x_i² + 2x_i.
      const xs = Float64Array.from(x);
      const r = gradcheck(
        ([v]) => v!.map((t) => c * t ** 3 + t * t),
        [xs],
        (w) => [xs.map((t, i) => (3 * c * t * t + 2 * t) * w[i]!)],
        new Float64Array(xs.length).fill(1),
      );
      ok(r.pass, `${r.maxError}`);
    }),
    fcParams(100),
  );
});
