/**
 * Unary elementwise ops with their backward, each a WGSL expression pair:
 * `forward` in terms of `x` (and attributes `p.a0`, `p.a1`), `backward` in
 * terms of `x`, `y` (the forward output) and `g` (the output gradient).
 *
 * Numerical choices (each covered by the spec's error bound):
 * - `tanh` clamps its argument to [-15, 15]: exact in f32 (tanh(15) rounds to
 *   1) and it keeps exp-based builtins from overflowing to NaN.
 * - `gelu` is the tanh approximation (PyTorch `approximate="tanh"`); WGSL has no erf.
 * - `softplus` is max(x, 0) + log(1 + exp(−|x|)), switching to the series
 *   e − e²/2 once e = exp(−|x|) < 2⁻¹² so tiny results keep their relative accuracy.
 * - `sqrt` and `rsqrt` are WGSL's `sqrt` and `inverseSqrt`.
 *
 * ## Non-finite policy
 *
 * WGSL guarantees nothing here: implementations may assume no overflow, NaN or
 * infinity occurs (WGSL §15.7.2, "finite math assumption"), may flush
 * subnormals to zero and may ignore the sign of zero. memspec's policy is the
 * IEEE-754 evaluation of each op's formula, as PyTorch gives it, with NaN
 * propagated deliberately where `max`/`clamp` would return the other operand
 * (relu, clamp, tanh test the bit pattern with `is_nan`). Claim
 * `ops.api.property_nonfinite_policy` checks every entry below on the adapter in
 * use; on an adapter that exploits the finite-math assumption it may fail.
 * Entries are `forward / gradient` for an output gradient g = 1; zeros are
 * unsigned (±0 both satisfy 0); clamp's row is for lo ≤ hi.
 *
 * | op       | NaN       | +∞       | −∞        | 0           | out of domain, extreme |
 * | -------- | --------- | -------- | --------- | ----------- | ---------------------- |
 * | neg      | NaN / −1  | −∞ / −1  | +∞ / −1   | 0 / −1      | —                      |
 * | exp      | NaN / NaN | +∞ / +∞  | 0 / 0     | 1 / 1       | 100: +∞ / +∞           |
 * | log      | NaN / NaN | +∞ / 0   | NaN / 0   | −∞ / +∞     | −1: NaN / −1           |
 * | tanh     | NaN / NaN | 1 / 0    | −1 / 0    | 0 / 1       | 100: 1 / 0             |
 * | sigmoid  | NaN / NaN | 1 / 0    | 0 / 0     | 0.5 / 0.25  | −100: 0 / 0            |
 * | relu     | NaN / 0   | +∞ / 1   | 0 / 0     | 0 / 0       | —                      |
 * | silu     | NaN / NaN | +∞ / NaN | NaN / NaN | 0 / 0.5     | −100: 0 / 0            |
 * | gelu     | NaN / NaN | +∞ / NaN | NaN / NaN | 0 / 0.5     | −100: 0 / 0            |
 * | softplus | NaN / NaN | +∞ / 1   | 0 / 0     | log 2 / 0.5 | 100: 100 / 1           |
 * | square   | NaN / NaN | +∞ / +∞  | +∞ / −∞   | 0 / 0       | 1e20: +∞ / 2e20        |
 * | sqrt     | NaN / NaN | +∞ / 0   | NaN / NaN | 0 / +∞      | −1: NaN / NaN          |
 * | rsqrt    | NaN / NaN | 0 / 0    | NaN / NaN | +∞ / −∞     | −1: NaN / NaN          |
 * | abs      | NaN / 0   | +∞ / 1   | +∞ / −1   | 0 / 0       | —                      |
 * | clamp    | NaN / 0   | hi / 0   | lo / 0    | clamp(0) / 1 if lo ≤ 0 ≤ hi, else 0 | — |
 * | sin      | NaN / NaN | NaN / NaN | NaN / NaN | 0 / 1      | —                      |
 * | cos      | NaN / NaN | NaN / NaN | NaN / NaN | 1 / 0      | —                      |
 * | acos     | NaN / NaN | NaN / NaN | NaN / NaN | π/2 / −1   | 1: 0 / −∞; −1: π / −∞; 2: NaN / NaN |
 * | leaky_relu (s) | NaN / s | +∞ / 1 | −∞ / s   | 0 / s       | —                      |
 * | elu (α)  | NaN / 1   | +∞ / 1   | −α / 0    | 0 / α       | −100: −α / 0           |
 * | pow (p = 0.5) | NaN / NaN | +∞ / 0 | NaN / NaN | 0 / +∞   | −1: NaN / NaN; 4: 2 / 0.25 |
 *
 * sin, cos and acos return NaN by a bit-pattern test, not by WGSL's builtins (which may
 * assume finite arguments); pow's zero, infinite and negative bases are selected the same
 * way (x⁰ = 1 for every x, NaN included, as PyTorch). The finite sin, cos and acos(0)
 * entries hold only within their WGSL bounds (2⁻¹¹ absolute; atan2's 4096 ULP).
 * exp(100) and square(1e20) overflow; sigmoid(−100) has exp(100) = +∞ inside
 * and still returns 0; tanh and gelu saturate through their clamp.
 * The NaNs of silu and gelu at ±∞ come from a 0·∞ inside their formulas
 * (PyTorch evaluates the same formulas). Masks (relu, abs, clamp) give 0 at
 * NaN: their comparisons are false for NaN. Not covered by the policy,
 * because WGSL leaves them to the adapter: subnormal inputs and outputs (may
 * be flushed; llvmpipe keeps them, but its `log` of a subnormal x returns
 * log(2⁻¹²⁷ + x/2), from −88.03 to −87.3: it decodes the bits as a normal
 * number, so it is neither flushed nor accurate) and the sign of zero results.
 *
 * @example
 * ```ts
 * import { exp, initGpu, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const y = exp(tensor([0, 1], [2]));
 * const v = await y.toArray();
 * ok(v[0] === 1 && Math.abs(v[1]! - Math.E) < 1e-6);
 * ```
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, outputLike, type Tensor } from "../tensor.ts";
import { ELEMENTWISE_WORKGROUP, UNARY_MAP } from "./kernels/elementwise.ts";
import { UNARY_OPS, type UnaryDef, type UnaryOpName } from "./unary_defs.ts";
import { fuseUnary } from "./fused_elementwise.ts";

export { UNARY_OPS, type UnaryDef, type UnaryOpName } from "./unary_defs.ts";

/**
 * Records one unary map over `n` elements: forward `{xs, out}`, backward
 * `{xs, ys, gs, out}` by binding name.
 */
