/**
 * The self-referential weight matrix on the GPU (cybertronai/schmidhuber-problems PR #8,
 * self-referential-weight-matrix/): an Elman net whose recurrent matrix is
 * W_eff = W_slow + W_fast, where W_fast is rewritten every step by the net
 * itself through soft row/column addresses r = softmax(A_row h),
 * c = softmax(A_col h), a value v = tanh(A_val·h) and a gate
 * g = σ(A_gate·h): W_fast ← W_fast + η g v r cᵀ. Trained by BPTT on 8-step
 * Boolean meta-learning episodes (4 labelled demos of AND, OR, XOR or NAND,
 * then 4 unlabelled queries).
 *
 * Initial parameters and episodes are drawn on the host from memspec's
 * `Rng`; the episodes go up once as one u32 code each. Several runs (seeds,
 * each with its own η) train side by side in one kernel, one invocation per
 * run looping over its episodes (split only by the adapter's loop budget),
 * with no host sync until the caller reads a result.
 *
 * @example Train two runs for 50 episodes and evaluate them
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { SRWM_DEFAULTS, srwmEvalCodes, srwmEvaluate, srwmTrain } from "./srwm.ts";
 * import { Rng } from "../../gpu/rng.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const run = srwmTrain(SRWM_DEFAULTS, [{ seed: 0, eta: 0.5 }, { seed: 1, eta: 0 }], 50);
 * const codes = [srwmEvalCodes(new Rng(7), 2), srwmEvalCodes(new Rng(8), 2)];
 * const ev = srwmEvaluate(SRWM_DEFAULTS, run.params, [0.5, 0], codes);
 * strictEqual((await ev.correct.toArray()).length, 16);
 * for (const t of [run.params, run.losses, run.grads, ev.correct, ev.losses]) t.dispose();
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { dispatch, maxStepsPerLaunch } from "../../gpu/program.ts";
import { Rng } from "../../gpu/rng.ts";
import { emptyLike, type Tensor, tensor } from "../../tensor.ts";
import { srwmOffsets, srwmScratchSize } from "./kernels/episode.ts";
import { SRWM_TRAIN, srwmTrainLoops } from "./kernels/train.ts";
import { SRWM_EVAL } from "./kernels/eval.ts";
import {
  checkFiniteList,
  checkInt,
  checkList,
  checkObject,
  checkReal,
  checkRng,
  checkTensor,
  checkTyped,
  shown,
} from "../../validate.ts";

/** Model and optimiser settings. */
export interface SrwmConfig {
  /** Hidden size H (W_slow is H×H); inputs are fixed at 4. */
  readonly hidden: number;
  /** Adam learning rate. */
  readonly lr: number;
  /** Adam β₁. */
  readonly beta1: number;
  /** Adam β₂. */
  readonly beta2: number;
  /** Adam ε. */
  readonly eps: number;
  /** Per-tensor gradient-norm clip. */
  readonly clip: number;
}

/** The original's settings: H = 6, Adam lr 0.01, β (0.9, 0.999), ε 1e-8, clip 5 (η is per run). */
export const SRWM_DEFAULTS: SrwmConfig = {
  hidden: 6,
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  clip: 5,
};

/** The original's fast-weight learning rate η. */
export const SRWM_ETA = 0.5;

/** Training episodes of seed s come from Rng(s + this); the parameters from Rng(s). */
export const SRWM_DATA_OFFSET = 50000;

/** Final evaluation episodes of seed s come from Rng(s + this). */
export const SRWM_EVAL_OFFSET = 99999;

/** Parameters per run: 3H² + H·4 (W_xh) + 4H + 1 (157 at H = 6). */
export function srwmParamCount(hidden: number): number {
  checkInt("srwmParamCount", "hidden", hidden, 1, 4096);
  return srwmOffsets(hidden).total;
}

