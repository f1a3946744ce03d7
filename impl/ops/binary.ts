/**
 * Broadcasting binary elementwise ops: add, sub, mul, div, maximum, minimum. Gradients are
 * computed at the broadcast shape (add: g, sub: g and −g, mul: g·b and g·a,
 * div: g / b and −g·a / (b·b), maximum and minimum: g to the larger (smaller) operand,
 * g/2 to each at a tie, as PyTorch), then summed back to each operand's shape by
 * {@link sumToShape}'s sequential loop.
 *
 * ## Non-finite policy
 *
 * As for the unary ops (see impl/ops/unary.ts; WGSL itself guarantees none of
 * it), results are the IEEE-754 evaluation of those formulas, checked by claim
 * `ops.api.property_nonfinite_policy`. Entries are `forward / grad a / grad b` for an
 * output gradient of 1:
 *
 * - add: NaN in either operand → NaN / 1 / 1; (±∞, 1) → ±∞ / 1 / 1;
 *   (0, 0) → 0 / 1 / 1; (+∞, −∞) → NaN / 1 / 1; (3e38, 3e38) overflows → +∞ / 1 / 1.
 * - sub: as add with gradients 1 / −1; (+∞, +∞) → NaN; (3e38, −3e38) → +∞.
 * - mul: (NaN, 1) → NaN / 1 / NaN; (1, NaN) → NaN / NaN / 1; (±∞, 1) → ±∞ / 1 / ±∞;
 *   (0, 0) → 0 / 0 / 0; (0, +∞) → NaN / +∞ / 0; (1e30, 1e30) → +∞ / 1e30 / 1e30.
 * - div: (NaN, 1) → NaN / 1 / NaN; (1, NaN) → NaN / NaN / NaN; (±∞, 1) → ±∞ / 1 / ∓∞;
 *   (0, 1) → 0 / 1 / 0; (1, 0) → +∞ / +∞ / −∞; (0, 0) → NaN / +∞ / NaN;
 *   (1e30, 1e-30) → +∞ / 1e30 / −∞ (b·b underflows to 0).
 *
 * - maximum: NaN in either operand → NaN / 1 / 1; (+∞, 1) → +∞ / 1 / 0; (−∞, 1) → 1 / 0 / 1;
 *   (0, 0) → 0 / 0.5 / 0.5 (a tie splits the gradient); (+∞, +∞) → +∞ / 0.5 / 0.5.
 * - minimum: NaN in either operand → NaN / 1 / 1; (+∞, 1) → 1 / 0 / 1; (−∞, 1) → −∞ / 1 / 0;
 *   (0, 0) → 0 / 0.5 / 0.5; (−∞, −∞) → −∞ / 0.5 / 0.5.
 *
 * The gradients of add and sub do not depend on the operands, so they stay
 * finite even where the output is NaN (as in PyTorch); maximum and minimum pass the
 * whole gradient to both operands at a NaN, as PyTorch 1.13's formula does.
 *
 * @example
 * ```ts
 * import { add, initGpu, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = add(tensor([1, 2, 3, 4], [2, 2]), tensor([10, 20], [2]));
 * deepStrictEqual(Array.from(await y.toArray()), [11, 22, 13, 24]);
 * ```
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, outputLike, type Tensor } from "../tensor.ts";
import { BINARY_CONTIGUOUS, BINARY_MAP, ELEMENTWISE_WORKGROUP } from "./kernels/elementwise.ts";
import { assertMaxRank, broadcastShapes, broadcastStrides, padDims, sameShape } from "./_shape.ts";
import { sumToShape } from "./sum_to_shape.ts";
import { fuseBinary } from "./fused_elementwise.ts";
import { BINARY_OPS, type BinaryDef, type BinaryOpName } from "./binary_defs.ts";

export { BINARY_OPS, type BinaryDef, type BinaryOpName } from "./binary_defs.ts";

function runBinary(
  name: string,
  op: BinaryOpName | null,
  expr: string,
  a: Tensor,
  b: Tensor,
  g: Tensor | null,
  outShape: readonly number[],
): Tensor {
  const out = outputLike(outShape, "f32", name);
  const strided = !(sameShape(a.shape, outShape) && sameShape(b.shape, outShape));
  const n = out.size;
  if (g === null && !strided) {
    // Held in the open run of fused elementwise ops when it is small enough.
    if (op !== null && fuseBinary(op, a.buffer, b.buffer, out.buffer, n)) return out;
    // The common case binds no uniforms: the kernel reads n from the output's binding.
    dispatch(BINARY_CONTIGUOUS, {
      sizes: { expr },
      buffers: { lhs: a.buffer, rhs: b.buffer, out: out.buffer },
      workgroups: Math.ceil(n / ELEMENTWISE_WORKGROUP),
    });
    return out;
  }
  dispatch(BINARY_MAP[g === null ? "forward" : "backward"], {
    sizes: { expr, strided },
    uniforms: {
      n,
      rank: outShape.length,
      shape: padDims(outShape, 1),
      sa: padDims(broadcastStrides(a.shape, outShape)),
      sb: padDims(broadcastStrides(b.shape, outShape)),
    },
    buffers: g === null
      ? { lhs: a.buffer, rhs: b.buffer, out: out.buffer }
      : { lhs: a.buffer, rhs: b.buffer, gs: g.buffer, out: out.buffer },
    workgroups: Math.ceil(n / ELEMENTWISE_WORKGROUP),
  });
  return out;
}

/**
 * Applies the binary op `name` with broadcasting.
 *
 * @throws {TypeError} when shapes do not broadcast, ranks exceed 8, or dtypes are not f32.
 */
