/**
 * f64 oracle of the amygdala runtime readout (kent/consciousness:src/agent/api/mod.rs, the
 * design doc's "dot product of current activation with probe vector"): for T token states
 * h [T, H] and a layer's vectors V [C, H], r_{t,c} = Σ_k h_{t,k} V_{c,k}, and its magnitude
 * companion Σ_k |h_{t,k}| |V_{c,k}| (the Σ|terms| of the accumulation bound).
 *
 * @example
 * ```ts
 * import { readoutOracle } from "./readout.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const { r, mag } = readoutOracle([1, -2], [1, 0, 0, 1], 1, 2, 2);
 * deepStrictEqual([Array.from(r), Array.from(mag)], [[1, -2], [1, 2]]);
 * ```
 *
 * @module
 */

/** r = h Vᵀ [T, C] and Σ|h||V| per output, in f64. */
export function readoutOracle(
  h: ArrayLike<number>,
  v: ArrayLike<number>,
  t: number,
  c: number,
  hidden: number,
): { r: Float64Array; mag: Float64Array } {
  if (h.length !== t * hidden || v.length !== c * hidden) {
    throw new TypeError(
      `Cannot compute the readout oracle: expected h of ${t}·${hidden} and V of ${c}·${hidden} ` +
        `values but got ${h.length} and ${v.length}`,
    );
  }
  const r = new Float64Array(t * c);
  const mag = new Float64Array(t * c);
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      let m = 0;
      for (let k = 0; k < hidden; k++) {
        const a = h[i * hidden + k]!;
        const b = v[j * hidden + k]!;
        s += a * b;
        m += Math.abs(a * b);
      }
      r[i * c + j] = s;
      mag[i * c + j] = m;
    }
  }
  return { r, mag };
}
