/**
 * Planted bugs of the GRU building block (impl/nn/gru/): each a real mistake a GRU
 * implementation could make, and the claims of spec/nn/gru/ that must catch it. Layers:
 * the forward kernel (gate rows, the state update's convention), the backward kernel (a
 * gate derivative, the carried adjoint, the previous state of ∂W_hh), causality (a step
 * reading the next input), h0, the seeded init, validation, and the f64 oracle. Every
 * mutated WGSL still compiles and keeps its bindings.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("nn");

const HOST = "impl/nn/gru/gru.ts";
const KERNEL = "impl/nn/gru/kernels/recurrence.ts";
const ORACLE = "spec/oracle/nn/gru.ts";
const TESTS = ["spec/nn/gru/gru_test.ts"];
const FIXTURES = ["spec/nn/gru/fixtures_test.ts"];

/** The GRU's planted bugs. */
export const NN_GRU_MUTATIONS: readonly Mutation[] = [
  planted("gru", "reset_reads_update_rows", "forward", {
    file: KERNEL,
    find: "ar += wt[row] * hk;",
    replace: "ar += wt[row + ${H}] * hk;",
    tests: TESTS,
    filter: claims("gru", "gpu_parity"),
    why: "the reset gate's recurrent product reads the update gate's rows of W_hh (a gate " +
      "order other than torch's [r; z; n], e.g. Keras's [z; r; h])",
  }),
  planted("gru", "update_gate_on_candidate", "forward", {
    file: KERNEL,
    find: "let hn = n + z * (hp - n);",
    replace: "let hn = hp + z * (n - hp);",
    tests: FIXTURES,
    filter: claims("gru", "fixture_parity"),
    why: "h' = (1 − z)·h + z·n: the update gate weighting the candidate instead of the old " +
      "state (the convention of some papers and libraries, not torch's)",
  }),
  planted("gru", "update_derivative_missing_one_minus", "backward", {
    file: KERNEL,
    find: "let dpz = dz * (z * (1.0 - z));",
    replace: "let dpz = dz * z;",
    tests: TESTS,
    filter: claims("gru", "gpu_gradients"),
    why: "the update gate's sigmoid derivative taken as z instead of z(1 − z)",
  }),
  planted("gru", "carry_drops_direct_path", "backward", {
    file: KERNEL,
    find: "var acc = dc[j];",
    replace: "var acc = 0.0;",
    tests: TESTS,
    filter: claims("gru", "gpu_gradients"),
    why: "the carried adjoint loses the direct path ∂h_t/∂h_{t−1} = z (only the paths " +
      "through the gates' W_hh products remain)",
  }),
  planted("gru", "whh_grad_current_state", "backward", {
    file: HOST,
    find: "slice(hs, [0, 0, 0], [B, T - 1, H])",
    replace: "slice(hs, [0, 1, 0], [B, T - 1, H])",
    tests: TESTS,
    filter: claims("gru", "gpu_gradients"),
    why: "∂W_hh formed with h_t instead of h_{t−1} for t ≥ 1 (an off-by-one in the shifted states)",
  }),
  planted("gru", "reads_next_input", "causality", {
    file: KERNEL,
    find: "let g = st * ${3 * h}u;",
    replace: "let g = min(st + 1u, b * p.tm + p.tm - 1u) * ${3 * h}u;",
    tests: TESTS,
    filter: claims("gru", "property_causal"),
    why: "step t reads the input projection of step t + 1: a state sees the next input",
  }),
  planted("gru", "ignores_h0", "forward", {
    file: KERNEL,
    find: "if (p.t0 == 0u) { hsh[j] = h0[b * ${H} + j]; }",
    replace: "if (p.t0 == 0u) { hsh[j] = 0.0 * h0[b * ${H} + j]; }",
    tests: TESTS,
    filter: claims("gru", "property_h0"),
    why: "the forward starts from zeros whatever h0 the caller passed",
  }),
  planted("gru", "init_bound_from_input_size", "forward", {
    file: HOST,
    find: "const k = 1 / Math.sqrt(H);",
    replace: "const k = 1 / Math.sqrt(inputSize);",
    tests: TESTS,
    filter: claims("gru", "divergence_seeded_init"),
    why: "the init range taken from the input size instead of the hidden size (torch's " +
      "reset_parameters uses 1/√hidden_size for every tensor)",
  }),
  planted("gru", "init_stream_ignores_prefix", "forward", {
    file: HOST,
    find: "const r = new Rng(hashU32(seed, nameHash(name)));",
    replace: "const r = new Rng(hashU32(seed, nameHash(name.slice(prefix.length))));",
    tests: TESTS,
    filter: claims("gru", "divergence_seeded_init"),
    why: "the random streams keyed by the tensor name without its prefix: two GRUs of one model " +
      "(e.g. a readout and a patch decoder) start from the same weights",
  }),
  planted("gru", "h0_shape_unchecked", "fault", {
    file: HOST,
    find: 'want("h0", h0, [B, H]);',
    replace: "void want;",
    tests: TESTS,
    filter: claims("gru", "fault"),
    why: "h0's shape is not checked: a wrong-sized state is read out of bounds instead of refused",
  }),
  planted("gru", "oracle_reset_derivative", "oracle", {
    file: ORACLE,
    find: "const dr = dn * fwd.gh[o + 2 * H + j]! * r * (1 - r);",
    replace: "const dr = dn * fwd.gh[o + 2 * H + j]! * r;",
    tests: TESTS,
    filter: claims("gru", "oracle_gradcheck"),
    why: "the oracle's reset-gate derivative taken as r instead of r(1 − r)",
  }),
];
