/**
 * Claims of AMS v4's memory store (impl/ams/mem_store/) and of the §6 invariant checkers
 * (invariants/ams_store.ts): `MemStore` and `MemEntry` of
 * FluffyAIcode/AgentMemorySystem:ams_v4/core/mem_store.py and mem_entry.py (PR #30).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Where the store comes from. */
export const STORE_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/core/mem_store.py MemStore, " +
  "ams_v4/core/mem_entry.py MemEntry (PR #30)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** The store fuzzed as a state machine. */
export const STORE_STATE_MACHINE = claim({
  id: "ams.mem_store.property_state_machine",
  statement: "the store fuzzed as a state machine (fast-check model-based commands: add with " +
    "three 1536-d large fields, remove, remove of an absent id, retrieve per bundle, verify, " +
    "Kakeya registry build once n >= 8) agrees with its model after every command: mids " +
    "assigned in order, each of the three trees holds exactly the store's mids, a removed mid " +
    "is never retrieved, retrieve lists are sorted by (−score, mid) with no duplicates and " +
    "each score is the documented one (the leaf cosine plus the centre cosines on the mid's " +
    "path, within 1e-12), " +
    "verifyConsistency reports exactly the pending raw fields the model predicts, and the " +
    "invariant checkers 1–4 give the verdicts the model predicts (2 fails exactly while raw " +
    "fields are pending; 3 and 4, with the axes, pass after the build)",
  source: `${STORE_SOURCE}; ARCHITECTURE_v4.md §6 (the original's own file, invariants 1–4); ` +
    "FluffyAIcode/AgentMemorySystem:ams_v4/tests/test_v41.py (add/remove route to all trees)",
  bound: "command sequences disagreeing with the model == 0 (>= 200 runs, shrinking; seed and " +
    "path printed on failure)",
  kind: "property",
  direction: "==",
});

/** The original's own store tests. */
export const STORE_ORIGINAL_TESTS = claim({
  id: "ams.mem_store.property_original_tests",
  statement: "the original's store tests hold: 5 adds put 5 mids in each of the three trees; a " +
    "remove leaves 5 of 6 in each; verifyConsistency is empty on an empty and on a populated " +
    "store; a raw 1536-d array attached to an entry is flagged by invariant 2, naming it",
  source: "FluffyAIcode/AgentMemorySystem:ams_v4/tests/test_v41.py (test_memstore_add_routes_" +
    "to_all_three_trees, test_memstore_remove_updates_trees, test_memstore_verify_consistency_" +
    "empty/populated, test_memstore_invariant_no_raw_large_fields)",
  bound: "failed checks == 0",
  kind: "property",
  direction: "==",
});

/** Invariant 2's loophole. */
export const STORE_PENDING_LOOPHOLE = claim({
  id: "ams.mem_store.divergence_pending_raw_fields",
  statement: "before the Kakeya registry builds (n < kakeya_min_entries = 8) the store holds " +
    "every memory's three large fields raw (1536-d) in its pending dict: memspec's invariant-2 " +
    "checker reports all 3·n of them at n = 7, while the original's check (tensor attributes " +
    "only) reports none; after the registry builds at n = 8 both report none",
  source: `${STORE_SOURCE} (assert_no_raw_large_fields); ` +
    "FluffyAIcode/AgentMemorySystem:ams_v4/bridge/memllm.py write (_pending_large_fields); " +
    "ARCHITECTURE_v4.md §6 invariant 2",
  bound: "raw fields flagged at n = 7 == 21; the original route's count == 0; after the build " +
    "both == 0",
  kind: "property",
  direction: "==",
  divergence: "invariant 2 (no raw large field stored) passes the original's check while the " +
    "store keeps 3·n raw 1536-d vectors in entry._pending_large_fields, a dict the check does " +
    "not inspect (21 raw fields at n = 7)",
});

/** Invariant 4 never checked through the store. */
export const STORE_ALIGNMENT_ROUTE = claim({
  id: "ams.mem_store.divergence_alignment_unchecked",
  statement: "with the bundle axes, invariant 4 holds right after the registry builds (error <= " +
    "1e-3 for every active set) and reports a set whose base-to-field map changed after the " +
    "build; the original's route (verify_consistency calling verify_invariants(n) without axes) " +
    "reports nothing in either state",
  source: `${STORE_SOURCE} (verify_consistency); ` +
    "FluffyAIcode/AgentMemorySystem:ams_v4/kakeya/registry.py verify_invariants; " +
    "ARCHITECTURE_v4.md §6 invariant 4",
  bound: "sets flagged after the change >= 1; flagged before == 0; the original route's " +
    "failures == 0 in both states",
  kind: "property",
  direction: ">=",
  divergence: "verify_consistency calls registry.verify_invariants(n) without the bundle axes, " +
    "so invariant 4 is never evaluated on that route: a map changed after build (alignment " +
    "error in the detail) passes it",
});

/** Bad input. */
export const STORE_FAULT = claim({
  id: "ams.mem_store.fault",
  statement: "bad input to the store raises a TypeError or RangeError naming what was wrong, " +
    "leaves the store unchanged (mids, next mid, entries, the three trees) and does no GPU " +
    "work: wrong triple dims, a missing field, non-unit dirns and topic base, NaN and infinite " +
    "fields and large fields, retrieving from an empty store, removing a removed or unknown " +
    "mid, an unknown bundle, a query of the wrong dim, an encoder that throws during attach",
  source: "memspec's API contract (the original asserts none of these; its remove ignores an " +
    "absent mid)",
  bound: "cases without the documented error or that change the store == 0",
  kind: "fault",
  direction: "==",
});
