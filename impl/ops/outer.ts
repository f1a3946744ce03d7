/**
 * Batched outer product: `outer(a [..., m], b [..., n]) → [..., m, n]` with
 * `out[..., i, j] = a[..., i] · b[..., j]` and NumPy broadcasting of the batch
 * dims in front. Gradients are batched matrix-vector products,
 * `da[..., i] = Σ_j g[..., i, j] · b[..., j]` and
 * `db[..., j] = Σ_i g[..., i, j] · a[..., i]`, summed over the batch dims an
 * input was broadcast along.
 *
 * @example
 * ```ts
 * import { initGpu, outer, tensor } from "../mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = outer(tensor([1, 2], [2]), tensor([3, 4, 5], [3]));
 * deepStrictEqual(y.shape, [2, 3]);
 * deepStrictEqual(Array.from(await y.toArray()), [3, 4, 5, 6, 8, 10]);
 * ```
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { recordOp } from "../autograd.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { OUTER_PROGRAMS, OUTER_WORKGROUP, type OuterMode } from "./kernels/outer.ts";
import { assertMaxRank, collapseBatch, type CollapsedBatch, padDims, sameShape } from "./_shape.ts";
import { sumToShape } from "./sum_to_shape.ts";

/**
 * Records one outer kernel into a new tensor of `outShape`. The gradients' sums
 * (over n for grad_a, m for grad_b) are split by the program runner into
 * launches that keep every invocation within the adapter's loop budget.
 */
function runOuter(
  mode: OuterMode,
  first: Tensor,
  second: Tensor,
  vb: CollapsedBatch,
  m: number,
  n: number,
  outShape: readonly number[],
): Tensor {
  const out = emptyLike(outShape, "f32", `outer ${mode}`);
  const total = out.size;
  const brank = vb.bshape.length;
  dispatch(OUTER_PROGRAMS[mode], {
    sizes: { brank },
    uniforms: {
      total,
      m,
      n,
      brank,
      r_begin: 0,
      r_end: 0,
      bshape: padDims(vb.bshape, 1),
      sa: padDims(vb.sa),
      sb: padDims(vb.sb),
    },
    buffers: { x: first.buffer, y: second.buffer, out: out.buffer },
    workgroups: Math.ceil(total / OUTER_WORKGROUP),
    steps: mode === "grad_a" ? n : mode === "grad_b" ? m : 0,
  });
  return out;
}

/**
 * Outer product of the last dims, batched over the dims in front (which broadcast).
 *
 * @throws {TypeError} when an input has rank 0 or above 7, the batch dims do
 *   not broadcast, or a dtype is not f32.
 * @throws {RangeError} when the output exceeds the device's buffer limits.
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  assertDType(a, "f32", "outer", "first input");
  assertDType(b, "f32", "outer", "second input");
  const what = `Cannot outer tensors of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`;
  if (a.rank < 1 || b.rank < 1) {
    throw new TypeError(`${what}: both inputs need rank >= 1 (got ranks ${a.rank} and ${b.rank})`);
  }
  assertMaxRank("outer", a);
  assertMaxRank("outer", b);
  const ba = a.shape.slice(0, -1);
  const bb = b.shape.slice(0, -1);
  const rank = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = ba[ba.length - rank + i] ?? 1;
    const db = bb[bb.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TypeError(
        `${what}: batch dimensions ${formatShape(ba)} and ${formatShape(bb)} do not broadcast ` +
          `(${da} != ${db} and neither is 1)`,
      );
    }
    batch.push(da === 1 ? db : da);
  }
  if (batch.length + 2 > 8) {
    throw new TypeError(`${what}: the output rank ${batch.length + 2} exceeds the maximum rank 8`);
  }
  const m = a.shape.at(-1)!;
  const n = b.shape.at(-1)!;
  const vb = collapseBatch(ba, bb, m, n);
  const y = runOuter("forward", a, b, vb, m, n, [...batch, m, n]);
  return recordOp(y, "outer", [a, b], (g) => {
    const reduce = (full: Tensor, target: Tensor): Tensor => {
      if (sameShape(full.shape, target.shape)) return full;
      const r = sumToShape(full, target.shape);
      full.dispose();
      return r;
    };
    return [
      a.requiresGrad ? reduce(runOuter("grad_a", g, b, vb, m, n, [...batch, m]), a) : null,
      b.requiresGrad ? reduce(runOuter("grad_b", g, a, vb, m, n, [...batch, n]), b) : null,
    ];
  });
}
