// DEV ONLY: moved into invariants/tolerance.ts at the end (imports dropped).
import {
  F32_MIN_NORMAL,
  gamma32,
  track,
  type Tracked,
  U32,
  WGSL_INVERSE_SQRT_REL,
} from "../../invariants/tolerance.ts";
// @@CUT@@
// --- reductions and normalisations ---

/**
 * WGSL `exp(x)`: 3 + 2·|x| ulp (WGSL §15.7.4.1). Softmax-family kernels call it
 * on x − max x ≤ 0 only, so it never overflows.
 */
export function wgslExpUlps(x: number): number {
  return 3 + 2 * Math.abs(x);
}

/** WGSL `log(x)`: 3 ulp outside [0.5, 2]; absolute error below 2⁻²¹ inside (WGSL §15.7.4.1). */
export const WGSL_LOG_ULPS = 3;
/** WGSL `log(x)` for x in [0.5, 2]: absolute error below 2⁻²¹. */
export const WGSL_LOG_ABS_NEAR_ONE = 2 ** -21;

/**
 * Error propagation for the builtins and the segmented sums of the reduction
 * kernels, in the style of {@link track}: propagated error by exact algebra on
 * |x̂ − x| ≤ e (monotone functions: the worse end of [x − e, x + e]), plus the
 * builtin's own error on the magnitude of its computed result (an ulp of z is
 * at most 2u·|z| for normal z; 2⁻¹²⁶ more for a flushed subnormal).
 */
export const trackRow = {
  /** exp(a) within {@link wgslExpUlps} of its computed argument. */
  exp(a: Tracked): Tracked {
    const v = Math.exp(a.v);
    const p = Math.exp(a.v + a.e) - v;
    return { v, e: p + wgslExpUlps(Math.abs(a.v) + a.e) * 2 * U32 * (v + p) + F32_MIN_NORMAL };
  },
  /** log(a): 2⁻²¹ absolute near 1, 3 ulp elsewhere (the larger of both, whichever applies). */
  log(a: Tracked): Tracked {
    const lo = a.v - a.e;
    const v = Math.log(a.v);
    if (!(lo > 0)) return { v, e: Infinity };
    const p = v - Math.log(lo);
    const own = Math.max(WGSL_LOG_ABS_NEAR_ONE, WGSL_LOG_ULPS * 2 * U32 * (Math.abs(v) + p));
    return { v, e: p + own + F32_MIN_NORMAL };
  },
  /** inverseSqrt(a) within {@link WGSL_INVERSE_SQRT_REL}; Infinity when a may be ≤ 0. */
  inverseSqrt(a: Tracked): Tracked {
    const lo = a.v - a.e;
    const v = 1 / Math.sqrt(a.v);
    if (!(lo > 0)) return { v, e: Infinity };
    const p = 1 / Math.sqrt(lo) - v;
    return { v, e: p + WGSL_INVERSE_SQRT_REL * (v + p) + F32_MIN_NORMAL };
  },
  /**
   * A sum of rounded terms in which each term meets at most `k` additions
   * (the segmented sums' path length): Σe_i + γ_k·Σ(|v_i| + e_i) (Higham
   * Lemma 3.1 applied to the computed terms), plus 2⁻¹²⁶ per addition.
   */
  sum(terms: readonly Tracked[], k: number): Tracked {
    let v = 0;
    let e = 0;
    let mag = 0;
    for (const t of terms) {
      v += t.v;
      e += t.e;
      mag += Math.abs(t.v) + t.e;
    }
    return trackRow.sumOf(v, e, mag, k);
  },
  /** {@link trackRow.sum} from the terms' totals: Σv, Σe and Σ(|v| + e). */
  sumOf(v: number, e: number, mag: number, k: number): Tracked {
    return { v, e: e + gamma32(k) * mag + k * F32_MIN_NORMAL };
  },
};

/** Rows of a tensor viewed as [outer, n, inner]: row (o, i) holds x[(o·n + j)·inner + i]. */
export interface RowView {
  outer: number;
  n: number;
  inner: number;
}

