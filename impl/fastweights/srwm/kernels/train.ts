/**
 * SRWM training: one invocation per run (a seed, with its own η) takes the
 * episodes [begin, end) of its code sequence, each one forward + BPTT
 * (./episode.ts) and, when `update` is 1, one Adam step with the original's
 * per-tensor clip:
 *   for each of the 9 tensors: ‖g‖ = sqrt(Σ g²); scale = clip/‖g‖ when ‖g‖ > clip, else 1;
 *   ĝ = g·scale; m ← β₁m + (1−β₁)ĝ; v ← β₂v + (1−β₂)(ĝ·ĝ);
 *   p ← p − (lr·(m·c₁))/(sqrt(v·c₂) + ε), c₁ = 1/(1 − β₁ᵗ), c₂ = 1/(1 − β₂ᵗ),
 * with β₁ᵗ, β₂ᵗ carried as running products in the state. The program runner
 * splits a run into episode ranges that fit the adapter's loop budget.
 * Parameters and moments are updated in place in their buffers; the episode's
 * tape lives in the run's slice of the scratch buffer. No host sync.
 *
 * Uniforms (`prm_u`): runs R, steps (episodes per run), begin, end (filled by
 * the runner), update (0/1), lr, b1, b2, omb1 (1 − b1), omb2 (1 − b2), eps,
 * clip, one (= 1, makes loop trip counts opaque: see `srwmOpaqueLoops`).
 * Bindings: params [R, P] (read and written); state [R, 2P + 2] (m, v, β₁ᵗ,
 * β₂ᵗ; read and written); codes u32 [R, steps]; etas [R]; losses [R, steps];
 * grads [R, P] (the last episode's gradients); scr (scratch)
 * [R, srwmScratchSize(H)].
 * Grid: ceil(R / 8) workgroups of 8.
 * Accuracy: one episode as the routine (bounds in spec/fastweights/srwm/gpu_test.ts); errors
 * then compound over steps, so claims compare single episodes and trained accuracies.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import {
  srwmBackwardLoops,
  srwmBindArrays,
  srwmEpisodeWgsl,
  srwmForwardLoops,
  srwmLoadLoops,
  srwmOffsets,
  srwmOpaqueLoops,
  srwmScratchSize,
} from "./episode.ts";

/** Loop-header evaluations of one training step (episode, backward, Adam). */
export function srwmStepLoops(H: number): number {
  const o = srwmOffsets(H);
  const tensors = 9;
  return srwmLoadLoops() + srwmForwardLoops(H) + srwmBackwardLoops(H) +
    2 * (o.total + tensors);
}

/** Loop-header evaluations of one invocation taking `count` steps. */
export function srwmTrainLoops(H: number, count: number): number {
  const P = srwmOffsets(H).total;
  return (P + 1) + (count + 1) + count * srwmStepLoops(H);
}

/** Compile-time sizes of the SRWM kernels: the hidden size H. */
export interface SrwmSizes extends Record<string, number> {
  /**
   * Hidden size H (1..16, checked by the SRWM entry points); its offsets and scratch slices are
   * baked into the WGSL.
   */
  hidden: number;
}

/** The routines' named arrays mapped onto the train kernel's storage, loops made opaque. */
function bindTrain(code: string, H: number): string {
  return srwmOpaqueLoops(srwmBindArrays(code, H, {
    prm: "params[po + ",
    ms: "state[so + ",
    vv: `state[so + ${srwmOffsets(H).total}u + `,
  }));
}

function adamSource(H: number): string {
  const o = srwmOffsets(H);
  const tensors: [number, number][] = [
    [o.ws, H * H],
    [o.wx, H * 4],
    [o.wy, H],
    [o.ar, H * H],
    [o.ac, H * H],
    [o.av, H],
    [o.ag, H],
    [o.bh, H],
    [o.by, 1],
  ];
  return tensors.map(([off, n]) => `
    {
      var ss = 0.0;
      for (var i = ${off}u; i < ${off + n}u; i++) { ss = ss + gr[i] * gr[i]; }
      let nrm = sqrt(ss);
      var sc = 1.0;
      if (nrm > prm_u.clip) { sc = prm_u.clip / nrm; }
      for (var i = ${off}u; i < ${off + n}u; i++) {
        let g = gr[i] * sc;
        let m = prm_u.b1 * ms[i] + prm_u.omb1 * g;
        let v = prm_u.b2 * vv[i] + prm_u.omb2 * (g * g);
        ms[i] = m;
        vv[i] = v;
        prm[i] = prm[i] - (prm_u.lr * (m * c1)) / (sqrt(v * c2) + prm_u.eps);
      }
    }`).join("");
}

/** The training kernel; `steps` of a dispatch are the episodes each run takes. */
export const SRWM_TRAIN: Program<SrwmSizes> = defineProgram<SrwmSizes>({
  name: "fastweights_srwm_train",
  workgroupSize: 8,
  uniformVar: "prm_u",
  uniforms: {
    runs: "u32",
    steps: "u32",
    begin: "u32",
    end: "u32",
    update: "u32",
    lr: "f32",
    b1: "f32",
    b2: "f32",
    omb1: "f32",
    omb2: "f32",
    eps: "f32",
    clip: "f32",
    one: "u32",
  },
  bindings: {
    params: { access: "read_write" },
    state: { access: "read_write" },
    codes: { access: "read", type: "u32" },
    etas: { access: "read" },
    losses: { access: "read_write" },
    grads: { access: "read_write" },
    scr: { access: "read_write" },
  },
  helpers: ({ hidden: H }) =>
    bindTrain(
      `
var<private> po: u32;
var<private> so: u32;
var<private> sb: u32;
${srwmEpisodeWgsl(H)}`,
      H,
    ),
  main: ({ hidden: H }) => {
    const P = srwmOffsets(H).total;
    return bindTrain(
      `
  let r = gid.x;
  if (r >= prm_u.runs) { return; }
  one = prm_u.one;
  po = r * ${P}u;
  so = r * ${2 * P + 2}u;
  sb = r * ${srwmScratchSize(H)}u;
  var b1t = state[so + ${2 * P}u];
  var b2t = state[so + ${2 * P + 1}u];
  let eta = etas[r];
  for (var step = prm_u.begin; step < prm_u.end; step++) {
    let e = r * prm_u.steps + step;
    srwm_load(codes[e]);
    losses[e] = srwm_forward(eta);
    srwm_backward(eta);
    if (prm_u.update == 1u) {
      b1t = b1t * prm_u.b1;
      b2t = b2t * prm_u.b2;
      let c1 = 1.0 / (1.0 - b1t);
      let c2 = 1.0 / (1.0 - b2t);${adamSource(H)}
    }
  }
  state[so + ${2 * P}u] = b1t;
  state[so + ${2 * P + 1}u] = b2t;
  for (var i = 0u; i < ${P}u; i++) { grads[po + i] = gr[i]; }`,
      H,
    );
  },
  loopIterations: ({ hidden: H }, steps) => srwmTrainLoops(H, steps),
  split: { begin: "begin", end: "end" },
});
