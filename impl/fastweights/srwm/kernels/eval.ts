/**
 * SRWM evaluation: one invocation per (run, block of `block` episodes) runs
 * each episode's forward (`fastweights_srwm_episode`) with its run's
 * parameters and η and writes how many of the 4 query steps it answers right
 * (y > 0.5 ⇔ y* = 1) and the episode's loss.
 *
 * Bindings: 0 uniform {runs, episodes, block, blocks, one (= 1, see `srwmOpaqueLoops`)};
 * 1 params [R, P]; 2 codes u32 [R, E];
 * 3 etas [R]; 4 correct u32 [R, E]; 5 losses [R, E];
 * 6 scratch [R·blocks, srwmScratchSize(H)].
 * Grid: ceil(R·blocks / 64) workgroups of 64 (tiled).
 * Accuracy: a correct count is exact unless some y lies within the forward's f32 error of 0.5.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import {
  SRWM_STEPS,
  srwmBindArrays,
  srwmEpisodeWgsl,
  srwmForwardLoops,
  srwmLoadLoops,
  srwmOffsets,
  srwmOpaqueLoops,
  srwmScratchSize,
} from "./episode.ts";

/** Loop-header evaluations of one invocation taking `block` episodes. */
export function srwmEvalLoops(H: number, block: number): number {
  return (block + 1) + block * (srwmLoadLoops() + srwmForwardLoops(H) + SRWM_STEPS / 2 + 1);
}

/** WGSL of the evaluation kernel for hidden size H. */
export function srwmEvalWgsl(H: number): string {
  const P = srwmOffsets(H).total;
  return srwmOpaqueLoops(srwmBindArrays(
    `
struct Params { runs: u32, episodes: u32, block: u32, blocks: u32, one: u32 }
@group(0) @binding(0) var<uniform> prm_u: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> codes: array<u32>;
@group(0) @binding(3) var<storage, read> etas: array<f32>;
@group(0) @binding(4) var<storage, read_write> correct: array<u32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
@group(0) @binding(6) var<storage, read_write> scr: array<f32>;
var<private> po: u32;
var<private> sb: u32;
${srwmEpisodeWgsl(H)}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
    @builtin(local_invocation_index) lid: u32) {
  let idx = linear_workgroup(wid, nwg) * 64u + lid;
  if (idx >= prm_u.runs * prm_u.blocks) { return; }
  one = prm_u.one;
  let r = idx / prm_u.blocks;
  let first = (idx % prm_u.blocks) * prm_u.block;
  let last = min(first + prm_u.block, prm_u.episodes);
  po = r * ${P}u;
  sb = idx * ${srwmScratchSize(H)}u;
  let eta = etas[r];
  for (var e = first; e < last; e++) {
    let k = r * prm_u.episodes + e;
    srwm_load(codes[k]);
    losses[k] = srwm_forward(eta);
    var n = 0u;
    for (var t = ${SRWM_STEPS / 2}u; t < ${SRWM_STEPS}u; t++) {
      n = n + select(0u, 1u, (ys[t] > 0.5) == (tg[t] > 0.5));
    }
    correct[k] = n;
  }
}
`,
    H,
    { prm: "params[po + " },
  ));
}
