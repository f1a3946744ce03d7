/**
 * Unknown-delay pattern association on the GPU (Schmidhuber 1992; cybertronai/schmidhuber-problems PR #8,
 * fast-weights-unknown-delay/):
 * a feed-forward slow net emits a key, value, query and write gate at every
 * step; gated rank-1 writes accumulate in the fast weights; the recall step
 * reads y = W q after its own write. Several independent nets (one per seed)
 * run side by side: the seed is a batch dimension of every kernel.
 *
 * One training iteration records one copy per seed (the texture mirror of the
 * parameters) and nine dispatches, and no host sync: episode generation,
 * slow-net heads, the fused recurrence forward, loss, the fused recurrence
 * backward, the slow net's backward, per-lane parameter-gradient sums, their
 * reduction, and a fused clip + Adam step. The loss curve stays on
 * the GPU until the caller reads it.
 *
 * @example Train two seeds briefly and read their loss curves
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { UnknownDelayNet, UNKNOWN_DELAY_DEFAULTS } from "./unknown_delay.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const net = UnknownDelayNet.create(UNKNOWN_DELAY_DEFAULTS, [0, 1]);
 * const losses = net.train({ iterations: 20 });
 * const curve = await losses.toFloat32();   // [20, 2]: one row per iteration
 * ok(curve.length === 40 && curve.every(Number.isFinite));
 * losses.dispose();
 * net.dispose();
 * ```
 *
 * @module
 */
import { deferDestroy, openEncoder } from "../../gpu/batch.ts";
import { gpu } from "../../gpu/device.ts";
import { dispatch } from "../../gpu/program.ts";
import { hashU32, Rng } from "../../gpu/rng.ts";
import { arrayLayers } from "../../gpu/textures.ts";
import { emptyLike, readTensors, type Tensor, tensor, zeros } from "../../tensor.ts";
import { UD_EPISODES, UD_STEP_SLOTS } from "./kernels/episodes.ts";
import { UD_HEADS } from "./kernels/heads.ts";
import { UD_LOSS } from "./kernels/loss.ts";
import { UD_GRAD_LANES, UD_PARAM_GRADS } from "./kernels/param_grads.ts";
import { UD_HEADS_BACKWARD } from "./kernels/heads_backward.ts";
import { UD_PARAM_REDUCE } from "./kernels/param_reduce.ts";
import { UD_ADAM } from "./kernels/adam.ts";
import {
  checkBool,
  checkFiniteList,
  checkInt,
  checkIntList,
  checkList,
  checkObject,
  checkReal,
  checkTensor,
  shown,
} from "../../validate.ts";
import {
  recordScanBackward,
  recordScanForward,
  type ScanInputs,
} from "../recurrence/recurrence.ts";
import {
  checkUdConfig,
  type UdLayout,
  udLayout,
  type UdSizes,
  udSizes,
  type UnknownDelayConfig,
} from "./layout.ts";

/** Bit-stream slots per episode (steps 0..63 may carry bits, so K ≤ 63). */
export { UD_STEP_SLOTS };
/** The model's sizes and defaults (see layout.ts). */
export { UNKNOWN_DELAY_DEFAULTS, type UnknownDelayConfig } from "./layout.ts";

const WG = 64;

/** Salt deriving a seed's bit stream (episode draws) from the seed: hashU32(seed, salt). */
export const UD_BIT_SALT = 0x62697473;

/** Salt deriving a seed's delay stream (one K per iteration) from the seed. */
export const UD_DELAY_SALT = 0x64656c79;

/** The bit-stream and delay-stream seeds of training seed `seed`. */
export function udTrainingStreams(seed: number): [number, number] {
  checkInt("udTrainingStreams", "the seed", seed, 0, 2 ** 32 - 1);
  return [hashU32(seed, UD_BIT_SALT), hashU32(seed, UD_DELAY_SALT)];
}

/** Evaluation episodes come from this one stream for every seed (the original: default_rng(12345)). */
export const UD_EVAL_STREAM = 12345;

/**
 * Initial parameters of one seed, drawn from `Rng(seed)` normals in the
 * original's order (W_xh·0.5/√(p+2), then W_hk, W_hv, W_hq, w_hg·0.5/√H; biases 0),
 * laid out as {@link udLayout}.
 */
export function udInitialParams(cfg: UnknownDelayConfig, seed: number): Float32Array {
  checkUdConfig(cfg, "initialise unknown-delay parameters (udInitialParams)");
  checkInt("udInitialParams", "the seed", seed, 0, 2 ** 32 - 1);
  const l = udLayout(cfg);
  const rng = new Rng(seed);
  const out = new Float32Array(l.total);
  const fill = (off: number, n: number, scale: number) => {
    for (let i = 0; i < n; i++) out[off + i] = rng.normal() * scale;
  };
  const H = cfg.hidden;
  fill(l.wxh, H * (cfg.p + 2), 0.5 / Math.sqrt(cfg.p + 2));
  fill(l.whk, cfg.keyDim * H, 0.5 / Math.sqrt(H));
  fill(l.whv, cfg.p * H, 0.5 / Math.sqrt(H));
  fill(l.whq, cfg.keyDim * H, 0.5 / Math.sqrt(H));
  fill(l.whg, H, 0.5 / Math.sqrt(H));
  return out;
}

/** A batch of episodes on the GPU: `seeds` groups of `perSeed` episodes, padded to `tm` steps. */
export class UdEpisodes {
  /** Seeds (independent nets) the batch serves. */
  readonly seeds: number;
  /** Episodes per seed. */
  readonly perSeed: number;
  /** Steps every episode is padded to. */
  readonly tm: number;
  /** Pattern bits p. */
  readonly p: number;
  /** Inputs [n, tm, p+2]: each step's pattern bits, store flag and recall flag. */
  readonly x: Tensor;
  /** Targets [n, p]: the pattern each episode must recall. */
  readonly target: Tensor;
  /** Steps of each episode, u32 [n]. */
  readonly lens: Tensor;

