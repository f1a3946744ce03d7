/**
 * Permutation symmetry of a function of a set, the set given as the rows of
 * a matrix X (one element per row) and a permutation π acting as
 * (PX)_i = X_{π(i)}:
 * - equivariance, f(PX) = P·f(X) (attention without positions, per-item maps,
 *   slot updates): the figure is max |f(PX) − P·f(X)| over all elements;
 * - invariance, f(PX) = f(X) (pooling, set readouts, a memory's retrieval
 *   result): the figure is max |f(PX) − f(X)|.
 * Both are compared `<=` with `atol` (default 0: bit-exact, which per-row
 * maps achieve; a sum over rows reassociates, so bound it with the ledger's
 * accumulation bound). The worst place is the element of f(PX).
 *
 * `checkEquivariance` and `checkInvariance` call `f` themselves; when f is
 * asynchronous (a GPU computation), compute f(X) and f(PX) yourself and use
 * `compareEquivariant` / `compareInvariant`.
 *
 * @example
 * ```ts
 * import { checkEquivariance, checkInvariance } from "./permutation_equivariance.ts";
 * import { fromRows, type Matrix } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const x = fromRows([[1, 2], [3, 4], [5, 6]]);
 * const double = (m: Matrix) => ({ ...m, data: m.data.map((v) => 2 * v) });
 * ok(checkEquivariance(double, x, [2, 0, 1]).pass);
 * const colSums = (m: Matrix) => [0, 1].map((j) => m.data[j]! + m.data[2 + j]! + m.data[4 + j]!);
 * ok(checkInvariance(colSums, x, [2, 0, 1]).pass); // small integers sum exactly in any order
 * ```
 *
 * @module
 */
import { assertMatrix, type Matrix, matrix } from "./matrix.ts";
import { assertBound, makeVerdict, type Verdict, WorstTracker } from "./verdict.ts";

/** Options of the equivariance and invariance checks. */
export interface PermutationOptions {
  /** Largest absolute difference accepted; default 0. */
  atol?: number;
}

/** The element of f(PX) furthest from its expected value, or -1s when there are none. */
export interface EquivarianceWorst {
  /** Row of the element. */
  row: number;
  /** Column of the element. */
  col: number;
  /** f(PX) there. */
  actual: number;
  /** (P·f(X)) there. */
  expected: number;
}

/** The element of f(PX) furthest from f(X), or -1 when there are none. */
export interface InvarianceWorst {
  /** Index of the element in the flattened output. */
  index: number;
  /** f(PX) there. */
  actual: number;
  /** f(X) there. */
  expected: number;
}

/**
 * Throws unless `perm` is a permutation of 0..n−1: a TypeError for a wrong
 * length, a RangeError for an entry out of range, not an integer, or repeated.
 *
 * @example
 * ```ts
 * import { assertPermutation } from "./permutation_equivariance.ts";
 * import { throws } from "node:assert/strict";
 * assertPermutation([1, 2, 0], 3);
 * throws(() => assertPermutation([0, 0, 1], 3), /repeats 0/);
 * ```
 */
export function assertPermutation(perm: ArrayLike<number>, n: number): void {
  if (perm.length !== n) {
    throw new TypeError(
      `Cannot permute ${n} rows with a permutation of length ${perm.length}: lengths must match`,
    );
  }
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = perm[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= n) {
      throw new RangeError(
        `Cannot permute ${n} rows: permutation entry ${i} is ${p}, not an integer in [0, ${n - 1}]`,
      );
    }
    if (seen[p]) throw new RangeError(`Cannot permute ${n} rows: the permutation repeats ${p}`);
    seen[p] = 1;
  }
}

/**
 * PX, with row i of the result being row `perm[i]` of `m` (f64).
 *
 * @throws {TypeError} when `m` is malformed or `perm` has the wrong length
 * @throws {RangeError} when `perm` is not a permutation
 *
 * @example
 * ```ts
 * import { permuteRows } from "./permutation_equivariance.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(permuteRows(fromRows([[1], [2], [3]]), [2, 0, 1]).data), [3, 1, 2]);
 * ```
 */
export function permuteRows(m: Matrix, perm: ArrayLike<number>): Matrix {
  assertMatrix(m, "permute the rows of");
  assertPermutation(perm, m.rows);
  const out = matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) {
    out.data.set(m.data.subarray(perm[i]! * m.cols, (perm[i]! + 1) * m.cols), i * m.cols);
  }
  return out;
}

/**
 * Compares f(PX) with P·f(X) given both outputs.
 *
 * @throws {TypeError} when the outputs differ in shape or `perm` has the wrong length
 * @throws {RangeError} when `perm` is not a permutation or `atol` is negative or not finite
 *
 * @example A function that ignores the permutation fails by the measured amount
 * ```ts
 * import { compareEquivariant } from "./permutation_equivariance.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const fx = fromRows([[1], [4]]);
 * const v = compareEquivariant(fx, fx, [1, 0]); // f(PX) should have been [[4], [1]]
 * deepStrictEqual([v.pass, v.figure, v.worst.row], [false, 3, 0]);
 * ```
 */
