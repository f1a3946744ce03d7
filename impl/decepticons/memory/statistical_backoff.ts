/**
 * StatisticalBackoffMemory (asuramaya/decepticons
 * src/decepticons/statistical_backoff.py): an {@link NgramMemory} whose
 * unigram, bigram and trigram predictions are mixed with weights w on the
 * simplex, fitted by exponentiated gradient on the mean negative log-likelihood
 * of the training tokens.
 *
 * The original builds that likelihood in sample: each token's own
 * occurrence is in the counts that predict it, so the fit collapses onto the
 * trigram. Here the default fit is leave-one-out: the chosen probability of
 * a training token is computed from the counts minus that occurrence,
 * (c − 1 + α/V) / (n − 1 + α). `fit: "in_sample"` reproduces the original.
 *
 * EG step: m = clip(P w, ε, 1); g = −mean(P / m); w ← w ⊙ exp(−η (g − ⟨g, w⟩)), normalised.
 *
 * @example
 * ```ts
 * import { StatisticalBackoffMemory } from "./statistical_backoff.ts";
 * const m = new StatisticalBackoffMemory({ vocabSize: 8 });
 * m.fit([[1, 2, 3, 1, 2, 3, 1, 2, 4]]);
 * const p = m.predict([1, 2]);
 * if (Math.abs(p.reduce((a, b) => a + b, 0) - 1) > 1e-12) throw new Error("normalised");
 * ```
 *
 * @module
 */
import { checkOptions, checkSequences, checkTokens, renormalise } from "./common.ts";
import { checkInt } from "../../validate.ts";

/** Most weight-fitting steps a memory accepts. */
const MAX_BACKOFF_STEPS = 1_000_000;
import { NgramMemory, type NgramMemoryOptions } from "./ngram.ts";

/** How the mixture's training likelihood is built. */
export type BackoffFitMode = "leave_one_out" | "in_sample";

/** Options of {@link StatisticalBackoffMemory}. */
export interface StatisticalBackoffOptions extends NgramMemoryOptions {
  /** EG steps (default 128). */
  steps?: number;
  /** EG learning rate η (default 0.25). */
  learningRate?: number;
  /** Lower clip of the mixed probability (default 1e-12). */
  epsilon?: number;
  /** Default "leave_one_out"; "in_sample" is the original's. */
  fit?: BackoffFitMode;
}

/** What {@link StatisticalBackoffMemory.fit} reports. */
export interface BackoffFitReport {
  /** The fitted mixture weights (unigram, bigram, trigram). */
  weights: Float64Array;
  /** Mean NLL (nats) before each step and after the last (steps + 1 values). */
  nll: number[];
  /** Training tokens. */
  tokens: number;
}

/** The statistical back-off memory (see the module documentation). */
export class StatisticalBackoffMemory {
  /**
   * The fit settings with their defaults filled in (the n-gram options go to {@link
   * StatisticalBackoffMemory.ngram}).
   */
  readonly options: Readonly<Required<Omit<StatisticalBackoffOptions, keyof NgramMemoryOptions>>>;
  readonly #ngramOptions: NgramMemoryOptions;
  #ngram: NgramMemory;
  /** Mixture weights (unigram, bigram, trigram). */
  weights: Float64Array = new Float64Array([1 / 3, 1 / 3, 1 / 3]);

  /**
   * An unfitted memory with uniform mixture weights.
   *
   * @throws {RangeError} when steps is not an integer ≥ 0, the learning rate or ε is not finite and
   *   > 0, the fit mode is unknown, or an n-gram option is invalid (as {@link NgramMemory}).
   */
  constructor(options: StatisticalBackoffOptions = {}) {
    checkOptions("StatisticalBackoffMemory", options, ["steps", "learningRate", "epsilon"]);
    const { steps = 128, learningRate = 0.25, epsilon = 1e-12, fit = "leave_one_out", ...ng } =
      options;
    // Bounded: fit takes `steps` passes over every position, so a huge count never finishes.
    if (!Number.isInteger(steps) || steps < 0 || steps > MAX_BACKOFF_STEPS) {
      throw new RangeError(
        `Cannot build StatisticalBackoffMemory: steps ${steps} is not an integer in ` +
          `[0, ${MAX_BACKOFF_STEPS}] (expected one)`,
      );
    }
    if (
      !(learningRate > 0) || !(epsilon > 0) || !Number.isFinite(learningRate) ||
      !Number.isFinite(epsilon)
    ) {
      throw new RangeError(
        `Cannot build StatisticalBackoffMemory: learningRate ${learningRate} and epsilon ` +
          `${epsilon} must be finite and > 0`,
      );
    }
    if (fit !== "leave_one_out" && fit !== "in_sample") {
      throw new RangeError(
        `Cannot build StatisticalBackoffMemory: unknown fit mode "${fit}" (expected ` +
          '"leave_one_out" or "in_sample")',
      );
    }
    this.options = Object.freeze({ steps, learningRate, epsilon, fit });
    this.#ngramOptions = ng;
    try {
      this.#ngram = new NgramMemory(ng);
    } catch (e) {
      // Its n-gram options are this memory's: name the memory the caller built.
      if (e instanceof TypeError) throw new TypeError(`StatisticalBackoffMemory: ${e.message}`);
      if (e instanceof RangeError) throw new RangeError(`StatisticalBackoffMemory: ${e.message}`);
      throw e;
    }
  }

