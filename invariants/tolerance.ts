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

/**
 * Bound of the f64 oracle gradcheck (invariants/gradcheck.ts): central differences with
 * step h = 5e-6·max(1,|x|) leave truncation O(h²·f''') ≈ 1e-11 and cancellation
 * O(u64·|L|/h) ≈ 1e-11 for O(1) functions, so 1e-6 catches any wrong derivative term
 * while leaving four orders of margin.
 */
export const GRADCHECK_MAX_REL = 1e-6;

// --- invariants: symmetric eigensolver ---

/**
 * Absolute eigenvalue error of the f64 cyclic Jacobi solver (invariants/eigen_symmetric.ts),
 * first order in u = 2⁻⁵³: each two-sided rotation is backward stable with
 * ‖ΔA‖_F ≤ 2γ₆‖A‖_F ≈ 12u‖A‖_F (Higham, Accuracy and Stability, Lemma 19.8, once per side);
 * each dropped pair |a_pq| ≤ u·√|a_pp·a_qq| perturbs A by ≤ u‖A‖_F; symmetrising adds ≤ u‖A‖_F;
 * rotations preserve ‖A‖_F, and Weyl's theorem gives |Δλ| ≤ ‖E‖₂ ≤ ‖E‖_F.
 */
export function jacobiEigenvalueBound(
  rotations: number,
  dropped: number,
  frobenius: number,
): number {
  return (12 * rotations + dropped + 1) * U64 * frobenius;
}

// --- fixtures ---

/**
 * Oracle vs PyTorch fixture (both f64, class F64): |o − f| ≤ 1e-12·max(|f|, 1). Each side is a
 * backward-stable f64 evaluation, off by ≤ n·2⁻⁵³·Σ|terms|; fixtures/gen keeps n ≤ 32 accumulated
 * terms per element with Σ|terms| ≤ 128·max(|f|, 1), so the two differ by ≤ 2·32·128·2⁻⁵³ ≈ 9.1e-13.
 */
export const FIXTURE_F64_REL = 1e-12;

// --- shape ops ---

/**
 * Class T0, exact: reshape, transpose, slice, concat, embedding's forward, where's and
 * masked_fill's forward and gradient selection move f32 bit patterns (u32 loads and stores)
 * without arithmetic, so the GPU result equals the oracle's f32-exact value: atol 0.
 */
export const EXACT_ATOL = 0;

// --- optimisers, clipping, rng ---

/** WGSL `x / y`: 2.5 ulp for |y| in [2⁻¹²⁶, 2¹²⁶] (WGSL §15.7.4.1); an ulp of x is ≤ 2u|x|. */
export const WGSL_DIV_REL = 5 * U32;

/** WGSL `inverseSqrt(x)`: 2 ulp (WGSL §15.7.4.1), relative 4u. */
export const WGSL_INVERSE_SQRT_REL = 4 * U32;

/**
 * WGSL `sqrt(x)` is "inherited from 1.0 / inverseSqrt(x)": (1 + 5u) / (1 − 4u) − 1 relative,
 * i.e. 9u / (1 − 4u), about 4.5 ulp (the host's sqrt is correctly rounded; WGSL's need not be).
 */
export const WGSL_SQRT_REL = (WGSL_DIV_REL + WGSL_INVERSE_SQRT_REL) / (1 - WGSL_INVERSE_SQRT_REL);

/** Higham's γ_k = k·u / (1 − k·u): the relative error of k chained f32 roundings. */
export function gamma32(k: number): number {
  return (k * U32) / (1 - k * U32);
}

/**
 * A value followed through an f32 kernel (running error analysis, Higham, Accuracy and
 * Stability, §3.3): `v` is the exact value of the kernel's expression on its f32 inputs, `e` a
 * rigorous bound on |computed − v| for the evaluation order written in the kernel. A fused
 * multiply-add (which WGSL permits) only removes a rounding, so the bound still holds.
 */
export interface Tracked {
  readonly v: number;
  readonly e: number;
}

/** f32 rounding of a result of magnitude ≤ m: u·m, plus 2⁻¹²⁶ for a flushed subnormal. */
function rounding(m: number): number {
  return U32 * m + F32_MIN_NORMAL;
}

