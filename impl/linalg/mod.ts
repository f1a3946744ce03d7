/**
 * memspec's f64 host linear algebra, in one place: the one dense matrix type
 * (`Matrix`, row-major), input validation with typed errors, products and
 * norms, the symmetric eigendecomposition (`eigh`, cyclic Jacobi, ascending),
 * eigenvalues of a general matrix (`eigenvalues`, `spectralRadius`, Francis
 * QR), Cholesky factor and solve, and the thin SVD and PCA (one-sided Jacobi,
 * descending). Every eigenvector and singular vector follows one sign
 * convention (./sign.ts): its largest-magnitude component is positive, the
 * lowest index deciding ties.
 *
 * Beside them, the f32 GPU solvers (eigh_gpu.ts: eighGpu, eighTopKGpu,
 * eigengap; svd_gpu.ts: svdGpu, pcaGpu) run on impl/gpu/. The f64 host files
 * import nothing from the rest of memspec, and nothing here imports
 * `invariants/`, which builds on this folder (invariants → impl/linalg, never
 * the reverse).
 *
 * @example
 * ```ts
 * import { choleskySolve, eigh, fromRows, matmul, svd, toRows } from "./mod.ts";
 * import { deepStrictEqual, ok } from "node:assert/strict";
 * const a = fromRows([[2, 1], [1, 2]]);
 * deepStrictEqual(Array.from(eigh(a).values, (x) => Math.round(x)), [1, 3]);
 * ok(Math.abs(svd(a).s[0]! - 3) < 1e-15);
 * const x = choleskySolve(a, fromRows([[3], [3]])); // x = (1, 1)
 * ok(toRows(matmul(a, x)).every(([y]) => Math.abs(y! - 3) < 1e-15 * 3));
 * ```
 *
 * @module
 */
export * from "./matrix.ts";
export * from "./validate.ts";
export * from "./sign.ts";
export * from "./norms.ts";
export * from "./eigh.ts";
export * from "./eigvals.ts";
export * from "./cholesky.ts";
export * from "./svd.ts";
export {
  type Eigengap,
  eigengap,
  eigengaps,
  EIGH_GPU_MAX_N,
  EIGH_GPU_SYMMETRY_RTOL,
  EIGH_GPU_TOL,
  type EighGpu,
  eighGpu,
  type EighGpuOptions,
  type EighTopK,
  eighTopKGpu,
  type EighTopKOptions,
  LINALG_GPU_JACOBI_C,
} from "./eigh_gpu.ts";
export { type PcaGpu, pcaGpu, type SvdGpu, svdGpu, type SvdGpuOptions } from "./svd_gpu.ts";
