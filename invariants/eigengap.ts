/**
 * The spectral gap after the k-th eigenvalue of a symmetric matrix (k from 1,
 * eigenvalues λ_1 ≥ λ_2 ≥ … of (A + Aᵀ)/2 by {@link eigenSymmetric}):
 * - absolute gap λ_k − λ_{k+1}: how well the top-k invariant subspace is
 *   determined (Davis–Kahan: a perturbation E turns it by at most
 *   ‖E‖₂ / gap);
 * - relative gap (λ_k − λ_{k+1}) / max(|λ_k|, |λ_{k+1}|): for a positive
 *   semidefinite matrix 1 − λ_{k+1}/λ_k, the per-step contraction of power or
 *   subspace iteration (0 when both are 0).
 *
 * The figure is one of the two (`relative` picks), compared `>` with
 * `minGap`. By default `minGap` is the gap the eigensolver's own error could
 * fake: 2·errorBound (divided by max(|λ_k|, |λ_{k+1}|) when relative), so a
 * passing gap is real.
 *
 * A non-finite element makes the figure NaN and fails.
 *
 * @example
 * ```ts
 * import { checkEigengap } from "./eigengap.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const a = fromRows([[4, 0, 0], [0, 1, 0], [0, 0, 1]]);
 * const v = checkEigengap(a, { k: 1, minGap: 2 });
 * ok(v.pass && v.figure === 3 && v.relativeGap === 0.75);
 * ok(!checkEigengap(a, { k: 2 }).pass); // λ_2 = λ_3: no gap
 * ```
 *
 * @module
 */
import { eigenSymmetric } from "./eigen_symmetric.ts";
import { assertSquare, firstNonFinite, type Matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict } from "./verdict.ts";

/** Options for {@link checkEigengap}. */
export interface EigengapOptions {
  /** The gap is between λ_k and λ_{k+1}; 1 ≤ k ≤ n − 1. */
  k: number;
  /** The gap must exceed this; default 2·errorBound (relative: over max(|λ_k|, |λ_{k+1}|)). */
  minGap?: number;
  /** Whether the figure is the relative gap; default false (absolute). */
  relative?: boolean;
}

/** The two eigenvalues around the gap. */
export interface EigengapWorst {
  /** The k of the gap (λ_k − λ_{k+1}), as asked. */
  k: number;
  /** λ_k. */
  upper: number;
  /** λ_{k+1}. */
  lower: number;
}

/** Outcome of {@link checkEigengap}: the verdict plus both gaps and the spectrum. */
export interface EigengapVerdict extends Verdict<EigengapWorst> {
  /** λ_k − λ_{k+1}. */
  readonly absoluteGap: number;
  /** (λ_k − λ_{k+1}) / max(|λ_k|, |λ_{k+1}|). */
  readonly relativeGap: number;
  /** Descending (empty when an element was not finite). */
  readonly eigenvalues: Float64Array;
  /** The eigensolver's bound on each eigenvalue's absolute error. */
  readonly errorBound: number;
}

/**
 * Checks that the gap between the k-th and (k+1)-th largest eigenvalues of `a` exceeds `minGap`.
 *
 * @throws {TypeError} when `a` is not a square matrix
 * @throws {RangeError} when `k` is not an integer in [1, n − 1] or `minGap` is
 * negative or not finite
 *
 * @example The relative gap of a spectrum (10, 9, 1)
 * ```ts
 * import { checkEigengap } from "./eigengap.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const a = fromRows([[10, 0, 0], [0, 9, 0], [0, 0, 1]]);
 * ok(!checkEigengap(a, { k: 1, relative: true, minGap: 0.5 }).pass); // 0.1
 * const v = checkEigengap(a, { k: 2, relative: true, minGap: 0.5 });
 * ok(v.pass && Math.abs(v.figure - 8 / 9) < 1e-15 && v.absoluteGap === 8);
 * ```
 */
export function checkEigengap(a: Matrix, options: EigengapOptions): EigengapVerdict {
  assertSquare(a, "check the eigengap of");
  const n = a.rows;
  const k = options.k;
  if (!Number.isSafeInteger(k) || k < 1 || k > n - 1) {
    throw new RangeError(
      `Cannot check the eigengap after eigenvalue k = ${k} of a ${n} × ${n} matrix: ` +
        `k must be an integer in [1, ${n - 1}]`,
    );
  }
  if (options.minGap !== undefined) {
    assertBound(options.minGap, "minGap", "check the eigengap", { min: 0 });
  }
  const relative = options.relative ?? false;
  if (firstNonFinite(a) !== null) {
    return {
      ...makeVerdict(NaN, ">", options.minGap ?? 0, { k, upper: NaN, lower: NaN }),
      absoluteGap: NaN,
      relativeGap: NaN,
      eigenvalues: new Float64Array(0),
      errorBound: NaN,
    };
  }
  const eig = eigenSymmetric(a);
  const upper = eig.values[k - 1]!;
  const lower = eig.values[k]!;
  const absoluteGap = upper - lower;
  const scale = Math.max(Math.abs(upper), Math.abs(lower));
  const relativeGap = scale === 0 ? 0 : absoluteGap / scale;
  const defaultGap = relative
    ? (scale === 0 ? Infinity : 2 * eig.errorBound / scale)
    : 2 * eig.errorBound;
  return {
    ...makeVerdict(relative ? relativeGap : absoluteGap, ">", options.minGap ?? defaultGap, {
      k,
      upper,
      lower,
    }),
    absoluteGap,
    relativeGap,
    eigenvalues: eig.values,
    errorBound: eig.errorBound,
  };
}
