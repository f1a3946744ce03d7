/**
 * Claims of impl/linalg's GPU solvers (f32): the parallel-Jacobi
 * eigendecomposition (eighGpu), the top-k subspace iteration (eighTopKGpu),
 * the eigengap helpers, and the Gram-matrix thin SVD and PCA (svdGpu, pcaGpu),
 * against numpy/LAPACK fixtures (fixtures/linalg/gpu_eigh.json written by
 * fixtures/gen/linalg_gpu_fixtures.py, and svd.json), against the f64 host
 * solvers (impl/linalg/eigh.ts, svd.ts), and against derived f32 bounds.
 *
 * Bounds: c·n·u₃₂ with c = LINALG_GPU_JACOBI_C = 18 and u₃₂ = 2⁻²⁴ (derived in
 * impl/linalg/eigh_gpu.ts): eigenvalues within 18·n·u₃₂·‖A‖₂ (Weyl), vectors within
 * 18·n·u₃₂·(‖A‖₂/gap + k) (Davis–Kahan), ‖VᵀV − I‖_max and ‖A − VΛVᵀ‖_F/‖A‖_F within 18·n·u₃₂.
 * The SVD's bounds come from the Gram matrix's: B = (γ_M + 2u₃₂)·‖A‖_F² + 18·K·u₃₂·σ₁²
 * (impl/linalg/svd_gpu.ts). Figures are worst ratios error/bound (≤ 1 passes).
 *
 * @module
 */
import { type Claim, declareClaim } from "../_harness/claim.ts";

const LAPACK = "numpy.linalg (LAPACK dsyevd / dgesdd), fixtures/linalg";
const JACOBI = "Brent & Luk, SIAM J. Sci. Stat. Comput. 6(1) 1985 (parallel Jacobi ordering); " +
  "the c = 18 model in impl/linalg/eigh_gpu.ts (LINALG_GPU_JACOBI_C)";
const GPU_SIZES = "n = 1, 2, 3, 5, 17, 256 (random), repeated and clustered eigenvalues (64), " +
  "rank deficient (64)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "linalg", ...c });
}

// --- eighGpu: all eigenpairs by parallel Jacobi ---

export const EIGH_GPU_FIXTURE_PARITY = claim({
  id: "linalg.eigh_gpu.fixture_parity",
  statement: "eighGpu's eigenvalues (f32, ascending) match numpy's eigh of the same f32 matrix " +
    "within 18·n·u₃₂·‖A‖₂ at " + GPU_SIZES,
  source: `${LAPACK}; Weyl's theorem; ${JACOBI}`,
  bound: "max_i |λ̂_i − λ_i| / (18·n·u₃₂·‖A‖₂) <= 1 over every case",
  kind: "parity",
});

export const EIGH_GPU_FIXTURE_PARITY_VECTORS = claim({
  id: "linalg.eigh_gpu.fixture_parity_vectors",
  statement: "eighGpu's eigenvectors, in the sign convention, match numpy's where the eigengap " +
    "is ≥ √u₃₂·‖A‖₂; clusters of closer eigenvalues (repeated ones included) match through " +
    "their subspace projectors",
  source: `${LAPACK}; Davis–Kahan sinΘ theorem; ${JACOBI}`,
  bound: "‖v̂ − v‖_∞ (or ‖P̂ − P‖_max) / (18·n·u₃₂·(‖A‖₂/gap + k)) <= 1 over every vector/cluster",
  kind: "parity",
});

export const EIGH_GPU_PARITY_HOST = claim({
  id: "linalg.eigh_gpu.gpu_parity",
  statement: "eighGpu matches the f64 host eigh (impl/linalg/eigh.ts) on fuzzed symmetric " +
    "matrices (≥ 100 runs; n = 1, 2, primes, 64, 65, 67: past the 64-wide workgroup; dense, " +
    "low rank, repeated diagonal, ±scale): values within 18·n·u₃₂·‖A‖₂, vectors or cluster " +
    "projectors within 18·n·u₃₂·(‖A‖₂/gap + k), ‖VᵀV − I‖_max and the reconstruction within " +
    "18·n·u₃₂",
  source: `impl/linalg/eigh.ts (cyclic Jacobi, f64); Weyl; Davis–Kahan; ${JACOBI}`,
  bound: "worst error / bound <= 1 over every run (seeded; failures print seed and path)",
  kind: "parity",
});

