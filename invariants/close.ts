/**
 * Closeness of a computed array to a reference, with an explicit NaN/Inf
 * policy and the figures a report needs: max abs, rel and ULP error with the
 * index where each was worst, and the worst error-to-bound ratio.
 *
 * Policy: NaN matches NaN only when `equalNaN` is set (off by default); ±Inf
 * must match exactly, sign included; a finite value never matches a
 * non-finite one; +0 equals −0. A bound must be finite: an infinite or NaN
 * bound throws a RangeError rather than accept anything.
 *
 * @example
 * ```ts
 * import { checkClose } from "./close.ts";
 * import { ok } from "node:assert/strict";
 * const v = checkClose([1, 2.0000001], [1, 2], { atol: 1e-6 });
 * ok(v.pass && v.worstIndex === 1);
 * ```
 *
 * @module
 */

/** How close is close enough: `|actual − expected| ≤ atol_i + rtol·|expected_i|`. */
export interface CloseOptions {
  /** Absolute tolerance, scalar or per element (e.g. an accumulation bound). */
  atol: number | ArrayLike<number>;
  /** Relative tolerance; default 0. */
  rtol?: number;
  /** Whether NaN matches NaN; default false. */
  equalNaN?: boolean;
}

/** The measured closeness. */
export interface CloseVerdict {
  /** Whether every element is within its bound. */
  pass: boolean;
  /** Elements compared. */
  count: number;
  /** Elements outside their bound. */
  mismatches: number;
  /** Largest |a − e| over the finite elements. */
  maxAbs: number;
  /** Largest |a − e| / |e| over the finite elements (Infinity where e = 0 and a ≠ 0). */
  maxRel: number;
  /** Largest distance in f32 units in the last place over the finite elements. */
  maxUlp: number;
  /** Worst |a − e| / bound; ≤ 1 passes. Infinity for a non-finite mismatch. */
  ratio: number;
  /** Index of the worst ratio, or -1 when there are no elements. */
  worstIndex: number;
  /** The actual value at {@link CloseVerdict.worstIndex}. */
  worstActual: number;
  /** The expected value at {@link CloseVerdict.worstIndex}. */
  worstExpected: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Distance in f32 units in the last place between two numbers, after rounding both to f32. */
export function ulpDistance(a: number, b: number): number {
  f32[0] = a;
  let ia = u32[0]!;
  f32[0] = b;
  let ib = u32[0]!;
  // Map the sign-magnitude bit pattern onto a monotone integer line.
  ia = ia & 0x80000000 ? 0x80000000 - (ia & 0x7fffffff) : ia + 0x80000000;
  ib = ib & 0x80000000 ? 0x80000000 - (ib & 0x7fffffff) : ib + 0x80000000;
  return Math.abs(ia - ib);
}

/** Compares `actual` with `expected` element by element. */
export function checkClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: CloseOptions,
): CloseVerdict {
  if (actual.length !== expected.length) {
    throw new TypeError(
      `Cannot compare arrays of lengths ${actual.length} and ${expected.length}: lengths differ`,
    );
  }
  const rtol = options.rtol ?? 0;
  const v: CloseVerdict = {
    pass: true,
    count: actual.length,
    mismatches: 0,
    maxAbs: 0,
    maxRel: 0,
    maxUlp: 0,
    ratio: 0,
    worstIndex: actual.length > 0 ? 0 : -1,
    worstActual: actual[0] ?? NaN,
    worstExpected: expected[0] ?? NaN,
  };
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    let ratio: number;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      ratio = Number.isNaN(a) && Number.isNaN(e) && options.equalNaN ? 0 : Infinity;
    } else if (!Number.isFinite(a) || !Number.isFinite(e)) {
      ratio = a === e ? 0 : Infinity;
    } else {
      const diff = Math.abs(a - e);
      const atol = typeof options.atol === "number" ? options.atol : options.atol[i]!;
      const bound = atol + rtol * Math.abs(e);
      if (!(bound >= 0 && bound < Infinity)) {
        // An infinite or NaN bound would accept any value: a comparison that cannot fail.
        throw new RangeError(
          `Cannot compare element ${i}: its bound is ${bound}, expected a finite number >= 0`,
        );
      }
      ratio = diff === 0 ? 0 : bound === 0 ? Infinity : diff / bound;
      if (diff > v.maxAbs) v.maxAbs = diff;
      const rel = e === 0 ? (diff === 0 ? 0 : Infinity) : diff / Math.abs(e);
      if (rel > v.maxRel) v.maxRel = rel;
      const ulp = ulpDistance(a, e);
      if (ulp > v.maxUlp) v.maxUlp = ulp;
    }
    if (ratio > 1) v.mismatches++;
    if (ratio > v.ratio) {
      v.ratio = ratio;
      v.worstIndex = i;
      v.worstActual = a;
      v.worstExpected = e;
    }
  }
  v.pass = v.mismatches === 0;
  return v;
}

/** One-line summary of a verdict for reports and assertion messages. */
export function describeClose(v: CloseVerdict): string {
  return `max_abs=${v.maxAbs.toExponential(2)} max_rel=${v.maxRel.toExponential(2)} ` +
    `max_ulp=${v.maxUlp} ratio=${v.ratio.toPrecision(3)} @${v.worstIndex} ` +
    `(got ${v.worstActual}, want ${v.worstExpected}) mismatches=${v.mismatches}/${v.count}`;
}
