/**
 * A training run of Larkos 0.3's three trainable modules on the GPU: the neuron-graph
 * reasoner, the temporal attention encoder and the fusion transformer head, trained together
 * with the original's optimiser, schedule and clipping (Okerew/larkos_models:modules/
 * training.py, TrainingLoop): AdamW (weight decay 1e-4, eps 1e-6), cosine annealing (T_max 50,
 * η_min 1e-5), global gradient-norm clipping at 1.0, on a seeded synthetic task whose target
 * depends on the graphs' edge weights and on the input history.
 *
 * The base learning rate is {@link TRAINING_BASE_LR} = 1e-3, not the original's BASE_LR 0.01:
 * at 0.01 these three post-norm transformer stacks do not fit the task within the run (the
 * held-out loss stays near the target's variance), while at 1e-3 they do.
 *
 * The model ({@link LarkosTrainingModel}):
 * - graph tokens G = reasoner(features [b, 8, 8], edges) [b, 8, 64], one reasoner call per
 *   graph (its edges are shared by its b samples), concatenated over the graphs to [B, 8, 64];
 * - the history x [B, 4, 48] through the temporal encoder, flattened to [B, 192] and mapped
 *   by a fixed seeded projection P [192, 64] (N(0, 1/192), never trained, rebuilt from the
 *   seed: the place of the original's weight-free `cognitive_fuse` between the encoder and
 *   the head) to the fused vector, split into band_q = fused[:, :32] and band_m = fused[:, 32:];
 * - the driver token is zero (the task has no driver signal);
 * - out = head(G, band_q, band_m, 0) [B, 8], loss = mean((out − y)²).
 *
 * The task ({@link SyntheticGraphHistoryTask}): each step draws 4 graphs (self-loops of
 * weight 1 and 3 random out-edges per node with weights U(−3, 3)) and 4 samples per graph.
 * A node's features are laid out as `build_graph_inputs` lays them out, with only
 * f₇ = tanh(mean weight of the node's out-edges) non-zero. A sample's four frames are
 * xₖ = cos θₖ·p + sin θₖ·q (p, q fixed orthogonal zero-mean patterns, θₖ ~ U(0, 2π), oldest
 * first). The target is yₒ = g + ½·(−1)ᵒ·h with
 * - g = 2·meanᵢ f₇ᵢ, a function of the graph's edge weights only, and
 * - h = cos θ₀, the phase of the OLDEST frame (the history, not the current input).
 * A model denied the weights (`ablation: "edgeWeightsZeroed"`: every weight, and so f₇, given
 * as 0) cannot predict g, whose best weight-blind prediction is 0 (the weights are symmetric
 * about 0); one denied the history (`ablation: "historyFrozen"`: frames 0–2 given as the
 * fixed pattern p, the current frame kept) cannot predict h, whose best prediction is then 0.
 *
 * Randomness is a function of (seed, step) only: the data of step t, the dropout and noise
 * seeds of step t. A run resumed from a checkpoint of step k therefore continues bit for bit.
 *
 * @example The closed-form cosine schedule
 * ```ts
 * import { cosineAnnealingLr } from "./training.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * strictEqual(cosineAnnealingLr(0), 0.01);
 * ok(Math.abs(cosineAnnealingLr(50) - 1e-5) < 1e-18);
 * ok(Math.abs(cosineAnnealingLr(25) - (1e-5 + (0.01 - 1e-5) / 2)) < 1e-15);
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { backward } from "../../autograd.ts";
import { sub } from "../../ops/binary.ts";
import { mean } from "../../ops/reduce.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { concat } from "../../ops/concat.ts";
import { square } from "../../ops/unary.ts";
import { type AdamW, adamW, clipGradNorm } from "../../ops/optim.ts";
import { keep, readTensors, type Tensor, tensor, tidy } from "../../tensor.ts";
import { LARKOS } from "../config.ts";
import type { GraphEdges } from "../gat_layer/gat_layer.ts";
import { NeuronGraphReasoner } from "../neuron_graph_reasoner/neuron_graph_reasoner.ts";
import { TemporalAttentionEncoder } from "../temporal_encoder/temporal_encoder.ts";
import { FusionTransformerHead } from "../fusion_head/fusion_head.ts";
import { splitBandQM } from "../fusion_head/online_mean_std.ts";
import {
  LARKOS_CHECKPOINT_FORMAT,
  type LarkosCheckpointLoadReport,
  loadLarkosCheckpoint,
  saveLarkosCheckpoint,
} from "../checkpoint/checkpoint.ts";
import { readCheckpointInfo } from "../../io/checkpoint.ts";
import { checkBool, checkInt, checkObject, shown } from "../../validate.ts";

/** An optional real option: undefined → its default, else a number >= `min`, finite in f32. */
function realOption(op: string, what: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(Math.fround(v)) || v < min) {
    throw new RangeError(
      `Cannot ${op}: expected ${what} finite (in f32) and >= ${min} but got ${shown(v)}`,
    );
  }
  return v;
}