function run(
  expr: string,
  withGrad: boolean,
  buffers: Readonly<Record<string, GPUBuffer>>,
  n: number,
  attrs: [number, number],
) {
  dispatch(UNARY_MAP[withGrad ? "backward" : "forward"], {
    sizes: { expr },
    uniforms: { n, a0: attrs[0], a1: attrs[1] },
    buffers,
    workgroups: Math.ceil(n / ELEMENTWISE_WORKGROUP),
  });
}

/** Applies the unary op `name` to `x`. Attributes: clamp's [lo, hi], leaky_relu's slope, elu's alpha, pow's exponent. */
export function unary(name: UnaryOpName, x: Tensor, attrs: [number, number] = [0, 0]): Tensor {
  assertDType(x, "f32", name);
  const def: UnaryDef = UNARY_OPS[name];
  const y = outputLike(x.shape, "f32", name);
  // Held in the open run of fused elementwise ops when it is small enough.
  if (!fuseUnary(name, x.buffer, y.buffer, x.size, attrs)) {
    run(def.forward, false, { xs: x.buffer, out: y.buffer }, x.size, attrs);
  }
  return recordOp(y, name, [x], (g) => {
    const gx = outputLike(x.shape, "f32", `${name} grad`);
    run(
      def.backward,
      true,
      { xs: x.buffer, ys: y.buffer, gs: g.buffer, out: gx.buffer },
      x.size,
      attrs,
    );
    return [gx];
  });
}

/** −x */
export function neg(x: Tensor): Tensor {
  return unary("neg", x);
}
/** eˣ */
export function exp(x: Tensor): Tensor {
  return unary("exp", x);
}
/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return unary("log", x);
}
/** Hyperbolic tangent; exactly ±1 once |x| ≥ 15 (argument clamped, NaN propagated). */
export function tanh(x: Tensor): Tensor {
  return unary("tanh", x);
}
/** Logistic sigmoid 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return unary("sigmoid", x);
}
/** max(x, 0); NaN stays NaN; gradient 0 at x = 0 (and at NaN). */
export function relu(x: Tensor): Tensor {
  return unary("relu", x);
}
/** x · sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return unary("silu", x);
}
/** GELU, tanh approximation (PyTorch `approximate="tanh"`). */
export function gelu(x: Tensor): Tensor {
  return unary("gelu", x);
}
/** log(1 + eˣ), computed stably. */
export function softplus(x: Tensor): Tensor {
  return unary("softplus", x);
}
/** x². */
export function square(x: Tensor): Tensor {
  return unary("square", x);
}
/** √x. */
export function sqrt(x: Tensor): Tensor {
  return unary("sqrt", x);
}
/** 1/√x. */
export function rsqrt(x: Tensor): Tensor {
  return unary("rsqrt", x);
}
/** |x|; gradient sign(x), 0 at 0 (and at NaN). */
export function abs(x: Tensor): Tensor {
  return unary("abs", x);
}

/**
 * Clamps to [lo, hi]; the gradient passes where lo ≤ x ≤ hi (as PyTorch).
 *
 * @throws {RangeError} when lo > hi or either bound is NaN.
 */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) {
    throw new RangeError(`Cannot clamp to [${lo}, ${hi}]: expected lo <= hi`);
  }
  return unary("clamp", x, [lo, hi]);
}

/**
 * Throws unless `v` is finite as an f32 (attributes reach the kernel as f32 uniforms, so a
 * finite f64 beyond f32's range would arrive as ±∞).
 */
