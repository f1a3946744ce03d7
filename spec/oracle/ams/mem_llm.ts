/**
 * f64 oracle of MemLLM4's own arithmetic (impl/ams/mem_llm), written from the original's write
 * and decode paths (FluffyAIcode/AgentMemorySystem:ams_v4/bridge/memllm.py, PR #30), not from
 * memspec's code: the write path's encoder inputs, the content_wte_mean large field, the fused top-k
 * and the greedy loop. The encoders' and cross-attention's own
 * math is spec/oracle/ams/encoders.ts and cross_bundle.ts.
 *
 * @module
 */

/** The encoder inputs of the t-th write of a fresh model (t = 0, 1, …). */
export interface WriteInputs {
  /** (absolute_ts, recency, cnt) = (t, 0, 0): the store's next_mid, then zeros. */
  timeScalars: [number, number, number];
  /** Surprise: 0. */
  surprise: number;
  /** Every token id of the text (no filter). */
  contentIds: number[];
  /** The session summary after this write: s₁ = h₁, s_t = 0.7·s_{t−1} + 0.3·h_t. */
  session: Float64Array;
}

/** The write path's inputs for a sequence of pooled states and id lists. */
export function writeInputsOracle(
  hs: readonly ArrayLike<number>[],
  ids: readonly (readonly number[])[],
): WriteInputs[] {
  const out: WriteInputs[] = [];
  let s: Float64Array | null = null;
  hs.forEach((h, t) => {
    const next: Float64Array = s === null
      ? Float64Array.from(h)
      : Float64Array.from(h, (v, j) => 0.7 * s![j]! + 0.3 * v);
    s = next;
    out.push({ timeScalars: [t, 0, 0], surprise: 0, contentIds: [...ids[t]!], session: next });
  });
  return out;
}

/** content_wte_mean: the uniform mean of the normalised table's rows of `ids`. */
export function wteMeanOracle(
  ids: readonly number[],
  wte: ArrayLike<number>,
  d: number,
): Float64Array {
  const out = new Float64Array(d);
  for (const t of ids) for (let j = 0; j < d; j++) out[j]! += wte[t * d + j]!;
  return out.map((v) => v / ids.length);
}

/** The k mids of highest fused score (ties: lower mid), ascending. */
export function fusedTopKOracle(fused: ReadonlyMap<number, number>, k: number): number[] {
  return [...fused].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([m]) => m)
    .sort((a, b) => a - b);
}

/**
 * The original's greedy loop with no KV cache: inputs = [prefix (L rows); embed(prompt +
 * generated)], the first argmax of the f32 logits of the last position (`lastLogits` of every
 * input row so far, f32 values), `steps` times.
 */
export function greedyOracle(
  prefix: ArrayLike<number>,
  d: number,
  prompt: readonly number[],
  embed: (id: number) => ArrayLike<number>,
  lastLogits: (rows: readonly ArrayLike<number>[]) => ArrayLike<number>,
  steps: number,
): number[] {
  const rows: ArrayLike<number>[] = [];
  for (let i = 0; i < prefix.length / d; i++) {
    rows.push(Array.from(prefix).slice(i * d, (i + 1) * d));
  }
  for (const t of prompt) rows.push(embed(t));
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const z = Array.from(lastLogits(rows), Math.fround);
    let best = 0;
    for (let v = 1; v < z.length; v++) if (z[v]! > z[best]!) best = v;
    out.push(best);
    rows.push(embed(best));
  }
  return out;
}
