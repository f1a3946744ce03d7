/**
 * Matrix-memory recurrence, backward, pass 2 of 2: per (sequence n, step t,
 * role r), from S_t and S_{t−1} (forward history), dS_t (pass 1's history)
 * and pass 1's per-column (w_j, u_j, p_j):
 * - r < DK (c = r): dq_t[c] = Σ_j S_t[c, j]·do_t[j] and
 *   dk_t[c] = Σ_j w·dS[c, j]·v_t[j] − g_t·β_t·(dS[c, j]·u_j + S_{t−1}[c, j]·w_j);
 * - r = DK: dg_t = Σ_j p_j − β_t·w_j·u_j and dβ_t = Σ_j w_j·(v_t[j] − g_t·u_j)
 *   (delta only; w = 1, β = 0 for retention).
 *
 * Bindings: 0 uniform {n, tm, delta, per_seq}; 1 v [n, tm, DV];
 * 2 gates [n, tm] or [n] (per_seq); 3 beta [n, tm];
 * 4 do [n, tm, DV]; 5 hist [n, tm, DK, DV]; 6 dshist [n, tm, DK, DV]; 7 wup [n, tm, DV, 3];
 * 8 dq [n, tm, DK]; 9 dk [n, tm, DK]; 10 dgates [n, tm]; 11 dbeta [n, tm] (written when delta).
 * Grid: ceil(n·tm·(DK + 1) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): DV-term dot products of tracked inputs
 * (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the gradient gathering pass for key size `dk` and value size `dv`. */
export function retentionGradsWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, delta: u32, per_seq: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> vs: array<f32>;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read> betas: array<f32>;
@group(0) @binding(4) var<storage, read> dos: array<f32>;
@group(0) @binding(5) var<storage, read> hist: array<f32>;
@group(0) @binding(6) var<storage, read> dshist: array<f32>;
@group(0) @binding(7) var<storage, read> wup: array<f32>;
@group(0) @binding(8) var<storage, read_write> dqs: array<f32>;
@group(0) @binding(9) var<storage, read_write> dks: array<f32>;
@group(0) @binding(10) var<storage, read_write> dgs: array<f32>;
@group(0) @binding(11) var<storage, read_write> dbs: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * prm.tm * ${dk + 1}u) { return; }
  let st = gi / ${dk + 1}u;
  let r = gi % ${dk + 1}u;
  let t = st % prm.tm;
  var g = gates[st];
  if (prm.per_seq == 1u) { g = gates[st / prm.tm]; }
  var be = 0.0;
  var bw = 1.0;
  if (prm.delta == 1u) {
    be = betas[st];
    bw = be;
  }
  if (r == ${dk}u) {
    var dg = 0.0;
    var db = 0.0;
    for (var j = 0u; j < ${dv}u; j++) {
      let w = wup[(st * ${dv}u + j) * 3u];
      let u = wup[(st * ${dv}u + j) * 3u + 1u];
      dg = dg + (wup[(st * ${dv}u + j) * 3u + 2u] - be * (w * u));
      db = db + w * (vs[st * ${dv}u + j] - g * u);
    }
    dgs[st] = dg;
    if (prm.delta == 1u) { dbs[st] = db; }
    return;
  }
  let row = (st * ${dk}u + r) * ${dv}u;
  var dq = 0.0;
  var dkey = 0.0;
  let gb = g * be;
  for (var j = 0u; j < ${dv}u; j++) {
    let ds = dshist[row + j];
    dq = dq + hist[row + j] * dos[st * ${dv}u + j];
    var prev = 0.0;
    if (t > 0u) { prev = hist[row - ${dk * dv}u + j]; }
    let w = wup[(st * ${dv}u + j) * 3u];
    let u = wup[(st * ${dv}u + j) * 3u + 1u];
    dkey = dkey + (bw * (ds * vs[st * ${dv}u + j]) - gb * (ds * u + prev * w));
  }
  dqs[st * ${dk}u + r] = dq;
  dks[st * ${dk}u + r] = dkey;
}
`;
}
