/**
 * Shared helpers of the controller claims: loading the three numpy fixtures
 * (fixtures/decepticons/control.json, segmentation.json, diagnostics.json, written by
 * fixtures/gen/decepticons_{control,segmentation,diagnostics}_fixtures.py, sha256 pinned by
 * fixtures/manifest.json), decoding their arrays, and the f64 comparison every fixture claim
 * uses.
 *
 * @module
 */
import { type EncodedArray, f64, i32 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import fc from "fast-check";
import { fcParams } from "../../_harness/fuzz.ts";

/** A parsed fixture: plain JSON whose arrays are still encoded. */
// deno-lint-ignore no-explicit-any
export type Raw = any;

/** Loads fixtures/decepticons/<name>.json, checked against the manifest and its format. */
export async function loadControlFixture(
  name: "control" | "segmentation" | "diagnostics",
): Promise<{ data: Raw; integrity: string }> {
  return await loadPinnedJson<{ format: string }>(
    `fixtures/decepticons/${name}.json`,
    `memspec.decepticons.${name}.v1`,
  );
}

/** An encoded f64 array as numbers. */
export function nums(a: EncodedArray, what: string): number[] {
  return [...f64(a, what)];
}

/** An encoded i32 array as numbers. */
export function ints(a: EncodedArray, what: string): number[] {
  return [...i32(a, what)];
}

/** An encoded f64 matrix [r, c] as rows. */
export function rows(a: EncodedArray, what: string): number[][] {
  const v = f64(a, what);
  const [r, c] = a.shape.length === 2 ? a.shape : [a.shape[0] ?? 0, 1];
  return Array.from({ length: r! }, (_, i) => [...v.subarray(i * c!, (i + 1) * c!)]);
}

/** max |got − want| / max(|want|, 1); Infinity when the lengths differ. */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let e = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
  }
  return e;
}

/** Collects the worst error and where it was. */
export class Worst {
  /** The worst error so far. */
  error = 0;
  /** Where it was. */
  where = "none";
  /** Records `error` at `where` when it is the worst so far. */
  add(where: string, error: number): void {
    if (!(error <= this.error)) {
      this.error = error;
      this.where = where;
    }
  }
}

/**
 * Runs a seeded fast-check property (spec/_harness/fuzz.ts settings) whose check returns what
 * is wrong with a case, or null; a failing case throws fast-check's report (seed and path).
 * Returns the number of cases run.
 */
export function fuzzCases<T>(
  arb: fc.Arbitrary<T>,
  runs: number,
  check: (x: T) => string | null,
): number {
  let n = 0;
  fc.assert(
    fc.property(arb, (x) => {
      n++;
      const wrong = check(x);
      if (wrong !== null) throw new Error(wrong);
    }),
    fcParams(runs),
  );
  return n;
}

/** A fault case list's cases that did not fail as they must (see spec/_harness/fault_case.ts). */
export { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
