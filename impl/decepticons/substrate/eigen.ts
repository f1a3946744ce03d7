/**
 * Eigenvalues of a general real matrix given as a flat n×n row-major array:
 * thin wrappers over impl/linalg/eigvals.ts (Householder reduction to upper
 * Hessenberg form, then Francis double-shift QR, in f64). Used to set an
 * echo-state reservoir's spectral radius exactly.
 *
 * @example
 * ```ts
 * import { spectralRadius } from "./eigen.ts";
 * import { ok } from "node:assert/strict";
 * // A rotation by 90° scaled by 2: eigenvalues ±2i.
 * ok(Math.abs(spectralRadius(Float64Array.of(0, -2, 2, 0), 2) - 2) < 1e-14);
 * ```
 *
 * @module
 */
import * as linalg from "../../linalg/eigvals.ts";

export type { Eigenvalues } from "../../linalg/eigvals.ts";

function square(m: Float64Array, n: number): { rows: number; cols: number; data: Float64Array } {
  if (!Number.isInteger(n) || n < 1 || m.length !== n * n) {
    throw new RangeError(`Cannot compute eigenvalues: ${m.length} entries is not ${n}×${n}`);
  }
  return { rows: n, cols: n, data: m };
}

/**
 * Eigenvalues of the n×n row-major matrix `m` (not modified), unordered.
 *
 * @throws {RangeError} when the size does not match, an entry is not finite, or QR fails to
 *   converge (200 iterations on one eigenvalue).
 */
export function eigenvalues(m: Float64Array, n: number): linalg.Eigenvalues {
  return linalg.eigenvalues(square(m, n));
}

/**
 * Largest |λ| of the n×n row-major matrix `m`.
 *
 * @throws {RangeError} as {@link eigenvalues}.
 */
export function spectralRadius(m: Float64Array, n: number): number {
  return linalg.spectralRadius(square(m, n));
}
