/**
 * Linear substrates (delay line, linear memory, oscillatory memory), fused
 * over time: one workgroup per sequence keeps the state in workgroup memory
 * (double-buffered by step parity) and loops over `steps` tokens. Every state
 * entry has at most two predecessors:
 *   s'[i] = (c0[i]·s[p0[i]] + c1[i]·s[p1[i]]) + B[x, i]
 * (delay: p0 = i − E, c1 = 0; linear/decay banks: p0 = i; oscillatory (c, s)
 * pairs: p0 = i, p1 = the partner). B is the token's input (E_x, or Q u_x
 * computed in f64 on the host and rounded once). Long sequences are split over
 * dispatches: `state` carries the state in and out.
 *
 * Bindings: 0 uniform {batch, tm, t0, steps, col, rowStride};
 * 1 tokens u32 [batch, tm]; 2 coef [N, 2] f32; 3 pred u32 [N, 2]; 4 input [V, N];
 * 5 state [batch, N] (read_write); 6 hist [batch, tm, rowStride] (column col + i).
 * Grid: `batch` workgroups of 64 (tiled).
 * Accuracy (per step): two products and two adds, each correctly rounded; llvmpipe was seen to
 * evaluate (c0·s0 + c1·s1) + B as (c0·s0 + B) + c1·s1, so bounds charge any association.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** Workgroup size of the linear-substrate kernel. */
export const LINEAR_WG = 64;

/** WGSL of the linear substrate kernel for state size N (≤ 2048). */
export function linearSubstrateWgsl(N: number): string {
  return `
struct Params { batch: u32, tm: u32, t0: u32, steps: u32, col: u32, row_stride: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> coef: array<f32>;
@group(0) @binding(3) var<storage, read> pred: array<u32>;
@group(0) @binding(4) var<storage, read> inp: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>;
@group(0) @binding(6) var<storage, read_write> hist: array<f32>;
var<workgroup> sh: array<f32, ${2 * N}>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${LINEAR_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = linear_workgroup(wid, nwg);
  if (b >= prm.batch) { return; }
  for (var i = lid; i < ${N}u; i += ${LINEAR_WG}u) { sh[i] = state[b * ${N}u + i]; }
  workgroupBarrier();
  for (var s = 0u; s < prm.steps; s++) {
    let t = prm.t0 + s;
    let x = tokens[b * prm.tm + t];
    let cur = (s % 2u) * ${N}u;
    let nx = ${N}u - cur;
    for (var i = lid; i < ${N}u; i += ${LINEAR_WG}u) {
      let v = (coef[2u * i] * sh[cur + pred[2u * i]] + coef[2u * i + 1u] * sh[cur + pred[2u * i + 1u]])
        + inp[x * ${N}u + i];
      sh[nx + i] = v;
      hist[(b * prm.tm + t) * prm.row_stride + prm.col + i] = v;
    }
    workgroupBarrier();
  }
  let fin = (prm.steps % 2u) * ${N}u;
  for (var i = lid; i < ${N}u; i += ${LINEAR_WG}u) { state[b * ${N}u + i] = sh[fin + i]; }
}
`;
}
