/**
 * Loader of fixtures/decepticons/experts.json (written by
 * fixtures/gen/decepticons_experts_fixtures.py). The sha256 must match fixtures/manifest.json.
 *
 * @module
 */
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";

interface StoredExperts {
  format: string;
  vocab_size: number;
  length: number;
  dim: number;
  alpha: number;
  embedding: EncodedArray;
  tokens: EncodedArray;
  weights: EncodedArray;
  probabilities: EncodedArray;
  bits_per_byte: number;
  adapter: {
    tokens: EncodedArray;
    rows: EncodedArray;
    bits_per_byte: number;
    exact_only_bits_per_byte: number;
  };
}

/** The decoded experts fixture. */
export interface ExpertsFixture {
  vocabSize: number;
  length: number;
  dim: number;
  alpha: number;
  /** [V, E]. */
  embedding: Float64Array;
  tokens: number[];
  /** [(D + 1), V], the bias row last. */
  weights: Float64Array;
  /** [n, V]: row t predicts token t + 1. */
  probabilities: Float64Array;
  bitsPerByte: number;
  /** The adapter case: a sentence, its mixed rows [n − 1, V] and both bits per byte. */
  adapter: {
    tokens: number[];
    rows: Float64Array;
    bitsPerByte: number;
    exactOnlyBitsPerByte: number;
  };
}

/**
 * Loads the experts fixture and says how its integrity was checked.
 *
 * @throws {Error} when the manifest does not list the file or pins another sha256.
 */
export async function loadExpertsFixture(): Promise<{ data: ExpertsFixture; integrity: string }> {
  const { data: s, integrity } = await loadPinnedJson<StoredExperts>(
    "fixtures/decepticons/experts.json",
    "memspec.decepticons.experts.v1",
  );
  return {
    integrity,
    data: {
      vocabSize: s.vocab_size,
      length: s.length,
      dim: s.dim,
      alpha: s.alpha,
      embedding: f64(s.embedding, "embedding"),
      tokens: ints(s.tokens, "tokens"),
      weights: f64(s.weights, "weights"),
      probabilities: f64(s.probabilities, "probabilities"),
      bitsPerByte: s.bits_per_byte,
      adapter: {
        tokens: ints(s.adapter.tokens, "adapter.tokens"),
        rows: f64(s.adapter.rows, "adapter.rows"),
        bitsPerByte: s.adapter.bits_per_byte,
        exactOnlyBitsPerByte: s.adapter.exact_only_bits_per_byte,
      },
    },
  };
}
