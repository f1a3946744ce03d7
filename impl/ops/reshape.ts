/**
 * `reshape`: the same elements in row-major order under a new shape. The
 * result is a copy in its own buffer (tensors never share storage, so each
 * one can be disposed on its own); the copy is exact for any dtype.
 *
 * @example
 * ```ts
 * import { initGpu, reshape, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = reshape(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [3, -1]);
 * deepStrictEqual(y.shape, [3, 2]);
 * deepStrictEqual(Array.from(await y.toArray()), [1, 2, 3, 4, 5, 6]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertLive, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { recordStridedRead } from "./_strided.ts";

/**
 * Resolves a target shape for `size` elements: at most one entry may be -1,
 * standing for whatever size makes the element counts agree.
 *
 * @throws {TypeError} naming both shapes when entries are invalid, more than one
 *   is -1, or the element counts differ.
 */
function resolveShape(
  from: readonly number[],
  to: readonly number[],
  size: number,
): number[] {
  const fail = (why: string): never => {
    throw new TypeError(
      `Cannot reshape a tensor of shape ${formatShape(from)} to ${formatShape(to)}: ${why}`,
    );
  };
  let inferred = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (inferred >= 0) fail("more than one dimension is -1");
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      fail(`dimension ${i} is ${d}; expected an integer >= 0 or a single -1`);
    } else known *= d;
  });
  if (inferred < 0) {
    if (known !== size) fail(`${size} elements cannot fill ${known}`);
    return [...to];
  }
  if (known === 0 || size % known !== 0) {
    fail(`${size} elements do not divide into groups of ${known} to infer the -1`);
  }
  const out = [...to];
  out[inferred] = size / known;
  return out;
}

/**
 * Returns `x`'s elements (row-major) under `shape`; one entry may be -1 and
 * is inferred. The gradient is reshaped back.
 *
 * @throws {TypeError} when the element counts differ or the shape is malformed.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertLive(x, "reshape");
  const target = resolveShape(x.shape, shape, x.size);
  const y = emptyLike(target, x.dtype, "reshape");
  recordStridedRead(x.buffer, y.buffer, [x.size], 0, [1]);
  return recordOp(y, "reshape", [x], (g) => [reshape(g, x.shape)]);
}