export const EIGH_GPU_ORTHONORMALITY = claim({
  id: "linalg.eigh_gpu.property_orthonormality",
  statement: "eighGpu's eigenvectors are orthonormal: ‖VᵀV − I‖_max ≤ 18·n·u₃₂ at " + GPU_SIZES,
  source: JACOBI,
  bound: "‖VᵀV − I‖_max / (18·n·u₃₂) <= 1 over every case",
  kind: "property",
});

export const EIGH_GPU_RECONSTRUCTION = claim({
  id: "linalg.eigh_gpu.property_reconstruction",
  statement: "eighGpu reconstructs its input: ‖A − V·diag(λ)·Vᵀ‖_F / ‖A‖_F ≤ 18·n·u₃₂ at " +
    GPU_SIZES + ", extreme scales (1e±300, beyond f32's range: scaled by a power of two) " +
    "and the zero matrix",
  source: JACOBI,
  bound: "‖A − VΛVᵀ‖_F / (18·n·u₃₂·‖A‖_F) <= 1 over every case (0 for A = 0 reconstructed exactly)",
  kind: "property",
});

export const EIGH_GPU_SIGN_CONVENTION = claim({
  id: "linalg.eigh_gpu.property_sign_convention",
  statement: "eighGpu's eigenvalues are ascending and every eigenvector's largest-magnitude " +
    "component is positive (lowest index on ties), as the host's",
  source: "impl/linalg/sign.ts (memspec convention)",
  bound: "0 vectors or value pairs violating it",
  kind: "property",
});

export const EIGH_GPU_CONVERGENCE = claim({
  id: "linalg.eigh_gpu.property_convergence",
  statement: "eighGpu stops only once off(A) ≤ u₃₂·‖A‖_F, with ‖A‖_F recomputed here in f64 " +
    "from the input, checked once per sweep; a diagonal input takes no sweep; every case " +
    "converges within 12 sweeps (quadratic convergence; the default cap is 40)",
  source: "Jacobi's quadratic convergence (Wilkinson 1962, Hari 1991); impl/linalg/eigh_gpu.ts",
  bound: "cases deviating = 0",
  kind: "property",
});

export const EIGH_GPU_TOPK = claim({
  id: "linalg.eigh_gpu.gpu_parity_topk",
  statement: "eighTopKGpu's k dominant eigenpairs match the known spectrum of a planted " +
    "n = 2100 matrix (beyond eighGpu's n ≤ 2048) and the host eigh's at n = 150: values " +
    "within the residual bound ‖r_j‖ ≤ tol·‖A‖_F plus the f32 product's γ_n·‖A‖_F, vectors " +
    "within √2·that/gap_j (Davis–Kahan)",
  source: "subspace iteration with Rayleigh–Ritz (Parlett, The Symmetric Eigenvalue Problem, " +
    "ch. 14; Saad, Numerical Methods for Large Eigenvalue Problems, ch. 5); residual bound " +
    "Parlett Thm 4.5.1",
  bound: "worst error / bound <= 1 over values and vectors",
  kind: "parity",
});

export const EIGH_GPU_EIGENGAP = claim({
  id: "linalg.eigh_gpu.property_eigengap",
  statement: "eigengap(values, k) of eighGpu's values matches the host's within twice the " +
    "value bound (2·18·n·u₃₂·‖A‖₂) for every k, and eigengaps/eigengap are exact on known " +
    "spectra",
  source: "Weyl's theorem (each value moves by ≤ the bound, a gap by ≤ twice it)",
  bound: "worst error / bound <= 1",
  kind: "property",
});

