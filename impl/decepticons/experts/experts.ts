/**
 * FrozenReadoutExpert (asuramaya/decepticons src/decepticons/experts.py): a frozen substrate, a
 * feature function and a trained readout over the next byte, in f64 on the host.
 *
 * - Trace: s₋₁ = initial; for each token x_t, s_t = step(s_{t−1}, x_t) and φ_t = features(s_t,
 *   s_{t−1}) (prev null at t = 0). Row t of {@link FrozenReadoutExpert.sequenceProbabilities}
 *   predicts x_{t+1}.
 * - `"ridge"` readout (the original's): W = (X̃ᵀX̃ + α·diag(1,…,1,0))⁻¹ X̃ᵀY on X̃ = [Φ, 1] and
 *   one-hot targets, probabilities softmax(X̃W). Ridge logits of a perfect fit are one-hot, so
 *   the target's probability is capped near e/(e + V − 1): at V = 256 bits per byte stay
 *   ≥ −log2(e/(e+255)) ≈ 6.567 even at argmax accuracy 1 (the calibration ceiling).
 * - `"calibrated"` readout (memspec's alternative, as the predictive coder's calibrated readout):
 *   a softmax trained on the log-loss by full-batch Adam over standardised features, from zero
 *   weights (deterministic), so bits per byte measure compression.
 *
 * Scoring carries the substrate state forward once: scoring n tokens takes n − 1 substrate steps
 * ({@link FrozenReadoutExpert.stepCount} counts them), where the original re-runs the expert over
 * every prefix (n(n−1)/2 steps).
 *
 * @example A delay-line expert learns "abc" repeated
 * ```ts
 * import { FrozenReadoutExpert } from "./experts.ts";
 * import { hostSubstrate } from "./host_substrate.ts";
 * import { delayLine } from "../substrate/build.ts";
 * const text = Array.from(new TextEncoder().encode("abc".repeat(20)));
 * const expert = new FrozenReadoutExpert({
 *   substrate: hostSubstrate(delayLine({ length: 2, dim: 8 })),
 *   readout: "calibrated",
 * });
 * expert.fit(text);
 * const s = expert.score(text);
 * if (!(s.accuracy === 1 && s.bitsPerByte < 1 && s.steps === text.length - 1)) throw new Error();
 * ```
 *
 * @module
 */
import type { HostSubstrate } from "./host_substrate.ts";
import { choleskySolve } from "../../linalg/cholesky.ts";
import { checkInt, checkObject, checkOneOf, checkReal, shown } from "../../validate.ts";

const NAME = "FrozenReadoutExpert";

/** Features of the state after a token and the state before it (null at the first token). */
export type ExpertFeatureFn = (state: Float64Array, prev: Float64Array | null) => ArrayLike<number>;

/** Which readout an expert trains. */
export type ExpertReadout = "ridge" | "calibrated";

/** Options of {@link FrozenReadoutExpert}. */
export interface FrozenReadoutExpertOptions {
  /** The frozen substrate, stepped on the host. */
  substrate: HostSubstrate;
  /** Feature function (default: the state itself). */
  features?: ExpertFeatureFn;
  /** Vocabulary V of the predictions (default the substrate's). */
  vocabSize?: number;
  /** Ridge penalty α ≥ 0 (default 1e-3); the bias is not penalised. */
  alpha?: number;
  /** "ridge" (the original's, default) or "calibrated". */
  readout?: ExpertReadout;
  /** Adam steps of the calibrated readout (default 60, as the predictive coder's). */
  calibratedSteps?: number;
  /** Adam learning rate of the calibrated readout (default 0.1, as the predictive coder's). */
  calibratedLr?: number;
}

/** What {@link FrozenReadoutExpert.fit} reports. */
export interface ExpertFitReport {
  /** Training rows: tokens − 1. */
  rows: number;
  /** Feature width D (the readout has D + 1 rows with the bias). */
  featureDim: number;
}

/** What {@link FrozenReadoutExpert.score} reports. */
export interface ExpertScore {
  /** Mean −log2 p(x_{t+1} | x_≤t) over the n − 1 targets. */
  bitsPerByte: number;
  /** Fraction of targets that are the argmax. */
  accuracy: number;
  /** Targets scored: n − 1. */
  targets: number;
  /** Substrate steps this call took. */
  steps: number;
}

