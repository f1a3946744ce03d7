/**
 * f64 oracle of the causal bank's deterministic substrate
 * (asuramaya/decepticons src/decepticons/causal_bank.py, build_linear_bank):
 * half-lives log-spaced from h_min to h_max, decays d = 0.5^{1/h}, oscillatory
 * pairs with log-spaced periods, and the closed-form kernel S_t = Σ_{s≤t}
 * d^{t−s}·drive_s the frozen bank applies. Independent of impl/.
 *
 * @module
 */

/** n points log-spaced from lo to hi inclusive (a single point: lo). */
export function logSpaced(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = n === 1 ? 0 : i / (n - 1);
    out[i] = Math.exp(Math.log(lo) + f * (Math.log(hi) - Math.log(lo)));
  }
  return out;
}

/** Decay of a mode whose impulse response halves every `halfLife` steps: 0.5^{1/h}. */
export function decayOfHalfLife(halfLife: number): number {
  return Math.pow(0.5, 1 / halfLife);
}

/**
 * The frozen bank's kernel applied to one drive sequence, by the direct double
 * sum S_t = Σ_{s≤t} d^{t−s}·drive_s (no recurrence), f64.
 */
export function kernelApply(decay: number, drive: ArrayLike<number>): Float64Array {
  const T = drive.length;
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let r = 0; r <= t; r++) s += Math.pow(decay, t - r) * drive[r]!;
    out[t] = s;
  }
  return out;
}
