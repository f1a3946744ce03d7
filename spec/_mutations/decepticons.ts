/**
 * Planted bugs of the decepticons family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * Grouped by mechanism; within a mechanism the layers are forward kernels, backward
 * kernels, causality (reading a later step), host code (strides, validation: the fault
 * layer), training, and the f64 oracle (caught by its gradcheck and fixture claims).
 * Every mutated WGSL still compiles and keeps every binding it used, so a kill is a
 * claim seeing the bug, never a pipeline that fails to build.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");

// --- files ---
const CODEC = "impl/decepticons/codec/codec.ts";
const BANK = "impl/decepticons/causal_bank/config.ts";
const MEM = "impl/decepticons/memory";
const SUB = "impl/decepticons/substrate";
const CODER = "impl/decepticons/predictive_coder";
const SCAN = "impl/decepticons/linear_recurrence";
const RET = "impl/decepticons/retention";
const ORACLE = "spec/oracle/decepticons";

// --- test files ---
const CODEC_TESTS = ["spec/decepticons/codec/codec_test.ts"];
const BANK_TESTS = ["spec/decepticons/causal_bank/config_test.ts"];
const MEM_SPEC = "spec/decepticons/memory";
const SUB_SPEC = "spec/decepticons/substrate";
const CODER_SPEC = "spec/decepticons/predictive_coder";
const SCAN_GPU = ["spec/decepticons/linear_recurrence/gpu_test.ts"];
const SCAN_ORACLE = ["spec/decepticons/linear_recurrence/oracle_test.ts"];
const RET_GPU = ["spec/decepticons/retention/gpu_test.ts"];
const RET_ORACLE = ["spec/decepticons/retention/oracle_test.ts"];

/** The decepticons family's planted bugs. */
export const DECEPTICONS_MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ codec
  planted("codec", "bom_stripped", "forward", {
    file: CODEC,
    find: "ignoreBOM: true",
    replace: "ignoreBOM: false",
    tests: CODEC_TESTS,
    filter: "decepticons.codec.",
    why: "the default TextDecoder drops a leading U+FEFF, so text starting with it loses it",
  }),
  planted("codec", "fatal_decoder", "forward", {
    file: CODEC,
    find: "fatal: false",
    replace: "fatal: true",
    tests: CODEC_TESTS,
    filter: "decepticons.codec.",
    why: "a fatal decoder throws on ill-formed UTF-8 instead of substituting U+FFFD",
  }),
  planted("codec", "id_range_off_by_one", "fault", {
    file: CODEC,
    find: "v < 0 || v > 255",
    replace: "v < 0 || v > 256",
    tests: CODEC_TESTS,
    filter: "decepticons.codec.",
    why: "an off-by-one range check lets id 256 through (stored as byte 0)",
  }),
  planted("codec", "fractional_ids_accepted", "fault", {
    file: CODEC,
    find: "!Number.isInteger(v) || v < 0",
    replace: "v < 0",
    tests: CODEC_TESTS,
    filter: "decepticons.codec.",
    why: "a range-only check accepts 1.5 and NaN, which a Uint8Array truncates to bytes",
  }),

  // ------------------------------------------------------------------ causal_bank
  planted("causal_bank", "decay_exponent", "forward", {
    file: BANK,
    find: "Float32Array.from(halfLives, (h) => Math.pow(0.5, 1 / h))",
    replace: "Float32Array.from(halfLives, (h) => Math.pow(0.5, h))",
    tests: BANK_TESTS,
    filter: "decepticons.causal_bank.",
    why: "the decay 0.5^h instead of 0.5^{1/h}: the gate exponent inverted",
  }),
  planted("causal_bank", "log_space_endpoint", "forward", {
    file: BANK,
    find: "l0 + ((l1 - l0) * i) / (n - 1)",
    replace: "l0 + ((l1 - l0) * i) / n",
    tests: BANK_TESTS,
    filter: "decepticons.causal_bank.",
    why: "log-spacing over n steps instead of n − 1: the longest half-life is never reached",
  }),
  planted("causal_bank", "oscillatory_decay_from_period", "forward", {
    file: BANK,
    find: "const d = Math.pow(0.5, 1 / oh[i]!);",
    replace: "const d = Math.pow(0.5, 1 / periods[i]!);",
    tests: BANK_TESTS,
    filter: "decepticons.causal_bank.",
    why: "an oscillatory pair's modulus taken from its period instead of its half-life " +
      "(swapped operand; |a| stays below 1)",
  }),
  planted("causal_bank", "oscillatory_phase_from_half_life", "forward", {
    file: BANK,
    find: "const omega = (2 * Math.PI) / periods[i]!;",
    replace: "const omega = (2 * Math.PI) / oh[i]!;",
    tests: BANK_TESTS,
    filter: "decepticons.causal_bank.",
    why: "an oscillatory pair's angle taken from its half-life instead of its period " +
      "(swapped operand; |a| is unchanged)",
  }),
  planted("causal_bank", "hierarchical_accepted", "causality", {
    file: BANK,
    find: 'export const STATE_IMPLS = ["scan", "retention"] as const;',
    replace: 'export const STATE_IMPLS = ["scan", "retention", "hierarchical"] as const;',
    tests: BANK_TESTS,
    filter: "decepticons.causal_bank.",
    why: "accepting the original's hierarchical scan, whose window sums reach earlier positions",
  }),
  planted("causal_bank", "oscillatory_frac_one", "fault", {
    file: BANK,
    find: "cfg.oscillatoryFrac >= 0 && cfg.oscillatoryFrac < 1",
    replace: "cfg.oscillatoryFrac >= 0 && cfg.oscillatoryFrac <= 1",
    tests: BANK_TESTS,
    filter: "decepticons.causal_bank.",
    why: "a closed interval lets oscillatoryFrac = 1 through (no plain modes left)",
  }),

  // ------------------------------------------------------------------ memory
  planted("memory", "online_update_before_query", "causality", {
    file: `${MEM}/online_causal.ts`,
    find: "      out.set(m.query(), t * OCM_FEATURES);\n      m.update(tokens[t]!);",
    replace: "      m.update(tokens[t]!);\n      out.set(m.query(), t * OCM_FEATURES);",
    tests: [`${MEM_SPEC}/counts_test.ts`],
    filter: claims("memory", "property_causality"),
    why: "the online trace counts token t before querying, so row t sees the token it predicts",
  }),
  planted("memory", "exact_trace_reads_t", "causality", {
    file: `${MEM}/exact_context.ts`,
    find: "out.set(m.predictiveDistribution(seq.slice(0, t)).probs, t * V);",
    replace: "out.set(m.predictiveDistribution(seq.slice(0, t + 1)).probs, t * V);",
    tests: [`${MEM_SPEC}/counts_test.ts`],
    filter: claims("memory", "property_causality"),
    why: "row t of the exact-context trace conditions on tokens 0..t instead of 0..t−1",
  }),
  planted("memory", "ngram_trigram_context_swapped", "forward", {
    file: `${MEM}/ngram.ts`,
    find: "this.#trigram.add(this.bucket(tokens[i - 2]!, tokens[i - 1]!), x)",
    replace: "this.#trigram.add(this.bucket(tokens[i - 1]!, tokens[i - 2]!), x)",
    tests: [`${MEM_SPEC}/behaviour_test.ts`, `${MEM_SPEC}/fixture_test.ts`],
    filter: claims("memory", "property_ngram_modes", "fixture_parity"),
    why: "trigram counts stored under the bucket of (right, left): queries read another row",
  }),
  planted("memory", "ngram_bucket_signed_modulo", "forward", {
    file: `${MEM}/ngram.ts`,
    find: "Math.imul(right, NGRAM_HASH_RIGHT)) &\n      (this.buckets - 1);",
    replace: "Math.imul(right, NGRAM_HASH_RIGHT)) %\n      this.buckets;",
    tests: [`${MEM_SPEC}/behaviour_test.ts`],
    filter: claims("memory", "property_ngram_modes"),
    why: "a signed % of the 32-bit hash gives negative buckets where uint64 arithmetic does not",
  }),
  planted("memory", "smoothing_mass_not_split", "forward", {
    file: `${MEM}/common.ts`,
    find: "const add = alpha / vocabSize;",
    replace: "const add = alpha;",
    tests: [`${MEM_SPEC}/counts_test.ts`],
    filter: claims("memory", "property_normalised"),
    why: "additive smoothing adds α to every entry instead of α/V: the rows no longer sum to 1",
  }),
  planted("memory", "token_range_off_by_one", "fault", {
    file: `${MEM}/common.ts`,
    find: "t < 0 || t >= vocabSize",
    replace: "t < 0 || t > vocabSize",
    tests: [`${MEM_SPEC}/counts_test.ts`],
    filter: claims("memory", "fault_token_range"),
    why: "an off-by-one check accepts token V, one past the vocabulary",
  }),
  planted("memory", "backoff_eg_ascends", "training", {
    file: `${MEM}/statistical_backoff.ts`,
    find: "Math.exp(-learningRate * (g[k]! / N - gw))",
    replace: "Math.exp(learningRate * (g[k]! / N - gw))",
    tests: [`${MEM_SPEC}/behaviour_test.ts`],
    filter: claims("memory", "property_backoff_leave_one_out"),
    why: "the exponentiated-gradient step with the wrong sign climbs the NLL",
  }),
  planted("memory", "backoff_leave_one_out_total_only", "training", {
    file: `${MEM}/statistical_backoff.ts`,
    find: "      c -= 1;\n      n -= 1;",
    replace: "      n -= 1;",
    tests: [`${MEM_SPEC}/behaviour_test.ts`],
    filter: claims("memory", "property_backoff_leave_one_out"),
    why: "leave-one-out that removes the occurrence from the total but not from its count",
  }),
  planted("memory", "oracle_ngram_bucket_multiplier", "oracle", {
    file: `${ORACLE}/memory.ts`,
    find: "const a = (BigInt(left) * 1315423911n) & U64;",
    replace: "const a = (BigInt(left) * 2654435761n) & U64;",
    tests: [`${MEM_SPEC}/fixture_test.ts`],
    filter: claims("memory", "fixture_parity"),
    why: "the oracle's trigram hash with the right-hand multiplier on both sides",
  }),
  planted("memory", "oracle_count_skips_first", "oracle", {
    file: `${ORACLE}/memory.ts`,
    find: "for (let i = context.length; i < h.length; i++) {",
    replace: "for (let i = context.length + 1; i < h.length; i++) {",
    tests: [`${MEM_SPEC}/online_test.ts`],
    filter: claims("memory", "property_online_model"),
    why: "the plain count model skips the first position a context can be followed at",
  }),

  // ------------------------------------------------------------------ substrate
  planted("substrate", "linear_partner_term_dropped", "forward", {
    file: `${SUB}/kernels/linear.ts`,
    find:
      "(coef[2u * i] * sh[cur + pred[2u * i]] + coef[2u * i + 1u] * sh[cur + pred[2u * i + 1u]])",
    replace: "(coef[2u * i] * sh[cur + pred[2u * i]])",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "gpu_parity_rollout"),
    why: "the second predecessor (the rotation partner of an oscillatory pair) is dropped",
  }),
  planted("substrate", "reservoir_leak_swapped", "forward", {
    file: `${SUB}/kernels/reservoir.ts`,
    find: "v = ${lit(1 - l.leak)} * v + ${lit(l.leak)} * fw_tanh(a);",
    replace: "v = ${lit(l.leak)} * v + ${lit(1 - l.leak)} * fw_tanh(a);",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "gpu_parity_rollout"),
    why: "the leak λ and the keep 1 − λ swapped in the leaky update",
  }),
  planted("substrate", "reservoir_reads_next_buffer", "forward", {
    file: `${SUB}/kernels/reservoir.ts`,
    find: "a = a + w[${wo}u + k * ${l.n}u + j] * sh[cur + ${off}u + j];",
    replace: "a = a + w[${wo}u + k * ${l.n}u + j] * sh[nx + ${off}u + j];",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "gpu_parity_rollout"),
    why: "the recurrent drive reads the half of the double buffer being written this step",
  }),
  planted("substrate", "stride_phase_off_by_one", "forward", {
    file: `${SUB}/kernels/reservoir.ts`,
    find: "((prm.phase0 + t + 1u) % ${l.stride}u) == 0u",
    replace: "((prm.phase0 + t) % ${l.stride}u) == 0u",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "gpu_parity_rollout"),
    why: "the strided layer moves on phase mod stride = 0 instead of (phase + 1) mod stride = 0",
  }),
  planted("substrate", "linear_reads_next_token", "causality", {
    file: `${SUB}/kernels/linear.ts`,
    find: "let x = tokens[b * prm.tm + t];",
    replace: "let x = tokens[b * prm.tm + min(t + 1u, prm.tm - 1u)];",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "property_causality"),
    why: "the linear substrates' step t reads token t + 1",
  }),
  planted("substrate", "oscillatory_rotation_sign", "forward", {
    file: `${SUB}/gpu.ts`,
    find: "coef[2 * ci + 1] = -r * Math.sin(th);",
    replace: "coef[2 * ci + 1] = r * Math.sin(th);",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "gpu_parity_rollout"),
    why: "the host's rotation table with both off-diagonal signs positive (not a rotation)",
  }),
  planted("substrate", "final_state_stride", "forward", {
    file: `${SUB}/gpu.ts`,
    find: "launchCopyFinal(st, final, B, branch.n, lo, D);",
    replace: "launchCopyFinal(st, final, B, branch.n, lo, branch.n);",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "property_final_state"),
    why: "the host gathers a branch's final state with the branch width as the row stride",
  }),
  planted("substrate", "token_range_off_by_one", "fault", {
    file: `${SUB}/gpu.ts`,
    find: "x < 0 || x >= s.vocab",
    replace: "x < 0 || x > s.vocab",
    tests: [`${SUB_SPEC}/gpu_test.ts`],
    filter: claims("substrate", "fault_run_arguments"),
    why: "runSubstrate accepts token V, one past the vocabulary (an out-of-range table row)",
  }),
  planted("substrate", "spectral_radius_not_applied", "forward", {
    file: `${SUB}/build.ts`,
    find: "for (let i = 0; i < n * n; i++) w[i] = w[i]! * (radius / r);",
    replace: "for (let i = 0; i < n * n; i++) w[i] = w[i]! / r;",
    tests: [`${SUB_SPEC}/oracle_test.ts`],
    filter: claims("substrate", "property_echo_state_spectral_radius"),
    why: "W normalised to radius 1 and never scaled to the requested ρ",
  }),
  planted("substrate", "radius_of_symmetric_part", "forward", {
    file: `${SUB}/build.ts`,
    find: "for (let i = 0; i < n * n; i++) w[i] = w[i]! * (radius / r);",
    replace: "const h = spectralRadius(w.map((x, i) => (x + w[(i % n) * n + Math.floor(i / n)]!) " +
      "/ 2), n);\n  for (let i = 0; i < n * n; i++) w[i] = w[i]! * (radius / h);",
    tests: [`${SUB_SPEC}/oracle_test.ts`],
    filter: claims("substrate", "property_echo_state_spectral_radius"),
    why: "W scaled by the spectral radius of its symmetric part (W + Wᵀ)/2 instead of its own",
  }),
  planted("substrate", "spectral_radius_real_parts", "oracle", {
    file: "impl/linalg/eigvals.ts",
    find: "r = Math.max(r, Math.hypot(re[i]!, im[i]!));",
    replace: "r = Math.max(r, Math.abs(re[i]!));",
    tests: [`${SUB_SPEC}/oracle_test.ts`],
    filter: claims("substrate", "property_echo_state_spectral_radius"),
    why: "the eigen routine's spectral radius is max |Re λ|, ignoring imaginary parts: the " +
      "builder scales W by it and a check through the same routine agrees",
  }),
  planted("substrate", "oracle_rotation_sign", "oracle", {
    file: `${ORACLE}/substrate.ts`,
    find: "out[co + a] = r * (Math.cos(th) * c - Math.sin(th) * sn)",
    replace: "out[co + a] = r * (Math.cos(th) * c + Math.sin(th) * sn)",
    tests: [`${SUB_SPEC}/fixtures_test.ts`],
    filter: claims("substrate", "fixture_parity"),
    why: "the oracle's damped rotation with the wrong sign on the sine term",
  }),

  // ------------------------------------------------------------------ predictive_coder
  planted("predictive_coder", "novelty_reduction_short", "forward", {
    file: `${CODER}/kernels/commit.ts`,
    find: "for (var h = ${WG / 2}u; h > 0u; h = h >> 1u)",
    replace: "for (var h = ${WG / 2}u; h > 1u; h = h >> 1u)",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "gpu_parity"),
    why: "the novelty tree reduction stops one level early: ν misses half the partial sums",
  }),
  planted("predictive_coder", "patch_sum_not_reset", "forward", {
    file: `${CODER}/kernels/commit.ts`,
    find: "      if (commit) { st[${oPsum}u + k] = 0.0; }\n",
    replace: "",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "gpu_parity"),
    why: "the patch sum is not cleared on a commit, so the mean m mixes earlier patches",
  }),
  planted("predictive_coder", "prediction_error_sign", "forward", {
    file: `${CODER}/kernels/commit.ts`,
    find: "feat[frow + k] = uu[k] - st[${oPhat}u + k];",
    replace: "feat[frow + k] = st[${oPhat}u + k] - uu[k];",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "gpu_parity"),
    why: "the prediction error written as p̂ − u instead of u − p̂ (swapped operands)",
  }),
  planted("predictive_coder", "commit_reads_next_state", "causality", {
    file: `${CODER}/kernels/commit.ts`,
    find: "let hrow = (b * prm.tm + t) * prm.units;",
    replace: "let hrow = (b * prm.tm + min(t + 1u, prm.tm - 1u)) * prm.units;",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "gpu_parity"),
    why: "the committer's step t reads the substrate state after token t + 1",
  }),
  planted("predictive_coder", "calibrated_unstandardise_sign", "training", {
    file: `${CODER}/predictive_coder.ts`,
    find: "bf[v] = bf[v]! - c * mu[i]!;",
    replace: "bf[v] = bf[v]! + c * mu[i]!;",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "behaviour_calibrated"),
    why: "folding the standardisation back into the bias with the wrong sign",
  }),
  planted("predictive_coder", "ridge_bias_penalised", "training", {
    file: `${CODER}/predictive_coder.ts`,
    find: "if (i < D) a[i * E + i] = a[i * E + i]! + this.config.ridgeAlpha;",
    replace: "a[i * E + i] = a[i * E + i]! + this.config.ridgeAlpha;",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "property_ridge_normal_equations"),
    why: "the ridge penalty applied to the bias too (the original leaves the bias unpenalised)",
  }),
  planted("predictive_coder", "byte_range_off_by_one", "fault", {
    file: `${CODER}/predictive_coder.ts`,
    find: "v < 0 || v > 255",
    replace: "v < 0 || v > 256",
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: "decepticons coder: input validation",
    why: "an off-by-one byte check lets id 256 into the substrate's token table",
  }),
  planted("predictive_coder", "oracle_min_patch_inclusive", "oracle", {
    file: `${ORACLE}/predictive_coder.ts`,
    find: "else if (st.length < cfg.minPatch) commit = false;",
    replace: "else if (st.length <= cfg.minPatch) commit = false;",
    tests: [`${CODER_SPEC}/oracle_test.ts`],
    filter: claims("predictive_coder", "fixture_parity", "property_patch_bounds"),
    why: "the oracle forbids a commit at ℓ = minPatch (an off-by-one patch bound)",
  }),

  // ------------------------------------------------------------------ linear_recurrence
  planted("linear_recurrence", "chunk_local_gate_dropped", "forward", {
    file: `${SCAN}/kernels/chunk_local.ts`,
    find: "pb = vmul(g, pb) + ld_gb(e);",
    replace: "pb = pb + ld_gb(e);",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "gpu_parity_chunked", "gpu_parity_sequential"),
    why: "the in-chunk input prefix B_i accumulates without the gate (a dropped factor)",
  }),
  planted("linear_recurrence", "complex_multiply_sign", "forward", {
    file: `${SCAN}/kernels/common.ts`,
    find: "x.x * y.y + x.y * y.x",
    replace: "x.x * y.y - x.y * y.x",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "gpu_parity_sequential", "gpu_parity_chunked"),
    why: "the imaginary part of a complex product with a wrong sign",
  }),
  planted("linear_recurrence", "adjoint_gate_index", "backward", {
    file: `${SCAN}/kernels/common.ts`,
    find: "return vconj(ld_ga(base + (t + 1u) * prm.C));",
    replace: "return vconj(ld_ga(base + t * prm.C));",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "gpu_gradients"),
    why: "the adjoint recurrence multiplies λ_{t+1} by a_t instead of a_{t+1}",
  }),
  planted("linear_recurrence", "adjoint_conjugate_dropped", "backward", {
    file: `${SCAN}/kernels/common.ts`,
    find: "fn vconj(x: V) -> V { return vec2f(x.x, -x.y); }",
    replace: "fn vconj(x: V) -> V { return x; }",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "gpu_gradients"),
    why: "complex gradients without the conjugate of the gate and of h_{t−1}",
  }),
  planted("linear_recurrence", "gate_grad_reads_h_t", "backward", {
    file: `${SCAN}/kernels/grad.ts`,
    find: "hp = ld_h(gi - prm.C);",
    replace: "hp = ld_h(gi);",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "gpu_gradients"),
    why: "∂L/∂a_t = λ_t·conj(h_t) instead of λ_t·conj(h_{t−1}): an off-by-one time index",
  }),
  planted("linear_recurrence", "chunk_apply_reads_own_carry", "causality", {
    file: `${SCAN}/kernels/chunk_apply.ts`,
    find: "cin = ld_carry((bi * prm.nC + k - 1u) * prm.C + c);",
    replace: "cin = ld_carry((bi * prm.nC + k) * prm.C + c);",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "property_causality"),
    why: "chunk k enters with the state after chunk k, which already holds its own future steps",
  }),
  planted("linear_recurrence", "init_rank_only", "fault", {
    file: `${SCAN}/linear_recurrence.ts`,
    find: "if (init && init.shape.join() !== stateShape.join()) {",
    replace: "if (init && init.rank !== stateShape.length) {",
    tests: SCAN_GPU,
    filter: claims("linear_recurrence", "fault_validation"),
    why: "the initial state checked for its rank only: a [B, C'] state with C' ≠ C is read",
  }),
  planted("linear_recurrence", "oracle_adjoint_conjugate_dropped", "oracle", {
    file: `${ORACLE}/linear_recurrence.ts`,
    find: "else [xr, xi] = cmul(a[n]!, -a[n + 1]!, xr, xi);",
    replace: "else [xr, xi] = cmul(a[n]!, a[n + 1]!, xr, xi);",
    tests: SCAN_ORACLE,
    filter: claims("linear_recurrence", "oracle_gradcheck"),
    why: "the oracle's complex adjoint multiplies by a_{t+1} instead of its conjugate",
  }),

  // ------------------------------------------------------------------ retention
  planted("retention", "scores_gate_exponent", "forward", {
    file: `${RET}/kernels/chunk_scores.ts`,
    find: "var g = gates[ss];",
    replace: "var g = gates[st];",
    tests: RET_GPU,
    filter: claims("retention", "gpu_parity_gated"),
    why: "the score decay D_ts built from g_t^{t−s} instead of Π_{r=s+1..t} g_r",
  }),
  planted("retention", "scores_gate_exponent_blocked", "forward", {
    file: `${RET}/kernels/chunk_scores.ts`,
    find: "var gs = gates[ss];",
    replace: "var gs = gates[st0];",
    tests: RET_GPU,
    filter: claims("retention", "gpu_parity_gated"),
    why: "the four-step score block decays every entry by the first row's gate g_t, not by g_s",
  }),
  planted("retention", "delta_erase_ungated", "forward", {
    file: `${RET}/kernels/forward.ts`,
    find: "s[c] = g * (s[c] - kc * bu) + kc * wv;",
    replace: "s[c] = g * s[c] - kc * bu + kc * wv;",
    tests: RET_GPU,
    filter: claims("retention", "gpu_parity_delta"),
    why: "the delta rule's erase term β k (k S) left outside the keep gate",
  }),
  // (Shifting the key and query lanes alike only reorders the read's sum: an equivalent.)
  planted("retention", "vec4_key_group_shifted", "forward", {
    file: `${RET}/kernels/forward.ts`,
    find: "if (usesK) out.push(`let ${prefix}k4_${g} = ks[st * ${dk / 4}u + ${g}u];`);",
    replace:
      "if (usesK) out.push(`let ${prefix}k4_${g} = ks[st * ${dk / 4}u + ${(g + 1) % (dk / 4)}u];`);",
    tests: RET_GPU,
    filter: claims("retention", "gpu_parity_gated"),
    why: "the vec4 scan loads rows 4g..4g+3 of the key from the next group of four",
  }),
  planted("retention", "delta_carry_map_sign", "forward", {
    file: `${RET}/kernels/delta_carry.ts`,
    find: "ns[c] = (gc * s[c] - b) + maps[(base + c) * ${w}u + j];",
    replace: "ns[c] = (gc * s[c] + b) + maps[(base + c) * ${w}u + j];",
    tests: RET_GPU,
    filter: claims("retention", "gpu_parity_delta"),
    why: "the chunk map G_c − B_c applied as G_c + B_c in the delta rule's inter-chunk carry",
  }),
  planted("retention", "delta_output_stride", "forward", {
    file: `${RET}/retention.ts`,
    find: 'const o = chunkOutput(p, c, nc, p.dv, scores, din, x, w, 0, sin, z, "o");',
    replace: 'const o = chunkOutput(p, c, nc, p.dv, scores, din, x, p.dv, 0, sin, z, "o");',
    tests: RET_GPU,
    filter: claims("retention", "gpu_parity_delta"),
    why: "the host reads the solved pseudo-values [n, tm, d_v + d_k] with a row stride of d_v",
  }),
  planted("retention", "recurrent_reads_next_value", "causality", {
    file: `${RET}/kernels/forward.ts`,
    find: "let wv = bw * vs[st * ${dv}u + j];",
    replace: "let wv = bw * vs[min(st + 1u, n * prm.tm + prm.tm - 1u) * ${dv}u + j];",
    tests: RET_GPU,
    filter: claims("retention", "property_causality"),
    why: "the recurrent step t writes v_{t+1} into the state: an off-by-one time index",
  }),
  planted("retention", "chunk_carry_enters_after_update", "causality", {
    file: `${RET}/kernels/chunk_carry.ts`,
    find:
      "      sin[(base + c) * ${dv}u + j] = s[c];\n      s[c] = gc * s[c] + ls[(base + c) * ${dv}u + j];",
    replace:
      "      s[c] = gc * s[c] + ls[(base + c) * ${dv}u + j];\n      sin[(base + c) * ${dv}u + j] = s[c];",
    tests: RET_GPU,
    filter: claims("retention", "property_causality"),
    why:
      "the state entering a chunk stored after the chunk's own update: it holds the chunk's future",
  }),
  // backward.ts and grads.ts serve the gated delta rule; (gated) retention takes the fused
  // passes (forward.ts reversed, adjoint.ts, dgate.ts).
  planted("retention", "adjoint_reads_s_t", "backward", {
    file: `${RET}/kernels/backward.ts`,
    find: "let prev = hist[((st - 1u) * ${dk}u + c) * ${tiles}u + jb]",
    replace: "let prev = hist[(st * ${dk}u + c) * ${tiles}u + jb]",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_delta"),
    why: "the delta rule's ⟨dS_t, S_{t−1}⟩ and k_t S_{t−1} read S_t: an off-by-one in the history",
  }),
  planted("retention", "adjoint_gate_dropped", "backward", {
    file: `${RET}/kernels/backward.ts`,
    find: "ds[c] = g * (ds[c] - ks[st * ${dk}u + c] * bwk);",
    replace: "ds[c] = ds[c] - ks[st * ${dk}u + c] * bwk;",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_delta"),
    why: "the delta rule's adjoint state is not multiplied by the keep gate on its way back",
  }),
  planted("retention", "fused_adjoint_gate_unshifted", "backward", {
    file: `${RET}/kernels/adjoint.ts`,
    find: "let next = select(min(st + 1u, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);",
    replace: "let next = select(min(st, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_gated"),
    why: "the fused adjoint pass decays dS_{t+1} by g_t instead of g_{t+1} on its way back",
  }),
  planted("retention", "vec4_checkpoint_columns_swapped", "backward", {
    file: `${RET}/kernels/adjoint.ts`,
    find: "= vec4f(c0_${g}.${x}, c1_${g}.${x}, c2_${g}.${x}, c3_${g}.${x});",
    replace: "= vec4f(c1_${g}.${x}, c0_${g}.${x}, c2_${g}.${x}, c3_${g}.${x});",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_gated"),
    why: "the vec4 adjoint rebuilds a chunk's entering state with columns j and j + 1 swapped",
  }),
  planted("retention", "fused_dk_scan_gate_unshifted", "backward", {
    file: `${RET}/kernels/forward.ts`,
    find: "let next = select(min(st + 1u, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);",
    replace: "let next = select(min(st, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_gated"),
    why: "the reversed scan behind dk decays dSᵀ_{t+1} by g_t instead of g_{t+1}",
  }),
  planted("retention", "fixed_gate_dv_forward_in_time", "backward", {
    file: `${RET}/retention.ts`,
    find: "scan(false, true, io);",
    replace: "scan(false, false, io);",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients"),
    why:
      "with fixed gates, dv's scan runs forwards in time (the causal state S, not the adjoint dS)",
  }),
  planted("retention", "dv_scan_roles_swapped", "backward", {
    file: `${RET}/retention.ts`,
    find: "const io = { qs: p.k, ks: p.q, vs: dO, os: dv };",
    replace: "const io = { qs: p.q, ks: p.k, vs: dO, os: dv };",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients"),
    why: "dv_t reads q_t·dS_t and builds dS from k_tᵀ do_t (q and k swapped) in the dv scan of " +
      "fixed gates and of a learned γ",
  }),
  planted("retention", "adjoint_checkpoints_skipped", "backward", {
    file: `${RET}/retention.ts`,
    find: "const ck = adjoint && nck > 1",
    replace: "const ck = !adjoint && nck > 1",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_gated"),
    why: "the checkpoints are stored only when no adjoint pass will read them (learned per-step " +
      "gates rebuild their chunks from the zero state)",
  }),
  planted("retention", "decay_grad_e_undecayed", "backward", {
    file: `${RET}/kernels/forward.ts`,
    find: "? `e[c] = g * e[c] + s[c];",
    replace: "? `e[c] = e[c] + s[c];",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients"),
    why: "the decay-gradient scan sums E_t = Σ_{t'>t} dS_{t'} without γ^{t'−t−1}",
  }),
  planted("retention", "decay_grad_reads_ds", "backward", {
    file: `${RET}/kernels/forward.ts`,
    find: "w = w + qs[st * ${dk}u + c] * e[c];`",
    replace: "w = w + qs[st * ${dk}u + c] * s[c];`",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients"),
    why: "∂L/∂γ summed as Σ_t k_t dS_t v_tᵀ (dS_t for E_t: S_t in place of S_{t−1})",
  }),
  planted("retention", "decay_grad_carry_dropped", "backward", {
    file: `${RET}/kernels/forward.ts`,
    find: "acc = gps[n * ${tiles}u + jb];`",
    replace: "acc = vec4f(0.0);`",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients"),
    why: "a launch after the first drops the decay sums of the later steps (launches split T)",
  }),
  planted("retention", "scan_launch_carry_dropped", "backward", {
    file: `${RET}/kernels/forward.ts`,
    find: "if (prm.t0 > 0u) {",
    replace: "if (prm.t0 > prm.tm) {",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients"),
    why: "a scan's second launch (T past the loop budget) starts from a zero state, not the carry",
  }),
  planted("retention", "beta_grad_sign", "backward", {
    file: `${RET}/kernels/grads.ts`,
    find: "db = db + w * (vs[st * ${dv}u + j] - g * u);",
    replace: "db = db + w * (vs[st * ${dv}u + j] + g * u);",
    tests: RET_GPU,
    filter: claims("retention", "gpu_gradients_delta"),
    why: "∂L/∂β_t with v_t + g_t k_t S_{t−1} instead of v_t − g_t k_t S_{t−1}",
  }),
  planted("retention", "key_shape_unchecked", "fault", {
    file: `${RET}/retention.ts`,
    find: "if (k.shape[0] !== n || k.shape[1] !== tm || k.shape[2] !== dk) {",
    replace: "if (k.shape[0] !== n || k.shape[2] !== dk) {",
    tests: RET_GPU,
    filter: "retention ops validate shapes",
    why: "keys with another sequence length than the queries are accepted and read past the end",
  }),
  planted("retention", "oracle_gate_grad_term_dropped", "oracle", {
    file: `${ORACLE}/retention.ts`,
    find: "dGates[st] = dg - be * wu;",
    replace: "dGates[st] = dg;",
    tests: RET_ORACLE,
    filter: claims("retention", "oracle_gradcheck"),
    why: "the oracle's delta-rule gate gradient without the −β⟨w, u⟩ term",
  }),
  planted("retention", "oracle_parallel_decay_index", "oracle", {
    file: `${ORACLE}/retention.ts`,
    find: "if (s < t) dts *= p.gates[b * T + s + 1]!;",
    replace: "if (s < t) dts *= p.gates[b * T + s]!;",
    tests: RET_ORACLE,
    filter: claims("retention", "property_forms_agree"),
    why: "the oracle's parallel form decays with Π_{r=s..t−1} g_r instead of Π_{r=s+1..t} g_r",
  }),
  // ------------------------------------------------------------------ byte_lm
  // (one contiguous block: files and tests named inline)
  planted("byte_lm", "label_leak", "training", {
    file: "impl/decepticons/byte_lm/byte_lm.ts",
    find: "const loss = this.#crossEntropy(logits, targets, b, t);",
    replace: "const loss = this.#crossEntropy(logits, tokens, b, t);",
    tests: ["spec/decepticons/byte_lm/byte_lm_test.ts"],
    filter: claims("byte_lm", "behaviour_trains"),
    why: "the training step scores each position against its own input byte: the model learns " +
      "to copy its input, and the held-out bits per byte, scored against the true next bytes, " +
      "miss the claim's margins",
  }),
  planted("byte_lm", "frozen_gates_row0", "forward", {
    file: "impl/decepticons/byte_lm/byte_lm.ts",
    find: "for (let i = 0; i < b * t; i++) host.set(this.#decays, i * M);",
    replace: "for (let i = 0; i < t; i++) host.set(this.#decays, i * M);",
    tests: ["spec/decepticons/byte_lm/gpu_test.ts"],
    filter: claims("byte_lm", "gpu_parity", "gpu_gradients"),
    why: "the frozen bank's gates are filled for batch row 0 only, later rows scan with gates 0 " +
      "(training and causality still pass): gpu_parity 1.3e5, gpu_gradients 1.5e5",
  }),
  planted("byte_lm", "local_path_detached", "backward", {
    file: "impl/decepticons/byte_lm/byte_lm.ts",
    find: 'embedding(this.#p("embedding"), concat(cols, 2)),',
    replace: 'noGrad(() => embedding(this.#p("embedding"), concat(cols, 2))),',
    tests: ["spec/decepticons/byte_lm/gpu_test.ts"],
    filter: claims("byte_lm", "gpu_gradients"),
    why: "the local path's embedding read records no graph node, so the table's gradient drops " +
      "the window's term; the forward is unchanged (gpu_parity 0.044), gpu_gradients 517",
  }),
  planted("byte_lm", "oracle_key_norm_term_dropped", "oracle", {
    file: "spec/oracle/decepticons/byte_lm.ts",
    find: "sg.dk[r * ds + i]! / nu - (kh[r * ds + i]! * dot) / nu ** 3",
    replace: "sg.dk[r * ds + i]! / nu",
    tests: ["spec/decepticons/byte_lm/oracle_test.ts"],
    filter: claims("byte_lm", "oracle_gradcheck"),
    why: "the oracle differentiates the gated delta keys k/ν as if the norm ν were constant: " +
      "oracle_gradcheck 0.39 (gated_delta embedding)",
  }),
  // ------------------------------------------------------------------ end byte_lm
  // ------------------------------------------------------------------ claims added late
  planted("linear_recurrence", "division_scan_without_clamp", "oracle", {
    file: `${ORACLE}/linear_recurrence.ts`,
    find: "acc += b[e]! / Math.max(A, 1e-8);",
    replace: "acc += b[e]! / A;",
    tests: SCAN_ORACLE,
    filter: claims("linear_recurrence", "divergence_division"),
    why: "a re-derivation of the original's division-based chunked scan that drops its clamp of " +
      "the running product: exact in f64, so the finding at gate 0.18 would vanish",
  }),
  planted("predictive_coder", "fit_default_ridge", "fault", {
    file: `${CODER}/fit.ts`,
    find: 'const readout = values.get("readout") ?? "calibrated";',
    replace: 'const readout = values.get("readout") ?? "ridge";',
    tests: [`${CODER_SPEC}/gpu_test.ts`],
    filter: claims("predictive_coder", "behaviour_fit_cli"),
    why: "fit defaults to the near-uniform ridge readout, which does not continue the quickstart",
  }),
];
