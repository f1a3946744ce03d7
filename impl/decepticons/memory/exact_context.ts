/**
 * ExactContextMemory and SupportWeightedMixer (asuramaya/decepticons
 * src/decepticons/exact_context.py).
 *
 * The memory counts, for every order o = 1..maxOrder, how often each token
 * followed each exact context of o previous tokens (a token at position i of
 * a sequence contributes to orders 1..min(maxOrder, i); contexts never
 * cross sequence boundaries), plus unigram counts. A context's distribution
 * is additively smoothed, p = (c + α/V) / (Σc + α), clipped below at 1e-12
 * and renormalised (uniform when Σc = 0 and α = 0).
 *
 * The mixer weighs a base distribution and experts with
 * w = softmax(bias_i + κ·support_i): bias 2.0 for the base (support 0 unless
 * given), −1.0 for every expert, κ = 0.5, support = log1p(context total).
 *
 * @example Back-off to the longest seen context
 * ```ts
 * import { ExactContextMemory } from "./exact_context.ts";
 * const m = new ExactContextMemory({ vocabSize: 3 });
 * m.fit([0, 1, 0, 1, 0, 1]);
 * const { order, probs } = m.predictiveDistribution([0, 1]);
 * if (order !== 2 || !(probs[0]! > 0.9)) throw new Error("back-off");
 * ```
 *
 * @module
 */
import {
  checkOptions,
  checkTokens,
  checkVocab,
  CountTable,
  renormalise,
  smoothed,
} from "./common.ts";
import { checkFiniteList, checkList, checkObject, checkReal, shown } from "../../validate.ts";

/** The clip applied to smoothed probabilities before renormalising. */
export const EXACT_PROB_FLOOR = 1e-12;

/** Options of {@link ExactContextMemory}. */
export interface ExactContextMemoryOptions {
  /** Vocabulary size V (default 256; ids above 255 are fine with a larger V). */
  vocabSize?: number;
  /** Highest context length (default 3). */
  maxOrder?: number;
  /** Additive smoothing mass α ≥ 0 (default 0.05). */
  alpha?: number;
}

/** One order's prediction. */
export interface ExpertPrediction {
  /** Context length (1..maxOrder). */
  order: number;
  /** The order's smoothed next-token distribution [V]. */
  probs: Float64Array;
  /** log1p(total). */
  support: number;
  /** How often the context was seen. */
  total: number;
}

/** The exact-context count memory (see the module documentation). */
export class ExactContextMemory {
  /** Vocabulary size V. */
  readonly vocabSize: number;
  /** Highest context length. */
  readonly maxOrder: number;
  /** Additive smoothing mass α. */
  readonly alpha: number;
  #unigram: Float64Array;
  #unigramTotal = 0;
  /** tables[o − 1]: contexts of length o. */
  #tables: CountTable[];

  /**
   * An empty memory.
   *
   * @throws {RangeError} when vocabSize is not an integer in 1..65536, maxOrder not in 1..16, or α
   *   negative or not finite.
   */
  constructor(options: ExactContextMemoryOptions = {}) {
    checkOptions("ExactContextMemory", options, ["vocabSize", "maxOrder", "alpha"]);
    const { vocabSize = 256, maxOrder = 3, alpha = 0.05 } = options;
    checkVocab("ExactContextMemory", vocabSize);
    if (!Number.isInteger(maxOrder) || maxOrder < 1 || maxOrder > 16) {
      throw new RangeError(
        `Cannot build ExactContextMemory: maxOrder ${maxOrder} is not in 1..16 (expected an integer)`,
      );
    }
    if (!(alpha >= 0) || !Number.isFinite(alpha)) {
      throw new RangeError(
        `Cannot build ExactContextMemory: alpha ${alpha} is not finite and >= 0 (expected so)`,
      );
    }
    this.vocabSize = vocabSize;
    this.maxOrder = maxOrder;
    this.alpha = alpha;
    this.#unigram = new Float64Array(vocabSize);
    this.#tables = Array.from({ length: maxOrder }, () => new CountTable(vocabSize));
  }

