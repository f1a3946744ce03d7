/**
 * Planted bugs of the byte LM's full gradient on the readout path (the tied readout's share of
 * the embedding table in impl/decepticons/byte_lm/byte_lm.ts, and the oracle's full backward
 * spec/oracle/decepticons/byte_lm_full_backward.ts), and the claim of
 * spec/decepticons/byte_lm/gradients_full_test.ts that must catch them.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");

const LM = "impl/decepticons/byte_lm/byte_lm.ts";
const ORACLE = "spec/oracle/decepticons/byte_lm_full_backward.ts";
const TESTS = ["spec/decepticons/byte_lm/gradients_full_test.ts"];
const FILTER = claims("byte_lm", "gpu_gradients_full");

/** The full LM gradient's planted bugs. */
export const DECEPTICONS_GRADLM_MUTATIONS: readonly Mutation[] = [
  planted("byte_lm_full", "tied_table_gradient_dropped", "backward", {
    file: LM,
    find: '{ embedding: this.#p("embedding") }',
    replace: '{ embedding: noGrad(() => mul(this.#p("embedding"), tensor([1], [1]))) }',
    tests: TESTS,
    filter: FILTER,
    why: "the tied readouts read a detached copy of the embedding table: the logits are right " +
      "but the table's gradient loses the readout's share and trains on the input path alone",
  }),
  planted("byte_lm_full", "oracle_tied_share_dropped", "oracle", {
    file: ORACLE,
    find: "if (rg.dEmbedding !== null) {",
    replace: "if (rg.dEmbedding !== null && rg.du.length < 0) {",
    tests: TESTS,
    filter: FILTER,
    why: "the oracle's full backward leaves the tied readout's gradient out of the embedding " +
      "table's (the input path's only)",
  }),
  planted("byte_lm_full", "oracle_additive_local_unscaled", "oracle", {
    file: ORACLE,
    find: "dLoc = dLogits.map((g) => g * c.localScale);",
    replace: "dLoc = Float64Array.from(dLogits);",
    tests: TESTS,
    filter: FILTER,
    why: "the additive mix's backward hands the local readout ∂L/∂logits instead of " +
      "localScale·∂L/∂logits",
  }),
  planted("byte_lm_full", "oracle_gru_out_bias_zeroed", "oracle", {
    file: ORACLE,
    find: '"readout.out_b": out.db,',
    replace: '"readout.out_b": new Float64Array(out.db.length),',
    tests: TESTS,
    filter: FILTER,
    why: "the GRU readout's output bias gets a zero gradient",
  }),
  planted("byte_lm_full", "oracle_mix_gate_bias_zeroed", "oracle", {
    file: ORACLE,
    find: 'grads["mix.gate_b"] = Float64Array.of(m.dB);',
    replace: 'grads["mix.gate_b"] = Float64Array.of(0);',
    tests: TESTS,
    filter: FILTER,
    why: "the gated mix's gate bias gets a zero gradient",
  }),
  planted("byte_lm_full", "oracle_balance_dropped", "oracle", {
    file: ORACLE,
    find: "if (balanceCoef > 0) {",
    replace: "if (balanceCoef < 0) {",
    tests: TESTS,
    filter: FILTER,
    why: "the oracle's objective drops the routers' balance loss: balanceCoef takes no part in " +
      "the gradients it is compared with",
  }),
  planted("byte_lm_full", "oracle_balance_coefficient_on_u_dropped", "oracle", {
    file: ORACLE,
    find: "rg.du[i]! += balanceCoef * bb.du[i]!;",
    replace: "rg.du[i]! += bb.du[i]!;",
    tests: TESTS,
    filter: FILTER,
    why: "the balance loss's coefficient is dropped on its way to the features: the substrate " +
      "and the embedding get the unweighted balance gradient",
  }),
  planted("byte_lm_full", "oracle_hash_x_path_dropped", "oracle", {
    file: ORACLE,
    find: "for (let d = 0; d < E; d++) dCat[n * F + M + d]! += hg.x[n * E + d]!;",
    replace: "for (let d = 0; d < E; d++) dCat[n * F + M + d]! += 0 * hg.x[n * E + d]!;",
    tests: TESTS,
    filter: FILTER,
    why: "the hash memory's ∂L/∂x never reaches the embedding table (the memory reads x, but " +
      "the backward keeps only the direct path)",
  }),
  planted("byte_lm_full", "oracle_ce_gradient_summed", "oracle", {
    file: ORACLE,
    find: "(j === t ? 1 : 0)) / N;",
    replace: "(j === t ? 1 : 0));",
    tests: TESTS,
    filter: FILTER,
    why: "the oracle differentiates the summed cross-entropy instead of the mean (every " +
      "gradient N times too large)",
  }),
];
