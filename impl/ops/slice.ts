/**
 * `slice`: a contiguous box of a tensor, copied (exact for any dtype). The
 * gradient scatters the output gradient into a zero tensor of the input's shape.
 *
 * @example
 * ```ts
 * import { initGpu, slice, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4]);
 * const y = slice(x, [1, 1], [-1, 2]);
 * deepStrictEqual(y.shape, [2, 2]);
 * deepStrictEqual(Array.from(await y.toArray()), [5, 6, 9, 10]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertLive, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { recordStridedRead, recordStridedWrite } from "./_strided.ts";
import { assertMaxRank, stridesOf } from "./_shape.ts";

/**
 * The box of `x` starting at `begin` with extent `size` per axis; a size of -1
 * runs to the end of that axis. Sizes of 0 give an empty tensor.
 *
 * @throws {TypeError} when `begin` or `size` has a length other than x's rank, or the rank exceeds 8.
 * @throws {RangeError} when a begin or size is not an integer or the box leaves the tensor.
 */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  assertLive(x, "slice");
  assertMaxRank("slice", x);
  const what = () =>
    `Cannot slice a tensor of shape ${formatShape(x.shape)} at begin ${formatShape(begin)} ` +
    `with size ${formatShape(size)}`;
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new TypeError(
      `${what()}: begin and size need ${x.rank} entries, got ${begin.length} and ${size.length}`,
    );
  }
  const outShape = x.shape.map((dim, d) => {
    const b = begin[d]!;
    const s = size[d]!;
    if (!Number.isInteger(b) || b < 0 || b > dim) {
      throw new RangeError(`${what()}: begin ${b} of axis ${d} is outside [0, ${dim}]`);
    }
    const extent = s === -1 ? dim - b : s;
    if (!Number.isInteger(extent) || extent < 0 || b + extent > dim) {
      throw new RangeError(
        `${what()}: size ${s} of axis ${d} is not -1 or an integer in [0, ${dim - b}]`,
      );
    }
    return extent;
  });
  const strides = stridesOf(x.shape);
  const base = begin.reduce((acc, b, d) => acc + b * strides[d]!, 0);
  const y = emptyLike(outShape, x.dtype, "slice");
  recordStridedRead(x.buffer, y.buffer, outShape, base, strides);
  return recordOp(y, "slice", [x], (g) => {
    const gx = emptyLike(x.shape, g.dtype, "slice grad");
    recordStridedWrite(g.buffer, gx.buffer, outShape, base, strides);
    return [gx];
  });
}
