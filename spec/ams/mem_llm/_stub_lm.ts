/**
 * A deterministic stub causal LM for MemLLM4's claims (no model can be fetched here): bytes as
 * tokens, a seeded embedding table, and logits = a fixed linear map of the input embeddings
 * (a stub "LM": Linear(d → V) on the input embeddings). Host f64, so
 * every figure of a claim that uses it is exact and reproducible.
 *
 * - tokenize: the UTF-8 bytes of the text (vocabulary 256);
 * - pooledHidden: the mean of the embedding rows of the ids (the stub's "last hidden state" is
 *   its input embedding);
 * - nextTokenLogits(x)[t] = W·x̄_t + bias, x̄_t the mean of the input rows 0..t (a causal
 *   mixer, so the soft prefix moves every later logit), bias = −1e4 outside the lower-case
 *   letters and the space, so greedy text is printable;
 * - contextLength: the longest sequence (prefix included) it accepts.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { decodeBackboneText } from "../../../impl/ams/backbone/backbone.ts";
import { normalizeRows } from "../../../impl/ams/encoders/encoders.ts";
import type { GenerativeBackbone } from "../../../impl/ams/mem_llm/mem_llm.ts";

/** The bytes greedy decoding may produce: a–z and the space. */
export function stubAllowed(b: number): boolean {
  return b === 0x20 || (b >= 0x61 && b <= 0x7a);
}

/** Options of {@link StubCausalLM}. */
export interface StubOptions {
  /** Width (default 256). */
  d?: number;
  /** Longest accepted sequence, prefix included (default 96). */
  contextLength?: number;
  /** Seed of the embedding table and the logit map (default 7). */
  seed?: number;
}

/** The stub (module docs). */
export class StubCausalLM implements GenerativeBackbone {
  readonly name = "stub-lm";
  readonly vocabSize = 256;
  readonly d: number;
  readonly contextLength: number;
  /** How many times nextTokenLogits ran. */
  logitCalls = 0;
  readonly #emb: Float32Array;
  readonly #w: Float64Array;

  constructor(o: StubOptions = {}) {
    this.d = o.d ?? 256;
    this.contextLength = o.contextLength ?? 96;
    const rng = new Rng(o.seed ?? 7);
    const V = this.vocabSize, d = this.d;
    // Rows of norm ≈ 0.1, a tenth of the prefix slots' (LayerNorm · 1/√d), so the soft prefix
    // steers the causal mix and a memory changes the text.
    this.#emb = Float32Array.from({ length: V * d }, () => (0.1 * rng.normal()) / Math.sqrt(d));
    this.#w = Float64Array.from({ length: V * d }, () => rng.normal() / Math.sqrt(d));
  }

  tokenize(text: string | Uint8Array): number[] {
    const s = decodeBackboneText(text);
    const ids = [...new TextEncoder().encode(s)];
    if (ids.length === 0) {
      throw new RangeError("Cannot tokenize text: expected at least one byte but got none");
    }
    return ids;
  }

  pooledHidden(ids: readonly (readonly number[])[]): Promise<Float32Array> {
    const d = this.d;
    if (ids.length === 0 || ids.some((l) => l.length === 0)) {
      throw new RangeError("Cannot pool: expected a non-empty batch of non-empty id lists");
    }
    const out = new Float32Array(ids.length * d);
    ids.forEach((l, b) => {
      const acc = new Float64Array(d);
      for (const t of l) for (let j = 0; j < d; j++) acc[j]! += this.#emb[t * d + j]!;
      for (let j = 0; j < d; j++) out[b * d + j] = acc[j]! / l.length;
    });
    return Promise.resolve(out);
  }

  tokenEmbeddings(): Float32Array {
    return normalizeRows(this.#emb, this.vocabSize, this.d);
  }

  embedTokens(ids: readonly number[]): Float32Array {
    const d = this.d;
    const out = new Float32Array(ids.length * d);
    ids.forEach((t, i) => out.set(this.#emb.subarray(t * d, (t + 1) * d), i * d));
    return out;
  }

  /** The logits of one mixed row x̄ [d] (f64, before the f32 rounding). */
  logitsOf(x: ArrayLike<number>): Float64Array {
    const d = this.d, V = this.vocabSize;
    const out = new Float64Array(V);
    for (let v = 0; v < V; v++) {
      let s = stubAllowed(v) ? 0 : -1e4;
      for (let j = 0; j < d; j++) s += this.#w[v * d + j]! * x[j]!;
      out[v] = s;
    }
    return out;
  }

  readonly nextTokenLogits = (
    x: Float32Array,
    batch: number,
    steps: number,
  ): Promise<Float32Array> => {
    const d = this.d, V = this.vocabSize;
    if (x.length !== batch * steps * d) {
      throw new RangeError(
        `Cannot run the stub LM: expected ${batch}·${steps}·${d} input values but got ${x.length}`,
      );
    }
    if (steps > this.contextLength) {
      throw new RangeError(
        `Cannot run the stub LM: expected at most ${this.contextLength} positions but got ${steps}`,
      );
    }
    this.logitCalls++;
    const out = new Float32Array(batch * steps * V);
    for (let b = 0; b < batch; b++) {
      const acc = new Float64Array(d);
      for (let t = 0; t < steps; t++) {
        const r = b * steps + t;
        for (let j = 0; j < d; j++) acc[j]! += x[r * d + j]!;
        out.set(this.logitsOf(acc.map((v) => v / (t + 1))), r * V);
      }
    }
    return Promise.resolve(out);
  };

  detokenize(ids: readonly number[]): string {
    return new TextDecoder().decode(Uint8Array.from(ids));
  }
}