/** Refuses a configuration that is not an object of finite numbers (H's range is checkHidden's). */
function checkConfig(cfg: SrwmConfig, op: string): void {
  checkObject(op, "the configuration", cfg);
  if (typeof cfg.hidden !== "number") {
    throw new TypeError(
      `Cannot ${op}: expected hidden to be a number but got ${shown(cfg.hidden)}`,
    );
  }
  checkReal(op, "lr", cfg.lr);
  checkReal(op, "beta1", cfg.beta1, 0, 1);
  checkReal(op, "beta2", cfg.beta2, 0, 1);
  checkReal(op, "eps", cfg.eps, 0);
  checkReal(op, "clip", cfg.clip, 0);
}

function checkHidden(hidden: number, op: string): void {
  if (!Number.isInteger(hidden) || hidden < 1 || hidden > 16) {
    throw new RangeError(`Cannot ${op}: hidden must be an integer in [1, 16], got ${hidden}`);
  }
}

/**
 * Initial parameters from `rng`: W_slow, W_xh, W_y, A_row, A_col, A_val,
 * A_gate drawn in that order from U(−s, s), s = 1/√max(H, 4); biases 0.
 */
export function srwmInitParams(hidden: number, rng: Rng): Float32Array {
  checkHidden(hidden, "initialise SRWM parameters");
  const o = srwmOffsets(hidden);
  const s = 1 / Math.sqrt(Math.max(hidden, 4));
  const p = new Float32Array(o.total);
  for (let i = 0; i < o.bh; i++) p[i] = rng.uniformIn(-s, s);
  return p;
}

/** A uniformly random permutation of 0..3 (Fisher–Yates from the top). */
function permutation4(rng: Rng): number[] {
  const a = [0, 1, 2, 3];
  for (let i = 3; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * One episode's code: bits 2t..2t+1 the input pair of step t (0..3 for
 * (−1,−1), (−1,1), (1,−1), (1,1)), demos at t = 0..3, queries at 4..7; bits
 * 16..17 the task (0 AND, 1 OR, 2 XOR, 3 NAND).
 */
export function srwmEncode(
  task: number,
  demo: readonly number[],
  query: readonly number[],
): number {
  let code = (task & 3) << 16;
  [...demo, ...query].forEach((q, t) => code |= (q & 3) << (2 * t));
  return code >>> 0;
}

/** `count` training episodes from `rng`: task = int(4), then the demo and query permutations. */
export function srwmTrainCodes(rng: Rng, count: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let e = 0; e < count; e++) {
    const task = rng.int(4);
    const demo = permutation4(rng);
    out[e] = srwmEncode(task, demo, permutation4(rng));
  }
  return out;
}

/** Evaluation episodes: `perTask` for each task 0..3 in turn (task-major). */
export function srwmEvalCodes(rng: Rng, perTask: number): Uint32Array {
  checkRng("srwmEvalCodes", "rng", rng);
  checkInt("srwmEvalCodes", "perTask", perTask, 1, 2 ** 24);
  const out = new Uint32Array(4 * perTask);
  for (let e = 0; e < out.length; e++) {
    const demo = permutation4(rng);
    out[e] = srwmEncode(Math.floor(e / perTask), demo, permutation4(rng));
  }
  return out;
}

/** One training run: its seed (parameters and episodes) and η. */
export interface SrwmRunSpec {
  /** Seed of the run's initial parameters and training episodes. */
  seed: number;
  /** The run's fast-weight write strength η (0: the ablation without fast weights). */
  eta: number;
}

/** Trained state of R runs (owned by the caller). */
export interface SrwmRun {
  /** [R, P] parameters after the last step. */
  params: Tensor;
  /** [R, steps] loss of every training episode (before its update). */
  losses: Tensor;
  /** [R, P] gradients of each run's last episode. */
  grads: Tensor;
}

/**
 * Records training of R runs from explicit initial parameters and episode
 * codes (`update` false: gradients of the first `steps` episodes only, no
 * Adam step; with steps = 1 that is one episode's loss and gradients).
 *
 * @throws {TypeError} when the sizes disagree. @throws {RangeError} on bad settings.
 */
