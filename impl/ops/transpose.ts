/**
 * `transpose`: a general permutation of the axes, materialised as a copy
 * (exact for any dtype). The gradient is the inverse permutation of the
 * output gradient.
 *
 * @example
 * ```ts
 * import { initGpu, tensor, transpose } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3]));
 * deepStrictEqual(y.shape, [3, 2]);
 * deepStrictEqual(Array.from(await y.toArray()), [1, 4, 2, 5, 3, 6]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertLive, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { recordStridedRead } from "./_strided.ts";
import { assertMaxRank, stridesOf } from "./_shape.ts";

/**
 * Permutes the axes of `x`: output axis `d` is input axis `perm[d]`. Without
 * `perm`, the axes are reversed (a matrix transpose for rank 2).
 *
 * @throws {TypeError} when `perm` has a length other than x's rank, or the rank exceeds 8.
 * @throws {RangeError} when `perm` is not a permutation of 0 … rank − 1.
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertLive(x, "transpose");
  assertMaxRank("transpose", x);
  const rank = x.rank;
  const p = perm === undefined ? x.shape.map((_, i) => rank - 1 - i) : [...perm];
  if (p.length !== rank) {
    throw new TypeError(
      `Cannot transpose a tensor of shape ${formatShape(x.shape)} with permutation ` +
        `${formatShape(p)}: expected ${rank} axes, got ${p.length}`,
    );
  }
  const seen = new Set<number>();
  for (const a of p) {
    if (!Number.isInteger(a) || a < 0 || a >= rank || seen.has(a)) {
      throw new RangeError(
        `Cannot transpose a tensor of shape ${formatShape(x.shape)} with permutation ` +
          `${formatShape(p)}: expected each of 0 … ${rank - 1} exactly once`,
      );
    }
    seen.add(a);
  }
  const inStrides = stridesOf(x.shape);
  const outShape = p.map((a) => x.shape[a]!);
  const y = emptyLike(outShape, x.dtype, "transpose");
  recordStridedRead(x.buffer, y.buffer, outShape, 0, p.map((a) => inStrides[a]!));
  return recordOp(y, "transpose", [x], (g) => {
    const inverse = new Array<number>(rank);
    p.forEach((a, d) => (inverse[a] = d));
    return [transpose(g, inverse)];
  });
}