  /** Counts position `i` of `seq` (its unigram and every available order). */
  #observe(seq: ArrayLike<number>, i: number): void {
    const x = seq[i]!;
    this.#unigram[x]! += 1;
    this.#unigramTotal += 1;
    const ctx: number[] = [];
    for (let o = 1; o <= Math.min(this.maxOrder, i); o++) {
      ctx.unshift(seq[i - o]!);
      this.#tables[o - 1]!.add(ctx.join(","), x);
    }
  }

  /**
   * Adds one sequence's counts (accumulating over calls).
   *
   * @throws {RangeError} naming a token outside 0..V−1.
   */
  fit(tokens: ArrayLike<number>): this {
    checkTokens("fit ExactContextMemory", tokens, this.vocabSize);
    for (let i = 0; i < tokens.length; i++) this.#observe(tokens, i);
    return this;
  }

  #distribution(counts: Float64Array | undefined, total: number): Float64Array {
    const p = smoothed(counts, total, this.alpha, this.vocabSize);
    for (let v = 0; v < p.length; v++) if (p[v]! < EXACT_PROB_FLOOR) p[v] = EXACT_PROB_FLOOR;
    return renormalise(p);
  }

  /** The smoothed unigram distribution. */
  unigramDistribution(): Float64Array {
    return this.#distribution(this.#unigram, this.#unigramTotal);
  }

  /** One prediction per order 1..min(maxOrder, context length), from the context's tail. */
  experts(context: ArrayLike<number>): ExpertPrediction[] {
    checkTokens("query ExactContextMemory", context, this.vocabSize);
    const out: ExpertPrediction[] = [];
    const ctx: number[] = [];
    for (let o = 1; o <= Math.min(this.maxOrder, context.length); o++) {
      ctx.unshift(context[context.length - o]!);
      const row = this.#tables[o - 1]!.row(ctx.join(","));
      const total = row?.total ?? 0;
      out.push({
        order: o,
        probs: this.#distribution(row?.counts, total),
        support: Math.log1p(total),
        total,
      });
    }
    return out;
  }

  /** The highest order whose context was seen (order 0: the unigram) and its distribution. */
  predictiveDistribution(context: ArrayLike<number>): { order: number; probs: Float64Array } {
    const experts = this.experts(context);
    for (let k = experts.length - 1; k >= 0; k--) {
      const e = experts[k]!;
      if (e.total > 0) return { order: e.order, probs: e.probs };
    }
    return { order: 0, probs: this.unigramDistribution() };
  }

  /** A deep copy. */
  clone(): ExactContextMemory {
    const out = new ExactContextMemory(this);
    out.#unigram = this.#unigram.slice();
    out.#unigramTotal = this.#unigramTotal;
    out.#tables = this.#tables.map((t) => t.clone());
    return out;
  }

  /**
   * Online trace: row t is the predictive distribution for token t given
   * tokens < t, with the counts of tokens < t added to a copy of this memory
   * ([T, V], row-major). This memory is not changed.
   */
  trace(tokens: ArrayLike<number>): Float64Array {
    checkTokens("trace ExactContextMemory", tokens, this.vocabSize);
    const m = this.clone();
    const V = this.vocabSize;
    const out = new Float64Array(tokens.length * V);
    const seq = Array.from(tokens);
    for (let t = 0; t < seq.length; t++) {
      out.set(m.predictiveDistribution(seq.slice(0, t)).probs, t * V);
      m.#observe(seq, t);
    }
    return out;
  }
}

/** Options of {@link SupportWeightedMixer}. */
/** Checks a distribution: finite probabilities >= 0. */
function checkProbs(op: string, what: string, p: unknown): void {
  checkFiniteList(op, what, p);
  const a = p as ArrayLike<number>;
  for (let v = 0; v < a.length; v++) {
    if (a[v]! < 0) {
      throw new RangeError(
        `Cannot ${op}: expected ${what} to be probabilities >= 0 but entry ${v} is ${shown(a[v])}`,
      );
    }
  }
}