/**
 * Bounds of softmax (or log-softmax) computed as the kernel does
 * (impl/kernels/softmax.ts), row by row: m = max x exactly; d = x − m;
 * e = exp(d); s = Σe with rounding-path length k; softmax y = e / s,
 * log-softmax y = d − log s. Backward from the computed ŷ (whose error is y's
 * bound): softmax gx = ŷ·(g − Σ g·ŷ), log-softmax gx = g − exp(ŷ)·Σg, each Σ
 * over path k. Returns per-element absolute bounds for y and gx.
 */
export function softmaxBounds(
  x: ArrayLike<number>,
  g: ArrayLike<number>,
  view: RowView,
  k: number,
  log: boolean,
): { y: Float64Array; gx: Float64Array } {
  const { outer, n, inner } = view;
  const yBound = new Float64Array(x.length);
  const gxBound = new Float64Array(x.length);
  const d: Tracked[] = new Array(n);
  const e: Tracked[] = new Array(n);
  const y: Tracked[] = new Array(n);
  const terms: Tracked[] = new Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      let mv = -Infinity;
      for (let j = 0; j < n; j++) mv = Math.max(mv, x[start + j * inner]!);
      const m: Tracked = { v: mv, e: 0 }; // a comparison: exact
      for (let j = 0; j < n; j++) {
        d[j] = track.sub(track.input(x[start + j * inner]!), m);
        e[j] = trackRow.exp(d[j]!);
      }
      const s = trackRow.sum(e, k);
      const ls = log ? trackRow.log(s) : s;
      for (let j = 0; j < n; j++) {
        y[j] = log ? track.sub(d[j]!, ls) : track.div(e[j]!, s);
        yBound[start + j * inner] = y[j]!.e;
      }
      if (log) {
        for (let j = 0; j < n; j++) terms[j] = track.input(g[start + j * inner]!);
        const total = trackRow.sum(terms, k);
        for (let j = 0; j < n; j++) {
          const p = track.mul(trackRow.exp(y[j]!), total);
          gxBound[start + j * inner] = track.sub(terms[j]!, p).e;
        }
      } else {
        for (let j = 0; j < n; j++) terms[j] = track.mul(track.input(g[start + j * inner]!), y[j]!);
        const c = trackRow.sum(terms, k);
        for (let j = 0; j < n; j++) {
          const t = track.sub(track.input(g[start + j * inner]!), c);
          gxBound[start + j * inner] = track.mul(y[j]!, t).e;
        }
      }
    }
  }
  return { y: yBound, gx: gxBound };
}

/**
 * Bounds of the mean cross-entropy of logits [rows, classes] computed as the
 * kernels do (impl/kernels/cross_entropy.ts): per row m, d, e, s as
 * softmax (path kRow), loss_i = log s − d_t; the mean multiplies the sum of
 * the losses (path kMean) by 1/N rounded to f32. Backward: w = g·f32(1/N),
 * gx = w·(e/s − [j = t]). Valid targets only.
 */
export function crossEntropyBounds(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  rows: number,
  classes: number,
  g: number,
  kRow: number,
  kMean: number,
): { loss: number; gx: Float64Array } {
  let lossV = 0;
  let lossE = 0;
  let lossMag = 0;
  const gx = new Float64Array(rows * classes);
  const w = track.mul(track.input(g), track.uniform(1 / rows));
  const d: Tracked[] = new Array(classes);
  const e: Tracked[] = new Array(classes);
  for (let i = 0; i < rows; i++) {
    const start = i * classes;
    let mv = -Infinity;
    for (let j = 0; j < classes; j++) mv = Math.max(mv, logits[start + j]!);
    const m: Tracked = { v: mv, e: 0 }; // a comparison: exact
    for (let j = 0; j < classes; j++) {
      d[j] = track.sub(track.input(logits[start + j]!), m);
      e[j] = trackRow.exp(d[j]!);
    }
    const s = trackRow.sum(e, kRow);
    const t = targets[i]!;
    const li = track.sub(trackRow.log(s), d[t]!);
    lossV += li.v;
    lossE += li.e;
    lossMag += Math.abs(li.v) + li.e;
    for (let j = 0; j < classes; j++) {
      const q = track.div(e[j]!, s);
      gx[start + j] = track.mul(w, track.sub(q, { v: j === t ? 1 : 0, e: 0 })).e;
    }
  }
  const loss = track.mul(trackRow.sumOf(lossV, lossE, lossMag, kMean), track.uniform(1 / rows));
  return { loss: loss.e, gx };
}

