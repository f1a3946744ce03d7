/**
 * Claims of MemLLM4, AMS v4 end to end (impl/ams/mem_llm/): the write path, the decode
 * context, greedy generation with a soft prefix (a stub LM and memspec's byte LM), the Kakeya build and memspec's rebuild
 * policy, the v4.7 tree top-k filter, weights and checkpoints, and bad input.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** The original's end-to-end module. */
export const MEM_LLM_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/bridge/memllm.py and " +
  "bridge/backbone.py (PR #30)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** The write path and the prefix against the oracles. */
export const ML_GPU_PARITY = claim({
  id: "ams.mem_llm.gpu_parity",
  statement: "after 6 writes on the lexical backbone (d_LLM 16, Cfg4's bundle dims and heads), " +
    "every stored (base, fiber, dirn) triple equals the encoders' oracle on the original's " +
    "write-path inputs — h the pooled state, time scalars (next_mid, 0, 0), surprise 0, every " +
    "token id of the text as content ids, the session summary s₁ = h₁, s_t = 0.7·s_{t−1} + " +
    "0.3·h_t, no previous turns — and the decode context's prefix and head-averaged attention " +
    "weights equal the cross-bundle oracle on the stored fibers and the prompt's pooled state; " +
    "the stashed large fields are exactly semantic_emb = h, content_wte_mean = the mean of " +
    "the normalised embedding rows of the ids, context_descriptor = ctx_base zero-padded",
  source: `${MEM_LLM_SOURCE} (write steps 1–5, prepare_decode_context); ` +
    "spec/oracle/ams/{mem_llm,encoders,cross_bundle}.ts",
  bound: "error/bound <= 1 per element, the bound from the tracked replay of every f32 op " +
    "(for the head average, the mean of the heads' bounds plus one f32 rounding); unequal " +
    "large fields == 0",
  kind: "parity",
});

/** End to end on the lexical backbone. */
export const ML_END_TO_END_LEXICAL = claim({
  id: "ams.mem_llm.behaviour_end_to_end_lexical",
  statement: "on the lexical backbone (d_LLM 256): after 6 writes with kakeya_min_entries 4 " +
    "(the original's smoke test) and after 8 writes with Cfg4's 8, the store's consistency " +
    "check is empty (triple dims, no raw large field left — the stashes were encoded — every " +
    "tree's ids = the store's), the registry was built exactly once and has 4 ≥ 2 active " +
    "sets, its invariants 3 and 4 hold against the bundles' canonical axes, every entry holds " +
    "a handle, and the decode prefix is [1, 12, 256], finite, with each bundle's head-averaged " +
    "attention summing to 1 over the 6 (8) entries",
  source: `${MEM_LLM_SOURCE}; FluffyAIcode/AgentMemorySystem:tests/test_v45_smoke.py ` +
    "(kakeya_min_entries 4, 6 writes)",
  bound: "failed checks == 0",
  direction: "==",
  kind: "behaviour",
});

/** End to end with a causal LM: generate. */
export const ML_END_TO_END_GENERATE = claim({
  id: "ams.mem_llm.behaviour_end_to_end_generate",
  statement: "with a deterministic stub causal LM as backbone (bytes as tokens, d 256, logits " +
    "a fixed linear map of the causal mean of the input embeddings), after 6 writes " +
    "(kakeya_min_entries 4) and 8 writes (8) the store and registry checks of the lexical " +
    "claim hold, and generate(prompt, 12) returns text: exactly the 12 tokens the original's " +
    "greedy loop (no KV cache; inputs [prefix; embedded prompt and generated tokens]; argmax " +
    "of the last position) picks on the decode context's prefix, restated in the oracle, " +
    "with one LM call per token; and the prefix steers it: the same loop on a zero prefix " +
    "gives another text",
  source: `${MEM_LLM_SOURCE} (generate); spec/oracle/ams/mem_llm.ts greedyOracle`,
  bound: "failed checks and mismatched tokens == 0",
  direction: "==",
  kind: "behaviour",
});