/** A seed option: undefined → 0, else an integer in [0, 2³²). */
function seedOption(op: string, v: unknown): number {
  return v === undefined ? 0 : checkInt(op, "seed", v, 0, 0xffffffff);
}

/** A dropout option: undefined → 0.1, else a number in [0, 1). */
function dropoutOption(op: string, v: unknown): number {
  if (v === undefined) return 0.1;
  if (typeof v !== "number" || !(v >= 0 && v < 1)) {
    throw new RangeError(`Cannot ${op}: expected dropout in [0, 1) but got ${shown(v)}`);
  }
  return v;
}

/** Options of {@link cosineAnnealingLr}; defaults are Larkos 0.3's. */
export interface CosineOptions {
  /** Base learning rate; default LARKOS.BASE_LR (0.01). */
  lr?: number;
  /** Floor; default LARKOS.COSINE_ETA_MIN (1e-5). */
  etaMin?: number;
  /** Half period in steps; default LARKOS.COSINE_T_MAX (50). */
  tMax?: number;
}

/**
 * PyTorch's `CosineAnnealingLR` in closed form (`_get_closed_form_lr`):
 * `η_t = η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2` for step t ≥ 0 (periodic: it rises
 * again after T_max, as the closed form does).
 *
 * @throws {RangeError} when t is not an integer ≥ 0, lr or η_min is negative or not finite,
 *   or T_max is not a positive integer.
 *
 * @example
 * ```ts
 * import { cosineAnnealingLr } from "./training.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(cosineAnnealingLr(100, { lr: 1, etaMin: 0, tMax: 50 }), 1);
 * ```
 */
export function cosineAnnealingLr(t: number, options: CosineOptions = {}): number {
  const op = "compute the cosine-annealed learning rate";
  const { lr, etaMin, tMax } = checkSchedule(op, options);
  if (typeof t !== "number" || !Number.isInteger(t) || t < 0) {
    throw new RangeError(
      `Cannot ${op}: expected a step t that is an integer >= 0 but got ${shown(t)}`,
    );
  }
  return etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
}

/** A trainer's `schedule` option (undefined → none given), as a record. */
function checkSchedulePart(op: string, options: TrainerOptions): CosineOptions {
  return options.schedule === undefined
    ? {}
    : checkObject(op, "schedule", options.schedule) as CosineOptions;
}

/** The schedule's options, checked, with Larkos 0.3's defaults. */
function checkSchedule(op: string, options: unknown): Required<CosineOptions> {
  const o = checkObject(op, "the schedule options", options);
  const tMax = o.tMax === undefined ? LARKOS.COSINE_T_MAX : o.tMax;
  if (typeof tMax !== "number" || !Number.isInteger(tMax) || tMax < 1) {
    throw new RangeError(`Cannot ${op}: expected tMax a positive integer but got ${shown(tMax)}`);
  }
  return {
    lr: realOption(op, "lr", o.lr, LARKOS.BASE_LR),
    etaMin: realOption(op, "etaMin", o.etaMin, LARKOS.COSINE_ETA_MIN),
    tMax,
  };
}

/**
 * The base learning rate of memspec's run: 1e-3. At the original's BASE_LR 0.01 (with its
 * AdamW, schedule and clipping) these three post-norm transformer stacks do not fit the task
 * within the run: the held-out loss stays near the target's variance.
 */
