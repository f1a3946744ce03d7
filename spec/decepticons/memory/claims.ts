/**
 * Claims of the decepticons causal count memories (OnlineCausalMemory,
 * ExactContextMemory with its SupportWeightedMixer, NgramMemory,
 * StatisticalBackoffMemory). The original is asuramaya/decepticons v0.1.3:
 * src/decepticons/online_memory.py, exact_context.py, ngram_memory.py,
 * statistical_backoff.py and their tests.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const DC = "asuramaya/decepticons v0.1.3";
const SRC = `${DC} src/decepticons`;

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

// --- memories ---

/** Every memory is causal (query before update). */
export const MEMORY_CAUSALITY = claim({
  id: "decepticons.memory.property_causality",
  statement: "for every memory, changing the token at position t never changes any prediction " +
    "or feature at positions <= t (query before update)",
  source: `${SRC}/online_memory.py (query before update), exact_context.py, ngram_memory.py, ` +
    "statistical_backoff.py",
  bound: "max |Δ| over rows <= t is exactly 0 (fuzzed lengths, positions and replacement tokens)",
  kind: "property",
});

/** Every predictive distribution is normalised and positive. */
export const MEMORY_NORMALISED = claim({
  id: "decepticons.memory.property_normalised",
  statement: "every predictive distribution sums to 1 and is strictly positive where the " +
    "smoothing mass (α, or a positive mixture weight on smoothed rows) is positive",
  source: `${SRC}/exact_context.py, ngram_memory.py, statistical_backoff.py; ` +
    "tests/test_ngram_memory.py, tests/test_statistical_backoff.py",
  bound: "|Σp − 1| <= 1e-12 (MEMORY_DIST_SUM_ABS) and min p > 0",
  kind: "property",
});

/** Back-off is monotone in the order. */
export const MEMORY_BACKOFF_MONOTONE = claim({
  id: "decepticons.memory.property_backoff_monotone",
  statement: "context totals never increase with the order, the exact-context memory backs off " +
    "to the highest order seen, and the statistical back-off order min(len, 2) never decreases " +
    "along a prefix",
  source: `${SRC}/exact_context.py, statistical_backoff.py; tests/test_statistical_backoff.py`,
  bound: "0 violations over fuzzed streams",
  kind: "property",
});

/** OnlineCausalMemory matches a recount of its history (separate tables per order). */
export const ONLINE_MODEL = claim({
  id: "decepticons.memory.property_online_model",
  statement: "OnlineCausalMemory under random update/query/reset command sequences matches a " +
    "plain recount of the history: every count, every order total (counts conserved) and all " +
    "7 features",
  source: `${SRC}/online_memory.py, OnlineCausalMemory (7 features, reset)`,
  bound: "counts equal exactly; features |Δ| <= 1e-12·max(|f|, 1) (FIXTURE_F64_REL)",
  kind: "property",
});

/** OnlineCausalMemory keeps each order in its own table. */
export const ONLINE_ORDERS_INDEPENDENT = claim({
  id: "decepticons.memory.property_online_orders_independent",
  statement: "orders are kept in separate tables: the features at maxOrder 4 equal those at " +
    "maxOrder 3, and the order-3 counts do not change when order 4 is added",
  source: `${SRC}/online_memory.py, OnlineCausalMemory (one hashed table for orders >= 3)`,
  bound: "max |f(maxOrder 4) − f(maxOrder 3)| = 0 over the fixture stream and fuzzed streams",
  kind: "exact",
  divergence: "The original counts every order >= 3 into ONE hashed table (8192 rows), so 4-gram " +
    "counts pollute the trigram feature f4 (token 0 adds 0 to the XOR hash, so order-4 contexts " +
    "ending in 0 land on trigram rows). A model of that shared table (spec/oracle/decepticons/" +
    "memories.ts, sharedTableTrace) reproduces the cross-talk; the figure's detail gives it.",
});

/** Token ids outside the vocabulary are rejected. */
export const MEMORY_TOKEN_RANGE = claim({
  id: "decepticons.memory.fault_token_range",
  statement: "every memory rejects token ids outside 0..V−1 (negative, too large, fractional) " +
    "with a RangeError naming the token and its index, and keeps ids above 255 when V is larger",
  source: `${SRC}/online_memory.py (no validation); tests/test_exact_context.py, ` +
    "tests/test_ngram_memory.py (ids > 255 at V = 2048)",
  bound: "every case behaves as stated (0 deviations)",
  kind: "fault",
  divergence: "The original's OnlineCausalMemory does not validate: a negative id indexes its " +
    "tables from the end.",
});

/** The numpy f64 memory fixture. */
export const MEMORY_FIXTURE_PARITY = claim({
  id: "decepticons.memory.fixture_parity",
  statement: "the memories match the numpy f64 fixture: online " +
    "features (maxOrder 3, 8192 buckets), n-gram rows, chosen probabilities and buckets, " +
    "exact-context experts, back-off and mix, back-off EG weights",
  source: `${SRC}/ngram_memory.py (bucket functions); fixtures/gen/decepticons_memory_fixtures.py`,
  bound: "counts, orders and buckets equal; values |Δ| <= 1e-12·max(|f|, 1) (FIXTURE_F64_REL)",
  kind: "parity",
});

/** NgramMemory's order modes, sequential update and bucket function. */
export const NGRAM_MODES = claim({
  id: "decepticons.memory.property_ngram_modes",
  statement:
    "NgramMemory: trigram mode uses the unigram at 0 and the bigram at 1; trigram ≡ max; " +
    "updating sequence by sequence equals fitting the list; the 32-bit bucket equals the " +
    "wrapping-uint64 bucket",
  source: `${SRC}/ngram_memory.py, NgramMemory; tests/test_ngram_memory.py`,
  bound: "0 mismatches (bitwise equality) over fuzzed corpora and 500 bucket pairs",
  kind: "exact",
});

/** ExactContextMemory and its SupportWeightedMixer. */
export const EXACT_CONTEXT_MIXER = claim({
  id: "decepticons.memory.property_exact_context_mixer",
  statement: "on 'abab…' orders 1 and 2 after 'ab' prefer 'a' with support > 0; an unseen " +
    "context backs off exactly to the unigram; ids > 255 work at V = 2048; the mixer's weights " +
    "sum to 1 and support shifts mass to the exact expert",
  source: `${SRC}/exact_context.py, ExactContextMemory / SupportWeightedMixer; ` +
    "tests/test_exact_context.py",
  bound: "every case behaves as stated; Σw within 1e-12 of 1",
  kind: "behaviour",
});

/** Back-off weights fitted leave-one-out (the in-sample collapse finding). */
export const BACKOFF_LEAVE_ONE_OUT = claim({
  id: "decepticons.memory.property_backoff_leave_one_out",
  statement: "StatisticalBackoffMemory fits its weights without counting each token in its own " +
    "context: weights on the simplex, EG NLL non-increasing, and on held-out text the " +
    "leave-one-out weights score no worse than the in-sample (original) weights",
  source: `${SRC}/statistical_backoff.py, StatisticalBackoffMemory; ` +
    "tests/test_statistical_backoff.py",
  bound: "held-out bits/token (leave-one-out) − (in-sample) <= 0; |Σw − 1| <= 1e-9",
  kind: "behaviour",
  divergence: "The original builds the fit's likelihood in sample (each token's own count " +
    "included), so the mixture collapses onto the trigram (w = [0, 0, 1.0] on 20 repeats of " +
    "'the quick brown fox…'); fit: \"in_sample\" reproduces it.",
});
