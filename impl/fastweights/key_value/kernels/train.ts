/**
 * Key-value binding, training: one invocation per seed takes the online SGD
 * steps [begin, end) of its episode sequence with the projector held in a
 * private array:
 *   grad = ∂L/∂W_K of the step's episode (`kv_episode`);
 *   ‖grad‖ = sqrt(Σ grad²) (left to right); scale = maxNorm/‖grad‖ when ‖grad‖ > maxNorm, else 1;
 *   W_K ← W_K − (lr·scale)·grad.
 * The program runner splits a run into step ranges that fit the adapter's
 * loop budget; W_K goes back to `wks` at the end of every launch.
 *
 * Uniforms: seeds S, steps (per seed), begin, end (the launch's step range,
 * filled by the runner), lr, max_norm.
 * Bindings: wks (projectors) [S, D, D] (read and written); keys
 * [S, steps, N, D]; vals [S, steps, N, DV]; query u32 [S, steps];
 * losses [S, steps].
 * Grid: ceil(S / 64) workgroups of 64.
 * Accuracy: per step as the routine, plus a D²-term sum, a WGSL sqrt and a
 * division; errors then compound over steps, so claims compare single steps.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { type KvDims, kvEpisodeLoops, kvEpisodeWgsl } from "./episode.ts";

/** Loop-header evaluations of one training invocation taking `count` steps. */
export function kvTrainLoops(dims: KvDims, count: number): number {
  const dd = dims.keyDim * dims.keyDim;
  return 2 * (dd + 1) + (count + 1) + count * (kvEpisodeLoops(dims) + 2 * (dd + 1));
}

/** The training kernel; sizes are the task's {@link KvDims}, steps the SGD steps. */
export const KV_TRAIN: Program<KvDims> = defineProgram<KvDims>({
  name: "fastweights_kv_train",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    seeds: "u32",
    steps: "u32",
    begin: "u32",
    end: "u32",
    lr: "f32",
    max_norm: "f32",
  },
  bindings: {
    wks: { access: "read_write" },
    keys: { access: "read" },
    vals: { access: "read" },
    query: { access: "read", type: "u32" },
    losses: { access: "read_write" },
  },
  helpers: (dims) => kvEpisodeWgsl(dims),
  main: ({ keyDim: D, valueDim: DV, pairs: N }) => `
  let s = gid.x;
  if (s >= prm.seeds) { return; }
  for (var i = 0u; i < ${D * D}u; i++) { wk[i] = wks[s * ${D * D}u + i]; }
  for (var step = prm.begin; step < prm.end; step++) {
    let e = s * prm.steps + step;
    losses[e] = kv_episode(e * ${N * D}u, e * ${N * DV}u, query[e]);
    var ss = 0.0;
    for (var i = 0u; i < ${D * D}u; i++) { ss = ss + grad[i] * grad[i]; }
    let norm = sqrt(ss);
    var scale = 1.0;
    if (norm > prm.max_norm) { scale = prm.max_norm / norm; }
    let c = prm.lr * scale;
    for (var i = 0u; i < ${D * D}u; i++) { wk[i] = wk[i] - c * grad[i]; }
  }
  for (var i = 0u; i < ${D * D}u; i++) { wks[s * ${D * D}u + i] = wk[i]; }`,
  loopIterations: kvTrainLoops,
  split: { begin: "begin", end: "end" },
});
