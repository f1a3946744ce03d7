import fc from "fast-check";
import { deepStrictEqual, ok, throws } from "node:assert/strict";
import { tileGrid } from "./grid.ts";

const MAX = 65535;

function assertCovers(count: number, grid: [number, number, number]): void {
  const [x, y, z] = grid;
  ok(x <= MAX && y <= MAX && z <= MAX, `grid ${grid} exceeds ${MAX} in a dimension`);
  ok(x * y * z >= count, `grid ${grid} covers ${x * y * z} < ${count} workgroups`);
  if (count > 0) ok(x >= 1 && y >= 1 && z >= 1, `grid ${grid} has an empty dimension`);
  // Overshoot below one row of x per z-slice plus a slice: kernels' early return wastes little.
  ok(x * y * z - count < x * z + x * y, `grid ${grid} overshoots ${count} by ${x * y * z - count}`);
}

Deno.test("tileGrid: n − 1, n, n + 1 around 65,535 workgroups", () => {
  deepStrictEqual(tileGrid(MAX - 1, MAX), [MAX - 1, 1, 1]);
  deepStrictEqual(tileGrid(MAX, MAX), [MAX, 1, 1]);
  deepStrictEqual(tileGrid(MAX + 1, MAX), [32768, 2, 1]);
  for (const n of [MAX - 1, MAX, MAX + 1]) assertCovers(n, tileGrid(n, MAX));
});

Deno.test("tileGrid: n − 1, n, n + 1 around 65,535² workgroups", () => {
  const sq = MAX * MAX;
  deepStrictEqual(tileGrid(sq, MAX), [MAX, MAX, 1]);
  const below = tileGrid(sq - 1, MAX);
  ok(below[2] === 1, `65,535² − 1 should stay two-dimensional, got ${below}`);
  const above = tileGrid(sq + 1, MAX);
  ok(above[2] === 2, `65,535² + 1 needs a second z-slice, got ${above}`);
  for (const n of [sq - 1, sq, sq + 1]) assertCovers(n, tileGrid(n, MAX));
});

Deno.test("tileGrid: past 65,535³ and invalid counts throw RangeError", () => {
  deepStrictEqual(tileGrid(MAX ** 3, MAX), [MAX, MAX, MAX]);
  throws(() => tileGrid(MAX ** 3 + 1, MAX), RangeError);
  throws(() => tileGrid(-1, MAX), RangeError);
  throws(() => tileGrid(1.5, MAX), RangeError);
  deepStrictEqual(tileGrid(0, MAX), [0, 1, 1]);
});

Deno.test("tileGrid: covers every count within the limits (fuzzed, small limits too)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 300 }).chain((max) =>
        fc.tuple(fc.constant(max), fc.integer({ min: 0, max: max ** 3 }))
      ),
      ([max, count]) => {
        const [x, y, z] = tileGrid(count, max);
        return x <= max && y <= max && z <= max && x * y * z >= count &&
          (count === 0 || Math.min(x, y, z) >= 1);
      },
    ),
    { seed: 20261124, numRuns: 500 },
  );
});
