/**
 * f64 oracle of the decepticons ByteLatentPredictiveCoder
 * (asuramaya/decepticons src/decepticons/adapters.py, latents.py, patching.py,
 * readout.py, metrics.py): the byte-latent feature trace over a substrate's
 * states, the ridge readout with an unpenalised bias, the softmax, bits per
 * byte, and greedy / sampled generation. Written from the original's math (not
 * its code), independently of impl/ (the GPU coder).
 *
 * Per input token x_t (t = 0..n−2), with s_t the substrate state after x_t:
 * - local view u_t = s_t[I]; novelty ν_t = mean|u_t − u_{t−1}| (ν_0 = 0);
 * - patch_sum += u_t; ℓ += 1; m = patch_sum / ℓ;
 * - boundary: ℓ ≥ max, else never below min, else fixed: ℓ ≥ patch; adaptive: ℓ ≥ patch or
 *   ν ≥ threshold;
 * - on a boundary: z = tanh(P m); g ← tanh(R g + G_in z); last = z;
 * - φ_t = [u_t − tanh(L_p g), m, g, last, ν_t, ℓ/max, boundary] (2F + G + L + 3 values);
 * - after a boundary the patch sum and ℓ restart; the previous view becomes u_t.
 *
 * The feature at t sees the state after x_t and is the input that predicts x_{t+1}.
 *
 * @example The feature width at the defaults
 * ```ts
 * import { CODER_DEFAULTS, coderFeatureDim } from "./predictive_coder.ts";
 * if (coderFeatureDim(CODER_DEFAULTS) !== 387) throw new Error("expected 387");
 * ```
 *
 * @module
 */
import { oracleStateDim, oracleStep, type OracleSubstrate } from "./substrate.ts";

/** The coder's random draws, explicit (the original draws them from default_rng(seed + 101)). */
export interface CoderDraws {
  /** F sorted indices into the substrate state (the local view). */
  indices: Int32Array;
  /** Latent projection [L, F] row-major (L = F at the defaults). */
  P: Float64Array;
  /** Global recurrence [G, G], already rescaled to its spectral radius. */
  R: Float64Array;
  /** Latent-to-global input [G, L]. */
  Gin: Float64Array;
  /** View predictor [F, G]. */
  Lp: Float64Array;
}

/** The coder's configuration (the original's LatentConfig and SegmenterConfig). */
export interface CoderConfig {
  /** F: size of the local view. */
  reservoirFeatures: number;
  /** G: size of the global state. */
  globalDim: number;
  /** L: size of a committed latent. */
  latentDim: number;
  minPatch: number;
  maxPatch: number;
  patchSize: number;
  noveltyThreshold: number;
  mode: "adaptive" | "fixed";
  /** Ridge penalty α on every weight but the bias. */
  ridgeAlpha: number;
}

/** The original's defaults (F = G = L = 96, patches 4..24 of 8, novelty 0.14, α 1e-3). */
export const CODER_DEFAULTS: Readonly<CoderConfig> = Object.freeze({
  reservoirFeatures: 96,
  globalDim: 96,
  latentDim: 96,
  minPatch: 4,
  maxPatch: 24,
  patchSize: 8,
  noveltyThreshold: 0.14,
  mode: "adaptive",
  ridgeAlpha: 1e-3,
});

/** Feature width: 2F + G + L + 3 (387 at the defaults). */
export function coderFeatureDim(cfg: CoderConfig): number {
  return 2 * cfg.reservoirFeatures + cfg.globalDim + cfg.latentDim + 3;
}

/** The coder's running state over one sequence. */
export interface CoderState {
  /** The previous local view, or null before the first token. */
  prev: Float64Array | null;
  patchSum: Float64Array;
  /** ℓ: tokens in the open patch. */
  length: number;
  g: Float64Array;
  last: Float64Array;
  commits: number;
}

/** A fresh state: no previous view, empty patch, g = 0, last latent = 0. */
export function coderInit(cfg: CoderConfig): CoderState {
  return {
    prev: null,
    patchSum: new Float64Array(cfg.reservoirFeatures),
    length: 0,
    g: new Float64Array(cfg.globalDim),
    last: new Float64Array(cfg.latentDim),
    commits: 0,
  };
}

