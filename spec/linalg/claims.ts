/**
 * Claims of memspec's f64 host linear algebra (impl/linalg): the symmetric
 * eigendecomposition (cyclic Jacobi), general eigenvalues (Francis QR),
 * Cholesky factor and solve, and the thin SVD and PCA (one-sided Jacobi),
 * against numpy/LAPACK fixtures (fixtures/linalg, written by
 * fixtures/gen/linalg_fixtures.py) and against derived rounding bounds.
 *
 * Bounds (invariants/tolerance.ts): values within c·N·u·‖A‖₂ of numpy's and vectors within
 * c·N·u·(‖A‖₂/gap + k) (c = LINALG_JACOBI_C = 8, u = 2⁻⁵³); Cholesky componentwise within
 * Higham's γ_{n+1} (factor) and γ_{3n+1} (solve) backward error bounds. Figures of the parity
 * and property claims are worst ratios error/bound over every size (≤ 1 passes).
 *
 * @module
 */
import { type Claim, declareClaim } from "../_harness/claim.ts";

const LAPACK = "numpy.linalg (LAPACK dsyevd / dgesdd), fixtures/linalg";
const HIGHAM = "Higham, Accuracy and Stability of Numerical Algorithms (2nd ed.)";
const SIZES = "sizes 1, 2, 3, 64, 257 (random), repeated eigenvalues (3, 64), rank deficient " +
  "(2, 64)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "linalg", ...c });
}

// --- eigh: symmetric eigendecomposition ---

export const EIGH_FIXTURE_PARITY = claim({
  id: "linalg.eigh.fixture_parity",
  statement: "eigh's eigenvalues (ascending) match numpy's eigh within 8·n·u·‖A‖₂ at " + SIZES,
  source: `${LAPACK}; Weyl's theorem; backward stability of Jacobi (ledger LINALG_JACOBI_C)`,
  bound: "max_i |λ̂_i − λ_i| / (8·n·u·‖A‖₂) <= 1 over every case",
  kind: "parity",
});

export const EIGH_FIXTURE_PARITY_VECTORS = claim({
  id: "linalg.eigh.fixture_parity_vectors",
  statement: "eigh's eigenvectors, in the sign convention, match numpy's where the eigengap is " +
    "≥ √u·‖A‖₂; clusters of closer eigenvalues match through their subspace projectors",
  source: `${LAPACK}; Davis–Kahan sinΘ theorem`,
  bound: "‖v̂ − v‖_∞ (or ‖P̂ − P‖_max) / (8·n·u·(‖A‖₂/gap + k)) <= 1 over every vector/cluster",
  kind: "parity",
});

export const EIGH_ORTHONORMALITY = claim({
  id: "linalg.eigh.property_orthonormality",
  statement: "eigh's eigenvectors are orthonormal: ‖VᵀV − I‖_max ≤ 8·n·u",
  source: "first-order rounding model of the Jacobi rotations (ledger LINALG_JACOBI_C)",
  bound: "‖VᵀV − I‖_max / (8·n·u) <= 1 over every case",
  kind: "property",
});

export const EIGH_RECONSTRUCTION = claim({
  id: "linalg.eigh.property_reconstruction",
  statement: "eigh reconstructs its input: ‖A − V·diag(λ)·Vᵀ‖_F / ‖A‖_F ≤ 8·n·u, extreme " +
    "scales (1e±300) and the zero matrix included",
  source: "backward stability of Jacobi (ledger LINALG_JACOBI_C)",
  bound: "‖A − VΛVᵀ‖_F / (8·n·u·‖A‖_F) <= 1 over every case (0 for A = 0 reconstructed exactly)",
  kind: "property",
});

export const EIGH_SIGN_CONVENTION = claim({
  id: "linalg.eigh.property_sign_convention",
  statement: "every eigenvector's largest-magnitude component is positive (the lowest index " +
    "deciding ties), and eigenvalues are ascending",
  source: "impl/linalg/sign.ts (memspec convention, applied to numpy's vectors by the fixtures)",
  bound: "0 vectors or value pairs violating it",
  kind: "property",
});

export const EIGH_FAULT_NON_SYMMETRIC = claim({
  id: "linalg.eigh.fault_non_symmetric",
  statement: "eigh and cholesky reject a matrix asymmetric beyond 1e-12·max|a| with a TypeError " +
    "naming the worst pair, and accept one within it; a non-square or malformed matrix is a " +
    "TypeError",
  source: "impl/linalg/validate.ts (SYMMETRY_RTOL)",
  bound: "0 cases deviating",
  kind: "fault",
});