  /** The fitted n-gram tables. */
  get ngram(): NgramMemory {
    return this.#ngram;
  }

  /** Vocabulary size V of the n-gram tables. */
  get vocabSize(): number {
    return this.#ngram.vocabSize;
  }

  /** The chosen probability of token t of `seq` with context length k (falling back as in the original). */
  #chosen(seq: ArrayLike<number>, t: number, k: number): number {
    const len = Math.min(k, t);
    const ctx: number[] = [];
    for (let j = t - len; j < t; j++) ctx.push(seq[j]!);
    let [c, n] = this.#ngram.counts(ctx, seq[t]!);
    if (this.options.fit === "leave_one_out") {
      c -= 1;
      n -= 1;
    }
    const a = this.#ngram.alphaOf(len);
    const V = this.vocabSize;
    return n + a === 0 ? 1 / V : (c + a / V) / (n + a);
  }

  /**
   * Counts `sequences` from scratch, then fits the mixture weights.
   *
   * @throws {RangeError} naming a token outside 0..V−1.
   */
  fit(sequences: readonly ArrayLike<number>[]): BackoffFitReport {
    // Checked before the counts are rebuilt: a bad sequence leaves the memory unchanged.
    checkSequences("fit StatisticalBackoffMemory", sequences);
    for (const s of sequences) checkTokens("fit StatisticalBackoffMemory", s, this.vocabSize);
    this.#ngram = new NgramMemory(this.#ngramOptions).fit(sequences);
    const rows: number[][] = [];
    for (const s of sequences) {
      for (let t = 0; t < s.length; t++) rows.push([0, 1, 2].map((k) => this.#chosen(s, t, k)));
    }
    const { steps, learningRate, epsilon } = this.options;
    const w = new Float64Array([1 / 3, 1 / 3, 1 / 3]);
    const nll: number[] = [];
    const N = rows.length;
    for (let step = 0; step <= steps; step++) {
      const g = [0, 0, 0];
      let loss = 0;
      for (const r of rows) {
        const m = Math.min(1, Math.max(epsilon, r[0]! * w[0]! + r[1]! * w[1]! + r[2]! * w[2]!));
        loss -= Math.log(m);
        for (let k = 0; k < 3; k++) g[k]! -= r[k]! / m;
      }
      nll.push(N > 0 ? loss / N : 0);
      if (step === steps || N === 0) break;
      const gw = (g[0]! * w[0]! + g[1]! * w[1]! + g[2]! * w[2]!) / N;
      for (let k = 0; k < 3; k++) w[k] = w[k]! * Math.exp(-learningRate * (g[k]! / N - gw));
      renormalise(w);
    }
    this.weights = w;
    return { weights: w.slice(), nll, tokens: N };
  }

  /** The context order a prefix of this length uses: min(length, 2). */
  static orderFor(prefixLength: number): number {
    checkInt(
      "StatisticalBackoffMemory.orderFor",
      "the prefix length",
      prefixLength,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    return Math.min(prefixLength, 2);
  }

  /** The mixed next-token distribution after `prefix`. */
  predict(prefix: ArrayLike<number>): Float64Array {
    checkTokens("predict with StatisticalBackoffMemory", prefix, this.vocabSize);
    return this.#predict(prefix);
  }

  #predict(prefix: ArrayLike<number>): Float64Array {
    const L = prefix.length;
    const uni = this.#ngram.unigramProbs();
    const bi = L >= 1 ? this.#ngram.bigramProbs(prefix[L - 1]!) : uni;
    const tri = L >= 2 ? this.#ngram.trigramProbs(prefix[L - 2]!, prefix[L - 1]!) : bi;
    const [w0, w1, w2] = this.weights;
    const out = new Float64Array(uni.length);
    for (let v = 0; v < out.length; v++) out[v] = w0! * uni[v]! + w1! * bi[v]! + w2! * tri[v]!;
    return renormalise(out);
  }

  /** Row t: the prediction for token t from tokens < t ([T, V], row-major). */
  trace(seq: ArrayLike<number>): Float64Array {
    checkTokens("trace StatisticalBackoffMemory", seq, this.vocabSize);
    const V = this.vocabSize;
    const arr = Array.from(seq);
    const out = new Float64Array(arr.length * V);
    for (let t = 0; t < arr.length; t++) out.set(this.#predict(arr.slice(0, t)), t * V);
    return out;
  }

  /** Bits of each token of `seq` under {@link predict}. */
  bits(seq: ArrayLike<number>): Float64Array {
    checkTokens("score StatisticalBackoffMemory", seq, this.vocabSize);
    const arr = Array.from(seq);
    const out = new Float64Array(arr.length);
    for (let t = 0; t < arr.length; t++) {
      out[t] = -Math.log2(this.#predict(arr.slice(0, t))[arr[t]!]!);
    }
    return out;
  }
}
