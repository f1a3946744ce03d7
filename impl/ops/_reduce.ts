/**
 * Host side of the row reductions (impl/ops/kernels/reduce.ts): the pass
 * recorders behind sum, mean, max and the parameter gradients of layerNorm,
 * and cross-entropy's mean.
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { createStorageBuffer, releaseBuffer } from "../gpu/buffers.ts";
import {
  REDUCE_MAX,
  REDUCE_MAX_BACKWARD,
  REDUCE_MAX_NEXT,
  REDUCE_SUM,
  REDUCE_SUM_BACKWARD,
  REDUCE_WORKGROUP,
  reducePlan,
  type RowGeometry,
  segmentWorkgroups,
} from "./kernels/reduce.ts";

/** A scratch u32/f32 buffer of `count` elements, released by the caller. */
function scratch(count: number, label: string): GPUBuffer {
  return createStorageBuffer(count * 4, label);
}

/**
 * Records the passes reducing `x` over `geo` into `out` (outer·inner values):
 * op "sum" writes scale·Σ; op "max" writes the first maximum, and its index
 * along n into `argOut` when given.
 */
export function recordReduce(
  op: "sum" | "max",
  x: GPUBuffer,
  out: GPUBuffer,
  geo: RowGeometry,
  options: { scale?: number; argOut?: GPUBuffer } = {},
): void {
  const passes = reducePlan(geo);
  let src = x;
  let srcIdx: GPUBuffer | null = null;
  const temps: GPUBuffer[] = [];
  passes.forEach((pass, k) => {
    const last = k === passes.length - 1;
    const dst = last ? out : scratch(pass.rows, `reduce_${op} partials`);
    if (!last) temps.push(dst);
    let dstIdx: GPUBuffer | null = null;
    if (op === "max") {
      dstIdx = last && options.argOut ? options.argOut : scratch(pass.rows, "reduce_max index");
      if (dstIdx !== options.argOut) temps.push(dstIdx);
    }
    const program = op === "sum" ? REDUCE_SUM : srcIdx === null ? REDUCE_MAX : REDUCE_MAX_NEXT;
    const buffers = op === "sum"
      ? { xs: src, out: dst }
      : srcIdx === null
      ? { xs: src, out: dst, idx_out: dstIdx! }
      : { xs: src, idx_in: srcIdx, out: dst, idx_out: dstIdx! };
    dispatch(program, {
      sizes: { oneLane: pass.lanes === 1 },
      uniforms: {
        rows: pass.rows,
        n: pass.n,
        inner: geo.inner,
        lanes: pass.lanes,
        chunk: pass.chunk,
        chunks: pass.chunks,
        scale: last ? options.scale ?? 1 : 1,
      },
      buffers,
      workgroups: segmentWorkgroups(pass.rows, pass.lanes),
    });
    src = dst;
    srcIdx = dstIdx;
  });
  for (const t of temps) releaseBuffer(t);
}

/**
 * Records the elementwise backward over x of shape `geo`: for "sum",
 * gx = scale·g; for "max", g routed to `arg` (the argmax along n).
 */
export function recordReduceBackward(
  op: "sum" | "max",
  buffers: { arg?: GPUBuffer; g: GPUBuffer; gx: GPUBuffer },
  geo: RowGeometry,
  scale = 1,
): void {
  const size = geo.outer * geo.n * geo.inner;
  const common = {
    uniforms: { size, n: geo.n, inner: geo.inner, scale },
    workgroups: Math.ceil(size / REDUCE_WORKGROUP),
  };
  if (op === "sum") {
    dispatch(REDUCE_SUM_BACKWARD, { ...common, buffers: { gs: buffers.g, gx: buffers.gx } });
  } else {
    dispatch(REDUCE_MAX_BACKWARD, {
      ...common,
      buffers: { arg: buffers.arg, gs: buffers.g, gx: buffers.gx },
    });
  }
}