function checkDraws(cfg: CoderConfig, d: CoderDraws, N: number): void {
  const F = cfg.reservoirFeatures;
  const G = cfg.globalDim;
  const L = cfg.latentDim;
  const want: [string, number, number][] = [
    ["indices", d.indices.length, F],
    ["P", d.P.length, L * F],
    ["R", d.R.length, G * G],
    ["Gin", d.Gin.length, G * L],
    ["Lp", d.Lp.length, F * G],
  ];
  for (const [name, got, n] of want) {
    if (got !== n) {
      throw new TypeError(
        `Cannot run the predictive coder: draw ${name} has ${got} values, expected ${n} ` +
          `(F ${F}, G ${G}, L ${L})`,
      );
    }
  }
  for (const i of d.indices) {
    if (i < 0 || i >= N) {
      throw new RangeError(`Cannot run the predictive coder: view index ${i} outside 0..${N - 1}`);
    }
  }
  if (!(cfg.minPatch >= 1 && cfg.minPatch <= cfg.maxPatch)) {
    throw new RangeError(
      `Cannot run the predictive coder: patch bounds ${cfg.minPatch}..${cfg.maxPatch} are invalid`,
    );
  }
}

function tanhMatVec(
  M: Float64Array,
  rows: number,
  cols: number,
  v: Float64Array,
  add: Float64Array | null,
): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let a = add ? add[i]! : 0;
    for (let j = 0; j < cols; j++) a += M[i * cols + j]! * v[j]!;
    out[i] = Math.tanh(a);
  }
  return out;
}

/**
 * One coder step on the substrate state `s` (N values from `off`): updates `st` in place and
 * returns the feature row and whether a patch was committed.
 */
export function coderStep(
  cfg: CoderConfig,
  d: CoderDraws,
  st: CoderState,
  s: Float64Array,
  off = 0,
): { feature: Float64Array; boundary: boolean } {
  const F = cfg.reservoirFeatures;
  const G = cfg.globalDim;
  const L = cfg.latentDim;
  const u = new Float64Array(F);
  for (let k = 0; k < F; k++) u[k] = s[off + d.indices[k]!]!;
  let nu = 0;
  if (st.prev !== null) {
    for (let k = 0; k < F; k++) nu += Math.abs(u[k]! - st.prev[k]!);
    nu /= F;
  }
  st.length += 1;
  const m = new Float64Array(F);
  for (let k = 0; k < F; k++) {
    st.patchSum[k] = st.patchSum[k]! + u[k]!;
    m[k] = st.patchSum[k]! / st.length;
  }
  let commit: boolean;
  if (st.length >= cfg.maxPatch) commit = true;
  else if (st.length < cfg.minPatch) commit = false;
  else if (cfg.mode === "fixed") commit = st.length >= cfg.patchSize;
  else commit = st.length >= cfg.patchSize || nu >= cfg.noveltyThreshold;
  if (commit) {
    const z = tanhMatVec(d.P, L, F, m, null);
    const drive = new Float64Array(G);
    for (let i = 0; i < G; i++) {
      let a = 0;
      for (let j = 0; j < G; j++) a += d.R[i * G + j]! * st.g[j]!;
      for (let j = 0; j < L; j++) a += d.Gin[i * L + j]! * z[j]!;
      drive[i] = a;
    }
    for (let i = 0; i < G; i++) st.g[i] = Math.tanh(drive[i]!);
    st.last = z;
    st.commits += 1;
  }
  const pred = tanhMatVec(d.Lp, F, G, st.g, null);
  const feature = new Float64Array(coderFeatureDim(cfg));
  for (let k = 0; k < F; k++) feature[k] = u[k]! - pred[k]!;
  feature.set(m, F);
  feature.set(st.g, 2 * F);
  feature.set(st.last, 2 * F + G);
  const tail = 2 * F + G + L;
  feature[tail] = nu;
  feature[tail + 1] = st.length / cfg.maxPatch;
  feature[tail + 2] = commit ? 1 : 0;
  if (commit) {
    st.patchSum.fill(0);
    st.length = 0;
  }
  st.prev = u;
  return { feature, boundary: commit };
}

/** What {@link coderTrace} returns. */
export interface CoderTrace {
  /** [(n − 1), D] row-major: row t is φ_t, the input predicting x_{t+1}. */
  features: Float64Array;
  /** 1 where a patch was committed at row t. */
  boundaries: Uint8Array;
  /** Commits plus one when a trailing partial patch remains. */
  patches: number;
  D: number;
}

/**
 * The feature trace of one sequence: substrateStates is [n, N] (s_t after token x_t); rows
 * t = 0..n−2 (the last state predicts nothing inside the sequence).
 *
 * @throws {TypeError} when the sizes disagree. @throws {RangeError} for n < 2 or bad indices.
 */
