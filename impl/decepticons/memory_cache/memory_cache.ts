/**
 * Memory-cache views (asuramaya/decepticons src/decepticons/memory_cache.py): the per-order
 * prediction records of a fitted exact-context or statistical back-off memory, and one
 * distribution chosen from them, in f64 on the host.
 *
 * ExactContextCache
 * - records: the unigram (order 0, total 1, support 1) and one record per order
 *   1..min(maxOrder, |ctx|) (the memory's experts), each with confidence = max p;
 * - active = the highest record whose context was seen (total > 0), else the unigram;
 *   highest = the last record;
 * - "active" equals the memory's predictive distribution; "highest_order" is the last record
 *   (uniform when its context was never seen); there is no "mixed" mode (the cache has no
 *   weights): asking for it is a RangeError.
 *
 * StatisticalBackoffCache
 * - records: unigram, bigram, trigram with the memory's prefix fallback (bigram = unigram
 *   without a prefix, trigram = bigram with fewer than 2 tokens), each with its mixture weight;
 * - `available` says the prefix is long enough for the order (|ctx| ≥ order). The original calls
 *   this 0/1 flag "support" and "total"; here it is a boolean named for what it is, and `total`
 *   is the context's real count (0 for an unseen context);
 * - active = min(|ctx|, 2); "mixed" = Σ w_k p_k / Σ, the memory's own prediction.
 *
 * @example
 * ```ts
 * import { ExactContextCache } from "./memory_cache.ts";
 * import { ExactContextMemory } from "../memory/exact_context.ts";
 * const m = new ExactContextMemory({ vocabSize: 3 }).fit([0, 1, 0, 1, 0, 1]);
 * const cache = new ExactContextCache(m);
 * const s = cache.predictionSummary([0, 1]);
 * if (s.active !== 2 || s.records.length !== 3) throw new Error();
 * ```
 *
 * @module
 */
import type { ExactContextMemory } from "../memory/exact_context.ts";
import type { StatisticalBackoffMemory } from "../memory/statistical_backoff.ts";
import { checkTokens } from "../memory/common.ts";
import { checkOneOf, shown } from "../../validate.ts";

/** One order's record of an {@link ExactContextCache}. */
export interface ExactCacheRecord {
  /** Context length (0: the unigram). */
  order: number;
  /** The order's distribution [V]. */
  probs: Float64Array;
  /** Times the context was seen (1 for the unigram, as in the original). */
  total: number;
  /** log1p(total) (1 for the unigram, as in the original). */
  support: number;
  /** max p. */
  confidence: number;
}

/** One order's record of a {@link StatisticalBackoffCache}. */
export interface BackoffCacheRecord {
  /** 0 unigram, 1 bigram, 2 trigram. */
  order: number;
  /** The order's distribution [V], with the prefix fallback. */
  probs: Float64Array;
  /** Whether the prefix holds at least `order` tokens. */
  available: boolean;
  /** The context's count in the memory (0 when unseen or unavailable). */
  total: number;
  /** The memory's mixture weight of this order. */
  weight: number;
  /** max p. */
  confidence: number;
}

/** A cache's summary of one context. */
export interface CacheSummary<R> {
  /** Records by order. */
  records: R[];
  /** Index of the active record. */
  active: number;
  /** Index of the highest-order record. */
  highest: number;
}

/** Modes of the exact-context cache. */
export const EXACT_CACHE_MODES = ["active", "highest_order"] as const;
/** A mode of the exact-context cache. */
export type ExactCacheMode = typeof EXACT_CACHE_MODES[number];
/** Modes of the back-off cache. */
export const BACKOFF_CACHE_MODES = ["active", "highest_order", "mixed"] as const;
/** A mode of the back-off cache. */
export type BackoffCacheMode = typeof BACKOFF_CACHE_MODES[number];

function maxOf(p: Float64Array): number {
  let m = -Infinity;
  for (const x of p) m = Math.max(m, x);
  return m;
}

