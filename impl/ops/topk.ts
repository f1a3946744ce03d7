/**
 * `argmax` and `topk` along one axis. Both order a row by "larger value
 * first, ties to the lower index": `argmax` returns the index of the first
 * maximum (PyTorch `torch.argmax` documents the same rule for its CPU and
 * CUDA kernels), and `topk` returns the k first elements in that order, sorted
 * descending, with their indices. PyTorch's `torch.topk` leaves the order of
 * tied elements unspecified; memspec specifies the lower index first.
 *
 * argmax reuses the max reduction's first-maximum passes (impl/ops/_reduce.ts,
 * any row length); topk runs k rounds of a segmented parallel argmax
 * (impl/ops/kernels/topk.ts, which says why rather than a sort). Indices are
 * i32 tensors and carry no gradient; topk's values are differentiable, the
 * gradient scattered back to the selected positions (0 elsewhere).
 * NaN inputs give unspecified results (WGSL's finite-math assumption).
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { argmax, topk } from "./topk.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 5, 5, 2, 9, 0], [2, 3]);
 * deepStrictEqual(Array.from(await argmax(x, 1).toArray()), [1, 1]);
 * const { values, indices } = topk(x, 2, 1);
 * deepStrictEqual(Array.from(await values.toArray()), [5, 5, 9, 2]);
 * deepStrictEqual(Array.from(await indices.toArray()), [1, 2, 1, 0]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { dispatch } from "../gpu/program.ts";
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { recordReduce } from "./_reduce.ts";
import { normaliseAxis } from "./_shape.ts";
import { MAX_ROW, REDUCE_WORKGROUP, rowLanes, segmentWorkgroups } from "./kernels/reduce.ts";
import { TOPK, TOPK_SCATTER } from "./kernels/topk.ts";

/** [outer, n, inner] around axis `a`. */
function geometry(shape: readonly number[], a: number) {
  return {
    outer: shape.slice(0, a).reduce((p, d) => p * d, 1),
    n: shape[a]!,
    inner: shape.slice(a + 1).reduce((p, d) => p * d, 1),
  };
}

/**
 * Index of the first maximum of `x` along `axis` (negative counts from the
 * end), as an i32 tensor without that axis (kept as size 1 with `keepDims`).
 * Not differentiable: the result never requires a gradient.
 *
 * @example Ties go to the lower index
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { argmax } from "./topk.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const i = argmax(tensor([3, 7, 7, 1, 0, 4], [3, 2]), 0, true);
 * deepStrictEqual(i.shape, [1, 2]);
 * deepStrictEqual(Array.from(await i.toArray()), [1, 0]);
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is not an integer in [−rank, rank) or the axis has size 0.
 */
export function argmax(x: Tensor, axis: number, keepDims = false): Tensor {
  assertDType(x, "f32", "argmax");
  const a = normaliseAxis("argmax", axis, x.rank);
  const geo = geometry(x.shape, a);
  if (geo.n === 0) {
    throw new RangeError(
      `Cannot argmax a tensor of shape ${formatShape(x.shape)} along axis ${axis}: expected a ` +
        `non-empty axis but got size 0`,
    );
  }
  const outShape = keepDims
    ? x.shape.map((d, i) => (i === a ? 1 : d))
    : x.shape.filter((_, i) => i !== a);
  const out = emptyLike(outShape, "i32", "argmax");
  const values = createStorageBuffer(geo.outer * geo.inner * 4, "argmax values");
  recordReduce("max", x.buffer, values, geo, { argOut: out.buffer });
  releaseBuffer(values);
  return out;
}

/** The result of {@link topk}. */
export interface TopkResult {
  /** The k largest values along the axis, descending (f32, differentiable). */
  values: Tensor;
  /** Their indices along the axis (i32), ties to the lower index. */
  indices: Tensor;
}

/**
 * The `k` largest elements of `x` along `axis` (default the last), sorted
 * descending, and their indices; among equal values the lower index comes
 * first. Both outputs have `x`'s shape with the axis replaced by k. The
 * gradient of `values` goes to the selected positions of `x`; its backward
 * reads `indices`, so keep `indices` alive until `backward()` has run (as
 * inside the `tidy` that built the graph).
 *
 * @example Top-2 with a gradient
 * ```ts
 * import { backward, initGpu, sum, tensor, tidy } from "../mod.ts";
 * import { topk } from "./topk.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([0.5, 3, -1, 2], [4], { requiresGrad: true });
 * tidy(() => backward(sum(topk(x, 2).values)));
 * deepStrictEqual(Array.from(await x.grad!.toArray()), [0, 1, 0, 1]);
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is out of range, k is not an integer in
 *   [1, n] for the axis size n, or the axis exceeds 524,288 elements.
 */
export function topk(x: Tensor, k: number, axis = -1): TopkResult {
  assertDType(x, "f32", "topk");
  const a = normaliseAxis("topk", axis, x.rank);
  const geo = geometry(x.shape, a);
  if (!Number.isInteger(k) || k < 1 || k > geo.n) {
    throw new RangeError(
      `Cannot topk a tensor of shape ${formatShape(x.shape)} along axis ${axis}: expected k to ` +
        `be an integer in [1, ${geo.n}] but got ${k}`,
    );
  }
  if (geo.n > MAX_ROW) {
    throw new RangeError(
      `Cannot topk a tensor of shape ${formatShape(x.shape)} along axis ${axis}: ${geo.n} ` +
        `elements exceed the row limit of ${MAX_ROW}`,
    );
  }
  const outShape = x.shape.map((d, i) => (i === a ? k : d));
  const values = emptyLike(outShape, "f32", "topk values");
  const indices = emptyLike(outShape, "i32", "topk indices");
  const rows = geo.outer * geo.inner;
  const lanes = rowLanes(rows, geo.n);
  dispatch(TOPK, {
    sizes: {
      oneLane: lanes === 1,
      // Rounded up to a multiple of 64: the sizes key (and the WGSL cache) stays small.
      laneCap: Math.ceil(Math.ceil(geo.n / lanes) / 64) * 64,
    },
    uniforms: { rows, n: geo.n, inner: geo.inner, lanes, k },
    buffers: { xs: x.buffer, vals: values.buffer, idx_out: indices.buffer },
    workgroups: segmentWorkgroups(rows, lanes),
    steps: k,
  });
  recordOp(values, "topk", [x], (g) => {
    const gx = emptyLike(x.shape, "f32", "topk grad");
    dispatch(TOPK_SCATTER, {
      uniforms: { size: values.size, k, n: geo.n, inner: geo.inner },
      buffers: { idx: indices.buffer, gs: g.buffer, gx: gx.buffer },
      workgroups: Math.ceil(values.size / REDUCE_WORKGROUP),
    });
    return [gx];
  });
  return { values, indices };
}