  /** Allocates zeroed buffers, or wraps `data` (taking ownership). */
  constructor(
    p: number,
    seeds: number,
    perSeed: number,
    tm: number,
    data?: { x: Tensor; target: Tensor; lens: Tensor },
  ) {
    const op = "allocate unknown-delay episodes (new UdEpisodes)";
    for (const [k, v] of [["p", p], ["seeds", seeds], ["perSeed", perSeed], ["tm", tm]] as const) {
      if (typeof v !== "number") {
        throw new TypeError(`Cannot ${op}: expected ${k} to be a number but got ${shown(v)}`);
      }
    }
    for (const [k, v] of [["seeds", seeds], ["perSeed", perSeed], ["tm", tm]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`Cannot allocate unknown-delay episodes: ${k} must be >= 1, got ${v}`);
      }
    }
    checkInt("new UdEpisodes", "p", p, 1, 256);
    // Refused before allocating: the inputs [n, tm, p + 2] must fit one storage buffer.
    const bytes = seeds * perSeed * tm * (p + 2) * 4;
    const maxBytes = gpu().limits.maxStorageBufferBindingSize;
    if (bytes > maxBytes) {
      throw new RangeError(
        `Cannot ${op}: ${seeds} × ${perSeed} episodes of ${tm} steps need ${bytes} bytes, ` +
          `expected at most the device's maxStorageBufferBindingSize (${maxBytes})`,
      );
    }
    if (data !== undefined) {
      checkObject("new UdEpisodes", "data", data);
      const n = seeds * perSeed;
      checkTensor("new UdEpisodes", "data.x", data.x, "f32", [n, tm, p + 2]);
      checkTensor("new UdEpisodes", "data.target", data.target, "f32", [n, p]);
      checkTensor("new UdEpisodes", "data.lens", data.lens, "i32", [n]);
    }
    this.p = p;
    this.seeds = seeds;
    this.perSeed = perSeed;
    this.tm = tm;
    const n = seeds * perSeed;
    this.x = data?.x ?? zeros([n, tm, p + 2]);
    this.target = data?.target ?? zeros([n, p]);
    this.lens = data?.lens ?? zeros([n], { dtype: "i32" });
  }

  #disposed = false;

  /** Refuses use after {@link dispose}, naming the episodes, before any GPU work. */
  #checkLive(op: string): void {
    if (this.#disposed) {
      throw new TypeError(
        `Cannot ${op}: these UdEpisodes (${this.n} episodes of ${this.tm} steps) were disposed ` +
          "(expected live episodes)",
      );
    }
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Number of episodes. */
  get n(): number {
    return this.seeds * this.perSeed;
  }

  /**
   * Uploads explicit episodes (e.g. a fixture's draws). `episodes[n]` has
   * `steps` rows of p + 2 inputs; all must fit in `tm` steps.
   */
  static upload(
    p: number,
    seeds: number,
    episodes: readonly { steps: number; x: ArrayLike<number>; target: ArrayLike<number> }[],
    tm?: number,
  ): UdEpisodes {
    const op = "UdEpisodes.upload";
    checkInt(op, "p", p, 1, 256);
    checkInt(op, "seeds", seeds, 1, 2 ** 24);
    checkList(op, "episodes", episodes);
    episodes.forEach((e, n) => {
      checkObject(op, `episodes[${n}]`, e);
      checkInt(op, `episodes[${n}].steps`, e.steps, 1, UD_MAX_UPLOAD_STEPS);
      checkFiniteList(op, `episodes[${n}].x`, e.x);
      checkFiniteList(op, `episodes[${n}].target`, e.target);
    });
    tm ??= Math.max(...episodes.map((e) => e.steps));
    checkInt(op, "tm", tm, 1, UD_MAX_UPLOAD_STEPS);
    if (episodes.length === 0 || episodes.length % seeds !== 0) {
      throw new RangeError(
        `Cannot upload ${episodes.length} unknown-delay episodes for ${seeds} seeds: ` +
          `expected a positive multiple of the seed count`,
      );
    }
    const perSeed = episodes.length / seeds;
    const w = p + 2;
    const x = new Float32Array(episodes.length * tm * w);
    const target = new Float32Array(episodes.length * p);
    const lens = new Int32Array(episodes.length);
    episodes.forEach((e, n) => {
      if (e.steps < 1 || e.steps > tm || e.x.length !== e.steps * w || e.target.length !== p) {
        throw new TypeError(
          `Cannot upload unknown-delay episode ${n}: expected ${e.steps} steps of ${w} inputs ` +
            `(<= ${tm} steps) and ${p} targets, got ${e.x.length} inputs and ${e.target.length} targets`,
        );
      }
      for (let i = 0; i < e.x.length; i++) x[n * tm * w + i] = e.x[i]!;
      for (let j = 0; j < p; j++) target[n * p + j] = e.target[j]!;
      lens[n] = e.steps;
    });
    return new UdEpisodes(p, seeds, perSeed, tm, {
      x: tensor(x, [episodes.length, tm, w]),
      target: tensor(target, [episodes.length, p]),
      lens: tensor(lens, [episodes.length], { dtype: "i32" }),
    });
  }

  /**
   * Records the generation of one training batch for `iteration`: per seed a
   * delay K drawn from its delay stream in [dMin, dMax], and `perSeed`
   * episodes from its bit stream. `streams` is u32 [seeds, 2] (bit seed, delay seed).
   */
  recordTraining(streams: Tensor, iteration: number, dMin: number, dMax: number): void {
    const op = "UdEpisodes.recordTraining";
    this.#checkLive(op);
    checkTensor(op, "streams", streams, "i32");
    this.#checkStreams(streams);
    checkInt(op, "iteration", iteration, 0, 2 ** 31 - 1);
    for (const [k, v] of [["dMin", dMin], ["dMax", dMax]] as const) {
      if (typeof v !== "number") {
        throw new TypeError(`Cannot run ${op}: expected ${k} to be a number but got ${shown(v)}`);
      }
    }
    if (!(Number.isInteger(dMin) && Number.isInteger(dMax) && dMin >= 0 && dMin <= dMax)) {
      throw new RangeError(
        `Cannot draw delays in [${dMin}, ${dMax}] (${op}): expected 0 <= dMin <= dMax`,
      );
    }
    if (dMax + 2 > this.tm || dMax + 1 > UD_STEP_SLOTS) {
      throw new RangeError(
        `Cannot draw delays up to ${dMax} (${op}): expected K + 2 <= tm and K <= 63, and ` +
          `episodes hold ${this.tm} steps`,
      );
    }
    this.#record(streams, null, 0, iteration, this.perSeed, dMin, dMax - dMin + 1);
  }

  /**
   * Records evaluation episodes: the episodes of each seed form groups of
   * `perDelay`, group u with delay `delays[u]`, drawn from `streams`.
   */
  recordGroups(streams: Tensor, delays: readonly number[], perDelay: number): void {
    const op = "UdEpisodes.recordGroups";
    this.#checkLive(op);
    checkTensor(op, "streams", streams, "i32");
    this.#checkStreams(streams);
    checkList(op, "delays", delays);
    for (let u = 0; u < delays.length; u++) {
      if (typeof delays[u] !== "number") {
        throw new TypeError(
          `Cannot run ${op}: expected delays[${u}] to be a number but got ${shown(delays[u])}`,
        );
      }
    }
    checkInt(op, "perDelay", perDelay, 1, 2 ** 24);
    if (delays.length * perDelay !== this.perSeed) {
      throw new RangeError(
        `Cannot lay out ${delays.length} delays of ${perDelay} episodes in ${this.perSeed} ` +
          `episodes per seed (${op}): expected delays × perDelay = ${this.perSeed}`,
      );
    }
    for (const k of delays) {
      if (!Number.isInteger(k) || k < 0 || k + 2 > this.tm || k + 1 > UD_STEP_SLOTS) {
        throw new RangeError(
          `Cannot make episodes with delay ${k} (${op}): expected 0 <= K <= tm − 2, 63`,
        );
      }
    }
    const ks = tensor(Int32Array.from(delays), [delays.length], { dtype: "i32" });
    this.#record(streams, ks, 1, 0, perDelay, 0, 0);
    ks.dispose();
  }

  /** Refuses stream seeds that are not [seeds, 2] (before anything is allocated). */
  #checkStreams(streams: Tensor): void {
    if (streams.rank !== 2 || streams.shape[0] !== this.seeds || streams.shape[1] !== 2) {
      throw new TypeError(
        `Cannot generate UdEpisodes for ${this.seeds} seeds from streams of shape ` +
          `[${streams.shape.join(", ")}]: expected [${this.seeds}, 2]`,
      );
    }
  }

  #record(
    streams: Tensor,
    ks: Tensor | null,
    mode: number,
    iter: number,
    perUnit: number,
    dMin: number,
    dSpan: number,
  ): void {
    this.#checkStreams(streams);
    dispatch(UD_EPISODES, {
      sizes: { p: this.p },
      uniforms: {
        n: this.n,
        tm: this.tm,
        per_seed: this.perSeed,
        per_unit: perUnit,
        mode,
        iter,
        d_min: dMin,
        d_span: dSpan,
      },
      buffers: {
        streams: streams.buffer,
        ks: ks?.buffer,
        xs: this.x.buffer,
        targets: this.target.buffer,
        lens: this.lens.buffer,
      },
      workgroups: Math.ceil((this.n * this.tm) / WG),
    });
  }

  /** Releases the buffers; later recording calls throw. Disposing twice is harmless. */
  dispose(): void {
    this.#disposed = true;
    this.x.dispose();
    this.target.dispose();
    this.lens.dispose();
  }
}

