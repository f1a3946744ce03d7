/**
 * NgramMemory (asuramaya/decepticons src/decepticons/ngram_memory.py): unigram
 * counts, bigram rows and a hashed trigram table, each smoothed additively,
 * p = (c + α/V) / (Σc + α).
 *
 * The trigram bucket of the context (ℓ, r) is ((ℓ·1315423911) XOR
 * (r·2654435761)) mod B in wrapping 64-bit arithmetic, as in the original;
 * with B a power of two that is the low bits of 32-bit products (Math.imul).
 * As in the original, the unigram is smoothed with the bigram's α unless
 * `unigramAlpha` says otherwise. Contexts never cross sequence boundaries:
 * updating with sequences one by one equals fitting them as a list.
 *
 * @example Order modes
 * ```ts
 * import { NgramMemory } from "./ngram.ts";
 * const m = new NgramMemory({ vocabSize: 4 }).fit([[0, 1, 2, 0, 1, 2]]);
 * const tri = m.chosenProbs([0, 1, 2], "trigram");
 * if (tri[0] !== m.chosenProbs([0, 1, 2], "unigram")[0]) throw new Error("position 0");
 * ```
 *
 * @module
 */
import {
  checkBuckets,
  checkOptions,
  checkSequences,
  checkTokens,
  checkVocab,
  CountTable,
  smoothed,
} from "./common.ts";
import { checkInt, checkList, checkOneOf } from "../../validate.ts";

const ORDERS = ["unigram", "bigram", "trigram", "max"] as const;

/** The trigram hash multipliers (left, right). */
export const NGRAM_HASH_LEFT = 1315423911;
/** See {@link NGRAM_HASH_LEFT}. */
export const NGRAM_HASH_RIGHT = 2654435761;

/** Which order {@link NgramMemory.chosenProbs} uses where available. */
export type NgramOrder = "unigram" | "bigram" | "trigram" | "max";

/** Options of {@link NgramMemory}. */
export interface NgramMemoryOptions {
  /** Vocabulary size V (default 256). */
  vocabSize?: number;
  /** Trigram buckets, a power of two (default 4096). */
  buckets?: number;
  /** Bigram α (default 0.5). */
  bigramAlpha?: number;
  /** Trigram α (default 0.5). */
  trigramAlpha?: number;
  /** Unigram α (default: the bigram's, the original's quirk). */
  unigramAlpha?: number;
}

function checkAlpha(name: string, a: number): void {
  if (!(a >= 0) || !Number.isFinite(a)) {
    throw new RangeError(
      `Cannot build NgramMemory: ${name} ${a} is not finite and >= 0 (expected so)`,
    );
  }
}

/** The n-gram count memory (see the module documentation). */
export class NgramMemory {
  /** Vocabulary size V. */
  readonly vocabSize: number;
  /** Trigram buckets (a power of two). */
  readonly buckets: number;
  /** Additive smoothing α of the unigram. */
  readonly unigramAlpha: number;
  /** Additive smoothing α of the bigram. */
  readonly bigramAlpha: number;
  /** Additive smoothing α of the trigram. */
  readonly trigramAlpha: number;
  readonly #unigram: Float64Array;
  #unigramTotal = 0;
  readonly #bigram: CountTable;
  readonly #trigram: CountTable;

  /**
   * An empty memory.
   *
   * @throws {RangeError} when vocabSize is not an integer in 1..65536, buckets not a power of two
   *   in 1..2^30, or an α negative or not finite.
   */
  constructor(options: NgramMemoryOptions = {}) {
    checkOptions("NgramMemory", options, [
      "vocabSize",
      "buckets",
      "bigramAlpha",
      "trigramAlpha",
      "unigramAlpha",
    ]);
    const { vocabSize = 256, buckets = 4096, bigramAlpha = 0.5, trigramAlpha = 0.5 } = options;
    const unigramAlpha = options.unigramAlpha ?? bigramAlpha;
    checkVocab("NgramMemory", vocabSize);
    checkBuckets("NgramMemory", buckets);
    checkAlpha("unigramAlpha", unigramAlpha);
    checkAlpha("bigramAlpha", bigramAlpha);
    checkAlpha("trigramAlpha", trigramAlpha);
    this.vocabSize = vocabSize;
    this.buckets = buckets;
    this.unigramAlpha = unigramAlpha;
    this.bigramAlpha = bigramAlpha;
    this.trigramAlpha = trigramAlpha;
    this.#unigram = new Float64Array(vocabSize);
    this.#bigram = new CountTable(vocabSize);
    this.#trigram = new CountTable(vocabSize);
  }

  /** The trigram bucket of the context (left, right). */
  bucket(left: number, right: number): number {
    checkTokens("hash a context of NgramMemory", [left, right], this.vocabSize);
    return (Math.imul(left, NGRAM_HASH_LEFT) ^ Math.imul(right, NGRAM_HASH_RIGHT)) &
      (this.buckets - 1);
  }

