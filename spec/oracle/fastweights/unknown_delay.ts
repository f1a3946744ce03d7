/**
 * f64 oracle of the unknown-delay fast-weight task (Schmidhuber 1992;
 * cybertronai/schmidhuber-problems PR #8,
 * fast-weights-unknown-delay/fast_weights_unknown_delay.py): a feed-forward
 * slow net emits a key, a value, a query and a write gate at every step; the
 * fast weights receive gated rank-1 writes W_t = W_{t−1} + η g_t v_t k_tᵀ
 * (W_{−1} = 0), and the recall step reads y = W_{T−1} q_{T−1} after its own
 * write.
 *
 * Everything here is plain f64 and written without reference to the GPU code:
 * the task generator, the forward pass, the hand-derived backward pass
 * (BPTT through the writes, in matrix form), bit accuracy, global-norm
 * clipping and Adam. Random draws come from a caller-supplied counter
 * stream ({@link CounterStream}), so this module imports nothing from impl/.
 *
 * @example Forward and backward on one tiny episode
 * ```ts
 * import { udBackward, udForward, udInitParams, udMakeEpisode } from "./unknown_delay.ts";
 * import { ok } from "node:assert/strict";
 * const cfg = { p: 2, hidden: 3, keyDim: 2, eta: 0.5 };
 * let s = 1;
 * const normal = () => ((s = (s * 48271) % 2147483647) / 2147483647) - 0.5;
 * const params = udInitParams(cfg, normal);
 * const stream = { u32At: (i: number) => (i * 2654435761) >>> 0 };
 * const ep = udMakeEpisode(stream, cfg.p, 0, 0, 1, 3);
 * const fwd = udForward(cfg, params, [ep]);
 * const grads = udBackward(cfg, params, [ep], fwd);
 * ok(fwd.loss > 0 && grads.wxh.length === cfg.hidden * (cfg.p + 2));
 * ```
 *
 * @module
 */

/** Sizes and write strength of the unknown-delay model. */
export interface UdConfig {
  /** Pattern bits p. The input has p + 2 entries (pattern, store flag, recall flag). */
  readonly p: number;
  /** Hidden units H of the slow net. */
  readonly hidden: number;
  /** Key and query size d_k. */
  readonly keyDim: number;
  /** Write strength η. */
  readonly eta: number;
}

/** The original's defaults: p = 4, H = 32, d_k = 8, η = 0.5. */
export const UD_DEFAULTS: UdConfig = { p: 4, hidden: 32, keyDim: 8, eta: 0.5 };

/** Names of the slow net's parameters, in the order of the flat vector. */
export const UD_PARAM_NAMES = [
  "wxh",
  "bh",
  "whk",
  "bk",
  "whv",
  "bv",
  "whq",
  "bq",
  "whg",
  "bg",
] as const;

/** One parameter's name. */
export type UdParamName = typeof UD_PARAM_NAMES[number];

/** The slow net's parameters, each row-major (weights are [out, in]). */
export type UdParams = Record<UdParamName, Float64Array>;

/** Shape of every parameter: W_xh [H, p+2], heads [out, H], w_hg [1, H], b_g [1]. */
export function udParamShapes(cfg: UdConfig): Record<UdParamName, number[]> {
  const { p, hidden: h, keyDim: dk } = cfg;
  return {
    wxh: [h, p + 2],
    bh: [h],
    whk: [dk, h],
    bk: [dk],
    whv: [p, h],
    bv: [p],
    whq: [dk, h],
    bq: [dk],
    whg: [1, h],
    bg: [1],
  };
}

/** Number of slow-net parameters: H(p+3) + (2d_k + p + 1)(H + 1). */
export function udParamCount(cfg: UdConfig): number {
  const shapes = udParamShapes(cfg);
  let n = 0;
  for (const name of UD_PARAM_NAMES) n += shapes[name].reduce((a, b) => a * b, 1);
  return n;
}

/** Zero-filled parameters. */
export function udZeroParams(cfg: UdConfig): UdParams {
  const shapes = udParamShapes(cfg);
  const out = {} as UdParams;
  for (const name of UD_PARAM_NAMES) {
    out[name] = new Float64Array(shapes[name].reduce((a, b) => a * b, 1));
  }
  return out;
}