/** Stream seeds as a u32 tensor [seeds, 2]. */
export function udStreamsTensor(pairs: readonly (readonly [number, number])[]): Tensor {
  const op = "udStreamsTensor";
  checkList(op, "pairs", pairs);
  if (pairs.length === 0) {
    throw new RangeError(`Cannot run ${op}: expected at least one pair of stream seeds, got none`);
  }
  pairs.forEach((pair, i) => {
    checkList(op, `pairs[${i}]`, pair, 2);
    // Stream seeds are u32, stored as their int32 bit patterns.
    checkInt(op, `pairs[${i}][0]`, pair[0], 0, 2 ** 32 - 1);
    checkInt(op, `pairs[${i}][1]`, pair[1], 0, 2 ** 32 - 1);
  });
  const flat = new Int32Array(pairs.length * 2);
  pairs.forEach(([a, b], i) => {
    flat[2 * i] = a | 0;
    flat[2 * i + 1] = b | 0;
  });
  return tensor(flat, [pairs.length, 2], { dtype: "i32" });
}

/** Forward activations and outputs for a batch (all owned by the caller). */
export interface UdActivations {
  /** Slow-net hidden activations [n, tm, H]. */
  h: Tensor;
  /** Keys [n, tm, d_k]. */
  keys: Tensor;
  /** Values [n, tm, p]. */
  values: Tensor;
  /** Write gates [n, tm]. */
  gates: Tensor;
  /** Queries [n, tm, d_k] (read at each episode's last step). */
  queries: Tensor;
  /** Recall reads [n, p]. */
  y: Tensor;
  /** Final fast weights [n, p, d_k]. */
  w: Tensor;
  /** Fast weights after every step [n, tm, p, d_k], when requested. */
  hist: Tensor | null;
}

