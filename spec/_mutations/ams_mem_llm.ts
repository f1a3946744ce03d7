/**
 * Planted bugs of MemLLM4 and the session tiers built on it (impl/ams/mem_llm,
 * impl/ams/session): each a real mistake an implementation could make, and the claims that
 * must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const HOST = "impl/ams/mem_llm/mem_llm.ts";
const TESTS = ["spec/ams/mem_llm/mem_llm_test.ts"];

/** The planted bugs of MemLLM4. */
export const AMS_MEM_LLM_MUTATIONS: readonly Mutation[] = [
  planted("mem_llm", "session_ema_weights_swapped", "forward", {
    file: HOST,
    find: "prev.map((v, j) => SESSION_EMA_DECAY * v + (1 - SESSION_EMA_DECAY) * h[j]!)",
    replace: "prev.map((v, j) => (1 - SESSION_EMA_DECAY) * v + SESSION_EMA_DECAY * h[j]!)",
    tests: TESTS,
    filter: claims("mem_llm", "gpu_parity"),
    why: "the session summary's EMA weights swapped (0.3 on the past, 0.7 on the new state): " +
      "the context bundle reads a summary dominated by the latest write",
  }),
  planted("mem_llm", "time_scalar_off_by_one", "forward", {
    file: HOST,
    find: "await this.#encode(h, 1, [mid, 0, 0], [ids], summary);",
    replace: "await this.#encode(h, 1, [mid + 1, 0, 0], [ids], summary);",
    tests: TESTS,
    filter: claims("mem_llm", "gpu_parity"),
    why: "the absolute time scalar taken after the increment of next_mid (the entry's index + 1)",
  }),
  planted("mem_llm", "heads_summed_not_averaged", "forward", {
    file: HOST,
    find: "out[j] = sum / heads;",
    replace: "out[j] = sum;",
    tests: TESTS,
    filter: claims(
      "mem_llm",
      "gpu_parity",
      "behaviour_end_to_end_lexical",
      "behaviour_end_to_end_bytelm",
    ),
    why: "the per-head attention weights summed instead of averaged (torch's " +
      "average_attn_weights): each bundle's weights sum to the head count",
  }),
  planted("mem_llm", "prefix_not_prepended", "forward", {
    file: HOST,
    find: "      x.set(prefix, 0);\n",
    replace: "",
    tests: TESTS,
    filter: claims("mem_llm", "behaviour_end_to_end_generate"),
    why: "generation feeds zeros where the soft prefix belongs: the LM never reads the memory",
  }),
  planted("mem_llm", "build_one_write_late", "forward", {
    file: HOST,
    find: "? n >= this.cfg.kakeya_min_entries",
    replace: "? n > this.cfg.kakeya_min_entries",
    tests: TESTS,
    filter: claims(
      "mem_llm",
      "behaviour_end_to_end_lexical",
      "behaviour_end_to_end_bytelm",
      "behaviour_rebuild_policy",
    ),
    why: "the registry built only once n exceeds kakeya_min_entries: after the 8th write the " +
      "raw large fields are still stashed and no set is active",
  }),
  planted("mem_llm", "topk_lowest_scores", "forward", {
    file: HOST,
    find: "const ranked = [...fused].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);",
    replace: "const ranked = [...fused].sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, k);",
    tests: TESTS,
    filter: claims("mem_llm", "behaviour_retrieval_topk"),
    why: "the v4.7 filter keeps the k entries of lowest fused score (an ascending sort)",
  }),
  planted("mem_llm", "rebuild_without_reencoding", "training", {
    file: HOST,
    find: "entry.kakeya_handle = next.encode(byMid.get(entry.mid)!);",
    replace: "entry.kakeya_handle = entry.kakeya_handle;",
    tests: TESTS,
    filter: claims("mem_llm", "behaviour_rebuild_policy"),
    why: "a rebuilt registry keeps the handles encoded against the old sets: they decode " +
      "through the new sets' bases and centres into other vectors",
  }),
  planted("mem_llm", "context_check_ignores_prefix", "fault", {
    file: HOST,
    find: "if (need > bb.contextLength!) {",
    replace: "if (need - L > bb.contextLength!) {",
    tests: TESTS,
    filter: claims("mem_llm", "fault"),
    why: "the context-length check forgets the L_mem prefix positions: an over-long sequence " +
      "reaches the LM after the prefix was built",
  }),
  planted("mem_llm", "writes_not_serialised", "forward", {
    file: HOST,
    find: "const run = this.#writes.then(() => this.#write(s));",
    replace: "const run = this.#write(s);",
    tests: TESTS,
    filter: claims("mem_llm", "property_determinism"),
    why: "writes issued without awaiting each interleave at their awaits: several read the same " +
      "next_mid and session summary before any commits",
  }),
  planted("mem_llm", "slot_mass_unweighted", "forward", {
    file: HOST,
    find: "for (let j = 0; j < M; j++) out[j]! += s * attention[b][j]!;",
    replace: "for (let j = 0; j < M; j++) out[j]! += attention[b][j]!;",
    tests: ["spec/ams/session/tier1_test.ts"],
    filter: claims("session", "behaviour_tier1_fresh_attention_uniform"),
    why: "R_A's attention mass summed over the bundles without the 2/6/4 slot weights",
  }),
];
