/**
 * Claims of the amygdala subspace method (impl/amygdala/subspace/): per-story full-rank token
 * subspaces (uncentred; σ_j > σ₁·max(T, H)·2⁻⁵²), M = M_pos − M_base, the top-k
 * eigenvalue-weighted direction with negative weights clamped, solved in the span of the story
 * subspaces, with memspec's orientation (each u_j by sign⟨u_j, g⟩, g the story-mean difference)
 * and the eigengap reported with every direction. Tested in ./subspace_test.ts.
 *
 * Everything runs in f64 on the host (impl/linalg eigh: cyclic Jacobi; svd: one-sided Jacobi):
 * the span eigenproblem has order r ≤ Σk_i, far below one GPU round trip here. Bounds use
 * E = c·N·u (c = LINALG_JACOBI_C = 8, N = H + Σk_i + n_stories, u = 2⁻⁵³; ./_gen.ts).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const TRAINER = "kent/consciousness:training/amygdala_training/train_steering_vectors.py " +
  "(Kent Overstreet's amygdala trainer, `--method subspace`, `_subspace_concept_direction`)";
const FIX = "fixtures/amygdala/subspace.json (fixtures/gen/amygdala_subspace_fixtures.py: " +
  "numpy SVD per story and numpy.linalg.eigh of the explicit H × H matrix M)";
const DK = "Weyl's theorem; Davis–Kahan sinΘ theorem";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "amygdala", ...c });
}

/** Span method and the H × H oracle against numpy's H × H eigh. */
export const SUB_FIXTURE = claim({
  id: "amygdala.subspace.fixture_parity",
  kind: "parity",
  statement: "subspaceDirection (span method where Σk_i < H, else H × H) and the H × H oracle " +
    "match numpy on the noisy planted case (H = 64), G-token (H = 96, Σk_i = 62: span) and the " +
    "exact planted case (H = 32): per-story ranks exactly, subspace_eigvals (top min(20, H), " +
    "descending) and the oriented directions for k = 1 and k = 5",
  source: `${TRAINER}; ${FIX}; ${DK}`,
  bound: "worst ratio ≤ 1 of |λ̂ − λ| / 2E and ‖d̂ − d‖₂ / (2Σ_j(2E + w_j·2√2E/δ_j)/‖w‖) " +
    "(δ_j: λ_j's distance to its neighbours); rank mismatches count as ∞",
});

/** Span method equals the full H × H method. */
export const SUB_SPAN_PARITY = claim({
  id: "amygdala.subspace.property_span_parity",
  kind: "parity",
  statement: "the span method (eigh of the r × r matrix QᵀMQ, Q an orthonormal basis of the " +
    "stacked story subspaces, eigenvectors lifted by Q) gives the H × H method's spectrum and " +
    "direction: G-token at H = 128 and 160, noisy planted with 4 + 6 stories of 6 tokens at " +
    "H = 128, k = 1, 3, 5, against impl's own `full` method and the oracle",
  source: `${TRAINER} (eigh of the H × H matrix); memspec: M vanishes outside span{V_i}; ${DK}`,
  bound: "worst ratio ≤ 1 of |λ_span − λ_full| / 2E and ‖d_span − d_full‖₂ over the direction " +
    "bound of amygdala.subspace.fixture_parity",
});

/** Projector averages have eigenvalues in [0, 1]; their difference in [−1, 1]. */
export const SUB_EIGEN_BOUNDS = claim({
  id: "amygdala.subspace.property_eigen_bounds",
  kind: "property",
  statement: "eig(M_pos) and eig(M_base) lie in [0, 1] and eig(M) in [−1, 1] on 24 random token " +
    "sets (H ∈ {5, 16, 40}, 1–6 stories of 1–12 tokens each side, Gaussian, rank-deficient " +
    "and duplicated rows); the noisy planted case's eig(M) range is reported",
  source: `${TRAINER}; a mean of orthogonal projectors is PSD with ‖·‖₂ ≤ 1`,
  bound: "largest excursion outside the interval / 2E ≤ 1 (E with N = H + 144 + n: at most " +
    "6 stories × 12 tokens a side)",
});

/** The exact planted construction gives λ₁ = 1 and u₁ = ±u. */
export const SUB_EXACT_PLANTED = claim({
  id: "amygdala.subspace.property_exact_planted",
  kind: "property",
  statement: "when every positive story's subspace contains u exactly and every base story is " +
    "⟂ u, λ₁ = 1 and u₁ = ±u to f64 rounding (H = 16, 32, 64; 3 seeds each); the k = 1 " +
    "direction is +u (oriented: ⟨u, g⟩ > 0)",
  source: `${TRAINER} (the docstring: the top eigenvalue approaches 1 when the concept lies in ` +
    "every positive subspace with unit weight and in no base subspace)",
  bound: "|λ₁ − 1| ≤ 2E and ‖d − u‖₂ ≤ the direction bound (E from N = H + Σk_i + n)",
});

