/**
 * Running-error replays (the ledger's `track` rules) of the WGSL helpers that
 * several families' kernels share (impl/gpu/wgsl/tanh_sigmoid.ts): `fw_tanh`,
 * `fw_sigmoid`, a left-to-right sum, and the GELU op's forward and backward kernels
 * (impl/ops/unary.ts). Each returns the exact value on the
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

const E = { ...track, ...trackBuiltins };
const HALF = E.literal(0.5);
/** √(2/π), 0.044715 and 3·0.044715 as the GELU kernel's f32 literals (impl/ops/unary.ts). */
const GELU_C = E.literal(Math.sqrt(2 / Math.PI));
const GELU_A = E.literal(0.044715);
const GELU_3A = E.literal(3 * 0.044715);

/** The GELU kernel's `tanh(clamp(C * (x + 0.044715 * x * x * x), -15.0, 15.0))`. */
function geluTanh(x: Tracked): Tracked {
  const inner = E.mul(GELU_C, E.add(x, E.mul(E.mul(E.mul(GELU_A, x), x), x)));
  return E.tanh(E.clampArg(inner, -15, 15));
}

/** The GELU op's forward kernel: `0.5 * x * (1.0 + tanh(…))`. */
export function trackGelu(x: Tracked): Tracked {
  return E.mul(E.mul(HALF, x), E.add(ONE, geluTanh(x)));
}

/**
 * The GELU op's backward kernel, `g * gelu_grad(x)` with
 * gelu_grad = 0.5·(1 + t) + 0.5·x·(1 − t·t)·C·(1 + 3·0.044715·x·x).
 */
export function trackGeluBackward(x: Tracked, g: Tracked): Tracked {
  const t = geluTanh(x);
  const du = E.mul(GELU_C, E.add(ONE, E.mul(E.mul(GELU_3A, x), x)));
  const first = E.mul(HALF, E.add(ONE, t));
  const second = E.mul(E.mul(E.mul(HALF, x), E.sub(ONE, E.mul(t, t))), du);
  return E.mul(g, E.add(first, second));
}
