/**
 * Claims of multi-head matrix-memory retention
 * (per-head decay γ; parallel, recurrent and chunkwise forms), gated retention
 * and the gated delta rule (data-dependent keep gates). The original is
 * asuramaya/decepticons: its README (a65b98d) and
 * src/decepticons/models/causal_bank_torch.py (CausalBankModel).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const README = "asuramaya/decepticons README (a65b98d)";
const TORCH = "src/decepticons/models/causal_bank_torch.py";
const RET = `${README}: "multi-head matrix-memory retention path"; ${TORCH}, retention augment`;
const GRET = `${README}: "gated_retention mode where learned matrix memory becomes the primary ` +
  `substrate"; ${TORCH}, gated_retention`;
const GDELTA = `asuramaya/decepticons v0.1.3 ${TORCH}, gated_delta; the gated delta rule ` +
  "(Yang, Kautz & Hatamizadeh 2024)";
const GATES = "gates 0.18, 0.5, 0.5623, 0.6, 0.97 and 1.0";

/** The original's chunked scan divergence, with the figures this suite re-measures. */
export const DIVIDED_SCAN_DIVERGENCE = "The original's `_chunked_recurrence_scan` (K = 32) " +
  "divides by the in-chunk cumulative gate product clamped at 1e-8, so it is exact only while " +
  "that product stays >= 1e-8, i.e. for uniform gates >= 1e-8^(1/32) = 0.5623; below, its " +
  "error is order one (a numpy re-derivation measures gamma 0.5 -> 0.85, 0.18 -> ~1.0, " +
  "gated_retention head 0 at init 0.76, gated_delta at init 0.90). Retention, " +
  "gated_retention and gated_delta all ran through it. memspec's chunkwise form multiplies " +
  "gates and never divides; decepticons.retention.property_division_free re-measures both.";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Every retention form vs the f64 sequential recurrence, on the GPU. */
export const RET_GPU_FORMS = claim({
  id: "decepticons.retention.gpu_parity_forms",
  statement: "the recurrent, parallel and chunkwise retention kernels equal the f64 sequential " +
    `recurrence for per-head ${GATES}, T up to 4096 (the O(T²) parallel form up to 512), ` +
    "chunk sizes that do and do not divide T",
  source: `${RET}; memspec's kernels against spec/oracle/decepticons/retention.ts`,
  bound: "every output within its tracked f32 error bound (ratio <= 1)",
  kind: "parity",
  divergence: DIVIDED_SCAN_DIVERGENCE,
});

/** parallel = recurrent = chunkwise in f64. */
export const RET_FORMS_F64 = claim({
  id: "decepticons.retention.property_forms_agree",
  statement: "parallel = recurrent = chunkwise in f64 for (gated) retention and chunkwise = " +
    "recurrent for the gated delta rule, fuzzed over sizes, gates in (0, 1] and chunk sizes",
  source: `${RET}; the three forms of retention (Sun et al. 2023, RetNet)`,
  bound: "max |form − sequential| <= 1e-12·(1 + max|o|) in f64",
  kind: "exact",
});

/** The division-free chunkwise form vs the original's division. */
export const RET_DIVISION_FREE = claim({
  id: "decepticons.retention.property_division_free",
  statement: `memspec's chunkwise form stays exact for ${GATES} (chunk 32), where the ` +
    "original's division-based chunked scan is wrong by order one below 0.5623",
  source: `${RET}; CausalBankModel._chunked_recurrence_scan`,
  bound: "chunkwise rel error <= 1e-12 at every gate; divided scan rel error > 1e-2 below 0.5623",
  kind: "property",
  divergence: DIVIDED_SCAN_DIVERGENCE,
});

/** ‖S_t‖ = γ^{t−t₀}‖S_{t₀}‖ after the input stops. */
export const RET_DECAY = claim({
  id: "decepticons.retention.property_memory_decay",
  statement: "with k = v = 0 after t₀ the memory norm decays exactly as ‖S_t‖ = γ^{t−t₀}‖S_{t₀}‖ " +
    "per head (so every read does too)",
  source: `${RET} (M_t = γ_h M_{t−1} + k_t v_tᵀ; the decay derived)`,
  bound: "| ‖S_t‖ − γ^{t−t₀}‖S_{t₀}‖ | <= 1e-12·‖S_{t₀}‖ in f64 (the GPU kernels match this " +
    "recurrence within tracked bounds: decepticons.retention.gpu_parity_forms)",
  kind: "exact",
});

/** Causality of every kernel. */
export const RET_CAUSALITY = claim({
  id: "decepticons.retention.property_causality",
  statement: "an impulse at t₀ in q, k, v or the gates changes no output before t₀ in any " +
    "forward kernel (recurrent, parallel, chunkwise, gated retention, recurrent and " +
    "chunkwise gated delta), and an " +
    "impulse in ∂L/∂o at t₀ changes no gradient after t₀ in the backward kernels",
  source: `asuramaya/decepticons tests/test_causality.py; ${TORCH}, _hierarchical_scan (leaks)`,
  bound: "bitwise equality before t₀ (forward) / after t₀ (backward)",
  kind: "exact",
  divergence: 'The original\'s hierarchical scan (state_impl "hierarchical", gated_delta) is ' +
    "non-causal: a drive impulse at t = 5 appears in the state at t = 4. memspec has no " +
    "hierarchical mode.",
});

/** GPU gradients of retention. */
export const RET_GPU_GRADIENTS = claim({
  id: "decepticons.retention.gpu_gradients",
  statement: "the retention backward kernels give the oracle's analytic gradients for q, k, v " +
    `and γ through every form, for per-head ${GATES}, and for q, k, v when γ is fixed (no ` +
    "gradient asked), for T past the loop budget too (every scan in two launches)",
  source: `${RET}; memspec's backward kernels against spec/oracle/decepticons/retention.ts`,
  bound: "every element within its tracked f32 error bound (ratio <= 1)",
  kind: "parity",
});

