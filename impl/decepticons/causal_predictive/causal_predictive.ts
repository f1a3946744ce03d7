/**
 * CausalPredictiveAdapter (asuramaya/decepticons src/decepticons/causal_predictive.py): an
 * exact-context memory, frozen readout experts and an optional n-gram memory mixed by a
 * SupportWeightedMixer, in f64 on the host.
 *
 * For each position t ≥ 1 (predicting x_t from x_<t):
 * - base = the exact memory's predictive distribution, with base support = the largest
 *   log1p(total) over its experts (0 when there are none);
 * - experts = the exact experts (support log1p(total)), each readout expert (support = its max
 *   probability) and, when enabled, the n-gram memory's back-off distribution (support = its max
 *   probability);
 * - p_t = mixer.mix(base, experts, base support).
 *
 * The supports mix two scales, log1p(count) (unbounded) and a probability (≤ 1), so a readout
 * expert can pull the mixture away from a sharp exact prediction: {@link
 * CausalPredictiveAdapter.score} reports the bits per byte with and without the readout experts
 * so a caller sees whether they help. Each readout expert's rows come from one pass over the
 * text (n − 1 substrate steps), not a re-run per prefix.
 *
 * @example
 * ```ts
 * import { CausalPredictiveAdapter } from "./causal_predictive.ts";
 * const text = Array.from(new TextEncoder().encode("abcd".repeat(10)));
 * const adapter = new CausalPredictiveAdapter({ vocabSize: 256 });
 * adapter.fit(text);
 * const s = adapter.score(text);
 * if (!(s.bitsPerByte === s.exactOnlyBitsPerByte && s.bitsPerByte < 2)) throw new Error();
 * ```
 *
 * @module
 */
import { ExactContextMemory, SupportWeightedMixer } from "../memory/exact_context.ts";
import { NgramMemory } from "../memory/ngram.ts";
import type { FrozenReadoutExpert } from "../experts/experts.ts";
import {
  checkBool,
  checkInt,
  checkIntList,
  checkList,
  checkObject,
  checkReal,
  shown,
} from "../../validate.ts";

const NAME = "CausalPredictiveAdapter";

/** Options of {@link CausalPredictiveAdapter}. */
export interface CausalPredictiveOptions {
  /** Vocabulary V (default 256); every expert must predict over the same V. */
  vocabSize?: number;
  /** Exact-context orders (default 3). */
  maxOrder?: number;
  /** Exact-context smoothing α (default 0.05). */
  alpha?: number;
  /** Frozen readout experts (default none). */
  experts?: readonly FrozenReadoutExpert[];
  /** Add the n-gram memory as an expert (default false). */
  ngram?: boolean;
}

/** What {@link CausalPredictiveAdapter.score} reports. */
export interface AdapterScore {
  /** Mean −log2 p(x_t) of the full mixture over t = 1..n−1. */
  bitsPerByte: number;
  /** The same without the readout experts (exact memory, and n-gram when enabled). */
  exactOnlyBitsPerByte: number;
  /** Targets scored: n − 1. */
  targets: number;
}

/** Exact memory + readout experts + n-gram, mixed by support (see the module documentation). */
export class CausalPredictiveAdapter {
  /** Vocabulary V. */
  readonly vocabSize: number;
  readonly #experts: readonly FrozenReadoutExpert[];
  readonly #useNgram: boolean;
  readonly #options: { maxOrder: number; alpha: number };
  readonly #mixer = new SupportWeightedMixer();
  #exact: ExactContextMemory;
  #ngram: NgramMemory | null = null;

  /**
   * An unfitted adapter.
   *
   * @throws {TypeError} when an option has the wrong type.
   * @throws {RangeError} when V, the order or α is out of range, or an expert's vocabulary
   *   differs from V.
   */
  constructor(options: CausalPredictiveOptions = {}) {
    const op = `build ${NAME}`;
    checkObject(op, "the options", options);
    this.vocabSize = options.vocabSize === undefined
      ? 256
      : checkInt(op, "vocabSize", options.vocabSize, 1, 65536);
    const maxOrder = options.maxOrder === undefined
      ? 3
      : checkInt(op, "maxOrder", options.maxOrder, 1, 16);
    const alpha = options.alpha === undefined ? 0.05 : checkReal(op, "alpha", options.alpha, 0);
    this.#useNgram = options.ngram === undefined ? false : checkBool(op, "ngram", options.ngram);
    const experts = options.experts ?? [];
    checkList(op, "experts", experts);
    experts.forEach((e, i) => {
      if (e === null || typeof e !== "object" || typeof e.sequenceProbabilities !== "function") {
        throw new TypeError(
          `Cannot ${op}: expected experts[${i}] to be a FrozenReadoutExpert but got ${shown(e)}`,
        );
      }
      if (e.vocabSize !== this.vocabSize) {
        throw new RangeError(
          `Cannot ${op}: expected experts[${i}] to predict over vocabSize ${this.vocabSize} but ` +
            `it predicts over ${e.vocabSize}`,
        );
      }
    });
    this.#experts = [...experts];
    this.#options = { maxOrder, alpha };
    this.#exact = new ExactContextMemory({ vocabSize: this.vocabSize, maxOrder, alpha });
  }