export const TRAINING_BASE_LR = 1e-3;

const N = LARKOS.MAX_NEURONS;
const W = LARKOS.TEMPORAL_WINDOW;
const F = LARKOS.FOURIER_OUT_DIM;
const OUT = LARKOS.INTERNAL_DIM;

/** Which input the model is denied (the target is unchanged). */
export type TaskAblation = "none" | "edgeWeightsZeroed" | "historyFrozen";

/** Options of {@link SyntheticGraphHistoryTask}. */
export interface TaskOptions {
  /** Seeds every draw; default 0. */
  seed?: number;
  /** Graphs per batch; default 4. */
  graphs?: number;
  /** Samples per graph; default 4. */
  samplesPerGraph?: number;
  /** What the model is denied; default "none". */
  ablation?: TaskAblation;
  /** Out-edges per node besides the self-loop; default 3. */
  outDegree?: number;
}

/** One batch: host arrays ready to upload. Sample b belongs to graph ⌊b / samplesPerGraph⌋. */
export interface TaskBatch {
  /** Node features [B, 8, 8] as the model sees them (B = graphs · samplesPerGraph). */
  features: Float32Array;
  /** Each graph as the model sees it (weights zero under "edgeWeightsZeroed"). */
  edges: GraphEdges[];
  /** Frames [B, 4, 48], oldest first, as the model sees them. */
  history: Float32Array;
  /** Targets [B, 8], from the true weights and history. */
  target: Float32Array;
  /** The graph part g and the history part h of each sample's target (diagnostics). */
  parts: { g: Float64Array; h: Float64Array };
}

/** Weight range of the task's edges: U(−EDGE_WEIGHT_RANGE, EDGE_WEIGHT_RANGE). */
export const EDGE_WEIGHT_RANGE = 3;

/** The largest batch a task draws (graphs · samplesPerGraph), refused before any work. */
const MAX_TASK_BATCH = 2 ** 16;

/** Checks the task fields of `options` (the seed is checked by the caller). */
function checkTaskOptions(op: string, options: unknown): void {
  const o = checkObject(op, "options", options);
  const graphs = o.graphs === undefined ? 4 : checkInt(op, "graphs", o.graphs, 1, MAX_TASK_BATCH);
  const per = o.samplesPerGraph === undefined
    ? 4
    : checkInt(op, "samplesPerGraph", o.samplesPerGraph, 1, MAX_TASK_BATCH);
  if (graphs * per > MAX_TASK_BATCH) {
    throw new RangeError(
      `Cannot ${op}: expected graphs·samplesPerGraph <= ${MAX_TASK_BATCH} but got ${graphs * per}`,
    );
  }
  const ablation = o.ablation === undefined ? "none" : o.ablation;
  if (ablation !== "none" && ablation !== "edgeWeightsZeroed" && ablation !== "historyFrozen") {
    throw new RangeError(
      `Cannot ${op}: expected ablation "none", "edgeWeightsZeroed" or "historyFrozen" but ` +
        `got ${shown(ablation)}`,
    );
  }
}

/**
 * The seeded synthetic task of the training run (see the module notes): batches are a
 * function of (seed, step) only.
 *
 * @example A batch, drawn twice, and the weight ablation
 * ```ts
 * import { SyntheticGraphHistoryTask } from "./training.ts";
 * import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
 * const task = new SyntheticGraphHistoryTask({ seed: 7 });
 * const b = task.draw(3);
 * strictEqual(b.edges.length, 4);
 * deepStrictEqual(b.target, task.draw(3).target);
 * const blind = new SyntheticGraphHistoryTask({ seed: 7, ablation: "edgeWeightsZeroed" });
 * ok(blind.draw(3).edges.every((e) => e.weights.every((w) => w === 0)));
 * deepStrictEqual(blind.draw(3).target, b.target); // the target keeps the true weights
 * ```
 */
export class SyntheticGraphHistoryTask {
  /** Graphs per batch. */
  readonly graphs: number;
  /** Samples per graph. */
  readonly samplesPerGraph: number;
  /** What the model is denied. */
  readonly ablation: TaskAblation;
  /** Out-edges per node besides the self-loop. */
  readonly outDegree: number;
  readonly #seed: number;
  /** Fixed orthogonal zero-mean patterns p, q (norm √48). */
  readonly #p: Float64Array;
  readonly #q: Float64Array;

