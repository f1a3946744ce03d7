/**
 * Proof of `ams.encoders.divergence_time_aliasing`: what the TimeEncoder's Fourier features
 * of raw integer write indices really are (host f64 math; no GPU).
 *
 * @module
 */
import { timeFourierFeatures, timeFrequencies } from "../../../impl/ams/encoders/encoders.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { ENC_ALIASING } from "./claims.ts";

/** Write indices 0 … 2000 (the store's write counter over a long session). */
const S_MAX = 2000;

/**
 * Alias reproduction bound: f64 rounding of s·ω (≤ 2000·10⁴·2⁻⁵³ ≈ 2.2e-9) plus s times the
 * alias's rounding (n·2π with n ≤ 1592: ≤ 2000·1592·2π·2⁻⁵² ≈ 4.4e-9), with margin.
 */
const ALIAS_TOL = 1e-8;
/** Correlation tolerance over 2000 indices (the finite-sample term is O(1/(N·sin a))). */
const CORR_TOL = 0.01;
/** The float32 shift the finding reports (0.96) must stay above half of its range. */
const F32_SHIFT_MIN = 0.5;

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

claimTest(ENC_ALIASING, (): Measurement => {
  const k = 4;
  const w = timeFrequencies(k);
  // Features of s = 0 … S_MAX as the first of the three scalars (the others 0), d_time 8.
  const s = Array.from({ length: S_MAX + 1 }, (_, i) => [i, 0, 0]).flat();
  const ff = timeFourierFeatures(s, S_MAX + 1, 8);
  const at = (i: number, j: number) => ff[i * 24 + j]!; // scalar 0's block: [sin ×4, cos ×4]
  const alias = Array.from(w, (om) => om - 2 * Math.PI * Math.round(om / (2 * Math.PI)));
  let aliasErr = 0;
  for (let i = 0; i <= S_MAX; i++) {
    for (let f = 0; f < k; f++) {
      aliasErr = Math.max(
        aliasErr,
        Math.abs(at(i, f) - Math.sin(i * alias[f]!)),
        Math.abs(at(i, k + f) - Math.cos(i * alias[f]!)),
      );
    }
  }
  const eff = alias.map(Math.abs);
  const spread = Math.max(...eff) / Math.min(...eff);
  const topAlias = Math.max(...eff);
  const series = (f: number) => Array.from({ length: S_MAX + 1 }, (_, i) => at(i, f));
  const top = series(k - 1);
  const corrTop = pearson(top.slice(0, -1), top.slice(1));
  const low = series(0);
  const corrLow = pearson(low.slice(0, -1), low.slice(1));
  const corrErr = Math.abs(corrTop - Math.cos(eff[k - 1]!));
  // The original's float32 path: linspace, exp, the product s·ω and sin all in float32.
  const step32 = Math.fround(Math.fround(Math.log(1e4)) / (k - 1));
  const w32 = Array.from({ length: k }, (_, i) => Math.fround(Math.exp(Math.fround(i * step32))));
  let f32Shift = 0;
  let f32Where = 0;
  for (let i = 990; i <= 1010; i++) {
    for (let f = 0; f < k; f++) {
      const a32 = Math.fround(i * w32[f]!);
      const dSin = Math.abs(Math.fround(Math.sin(a32)) - at(i, f));
      const dCos = Math.abs(Math.fround(Math.cos(a32)) - at(i, k + f));
      if (Math.max(dSin, dCos) > f32Shift) {
        f32Shift = Math.max(dSin, dCos);
        f32Where = i;
      }
    }
  }
  const pass = aliasErr <= ALIAS_TOL && topAlias <= Math.PI && corrErr <= CORR_TOL &&
    f32Shift >= F32_SHIFT_MIN;
  return {
    figure: aliasErr,
    bound: ALIAS_TOL,
    pass,
    parts: [
      // Nyquist at one sample per index: a feature of integer s cannot carry a frequency > π.
      { name: "largest aliased frequency", figure: topAlias, bound: Math.PI, direction: "<=" },
      { name: "|corr − cos ω'₄|", figure: corrErr, bound: CORR_TOL, direction: "<=" },
      { name: "float32 − float64 shift", figure: f32Shift, bound: F32_SHIFT_MIN, direction: ">=" },
    ],
    detail: `ω = [${Array.from(w, (x) => x.toPrecision(6))}] alias to ` +
      `[${eff.map((x) => x.toFixed(3))}] rad/index (max/min ${spread.toFixed(3)}, nominal ` +
      `${(w[k - 1]! / w[0]!).toExponential(0)}); features reproduced by the aliases to ` +
      `${aliasErr.toExponential(2)} over s ∈ [0, ${S_MAX}]; consecutive-index correlation ` +
      `${corrTop.toFixed(3)} at ω₄ (cos ω'₄ = ${Math.cos(eff[k - 1]!).toFixed(3)}), ` +
      `${corrLow.toFixed(3)} at ω₁; float32 ω₄ = ${w32[k - 1]} moves a feature by ` +
      `${f32Shift.toFixed(3)} at s = ${f32Where}`,
  };
});
