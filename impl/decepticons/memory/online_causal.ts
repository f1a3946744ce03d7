/**
 * OnlineCausalMemory: a runtime n-gram accumulator queried before it is updated
 * at each position, so the 7 features at position t depend only on tokens < t
 * (asuramaya/decepticons src/decepticons/online_memory.py).
 *
 * State: unigram counts, bigram rows, and one table per order 3..maxOrder.
 * Unlike the original, which puts every order ≥ 3 into a single hashed
 * table (so 4-gram counts pollute the trigram feature), each order has its
 * own table here: the orders are independent.
 *
 * Tables key contexts exactly by default. With `buckets` set, contexts are
 * hashed as in the original, h = XOR_i (ctx_i · M_i) mod B with
 * M = (2654435761, 2246822519, 3266489917, 2028178513), but still into a
 * separate table per order; for maxOrder = 3 that reproduces the original's
 * features exactly.
 *
 * The features (f64; the original returns float32):
 * f0 unigram entropy (nats, p clipped below at 1e-10), f1 max unigram p,
 * f2 entropy of the bigram row of the previous token, f3 its max p,
 * f4 max p of the trigram row of the previous two tokens,
 * f5 log1p(tokens seen), f6 log1p(bigram row total). Undefined features are 0.
 *
 * @example Query before update
 * ```ts
 * import { OnlineCausalMemory } from "./online_causal.ts";
 * const m = new OnlineCausalMemory({ vocabSize: 4 });
 * for (const t of [1, 2, 1, 2]) m.update(t);
 * const f = m.query(); // after "1 2 1 2": the bigram row of 2 has seen 2 → 1 once
 * if (f[3] !== 1 || f[5] !== Math.log1p(4)) throw new Error("features");
 * ```
 *
 * @module
 */
import { checkBuckets, checkOptions, checkTokens, checkVocab, CountTable } from "./common.ts";
import { checkList } from "../../validate.ts";

/** Number of features {@link OnlineCausalMemory.query} returns. */
export const OCM_FEATURES = 7;

/** The original's hash multipliers, one per context position. */
export const OCM_HASH_MULTIPLIERS: readonly number[] = [
  2654435761,
  2246822519,
  3266489917,
  2028178513,
];

/** The probability clip inside the entropy features. */
export const OCM_ENTROPY_CLIP = 1e-10;

/** Options of {@link OnlineCausalMemory}. */
export interface OnlineCausalMemoryOptions {
  /** Vocabulary size V (default 256). */
  vocabSize?: number;
  /** Highest order kept, ≥ 2 (default 3): orders 1 and 2 always, 3..maxOrder in their own tables. */
  maxOrder?: number;
  /** Hash contexts of order ≥ 3 into this many buckets (a power of two; the original uses 8192). Default: exact contexts. */
  buckets?: number;
}

/** Clipped entropy −Σ pc ln pc with pc = max(count/total, 1e-10), and the max p. */
function entropyAndMax(counts: Float64Array, total: number): [number, number] {
  let h = 0;
  let mx = 0;
  for (let v = 0; v < counts.length; v++) {
    const p = counts[v]! / total;
    const pc = p < OCM_ENTROPY_CLIP ? OCM_ENTROPY_CLIP : p;
    h -= pc * Math.log(pc);
    if (p > mx) mx = p;
  }
  return [h, mx];
}

/** The online causal memory (see the module documentation). */
export class OnlineCausalMemory {
  /** Vocabulary size V. */
  readonly vocabSize: number;
  /** Highest order kept. */
  readonly maxOrder: number;
  /** Buckets of the hashed contexts of order ≥ 3, or null for exact contexts. */
  readonly buckets: number | null;
  #unigram: Float64Array;
  #total = 0;
  /** tables[k] holds order k + 2 (index 0: bigram). */
  #tables: CountTable[];
  #history: number[] = [];

  /**
   * An empty memory.
   *
   * @throws {RangeError} when vocabSize is not an integer in 1..65536, maxOrder not in 2..8, or
   *   buckets not a power of two in 1..2^30 (or too many orders to hash).
   */
  constructor(options: OnlineCausalMemoryOptions = {}) {
    checkOptions("OnlineCausalMemory", options, ["vocabSize", "maxOrder", "buckets"]);
    const { vocabSize = 256, maxOrder = 3, buckets } = options;
    checkVocab("OnlineCausalMemory", vocabSize);
    if (!Number.isInteger(maxOrder) || maxOrder < 2 || maxOrder > 8) {
      throw new RangeError(
        `Cannot build OnlineCausalMemory: maxOrder ${maxOrder} is not in 2..8 (expected an integer)`,
      );
    }
    if (buckets !== undefined) {
      checkBuckets("OnlineCausalMemory", buckets);
      if (maxOrder - 1 > OCM_HASH_MULTIPLIERS.length) {
        throw new RangeError(
          `Cannot build OnlineCausalMemory: hashed contexts need maxOrder <= ` +
            `${OCM_HASH_MULTIPLIERS.length + 1}, got ${maxOrder}`,
        );
      }
    }
    this.vocabSize = vocabSize;
    this.maxOrder = maxOrder;
    this.buckets = buckets ?? null;
    this.#unigram = new Float64Array(vocabSize);
    this.#tables = Array.from({ length: maxOrder - 1 }, () => new CountTable(vocabSize));
  }