/** Backward intermediates and the parameter gradients (all owned by the caller). */
export interface UdGradients {
  /** ∂L/∂y [n, p]. */
  dy: Tensor;
  /** ∂L/∂keys [n, tm, d_k], from the recurrence's backward. */
  dKeys: Tensor;
  /** ∂L/∂values [n, tm, p]. */
  dValues: Tensor;
  /** ∂L/∂gates [n, tm]. */
  dGates: Tensor;
  /** ∂L/∂query [n, d_k] (the query read at the last step). */
  dQuery: Tensor;
  /** Pre-activation gradients of the heads [n, tm, R] (rows k, v, q, g). */
  dz: Tensor;
  /** Pre-activation gradients of h [n, tm, H]. */
  dzh: Tensor;
  /** Per-lane partial sums of the parameter gradients [S, 8, stride]. */
  partials: Tensor;
  /** ∂L/∂params [S, stride] (zero padding past P). */
  grads: Tensor;
}

/** Adam and clipping settings. */
export interface UdAdamOptions {
  /** Learning rate. */
  lr: number;
  /** First-moment decay β1. */
  beta1: number;
  /** Second-moment decay β2. */
  beta2: number;
  /** ε of the denominator. */
  eps: number;
  /** Each seed's gradient is rescaled to this global norm when its norm is larger. */
  maxNorm: number;
}

/** The original's optimiser: lr 1e-2, β = (0.9, 0.999), ε = 1e-8, clip at 1. */
export const UD_ADAM_DEFAULTS: UdAdamOptions = {
  lr: 1e-2,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  maxNorm: 1,
};

/** Options of {@link UnknownDelayNet.train}. */
export interface UdTrainOptions {
  /** Training iterations, one Adam step each. */
  iterations: number;
  /** Episodes per seed and iteration; default 32. */
  batch?: number;
  /** Shortest delay K; default 5. */
  dMin?: number;
  /** Longest delay K; default 30 (K + 2 must fit the episode, K ≤ 63). */
  dMax?: number;
  /** Optimiser settings; default {@link UD_ADAM_DEFAULTS}. */
  adam?: UdAdamOptions;
  /** Iteration index of the first batch drawn (to resume a run); default the steps done. */
  firstIteration?: number;
}

/** Per-seed results of an evaluation. */
export interface UdEvaluation {
  /** Bit accuracy per seed and delay: accuracy[s][u] for delays[u]. */
  accuracy: number[][];
  /** Smallest y·P over the bits of each seed (the recall margin). */
  margin: number[];
}

/** Longest episode {@link UdEpisodes.upload} accepts (the kernels loop over steps). */
const UD_MAX_UPLOAD_STEPS = 2 ** 16;

/** Refuses a seed list that is not a non-empty list of integers. */
function checkSeeds(op: string, seeds: unknown): void {
  checkIntList(op, "seeds", seeds, 0, 2 ** 32 - 1);
}

/** Refuses Adam options that are not an object of numbers (ranges are recordAdam's). */
function checkAdamTypes(op: string, opts: unknown): void {
  checkObject(op, "the Adam options", opts);
  for (const k of ["lr", "beta1", "beta2", "eps", "maxNorm"] as const) {
    const v = (opts as Record<string, unknown>)[k];
    if (typeof v !== "number") {
      throw new TypeError(
        `Cannot run ${op}: expected Adam ${k} to be a number but got ${shown(v)}`,
      );
    }
  }
}

/** Refuses activation buffers of `floats` f32 values past one storage binding, before allocating. */
function checkEpisodeBytes(op: string, floats: number): void {
  const max = gpu().limits.maxStorageBufferBindingSize;
  if (floats * 4 > max) {
    throw new RangeError(
      `Cannot run ${op}: its activations need ${floats * 4} bytes in one buffer, expected at ` +
        `most the device's maxStorageBufferBindingSize (${max})`,
    );
  }
}

/** Several independent unknown-delay nets (one per seed) with their Adam state. */
export class UnknownDelayNet {
  /** The model's sizes and write strength η. */
  readonly cfg: UnknownDelayConfig;
  /** The flat parameter layout of one seed. */
  readonly layout: UdLayout;
  /** The seeds, one net each, in parameter-row order. */
  readonly seeds: readonly number[];
  /** Parameters [S, stride], zero-padded per seed. */
  readonly params: Tensor;
  /** Adam's first moments [S, stride]. */
  readonly m: Tensor;
  /** Adam's second moments [S, stride]. */
  readonly v: Tensor;
  /** Adam updates done so far. */
  steps = 0;
  /** The programs' compile-time sizes (the config without η). */
  readonly #sizes: UdSizes;
  /**
   * Texture mirror of `params` that the slow-net kernels read (layer s: seed s,
   * four parameters per texel), refreshed by {@link recordForward}.
   */
  #mirror: GPUTexture;
  #mirrorView: GPUTextureView;

