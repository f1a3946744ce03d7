/**
 * Eigenvalues and eigenvectors of a real symmetric matrix in f64, by the
 * cyclic Jacobi method: sweeps of plane rotations over every pair (p, q) in
 * row order, each zeroing a_pq, until a whole sweep finds nothing to rotate.
 *
 * Why Jacobi: it is short, needs no tridiagonal reduction, and is accurate
 * (each rotation is backward stable, the eigenvectors come out orthonormal to
 * working precision, and small eigenvalues of graded matrices keep relative
 * accuracy); its O(n³) per sweep over 6–10 sweeps is slower than LAPACK's
 * tridiagonal QR, which does not matter at the sizes memspec checks (n ≤ ~300).
 *
 * Numerical choices:
 * - The input must be symmetric to {@link SYMMETRY_RTOL} (or `symmetryRtol`);
 *   the work is done on (A + Aᵀ)/2, so a rounding-level asymmetry within the
 *   tolerance is averaged out rather than biased to one triangle.
 * - The rotation uses the smaller root t = sign(θ)/(|θ| + √(θ² + 1)),
 *   θ = (a_qq − a_pp)/(2a_pq), so |angle| ≤ π/4 (the choice that converges).
 * - An entry with |a_pq| ≤ u·√|a_pp·a_qq| (u = 2⁻⁵³) is set to zero instead of
 *   rotated (the Demmel–Veselić criterion): it no longer changes any
 *   eigenvalue beyond rounding. Convergence is quadratic.
 * - Eigenvalues come back ASCENDING (numpy's `eigh` order; ties keep the
 *   lower diagonal position first); eigenvector j is column j of `vectors`, of
 *   unit length, in the sign convention of ./sign.ts (largest-magnitude
 *   component positive, lowest index on ties).
 *
 * @example
 * ```ts
 * import { eigh } from "./eigh.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const e = eigh(fromRows([[2, 1], [1, 2]]));
 * ok(Math.abs(e.values[0]! - 1) < 1e-15 && Math.abs(e.values[1]! - 3) < 1e-15);
 * ok(Math.abs(e.vectors.data[1]! - Math.SQRT1_2) < 1e-15); // (1, 1)/√2 for λ = 3
 * ```
 *
 * @module
 */
import { type Matrix, matrix, type MatrixData } from "./matrix.ts";
import { canonicalizeColumns } from "./sign.ts";
import { assertFinite, assertSquare, assertSymmetric } from "./validate.ts";

/** f64 unit roundoff 2⁻⁵³. */
const U = 2 ** -53;

/** Options for {@link eigh}. */
export interface EighOptions {
  /** Sweeps allowed before giving up with a RangeError; default 64. */
  maxSweeps?: number;
  /** Relative symmetry tolerance of the input; default {@link SYMMETRY_RTOL} (1e-12). */
  symmetryRtol?: number;
}

/** An eigendecomposition A = V·diag(values)·Vᵀ. */
export interface Eigh {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** n × n, column j the unit eigenvector of `values[j]`, in the sign convention. */
  readonly vectors: Matrix;
  /** Sweeps run, the last one finding nothing to rotate. */
  readonly sweeps: number;
  /** Rotations applied. */
  readonly rotations: number;
  /** Off-diagonal pairs set to zero as negligible. */
  readonly dropped: number;
  /** ‖(A + Aᵀ)/2‖_F, computed without overflow. */
  readonly frobenius: number;
}

const DEFAULT_MAX_SWEEPS = 64;

/**
 * Eigendecomposition of the symmetric matrix `a`.
 *
 * @throws {TypeError} when `a` is not a square matrix, or not symmetric to the relative
 *   tolerance (naming the worst pair)
 * @throws {RangeError} when an element is not finite (naming it), `maxSweeps` is not a
 *   positive integer, or the sweeps run out
 *
 * @example A rotation-conjugated diagonal gives back its diagonal, ascending
 * ```ts
 * import { eigh } from "./eigh.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * const [c, s] = [Math.cos(0.3), Math.sin(0.3)];
 * // R·diag(5, -1)·Rᵀ with R the rotation by 0.3 rad
 * const a = fromRows([
 *   [5 * c * c - s * s, 6 * c * s],
 *   [6 * c * s, 5 * s * s - c * c],
 * ]);
 * const e = eigh(a);
 * ok(Math.abs(e.values[0]! + 1) < 1e-14 && Math.abs(e.values[1]! - 5) < 1e-14);
 * ```
 *
 * @example Errors name what is wrong before any work is done
 * ```ts
 * import { eigh } from "./eigh.ts";
 * import { fromRows } from "./matrix.ts";
 * import { throws } from "node:assert/strict";
 * throws(() => eigh(fromRows([[1, 2], [0, 1]])), { name: "TypeError", message: /at \(0, 1\)/ });
 * throws(() => eigh(fromRows([[1, NaN], [NaN, 1]])), { name: "RangeError", message: /\(0, 1\)/ });
 * ```
 */