/** The original's noisy planted figures. */
export const SUB_NOISY_PLANTED = claim({
  id: "amygdala.subspace.behaviour_noisy_planted",
  kind: "behaviour",
  statement: "on the original's noisy planted generator (H = 64, 6 positive stories of 10 " +
    "tokens a·u + N(0, I) with a = 3·U(0.5, 1.5) per story, 10 base stories of 10 Gaussian " +
    "tokens; full rank, uncentred) the mean over 16 seeds of λ₁ and |cos(u₁, u)| matches the " +
    "original's measured 0.57 and 0.89",
  source: `${TRAINER} (measured λ₁ = 0.57, |cos(u₁, u)| = 0.89 at full rank, one draw)`,
  bound: "|mean − figure| ≤ 3·sd·√(1 + 1/16) + 0.005 (the original's figure is one draw of " +
    "sd = the seeds' spread, rounded to 2 decimals)",
});

/** Eigenvalues sorted descending, length min(20, H). */
export const SUB_SORTED = claim({
  id: "amygdala.subspace.property_eigvals_sorted",
  kind: "property",
  direction: "==",
  statement: "subspace_eigvals is non-increasing with length min(20, H) at H = 3, 8, 20, 21, " +
    "64 and 96 (exact planted stories of min(5, max(1, ⌊H/4⌋)) tokens; span and H × H methods), and its first two entries give the reported " +
    "eigengap lead = λ₁ − λ₂ exactly",
  source: `${TRAINER} (quality.json["subspace_eigvals"][c][layer]: the top 20, descending)`,
  bound: "violations == 0",
});

/** The eigengap grows with the planted amplitude and the cosine follows. */
export const SUB_EIGENGAP = claim({
  id: "amygdala.subspace.behaviour_eigengap",
  kind: "behaviour",
  direction: "==",
  statement: "on the noisy planted generator at amplitudes 1.5, 2, 3, 4, 6 (8 seeds each), the " +
    "mean eigengap λ₁ − λ₂ strictly increases with the amplitude and the mean recovered " +
    "|cos(d₁, u)| (k = 1) increases with it; every direction reports its eigengap",
  source: `${TRAINER}; Davis–Kahan: u₁'s error shrinks as the gap grows`,
  bound: "non-increasing steps of the mean gap or of the mean cosine == 0",
});

/** The original's top-k sum depends on eigenvector signs; memspec's does not. */
export const SUB_SIGN_DIVERGENCE = claim({
  id: "amygdala.subspace.divergence_sign_orientation",
  kind: "property",
  direction: "==",
  statement: "with memspec's orientation (u_j by sign⟨u_j, g⟩ before summing) flipping any " +
    "subset of the top-k eigenvectors leaves the direction bit-identical (all 32 sign patterns " +
    "of k = 5, noisy planted, 4 seeds)",
  source: `${TRAINER} (the top-k sum of eigh's eigenvectors as returned)`,
  bound: "max |d(flipped) − d| == 0",
  divergence: "the original sums eigh's eigenvectors in whatever signs they come (CPU and " +
    "GPU eigh can differ), so its direction depends on sign conventions: over the 32 sign " +
    "patterns of k = 5 on the noisy planted case cos(d, u) spreads over the range in this " +
    "claim's detail (the original's own measurement: −0.76 to +0.79)",
});

/** Every top-k eigenvalue ≤ 0: a named error, not NaN. */
export const SUB_NONPOSITIVE = claim({
  id: "amygdala.subspace.divergence_nonpositive_spectrum",
  kind: "fault",
  direction: "==",
  statement: "when every top-k eigenvalue of M is ≤ 0 (positive stories equal to the base " +
    "stories; positive subspaces inside the base ones) subspaceDirection raises " +
    "SubspaceSpectrumError naming k and λ₁, in both methods",
  source: `${TRAINER} (normalize(Σ max(λ_j, 0)·u_j))`,
  bound: "cases without SubspaceSpectrumError == 0",
  divergence: "the original normalises the zero vector there: its direction is NaN (the " +
    "oracle's unguarded sum gives NaN in every component, counted in the detail)",
});

/** Typed errors before any work. */
export const SUB_FAULT = claim({
  id: "amygdala.subspace.fault",
  kind: "fault",
  direction: "==",
  statement: "NaN or ±∞ activations (naming story, token, feature), mismatched hidden sizes " +
    "(naming the story), empty positive or base sets, eigenK out of 1..H or not an integer, an " +
    "orientation of the wrong length and an unknown method raise TypeError or RangeError " +
    "with a 'Cannot compute the subspace direction: expected …' message",
  source: "memspec error policy (README.md: typed errors before any work)",
  bound: "cases with the wrong error type or message == 0",
});

/** Negative weights are clamped. */
export const SUB_CLAMP = claim({
  id: "amygdala.subspace.property_negative_weights_clamped",
  kind: "property",
  direction: "==",
  statement: "with k = H (every eigenpair, negative ones included) the direction is " +
    "bit-identical to the one with k = the number of positive weights: negative eigenvalues " +
    "get weight 0 (G-token H = 48 and exact planted H = 24, span and H × H methods)",
  source: `${TRAINER} ("clamps negative weights to 0")`,
  bound: "max |d(k = H) − d(k = #positive)| == 0",
});
