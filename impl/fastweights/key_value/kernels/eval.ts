/**
 * Key-value binding, evaluation: one invocation per episode runs
 * `kv_episode` (fastweights_kv_episode.ts) with the projector of its group
 * (group = episode / perGroup) and writes the read, the fast weights, the
 * loss and ∂L/∂W_K of that episode. Episodes are independent: no training.
 *
 * Bindings: 0 uniform {episodes, perGroup}; 1 wks [G, D, D]; 2 keys [E, N, D];
 * 3 values [E, N, DV]; 4 query u32 [E]; 5 y [E, DV]; 6 fast [E, DV, D];
 * 7 loss [E]; 8 grads [E, D, D].
 * Grid: ceil(E / 64) workgroups of 64, tiled.
 * Accuracy: class T3 sums of d, N or d_v terms (see the routine).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { type KvDims, kvEpisodeWgsl } from "./episode.ts";

/** WGSL of the evaluation kernel. */
export function kvEvalWgsl(dims: KvDims): string {
  const { keyDim: D, valueDim: DV, pairs: N } = dims;
  return `
struct Params { episodes: u32, per_group: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> wks: array<f32>;
@group(0) @binding(2) var<storage, read> keys: array<f32>;
@group(0) @binding(3) var<storage, read> vals: array<f32>;
@group(0) @binding(4) var<storage, read> query: array<u32>;
@group(0) @binding(5) var<storage, read_write> ys: array<f32>;
@group(0) @binding(6) var<storage, read_write> fasts: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;
@group(0) @binding(8) var<storage, read_write> grads: array<f32>;
${WGSL_LINEAR_WORKGROUP}
${kvEpisodeWgsl(dims)}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let e = linear_workgroup(wid, nwg) * 64u + lid;
  if (e >= prm.episodes) { return; }
  let grp = e / prm.per_group;
  for (var i = 0u; i < ${D * D}u; i++) { wk[i] = wks[grp * ${D * D}u + i]; }
  losses[e] = kv_episode(e * ${N * D}u, e * ${N * DV}u, query[e]);
  for (var a = 0u; a < ${DV}u; a++) { ys[e * ${DV}u + a] = yv[a]; }
  for (var i = 0u; i < ${DV * D}u; i++) { fasts[e * ${DV * D}u + i] = fastw[i]; }
  for (var i = 0u; i < ${D * D}u; i++) { grads[e * ${D * D}u + i] = grad[i]; }
}
`;
}