  /**
   * A task drawing graphs and histories from `options.seed` (see {@link TaskOptions}).
   *
   * @throws {TypeError} when options is not an object or a field is not a number.
   * @throws {RangeError} for a seed outside [0, 2³²), a graph or sample count that is not an
   *   integer in [1, 2^16] (their product at most 2^16), an out-degree outside [1, 7], or an
   *   unknown ablation.
   */
  constructor(options: TaskOptions = {}) {
    const op = "create SyntheticGraphHistoryTask";
    checkTaskOptions(op, options);
    const seed = seedOption(op, options.seed);
    const graphs = options.graphs ?? 4;
    const per = options.samplesPerGraph ?? 4;
    const outDegree = options.outDegree === undefined
      ? 3
      : checkInt(op, "outDegree", options.outDegree, 1, N - 1);
    const ablation = options.ablation ?? "none";
    this.#seed = seed;
    this.graphs = graphs;
    this.samplesPerGraph = per;
    this.outDegree = outDegree;
    this.ablation = ablation;
    // One period of cos and sin over the 48 channels: zero-mean, orthogonal, norm √48 each.
    this.#p = Float64Array.from(
      { length: F },
      (_, k) => Math.SQRT2 * Math.cos(2 * Math.PI * k / F),
    );
    this.#q = Float64Array.from(
      { length: F },
      (_, k) => Math.SQRT2 * Math.sin(2 * Math.PI * k / F),
    );
  }

  /** Samples per batch: graphs · samplesPerGraph. */
  get batch(): number {
    return this.graphs * this.samplesPerGraph;
  }

  /**
   * The batch of step `step`, or held-out batch `step` (`heldOut`: a stream disjoint from
   * training's).
   *
   * @throws {RangeError} when step is not an integer in [0, 2³²).
   * @throws {TypeError} when heldOut is not a boolean.
   */
  draw(step: number, heldOut = false): TaskBatch {
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step > 0xffffffff) {
      throw new RangeError(
        `Cannot draw a task batch: expected a step in [0, 2^32) but got ${shown(step)}`,
      );
    }
    checkBool("draw a task batch", "heldOut", heldOut);
    const rng = new Rng(hashU32(hashU32(this.#seed, heldOut ? 0x4e1d : 0x7a1b), step));
    const B = this.batch;
    const D_NODE = LARKOS.D_NODE;
    const features = new Float32Array(B * N * D_NODE);
    const history = new Float32Array(B * W * F);
    const target = new Float32Array(B * OUT);
    const g = new Float64Array(B);
    const h = new Float64Array(B);
    const edges: GraphEdges[] = [];
    for (let k = 0; k < this.graphs; k++) {
      const adjacency = new Uint8Array(N * N);
      const weights = new Float32Array(N * N);
      // f₇ = tanh(mean weight of the node's listed out-edges), as build_graph_inputs sets it.
      const f7 = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        adjacency[i * N + i] = 1;
        weights[i * N + i] = 1;
        const others = Array.from({ length: N - 1 }, (_, k) => (k < i ? k : k + 1));
        let sum = 0;
        for (let e = 0; e < this.outDegree; e++) {
          const j = others.splice(rng.int(others.length), 1)[0]!;
          adjacency[i * N + j] = 1;
          weights[i * N + j] = Math.fround(rng.uniformIn(-EDGE_WEIGHT_RANGE, EDGE_WEIGHT_RANGE));
          sum += weights[i * N + j]!;
        }
        f7[i] = Math.tanh(sum / this.outDegree);
      }
      const gk = 2 * f7.reduce((a, b) => a + b, 0) / N;
      const zeroed = this.ablation === "edgeWeightsZeroed";
      edges.push({ nodes: N, adjacency, weights: zeroed ? new Float32Array(N * N) : weights });
      for (let s = 0; s < this.samplesPerGraph; s++) {
        const b = k * this.samplesPerGraph + s;
        if (!zeroed) {
          for (let i = 0; i < N; i++) features[(b * N + i) * D_NODE + 7] = f7[i]!;
        }
        g[b] = gk;
        const theta = Array.from({ length: W }, () => rng.uniformIn(0, 2 * Math.PI));
        h[b] = Math.cos(theta[0]!);
        for (let t = 0; t < W; t++) {
          const frozen = this.ablation === "historyFrozen" && t < W - 1;
          const c = frozen ? 1 : Math.cos(theta[t]!);
          const sn = frozen ? 0 : Math.sin(theta[t]!);
          for (let d = 0; d < F; d++) {
            history[(b * W + t) * F + d] = c * this.#p[d]! + sn * this.#q[d]!;
          }
        }
        for (let o = 0; o < OUT; o++) {
          target[b * OUT + o] = gk + 0.5 * (o % 2 === 0 ? 1 : -1) * h[b]!;
        }
      }
    }
    return { features, edges, history, target, parts: { g, h } };
  }
}

