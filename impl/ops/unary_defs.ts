/**
 * The unary elementwise ops' definitions as WGSL expressions (forward in `x`, backward in
 * `x`, `y`, `g`; attributes `p.a0`, `p.a1`), shared by the per-op kernels
 * (impl/ops/unary.ts) and the fused elementwise program
 * (impl/ops/kernels/fused_elementwise.ts), so both evaluate the same formula.
 *
 * @module
 */
import { GELU_INNER } from "./kernels/elementwise.ts";

/** A unary op's definition. */
export interface UnaryDef {
  /**
   * WGSL f32 expression of the output element from the input element `x` (and the
   * op's attributes `p.a0`, `p.a1`, where it has any).
   */
  readonly forward: string;
  /**
   * WGSL expression of the input gradient from `x`, the forward output `y`, the
   * output gradient `g` and the attributes `p.a0`, `p.a1`.
   */
  readonly backward: string;
}

const SIG = "(1.0 / (1.0 + exp(-x)))";

/** Every unary op, by name. */
export const UNARY_OPS = {
  neg: { forward: "-x", backward: "-g" },
  exp: { forward: "exp(x)", backward: "g * y" },
  log: { forward: "log(x)", backward: "g / x" },
  tanh: {
    forward: "select(tanh(clamp(x, -15.0, 15.0)), x, is_nan(x))",
    backward: "g * (1.0 - y * y)",
  },
  sigmoid: { forward: SIG, backward: "g * y * (1.0 - y)" },
  relu: { forward: "select(max(x, 0.0), x, is_nan(x))", backward: "select(0.0, g, x > 0.0)" },
  silu: { forward: `x * ${SIG}`, backward: `g * (${SIG} * (1.0 + x * (1.0 - ${SIG})))` },
  gelu: {
    forward: `0.5 * x * (1.0 + tanh(clamp(${GELU_INNER}, -15.0, 15.0)))`,
    backward: `g * gelu_grad(x)`,
  },
  softplus: { forward: "softplus(x)", backward: `g * ${SIG}` },
  square: { forward: "x * x", backward: "g * 2.0 * x" },
  sqrt: { forward: "sqrt(x)", backward: "g * 0.5 / y" },
  rsqrt: { forward: "inverseSqrt(x)", backward: "g * -0.5 * y * y * y" },
  // Two selects rather than g * sign(x): WGSL leaves sign(NaN) unspecified.
  abs: { forward: "abs(x)", backward: "select(0.0, g, x > 0.0) - select(0.0, g, x < 0.0)" },
  clamp: {
    forward: "select(clamp(x, p.a0, p.a1), x, is_nan(x))",
    backward: "select(0.0, g, x >= p.a0 && x <= p.a1)",
  },
  // The helpers below (sin_r, cos_r, acos_r, acos_grad, elu_neg, pow_s, pow_grad) are in
  // kernels/elementwise.ts with their reasons: argument reduction, domains, special values.
  sin: { forward: "sin_r(x)", backward: "g * cos_r(x)" },
  cos: { forward: "cos_r(x)", backward: "-g * sin_r(x)" },
  acos: { forward: "acos_r(x)", backward: "acos_grad(x, g)" },
  // a0 = negative slope. `x > 0.0` as PyTorch: x = 0 and NaN take the slope.
  leaky_relu: { forward: "select(p.a0 * x, x, x > 0.0)", backward: "select(g * p.a0, g, x > 0.0)" },
  // a0 = alpha. `x <= 0.0` as PyTorch: the gradient at 0 is alpha, NaN takes the identity side.
  elu: {
    forward: "select(x, p.a0 * elu_neg(x), x <= 0.0)",
    backward: "select(g, g * p.a0 * exp(x), x <= 0.0)",
  },
  // a0 = exponent.
  pow: { forward: "pow_s(x, p.a0)", backward: "g * pow_grad(x, p.a0)" },
} as const satisfies Record<string, UnaryDef>;

/** Names of the unary ops. */
export type UnaryOpName = keyof typeof UNARY_OPS;
