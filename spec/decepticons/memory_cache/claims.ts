/**
 * Claims of the decepticons memory-cache views (asuramaya/decepticons
 * src/decepticons/memory_cache.py, 7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The numpy f64 fixture. */
export const CACHE_FIXTURE = claim({
  id: "decepticons.memory_cache.fixture_parity",
  statement: "the exact-context and statistical back-off cache summaries of 9 contexts (seen, " +
    "unseen, empty) match the numpy f64 fixture: orders, totals, supports, availability, " +
    "active indices, every record's distribution and confidence, and the back-off mixture",
  source: `${SRC}/memory_cache.py; fixtures/gen/decepticons_cache_fixtures.py`,
  bound: "orders, totals, flags and indices equal; values |Δ| <= 1e-12·max(|x|, 1) " +
    "(FIXTURE_F64_REL)",
  kind: "parity",
});

/** The modes are the memories' own predictions. */
export const CACHE_MODES = claim({
  id: "decepticons.memory_cache.property_modes",
  statement: "for fuzzed corpora and contexts the exact cache's active mode equals the memory's " +
    "predictive distribution, the back-off cache's mixed mode equals the memory's prediction, " +
    "an unseen context's active record is the unigram and its highest-order record is uniform, " +
    "and every record is a distribution",
  source: `${SRC}/memory_cache.py; tests/test_memory_cache.py`,
  bound: "max |Δ| = 0 for the mode identities; uniform within 4 ulp (|p·V − 1| <= 2^-50); " +
    "|Σp − 1| <= 1e-12; 0 violations",
  kind: "exact",
});

/** The back-off cache's flag is named for what it is. */
export const CACHE_AVAILABLE = claim({
  id: "decepticons.memory_cache.divergence_available_flag",
  statement: "the back-off cache marks an order `available` when the prefix is long enough and " +
    "reports the context's real count beside it: the unseen context [9, 9] is available at " +
    "order 2 (active) with count 0, and a seen context has its count",
  source: `${SRC}/memory_cache.py (StatisticalBackoffCache records)`,
  bound: "unseen [9, 9]: available = true, active = 2, total = 0; a seen bigram's total = its " +
    "count (0 deviations)",
  kind: "exact",
  divergence: 'The original calls the prefix-length flag "support" and "total" (both 1.0 ' +
    "when |ctx| >= order, else 0), so an unseen [9, 9] reads as an active order-2 record with " +
    "support 1; on the exact-context cache the same word means log1p(count).",
});

/** Bad input. */
export const CACHE_FAULT = claim({
  id: "decepticons.memory_cache.fault",
  statement: "a cache over something that is not the memory is refused at construction; the " +
    'exact cache\'s "mixed" mode (it has no weights), an unknown mode and a context id ' +
    "outside the vocabulary raise a typed error",
  source: `${SRC}/memory_cache.py (mixed raises on the exact cache)`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
