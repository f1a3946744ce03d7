/**
 * The binary elementwise ops' definitions as WGSL expressions, shared by the per-op
 * kernels (impl/ops/binary.ts) and the fused elementwise program
 * (impl/ops/kernels/fused_elementwise.ts), so both evaluate the same formula.
 *
 * @module
 */

/** A binary op: forward in `a`, `b`; gradient expressions in `a`, `b`, `g`. */
export interface BinaryDef {
  /** WGSL f32 expression of the output element from the operand elements `a` and `b`. */
  readonly forward: string;
  /**
   * WGSL expression of the gradient in `a` at one output position, from `a`, `b` and the
   * output gradient `g`; broadcast positions are summed back to a's shape afterwards.
   */
  readonly gradA: string;
  /** The gradient in `b`, as {@link BinaryDef.gradA} is in `a`. */
  readonly gradB: string;
}

/** Every binary op, by name. */
export const BINARY_OPS = {
  add: { forward: "a + b", gradA: "g", gradB: "g" },
  sub: { forward: "a - b", gradA: "g", gradB: "-g" },
  mul: { forward: "a * b", gradA: "g * b", gradB: "g * a" },
  div: { forward: "a / b", gradA: "g / b", gradB: "-g * a / (b * b)" },
  // PyTorch 1.13 (derivatives.yaml): where(a == b, g / 2, g), zeroed where the operand
  // lost. NaN: the output is NaN (WGSL's max/min may return the other operand, so it is
  // selected back) and, as every comparison is false, both operands get the full g.
  maximum: {
    forward: "select(select(max(a, b), b, is_nan(b)), a, is_nan(a))",
    gradA: "select(select(g, 0.5 * g, a == b), 0.0, a < b)",
    gradB: "select(select(g, 0.5 * g, a == b), 0.0, a > b)",
  },
  minimum: {
    forward: "select(select(min(a, b), b, is_nan(b)), a, is_nan(a))",
    gradA: "select(select(g, 0.5 * g, a == b), 0.0, a > b)",
    gradB: "select(select(g, 0.5 * g, a == b), 0.0, a < b)",
  },
} as const satisfies Record<string, BinaryDef>;

/** Names of the binary ops. */
export type BinaryOpName = keyof typeof BINARY_OPS;
