/**
 * Planted bugs of memspec's linalg gpu building blocks: each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * The GPU solvers (impl/linalg/eigh_gpu.ts, svd_gpu.ts, kernels/jacobi.ts) are
 * checked against numpy's fixtures, the f64 host solvers, their derived f32
 * bounds, the sign convention and their stopping test
 * (spec/linalg/eigh_gpu_test.ts, svd_gpu_test.ts).
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const EIGH_GPU = ["spec/linalg/eigh_gpu_test.ts"];
const SVD_GPU = ["spec/linalg/svd_gpu_test.ts"];

/** The planted bugs of this group. */
export const LINALG_GPU_MUTATIONS: readonly Mutation[] = [
  {
    id: "linalg.eigh_gpu.rotation_angle_sign",
    family: "linalg",
    mechanism: "eigh_gpu",
    layer: "forward",
    file: "impl/linalg/kernels/jacobi.ts",
    find: "t = sg * apq / (abs(d) + h);",
    replace: "t = -sg * apq / (abs(d) + h);",
    tests: EIGH_GPU,
    filter: "linalg.eigh_gpu.fixture_parity",
    why: "the rotation angle with the wrong sign: the rotation doubles a_pq's share instead of " +
      "annihilating it (while a′_pq is still set to 0), so A is no longer similar to the input " +
      "and the sweeps never bring off(A) down",
  },
  {
    id: "linalg.eigh_gpu.round_robin_skips_last_round",
    family: "linalg",
    mechanism: "eigh_gpu",
    layer: "forward",
    file: "impl/linalg/eigh_gpu.ts",
    find: "for (let r = 0; r < roundsPerSweep; r++) {",
    replace: "for (let r = 0; r < roundsPerSweep - 1; r++) {",
    tests: EIGH_GPU,
    filter: "linalg.eigh_gpu.fixture_parity",
    why: "an off-by-one sweep of the round-robin: the last round's m/2 pairs are never rotated " +
      "(for n = 2 no pair at all), so their entries are never annihilated and the sweeps stall",
  },
  {
    id: "linalg.eigh_gpu.sign_convention_dropped",
    family: "linalg",
    mechanism: "eigh_gpu",
    layer: "forward",
    file: "impl/linalg/eigh_gpu.ts",
    find: "canonicalizeColumns(vectors);\n  return { values, vectors };",
    replace: "return { values, vectors };",
    tests: EIGH_GPU,
    filter: "linalg.eigh_gpu.property_sign_convention",
    why: "the host sign convention not applied to the GPU's vectors: each comes back with " +
      "whatever sign the rotations left, so it no longer compares element by element with the " +
      "host's or numpy's",
  },
  {
    id: "linalg.eigh_gpu.convergence_wrong_norm",
    family: "linalg",
    mechanism: "eigh_gpu",
    layer: "forward",
    file: "impl/linalg/eigh_gpu.ts",
    find: "while (!(off <= EIGH_GPU_TOL * fro)) {",
    replace: "while (!(off <= EIGH_GPU_TOL * fro * fro)) {",
    tests: EIGH_GPU,
    filter: "linalg.eigh_gpu.property_convergence",
    why: "the stopping test against the wrong norm (‖A‖_F², the sum of squares the reduction " +
      "returns, taken for ‖A‖_F): for ‖A‖_F > 1 the sweeps stop while off(A) is still " +
      "‖A‖_F times above u₃₂·‖A‖_F",
  },
  {
    id: "linalg.eigh_gpu.topk_residual_unscaled",
    family: "linalg",
    mechanism: "eigh_gpu",
    layer: "forward",
    file: "impl/linalg/eigh_gpu.ts",
    find: "if (worst <= tol * fro) {",
    replace: "if (worst <= tol * fro * n) {",
    tests: EIGH_GPU,
    filter: "linalg.eigh_gpu.gpu_parity_topk",
    why: "the subspace iteration's residual test scaled by n as well as ‖A‖_F: it stops " +
      "iterations early, with Ritz vectors far from the eigenvectors",
  },
  {
    id: "linalg.svd_gpu.u_not_flipped_with_v",
    family: "linalg",
    mechanism: "svd_gpu",
    layer: "forward",
    // The sign pass is shared with the host SVD (applySignConvention in impl/linalg/svd.ts).
    file: "impl/linalg/svd.ts",
    find: "if (!alone) { for (let i = 0; i < u.rows; i++) u.data[i * k + j] = " +
      "-u.data[i * k + j]!; }",
    replace: "",
    tests: SVD_GPU,
    filter: "linalg.svd_gpu.property",
    why: "v_j put in the sign convention without flipping u_j with it: U·Σ·Vᵀ no longer " +
      "reconstructs A and u_j·(A·v_j) = −σ_j",
  },
];
