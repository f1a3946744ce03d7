/**
 * Planted bugs of the causal-bank knobs of the byte LM (hemispheres, blocks, the static gate,
 * polynomial features, training noise, the substrate regulariser, learnable substrates): each a
 * real mistake an implementation could make (several are the original's own defects), and the
 * claims of spec/decepticons/byte_lm/knobs_test.ts that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";
import { DECEPTICONS_LM_READOUTS_MUTATIONS } from "./decepticons_lm_readouts.ts";

const { planted, claims } = mutationsOf("decepticons");

const LM = "impl/decepticons/byte_lm/byte_lm.ts";
const CB = "impl/decepticons/causal_bank";
const ORACLE = "spec/oracle/decepticons/byte_lm.ts";
const TESTS = ["spec/decepticons/byte_lm/knobs_test.ts"];

/** The knobs' planted bugs. */
export const DECEPTICONS_KNOBS_MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ hemispheres
  planted("byte_lm_knobs", "fast_group_base_lr", "training", {
    file: LM,
    find: "if (optFast !== null) optFast.lr = lr * this.config.fastLrMult;",
    replace: "if (optFast !== null) optFast.lr = lr;",
    tests: TESTS,
    filter: claims("byte_lm", "divergence_hemisphere_lr"),
    why: "the fast hemisphere's optimiser group runs at the base learning rate: the fast and " +
      "slow heads move alike, the documented per-hemisphere rate is gone",
  }),
  planted("byte_lm_knobs", "head_split_round_half_up", "forward", {
    file: `${CB}/hemispheres.ts`,
    find: "return f % 2 === 0 ? f : f + 1;",
    replace: "return f + 1;",
    tests: TESTS,
    filter: claims("byte_lm", "property_hemisphere_init"),
    why: "the fast head count rounds ties up (JavaScript's Math.round) where the original's " +
      "Python round goes to even: ten heads at ratio 0.25 get three fast heads, not two",
  }),
  planted("byte_lm_knobs", "fast_logits_range", "forward", {
    file: `${CB}/hemispheres.ts`,
    find: "return Float64Array.from([...linspace(-1.5, 0, f), ...linspace(2, 4, numHeads - f)]);",
    replace:
      "return Float64Array.from([...linspace(-1.5, 0.5, f), ...linspace(2, 4, numHeads - f)]);",
    tests: TESTS,
    filter: claims("byte_lm", "fixture_parity_knobs", "property_hemisphere_init"),
    why: "the fast heads' logit decays end at 0.5 instead of 0: faster heads than the original's",
  }),
  planted("byte_lm_knobs", "hemispheres_without_state_path", "fault", {
    file: LM,
    find: "if (!hasStatePath(c.substrate)) {",
    replace: "if (!hasStatePath(c.substrate) && c.numHeads < 0) {",
    tests: TESTS,
    filter: claims("byte_lm", "fault_knobs"),
    why: "numHemispheres = 2 is accepted for substrates without a state path, where it is " +
      "silently inert (the original's defect)",
  }),
  planted("byte_lm_knobs", "hemisphere_heads_swapped", "forward", {
    file: LM,
    find: "if (groups === 1) return concat([fast, slow], fast.rank - 1);",
    replace: "if (groups === 1) return concat([slow, fast], fast.rank - 1);",
    tests: ["spec/decepticons/byte_lm/gpu_test.ts"],
    filter: claims("byte_lm", "gpu_parity", "gpu_gradients"),
    why: "the fast and slow heads' projections are put back in the wrong order: each head " +
      "reads the other hemisphere's q/k/v columns with its own gates",
  }),
  // ------------------------------------------------------------------ blocks and the gate
  planted("byte_lm_knobs", "gated_blocks_ignore_drive", "forward", {
    file: LM,
    find: "s = this.#pass(x, add(s, phi(s)), b, t, mix);",
    replace: "s = this.#pass(x, hasStatePath(c.substrate) ? drive : add(s, phi(s)), b, t, mix);",
    tests: TESTS,
    filter: claims("byte_lm", "divergence_blocks_every_substrate"),
    why: "the gated substrates read only the embeddings and drop the mixed states, so their " +
      "blocks are a no-op without gradient (the original's defect)",
  }),
  planted("byte_lm_knobs", "strided_sample_window_end", "causality", {
    file: `${CB}/blocks.ts`,
    find: "[0, 0, 0, 0], [b, tp, 1, c]",
    replace: "[0, 0, s - 1, 0], [b, tp, 1, c]",
    tests: TESTS,
    filter: claims("byte_lm", "property_knobs_causal"),
    why: "the strided pass samples the last state of each window of s, so position t reads the " +
      "state at s·⌊t/s⌋ + s − 1 > t: the strided block sees the future",
  }),
  planted("byte_lm_knobs", "static_gate_per_block", "forward", {
    file: LM,
    find: "s = this.#pass(x, add(s, phi(s)), b, t, mix);",
    replace: "s = mul(this.#pass(x, add(s, phi(s)), b, t, mix), c.staticBankGate ? " +
      'staticGate(this.#p("bank_gate_beta"), BANK_GATE_SPAN) : tensor([1], [1]));',
    tests: TESTS,
    filter: claims("byte_lm", "divergence_static_gate_once"),
    why: "the static gate multiplies the states after every block as well as after the loop: " +
      "g^numBlocks (the original's defect)",
  }),
  planted("byte_lm_knobs", "block_mlp_without_relu", "forward", {
    file: `${CB}/blocks.ts`,
    find: "return add(matmul(relu(add(matmul(s, w1), b1)), w2), b2);",
    replace: "return add(matmul(add(matmul(s, w1), b1), w2), b2);",
    tests: ["spec/decepticons/byte_lm/gpu_test.ts"],
    filter: claims("byte_lm", "gpu_parity", "gpu_gradients"),
    why: "the block MLP drops its relu: a linear map instead of the bottleneck MLP",
  }),
  // ------------------------------------------------------------------ polynomial features
  planted("byte_lm_knobs", "cubic_is_square", "forward", {
    file: `${CB}/poly_features.ts`,
    find: "mul(mul(z, z), z)",
    replace: "mul(z, z)",
    tests: TESTS,
    filter: claims("byte_lm", "fixture_parity_knobs"),
    why: "the cheap cubic computes z² instead of z³",
  }),
  planted("byte_lm_knobs", "triu_selects_squares", "forward", {
    file: `${CB}/poly_features.ts`,
    find: "sj[j * pairs + p] = 1;",
    replace: "sj[i * pairs + p] = 1;",
    tests: TESTS,
    filter: claims("byte_lm", "fixture_parity_knobs"),
    why: "the second selector picks z_i again: the quadratic block holds z_i² for every pair " +
      "instead of z_i z_j",
  }),
  planted("byte_lm_knobs", "poly_width_cap", "forward", {
    file: `${CB}/poly_features.ts`,
    find: "return Math.min(POLY_MAX_WIDTH, Math.floor(inputWidth / 4));",
    replace: "return Math.min(32, Math.floor(inputWidth / 4));",
    tests: TESTS,
    filter: claims("byte_lm", "property_poly_dims"),
    why: "the projection is capped at 32 channels instead of 64: the readout input at the " +
      "original's sizes is 848 wide, not 2432",
  }),
  // ------------------------------------------------------------------ noise, regulariser
  planted("byte_lm_knobs", "noise_in_eval", "forward", {
    file: LM,
    find: "if (this.#training && c.trainingNoise > 0) {",
    replace: "if (c.trainingNoise > 0) {",
    tests: TESTS,
    filter: claims("byte_lm", "property_training_noise"),
    why: "the training noise is added in evaluation too: forward is no longer deterministic",
  }),
  planted("byte_lm_knobs", "gate_penalty_on_bias", "training", {
    file: LM,
    find: 'return gateRegularizer(this.#p("gate_w"), scale);',
    replace: 'return gateRegularizer(this.#p("gate_b"), scale);',
    tests: TESTS,
    filter: claims("byte_lm", "divergence_regularizer_gate"),
    why: "the learned-recurrence penalty lands on another parameter than the gate weights, so " +
      "its gradient never reaches W_g (as the original's lands on unused decays)",
  }),
  planted("byte_lm_knobs", "adaptive_scale_linear", "training", {
    file: `${CB}/regularizer.ts`,
    find: "return adaptive ? 1 + Math.sqrt(step / 1000) : 1;",
    replace: "return adaptive ? 1 + step / 1000 : 1;",
    tests: TESTS,
    filter: claims("byte_lm", "fixture_parity_knobs", "divergence_regularizer_gate"),
    why: "adaptiveReg grows linearly with the step instead of with its square root (×5 at step " +
      "4000 instead of ×3)",
  }),
  planted("byte_lm_knobs", "learnable_decays_unread", "training", {
    file: LM,
    find: 'return linearRecurrence(add(zeros, this.#p("decays")), drive, scan).h;',
    replace: "return linearRecurrence(add(zeros, tensor(this.#decays, [c.linearModes])), drive, " +
      "scan).h;",
    tests: TESTS,
    filter: claims("byte_lm", "behaviour_learnable_substrates"),
    why: "learnable_decays runs the fixed bank: its decay parameter never reaches the forward " +
      "and never trains",
  }),
  // ------------------------------------------------------------------ oracle
  planted("byte_lm_knobs", "oracle_block_relu_mask_dropped", "oracle", {
    file: ORACLE,
    find: "const dPreB = dH.map((g, i) => (bt.pre[i]! > 0 ? g : 0));",
    replace: "const dPreB = dH.map((g) => g);",
    tests: ["spec/decepticons/byte_lm/oracle_test.ts"],
    filter: claims("byte_lm", "oracle_gradcheck"),
    why: "the oracle's block backward ignores the relu: gradient through the inactive units",
  }),
  planted("byte_lm_knobs", "oracle_gate_slope_span_dropped", "oracle", {
    file: ORACLE,
    find: "grads.bank_gate_beta = Float64Array.of(0.5 * (1 - t * t) * dg);",
    replace: "grads.bank_gate_beta = Float64Array.of((1 - t * t) * dg);",
    tests: ["spec/decepticons/byte_lm/oracle_test.ts"],
    filter: claims("byte_lm", "oracle_gradcheck"),
    why: "the oracle differentiates g = 1 + 0.5·tanh β without the span: twice the slope",
  }),
  planted("byte_lm_knobs", "oracle_decay_gradient_dropped", "oracle", {
    file: ORACLE,
    find: "grads.decays = colSums(rb.da, M);",
    replace: "grads.decays = new Float64Array(M);",
    tests: ["spec/decepticons/byte_lm/oracle_test.ts"],
    filter: claims("byte_lm", "oracle_gradcheck"),
    why: "the oracle treats the learnable decays as constants: their gradient is zero",
  }),
  planted("byte_lm_knobs", "oracle_pair_counted_once", "oracle", {
    file: ORACLE,
    find: "gradient[i]! += 2 * c * k * (-2 * diff / 0.01);",
    replace: "gradient[i]! += c * k * (-2 * diff / 0.01);",
    tests: TESTS,
    filter: claims("byte_lm", "fixture_parity_knobs"),
    why: "the oracle's diversity gradient counts each pair once although (i, j) and (j, i) both " +
      "move with d_i",
  }),
  planted("byte_lm_knobs", "oracle_upsample_ahead", "oracle", {
    file: ORACLE,
    find: "const k = Math.floor(t / st);",
    replace: "const k = Math.min(Math.ceil(t / st), tp - 1);",
    tests: TESTS,
    filter: claims("byte_lm", "fixture_parity_knobs"),
    why: "the oracle's upsample reads the next strided state (non-causal) instead of the last one",
  }),
  // ------------------------------------------------------------------ the readout path
  ...DECEPTICONS_LM_READOUTS_MUTATIONS,
];
