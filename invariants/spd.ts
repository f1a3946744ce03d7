/**
 * Symmetric positive definiteness of a square matrix, as two verdicts:
 * - symmetry: the figure is max_{i<j} |a_ij − a_ji|, compared `<=` with
 *   `symmetryAtol` (default 0: exactly symmetric);
 * - definiteness: the figure is the smallest eigenvalue of the symmetric part
 *   (A + Aᵀ)/2 (cyclic Jacobi in f64, {@link eigenSymmetric}), compared `>`
 *   with `minEigenvalue`. Its default is the solver's own error bound, so a
 *   matrix passes only when its smallest eigenvalue is positive beyond doubt;
 *   pass a negative floor to accept positive semidefinite matrices up to a
 *   slack. The worst place is the eigenvector of the smallest eigenvalue: a
 *   direction x with xᵀAx = λ_min·‖x‖².
 *
 * A non-finite element fails both verdicts with a NaN figure and is named in
 * `nonFinite`.
 *
 * @example
 * ```ts
 * import { checkSpd } from "./spd.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * ok(checkSpd(fromRows([[2, -1], [-1, 2]])).pass); // eigenvalues 3 and 1
 * const v = checkSpd(fromRows([[1, 2], [2, 1]])); // eigenvalues 3 and -1
 * ok(!v.pass && Math.abs(v.definiteness.figure + 1) < 1e-15);
 * ```
 *
 * @module
 */
import { eigenSymmetric } from "./eigen_symmetric.ts";
import { assertSquare, firstNonFinite, type Matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict, WorstTracker } from "./verdict.ts";

/** Options for {@link checkSpd}. */
export interface SpdOptions {
  /** Largest |a_ij − a_ji| accepted; default 0. */
  symmetryAtol?: number;
  /** The smallest eigenvalue must exceed this; default the eigensolver's error bound. */
  minEigenvalue?: number;
}

/** Where the symmetry error was largest (row < col), or -1s for a 1 × 1 matrix. */
export interface SymmetryWorst {
  /** Row of the worst pair. */
  row: number;
  /** Column of the worst pair. */
  col: number;
}

/** The eigenpair of the smallest eigenvalue. */
export interface DefinitenessWorst {
  /** Position of λ_min in the descending spectrum (n − 1), or -1 when not computed. */
  index: number;
  /** Unit eigenvector of λ_min (empty when not computed). */
  eigenvector: Float64Array;
}

/** Outcome of {@link checkSpd}. */
export interface SpdVerdict {
  /** Both verdicts pass. */
  pass: boolean;
  /** The symmetry check: the largest |a_ij − a_ji| against its bound. */
  symmetry: Verdict<SymmetryWorst>;
  /** The definiteness check: the smallest eigenvalue of (A + Aᵀ)/2 against `minEigenvalue`. */
  definiteness: Verdict<DefinitenessWorst>;
  /** The spectrum of (A + Aᵀ)/2, descending (empty when not computed). */
  eigenvalues: Float64Array;
  /** The first non-finite element, if any. */
  nonFinite: { row: number; col: number } | null;
}

/**
 * Checks that `a` is symmetric positive definite.
 *
 * @throws {TypeError} when `a` is not a non-empty square matrix
 * @throws {RangeError} when a bound is not a finite number, or `symmetryAtol` is negative
 *
 * @example An asymmetric matrix fails symmetry by the measured amount
 * ```ts
 * import { checkSpd } from "./spd.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
 * const v = checkSpd(fromRows([[4, 1, 0], [1, 4, 0], [0, 0.5, 4]]));
 * ok(!v.pass && v.definiteness.pass);
 * strictEqual(v.symmetry.figure, 0.5);
 * deepStrictEqual(v.symmetry.worst, { row: 1, col: 2 });
 * ```
 */
export function checkSpd(a: Matrix, options: SpdOptions = {}): SpdVerdict {
  const what = "check positive definiteness of";
  assertSquare(a, what);
  if (a.rows === 0) throw new TypeError(`Cannot ${what} a 0 × 0 matrix: it has no spectrum`);
  const symmetryAtol = options.symmetryAtol ?? 0;
  assertBound(symmetryAtol, "symmetryAtol", "check positive definiteness", { min: 0 });
  if (options.minEigenvalue !== undefined) {
    assertBound(options.minEigenvalue, "minEigenvalue", "check positive definiteness");
  }
  const n = a.rows;
  const sym = new WorstTracker();
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      sym.offer(Math.abs(a.data[i * n + j]! - a.data[j * n + i]!), i * n + j);
    }
  }
  const symmetry = makeVerdict(
    sym.value,
    "<=",
    symmetryAtol,
    sym.index < 0 ? { row: -1, col: -1 } : { row: Math.floor(sym.index / n), col: sym.index % n },
  );
  const nonFinite = firstNonFinite(a);
  if (nonFinite !== null) {
    return {
      pass: false,
      symmetry: makeVerdict(NaN, "<=", symmetryAtol, symmetry.worst),
      definiteness: makeVerdict(NaN, ">", options.minEigenvalue ?? 0, {
        index: -1,
        eigenvector: new Float64Array(0),
      }),
      eigenvalues: new Float64Array(0),
      nonFinite,
    };
  }
  const eig = eigenSymmetric(a);
  const eigenvector = new Float64Array(n);
  for (let r = 0; r < n; r++) eigenvector[r] = eig.vectors.data[r * n + n - 1]!;
  const definiteness = makeVerdict(
    eig.values[n - 1]!,
    ">",
    options.minEigenvalue ?? eig.errorBound,
    { index: n - 1, eigenvector },
  );
  return {
    pass: symmetry.pass && definiteness.pass,
    symmetry,
    definiteness,
    eigenvalues: eig.values,
    nonFinite: null,
  };
}
