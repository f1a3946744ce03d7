/**
 * `trilFill`: lower-triangular matrices from their packed entries, as a
 * Cholesky factor or a covariance is often parameterised. The last axis of
 * the input holds n(n+1)/2 entries per matrix, in the row-major order of the
 * lower triangle (the order of PyTorch's `torch.tril_indices(n, n)`:
 * (0,0), (1,0), (1,1), (2,0), …); leading axes are batch axes. Entries above
 * the diagonal are 0. The gradient gathers the output gradient's lower
 * triangle back into the vector (what lies above the diagonal gets none).
 * Values are copied bit for bit (impl/ops/kernels/tril_fill.ts).
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { trilFill } from "./tril_fill.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const l = trilFill(tensor([1, 2, 3, 4, 5, 6], [6]), 3);
 * deepStrictEqual(l.shape, [3, 3]);
 * deepStrictEqual(Array.from(await l.toArray()), [1, 0, 0, 2, 3, 0, 4, 5, 6]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { dispatch } from "../gpu/program.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { TRIL_FILL, TRIL_GATHER, TRIL_WORKGROUP } from "./kernels/tril_fill.ts";

/**
 * Fills [..., n, n] lower-triangular matrices from `vec` of shape
 * [..., n(n+1)/2] (row-major lower triangle, `torch.tril_indices(n, n)`
 * order); zeros above the diagonal. Differentiable in `vec`.
 *
 * @example A batch of two 2×2 factors
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { trilFill } from "./tril_fill.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * await initGpu();
 * const l = trilFill(tensor([1, 2, 3, 4, 5, 6], [2, 3]), 2);
 * deepStrictEqual(l.shape, [2, 2, 2]);
 * deepStrictEqual(Array.from(await l.toArray()), [1, 0, 2, 3, 4, 0, 5, 6]);
 * throws(() => trilFill(tensor([1, 2], [2]), 2), TypeError);
 * ```
 *
 * @throws {TypeError} when `vec` is not f32, has rank 0, or its last axis is not n(n+1)/2.
 * @throws {RangeError} when n is not an integer ≥ 1.
 */
export function trilFill(vec: Tensor, n: number): Tensor {
  assertDType(vec, "f32", "trilFill");
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `Cannot trilFill a vector of shape ${formatShape(vec.shape)}: expected n to be an ` +
        `integer >= 1 but got ${n}`,
    );
  }
  const m = (n * (n + 1)) / 2;
  if (vec.rank === 0 || vec.shape[vec.rank - 1] !== m) {
    throw new TypeError(
      `Cannot trilFill a vector of shape ${formatShape(vec.shape)} with n = ${n}: expected ` +
        `the last axis to hold n(n+1)/2 = ${m} entries but got ${
          vec.rank === 0 ? "a rank-0 tensor" : vec.shape[vec.rank - 1]
        }`,
    );
  }
  const outShape = [...vec.shape.slice(0, -1), n, n];
  const out = emptyLike(outShape, "f32", "trilFill");
  const size = out.size;
  const common = { uniforms: { size, n, m }, workgroups: Math.ceil(size / TRIL_WORKGROUP) };
  dispatch(TRIL_FILL, { ...common, buffers: { vec: vec.buffer, out: out.buffer } });
  return recordOp(out, "trilFill", [vec], (g) => {
    const gv = emptyLike(vec.shape, "f32", "trilFill grad");
    dispatch(TRIL_GATHER, { ...common, buffers: { gs: g.buffer, gv: gv.buffer } });
    return [gv];
  });
}
