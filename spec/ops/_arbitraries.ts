/**
 * fast-check arbitraries for op cases: dimensions biased to the sizes that
 * break kernels (1, primes, sizes that are not multiples of the workgroup
 * size), shapes, and broadcast-compatible shape pairs.
 *
 * @module
 */
import fc from "fast-check";

/** Dimensions that break kernels: 1, small primes, workgroup-size neighbours. */
export const EDGE_DIMS = [1, 2, 3, 5, 7, 13, 31, 63, 64, 65, 127, 257] as const;

/** A dimension in [1, max], biased to {@link EDGE_DIMS}. */
export function dimArb(max = 67): fc.Arbitrary<number> {
  const edges = EDGE_DIMS.filter((d) => d <= max);
  return fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 1, max }));
}

/** A shape of rank in [minRank, maxRank] whose size stays below `maxSize`. */
export function shapeArb(minRank = 1, maxRank = 4, maxSize = 4096): fc.Arbitrary<number[]> {
  return fc.integer({ min: minRank, max: maxRank }).chain((r) =>
    fc.array(dimArb(r <= 2 ? 67 : 13), { minLength: r, maxLength: r })
  ).filter((s) => s.reduce((a, b) => a * b, 1) <= maxSize);
}

/** A pair of shapes that broadcast: the second drops leading dims and sets some to 1. */
export function broadcastPairArb(): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(1, 4, 2048).chain((s) =>
    fc.tuple(
      fc.integer({ min: 0, max: s.length - 1 }),
      fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
      fc.boolean(),
    ).map(([drop, ones, swap]) => {
      const t = s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return swap ? [t, [...s]] as [number[], number[]] : [[...s], t] as [number[], number[]];
    })
  );
}

/** A seed for a case's values. */
export const seedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0x7fffffff });

/** Size of a grid past 65,535 workgroups of 64 invocations (plus a prime remainder). */
export const BIG_GRID_SIZE = 65536 * 64 + 7;
