/**
 * Chunkwise (gated) retention, pass 1 of 3: each chunk's own contribution to
 * the state, L_c[:, j] = Σ_{s∈chunk} (Π_{r∈chunk, r>s} g_r)·k_sᵀ·v_s[j], by running
 * l ← g_t·l + k_t·v_t[j] over the chunk from l = 0. Chunks are independent, so
 * every (sequence, chunk, column) is one invocation. Products only: nothing is
 * divided by a cumulative decay (the original's division is wrong below ~0.5623).
 *
 * Bindings: 0 uniform {n, tm, chunk, nc, per_seq}; 1 k [n, tm, DK]; 2 v [n, tm, DV];
 * 3 gates [n, tm], or [n] when per_seq (retention's γ); 4 l [n, nc, DK, DV].
 * Grid: ceil(n·nc·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): the recurrent form's per-step rounding over ≤ chunk steps.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the chunk-summary pass for key size `dk` and value size `dv`. */
export function retentionChunkSummaryWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, chunk: u32, nc: u32, per_seq: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ks: array<f32>;
@group(0) @binding(2) var<storage, read> vs: array<f32>;
@group(0) @binding(3) var<storage, read> gates: array<f32>;
@group(0) @binding(4) var<storage, read_write> ls: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * prm.nc * ${dv}u) { return; }
  let nci = gi / ${dv}u;
  let j = gi % ${dv}u;
  let n = nci / prm.nc;
  let ci = nci % prm.nc;
  let c0 = ci * prm.chunk;
  let c1 = min(c0 + prm.chunk, prm.tm);
  var l: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) { l[c] = 0.0; }
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    let v = vs[st * ${dv}u + j];
    for (var c = 0u; c < ${dk}u; c++) { l[c] = g * l[c] + ks[st * ${dk}u + c] * v; }
  }
  for (var c = 0u; c < ${dk}u; c++) { ls[(nci * ${dk}u + c) * ${dv}u + j] = l[c]; }
}
`;
}
