/**
 * Matrix-memory recurrence, backward, pass 1 of 2: the adjoint recurrence run
 * backwards over t in [t0, t1) for each sequence n and each state column j:
 *   dS[c, j] += q_t[c]·do_t[j]                     (dS = ∂L/∂S_t in full)
 *   w_j = Σ_c k_t[c]·dS[c, j],  u_j = Σ_c k_t[c]·S_{t−1}[c, j],  p_j = Σ_c dS[c, j]·S_{t−1}[c, j]
 *   dv_t[j] = w·w_j       (w = 1 for retention, β_t for delta)
 *   dS[c, j] = g_t·(dS[c, j] − β_t·k_t[c]·w_j)     (β = 0 for retention: dS_{t−1} part)
 * storing dS_t (before the last line) and (w_j, u_j, p_j) for pass 2
 * (decepticons_retention_grads.ts). S_{t−1} comes from the forward's history.
 * A long sequence is split over dispatches that carry dS through `dstate`
 * (read when t1 < tm, written at t0).
 *
 * Bindings: 0 uniform {n, tm, t0, t1, delta, per_seq}; 1 q [n, tm, DK]; 2 k [n, tm, DK];
 * 3 gates [n, tm] or [n] (per_seq); 4 beta [n, tm] (read when delta); 5 do [n, tm, DV];
 * 6 hist [n, tm, DK, DV]; 7 dstate [n, DK, DV] (read_write); 8 dshist [n, tm, DK, DV];
 * 9 wup [n, tm, DV, 3]; 10 dv [n, tm, DV].
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled; one invocation per (sequence, column).
 * Accuracy (class T3): a running bound tracked per step in spec/decepticons/retention/gpu_test.ts.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the adjoint recurrence for key size `dk` and value size `dv`. */
export function retentionBackwardWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, t0: u32, t1: u32, delta: u32, per_seq: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> qs: array<f32>;
@group(0) @binding(2) var<storage, read> ks: array<f32>;
@group(0) @binding(3) var<storage, read> gates: array<f32>;
@group(0) @binding(4) var<storage, read> betas: array<f32>;
@group(0) @binding(5) var<storage, read> dos: array<f32>;
@group(0) @binding(6) var<storage, read> hist: array<f32>;
@group(0) @binding(7) var<storage, read_write> dstate: array<f32>;
@group(0) @binding(8) var<storage, read_write> dshist: array<f32>;
@group(0) @binding(9) var<storage, read_write> wup: array<f32>;
@group(0) @binding(10) var<storage, read_write> dvs: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  var ds: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    ds[c] = 0.0;
    if (prm.t1 < prm.tm) { ds[c] = dstate[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var i = prm.t1; i > prm.t0; i--) {
    let t = i - 1u;
    let st = n * prm.tm + t;
    let d = dos[st * ${dv}u + j];
    var w = 0.0;
    var u = 0.0;
    var p = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      ds[c] = ds[c] + qs[st * ${dk}u + c] * d;
      dshist[(st * ${dk}u + c) * ${dv}u + j] = ds[c];
      let kc = ks[st * ${dk}u + c];
      w = w + kc * ds[c];
      if (t > 0u) {
        let prev = hist[((st - 1u) * ${dk}u + c) * ${dv}u + j];
        u = u + kc * prev;
        p = p + ds[c] * prev;
      }
    }
    wup[(st * ${dv}u + j) * 3u] = w;
    wup[(st * ${dv}u + j) * 3u + 1u] = u;
    wup[(st * ${dv}u + j) * 3u + 2u] = p;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    var be = 0.0;
    var bw = 1.0;
    if (prm.delta == 1u) {
      be = betas[st];
      bw = be;
    }
    dvs[st * ${dv}u + j] = bw * w;
    let bwk = be * w;
    for (var c = 0u; c < ${dk}u; c++) {
      ds[c] = g * (ds[c] - ks[st * ${dk}u + c] * bwk);
    }
  }
  for (var c = 0u; c < ${dk}u; c++) { dstate[(n * ${dk}u + c) * ${dv}u + j] = ds[c]; }
}
`;
}