export function binary(name: BinaryOpName, a: Tensor, b: Tensor): Tensor {
  assertDType(a, "f32", name, "first input");
  assertDType(b, "f32", name, "second input");
  assertMaxRank(name, a);
  assertMaxRank(name, b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  const def: BinaryDef = BINARY_OPS[name];
  const y = runBinary(name, name, def.forward, a, b, null, shape);
  return recordOp(y, name, [a, b], (g) => {
    const grad = (expr: string, target: Tensor): Tensor => {
      if (expr === "g" && sameShape(target.shape, shape)) return g;
      const full = runBinary(`${name}_backward`, null, expr, a, b, g, shape);
      const reduced = sumToShape(full, target.shape);
      if (reduced !== full) full.dispose();
      return reduced;
    };
    return [
      a.requiresGrad ? grad(def.gradA, a) : null,
      b.requiresGrad ? grad(def.gradB, b) : null,
    ];
  });
}

/** a + b, broadcasting. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary("add", a, b);
}
/** a − b, broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary("sub", a, b);
}
/** a · b, broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary("mul", a, b);
}
/** a / b, broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  return binary("div", a, b);
}

/**
 * Elementwise maximum with broadcasting (PyTorch `torch.maximum`): NaN if either operand is
 * NaN; the gradient goes to the larger operand, half to each at a tie (PyTorch 1.13).
 *
 * @throws {TypeError} when shapes do not broadcast, ranks exceed 8, or dtypes are not f32.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { maximum } from "./binary.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = maximum(tensor([1, 5, 3, 0], [2, 2]), tensor([2, 3], [2]));
 * deepStrictEqual(Array.from(await y.toArray()), [2, 5, 3, 3]);
 * ```
 */
export function maximum(a: Tensor, b: Tensor): Tensor {
  return binary("maximum", a, b);
}

/**
 * Elementwise minimum with broadcasting (PyTorch `torch.minimum`): NaN if either operand is
 * NaN; the gradient goes to the smaller operand, half to each at a tie (PyTorch 1.13).
 *
 * @throws {TypeError} when shapes do not broadcast, ranks exceed 8, or dtypes are not f32.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { minimum } from "./binary.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = minimum(tensor([1, 5, 3, 0], [2, 2]), tensor([2, 3], [2]));
 * deepStrictEqual(Array.from(await y.toArray()), [1, 3, 2, 0]);
 * ```
 */
export function minimum(a: Tensor, b: Tensor): Tensor {
  return binary("minimum", a, b);
}
