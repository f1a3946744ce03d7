/**
 * SRWM evaluation: one invocation per (run, block of `block` episodes) runs
 * each episode's forward (./episode.ts) with its run's parameters and η and
 * writes how many of the 4 query steps it answers right (y > 0.5 ⇔ y* = 1)
 * and the episode's loss.
 *
 * Uniforms (`prm_u`): runs R, episodes E (per run), block, blocks
 * (= ceil(E / block)), one (= 1, see `srwmOpaqueLoops`).
 * Bindings: params [R, P]; codes u32 [R, E]; etas [R]; correct u32 [R, E];
 * losses [R, E]; scr (scratch) [R·blocks, srwmScratchSize(H)].
 * Grid: ceil(R·blocks / 64) workgroups of 64 (tiled).
 * Accuracy: a correct count is exact unless some y lies within the forward's f32 error of 0.5.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
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
import type { SrwmSizes } from "./train.ts";

/** Loop-header evaluations of one invocation taking `block` episodes. */
export function srwmEvalLoops(H: number, block: number): number {
  return (block + 1) + block * (srwmLoadLoops() + srwmForwardLoops(H) + SRWM_STEPS / 2 + 1);
}

/** The routines' named arrays mapped onto the eval kernel's storage, loops made opaque. */
function bindEval(code: string, H: number): string {
  return srwmOpaqueLoops(srwmBindArrays(code, H, { prm: "params[po + " }));
}

/** The evaluation kernel; `steps` of a dispatch are the episodes of one block. */
export const SRWM_EVAL: Program<SrwmSizes> = defineProgram<SrwmSizes>({
  name: "fastweights_srwm_eval",
  workgroupSize: 64,
  uniformVar: "prm_u",
  uniforms: { runs: "u32", episodes: "u32", block: "u32", blocks: "u32", one: "u32" },
  bindings: {
    params: { access: "read" },
    codes: { access: "read", type: "u32" },
    etas: { access: "read" },
    correct: { access: "read_write", type: "u32" },
    losses: { access: "read_write" },
    scr: { access: "read_write" },
  },
  helpers: ({ hidden: H }) =>
    bindEval(
      `
var<private> po: u32;
var<private> sb: u32;
${srwmEpisodeWgsl(H)}`,
      H,
    ),
  main: ({ hidden: H }) =>
    bindEval(
      `
  let idx = wg * 64u + lid;
  if (idx >= prm_u.runs * prm_u.blocks) { return; }
  one = prm_u.one;
  let r = idx / prm_u.blocks;
  let first = (idx % prm_u.blocks) * prm_u.block;
  let last = min(first + prm_u.block, prm_u.episodes);
  po = r * ${srwmOffsets(H).total}u;
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
  }`,
      H,
    ),
  loopIterations: ({ hidden: H }, steps) => srwmEvalLoops(H, steps),
});