  /**
   * Wraps explicit parameters [S·P] (one flat vector per seed, {@link udLayout} order).
   *
   * @throws {TypeError} when the count does not match.
   * @throws {RangeError} when the seeds or the parameters per seed exceed the
   *   device's texture limits (layers, width).
   */
  constructor(cfg: UnknownDelayConfig, seeds: readonly number[], params: ArrayLike<number>) {
    checkUdConfig(cfg, "build an unknown-delay net (new UnknownDelayNet)");
    checkSeeds("new UnknownDelayNet", seeds);
    checkFiniteList("new UnknownDelayNet", "params", params);
    this.cfg = cfg;
    this.layout = udLayout(cfg);
    this.seeds = [...seeds];
    const { total: P, stride } = this.layout;
    if (seeds.length < 1 || params.length !== seeds.length * P) {
      throw new TypeError(
        `Cannot build an unknown-delay net for ${seeds.length} seeds from ${params.length} ` +
          `parameters: expected ${seeds.length} × ${P}`,
      );
    }
    this.#sizes = udSizes(cfg);
    const { device, limits } = gpu();
    const layers = arrayLayers(seeds.length);
    if (layers > limits.maxTextureArrayLayers || stride / 4 > limits.maxTextureDimension2D) {
      throw new RangeError(
        `Cannot build an unknown-delay net for ${seeds.length} seeds of ${P} parameters: ` +
          `its parameter mirror needs ${layers} texture layers of ${stride / 4} texels, past ` +
          `the device's maxTextureArrayLayers (${limits.maxTextureArrayLayers}) or ` +
          `maxTextureDimension2D (${limits.maxTextureDimension2D}); use fewer seeds per net`,
      );
    }
    const padded = new Float32Array(seeds.length * stride);
    for (let s = 0; s < seeds.length; s++) {
      for (let i = 0; i < P; i++) padded[s * stride + i] = params[s * P + i]!;
    }
    this.params = tensor(padded, [seeds.length, stride]);
    this.m = zeros([seeds.length, stride]);
    this.v = zeros([seeds.length, stride]);
    this.#mirror = device.createTexture({
      label: "ud parameter mirror",
      size: [stride / 4, 1, layers],
      format: "rgba32float",
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    this.#mirrorView = this.#mirror.createView({ dimension: "2d-array" });
  }

  /** Nets initialised from `Rng(seed)` for each seed ({@link udInitialParams}). */
  static create(cfg: UnknownDelayConfig, seeds: readonly number[]): UnknownDelayNet {
    checkUdConfig(cfg, "create unknown-delay nets (UnknownDelayNet.create)");
    checkSeeds("UnknownDelayNet.create", seeds);
    const P = udLayout(cfg).total;
    const flat = new Float32Array(seeds.length * P);
    seeds.forEach((s, i) => flat.set(udInitialParams(cfg, s), i * P));
    return new UnknownDelayNet(cfg, seeds, flat);
  }

  #disposed = false;