/** Checks a memory object by the methods the cache calls. */
function checkMemory(op: string, m: unknown, methods: readonly string[]): void {
  const ok = m !== null && typeof m === "object" &&
    methods.every((k) => typeof (m as Record<string, unknown>)[k] === "function");
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: expected a fitted memory with ${methods.join(", ")} but got ${shown(m)}`,
    );
  }
}

/** Checks a context: a list of token ids of the cached memory's vocabulary (empty allowed). */
function checkContext(op: string, context: unknown, vocab: number): void {
  // The memories' own wording ("token 4 at index 1 …"), under the cache's name.
  checkTokens(op, context as ArrayLike<number>, vocab);
}

/** Prediction records of an exact-context memory (see the module documentation). */
export class ExactContextCache {
  readonly #memory: ExactContextMemory;

  /**
   * A cache over `memory` (read, never changed).
   *
   * @throws {TypeError} when `memory` is not an ExactContextMemory.
   */
  constructor(memory: ExactContextMemory) {
    checkMemory("build ExactContextCache", memory, ["experts", "unigramDistribution"]);
    this.#memory = memory;
  }

  /**
   * The records of `context` with the active and highest indices.
   *
   * @throws {RangeError} naming a token outside the memory's vocabulary.
   */
  predictionSummary(context: ArrayLike<number>): CacheSummary<ExactCacheRecord> {
    checkContext("summarise with ExactContextCache", context, this.#memory.vocabSize);
    const experts = this.#memory.experts(context);
    const uni = this.#memory.unigramDistribution();
    const records: ExactCacheRecord[] = [
      { order: 0, probs: uni, total: 1, support: 1, confidence: maxOf(uni) },
      ...experts.map((e) => ({
        order: e.order,
        probs: e.probs,
        total: e.total,
        support: e.support,
        confidence: maxOf(e.probs),
      })),
    ];
    let active = 0;
    for (let k = 1; k < records.length; k++) if (records[k]!.total > 0) active = k;
    return { records, active, highest: records.length - 1 };
  }

  /**
   * The distribution `mode` picks for `context`.
   *
   * @throws {RangeError} for a mode other than "active" or "highest_order" (this cache has no
   *   weights to mix with) or a token outside the vocabulary.
   */
  predict(context: ArrayLike<number>, mode: ExactCacheMode = "active"): Float64Array {
    checkOneOf("predict with ExactContextCache", "the mode", mode, EXACT_CACHE_MODES);
    checkContext("predict with ExactContextCache", context, this.#memory.vocabSize);
    const s = this.predictionSummary(context);
    return s.records[mode === "active" ? s.active : s.highest]!.probs;
  }
}

/** Prediction records of a statistical back-off memory (see the module documentation). */
export class StatisticalBackoffCache {
  readonly #memory: StatisticalBackoffMemory;

  /**
   * A cache over `memory` (read, never changed).
   *
   * @throws {TypeError} when `memory` is not a StatisticalBackoffMemory.
   */
  constructor(memory: StatisticalBackoffMemory) {
    checkMemory("build StatisticalBackoffCache", memory, ["predict", "fit"]);
    this.#memory = memory;
  }

  /**
   * The three records of `context` with the active (min(|ctx|, 2)) and highest (2) indices.
   *
   * @throws {RangeError} naming a token outside the memory's vocabulary.
   */
  predictionSummary(context: ArrayLike<number>): CacheSummary<BackoffCacheRecord> {
    checkContext("summarise with StatisticalBackoffCache", context, this.#memory.vocabSize);
    this.#memory.predict(context);
    const ng = this.#memory.ngram;
    const L = context.length;
    const w = this.#memory.weights;
    const uni = ng.unigramProbs();
    const bi = L >= 1 ? ng.bigramProbs(context[L - 1]!) : uni;
    const tri = L >= 2 ? ng.trigramProbs(context[L - 2]!, context[L - 1]!) : bi;
    const ctxTotal = (k: number) => {
      if (L < k) return 0;
      const ctx = Array.from({ length: k }, (_, j) => context[L - k + j]!);
      return ng.counts(ctx, 0)[1];
    };
    const records = [uni, bi, tri].map((probs, k) => ({
      order: k,
      probs,
      available: L >= k,
      total: ctxTotal(k),
      weight: w[k]!,
      confidence: maxOf(probs),
    }));
    return { records, active: Math.min(L, 2), highest: 2 };
  }

  /**
   * The distribution `mode` picks for `context`: a record's, or the weighted mixture.
   *
   * @throws {RangeError} for an unknown mode or a token outside the vocabulary.
   */
  predict(context: ArrayLike<number>, mode: BackoffCacheMode = "mixed"): Float64Array {
    checkOneOf("predict with StatisticalBackoffCache", "the mode", mode, BACKOFF_CACHE_MODES);
    checkContext("predict with StatisticalBackoffCache", context, this.#memory.vocabSize);
    const s = this.predictionSummary(context);
    if (mode !== "mixed") return s.records[mode === "active" ? s.active : s.highest]!.probs;
    const V = s.records[0]!.probs.length;
    const out = new Float64Array(V);
    let z = 0;
    for (const r of s.records) {
      for (let v = 0; v < V; v++) out[v] = out[v]! + r.weight * r.probs[v]!;
    }
    for (let v = 0; v < V; v++) z += out[v]!;
    for (let v = 0; v < V; v++) out[v] = out[v]! / z;
    return out;
  }
}