/** Concatenates the parameters in {@link UD_PARAM_NAMES} order. */
export function udFlatten(params: UdParams): Float64Array {
  let n = 0;
  for (const name of UD_PARAM_NAMES) n += params[name].length;
  const flat = new Float64Array(n);
  let o = 0;
  for (const name of UD_PARAM_NAMES) {
    flat.set(params[name], o);
    o += params[name].length;
  }
  return flat;
}

/** Splits a flat vector back into parameters; TypeError on a length mismatch. */
export function udUnflatten(cfg: UdConfig, flat: ArrayLike<number>): UdParams {
  const out = udZeroParams(cfg);
  let o = 0;
  for (const name of UD_PARAM_NAMES) {
    const a = out[name];
    for (let i = 0; i < a.length; i++) a[i] = flat[o + i]!;
    o += a.length;
  }
  if (o !== flat.length) {
    throw new TypeError(
      `Cannot unflatten ${flat.length} values into unknown-delay parameters: expected ${o}`,
    );
  }
  return out;
}

/**
 * Initial parameters in the original's draw order: W_xh ~ N(0,1)·0.5/√(p+2),
 * then W_hk, W_hv, W_hq, w_hg ~ N(0,1)·0.5/√H, each row-major; biases 0.
 */
export function udInitParams(cfg: UdConfig, normal: () => number): UdParams {
  const out = udZeroParams(cfg);
  const fill = (a: Float64Array, scale: number) => {
    for (let i = 0; i < a.length; i++) a[i] = normal() * scale;
  };
  fill(out.wxh, 0.5 / Math.sqrt(cfg.p + 2));
  for (const name of ["whk", "whv", "whq", "whg"] as const) {
    fill(out[name], 0.5 / Math.sqrt(cfg.hidden));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Task generator

/** A counter-based random stream: value `index` is a pure function of the index. */
export interface CounterStream {
  u32At(index: number): number;
}

/** Slots reserved per episode in the bit stream: bits of steps 0..63 (so K ≤ 63). */
export const UD_STEP_STRIDE = 64;

/**
 * A uniform integer in [lo, hi] from draw `index`: lo + ⌊(u >> 8)·(hi − lo + 1) / 2²⁴⌋,
 * exact integer arithmetic on the top 24 bits of the draw.
 */
export function udDelayAt(stream: CounterStream, index: number, lo: number, hi: number): number {
  const top = stream.u32At(index) >>> 8;
  return lo + Math.floor((top * (hi - lo + 1)) / 2 ** 24);
}

/** One episode: `steps` = K + 2 inputs of p + 2 entries each, and the target pattern. */
export interface UdEpisode {
  readonly steps: number;
  /** Row-major [steps, p + 2]. */
  readonly x: Float64Array;
  /** The stored pattern P ∈ {−1, +1}^p. */
  readonly target: Float64Array;
}

/**
 * Episode `e` of group `unit` with delay K. Bit j of step t (t = 0 the pattern,
 * t = 1..K the distractors) is +1 when the top bit of draw
 * ((unit·E + e)·64 + t)·p + j is set, else −1; E = `perUnit`.
 * Step 0 is [P, 1, 0]; steps 1..K are [d_t, 0, 0]; step K+1 is [0…0, 0, 1].
 */
export function udMakeEpisode(
  stream: CounterStream,
  p: number,
  unit: number,
  e: number,
  perUnit: number,
  delay: number,
): UdEpisode {
  if (!Number.isInteger(delay) || delay < 0 || delay + 1 > UD_STEP_STRIDE) {
    throw new RangeError(
      `Cannot make an unknown-delay episode with K = ${delay}: expected an integer in [0, 63]`,
    );
  }
  const steps = delay + 2;
  const w = p + 2;
  const x = new Float64Array(steps * w);
  const base = (unit * perUnit + e) * UD_STEP_STRIDE;
  for (let t = 0; t <= delay; t++) {
    for (let j = 0; j < p; j++) {
      x[t * w + j] = stream.u32At((base + t) * p + j) >>> 31 ? 1 : -1;
    }
  }
  x[p] = 1; // store flag at step 0
  x[(steps - 1) * w + p + 1] = 1; // recall flag
  return { steps, x, target: x.slice(0, p) };
}

/** An episode from explicit draws: pattern P (p signs) and K distractor rows. */
export function udEpisodeFromDraws(
  p: number,
  pattern: ArrayLike<number>,
  distractors: readonly ArrayLike<number>[],
): UdEpisode {
  const delay = distractors.length;
  const steps = delay + 2;
  const w = p + 2;
  const x = new Float64Array(steps * w);
  for (let j = 0; j < p; j++) x[j] = pattern[j]!;
  x[p] = 1;
  distractors.forEach((d, t) => {
    for (let j = 0; j < p; j++) x[(t + 1) * w + j] = d[j]!;
  });
  x[(steps - 1) * w + p + 1] = 1;
  return { steps, x, target: Float64Array.from({ length: p }, (_, j) => pattern[j]!) };
}

// ---------------------------------------------------------------------------
// Forward

/** Per-episode activations of the forward pass. */
export interface UdEpisodeActivations {
  /** [steps, H] hidden activations. */
  h: Float64Array;
  /** [steps, d_k] keys, [steps, p] values, [steps, d_k] queries, [steps] gates. */
  k: Float64Array;
  v: Float64Array;
  q: Float64Array;
  g: Float64Array;
  /** Gate pre-activations (before the ±50 clip), [steps]. */
  zg: Float64Array;
  /** Final fast weights W_{T−1}, [p, d_k]. */
  w: Float64Array;
  /** Fast weights after every step, [steps, p, d_k]; only with `history`. */
  history: Float64Array | null;
  /** Recall read y = W_{T−1} q_{T−1}, [p]. */
  y: Float64Array;
}

/** The forward pass over a batch of episodes. */
export interface UdForward {
  episodes: UdEpisodeActivations[];
  /** Mean over episodes and bits of (y − P)². */
  loss: number;
}

/** Options of {@link udForward}. */
export interface UdForwardOptions {
  /** Keep W after every step. */
  history?: boolean;
  /** Override the write order: `order[i]` is the step written i-th (a permutation). */
  writeOrder?: (episode: number, steps: number) => readonly number[];
}

function affine(
  w: Float64Array,
  b: Float64Array,
  x: Float64Array,
  xOff: number,
  nIn: number,
  row: number,
): number {
  let s = b[row]!;
  for (let j = 0; j < nIn; j++) s += w[row * nIn + j]! * x[xOff + j]!;
  return s;
}

/** σ with the input clipped to ±50, as in the original. */
export function clippedSigmoid(z: number): number {
  const c = Math.min(50, Math.max(-50, z));
  return 1 / (1 + Math.exp(-c));
}

/** Runs the slow net on one input row; returns h and the four heads. */
export function udSlowNet(
  cfg: UdConfig,
  params: UdParams,
  x: Float64Array,
  xOff: number,
): { h: Float64Array; k: Float64Array; v: Float64Array; q: Float64Array; g: number; zg: number } {
  const { p, hidden: H, keyDim: dk } = cfg;
  const h = new Float64Array(H);
  for (let i = 0; i < H; i++) h[i] = Math.tanh(affine(params.wxh, params.bh, x, xOff, p + 2, i));
  const head = (w: Float64Array, b: Float64Array, n: number) =>
    Float64Array.from({ length: n }, (_, r) => Math.tanh(affine(w, b, h, 0, H, r)));
  const zg = affine(params.whg, params.bg, h, 0, H, 0);
  return {
    h,
    k: head(params.whk, params.bk, dk),
    v: head(params.whv, params.bv, p),
    q: head(params.whq, params.bq, dk),
    g: clippedSigmoid(zg),
    zg,
  };
}

/** Forward pass: slow net on every step, gated rank-1 writes, one read at the recall step. */
export function udForward(
  cfg: UdConfig,
  params: UdParams,
  episodes: readonly UdEpisode[],
  options: UdForwardOptions = {},
): UdForward {
  const { p, hidden: H, keyDim: dk, eta } = cfg;
  const w = p + 2;
  let sq = 0;
  const acts = episodes.map((ep, n) => {
    const T = ep.steps;
    const a: UdEpisodeActivations = {
      h: new Float64Array(T * H),
      k: new Float64Array(T * dk),
      v: new Float64Array(T * p),
      q: new Float64Array(T * dk),
      g: new Float64Array(T),
      zg: new Float64Array(T),
      w: new Float64Array(p * dk),
      history: options.history ? new Float64Array(T * p * dk) : null,
      y: new Float64Array(p),
    };
    for (let t = 0; t < T; t++) {
      const s = udSlowNet(cfg, params, ep.x, t * w);
      a.h.set(s.h, t * H);
      a.k.set(s.k, t * dk);
      a.v.set(s.v, t * p);
      a.q.set(s.q, t * dk);
      a.g[t] = s.g;
      a.zg[t] = s.zg;
    }
    const order = options.writeOrder?.(n, T) ?? Array.from({ length: T }, (_, t) => t);
    order.forEach((t, i) => {
      for (let r = 0; r < p; r++) {
        const c = eta * a.g[t]! * a.v[t * p + r]!;
        for (let col = 0; col < dk; col++) a.w[r * dk + col]! += c * a.k[t * dk + col]!;
      }
      a.history?.set(a.w, i * p * dk);
    });
    const qo = (T - 1) * dk;
    for (let r = 0; r < p; r++) {
      let s = 0;
      for (let col = 0; col < dk; col++) s += a.w[r * dk + col]! * a.q[qo + col]!;
      a.y[r] = s;
      sq += (s - ep.target[r]!) ** 2;
    }
    return a;
  });
  return { episodes: acts, loss: sq / (episodes.length * p) };
}

/**
 * The linear-attention form of the read: y = η Σ_t g_t v_t (k_t · q_{T−1}),
 * computed from the heads of one episode without forming W.
 */
export function udLinearAttention(cfg: UdConfig, a: UdEpisodeActivations): Float64Array {
  const { p, keyDim: dk, eta } = cfg;
  const T = a.g.length;
  const y = new Float64Array(p);
  const qo = (T - 1) * dk;
  for (let t = 0; t < T; t++) {
    let kq = 0;
    for (let c = 0; c < dk; c++) kq += a.k[t * dk + c]! * a.q[qo + c]!;
    for (let r = 0; r < p; r++) y[r]! += eta * a.g[t]! * a.v[t * p + r]! * kq;
  }
  return y;
}

/** Fraction of recall bits whose sign matches the pattern; sign(0) counts as wrong. */
export function udBitAccuracy(
  ys: readonly ArrayLike<number>[],
  targets: readonly ArrayLike<number>[],
) {
  let right = 0;
  let total = 0;
  ys.forEach((y, n) => {
    const t = targets[n]!;
    for (let j = 0; j < t.length; j++) {
      total++;
      if ((y[j]! > 0 && t[j]! > 0) || (y[j]! < 0 && t[j]! < 0)) right++;
    }
  });
  return total === 0 ? 0 : right / total;
}

// ---------------------------------------------------------------------------
// Backward

/** Gradients of the heads at every step of one episode (before the activations' derivatives). */
export interface UdStepGradients {
  /** ∂L/∂k_t [steps, d_k], ∂L/∂v_t [steps, p], ∂L/∂g_t [steps]; ∂L/∂q_{T−1} [d_k]. */
  dk: Float64Array;
  dv: Float64Array;
  dg: Float64Array;
  dq: Float64Array;
  /** ∂L/∂y [p]. */
  dy: Float64Array;
}

/** The backward pass: parameter gradients and, optionally, every step's head gradients. */
export function udBackward(
  cfg: UdConfig,
  params: UdParams,
  episodes: readonly UdEpisode[],
  fwd: UdForward,
  stepGrads?: UdStepGradients[],
): UdParams {
  const { p, hidden: H, keyDim: dk, eta } = cfg;
  const w = p + 2;
  const grads = udZeroParams(cfg);
  const nOut = episodes.length * p;
  episodes.forEach((ep, n) => {
    const a = fwd.episodes[n]!;
    const T = ep.steps;
    const dy = Float64Array.from({ length: p }, (_, r) => (2 * (a.y[r]! - ep.target[r]!)) / nOut);
    // The only read is at T−1, so ∂L/∂W_t is the same matrix G = dy q_{T−1}ᵀ for every t.
    const qo = (T - 1) * dk;
    const G = new Float64Array(p * dk);
    for (let r = 0; r < p; r++) {
      for (let c = 0; c < dk; c++) G[r * dk + c] = dy[r]! * a.q[qo + c]!;
    }
    const sg: UdStepGradients = {
      dk: new Float64Array(T * dk),
      dv: new Float64Array(T * p),
      dg: new Float64Array(T),
      dq: new Float64Array(dk),
      dy,
    };
    for (let c = 0; c < dk; c++) {
      let s = 0;
      for (let r = 0; r < p; r++) s += a.w[r * dk + c]! * dy[r]!;
      sg.dq[c] = s;
    }
    for (let t = 0; t < T; t++) {
      const gt = a.g[t]!;
      // Gk = G k_t, vG = Gᵀ v_t.
      let vgk = 0;
      for (let r = 0; r < p; r++) {
        let gk = 0;
        for (let c = 0; c < dk; c++) gk += G[r * dk + c]! * a.k[t * dk + c]!;
        sg.dv[t * p + r] = eta * gt * gk;
        vgk += a.v[t * p + r]! * gk;
      }
      sg.dg[t] = eta * vgk;
      for (let c = 0; c < dk; c++) {
        let vg = 0;
        for (let r = 0; r < p; r++) vg += G[r * dk + c]! * a.v[t * p + r]!;
        sg.dk[t * dk + c] = eta * gt * vg;
      }
    }
    stepGrads?.push(sg);
    // Through the heads' activations into the slow net, step by step.
    const dh = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      dh.fill(0);
      const ht = a.h.subarray(t * H, (t + 1) * H);
      const head = (
        wName: "whk" | "whv" | "whq" | "whg",
        bName: "bk" | "bv" | "bq" | "bg",
        dz: Float64Array,
      ) => {
        const W = params[wName];
        const gW = grads[wName];
        const gB = grads[bName];
        for (let r = 0; r < dz.length; r++) {
          const d = dz[r]!;
          if (d === 0) continue;
          gB[r]! += d;
          for (let i = 0; i < H; i++) {
            gW[r * H + i]! += d * ht[i]!;
            dh[i]! += W[r * H + i]! * d;
          }
        }
      };
      const tanhBack = (out: Float64Array, off: number, d: Float64Array, dOff: number, n: number) =>
        Float64Array.from({ length: n }, (_, r) => d[dOff + r]! * (1 - out[off + r]! ** 2));
      head("whk", "bk", tanhBack(a.k, t * dk, sg.dk, t * dk, dk));
      head("whv", "bv", tanhBack(a.v, t * p, sg.dv, t * p, p));
      if (t === T - 1) head("whq", "bq", tanhBack(a.q, t * dk, sg.dq, 0, dk));
      // The original chains through g(1 − g) whether or not the ±50 clip is active.
      const gt = a.g[t]!;
      const dzg = sg.dg[t]! * gt * (1 - gt);
      head("whg", "bg", Float64Array.of(dzg));
      for (let i = 0; i < H; i++) {
        const dz = dh[i]! * (1 - ht[i]! ** 2);
        grads.bh[i]! += dz;
        for (let j = 0; j < w; j++) grads.wxh[i * w + j]! += dz * ep.x[t * w + j]!;
      }
    }
  });
  return grads;
}

// ---------------------------------------------------------------------------
// Optimiser

/** Adam with global-norm clipping, as in the original. */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Clip the global gradient norm to this value; Infinity disables clipping. */
  maxNorm: number;
}

