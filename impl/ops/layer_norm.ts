/**
 * Layer normalisation over the last axis with an affine transform, as
 * PyTorch's `F.layer_norm(x, [D], gamma, beta, eps)`: biased variance and eps
 * inside the square root,
 * y = (x − μ) / √(σ² + ε) · γ + β with μ, σ² the mean and biased variance of
 * each row of D elements.
 *
 * Recorded as one row kernel forward; backward one row kernel (∂x, and g·x̂)
 * then two sum reductions over the rows (∂γ = Σ g·x̂, ∂β = Σ g) when γ or β
 * needs a gradient. Rows hold at most 524,288 elements (see impl/ops/kernels/reduce.ts).
 *
 * @example
 * ```ts
 * import { initGpu, layerNorm, tensor } from "../mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 2, 3, 4, 10, 10, 10, 10], [2, 4]);
 * const y = await layerNorm(x, tensor([1, 1, 1, 1], [4]), tensor([0, 0, 0, 0.5], [4])).toArray();
 * const z = (1 - 2.5) / Math.sqrt(1.25 + 1e-5);
 * ok(Math.abs(y[0]! - z) < 1e-5 && y[4] === 0 && y[7] === 0.5);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { dispatch } from "../gpu/program.ts";
import { MAX_ROW, rowLanes, segmentWorkgroups } from "./kernels/reduce.ts";
import { LAYER_NORM, LAYER_NORM_BACKWARD } from "./kernels/layer_norm.ts";
import { recordReduce } from "./_reduce.ts";

/**
 * Records the forward (`backward` false: `{xs, gamma, beta, ys}`) or backward
 * (`{xs, gamma, gs, gx, gxh}`) over x [rows, n].
 */
function recordLayerNorm(
  backward: boolean,
  buffers: Readonly<Record<string, GPUBuffer>>,
  rows: number,
  n: number,
  eps: number,
): void {
  const lanes = rowLanes(rows, n);
  dispatch(backward ? LAYER_NORM_BACKWARD : LAYER_NORM, {
    sizes: { oneLane: lanes === 1 },
    uniforms: { rows, n, lanes, eps, inv_n: Math.fround(1 / n) },
    buffers,
    workgroups: segmentWorkgroups(rows, lanes),
  });
}

/**
 * Normalises each row of the last axis of `x` [..., D], then scales by
 * `gamma` [D] and shifts by `beta` [D]. Gradients flow to all three.
 *
 * @example Gradients of x, gamma and beta
 * ```ts
 * import { backward, initGpu, layerNorm, sum, tensor } from "../mod.ts";
 * import { ok, throws } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 3, 2, 6], [2, 2], { requiresGrad: true });
 * const gamma = tensor([2, 2], [2], { requiresGrad: true });
 * const beta = tensor([0, 0], [2], { requiresGrad: true });
 * backward(sum(layerNorm(x, gamma, beta)));
 * ok((await x.grad!.toArray()).every((g) => Math.abs(g) < 1e-5)); // Σ y is constant in x
 * ok(Array.from(await beta.grad!.toArray()).join() === "2,2");
 * throws(() => layerNorm(x, tensor([1, 1, 1], [3]), beta), TypeError);
 * ```
 *
 * @throws {TypeError} when dtypes are not f32, x has rank 0, or gamma/beta are not of shape [D].
 * @throws {RangeError} when D is 0 or exceeds 524,288, or eps is negative or not finite.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  assertDType(x, "f32", "layerNorm", "x");
  assertDType(gamma, "f32", "layerNorm", "gamma");
  assertDType(beta, "f32", "layerNorm", "beta");
  if (x.rank === 0) {
    throw new TypeError(`Cannot layerNorm a tensor of shape []: expected rank >= 1`);
  }
  const n = x.shape[x.rank - 1]!;
  for (const [name, t] of [["gamma", gamma], ["beta", beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== n) {
      throw new TypeError(
        `Cannot layerNorm x of shape ${formatShape(x.shape)} with ${name} of shape ` +
          `${formatShape(t.shape)}: expected ${name} of shape [${n}]`,
      );
    }
  }
  if (n === 0 || n > MAX_ROW) {
    throw new RangeError(
      `Cannot layerNorm x of shape ${formatShape(x.shape)}: the last axis must hold 1 to ` +
        `${MAX_ROW} elements`,
    );
  }
  if (!(Number.isFinite(eps) && eps >= 0)) {
    throw new RangeError(`Cannot layerNorm with eps ${eps}: expected a finite number >= 0`);
  }
  const rows = x.size / n;
  const y = emptyLike(x.shape, "f32", "layerNorm");
  recordLayerNorm(
    false,
    { xs: x.buffer, gamma: gamma.buffer, beta: beta.buffer, ys: y.buffer },
    rows,
    n,
    eps,
  );
  return recordOp(y, "layer_norm", [x, gamma, beta], (g) => {
    const gx = emptyLike(x.shape, "f32", "layerNorm grad x");
    const gxh = emptyLike(x.shape, "f32", "layerNorm g·x̂");
    recordLayerNorm(
      true,
      { xs: x.buffer, gamma: gamma.buffer, gs: g.buffer, gx: gx.buffer, gxh: gxh.buffer },
      rows,
      n,
      eps,
    );
    const columns = { outer: 1, n: rows, inner: n };
    let gGamma: Tensor | null = null;
    let gBeta: Tensor | null = null;
    if (gamma.requiresGrad) {
      gGamma = emptyLike([n], "f32", "layerNorm grad gamma");
      recordReduce("sum", gxh.buffer, gGamma.buffer, columns);
    }
    if (beta.requiresGrad) {
      gBeta = emptyLike([n], "f32", "layerNorm grad beta");
      recordReduce("sum", g.buffer, gBeta.buffer, columns);
    }
    return [x.requiresGrad ? gx : null, gGamma, gBeta];
  });
}
