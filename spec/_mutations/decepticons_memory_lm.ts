/**
 * Planted bugs of the byte LM's online memory (impl/decepticons/memory/online_causal_gpu.ts and
 * the `memoryKind` lines of impl/decepticons/byte_lm/byte_lm.ts), and the claims of
 * spec/decepticons/byte_lm/memory_lm_test.ts that must catch them.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");

const LM = "impl/decepticons/byte_lm/byte_lm.ts";
const KERNEL = "impl/decepticons/memory/online_causal_gpu.ts";
const TESTS = ["spec/decepticons/byte_lm/memory_lm_test.ts"];

/** The online memory's planted bugs. */
export const DECEPTICONS_MEMORY_LM_MUTATIONS: readonly Mutation[] = [
  planted("memory", "query_after_update", "causality", {
    file: KERNEL,
    find: "for (var s = 0u; s < t; s++) {",
    replace: "for (var s = 0u; s <= t; s++) {",
    tests: TESTS,
    filter: claims("memory", "property_online_features_causal"),
    why: "the memory is updated with x_t before it is queried at t: the features at t count the " +
      "very token the model predicts from them (a leak of x_t)",
  }),
  planted("memory", "trigram_row_is_bigram", "forward", {
    file: KERNEL,
    find: "m4 = max(m4, tri[v]);",
    replace: "m4 = max(m4, bi[v]);",
    tests: TESTS,
    filter: claims("memory", "gpu_parity_online_features"),
    why: "f4 reads the bigram row's largest count instead of the trigram row's",
  }),
  planted("byte_lm_memory", "gate_initialised_to_one", "forward", {
    file: LM,
    find: 'param("memory_gate", zerosOf(1), [1]);',
    replace: 'param("memory_gate", [1], [1]);',
    tests: TESTS,
    filter: claims("byte_lm", "divergence_memory_active_at_init"),
    why: "the memory gate starts at 1 (σ = 0.73) instead of the original's 0 (σ = 1/2)",
  }),
  planted("byte_lm_memory", "projection_sized_m_plus_e", "forward", {
    file: LM,
    find: 'param("memory_w", xavier("memory_w", OCM_FEATURES, readIn), [OCM_FEATURES, readIn]);\n' +
      '        param("memory_b", zerosOf(readIn), [readIn]);',
    replace:
      'param("memory_w", xavier("memory_w", OCM_FEATURES, M + E), [OCM_FEATURES, M + E]);\n' +
      '        param("memory_b", zerosOf(M + E), [M + E]);',
    tests: TESTS,
    filter: claims("byte_lm", "divergence_memory_poly_width"),
    why: "the memory projection is sized M + E as in the original, so the substrate's " +
      "polynomial terms make the residual's width differ from the readout input's",
  }),
  planted("byte_lm_memory", "residual_ungated", "forward", {
    file: LM,
    find: 'return add(u, mul(proj, sigmoid(this.#p("memory_gate"))));',
    replace: "return add(u, proj);",
    tests: TESTS,
    filter: claims("byte_lm", "gpu_parity_memory"),
    why: "the residual skips the gate σ(memory_gate): f W + b joins u at weight 1",
  }),
  planted("byte_lm_memory", "oracle_gate_grad_unscaled", "oracle", {
    file: "spec/oracle/decepticons/byte_lm.ts",
    find: "memory_gate: Float64Array.of(dSig * m.sig * (1 - m.sig)),",
    replace: "memory_gate: Float64Array.of(dSig),",
    tests: TESTS,
    filter: claims("byte_lm", "oracle_gradcheck_memory"),
    why: "the oracle's gate gradient skips the sigmoid's derivative σ(1 − σ)",
  }),
  planted("byte_lm_memory", "bands_rule_skipped", "fault", {
    file: LM,
    find: "    memoryKind: c.memoryKind,\n",
    replace: "",
    tests: TESTS,
    filter: claims("byte_lm", "fault_memory"),
    why: "memoryKind is not passed to the causal-bank validation, so a memory with readout " +
      "bands (which no band reads) is accepted",
  }),
  planted("byte_lm_memory", "embeds_accepted", "fault", {
    file: LM,
    find: '    if (this.config.memoryKind !== "none") {\n      throw new RangeError(\n' +
      "        `Cannot run ${ID}.forwardEmbeds",
    replace: "    if (this.config.memoryKind.length < 0) {\n      throw new RangeError(\n" +
      "        `Cannot run ${ID}.forwardEmbeds",
    tests: TESTS,
    filter: claims("byte_lm", "fault_memory"),
    why: "forwardEmbeds with a memory is not refused up front (it has no ids to count)",
  }),
];