/** Options of {@link LarkosTrainingModel}. */
export interface TrainingModelOptions {
  /** Seeds every module and the fixed projection; default 0. */
  seed?: number;
  /** Dropout of the temporal encoder and the head (input and layers); default 0.1. */
  dropout?: number;
}

/**
 * The three 0.3 modules and the fixed projection between the temporal encoder and the head.
 *
 * @example Predictions for one graph of two samples
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { LarkosTrainingModel, SyntheticGraphHistoryTask } from "./training.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const b = new SyntheticGraphHistoryTask({ graphs: 1, samplesPerGraph: 2 }).draw(0);
 * const model = new LarkosTrainingModel({ seed: 2 }).train(false);
 * const y = tidy(() =>
 *   model.forward([tensor(b.features, [2, 8, 8])], b.edges, tensor(b.history, [2, 4, 48]), 0)
 * );
 * deepStrictEqual(y.shape, [2, 8]);
 * y.dispose();
 * model.dispose();
 * ```
 */
export class LarkosTrainingModel {
  /** `_NeuronGraphReasoner`. */
  readonly graphReasoner: NeuronGraphReasoner;
  /** `_TemporalAttentionEncoder`. */
  readonly temporalEncoder: TemporalAttentionEncoder;
  /** `_FusionTransformerHead`. */
  readonly fusionHead: FusionTransformerHead;
  /** [192, 64] fixed, not trained. */
  readonly projection: Tensor;

  /**
   * The reasoner, temporal encoder and fusion head, initialised from `options.seed`.
   *
   * @throws {TypeError} when options is not an object.
   * @throws {RangeError} for a seed outside [0, 2³²) or a dropout outside [0, 1).
   */
  constructor(options: TrainingModelOptions = {}) {
    const op = "create LarkosTrainingModel";
    checkObject(op, "options", options);
    // Every option is checked before the first module allocates anything.
    const seed = seedOption(op, options.seed);
    const dropout = dropoutOption(op, options.dropout);
    this.graphReasoner = new NeuronGraphReasoner({ seed: hashU32(seed, 1) });
    this.temporalEncoder = new TemporalAttentionEncoder({ seed: hashU32(seed, 2), dropout });
    this.fusionHead = new FusionTransformerHead({ seed: hashU32(seed, 3), dropout });
    const D = W * F;
    this.projection = tensor(
      new Rng(hashU32(seed, 4)).normals(D * LARKOS.FUSION_DIM, 1 / Math.sqrt(D)),
      [D, LARKOS.FUSION_DIM],
    );
  }

  /** The modules by the original's checkpoint names. */
  modules(): {
    graph_reasoner: NeuronGraphReasoner;
    temporal_encoder: TemporalAttentionEncoder;
    fusion_transformer: FusionTransformerHead;
  } {
    return {
      graph_reasoner: this.graphReasoner,
      temporal_encoder: this.temporalEncoder,
      fusion_transformer: this.fusionHead,
    };
  }

  /** Every trained parameter: reasoner, encoder, head (the projection is not one). */
  parameters(): Tensor[] {
    return [
      ...this.graphReasoner.parameters(),
      ...this.temporalEncoder.parameters(),
      ...this.fusionHead.parameters(),
    ];
  }