export function srwmTrainFrom(
  cfg: SrwmConfig,
  initial: readonly ArrayLike<number>[],
  etas: readonly number[],
  codes: readonly Uint32Array[],
  steps: number,
  update = true,
): SrwmRun {
  checkHidden(cfg.hidden, "train an SRWM");
  const H = cfg.hidden;
  const P = srwmParamCount(H);
  const R = initial.length;
  if (R < 1 || etas.length !== R || codes.length !== R) {
    throw new TypeError(
      `Cannot train ${R} SRWM runs with ${etas.length} η values and ${codes.length} code ` +
        "sequences: expected one of each per run",
    );
  }
  for (const [i, p] of initial.entries()) {
    if (p.length !== P) {
      throw new TypeError(`Cannot train SRWM run ${i} from ${p.length} parameters: expected ${P}`);
    }
    if (codes[i]!.length < steps) {
      throw new TypeError(
        `Cannot train SRWM run ${i} for ${steps} steps from ${codes[i]!.length} episodes`,
      );
    }
  }
  if (!Number.isInteger(steps) || steps < 1 || etas.some((e) => !Number.isFinite(e))) {
    throw new RangeError(`Cannot train an SRWM for ${steps} steps with η ${etas.join(", ")}`);
  }
  if (srwmTrainLoops(H, 1) > gpu().maxLoopIterations) {
    throw new RangeError(`Cannot train an SRWM of H = ${H}: past the loop budget`);
  }
  const flatP = new Float32Array(R * P);
  initial.forEach((p, i) => flatP.set(Array.from(p), i * P));
  const flatC = new Uint32Array(R * steps);
  codes.forEach((c, i) => flatC.set(c.subarray(0, steps), i * steps));
  const stateInit = new Float32Array(R * (2 * P + 2));
  for (let i = 0; i < R; i++) stateInit.fill(1, i * (2 * P + 2) + 2 * P, (i + 1) * (2 * P + 2));
  const params = tensor(flatP, [R, P]);
  const state = tensor(stateInit, [R, 2 * P + 2]);
  const codeT = tensor(new Int32Array(flatC.buffer), [R, steps], { dtype: "i32" });
  const etaT = tensor(Float32Array.from(etas), [R]);
  const losses = emptyLike([R, steps], "f32", "srwm losses");
  const grads = emptyLike([R, P], "f32", "srwm grads");
  const scratch = emptyLike([R, srwmScratchSize(H)], "f32", "srwm scratch");
  // The runner splits the steps into launches that fit the loop budget.
  dispatch(SRWM_TRAIN, {
    sizes: { hidden: H },
    uniforms: {
      runs: R,
      steps,
      begin: 0,
      end: 0,
      update: update ? 1 : 0,
      lr: cfg.lr,
      b1: cfg.beta1,
      b2: cfg.beta2,
      omb1: 1 - cfg.beta1,
      omb2: 1 - cfg.beta2,
      eps: cfg.eps,
      clip: cfg.clip,
      one: 1,
    },
    buffers: {
      params: params.buffer,
      state: state.buffer,
      codes: codeT.buffer,
      etas: etaT.buffer,
      losses: losses.buffer,
      grads: grads.buffer,
      scr: scratch.buffer,
    },
    workgroups: Math.ceil(R / 8),
    steps,
  });
  state.dispose();
  scratch.dispose();
  codeT.dispose();
  etaT.dispose();
  return { params, losses, grads };
}

/**
 * Trains one run per spec for `steps` episodes from memspec's draws:
 * parameters from Rng(seed), episodes from Rng(seed + {@link SRWM_DATA_OFFSET}).
 */
