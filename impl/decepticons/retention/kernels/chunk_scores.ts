/**
 * Chunkwise forms, pass "scores": for each (sequence n, step t) in the chunk
 * starting at c0, the gate-weighted score row, computed once and reused by
 * every value column of the output pass:
 *   P[t, s] = D_ts·(q_t·k_s)              for c0 ≤ s ≤ t
 *   A[t, s] = β_t·(D_ts·(k_t·k_s))        for c0 ≤ s < t (delta only)
 *   din[t]  = D_{t,c0−1} = Π_{r=c0..t} g_r
 * with D_ts = Π_{r=s+1..t} g_r built as a running product while s walks down
 * (D_{t,s−1} = D_ts·g_s): no division, exact structure for every gate in (0, 1].
 * Entries with s > t are neither written nor read. The key-key products are
 * generated only for the delta variant (retention skips that work).
 *
 * Bindings: 0 uniform {n, tm, chunk, delta, per_seq}; 1 q [n, tm, DK]; 2 k [n, tm, DK];
 * 3 gates [n, tm] or [n] (per_seq: retention's γ); 4 beta [n, tm] (read when delta);
 * 5 p [n, tm, chunk]; 6 a [n, tm, chunk] (written when delta); 7 din [n, tm].
 * Grid: ceil(n·tm / 64) workgroups of 64, tiled; one invocation per (sequence, step).
 * Accuracy (class T3): a DK-term dot product times a ≤ chunk-long running gate
 * product, one more rounding for β (spec/decepticons/retention/gpu_test.ts tracks it).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the score pass for key size `dk`, with A and β when `delta`. */
export function retentionChunkScoresWgsl(dk: number, delta: boolean): string {
  const kk = delta ? "kk = kk + ks[st * " + dk + "u + c] * kc;" : "";
  const a = delta ? "if (i - 1u < t) { as_[col] = be * (d * kk); }" : "";
  return `
struct Params { n: u32, tm: u32, chunk: u32, delta: u32, per_seq: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> qs: array<f32>;
@group(0) @binding(2) var<storage, read> ks: array<f32>;
@group(0) @binding(3) var<storage, read> gates: array<f32>;
@group(0) @binding(4) var<storage, read> betas: array<f32>;
@group(0) @binding(5) var<storage, read_write> ps: array<f32>;
@group(0) @binding(6) var<storage, read_write> as_: array<f32>;
@group(0) @binding(7) var<storage, read_write> din: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let st = linear_workgroup(wid, nwg) * 64u + lid;
  if (st >= prm.n * prm.tm) { return; }
  let n = st / prm.tm;
  let t = st % prm.tm;
  let c0 = (t / prm.chunk) * prm.chunk;
  var be = 0.0;
  if (prm.delta == 1u) {
    be = betas[st];
    as_[st * prm.chunk] = 0.0; // A[t, c0] (overwritten below when c0 < t); keeps the binding used
  }
  var d = 1.0;
  for (var i = t + 1u; i > c0; i--) {
    let ss = n * prm.tm + i - 1u;
    var qk = 0.0;
    var kk = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      let kc = ks[ss * ${dk}u + c];
      qk = qk + qs[st * ${dk}u + c] * kc;
      ${kk}
    }
    let col = st * prm.chunk + (i - 1u - c0);
    ps[col] = d * qk;
    ${a}
    var g = gates[ss];
    if (prm.per_seq == 1u) { g = gates[n]; }
    d = d * g;
  }
  din[st] = d;
}
`;
}