/** lr 1e-2, β = (0.9, 0.999), ε = 1e-8 after the square root, clip at 1. */
export const UD_ADAM: AdamOptions = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, maxNorm: 1 };

/**
 * Global-norm clip: when ‖g‖ > maxNorm, returns g · maxNorm / (‖g‖ + 1e-12);
 * otherwise a copy of g. Also returns the norm before clipping.
 */
export function clipGlobalNorm(g: ArrayLike<number>, maxNorm: number) {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  const norm = Math.sqrt(s);
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-12) : 1;
  return { norm, clipped: Float64Array.from(g, (x) => x * scale) };
}

/** Adam state: first and second moments and the step count (number of updates done). */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  step: number;
}

/** One clipped, bias-corrected Adam update of `params` in place; returns the pre-clip norm. */
export function adamStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: AdamState,
  opts: AdamOptions,
): number {
  const { norm, clipped } = clipGlobalNorm(grads, opts.maxNorm);
  state.step++;
  const c1 = 1 - opts.beta1 ** state.step;
  const c2 = 1 - opts.beta2 ** state.step;
  for (let i = 0; i < params.length; i++) {
    const g = clipped[i]!;
    state.m[i] = opts.beta1 * state.m[i]! + (1 - opts.beta1) * g;
    state.v[i] = opts.beta2 * state.v[i]! + (1 - opts.beta2) * g * g;
    const mh = state.m[i]! / c1;
    const vh = state.v[i]! / c2;
    params[i]! -= (opts.lr * mh) / (Math.sqrt(vh) + opts.eps);
  }
  return norm;
}
