/**
 * The numpy fixture of the direction tree (fixtures/ams/direction_tree.json, written by
 * fixtures/gen/ams_direction_tree_fixtures.py).
 *
 * @module
 */
import type { EncodedArray } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";

/** Path of the fixture file. */
export const TREE_FIXTURE_PATH = "fixtures/ams/direction_tree.json";
/** Its format. */
export const TREE_FIXTURE_FORMAT = "memspec.ams.direction_tree.v1";

/** A node as stored: a leaf's ids or an internal node's children. */
export interface StoredStructure {
  ids?: number[];
  children?: StoredStructure[];
}

/** One case as stored. */
export interface TreeFixtureCase {
  name: string;
  d: number;
  tree_k: number;
  max_leaf: number;
  beam: number;
  dirns: EncodedArray;
  removed: EncodedArray;
  structure_after_insert: StoredStructure;
  structure_after_remove: StoredStructure;
  queries: EncodedArray;
  results: { ids: EncodedArray; scores: EncodedArray }[];
}

/** Loads the cases. */
export async function loadTreeFixture(): Promise<{ cases: TreeFixtureCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TreeFixtureCase[] }>(
    TREE_FIXTURE_PATH,
    TREE_FIXTURE_FORMAT,
  );
  return { cases: data.cases, integrity };
}

/** Path of the recall reference (the numpy tree's recall over many seeds). */
export const RECALL_FIXTURE_PATH = "fixtures/ams/direction_tree_recall.json";
/** Its format. */
export const RECALL_FIXTURE_FORMAT = "memspec.ams.direction_tree_recall.v1";

/** One (N, σ) setting of the recall reference as stored. */
export interface RecallReferenceSetting {
  /** Stored dirns (and self-queries) per tree. */
  n: number;
  /** Query noise σ: the query is normalise(v + σ·g). */
  sigma: number;
  /** The numpy seeds (default_rng). */
  seeds: number[];
  /** Queries whose brute-force best is in the top k, per seed. */
  hits: number[];
  /** Queries over all seeds. */
  queries: number;
  /** Pooled recall: Σ hits / queries. */
  recall: number;
  /** Standard deviation (n − 1) of the per-seed recalls. */
  seed_sd: number;
  /** The torch seeds (torch.manual_seed) of the same protocol on torch's draws. */
  torch_seeds: number[];
  /** Hits per torch seed. */
  torch_hits: number[];
  /** Pooled recall on torch's draws. */
  torch_recall: number;
}

/** The recall reference as stored. */
export interface RecallReference {
  format: string;
  d: number;
  beam: number;
  k: number;
  settings: RecallReferenceSetting[];
}

/** Loads the recall reference. */
export async function loadRecallFixture(): Promise<
  { data: RecallReference; integrity: string }
> {
  return await loadPinnedJson<RecallReference>(RECALL_FIXTURE_PATH, RECALL_FIXTURE_FORMAT);
}