  /**
   * Training (dropout on) or evaluation mode for every module; returns this.
   *
   * @throws {TypeError} when mode is not a boolean.
   */
  train(mode = true): this {
    checkBool("set LarkosTrainingModel.train", "mode", mode);
    if (mode) {
      this.temporalEncoder.train();
      this.fusionHead.train();
    } else {
      this.temporalEncoder.eval();
      this.fusionHead.eval();
    }
    return this;
  }

  /**
   * Predictions [B, 8] for features [B, 8, 8] (one tensor per graph, in order), the graphs'
   * edges and the history [B, 4, 48]; `seed` seeds this call's dropout and noise (training).
   *
   * @throws {TypeError} when the feature tensors and edges are not arrays or differ in
   *   number, and as the modules' forwards, before any GPU work for bad input.
   * @throws {RangeError} when seed is not an integer in [0, 2³²).
   */
  forward(
    features: readonly Tensor[],
    edges: readonly GraphEdges[],
    history: Tensor,
    seed: number,
  ): Tensor {
    const op = "run LarkosTrainingModel";
    if (!Array.isArray(features) || !Array.isArray(edges)) {
      throw new TypeError(
        `Cannot ${op}: expected arrays of feature tensors and graphs but got ${
          shown(features)
        } and ${shown(edges)}`,
      );
    }
    checkInt(op, "seed", seed, 0, 0xffffffff);
    if (features.length !== edges.length || features.length === 0) {
      throw new TypeError(
        `Cannot run LarkosTrainingModel: expected one feature tensor per graph but got ` +
          `${features.length} feature tensors and ${edges.length} graphs`,
      );
    }
    features.forEach((f, k) => this.graphReasoner.checkInput(f, edges[k]!, "LarkosTrainingModel"));
    this.temporalEncoder.checkInput(history, op);
    const B = history.shape[0]!;
    const graphs = features.reduce((s, f) => s + f.shape[0]!, 0);
    if (graphs !== B) {
      throw new TypeError(
        `Cannot run LarkosTrainingModel: expected the feature tensors' batches to sum to the ` +
          `history's batch ${B} but got ${graphs}`,
      );
    }
    const tokens = features.map((f, k) => this.graphReasoner.forward(f, edges[k]!));
    const graph = tokens.length === 1 ? tokens[0]! : concat(tokens, 0);
    const enc = this.temporalEncoder.forward(history, { seed: hashU32(seed, 1) });
    const fused = matmul(reshape(enc, [B, W * F]), this.projection);
    const [bandQ, bandM] = splitBandQM(fused);
    const driver = tensor(new Float32Array(B * OUT), [B, OUT]);
    return this.fusionHead.forward(graph, bandQ, bandM, driver, { seed: hashU32(seed, 2) });
  }

  /** Releases every parameter and the projection. */
  dispose(): void {
    this.graphReasoner.dispose();
    this.temporalEncoder.dispose();
    this.fusionHead.dispose();
    this.projection.dispose();
  }
}

/** Options of {@link LarkosTrainer}. */
export interface TrainerOptions {
  /** Seeds the model, the data stream and the dropout; default 0. */
  seed?: number;
  /** Graphs per step; default 4. */
  graphs?: number;
  /** Samples per graph; default 4. */
  samplesPerGraph?: number;
  /** What the model is denied; default "none". */
  ablation?: TaskAblation;
  /**
   * The schedule's base lr, floor and half period: T_max 50 and η_min 1e-5 as Larkos 0.3,
   * base lr {@link TRAINING_BASE_LR} (not the original's 0.01: see the module notes).
   */
  schedule?: CosineOptions;
  /** Global gradient-norm bound; default LARKOS.GRAD_CLIP (1.0). */
  gradClip?: number;
  /** Dropout of the temporal encoder and the head; default 0.1. */
  dropout?: number;
}

