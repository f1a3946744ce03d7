/**
 * `concat`: tensors joined along one axis, copied (exact for any dtype). The
 * gradient of each input is its slice of the output gradient.
 *
 * @example
 * ```ts
 * import { concat, initGpu, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = concat([tensor([1, 2], [2, 1]), tensor([3, 4, 5, 6], [2, 2])], 1);
 * deepStrictEqual(y.shape, [2, 3]);
 * deepStrictEqual(Array.from(await y.toArray()), [1, 3, 4, 2, 5, 6]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertLive, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { recordStridedRead, recordStridedWrite } from "./_strided.ts";
import { assertMaxRank, normaliseAxis, stridesOf } from "./_shape.ts";

/**
 * Joins `tensors` along `axis` (negative counts from the end). All must share
 * dtype, rank and every dimension but `axis`.
 *
 * @throws {TypeError} when the list is empty, or ranks, dtypes or other dimensions differ.
 * @throws {RangeError} when `axis` is out of range.
 */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  tensors.forEach((t, i) => assertLive(t, "concat", `input ${i}`));
  const first = tensors[0];
  if (first === undefined) {
    throw new TypeError("Cannot concat an empty list of tensors: expected at least one");
  }
  assertMaxRank("concat", first);
  const ax = normaliseAxis("concat", axis, first.rank);
  for (const t of tensors) {
    const pair = `Cannot concat tensors of shapes ${formatShape(first.shape)} and ` +
      `${formatShape(t.shape)} along axis ${axis}`;
    if (t.rank !== first.rank) {
      throw new TypeError(`${pair}: ranks differ (${first.rank} != ${t.rank})`);
    }
    if (t.dtype !== first.dtype) {
      throw new TypeError(`${pair}: dtypes differ (${first.dtype} != ${t.dtype})`);
    }
    t.shape.forEach((d, i) => {
      if (i !== ax && d !== first.shape[i]) {
        throw new TypeError(`${pair}: dimension ${i} differs (${first.shape[i]} != ${d})`);
      }
    });
  }
  const outShape = [...first.shape];
  outShape[ax] = tensors.reduce((acc, t) => acc + t.shape[ax]!, 0);
  const strides = stridesOf(outShape);
  const bases: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    bases.push(offset * strides[ax]!);
    offset += t.shape[ax]!;
  }
  const y = emptyLike(outShape, first.dtype, "concat");
  tensors.forEach((t, k) => {
    recordStridedWrite(t.buffer, y.buffer, t.shape, bases[k]!, strides);
  });
  return recordOp(y, "concat", tensors, (g) =>
    tensors.map((t, k) => {
      if (!t.requiresGrad) return null;
      const gt = emptyLike(t.shape, g.dtype, "concat grad");
      recordStridedRead(g.buffer, gt.buffer, t.shape, bases[k]!, strides);
      return gt;
    }));
}