function assertFiniteAttribute(op: string, what: string, v: number): void {
  if (!Number.isFinite(Math.fround(v))) {
    throw new RangeError(
      `Cannot apply ${op}: expected a finite ${what} within f32's range but got ${v}`,
    );
  }
}

/**
 * sin x (PyTorch `torch.sin`), for Fourier features. The kernel reduces the argument by
 * multiples of π before WGSL's `sin`, whose 2⁻¹¹ absolute error holds on [−π, π] only: the
 * error is about 2⁻¹¹ + 2u·|x| (u = 2⁻²⁴), so it stays useful for |x| up to ~10⁴ and grows
 * with |x| beyond (claim `ops.sin.gpu_parity` derives it per element). NaN and ±∞ give NaN.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { sin } from "./unary.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = await sin(tensor([0, Math.PI / 2, 100], [3])).toArray();
 * ok(Math.abs(v[1]! - 1) < 1e-3 && Math.abs(v[2]! - Math.sin(100)) < 1e-3);
 * ```
 */
export function sin(x: Tensor): Tensor {
  return unary("sin", x);
}

/**
 * cos x (PyTorch `torch.cos`), argument-reduced as {@link sin}; gradient −sin x.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { cos } from "./unary.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = await cos(tensor([0, 2 * Math.PI], [2])).toArray();
 * ok(Math.abs(v[0]! - 1) < 1e-3 && Math.abs(v[1]! - 1) < 1e-3);
 * ```
 */
export function cos(x: Tensor): Tensor {
  return unary("cos", x);
}

/**
 * arccos x in [0, π] (PyTorch `torch.acos`), e.g. for slerp's angle; computed as
 * 2·atan2(√(1 − x), √(1 + x)), inside WGSL's atan2 accuracy domain for every |x| < 1.
 * acos(±1) is 0 and π exactly, |x| > 1 gives NaN; the gradient −1/√(1 − x²) is −∞ at ±1.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { acos } from "./unary.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = await acos(tensor([0, 1, -1], [3])).toArray();
 * ok(Math.abs(v[0]! - Math.PI / 2) < 1e-3 && v[1] === 0 && Math.abs(v[2]! - Math.PI) < 1e-6);
 * ```
 */
export function acos(x: Tensor): Tensor {
  return unary("acos", x);
}

/**
 * Leaky ReLU (PyTorch `F.leaky_relu`): x for x > 0, negativeSlope·x otherwise; the gradient
 * is negativeSlope at 0 and at NaN, as PyTorch's. Any finite slope is accepted, negative too
 * (PyTorch accepts them); it reaches the kernel rounded to f32.
 *
 * @throws {RangeError} when negativeSlope is NaN, ±∞ or beyond f32's range.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { leakyRelu } from "./unary.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = await leakyRelu(tensor([-2, 3], [2]), 0.5).toArray();
 * ok(v[0] === -1 && v[1] === 3);
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  assertFiniteAttribute("leaky_relu", "negative slope", negativeSlope);
  return unary("leaky_relu", x, [negativeSlope, 0]);
}

/**
 * ELU (PyTorch `F.elu`): x for x > 0, alpha·(eˣ − 1) otherwise; gradient alpha·eˣ for
 * x ≤ 0 (alpha at 0, as PyTorch), 1 above. Near 0 the kernel uses eˣ − 1's Taylor
 * polynomial, so small negative inputs keep their relative accuracy.
 *
 * @throws {RangeError} when alpha is NaN, ±∞ or beyond f32's range.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { elu } from "./unary.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = await elu(tensor([-1, 2], [2])).toArray();
 * ok(Math.abs(v[0]! - Math.expm1(-1)) < 1e-6 && v[1] === 2);
 * ```
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  assertFiniteAttribute("elu", "alpha", alpha);
  return unary("elu", x, [alpha, 0]);
}

/**
 * x^p for a scalar exponent p (PyTorch `torch.pow(x, p)`), gradient p·x^(p−1) (0 for p = 0).
 *
 * Domain: any finite p (rounded to f32, as every attribute) and x > 0 normal; x < 0 when
 * p is an integer (sign of an odd p); x = 0 and ±∞ exactly (0, 1 or ∞). x < 0 with a
 * non-integer p gives NaN, as PyTorch (PyTorch gives +∞ at x = −∞ for some such p; this
 * gives NaN there). The accuracy is WGSL's `pow`, inherited from exp2(p·log2|x|): about
 * (3 + 2|p·log2 x|) ULP plus |p|·2⁻²¹·ln 2 relative for |x| in [0.5, 2]
 * (claim `ops.pow.gpu_parity` derives it per element); results must stay in f32's range.
 *
 * @throws {RangeError} when p is NaN, ±∞ or beyond f32's range.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { powScalar } from "./unary.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const v = await powScalar(tensor([4, -2, 0], [3]), 3).toArray();
 * ok(Math.abs(v[0]! - 64) < 1e-4 && Math.abs(v[1]! + 8) < 1e-5 && v[2] === 0);
 * ```
 */
export function powScalar(x: Tensor, p: number): Tensor {
  assertFiniteAttribute("pow", "exponent", p);
  return unary("pow", x, [p, 0]);
}
