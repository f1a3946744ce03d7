/**
 * Cross-entropy rows: for logits [N, C] (row-major) and i32 targets [N], one
 * segment (L lanes, see impl/ops/kernels/reduce.ts) per row.
 *
 * - {@link CROSS_ENTROPY_ROWS}: uniforms {rows, n, lanes}; bindings `xs` (logits),
 *   `tg` (targets), `losses` (written as u32 bit patterns). Per row: m = max x
 *   (exact), s = Σ exp(x − m), loss = log s − (x_t − m). The caller then
 *   averages the losses with the sum reduction (scale 1/N).
 * - {@link CROSS_ENTROPY_BACKWARD}: uniforms {rows, n, lanes, inv_rows}; bindings
 *   `xs`, `tg`, `gs` (g, one element), `gx` (u32 bit patterns):
 *   gx = (g·inv_rows)·(exp(x − m)/s − [j = t]), recomputing m and s exactly as
 *   the forward did.
 *
 * A target outside [0, C) writes the quiet-NaN bit pattern 0x7fc00000 as its
 * row's loss and as every gradient of its row. The pattern is stored through
 * a u32 view, since WGSL leaves NaN produced by f32 arithmetic indeterminate.
 *
 * Size `oneLane`: L = 1 (no barriers). Grid: ceil(N·L / 64) workgroups, tiled.
 * Accuracy: the running-error rules of invariants/tolerance.ts
 * (crossEntropyBounds) replay these operations in order.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";
import { REDUCE_WORKGROUP, SEGMENT_MAIN, type SegmentSizes, segmentWgsl } from "./reduce.ts";

/** Bit pattern of the quiet NaN written for out-of-range targets. */
export const NAN_BITS = 0x7fc00000;

const LOWEST = "-0x1.fffffep+127f";

// m and s of the row, shared by both kernels so they compute the same values.
const ROW_STATS = `
  let base = s.row * p.n;
  let count = select(0u, p.n, s.live);
  var t = 0;
  if (s.live) { t = tg[s.row]; }
  let bad = t < 0 || u32(t) >= p.n;
  var lm = ${LOWEST};
  for (var j = s.lane; j < count; j += p.lanes) { lm = max(lm, xs[base + j]); }
  let m = seg_max(lid, s.lane, p.lanes, lm);
  var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += exp(xs[base + j] - m); }
  let total = seg_sum(lid, s.lane, p.lanes, acc);`;

/** Per-row losses. */
export const CROSS_ENTROPY_ROWS: Program<SegmentSizes> = defineProgram<SegmentSizes>({
  name: "cross_entropy_rows",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: { rows: "u32", n: "u32", lanes: "u32" },
  bindings: {
    xs: { access: "read" },
    tg: { access: "read", type: "i32" },
    losses: { access: "read_write", type: "u32" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: () =>
    `${SEGMENT_MAIN}${ROW_STATS}
  if (s.live && s.lane == 0u) {
    if (bad) {
      losses[s.row] = ${NAN_BITS}u;
    } else {
      losses[s.row] = bitcast<u32>(log(total) - (xs[base + u32(t)] - m));
    }
  }`,
});

/** Gradient of the mean loss with respect to the logits. */
export const CROSS_ENTROPY_BACKWARD: Program<SegmentSizes> = defineProgram<SegmentSizes>({
  name: "cross_entropy_backward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: { rows: "u32", n: "u32", lanes: "u32", inv_rows: "f32" },
  bindings: {
    xs: { access: "read" },
    tg: { access: "read", type: "i32" },
    gs: { access: "read" },
    gx: { access: "read_write", type: "u32" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: () =>
    `${SEGMENT_MAIN}${ROW_STATS}
  let w = gs[0] * p.inv_rows;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j;
    let q = exp(xs[k] - m) / total;
    let v = w * (q - select(0.0, 1.0, i32(j) == t));
    gx[k] = select(bitcast<u32>(v), ${NAN_BITS}u, bad);
  }`,
});
