/**
 * Chunkwise (gated) retention, pass 3 of 3, and the parallel form: for each
 * (sequence n, step t, column j) in the chunk starting at c0,
 *   o_t[j] = Σ_{s=c0..t} D_ts·(q_t·k_s)·v_s[j] + D_{t,c0−1}·(q_t·S_in[:, j])
 * with D_ts = Π_{r=s+1..t} g_r built as a running product while s walks down
 * (D_{t,s−1} = D_ts·g_s): no division. With chunk = tm and use_sin = 0 this is
 * the parallel form O = (Q Kᵀ ⊙ D) V.
 *
 * Bindings: 0 uniform {n, tm, chunk, nc, per_seq, use_sin}; 1 q [n, tm, DK];
 * 2 k [n, tm, DK]; 3 v [n, tm, DV]; 4 gates [n, tm] or [n]; 5 sin [n, nc, DK, DV]
 * (read when use_sin); 6 o [n, tm, DV].
 * Grid: ceil(n·tm·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): a (t − c0 + 1)-term sum of DK-term products scaled by
 * ≤ chunk-long gate products (spec/decepticons/retention_gpu_test.ts).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../gpu/grid.ts";

/** WGSL of the intra-chunk output pass for key size `dk` and value size `dv`. */
export function retentionChunkOutputWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, chunk: u32, nc: u32, per_seq: u32, use_sin: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> qs: array<f32>;
@group(0) @binding(2) var<storage, read> ks: array<f32>;
@group(0) @binding(3) var<storage, read> vs: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> sin: array<f32>;
@group(0) @binding(6) var<storage, read_write> os: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * prm.tm * ${dv}u) { return; }
  let st = gi / ${dv}u;
  let j = gi % ${dv}u;
  let n = st / prm.tm;
  let t = st % prm.tm;
  let ci = t / prm.chunk;
  let c0 = ci * prm.chunk;
  var d = 1.0;
  var o = 0.0;
  for (var i = t + 1u; i > c0; i--) {
    let ss = n * prm.tm + i - 1u;
    var qk = 0.0;
    for (var c = 0u; c < ${dk}u; c++) { qk = qk + qs[st * ${dk}u + c] * ks[ss * ${dk}u + c]; }
    o = o + (d * qk) * vs[ss * ${dv}u + j];
    var g = gates[ss];
    if (prm.per_seq == 1u) { g = gates[n]; }
    d = d * g;
  }
  if (prm.use_sin == 1u) {
    let base = (n * prm.nc + ci) * ${dk}u;
    var qs_in = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      qs_in = qs_in + qs[st * ${dk}u + c] * sin[(base + c) * ${dv}u + j];
    }
    o = o + d * qs_in;
  }
  os[st * ${dv}u + j] = o;
}
`;
}
