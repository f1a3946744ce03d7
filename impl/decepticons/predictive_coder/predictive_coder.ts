/**
 * ByteLatentPredictiveCoder (asuramaya/decepticons
 * src/decepticons/adapters.py): an echo-state substrate, a patching /
 * latent-commit recurrence over a sampled view of its state, and a byte
 * readout, on the GPU.
 *
 * Pipeline of {@link ByteLatentPredictiveCoder.fit}:
 * 1. the substrate rollout over the whole sequence (../substrate/gpu.ts, fused over time);
 * 2. the commit recurrence (impl/decepticons/predictive_coder/kernels/commit.ts): one workgroup per
 *    sequence loops over t, split over dispatches within the adapter's loop budget, writing
 *    φ_t = [e, m, g, last_latent, ν, ℓ/max, boundary] (D = 2F + G + L + 3 = 387 by default);
 * 3. a readout:
 *    - `"ridge"` (the original's): W = (X̃ᵀX̃ + α·diag(1,…,1,0))⁻¹ X̃ᵀY with X̃ = [Φ, 1];
 *      the Gram matrix is formed and the (D+1)×(D+1) system solved on the host in f64
 *      (Cholesky; an f32 Gram was measured not positive definite at α = 1e−3, see `#ridge`),
 *      and the probabilities are softmax(X̃W), X̃W a GPU matmul. As in the original they are
 *      near uniform (ridge logits lie in about [0, 1]), so its bits per byte stay near 6.6
 *      even when the argmax is always right (the original's README quickstart: 6.58);
 *    - `"calibrated"`: a softmax readout trained on the log-loss with Adam on the GPU
 *      (full batch, a fixed number of steps, seeded initialisation), so bits per byte measure
 *      compression.
 *
 * The coder keeps no GPU memory between calls: every buffer a call creates is disposed
 * before it returns, and the readout weights live on the host.
 *
 * @example Fit on a repeated line and continue it greedily (a small configuration)
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { ByteLatentPredictiveCoder } from "./predictive_coder.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const coder = ByteLatentPredictiveCoder.fromSeed({ size: 64, reservoirFeatures: 16,
 *   globalDim: 16, latentDim: 16 });
 * const fit = await coder.fit("abcabcabcabcabcabcabcabc", { readout: "calibrated" });
 * ok(fit.bitsPerByte < 8 && fit.patches >= 1);
 * const out = await coder.generate("abc", 3, { greedy: true });
 * ok(out.length === 6);
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { dispatch, maxStepsPerLaunch } from "../../gpu/program.ts";
import { sync } from "../../gpu/readback.ts";
import { Rng } from "../../gpu/rng.ts";
import { backward } from "../../autograd.ts";
import { emptyLike, readTensors, type Tensor, tensor, tidy, zeros } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { crossEntropy } from "../../ops/cross_entropy.ts";
import { matmul } from "../../ops/matmul.ts";
import { Adam } from "../../ops/optim.ts";
import { slice } from "../../ops/slice.ts";
import {
  CODER_COMMIT,
  coderFeatureDim,
  type CoderKernelShape,
  coderStateSize,
} from "./kernels/commit.ts";
import { encodeText } from "../codec/codec.ts";
import { type EchoState, echoState } from "../substrate/build.ts";
import { spectralRadius } from "../substrate/eigen.ts";
import { choleskySolve as linalgCholeskySolve } from "../../linalg/cholesky.ts";
import { runSubstrate } from "../substrate/gpu.ts";
import {
  checkFiniteList,
  checkInt,
  checkList,
  checkObject,
  checkReal,
  shown,
} from "../../validate.ts";

const CODER = "ByteLatentPredictiveCoder";

/** Most bytes one {@link ByteLatentPredictiveCoder.generate} call emits. */
const MAX_GENERATE_STEPS = 2 ** 24;

/** Checks an options argument: undefined (every default) or an object. */
function checkOptionsArg(op: string, o: unknown): void {
  if (o !== undefined) checkObject(op, "the options", o);
}

