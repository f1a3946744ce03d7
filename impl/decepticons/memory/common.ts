/**
 * Helpers shared by the causal memories: argument checks, sparse count rows
 * and the smoothed-distribution arithmetic. Host-side f64.
 *
 * @module
 */

import { shown } from "../../validate.ts";

/**
 * Checks a vocabulary size.
 *
 * @throws {RangeError} when it is not an integer in 1..65536.
 */
export function checkVocab(what: string, vocabSize: number): void {
  if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 65536) {
    throw new (typeof vocabSize === "number" ? RangeError : TypeError)(
      `Cannot build ${what}: vocabSize ${shown(vocabSize)} is not an integer in 1..65536 ` +
        "(expected one)",
    );
  }
}

/**
 * Checks an options object (undefined: every default) and that each named field, when present,
 * is a number.
 *
 * @throws {TypeError} naming `what` and the field.
 */
export function checkOptions(what: string, options: unknown, numbers: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`Cannot build ${what}: expected an options object, got ${shown(options)}`);
  }
  for (const k of numbers) {
    const v = (options as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== "number") {
      throw new TypeError(`Cannot build ${what}: expected ${k} to be a number, got ${shown(v)}`);
    }
  }
}

/** Checks a list of token sequences (each checked by {@link checkTokens} by its user). */
export function checkSequences(what: string, sequences: unknown): void {
  if (!Array.isArray(sequences)) {
    throw new TypeError(`Cannot ${what}: expected an array of sequences, got ${shown(sequences)}`);
  }
}

/**
 * Checks that every token is an integer id in 0..vocabSize−1.
 *
 * @throws {RangeError} naming the first bad token and its index.
 */
export function checkTokens(what: string, tokens: ArrayLike<number>, vocabSize: number): void {
  const list = Array.isArray(tokens) ||
    (ArrayBuffer.isView(tokens) && !(tokens instanceof DataView));
  if (!list) {
    throw new TypeError(
      `Cannot ${what}: expected an array or typed array of token ids, got ${shown(tokens)}`,
    );
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new (typeof t === "number" ? RangeError : TypeError)(
        `Cannot ${what}: token ${shown(t)} at index ${i} is outside 0..${vocabSize - 1} ` +
          "(expected an integer id)",
      );
    }
  }
}

/**
 * Checks a bucket count: a power of two, so that a wrapping 64-bit product
 * reduced modulo it depends only on the low 32 bits (Math.imul is exact).
 *
 * @throws {RangeError} when it is not a power of two in 1..2^30.
 */
export function checkBuckets(what: string, buckets: number): void {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 2 ** 30 || (buckets & (buckets - 1))) {
    throw new (typeof buckets === "number" ? RangeError : TypeError)(
      `Cannot build ${what}: buckets ${shown(buckets)} is not a power of two in 1..2^30 ` +
        "(expected one)",
    );
  }
}

/** One context's counts: a dense row over the vocabulary and its total. */
export interface CountRow {
  /** Occurrences of each next token after this context, indexed by token id [vocabSize]. */
  readonly counts: Float64Array;
  /** The sum of `counts` (kept so a probability is one division). */
  total: number;
}

/** A sparse table of count rows, keyed by a context key. */
export class CountTable {
  readonly #rows = new Map<string | number, CountRow>();
  /**
   * An empty table.
   *
   * @param vocabSize tokens per row (token ids are 0 … vocabSize − 1)
   */
  constructor(readonly vocabSize: number) {}

  /** Adds one occurrence of `token` after the context `key`. */
  add(key: string | number, token: number): void {
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { counts: new Float64Array(this.vocabSize), total: 0 };
      this.#rows.set(key, row);
    }
    row.counts[token]! += 1;
    row.total += 1;
  }

  /** The row of `key`, or undefined when the context was never seen. */
  row(key: string | number): CountRow | undefined {
    return this.#rows.get(key);
  }

  /** The sum of all counts in the table. */
  total(): number {
    let s = 0;
    for (const r of this.#rows.values()) s += r.total;
    return s;
  }

  /** Number of distinct contexts stored. */
  get size(): number {
    return this.#rows.size;
  }

  /** A deep copy. */
  clone(): CountTable {
    const out = new CountTable(this.vocabSize);
    for (const [k, r] of this.#rows) out.#rows.set(k, { counts: r.counts.slice(), total: r.total });
    return out;
  }
}

/**
 * Additively smoothed distribution p_v = (c_v + α/V) / (Σc + α); uniform when
 * Σc + α = 0. `counts` undefined means an unseen context (all zeros).
 */
export function smoothed(
  counts: Float64Array | undefined,
  total: number,
  alpha: number,
  vocabSize: number,
): Float64Array {
  const out = new Float64Array(vocabSize);
  const denom = total + alpha;
  if (denom === 0) return out.fill(1 / vocabSize);
  const add = alpha / vocabSize;
  for (let v = 0; v < vocabSize; v++) out[v] = ((counts?.[v] ?? 0) + add) / denom;
  return out;
}

/** Divides by the sum in place (the renormalisation the originals apply after mixing or clipping). */
export function renormalise(p: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i]!;
  for (let i = 0; i < p.length; i++) p[i] = p[i]! / s;
  return p;
}