export function coderTrace(
  cfg: CoderConfig,
  draws: CoderDraws,
  substrateStates: Float64Array,
  n: number,
  N: number,
): CoderTrace {
  if (substrateStates.length !== n * N) {
    throw new TypeError(
      `Cannot trace the predictive coder: states have ${substrateStates.length} values, ` +
        `expected n·N = ${n}·${N}`,
    );
  }
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`Cannot trace the predictive coder: needs n ≥ 2 tokens, got ${n}`);
  }
  checkDraws(cfg, draws, N);
  const D = coderFeatureDim(cfg);
  const features = new Float64Array((n - 1) * D);
  const boundaries = new Uint8Array(n - 1);
  const st = coderInit(cfg);
  for (let t = 0; t < n - 1; t++) {
    const { feature, boundary } = coderStep(cfg, draws, st, substrateStates, t * N);
    features.set(feature, t * D);
    boundaries[t] = boundary ? 1 : 0;
  }
  return { features, boundaries, patches: st.commits + (st.length > 0 ? 1 : 0), D };
}

/**
 * Ridge regression with bias against one-hot targets: W = (X̃ᵀX̃ + α·diag(1,…,1,0))⁻¹ X̃ᵀY with
 * X̃ = [Φ, 1], solved by Cholesky in f64. Returns W [(D + 1), V] row-major (bias last).
 *
 * @throws {RangeError} when a target is outside 0..V−1 or the system is not positive definite.
 */
export function ridgeFit(
  features: Float64Array,
  targets: ArrayLike<number>,
  n: number,
  D: number,
  V = 256,
  alpha: number = CODER_DEFAULTS.ridgeAlpha,
): Float64Array {
  if (features.length !== n * D || targets.length !== n) {
    throw new TypeError(
      `Cannot fit the ridge readout: features have ${features.length} values and targets ` +
        `${targets.length}, expected ${n}·${D} and ${n}`,
    );
  }
  const K = D + 1;
  const A = new Float64Array(K * K);
  const B = new Float64Array(K * V);
  const row = new Float64Array(K);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < D; i++) row[i] = features[t * D + i]!;
    row[D] = 1;
    const y = targets[t]!;
    if (!Number.isInteger(y) || y < 0 || y >= V) {
      throw new RangeError(`Cannot fit the ridge readout: target ${y} outside 0..${V - 1}`);
    }
    for (let i = 0; i < K; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      for (let j = 0; j <= i; j++) A[i * K + j] = A[i * K + j]! + ri * row[j]!;
      B[i * V + y] = B[i * V + y]! + ri;
    }
  }
  for (let i = 0; i < D; i++) A[i * K + i] = A[i * K + i]! + alpha;
  // Cholesky A = C Cᵀ in the lower triangle.
  for (let j = 0; j < K; j++) {
    let dj = A[j * K + j]!;
    for (let k = 0; k < j; k++) dj -= A[j * K + k]! * A[j * K + k]!;
    if (!(dj > 0)) {
      throw new RangeError(
        `Cannot fit the ridge readout: the normal matrix is not positive definite at pivot ${j}`,
      );
    }
    const c = Math.sqrt(dj);
    A[j * K + j] = c;
    for (let i = j + 1; i < K; i++) {
      let a = A[i * K + j]!;
      for (let k = 0; k < j; k++) a -= A[i * K + k]! * A[j * K + k]!;
      A[i * K + j] = a / c;
    }
  }
  // Forward (C Y = B) then backward (Cᵀ W = Y), all V columns at once.
  for (let i = 0; i < K; i++) {
    for (let k = 0; k < i; k++) {
      const c = A[i * K + k]!;
      if (c === 0) continue;
      for (let v = 0; v < V; v++) B[i * V + v] = B[i * V + v]! - c * B[k * V + v]!;
    }
    const inv = 1 / A[i * K + i]!;
    for (let v = 0; v < V; v++) B[i * V + v] = B[i * V + v]! * inv;
  }
  for (let i = K - 1; i >= 0; i--) {
    for (let k = i + 1; k < K; k++) {
      const c = A[k * K + i]!;
      if (c === 0) continue;
      for (let v = 0; v < V; v++) B[i * V + v] = B[i * V + v]! - c * B[k * V + v]!;
    }
    const inv = 1 / A[i * K + i]!;
    for (let v = 0; v < V; v++) B[i * V + v] = B[i * V + v]! * inv;
  }
  return B;
}

