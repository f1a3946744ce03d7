/**
 * Claims of the amygdala quality metrics and report (impl/amygdala/quality/): the first-PC
 * variance ratio with its null baseline, per-story alignment, single-neuron alignment, nearest
 * concepts, the ridge linear combination (λ = 0.01), per-head concentration, the spectrum
 * metrics and the quality.json object. Tested in ./quality_test.ts. Everything is f64 on the
 * host (u = 2⁻⁵³).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const TRAINER = "kent/consciousness:training/amygdala_training/train_steering_vectors.py " +
  "(Kent Overstreet's amygdala trainer, `--quality-report`)";
const FIX =
  "fixtures/amygdala/subspace.json, `quality` (fixtures/gen/amygdala_subspace_fixtures.py)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "amygdala", ...c });
}

/** Every metric against numpy. */
export const Q_FIXTURE = claim({
  id: "amygdala.quality.fixture_parity",
  kind: "parity",
  statement: "first_pc_variance_ratio, per-story cosines, ridge α and R² (λ = 0.01), nearest " +
    "concepts (order exactly), single-neuron score and index, per-head raw norms, selectivities, " +
    "top heads (exactly) and concentration (16 heads × 8), and first_pc_ratio / k90 (exactly) / " +
    "participation ratios of three fixed spectra equal numpy's on H = 32, 6 concepts",
  source: `${TRAINER}; ${FIX}`,
  bound: "worst ratio ≤ 1 of |ours − numpy| / (1e-12·max(|numpy|, 1)) (invariants/tolerance.ts " +
    "FIXTURE_F64_REL: ≤ 32 accumulated terms a side), × κ₂(OOᵀ + λI) for the ridge α and R² " +
    "(the solve's condition number)",
});

/** first_pc_variance_ratio depends on n: the null baseline. */
export const Q_FIRST_PC = claim({
  id: "amygdala.quality.divergence_first_pc_sample_size",
  kind: "property",
  statement: "first_pc_variance_ratio lies in [1/min(n − 1, H), 1] for every n (n = 2..12, " +
    "Gaussian noise, H = 32; 8 sets each), equals 1 for n = 2 to rounding, and the reported " +
    "null baseline for the same n equals the noise ratio's mean",
  source: `${TRAINER} (> 0.7 "clean", < 0.4 "fragmented")`,
  bound: "violations of the interval == 0 (figure); |ratio(n = 2) − 1| ≤ 4(n + H)u",
  direction: "==",
  divergence: "the original reads fixed thresholds whatever n: pure noise scores 1.0 ('clean') " +
    "at n = 2 and ≥ 1/(n − 1) always; the null baseline means for n = 2, 3, 5 are in this " +
    "claim's detail (the original's measurement: 1.0, 0.59, 0.30)",
});

/** Ridge R² properties. */
export const Q_RIDGE = claim({
  id: "amygdala.quality.property_ridge",
  kind: "property",
  statement: "ridge R² ∈ [0, 1] (40 random O, t; H = 8..48, 1–12 others), non-increasing in " +
    "λ over λ = 1e-6..10, → 1 for t in span(O) (1 − R² ≤ 1e-6 at λ = 1e-8), exactly 0 for " +
    "t ⟂ O, and equal to the primal-form oracle (OᵀO + λI)x = t, residual λx",
  source: `${TRAINER} (ridge code: (OOᵀ + λI)α = Ot, R² = 1 − ‖t − Oᵀα‖²/max(‖t‖², 1e-12)); ` +
    "the push-through identity Oᵀ(OOᵀ + λI)⁻¹O = (OᵀO + λI)⁻¹OᵀO",
  bound: "violations == 0, an increase in λ allowed only within 1e-12; oracle |ΔR²| ≤ " +
    "1e-12·max(κ₂(OOᵀ + λI), κ₂(OᵀO + λI)) (the primal system's condition number is " +
    "(λ_max(OOᵀ) + λ)/λ for rank(O) < H)",
  direction: "==",
});

/** Head concentration bounds and the uniform value. */
export const Q_HEADS = claim({
  id: "amygdala.quality.property_head_concentration",
  kind: "property",
  direction: "==",
  statement: "head_concentration ∈ [k/n_heads, 1] with k = min(10, n_heads) on 30 random " +
    "o_proj inputs (n_heads = 1..32), and exactly 1 whenever n_heads ≤ 10",
  source: `${TRAINER} (Σ_top-10 raw_norm / Σ raw_norm)`,
  bound: "violations == 0 (interval to 1e-15 relative)",
});

/** The uniform value is k/n, not n/k. */
export const Q_HEADS_UNIFORM = claim({
  id: "amygdala.quality.divergence_head_uniform",
  kind: "property",
  statement: "for heads of equal raw norm the concentration is k/n_heads: 10/16 = 0.625 at " +
    "16 heads, 10/40 = 0.25 at 40 heads",
  source: `${TRAINER} (the message: "≈ n/k for n heads" = distributed)`,
  bound: "|concentration − k/n_heads| ≤ 4·n_heads·u",
  divergence: "the original's message gives the uniform value as n/k (1.6 at 16 heads), " +
    "which exceeds the maximum 1; the uniform value is k/n",
});

/** A planted column gives single-neuron score 1. */
export const Q_NEURON = claim({
  id: "amygdala.quality.property_single_neuron",
  kind: "property",
  statement: "when the direction is a positive multiple of one column of a random W_down " +
    "(H × 4H, H = 16, 32, 64) the single-neuron score is 1 and names that column; a negated " +
    "column does not score (signed reading)",
  source: `${TRAINER} (max_j cos(W_down[:, j], d))`,
  bound: "|score − 1| ≤ 4Hu, index exact",
});

/** Spectrum metrics. */
export const Q_SPECTRUM = claim({
  id: "amygdala.quality.property_spectrum",
  kind: "property",
  direction: "==",
  statement: "k equal eigenvalues give participation ratio k, first_pc_ratio 1/k and k90 = " +
    "⌈0.9k⌉ (k = 1..20); on 40 random non-negative spectra first_pc_ratio ∈ (0, 1], k90 ≥ 1, " +
    "PR ∈ [1, rank], PR_signal ≤ k90, and PR equals the oracle's definition",
  source: `${TRAINER} (_pca_with_spectrum: first_pc_ratio, k_signal_at_90pct, effective_dim)`,
  bound: "violations == 0 (equalities to 4k·u relative)",
});

/** The report object. */
export const Q_REPORT = claim({
  id: "amygdala.quality.property_report",
  kind: "property",
  direction: "==",
  statement: "qualityReport on 4 concepts × 2 layers (H = 24; W_down, o_proj inputs, deltas " +
    "and subspace results given) has every field of QualityReport for every concept and " +
    "layer, equals the separate metrics, keeps subspace_eigvals[concept][layer] with each " +
    "direction's eigengap, and survives a JSON round trip unchanged",
  source: `${TRAINER} (quality.json)`,
  bound: "mismatches == 0",
});

/** Typed errors. */
export const Q_FAULT = claim({
  id: "amygdala.quality.fault",
  kind: "fault",
  direction: "==",
  statement: "NaN activations, mismatched hidden sizes, empty sets, fewer than 2 positives for " +
    "the first-PC ratio, n_heads not dividing the width, a non-positive λ, negative " +
    "eigenvalues and a report whose direction and layer counts disagree raise TypeError or " +
    "RangeError 'Cannot …: expected … but got …' (the report's naming the concept and layer)",
  source: "memspec error policy (README.md: typed errors before any work)",
  bound: "cases with the wrong error type or message == 0",
});
