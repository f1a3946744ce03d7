/**
 * Planted bugs of the fastweights family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("fastweights");

// --- files ---
const UD = "impl/fastweights/unknown_delay";
const SCAN = "impl/fastweights/recurrence";
const KV = "impl/fastweights/key_value";
const STORE = "impl/fastweights/store/store.ts";
const SRWM = "impl/fastweights/srwm";
const ORACLE = "spec/oracle/fastweights";

// --- test files ---
const UD_GPU = ["spec/fastweights/unknown_delay/gpu_test.ts"];
const UD_ORACLE = ["spec/fastweights/unknown_delay/oracle_test.ts"];
const UD_FIXTURES = ["spec/fastweights/unknown_delay/fixtures_test.ts"];
const STORE_TESTS = ["spec/fastweights/store/store_test.ts"];
const KV_TESTS = ["spec/fastweights/key_value/key_value_test.ts"];
const KV_FIXTURES = ["spec/fastweights/key_value/fixtures_test.ts"];
const SRWM_GPU = ["spec/fastweights/srwm/gpu_test.ts"];
const SRWM_ORACLE = ["spec/fastweights/srwm/oracle_test.ts"];

/** The fastweights family's planted bugs. */
export const FASTWEIGHTS_MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ unknown_delay
  planted("unknown_delay", "gate_tanh", "forward", {
    file: `${UD}/kernels/heads.ts`,
    find: 'head(1, l.whg, l.bg, () => "gates[st]", "fw_sigmoid");',
    replace: 'head(1, l.whg, l.bg, () => "gates[st]", "fw_tanh");',
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity"),
    why: "the write gate squashed by tanh instead of the sigmoid (gates in (−1, 1), not (0, 1))",
  }),
  planted("unknown_delay", "heads_read_next_input", "causality", {
    file: `${UD}/kernels/heads.ts`,
    find: "lines.push(`let x${j} = xs[st * ${w}u + ${j}u];`);",
    replace: "lines.push(`let x${j} = xs[(st + 1u) * ${w}u + ${j}u];`);",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity"),
    why:
      "the slow net at step t reads input row t + 1 (it sees the next distractor or the recall " +
      "flag early)",
  }),
  planted("unknown_delay", "hidden_tanh_derivative_dropped", "backward", {
    file: `${UD}/kernels/heads_backward.ts`,
    find: "dzh[st * ${H}u + ${i}u] = (${terms}) * (1.0 - h${i} * h${i});",
    replace: "dzh[st * ${H}u + ${i}u] = (${terms});",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "the hidden layer's backward forgets tanh′ = 1 − h² (a dropped factor)",
  }),
  planted("unknown_delay", "query_grad_every_step", "backward", {
    file: `${UD}/kernels/heads_backward.ts`,
    find: "dqs[n * ${dk}u + ${c}u] * (1.0 - q${c} * q${c}), last);",
    replace: "dqs[n * ${dk}u + ${c}u] * (1.0 - q${c} * q${c}), true);",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "∂L/∂q is pushed into the query head at every step instead of the recall step only",
  }),
  planted("unknown_delay", "loss_grad_sign", "backward", {
    file: `${UD}/kernels/loss.ts`,
    find: "dys[gi] = (ys[gi] - targets[gi]) * prm.dy_scale;",
    replace: "dys[gi] = (targets[gi] - ys[gi]) * prm.dy_scale;",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "∂L/∂y = P − y instead of y − P (swapped operands: gradient ascent on the loss)",
  }),
  planted("unknown_delay", "reduce_skips_lane_0", "backward", {
    file: `${UD}/kernels/param_reduce.ts`,
    find: "for (var lane = 0u; lane < ${UD_GRAD_LANES}u; lane++)",
    replace: "for (var lane = 1u; lane < ${UD_GRAD_LANES}u; lane++)",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "the lane reduction starts at lane 1: every eighth step slot's contribution is lost",
  }),
  planted("unknown_delay", "param_grads_padding_included", "backward", {
    file: `${UD}/kernels/param_grads.ts`,
    find: "if (st % prm.tm >= lens[st / prm.tm]) { continue; }",
    replace: "if (st % prm.tm > lens[st / prm.tm]) { continue; }",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "an off-by-one padding test lets the first padding step of each episode into the sums",
    equivalent: "the padding steps' inputs, hidden activations and dz rows are all written as 0 " +
      "by the generator, the heads and the heads' backward, so the extra step adds exact zeros " +
      "(a + 0·0 = a in f32) to every accumulator",
  }),
  planted("unknown_delay", "adam_bias_correction_dropped", "training", {
    file: `${UD}/kernels/adam.ts`,
    find: "sqrt(v * prm.c2)",
    replace: "sqrt(v)",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity_adam"),
    why: "Adam without the second moment's bias correction (steps ~30× too large early on)",
  }),
  planted("unknown_delay", "adam_clip_not_applied", "training", {
    file: `${UD}/kernels/adam.ts`,
    find: "let g = grads[base + i] * scale;",
    replace: "let g = grads[base + i];",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity_adam"),
    why: "the clip scale is computed (and the norm reported) but the raw gradient feeds Adam",
  }),
  planted("unknown_delay", "adam_norm_tree_short", "training", {
    file: `${UD}/kernels/adam.ts`,
    find: "for (var half = 128u; half > 0u; half = half / 2u)",
    replace: "for (var half = 128u; half > 1u; half = half / 2u)",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity_adam"),
    why: "the norm's tree reduction stops one level early: ‖g‖ misses half of the partial sums",
  }),
  planted("unknown_delay", "adam_step_counter_frozen", "training", {
    file: `${UD}/unknown_delay.ts`,
    find: "    this.steps = t;\n",
    replace: "",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity_adam"),
    why: "the host never advances the step count, so every Adam step uses step 1's bias correction",
  }),
  planted("unknown_delay", "oracle_gate_derivative", "oracle", {
    file: `${ORACLE}/unknown_delay.ts`,
    find: "const dzg = sg.dg[t]! * gt * (1 - gt);",
    replace: "const dzg = sg.dg[t]! * (1 - gt);",
    tests: UD_ORACLE,
    filter: claims("unknown_delay", "oracle_gradcheck"),
    why: "the oracle's σ′ written as 1 − g instead of g(1 − g)",
  }),
  planted("unknown_delay", "oracle_adam_c2_beta1", "oracle", {
    file: `${ORACLE}/unknown_delay.ts`,
    find: "const c2 = 1 - opts.beta2 ** state.step;",
    replace: "const c2 = 1 - opts.beta1 ** state.step;",
    tests: UD_FIXTURES,
    filter: claims("unknown_delay", "fixture_parity_oracle"),
    why: "the oracle's second-moment bias correction uses β₁ (invisible to a gradient check)",
  }),
  planted("unknown_delay", "oracle_recall_write_dropped", "oracle", {
    file: `${ORACLE}/unknown_delay.ts`,
    find: "    for (let t = 0; t < T; t++) {\n      const gt = a.g[t]!;\n",
    replace: "    for (let t = 0; t < T - 1; t++) {\n      const gt = a.g[t]!;\n",
    tests: ["spec/fastweights/unknown_delay/torch_fixture_test.ts"],
    filter: claims("unknown_delay", "fixture_parity_torch"),
    why: "the oracle's backward drops the recall step's own write from ∂L/∂(k, v, g) (reading " +
      "y as W_{T−2} q instead of W_{T−1} q, while the forward reads after the write)",
  }),

  planted("unknown_delay", "training_delay_bound_off_by_one", "fault", {
    file: `${UD}/unknown_delay.ts`,
    find: "if (dMax + 2 > this.tm || dMax + 1 > UD_STEP_SLOTS) {",
    replace: "if (dMax + 1 > this.tm || dMax + 1 > UD_STEP_SLOTS) {",
    tests: UD_GPU,
    filter: "fastweights.unknown_delay.fault_arguments",
    why: "an off-by-one bound lets K = tm − 1 through: the recall step falls past the batch's " +
      "padded steps and is never written",
  }),
  planted("unknown_delay", "adam_nan_setting_accepted", "fault", {
    file: `${UD}/unknown_delay.ts`,
    find: "if (!Number.isFinite(opts[k]) || opts[k] < 0) {",
    replace: "if (opts[k] < 0) {",
    tests: UD_GPU,
    filter: "fastweights.unknown_delay.fault_arguments",
    why: "a sign-only check of the Adam settings accepts NaN and ∞ (NaN < 0 is false)",
  }),

  // ------------------------------------------------------------------ recurrence
  planted("recurrence", "last_write_skipped", "forward", {
    file: `${SCAN}/kernels/forward.ts`,
    find: "for (var t = 0u; t < steps; t++) {",
    replace: "for (var t = 0u; t + 1u < steps; t++) {",
    tests: [...UD_GPU, ...STORE_TESTS],
    filter: "/^fastweights\\.(unknown_delay\\.gpu_parity|store\\.property_orthonormal_readback):/",
    why: "an off-by-one time loop: the last step of every sequence is never written",
  }),
  planted("recurrence", "initial_state_transposed", "forward", {
    file: `${SCAN}/kernels/forward.ts`,
    find: "if (prm.use_init == 1u) { w[c] = w0[row + c]; }",
    replace: "if (prm.use_init == 1u) { w[c] = w0[n * ${dv * dk}u + c * ${dv}u + a]; }",
    tests: STORE_TESTS,
    filter: claims("store", "property_model_interleavings", "property_orthonormal_readback"),
    why: "the initial state read as [d_k, d_v] (transposed) instead of [d_v, d_k]",
  }),
  planted("recurrence", "query_after_last_step", "causality", {
    file: `${SCAN}/kernels/forward.ts`,
    find: "if (prm.q_at_last == 1u) { qo = (n * prm.tm + steps - 1u) * ${dk}u; }",
    replace: "if (prm.q_at_last == 1u) { qo = (n * prm.tm + steps) * ${dk}u; }",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_parity"),
    why: "the recall read uses the query of the step after the episode's last (padding or the " +
      "next episode)",
  }),
  planted("recurrence", "write_reads_next_key", "causality", {
    file: `${SCAN}/kernels/forward.ts`,
    find: "w[c] = w[c] + coef * keys[st * ${dk}u + c];",
    replace: "w[c] = w[c] + coef * keys[(st + 1u) * ${dk}u + c];",
    tests: [...UD_GPU, ...STORE_TESTS],
    filter: "/^fastweights\\.(unknown_delay\\.gpu_parity|store\\.property_orthonormal_readback):/",
    why: "the write at step t pairs v_t with the key of step t + 1",
  }),
  planted("recurrence", "gate_grad_drops_read", "backward", {
    file: `${SCAN}/kernels/backward.ts`,
    find: "dgates[gi] = (prm.eta * s) * r;",
    replace: "dgates[gi] = prm.eta * s;",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "∂L/∂g_t = η (q·k_t) without the factor ȳ·v_t (a dropped term)",
  }),
  planted("recurrence", "contractions_swapped", "backward", {
    file: `${SCAN}/kernels/backward.ts`,
    find: "let cs = coef * s;\n    let cr = coef * r;",
    replace: "let cs = coef * r;\n    let cr = coef * s;",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "Ḡ k_t and Ḡᵀ v_t swapped: ∂L/∂v scaled by ȳ·v and ∂L/∂k by q·k (a transposed adjoint)",
  }),
  planted("recurrence", "query_grad_skips_store_step", "backward", {
    file: `${SCAN}/kernels/backward.ts`,
    find: "for (var t = 0u; t < steps; t++) {",
    replace: "for (var t = 1u; t < steps; t++) {",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "∂L/∂q = W_{T−1}ᵀ ȳ summed from step 1: the write of step 0 (the pattern) is missed",
  }),
  planted("recurrence", "query_grad_invocations_missing", "backward", {
    file: `${SCAN}/recurrence.ts`,
    find: "workgroups: Math.ceil((inp.n * inp.tm + inp.n * inp.keyDim) / WG),",
    replace: "workgroups: Math.ceil((inp.n * inp.tm) / WG),",
    tests: UD_GPU,
    filter: claims("unknown_delay", "gpu_gradients"),
    why: "the host sizes the backward grid for the step invocations only, so most ∂L/∂q " +
      "entries are never written",
  }),

  // ------------------------------------------------------------------ key_value
  planted("key_value", "train_query_term_dropped", "training", {
    file: `${KV}/kernels/train.ts`,
    find: "helpers: (dims) => kvEpisodeWgsl(dims),",
    replace: String.raw`helpers: (dims) =>
    kvEpisodeWgsl(dims).replace(/var s = dpq\[i\] \* keys\[[^\]]*\];/, "var s = 0.0;"),`,
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "the training kernel's copy of the gradient drops the query path dpq k_qᵀ of ∂L/∂W_K " +
      "(the evaluation kernel keeps it)",
  }),
  planted("key_value", "grad_key_term_transposed", "backward", {
    file: `${KV}/kernels/episode.ts`,
    find: "s = s + dkp[t * ${D}u + i] * keys[ko + t * ${D}u + j];",
    replace: "s = s + dkp[t * ${D}u + j] * keys[ko + t * ${D}u + i];",
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "the key path of ∂L/∂W_K accumulated as k_t dKᵀ instead of dK k_tᵀ (transposed)",
  }),
  planted("key_value", "readout_sign", "backward", {
    file: `${KV}/kernels/episode.ts`,
    find: "let d = s - vals[vo + qi * ${DV}u + a];",
    replace: "let d = vals[vo + qi * ${DV}u + a] - s;",
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "the residual v* − y instead of y − v*: the loss is unchanged but the gradient ascends",
  }),
  planted("key_value", "newest_pair_not_written", "forward", {
    file: `${KV}/kernels/episode.ts`,
    find:
      "for (var t = 0u; t < ${N}u; t++) { s = s + vals[vo + t * ${DV}u + a] * pk[t * ${D}u + c]; }",
    replace:
      "for (var t = 0u; t + 1u < ${N}u; t++) { s = s + vals[vo + t * ${DV}u + a] * pk[t * ${D}u + c]; }",
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "an off-by-one loop builds W_fast from pairs 0..N−2: the newest pair is never written",
  }),
  planted("key_value", "train_clip_by_squared_norm", "training", {
    file: `${KV}/kernels/train.ts`,
    find: "if (norm > prm.max_norm) { scale = prm.max_norm / norm; }",
    replace: "if (norm > prm.max_norm) { scale = prm.max_norm / ss; }",
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "the clip divides by the squared norm: a clipped step is far too short",
  }),
  planted("key_value", "train_clip_threshold_squared", "training", {
    file: `${KV}/kernels/train.ts`,
    find: "if (norm > prm.max_norm)",
    replace: "if (ss > prm.max_norm)",
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "the clip test compares the squared norm with the cap (a skipped sqrt): right only " +
      "when the cap is 1",
  }),
  planted("key_value", "train_seeds_share_episodes", "training", {
    file: `${KV}/kernels/train.ts`,
    find: "let e = s * prm.steps + step;",
    replace: "let e = step;",
    tests: KV_TESTS,
    filter: claims("key_value", "gpu_gradients"),
    why: "the episode index forgets the seed's offset: every seed trains on seed 0's episodes",
  }),
  planted("key_value", "train_launch_restarts", "training", {
    file: `${KV}/kernels/train.ts`,
    find: "for (var step = prm.begin; step < prm.end; step++) {",
    replace: "for (var step = 0u; step < prm.end; step++) {",
    tests: KV_TESTS,
    filter: claims(
      "key_value",
      "gpu_gradients",
      "behaviour_post_minus_pre",
      "behaviour_bias_projection",
    ),
    why: "every launch of a split run starts again at step 0 instead of its range's first step",
  }),
  planted("key_value", "zero_cap_accepted", "fault", {
    file: `${KV}/key_value.ts`,
    find: "if (!Number.isFinite(lr) || !(maxNorm > 0)) {",
    replace: "if (!Number.isFinite(lr) || maxNorm < 0) {",
    tests: KV_TESTS,
    filter: "fastweights.key_value.fault_arguments",
    why: "a sign-only check of the clip cap accepts 0 (every step scaled to nothing) and NaN",
  }),
  planted("key_value", "oracle_query_term_dropped", "oracle", {
    file: `${ORACLE}/key_value.ts`,
    find: "let s = dpq[i]! * ep.keys[ep.query * d + j]!;",
    replace: "let s = 0;",
    tests: KV_TESTS,
    filter: claims("key_value", "oracle_gradcheck"),
    why: "the oracle's ∂L/∂W_K without the query path d(W_K q) qᵀ",
  }),
  planted("key_value", "oracle_clip_norm_squared", "oracle", {
    file: `${ORACLE}/key_value.ts`,
    find: "const norm = Math.hypot(...g);",
    replace: "const norm = g.reduce((s, x) => s + x * x, 0);",
    tests: KV_FIXTURES,
    filter: claims("key_value", "fixture_parity_oracle"),
    why: "the oracle's SGD clip uses Σg² for ‖g‖ (invisible to a gradient check)",
  }),

  // ------------------------------------------------------------------ store
  planted("store", "write_forgets_state", "forward", {
    file: STORE,
    find: "{ y, w: next, hist: null, w0: this.#state },",
    replace: "{ y, w: next, hist: null, w0: null },",
    tests: STORE_TESTS,
    filter: claims("store", "property_orthonormal_readback", "property_model_interleavings"),
    why: "each write starts from an empty state instead of the current one",
  }),
  planted("store", "gate_ignored", "forward", {
    file: STORE,
    find: "const gAll = Float32Array.from(gates);",
    replace: "const gAll = Float32Array.from(gates, () => 1);",
    tests: STORE_TESTS,
    filter: claims("store", "property_gate_zero"),
    why: "the store uploads gate 1 for every write, so a gate-0 write still writes",
  }),
  planted("store", "reset_keeps_state", "forward", {
    file: STORE,
    find: '    this.#checkLive("reset");\n    this.#state.dispose();\n' +
      "    this.#state = zeros([this.valueDim, this.keyDim]);\n",
    replace: '    this.#checkLive("reset");\n',
    tests: STORE_TESTS,
    filter: claims("store", "property_model_interleavings"),
    why: "reset is a no-op: the memory keeps what was written before it",
  }),
  planted("store", "eta_fixed_at_one", "forward", {
    file: STORE,
    find: "eta: this.eta,",
    occurrence: 0,
    replace: "eta: 1,",
    tests: STORE_TESTS,
    filter: claims("store", "property_model_interleavings"),
    why: "writes ignore the store's η (a hard-coded write strength of 1)",
  }),

  planted("store", "nan_keys_accepted", "fault", {
    file: STORE,
    find: '    this.#checkFinite("write to", "keys", keys);\n',
    replace: "",
    tests: STORE_TESTS,
    filter: "fastweights.store.fault_arguments",
    why: "writes check values and gates but not keys: one NaN key poisons every later read",
  }),
  planted("store", "infinite_eta_accepted", "fault", {
    file: STORE,
    find: "if (!Number.isFinite(eta)) {",
    replace: "if (Number.isNaN(eta)) {",
    tests: STORE_TESTS,
    filter: "fastweights.store.fault_arguments",
    why: "a NaN-only check of η lets ±∞ through",
  }),
  planted("store", "query_length_unchecked", "fault", {
    file: STORE,
    find: '    this.#check("read from", "the query", query.length, this.keyDim);\n',
    replace: "",
    tests: STORE_TESTS,
    filter: "fastweights.store.fault_arguments",
    why: "a read does not check the query's length against d_k",
  }),
  planted("store", "key_size_bound_off_by_one", "fault", {
    file: STORE,
    find: "keyDim < 1 || keyDim > 256",
    replace: "keyDim < 1 || keyDim > 257",
    tests: STORE_TESTS,
    filter: "fastweights.store.fault_arguments",
    why: "an off-by-one bound accepts key size 257, past the recurrence kernels' limit",
  }),

  // ------------------------------------------------------------------ srwm
  planted("srwm", "col_softmax_row_sum", "forward", {
    file: `${SRWM}/kernels/episode.ts`,
    find: "cs[ho + i] = cs[ho + i] / sc;",
    replace: "cs[ho + i] = cs[ho + i] / sr;",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_gradients"),
    why: "the column softmax normalised by the row softmax's sum (a swapped operand)",
  }),
  planted("srwm", "fast_weights_transposed", "forward", {
    file: `${SRWM}/kernels/episode.ts`,
    find: "(prm[w + ${j}u] + fcur[f + ${j}u]) * hs[ho + ${j}u]",
    replace: "(prm[w + ${j}u] + fcur[${j * H}u + i]) * hs[ho + ${j}u]",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_gradients"),
    why: "the recurrent drive uses F_tᵀ instead of F_t (a transposed product)",
  }),
  planted("srwm", "query_label_leaks", "causality", {
    file: `${SRWM}/kernels/episode.ts`,
    find: "let demo = t < ${T / 2}u;",
    replace: "let demo = t <= ${T / 2}u;",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_gradients"),
    why: "the first query step is fed as a demo: its input carries the label it must predict",
  }),
  planted("srwm", "bptt_fast_path_dropped", "backward", {
    file: `${SRWM}/kernels/episode.ts`,
    find: "(prm[${o.ws + i * H}u + j] + fs[t * ${HH}u + ${i * H}u + j]) * dpre[${i}u]",
    replace: "prm[${o.ws + i * H}u + j] * dpre[${i}u]",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_gradients"),
    why: "BPTT carries ∂L/∂h_{t−1} through W_slow only, forgetting the fast weights F_t",
  }),
  planted("srwm", "softmax_backward_mean_dropped", "backward", {
    file: `${SRWM}/kernels/episode.ts`,
    find: "let lr = rs[ho + i] * (dr[i] - rr);",
    replace: "let lr = rs[ho + i] * dr[i];",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_gradients"),
    why: "the row softmax's backward drops the −r·(r·∂r) term (treated as an elementwise exp)",
  }),
  planted("srwm", "adam_bias_correction_dropped", "training", {
    file: `${SRWM}/kernels/train.ts`,
    find: "(sqrt(v * c2) + prm_u.eps)",
    replace: "(sqrt(v) + prm_u.eps)",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_training"),
    why: "Adam without the second moment's bias correction",
  }),
  planted("srwm", "adam_betas_swapped", "training", {
    file: `${SRWM}/kernels/train.ts`,
    find: "let m = prm_u.b1 * ms[i] + prm_u.omb1 * g;",
    replace: "let m = prm_u.omb1 * ms[i] + prm_u.b1 * g;",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_training"),
    why: "the first moment's β₁ and 1 − β₁ swapped",
  }),
  planted("srwm", "eta_unchecked", "fault", {
    file: `${SRWM}/srwm.ts`,
    find: "steps < 1 || etas.some((e) => !Number.isFinite(e))",
    replace: "steps < 1",
    tests: SRWM_GPU,
    filter: "fastweights.srwm.fault_arguments",
    why: "training accepts a NaN or infinite η, which turns every fast weight into NaN",
  }),
  planted("srwm", "hidden_bound_off_by_one", "fault", {
    file: `${SRWM}/srwm.ts`,
    find: "hidden < 1 || hidden > 16",
    replace: "hidden < 1 || hidden > 17",
    tests: SRWM_GPU,
    filter: "fastweights.srwm.fault_arguments",
    why: "an off-by-one bound accepts H = 17",
  }),
  planted("srwm", "adam_clip_by_squared_norm", "training", {
    file: `${SRWM}/kernels/train.ts`,
    find: "if (nrm > prm_u.clip) { sc = prm_u.clip / nrm; }",
    replace: "if (nrm > prm_u.clip) { sc = prm_u.clip / ss; }",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_training"),
    why: "the per-tensor clip divides by the squared norm",
  }),
  planted("srwm", "adam_beta_power_frozen", "training", {
    file: `${SRWM}/kernels/train.ts`,
    find: "b1t = b1t * prm_u.b1;",
    replace: "b1t = prm_u.b1;",
    tests: SRWM_GPU,
    filter: claims("srwm", "gpu_training"),
    why: "β₁ᵗ is not carried from step to step: the first moment keeps step 1's bias correction",
  }),
  planted("srwm", "oracle_softmax_backward", "oracle", {
    file: `${ORACLE}/srwm.ts`,
    find: "const lc = c[i]! * (dc[i]! - cc);",
    replace: "const lc = c[i]! * dc[i]!;",
    tests: SRWM_ORACLE,
    filter: claims("srwm", "oracle_gradcheck"),
    why: "the oracle's column-softmax backward without the −c·(c·∂c) term",
  }),
  planted("srwm", "oracle_adam_clip_inverted", "oracle", {
    file: `${ORACLE}/srwm.ts`,
    find: "const scale = n > o.clip ? o.clip / n : 1;",
    replace: "const scale = n > o.clip ? n / o.clip : 1;",
    tests: SRWM_GPU,
    filter: claims("srwm", "fixture_parity"),
    why: "the oracle's per-tensor clip scales a large gradient up by ‖g‖/clip instead of down",
  }),
  // chunker (training path)
  planted("chunker", "train22_bptt_whh_transposed", "backward", {
    file: "impl/fastweights/chunker/kernels/block_update.ts",
    find: "carry[k] = carry[k] + da[j] * pa[pb + prm.whh + j * H + k];",
    replace: "carry[k] = carry[k] + da[j] * pa[pb + prm.whh + k * H + j];",
    tests: [
      "spec/fastweights/chunker/training_gpu_test.ts",
      "spec/fastweights/chunker/training_test.ts",
    ],
    filter: claims("chunker", "gpu_gradients_22_training", "gpu_training_22"),
    why: "chunker-22's trainer carries ∂L/∂h back as W_hh·da instead of W_hhᵀ·da, a bug the " +
      "public BPTT's claim (gpu_gradients_22) cannot see: training never runs chunkerBptt",
  }),
  planted("chunker", "train22_clip_dropped", "training", {
    file: "impl/fastweights/chunker/kernels/block_update.ts",
    find: "if (norm > prm.clip) { scale = prm.clip / norm; }",
    replace: "",
    tests: [
      "spec/fastweights/chunker/training_gpu_test.ts",
      "spec/fastweights/chunker/training_test.ts",
    ],
    filter: claims("chunker", "gpu_gradients_22_training", "gpu_training_22"),
    why: "A's global-norm clip dropped: Adam's step barely changes (it is scale-invariant) " +
      "but the moments take the unclipped gradient",
  }),
  planted("chunker", "train22_adam_first_moment", "training", {
    file: "impl/fastweights/chunker/kernels/block_update.ts",
    find: "let m = 0.9 * ma[mb + q] + 0.1 * g;",
    replace: "let m = 0.9 * ma[mb + q] + g;",
    tests: [
      "spec/fastweights/chunker/training_gpu_test.ts",
      "spec/fastweights/chunker/training_test.ts",
    ],
    filter: claims("chunker", "gpu_gradients_22_training", "gpu_training_22"),
    why: "Adam's first moment adds g instead of (1 − β₁)·g",
  }),
  planted("chunker", "train22_c_clip_norm", "training", {
    file: "impl/fastweights/chunker/kernels/block.ts",
    find: "sq = sq + g_lab * g_lab + 2.0 * (g_hid * g_hid);",
    replace: "sq = sq + g_lab * g_lab + g_hid * g_hid;",
    tests: ["spec/fastweights/chunker/training_gpu_test.ts"],
    filter: claims("chunker", "gpu_gradients_22_training"),
    why: "C's clip norm counts the hidden gradient once, though W_xh's surprise column and " +
      "b_h both carry it (only the training claim's C ×4 case sees it: in the protocol ‖g_C‖ " +
      "stays below 0.8, under the clip)",
  }),
  planted("chunker", "train1200_whh_grad_uses_h_t", "backward", {
    file: "impl/fastweights/chunker/kernels/c1200_net.ts",
    find: "+ d * hprev[${q}];",
    replace: "+ d * hcur[${q}];",
    tests: [
      "spec/fastweights/chunker/training_gpu_test.ts",
      "spec/fastweights/chunker/training_test.ts",
    ],
    filter: claims("chunker", "gpu_gradients_1200_training", "gpu_training_1200"),
    why: "chunker-1200's training kernels take ∂L/∂W_hh as da_t·h_tᵀ instead of da_t·h_{t−1}ᵀ",
  }),
  planted("chunker", "train1200_clamp_dropped", "training", {
    file: "impl/fastweights/chunker/kernels/c1200_net.ts",
    find: "by[q] = by[q] - lr * clamp(gby[q], -clip, clip);",
    replace: "by[q] = by[q] - lr * gby[q];",
    tests: [
      "spec/fastweights/chunker/training_gpu_test.ts",
      "spec/fastweights/chunker/training_test.ts",
    ],
    filter: claims("chunker", "gpu_gradients_1200_training", "gpu_training_1200"),
    why: "b_y's element-wise clip dropped from the SGD step (only the baseline's 1199-step " +
      "gradient passes it)",
  }),
  planted("chunker", "train1200_window_lr_undivided", "training", {
    file: "impl/fastweights/chunker/kernels/c1200_window.ts",
    find: "net_sgd(prm.lr / f32(n), prm.clip, n4, prm.nh, nv);",
    replace: "net_sgd(prm.lr, prm.clip, n4, prm.nh, nv);",
    tests: [
      "spec/fastweights/chunker/training_gpu_test.ts",
      "spec/fastweights/chunker/training_test.ts",
    ],
    filter: claims("chunker", "gpu_gradients_1200_training", "gpu_training_1200"),
    why: "the window update uses lr instead of lr / len(window)",
  }),
  planted("chunker", "bptt_whh_transposed", "backward", {
    file: "impl/fastweights/chunker/kernels/backward.ts",
    find: "dh[k] = dh[k] + da[j] * params[pb + prm.whh + j * prm.hidden + k];",
    replace: "dh[k] = dh[k] + da[j] * params[pb + prm.whh + k * prm.hidden + j];",
    tests: ["spec/fastweights/chunker/gpu_test.ts"],
    filter: claims("chunker", "gpu_gradients_22", "gpu_gradients_1200"),
    why: "chunkerBptt carries ∂L/∂h back through W_hh instead of W_hhᵀ; the ‖W_hh‖₂ = 1.5 " +
      "cases catch it step-locally (their global bounds could not)",
  }),
  planted("store", "split_writes_restart", "forward", {
    file: STORE,
    find: "{ y, w: next, hist: null, w0: this.#state },",
    replace: "{ y, w: next, hist: null, w0: t0 === 0 ? this.#state : undefined },",
    tests: STORE_TESTS,
    filter: claims("store", "property_long_writes"),
    why: "a long writeMany split over launches starts each launch from W = 0 instead of " +
      "carrying the state: only the last launch's writes survive",
  }),
];
