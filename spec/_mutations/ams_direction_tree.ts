/**
 * Planted bugs of AMS v4's direction tree (impl/ams/direction_tree) and memory store
 * (impl/ams/mem_store): each a real mistake an implementation could make, and the claims that
 * must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const TREE_TEST = ["spec/ams/direction_tree/direction_tree_test.ts"];
const STORE_TEST = ["spec/ams/mem_store/mem_store_test.ts"];
const TREE = "impl/ams/direction_tree/direction_tree.ts";
const STORE = "impl/ams/mem_store/mem_store.ts";

/** The planted bugs of the direction tree. */
export const AMS_DIRECTION_TREE_MUTATIONS: readonly Mutation[] = [
  planted("direction_tree", "farthest_first_picks_nearest", "forward", {
    file: TREE,
    find: "if (d2 > bestD2) {",
    replace: "if (-d2 > bestD2) {",
    tests: TREE_TEST,
    filter: claims("direction_tree", "fixture_parity"),
    why: "the k-means init takes the point NEAREST its closest centre instead of the farthest " +
      "(an argmin for an argmax): the initial centres collapse onto already chosen points and " +
      "the split's clusters change",
  }),
  planted("direction_tree", "ancestor_score_not_accumulated", "forward", {
    file: TREE,
    find: "nb.push([nd.children[i]!, sc + sims[i]!]);",
    replace: "nb.push([nd.children[i]!, sims[i]!]);",
    tests: TREE_TEST,
    filter: claims("direction_tree", "fixture_parity"),
    why: "a child's path score is its own centre similarity only, dropping the ancestors' " +
      "(the original sums every centre cosine on the path): beams below depth 1 rank and " +
      "score differently",
  }),
  planted("direction_tree", "split_threshold_at_max_leaf", "forward", {
    file: TREE,
    find: "if (nd.ids.length > this.maxLeaf) this.#split(nd);",
    replace: "if (nd.ids.length >= this.maxLeaf) this.#split(nd);",
    tests: TREE_TEST,
    filter: claims("direction_tree", "fixture_parity", "property_no_split_exact"),
    why: "the leaf splits when it holds tree_max_leaf ids (>=) instead of more than that (>): " +
      "a 20-id tree splits, and every split happens one insert early",
  }),
  planted("direction_tree", "beam_cut_to_one", "forward", {
    file: TREE,
    find: "beams = nb.slice(0, beam);",
    replace: "beams = nb.slice(0, 1);",
    tests: TREE_TEST,
    filter: claims("direction_tree", "behaviour_recall_top3"),
    why: "each level keeps only its best path whatever the beam (a greedy descent): a query " +
      "near a cluster boundary never reaches the leaf of its nearest dirn, and recall falls " +
      "below the numpy reference's",
  }),
  planted("direction_tree", "beam_off_by_one", "forward", {
    file: TREE,
    find: "beams = nb.slice(0, beam);",
    replace: "beams = nb.slice(0, Math.max(1, beam - 1));",
    tests: TREE_TEST,
    filter: claims("direction_tree", "behaviour_recall_top3"),
    why: "the beam keeps one path fewer than asked (an off-by-one in the cut): beam 5 searches " +
      "4 paths per level, and recall with noise at N = 200 falls under the original's 73.5%, " +
      "which the full beam reaches",
  }),
  planted("direction_tree", "ancestor_score_doubled", "forward", {
    file: TREE,
    find: "nb.push([nd.children[i]!, sc + sims[i]!]);",
    replace: "nb.push([nd.children[i]!, 2 * sc + sims[i]!]);",
    tests: TREE_TEST,
    filter: claims("direction_tree", "behaviour_recall_top3"),
    why: "the ancestors' path score is added twice at every level (a running sum added to " +
      "itself): deep leaves outrank the query's nearest dirn in a shallower leaf",
  }),
];

/** The planted bugs of the memory store. */
export const AMS_MEM_STORE_MUTATIONS: readonly Mutation[] = [
  planted("mem_store", "remove_skips_one_tree", "forward", {
    file: STORE,
    find: "for (const b of BUNDLES) this.#trees[b].remove(mid);",
    replace: "for (const b of BUNDLES.slice(1)) this.#trees[b].remove(mid);",
    tests: STORE_TEST,
    filter: claims("mem_store", "property_state_machine", "property_original_tests"),
    why: "remove deletes the mid from the topic and ctx trees but not the time tree: the time " +
      "tree keeps (and retrieves) a removed memory",
  }),
];
