/**
 * Softmax and log-softmax along one axis (default the last), computed stably:
 * the row maximum is subtracted before exponentiating, so exp never
 * overflows and log-softmax never takes the log of an underflowed value.
 * One segmented row kernel forward and one backward (impl/ops/kernels/softmax.ts).
 *
 * Gradients use the forward output: softmax's is y ⊙ (g − Σ g·y),
 * log-softmax's g − exp(y)·Σ g. Rows are limited to 524,288 elements (the
 * per-invocation loop budget of software adapters; see impl/ops/kernels/reduce.ts).
 * NaN and ±Inf inputs give unspecified results: WGSL lets the shader compiler
 * assume finite values.
 *
 * @example
 * ```ts
 * import { initGpu, logSoftmax, softmax, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 2, 3, 1000, 1000, 1000], [2, 3]);
 * const p = await softmax(x).toArray();
 * ok(Math.abs(p[0]! - 0.09003057) < 1e-6 && Math.abs(p[5]! - 1 / 3) < 1e-6);
 * const l = await logSoftmax(x).toArray();
 * ok(Math.abs(l[2]! - -0.40760596) < 1e-6 && Number.isFinite(l[3]!));
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { dispatch } from "../gpu/program.ts";
import { MAX_ROW, rowLanes, segmentWorkgroups } from "./kernels/reduce.ts";
import { SOFTMAX, SOFTMAX_BACKWARD } from "./kernels/softmax.ts";
import { normaliseAxis } from "./_shape.ts";

/** A softmax's rows: [outer, n, inner] along n. */
interface SoftmaxGeometry {
  outer: number;
  n: number;
  inner: number;
}

/**
 * Records the forward (`backward` false: `{xs, ys}`) or backward
 * (`{ys, gs, gx}`) of softmax or log-softmax over `geo`.
 */
function recordSoftmax(
  log: boolean,
  backward: boolean,
  buffers: Readonly<Record<string, GPUBuffer>>,
  geo: SoftmaxGeometry,
): void {
  const rows = geo.outer * geo.inner;
  const lanes = rowLanes(rows, geo.n);
  dispatch(backward ? SOFTMAX_BACKWARD : SOFTMAX, {
    sizes: { log, oneLane: lanes === 1 },
    uniforms: { rows, n: geo.n, inner: geo.inner, lanes },
    buffers,
    workgroups: segmentWorkgroups(rows, lanes),
  });
}

function geometry(op: string, x: Tensor, axis: number): SoftmaxGeometry {
  assertDType(x, "f32", op);
  const a = normaliseAxis(op, axis, x.rank);
  const n = x.shape[a]!;
  if (n > MAX_ROW) {
    throw new RangeError(
      `Cannot ${op} a tensor of shape ${formatShape(x.shape)} along axis ${axis}: ` +
        `${n} elements exceed the row limit of ${MAX_ROW}`,
    );
  }
  return {
    outer: x.shape.slice(0, a).reduce((p, d) => p * d, 1),
    n,
    inner: x.shape.slice(a + 1).reduce((p, d) => p * d, 1),
  };
}

function softmaxLike(op: "softmax" | "log_softmax", x: Tensor, axis: number): Tensor {
  const log = op === "log_softmax";
  const geo = geometry(log ? "logSoftmax" : "softmax", x, axis);
  const y = emptyLike(x.shape, "f32", op);
  recordSoftmax(log, false, { xs: x.buffer, ys: y.buffer }, geo);
  return recordOp(y, op, [x], (g) => {
    const gx = emptyLike(x.shape, "f32", `${op} grad`);
    recordSoftmax(log, true, { ys: y.buffer, gs: g.buffer, gx: gx.buffer }, geo);
    return [gx];
  });
}

/**
 * exp(x − max x) / Σ exp(x − max x) along `axis` (negative counts from the end).
 *
 * @example Each row sums to one; the gradient of a constant sum is zero
 * ```ts
 * import { backward, initGpu, softmax, sum, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([0.5, -1, 2, 3, 0, 0], [3, 2], { requiresGrad: true });
 * const y = softmax(x, 0);
 * const cols = await sum(y, 0).toArray();
 * ok(cols.every((c) => Math.abs(c - 1) < 1e-6));
 * backward(sum(y));
 * ok((await x.grad!.toArray()).every((g) => Math.abs(g) < 1e-6));
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is out of range or the axis exceeds 524,288 elements.
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike("softmax", x, axis);
}

/**
 * (x − max x) − log Σ exp(x − max x) along `axis`: the log of {@link softmax},
 * without forming the softmax (so it stays finite where softmax underflows).
 *
 * @example
 * ```ts
 * import { initGpu, logSoftmax, tensor } from "../mod.ts";
 * import { ok, throws } from "node:assert/strict";
 * await initGpu();
 * const y = await logSoftmax(tensor([0, -200], [2])).toArray();
 * ok(Math.abs(y[0]!) < 1e-6 && Math.abs(y[1]! + 200) < 1e-4);
 * throws(() => logSoftmax(tensor([1, 2], [2]), 1), RangeError);
 * ```
 *
 * @throws {TypeError} when `x` is not f32.
 * @throws {RangeError} when `axis` is out of range or the axis exceeds 524,288 elements.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike("log_softmax", x, axis);
}