/** Logits [n, V] = [Φ, 1]·W for features [n, D] and W [(D + 1), V]. */
export function ridgeLogits(
  features: Float64Array,
  W: Float64Array,
  n: number,
  D: number,
  V = 256,
): Float64Array {
  if (features.length !== n * D || W.length !== (D + 1) * V) {
    throw new TypeError(
      `Cannot apply the ridge readout: features [${n}, ${D}] need W [${D + 1}, ${V}], got ` +
        `${W.length} values`,
    );
  }
  const out = new Float64Array(n * V);
  for (let t = 0; t < n; t++) {
    for (let v = 0; v < V; v++) out[t * V + v] = W[D * V + v]!;
    for (let i = 0; i < D; i++) {
      const x = features[t * D + i]!;
      if (x === 0) continue;
      for (let v = 0; v < V; v++) out[t * V + v] = out[t * V + v]! + x * W[i * V + v]!;
    }
  }
  return out;
}

/** Row-wise softmax of [n, V] logits (max-shifted). */
export function softmaxRows(logits: Float64Array, n: number, V = 256): Float64Array {
  const out = new Float64Array(n * V);
  for (let t = 0; t < n; t++) {
    let mx = -Infinity;
    for (let v = 0; v < V; v++) mx = Math.max(mx, logits[t * V + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(logits[t * V + v]! - mx);
      out[t * V + v] = e;
      s += e;
    }
    for (let v = 0; v < V; v++) out[t * V + v] = out[t * V + v]! / s;
  }
  return out;
}

/** bpb = mean(−ln max(p_target, 1e-12)) / ln 2 over the rows of probs [n, V]. */
export function bitsPerByte(probs: Float64Array, targets: ArrayLike<number>, V = 256): number {
  const n = targets.length;
  if (probs.length !== n * V || n === 0) {
    throw new TypeError(
      `Cannot score bits per byte: probabilities have ${probs.length} values, expected ${n}·${V}`,
    );
  }
  let s = 0;
  for (let t = 0; t < n; t++) s -= Math.log(Math.max(probs[t * V + targets[t]!]!, 1e-12));
  return s / n / Math.LN2;
}

/** Options of {@link coderGenerate}. */
export interface GenerateOptions {
  /** Greedy argmax (first maximum) when true, the default. */
  greedy?: boolean;
  /** Sampling temperature (softmax(logits / T)); default 1. */
  temperature?: number;
  /** Uniform [0, 1) source for sampling (required unless greedy). */
  uniform?: () => number;
}

/**
 * Feeds `prompt` through the substrate and the coder, then emits `steps` bytes: each from the
 * ridge logits of the current feature, fed back in. Returns prompt + generated bytes.
 *
 * @throws {RangeError} for an empty prompt, or sampling without a uniform source.
 */
export function coderGenerate(
  cfg: CoderConfig,
  draws: CoderDraws,
  substrate: OracleSubstrate,
  W: Float64Array,
  prompt: ArrayLike<number>,
  steps: number,
  opts: GenerateOptions = {},
): number[] {
  if (prompt.length === 0) throw new RangeError("Cannot generate from an empty prompt");
  const greedy = opts.greedy ?? true;
  if (!greedy && !opts.uniform) {
    throw new RangeError("Cannot sample without a uniform source (opts.uniform)");
  }
  const T = opts.temperature ?? 1;
  const V = substrate.vocab;
  const D = coderFeatureDim(cfg);
  const st = coderInit(cfg);
  let s: Float64Array = new Float64Array(oracleStateDim(substrate));
  let phi: Float64Array = new Float64Array(D);
  const out: number[] = [];
  const feed = (x: number) => {
    s = oracleStep(substrate, s, x);
    phi = coderStep(cfg, draws, st, s).feature;
    out.push(x);
  };
  for (let i = 0; i < prompt.length; i++) feed(prompt[i]!);
  for (let k = 0; k < steps; k++) {
    const logits = ridgeLogits(phi, W, 1, D, V);
    let next = 0;
    if (greedy) {
      for (let v = 1; v < V; v++) if (logits[v]! > logits[next]!) next = v;
    } else {
      const scaled = logits.map((z) => z / T);
      const p = softmaxRows(scaled, 1, V);
      let r = opts.uniform!();
      next = V - 1;
      for (let v = 0; v < V; v++) {
        r -= p[v]!;
        if (r < 0) {
          next = v;
          break;
        }
      }
    }
    feed(next);
  }
  return out;
}
