/**
 * The numpy fixture of the direction tree (fixtures/ams/direction_tree.json, written by
 * fixtures/gen/ams_direction_tree_fixtures.py).
 *
 * @module
 */
import { type EncodedArray, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";

/** Path of the fixture file. */
export const TREE_FIXTURE_PATH = "fixtures/ams/direction_tree.json";
/** Its format. */
export const TREE_FIXTURE_FORMAT = "memspec.ams.direction_tree.v1";

/** A node, decoded: a leaf's ids or an internal node's children. */
export interface StoredStructure {
  ids?: number[];
  children?: StoredStructure[];
}

/** A node as the file holds it: a leaf's ids are an i32 array. */
interface RawStructure {
  ids?: EncodedArray;
  children?: RawStructure[];
}

/** One case, its structures decoded. */
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

/** One case as the file holds it. */
type RawTreeCase =
  & Omit<TreeFixtureCase, "structure_after_insert" | "structure_after_remove">
  & { structure_after_insert: RawStructure; structure_after_remove: RawStructure };

/**
 * Decodes a stored structure, leaf ids from i32 arrays.
 *
 * @throws {SyntaxError} naming the node when a leaf's ids are not a rank-1 i32 array or a node
 *   has neither ids nor children.
 */
function decodeStructure(node: RawStructure, what: string): StoredStructure {
  if (node.ids !== undefined) {
    const ids = ints(node.ids, `${what}.ids`);
    if (node.ids.shape.length !== 1) {
      throw new SyntaxError(
        `Cannot decode fixture array ${what}.ids: expected rank 1 but got shape ` +
          `[${node.ids.shape.join(", ")}]`,
      );
    }
    return { ids };
  }
  if (!Array.isArray(node.children)) {
    throw new SyntaxError(
      `Cannot read ${what}: expected a node with ids or children but got ${JSON.stringify(node)}`,
    );
  }
  return { children: node.children.map((c, i) => decodeStructure(c, `${what}.children[${i}]`)) };
}

/**
 * Loads the cases, decoding the stored structures.
 *
 * @throws {SyntaxError} when the file, its format or a leaf's id array is malformed.
 */
export async function loadTreeFixture(): Promise<{ cases: TreeFixtureCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: RawTreeCase[] }>(
    TREE_FIXTURE_PATH,
    TREE_FIXTURE_FORMAT,
  );
  const cases = data.cases.map((c) => ({
    ...c,
    structure_after_insert: decodeStructure(
      c.structure_after_insert,
      `${TREE_FIXTURE_PATH} ${c.name}.structure_after_insert`,
    ),
    structure_after_remove: decodeStructure(
      c.structure_after_remove,
      `${TREE_FIXTURE_PATH} ${c.name}.structure_after_remove`,
    ),
  }));
  return { cases, integrity };
}

/** Path of the recall reference (the numpy tree's recall over many seeds). */
export const RECALL_FIXTURE_PATH = "fixtures/ams/direction_tree_recall.json";
/** Its format. */
export const RECALL_FIXTURE_FORMAT = "memspec.ams.direction_tree_recall.v1";

/** One (N, σ) setting of the recall reference, its arrays decoded. */
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

/** The recall reference, its arrays decoded. */
export interface RecallReference {
  format: string;
  d: number;
  beam: number;
  k: number;
  settings: RecallReferenceSetting[];
}

/** One setting as the file holds it: seeds and hits are i32 arrays. */
type RawRecallSetting =
  & Omit<RecallReferenceSetting, "seeds" | "hits" | "torch_seeds" | "torch_hits">
  & {
    seeds: EncodedArray;
    hits: EncodedArray;
    torch_seeds: EncodedArray;
    torch_hits: EncodedArray;
  };

/**
 * Loads the recall reference, decoding each setting's seeds and hits (one hit count per seed).
 *
 * @throws {SyntaxError} when the file, its format or an array is malformed, or a setting's hits
 *   are not one per seed.
 */
export async function loadRecallFixture(): Promise<
  { data: RecallReference; integrity: string }
> {
  const { data, integrity } = await loadPinnedJson<
    Omit<RecallReference, "settings"> & { settings: RawRecallSetting[] }
  >(RECALL_FIXTURE_PATH, RECALL_FIXTURE_FORMAT);
  const settings = data.settings.map((s): RecallReferenceSetting => {
    const at = `${RECALL_FIXTURE_PATH} N=${s.n} σ=${s.sigma}`;
    const seeds = ints(s.seeds, `${at} seeds`);
    const torchSeeds = ints(s.torch_seeds, `${at} torch_seeds`);
    return {
      ...s,
      seeds,
      hits: ints(s.hits, `${at} hits`, [seeds.length]),
      torch_seeds: torchSeeds,
      torch_hits: ints(s.torch_hits, `${at} torch_hits`, [torchSeeds.length]),
    };
  });
  return { data: { ...data, settings }, integrity };
}
