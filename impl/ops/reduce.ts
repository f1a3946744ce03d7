/**
 * Reductions along one axis: {@link sum}, {@link mean}, {@link max}. With the
 * axis omitted they reduce every element to a tensor of shape `[]`. Each op
 * views its input as [outer, n, inner] (n the reduced axis) and records one
 * segmented row kernel (impl/ops/kernels/reduce.ts) forward (several passes for
 * more than 524,288 elements per row) and an elementwise kernel backward.
 *
 * Semantics (PyTorch's, mirrored by spec/oracle/reduce.ts):
 * - `sum` of an empty axis is 0; `mean` and `max` of an empty axis are a RangeError.
 * - `max` sends the whole gradient to the first maximal element along the axis
 *   (lowest index) when several are equal: one subgradient, deterministic, and
 *   the one `torch.max(x, dim)` reports as its index. (`torch.amax` splits the
 *   gradient evenly between ties instead.)
 * - NaN and ±Inf inputs give unspecified results: WGSL lets the shader
 *   compiler assume finite values.
 *
 * @example
 * ```ts
 * import { initGpu, max, mean, sum, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 5, 3, 4, 2, 6], [2, 3]);
 * deepStrictEqual(Array.from(await sum(x, 1).toArray()), [9, 12]);
 * deepStrictEqual(Array.from(await mean(x, 0).toArray()), [2.5, 3.5, 4.5]);
 * deepStrictEqual(Array.from(await max(x, -1, true).toArray()), [5, 6]);
 * deepStrictEqual(sum(x).shape, []);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import type { RowGeometry } from "./kernels/reduce.ts";
import { recordReduce, recordReduceBackward } from "./_reduce.ts";
import { normaliseAxis } from "./_shape.ts";

interface Plan {
  geo: RowGeometry;
  outShape: number[];
}

/** Validates and lays out a reduction of `x` along `axis` (all elements when undefined). */
function plan(op: string, x: Tensor, axis: number | undefined, keepDims: boolean): Plan {
  assertDType(x, "f32", op);
  if (axis === undefined) {
    return {
      geo: { outer: 1, n: x.size, inner: 1 },
      outShape: keepDims ? x.shape.map(() => 1) : [],
    };
  }
  const a = normaliseAxis(op, axis, x.rank);
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outShape = keepDims
    ? x.shape.map((d, i) => (i === a ? 1 : d))
    : x.shape.filter((_, i) => i !== a);
  return { geo: { outer, n: x.shape[a]!, inner }, outShape };
}

function assertNonEmpty(op: string, x: Tensor, axis: number | undefined, n: number): void {
  if (n === 0) {
    const where = axis === undefined ? "all elements" : `axis ${axis}`;
    throw new RangeError(
      `Cannot ${op} over ${where} of a tensor of shape ${formatShape(x.shape)}: ` +
        `the reduction is empty`,
    );
  }
}

function sumLike(op: "sum" | "mean", x: Tensor, axis: number | undefined, keepDims: boolean) {
  const { geo, outShape } = plan(op, x, axis, keepDims);
  if (op === "mean") assertNonEmpty(op, x, axis, geo.n);
  // mean multiplies by 1/n rounded to f32: one rounding there, one in the product.
  const scale = op === "mean" ? Math.fround(1 / geo.n) : 1;
  const out = emptyLike(outShape, "f32", op);
  recordReduce("sum", x.buffer, out.buffer, geo, { scale });
  return recordOp(out, op, [x], (g) => {
    const gx = emptyLike(x.shape, "f32", `${op} grad`);
    recordReduceBackward("sum", { g: g.buffer, gx: gx.buffer }, geo, scale);
    return [gx];
  });
}

/**
 * Sum along `axis` (negative counts from the end), or of all elements when
 * `axis` is omitted (shape `[]`, or all ones with `keepDims`).
 *
 * Accuracy: class T3 with the rounding-path length of impl/ops/kernels/reduce.ts
 * (`reducePathLength`): about ceil(n/L) + log₂L for L lanes per row.
 *
 * @example Sum of all elements, with its gradient
 * ```ts
 * import { backward, initGpu, sum, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
 * const s = sum(x);
 * deepStrictEqual(Array.from(await s.toArray()), [10]);
 * backward(s);
 * deepStrictEqual(Array.from(await x.grad!.toArray()), [1, 1, 1, 1]);
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is not an integer in [−rank, rank).
 */
export function sum(x: Tensor, axis?: number, keepDims = false): Tensor {
  return sumLike("sum", x, axis, keepDims);
}

/**
 * Mean along `axis`, or of all elements when `axis` is omitted. Computed as
 * the sum times 1/n rounded to f32.
 *
 * @example
 * ```ts
 * import { initGpu, mean, tensor } from "../mod.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * await initGpu();
 * deepStrictEqual(Array.from(await mean(tensor([1, 2, 3, 6], [2, 2]), 0).toArray()), [2, 4]);
 * throws(() => mean(tensor([], [0, 2]), 0), RangeError);
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is out of range or the reduction is empty.
 */
export function mean(x: Tensor, axis?: number, keepDims = false): Tensor {
  return sumLike("mean", x, axis, keepDims);
}

/**
 * Maximum along `axis`, or of all elements when `axis` is omitted. The
 * gradient goes to the first maximal element (lowest index along the axis);
 * other elements, ties included, get 0.
 *
 * @example The first of two equal maxima takes the gradient
 * ```ts
 * import { backward, initGpu, max, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 7, 7, 2], [4], { requiresGrad: true });
 * const m = max(x, 0);
 * deepStrictEqual(Array.from(await m.toArray()), [7]);
 * backward(m);
 * deepStrictEqual(Array.from(await x.grad!.toArray()), [0, 1, 0, 0]);
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is out of range or the reduction is empty.
 */
export function max(x: Tensor, axis?: number, keepDims = false): Tensor {
  const { geo, outShape } = plan("max", x, axis, keepDims);
  assertNonEmpty("max", x, axis, geo.n);
  const out = emptyLike(outShape, "f32", "max");
  recordReduce("max", x.buffer, out.buffer, geo);
  return recordOp(out, "max", [x], (g) => {
    // Recomputes the argmax (the same passes, so the same index) rather than
    // keeping one alive from the forward.
    const arg = emptyLike(outShape, "i32", "max argmax");
    const values = emptyLike(outShape, "f32", "max values");
    recordReduce("max", x.buffer, values.buffer, geo, { argOut: arg.buffer });
    const gx = emptyLike(x.shape, "f32", "max grad");
    recordReduceBackward("max", { arg: arg.buffer, g: g.buffer, gx: gx.buffer }, geo);
    return [gx];
  });
}