/**
 * Bounds of layer norm over x [rows, d] computed as the kernels do
 * (impl/kernels/layer_norm.ts). Per row: μ = Σx · f32(1/d); c = x − μ;
 * σ² = Σc² · f32(1/d); r = inverseSqrt(σ² + f32(ε)); x̂ = c·r; y = x̂·γ + β,
 * the sums over path k. Backward with h = g·γ: A = Σh · f32(1/d),
 * B = Σ(h·x̂) · f32(1/d), gx = r·((h − A) − x̂·B); ∂γ sums the terms g·x̂ and
 * ∂β the terms g over the rows, with path kRows.
 */
export function layerNormBounds(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  g: ArrayLike<number> | null,
  shape: { rows: number; d: number; eps: number; k: number; kRows: number },
): { y: Float64Array; gx: Float64Array; gGamma: Float64Array; gBeta: Float64Array } {
  const { rows, d, eps, k, kRows } = shape;
  const inv = track.uniform(1 / d);
  const epsF = track.uniform(eps);
  const gm = Array.from(gamma, (v) => track.input(v));
  const bt = Array.from(beta, (v) => track.input(v));
  const y = new Float64Array(rows * d);
  const gx = new Float64Array(g === null ? 0 : rows * d);
  // Column sums of the tracked terms g·x̂ and g: value errors and magnitudes.
  const colE = new Float64Array(d);
  const colMag = new Float64Array(d);
  const betaMag = new Float64Array(d);
  const xs: Tracked[] = new Array(d);
  const c: Tracked[] = new Array(d);
  const xh: Tracked[] = new Array(d);
  const gs: Tracked[] = new Array(d);
  const h: Tracked[] = new Array(d);
  const terms: Tracked[] = new Array(d);
  for (let row = 0; row < rows; row++) {
    const start = row * d;
    for (let j = 0; j < d; j++) xs[j] = track.input(x[start + j]!);
    const mu = track.mul(trackRow.sum(xs, k), inv);
    for (let j = 0; j < d; j++) {
      c[j] = track.sub(xs[j]!, mu);
      terms[j] = track.mul(c[j]!, c[j]!);
    }
    const variance = track.mul(trackRow.sum(terms, k), inv);
    const r = trackRow.inverseSqrt(track.add(variance, epsF));
    for (let j = 0; j < d; j++) {
      xh[j] = track.mul(c[j]!, r);
      y[start + j] = track.add(track.mul(xh[j]!, gm[j]!), bt[j]!).e;
    }
    if (g === null) continue;
    for (let j = 0; j < d; j++) {
      gs[j] = track.input(g[start + j]!);
      h[j] = track.mul(gs[j]!, gm[j]!);
    }
    const a = track.mul(trackRow.sum(h, k), inv);
    for (let j = 0; j < d; j++) terms[j] = track.mul(h[j]!, xh[j]!);
    const b = track.mul(trackRow.sum(terms, k), inv);
    for (let j = 0; j < d; j++) {
      gx[start + j] = track.mul(r, track.sub(track.sub(h[j]!, a), track.mul(xh[j]!, b))).e;
      const term = track.mul(gs[j]!, xh[j]!);
      colE[j] = colE[j]! + term.e;
      colMag[j] = colMag[j]! + Math.abs(term.v) + term.e;
      betaMag[j] = betaMag[j]! + Math.abs(gs[j]!.v);
    }
  }
  // trackRow.sum over the rows, accumulated column by column.
  const gGamma = colE.map((e, j) => trackRow.sumOf(0, e, colMag[j]!, kRows).e);
  const gBeta = betaMag.map((m) => trackRow.sumOf(0, 0, m, kRows).e);
  return { y, gx, gGamma, gBeta };
}
