/**
 * `smoothL1Loss`: PyTorch's `torch.nn.functional.smooth_l1_loss(input,
 * target, reduction, beta)` (Girshick, "Fast R-CNN", ICCV 2015): with
 * d = input − target, each element's loss is 0.5·d²/β where |d| < β and
 * |d| − 0.5·β elsewhere; β = 0 is the L1 loss |d| (PyTorch 1.13 calls
 * `l1_loss` then), whose gradient sign(d) is 0 at d = 0. At |d| = β both
 * pieces give β/2 and slope sign(d), so the loss is C¹ for β > 0.
 * Reductions: "mean" (default, over every element), "sum" or "none"
 * (elementwise, the input's shape). Both input and target are differentiable
 * (the target's gradient is the negated input gradient).
 *
 * β reaches the kernel as an f32 uniform (rounded to f32). The elementwise
 * loss is one kernel; "sum" and "mean" reduce it with the segmented sum of
 * impl/ops/_reduce.ts (mean scales by f32(1/n), as `mean` does).
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { smoothL1Loss } from "./smooth_l1_loss.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([0, 0.5, 3], [3]);
 * const t = tensor([0, 0, 0], [3]);
 * // 0, 0.5·0.25/1 = 0.125, 3 − 0.5 = 2.5
 * deepStrictEqual(Array.from(await smoothL1Loss(x, t, { reduction: "none" }).toArray()), [0, 0.125, 2.5]);
 * deepStrictEqual(Array.from(await smoothL1Loss(x, t, { reduction: "sum" }).toArray()), [2.625]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { dispatch } from "../gpu/program.ts";
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { recordReduce } from "./_reduce.ts";
import { sameShape } from "./_shape.ts";
import { SMOOTH_L1, SMOOTH_L1_BACKWARD, SMOOTH_L1_WORKGROUP } from "./kernels/smooth_l1.ts";

/** How {@link smoothL1Loss} reduces the elementwise losses. */
export type LossReduction = "mean" | "sum" | "none";

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1Options {
  /** Where the quadratic piece ends: finite and ≥ 0; default 1 (0 gives the L1 loss). */
  beta?: number;
  /** "mean" (default), "sum" or "none". */
  reduction?: LossReduction;
}

/**
 * Smooth L1 loss of `input` against `target` (same shape, f32), as PyTorch's
 * `F.smooth_l1_loss`. Returns a scalar (shape []) for "mean" and "sum", the
 * elementwise losses for "none".
 *
 * @example β = 0 is the L1 loss; the gradient at |d| = β is sign(d)
 * ```ts
 * import { backward, initGpu, tensor, tidy } from "../mod.ts";
 * import { smoothL1Loss } from "./smooth_l1_loss.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([-2, 1, 0.5, 0], [4], { requiresGrad: true });
 * const t = tensor([0, 0, 0, 0], [4]);
 * deepStrictEqual(Array.from(await smoothL1Loss(x, t, { beta: 0, reduction: "sum" }).toArray()), [3.5]);
 * tidy(() => backward(smoothL1Loss(x, t, { reduction: "sum" })));
 * deepStrictEqual(Array.from(await x.grad!.toArray()), [-1, 1, 0.5, 0]);
 * throws(() => smoothL1Loss(x, t, { beta: NaN }), RangeError);
 * ```
 *
 * @throws {TypeError} when a tensor is not f32, the shapes differ, or the reduction is unknown.
 * @throws {RangeError} when β is negative, NaN or infinite, or "mean" is asked of an empty input
 *   (PyTorch gives NaN).
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: SmoothL1Options = {},
): Tensor {
  assertDType(input, "f32", "smoothL1Loss", "input");
  assertDType(target, "f32", "smoothL1Loss", "target");
  if (!sameShape(input.shape, target.shape)) {
    throw new TypeError(
      `Cannot smoothL1Loss an input of shape ${formatShape(input.shape)} against a target of ` +
        `shape ${formatShape(target.shape)}: expected equal shapes`,
    );
  }
  const beta = options.beta ?? 1;
  if (typeof beta !== "number" || !Number.isFinite(beta) || beta < 0) {
    throw new RangeError(
      `Cannot smoothL1Loss: expected beta to be a finite number >= 0 but got ${beta}`,
    );
  }
  const reduction = options.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new TypeError(
      `Cannot smoothL1Loss: expected reduction "mean", "sum" or "none" but got ` +
        `${JSON.stringify(reduction)}`,
    );
  }
  const n = input.size;
  if (n === 0 && reduction === "mean") {
    // PyTorch returns NaN here; a 1/0 scale would reach WGSL as an infinite uniform.
    throw new RangeError(
      `Cannot smoothL1Loss an empty input of shape ${formatShape(input.shape)} with reduction ` +
        `"mean": expected at least one element`,
    );
  }
  const reduced = reduction !== "none";
  const scale = reduction === "mean" ? Math.fround(1 / n) : 1;
  const workgroups = Math.ceil(n / SMOOTH_L1_WORKGROUP);
  const out = emptyLike(reduced ? [] : input.shape, "f32", "smoothL1Loss");
  const losses = reduced ? createStorageBuffer(n * 4, "smoothL1Loss elementwise") : out.buffer;
  dispatch(SMOOTH_L1, {
    uniforms: { n, beta },
    buffers: { xs: input.buffer, ts: target.buffer, out: losses },
    workgroups,
  });
  if (reduced) {
    recordReduce("sum", losses, out.buffer, { outer: 1, n, inner: 1 }, { scale });
    releaseBuffer(losses);
  }
  return recordOp(out, "smoothL1Loss", [input, target], (g) => {
    const gx = emptyLike(input.shape, "f32", "smoothL1Loss grad input");
    const gt = emptyLike(target.shape, "f32", "smoothL1Loss grad target");
    dispatch(SMOOTH_L1_BACKWARD, {
      sizes: { reduced },
      uniforms: { n, beta, scale },
      buffers: { xs: input.buffer, ts: target.buffer, gs: g.buffer, gx: gx.buffer, gt: gt.buffer },
      workgroups,
    });
    return [gx, gt];
  });
}