  /** Tokens seen since construction or the last reset. */
  get position(): number {
    return this.#total;
  }

  /** Returns to the empty state. */
  reset(): void {
    this.#unigram.fill(0);
    this.#total = 0;
    this.#tables = this.#tables.map(() => new CountTable(this.vocabSize));
    this.#history = [];
  }

  /** The table key of a context (its tokens, oldest first). */
  #key(context: readonly number[]): string | number {
    if (context.length === 1 || this.buckets === null) return context.join(",");
    let h = 0;
    for (let i = 0; i < context.length; i++) h ^= Math.imul(context[i]!, OCM_HASH_MULTIPLIERS[i]!);
    return h & (this.buckets - 1);
  }

  /** The last `n` tokens seen, oldest first, or null when fewer were seen. */
  #tail(n: number): number[] | null {
    return this.#history.length >= n ? this.#history.slice(this.#history.length - n) : null;
  }

  /**
   * Counts one token: unigram, then every order whose context is available.
   *
   * @throws {RangeError} when the token is outside 0..V−1 (the original indexes negative ids from the end).
   */
  update(token: number): void {
    checkTokens("update OnlineCausalMemory", [token], this.vocabSize);
    this.#unigram[token]! += 1;
    for (let order = 2; order <= this.maxOrder; order++) {
      const ctx = this.#tail(order - 1);
      if (ctx === null) break;
      this.#tables[order - 2]!.add(this.#key(ctx), token);
    }
    this.#total += 1;
    this.#history.push(token);
    if (this.#history.length > this.maxOrder) this.#history.shift();
  }

  /** The 7 features of the current state (see the module documentation). */
  query(): Float64Array {
    const f = new Float64Array(OCM_FEATURES);
    if (this.#total > 0) [f[0], f[1]] = entropyAndMax(this.#unigram, this.#total);
    const bi = this.#tail(1);
    const biRow = bi === null ? undefined : this.#tables[0]!.row(this.#key(bi));
    if (biRow !== undefined && biRow.total > 0) {
      [f[2], f[3]] = entropyAndMax(biRow.counts, biRow.total);
      f[6] = Math.log1p(biRow.total);
    }
    const tri = this.maxOrder >= 3 ? this.#tail(2) : null;
    const triRow = tri === null ? undefined : this.#tables[1]!.row(this.#key(tri));
    if (triRow !== undefined && triRow.total > 0) {
      let mx = 0;
      for (let v = 0; v < this.vocabSize; v++) mx = Math.max(mx, triRow.counts[v]!);
      f[4] = mx / triRow.total;
    }
    f[5] = Math.log1p(this.#total);
    return f;
  }

  /**
   * How often `token` followed `context` (oldest first; length 0..maxOrder−1,
   * order = length + 1). With hashing, the count of the context's bucket.
   */
  count(context: readonly number[], token: number): number {
    checkList("OnlineCausalMemory.count", "the context", context);
    checkTokens("query OnlineCausalMemory", [...context, token], this.vocabSize);
    if (context.length === 0) return this.#unigram[token]!;
    if (context.length > this.maxOrder - 1) {
      throw new RangeError(
        `Cannot count a context of length ${context.length} (OnlineCausalMemory.count): ` +
          `expected at most ${this.maxOrder - 1}, all that maxOrder ${this.maxOrder} keeps`,
      );
    }
    return this.#tables[context.length - 1]!.row(this.#key(context))?.counts[token] ?? 0;
  }

  /** The sum of all counts of one order (1..maxOrder). */
  orderTotal(order: number): number {
    if (!Number.isInteger(order) || order < 1 || order > this.maxOrder) {
      throw new (typeof order === "number" ? RangeError : TypeError)(
        `Cannot total order ${order} of OnlineCausalMemory: expected an integer in ` +
          `1..${this.maxOrder}`,
      );
    }
    return order === 1 ? this.#total : this.#tables[order - 2]!.total();
  }

  /**
   * The feature trace of a stream from the empty state: row t holds the
   * features queried before token t is counted ([T, 7], row-major).
   */
  static trace(tokens: ArrayLike<number>, options: OnlineCausalMemoryOptions = {}): Float64Array {
    const m = new OnlineCausalMemory(options);
    checkTokens("trace OnlineCausalMemory", tokens, m.vocabSize);
    const out = new Float64Array(tokens.length * OCM_FEATURES);
    for (let t = 0; t < tokens.length; t++) {
      out.set(m.query(), t * OCM_FEATURES);
      m.update(tokens[t]!);
    }
    return out;
  }
}