/** Oracle gradcheck, all three mechanisms. */
export const RET_ORACLE_GRADCHECK = claim({
  id: "decepticons.retention.oracle_gradcheck",
  statement: "the oracle's analytic gradients of retention, gated retention and the gated delta " +
    "rule match f64 central differences on every entry of every input",
  source: "memspec: spec/oracle/decepticons/retention.ts (f64 analytic backward)",
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL)",
  kind: "gradcheck",
});

/** PyTorch fixtures of the retention forms. */
export const RET_FIXTURES = claim({
  id: "decepticons.retention.fixture_parity",
  statement: "PyTorch (Debian python3-torch, float64) recurrent, parallel and chunkwise " +
    "retention and gated retention outputs and autograd gradients equal the oracle, and the " +
    "GPU kernels match them",
  source: `${RET}; fixtures/gen/decepticons_retention_fixtures.py (PyTorch float64)`,
  bound: "oracle rel error <= 1e-12 (FIXTURE_F64_REL); GPU within tracked f32 bounds",
  kind: "parity",
});

/** Gated retention forms on the GPU. */
export const GRET_GPU_FORMS = claim({
  id: "decepticons.retention.gpu_parity_gated",
  statement: "recurrent, parallel and chunkwise gated retention equal the f64 sequential " +
    "recurrence for data-dependent keep gates in (0, 1], including runs of " +
    `${GATES} and the original's init keep 0.483, T up to 4096 (parallel form up to 512)`,
  source: `${GRET}; memspec's kernels against spec/oracle/decepticons/retention.ts`,
  bound: "every output within its tracked f32 error bound (ratio <= 1)",
  kind: "parity",
  divergence: DIVIDED_SCAN_DIVERGENCE,
});

/** Gated retention gradients. */
export const GRET_GPU_GRADIENTS = claim({
  id: "decepticons.retention.gpu_gradients_gated",
  statement: "the gated retention backward gives the oracle's analytic gradients for q, k, v " +
    "and every keep gate, and for q, k, v when the gates are fixed (no gradient asked)",
  source: `${GRET}; memspec's backward kernels against spec/oracle/decepticons/retention.ts`,
  bound: "every element within its tracked f32 error bound (ratio <= 1)",
  kind: "parity",
});

/** Stability of gated retention. */
export const GRET_STABILITY = claim({
  id: "decepticons.retention.property_gated_stability",
  statement:
    "keep gates in (0, g_max] with g_max < 1 give ‖S_t‖_F <= max_s‖k_s‖‖v_s‖ / (1 − g_max)",
  source: `${GRET} (keep in (0, γ); the bound derived)`,
  bound: "max_t ‖S_t‖_F / bound <= 1 + 1e-12 over fuzzed runs (f64)",
  kind: "property",
});

/** Gated delta forward on the GPU. */
export const GDELTA_GPU_FORWARD = claim({
  id: "decepticons.retention.gpu_parity_delta",
  statement: "the recurrent and chunkwise gated delta kernels, S_t = g_t (I − β_t k_tᵀk_t) " +
    "S_{t−1} + β_t k_tᵀv_t, equal the f64 sequential recurrence for keep gates held at each " +
    `of ${GATES}, random keeps in (0, 1] and the original's init range [0.0038, 0.513], ` +
    "T up to 4096, chunk sizes that do and do not divide T (chunkwise: the WY / UT-transform " +
    "form, one unit lower triangular solve per chunk, decays as running gate products, " +
    "never ratios)",
  source: `${GDELTA}`,
  bound: "every output within its tracked f32 error bound (ratio <= 1)",
  kind: "parity",
  divergence: 'The original\'s gated_delta has no delta-rule term (−β k kᵀ S): its "erase" ' +
    "gate only scales the decay, h_t = keep ⊙ h_{t−1} + drive. memspec " +
    "implements the gated delta rule as named (Yang, Kautz & Hatamizadeh 2024) and the " +
    "original's form is gated retention with diagonal state. " + DIVIDED_SCAN_DIVERGENCE,
});

/** Gated delta gradients. */
export const GDELTA_GPU_GRADIENTS = claim({
  id: "decepticons.retention.gpu_gradients_delta",
  statement: "the gated delta backward kernels give the oracle's analytic gradients for q, k, " +
    "v, the keep gates and β through the recurrent and the chunkwise forward",
  source: `${GDELTA}`,
  bound: "every element within its tracked f32 error bound (ratio <= 1)",
  kind: "parity",
});

/** Stability of the gated delta rule. */
export const GDELTA_STABILITY = claim({
  id: "decepticons.retention.property_delta_stability",
  statement: "with ‖k_t‖ = 1, β_t ∈ [0, 1] and keep gates in (0, g_max], g_max < 1, " +
    "‖S_t‖_F <= max_s β_s‖v_s‖ / (1 − g_max) (I − β k kᵀ is a contraction)",
  source: `${GDELTA} (the bound derived)`,
  bound: "max_t ‖S_t‖_F / bound <= 1 + 1e-12 over fuzzed runs (f64)",
  kind: "property",
});

/** The gates every retention claim covers: the uniform γ of the scan measurements, and 1. */
export const RET_TEST_GATES = [0.18, 0.5, 0.5623, 0.6, 0.97, 1] as const;

/** Decays of the memory-decay claim. */
export const RET_DECAY_GAMMAS = [0.18, 0.5, 0.97, 1] as const;
