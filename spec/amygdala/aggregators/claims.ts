/**
 * Claims of the amygdala aggregators (impl/amygdala/aggregators/): pooled CAA and the
 * steering-vectors library's `mean`, `pca`, `logistic`, with memspec's `logistic_l1`.
 * Tested in ./fixtures_test.ts (numpy and scikit-learn parity, the pca zero-vector
 * divergence), ./properties_test.ts (unit norm, invariances, sign flip, the library's own
 * synthetic tests) and ./faults_test.ts (typed errors, the library inventory divergence).
 *
 * Every aggregator runs on the host in f64 (at the trainer's sizes each is O(n·H) to O(n²·H)
 * flops, below one GPU round trip here), so there is no GPU claim. u = 2⁻⁵³ below.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const LIB = "steering-vectors/steering-vectors:steering_vectors/aggregators.py @5459bd1";
const LIB_TESTS = "steering-vectors/steering-vectors:tests/test_aggregators.py @5459bd1";
const TRAINER = "kent/consciousness:training/amygdala_training/train_steering_vectors.py " +
  "(Kent Overstreet's amygdala trainer)";
const SKLEARN = "scikit-learn 1.2 LogisticRegression (fit_intercept=False, C = 1; lbfgs for " +
  "L2, liblinear for L1)";
const FIX = "fixtures/amygdala/aggregators.json (fixtures/gen/amygdala_aggregators_fixtures.py)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "amygdala", ...c });
}

/** pooled, mean and pca against numpy. */
export const AGG_FIXTURE = claim({
  id: "amygdala.aggregators.fixture_parity",
  kind: "parity",
  direction: "<=",
  statement: "pooled CAA, the library's mean and pca (implementation and oracle) equal numpy's " +
    "f64 results on the G-pool generator (H = 64, 6 concepts, 6–16 paired scenarios, an " +
    "unpaired negative pool for pooled), the library's synthetic sets (64 × 100, 50 × 100) and " +
    "a 20 × 8 case with more pairs than dimensions",
  source: `${TRAINER}; ${LIB}; ${FIX}`,
  bound: "worst ratio of ‖ours − numpy‖₂ to its derived bound ≤ 1, where the bound is, for " +
    "pooled and mean, 2‖e‖₂/‖mean P − mean N‖₂ + 2(H + 4)u (pooled; e the per-column rounding " +
    "of two column means in any summation order, |e_j| ≤ 2(n + 1)u·(max|P_j| + max|N_j|)) or " +
    "‖e‖₂ (mean); for pca, 2·4(n + H)u·‖D‖_F²/(λ₁ − λ₂) + 2(H + 4)u (Davis–Kahan: the " +
    "backward errors of Gram/second-moment formation and of the two eigensolvers, each ≤ " +
    "(n + H)u‖D‖_F², over the eigengap of Σδδᵀ)",
});

/** fp16 rounding of the pooled direction against numpy. */
export const AGG_FIXTURE_F16 = claim({
  id: "amygdala.aggregators.fixture_parity_f16",
  kind: "parity",
  direction: "==",
  statement: "the pooled direction rounded f64 → f32 → f16 (impl/io f32ToF16Bits) has the " +
    "bit patterns of numpy's d.astype(float32).astype(float16) in every component of every " +
    "case",
  source: `${TRAINER} (fp16 readout rows); IEEE 754 binary16 round to nearest even; ${FIX}`,
  bound: "components whose f16 bit pattern differs from numpy's == 0",
});

/** The L2 logistic fit against numpy Newton and scikit-learn. */
export const AGG_FIXTURE_LOGISTIC = claim({
  id: "amygdala.aggregators.fixture_parity_logistic",
  kind: "parity",
  direction: "<=",
  statement: "the logistic aggregator's direction (damped Newton in the span of the δ_i) " +
    "matches numpy's full-Hessian Newton fit, the oracle's, and scikit-learn's lbfgs fits " +
    "(tol = 1e-12, and the library's defaults tol = 1e-4, max_iter = 100) of " +
    "LogisticRegression(fit_intercept=False, C = 1) on the midpoint samples ±δ_i/2, and its " +
    "own convergence test holds: ‖∇f‖₂ ≤ 1e-10·max(1, ‖w‖₂, C Σ σ(−m_i)‖δ_i‖₂) by the " +
    "oracle's gradient",
  source: `${LIB}; ${SKLEARN}; ${FIX}`,
  bound: "worst ratio of 1 − cos(ours, reference) to the derived bound ≤ 1, the bound " +
    "½(π/2·(x₁ + x₂))² + 8Hu with x_k = r_k/(‖w‖₂ − r₁ − r₂), r_k = ‖∇f‖₂ at each fit (by the " +
    "oracle's gradient) plus its evaluation error 4(n + H)u(‖w‖₂ + C Σ‖δ_i‖₂): f is " +
    "1-strongly convex, so ‖w − w*‖₂ ≤ ‖∇f(w)‖₂ and the angle to w* is ≤ asin(r/‖w*‖); " +
    "part: 1 − cos to the library-default scikit-learn fit ≤ 1e-4 (its solver tolerance)",
});