/** Checks an optional callback. */
function checkCallback(op: string, what: string, f: unknown): void {
  if (f !== undefined && typeof f !== "function") {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a function but got ${shown(f)}`);
  }
}

/** Configuration of the coder (the original's defaults, src/decepticons/config.py). */
export interface CoderConfig {
  /** Echo-state units n (512). */
  size: number;
  /** Reservoir connectivity c (0.05). */
  connectivity: number;
  /** Reservoir spectral radius ρ (0.95). */
  spectralRadius: number;
  /** Reservoir leak λ (0.25). */
  leak: number;
  /** Input scale σ_in (0.2). */
  inputScale: number;
  /** Reservoir seed (7); the committer draws from seed + 101. */
  seed: number;
  /** View size F (96). */
  reservoirFeatures: number;
  /** Global state size G (96). */
  globalDim: number;
  /** Latent size L (96). */
  latentDim: number;
  /** Shortest patch (4). */
  minPatch: number;
  /** Longest patch (24). */
  maxPatch: number;
  /** Fixed patch size, and the adaptive length trigger (8). */
  patchSize: number;
  /** Adaptive novelty trigger (0.14). */
  noveltyThreshold: number;
  /** "adaptive" (default) or "fixed". */
  mode: "adaptive" | "fixed";
  /** Ridge penalty α (1e-3); the bias is not penalised. */
  ridgeAlpha: number;
  /** Spectral radius of the global recurrence R (0.9). */
  latentRadius: number;
  /** Adam steps of the calibrated readout (60). */
  calibratedSteps: number;
  /** Adam learning rate of the calibrated readout (0.1). */
  calibratedLr: number;
}

/** The original's defaults (src/decepticons/config.py). */
export const CODER_DEFAULTS: Readonly<CoderConfig> = Object.freeze({
  size: 512,
  connectivity: 0.05,
  spectralRadius: 0.95,
  leak: 0.25,
  inputScale: 0.2,
  seed: 7,
  reservoirFeatures: 96,
  globalDim: 96,
  latentDim: 96,
  minPatch: 4,
  maxPatch: 24,
  patchSize: 8,
  noveltyThreshold: 0.14,
  mode: "adaptive",
  ridgeAlpha: 1e-3,
  latentRadius: 0.9,
  calibratedSteps: 60,
  calibratedLr: 0.1,
});

/** Explicit parameter draws (e.g. numpy's, from a fixture). Matrices are row-major f64. */
export interface CoderDraws {
  /** Reservoir W [n, n] (already scaled to its spectral radius). */
  w: ArrayLike<number>;
  /** Input matrix U [n, 256]: column x drives token x. */
  u: ArrayLike<number>;
  /** View indices I (F distinct values in 0..n−1). */
  indices: ArrayLike<number>;
  /** P [L, F]. */
  p: ArrayLike<number>;
  /** R [G, G] (already scaled to its spectral radius). */
  r: ArrayLike<number>;
  /** G_in [G, L]. */
  gin: ArrayLike<number>;
  /** L_p [F, G]. */
  lp: ArrayLike<number>;
}

/** Which readout {@link ByteLatentPredictiveCoder.fit} trains. */
export type Readout = "ridge" | "calibrated";

/** Progress of a fit: `done` of `total` units of the named phase. */
export interface FitProgress {
  /** The phase: running the substrate, computing the features, or solving/training the readout. */
  phase: "substrate" | "features" | "readout";
  /** Units of the phase done so far (features: tokens). */
  done: number;
  /** Units of the phase in all. */
  total: number;
}

/** Options of {@link ByteLatentPredictiveCoder.fit}. */
export interface FitOptions {
  /** Which readout to train; default "ridge" (the original's). */
  readout?: Readout;
  /** Called as each phase advances, for progress output. */
  onProgress?: (p: FitProgress) => void;
}

/** What a fit reports. */
export interface FitResult {
  /** mean(−ln clip(p_target, 1e−12)) / ln 2 on the training bytes. */
  bitsPerByte: number;
  /** Committed patches plus one for a trailing partial patch. */
  patches: number;
  /** (tokens − 1) / patches. */
  meanPatchSize: number;
  /** The readout that was trained. */
  readout: Readout;
}

/** Options of {@link ByteLatentPredictiveCoder.generate}. */
export interface GenerateOptions {
  /** Argmax instead of sampling (default false). */
  greedy?: boolean;
  /** Sampling temperature T > 0 (default 1): softmax(logits / T). */
  temperature?: number;
  /** Seed of the sampling stream; unseeded sampling draws a fresh seed. */
  seed?: number;
  /** Called with each generated byte as soon as it is drawn (index from 0), for streaming. */
  onByte?: (byte: number, index: number) => void;
}

/** Features of a whole sequence: [T, D] on the GPU (the caller disposes). */
export interface CoderTrace {
  /** Per-token features [T, D]. */
  features: Tensor;
  /** Committer state after the last token [S]. */
  state: Tensor;
  /** Substrate state after the last token [n]. */
  final: Tensor;
  /** Substrate states after every token [T, n] when `keepStates` was asked for, else null. */
  states: Tensor | null;
}

const SUBSTRATE_CACHE = new Map<string, EchoState>();

function fail(what: string, expected: string, got: unknown): never {
  throw new RangeError(`Cannot build ByteLatentPredictiveCoder: ${what} ${got} ${expected}`);
}

function checkConfig(c: CoderConfig): void {
  const op = `build a ${CODER}`;
  for (const [k, v] of Object.entries(c)) {
    if (k !== "mode" && typeof v !== "number") {
      throw new TypeError(`Cannot ${op}: expected ${k} to be a number but got ${shown(v)}`);
    }
  }
  // The substrate's settings, checked here so that the message names the coder.
  checkReal(op, "connectivity", c.connectivity, Number.MIN_VALUE, 1);
  checkReal(op, "spectralRadius", c.spectralRadius, 0);
  checkReal(op, "leak", c.leak, Number.MIN_VALUE, 1);
  checkReal(op, "inputScale", c.inputScale);
  const posInt = (name: keyof CoderConfig, max: number) => {
    const v = c[name] as number;
    if (!Number.isInteger(v) || v < 1 || v > max) {
      fail(name, `must be an integer in [1, ${max}]`, v);
    }
  };
  posInt("size", 2048);
  posInt("reservoirFeatures", 1024);
  posInt("globalDim", 1024);
  posInt("latentDim", 1024);
  posInt("minPatch", 1 << 20);
  posInt("maxPatch", 1 << 20);
  posInt("patchSize", 1 << 20);
  posInt("calibratedSteps", 100000);
  if (c.reservoirFeatures > c.size) {
    fail("reservoirFeatures", `must not exceed the substrate size ${c.size}`, c.reservoirFeatures);
  }
  if (c.minPatch > c.maxPatch) {
    fail("minPatch", `must not exceed maxPatch ${c.maxPatch}`, c.minPatch);
  }
  if (c.mode !== "adaptive" && c.mode !== "fixed") {
    fail("mode", 'must be "adaptive" or "fixed"', c.mode);
  }
  for (const k of ["noveltyThreshold", "ridgeAlpha", "latentRadius", "calibratedLr"] as const) {
    if (!Number.isFinite(c[k]) || c[k] < 0) fail(k, "must be a finite number >= 0", c[k]);
    // Past f32 the GPU's copy would be ±Infinity.
    if (Math.abs(Math.fround(c[k])) === Infinity) fail(k, "must be within the f32 range", c[k]);
  }
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed + 101 > 0xffffffff) {
    fail("seed", "must be an integer in [0, 2^32 − 102]", c.seed);
  }
}

function gaussians(rng: Rng, count: number, scale: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal() * scale;
  return out;
}

/**
 * The byte-latent predictive coder. Construct with {@link ByteLatentPredictiveCoder.fromSeed}
 * (memspec's Rng) or {@link ByteLatentPredictiveCoder.fromDraws} (explicit draws).
 */
export class ByteLatentPredictiveCoder {
  /** The configuration (defaults filled in). */
  readonly config: Readonly<CoderConfig>;
  /** The echo-state substrate (f64 parameters; rounded to f32 on upload). */
  readonly substrate: EchoState;
  /** View indices I [F]. */
  readonly indices: Int32Array;
  /** Latent projection P [L, F]. */
  readonly p: Float64Array;
  /** Global recurrence R [G, G]. */
  readonly r: Float64Array;
  /** Latent-to-global input G_in [G, L]. */
  readonly gin: Float64Array;
  /** View predictor L_p [F, G]. */
  readonly lp: Float64Array;
  /** Feature width D. */
  readonly featureDim: number;
  /** Readout weights [D, 256] and bias [256] after a fit (f32), else null. */
  weights: { w: Float32Array; b: Float32Array; readout: Readout } | null = null;

  private constructor(config: CoderConfig, substrate: EchoState, d: CoderDraws) {
    this.config = Object.freeze({ ...config });
    this.substrate = substrate;
    const { reservoirFeatures: F, globalDim: G, latentDim: L, size: n } = config;
    const sized = (name: string, a: ArrayLike<number>, len: number) => {
      if (a.length !== len) {
        throw new TypeError(
          `Cannot build ByteLatentPredictiveCoder: ${name} has ${a.length} values, expected ${len}`,
        );
      }
      const out = Float64Array.from(a);
      if (!out.every(Number.isFinite)) {
        throw new RangeError(`Cannot build ByteLatentPredictiveCoder: ${name} is not finite`);
      }
      return out;
    };
    const idx = sized("indices", d.indices, F);
    const seen = new Set<number>();
    for (const i of idx) {
      if (!Number.isInteger(i) || i < 0 || i >= n || seen.has(i)) {
        throw new RangeError(
          `Cannot build ByteLatentPredictiveCoder: view index ${i} must be a distinct integer ` +
            `in 0..${n - 1}`,
        );
      }
      seen.add(i);
    }
    this.indices = Int32Array.from(idx);
    this.p = sized("P", d.p, L * F);
    this.r = sized("R", d.r, G * G);
    this.gin = sized("G_in", d.gin, G * L);
    this.lp = sized("L_p", d.lp, F * G);
    this.featureDim = coderFeatureDim(this.#shape());
  }

  /**
   * The coder drawn from `config.seed` with memspec's Rng: the echo-state substrate as
   * ../substrate/build.ts draws it (cached per process: its 512×512 eigenvalue problem takes
   * seconds), then from seed + 101, in order: the view indices (a partial Fisher–Yates shuffle,
   * sorted), P·0.25/√F, R/√G rescaled to spectral radius `latentRadius` exactly, G_in·0.3/√L,
   * L_p/√G.
   *
   * @throws {RangeError} for a configuration value out of range.
   */
  static fromSeed(config: Partial<CoderConfig> = {}): ByteLatentPredictiveCoder {
    checkOptionsArg(`build a ${CODER} (fromSeed)`, config);
    const c: CoderConfig = { ...CODER_DEFAULTS, ...config };
    checkConfig(c);
    if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed + 101 > 0xffffffff) {
      fail("seed", "must be an integer in [0, 2^32 − 102]", c.seed);
    }
    const key = JSON.stringify([
      c.size,
      c.connectivity,
      c.spectralRadius,
      c.leak,
      c.inputScale,
      c.seed,
    ]);
    let sub = SUBSTRATE_CACHE.get(key);
    if (!sub) {
      sub = echoState({
        size: c.size,
        connectivity: c.connectivity,
        spectralRadius: c.spectralRadius,
        leak: c.leak,
        inputScale: c.inputScale,
        seed: c.seed,
      });
      SUBSTRATE_CACHE.set(key, sub);
    }
    const { reservoirFeatures: F, globalDim: G, latentDim: L, size: n } = c;
    const rng = new Rng(c.seed + 101);
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < F; i++) {
      const j = i + rng.int(n - i);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const indices = Array.from(perm.subarray(0, F)).sort((a, b) => a - b);
    const p = gaussians(rng, L * F, 0.25 / Math.sqrt(F));
    const r = gaussians(rng, G * G, 1 / Math.sqrt(G));
    const rad = spectralRadius(r, G);
    if (!(rad > 0)) fail("globalDim", "gives a recurrence with spectral radius 0", G);
    for (let i = 0; i < r.length; i++) r[i] = r[i]! * (c.latentRadius / rad);
    const gin = gaussians(rng, G * L, 0.3 / Math.sqrt(L));
    const lp = gaussians(rng, F * G, 1 / Math.sqrt(G));
    return new ByteLatentPredictiveCoder(c, sub, {
      w: sub.layer.w,
      u: sub.layer.u,
      indices,
      p,
      r,
      gin,
      lp,
    });
  }

  /**
   * The coder from explicit draws (e.g. numpy's, carried by a fixture); the configuration
   * sizes must match them.
   *
   * @throws {TypeError} when a draw has the wrong number of values.
   * @throws {RangeError} for non-finite draws, bad view indices or a bad configuration.
   */
  static fromDraws(
    draws: CoderDraws,
    config: Partial<CoderConfig> = {},
  ): ByteLatentPredictiveCoder {
    const op = `build a ${CODER} (fromDraws)`;
    checkObject(op, "the draws", draws);
    checkOptionsArg(op, config);
    const c: CoderConfig = { ...CODER_DEFAULTS, ...config };
    checkConfig(c);
    const n = c.size;
    for (const k of ["w", "u", "indices", "p", "r", "gin", "lp"] as const) {
      checkFiniteList(op, `draws.${k}`, draws[k]);
    }
    if (draws.w.length !== n * n || draws.u.length !== n * 256) {
      throw new TypeError(
        `Cannot build ByteLatentPredictiveCoder: W has ${draws.w.length} values and U ` +
          `${draws.u.length}, expected [${n}, ${n}] and [${n}, 256]`,
      );
    }
    if (!(c.leak > 0 && c.leak <= 1)) fail("leak", "must lie in (0, 1]", c.leak);
    const sub: EchoState = {
      kind: "echo_state",
      vocab: 256,
      layer: {
        n,
        leak: c.leak,
        w: Float64Array.from(draws.w),
        u: Float64Array.from(draws.u),
        up: null,
        stride: 1,
      },
    };
    return new ByteLatentPredictiveCoder(c, sub, draws);
  }

  #shape(): CoderKernelShape {
    const c = this.config;
    return {
      f: c.reservoirFeatures,
      l: c.latentDim,
      g: c.globalDim,
      minPatch: c.minPatch,
      maxPatch: c.maxPatch,
      patchSize: c.patchSize,
      adaptive: c.mode === "adaptive",
      threshold: c.noveltyThreshold,
    };
  }

  /**
   * Features of `tokens` on the GPU: the substrate from `init` (zero state when absent), the
   * committer from `state` (fresh when absent; updated in place and returned). Returns
   * tensors the caller disposes.
   *
   * @throws {RangeError} when a token is outside 0..255 or the sequence is empty.
   */
  trace(
    tokens: ArrayLike<number>,
    o: {
      init?: Float64Array;
      state?: Tensor;
      keepStates?: boolean;
      onProgress?: (p: FitProgress) => void;
    } = {},
  ): CoderTrace {
    const op = `trace ${CODER}`;
    checkOptionsArg(op, o);
    checkCallback(op, "onProgress", o.onProgress);
    const steps = this.#traceSteps(tokens, o);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      o.onProgress?.(r.value);
    }
  }

  /**
   * {@link trace} as a generator: records the work unit by unit and yields the progress after
   * each (fit awaits the GPU at each yield so that its progress is real); returns the trace.
   * Everything is validated before the first GPU call.
   */
  *#traceSteps(
    tokens: ArrayLike<number>,
    o: { init?: Float64Array; state?: Tensor; keepStates?: boolean },
  ): Generator<FitProgress, CoderTrace> {
    const op = `trace ${CODER}`;
    toBytes(tokens, "trace");
    const T = tokens.length;
    if (T < 1) {
      throw new RangeError(
        "Cannot trace ByteLatentPredictiveCoder: no tokens (expected at least 1)",
      );
    }
    if (o.init !== undefined) checkFiniteList(op, "init", o.init, this.config.size);
    if (o.keepStates !== undefined && typeof o.keepStates !== "boolean") {
      throw new TypeError(
        `Cannot ${op}: expected keepStates to be a boolean but got ${shown(o.keepStates)}`,
      );
    }
    const shape = this.#shape();
    const S = coderStateSize(shape);
    const D = this.featureDim;
    if (
      o.state !== undefined &&
      (!(o.state instanceof Object) || o.state.disposed || o.state.size !== S ||
        o.state.dtype !== "f32")
    ) {
      throw new TypeError(
        `Cannot trace ByteLatentPredictiveCoder: the committer state must be a live f32 tensor ` +
          `of ${S} values`,
      );
    }
    if (CODER_COMMIT.loopIterations!(shape, 1) > gpu().maxLoopIterations) {
      throw new RangeError(
        "Cannot trace ByteLatentPredictiveCoder: one commit step exceeds the adapter's loop budget",
      );
    }
    // Steps per dispatch within the loop budget; the host splits (it yields between dispatches).
    const per = maxStepsPerLaunch(CODER_COMMIT, shape, T);
    yield { phase: "substrate", done: 0, total: 1 };
    // runSubstrate validates the tokens and `init` before it allocates anything.
    const sub = runSubstrate(this.substrate, tokens, { batch: 1, init: o.init });
    yield { phase: "substrate", done: 1, total: 1 };
    const state = o.state ?? zeros([S]);
    const feat = emptyLike([T, D], "f32", "coder features");
    const idx = tensor(this.indices, [this.indices.length], { dtype: "i32" });
    const pm = tensor(this.p, [this.p.length]);
    const rm = tensor(this.r, [this.r.length]);
    const gin = tensor(this.gin, [this.gin.length]);
    const lp = tensor(this.lp, [this.lp.length]);
    try {
      for (let t0 = 0; t0 < T; t0 += per) {
        const steps = Math.min(per, T - t0);
        dispatch(CODER_COMMIT, {
          sizes: shape,
          uniforms: { batch: 1, tm: T, t0, steps, units: this.config.size },
          buffers: {
            hist: sub.states.buffer,
            idx: idx.buffer,
            pm: pm.buffer,
            rm: rm.buffer,
            gin: gin.buffer,
            lp: lp.buffer,
            state: state.buffer,
            feat: feat.buffer,
          },
          workgroups: 1,
          steps,
        });
        yield { phase: "features", done: t0 + steps, total: T };
      }
    } finally {
      for (const b of [idx, pm, rm, gin, lp]) b.dispose();
    }
    if (!o.keepStates) sub.states.dispose();
    return { features: feat, state, final: sub.final, states: o.keepStates ? sub.states : null };
  }

  /**
   * Fits the readout on `data` (text as UTF-8, or byte ids): features of tokens[0..n−2],
   * targets tokens[1..n−1].
   *
   * @throws {TypeError} when `data` is neither a string nor an array of byte ids.
   * @throws {RangeError} for fewer than 2 bytes, an id outside 0..255, or an unknown readout.
   */
  async fit(data: string | ArrayLike<number>, o: FitOptions = {}): Promise<FitResult> {
    checkOptionsArg(`fit ${CODER}`, o);
    checkCallback(`fit ${CODER}`, "onProgress", o.onProgress);
    const bytes = toBytes(data, "fit");
    if (bytes.length < 2) {
      throw new RangeError(
        `Cannot fit ByteLatentPredictiveCoder: expected at least 2 bytes, got ${bytes.length}`,
      );
    }
    // undefined means the default; anything else (null included) must name a readout.
    const readout = o.readout === undefined ? "ridge" : o.readout;
    if (readout !== "ridge" && readout !== "calibrated") {
      throw new RangeError(
        `Cannot fit ByteLatentPredictiveCoder: readout "${readout}" must be "ridge" or "calibrated"`,
      );
    }
    const n = bytes.length - 1;
    const D = this.featureDim;
    const targets = Int32Array.from(bytes.subarray(1));
    let tr: CoderTrace;
    if (o.onProgress) {
      // Wait for the GPU at each unit (≈ 11 ms per wait on llvmpipe) so the progress is real.
      const steps = this.#traceSteps(bytes.subarray(0, n), {});
      for (;;) {
        const r = steps.next();
        if (r.done) {
          tr = r.value;
          break;
        }
        if (r.value.done > 0) await sync();
        o.onProgress(r.value);
      }
    } else tr = this.trace(bytes.subarray(0, n));
    tr.state.dispose();
    tr.final.dispose();
    const feat = tr.features;
    try {
      const [fv] = (await readTensors([feat])) as [Float32Array];
      let commits = 0;
      for (let t = 0; t < n; t++) commits += fv[t * D + D - 1]!;
      const trailing = fv[(n - 1) * D + D - 1]! === 1 ? 0 : 1;
      const patches = commits + trailing;
      const weights = readout === "ridge"
        ? this.#ridge(fv, targets, o.onProgress)
        : await this.#calibrated(fv, targets, o.onProgress);
      this.weights = { ...weights, readout };
      const logits = tidy(() => {
        const w = tensor(weights.w, [D, 256]);
        const b = tensor(weights.b, [256]);
        return add(matmul(feat, w), b);
      });
      const [lv] = (await readTensors([logits])) as [Float32Array];
      logits.dispose();
      return {
        bitsPerByte: bitsPerByte(lv, targets),
        patches,
        meanPatchSize: n / patches,
        readout,
      };
    } finally {
      feat.dispose();
    }
  }

  #ridge(
    fv: Float32Array,
    targets: Int32Array,
    onProgress?: (p: FitProgress) => void,
  ): { w: Float32Array; b: Float32Array } {
    const n = targets.length;
    const D = this.featureDim;
    const E = D + 1;
    onProgress?.({ phase: "readout", done: 0, total: 2 });
    // The Gram matrix and the (D+1)² solve are both f64, on the host. The solve: Gaussian
    // elimination (or Cholesky) in f32 would lose about cond(X̃ᵀX̃ + αI)·2⁻²⁴ relative accuracy,
    // and with α = 1e−3 and near-collinear reservoir features the condition number reaches
    // 1e6–1e9, i.e. no correct digits. The Gram matrix: a GPU f32 matmul carries a summation
    // error of about γ_n·Σ|x_i x_j| (≈ 1e−2 on the 2,816-byte quickstart text), larger than α,
    // and on that text (periodic, so X̃ᵀX̃ is rank deficient) the f32 Gram plus αI was measured
    // NOT positive definite (Cholesky pivot 126 negative). Forming it in f64 from the f32
    // features is exact to ~n·2⁻⁵³ and costs n·(D+1)²/2 ≈ 2·10⁸ multiply-adds (about 0.3 s).
    const a = new Float64Array(E * E);
    const row = new Float64Array(E);
    row[D] = 1;
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < D; i++) row[i] = fv[t * D + i]!;
      for (let i = 0; i < E; i++) {
        const xi = row[i]!;
        if (xi === 0) continue;
        const o = i * E;
        for (let j = 0; j <= i; j++) a[o + j] = a[o + j]! + xi * row[j]!;
      }
    }
    for (let i = 0; i < E; i++) {
      for (let j = 0; j < i; j++) a[j * E + i] = a[i * E + j]!;
      if (i < D) a[i * E + i] = a[i * E + i]! + this.config.ridgeAlpha;
    }
    onProgress?.({ phase: "readout", done: 1, total: 2 });
    // X̃ᵀY in f64 from the features: row t adds x̃_t to column targets[t].
    const rhs = new Float64Array(E * 256);
    for (let t = 0; t < n; t++) {
      const y = targets[t]!;
      for (let i = 0; i < D; i++) rhs[i * 256 + y] = rhs[i * 256 + y]! + fv[t * D + i]!;
      rhs[D * 256 + y] = rhs[D * 256 + y]! + 1;
    }
    choleskySolve(a, E, rhs, 256);
    onProgress?.({ phase: "readout", done: 2, total: 2 });
    return {
      w: Float32Array.from(rhs.subarray(0, D * 256)),
      b: Float32Array.from(rhs.subarray(D * 256)),
    };
  }

  async #calibrated(
    fv: Float32Array,
    targets: Int32Array,
    onProgress?: (p: FitProgress) => void,
  ): Promise<{ w: Float32Array; b: Float32Array }> {
    const n = targets.length;
    const D = this.featureDim;
    // Standardise the columns on the host (f64 statistics) so one learning rate suits every
    // feature, then fold the scaling back into W and b after training.
    const mu = new Float64Array(D);
    const sd = new Float64Array(D);
    for (let t = 0; t < n; t++) for (let i = 0; i < D; i++) mu[i] = mu[i]! + fv[t * D + i]!;
    for (let i = 0; i < D; i++) mu[i] = mu[i]! / n;
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < D; i++) sd[i] = sd[i]! + (fv[t * D + i]! - mu[i]!) ** 2;
    }
    for (let i = 0; i < D; i++) {
      const s = Math.sqrt(sd[i]! / n);
      sd[i] = s > 1e-6 ? s : 1;
    }
    const xs = new Float32Array(n * D);
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < D; i++) xs[t * D + i] = (fv[t * D + i]! - mu[i]!) / sd[i]!;
    }
    const steps = this.config.calibratedSteps;
    const rng = new Rng(this.config.seed + 202);
    const x = tensor(xs, [n, D]);
    const y = tensor(targets, [n], { dtype: "i32" });
    const w = tensor(gaussians(rng, D * 256, 0.01), [D, 256], { requiresGrad: true });
    const b = zeros([256], { requiresGrad: true });
    const opt = new Adam([w, b], { lr: this.config.calibratedLr });
    try {
      for (let s = 0; s < steps; s++) {
        tidy(() => {
          w.grad?.dispose();
          b.grad?.dispose();
          w.grad = null;
          b.grad = null;
          backward(crossEntropy(add(matmul(x, w), b), y));
          opt.step();
        });
        if ((s + 1) % 10 === 0 || s + 1 === steps) {
          await sync();
          onProgress?.({ phase: "readout", done: s + 1, total: steps });
        }
      }
      const [wv, bv] = (await readTensors([w, b])) as [Float32Array, Float32Array];
      const wf = new Float32Array(D * 256);
      const bf = new Float64Array(bv);
      for (let i = 0; i < D; i++) {
        for (let v = 0; v < 256; v++) {
          const c = wv[i * 256 + v]! / sd[i]!;
          wf[i * 256 + v] = c;
          bf[v] = bf[v]! - c * mu[i]!;
        }
      }
      return { w: wf, b: Float32Array.from(bf) };
    } finally {
      opt.dispose();
      for (const t of [x, y, w, b]) t.dispose();
    }
  }

  /**
   * The most bytes one {@link fit} or {@link score} can take on this adapter: the substrate's
   * states ([T, size] f32) must fit one storage binding. Needs {@link initGpu} first.
   */
  maxInputBytes(): number {
    const { limits } = gpu();
    const perByte = 4 * Math.max(this.config.size, this.featureDim);
    return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / perByte);
  }

  /**
   * Bits per byte of the fitted readout on `data` (text as UTF-8, or byte ids):
   * features of tokens[0..n−2] from a fresh state, targets tokens[1..n−1]. Use
   * it on text the readout was not fitted on to measure what it generalises.
   *
   * @throws {Error} when the coder has not been fitted.
   * @throws {TypeError} when `data` is neither a string nor an array of byte ids.
   * @throws {RangeError} for fewer than 2 bytes or an id outside 0..255.
   */
  async score(data: string | ArrayLike<number>): Promise<number> {
    const weights = this.weights;
    if (weights === null) {
      // A state error, typed like the others: the coder is not fitted yet.
      throw new TypeError(
        "Cannot score with ByteLatentPredictiveCoder: call fit() first (expected a fitted coder)",
      );
    }
    const bytes = toBytes(data, "score");
    if (bytes.length < 2) {
      throw new RangeError(
        `Cannot score with ByteLatentPredictiveCoder: expected at least 2 bytes, got ${bytes.length}`,
      );
    }
    const n = bytes.length - 1;
    const D = this.featureDim;
    const tr = this.trace(bytes.subarray(0, n));
    tr.state.dispose();
    tr.final.dispose();
    try {
      const logits = tidy(() =>
        add(matmul(tr.features, tensor(weights.w, [D, 256])), tensor(weights.b, [256]))
      );
      const [lv] = (await readTensors([logits])) as [Float32Array];
      logits.dispose();
      return bitsPerByte(lv, bytes.subarray(1));
    } finally {
      tr.features.dispose();
    }
  }

  /**
   * Feeds `prompt` from a fresh state, then emits `steps` bytes: the argmax (greedy) or a
   * draw from softmax(logits / temperature) with a seeded Rng. Returns prompt + generated bytes.
   *
   * @throws {Error} before a fit.
   * @throws {TypeError} for a prompt that is neither text nor byte ids.
   * @throws {RangeError} for an empty prompt, an id outside 0..255, a non-integer or negative
   *   `steps`, a temperature ≤ 0 or not finite, or a bad seed.
   */
  async generate(
    prompt: string | ArrayLike<number>,
    steps: number,
    o: GenerateOptions = {},
  ): Promise<Uint8Array> {
    const op = `generate with ${CODER}`;
    checkOptionsArg(op, o);
    checkCallback(op, "onByte", o.onByte);
    if (o.greedy !== undefined && typeof o.greedy !== "boolean") {
      throw new TypeError(
        `Cannot ${op}: expected greedy to be a boolean but got ${shown(o.greedy)}`,
      );
    }
    if (o.seed !== undefined) checkInt(op, "seed", o.seed, 0, 0xffffffff);
    const bytes = toBytes(prompt, "generate");
    if (bytes.length === 0) {
      throw new RangeError(
        "Cannot generate with ByteLatentPredictiveCoder: the prompt is empty (expected at least " +
          "1 byte)",
      );
    }
    // Bounded: the generated bytes are kept on the host, one GPU step each.
    if (!Number.isInteger(steps) || steps < 0 || steps > MAX_GENERATE_STEPS) {
      throw new (typeof steps === "number" ? RangeError : TypeError)(
        `Cannot generate with ByteLatentPredictiveCoder: steps ${steps} must be an integer in ` +
          `[0, ${MAX_GENERATE_STEPS}]`,
      );
    }
    const temperature = o.temperature === undefined ? 1 : o.temperature;
    if (!Number.isFinite(temperature) || temperature <= 0) {
      throw new RangeError(
        `Cannot generate with ByteLatentPredictiveCoder: temperature ${temperature} must be > 0`,
      );
    }
    const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
    const rng = new Rng(seed); // validates the seed
    const fitted = this.weights;
    if (!fitted) {
      throw new TypeError(
        "Cannot generate with ByteLatentPredictiveCoder: call fit() first (expected a fitted coder)",
      );
    }
    const D = this.featureDim;
    const out = Array.from(bytes);
    const w = tensor(fitted.w, [D, 256]);
    const b = tensor(fitted.b, [256]);
    let tr = this.trace(bytes);
    try {
      for (let s = 0; s < steps; s++) {
        const T = tr.features.shape[0]!;
        const logits = tidy(() => {
          const row = T === 1 ? tr.features : slice(tr.features, [T - 1, 0], [1, D]);
          return add(matmul(row, w), b);
        });
        const [lv, fin] = (await readTensors([logits, tr.final])) as [Float32Array, Float32Array];
        logits.dispose();
        const next = o.greedy ? argmax(lv) : sample(lv, temperature, rng);
        out.push(next);
        o.onByte?.(next, s);
        const prev = tr;
        tr = this.trace([next], { init: Float64Array.from(fin), state: prev.state });
        prev.features.dispose();
        prev.final.dispose();
      }
    } finally {
      for (const t of [w, b, tr.features, tr.state, tr.final]) t.dispose();
    }
    return Uint8Array.from(out);
  }
}

function toBytes(data: string | ArrayLike<number>, op: string): Uint8Array {
  if (typeof data === "string") return encodeText(data);
  if (data === null || typeof data !== "object" || typeof data.length !== "number") {
    throw new TypeError(
      `Cannot ${op} with ByteLatentPredictiveCoder: expected text or an array of byte ids, ` +
        `got ${shown(data)}`,
    );
  }
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new (typeof v === "number" ? RangeError : TypeError)(
        `Cannot ${op} with ByteLatentPredictiveCoder: id ${v} at index ${i} is outside 0..255 ` +
          "(expected a byte)",
      );
    }
    out[i] = v;
  }
  return out;
}

/** mean(−ln clip(softmax(logits)[target], 1e−12)) / ln 2, in f64 from f32 logits [n, 256]. */
export function bitsPerByte(logits: ArrayLike<number>, targets: ArrayLike<number>): number {
  const op = "bitsPerByte";
  const n = checkList(op, "targets", targets);
  checkFiniteList(op, "logits", logits);
  if (n < 1 || logits.length < n || logits.length % n !== 0) {
    throw new TypeError(
      `Cannot run ${op}: expected logits [n, V] for n = ${n} targets (a positive multiple of ` +
        `${n} values) but got ${logits.length} values`,
    );
  }
  const V = logits.length / n;
  for (let t = 0; t < n; t++) checkInt(op, `targets[${t}]`, targets[t], 0, V - 1);
  let total = 0;
  for (let t = 0; t < n; t++) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[t * V + v]!);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[t * V + v]! - m);
    const lp = logits[t * V + targets[t]!]! - m - Math.log(z);
    total += Math.min(-lp, -Math.log(1e-12));
  }
  return total / n / Math.LN2;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function sample(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, logits[i]! / temperature);
  const p = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += p[i] = Math.exp(logits[i]! / temperature - m);
  let u = rng.uniform() * z;
  for (let i = 0; i < p.length; i++) {
    u -= p[i]!;
    if (u < 0) return i;
  }
  return p.length - 1;
}

/**
 * Solves A X = B in place (B [E, k] becomes X) for a symmetric positive definite A [E, E]
 * in f64 by Cholesky (A = L Lᵀ, then forward and back substitution): impl/linalg's
 * `choleskySolve` on flat row-major arrays.
 *
 * @throws {RangeError} when A is not positive definite (naming the pivot) or an entry is not
 *   finite. @throws {TypeError} when A is not symmetric or the sizes do not match.
 */
export function choleskySolve(a: Float64Array, E: number, b: Float64Array, k: number): void {
  b.set(linalgCholeskySolve({ rows: E, cols: E, data: a }, { rows: E, cols: k, data: b }).data);
}