  /**
   * Adds one sequence's counts.
   *
   * @throws {RangeError} naming a token outside 0..V−1.
   */
  update(tokens: ArrayLike<number>): this {
    checkTokens("update NgramMemory", tokens, this.vocabSize);
    for (let i = 0; i < tokens.length; i++) {
      const x = tokens[i]!;
      this.#unigram[x]! += 1;
      this.#unigramTotal += 1;
      if (i >= 1) this.#bigram.add(tokens[i - 1]!, x);
      if (i >= 2) this.#trigram.add(this.bucket(tokens[i - 2]!, tokens[i - 1]!), x);
    }
    return this;
  }

  /** Adds every sequence's counts (equal to updating with each in turn). */
  fit(sequences: readonly ArrayLike<number>[]): this {
    // Every sequence is checked before any is counted: a bad one leaves the memory unchanged.
    checkSequences("fit NgramMemory", sequences);
    for (const s of sequences) checkTokens("fit NgramMemory", s, this.vocabSize);
    for (const s of sequences) this.update(s);
    return this;
  }

  /** Raw counts: [count of `token` after the context, the context's total]. Context length 0..2. */
  counts(context: readonly number[], token: number): [number, number] {
    checkList("NgramMemory.counts", "the context", context);
    checkTokens("count NgramMemory", [...context, token], this.vocabSize);
    if (context.length === 0) return [this.#unigram[token]!, this.#unigramTotal];
    const row = context.length === 1
      ? this.#bigram.row(context[0]!)
      : context.length === 2
      ? this.#trigram.row(this.bucket(context[0]!, context[1]!))
      : (() => {
        throw new RangeError(
          `Cannot count a context of length ${context.length} (NgramMemory.counts): expected ` +
            "at most 2",
        );
      })();
    return [row?.counts[token] ?? 0, row?.total ?? 0];
  }

  /** The α of a context length (0: unigram, 1: bigram, 2: trigram). */
  alphaOf(contextLength: number): number {
    checkInt("NgramMemory.alphaOf", "the context length", contextLength, 0, 2);
    return contextLength === 0
      ? this.unigramAlpha
      : contextLength === 1
      ? this.bigramAlpha
      : this.trigramAlpha;
  }

  /** The smoothed unigram distribution. */
  unigramProbs(): Float64Array {
    return smoothed(this.#unigram, this.#unigramTotal, this.unigramAlpha, this.vocabSize);
  }

  /** The smoothed bigram row of `prev`. */
  bigramProbs(prev: number): Float64Array {
    checkTokens("query NgramMemory", [prev], this.vocabSize);
    const row = this.#bigram.row(prev);
    return smoothed(row?.counts, row?.total ?? 0, this.bigramAlpha, this.vocabSize);
  }

  /** The smoothed trigram row of the bucket of (left, right). */
  trigramProbs(left: number, right: number): Float64Array {
    checkTokens("query NgramMemory", [left, right], this.vocabSize);
    const row = this.#trigram.row(this.bucket(left, right));
    return smoothed(row?.counts, row?.total ?? 0, this.trigramAlpha, this.vocabSize);
  }

  /** The distribution used at position `t` of `seq` under `order` (lower orders where context is missing). */
  distributionAt(seq: ArrayLike<number>, t: number, order: NgramOrder): Float64Array {
    checkTokens("query NgramMemory", seq, this.vocabSize);
    checkInt("NgramMemory.distributionAt", "t", t, 0, seq.length);
    checkOneOf("NgramMemory.distributionAt", "the order", order, ORDERS);
    return this.#distributionAt(seq, t, order);
  }

  #distributionAt(seq: ArrayLike<number>, t: number, order: NgramOrder): Float64Array {
    const useTri = (order === "trigram" || order === "max") && t >= 2;
    const useBi = order !== "unigram" && t >= 1;
    if (useTri) return this.trigramProbs(seq[t - 2]!, seq[t - 1]!);
    if (useBi) return this.bigramProbs(seq[t - 1]!);
    return this.unigramProbs();
  }

  /**
   * The probability of each actual token of `seq` under `order`.
   *
   * @throws {RangeError} for an unknown order or a token outside 0..V−1.
   */
  chosenProbs(seq: ArrayLike<number>, order: NgramOrder): Float64Array {
    if (!["unigram", "bigram", "trigram", "max"].includes(order)) {
      throw new RangeError(
        `Cannot score with order "${order}" (NgramMemory.chosenProbs): expected ` +
          "unigram|bigram|trigram|max",
      );
    }
    checkTokens("score NgramMemory", seq, this.vocabSize);
    const out = new Float64Array(seq.length);
    for (let t = 0; t < seq.length; t++) out[t] = this.#distributionAt(seq, t, order)[seq[t]!]!;
    return out;
  }

  /** The predictive distributions of every position of `seq` under `order` ([T, V], row-major). */
  trace(seq: ArrayLike<number>, order: NgramOrder = "max"): Float64Array {
    checkTokens("trace NgramMemory", seq, this.vocabSize);
    checkOneOf("NgramMemory.trace", "the order", order, ORDERS);
    const out = new Float64Array(seq.length * this.vocabSize);
    for (let t = 0; t < seq.length; t++) {
      out.set(this.#distributionAt(seq, t, order), t * this.vocabSize);
    }
    return out;
  }
}
