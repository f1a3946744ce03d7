/**
 * The invariant vocabulary (the package's `./invariants` entry point): pure
 * checkers that return a verdict with the measured figure, the bound, pass,
 * and where the figure was worst (symmetric eigendecomposition, SPD,
 * antisymmetry, unit norm, norm drift, orthonormality, eigengap, explained
 * variance, recall@k, permutation equivariance); the element-wise closeness
 * check and the central-difference gradient check; the dense matrix type they
 * take; and the tolerance ledger, every bound with its reason, including the
 * running f32 error analysis (`track`, `trackSum`, …) the GPU claims replay.
 * Nothing here touches the GPU.
 *
 * @example
 * ```ts
 * import { checkOrthonormality, checkSpd, fromRows } from "./mod.ts";
 * import { ok } from "node:assert/strict";
 * ok(checkSpd(fromRows([[2, 0], [0, 3]])).pass);
 * ok(checkOrthonormality(fromRows([[0, 1], [1, 0]]), { atol: 0 }).pass);
 * ```
 *
 * @module
 */
export * from "./verdict.ts";
export * from "./matrix.ts";
/**
 * The generic matrix interface of impl/linalg (`linalg.Matrix` in the main entry point), which
 * the matrix helpers re-exported here take and return; {@link Matrix} is its f64-or-f32 instance.
 */
export type { Matrix as LinalgMatrix } from "../impl/linalg/matrix.ts";
export * from "./close.ts";
export * from "./gradcheck.ts";
export * from "./tolerance.ts";
export * from "./eigen_symmetric.ts";
export * from "./spd.ts";
export * from "./antisymmetry.ts";
export * from "./unit_norm.ts";
export * from "./norm_drift.ts";
export * from "./orthonormality.ts";
export * from "./eigengap.ts";
export * from "./explained_variance.ts";
export * from "./recall_at_k.ts";
export * from "./permutation_equivariance.ts";
export * from "./ams_store.ts";
