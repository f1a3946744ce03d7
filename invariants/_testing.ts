/**
 * Test helpers of the invariant tests (not exported from mod.ts): matrices
 * with a known structure, built in f64, and the fast-check arbitraries that
 * feed them.
 *
 * @example
 * ```ts
 * import { conjugateDiagonal, gramSchmidt } from "./_testing.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const q = gramSchmidt(fromRows([[1, 1], [0, 1]]))!;
 * const a = conjugateDiagonal(q, [2, 1]);
 * ok(Math.abs(a.data[1]! - a.data[2]!) < 1e-15);
 * ```
 *
 * @module
 */
import fc from "fast-check";
import { type Matrix, matrix } from "./matrix.ts";

/**
 * The columns of `m` orthonormalised by modified Gram–Schmidt, run twice
 * ("twice is enough": the result is orthonormal to O(n·u), Giraud et al.
 * 2005), or null when a column is numerically dependent on the previous ones
 * (it loses more than a factor 10⁻⁶ of its norm to the projections).
 *
 * @example
 * ```ts
 * import { gramSchmidt } from "./_testing.ts";
 * import { fromRows } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(gramSchmidt(fromRows([[1, 2], [1, 2]])), null);
 * ```
 */
export function gramSchmidt(m: Matrix): Matrix | null {
  const [rows, cols] = [m.rows, m.cols];
  const q = matrix(rows, cols, m.data);
  const col = (j: number) => Array.from({ length: rows }, (_, r) => q.data[r * cols + j]!);
  for (let j = 0; j < cols; j++) {
    // Scale the column to O(1) first: projecting a subnormal column would lose its digits.
    const scale = Math.max(...col(j).map(Math.abs));
    if (!(scale > 0) || !Number.isFinite(scale)) return null;
    for (let r = 0; r < rows; r++) q.data[r * cols + j] = q.data[r * cols + j]! / scale;
    const before = Math.hypot(...col(j));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += q.data[r * cols + i]! * q.data[r * cols + j]!;
        for (let r = 0; r < rows; r++) {
          q.data[r * cols + j] = q.data[r * cols + j]! - dot * q.data[r * cols + i]!;
        }
      }
    }
    const after = Math.hypot(...col(j));
    if (!(after > 1e-6 * before)) return null;
    for (let r = 0; r < rows; r++) q.data[r * cols + j] = q.data[r * cols + j]! / after;
  }
  return q;
}

/**
 * Q·diag(values)·Qᵀ in f64, symmetrised exactly (the upper triangle is mirrored).
 *
 * @example
 * ```ts
 * import { conjugateDiagonal } from "./_testing.ts";
 * import { identity } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(conjugateDiagonal(identity(2), [3, 4]).data), [3, 0, 0, 4]);
 * ```
 */
export function conjugateDiagonal(q: Matrix, values: ArrayLike<number>): Matrix {
  const n = q.rows;
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < values.length; k++) {
        s += q.data[i * q.cols + k]! * values[k]! * q.data[j * q.cols + k]!;
      }
      out.data[i * n + j] = s;
      out.data[j * n + i] = s;
    }
  }
  return out;
}

/**
 * A random n × n orthogonal matrix: Gram–Schmidt of uniform entries in
 * [-1, 1], retried on (rare) dependent draws.
 *
 * @example
 * ```ts
 * import { orthogonalArb } from "./_testing.ts";
 * import fc from "fast-check";
 * import { strictEqual } from "node:assert/strict";
 * const [q] = fc.sample(orthogonalArb(3), { numRuns: 1, seed: 1 });
 * strictEqual(q!.rows, 3);
 * ```
 */
export function orthogonalArb(n: number): fc.Arbitrary<Matrix> {
  return fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n })
    .map((v) => gramSchmidt(matrix(n, n, v)))
    .filter((q): q is Matrix => q !== null);
}

/**
 * A random permutation of 0..n−1 (argsort of random keys).
 *
 * @example
 * ```ts
 * import { permutationArb } from "./_testing.ts";
 * import fc from "fast-check";
 * import { deepStrictEqual } from "node:assert/strict";
 * const [p] = fc.sample(permutationArb(4), { numRuns: 1, seed: 1 });
 * deepStrictEqual([...p!].sort(), [0, 1, 2, 3]);
 * ```
 */
export function permutationArb(n: number): fc.Arbitrary<number[]> {
  return fc
    .array(fc.integer(), { minLength: n, maxLength: n })
    .map((keys) => Array.from(keys.keys()).sort((i, j) => keys[i]! - keys[j]! || i - j));
}

/**
 * The next f64 above `x` (for limits at a threshold).
 *
 * @example
 * ```ts
 * import { nextUp } from "./_testing.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(nextUp(1), 1 + 2 ** -52);
 * ```
 */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] = b[0]! + (x > 0 ? 1n : -1n);
  return f[0]!;
}

/**
 * The next f64 below `x`.
 *
 * @example
 * ```ts
 * import { nextDown } from "./_testing.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(nextDown(1), 1 - 2 ** -53);
 * ```
 */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/**
 * max_i |a_i − b_i| (NaN if any difference is NaN).
 *
 * @example
 * ```ts
 * import { maxAbsDiff } from "./_testing.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(maxAbsDiff([1, 2], [1.5, 2]), 0.5);
 * ```
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}
