/**
 * Chunkwise (gated) retention, pass 2 of 3: the inter-chunk recurrence
 * S_c = G_c·S_{c−1} + L_c with G_c = Π_{r∈chunk} g_r (a product, never a
 * quotient), writing the state ENTERING each chunk for pass 3. One invocation
 * per (sequence, column); chunks [ci0, ci1) per dispatch, the running state
 * carried across dispatches through `state` (read when ci0 > 0).
 *
 * Bindings: 0 uniform {n, tm, chunk, nc, per_seq, ci0, ci1}; 1 gates [n, tm] or [n];
 * 2 l [n, nc, DK, DV]; 3 state [n, DK, DV] (read_write); 4 sin [n, nc, DK, DV].
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): one multiply and one add per chunk and entry, plus the
 * chunk's product of ≤ chunk gates.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the inter-chunk carry for key size `dk` and value size `dv`. */
export function retentionChunkCarryWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, chunk: u32, nc: u32, per_seq: u32, ci0: u32, ci1: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> ls: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> sin: array<f32>;
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
    if (prm.ci0 > 0u) { s[c] = state[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var ci = prm.ci0; ci < prm.ci1; ci++) {
    let c0 = ci * prm.chunk;
    let c1 = min(c0 + prm.chunk, prm.tm);
    var gc = 1.0;
    for (var t = c0; t < c1; t++) {
      var g = gates[n * prm.tm + t];
      if (prm.per_seq == 1u) { g = gates[n]; }
      gc = gc * g;
    }
    let base = (n * prm.nc + ci) * ${dk}u;
    for (var c = 0u; c < ${dk}u; c++) {
      sin[(base + c) * ${dv}u + j] = s[c];
      s[c] = gc * s[c] + ls[(base + c) * ${dv}u + j];
    }
  }
  for (var c = 0u; c < ${dk}u; c++) { state[(n * ${dk}u + c) * ${dv}u + j] = s[c]; }
}
`;
}