/** The L1 logistic fit against scikit-learn liblinear. */
export const AGG_FIXTURE_LOGISTIC_L1 = claim({
  id: "amygdala.aggregators.fixture_parity_logistic_l1",
  kind: "parity",
  direction: "<=",
  statement: "the logistic_l1 aggregator's coefficient (coordinate descent) has scikit-learn " +
    "liblinear's support (LogisticRegression(fit_intercept=False, C = 1, penalty='l1', " +
    "tol = 1e-12)) and its direction, both fits satisfying the KKT conditions by the oracle's " +
    "gradient; where liblinear's coefficient is 0, the aggregator raises ZeroDirectionError",
  source: `memspec's logistic_l1 definition (not a library function); ${SKLEARN}; ${FIX}`,
  bound: "support mismatches == 0 (part) and worst ratio of 1 − cos to the derived local bound " +
    "≤ 1: ½(π/2·(x₁ + x₂))² + 8Hu with x_k = √|S|·r_k/(μ‖w‖₂), r_k the KKT residual (∞-norm) " +
    "and μ the smallest eigenvalue of the loss Hessian restricted to the support S at our w " +
    "(first order: on a shared support F is μ-strongly convex near w*)",
});

/** The pca zero-vector edge case. */
export const AGG_PCA_ZERO = claim({
  id: "amygdala.aggregators.divergence_pca_zero_direction",
  kind: "property",
  direction: "==",
  statement: "for paired deltas with mean_i ⟨δ_i, v⟩ = 0 exactly (δ₂ = −δ₁), the library's pca " +
    "formula returns the zero vector (numpy's reimplementation and the oracle: ‖v‖ = 0), and " +
    "memspec's pcaAggregator raises ZeroDirectionError naming the concept instead",
  source: `${LIB} (pca_aggregator: vec * sign(mean projection)); ${FIX}`,
  bound: "cases where the library formula's norm is not 0 or memspec does not raise " +
    "ZeroDirectionError == 0",
  divergence: "the library multiplies the top eigenvector by sign(mean ⟨δ_i, v⟩); sign(0) = 0, " +
    "so it returns the zero vector (‖v‖ = 0, not the documented unit norm) and the trainer's " +
    "normalisation then divides by zero; memspec names the case (ZeroDirectionError)",
});

/** Unit norm in f64 and after fp16. */
export const AGG_UNIT_NORM = claim({
  id: "amygdala.aggregators.property_unit_norm",
  kind: "property",
  direction: "<=",
  statement: "every method's direction (pooled, normalised mean, pca, logistic, logistic_l1) " +
    "has unit norm in f64, and after rounding f64 → f32 → f16 (the readout's storage) its norm " +
    "is within the rounding bound of 1, on fuzzed P, N (fast-check, 100 runs, H ∈ {1, 2, 7, " +
    "64, 127}, 1–9 pairs, amplitudes 2⁻⁸…2⁸)",
  source: `${TRAINER} (per-layer normalisation, fp16 rows); ${LIB}`,
  bound: "worst of |‖d‖ − 1|/((H + 4)u) (f64) and |‖f16(d)‖ − 1|/(2⁻¹¹ + 2⁻²⁴ + 2⁻³⁵ + " +
    "2⁻²⁵√H + 8Hu) (f16: each component rounded to within a relative 2⁻¹¹(1 + 2⁻²⁴) + 2⁻²⁴ " +
    "plus 2⁻²⁵ absolute in the subnormal range) ≤ 1",
});

