/**
 * Key-value binding, evaluation: one invocation per episode runs
 * `kv_episode` (./episode.ts) with the projector of its group
 * (group = episode / per_group) and writes the read, the fast weights, the
 * loss and ∂L/∂W_K of that episode. Episodes are independent: no training.
 *
 * Uniforms: episodes E, per_group.
 * Bindings: wks (projectors) [G, D, D]; keys [E, N, D]; vals [E, N, DV];
 * query u32 [E] (index of the queried pair); ys [E, DV]; fasts [E, DV, D];
 * losses [E]; grads (∂L/∂W_K) [E, D, D].
 * Grid: ceil(E / 64) workgroups of 64, tiled.
 * Accuracy: class T3 sums of d, N or d_v terms (see the routine).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { type KvDims, kvEpisodeLoops, kvEpisodeWgsl } from "./episode.ts";

/** Loop-header evaluations of one evaluation invocation. */
export function kvEvalLoops(dims: KvDims): number {
  const dd = dims.keyDim * dims.keyDim;
  return dd + 1 + kvEpisodeLoops(dims) + dims.valueDim + 1 + 2 * (dd + 1);
}

/** The evaluation kernel; sizes are the task's {@link KvDims}. */
export const KV_EVAL: Program<KvDims> = defineProgram<KvDims>({
  name: "fastweights_kv_eval",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { episodes: "u32", per_group: "u32" },
  bindings: {
    wks: { access: "read" },
    keys: { access: "read" },
    vals: { access: "read" },
    query: { access: "read", type: "u32" },
    ys: { access: "read_write" },
    fasts: { access: "read_write" },
    losses: { access: "read_write" },
    grads: { access: "read_write" },
  },
  helpers: (dims) => kvEpisodeWgsl(dims),
  main: ({ keyDim: D, valueDim: DV, pairs: N }) => `
  let e = wg * 64u + lid;
  if (e >= prm.episodes) { return; }
  let grp = e / prm.per_group;
  for (var i = 0u; i < ${D * D}u; i++) { wk[i] = wks[grp * ${D * D}u + i]; }
  losses[e] = kv_episode(e * ${N * D}u, e * ${N * DV}u, query[e]);
  for (var a = 0u; a < ${DV}u; a++) { ys[e * ${DV}u + a] = yv[a]; }
  for (var i = 0u; i < ${DV * D}u; i++) { fasts[e * ${DV * D}u + i] = fastw[i]; }
  for (var i = 0u; i < ${D * D}u; i++) { grads[e * ${D * D}u + i] = grad[i]; }`,
  loopIterations: (dims) => kvEvalLoops(dims),
});
