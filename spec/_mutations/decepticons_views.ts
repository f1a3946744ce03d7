/**
 * Planted bugs of the decepticons feature views, experts, causal predictive adapter, memory
 * caches, oracle analysis and patch-latent blocks (impl/decepticons/{hierarchical_views,
 * linear_views, sampled_readout, experts, causal_predictive, memory_cache, oracle_analysis,
 * patch_latent_blocks}): each a real mistake an implementation could make, and the claims that
 * must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const IMPL = "impl/decepticons";
const SPEC = "spec/decepticons";
const test = (mech: string) => [`${SPEC}/${mech}/${mech}_test.ts`];

/** The planted bugs of the views, experts, caches and analysis blocks. */
export const DECEPTICONS_VIEWS_MUTATIONS: readonly Mutation[] = [
  planted("hierarchical_views", "fast_leak_dropped", "forward", {
    file: `${IMPL}/hierarchical_views/hierarchical_views.ts`,
    find: "out[o++] = s[i]! - this.fastLeak * Math.tanh(s[F + i]!);",
    replace: "out[o++] = s[i]! - Math.tanh(s[F + i]!);",
    tests: test("hierarchical_views"),
    filter: claims("hierarchical_views", "fixture_parity"),
    why: "the fast-minus-mid prediction error without the fast layer's leak rate λ_f",
  }),
  planted("hierarchical_views", "previous_state_ignored", "forward", {
    file: `${IMPL}/hierarchical_views/hierarchical_views.ts`,
    find: "const d = s[i]! - (prev ? prev[i]! : 0);",
    replace: "const d = s[i]!;",
    tests: test("hierarchical_views"),
    filter: claims("hierarchical_views", "fixture_parity"),
    why: "the delta block always the whole state, as if no previous state were ever given",
  }),
  planted("hierarchical_views", "slow_layer_not_strided", "forward", {
    file: `${IMPL}/experts/host_substrate.ts`,
    find: "if (l.stride === 1 || (phase + 1) % l.stride === 0) {",
    replace: "if (l.stride >= 1) {",
    tests: test("hierarchical_views"),
    filter: claims("hierarchical_views", "fixture_parity"),
    why: "the host stepper moves the slow layer every step, ignoring its refresh stride",
  }),
  planted("linear_views", "signed_drift", "forward", {
    file: `${IMPL}/linear_views/linear_views.ts`,
    find: "if (prev) d += Math.abs(x - prev[k * E + e]!);",
    replace: "if (prev) d += x - prev[k * E + e]!;",
    tests: test("linear_views"),
    filter: claims("linear_views", "fixture_parity"),
    why: "the drift as a signed mean difference: opposite moves cancel",
  }),
  planted("sampled_readout", "energy_as_mean_abs", "forward", {
    file: `${IMPL}/sampled_readout/sampled_readout.ts`,
    find: "q += state[i]! * state[i]!;",
    replace: "q += Math.abs(state[i]!);",
    tests: test("sampled_readout"),
    filter: claims("sampled_readout", "fixture_parity"),
    why: "the band energy as the mean absolute value instead of the mean square",
  }),
  planted("sampled_readout", "drawn_indices_not_offset", "forward", {
    file: `${IMPL}/sampled_readout/sampled_readout.ts`,
    find: "indices: Object.freeze(rel.map((i) => i + start)),",
    replace: "indices: Object.freeze(rel.map((i) => i)),",
    tests: test("sampled_readout"),
    filter: claims("sampled_readout", "fixture_parity", "property_seeded_indices"),
    why: "band-relative indices read as absolute ones: every band samples the first band",
  }),
  planted("sampled_readout", "repeated_indices_accepted", "fault", {
    file: `${IMPL}/sampled_readout/sampled_readout.ts`,
    find: "if (new Set(rel).size !== rel.length) {",
    replace: "if (rel.length < 0) {",
    tests: test("sampled_readout"),
    filter: claims("sampled_readout", "fault"),
    why: "repeated sample indices accepted at construction",
  }),
  planted("experts", "bias_penalised", "forward", {
    file: `${IMPL}/experts/experts.ts`,
    find: "for (let i = 0; i < D; i++) a[i * E + i] = a[i * E + i]! + this.alpha;",
    replace: "for (let i = 0; i < E; i++) a[i * E + i] = a[i * E + i]! + this.alpha;",
    tests: test("experts"),
    filter: claims("experts", "fixture_parity"),
    why: "the ridge penalty applied to the bias row too (the original leaves it unpenalised)",
  }),
  planted("experts", "quadratic_scoring", "forward", {
    file: `${IMPL}/experts/experts.ts`,
    find: "const p = this.#probs(this.#trace(op, seq.slice(0, n)), w);",
    replace: "const p = new Float64Array(n * this.vocabSize);\n" +
      "    for (let k = 1; k <= n; k++) {\n" +
      "      const rows = this.#probs(this.#trace(op, seq.slice(0, k)), w);\n" +
      "      p.set(rows.subarray((k - 1) * this.vocabSize), (k - 1) * this.vocabSize);\n" +
      "    }",
    tests: test("experts"),
    filter: claims("experts", "property_linear_scoring"),
    why: "the original's scoring: the expert re-run over every prefix, n(n − 1)/2 steps",
  }),
  planted("experts", "calibrated_mean_not_folded", "training", {
    file: `${IMPL}/experts/experts.ts`,
    find: "w[D * V + v] = w[D * V + v]! - c * mu[i]!;",
    replace: "w[D * V + v] = w[D * V + v]!;",
    tests: test("experts"),
    filter: claims("experts", "divergence_calibration_ceiling"),
    why: "the calibrated readout trained on centred features but applied to raw ones",
  }),
  planted("causal_predictive", "base_support_dropped", "forward", {
    file: `${IMPL}/causal_predictive/causal_predictive.ts`,
    find: "const baseSupport = exact.reduce((a, e) => Math.max(a, e.support), 0);",
    replace: "const baseSupport = 0;",
    tests: test("causal_predictive"),
    filter: claims("causal_predictive", "fixture_parity"),
    why: "the base distribution mixed without its support (the largest log1p(total))",
  }),
  planted("causal_predictive", "row_sees_its_target", "causality", {
    file: `${IMPL}/causal_predictive/causal_predictive.ts`,
    find: "const ctx = seq.slice(0, t);",
    replace: "const ctx = seq.slice(0, t + 1);",
    tests: test("causal_predictive"),
    filter: claims("causal_predictive", "fixture_parity", "property_causality"),
    why: "the context of row t includes x_t, the token it predicts",
  }),
  planted("memory_cache", "active_is_highest", "forward", {
    file: `${IMPL}/memory_cache/memory_cache.ts`,
    find: "for (let k = 1; k < records.length; k++) if (records[k]!.total > 0) active = k;",
    replace: "for (let k = 1; k < records.length; k++) active = k;",
    tests: test("memory_cache"),
    filter: claims("memory_cache", "fixture_parity", "property_modes"),
    why: "the exact cache's active record is the highest order even when its context is unseen",
  }),
  planted("memory_cache", "available_always", "forward", {
    file: `${IMPL}/memory_cache/memory_cache.ts`,
    find: "available: L >= k,",
    replace: "available: true,",
    tests: test("memory_cache"),
    filter: claims("memory_cache", "fixture_parity"),
    why: "every back-off order marked available, even when the prefix is too short",
  }),
  planted("oracle_analysis", "oracle_reads_forward_run", "causality", {
    file: `${IMPL}/oracle_analysis/oracle_analysis.ts`,
    find: "const oracle = this.#feature(rev, T - c);",
    replace: "const oracle = this.#feature(fwd, T - c);",
    tests: test("oracle_analysis"),
    filter: claims("oracle_analysis", "property_causal_split"),
    why: "the oracle feature taken from the forward run: it reads the past, not the future",
  }),
  planted("patch_latent_blocks", "ids_wrapped_to_bytes", "fault", {
    file: `${IMPL}/patch_latent_blocks/patch_latent_blocks.ts`,
    find: "const a = Array.from(tokens as ArrayLike<unknown>);",
    replace: "const a = Array.from(tokens as ArrayLike<number>, (t) => t & 255);",
    tests: test("patch_latent_blocks"),
    filter: claims("patch_latent_blocks", "divergence_ids_never_wrapped"),
    why: "the original's uint8 coercion before the range check: 300 read as 44, −1 as 255",
  }),
  planted("patch_latent_blocks", "radius_not_divided", "forward", {
    file: `${IMPL}/patch_latent_blocks/patch_latent_blocks.ts`,
    find: "this.recurrent = this.recurrent.map((w) => (w * rho) / r);",
    replace: "this.recurrent = this.recurrent.map((w) => w * rho);",
    tests: test("patch_latent_blocks"),
    filter: claims("patch_latent_blocks", "divergence_spectral_radius"),
    why: "the recurrent matrix multiplied by the asked radius without dividing by its own",
  }),
  planted("patch_latent_blocks", "mix_weights_swapped", "forward", {
    file: `${IMPL}/patch_latent_blocks/patch_latent_blocks.ts`,
    find: "return mean.map((m, j) => (1 - this.mix) * m + this.mix * last[j]!);",
    replace: "return mean.map((m, j) => this.mix * m + (1 - this.mix) * last[j]!);",
    tests: test("patch_latent_blocks"),
    filter: claims("patch_latent_blocks", "property_pooler"),
    why: "the pooler's mix weight applied to the mean instead of the last row",
  }),
];
