/**
 * Fast/slow hemispheres of the causal bank's state path
 * (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7),
 * CausalBankModel with `num_hemispheres = 2`): the initial decays of the two
 * hemispheres, and which heads are fast.
 *
 * - Scan-type state (S = heads·d entries of a log-decay A, α = exp(min(A, −10⁻⁶))):
 *   one hemisphere gives A = linspace(−0.1, −5, S); two give the first
 *   f = max(⌊S·ratio⌋, 1) entries linspace(−1, −3, f) (fast) and the rest
 *   linspace(−0.01, −0.5, S − f) (slow).
 * - Retention-type state (a logit decay ℓ per head, γ = σ(ℓ)): one hemisphere
 *   gives ℓ = linspace(0.5, 3.5, H); two give the first f_h = max(round(H·ratio), 1)
 *   heads linspace(−1.5, 0, f_h) and the rest linspace(2, 4, H − f_h). `round` is
 *   Python's, half to even.
 *
 * A one-point linspace is its start. Everything here is host-side f64.
 *
 * @example The retention table of four heads, ratio 0.25
 * ```ts
 * import { retentionHemisphereLogits } from "./hemispheres.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const l = retentionHemisphereLogits(4, 2, 0.25);
 * deepStrictEqual(Array.from(l), [-1.5, 2, 3, 4]);
 * ```
 *
 * @module
 */

/** Hemisphere counts the model accepts. */
export const HEMISPHERE_COUNTS = [1, 2] as const;

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}

/**
 * Python's round(): to the nearest integer, ties to even.
 *
 * @throws {TypeError|RangeError} for x not a finite number.
 */
export function roundHalfEven(x: number): number {
  check("round half to even", "x", x, Number.isFinite, "finite");
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

function check(fn: string, what: string, v: unknown, ok: (x: number) => boolean, rule: string) {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot ${fn}: expected ${what} as a number but got ${typeof v}`);
  }
  if (!ok(v)) throw new RangeError(`Cannot ${fn}: expected ${what} ${rule} but got ${v}`);
}

function checkArgs(fn: string, sizeName: string, size: unknown, n: unknown, ratio: unknown) {
  check(
    fn,
    sizeName,
    size,
    (x) => Number.isInteger(x) && x >= 1 && x <= 1 << 20,
    "an integer in [1, 2^20]",
  );
  check(fn, "numHemispheres", n, (x) => x === 1 || x === 2, "1 or 2");
  check(fn, "fastHemisphereRatio", ratio, (x) => x > 0 && x < 1, "in (0, 1)");
}

/**
 * Fast entries of a scan-type state of `size` entries: max(⌊size·ratio⌋, 1) (the original's floor).
 *
 * @throws {TypeError|RangeError} for a size outside [1, 2^20] or a ratio outside (0, 1).
 */
export function fastScanCount(size: number, ratio: number): number {
  checkArgs("count the fast scan entries", "size", size, 2, ratio);
  return Math.max(Math.floor(size * ratio), 1);
}

/**
 * Fast heads of a retention-type state of `numHeads` heads: max(round(H·ratio), 1), Python's
 * round (half to even), as the original rounds.
 *
 * @throws {TypeError|RangeError} for numHeads outside [1, 2^20] or a ratio outside (0, 1).
 */
export function fastHeadCount(numHeads: number, ratio: number): number {
  checkArgs("count the fast heads", "numHeads", numHeads, 2, ratio);
  return Math.max(roundHalfEven(numHeads * ratio), 1);
}

/**
 * The scan-type log-decays A (length `size`) for one or two hemispheres; the decays are
 * exp(min(A, −10⁻⁶)).
 *
 * @throws {TypeError|RangeError} for bad arguments.
 */
export function scanHemisphereLogDecays(
  size: number,
  numHemispheres: number,
  ratio: number,
): Float64Array {
  checkArgs("build the scan hemisphere decays", "size", size, numHemispheres, ratio);
  if (numHemispheres === 1) return Float64Array.from(linspace(-0.1, -5, size));
  const f = Math.max(Math.floor(size * ratio), 1);
  return Float64Array.from([...linspace(-1, -3, f), ...linspace(-0.01, -0.5, size - f)]);
}

/**
 * The retention-type logit decays ℓ (one per head) for one or two hemispheres; γ = σ(ℓ).
 * Two hemispheres need at least two heads (one head cannot be split).
 *
 * @throws {TypeError|RangeError} for bad arguments, or two hemispheres over one head.
 */
export function retentionHemisphereLogits(
  numHeads: number,
  numHemispheres: number,
  ratio: number,
): Float64Array {
  checkArgs("build the retention hemisphere logits", "numHeads", numHeads, numHemispheres, ratio);
  if (numHemispheres === 1) return Float64Array.from(linspace(0.5, 3.5, numHeads));
  if (numHeads < 2) {
    throw new RangeError(
      "Cannot build the retention hemisphere logits: expected numHeads >= 2 with " +
        "numHemispheres = 2 (one head cannot be split into a fast and a slow hemisphere) but got " +
        `numHeads = ${numHeads}`,
    );
  }
  const f = Math.min(Math.max(roundHalfEven(numHeads * ratio), 1), numHeads);
  return Float64Array.from([...linspace(-1.5, 0, f), ...linspace(2, 4, numHeads - f)]);
}