/**
 * Error propagation rules, one per f32 operation. Each adds the propagated input errors
 * (exact algebra on |x̂ − x| ≤ e) to the operation's own rounding, measured on the magnitude
 * of the computed operands' exact result (|v| + propagated error).
 */
export const track = {
  /** An f32 value loaded from a buffer: exact, unless a subnormal is flushed to zero. */
  input(x: number): Tracked {
    return { v: x, e: Math.abs(x) < F32_MIN_NORMAL ? Math.abs(x) : 0 };
  },
  /** A host f64 value passed as an f32 uniform: one rounding. */
  uniform(x: number): Tracked {
    return { v: x, e: rounding(Math.abs(x)) };
  },
  /** A WGSL f32 literal (an abstract float rounded to f32) standing for the real `x`. */
  literal(x: number): Tracked {
    return { v: x, e: Math.abs(Math.fround(x) - x) };
  },
  /** a + b, correctly rounded. */
  add(a: Tracked, b: Tracked): Tracked {
    const v = a.v + b.v;
    const p = a.e + b.e;
    return { v, e: p + rounding(Math.abs(v) + p) };
  },
  /** a − b, correctly rounded. */
  sub(a: Tracked, b: Tracked): Tracked {
    const v = a.v - b.v;
    const p = a.e + b.e;
    return { v, e: p + rounding(Math.abs(v) + p) };
  },
  /** a · b, correctly rounded. */
  mul(a: Tracked, b: Tracked): Tracked {
    const v = a.v * b.v;
    const p = Math.abs(a.v) * b.e + Math.abs(b.v) * a.e + a.e * b.e;
    return { v, e: p + rounding(Math.abs(v) + p) };
  },
  /** a / b within {@link WGSL_DIV_REL}; Infinity when |b̂| may leave [2⁻¹²⁶, 2¹²⁶]. */
  div(a: Tracked, b: Tracked): Tracked {
    const v = a.v / b.v;
    const lo = Math.abs(b.v) - b.e;
    if (!(lo >= F32_MIN_NORMAL) || Math.abs(b.v) + b.e > 2 ** 126) return { v, e: Infinity };
    const p = (a.e + Math.abs(v) * b.e) / lo;
    return { v, e: p + WGSL_DIV_REL * (Math.abs(v) + p) + F32_MIN_NORMAL };
  },
  /** √a within {@link WGSL_SQRT_REL}; Infinity when a may be negative. */
  sqrt(a: Tracked): Tracked {
    if (!(a.v >= 0)) return { v: NaN, e: Infinity };
    const v = Math.sqrt(a.v);
    const p = a.v > 0 ? a.e / (v + Math.sqrt(Math.max(a.v - a.e, 0))) : Math.sqrt(a.e);
    return { v, e: p + WGSL_SQRT_REL * (v + p) + F32_MIN_NORMAL };
  },
  /** min(a, c) for an exact c: exact, and 1-Lipschitz, so the error carries over. */
  min(a: Tracked, c: number): Tracked {
    return { v: Math.min(a.v, c), e: a.e };
  },
  /**
   * A sum of `terms` non-negative rounded terms (e.g. squares) with exact total `v`, where
   * each term meets at most `k` roundings (its own and the adds on its path): γ_k·v (Higham
   * Lemma 3.1 on each term's product of (1 + δ)), plus 2⁻¹²⁶ per operation for flushes.
   */
  sumOfPositive(v: number, k: number, terms: number): Tracked {
    return { v, e: gamma32(k) * v + 2 * terms * F32_MIN_NORMAL };
  },
};

/**
 * Distribution checks of the RNG: a sample mean or variance may sit at most 6 standard errors
 * from its exact value (two-sided normal tail 2·10⁻⁹, so a correct generator fails about once
 * in 5·10⁸ seeds).
 */
export const RNG_SIGMAS = 6;

/** Chi-square goodness-of-fit of RNG histograms: reject above the (1 − 10⁻⁶) quantile. */
export const RNG_CHI2_TAIL = 1e-6;