/** Row-wise softmax of logits [n, V] in place. */
function softmaxRows(z: Float64Array, V: number): Float64Array {
  for (let o = 0; o < z.length; o += V) {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, z[o + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) s += z[o + v] = Math.exp(z[o + v]! - m);
    for (let v = 0; v < V; v++) z[o + v] = z[o + v]! / s;
  }
  return z;
}

/** Checks a token list against a vocabulary. */
function checkTokenList(op: string, tokens: unknown, V: number, min: number): number[] {
  const ok = Array.isArray(tokens) || (ArrayBuffer.isView(tokens) && !(tokens instanceof DataView));
  if (!ok) {
    throw new TypeError(`Cannot ${op}: expected an array of token ids but got ${shown(tokens)}`);
  }
  const a = Array.from(tokens as ArrayLike<unknown>);
  if (a.length < min) {
    throw new RangeError(`Cannot ${op}: expected at least ${min} tokens but got ${a.length}`);
  }
  a.forEach((t, i) => {
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t >= V) {
      throw new RangeError(
        `Cannot ${op}: token ${shown(t)} at index ${i} is outside 0..${V - 1} (expected an ` +
          "integer id; ids are never wrapped)",
      );
    }
  });
  return a as number[];
}

/** A frozen substrate with a trained next-byte readout (see the module documentation). */
export class FrozenReadoutExpert {
  /** Vocabulary V. */
  readonly vocabSize: number;
  /** Feature width D. */
  readonly featureDim: number;
  /** Ridge penalty α. */
  readonly alpha: number;
  /** The readout kind. */
  readonly readout: ExpertReadout;
  readonly #substrate: HostSubstrate;
  readonly #features: ExpertFeatureFn;
  readonly #steps: number;
  readonly #lr: number;
  /** Weights [(D + 1), V], the bias row last; null before fit. */
  #w: Float64Array | null = null;
  #stepCount = 0;

  /**
   * An unfitted expert. The feature function is run once on the initial state here, so a
   * feature function of the wrong kind fails at construction, not at the first fit.
   *
   * @throws {TypeError} when an option has the wrong type or the features are not a list.
   * @throws {RangeError} when V, α, the steps or the learning rate are out of range, V exceeds
   *   the substrate's vocabulary, or the initial features are empty or not finite.
   */
  constructor(options: FrozenReadoutExpertOptions) {
    const op = `build ${NAME}`;
    checkObject(op, "the options", options);
    const sub = options.substrate;
    checkObject(op, "the substrate", sub);
    if (typeof sub.step !== "function" || typeof sub.initial !== "function") {
      throw new TypeError(`Cannot ${op}: expected a host substrate with step() and initial()`);
    }
    this.vocabSize = options.vocabSize === undefined
      ? sub.vocab
      : checkInt(op, "vocabSize", options.vocabSize, 1, 65536);
    if (this.vocabSize > sub.vocab) {
      throw new RangeError(
        `Cannot ${op}: expected vocabSize <= the substrate's vocabulary ${sub.vocab} but got ` +
          `${this.vocabSize}`,
      );
    }
    this.alpha = options.alpha === undefined ? 1e-3 : checkReal(op, "alpha", options.alpha, 0);
    this.readout = options.readout === undefined
      ? "ridge"
      : checkOneOf(op, "readout", options.readout, ["ridge", "calibrated"] as const);
    this.#steps = options.calibratedSteps === undefined
      ? 60
      : checkInt(op, "calibratedSteps", options.calibratedSteps, 1, 100000);
    this.#lr = options.calibratedLr === undefined
      ? 0.1
      : checkReal(op, "calibratedLr", options.calibratedLr, Number.MIN_VALUE);
    if (options.features !== undefined && typeof options.features !== "function") {
      throw new TypeError(`Cannot ${op}: expected features to be a function`);
    }
    this.#substrate = sub;
    this.#features = options.features ?? ((s) => s);
    const f0 = this.#feature(op, sub.initial(), null);
    if (f0.length === 0) {
      throw new RangeError(`Cannot ${op}: expected the features to hold at least one value`);
    }
    this.featureDim = f0.length;
  }

  /** Substrate steps taken by this expert since it was built. */
  get stepCount(): number {
    return this.#stepCount;
  }

  /** A copy of the fitted readout weights [(D + 1), V] (bias row last), or null before fit. */
  get weights(): Float64Array | null {
    return this.#w === null ? null : this.#w.slice();
  }

  /** Whether {@link fit} has run. */
  get fitted(): boolean {
    return this.#w !== null;
  }

