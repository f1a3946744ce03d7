/**
 * Running-error replays (the ledger's `track` rules) of the WGSL helpers that
 * several families' kernels share (impl/gpu/wgsl/tanh_sigmoid.ts): `fw_tanh`,
 * `fw_sigmoid`, and a left-to-right sum. Each returns the exact value on the
 * f32 inputs (`v`) and a rigorous bound on the kernel's deviation (`e`).
 *
 * @example
 * ```ts
 * import { trackFwTanh } from "./tracked_wgsl_math.ts";
 * import { track } from "../../invariants/tolerance.ts";
 * import { ok } from "node:assert/strict";
 * const t = trackFwTanh(track.input(0.5));
 * ok(Math.abs(t.v - Math.tanh(0.5)) < 1e-15 && t.e > 0 && t.e < 1e-6);
 * ```
 *
 * @module
 */
import { track, trackBuiltins, type Tracked, trackSum } from "../../invariants/tolerance.ts";

const ONE = track.input(1);
const ZERO: Tracked = { v: 0, e: 0 };

/** `fw_tanh(z)`: e = exp(−2|z|), (1 − e)/(1 + e), sign restored (an exact select). */
export function trackFwTanh(z: Tracked): Tracked {
  const az = { v: Math.abs(z.v), e: z.e };
  const e = trackBuiltins.exp(track.mul(track.input(-2), az));
  const t = track.div(track.sub(ONE, e), track.add(ONE, e));
  return z.v < 0 ? { v: -t.v, e: t.e } : t;
}

/** `fw_sigmoid(z)` = 1/(1 + exp(−clamp(z, −50, 50))), against the equally clipped reference. */
export function trackFwSigmoid(z: Tracked): Tracked {
  const c = { v: Math.min(50, Math.max(-50, z.v)), e: z.e, maxAbs: 50 };
  return track.div(ONE, track.add(ONE, trackBuiltins.exp(trackBuiltins.neg(c))));
}

/** A left-to-right sum `t₀ + t₁ + …` of computed terms: each meets ≤ n − 1 additions. */
export function seqSum(terms: readonly Tracked[]): Tracked {
  return terms.length === 0 ? ZERO : trackSum(terms, terms.length - 1);
}
