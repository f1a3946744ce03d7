/**
 * Key-value binding through a trained slow projector on the GPU (cybertronai/schmidhuber-problems PR #8,
 * fast-weights-key-value/): a slow matrix W_K projects the keys, the fast
 * weights W_fast = Σ_t v_t (W_K k_t)ᵀ are rebuilt every episode and read with
 * the projected query, y = W_fast (W_K q). Raw keys share a bias direction b
 * (k_t = α b + β ξ_t/√d), so the projector learns to suppress b.
 *
 * Episodes are drawn on the host from memspec's `Rng` in the original's
 * order and uploaded once; a whole training run of several seeds is one
 * invocation per seed looping over its steps (split only by the adapter's
 * loop budget), with no host sync until the caller reads the result.
 *
 * @example Train two seeds and read their projectors
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { KV_TASK_DEFAULTS, kvTrain } from "./key_value.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const run = kvTrain(KV_TASK_DEFAULTS, [0, 1], { steps: 100 });
 * const wk = await run.wk.toFloat32();   // [2, 8, 8]
 * strictEqual(wk.length, 128);
 * run.wk.dispose();
 * run.losses.dispose();
 * ```
 *
 * @module
 */
import { assertLoopBudget } from "../../gpu/batch.ts";
import { gpu } from "../../gpu/device.ts";
import { dispatch } from "../../gpu/program.ts";
import { Rng } from "../../gpu/rng.ts";
import { emptyLike, type Tensor, tensor } from "../../tensor.ts";
import type { KvDims } from "./kernels/episode.ts";
import { KV_EVAL, kvEvalLoops } from "./kernels/eval.ts";
import { KV_TRAIN, kvTrainLoops } from "./kernels/train.ts";
import {
  checkFiniteList,
  checkInt,
  checkIntList,
  checkObject,
  checkReal,
  checkRng,
  checkTyped,
  shown,
} from "../../validate.ts";

/** Task settings: key and value sizes, pairs per episode, bias weight α, noise weight β. */
export interface KvTaskConfig {
  /** Key size d. */
  readonly keyDim: number;
  /** Value size d_v. */
  readonly valueDim: number;
  /** Key-value pairs N per episode. */
  readonly pairs: number;
  /** Weight α of the bias direction b shared by every key. */
  readonly alpha: number;
  /** Weight β of each key's own noise. */
  readonly beta: number;
}

/** The original's task: d_key = d_val = 8, N = 5, α = 1, β = 0.4. */
export const KV_TASK_DEFAULTS: KvTaskConfig = {
  keyDim: 8,
  valueDim: 8,
  pairs: 5,
  alpha: 1,
  beta: 0.4,
};

/** The bias direction's stream (the original normalises default_rng(13) normals). */
export const KV_BIAS_SEED = 13;

/** Evaluation episodes of seed s come from Rng(s + this), as the original's default_rng(seed + 12345). */
export const KV_EVAL_OFFSET = 12345;

/** Episodes on the host: keys [E, N, d], values [E, N, d_v], query indices [E]. */
export interface KvEpisodeData {
  /** Episodes E. */
  readonly count: number;
  /** Pairs N per episode. */
  readonly pairs: number;
  /** Keys [E, N, d], row-major. */
  readonly keys: Float32Array;
  /** Values [E, N, d_v], row-major. */
  readonly values: Float32Array;
  /** Index of the queried pair of each episode [E]. */
  readonly query: Int32Array;
}

function checkTask(task: KvTaskConfig, op: string): void {
  checkObject(op, "the task", task);
  for (const k of ["keyDim", "valueDim", "pairs", "alpha", "beta"] as const) {
    if (typeof task[k] !== "number") {
      throw new TypeError(`Cannot ${op}: expected ${k} to be a number but got ${shown(task[k])}`);
    }
  }
  for (const k of ["alpha", "beta"] as const) checkReal(op, k, task[k]);
  for (const k of ["keyDim", "valueDim", "pairs"] as const) {
    if (!Number.isInteger(task[k]) || task[k] < 1 || task[k] > 64) {
      throw new RangeError(`Cannot ${op}: ${k} must be an integer in [1, 64], got ${task[k]}`);
    }
  }
}

