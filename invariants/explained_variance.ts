/**
 * Explained-variance ratio of the top-k principal components of a data
 * matrix X (n samples × d features): the figure is Σ_{i≤k} λ_i / Σ_i λ_i,
 * with λ the eigenvalues (descending, {@link eigenSymmetric}) of the scatter
 * matrix XcᵀXc, Xc the column-centred data (or X itself when `center` is
 * false, for data whose mean is known to be zero). It is compared `>=` with
 * `minRatio`. The denominator is the trace, Σ_ij Xc_ij², computed directly.
 * Any normalisation of the covariance (1/n, 1/(n − 1)) cancels in the ratio.
 *
 * The worst place is the breakdown: each component's own ratio λ_i / Σλ.
 * A non-finite element makes the figure NaN and fails.
 *
 * @example
 * ```ts
 * import { checkExplainedVariance } from "./explained_variance.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * // Points on the line y = 2x, plus nothing else: one component explains all.
 * const x = fromRows([[-1, -2], [0, 0], [1, 2], [2, 4]]);
 * const v = checkExplainedVariance(x, { k: 1, minRatio: 0.999 });
 * ok(v.pass && Math.abs(v.figure - 1) < 1e-15);
 * ```
 *
 * @module
 */
import { eigenSymmetric } from "./eigen_symmetric.ts";
import { assertMatrix, firstNonFinite, type Matrix, matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict } from "./verdict.ts";

/** Options for {@link checkExplainedVariance}. */
export interface ExplainedVarianceOptions {
  /** How many leading components; 1 ≤ k ≤ d. */
  k: number;
  /** Smallest ratio accepted, in [0, 1]. */
  minRatio: number;
  /** Whether to centre the columns first; default true. */
  center?: boolean;
}

/** The per-component breakdown. */
export interface ExplainedVarianceWorst {
  /** Leading components counted, as asked. */
  k: number;
  /** λ_i / Σλ for every component, descending (empty when an element was not finite). */
  ratios: Float64Array;
}

/** Outcome of {@link checkExplainedVariance}. */
export interface ExplainedVarianceVerdict extends Verdict<ExplainedVarianceWorst> {
  /** Eigenvalues of the scatter matrix, descending. */
  readonly eigenvalues: Float64Array;
  /** Σλ = trace of the scatter matrix. */
  readonly totalVariance: number;
}

/**
 * Checks that the top `k` principal components of `x` explain at least `minRatio` of its variance.
 *
 * @throws {TypeError} when `x` is not a well-formed matrix with at least one column
 * @throws {RangeError} when `k` is not an integer in [1, d], `minRatio` is not in
 * [0, 1], or the data has zero total variance (the ratio is undefined)
 *
 * @example Isotropic data: each of d = 4 directions explains a quarter
 * ```ts
 * import { checkExplainedVariance } from "./explained_variance.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const x = fromRows([[1, 0, 0, 0], [-1, 0, 0, 0], [0, 1, 0, 0], [0, -1, 0, 0],
 *   [0, 0, 1, 0], [0, 0, -1, 0], [0, 0, 0, 1], [0, 0, 0, -1]]);
 * const v = checkExplainedVariance(x, { k: 2, minRatio: 0.6 });
 * ok(!v.pass && v.figure === 0.5 && v.worst.ratios.every((r) => r === 0.25));
 * ```
 */
export function checkExplainedVariance(
  x: Matrix,
  options: ExplainedVarianceOptions,
): ExplainedVarianceVerdict {
  const what = "check the explained variance of";
  assertMatrix(x, what);
  const [n, d] = [x.rows, x.cols];
  if (d === 0) throw new TypeError(`Cannot ${what} data of shape [${n}, 0]: it has no features`);
  const k = options.k;
  if (!Number.isSafeInteger(k) || k < 1 || k > d) {
    throw new RangeError(
      `Cannot ${what} the top k = ${k} components of ${d} features: ` +
        `k must be an integer in [1, ${d}]`,
    );
  }
  assertBound(options.minRatio, "minRatio", "check explained variance", { min: 0, max: 1 });
  if (firstNonFinite(x) !== null) {
    return {
      ...makeVerdict(NaN, ">=", options.minRatio, { k, ratios: new Float64Array(0) }),
      eigenvalues: new Float64Array(0),
      totalVariance: NaN,
    };
  }
  const centered = new Float64Array(x.data);
  if (options.center ?? true) {
    for (let j = 0; j < d; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += centered[i * d + j]!;
      mean /= n;
      for (let i = 0; i < n; i++) centered[i * d + j] = centered[i * d + j]! - mean;
    }
  }
  const scatter = matrix(d, d);
  let total = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += centered[i * d + a]! * centered[i * d + b]!;
      scatter.data[a * d + b] = s;
      scatter.data[b * d + a] = s;
      if (a === b) total += s;
    }
  }
  if (!(total > 0)) {
    throw new RangeError(
      `Cannot ${what} data of shape [${n}, ${d}]: its total variance is zero, so no ratio exists`,
    );
  }
  const eig = eigenSymmetric(scatter);
  let top = 0;
  for (let i = 0; i < k; i++) top += eig.values[i]!;
  return {
    ...makeVerdict(top / total, ">=", options.minRatio, {
      k,
      ratios: eig.values.map((l) => l / total),
    }),
    eigenvalues: eig.values,
    totalVariance: total,
  };
}