/**
 * The training loop: model, task, AdamW and schedule. `step()` records one step on the GPU
 * without any host sync; each step's loss stays on the GPU until
 * {@link LarkosTrainer.readLosses}.
 *
 * @example Two steps, their losses read back once
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { LarkosTrainer } from "./training.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const trainer = new LarkosTrainer({ seed: 1, graphs: 1, samplesPerGraph: 2 });
 * const losses = await trainer.run(2, 2);
 * strictEqual(losses.length, 2);
 * ok(losses.every(Number.isFinite));
 * strictEqual(trainer.steps, 2);
 * trainer.dispose();
 * ```
 */
export class LarkosTrainer {
  /** The model trained. */
  readonly model: LarkosTrainingModel;
  /** The task drawn from. */
  readonly task: SyntheticGraphHistoryTask;
  /** AdamW(lr 0.01, wd 1e-4, eps 1e-6) over every parameter. */
  readonly optimizer: AdamW;
  /** Steps taken so far (the next step's index). */
  steps = 0;
  readonly #seed: number;
  readonly #schedule: CosineOptions;
  readonly #clip: number;
  #pending: Tensor[] = [];
  #disposed = false;

  /** Throws when the trainer was disposed. */
  #assertLive(what: string): void {
    if (this.#disposed) {
      throw new RangeError(
        `Cannot ${what} LarkosTrainer: expected a live trainer but it was disposed`,
      );
    }
  }

  /**
   * A trainer with its model, task, AdamW and schedule, built from `options`.
   *
   * @throws {TypeError} when options or the schedule is not an object.
   * @throws {RangeError} as {@link SyntheticGraphHistoryTask} and {@link LarkosTrainingModel},
   *   for a schedule lr or etaMin that is not finite and >= 0 (or not finite in f32), a tMax
   *   that is not a positive integer, or a gradClip that is not a finite number > 0; all
   *   before anything is allocated.
   */
  constructor(options: TrainerOptions = {}) {
    const op = "create LarkosTrainer";
    // Every option is checked before the model allocates anything.
    checkTaskOptions(op, options);
    const seed = seedOption(op, options.seed);
    dropoutOption(op, options.dropout);
    const schedule = checkSchedule(op, { lr: TRAINING_BASE_LR, ...checkSchedulePart(op, options) });
    const clip = options.gradClip === undefined ? LARKOS.GRAD_CLIP : options.gradClip;
    if (typeof clip !== "number" || !(clip > 0) || !Number.isFinite(Math.fround(clip))) {
      throw new RangeError(
        `Cannot ${op}: expected gradClip a finite f32 number > 0 but got ${shown(clip)}`,
      );
    }
    this.task = new SyntheticGraphHistoryTask({
      seed,
      graphs: options.graphs ?? 4,
      samplesPerGraph: options.samplesPerGraph ?? 4,
      ablation: options.ablation ?? "none",
    });
    this.model = new LarkosTrainingModel({
      seed,
      ...(options.dropout === undefined ? {} : { dropout: options.dropout }),
    });
    this.#seed = seed;
    this.#schedule = schedule;
    this.#clip = clip;
    this.optimizer = adamW(this.model.parameters(), {
      lr: cosineAnnealingLr(0, this.#schedule),
      weightDecay: LARKOS.WEIGHT_DECAY,
      eps: LARKOS.ADAM_EPS,
    });
  }

  /** Records one training step (forward, backward, clip, AdamW at the scheduled lr). */
  step(): void {
    this.#assertLive("step");
    const t = this.steps;
    const b = this.task.draw(t);
    this.model.train();
    const loss = tidy(() => {
      const [xs, hist, y] = this.#upload(b);
      const out = this.model.forward(xs, b.edges, hist, hashU32(this.#seed ^ 0x5eed, t));
      const l = mean(square(sub(out, y)));
      backward(l);
      clipGradNorm(this.optimizer.params, this.#clip).dispose();
      return keep(l);
    });
    this.optimizer.lr = cosineAnnealingLr(t, this.#schedule);
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.#pending.push(loss);
    this.steps = t + 1;
  }

  /** A batch's features (one tensor per graph), history and target on the GPU. */
  #upload(b: TaskBatch): [Tensor[], Tensor, Tensor] {
    const per = this.task.samplesPerGraph;
    const size = per * N * LARKOS.D_NODE;
    const xs = b.edges.map((_, k) =>
      NeuronGraphReasoner.featuresTensor(b.features.subarray(k * size, (k + 1) * size))
    );
    const B = this.task.batch;
    return [xs, tensor(b.history, [B, W, F]), tensor(b.target, [B, OUT])];
  }

  /** Reads back (one host sync) and releases the losses of the steps since the last call. */
  async readLosses(): Promise<Float32Array> {
    this.#assertLive("read the losses of");
    const ls = this.#pending;
    this.#pending = [];
    const values = await readTensors(ls);
    for (const l of ls) l.dispose();
    return Float32Array.from(values, (v) => v[0]!);
  }

  /**
   * `steps` steps, reading the losses back every `readEvery` steps (and at the end); no
   * other host sync.
   */
  async run(steps: number, readEvery = 10): Promise<Float32Array> {
    this.#assertLive("run");
    checkInt("run LarkosTrainer", "steps", steps, 0, 2 ** 24);
    checkInt("run LarkosTrainer", "readEvery", readEvery, 1, 2 ** 24);
    const out: number[] = [];
    for (let s = 0; s < steps; s++) {
      this.step();
      if ((s + 1) % readEvery === 0 || s === steps - 1) out.push(...await this.readLosses());
    }
    return Float32Array.from(out);
  }

  /**
   * Mean squared error on `batches` held-out batches (a stream disjoint from training's) in
   * evaluation mode, with this trainer's ablation applied to the inputs; one host sync.
   */
  async heldOutLoss(batches = 4): Promise<number> {
    this.#assertLive("compute the held-out loss of");
    // Each batch is a full forward recorded at once: 2^16 of them at most.
    checkInt("compute the held-out loss of LarkosTrainer", "batches", batches, 1, 2 ** 16);
    this.model.train(false);
    const losses = tidy(() =>
      Array.from({ length: batches }, (_, k) => {
        const b = this.task.draw(k, true);
        const [xs, hist, y] = this.#upload(b);
        return keep(mean(square(sub(this.model.forward(xs, b.edges, hist, 0), y))));
      })
    );
    this.model.train(true);
    const values = await readTensors(losses);
    for (const l of losses) l.dispose();
    return values.reduce((s, v) => s + v[0]!, 0) / batches;
  }

  /** Saves the modules, the AdamW state and the step count (atomically). */
  async save(path: string): Promise<void> {
    this.#assertLive("save");
    if (typeof path !== "string") {
      throw new TypeError(
        `Cannot save LarkosTrainer: expected a file path string but got ${shown(path)}`,
      );
    }
    await saveLarkosCheckpoint(path, {
      modules: this.model.modules(),
      optimizer: this.optimizer,
      meta: { step: this.steps, seed: this.#seed },
    });
  }

  /**
   * Loads a checkpoint saved by {@link save} (strict: every parameter and the optimiser
   * state) and continues from its step.
   *
   * @throws {TypeError} as {@link loadLarkosCheckpoint}, or when the checkpoint's step is
   *   missing; nothing is written then.
   */
  async resume(path: string): Promise<LarkosCheckpointLoadReport> {
    this.#assertLive("resume");
    if (typeof path !== "string") {
      throw new TypeError(
        `Cannot resume LarkosTrainer: expected a file path string but got ${shown(path)}`,
      );
    }
    // The step is checked before anything is loaded, so a refused resume writes nothing.
    const meta = (await readCheckpointInfo(path)).meta as
      | { format?: unknown; user?: { step?: unknown } | null }
      | null;
    const step = meta?.format === LARKOS_CHECKPOINT_FORMAT ? meta.user?.step : undefined;
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new TypeError(
        `Cannot resume from ${path}: expected a larkos checkpoint whose meta.step is an ` +
          `integer >= 0 but got ${String(step)}`,
      );
    }
    const r = await loadLarkosCheckpoint(path, {
      modules: this.model.modules(),
      optimizer: this.optimizer,
    });
    this.steps = step;
    return r;
  }

  /** Releases the model, the optimiser state and any unread losses. */
  dispose(): void {
    this.#disposed = true;
    for (const l of this.#pending) l.dispose();
    this.#pending = [];
    this.optimizer.dispose();
    this.model.dispose();
  }
}