export function srwmTrain(cfg: SrwmConfig, runs: readonly SrwmRunSpec[], steps = 3000): SrwmRun {
  const op = "train SRWM runs (srwmTrain)";
  checkConfig(cfg, op);
  checkHidden(cfg.hidden, op);
  checkList("srwmTrain", "runs", runs);
  if (runs.length === 0) {
    throw new RangeError(`Cannot ${op}: expected at least one run spec, got none`);
  }
  runs.forEach((r, i) => {
    checkObject("srwmTrain", `runs[${i}]`, r);
    checkInt("srwmTrain", `runs[${i}].seed`, r.seed, 0, 2 ** 32 - 1 - SRWM_DATA_OFFSET);
    checkReal("srwmTrain", `runs[${i}].eta`, r.eta);
  });
  checkInt("srwmTrain", "steps", steps, 1, Math.floor(2 ** 26 / runs.length));
  return srwmTrainFrom(
    cfg,
    runs.map((r) => srwmInitParams(cfg.hidden, new Rng(r.seed))),
    runs.map((r) => r.eta),
    runs.map((r) => srwmTrainCodes(new Rng(r.seed + SRWM_DATA_OFFSET), steps)),
    steps,
  );
}

/** Outputs of {@link srwmEvaluate} (owned by the caller): [R, E] each. */
export interface SrwmEvaluation {
  /** Query steps answered right per episode (0..4), i32. */
  correct: Tensor;
  /** Loss per episode, f32. */
  losses: Tensor;
}

/**
 * Forward of every run's episodes with its parameters (one dispatch).
 *
 * @param params [R, P] tensor
 * @param codes one equally long code array per run
 * @throws {TypeError} when the sizes disagree.
 */
export function srwmEvaluate(
  cfg: SrwmConfig,
  params: Tensor,
  etas: readonly number[],
  codes: readonly Uint32Array[],
): SrwmEvaluation {
  const op = "evaluate an SRWM (srwmEvaluate)";
  checkConfig(cfg, op);
  checkHidden(cfg.hidden, op);
  checkTensor("srwmEvaluate", "params", params, "f32");
  checkFiniteList("srwmEvaluate", "etas", etas);
  checkList("srwmEvaluate", "codes", codes);
  codes.forEach((c, i) => checkTyped("srwmEvaluate", `codes[${i}]`, c, Uint32Array));
  const P = srwmParamCount(cfg.hidden);
  const R = etas.length;
  const E = codes[0]?.length ?? 0;
  if (
    params.shape.length !== 2 || params.shape[0] !== R || params.shape[1] !== P ||
    codes.length !== R || codes.some((c) => c.length !== E) || E < 1
  ) {
    throw new TypeError(
      `Cannot evaluate SRWM parameters of shape [${params.shape.join(", ")}] with ${R} η ` +
        `values and ${codes.length} code arrays: expected [${R}, ${P}] and ${R} equal arrays`,
    );
  }
  const flatC = new Uint32Array(R * E);
  codes.forEach((c, i) => flatC.set(c, i * E));
  const codeT = tensor(new Int32Array(flatC.buffer), [R, E], { dtype: "i32" });
  const etaT = tensor(Float32Array.from(etas), [R]);
  const out: SrwmEvaluation = {
    correct: emptyLike([R, E], "i32", "srwm correct"),
    losses: emptyLike([R, E], "f32", "srwm eval losses"),
  };
  const H = cfg.hidden;
  const sizes = { hidden: H };
  // Episodes per invocation: at most 32, and as many as fit the loop budget.
  const block = maxStepsPerLaunch(SRWM_EVAL, sizes, 32);
  const blocks = Math.ceil(E / block);
  const scratch = emptyLike([R * blocks, srwmScratchSize(H)], "f32", "srwm eval scratch");
  dispatch(SRWM_EVAL, {
    sizes,
    uniforms: { runs: R, episodes: E, block, blocks, one: 1 },
    buffers: {
      params: params.buffer,
      codes: codeT.buffer,
      etas: etaT.buffer,
      correct: out.correct.buffer,
      losses: out.losses.buffer,
      scr: scratch.buffer,
    },
    workgroups: Math.ceil((R * blocks) / 64),
    steps: block,
  });
  scratch.dispose();
  codeT.dispose();
  etaT.dispose();
  return out;
}