/** Invariance to a shared offset and to positive scale. */
export const AGG_INVARIANCE = claim({
  id: "amygdala.aggregators.property_invariance",
  kind: "property",
  direction: "<=",
  statement: "adding the same vector c to every activation, or multiplying all by s > 0, " +
    "leaves pooled and mean directions unchanged within their rounding bound (fuzzed reals); " +
    "on exact inputs (integer activations |x| < 2¹⁰, integer c) an offset leaves mean, pca, " +
    "logistic and logistic_l1 bit-identical (they see only δ_i), and a power-of-2 scale leaves " +
    "pooled, mean and pca bit-identical; logistic and logistic_l1 are not scale invariant (C " +
    "is fixed) and are not claimed to be",
  source: `${TRAINER} (CAA); ${LIB}`,
  bound: "worst ratio of ‖d' − d‖₂ to 2‖e‖₂/‖δ̄‖₂ + 4(H + 4)u (e the rounding of both mean " +
    "differences, as in fixture_parity) ≤ 1, and the exact cases' max |d' − d| == 0 (part)",
});

/** Swapping P and N flips the sign. */
export const AGG_SIGN_FLIP = claim({
  id: "amygdala.aggregators.property_sign_flip",
  kind: "property",
  direction: "==",
  statement: "aggregating with P and N swapped returns exactly −d for every method (pooled, " +
    "mean, pca, logistic, logistic_l1), on fuzzed P, N (fast-check, 100 runs)",
  source: `${TRAINER}; ${LIB}`,
  bound: "max over runs and components of |d(N, P) + d(P, N)| == 0",
});

/** The library's own synthetic tests. */
export const AGG_LIBRARY_SYNTHETIC = claim({
  id: "amygdala.aggregators.property_library_synthetic",
  kind: "property",
  direction: ">=",
  statement: "on the library's own synthetic tests (δ ~ N(0, I₁₀₀), pos ~ N(0, I), neg = pos − " +
    "δ + noise), over 10 seeds each: mean, pca and logistic reach cos(v, δ) > 0.99 (64 × 100 " +
    "and 50 × 100, noise 0.2); a single pair gives pca = δ/‖δ‖; pca and mean agree to cos > " +
    "0.99 at noise 1 (50 × 100); logistic also with C = 1e12 (the library's penalty=None " +
    "variant, max_iter raised)",
  source: LIB_TESTS,
  bound: "min cos ≥ 0.99 (single pair: 1 − cos ≤ 8Hu, part)",
});

/** Bad input. */
export const AGG_FAULT = claim({
  id: "amygdala.aggregators.fault",
  kind: "fault",
  direction: "==",
  statement: "an empty P or N, mismatched hidden sizes, unequal counts for a paired method " +
    "(mean, pca, logistic, logistic_l1), a NaN or ±Inf activation, a bad C/tol/maxIter, and " +
    "an unknown method raise AggregatorInputError naming the concept and the argument; a zero " +
    "direction (mean P = mean N, Σδ = 0, the L1 penalty zeroing w: C‖Σδ‖∞/2 ≤ 1) raises " +
    "ZeroDirectionError naming the concept and method; the inputs are not modified",
  source: `${TRAINER} (preflight checks); ${LIB}`,
  bound: "cases not raising the documented error class with the concept and argument named, " +
    "or modifying an input == 0",
});

/** The library inventory: no `linear`, no `logistic_l1`. */
export const AGG_INVENTORY = claim({
  id: "amygdala.aggregators.divergence_library_inventory",
  kind: "property",
  direction: "==",
  statement: "memspec's aggregators are exactly pooled, mean, pca, logistic and logistic_l1; " +
    "`linear` is rejected with AggregatorInputError listing them; logistic_l1 is memspec's own " +
    "definition (the L1 objective of scikit-learn on the library's samples, checked against " +
    "liblinear in fixture_parity_logistic_l1), not a library function",
  source: `${LIB} (mean_aggregator, pca_aggregator, logistic_aggregator); the library's ` +
    "removal of linear_aggregator (steering-vectors PR #26, February 2024)",
  bound: "inventory mismatches + accepted unknown methods == 0",
  divergence: "the trainer's commit text says the library ships four aggregators including " +
    "`linear`; the library removed linear_aggregator in February 2024 and has no logistic_l1 " +
    "function (3 library aggregators: mean, pca, logistic), so `linear` cannot be run and " +
    "logistic_l1 must be local code",
});
