/**
 * Planted bugs of the byte LM's readout path (readout kinds, bands, the gated mix and the
 * balance loss wired into impl/decepticons/byte_lm/byte_lm.ts), and the claims of
 * spec/decepticons/byte_lm/readouts_lm_test.ts that must catch them. Spread into the knobs'
 * catalogue (spec/_mutations/decepticons_knobs.ts).
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");

const LM = "impl/decepticons/byte_lm/byte_lm.ts";
const TESTS = ["spec/decepticons/byte_lm/readouts_lm_test.ts"];

/** The LM readout path's planted bugs. */
export const DECEPTICONS_LM_READOUTS_MUTATIONS: readonly Mutation[] = [
  planted("byte_lm_readouts", "additive_mix_unscaled", "forward", {
    file: LM,
    find: ': add(lin.logits, mul(loc, this.#p("local_scale")));',
    replace: ": add(lin.logits, loc);",
    tests: TESTS,
    filter: claims("byte_lm", "gpu_parity_readouts"),
    why: "the additive mix adds the local logits at weight 1 instead of localScale",
  }),
  planted("byte_lm_readouts", "features_without_x", "forward", {
    file: LM,
    find: "const parts = [states, mods.memory !== null ? add(x, mods.memory.forward(x)) : x];",
    replace: "const parts = [states, mods.memory !== null ? add(x, mods.memory.forward(x)) : " +
      "mul(x, tensor([0], [1]))];",
    tests: TESTS,
    filter: claims("byte_lm", "gpu_parity_readouts"),
    why: "the readouts read [S, 0] instead of [S, x]: the current byte's embedding is lost to " +
      "every non-MLP readout and every band",
  }),
  planted("byte_lm_readouts", "hash_memory_replaces_x", "forward", {
    file: LM,
    find: "const parts = [states, mods.memory !== null ? add(x, mods.memory.forward(x)) : x];",
    replace: "const parts = [states, mods.memory !== null ? mods.memory.forward(x) : x];",
    tests: TESTS,
    filter: claims("byte_lm", "gpu_parity_readouts"),
    why: "the hash memory's output replaces the embedding in the readout's input instead of " +
      "being added to it (x ← HashMemory(x), not x + HashMemory(x))",
  }),
  planted("byte_lm_readouts", "gated_mix_bypassed", "forward", {
    file: LM,
    find: "? mods.mix.forward(lin.logits, loc).logits",
    replace: "? add(lin.logits, loc)",
    tests: TESTS,
    filter: claims("byte_lm", "gpu_parity_readouts"),
    why: 'mixMode "gated" builds the gate but adds the local logits ungated',
  }),
  planted("byte_lm_readouts", "balance_not_in_objective", "training", {
    file: LM,
    find: "if (balance !== null && this.config.balanceCoef > 0) {",
    replace: "if (balance !== null && this.config.balanceCoef < 0) {",
    tests: TESTS,
    filter: claims("byte_lm", "property_balance_objective"),
    why: "the routed readouts' balance loss is computed but never added to the training " +
      "objective, so balanceCoef has no effect and the routers may collapse",
  }),
  planted("byte_lm_readouts", "balance_in_every_objective", "training", {
    file: LM,
    find: "const { logits, balance } = this.#forwardParts(tokens, b, t);",
    replace: "const { logits, balance: b0 } = this.#forwardParts(tokens, b, t);\n" +
      "        const balance = b0 ?? mul(sum(logits), tensor([0.001], []));",
    tests: TESTS,
    filter: claims("byte_lm", "property_balance_objective"),
    why: "a readout without a router gets a stand-in penalty in the balance loss's place, so " +
      "balanceCoef changes its steps",
  }),
  planted("byte_lm_readouts", "oracle_injected_adjoint_skips_x", "oracle", {
    file: "spec/oracle/decepticons/byte_lm.ts",
    find: "    dCat = Float64Array.from(inject.dCat);",
    replace: "    dCat = Float64Array.from(inject.dCat, (v, i) => (i % catW < M ? v : 0));",
    tests: TESTS,
    filter: claims("byte_lm", "gpu_gradients_readouts"),
    why: "the oracle's backward from the readouts' adjoints drops the embedding columns of " +
      "∂L/∂[S, x]: the table's gradient would lose the readouts' direct path",
  }),
  planted("byte_lm_readouts", "local_window_reads_future", "causality", {
    file: LM,
    find: "const shifted = j >= t ? pad : concat([pad, slice(tokens, [0, 0], [b, t - j])], 1);",
    replace: "const shifted = j >= t ? pad : concat([slice(tokens, [0, j], [b, t - j]), pad], 1);",
    tests: TESTS,
    filter: claims("byte_lm", "property_readouts_causal"),
    why: "the local window of byte ids is shifted left: position t reads the bytes after it",
  }),
];
