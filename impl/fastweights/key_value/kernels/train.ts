/**
 * Key-value binding, training: one invocation per seed takes `count`
 * consecutive online SGD steps (steps first..first+count−1 of its episode
 * sequence) with the projector held in a private array:
 *   grad = ∂L/∂W_K of the step's episode (`kv_episode`);
 *   ‖grad‖ = sqrt(Σ grad²) (left to right); scale = maxNorm/‖grad‖ when ‖grad‖ > maxNorm, else 1;
 *   W_K ← W_K − (lr·scale)·grad.
 * The host splits a run into chunks that fit the adapter's loop budget; W_K
 * goes back to `wks` at the end of every chunk. Losses go to losses[s, step].
 *
 * Bindings: 0 uniform {seeds, steps, first, count, lr, maxNorm}; 1 wks [S, D, D]
 * (read and written); 2 keys [S, steps, N, D]; 3 values [S, steps, N, DV];
 * 4 query u32 [S, steps]; 5 losses [S, steps].
 * Grid: ceil(S / 64) workgroups of 64.
 * Accuracy: per step as the routine, plus a D²-term sum, a WGSL sqrt and a
 * division; errors then compound over steps, so claims compare single steps.
 *
 * @module
 */
import { type KvDims, kvEpisodeLoops, kvEpisodeWgsl } from "./episode.ts";

/** Loop-header evaluations of one training invocation taking `count` steps. */
export function kvTrainLoops(dims: KvDims, count: number): number {
  const dd = dims.keyDim * dims.keyDim;
  return 2 * (dd + 1) + (count + 1) + count * (kvEpisodeLoops(dims) + 2 * (dd + 1));
}

/** WGSL of the training kernel. */
export function kvTrainWgsl(dims: KvDims): string {
  const { keyDim: D, valueDim: DV, pairs: N } = dims;
  return `
struct Params { seeds: u32, steps: u32, first: u32, count: u32, lr: f32, max_norm: f32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read_write> wks: array<f32>;
@group(0) @binding(2) var<storage, read> keys: array<f32>;
@group(0) @binding(3) var<storage, read> vals: array<f32>;
@group(0) @binding(4) var<storage, read> query: array<u32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
${kvEpisodeWgsl(dims)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let s = gid.x;
  if (s >= prm.seeds) { return; }
  for (var i = 0u; i < ${D * D}u; i++) { wk[i] = wks[s * ${D * D}u + i]; }
  for (var step = prm.first; step < prm.first + prm.count; step++) {
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
  for (var i = 0u; i < ${D * D}u; i++) { wks[s * ${D * D}u + i] = wk[i]; }
}
`;
}
