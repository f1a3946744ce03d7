/**
 * Claims of AMS v4's query heads and cross-bundle attention (impl/ams/cross_bundle/).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definitions come from. */
export const CROSS_BUNDLE_SOURCE =
  "FluffyAIcode/AgentMemorySystem:ams_v4/attention/query_heads.py, " +
  "ams_v4/attention/cross_bundle.py (CrossBundleAttention) (PR #30)";

/** The original's unit tests the shape, gradient and allocation claims come from. */
export const CROSS_BUNDLE_TESTS = "FluffyAIcode/AgentMemorySystem:tests/test_v44.py (PR #30)";

/** The parity bound in words, shared by the properties that compare two GPU runs. */
const TWO_RUN_BOUND = "per element |GPU(a) − GPU(b)| <= e_a + e_b, e the rigorous f32 error " +
  "bound of each run from the tracked replay of every op (spec/oracle/ams/cross_bundle.ts); " +
  "figure: the worst |Δ|/(e_a + e_b)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** f64 oracle gradients vs central differences. */
export const CB_GRADCHECK = claim({
  id: "ams.cross_bundle.oracle_gradcheck",
  statement: "the f64 oracle's analytic gradients of the prefix (query-head LayerNorm and " +
    "linears, the three MultiheadAttentions over the fibers with a key padding mask, the slot " +
    "lifts, the prefix LayerNorm and prefix_scale) with respect to h, the fibers and every " +
    "parameter match central differences",
  source: CROSS_BUNDLE_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU forward vs oracle. */
export const CB_GPU_PARITY = claim({
  id: "ams.cross_bundle.gpu_parity",
  statement: "the GPU prefix and per-head attention weights match the f64 oracle element by " +
    "element on fixed cases (d_LLM 48 with Cfg4's fiber dims, heads and slots, B 1–3, M 1–8, " +
    "with and without masks) and fuzzed ones (other fiber dims, heads and slot splits)",
  source: `${CROSS_BUNDLE_SOURCE}; memspec's ops against spec/oracle/ams/cross_bundle.ts`,
  bound: "error/bound <= 1 per element, the bound from the running error analysis of every " +
    "f32 op the GPU runs (the oracle's tracked replay)",
  kind: "parity",
});

/** GPU backward vs oracle. */
export const CB_GPU_GRADIENTS = claim({
  id: "ams.cross_bundle.gpu_gradients",
  statement: "the GPU gradients of h, the three fiber stacks and every parameter (query heads, " +
    "the three MHAs, every lift, the prefix LayerNorm, prefix_scale) match the oracle's " +
    "analytic gradients on the same cases",
  source: `${CROSS_BUNDLE_SOURCE}; memspec's autograd against spec/oracle/ams/cross_bundle.ts`,
  bound: "error/bound <= 1 per element, bounds from the tracked replay of each op's backward",
  kind: "parity",
});

/** Oracle and GPU vs torch. */
export const CB_FIXTURE_PARITY = claim({
  id: "ams.cross_bundle.fixture_parity",
  statement: "an independent torch 1.13 float64 implementation (nn.LayerNorm, nn.Linear, " +
    "nn.MultiheadAttention with average_attn_weights=False) on stored weights, h, fibers and " +
    "masks gives the per-head attention weights and the prefix that the oracle and the GPU " +
    "module give",
  source: `${CROSS_BUNDLE_SOURCE}; fixtures/gen/ams_cross_bundle_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); GPU vs torch: max abs <= 1e-5",
  kind: "parity",
});

/** Query heads. */
export const CB_QUERY_HEADS = claim({
  id: "ams.cross_bundle.property_query_heads",
  statement: "the query heads return q_time, q_topic, q_ctx of shapes (B, d_F_time), " +
    "(B, d_F_topic), (B, d_F_ctx) (32/64/48 at Cfg4's defaults), their values are the " +
    "oracle's Linear_b(LayerNorm(h)) within derived bounds, and the three heads are distinct " +
    "(separate parameters; no head's output equals another's on their common columns)",
  source: `${CROSS_BUNDLE_TESTS} (query head shapes); ${CROSS_BUNDLE_SOURCE}`,
  bound: "violations = 0 (a wrong shape, an element outside its derived bound, two heads " +
    "sharing a parameter tensor, or two heads' common columns equal)",
  kind: "property",
  direction: "==",
});

/** Prefix shape, invariant 6. */
export const CB_PREFIX_SHAPE = claim({
  id: "ams.cross_bundle.property_prefix_shape",
  statement: "for random M ∈ [1, 64] entries and batch B ∈ [1, 4] the prefix has shape " +
    "(B, L_mem, d_LLM), checked with the invariant-6 checker (invariants/ams_store.ts " +
    "checkAmsPrefixShape), and every element is finite",
  source: `${CROSS_BUNDLE_TESTS}; ARCHITECTURE_v4.md §6 invariant 6; ${CROSS_BUNDLE_SOURCE} ` +
    "(its shape assert)",
  bound: "cases failing the checker or holding a non-finite element = 0",
  kind: "property",
  direction: "==",
});

/** Gradient to the time head. */
export const CB_GRADIENT_REACHES = claim({
  id: "ams.cross_bundle.property_gradient_time_head",
  statement: "on random fibers, a backward from a random upstream gradient of the prefix gives " +
    "query_heads.q_time.weight a nonzero gradient, and every gradient (h, fibers, all " +
    "parameters) is finite",
  source: `${CROSS_BUNDLE_TESTS} (gradient reaches q_time.weight)`,
  bound: "min over cases of the f64 oracle's max |∂q_time.weight| / (1e-12 · its largest " +
    "gradient element) >= 1 (nonzero above f64 rounding); the GPU's max |∂q_time.weight| >= the " +
    "smallest normal f32; non-finite gradient elements = 0",
  kind: "property",
  direction: ">=",
});

/** Eval determinism. */
export const CB_DETERMINISM = claim({
  id: "ams.cross_bundle.property_eval_determinism",
  statement: "two eval-mode forwards on the same inputs give bit-identical prefixes and " +
    "attention weights",
  source: `${CROSS_BUNDLE_TESTS} (eval determinism)`,
  bound: "differing elements = 0 (the original's 1e-6, tightened to bit identity)",
  kind: "property",
  direction: "==",
});

/** Time perturbation moves the time slots only. */
export const CB_TIME_ALLOCATION = claim({
  id: "ams.cross_bundle.property_time_perturbation",
  statement: "perturbing the time fibers (amplitude 10) moves the time slots, and leaves the " +
    "topic and ctx slots bit for bit unchanged (the prefix LayerNorm acts per slot, so a slot " +
    "depends on its own bundle only): the original's inequality 'time slots move more than " +
    "topic/ctx' holds in its strongest form",
  source: `${CROSS_BUNDLE_TESTS}::test_cross_bundle_slot_allocation_matches_cfg`,
  bound: "topic/ctx elements that changed = 0; time slots: worst |Δ| / (e_a + e_b) >= 1, the " +
    "change above the two runs' derived rounding bounds",
  kind: "property",
  direction: "==",
});

/** Permutation invariance. */
export const CB_PERMUTATION = claim({
  id: "ams.cross_bundle.property_permutation",
  statement: "permuting the M entries (fibers and mask together) leaves the prefix unchanged " +
    "up to rounding (the original measured 2.6e-8)",
  source: `${CROSS_BUNDLE_SOURCE} (derived; attention is a sum over entries)`,
  bound: TWO_RUN_BOUND + " <= 1",
  kind: "property",
});

/** Duplicate invariance. */
export const CB_DUPLICATE = claim({
  id: "ams.cross_bundle.property_duplicate",
  statement: "storing every entry twice leaves the prefix unchanged up to rounding (each " +
    "softmax weight halves; the original measured 2.2e-8)",
  source: `${CROSS_BUNDLE_SOURCE} (derived)`,
  bound: TWO_RUN_BOUND + " <= 1",
  kind: "property",
});

/** Single entry: the query does not matter. */
export const CB_SINGLE_ENTRY = claim({
  id: "ams.cross_bundle.property_single_entry",
  statement: "with M = 1 the attention weight is 1 and the prefix is independent of the query: " +
    "different h give bit-identical prefixes (s − max s = 0 exactly, whatever the scores)",
  source: `${CROSS_BUNDLE_SOURCE} (derived; the original measured a difference of exactly 0)`,
  bound: "max |Δprefix| over pairs of queries = 0; weights differing from 1: 0",
  kind: "property",
  direction: "==",
});

/** Mask equivalence. */
export const CB_MASK = claim({
  id: "ams.cross_bundle.property_mask_equivalence",
  statement: "masking every entry but one gives the single-entry prefix (the original " +
    "measured 2.6e-8)",
  source: `${CROSS_BUNDLE_SOURCE} (derived; key_padding_mask True = ignore)`,
  bound: TWO_RUN_BOUND + " <= 1",
  kind: "property",
});

/** Slot norm at init. */
export const CB_SLOT_NORM = claim({
  id: "ams.cross_bundle.property_slot_norm",
  statement: "at init (prefix LayerNorm weight 1, bias 0, prefix_scale = 1/√d_LLM) each slot's " +
    "L2 norm is prefix_scale·√d_LLM·√(σ²/(σ² + 1e-5)), σ² the slot's biased variance before " +
    "the LayerNorm: just under 1 (the original measured 0.9997–0.9998 at d_LLM 1536; checked " +
    "here at 48 and 1536)",
  source: `${CROSS_BUNDLE_SOURCE} (prefix_scale, commit a86ea25; derived)`,
  bound: "per slot |‖slot‖ − formula| <= ‖e_slot‖₂ + 1e-12 (triangle inequality on the " +
    "derived per-element bounds, plus the f64 oracle's rounding); figure: worst ratio",
  kind: "property",
});

/** Bad input. */
export const CB_FAULT = claim({
  id: "ams.cross_bundle.fault",
  statement: "M = 0 entries, fibers of the wrong width, unequal entry counts across bundles, a " +
    "mask of the wrong length or element type, a mask that hides every entry of a row, h of " +
    "the wrong width, NaN in h or in a fiber, and weights of the wrong size raise the " +
    "documented typed error before any GPU work, with no leaked buffer",
  source: `${CROSS_BUNDLE_SOURCE} (its asserts); memspec's error conventions`,
  bound: "cases without the documented error = 0",
  kind: "fault",
  direction: "==",
});

/** Seeded PyTorch-default initialisation. */
export const CB_INIT = claim({
  id: "ams.cross_bundle.property_init",
  statement: "seeded construction reproduces PyTorch's default initialisation in distribution " +
    "at Cfg4's defaults (d_LLM 1536): nn.Linear weights and biases (query heads, lifts) and " +
    "each MHA's out_proj.weight in U(±1/√fan_in), each in_proj_weight xavier-uniform " +
    "U(±√(6/(4·d_F))), MHA biases 0, LayerNorms ones/zeros, prefix_scale = 1/√d_LLM (rounded " +
    "to f32); the same seed gives the same parameters bit for bit and another seed different ones",
  source: "PyTorch 1.13 nn.Linear.reset_parameters, nn.MultiheadAttention._reset_parameters, " +
    `nn.LayerNorm; ${CROSS_BUNDLE_SOURCE} (prefix_scale init)`,
  bound: "violations = 0: values outside their bound, sample mean or variance of a tensor " +
    "(>= 32 values) more than 6 standard errors from 0 and b²/3, a constant not its value, " +
    "seeded runs differing, seeds not differing",
  kind: "property",
  direction: "==",
});
