/**
 * Matrix-memory recurrence, forward, fused over a range of time steps: for
 * each sequence n and each column j of the state S ∈ R^{DK×DV},
 *   u = Σ_c k_t[c]·S[c, j]                                   (delta only)
 *   S[c, j] = g_t·(S[c, j] − β_t·k_t[c]·u) + w_t·k_t[c]·v_t[j]
 *   o_t[j] = Σ_c q_t[c]·S[c, j]
 * for t in [t0, t1), where (β, w) = (0, 1) for (gated) retention and
 * (β_t, β_t) for the gated delta rule. One invocation owns one column and loops
 * over t inside the shader; a long sequence is split over several dispatches
 * that carry the state through `state` (read when t0 > 0, written at t1).
 *
 * Bindings: 0 uniform {n, tm, t0, t1, delta, store_hist, per_seq};
 * 1 q [n, tm, DK]; 2 k [n, tm, DK]; 3 v [n, tm, DV];
 * 4 gates [n, tm] ([n] when per_seq: retention's γ);
 * 5 beta [n, tm] (read when delta); 6 state [n, DK, DV] (read_write);
 * 7 o [n, tm, DV]; 8 hist [n, tm, DK, DV] (S_t after each step, when store_hist).
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): each step's update is a few roundings on every entry on
 * top of the gated previous error; spec/decepticons/retention/gpu_test.ts tracks
 * the running bound step by step; the read adds a DK-term dot product.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the forward recurrence for key size `dk` and value size `dv`. */
export function retentionForwardWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, t0: u32, t1: u32, delta: u32, store_hist: u32,
  per_seq: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> qs: array<f32>;
@group(0) @binding(2) var<storage, read> ks: array<f32>;
@group(0) @binding(3) var<storage, read> vs: array<f32>;
@group(0) @binding(4) var<storage, read> gates: array<f32>;
@group(0) @binding(5) var<storage, read> betas: array<f32>;
@group(0) @binding(6) var<storage, read_write> state: array<f32>;
@group(0) @binding(7) var<storage, read_write> os: array<f32>;
@group(0) @binding(8) var<storage, read_write> hist: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  var s: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    s[c] = 0.0;
    if (prm.t0 > 0u) { s[c] = state[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var t = prm.t0; t < prm.t1; t++) {
    let st = n * prm.tm + t;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    var be = 0.0;
    var bw = 1.0;
    var u = 0.0;
    if (prm.delta == 1u) {
      be = betas[st];
      bw = be;
      for (var c = 0u; c < ${dk}u; c++) { u = u + ks[st * ${dk}u + c] * s[c]; }
    }
    let wv = bw * vs[st * ${dv}u + j];
    let bu = be * u;
    var o = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      let kc = ks[st * ${dk}u + c];
      s[c] = g * (s[c] - kc * bu) + kc * wv;
      o = o + qs[st * ${dk}u + c] * s[c];
    }
    os[st * ${dv}u + j] = o;
    if (prm.store_hist == 1u) {
      for (var c = 0u; c < ${dk}u; c++) { hist[(st * ${dk}u + c) * ${dv}u + j] = s[c]; }
    }
  }
  for (var c = 0u; c < ${dk}u; c++) { state[(n * ${dk}u + c) * ${dv}u + j] = s[c]; }
}
`;
}
