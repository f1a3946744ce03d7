/**
 * Loader of fixtures/decepticons/memory.json (written by
 * fixtures/gen/decepticons_memory_fixtures.py): plain JSON, floats in
 * shortest round-trip form. The sha256 must match fixtures/manifest.json.
 *
 * @module
 */
import { loadPinnedJson } from "../../_harness/fixtures.ts";
const PATH = "fixtures/decepticons/memory.json";

/** One exact-context expert as the fixture stores it. */
export interface FixtureExpert {
  order: number;
  total: number;
  support: number;
  probs: number[];
}

/** The fixture's layout. */
export interface MemoryFixture {
  format: "decepticons-memory-v1";
  vocab_size: number;
  online: {
    tokens: number[];
    buckets: number;
    features_order3: number[];
    features_order4_shared: number[];
  };
  ngram: {
    train: number[][];
    test: number[];
    buckets: number;
    chosen: Record<"unigram" | "bigram" | "trigram" | "max", number[]>;
    unigram: number[];
    bigram_prev: number;
    bigram: number[];
    trigram_context: [number, number];
    trigram: number[];
    bucket_pairs: [number, number, number][];
  };
  exact: {
    train: number[];
    max_order: number;
    alpha: number;
    contexts: number[][];
    experts: FixtureExpert[][];
    predictive: { order: number; probs: number[] }[];
    mix_context: number;
    mix_weights: number[];
    mix_probs: number[];
  };
  backoff: {
    train: number[][];
    weights_in_sample: number[];
    nll_in_sample: number[];
    weights_leave_one_out: number[];
    nll_leave_one_out: number[];
    probe: number[];
    probe_chosen_leave_one_out: number[];
  };
}

/**
 * Loads the memory fixture and says how its integrity was checked.
 *
 * @throws {Error} when the manifest does not list the file or pins another sha256.
 * @throws {SyntaxError} when the JSON or its format is wrong.
 */
export function loadMemoryFixture(): Promise<{ data: MemoryFixture; integrity: string }> {
  return loadPinnedJson<MemoryFixture>(PATH, "decepticons-memory-v1");
}
