/**
 * The tolerance ledger: every numeric constant a claim compares against, with
 * the reason for it. Claims import from here; no inline magic numbers.
 *
 * Conventions (see README "Reading a claim line"): the GPU computes in f32;
 * the oracle computes in f64 from the same f32-rounded inputs, so an error
 * belongs to the kernel alone. Bounds are `|g − r| ≤ atol_i + rtol·|r_i|`.
 *
 * @module
 */

/** f32 unit roundoff u = 2⁻²⁴: the relative error of one correctly rounded + − × /. */
export const U32 = 2 ** -24;

/** f64 unit roundoff 2⁻⁵³. */
export const U64 = 2 ** -53;

/** Smallest normal f32, 2⁻¹²⁶: the absolute slack for flush-to-zero of subnormals. */
export const F32_MIN_NORMAL = 2 ** -126;

/** Spacing of f32 numbers at `x` (ulp₃₂). */
export function ulp32(x: number): number {
  const a = Math.abs(Math.fround(x));
  if (!Number.isFinite(a)) return Infinity;
  if (a < F32_MIN_NORMAL) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/**
 * Accumulation bound (class T3): `k·u·m_i + k·2⁻¹²⁶`, where `m_i` is the
 * magnitude companion (the oracle run on |inputs|, i.e. Σ|terms| for output i)
 * and `k` the number of rounding steps on that output's path. Higham:
 * |fl(Σx) − Σx| ≤ γ_{k}·Σ|x| with γ_k ≈ k·u.
 */
export function accumulationBound(k: number, magnitude: ArrayLike<number>): Float64Array {
  const out = new Float64Array(magnitude.length);
  for (let i = 0; i < out.length; i++) out[i] = k * U32 * magnitude[i]! + k * F32_MIN_NORMAL;
  return out;
}

/** `n` ulps of each reference value (class T1/T2), plus FTZ slack. */
export function ulpBound(
  n: number | ((i: number) => number),
  reference: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(reference.length);
  for (let i = 0; i < out.length; i++) {
    const k = typeof n === "number" ? n : n(i);
    out[i] = k * ulp32(reference[i]!) + F32_MIN_NORMAL;
  }
  return out;
}

/** Relative error bound of f64 oracle gradcheck (central differences, step 1e-6·max(1,|x|)). */
export const GRADCHECK_MAX_REL = 1e-6;