/** Options of {@link SupportWeightedMixer}: the logit biases of the base and the experts. */
export interface SupportWeightedMixerOptions {
  /** Logit bias of the base distribution (default 2.0). */
  baseBias?: number;
  /** Logit bias of every expert (default −1.0). */
  expertBias?: number;
  /** κ, the weight of support in the logits (default 0.5). */
  supportScale?: number;
}

/**
 * Mixes a base distribution with experts by support.
 *
 * @example
 * ```ts
 * import { SupportWeightedMixer } from "./exact_context.ts";
 * const mixer = new SupportWeightedMixer();
 * const base = new Float64Array([0.5, 0.5]);
 * const { weights } = mixer.mix(base, [{ probs: new Float64Array([1, 0]), support: 10 }]);
 * if (!(weights[1]! > weights[0]!)) throw new Error("support should shift the mass");
 * ```
 */
export class SupportWeightedMixer {
  /** Logit bias of the base distribution. */
  readonly baseBias: number;
  /** Logit bias of every expert. */
  readonly expertBias: number;
  /** κ, the weight of an expert's support in its logit. */
  readonly supportScale: number;

  /** A mixer with the given biases (defaults 2.0 and −1.0) and support weight (default 0.5). */
  constructor(options: SupportWeightedMixerOptions = {}) {
    const op = "build a SupportWeightedMixer";
    if (options !== undefined) checkObject(op, "the options", options);
    for (const k of ["baseBias", "expertBias", "supportScale"] as const) {
      if (options[k] !== undefined) checkReal(op, k, options[k]);
    }
    this.baseBias = options.baseBias ?? 2.0;
    this.expertBias = options.expertBias ?? -1.0;
    this.supportScale = options.supportScale ?? 0.5;
  }

  /**
   * w = softmax([baseBias + κ·baseSupport, expertBias + κ·support_i…]) and
   * Σ w_i p_i renormalised; weights[0] is the base's.
   *
   * @throws {TypeError} when an expert's length differs from the base's.
   */
  mix(
    base: Float64Array,
    experts: readonly { probs: Float64Array; support: number }[],
    baseSupport = 0,
  ): { weights: Float64Array; probs: Float64Array } {
    const op = "mix with SupportWeightedMixer";
    checkProbs(op, "the base distribution", base);
    if (base.length === 0) {
      throw new RangeError(`Cannot ${op}: expected a non-empty base distribution`);
    }
    checkList(op, "the experts", experts);
    for (const [i, e] of experts.entries()) {
      checkObject(op, `expert ${i}`, e);
      checkProbs(op, `expert ${i}'s probs`, e.probs);
      checkReal(op, `expert ${i}'s support`, e.support);
      if (e.probs.length !== base.length) {
        throw new TypeError(
          `Cannot mix expert ${i} of length ${e.probs.length} with a base of length ` +
            `${base.length} (SupportWeightedMixer): expected equal lengths`,
        );
      }
    }
    checkReal(op, "baseSupport", baseSupport);
    const logits = [
      this.baseBias + this.supportScale * baseSupport,
      ...experts.map((e) => this.expertBias + this.supportScale * e.support),
    ];
    const mx = Math.max(...logits);
    const weights = new Float64Array(logits.map((z) => Math.exp(z - mx)));
    renormalise(weights);
    const probs = new Float64Array(base.length);
    const dists = [base, ...experts.map((e) => e.probs)];
    for (let k = 0; k < dists.length; k++) {
      const w = weights[k]!;
      const d = dists[k]!;
      for (let v = 0; v < probs.length; v++) probs[v]! += w * d[v]!;
    }
    return { weights, probs: renormalise(probs) };
  }
}