export function compareEquivariant(
  fx: Matrix,
  fpx: Matrix,
  perm: ArrayLike<number>,
  options: PermutationOptions = {},
): Verdict<EquivarianceWorst> {
  assertMatrix(fx, "compare f(X) as");
  assertMatrix(fpx, "compare f(PX) as");
  if (fx.rows !== fpx.rows || fx.cols !== fpx.cols) {
    throw new TypeError(
      `Cannot compare f(X) of shape [${fx.rows}, ${fx.cols}] with f(PX) of shape ` +
        `[${fpx.rows}, ${fpx.cols}]: an equivariant function keeps the shape`,
    );
  }
  const atol = options.atol ?? 0;
  assertBound(atol, "atol", "check permutation equivariance", { min: 0 });
  const expected = permuteRows(fx, perm);
  const worst = new WorstTracker();
  for (let i = 0; i < fpx.data.length; i++) {
    worst.offer(Math.abs(fpx.data[i]! - expected.data[i]!), i);
  }
  const at = worst.index;
  return makeVerdict(
    worst.value,
    "<=",
    atol,
    at < 0 ? { row: -1, col: -1, actual: NaN, expected: NaN } : {
      row: Math.floor(at / fpx.cols),
      col: at % fpx.cols,
      actual: fpx.data[at]!,
      expected: expected.data[at]!,
    },
  );
}

/**
 * Checks f(PX) = P·f(X) by calling `f` on X and on PX.
 *
 * @throws {TypeError} when X or an output is malformed, or f changes the row count
 * @throws {RangeError} when `perm` is not a permutation or `atol` is invalid
 *
 * @example Prefix sums over rows depend on the order: not equivariant
 * ```ts
 * import { checkEquivariance } from "./permutation_equivariance.ts";
 * import { fromRows, type Matrix } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const cumsum = (m: Matrix) => {
 *   const data = Float64Array.from(m.data);
 *   for (let i = 1; i < data.length; i++) data[i] = data[i]! + data[i - 1]!;
 *   return { ...m, data };
 * };
 * // X = [1, 2, 4]: f(PX) = [4, 6, 7] but P·f(X) = [7, 3, 1]
 * const v = checkEquivariance(cumsum, fromRows([[1], [2], [4]]), [2, 1, 0]);
 * ok(!v.pass && v.figure === 6 && v.worst.row === 2);
 * ```
 */
export function checkEquivariance(
  f: (x: Matrix) => Matrix,
  x: Matrix,
  perm: ArrayLike<number>,
  options: PermutationOptions = {},
): Verdict<EquivarianceWorst> {
  assertMatrix(x, "check permutation equivariance on");
  const fx = f(x);
  const fpx = f(permuteRows(x, perm));
  if (fx.rows !== x.rows) {
    throw new TypeError(
      `Cannot check permutation equivariance of a function from ${x.rows} rows to ${fx.rows}: ` +
        `it must keep the row count`,
    );
  }
  return compareEquivariant(fx, fpx, perm, options);
}

/**
 * Compares f(PX) with f(X) given both outputs.
 *
 * @throws {TypeError} when the outputs differ in length
 * @throws {RangeError} when `atol` is negative or not finite
 *
 * @example
 * ```ts
 * import { compareInvariant } from "./permutation_equivariance.ts";
 * import { ok } from "node:assert/strict";
 * const v = compareInvariant([1, 2, 3], [1, 2.5, 3], { atol: 0.5 });
 * ok(v.pass && v.figure === 0.5 && v.worst.index === 1);
 * ```
 */
export function compareInvariant(
  fx: ArrayLike<number>,
  fpx: ArrayLike<number>,
  options: PermutationOptions = {},
): Verdict<InvarianceWorst> {
  if (fx.length !== fpx.length) {
    throw new TypeError(
      `Cannot compare f(X) of length ${fx.length} with f(PX) of length ${fpx.length}: ` +
        `lengths differ`,
    );
  }
  const atol = options.atol ?? 0;
  assertBound(atol, "atol", "check permutation invariance", { min: 0 });
  const worst = new WorstTracker();
  for (let i = 0; i < fx.length; i++) worst.offer(Math.abs(fpx[i]! - fx[i]!), i);
  const at = worst.index;
  return makeVerdict(worst.value, "<=", atol, {
    index: at,
    actual: at < 0 ? NaN : fpx[at]!,
    expected: at < 0 ? NaN : fx[at]!,
  });
}

/**
 * Checks f(PX) = f(X) by calling `f` on X and on PX.
 *
 * @throws {TypeError} when X is malformed, `perm` has the wrong length, or the outputs differ in length
 * @throws {RangeError} when `perm` is not a permutation or `atol` is invalid
 *
 * @example The first row is not a set readout
 * ```ts
 * import { checkInvariance } from "./permutation_equivariance.ts";
 * import { fromRows, type Matrix } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const first = (m: Matrix) => m.data.subarray(0, m.cols);
 * const v = checkInvariance(first, fromRows([[1, 1], [3, 1]]), [1, 0]);
 * ok(!v.pass && v.figure === 2 && v.worst.index === 0);
 * ```
 */
export function checkInvariance(
  f: (x: Matrix) => ArrayLike<number>,
  x: Matrix,
  perm: ArrayLike<number>,
  options: PermutationOptions = {},
): Verdict<InvarianceWorst> {
  assertMatrix(x, "check permutation invariance on");
  const px = permuteRows(x, perm);
  return compareInvariant(f(x), f(px), options);
}
