/**
 * Planted bugs of the causal bank's readouts (impl/decepticons/readouts/): each a real mistake
 * an implementation could make, and the claims that must catch it. One or more per claim group:
 * the oracle, the GPU forward of each kind, the balance loss and its gradient, the convex
 * combination, the tied-recursive identity, causality, seeded init, the bands' fixes, the gate's
 * range, validation and training.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const IMPL = "impl/decepticons/readouts";
const FIXTURE_TESTS = ["spec/decepticons/readouts/fixture_test.ts"];
const TESTS = ["spec/decepticons/readouts/readouts_test.ts"];
const GRAD_TESTS = ["spec/decepticons/readouts/gradients_test.ts"];

/** The planted bugs of the readouts. */
export const DECEPTICONS_READOUTS_MUTATIONS: readonly Mutation[] = [
  planted("readouts", "oracle_bias_dropped", "oracle", {
    file: "spec/oracle/decepticons/readouts.ts",
    find: "let s = b ? b[c]! : 0;",
    replace: "let s = 0;",
    tests: FIXTURE_TESTS,
    filter: claims("readouts", "fixture_parity"),
    why: "the oracle's linear layers drop their biases",
  }),
  planted("readouts", "variance_not_centred", "forward", {
    file: `${IMPL}/gated_mix.ts`,
    find: "const c = sub(l, mean(l, 1, true));",
    replace: "const c = sub(l, mul(mean(l, 1, true), mean(l, 1, true)));",
    tests: FIXTURE_TESTS,
    filter: claims("readouts", "gpu_parity"),
    why: "the gate's variance feature centred on the squared mean instead of the mean",
  }),
  planted("readouts", "normalize_ignored", "forward", {
    file: `${IMPL}/tied_embed.ts`,
    find: "if (normalize) {",
    replace: "if (!normalize) {",
    tests: FIXTURE_TESTS,
    filter: claims("readouts", "gpu_parity"),
    why: "the tied readout normalises the embedding rows exactly when it should not",
  }),
  planted("readouts", "tied_recursive_delta_ignored", "forward", {
    file: `${IMPL}/tied_recursive.ts`,
    find: "h = gelu(add(matmul(add(h, delta), w.blockW), w.blockB));",
    replace: "h = gelu(add(matmul(h, w.blockW), w.blockB));",
    tests: FIXTURE_TESTS,
    filter: claims("readouts", "gpu_parity"),
    why: "the per-depth offsets δ never reach the block (invisible at init, where δ = 0)",
  }),
  planted("readouts", "tied_recursive_input_activated", "forward", {
    file: `${IMPL}/tied_recursive.ts`,
    find: "let h = add(matmul(reshape(u, [b * t, this.#inputDim]), w.inW), w.inB);",
    replace: "let h = gelu(add(matmul(reshape(u, [b * t, this.#inputDim]), w.inW), w.inB));",
    tests: TESTS,
    filter: claims("readouts", "property_tied_recursive_unrolled"),
    why: "a GELU on the input projection: one more layer than the D shared applications",
  }),
  planted("readouts", "balance_without_expert_count", "forward", {
    file: `${IMPL}/routed_experts.ts`,
    find: "return mul(sum(mul(f, p)), tensor([e], []));",
    replace: "return sum(mul(f, p));",
    tests: TESTS,
    filter: claims("readouts", "property_balance_values", "gpu_gradients_balance"),
    why: "the Switch loss without its factor E: 1/E for a uniform router instead of 1",
  }),
  planted("readouts", "balance_soft_fractions", "backward", {
    file: `${IMPL}/routed_experts.ts`,
    find: "const f = mean(embedding(tensor(eye, [e, e]), argmax(pi, 1)), 0);",
    replace: "const f = mean(mul(pi, tensor([1], [1])), 0);",
    tests: TESTS,
    filter: claims("readouts", "gpu_gradients_balance"),
    why: "the fractions f taken from the soft router probabilities, so the gradient also " +
      "flows through f",
  }),
  planted("readouts", "mixture_layout", "forward", {
    file: `${IMPL}/routed_experts.ts`,
    find: "reshape(transpose(pi, [1, 0]), [this.experts, n, 1])",
    replace: "reshape(pi, [this.experts, n, 1])",
    tests: TESTS,
    filter: claims("readouts", "property_convex_combination"),
    why: "the router weights [N, E] reshaped as [E, N] without the transpose: each expert " +
      "weighted by other rows' probabilities",
  }),
  planted("readouts", "bands_read_next_step", "causality", {
    file: `${IMPL}/bands.ts`,
    find: "const x = slice(u, [0, 0, M], [b, t, E]);",
    replace: "const x = t > 1\n      ? concat([slice(u, [0, 1, M], [b, t - 1, E]), " +
      "slice(u, [0, t - 1, M], [b, 1, E])], 1)\n      : slice(u, [0, 0, M], [b, t, E]);",
    tests: TESTS,
    filter: claims("readouts", "property_causality"),
    why: "the bands read the embedding of the next step (an off-by-one shift)",
  }),
  planted("readouts", "gru_global_rng", "training", {
    file: `${IMPL}/recurrent.ts`,
    find: "this.#gru = initGruWeights(o.inputDim, hidden, o.seed, gruPrefix);",
    replace: "this.#gru = initGruWeights(o.inputDim, hidden, (Math.random() * 2 ** 32) >>> 0, " +
      "gruPrefix);",
    tests: TESTS,
    filter: claims("readouts", "divergence_seeded_init"),
    why: "the GRU drawn from a global random source, not from the init seed (the original's " +
      "torch global RNG)",
  }),
  planted("readouts", "seed_ignored", "training", {
    file: `${IMPL}/_common.ts`,
    find: "const r = streamOf(this.seed, this.full(local));",
    replace: "const r = streamOf(0, this.full(local));",
    tests: TESTS,
    filter: claims("readouts", "divergence_seeded_init"),
    why: "every readout weight drawn from a fixed seed, whatever the init seed",
  }),
  planted("readouts", "remainder_modes_dropped", "forward", {
    file: `${IMPL}/bands.ts`,
    find: "const width = i === n - 1 ? M - start : w;",
    replace: "const width = w;",
    tests: TESTS,
    filter: claims("readouts", "divergence_band_remainder"),
    why: "the last band reads ⌊M/n⌋ modes like the others: the M mod n remainder is dropped",
  }),
  planted("readouts", "oracle_remainder_modes_dropped", "oracle", {
    file: "spec/oracle/decepticons/readouts.ts",
    find: "const width = k === 0 ? 0 : i === nb - 1 ? M - start : w;",
    replace: "const width = k === 0 ? 0 : w;",
    tests: FIXTURE_TESTS,
    filter: claims("readouts", "fixture_parity"),
    why: "the oracle's last band reads ⌊M/n⌋ modes: the definition drops the remainder that " +
      "torch's band reads",
  }),
  planted("readouts", "unused_full_readout", "forward", {
    file: `${IMPL}/bands.ts`,
    find: "    this.parameters = params;",
    replace: "    const full = new MlpReadout(s.hidden, { ...o, prefix: `${o.prefix}.full` });\n" +
      "    for (const [k, v] of full.parameters) params.set(k, v);\n" +
      "    this.parameters = params;",
    tests: TESTS,
    filter: claims("readouts", "divergence_band_parameters_live"),
    why: "the full readout built beside the bands and never used (dead parameters)",
  }),
  planted("readouts", "tied_bands_not_balanced", "forward", {
    file: `${IMPL}/bands.ts`,
    find: "if (r.balance !== null) balance =",
    replace: 'if (r.balance !== null && l.kind === "routed_sqrelu_experts") balance =',
    tests: FIXTURE_TESTS,
    filter: claims("readouts", "divergence_band_balance"),
    why:
      "only routed_sqrelu_experts bands counted in the balance loss: tied-embedding bands left out",
  }),
  planted("readouts", "gate_unscaled", "forward", {
    file: `${IMPL}/gated_mix.ts`,
    find: "const g = mul(sigmoid(z), tensor([this.localScale], [1]));",
    replace: "const g = sigmoid(z);",
    tests: TESTS,
    filter: claims("readouts", "property_gate_range"),
    why: "the gate not scaled by localScale: it reaches 1 instead of staying below s",
  }),
  planted("readouts", "zero_band_width_accepted", "fault", {
    file: `${IMPL}/bands.ts`,
    find: "if (w < 1) {",
    replace: "if (w < 0) {",
    tests: TESTS,
    filter: claims("readouts", "fault_validation"),
    why: "a band hidden width of 0 not refused where it is computed",
  }),
  planted("readouts", "empty_batch_accepted", "fault", {
    file: `${IMPL}/_common.ts`,
    find: "if (b < 1 || t < 1) {",
    replace: "if (b < 0 || t < 1) {",
    tests: TESTS,
    filter: claims("readouts", "fault_validation", "property_balance_values"),
    why: "a batch of 0 rows let through to the GPU (the balance loss averages over no rows)",
  }),
  planted("readouts", "output_bias_frozen", "training", {
    file: `${IMPL}/_common.ts`,
    find: "const t = tensor(data, shape, { requiresGrad: true });",
    replace: 'const t = tensor(data, shape, { requiresGrad: local !== "out_b" });',
    tests: TESTS,
    filter: claims("readouts", "behaviour_recurrent_trains"),
    why: "the output bias created without a gradient, so training never moves it",
  }),
  planted("readouts", "oracle_relu_square_grad_halved", "oracle", {
    file: "spec/oracle/decepticons/readouts.ts",
    find: "dPre[r * X * H + e * H + k] = v > 0 ? 2 * v * g.dx[r * H + k]! : 0;",
    replace: "dPre[r * X * H + e * H + k] = v > 0 ? v * g.dx[r * H + k]! : 0;",
    tests: GRAD_TESTS,
    filter: claims("readouts", "oracle_gradcheck"),
    why: "the oracle's backward of relu(v)² takes relu(v) for its derivative (the factor 2 lost)",
  }),
  planted("readouts", "oracle_variance_grad_halved", "oracle", {
    file: "spec/oracle/decepticons/readouts.ts",
    find: "dVar * 2 * (l[start + j]! - mean) / v;",
    replace: "dVar * (l[start + j]! - mean) / v;",
    tests: GRAD_TESTS,
    filter: claims("readouts", "oracle_gradcheck"),
    why: "the oracle's gate backward differentiates the variance (ℓ − μ)² as ℓ − μ (factor 2 lost)",
  }),
  planted("readouts", "normalize_norm_detached", "backward", {
    file: `${IMPL}/tied_embed.ts`,
    find: "const norm = sqrt(sum(mul(emb, emb), 1, true));",
    replace: "const norm = sqrt(sum(mul(emb, emb), 1, true));\n" +
      "      norm.node = null;\n      norm.requiresGrad = false;",
    tests: GRAD_TESTS,
    filter: claims("readouts", "gpu_gradients"),
    why: "the embedding rows' norm treated as a constant in the backward (the forward is " +
      "unchanged): the embedding's gradient loses its projection term",
  }),
];
