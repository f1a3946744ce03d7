/**
 * Layer normalisation over the last axis of x viewed as [rows, n], one
 * segment (L lanes, see impl/ops/kernels/reduce.ts) per row.
 *
 * - {@link LAYER_NORM}: uniforms {rows, n, lanes, eps, inv_n}; bindings `xs` (x),
 *   `gamma`, `beta`, `ys` (y). Passes: μ = Σx · inv_n; σ² = Σ(x − μ)² · inv_n
 *   (two-pass, biased); r = inverseSqrt(σ² + eps); y = ((x − μ)·r)·γ + β.
 * - {@link LAYER_NORM_BACKWARD}: same uniforms; bindings `xs`, `gamma`, `gs` (g),
 *   `gx`, `gxh`. Recomputes μ and r exactly as the forward; with x̂ = (x − μ)·r and
 *   h = g·γ: A = Σh · inv_n, B = Σ(h·x̂) · inv_n, gx = r·((h − A) − x̂·B), and
 *   gxh = g·x̂, which the caller sums over rows for ∂γ (∂β is the row sum of g).
 *
 * inv_n is 1/n rounded to f32. Size `oneLane`: L = 1 (no barriers).
 * Grid: ceil(rows·L / 64) workgroups, tiled.
 * Accuracy: the running-error rules of invariants/tolerance.ts
 * (layerNormBounds) replay these operations in order.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";
import { REDUCE_WORKGROUP, SEGMENT_MAIN, type SegmentSizes, segmentWgsl } from "./reduce.ts";

const UNIFORMS = { rows: "u32", n: "u32", lanes: "u32", eps: "f32", inv_n: "f32" } as const;

// μ and r of the row, shared by both kernels so they compute the same values.
const MOMENTS = `
  let base = s.row * p.n;
  let count = select(0u, p.n, s.live);
  var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += xs[base + j]; }
  let mu = seg_sum(lid, s.lane, p.lanes, acc) * p.inv_n;
  var acc2 = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let c = xs[base + j] - mu;
    acc2 += c * c;
  }
  let variance = seg_sum(lid, s.lane, p.lanes, acc2) * p.inv_n;
  let r = inverseSqrt(variance + p.eps);`;

/** Forward. */
export const LAYER_NORM: Program<SegmentSizes> = defineProgram<SegmentSizes>({
  name: "layer_norm",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    xs: { access: "read" },
    gamma: { access: "read" },
    beta: { access: "read" },
    ys: { access: "read_write" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: () =>
    `${SEGMENT_MAIN}${MOMENTS}
  for (var j = s.lane; j < count; j += p.lanes) {
    let xh = (xs[base + j] - mu) * r;
    ys[base + j] = xh * gamma[j] + beta[j];
  }`,
});

/** Backward: gx, and g·x̂ for the parameters' gradients. */
export const LAYER_NORM_BACKWARD: Program<SegmentSizes> = defineProgram<SegmentSizes>({
  name: "layer_norm_backward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    xs: { access: "read" },
    gamma: { access: "read" },
    gs: { access: "read" },
    gx: { access: "read_write" },
    gxh: { access: "read_write" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: () =>
    `${SEGMENT_MAIN}${MOMENTS}
  var sa = 0.0;
  var sb = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j;
    let xh = (xs[k] - mu) * r;
    let h = gs[k] * gamma[j];
    sa += h;
    sb += h * xh;
    gxh[k] = gs[k] * xh;
  }
  let a = seg_sum(lid, s.lane, p.lanes, sa) * p.inv_n;
  let b = seg_sum(lid, s.lane, p.lanes, sb) * p.inv_n;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = base + j;
    let xh = (xs[k] - mu) * r;
    let h = gs[k] * gamma[j];
    gx[k] = r * ((h - a) - xh * b);
  }`,
});