/** Refuses episode sets too large for one f32 buffer, before drawing or allocating them. */
function checkEpisodeFloats(op: string, count: number, pairs: number, task: KvTaskConfig): void {
  const floats = count * pairs * Math.max(task.keyDim, task.valueDim);
  if (floats > 2 ** 26) {
    throw new RangeError(
      `Cannot run ${op}: ${count} episodes of ${pairs} pairs need ${floats} values per array, ` +
        `expected at most ${2 ** 26}`,
    );
  }
}

/** Refuses episode data whose arrays do not match its counts and the task, or hold bad values. */
function checkEpisodeData(op: string, e: KvEpisodeData, task: KvTaskConfig): void {
  checkInt(op, "episodes.count", e.count, 1, 2 ** 24);
  checkEpisodeFloats(op, e.count, e.pairs, task);
  const { count: E, pairs: N } = e;
  checkTyped(op, "episodes.keys", e.keys, Float32Array, E * N * task.keyDim);
  checkTyped(op, "episodes.values", e.values, Float32Array, E * N * task.valueDim);
  checkTyped(op, "episodes.query", e.query, Int32Array, E);
  checkFiniteList(op, "episodes.keys", e.keys);
  checkFiniteList(op, "episodes.values", e.values);
  checkIntList(op, "episodes.query", e.query, 0, N - 1);
}

/** The unit bias direction from `Rng(seed)` normals. */
export function kvBias(keyDim: number, seed = KV_BIAS_SEED): Float64Array {
  checkInt("kvBias", "keyDim", keyDim, 1, 64);
  checkInt("kvBias", "the seed", seed, 0, 2 ** 32 - 1);
  const rng = new Rng(seed);
  const b = Float64Array.from({ length: keyDim }, () => rng.normal());
  const n = Math.hypot(...b);
  return b.map((x) => x / n);
}

/**
 * Draws `count` episodes from `rng` in the original's order: for each, the
 * noise ξ (N×d normals, /√d), keys α b + β ξ, values (N×d_v normals, /√d_v),
 * then the query index uniform in [0, N).
 */
export function kvDrawEpisodes(
  task: KvTaskConfig,
  bias: ArrayLike<number>,
  rng: Rng,
  count: number,
  pairs = task.pairs,
): KvEpisodeData {
  const op = "draw key-value episodes (kvDrawEpisodes)";
  checkTask(task, op);
  checkTask({ ...task, pairs }, op);
  checkFiniteList("kvDrawEpisodes", "bias", bias, task.keyDim);
  checkRng("kvDrawEpisodes", "rng", rng);
  checkInt("kvDrawEpisodes", "count", count, 1, 2 ** 24);
  checkEpisodeFloats("kvDrawEpisodes", count, pairs, task);
  const { keyDim: d, valueDim: dv } = task;
  const keys = new Float32Array(count * pairs * d);
  const values = new Float32Array(count * pairs * dv);
  const query = new Int32Array(count);
  for (let e = 0; e < count; e++) {
    for (let i = 0; i < pairs * d; i++) {
      keys[e * pairs * d + i] = task.alpha * bias[i % d]! +
        task.beta * (rng.normal() / Math.sqrt(d));
    }
    for (let i = 0; i < pairs * dv; i++) values[e * pairs * dv + i] = rng.normal() / Math.sqrt(dv);
    query[e] = rng.int(pairs);
  }
  return { count, pairs, keys, values, query };
}

/** The initial projector of a seed: I + 0.05·N(0,1), drawn first from `rng`. */
export function kvInitialProjector(keyDim: number, rng: Rng): Float32Array {
  const wk = new Float32Array(keyDim * keyDim);
  for (let i = 0; i < wk.length; i++) {
    wk[i] = (i % (keyDim + 1) === 0 ? 1 : 0) + 0.05 * rng.normal();
  }
  return wk;
}

/** Outputs of {@link kvEvaluate} (owned by the caller). */
export interface KvEvaluation {
  /** Reads y [E, d_v]. */
  y: Tensor;
  /** Fast weights W_fast [E, d_v, d]. */
  fast: Tensor;
  /** Loss of each episode [E]. */
  loss: Tensor;
  /** ∂L/∂W_K of each episode [E, d, d]. */
  grad: Tensor;
}

