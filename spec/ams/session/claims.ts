/**
 * Claims of the session-viability harness's tier 0 (impl/ams/session/): the harness's
 * plumbing and the lexical floor, with no model.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { SESSION_DATA_SOURCE } from "../../../impl/ams/session/session_data.ts";

/** The harness: fact order, N selection, the hit rule. */
export const SESSION_SOURCE = "FluffyAIcode/AgentMemorySystem:session_viability_v4.py (PR #30): " +
  "--n-facts 10|20 writes the first N of _FACTS_20, the same 10 queries each time, hit = " +
  "keyword.lower() in answer.lower()";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** Each keyword names its gold fact and no other. */
export const SESSION_KEYWORDS = claim({
  id: "ams.session.property_keyword_uniqueness",
  statement: "each of the 10 expected keywords (chopin, beethoven, tokyo, engineer, max, " +
    "mandarin, davis, thai, brown, coral) occurs, as a case-insensitive substring, in exactly " +
    "one of the 20 facts: its gold fact, whose index is the query's index (0..9), so the hit " +
    "rule on a retrieved fact scores retrieval of the gold fact",
  source: `${SESSION_DATA_SOURCE}; ${SESSION_SOURCE}`,
  bound: "(keyword, fact) pairs off the gold diagonal, plus gold facts missing their keyword, == 0",
  direction: "==",
  kind: "exact",
});

/** Fact order and N selection. */
export const SESSION_PLUMBING = claim({
  id: "ams.session.property_plumbing",
  statement: "sessionTier0 writes exactly the first N facts in the harness's order (N = 10: " +
    "piano … sister; N = 20: … honey, checked against the fact texts restated in the test), " +
    "asks the 10 queries in order with their keywords and gold index = query index, and scores " +
    "every row by the substring rule on its own top-1 and top-3 facts",
  source: `${SESSION_DATA_SOURCE}; ${SESSION_SOURCE}`,
  bound: "mismatched facts, rows or scores == 0",
  direction: "==",
  kind: "exact",
});

/** The lexical floor: 9/10 at both N, the miss is the job query. */
export const SESSION_LEXICAL_FLOOR = claim({
  id: "ams.session.behaviour_lexical_floor",
  statement: "tier 0 on the lexical backbone (fitted on the N facts written): retrieval@1 of " +
    "the gold fact is 9/10 at N = 10 and at N = 20, and top-3 is 9/10 too, as the original's " +
    'harness re-run without a model measured; the one miss is "What is my job?", whose stems ' +
    '("job") share no content word with its gold fact ("I work as a software engineer on ' +
    'distributed systems."), so its cosine with every fact is 0',
  source: `${SESSION_SOURCE}; memspec's lexical backbone`,
  bound: "hits at N = 20 == 9; hits at N = 10 == 9; top-3 hits == 9 at both; missed queries " +
    "other than the job query == 0; stems shared by the job query and its gold fact == 0",
  direction: "==",
  kind: "behaviour",
});

/** The substring rule's false positives. */
export const SESSION_HIT_RULE = claim({
  id: "ams.session.divergence_substring_hit_rule",
  statement: "the original's substring hit rule accepts answers that do not contain the keyword " +
    "as a word: of 7 wrong answers restated in the test (maximum, Maxwell, engineering, " +
    "reverse-engineered, Thailand, brownies, Davison), every one is accepted by the substring " +
    "rule and rejected by a whole-word rule, while both rules agree on 6 control answers and on " +
    "every tier-0 row at N = 10 and 20 (so the lexical floor does not depend on the rule)",
  source: `${SESSION_SOURCE}`,
  bound: "wrong answers the substring rule accepts and the word rule rejects >= 1 (here 7); " +
    "disagreements on controls and tier-0 rows == 0",
  direction: ">=",
  kind: "property",
  divergence: 'the harness scores hit = keyword in answer, so "max" matches "maximum" and ' +
    '"engineer" matches "engineering": a generated answer can score a hit without naming the ' +
    "fact's entity; hit rates under this rule are upper bounds of whole-word hit rates",
});

/** Bad input → typed errors, store unchanged. */
export const SESSION_FAULT = claim({
  id: "ams.session.fault",
  statement: "the tier-0 harness refuses nFacts other than 10 or 20 (9, 11, 0, 21, 10.5, " +
    '"10", NaN) and a non-object options with a RangeError or TypeError; the fact store refuses ' +
    "a retrieve on an empty store, k < 1 or fractional, an empty or word-less text, non-UTF-8 " +
    "bytes and a non-string text, and a non-backbone — each typed and named, the store's texts " +
    "and retrievals unchanged afterwards",
  source: `${SESSION_SOURCE} (memspec: typed errors)`,
  bound: "cases failing otherwise == 0",
  direction: "==",
  kind: "fault",
});