export function eigh(a: Matrix<MatrixData>, options: EighOptions = {}): Eigh {
  const what = "eigendecompose";
  assertSquare(a, what);
  const maxSweeps = options.maxSweeps ?? DEFAULT_MAX_SWEEPS;
  if (!Number.isSafeInteger(maxSweeps) || maxSweeps < 1) {
    throw new RangeError(
      `Cannot ${what}: maxSweeps must be a positive integer, got ${maxSweeps}`,
    );
  }
  assertFinite(a, what);
  assertSymmetric(a, what, options.symmetryRtol);
  const n = a.rows;
  const A = new Float64Array(n * n);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // Halving first keeps the sum from overflowing; 0.5·x is exact above the subnormals.
      const v = 0.5 * a.data[i * n + j]! + 0.5 * a.data[j * n + i]!;
      A[i * n + j] = v;
      largest = Math.max(largest, Math.abs(v));
    }
  }
  // ‖A‖_F scaled by the largest magnitude, so that it neither overflows nor underflows.
  let scaledSquares = 0;
  if (largest > 0) { for (const v of A) scaledSquares += (v / largest) ** 2; }
  const frobenius = largest * Math.sqrt(scaledSquares);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;

  let sweeps = 0;
  let rotations = 0;
  let dropped = 0;
  let converged = false;
  while (!converged && sweeps < maxSweeps) {
    sweeps++;
    let rotatedThisSweep = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!;
        const aqq = A[q * n + q]!;
        if (Math.abs(apq) <= U * Math.sqrt(Math.abs(app)) * Math.sqrt(Math.abs(aqq))) {
          A[p * n + q] = 0;
          A[q * n + p] = 0;
          dropped++;
          continue;
        }
        // Halved before subtracting so that neither the difference nor 2a_pq overflows.
        const theta = (0.5 * aqq - 0.5 * app) / apq;
        // hypot avoids overflow of θ²; for |θ| = ∞ (a_pq negligible against the gap) t = 0.
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(theta, 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        A[p * n + p] = app - t * apq;
        A[q * n + q] = aqq + t * apq;
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          if (r !== p && r !== q) {
            const arp = A[r * n + p]!;
            const arq = A[r * n + q]!;
            const np = c * arp - s * arq;
            const nq = s * arp + c * arq;
            A[r * n + p] = np;
            A[p * n + r] = np;
            A[r * n + q] = nq;
            A[q * n + r] = nq;
          }
          const vrp = V[r * n + p]!;
          const vrq = V[r * n + q]!;
          V[r * n + p] = c * vrp - s * vrq;
          V[r * n + q] = s * vrp + c * vrq;
        }
        rotations++;
        rotatedThisSweep++;
      }
    }
    // A sweep that rotates nothing has zeroed or found zero every off-diagonal entry.
    converged = rotatedThisSweep === 0;
  }
  if (!converged) {
    let off = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) if (i !== j) off += A[i * n + j]! ** 2;
    }
    throw new RangeError(
      `Cannot ${what} a ${n} × ${n} matrix within maxSweeps = ${maxSweeps} sweeps: ` +
        `off-diagonal norm still ${Math.sqrt(off).toExponential(3)}`,
    );
  }

  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => A[i * n + i]! - A[j * n + j]! || i - j);
  const values = new Float64Array(n);
  const vectors = matrix(n, n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src]!;
    for (let r = 0; r < n; r++) vectors.data[r * n + dst] = V[r * n + src]!;
  });
  canonicalizeColumns(vectors);
  return { values, vectors, sweeps, rotations, dropped, frobenius };
}
