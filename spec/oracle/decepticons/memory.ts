/**
 * Plain count models of the decepticons causal memories, for fuzzing.
 *
 * Nothing here is incremental: every query recounts the whole token history
 * from scratch, so a bookkeeping error in an incremental table cannot be
 * shared with the oracle. Hashes are computed in BigInt wrapping 64-bit
 * arithmetic, as the original does, independently of the implementation's
 * 32-bit shortcut. Never imports impl/.
 *
 * - {@link PlainCountModel}: exact contexts, one count per (context, token),
 *   and the 7 OnlineCausalMemory features recomputed from the history.
 * - {@link SharedTableModel}: the ORIGINAL's layout, one hashed table shared
 *   by every order ≥ 3, to measure the cross-talk into the trigram feature.
 *
 * @module
 */

const CLIP = 1e-10;
const U64 = (1n << 64n) - 1n;
/** The original's hash multipliers. */
const MULTIPLIERS = [2654435761n, 2246822519n, 3266489917n, 2028178513n];

/** ((left·1315423911) XOR (right·2654435761)) mod buckets in wrapping uint64 (NgramMemory's trigram bucket). */
export function ngramBucketU64(left: number, right: number, buckets: number): number {
  const a = (BigInt(left) * 1315423911n) & U64;
  const b = (BigInt(right) * 2654435761n) & U64;
  return Number((a ^ b) % BigInt(buckets));
}

/** XOR_i (context_i · M_i) mod buckets in wrapping uint64 (OnlineCausalMemory's hash). */
export function onlineHashU64(context: readonly number[], buckets: number): number {
  let h = 0n;
  context.forEach((t, i) => {
    h ^= (BigInt(t) * MULTIPLIERS[i]!) & U64;
  });
  return Number(h % BigInt(buckets));
}

function clippedEntropy(counts: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const c of counts) {
    const p = Math.max(c / n, CLIP);
    h -= p * Math.log(p);
  }
  return h;
}

function maxShare(counts: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return Math.max(...counts) / n;
}

/** A plain count model: the history and counts recomputed from it. */
export class PlainCountModel {
  history: number[] = [];
  constructor(readonly vocabSize: number, readonly maxOrder: number) {}

  update(token: number): void {
    this.history.push(token);
  }

  reset(): void {
    this.history = [];
  }

  /** How often `token` followed exactly `context` in the history. */
  count(context: readonly number[], token: number): number {
    const h = this.history;
    let n = 0;
    for (let i = context.length; i < h.length; i++) {
      if (h[i] !== token) continue;
      let match = true;
      for (let j = 0; j < context.length && match; j++) {
        match = h[i - context.length + j] === context[j];
      }
      if (match) n++;
    }
    return n;
  }

  /** The counts row of a context (length V). */
  row(context: readonly number[]): number[] {
    return Array.from({ length: this.vocabSize }, (_, v) => this.count(context, v));
  }

  /** Number of counted (context, token) pairs of an order: positions with order − 1 predecessors. */
  orderTotal(order: number): number {
    return Math.max(0, this.history.length - (order - 1));
  }

  /** The 7 features, recomputed from the history. */
  features(): number[] {
    const h = this.history;
    const f = [0, 0, 0, 0, 0, 0, 0];
    if (h.length > 0) {
      const uni = this.row([]);
      f[0] = clippedEntropy(uni);
      f[1] = maxShare(uni);
    }
    if (h.length >= 1) {
      const bi = this.row([h[h.length - 1]!]);
      const n = bi.reduce((a, b) => a + b, 0);
      if (n > 0) {
        f[2] = clippedEntropy(bi);
        f[3] = maxShare(bi);
        f[6] = Math.log1p(n);
      }
    }
    if (h.length >= 2 && this.maxOrder >= 3) {
      const tri = this.row(h.slice(h.length - 2));
      if (tri.some((c) => c > 0)) f[4] = maxShare(tri);
    }
    f[5] = Math.log1p(h.length);
    return f;
  }
}

/**
 * The original's layout: every order 3..maxOrder counted into ONE table of
 * `buckets` rows by the XOR hash; f4 reads that table. Returns the feature
 * trace [T][7] (query before update). Only f4 differs from the plain model.
 */
export function sharedTableTrace(
  tokens: readonly number[],
  vocabSize: number,
  maxOrder: number,
  buckets = 8192,
): number[][] {
  const table = new Map<number, number[]>();
  const plain = new PlainCountModel(vocabSize, 3);
  const out: number[][] = [];
  for (let pos = 0; pos < tokens.length; pos++) {
    const f = plain.features();
    f[4] = 0;
    if (pos >= 2) {
      const row = table.get(onlineHashU64(tokens.slice(pos - 2, pos), buckets));
      if (row !== undefined) f[4] = maxShare(row);
    }
    out.push(f);
    const x = tokens[pos]!;
    for (let o = 3; o <= Math.min(maxOrder, pos + 1); o++) {
      const key = onlineHashU64(tokens.slice(pos - (o - 1), pos), buckets);
      const row = table.get(key) ?? new Array<number>(vocabSize).fill(0);
      row[x]! += 1;
      table.set(key, row);
    }
    plain.update(x);
  }
  return out;
}
