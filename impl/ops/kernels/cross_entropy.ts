/**
 * Cross-entropy rows: for logits [N, C] (row-major) and i32 targets [N], one
 * segment (L lanes, see impl/ops/kernels/reduce.ts) per row.
 *
 * - `cross_entropy_rows`: bindings 0 uniform {rows, n, lanes}, 1 logits,
 *   2 targets, 3 losses (written as u32 bit patterns). Per row: m = max x
 *   (exact), s = Σ exp(x − m), loss = log s − (x_t − m). The caller then
 *   averages the losses with the sum reduction (scale 1/N).
 * - `cross_entropy_backward`: 0 uniform {rows, n, lanes, inv_rows}, 1 logits,
 *   2 targets, 3 g (one element), 4 gx (u32 bit patterns):
 *   gx = (g·inv_rows)·(exp(x − m)/s − [j = t]), recomputing m and s exactly as
 *   the forward did.
 *
 * A target outside [0, C) writes the quiet-NaN bit pattern 0x7fc00000 as its
 * row's loss and as every gradient of its row. The pattern is stored through
 * a u32 view, since WGSL leaves NaN produced by f32 arithmetic indeterminate.
 *
 * Grid: ceil(N·L / 64) workgroups, tiled. Accuracy: the running-error rules of
 * invariants/tolerance.ts (crossEntropyBounds) replay these operations in order.
 *
 * @module
 */
import { launch } from "../../gpu/batch.ts";
import { rowLanes, SEGMENT_ENTRY, segmentWgsl, segmentWorkgroups } from "./reduce.ts";

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
export function crossEntropyRowsWgsl(oneLane: boolean): string {
  return `
struct Params { rows: u32, n: u32, lanes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> tg: array<i32>;
@group(0) @binding(3) var<storage, read_write> losses: array<u32>;
${segmentWgsl(oneLane)}
${SEGMENT_ENTRY}${ROW_STATS}
  if (s.live && s.lane == 0u) {
    if (bad) {
      losses[s.row] = ${NAN_BITS}u;
    } else {
      losses[s.row] = bitcast<u32>(log(total) - (xs[base + u32(t)] - m));
    }
  }
}
`;
}

/** Gradient of the mean loss with respect to the logits. */
export function crossEntropyBackwardWgsl(oneLane: boolean): string {
  return `
struct Params { rows: u32, n: u32, lanes: u32, inv_rows: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> tg: array<i32>;
@group(0) @binding(3) var<storage, read> gs: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<u32>;
${segmentWgsl(oneLane)}
${SEGMENT_ENTRY}${ROW_STATS}
  let w = gs[0] * p.inv_rows;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j;
    let q = exp(xs[k] - m) / total;
    let v = w * (q - select(0.0, 1.0, i32(j) == t));
    gx[k] = select(bitcast<u32>(v), ${NAN_BITS}u, bad);
  }
}
`;
}

/** Records the per-row losses of logits [rows, n] into `losses` (rows elements). */
export function recordCrossEntropyRows(
  logits: GPUBuffer,
  targets: GPUBuffer,
  losses: GPUBuffer,
  rows: number,
  n: number,
): void {
  const lanes = rowLanes(rows, n);
  launch({
    name: "cross_entropy_rows",
    code: crossEntropyRowsWgsl(lanes === 1),
    uniforms: [rows, n, lanes],
    buffers: [logits, targets, losses],
    workgroups: segmentWorkgroups(rows, lanes),
  });
}

/** Records the logits' gradient given the loss gradient `g` (one element). */
export function recordCrossEntropyBackward(
  logits: GPUBuffer,
  targets: GPUBuffer,
  g: GPUBuffer,
  gx: GPUBuffer,
  rows: number,
  n: number,
): void {
  const lanes = rowLanes(rows, n);
  launch({
    name: "cross_entropy_backward",
    code: crossEntropyBackwardWgsl(lanes === 1),
    uniforms: [rows, n, lanes, { f32: Math.fround(1 / rows) }],
    buffers: [logits, targets, g, gx],
    workgroups: segmentWorkgroups(rows, lanes),
  });
}
