/**
 * Selection: `where(cond, a, b)` picks a where the condition is true and b
 * elsewhere, with NumPy broadcasting of all three; `maskedFill(x, mask, value)`
 * replaces x where the mask is true. Conditions and masks are f32 or i32
 * tensors, true where nonzero (−0 counts as zero; NaN conditions are not
 * supported). Both ops are exact (values are copied); gradients flow to a and
 * b (summed over broadcast dimensions) or to x, never to the condition.
 *
 * @example
 * ```ts
 * import { initGpu, maskedFill, tensor, where } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const cond = tensor(Int32Array.of(1, 0, 3), [3]);
 * const y = where(cond, tensor([1, 2, 3], [3]), tensor([-1], [1]));
 * deepStrictEqual(Array.from(await y.toArray()), [1, -1, 3]);
 * const z = maskedFill(tensor([1, 2, 3, 4], [2, 2]), tensor([0, 1], [2]), -Infinity);
 * deepStrictEqual(Array.from(await z.toArray()), [1, -Infinity, 3, -Infinity]);
 * ```
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, assertLive, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import {
  type ConditionType,
  MASKED_FILL,
  SELECT_GRAD,
  WHERE_FORWARD,
  WHERE_WORKGROUP,
} from "./kernels/where.ts";
import { assertMaxRank, broadcastShapes, broadcastStrides, padDims, sameShape } from "./_shape.ts";
import { sumToShape } from "./sum_to_shape.ts";

const WG = WHERE_WORKGROUP;

/** The bit pattern of `value` rounded to f32 (the fill kernels move bits, not floats). */
function f32Bits(value: number): number {
  return new Uint32Array(Float32Array.of(value).buffer)[0]!;
}

function conditionType(t: Tensor, op: string, which: string): ConditionType {
  if (t.dtype !== "f32" && t.dtype !== "i32") {
    throw new TypeError(
      `Cannot ${op} with a ${which} of dtype ${t.dtype} (shape ${formatShape(t.shape)}): ` +
        `expected f32 or i32`,
    );
  }
  return t.dtype;
}

/** The gradient reaching a value operand: g where `cond` is `keep`, else 0, at `shape`. */
function selectGrad(
  name: string,
  cond: Tensor,
  g: Tensor,
  keep: boolean,
  shape: readonly number[],
): Tensor {
  const out = emptyLike(shape, "f32", `${name} grad`);
  dispatch(SELECT_GRAD[cond.dtype as ConditionType], {
    uniforms: {
      n: out.size,
      rank: shape.length,
      keep: keep ? 1 : 0,
      shape: padDims(shape, 1),
      sc: padDims(broadcastStrides(cond.shape, shape)),
    },
    buffers: { cond: cond.buffer, gs: g.buffer, out: out.buffer },
    workgroups: Math.ceil(out.size / WG),
  });
  return out;
}

/**
 * `cond ≠ 0 ? a : b` elementwise, broadcasting cond, a and b together.
 *
 * @throws {TypeError} when the shapes do not broadcast, a rank exceeds 8, a
 *   and b are not f32, or cond is neither f32 nor i32.
 */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  assertLive(cond, "where", "condition");
  const t = conditionType(cond, "where", "condition");
  assertDType(a, "f32", "where", "first value");
  assertDType(b, "f32", "where", "second value");
  for (const x of [cond, a, b]) assertMaxRank("where", x);
  let shape: number[];
  try {
    shape = broadcastShapes("where", broadcastShapes("where", cond.shape, a.shape), b.shape);
  } catch {
    throw new TypeError(
      `Cannot where: condition of shape ${formatShape(cond.shape)} and values of shapes ` +
        `${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast together`,
    );
  }
  const y = emptyLike(shape, "f32", "where");
  dispatch(WHERE_FORWARD[t], {
    uniforms: {
      n: y.size,
      rank: shape.length,
      shape: padDims(shape, 1),
      sc: padDims(broadcastStrides(cond.shape, shape)),
      sa: padDims(broadcastStrides(a.shape, shape)),
      sb: padDims(broadcastStrides(b.shape, shape)),
    },
    buffers: { cond: cond.buffer, xa: a.buffer, xb: b.buffer, out: y.buffer },
    workgroups: Math.ceil(y.size / WG),
  });
  return recordOp(y, "where", [cond, a, b], (g) => {
    const grad = (target: Tensor, keep: boolean): Tensor | null => {
      if (!target.requiresGrad) return null;
      const full = selectGrad("where", cond, g, keep, shape);
      const reduced = sumToShape(full, target.shape);
      if (reduced !== full) full.dispose();
      return reduced;
    };
    return [null, grad(a, true), grad(b, false)];
  });
}

/**
 * `x` with `value` wherever `mask` is nonzero. The mask broadcasts to x's
 * shape; the output has x's shape. `value` may be ±Infinity (attention masks).
 *
 * @throws {TypeError} when the mask does not broadcast to x, a rank exceeds 8,
 *   x is not f32, or the mask is neither f32 nor i32.
 * @throws {RangeError} when `value` is NaN.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  assertLive(mask, "maskedFill", "mask");
  const t = conditionType(mask, "maskedFill", "mask");
  assertDType(x, "f32", "maskedFill", "input");
  assertMaxRank("maskedFill", x);
  assertMaxRank("maskedFill", mask);
  const mismatch = () =>
    new TypeError(
      `Cannot maskedFill a tensor of shape ${formatShape(x.shape)} with a mask of shape ` +
        `${formatShape(mask.shape)}: the mask must broadcast to the tensor's shape`,
    );
  let shape: number[];
  try {
    shape = broadcastShapes("maskedFill", mask.shape, x.shape);
  } catch {
    throw mismatch();
  }
  if (!sameShape(shape, x.shape)) throw mismatch();
  if (Number.isNaN(value)) {
    throw new RangeError(`Cannot maskedFill with value NaN: expected a number or ±Infinity`);
  }
  const y = emptyLike(x.shape, "f32", "maskedFill");
  dispatch(MASKED_FILL[t], {
    uniforms: {
      n: y.size,
      rank: x.rank,
      value_bits: f32Bits(value),
      shape: padDims(x.shape, 1),
      sc: padDims(broadcastStrides(mask.shape, x.shape)),
    },
    buffers: { mask: mask.buffer, xs: x.buffer, out: y.buffer },
    workgroups: Math.ceil(y.size / WG),
  });
  return recordOp(y, "maskedFill", [x, mask], (g) => [
    selectGrad("masked_fill", mask, g, false, x.shape),
    null,
  ]);
}
