/**
 * Per-element bounds of the GPU cosine scan (impl/ams/direction_tree/kernels/cosine_scan.ts),
 * replaying its f32 operations with the suite's running error analysis: s = Σ q_l·x_l, qq, dd
 * summed in order l (paths of length d), then s / (sqrt(qq)·sqrt(dd)).
 *
 * @module
 */
import { track, trackSumOf } from "../../../invariants/tolerance.ts";

/** The f64 cosine of the f32 inputs and the bound on the kernel's error. */
export function scanBound(q: Float32Array, x: Float32Array): { v: number; e: number } {
  const d = q.length;
  let s = 0;
  let sAbs = 0;
  let qq = 0;
  let dd = 0;
  let eTerms = 0;
  for (let l = 0; l < d; l++) {
    const p = track.mul(track.input(q[l]!), track.input(x[l]!));
    s += p.v;
    sAbs += Math.abs(p.v) + p.e;
    eTerms += p.e;
    qq += q[l]! * q[l]!;
    dd += x[l]! * x[l]!;
  }
  const dotT = trackSumOf(s, eTerms, sAbs, d);
  const qqT = track.sumOfPositive(qq, d + 1, d);
  const ddT = track.sumOfPositive(dd, d + 1, d);
  const den = track.mul(track.sqrt(qqT), track.sqrt(ddT));
  return track.div(dotT, den);
}

/**
 * The recall of the brute-force best in the tree's top 3 that the original reports (5 seeds,
 * uniform unit dirns in S^15, beam 5), by `${n}/${σ}`.
 */
export const ORIGINAL_RECALL: Readonly<Record<string, number>> = {
  "50/0": 1,
  "200/0": 0.995,
  "1000/0": 0.96,
  "50/0.3": 0.944,
  "200/0.3": 0.735,
  "1000/0.3": 0.455,
};

/** The bound on memspec's recall at one setting, derived from the reference and the original. */
export interface RecallBound {
  /** The reference's pooled recall. */
  reference: number;
  /** Standard error of (a `seeds`-seed mean − the reference's mean). */
  se: number;
  /** 3·se: the sampling allowance. */
  allowance: number;
  /** The original's figure. */
  original: number;
  /** (original − reference) / se; 0 where both are equal (and se may be 0). */
  originalZ: number;
  /** Whether the original's figure lies within the allowance of the reference. */
  reproduced: boolean;
  /** Whether the original's figure also bounds memspec (it does not exceed the reference). */
  originalBinds: boolean;
  /** max(reference − allowance, original where it binds). */
  bound: number;
}

/**
 * The lower bound on memspec's pooled recall over `seeds` seeds: the reference's pooled recall
 * over its own seeds minus 3 standard errors of the difference of the two seed means, the
 * per-seed standard deviation s taken from the reference's seeds (queries of one tree share it,
 * so they are not independent and a binomial count would understate the spread):
 * se = s·√(1/seeds + 1/referenceSeeds). Where the original's figure does not exceed the
 * reference's recall the algorithm reaches it, and it bounds memspec too.
 *
 * @example
 * ```ts
 * import { recallBound } from "./_bounds.ts";
 * const b = recallBound({ recall: 0.9, seedSd: 0.02, seeds: 20 }, 5, 0.88);
 * if (Math.abs(b.bound - 0.88) > 1e-12) throw new Error("the original binds");
 * ```
 */
export function recallBound(
  ref: { recall: number; seedSd: number; seeds: number },
  seeds: number,
  original: number,
): RecallBound {
  const se = ref.seedSd * Math.sqrt(1 / seeds + 1 / ref.seeds);
  const allowance = 3 * se;
  const diff = original - ref.recall;
  const originalZ = diff === 0 ? 0 : diff / se;
  const originalBinds = original <= ref.recall;
  return {
    reference: ref.recall,
    se,
    allowance,
    original,
    originalZ,
    reproduced: Math.abs(diff) <= allowance,
    originalBinds,
    bound: Math.max(ref.recall - allowance, originalBinds ? original : -Infinity),
  };
}
