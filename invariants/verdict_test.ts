import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { assertBound, describeVerdict, holds, makeVerdict, WorstTracker } from "./verdict.ts";

Deno.test("holds: each comparison at, below and above its bound; NaN never holds", () => {
  deepStrictEqual([holds(0.5, "<=", 1), holds(1, "<=", 1), holds(1.5, "<=", 1)], [
    true,
    true,
    false,
  ]);
  deepStrictEqual([holds(0.5, ">=", 1), holds(1, ">=", 1), holds(1.5, ">=", 1)], [
    false,
    true,
    true,
  ]);
  deepStrictEqual([holds(0.5, ">", 1), holds(1, ">", 1), holds(1.5, ">", 1)], [false, false, true]);
  for (const c of ["<=", ">=", ">"] as const) {
    ok(!holds(NaN, c, 1) && !holds(1, c, NaN), c);
  }
});

Deno.test("makeVerdict and describeVerdict: typed arrays in the worst place print as lists", () => {
  const v = makeVerdict(-0.25, ">", 0, { index: 2, eigenvector: Float64Array.of(0, 1) });
  ok(!v.pass);
  strictEqual(
    describeVerdict(v),
    'FAIL: -2.500e-1 > 0.000e+0 does not hold, worst at {"index":2,"eigenvector":[0,1]}',
  );
});

Deno.test("WorstTracker: first offer wins at ties, NaN sticks, no offer leaves -1", () => {
  const t = new WorstTracker();
  deepStrictEqual([t.value, t.index], [0, -1]);
  t.offer(0, 3);
  deepStrictEqual([t.value, t.index], [0, 3]);
  t.offer(0, 4);
  t.offer(2, 5);
  t.offer(2, 6);
  deepStrictEqual([t.value, t.index], [2, 5]);
  t.offer(Infinity, 7);
  t.offer(NaN, 8);
  t.offer(NaN, 9);
  t.offer(Infinity, 10);
  ok(Number.isNaN(t.value) && t.index === 8);
});

Deno.test("assertBound: finite and within range, else a RangeError naming the parameter", () => {
  assertBound(0, "atol", "check x", { min: 0 });
  assertBound(1, "minRecall", "check x", { min: 0, max: 1 });
  throws(() => assertBound(1.5, "minRecall", "check x", { min: 0, max: 1 }), {
    name: "RangeError",
    message: "Cannot check x: minRecall must be a finite number in [0, 1], got 1.5",
  });
  throws(() => assertBound(-Infinity, "b", "check x"), RangeError);
  throws(() => assertBound(NaN, "b", "check x"), RangeError);
  // @ts-expect-error: a non-number is rejected at run time too
  throws(() => assertBound("1", "b", "check x"), RangeError);
});
