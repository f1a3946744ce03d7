/**
 * Planted bugs of the linalg family: each a real mistake an implementation could
 * make, and the claims that must catch it.
 *
 * The routines are f64 host code (impl/linalg), checked against numpy's
 * fixtures, their rounding bounds (orthonormality, reconstruction, Higham's
 * Cholesky bounds), the sign convention and their typed errors.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const EIGH = ["spec/linalg/eigh_test.ts"];
const SVD = ["spec/linalg/svd_test.ts"];
const CHOLESKY = ["spec/linalg/cholesky_test.ts"];
const FAULTS = ["spec/linalg/faults_test.ts"];

/** The linalg family's planted bugs. */
export const LINALG_MUTATIONS: readonly Mutation[] = [
  {
    id: "linalg.eigh.rotation_sign",
    family: "linalg",
    mechanism: "eigh",
    layer: "forward",
    file: "impl/linalg/eigh.ts",
    find: "V[r * n + p] = c * vrp - s * vrq;",
    replace: "V[r * n + p] = c * vrp + s * vrq;",
    tests: EIGH,
    filter: "linalg.eigh.",
    why: "the Jacobi rotation accumulated into V with the wrong sign of s: A is still " +
      "diagonalised (the eigenvalues are right) but V is no longer the product of the " +
      "rotations, so the eigenvectors are wrong",
  },
  {
    id: "linalg.eigh.sweep_skips_last_column",
    family: "linalg",
    mechanism: "eigh",
    layer: "forward",
    file: "impl/linalg/eigh.ts",
    find: "for (let q = p + 1; q < n; q++) {",
    replace: "for (let q = p + 1; q < n - 1; q++) {",
    tests: EIGH,
    filter: "linalg.eigh.",
    why: "an off-by-one sweep that never visits the pairs (p, n − 1): the last column's " +
      "off-diagonal entries are never annihilated, yet the sweep reports convergence",
  },
  {
    id: "linalg.eigh.loose_drop_threshold",
    family: "linalg",
    mechanism: "eigh",
    layer: "forward",
    file: "impl/linalg/eigh.ts",
    find: "if (Math.abs(apq) <= U * Math.sqrt(Math.abs(app)) * Math.sqrt(Math.abs(aqq))) {",
    replace: "if (Math.abs(apq) <= 1e-8 * Math.sqrt(Math.abs(app)) * Math.sqrt(Math.abs(aqq))) {",
    tests: EIGH,
    filter: "linalg.eigh.",
    why: "a single-precision stopping tolerance (1e-8 for u = 2⁻⁵³): entries still far above " +
      "f64 rounding are dropped instead of rotated, which skips the last sweeps of the " +
      "quadratic convergence and leaves the eigenvectors accurate to ~1e-8 only",
  },
  {
    id: "linalg.sign.flipped_convention",
    family: "linalg",
    mechanism: "sign",
    layer: "forward",
    file: "impl/linalg/sign.ts",
    find: "if (r >= 0 && v.data[r * v.cols + j]! < 0) {",
    replace: "if (r >= 0 && v.data[r * v.cols + j]! > 0) {",
    tests: EIGH,
    filter: "linalg.eigh.",
    why: "the sign convention inverted: every eigenvector comes back with its largest " +
      "component negative, so it no longer compares element by element with numpy's",
  },
  {
    id: "linalg.sign.ties_to_last",
    family: "linalg",
    mechanism: "sign",
    layer: "forward",
    file: "impl/linalg/sign.ts",
    find: "if (a > big) [best, big] = [r, a];",
    replace: "if (a >= big) [best, big] = [r, a];",
    tests: EIGH,
    filter: "linalg.eigh.property_sign_convention",
    why: "`>=` in the pivot search: among components of equal largest magnitude the last one " +
      "decides the sign instead of the first, so a vector like (1, −1)/√2 comes back flipped",
  },
  {
    id: "linalg.cholesky.zero_pivot_accepted",
    family: "linalg",
    mechanism: "cholesky",
    layer: "fault",
    file: "impl/linalg/cholesky.ts",
    find: "if (!(d > 0)) {",
    occurrence: 0,
    replace: "if (d < 0) {",
    tests: FAULTS,
    filter: "linalg.cholesky.fault_not_positive_definite",
    why: "the pivot test lets a zero pivot through (d < 0 for !(d > 0)): a singular matrix " +
      "factors into an L with a zero on its diagonal and solves divide by zero",
  },
  {
    id: "linalg.cholesky.update_skips_last_term",
    family: "linalg",
    mechanism: "cholesky",
    layer: "forward",
    file: "impl/linalg/cholesky.ts",
    find: "for (let p = 0; p < j; p++) s -= l[i * n + p]! * l[j * n + p]!;",
    replace: "for (let p = 0; p < j - 1; p++) s -= l[i * n + p]! * l[j * n + p]!;",
    tests: CHOLESKY,
    filter: "linalg.cholesky.property_factor",
    why: "the below-diagonal update stops one term early: L·Lᵀ misses l_i,j−1·l_j,j−1",
  },
  {
    id: "linalg.svd.rounding_level_column_rotated",
    family: "linalg",
    mechanism: "svd",
    layer: "forward",
    file: "impl/linalg/svd.ts",
    find: "if (alpha <= negligible2 || beta <= negligible2) continue;",
    replace: "",
    tests: SVD,
    filter: "linalg.svd.",
    why: "one-sided Jacobi without the negligible-column rule: for exactly dependent rows a " +
      "column reaches rounding level and is rotated forever (never orthogonal to m·u of its own " +
      "noise), so the SVD runs out of sweeps and throws on a valid rank-deficient matrix",
  },
  {
    id: "linalg.svd.ascending_order",
    family: "linalg",
    mechanism: "svd",
    layer: "forward",
    file: "impl/linalg/svd.ts",
    find: "order.sort((i, j) => raw.s[j]! - raw.s[i]! || i - j);",
    replace: "order.sort((i, j) => raw.s[i]! - raw.s[j]! || i - j);",
    tests: SVD,
    filter: "linalg.svd.",
    why: "singular values sorted ascending (eigh's order) instead of descending (numpy's svd)",
  },
  {
    id: "linalg.svd.rotation_angle_sign",
    family: "linalg",
    mechanism: "svd",
    layer: "forward",
    file: "impl/linalg/svd.ts",
    find: "const zeta = (beta - alpha) / (2 * gamma);",
    replace: "const zeta = (alpha - beta) / (2 * gamma);",
    tests: SVD,
    filter: "linalg.svd.",
    why: "the one-sided Jacobi angle with ζ's sign flipped: the rotation no longer " +
      "orthogonalises the column pair, so the sweeps do not converge",
  },
  {
    id: "linalg.svd.pca_biased_variance",
    family: "linalg",
    mechanism: "svd",
    layer: "forward",
    file: "impl/linalg/svd.ts",
    find: "explainedVariance[j] = (s * s) / (n - 1);",
    replace: "explainedVariance[j] = (s * s) / n;",
    tests: SVD,
    filter: "linalg.svd.property_pca",
    why: "PCA's explained variance divided by n instead of n − 1 (scikit-learn and the " +
      "sample covariance use n − 1)",
  },
  {
    id: "linalg.svd.fault_non_finite_unchecked",
    family: "linalg",
    mechanism: "svd",
    layer: "fault",
    file: "impl/linalg/svd.ts",
    find: "  assertFinite(a, what);\n",
    replace: "",
    tests: FAULTS,
    filter: "linalg.eigh.fault_non_finite",
    why: "svd's non-finite check removed: NaN or ±∞ reach the Jacobi sweeps instead of a " +
      "RangeError naming the element",
  },
  {
    id: "linalg.eigh.symmetry_absolute_tolerance",
    family: "linalg",
    mechanism: "eigh",
    layer: "fault",
    file: "impl/linalg/validate.ts",
    find: "const tol = rtol * w.scale;",
    replace: "const tol = rtol;",
    tests: FAULTS,
    filter: "linalg.eigh.fault_non_symmetric",
    why: "the symmetry tolerance applied as an absolute 1e-12 instead of relative to max|a|: " +
      "large matrices are rejected for rounding-level asymmetry and small ones accepted " +
      "however asymmetric",
  },
];