export const EIGH_FAULT_NON_FINITE = claim({
  id: "linalg.eigh.fault_non_finite",
  statement: "NaN or ±Infinity anywhere in the input of eigh, eigenvalues, cholesky, " +
    "choleskySolve, svd or pca raises a RangeError naming the first such element (row, col)",
  source: "impl/linalg/validate.ts",
  bound: "0 cases deviating",
  kind: "fault",
});

// --- eigvals: general eigenvalues ---

export const EIGVALS_FIXTURE_PARITY = claim({
  id: "linalg.eigvals.fixture_parity",
  statement: "eigenvalues() (Francis QR, no symmetry used) of the symmetric fixture matrices " +
    "are real and match numpy's eigh within 8·n·u·‖A‖₂, sorted by real part",
  source: `${LAPACK}; Bauer–Fike for a normal matrix (cond(V) = 1)`,
  bound: "max(|Re μ̂ − λ|, |Im μ̂|) / (8·n·u·‖A‖₂) <= 1 over every case",
  kind: "parity",
});

// --- cholesky ---

export const CHOLESKY_FACTOR = claim({
  id: "linalg.cholesky.property_factor",
  statement: "cholesky's L satisfies |A − L·Lᵀ| ≤ γ_{n+1}·|L|·|Lᵀ| element by element " +
    "(plus the check's own γ_n), at sizes 1, 2, 3, 64, 257 and an 8 × 8 Hilbert matrix",
  source: `${HIGHAM}, Theorem 10.3`,
  bound: "max_ij |A − fl(LLᵀ)|_ij / ((γ_{n+1} + γ_n)·(|L||Lᵀ|)_ij) <= 1",
  kind: "property",
});

export const CHOLESKY_SOLVE = claim({
  id: "linalg.cholesky.property_solve",
  statement: "choleskySolve's X has residual |B − A·X| ≤ γ_{3n+1}·|L||Lᵀ||X| + γ_{n+1}·(|B| + " +
    "|A||X|) element by element (backward error plus the residual's own evaluation), at sizes " +
    "1, 2, 3, 64, 257 and an 8 × 8 Hilbert matrix",
  source: `${HIGHAM}, Theorem 10.4`,
  bound: "max_ij |fl(B − AX)|_ij / bound_ij <= 1",
  kind: "property",
});

export const CHOLESKY_FAULT_NOT_PD = claim({
  id: "linalg.cholesky.fault_not_positive_definite",
  statement: "cholesky and choleskySolve reject an indefinite, negative definite, singular or " +
    "zero matrix with a RangeError naming the first non-positive pivot",
  source: "impl/linalg/cholesky.ts",
  bound: "0 cases deviating",
  kind: "fault",
});

// --- svd and pca ---

export const SVD_FIXTURE_PARITY = claim({
  id: "linalg.svd.fixture_parity",
  statement: "svd's singular values (descending) and spectralNorm match numpy's within " +
    "8·N·u·‖A‖₂ and its U, V " +
    "(in the sign convention) within 8·N·u·(‖A‖₂/gap + 1), N = max(m, n), for 64 × 40, " +
    "257 × 3 and 3 × 5",
  source: `${LAPACK}; Weyl and Wedin theorems`,
  bound: "worst error / bound <= 1 over s, U and V of every case",
  kind: "parity",
});

export const SVD_PROPERTIES = claim({
  id: "linalg.svd.property_orthonormality",
  statement: "svd's U and V have orthonormal columns (‖UᵀU − I‖_max, ‖VᵀV − I‖_max ≤ 8·N·u) and " +
    "reconstruct A (‖A − UΣVᵀ‖_F/‖A‖_F ≤ 8·N·u), tall, wide, square and rank deficient",
  source: "first-order rounding model of one-sided Jacobi (ledger LINALG_JACOBI_C)",
  bound: "worst ratio to 8·N·u <= 1",
  kind: "property",
});

export const SVD_SIGN_CONVENTION = claim({
  id: "linalg.svd.property_sign_convention",
  statement: "singular values are descending and non-negative, every v_j's largest-magnitude " +
    "component is positive (lowest index on ties), and A·v_j = σ_j·u_j keeps its sign",
  source: "impl/linalg/sign.ts",
  bound: "0 violations",
  kind: "property",
});

export const SVD_PCA = claim({
  id: "linalg.svd.property_pca",
  statement: "pca's explained variances equal the eigenvalues of the covariance matrix " +
    "XcᵀXc/(n − 1) from eigh, descending, within their derived bound, and its scores equal " +
    "Xc·components",
  source: "PCA as the SVD of the centred data; Weyl; ledger LINALG_JACOBI_C, gamma64",
  bound: "worst error / bound <= 1",
  kind: "property",
});