/** Tier 1 on the lexical backbone, v4 fresh. */
export const SESSION_TIER1_LEXICAL = claim({
  id: "ams.session.behaviour_tier1_lexical_fresh",
  statement: "tier 1 on the lexical backbone with a fresh v4 (MemLLM4, seed 0, attention over " +
    "every entry as the original): R_C (the topic tree's top-1 for the pooled bare query with " +
    "empty content ids is the gold fact) and R_A (the gold fact holds the largest slot-weighted " +
    '2/6/4 sum of the head-averaged attention for the pooled "User: q\\nAssistant:") stay ' +
    "below the flat-cosine top-1 on the same backbone, which equals the tier-0 floor (9/10) at " +
    "N = 10 and N = 20: an untrained v4 does not pass the relative gate (not below flat cosine)",
  source: "FluffyAIcode/AgentMemorySystem:session_viability_v4.py (PR #30): mode C " +
    "(tree_topic.retrieve of the topic dirn with empty content ids, top-1) and mode A " +
    "(prefix over all memories); ams_v4/bridge/memllm.py",
  bound: "flat-cosine hits − max(R_A hits, R_C hits) >= 1 at N = 10 and at N = 20; flat hits " +
    "== 9 at both",
  direction: ">=",
  kind: "behaviour",
});

/** Near-uniform attention at init. */
export const SESSION_TIER1_UNIFORM = claim({
  id: "ams.session.behaviour_tier1_fresh_attention_uniform",
  statement: "with a fresh v4 on the lexical backbone every fact's slot-weighted attention " +
    "mass lies within 1% of the uniform 12/N for every query at N = 10 and 20, so a fresh " +
    "v4's R_A is decided by sub-percent differences of near-uniform attention, not by a " +
    "memory dominating the prefix",
  source: "FluffyAIcode/AgentMemorySystem:ams_v4/attention/cross_bundle.py (PR #30): per-bundle " +
    "nn.MultiheadAttention with xavier in_proj and zero biases",
  bound: "max over queries and facts of |mass − 12/N| / (12/N) <= 0.01",
  kind: "behaviour",
});

/** Tier 2 = tier 1. */
export const SESSION_TIER2 = claim({
  id: "ams.session.property_tier2_equals_tier1",
  statement: "tier 2 (the extractive reader: the answer is the text of the fact holding the " +
    "most attention, mode A, or of the tree's top-1, mode C, scored with the original's " +
    "substring rule) equals tier 1 row by row at N = 10 and 20, with and without the v4.7 " +
    "top-k filter (k = 4), because each keyword occurs only in its gold fact",
  source: "FluffyAIcode/AgentMemorySystem:session_viability_v4.py (PR #30), the hit rule; " +
    "memspec's tiers",
  bound: "rows where the tier-2 hit differs from the tier-1 hit, or the answer is not the " +
    "chosen fact's text, == 0",
  direction: "==",
  kind: "property",
});

/** Reset and determinism of tier 1. */
export const SESSION_TIER1_RESET = claim({
  id: "ams.session.property_tier1_reset",
  statement: "tier 1 resets the model it is given (a fresh store, registry and session " +
    "summary): a seed-0 MemLLM4 that already holds 9 other memories (a built registry, a " +
    "session summary) gives the table of a fresh seed-0 model bit for bit at N = 10, its mids " +
    "restarting at 0",
  source: "FluffyAIcode/AgentMemorySystem:session_viability_v4.py (PR #30): the store is " +
    "reset per mode",
  bound: "differing rows or masses == 0",
  direction: "==",
  kind: "property",
});

/** Bad options of tier 1. */
export const SESSION_TIER1_FAULT = claim({
  id: "ams.session.fault_tier1",
  statement: "sessionTier1 refuses nFacts other than 10 or 20, a non-object options, a model " +
    "that is not a MemLLM4, a null backbone or makeModel, and a makeModel that returns no " +
    "MemLLM4, each with a typed error named in its message, before writing anything",
  source: "memspec (typed errors)",
  bound: "cases failing otherwise == 0",
  direction: "==",
  kind: "fault",
});