export const EIGH_GPU_FAULT = claim({
  id: "linalg.eigh_gpu.fault_input",
  statement: "eighGpu and eighTopKGpu reject a non-square or malformed matrix and one " +
    "asymmetric beyond 2⁻²⁰·max|a| (TypeError naming the worst pair; accepted within it), " +
    "NaN/±Inf (RangeError naming the element), n = 0, n > 2048, k outside 1..n, a bad " +
    "blockSize, tol or sweep count (RangeError), before any GPU work and leaking no buffer",
  source: "impl/linalg/eigh_gpu.ts (EIGH_GPU_SYMMETRY_RTOL), impl/linalg/validate.ts",
  bound: "0 cases deviating",
  kind: "fault",
});

// --- svdGpu / pcaGpu: thin SVD through the Gram matrix ---

export const SVD_GPU_FIXTURE_PARITY = claim({
  id: "linalg.svd_gpu.fixture_parity",
  statement: "svdGpu's singular values match numpy's within min(√B, B/(σ̂ + σ)) and its V " +
    "(sign convention) within √2·B/gap(σ²) + 18·K·u₃₂ where that is below 1, for 64 × 40, " +
    "257 × 3 and 3 × 5; B = (γ_M + 2u₃₂)·‖A‖_F² + 18·K·u₃₂·σ₁² the Gram matrix's error",
  source: `${LAPACK}; Weyl and Davis–Kahan on AᵀA; impl/linalg/svd_gpu.ts`,
  bound: "worst error / bound <= 1 over s and V of every case",
  kind: "parity",
});

export const SVD_GPU_PROPERTIES = claim({
  id: "linalg.svd_gpu.property_orthonormality",
  statement: "svdGpu's V is orthonormal within 18·K·u₃₂; its U's formed columns within " +
    "(B + 2γ_K·‖A‖_F²)/(σ_i·σ_j) + 18·K·u₃₂ and completed columns within r·η²·√M + " +
    "4M·2⁻⁵³ (Gram–Schmidt twice against r formed columns orthonormal to η); " +
    "‖A − UΣVᵀ‖_F/‖A‖_F ≤ 18·K²·u₃₂ + √K·γ_K + 3z·√B/‖A‖_F (z completed columns); tall, " +
    "wide, square, rank deficient and zero matrices",
  source: "impl/linalg/svd_gpu.ts (Gram-matrix SVD); ledger model of impl/linalg/eigh_gpu.ts",
  bound: "worst error / bound <= 1",
  kind: "property",
});

export const SVD_GPU_SIGN_CONVENTION = claim({
  id: "linalg.svd_gpu.property_sign_convention",
  statement: "svdGpu's singular values are descending and non-negative, every v_j's " +
    "largest-magnitude component is positive, and A·v_j·u_j ≥ 0 for every formed u_j",
  source: "impl/linalg/sign.ts; impl/linalg/svd.ts's convention",
  bound: "0 violations",
  kind: "property",
});

export const SVD_GPU_PCA = claim({
  id: "linalg.svd_gpu.property_pca",
  statement: "pcaGpu's explained variances match the host pca's within B/(n − 1) and its " +
    "components within √2·B/gap(σ²) + 18·K·u₃₂, the ratios sum to ≤ 1 + K·u₃₂",
  source: "PCA as the SVD of the centred data; impl/linalg/svd.ts pca; Weyl; Davis–Kahan",
  bound: "worst error / bound <= 1",
  kind: "property",
});

export const SVD_GPU_FAULT = claim({
  id: "linalg.svd_gpu.fault_input",
  statement: "svdGpu and pcaGpu reject a malformed matrix (TypeError), a zero dimension, " +
    "fewer than 2 samples, k outside 1..min(n, d), NaN/±Inf and a bad sweep count " +
    "(RangeError), before any GPU work and leaking no buffer",
  source: "impl/linalg/svd_gpu.ts, impl/linalg/validate.ts",
  bound: "0 cases deviating",
  kind: "fault",
});
