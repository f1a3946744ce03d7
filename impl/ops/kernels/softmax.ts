/**
 * Softmax and log-softmax along one axis of a tensor viewed as
 * [outer, n, inner], one segment (L lanes, see impl/ops/kernels/reduce.ts) per
 * row (o, i); element j of the row is `x[o·n·inner + j·inner + i]`.
 *
 * - forward: bindings 0 uniform {rows, n, inner, lanes}, 1 x, 2 y.
 *   Three passes over the row: m = max x (exact), s = Σ exp(x − m), then
 *   y = exp(x − m) / s, or y = (x − m) − log s for log-softmax.
 * - backward (softmax): 1 y, 2 g, 3 gx; c = Σ g·y, gx = y·(g − c).
 * - backward (log-softmax): 1 y, 2 g, 3 gx; G = Σ g, gx = g − exp(y)·G.
 *
 * Grid: ceil(rows·L / 64) workgroups, tiled. Rows hold at most MAX_ROW
 * elements (three passes of ≤ LANE_BUDGET per lane).
 *
 * Accuracy: exp(x − m) has x − m ≤ 0, so exp cannot overflow; each sum is
 * a segmented sum with rounding-path length ceil(n/L) + log₂L. The bounds are
 * the running-error rules of invariants/tolerance.ts (softmaxBounds),
 * which replay exactly these operations in this order.
 *
 * @module
 */
import { launch } from "../../gpu/batch.ts";
import { rowLanes, SEGMENT_ENTRY, segmentWgsl, segmentWorkgroups } from "./reduce.ts";

const PARAMS = `
struct Params { rows: u32, n: u32, inner: u32, lanes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

const ROW = `
  let base = (s.row / p.inner) * p.n * p.inner + s.row % p.inner;
  let count = select(0u, p.n, s.live);`;

/** The lowest finite f32: the identity of a lane's max before it has seen an element. */
const LOWEST = "-0x1.fffffep+127f";

/** Forward softmax (`log` false) or log-softmax. */
export function softmaxWgsl(log: boolean, oneLane: boolean): string {
  const write = log
    ? `let ls = log(total);
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    ys[k] = (xs[k] - m) - ls;
  }`
    : `for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    ys[k] = exp(xs[k] - m) / total;
  }`;
  return `${PARAMS}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;
${segmentWgsl(oneLane)}
${SEGMENT_ENTRY}${ROW}
  var lm = ${LOWEST};
  for (var j = s.lane; j < count; j += p.lanes) { lm = max(lm, xs[base + j * p.inner]); }
  let m = seg_max(lid, s.lane, p.lanes, lm);
  var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += exp(xs[base + j * p.inner] - m); }
  let total = seg_sum(lid, s.lane, p.lanes, acc);
  ${write}
}
`;
}

/** Backward of softmax (`log` false) or log-softmax, from the forward output y. */
export function softmaxBackwardWgsl(log: boolean, oneLane: boolean): string {
  const body = log
    ? `var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += gs[base + j * p.inner]; }
  let total = seg_sum(lid, s.lane, p.lanes, acc);
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    gx[k] = gs[k] - exp(ys[k]) * total;
  }`
    : `var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    acc += gs[k] * ys[k];
  }
  let total = seg_sum(lid, s.lane, p.lanes, acc);
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    gx[k] = ys[k] * (gs[k] - total);
  }`;
  return `${PARAMS}
@group(0) @binding(1) var<storage, read> ys: array<f32>;
@group(0) @binding(2) var<storage, read> gs: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;
${segmentWgsl(oneLane)}
${SEGMENT_ENTRY}${ROW}
  ${body}
}
`;
}

/** A softmax's rows: [outer, n, inner] along n. */
export interface SoftmaxGeometry {
  outer: number;
  n: number;
  inner: number;
}

function dispatch(
  name: string,
  code: (oneLane: boolean) => string,
  buffers: GPUBuffer[],
  geo: SoftmaxGeometry,
) {
  const rows = geo.outer * geo.inner;
  const lanes = rowLanes(rows, geo.n);
  launch({
    name,
    code: code(lanes === 1),
    uniforms: [rows, geo.n, geo.inner, lanes],
    buffers,
    workgroups: segmentWorkgroups(rows, lanes),
  });
}

/** Records y = softmax(x) (or log-softmax) along n. */
export function recordSoftmax(
  log: boolean,
  x: GPUBuffer,
  y: GPUBuffer,
  geo: SoftmaxGeometry,
): void {
  dispatch(log ? "log_softmax" : "softmax", (one) => softmaxWgsl(log, one), [x, y], geo);
}

/** Records gx from the forward output y and the output gradient g. */
export function recordSoftmaxBackward(
  log: boolean,
  y: GPUBuffer,
  g: GPUBuffer,
  gx: GPUBuffer,
  geo: SoftmaxGeometry,
): void {
  dispatch(
    log ? "log_softmax_backward" : "softmax_backward",
    (one) => softmaxBackwardWgsl(log, one),
    [y, g, gx],
    geo,
  );
}
