/**
 * Chunkwise gated delta rule, pass "maps": each chunk's affine state map
 * S_out = G_c·S_in − B_c S_in + L_c, from the solve pass's X = [X_v | X_w]:
 *   L_c = Σ_s (Π_{r>s in chunk} g_r)·k_sᵀ·x_s[0..DV)        (DK × DV)
 *   B_c = Σ_s (Π_{r>s in chunk} g_r)·k_sᵀ·x_s[DV..DV+DK)    (DK × DK)
 * (G_c = Π_{r∈chunk} g_r is recomputed by the carry). Both by the running
 * update acc ← g_s·acc + k_sᵀ·x_s[r] over the chunk from acc = 0, as the
 * retention chunk summary: products only. One invocation per (sequence, chunk,
 * column r of X); it writes column r of the [n, nc, DK, DV + DK] map buffer.
 *
 * Bindings: 0 uniform {n, tm, chunk, nc}; 1 k [n, tm, DK]; 2 gates [n, tm];
 * 3 x [n, tm, DV + DK]; 4 maps [n, nc, DK, DV + DK].
 * Grid: ceil(n·nc·(DV + DK) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): two roundings per step and entry on tracked x
 * (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the chunk-map pass for key size `dk` and value size `dv`. */
export function retentionDeltaMapsWgsl(dk: number, dv: number): string {
  const w = dk + dv;
  return `
struct Params { n: u32, tm: u32, chunk: u32, nc: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ks: array<f32>;
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read> xs: array<f32>;
@group(0) @binding(4) var<storage, read_write> maps: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * prm.nc * ${w}u) { return; }
  let nci = gi / ${w}u;
  let r = gi % ${w}u;
  let n = nci / prm.nc;
  let c0 = (nci % prm.nc) * prm.chunk;
  let c1 = min(c0 + prm.chunk, prm.tm);
  var acc: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) { acc[c] = 0.0; }
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    let g = gates[st];
    let x = xs[st * ${w}u + r];
    for (var c = 0u; c < ${dk}u; c++) { acc[c] = g * acc[c] + ks[st * ${dk}u + c] * x; }
  }
  for (var c = 0u; c < ${dk}u; c++) { maps[(nci * ${dk}u + c) * ${w}u + r] = acc[c]; }
}
`;
}