/** End to end on memspec's byte LM (the committed checkpoint). */
export const ML_END_TO_END_BYTELM = claim({
  id: "ams.mem_llm.behaviour_end_to_end_bytelm",
  statement: "on memspec's causal-bank byte LM as backbone (the committed checkpoint, d_LLM 64, " +
    "bytes as tokens): after 6 writes (kakeya_min_entries 4) and 8 writes (Cfg4's 8) the store " +
    "and registry checks of the lexical claim hold (consistency, one build, ≥ 2 active sets, " +
    "invariants 3 and 4 against the canonical axes, a handle per entry, a finite [1, 12, 64] " +
    "prefix, each bundle's attention summing to 1), and generate(prompt, 12) returns text: the " +
    "12 bytes a host greedy loop (logits read back every byte, the original's loop) picks on " +
    "the decode context's prefix",
  source: `${MEM_LLM_SOURCE}; FluffyAIcode/AgentMemorySystem:tests/test_v45_smoke.py ` +
    "(kakeya_min_entries 4, 6 writes); memspec's byte LM (impl/apps/ams_byte_lm_backbone.ts)",
  bound: "failed checks and mismatched bytes == 0",
  direction: "==",
  kind: "behaviour",
});

/** Determinism and the weights round trip. */
export const ML_DETERMINISM = claim({
  id: "ams.mem_llm.property_determinism",
  statement: "two MemLLM4s of one seed given the same writes (the second issuing all of them " +
    "at once, without awaiting each) store bit-identical triples and give bit-identical " +
    "decode contexts; a third built from the first's namedWeights (another " +
    "seed) does too, and so does a fourth after loadWeights of them; a fifth of another seed " +
    "gives a different prefix",
  source: `${MEM_LLM_SOURCE} (memspec: seeded init, named weights)`,
  bound: "differing values between the copies == 0; the other seed differs (1 check)",
  direction: "==",
  kind: "property",
});

/** The original's build-once vs memspec's rebuild policy. */
export const ML_REBUILD = claim({
  id: "ams.mem_llm.behaviour_rebuild_policy",
  statement: 'with rebuildPolicy "once" (the original) 16 writes build the registry once, at ' +
    "the 8th, and the 8 entries written after it decode semantic_emb with median relative " +
    "error above 0.65 (they lie outside the first 8 entries' PCA subspace); with memspec's " +
    "policy the registry is rebuilt from every stored entry — here when the 4 writes after " +
    "the first build had median write-time error above kakeya_reconstruction_tol 0.15, at " +
    "n = 13 — and right after every build every entry decodes within 0.65 = 3·0.15 + 0.2 " +
    "(the original's in-sample bar); the store stays consistent under both policies",
  source: `${MEM_LLM_SOURCE} (write step 9); memspec's rebuild policy (impl/ams/kakeya); ` +
    "FluffyAIcode/AgentMemorySystem:tests/test_v43.py (the 3·tol + 0.2 bar)",
  bound: "failed checks == 0",
  direction: "==",
  kind: "behaviour",
});

/** The v4.7 tree top-k filter. */
export const ML_TOPK = claim({
  id: "ams.mem_llm.behaviour_retrieval_topk",
  statement: "with retrievalTopK = 4 over 10 entries the decode context attends exactly the 4 " +
    "entries of highest fused tree score Σ_b score_b (recomputed from the store's three trees " +
    "and the model's query dirns), each bundle's weights summing to 1 over them; with " +
    "retrievalTopK ≥ M the context is bit-identical to the original's (no filter)",
  source: "the original's v4.7 follow-up scope (retrieve top-k via a fused score across the " +
    `three bundle trees before cross-bundle attention); ${MEM_LLM_SOURCE}`,
  bound: "failed checks == 0",
  direction: "==",
  kind: "behaviour",
});

/** Bad input. */
export const ML_FAULT = claim({
  id: "ams.mem_llm.fault",
  statement: "MemLLM4 refuses, with a typed error naming what was wrong, before any GPU work " +
    "and leaking no buffer, leaving the store, session summary, registry and weights " +
    "unchanged: writing an empty string, empty bytes, non-UTF-8 bytes, a number or a " +
    "word-less text; a decode context or generation on an empty store; generation on a " +
    "retrieval-only backbone, with maxNewTokens 0 or 2.5, or with L_mem + prompt + " +
    "maxNewTokens beyond the LM's context (including L_mem alone beyond it); weights or a " +
    "checkpoint of another config (d_LLM 32 into 16), an unknown or missing weight name; a " +
    "backbone of another width than cfg.d_LLM, retrievalTopK 0",
  source: `${MEM_LLM_SOURCE} (memspec: typed errors)`,
  bound: "cases failing otherwise == 0",
  direction: "==",
  kind: "fault",
});