function dimsOf(task: KvTaskConfig, pairs: number): KvDims {
  return { keyDim: task.keyDim, valueDim: task.valueDim, pairs };
}

/**
 * Runs every episode once (forward and backward, no update) with projector
 * `projectors[e / perGroup]`, one dispatch.
 *
 * @param projectors f32 [G, d, d], row-major
 * @throws {TypeError} when the sizes disagree.
 */
export function kvEvaluate(
  task: KvTaskConfig,
  projectors: ArrayLike<number>,
  episodes: KvEpisodeData,
  perGroup = episodes.count,
): KvEvaluation {
  const ev = "evaluate key-value episodes (kvEvaluate)";
  checkTask(task, ev);
  checkObject(ev, "the episodes", episodes);
  checkTask({ ...task, pairs: episodes.pairs }, ev);
  const { keyDim: d, valueDim: dv } = task;
  const N = episodes.pairs;
  checkEpisodeData("kvEvaluate", episodes, task);
  checkFiniteList("kvEvaluate", "projectors", projectors);
  checkInt("kvEvaluate", "perGroup", perGroup, 1, 2 ** 24);
  const groups = Math.ceil(episodes.count / perGroup);
  if (projectors.length !== groups * d * d) {
    throw new TypeError(
      `Cannot evaluate ${episodes.count} key-value episodes (kvEvaluate) in groups of ${perGroup} with ` +
        `${projectors.length} projector values: expected ${groups} × ${d} × ${d}`,
    );
  }
  const dims = dimsOf(task, N);
  // Checked before anything is allocated (the dispatch would check it too, later).
  assertLoopBudget(KV_EVAL.name, kvEvalLoops(dims));
  const E = episodes.count;
  const inputs = [
    tensor(Float32Array.from(projectors), [groups, d, d]),
    tensor(episodes.keys, [E, N, d]),
    tensor(episodes.values, [E, N, dv]),
    tensor(episodes.query, [E], { dtype: "i32" }),
  ];
  const out: KvEvaluation = {
    y: emptyLike([E, dv], "f32", "kv y"),
    fast: emptyLike([E, dv, d], "f32", "kv fast weights"),
    loss: emptyLike([E], "f32", "kv loss"),
    grad: emptyLike([E, d, d], "f32", "kv grad"),
  };
  const [wks, keys, vals, query] = inputs.map((t) => t.buffer);
  dispatch(KV_EVAL, {
    sizes: dims,
    uniforms: { episodes: E, per_group: perGroup },
    buffers: {
      wks,
      keys,
      vals,
      query,
      ys: out.y.buffer,
      fasts: out.fast.buffer,
      losses: out.loss.buffer,
      grads: out.grad.buffer,
    },
    workgroups: Math.ceil(E / 64),
  });
  for (const t of inputs) t.dispose();
  return out;
}

/** Options of {@link kvTrain}. */
export interface KvTrainOptions {
  /** Online SGD steps (one episode each); default 1500. */
  steps?: number;
  /** Learning rate; default 0.05. */
  lr?: number;
  /** A gradient with Frobenius norm above this is rescaled to it; default 1. */
  maxNorm?: number;
}

/** A training run: projectors [S, d, d] and the loss of every step [S, steps]. */
export interface KvRun {
  /** Trained projectors W_K [S, d, d]. */
  wk: Tensor;
  /** Loss of every step [S, steps], each before its update. */
  losses: Tensor;
}

/** Each seed's initial projector and training episodes, drawn from Rng(seed) in the original's order. */
export function kvTrainingDraws(
  task: KvTaskConfig,
  seed: number,
  steps: number,
  bias: ArrayLike<number> = kvBias(task.keyDim),
): { wk: Float32Array; episodes: KvEpisodeData } {
  const rng = new Rng(seed);
  const wk = kvInitialProjector(task.keyDim, rng);
  return { wk, episodes: kvDrawEpisodes(task, bias, rng, steps) };
}

/**
 * Records SGD training of one projector per seed (in chunks that fit the
 * adapter's loop budget; no host sync) from explicit initial projectors and
 * per-seed episode sequences.
 */
