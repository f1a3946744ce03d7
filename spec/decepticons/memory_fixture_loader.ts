/**
 * Loader of fixtures/decepticons/memory.json (written by
 * fixtures/gen/decepticons_memory_fixtures.py): plain JSON, floats in
 * shortest round-trip form. The sha256 is checked against
 * fixtures/manifest.json when the manifest lists the file.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);
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
 * @throws {Error} when the manifest lists the file with a different sha256.
 * @throws {SyntaxError} when the JSON or its format is wrong.
 */
export async function loadMemoryFixture(): Promise<{ data: MemoryFixture; integrity: string }> {
  const bytes = await Deno.readFile(new URL(PATH, ROOT));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  let integrity = "not listed in fixtures/manifest.json (run `deno task fixtures`)";
  const manifest = JSON.parse(await Deno.readTextFile(new URL("fixtures/manifest.json", ROOT)));
  const entry = manifest?.files?.[PATH];
  if (entry) {
    if (entry.sha256 !== sha) {
      throw new Error(
        `Cannot load ${PATH}: its sha256 ${sha} differs from the manifest's ${entry.sha256}; ` +
          "regenerate with `deno task fixtures`",
      );
    }
    integrity = "manifest sha256 verified";
  }
  let data: MemoryFixture;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new SyntaxError(`Cannot parse ${PATH}: ${e instanceof Error ? e.message : e}`);
  }
  if (data?.format !== "decepticons-memory-v1") {
    throw new SyntaxError(
      `Cannot load ${PATH}: format "${data?.format}" is not decepticons-memory-v1`,
    );
  }
  return { data, integrity };
}
