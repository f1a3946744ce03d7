import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { fcParams } from "../spec/_harness/fuzz.ts";
import { nextDown, nextUp } from "./_testing.ts";
import { checkClose, describeClose, ulpDistance } from "./close.ts";

Deno.test("checkClose control: equal arrays pass with zero figures", () => {
  const v = checkClose([1, -2.5, 3e30], [1, -2.5, 3e30], { atol: 0 });
  deepStrictEqual(
    [v.pass, v.count, v.mismatches, v.maxAbs, v.maxRel, v.maxUlp, v.ratio],
    [true, 3, 0, 0, 0, 0, 0],
  );
});

Deno.test("checkClose NaN: NaN ≠ NaN by default; equalNaN matches NaN only with NaN", () => {
  const v = checkClose([1, NaN], [1, NaN], { atol: 1 });
  ok(!v.pass && v.mismatches === 1 && v.ratio === Infinity && v.worstIndex === 1);
  ok(checkClose([1, NaN], [1, NaN], { atol: 0, equalNaN: true }).pass);
  ok(!checkClose([NaN], [0], { atol: 1e300, equalNaN: true }).pass);
  ok(!checkClose([0], [NaN], { atol: 1e300, equalNaN: true }).pass);
  // NaN leaves the abs/rel/ulp maxima alone: they describe the finite elements.
  const mixed = checkClose([NaN, 1.5], [0, 1], { atol: 1 });
  strictEqual(mixed.maxAbs, 0.5);
  strictEqual(mixed.worstIndex, 0);
});

Deno.test("checkClose ±Inf: must match exactly, sign included", () => {
  ok(checkClose([Infinity, -Infinity], [Infinity, -Infinity], { atol: 0 }).pass);
  const flip = checkClose([Infinity], [-Infinity], { atol: 1e300 });
  ok(!flip.pass && flip.ratio === Infinity);
  ok(!checkClose([Infinity], [1e308], { atol: 1e308, rtol: 1 }).pass);
  ok(!checkClose([3.4e38], [Infinity], { atol: 1e308 }).pass);
});

Deno.test("checkClose ±0: +0 equals −0 at atol 0, zero ULPs apart", () => {
  const v = checkClose([0, -0], [-0, 0], { atol: 0 });
  ok(v.pass && v.maxUlp === 0);
  strictEqual(ulpDistance(0, -0), 0);
});

Deno.test("ulpDistance: across zero, at 1, subnormals, and rounding to f32 first", () => {
  const tiny = 2 ** -149; // smallest positive f32 subnormal
  strictEqual(ulpDistance(tiny, -tiny), 2);
  strictEqual(ulpDistance(-tiny, 0), 1);
  strictEqual(ulpDistance(1, 1 + 2 ** -23), 1);
  strictEqual(ulpDistance(1, 1 - 2 ** -24), 1); // below 1 the spacing halves
  strictEqual(ulpDistance(1, 1 + 1e-10), 0); // the same f32
  strictEqual(ulpDistance(1, -1), 2 * 0x3f800000);
  strictEqual(ulpDistance(3.4028234663852886e38, Infinity), 1);
});

Deno.test("checkClose per-element atol: each element gets its own bound", () => {
  const v = checkClose([0.25, 0.75, 0.5], [0, 0, 0], { atol: [0.5, 0.5, 1] });
  ok(!v.pass);
  strictEqual(v.mismatches, 1);
  strictEqual(v.ratio, 1.5);
  deepStrictEqual([v.worstIndex, v.worstActual, v.worstExpected], [1, 0.75, 0]);
  ok(checkClose([0.25, 0.75, 0.5], [0, 0, 0], { atol: [0.5, 0.75, 0.5] }).pass);
});

Deno.test("checkClose limits: a difference equal to the bound passes, just past fails", () => {
  // atol + rtol·|e| = 0.25 + 0.5·1 = 0.75; the difference 0.75 is exact.
  strictEqual(checkClose([1.75], [1], { atol: 0.25, rtol: 0.5 }).ratio, 1);
  ok(checkClose([1.75], [1], { atol: 0.25, rtol: 0.5 }).pass);
  // atol alone, one f64 step either side of the exact difference 0.75:
  ok(!checkClose([1.75], [1], { atol: nextDown(0.75) }).pass);
  ok(checkClose([1.75], [1], { atol: 0.75 }).pass);
  ok(checkClose([1.75], [1], { atol: nextUp(0.75) }).pass);
});

Deno.test("checkClose: a zero bound fails any difference; the relative error at e = 0 is ∞", () => {
  const v = checkClose([1e-30], [0], { atol: 0 });
  ok(!v.pass && v.ratio === Infinity && v.maxRel === Infinity && v.maxAbs === 1e-30);
});

Deno.test("checkClose: empty arrays, length mismatch, describeClose", () => {
  const e = checkClose([], [], { atol: 0 });
  ok(e.pass && e.worstIndex === -1 && e.count === 0);
  throws(() => checkClose([1], [1, 2], { atol: 0 }), {
    name: "TypeError",
    message: "Cannot compare arrays of lengths 1 and 2: lengths differ",
  });
  const line = describeClose(checkClose([1.5, 2], [1, 2], { atol: 0.25 }));
  ok(line.includes("max_abs=5.00e-1") && line.includes("@0") && line.includes("mismatches=1/2"));
});

Deno.test("checkClose property: any array is close to itself at atol 0 (NaN with equalNaN)", () => {
  fc.assert(
    fc.property(fc.array(fc.double()), (xs) => {
      const v = checkClose(xs, xs, { atol: 0, equalNaN: true });
      ok(v.pass && v.maxAbs === 0);
      strictEqual(checkClose(xs, xs, { atol: 0 }).pass, !xs.some(Number.isNaN));
    }),
    fcParams(100),
  );
});

Deno.test("ulpDistance property: a metric on the ordered f32 line", () => {
  const f32 = fc.float({ noNaN: true });
  fc.assert(
    fc.property(f32, f32, f32, (a, b, c) => {
      strictEqual(ulpDistance(a, b), ulpDistance(b, a));
      strictEqual(ulpDistance(a, a), 0);
      const [x, y, z] = [a, b, c].sort((p, q) => p - q) as [number, number, number];
      strictEqual(ulpDistance(x, z), ulpDistance(x, y) + ulpDistance(y, z));
    }),
    fcParams(100),
  );
});

Deno.test("checkClose() refuses an infinite or NaN bound instead of accepting any value", () => {
  throws(() => checkClose([1, 5], [1, 1], { atol: [0, Infinity] }), RangeError);
  throws(() => checkClose([1], [1], { atol: NaN }), /element 0: its bound is NaN/);
  // Control: a finite bound of the same elements compares normally.
  strictEqual(checkClose([1, 5], [1, 1], { atol: [0, 4] }).pass, true);
});
