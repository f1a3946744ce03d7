import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp } from "./_testing.ts";
import { checkNormDecay, checkNormDrift } from "./norm_drift.ts";

Deno.test("checkNormDrift control: a conserved norm passes with figure 0", () => {
  const v = checkNormDrift([3, 3, 3, 3], { maxDrift: 0 });
  ok(v.pass && v.figure === 0);
  deepStrictEqual(v.worst, { step: 0, norm: 3, expected: 3 });
});

Deno.test("checkNormDrift fault: one step off by 25 % fails with figure 0.25 at that step", () => {
  const v = checkNormDrift([2, 2, 2.5, 2, 1.75], { maxDrift: 0.1 });
  ok(!v.pass);
  strictEqual(v.figure, 0.25);
  deepStrictEqual(v.worst, { step: 2, norm: 2.5, expected: 2 });
});

Deno.test("checkNormDrift limits: maxDrift just below, at, above the drift", () => {
  const norms = [4, 4.5, 3.75]; // drift 0.125
  strictEqual(checkNormDrift(norms, { maxDrift: nextDown(0.125) }).pass, false);
  strictEqual(checkNormDrift(norms, { maxDrift: 0.125 }).pass, true);
  strictEqual(checkNormDrift(norms, { maxDrift: nextUp(0.125) }).pass, true);
});

Deno.test("checkNormDrift: one step, NaN and ∞", () => {
  ok(checkNormDrift([1], { maxDrift: 0 }).pass);
  const n = checkNormDrift([1, NaN, 5], { maxDrift: 10 });
  ok(!n.pass && Number.isNaN(n.figure) && n.worst.step === 1);
  ok(!checkNormDrift([1, Infinity], { maxDrift: 1e300 }).pass);
});

Deno.test("checkNormDrift: precise errors", () => {
  throws(() => checkNormDrift([], { maxDrift: 0 }), {
    name: "TypeError",
    message: "Cannot check the norm drift of an empty norm sequence: it needs at least one step",
  });
  throws(() => checkNormDrift([0, 1], { maxDrift: 0 }), {
    name: "RangeError",
    message: "Cannot check the norm drift of a sequence starting at norm 0: the relative drift " +
      "needs a finite, non-zero initial norm",
  });
  throws(() => checkNormDrift([1, -1], { maxDrift: 0 }), /norm at step 1 is negative/);
  throws(() => checkNormDrift([Infinity], { maxDrift: 0 }), RangeError);
  throws(() => checkNormDrift([1], { maxDrift: -0.1 }), RangeError);
});

Deno.test("checkNormDecay control: exact powers of γ pass with figure 0", () => {
  const v = checkNormDecay([8, 4, 2, 1, 0.5], { gamma: 0.5, rtol: 0 });
  ok(v.pass && v.figure === 0);
  ok(checkNormDecay([1, 3, 9, 27], { gamma: 3, rtol: 0 }).pass);
});

Deno.test("checkNormDecay fault: a step 1.5× too large fails with figure 0.5 there", () => {
  const v = checkNormDecay([8, 4, 3, 1], { gamma: 0.5, rtol: 1e-12 });
  ok(!v.pass);
  strictEqual(v.figure, 0.5);
  deepStrictEqual(v.worst, { step: 2, norm: 3, expected: 2 });
});

Deno.test("checkNormDecay limits: rtol just below, at, above the deviation", () => {
  const norms = [16, 8, 4.5]; // e₂ = 4, deviation 0.125
  strictEqual(checkNormDecay(norms, { gamma: 0.5, rtol: nextDown(0.125) }).pass, false);
  strictEqual(checkNormDecay(norms, { gamma: 0.5, rtol: 0.125 }).pass, true);
  strictEqual(checkNormDecay(norms, { gamma: 0.5, rtol: nextUp(0.125) }).pass, true);
});