export function kvTrainFrom(
  task: KvTaskConfig,
  initial: readonly ArrayLike<number>[],
  episodes: readonly KvEpisodeData[],
  opts: KvTrainOptions = {},
): KvRun {
  checkTask(task, "train a key-value projector");
  const S = initial.length;
  const steps = episodes[0]?.count ?? 0;
  const { keyDim: d, valueDim: dv, pairs: N } = task;
  if (S < 1 || episodes.length !== S || episodes.some((e) => e.count !== steps || e.pairs !== N)) {
    throw new TypeError(
      `Cannot train ${S} key-value projectors from ${episodes.length} episode sequences: ` +
        `expected one sequence of equal length with N = ${N} per projector`,
    );
  }
  const lr = opts.lr ?? 0.05;
  const maxNorm = opts.maxNorm ?? 1;
  if (!Number.isFinite(lr) || !(maxNorm > 0)) {
    throw new RangeError(`Cannot train with lr ${lr} and maxNorm ${maxNorm}`);
  }
  const dims = dimsOf(task, N);
  if (kvTrainLoops(dims, 1) > gpu().maxLoopIterations) {
    throw new RangeError(
      `Cannot train key-value episodes of N = ${N}: one step exceeds the loop budget`,
    );
  }
  const init = new Float32Array(S * d * d);
  initial.forEach((w, s) => {
    if (w.length !== d * d) {
      throw new TypeError(
        `Cannot train from an initial projector of ${w.length} values: expected ${d} × ${d}`,
      );
    }
    for (let i = 0; i < d * d; i++) init[s * d * d + i] = w[i]!;
  });
  const keysFlat = new Float32Array(S * steps * N * d);
  const valuesFlat = new Float32Array(S * steps * N * dv);
  const queryFlat = new Int32Array(S * steps);
  episodes.forEach((e, s) => {
    keysFlat.set(e.keys, s * steps * N * d);
    valuesFlat.set(e.values, s * steps * N * dv);
    queryFlat.set(e.query, s * steps);
  });
  const wk = tensor(init, [S, d, d]);
  const keys = tensor(keysFlat, [S, steps, N, d]);
  const values = tensor(valuesFlat, [S, steps, N, dv]);
  const query = tensor(queryFlat, [S, steps], { dtype: "i32" });
  const losses = emptyLike([S, steps], "f32", "kv losses");
  // The runner splits the steps into launches that fit the loop budget.
  if (steps > 0) {
    dispatch(KV_TRAIN, {
      sizes: dims,
      uniforms: { seeds: S, steps, begin: 0, end: 0, lr, max_norm: maxNorm },
      buffers: {
        wks: wk.buffer,
        keys: keys.buffer,
        vals: values.buffer,
        query: query.buffer,
        losses: losses.buffer,
      },
      workgroups: Math.ceil(S / 64),
      steps,
    });
  }
  keys.dispose();
  values.dispose();
  query.dispose();
  return { wk, losses };
}

/** Trains one projector per seed from memspec's draws ({@link kvTrainingDraws}). */
export function kvTrain(
  task: KvTaskConfig,
  seeds: readonly number[],
  opts: KvTrainOptions = {},
): KvRun {
  const op = "train key-value projectors (kvTrain)";
  checkTask(task, op);
  checkIntList("kvTrain", "seeds", seeds, 0, 2 ** 32 - 1);
  checkObject("kvTrain", "the options", opts);
  if (opts.steps !== undefined) checkInt("kvTrain", "steps", opts.steps, 1, 2 ** 24);
  if (opts.lr !== undefined) checkReal("kvTrain", "lr", opts.lr);
  if (opts.maxNorm !== undefined) {
    checkReal("kvTrain", "maxNorm", opts.maxNorm, Number.MIN_VALUE);
  }
  const steps = opts.steps ?? 1500;
  checkEpisodeFloats("kvTrain", seeds.length * steps, task.pairs, task);
  const bias = kvBias(task.keyDim);
  const draws = seeds.map((s) => kvTrainingDraws(task, s, steps, bias));
  return kvTrainFrom(task, draws.map((x) => x.wk), draws.map((x) => x.episodes), opts);
}