  #feature(op: string, s: Float64Array, prev: Float64Array | null): ArrayLike<number> {
    const f = this.#features(s, prev);
    const ok = Array.isArray(f) || (ArrayBuffer.isView(f) && !(f instanceof DataView));
    if (!ok) throw new TypeError(`Cannot ${op}: expected the features to be a list of numbers`);
    if (this.featureDim !== undefined && f.length !== this.featureDim) {
      throw new RangeError(
        `Cannot ${op}: expected ${this.featureDim} features but the feature function gave ${f.length}`,
      );
    }
    for (let i = 0; i < f.length; i++) {
      if (typeof f[i] !== "number" || !Number.isFinite(f[i])) {
        throw new RangeError(`Cannot ${op}: expected finite features but feature ${i} is ${f[i]}`);
      }
    }
    return f;
  }

  /** Features [n, D] of every token, one substrate step each. */
  #trace(op: string, tokens: readonly number[]): Float64Array {
    const D = this.featureDim;
    const out = new Float64Array(tokens.length * D);
    let s = this.#substrate.initial();
    let prev: Float64Array | null = null;
    for (let t = 0; t < tokens.length; t++) {
      const next = this.#substrate.step(s, tokens[t]!);
      this.#stepCount++;
      out.set(this.#feature(op, next, prev), t * D);
      prev = next;
      s = next;
    }
    return out;
  }

  /**
   * Fits the readout on `tokens`: features of tokens[0..n−2], targets tokens[1..n−1].
   *
   * @throws {RangeError} for fewer than 2 tokens or an id outside 0..V−1.
   */
  fit(tokens: ArrayLike<number>): ExpertFitReport {
    const op = `fit ${NAME}`;
    const seq = checkTokenList(op, tokens, this.vocabSize, 2);
    const n = seq.length - 1;
    const phi = this.#trace(op, seq.slice(0, n));
    const targets = seq.slice(1);
    this.#w = this.readout === "ridge" ? this.#ridge(phi, targets) : this.#calibrated(phi, targets);
    return { rows: n, featureDim: this.featureDim };
  }

  #ridge(phi: Float64Array, targets: readonly number[]): Float64Array {
    const D = this.featureDim, E = D + 1, V = this.vocabSize, n = targets.length;
    const a = new Float64Array(E * E);
    const rhs = new Float64Array(E * V);
    const row = new Float64Array(E);
    row[D] = 1;
    for (let t = 0; t < n; t++) {
      row.set(phi.subarray(t * D, (t + 1) * D));
      for (let i = 0; i < E; i++) {
        for (let j = 0; j < E; j++) a[i * E + j] = a[i * E + j]! + row[i]! * row[j]!;
        rhs[i * V + targets[t]!] = rhs[i * V + targets[t]!]! + row[i]!;
      }
    }
    // The bias row is not penalised.
    for (let i = 0; i < D; i++) a[i * E + i] = a[i * E + i]! + this.alpha;
    return choleskySolve({ rows: E, cols: E, data: a }, { rows: E, cols: V, data: rhs })
      .data as Float64Array;
  }

  #calibrated(phi: Float64Array, targets: readonly number[]): Float64Array {
    const D = this.featureDim, E = D + 1, V = this.vocabSize, n = targets.length;
    // Standardised columns so one learning rate suits every feature; folded back at the end.
    const mu = new Float64Array(D);
    const sd = new Float64Array(D);
    for (let t = 0; t < n; t++) for (let i = 0; i < D; i++) mu[i] = mu[i]! + phi[t * D + i]! / n;
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < D; i++) sd[i] = sd[i]! + (phi[t * D + i]! - mu[i]!) ** 2 / n;
    }
    for (let i = 0; i < D; i++) sd[i] = Math.sqrt(sd[i]!) > 1e-6 ? Math.sqrt(sd[i]!) : 1;
    const x = new Float64Array(n * E);
    for (let t = 0; t < n; t++) {
      for (let i = 0; i < D; i++) x[t * E + i] = (phi[t * D + i]! - mu[i]!) / sd[i]!;
      x[t * E + D] = 1;
    }
    const w = new Float64Array(E * V);
    const m1 = new Float64Array(E * V);
    const m2 = new Float64Array(E * V);
    const g = new Float64Array(E * V);
    const z = new Float64Array(V);
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    for (let step = 1; step <= this.#steps; step++) {
      g.fill(0);
      for (let t = 0; t < n; t++) {
        z.fill(0);
        for (let i = 0; i < E; i++) {
          const xi = x[t * E + i]!;
          if (xi !== 0) { for (let v = 0; v < V; v++) z[v] = z[v]! + xi * w[i * V + v]!; }
        }
        softmaxRows(z, V);
        z[targets[t]!] = z[targets[t]!]! - 1;
        for (let i = 0; i < E; i++) {
          const xi = x[t * E + i]! / n;
          if (xi !== 0) { for (let v = 0; v < V; v++) g[i * V + v] = g[i * V + v]! + xi * z[v]!; }
        }
      }
      const c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
      for (let k = 0; k < w.length; k++) {
        m1[k] = b1 * m1[k]! + (1 - b1) * g[k]!;
        m2[k] = b2 * m2[k]! + (1 - b2) * g[k]! * g[k]!;
        w[k] = w[k]! - this.#lr * (m1[k]! / c1) / (Math.sqrt(m2[k]! / c2) + eps);
      }
    }
    // Fold the standardisation back: logits = φ·(W/sd) + (b − Σ μ·W/sd).
    for (let i = 0; i < D; i++) {
      for (let v = 0; v < V; v++) {
        const c = w[i * V + v]! / sd[i]!;
        w[i * V + v] = c;
        w[D * V + v] = w[D * V + v]! - c * mu[i]!;
      }
    }
    return w;
  }

  #weights(op: string): Float64Array {
    if (this.#w === null) {
      throw new TypeError(`Cannot ${op}: call fit() first (expected a fitted expert)`);
    }
    return this.#w;
  }

  /** Probabilities [n, V] from features [n, D]. */
  #probs(phi: Float64Array, w: Float64Array): Float64Array {
    const D = this.featureDim, V = this.vocabSize, n = phi.length / D;
    const z = new Float64Array(n * V);
    for (let t = 0; t < n; t++) {
      for (let v = 0; v < V; v++) z[t * V + v] = w[D * V + v]!;
      for (let i = 0; i < D; i++) {
        const xi = phi[t * D + i]!;
        if (xi !== 0) {
          for (let v = 0; v < V; v++) z[t * V + v] = z[t * V + v]! + xi * w[i * V + v]!;
        }
      }
    }
    return softmaxRows(z, V);
  }

  /**
   * Row t (of n) is the distribution of the token after tokens[0..t], from one pass of n
   * substrate steps.
   *
   * @throws {TypeError} before {@link fit}. @throws {RangeError} for no tokens or a bad id.
   */
  sequenceProbabilities(tokens: ArrayLike<number>): Float64Array {
    const op = `predict with ${NAME}`;
    const w = this.#weights(op);
    const seq = checkTokenList(op, tokens, this.vocabSize, 1);
    return this.#probs(this.#trace(op, seq), w);
  }

  /**
   * The distribution of the token after `prefix` (row n − 1 of {@link sequenceProbabilities}).
   *
   * @throws {TypeError} before {@link fit}. @throws {RangeError} for an empty prefix or a bad id.
   */
  predictProba(prefix: ArrayLike<number>): Float64Array {
    const p = this.sequenceProbabilities(prefix);
    return p.slice(p.length - this.vocabSize);
  }

  /**
   * Bits per byte and argmax accuracy on tokens[1..n−1], each given the tokens before it, in one
   * pass of n − 1 substrate steps.
   *
   * @throws {TypeError} before {@link fit}. @throws {RangeError} for fewer than 2 tokens or a bad
   *   id.
   */
  score(tokens: ArrayLike<number>): ExpertScore {
    const op = `score with ${NAME}`;
    const w = this.#weights(op);
    const seq = checkTokenList(op, tokens, this.vocabSize, 2);
    const before = this.#stepCount;
    const n = seq.length - 1;
    const p = this.#probs(this.#trace(op, seq.slice(0, n)), w);
    const V = this.vocabSize;
    let bits = 0, hits = 0;
    for (let t = 0; t < n; t++) {
      const y = seq[t + 1]!;
      bits -= Math.log2(Math.max(p[t * V + y]!, 1e-300));
      let best = 0;
      for (let v = 1; v < V; v++) if (p[t * V + v]! > p[t * V + best]!) best = v;
      if (best === y) hits++;
    }
    return {
      bitsPerByte: bits / n,
      accuracy: hits / n,
      targets: n,
      steps: this.#stepCount - before,
    };
  }
}
