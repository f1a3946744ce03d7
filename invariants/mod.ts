/**
 * The invariant vocabulary: pure checkers that return a verdict with the
 * measured figure, the bound, pass, and where the figure was worst; the
 * closeness and gradient checks; and the tolerance ledger.
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
