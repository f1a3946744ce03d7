/**
 * Unary elementwise ops with their backward, each a WGSL expression pair:
 * `forward` in terms of `x` (and attributes `p.a0`, `p.a1`), `backward` in
 * terms of `x`, `y` (the forward output) and `g` (the output gradient).
 *
 * Numerical choices (each mirrored by the oracle):
 * - `tanh` clamps its argument to [-15, 15]: exact in f32 (tanh(15) rounds to
 *   1) and it keeps exp-based builtins from overflowing to NaN.
 * - `gelu` is the tanh approximation (PyTorch `approximate="tanh"`); WGSL has no erf.
 * - `softplus` is max(x, 0) + log(1 + exp(−|x|)), switching to the series
 *   e − e²/2 once e = exp(−|x|) < 2⁻¹² so tiny results keep their relative accuracy.
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
import { launch } from "../gpu/batch.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, type Tensor } from "../tensor.ts";
import { ELEMENTWISE_WORKGROUP, unaryMapWgsl } from "../kernels/elementwise.ts";

/** A unary op's definition. */
export interface UnaryDef {
  readonly forward: string;
  readonly backward: string;
}

const SIG = "(1.0 / (1.0 + exp(-x)))";
const GELU_C = "0.7978845608028654";
const GELU_INNER = `${GELU_C} * (x + 0.044715 * x * x * x)`;

/** Every unary op, by name. */
export const UNARY_OPS = {
  neg: { forward: "-x", backward: "-g" },
  exp: { forward: "exp(x)", backward: "g * y" },
  log: { forward: "log(x)", backward: "g / x" },
  tanh: { forward: "tanh(clamp(x, -15.0, 15.0))", backward: "g * (1.0 - y * y)" },
  sigmoid: { forward: SIG, backward: "g * y * (1.0 - y)" },
  relu: { forward: "max(x, 0.0)", backward: "select(0.0, g, x > 0.0)" },
  silu: { forward: `x * ${SIG}`, backward: `g * (${SIG} * (1.0 + x * (1.0 - ${SIG})))` },
  gelu: {
    forward: `0.5 * x * (1.0 + tanh(clamp(${GELU_INNER}, -15.0, 15.0)))`,
    backward: `g * gelu_grad(x)`,
  },
  softplus: { forward: "softplus(x)", backward: `g * ${SIG}` },
  square: { forward: "x * x", backward: "g * 2.0 * x" },
  sqrt: { forward: "sqrt(x)", backward: "g * 0.5 / y" },
  rsqrt: { forward: "inverseSqrt(x)", backward: "g * -0.5 * y * y * y" },
  abs: { forward: "abs(x)", backward: "g * sign(x)" },
  clamp: {
    forward: "clamp(x, p.a0, p.a1)",
    backward: "select(0.0, g, x >= p.a0 && x <= p.a1)",
  },
} as const satisfies Record<string, UnaryDef>;

/** Names of the unary ops. */
export type UnaryOpName = keyof typeof UNARY_OPS;

const HELPERS = `
fn softplus(x: f32) -> f32 {
  let e = exp(-abs(x));
  var l: f32;
  if (e < 0.000244140625) { l = e - 0.5 * e * e; } else { l = log(1.0 + e); }
  return max(x, 0.0) + l;
}
fn gelu_grad(x: f32) -> f32 {
  let u = clamp(${GELU_INNER}, -15.0, 15.0);
  let t = tanh(u);
  let du = ${GELU_C} * (1.0 + 3.0 * 0.044715 * x * x);
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
}
`;

function run(
  name: string,
  expr: string,
  withGrad: boolean,
  buffers: GPUBuffer[],
  n: number,
  attrs: [number, number],
) {
  launch({
    name: `${name}${withGrad ? "_backward" : ""}`,
    code: HELPERS + unaryMapWgsl(expr, withGrad),
    uniforms: [n, { f32: attrs[0] }, { f32: attrs[1] }],
    buffers,
    workgroups: Math.ceil(n / ELEMENTWISE_WORKGROUP),
  });
}

/** Applies the unary op `name` to `x`. Attributes are used by `clamp` only. */
export function unary(name: UnaryOpName, x: Tensor, attrs: [number, number] = [0, 0]): Tensor {
  assertDType(x, "f32", name);
  const def: UnaryDef = UNARY_OPS[name];
  const y = emptyLike(x.shape, "f32", name);
  run(name, def.forward, false, [x.buffer, y.buffer], x.size, attrs);
  return recordOp(y, name, [x], (g) => {
    const gx = emptyLike(x.shape, "f32", `${name} grad`);
    run(name, def.backward, true, [x.buffer, y.buffer, g.buffer, gx.buffer], x.size, attrs);
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
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unary("tanh", x);
}
/** Logistic sigmoid 1 / (1 + e⁻ˣ). */
export function sigmoid(x: Tensor): Tensor {
  return unary("sigmoid", x);
}
/** max(x, 0); gradient 0 at x = 0. */
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
/** |x|; gradient sign(x), 0 at 0. */
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