Deno.test("checkNormDecay atMost: faster decay passes, slower fails by its excess", () => {
  ok(checkNormDecay([8, 2, 0.5], { gamma: 0.5, rtol: 0, mode: "atMost" }).pass);
  const equal = checkNormDecay([8, 2, 0.5], { gamma: 0.5, rtol: 0 });
  ok(!equal.pass && equal.figure === 0.75);
  const slow = checkNormDecay([8, 5, 2], { gamma: 0.5, rtol: 0.1, mode: "atMost" });
  ok(!slow.pass && slow.figure === 0.25 && slow.worst.step === 1);
});

Deno.test("checkNormDecay t0: earlier steps are ignored, the reference is ‖x_t0‖", () => {
  const norms = [100, 7, 8, 4, 2]; // warm-up, then halving from step 2
  const v = checkNormDecay(norms, { gamma: 0.5, rtol: 0, t0: 2 });
  ok(v.pass && v.figure === 0);
  ok(checkNormDecay(norms, { gamma: 0.5, rtol: 0, t0: 4 }).pass); // t0 = n − 1: one step
  throws(() => checkNormDecay(norms, { gamma: 0.5, rtol: 0, t0: 5 }), {
    name: "RangeError",
    message: "Cannot check norm decay from t0 = 5: it must be a step in [0, 4]",
  });
  ok(!checkNormDecay([1, 2, NaN], { gamma: 2, rtol: 1, t0: 1 }).pass);
});

Deno.test("checkNormDecay: precise errors", () => {
  throws(() => checkNormDecay([], { gamma: 0.5, rtol: 0 }), TypeError);
  for (const gamma of [0, -0.5, NaN, Infinity]) {
    throws(() => checkNormDecay([1], { gamma, rtol: 0 }), {
      name: "RangeError",
      message: `Cannot check norm decay: gamma must be positive and finite, got ${gamma}`,
    });
  }
  throws(() => checkNormDecay([1, 0], { gamma: 0.5, rtol: 0, t0: 1 }), /reference norm/);
  throws(() => checkNormDecay([1], { gamma: 0.5, rtol: -1 }), RangeError);
  throws(() => checkNormDecay([1], { gamma: 0.5, rtol: 0, t0: -1 }), RangeError);
  throws(
    // @ts-expect-error: an unknown mode is rejected at run time too
    () => checkNormDecay([1], { gamma: 0.5, rtol: 0, mode: "below" }),
    /mode must be "equal" or "atMost"/,
  );
});

Deno.test("checkNormDecay property: γ^t·n₀ passes; scaling one step by 1 + δ gives figure δ", () => {
  const caseArb = fc.record({
    n0: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    gamma: fc.double({ min: 0.5, max: 1.5, noNaN: true }),
    steps: fc.integer({ min: 1, max: 60 }),
    at: fc.nat(59),
    delta: fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
  });
  fc.assert(
    fc.property(caseArb, ({ n0, gamma, steps, at, delta }) => {
      const norms = Array.from({ length: steps }, (_, t) => gamma ** t * n0);
      ok(checkNormDecay(norms, { gamma, rtol: 0 }).pass);
      // The drift of a geometric sequence is largest at the last step: |γ^(T−1) − 1|, up to the
      // roundings of γ^t·n₀ (2 ulps) and of the checker's difference and quotient (2 more).
      const g = gamma ** (steps - 1);
      const drift = checkNormDrift(norms, { maxDrift: 1e300 });
      ok(Math.abs(drift.figure - Math.abs(g - 1)) <= 4 * 2 ** -52 * Math.max(1, g));
      const t = at % steps;
      if (t === 0) return;
      norms[t] = norms[t]! * (1 + delta);
      const v = checkNormDecay(norms, { gamma, rtol: 0 });
      // The product and the checker's quotient round: ≤ 3 ulps of 1 + δ.
      ok(Math.abs(v.figure - delta) <= 3 * 2 ** -52 * (1 + delta), `${v.figure} vs ${delta}`);
      strictEqual(v.worst.step, t);
    }),
    fcParams(100),
  );
});
