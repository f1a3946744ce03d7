/**
 * Layer normalisation over the last axis of x viewed as [rows, n], one
 * segment (L lanes, see impl/ops/kernels/reduce.ts) per row.
 *
 * - `layer_norm`: bindings 0 uniform {rows, n, lanes, eps, inv_n}, 1 x,
 *   2 gamma, 3 beta, 4 y. Passes: μ = Σx · inv_n; σ² = Σ(x − μ)² · inv_n
 *   (two-pass, biased); r = inverseSqrt(σ² + eps); y = ((x − μ)·r)·γ + β.
 * - `layer_norm_backward`: 0 uniform, 1 x, 2 gamma, 3 g, 4 gx, 5 gxh.
 *   Recomputes μ and r exactly as the forward; with x̂ = (x − μ)·r and
 *   h = g·γ: A = Σh · inv_n, B = Σ(h·x̂) · inv_n, gx = r·((h − A) − x̂·B), and
 *   gxh = g·x̂, which the caller sums over rows for ∂γ (∂β is the row sum of g).
 *
 * inv_n is 1/n rounded to f32. Grid: ceil(rows·L / 64) workgroups, tiled.
 * Accuracy: the running-error rules of invariants/tolerance.ts
 * (layerNormBounds) replay these operations in order.
 *
 * @module
 */
import { launch } from "../../gpu/batch.ts";
import { rowLanes, SEGMENT_ENTRY, segmentWgsl, segmentWorkgroups } from "./reduce.ts";

const PARAMS = `
struct Params { rows: u32, n: u32, lanes: u32, eps: f32, inv_n: f32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

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
export function layerNormWgsl(oneLane: boolean): string {
  return `${PARAMS}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> ys: array<f32>;
${segmentWgsl(oneLane)}
${SEGMENT_ENTRY}${MOMENTS}
  for (var j = s.lane; j < count; j += p.lanes) {
    let xh = (xs[base + j] - mu) * r;
    ys[base + j] = xh * gamma[j] + beta[j];
  }
}
`;
}

/** Backward: gx, and g·x̂ for the parameters' gradients. */
export function layerNormBackwardWgsl(oneLane: boolean): string {
  return `${PARAMS}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> gs: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;
@group(0) @binding(5) var<storage, read_write> gxh: array<f32>;
${segmentWgsl(oneLane)}
${SEGMENT_ENTRY}${MOMENTS}
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
  }
}
`;
}

function uniforms(rows: number, n: number, lanes: number, eps: number) {
  return [rows, n, lanes, { f32: eps }, { f32: Math.fround(1 / n) }];
}

/** Records y = layerNorm(x) for x [rows, n]. */
export function recordLayerNorm(
  buffers: { x: GPUBuffer; gamma: GPUBuffer; beta: GPUBuffer; y: GPUBuffer },
  rows: number,
  n: number,
  eps: number,
): void {
  const lanes = rowLanes(rows, n);
  launch({
    name: "layer_norm",
    code: layerNormWgsl(lanes === 1),
    uniforms: uniforms(rows, n, lanes, eps),
    buffers: [buffers.x, buffers.gamma, buffers.beta, buffers.y],
    workgroups: segmentWorkgroups(rows, lanes),
  });
}

/** Records gx and gxh = g·x̂ for x [rows, n]. */
export function recordLayerNormBackward(
  buffers: { x: GPUBuffer; gamma: GPUBuffer; g: GPUBuffer; gx: GPUBuffer; gxh: GPUBuffer },
  rows: number,
  n: number,
  eps: number,
): void {
  const lanes = rowLanes(rows, n);
  launch({
    name: "layer_norm_backward",
    code: layerNormBackwardWgsl(lanes === 1),
    uniforms: uniforms(rows, n, lanes, eps),
    buffers: [buffers.x, buffers.gamma, buffers.g, buffers.gx, buffers.gxh],
    workgroups: segmentWorkgroups(rows, lanes),
  });
}
