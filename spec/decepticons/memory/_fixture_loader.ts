/**
 * Loader of fixtures/decepticons/memory.json (written by
 * fixtures/gen/decepticons_memory_fixtures.py): every numeric array in the one
 * fixture encoding (spec/_harness/encoded_arrays.ts), decoded here to plain
 * numbers. The sha256 must match fixtures/manifest.json.
 *
 * @module
 */
import { type EncodedArray, f64List, ints, type Stored } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
const PATH = "fixtures/decepticons/memory.json";
const FORMAT = "memspec.decepticons.memory.v1";

/** One exact-context expert as the fixture stores it. */
export interface FixtureExpert {
  order: number;
  total: number;
  support: number;
  probs: number[];
}

/** The fixture's layout. */
export interface MemoryFixture {
  format: typeof FORMAT;
  vocab_size: number;
  online: {
    tokens: number[];
    buckets: number;
    /** The 7 features per token, row-major (stored as f64 [tokens, 7]). */
    features_order3: number[];
    /** The same at max_order 4 with the original's shared table. */
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
export async function loadMemoryFixture(): Promise<{ data: MemoryFixture; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<Stored<MemoryFixture>>(PATH, FORMAT);
  return { data: decodeMemoryFixture(data), integrity };
}

/** Decodes the stored file's arrays (i32 token lists, f64 distributions) to plain numbers. */
function decodeMemoryFixture(s: Stored<MemoryFixture>): MemoryFixture {
  const f = f64List;
  const seqs = (as: EncodedArray[], what: string) => as.map((a, i) => ints(a, `${what}[${i}]`));
  const { online, ngram, exact, backoff } = s;
  const tokens = ints(online.tokens, "online.tokens");
  const bucketRows = ngram.bucket_pairs.shape?.[0] ?? 0;
  const pairs = ints(ngram.bucket_pairs, "ngram.bucket_pairs", [bucketRows, 3]);
  return {
    format: s.format,
    vocab_size: s.vocab_size,
    online: {
      tokens,
      buckets: online.buckets,
      features_order3: f(online.features_order3, "online.features_order3", [tokens.length, 7]),
      features_order4_shared: f(
        online.features_order4_shared,
        "online.features_order4_shared",
        [tokens.length, 7],
      ),
    },
    ngram: {
      train: seqs(ngram.train, "ngram.train"),
      test: ints(ngram.test, "ngram.test"),
      buckets: ngram.buckets,
      chosen: {
        unigram: f(ngram.chosen.unigram, "ngram.chosen.unigram"),
        bigram: f(ngram.chosen.bigram, "ngram.chosen.bigram"),
        trigram: f(ngram.chosen.trigram, "ngram.chosen.trigram"),
        max: f(ngram.chosen.max, "ngram.chosen.max"),
      },
      unigram: f(ngram.unigram, "ngram.unigram"),
      bigram_prev: ngram.bigram_prev,
      bigram: f(ngram.bigram, "ngram.bigram"),
      trigram_context: ints(ngram.trigram_context, "ngram.trigram_context", [2]) as [
        number,
        number,
      ],
      trigram: f(ngram.trigram, "ngram.trigram"),
      bucket_pairs: Array.from(
        { length: bucketRows },
        (_, r) => pairs.slice(3 * r, 3 * r + 3) as [number, number, number],
      ),
    },
    exact: {
      train: ints(exact.train, "exact.train"),
      max_order: exact.max_order,
      alpha: exact.alpha,
      contexts: seqs(exact.contexts, "exact.contexts"),
      experts: exact.experts.map((es, i) =>
        es.map((e, j) => ({ ...e, probs: f(e.probs, `exact.experts[${i}][${j}].probs`) }))
      ),
      predictive: exact.predictive.map((p, i) => ({
        ...p,
        probs: f(p.probs, `exact.predictive[${i}].probs`),
      })),
      mix_context: exact.mix_context,
      mix_weights: f(exact.mix_weights, "exact.mix_weights"),
      mix_probs: f(exact.mix_probs, "exact.mix_probs"),
    },
    backoff: {
      train: seqs(backoff.train, "backoff.train"),
      weights_in_sample: f(backoff.weights_in_sample, "backoff.weights_in_sample"),
      nll_in_sample: f(backoff.nll_in_sample, "backoff.nll_in_sample"),
      weights_leave_one_out: f(backoff.weights_leave_one_out, "backoff.weights_leave_one_out"),
      nll_leave_one_out: f(backoff.nll_leave_one_out, "backoff.nll_leave_one_out"),
      probe: ints(backoff.probe, "backoff.probe"),
      probe_chosen_leave_one_out: f(
        backoff.probe_chosen_leave_one_out,
        "backoff.probe_chosen_leave_one_out",
      ),
    },
  };
}