  /**
   * Fits the exact memory, the n-gram memory and every readout expert on `tokens` (from scratch).
   *
   * @throws {RangeError} for fewer than 2 tokens or an id outside 0..V−1 (before anything is
   *   fitted).
   */
  fit(tokens: ArrayLike<number>): this {
    const op = `fit ${NAME}`;
    checkIntList(op, "the tokens", tokens, 0, this.vocabSize - 1);
    if (tokens.length < 2) {
      throw new RangeError(`Cannot ${op}: expected at least 2 tokens but got ${tokens.length}`);
    }
    const exact = new ExactContextMemory({ vocabSize: this.vocabSize, ...this.#options });
    exact.fit(tokens); // checks every id before anything below changes
    this.#exact = exact;
    this.#ngram = this.#useNgram
      ? new NgramMemory({ vocabSize: this.vocabSize }).fit([tokens])
      : null;
    for (const e of this.#experts) e.fit(tokens);
    return this;
  }

  /**
   * Rows [n − 1, V]: row t − 1 is the mixture's distribution of x_t given x_<t, for t = 1..n−1.
   * With `withExperts` false the readout experts are left out.
   *
   * @throws {TypeError} when an expert is not fitted. @throws {RangeError} for fewer than 2
   *   tokens or a bad id.
   */
  sequenceProbabilities(tokens: ArrayLike<number>, withExperts = true): Float64Array {
    const op = `predict with ${NAME}`;
    // Every id is checked here, so that an error names the adapter, not a memory inside it.
    checkIntList(op, "the tokens", tokens, 0, this.vocabSize - 1);
    if (tokens.length < 2) {
      throw new RangeError(`Cannot ${op}: expected at least 2 tokens but got ${tokens.length}`);
    }
    checkBool(op, "withExperts", withExperts);
    const seq = Array.from(tokens);
    const n = seq.length, V = this.vocabSize;
    const rows = withExperts
      ? this.#experts.map((e) => e.sequenceProbabilities(seq.slice(0, n - 1)))
      : [];
    const out = new Float64Array((n - 1) * V);
    for (let t = 1; t < n; t++) {
      const ctx = seq.slice(0, t);
      const exact = this.#exact.experts(ctx);
      const base = this.#exact.predictiveDistribution(ctx).probs;
      const baseSupport = exact.reduce((a, e) => Math.max(a, e.support), 0);
      const experts: { probs: Float64Array; support: number }[] = [...exact];
      for (const r of rows) {
        const probs = r.slice((t - 1) * V, t * V);
        experts.push({ probs, support: Math.max(...probs) });
      }
      if (this.#ngram !== null) {
        const probs = this.#ngram.distributionAt(seq, t, "max");
        experts.push({ probs, support: Math.max(...probs) });
      }
      out.set(this.#mixer.mix(base, experts, baseSupport).probs, (t - 1) * V);
    }
    return out;
  }

  /**
   * Bits per byte of x_1..x_{n−1}, with and without the readout experts.
   *
   * @throws {TypeError} when an expert is not fitted. @throws {RangeError} for fewer than 2
   *   tokens or a bad id.
   */
  score(tokens: ArrayLike<number>): AdapterScore {
    const bits = (p: Float64Array) => {
      let s = 0;
      for (let t = 1; t < tokens.length; t++) {
        s -= Math.log2(p[(t - 1) * this.vocabSize + tokens[t]!]!);
      }
      return s / (tokens.length - 1);
    };
    const mixed = bits(this.sequenceProbabilities(tokens, true));
    const exactOnly = this.#experts.length === 0
      ? mixed
      : bits(this.sequenceProbabilities(tokens, false));
    return { bitsPerByte: mixed, exactOnlyBitsPerByte: exactOnly, targets: tokens.length - 1 };
  }
}
