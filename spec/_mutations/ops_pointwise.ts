/**
 * Planted bugs of memspec's ops pointwise building blocks (sin, cos, acos, leaky_relu, elu,
 * pow, maximum, minimum): each a real mistake an implementation could make, and the claims
 * that must catch it. Kernels and hosts (impl/ops), the f64 oracles (spec/oracle) and the
 * attribute validation each get at least one.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const ELEMENTWISE = ["spec/ops/elementwise_test.ts"];
const FAULT = ["spec/ops/fault_test.ts"];
const KERNELS = "impl/ops/kernels/elementwise.ts";

const { planted, claims } = mutationsOf("ops");

/** The planted bugs of this group. */
export const OPS_POINTWISE_MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ forward
  planted("sin", "reduction_parity_dropped", "forward", {
    file: KERNELS,
    find: "return vec2f(r, select(1.0, -1.0, odd));",
    replace: "return vec2f(r, 1.0);",
    tests: ELEMENTWISE,
    filter: claims("sin", "gpu_parity"),
    why: "the argument reduction x = k·π + r forgets the sign (−1)^k: sin and cos are right " +
      "on [−π/2, π/2] and sign-flipped on every other half-period",
  }),
  planted("leaky_relu", "slope_on_positive_side", "forward", {
    file: "impl/ops/unary_defs.ts",
    find: 'forward: "select(p.a0 * x, x, x > 0.0)"',
    replace: 'forward: "select(x, p.a0 * x, x > 0.0)"',
    tests: ELEMENTWISE,
    filter: claims("leaky_relu", "gpu_parity"),
    why: "select's operands swapped (WGSL's select(f, t, cond) takes the false value first): " +
      "the slope scales the positive side and negative inputs pass unchanged",
  }),
  planted("elu", "series_coefficient", "forward", {
    file: KERNELS,
    find: "(1.0 + x * (0.5 + x *",
    replace: "(1.0 + x * (0.25 + x *",
    tests: ELEMENTWISE,
    filter: claims("elu", "gpu_parity"),
    why: "a mistyped Taylor coefficient of e^x − 1 (x²/4 for x²/2) in ELU's small-|x| branch: " +
      "off by ~x²/4, 1e-3 at the switch x = −1/16, invisible for x > 0 or x < −1/16",
  }),
  planted("pow", "odd_sign_dropped", "forward", {
    file: KERNELS,
    find: "return select(r, -r, x < 0.0 && odd);",
    replace: "return r;",
    tests: ELEMENTWISE,
    filter: claims("pow", "gpu_parity"),
    why: "pow computes |x|^p and forgets the sign of an odd integer exponent: (−2)³ = 8",
  }),
  // ------------------------------------------------------------------ backward
  planted("cos", "gradient_sign", "backward", {
    file: "impl/ops/unary_defs.ts",
    find: 'backward: "-g * sin_r(x)"',
    replace: 'backward: "g * sin_r(x)"',
    tests: ELEMENTWISE,
    filter: claims("cos", "gpu_parity"),
    why: "d/dx cos x written as sin x instead of −sin x",
  }),
  planted("acos", "gradient_sign", "backward", {
    file: KERNELS,
    find: "return -g / sqrt((1.0 - x) * (1.0 + x));",
    replace: "return g / sqrt((1.0 - x) * (1.0 + x));",
    tests: ELEMENTWISE,
    filter: claims("acos", "gpu_parity"),
    why: "acos′ = −1/√(1 − x²) with its sign lost (asin's derivative): slerp's angle gradient " +
      "points the wrong way",
  }),
  planted("elu", "gradient_without_alpha", "backward", {
    file: "impl/ops/unary_defs.ts",
    find: '"select(g, g * p.a0 * exp(x), x <= 0.0)"',
    replace: '"select(g, g * exp(x), x <= 0.0)"',
    tests: ELEMENTWISE,
    filter: claims("elu", "gpu_parity"),
    why: "ELU's negative-side derivative written as e^x instead of alpha·e^x: right only for " +
      "alpha = 1, PyTorch's default",
  }),
  planted("pow", "exponent_not_decremented", "backward", {
    file: KERNELS,
    find: "return q * pow_s(x, q - 1.0);",
    replace: "return q * pow_s(x, q);",
    tests: ELEMENTWISE,
    filter: claims("pow", "gpu_parity"),
    why: "d/dx x^p written as p·x^p instead of p·x^(p−1)",
  }),
  planted("maximum", "tie_gradient_not_split", "backward", {
    file: "impl/ops/binary_defs.ts",
    find: 'gradA: "select(select(g, 0.5 * g, a == b), 0.0, a < b)"',
    replace: 'gradA: "select(g, 0.0, a < b)"',
    tests: ELEMENTWISE,
    filter: claims("maximum", "gpu_parity"),
    why: "at a tie maximum passes the whole gradient to its first operand (and half to the " +
      "second) instead of PyTorch 1.13's equal split: the gradients sum to 1.5·g",
  }),
  // ------------------------------------------------------------------ oracle
  planted("maximum", "oracle_tie_unsplit", "oracle", {
    file: "spec/oracle/elementwise.ts",
    find: "return lost ? 0 : tie ? 0.5 : 1;",
    replace: "return lost ? 0 : 1;",
    tests: ELEMENTWISE,
    filter: claims("maximum", "gpu_parity"),
    why: "the oracle of maximum and minimum gives both tied operands the full gradient (a " +
      "subgradient, but not PyTorch's): the GPU's split no longer matches it",
  }),
  planted("elu", "oracle_gradient_at_zero", "oracle", {
    file: "spec/oracle/elementwise.ts",
    find: '(x, a) => (x > 0 ? 1 : attr(a, "alpha") * Math.exp(x)),',
    replace: '(x, a) => (x >= 0 ? 1 : attr(a, "alpha") * Math.exp(x)),',
    tests: ELEMENTWISE,
    filter: claims("elu", "gpu_parity"),
    why: "the ELU oracle takes the gradient at x = 0 from the positive side (1) where PyTorch " +
      "takes alpha·e⁰ = alpha: differs only at 0 with alpha ≠ 1",
  }),
  // ------------------------------------------------------------------ fault
  planted("leaky_relu", "slope_unchecked", "fault", {
    file: "impl/ops/unary.ts",
    find: 'assertFiniteAttribute("leaky_relu", "negative slope", negativeSlope);\n',
    replace: "",
    tests: FAULT,
    filter: "ops.api.fault_pointwise_attribute",
    why: "leakyRelu's slope check removed: a NaN slope runs and turns every negative input " +
      "(and its gradient) into NaN instead of throwing",
  }),
  planted("pow", "exponent_unchecked", "fault", {
    file: "impl/ops/unary.ts",
    find: 'assertFiniteAttribute("pow", "exponent", p);\n',
    replace: "",
    tests: FAULT,
    filter: "ops.api.fault_pointwise_attribute",
    why: "powScalar's exponent check removed: a NaN exponent runs instead of throwing",
  }),
];
