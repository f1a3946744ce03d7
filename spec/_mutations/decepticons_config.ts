/**
 * Planted bugs of the causal bank's full configuration (impl/decepticons/causal_bank/config.ts):
 * the field checks, the original's defaults, the refused combinations of every group and the
 * learnable substrate keys; each a real mistake a validator could make, and the claims that must
 * catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("decepticons");
const FILE = "impl/decepticons/causal_bank/config.ts";
const TESTS = ["spec/decepticons/causal_bank/fields_test.ts"];

/** The planted bugs of the causal-bank configuration. */
export const DECEPTICONS_CONFIG_MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ fields
  planted("causal_bank", "num_blocks_zero_accepted", "fault", {
    file: FILE,
    find: 'positiveInt(cfg, "numBlocks", 1);',
    replace: 'positiveInt(cfg, "numBlocks", 0);',
    tests: TESTS,
    filter: claims("causal_bank", "fault_fields"),
    why: "a lower bound of 0 lets numBlocks = 0 through (no substrate pass at all)",
  }),
  planted("causal_bank", "list_entry_minimum_dropped", "fault", {
    file: FILE,
    find: "if (!Number.isInteger(x) || x < min || x > max) {",
    replace: "if (!Number.isInteger(x) || x > max) {",
    tests: TESTS,
    filter: claims("causal_bank", "fault_fields"),
    why: "hidden widths checked only from above: a zero-width hidden layer is accepted",
  }),
  planted("causal_bank", "fast_ratio_closed", "fault", {
    file: FILE,
    find: 'real(cfg, "fastHemisphereRatio", (x) => x > 0 && x < 1, "in (0, 1)");',
    replace: 'real(cfg, "fastHemisphereRatio", (x) => x > 0 && x <= 1, "in (0, 1)");',
    tests: TESTS,
    filter: claims("causal_bank", "fault_fields"),
    why: "a closed interval lets fastHemisphereRatio = 1 through (every entry fast)",
  }),
  // ------------------------------------------------------------------ defaults
  planted("causal_bank", "local_scale_default", "forward", {
    file: FILE,
    find: "localScale: 0.25,",
    replace: "localScale: 0.5,",
    tests: TESTS,
    filter: claims("causal_bank", "property_defaults"),
    why: "a default that is not the original's: the local path weighted 0.5 instead of 0.25",
  }),
  // ------------------------------------------------------------------ keys
  planted("causal_bank", "recurrence_trains_decays", "training", {
    file: FILE,
    find: 'learned_recurrence: Object.freeze(["in_proj", "gate_w", "gate_b"]),',
    replace: 'learned_recurrence: Object.freeze(["in_proj", "decays", "gate_w", "gate_b"]),',
    tests: TESTS,
    filter: claims("causal_bank", "divergence_learnable_keys"),
    why: "the original's list: the learned recurrence 'trains' decays its forward never reads",
  }),
  // ------------------------------------------------------------------ combinations
  planted("causal_bank", "one_retention_head_split", "fault", {
    file: FILE,
    find: "if (cfg.numHeads < 2 || fast >= cfg.numHeads) {",
    replace: "if (cfg.numHeads < 2 && fast >= cfg.numHeads) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_hemispheres_need_state"),
    why: "retention hemispheres checked for one head only: two heads both fast are accepted",
  }),
  planted("causal_bank", "scan_state_without_slow_part", "fault", {
    file: FILE,
    find: "if (fast >= cfg.stateDim) {",
    replace: "if (fast > cfg.stateDim) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_hemispheres_need_state"),
    why: "an off-by-one: a one-entry scan state is split into one fast entry and no slow one",
  }),
  planted("causal_bank", "fast_heads_round_half_up", "fault", {
    file: FILE,
    find: "return Math.max(roundHalfEven(numHeads * ratio), 1);",
    replace: "return Math.max(Math.round(numHeads * ratio), 1);",
    tests: TESTS,
    filter: claims("causal_bank", "fault_combinations"),
    why: "rounding half up where the original's Python round is half to even: three heads at " +
      "ratio 2.5/3 count 3 fast heads and are refused",
  }),
  planted("causal_bank", "band_hidden_width_zero", "fault", {
    file: FILE,
    find: "if (Math.floor(h / n) < 1) {",
    replace: "if (Math.floor(h / n) < 0) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_band_layout"),
    why: "the original's zero-width band hidden layers accepted (a band that emits its bias)",
  }),
  planted("causal_bank", "recurrent_bands_accepted", "fault", {
    file: FILE,
    find: 'if (kind === "recurrent") {',
    replace: 'if (kind === "recurrent" && n > 65536) {',
    tests: TESTS,
    filter: claims("causal_bank", "divergence_band_layout"),
    why: "recurrent bands accepted, which the original silently builds as MLP bands",
  }),
  planted("causal_bank", "band_experts_without_bands", "fault", {
    file: FILE,
    find: "if (n === 1 || experts.length !== n) {",
    replace: "if (experts.length !== n) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_band_layout"),
    why: "per-band experts accepted for a readout with no bands (never read)",
  }),
  planted("causal_bank", "patch_n_with_local_path", "fault", {
    file: FILE,
    find: "if (cfg.enableLocal) {",
    replace: "if (cfg.enableLocal && !cfg.enableLinear) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_patch_n"),
    why: "patchN with the local path accepted: one-byte local logits beside per-byte heads",
  }),
  planted("causal_bank", "trust_without_table", "fault", {
    file: FILE,
    find: 'if (cfg.trustRouting && cfg.tablePath === "") {',
    replace: 'if (cfg.trustRouting && cfg.tablePath === " ") {',
    tests: TESTS,
    filter: claims("causal_bank", "divergence_trust_table"),
    why: "trust routing without a table accepted, failing only at the first forward",
  }),
  planted("causal_bank", "snapshot_interval_zero", "causality", {
    file: FILE,
    find: 'positiveInt(cfg, "temporalSnapshotInterval", 1);',
    replace: 'positiveInt(cfg, "temporalSnapshotInterval", 0);',
    tests: TESTS,
    filter: claims("causal_bank", "divergence_temporal_interval"),
    why: "temporal attention with interval 0: no snapshot mask, the original's non-causal path",
  }),
  planted("causal_bank", "stride_with_two_blocks", "fault", {
    file: FILE,
    find: "if (cfg.blockStride > 1 && cfg.numBlocks < 3) {",
    replace: "if (cfg.blockStride > 1 && cfg.numBlocks < 2) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_silent_settings"),
    why: "a block stride accepted with two blocks, whose only extra block is never strided",
  }),
  planted("causal_bank", "static_gate_without_pairs", "fault", {
    file: FILE,
    find: "if (cfg.staticBankGate && pairs === 0) {",
    replace: "if (cfg.staticBankGate && pairs < 0) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_silent_settings"),
    why:
      "the static bank gate accepted without an oscillatory pair (the original then builds none)",
  }),
  planted("causal_bank", "decoder_without_patches", "fault", {
    file: FILE,
    find: 'if (cfg.patchSize === 1 && cfg.patchDecoder !== "none") {',
    replace: 'if (cfg.patchSize === 0 && cfg.patchDecoder !== "none") {',
    tests: TESTS,
    filter: claims("causal_bank", "divergence_silent_settings"),
    why: "a patch decoder accepted with patchSize 1, where no patch is ever decoded",
  }),
  planted("causal_bank", "hash_memory_without_linear_path", "fault", {
    file: FILE,
    find: '["hashMemory", cfg.hashMemory],',
    replace: '["hashMemory", false],',
    tests: TESTS,
    filter: claims("causal_bank", "divergence_silent_settings"),
    why: "the hash memory accepted with the linear path off, where nothing reads it",
  }),
  planted("causal_bank", "router_of_one_bank", "fault", {
    file: FILE,
    find: "if (cfg.substrateNBanks < 2 || cfg.substrateNBanks > cfg.linearModes) {",
    replace: "if (cfg.substrateNBanks < 1 || cfg.substrateNBanks > cfg.linearModes) {",
    tests: TESTS,
    filter: claims("causal_bank", "divergence_silent_settings"),
    why: "a router of one bank accepted: the softmax over one bank is always 1",
  }),
  planted("causal_bank", "gated_mix_of_one_path", "fault", {
    file: FILE,
    find: 'if (cfg.mixMode === "gated" && !(cfg.enableLinear && cfg.enableLocal)) {',
    replace: 'if (cfg.mixMode === "gated" && !(cfg.enableLinear || cfg.enableLocal)) {',
    tests: TESTS,
    filter: claims("causal_bank", "fault_combinations"),
    why: "the gated mix accepted with one path off, where it has nothing to gate",
  }),
];
