/**
 * Planted bugs of the hash memory and the substrate transforms
 * (impl/decepticons/hash_memory, impl/decepticons/substrate_transforms and
 * their oracles): each a real mistake an implementation could make, and the
 * claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const HASH = "impl/decepticons/hash_memory/hash_memory.ts";
const XF = "impl/decepticons/substrate_transforms";
const HASH_TEST = ["spec/decepticons/hash_memory/hash_memory_test.ts"];
const XF_TEST = ["spec/decepticons/substrate_transforms/substrate_transforms_test.ts"];
const XF_MECH = "substrate_transforms";
const XF_GRAD_TEST = ["spec/decepticons/substrate_transforms/gradients_test.ts"];

/** The planted bugs of the hash memory and the substrate transforms. */
export const DECEPTICONS_XFORM_MUTATIONS: readonly Mutation[] = [
  planted("hash_memory", "first_row_not_zeroed", "causality", {
    file: HASH,
    find: "valid[0] = 0;",
    replace: "valid[0] = 1;",
    tests: HASH_TEST,
    filter: claims("hash_memory", "property_causality", "divergence_first_output"),
    why: "the t = 0 row (no valid slot) keeps the softmax over its masked keys: out_0 reads the " +
      "block's future positions",
  }),
  planted("hash_memory", "window_reads_current", "forward", {
    file: HASH,
    find: "const ok = j >= i && j <= i + M - 1 && (k > 0 || j >= M);",
    replace: "const ok = j >= i && j <= i + M && (k > 0 || j >= M);",
    tests: HASH_TEST,
    filter: claims("hash_memory", "gpu_parity", "gpu_gradients"),
    why: "the band one key too wide: position t reads its own key and value",
  }),
  planted("hash_memory", "score_scale_dropped", "forward", {
    file: HASH,
    find: "tensor([1 / Math.sqrt(D)], [1])",
    replace: "tensor([1], [1])",
    tests: HASH_TEST,
    filter: claims("hash_memory", "gpu_parity"),
    why: "the scores q·w without the 1/√D scale",
  }),
  planted("hash_memory", "oracle_softmax_grad_unscaled", "oracle", {
    file: "spec/oracle/decepticons/hash_memory.ts",
    find: "const ds = a[j]! * (da[j]! - c) * scale;",
    replace: "const ds = a[j]! * (da[j]! - c);",
    tests: HASH_TEST,
    filter: claims("hash_memory", "oracle_gradcheck", "fixture_parity"),
    why: "the oracle's score gradient without the 1/√D of the forward",
  }),
  planted("hash_memory", "oracle_slot_off_by_one", "fixture", {
    file: "spec/oracle/decepticons/hash_memory.ts",
    find: "if (t - 1 - s >= 0) out.push(Math.floor((t - 1 - s) / M) * M + s);",
    replace: "if (t - s >= 0) out.push(Math.floor((t - s) / M) * M + s);",
    tests: HASH_TEST,
    filter: claims("hash_memory", "fixture_parity"),
    why: "slot s holding position t − s: the memory reads the current position",
  }),
  planted("hash_memory", "init_unseeded", "forward", {
    file: HASH,
    find: "linearInit(seed, prefix + name, fanIn, n);",
    replace: "linearInit(0, prefix + name, fanIn, n);",
    tests: HASH_TEST,
    filter: claims("hash_memory", "property_seeded"),
    why: "every seed draws the same parameters",
  }),
  planted("hash_memory", "zero_width_accepted", "fault", {
    file: HASH,
    find: 'const E = checkInt(OP, "embeddingDim", o.embeddingDim, 1, 4096);',
    replace: 'const E = checkInt(OP, "embeddingDim", o.embeddingDim, 0, 4096);',
    tests: HASH_TEST,
    filter: claims("hash_memory", "fault_validation"),
    why: "an embedding width of 0 accepted at construction",
  }),
  planted(XF_MECH, "router_remainder_dropped", "forward", {
    file: `${XF}/bank_router.ts`,
    find: "for (let m = 0; m < M; m++) expand[bankOf(m, M, n) * M + m] = 1;",
    replace: "for (let m = 0; m < Math.floor(M / n) * n; m++) expand[bankOf(m, M, n) * M + m] = 1;",
    tests: XF_TEST,
    filter: claims(XF_MECH, "divergence_router_banks", "gpu_parity"),
    why: "the remainder modes M mod n get no bank: their drive is zeroed",
  }),
  planted(XF_MECH, "router_empty_banks_accepted", "fault", {
    file: `${XF}/bank_router.ts`,
    find: "if (n > M) {",
    replace: "if (n > M + 1000) {",
    tests: XF_TEST,
    filter: claims(XF_MECH, "divergence_router_banks", "fault_validation"),
    why: "more banks than modes accepted, leaving banks with no mode",
  }),
  planted(XF_MECH, "overwrite_carry_ungated", "forward", {
    file: `${XF}/overwrite_gate.ts`,
    find: "const a = mul(sub(tensor([1], [1]), g), decays ?? this.#d);",
    replace: "const a = mul(sub(tensor([1], [1]), mul(g, tensor([0], [1]))), decays ?? this.#d);",
    tests: XF_TEST,
    filter: claims(XF_MECH, "divergence_overwrite_erases", "gpu_parity"),
    why: "the gate scales the input but not the carried state: an overwrite keeps the history",
  }),
  planted(XF_MECH, "magnitude_factor_on_direction", "forward", {
    file: `${XF}/magnitude.ts`,
    find: "return concat([dir, mul(log(n), gain)], 2);",
    replace: "return concat([mul(dir, log(n)), mul(log(n), gain)], 2);",
    tests: XF_TEST,
    filter: claims(XF_MECH, "divergence_magnitude_sign"),
    why: "the log-magnitude folded into the direction: the sign flips below ‖S‖ = 1",
  }),
  planted(XF_MECH, "magnitude_gain_detached", "backward", {
    file: `${XF}/magnitude.ts`,
    find: 'const gain = sigmoid(this.parameters.get(this.#prefix + "log_gain")!);',
    replace: "const gain = sigmoid(tensor([0], [1]));",
    tests: XF_TEST,
    filter: claims(XF_MECH, "property_gradients"),
    why: "the log-magnitude gain read from a constant: γ never trains",
  }),
  planted(XF_MECH, "temporal_mask_dropped", "causality", {
    file: `${XF}/temporal_attention.ts`,
    find: "host[t * nS + j] = j * I > t ? 1 : 0;",
    replace: "host[t * nS + j] = 0;",
    tests: XF_TEST,
    filter: claims(XF_MECH, "property_causality", "divergence_temporal_causal"),
    why: "no causal mask: every position reads every snapshot, the future included",
  }),
  planted(XF_MECH, "selector_temperature_ignored", "forward", {
    file: `${XF}/mode_selector.ts`,
    find: "tensor([1 / this.temperature], [1])",
    replace: "tensor([1], [1])",
    tests: XF_TEST,
    filter: claims(XF_MECH, "gpu_parity"),
    why: "the mode selector's temperature never applied",
  }),
  planted(XF_MECH, "selector_unseeded", "forward", {
    file: `${XF}/mode_selector.ts`,
    find: 'init: () => linearInit(seed, prefix + "select_w", E, E * M)',
    replace: 'init: () => linearInit(1, prefix + "select_w", E, E * M)',
    tests: XF_TEST,
    filter: claims(XF_MECH, "property_seeded"),
    why: "the selector's weights drawn from a fixed stream whatever the seed",
  }),
  planted(XF_MECH, "oracle_temporal_peeks", "oracle", {
    file: "spec/oracle/decepticons/substrate_transforms.ts",
    find: "if (causal && j * I > t) break;",
    replace: "if (causal && j * I > t + I) break;",
    tests: XF_TEST,
    filter: claims(XF_MECH, "fixture_parity"),
    why: "the oracle's causal attention reads one snapshot ahead",
  }),
  planted(XF_MECH, "decay_range_unchecked", "fault", {
    file: `${XF}/overwrite_gate.ts`,
    find: "if (!(d[i]! >= 0 && d[i]! <= 1)) {",
    replace: "if (!(d[i]! >= 0)) {",
    tests: XF_TEST,
    filter: claims(XF_MECH, "fault_validation"),
    why: "decays above 1 (an unstable bank) accepted",
  }),
  planted(XF_MECH, "oracle_adjoint_ungated", "oracle", {
    file: "spec/oracle/decepticons/substrate_transforms.ts",
    find: "if (t + 1 < s.T) lam *= (1 - gate[i + M]!) * d[m]!;",
    replace: "if (t + 1 < s.T) lam *= d[m]!;",
    tests: XF_GRAD_TEST,
    filter: claims(XF_MECH, "oracle_gradcheck"),
    why: "the oracle's adjoint carries λ through d alone, as the original's after-scan gate " +
      "would, not through the gated decay (1 − g)·d of the recurrence it differentiates",
  }),
  planted(XF_MECH, "sigmoid_grad_drops_y", "backward", {
    file: "impl/ops/unary_defs.ts",
    find: 'sigmoid: { forward: SIG, backward: "g * y * (1.0 - y)" }',
    replace: 'sigmoid: { forward: SIG, backward: "g * (1.0 - y)" }',
    tests: XF_GRAD_TEST,
    filter: claims(XF_MECH, "gpu_gradients"),
    why: "the gates' derivative σ(1 − σ) without its σ factor: every forward is unchanged and " +
      "every gradient stays finite and non-zero (property_gradients passes), only the values " +
      "are wrong",
  }),
];