  /** Refuses use after {@link dispose}, naming the net, before any GPU work. */
  #checkLive(op: string): void {
    if (this.#disposed) {
      throw new TypeError(
        `Cannot run ${op}: this UnknownDelayNet of ${this.seeds.length} seeds was disposed ` +
          "(expected a live net)",
      );
    }
  }

  /** Refuses activations or gradients that are not this net's live f32 buffers for `ep`. */
  #checkBuffers(
    op: string,
    what: string,
    bufs: unknown,
    shapes: Record<string, readonly number[]>,
  ): void {
    checkObject(op, what, bufs);
    const b = bufs as Record<string, unknown>;
    for (const [k, shape] of Object.entries(shapes)) {
      checkTensor(op, `${what}.${k}`, b[k], "f32", shape);
    }
  }

  #activationShapes(ep: UdEpisodes): Record<string, readonly number[]> {
    const { n, tm } = ep;
    const { p, hidden: H, keyDim: dk } = this.cfg;
    return {
      h: [n, tm, H],
      keys: [n, tm, dk],
      values: [n, tm, p],
      gates: [n, tm],
      queries: [n, tm, dk],
      y: [n, p],
      w: [n, p, dk],
    };
  }

  #checkEpisodes(ep: UdEpisodes, op: string): void {
    if (!(ep instanceof UdEpisodes)) {
      throw new TypeError(`Cannot ${op}: expected UdEpisodes but got ${shown(ep)}`);
    }
    if (ep.disposed) {
      throw new TypeError(`Cannot ${op}: the UdEpisodes were disposed (expected live episodes)`);
    }
    if (ep.seeds !== this.seeds.length || ep.p !== this.cfg.p) {
      throw new TypeError(
        `Cannot ${op}: episodes for ${ep.seeds} seeds with p = ${ep.p}, expected the net's ` +
          `${this.seeds.length} seeds with p = ${this.cfg.p}`,
      );
    }
  }

  #scanInputs(ep: UdEpisodes, a: UdActivations): ScanInputs {
    return {
      n: ep.n,
      tm: ep.tm,
      keyDim: this.cfg.keyDim,
      valueDim: this.cfg.p,
      eta: this.cfg.eta,
      keys: a.keys,
      values: a.values,
      gates: a.gates,
      queries: a.queries,
      queryAtLast: true,
      lens: ep.lens,
    };
  }

  /** Allocates forward buffers for `ep`. */
  allocateActivations(ep: UdEpisodes, history = false): UdActivations {
    const op = "UnknownDelayNet.allocateActivations";
    this.#checkLive(op);
    this.#checkEpisodes(ep, `run ${op}`);
    checkBool(op, "history", history);
    const { n, tm } = ep;
    const { p, hidden: H, keyDim: dk } = this.cfg;
    return {
      h: emptyLike([n, tm, H], "f32", "ud h"),
      keys: emptyLike([n, tm, dk], "f32", "ud keys"),
      values: emptyLike([n, tm, p], "f32", "ud values"),
      gates: emptyLike([n, tm], "f32", "ud gates"),
      queries: emptyLike([n, tm, dk], "f32", "ud queries"),
      y: emptyLike([n, p], "f32", "ud y"),
      w: emptyLike([n, p, dk], "f32", "ud w"),
      hist: history ? emptyLike([n, tm, p, dk], "f32", "ud history") : null,
    };
  }

  /** Allocates backward buffers for `ep`. */
  allocateGradients(ep: UdEpisodes): UdGradients {
    const op = "UnknownDelayNet.allocateGradients";
    this.#checkLive(op);
    this.#checkEpisodes(ep, `run ${op}`);
    const { n, tm } = ep;
    const { p, hidden: H, keyDim: dk } = this.cfg;
    return {
      dy: emptyLike([n, p], "f32", "ud dy"),
      dKeys: emptyLike([n, tm, dk], "f32", "ud dKeys"),
      dValues: emptyLike([n, tm, p], "f32", "ud dValues"),
      dGates: emptyLike([n, tm], "f32", "ud dGates"),
      dQuery: emptyLike([n, dk], "f32", "ud dQuery"),
      dz: emptyLike([n, tm, this.layout.heads], "f32", "ud dz"),
      dzh: emptyLike([n, tm, H], "f32", "ud dzh"),
      partials: emptyLike(
        [this.seeds.length, UD_GRAD_LANES, this.layout.stride],
        "f32",
        "ud grad partials",
      ),
      grads: emptyLike([this.seeds.length, this.layout.stride], "f32", "ud grads"),
    };
  }

  /**
   * Records the forward pass (heads, then the fused recurrence) into `a`,
   * after refreshing the texture mirror of the parameters.
   */
  recordForward(ep: UdEpisodes, a: UdActivations): void {
    const op = "UnknownDelayNet.recordForward";
    this.#checkLive(op);
    this.#checkEpisodes(ep, "run the unknown-delay forward");
    this.#checkBuffers(op, "activations", a, this.#activationShapes(ep));
    if (a.hist !== null && a.hist !== undefined) {
      const { p, keyDim: dk } = this.cfg;
      checkTensor(op, "activations.hist", a.hist, "f32", [ep.n, ep.tm, p, dk]);
    }
    const encoder = openEncoder();
    const texels = this.layout.stride / 4;
    // One single-row copy per seed: a multi-row copy would need 256-byte aligned rows.
    for (let s = 0; s < this.seeds.length; s++) {
      encoder.copyBufferToTexture(
        { buffer: this.params.buffer, offset: s * this.layout.stride * 4 },
        { texture: this.#mirror, origin: [0, 0, s] },
        [texels, 1, 1],
      );
    }
    const blocks = Math.ceil((ep.perSeed * ep.tm) / WG);
    dispatch(UD_HEADS, {
      sizes: this.#sizes,
      uniforms: { n: ep.n, tm: ep.tm, per_seed: ep.perSeed, blocks_per_seed: blocks },
      buffers: {
        params: this.#mirrorView,
        xs: ep.x.buffer,
        lens: ep.lens.buffer,
        hs: a.h.buffer,
        keys: a.keys.buffer,
        vals: a.values.buffer,
        gates: a.gates.buffer,
        qs: a.queries.buffer,
      },
      workgroups: this.seeds.length * blocks,
    });
    recordScanForward(this.#scanInputs(ep, a), { y: a.y, w: a.w, hist: a.hist });
  }

  /**
   * Records the loss (into `losses[slot, :]`, shape [slots, S]) and the whole
   * backward pass into `g`. Reads the parameter mirror written by the last
   * {@link recordForward}, so call it after the forward of the same parameters.
   */
  recordBackward(
    ep: UdEpisodes,
    a: UdActivations,
    g: UdGradients,
    losses: Tensor,
    slot = 0,
  ): void {
    const op = "UnknownDelayNet.recordBackward";
    this.#checkLive(op);
    this.#checkEpisodes(ep, "run the unknown-delay backward");
    this.#checkBuffers(op, "activations", a, this.#activationShapes(ep));
    const { n, tm } = ep;
    const { p, hidden: H, keyDim: dk } = this.cfg;
    const S = this.seeds.length;
    this.#checkBuffers(op, "gradients", g, {
      dy: [n, p],
      dKeys: [n, tm, dk],
      dValues: [n, tm, p],
      dGates: [n, tm],
      dQuery: [n, dk],
      dz: [n, tm, this.layout.heads],
      dzh: [n, tm, H],
      partials: [S, UD_GRAD_LANES, this.layout.stride],
      grads: [S, this.layout.stride],
    });
    checkTensor(op, "losses", losses, "f32");
    if (losses.rank !== 2 || losses.shape[1] !== S) {
      throw new TypeError(
        `Cannot run ${op}: expected losses of shape [slots, ${S}] but got ` +
          `[${losses.shape.join(", ")}]`,
      );
    }
    checkInt(op, "slot", slot, 0, 2 ** 24);
    if (losses.size < (slot + 1) * S) {
      throw new RangeError(
        `Cannot write loss slot ${slot} (${op}): expected a loss buffer of at least ` +
          `${(slot + 1) * S} values, it holds ${losses.size}`,
      );
    }
    dispatch(UD_LOSS, {
      sizes: { p },
      uniforms: {
        n: ep.n,
        per_seed: ep.perSeed,
        seeds: S,
        slot,
        dy_scale: 2 / (ep.perSeed * p),
        loss_scale: 1 / (ep.perSeed * p),
      },
      buffers: {
        ys: a.y.buffer,
        targets: ep.target.buffer,
        dys: g.dy.buffer,
        losses: losses.buffer,
      },
      workgroups: Math.ceil((ep.n * p + S) / WG),
      steps: ep.perSeed,
    });
    recordScanBackward(this.#scanInputs(ep, a), g);
    const blocks = Math.ceil((ep.perSeed * ep.tm) / WG);
    dispatch(UD_HEADS_BACKWARD, {
      sizes: this.#sizes,
      uniforms: { n: ep.n, tm: ep.tm, per_seed: ep.perSeed, blocks_per_seed: blocks },
      buffers: {
        params: this.#mirrorView,
        lens: ep.lens.buffer,
        hs: a.h.buffer,
        keys: a.keys.buffer,
        vals: a.values.buffer,
        gates: a.gates.buffer,
        qs: a.queries.buffer,
        dkeys: g.dKeys.buffer,
        dvals: g.dValues.buffer,
        dgates: g.dGates.buffer,
        dqs: g.dQuery.buffer,
        dz: g.dz.buffer,
        dzh: g.dzh.buffer,
      },
      workgroups: S * blocks,
    });
    dispatch(UD_PARAM_GRADS, {
      sizes: this.#sizes,
      uniforms: { n: ep.n, tm: ep.tm, per_seed: ep.perSeed },
      buffers: {
        xs: ep.x.buffer,
        lens: ep.lens.buffer,
        hs: a.h.buffer,
        dz: g.dz.buffer,
        dzh: g.dzh.buffer,
        partials: g.partials.buffer,
      },
      workgroups: [S, 1, 1],
      steps: ep.perSeed * ep.tm,
    });
    dispatch(UD_PARAM_REDUCE, {
      sizes: this.#sizes,
      uniforms: { seeds: S },
      buffers: { partials: g.partials.buffer, grads: g.grads.buffer },
      workgroups: Math.ceil((S * this.layout.stride) / WG),
    });
  }

  /** Records one clipped Adam update of every seed from `grads` [S, stride]; pre-clip norms go to `norms` [S]. */
  recordAdam(grads: Tensor, norms: Tensor, opts: UdAdamOptions = UD_ADAM_DEFAULTS): void {
    const op = "UnknownDelayNet.recordAdam";
    this.#checkLive(op);
    const S = this.seeds.length;
    checkTensor(op, "grads", grads, "f32", [S, this.layout.stride]);
    checkTensor(op, "norms", norms, "f32", [S]);
    checkAdamTypes(op, opts);
    const t = this.steps + 1;
    for (const k of ["lr", "beta1", "beta2", "eps", "maxNorm"] as const) {
      if (!Number.isFinite(opts[k]) || opts[k] < 0) {
        throw new RangeError(
          `Cannot take an Adam step (${op}): ${k} must be finite and >= 0, got ${opts[k]}`,
        );
      }
    }
    // Past the NaN/∞/sign check above: an f32 overflow, or a β of 1 or more (the bias
    // correction 1 / (1 − β^t) then divides by zero or flips sign).
    for (const k of ["lr", "beta1", "beta2", "eps", "maxNorm"] as const) {
      const v = opts[k];
      if (Number.isFinite(v) && Math.abs(Math.fround(v)) === Infinity) {
        throw new RangeError(
          `Cannot take an Adam step (${op}): ${k} must be a finite f32 value, got ${v}`,
        );
      }
    }
    for (const k of ["beta1", "beta2"] as const) {
      if (Number.isFinite(opts[k]) && opts[k] >= 1) {
        throw new RangeError(
          `Cannot take an Adam step (${op}): ${k} must be in [0, 1), got ${opts[k]}`,
        );
      }
    }
    dispatch(UD_ADAM, {
      uniforms: {
        count: this.layout.stride,
        lr: opts.lr,
        b1: opts.beta1,
        b2: opts.beta2,
        omb1: 1 - opts.beta1,
        omb2: 1 - opts.beta2,
        c1: 1 / (1 - opts.beta1 ** t),
        c2: 1 / (1 - opts.beta2 ** t),
        eps: opts.eps,
        max_norm: opts.maxNorm,
      },
      buffers: {
        grads: grads.buffer,
        params: this.params.buffer,
        ms: this.m.buffer,
        vs: this.v.buffer,
        norms: norms.buffer,
      },
      workgroups: [this.seeds.length, 1, 1],
      steps: this.layout.stride,
    });
    this.steps = t;
  }

  /**
   * Records `iterations` training iterations (no host sync) and returns the
   * loss curve [iterations, S] on the GPU: iteration i draws, per seed, a
   * delay K in [dMin, dMax] and `batch` episodes from the seed's streams
   * ({@link udTrainingStreams}), then takes one clipped Adam step.
   */
  train(opts: UdTrainOptions): Tensor {
    const op = "UnknownDelayNet.train";
    this.#checkLive(op);
    checkObject(op, "the options", opts);
    checkInt(op, "iterations", opts.iterations, 1, 2 ** 24);
    if (opts.batch !== undefined) checkInt(op, "batch", opts.batch, 1, 2 ** 16);
    if (opts.dMin !== undefined) checkInt(op, "dMin", opts.dMin, 0, UD_STEP_SLOTS - 1);
    if (opts.dMax !== undefined) checkInt(op, "dMax", opts.dMax, 0, UD_STEP_SLOTS - 1);
    if (opts.firstIteration !== undefined) {
      // Iteration indices are u32 uniforms: the last one drawn must fit too.
      checkInt(op, "firstIteration", opts.firstIteration, 0, 2 ** 31 - 1 - opts.iterations);
    }
    if (opts.adam !== undefined) {
      checkAdamTypes(op, opts.adam);
      for (const k of ["lr", "eps", "maxNorm"] as const) {
        checkReal(op, `adam.${k}`, opts.adam[k], 0);
      }
      for (const k of ["beta1", "beta2"] as const) {
        checkReal(op, `adam.${k}`, opts.adam[k], 0, 1 - Number.EPSILON);
      }
    }
    const batch = opts.batch ?? 32;
    const dMin = opts.dMin ?? 5;
    const dMax = opts.dMax ?? 30;
    const first = opts.firstIteration ?? this.steps;
    if (!Number.isInteger(opts.iterations) || opts.iterations < 1) {
      throw new RangeError(`Cannot train for ${opts.iterations} iterations: expected >= 1`);
    }
    if (dMin > dMax) {
      throw new RangeError(`Cannot run ${op}: expected dMin <= dMax but got [${dMin}, ${dMax}]`);
    }
    const S = this.seeds.length;
    checkEpisodeBytes(op, S * batch * (dMax + 2) * Math.max(this.cfg.hidden, this.layout.heads));
    const ep = new UdEpisodes(this.cfg.p, S, batch, dMax + 2);
    const streams = udStreamsTensor(this.seeds.map(udTrainingStreams));
    const a = this.allocateActivations(ep);
    const g = this.allocateGradients(ep);
    const norms = zeros([S]);
    const losses = zeros([opts.iterations, S]);
    try {
      for (let i = 0; i < opts.iterations; i++) {
        ep.recordTraining(streams, first + i, dMin, dMax);
        this.recordForward(ep, a);
        this.recordBackward(ep, a, g, losses, i);
        this.recordAdam(g.grads, norms, opts.adam);
      }
    } finally {
      ep.dispose();
      streams.dispose();
      for (const t of Object.values(a)) t?.dispose();
      for (const t of Object.values(g)) t.dispose();
      norms.dispose();
    }
    return losses;
  }

  /**
   * Evaluates every seed on `perDelay` episodes for each delay in `delays`,
   * all drawn from one evaluation stream shared by the seeds. Delays are
   * processed in chunks that keep each activation buffer under 64 MiB; the
   * reads of all chunks come back in one host sync.
   */
  async evaluate(
    delays: readonly number[],
    perDelay = 50,
    stream = UD_EVAL_STREAM,
  ): Promise<UdEvaluation> {
    const op = "UnknownDelayNet.evaluate";
    this.#checkLive(op);
    checkIntList(op, "delays", delays, 0, UD_STEP_SLOTS - 1);
    checkInt(op, "perDelay", perDelay, 1, 2 ** 24);
    checkInt(op, "the stream", stream, 0, 2 ** 32 - 1);
    checkEpisodeBytes(
      op,
      this.seeds.length * perDelay * (Math.max(...delays) + 2) *
        Math.max(this.cfg.hidden, this.layout.heads),
    );
    if (delays.length === 0 || !Number.isInteger(perDelay) || perDelay < 1) {
      throw new RangeError(
        `Cannot evaluate ${delays.length} delays with ${perDelay} episodes each: expected >= 1 of each`,
      );
    }
    const S = this.seeds.length;
    const p = this.cfg.p;
    const streams = udStreamsTensor(this.seeds.map(() => [stream, stream] as [number, number]));
    const chunks: { delays: number[]; y: Tensor; target: Tensor }[] = [];
    const budget = 64 * 2 ** 20;
    try {
      let u = 0;
      while (u < delays.length) {
        const chunk: number[] = [];
        let tm = 0;
        while (u < delays.length) {
          const tm2 = Math.max(tm, delays[u]! + 2);
          const bytes = S * (chunk.length + 1) * perDelay * tm2 * this.cfg.hidden * 4;
          if (chunk.length > 0 && bytes > budget) break;
          chunk.push(delays[u++]!);
          tm = tm2;
        }
        const ep = new UdEpisodes(p, S, chunk.length * perDelay, tm);
        const a = this.allocateActivations(ep);
        ep.recordGroups(streams, chunk, perDelay);
        this.recordForward(ep, a);
        chunks.push({ delays: chunk, y: a.y, target: ep.target });
        for (const t of [a.h, a.keys, a.values, a.gates, a.queries, a.w, ep.x, ep.lens]) {
          t.dispose();
        }
      }
      const values = await readTensors(chunks.flatMap((c) => [c.y, c.target]));
      const accuracy: number[][] = Array.from({ length: S }, () => []);
      const margin: number[] = Array.from({ length: S }, () => Infinity);
      chunks.forEach((c, ci) => {
        const y = values[2 * ci]!;
        const target = values[2 * ci + 1]!;
        for (let s = 0; s < S; s++) {
          for (let k = 0; k < c.delays.length; k++) {
            let right = 0;
            for (let e = 0; e < perDelay; e++) {
              const n = (s * c.delays.length + k) * perDelay + e;
              for (let j = 0; j < p; j++) {
                const yp = y[n * p + j]! * target[n * p + j]!;
                if (yp > 0) right++;
                margin[s] = Math.min(margin[s]!, yp);
              }
            }
            accuracy[s]!.push(right / (perDelay * p));
          }
        }
      });
      return { accuracy, margin };
    } finally {
      streams.dispose();
      for (const c of chunks) {
        c.y.dispose();
        c.target.dispose();
      }
    }
  }

  /** Reads the parameters back without the padding, [S·P]. */
  async readParams(): Promise<Float32Array> {
    this.#checkLive("UnknownDelayNet.readParams");
    return this.unpad(await this.params.toFloat32());
  }

  /** Drops the per-seed padding of a [S, stride] read-back: [S·P]. */
  unpad(values: ArrayLike<number>): Float32Array {
    this.#checkLive("UnknownDelayNet.unpad");
    const { total: P, stride } = this.layout;
    checkList("UnknownDelayNet.unpad", "values", values, this.seeds.length * stride);
    const out = new Float32Array(this.seeds.length * P);
    for (let s = 0; s < this.seeds.length; s++) {
      for (let i = 0; i < P; i++) out[s * P + i] = values[s * stride + i]!;
    }
    return out;
  }

  /** Releases every buffer; later calls throw. Disposing twice is harmless. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.params.dispose();
    this.m.dispose();
    this.v.dispose();
    // Recorded work may still read the mirror: destroy it after the next submit.
    deferDestroy(this.#mirror);
  }
}
