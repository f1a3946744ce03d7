/**
 * Softmax and log-softmax along one axis of a tensor viewed as
 * [outer, n, inner], one segment (L lanes, see impl/ops/kernels/reduce.ts) per
 * row (o, i); element j of the row is `x[o·n·inner + j·inner + i]`.
 *
 * - {@link SOFTMAX}: uniforms {rows, n, inner, lanes}; bindings `xs` (x), `ys` (y).
 *   Three passes over the row: m = max x (exact), s = Σ exp(x − m), then
 *   y = exp(x − m) / s, or y = (x − m) − log s for log-softmax.
 * - {@link SOFTMAX_BACKWARD} (softmax): bindings `ys` (y), `gs` (g), `gx`;
 *   c = Σ g·y, gx = y·(g − c).
 * - {@link SOFTMAX_BACKWARD} (log-softmax): same bindings; G = Σ g, gx = g − exp(y)·G.
 *
 * Sizes: `log` (log-softmax) and `oneLane` (L = 1: no barriers).
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
import { defineProgram, type Program } from "../../gpu/program.ts";
import { REDUCE_WORKGROUP, SEGMENT_MAIN, segmentWgsl } from "./reduce.ts";

/** Compile-time sizes of the softmax kernels. */
export interface SoftmaxSizes extends Record<string, boolean> {
  /** Log-softmax rather than softmax. */
  log: boolean;
  /** One lane per row (no barriers). */
  oneLane: boolean;
}

const UNIFORMS = { rows: "u32", n: "u32", inner: "u32", lanes: "u32" } as const;

const ROW = `
  let base = (s.row / p.inner) * p.n * p.inner + s.row % p.inner;
  let count = select(0u, p.n, s.live);`;

/** The lowest finite f32: the identity of a lane's max before it has seen an element. */
const LOWEST = "-0x1.fffffep+127f";

/** Forward softmax (`log` false) or log-softmax. */
export const SOFTMAX: Program<SoftmaxSizes> = defineProgram<SoftmaxSizes>({
  name: "softmax",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: { xs: { access: "read" }, ys: { access: "read_write" } },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: (s) => {
    const write = s.log
      ? `let ls = log(total);
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    ys[k] = (xs[k] - m) - ls;
  }`
      : `for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j * p.inner;
    ys[k] = exp(xs[k] - m) / total;
  }`;
    return `${SEGMENT_MAIN}${ROW}
  var lm = ${LOWEST};
  for (var j = s.lane; j < count; j += p.lanes) { lm = max(lm, xs[base + j * p.inner]); }
  let m = seg_max(lid, s.lane, p.lanes, lm);
  var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += exp(xs[base + j * p.inner] - m); }
  let total = seg_sum(lid, s.lane, p.lanes, acc);
  ${write}`;
  },
});

/** Backward of softmax (`log` false) or log-softmax, from the forward output y. */
export const SOFTMAX_BACKWARD: Program<SoftmaxSizes> = defineProgram<SoftmaxSizes>({
  name: "softmax_backward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: { ys: { access: "read" }, gs: { access: "read" }, gx: { access: "read_write" } },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: (s) => {
    const body = s.log
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
    return `${SEGMENT_MAIN}${ROW}
  ${body}`;
  },
});
