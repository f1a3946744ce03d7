/**
 * Derived per-element bounds of multi-head attention on the GPU: a running
 * error analysis (invariants/tolerance.ts `track`, `trackBuiltins`,
 * `trackSum`) that replays, in f64, every f32 operation the GPU performs on
 * the same f32 inputs, in the kernels' order, and returns for each output and
 * gradient element a rigorous bound on |GPU − exact|.
 *
 * Operations replayed:
 * - projections (the matmul op, any summation order): each output a dot
 *   product of length d, each product rounded and each term meeting at most d
 *   additions (path k = d, the ledger's matmul rule γ_k·Σ|terms|), then the
 *   bias add (one rounding);
 * - the fused core (impl/nn/multihead_attention/kernels/attention.ts):
 *   s = (Σ_c q_c·k_c)·f32(1/√dh) (+ mask), m = max s (a selection whose error
 *   shifts every exponent alike and cancels in e/Σe: it enters only through the
 *   rounding of s − m and exp's argument bound), e = exp(s − m) (WGSL exp, 3 + 2|x| ulp),
 *   t = Σ e (path ≤ Lk), p = e / t (WGSL division, 2.5 ulp), pd = p·f32(1/(1−P))
 *   (an exact f32 factor, 1 without dropout), o = Σ_j pd_j·v_j (path Lk);
 * - backward: ∂o = g·W_o (path d), ∂pd = Σ_c ∂o_c·v_c (path dh), ∂p = ∂pd·factor,
 *   δ = Σ p·∂p (path Lk), ∂s = p·(∂p − δ), ∂q = (Σ_j ∂s·k)·scale (path Lk),
 *   ∂k = (Σ_i ∂s·q)·scale and ∂v = Σ_i pd·∂o (path Lq); parameter gradients are
 *   sums over the B·L rows (per-batch matmul plus the sum over batches: path
 *   ≤ B·L + B), input gradients dot products of length d. Gradients flowing
 *   into one tensor along several uses add one rounding per use.
 *
 * Every sum uses the order-free path length (the number of terms), so the
 * bounds hold for any summation tree the matmul or the segmented reductions use.
 *
 * @module
 */
import {
  F32_MIN_NORMAL,
  track,
  type Tracked,
  trackSum,
  U32,
  wgslExpUlps,
  wgslUlpError,
} from "../../../invariants/tolerance.ts";
import {
  dropFactor,
  maskAt,
  type MhaGeometry,
  type MhaInputs,
  type MhaMasks,
} from "../../oracle/nn/multihead_attention.ts";

type T = Tracked;

const ZERO: T = { v: 0, e: 0 };

/** The error bounds of tracked values: the per-element bound arrays the claims compare. */
export const errs = (xs: readonly T[]): Float64Array => Float64Array.from(xs, (x) => x.e);

/** Tracked values loaded from an f32 buffer. */
export function tInputs(x: ArrayLike<number>): T[] {
  return Array.from(x, (v) => track.input(v));
}

/** y = x·W[off..off+n]ᵀ (+ b): matmul (path inF) then the bias add. */
export function tLinear(
  x: readonly T[],
  rows: number,
  inF: number,
  w: ArrayLike<number>,
  wOff: number,
  n: number,
  b: ArrayLike<number> | null,
): T[] {
  const y: T[] = new Array(rows * n);
  const terms: T[] = new Array(inF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      for (let c = 0; c < inF; c++) {
        terms[c] = track.mul(x[r * inF + c]!, track.input(w[(wOff + o) * inF + c]!));
      }
      let s = trackSum(terms, inF);
      if (b !== null) s = track.add(s, track.input(b[wOff + o]!));
      y[r * n + o] = s;
    }
  }
  return y;
}

/**
 * Backward of y = x·Wᵀ + b given ∂y: ∂x = ∂y·W (path n), ∂W = Σ_rows ∂y ⊗ x
 * (path rows + batches), ∂b = Σ_rows ∂y (path rows + 1).
 */
export function tLinearBackward(
  x: readonly T[],
  gy: readonly T[],
  rows: number,
  batches: number,
  inF: number,
  w: ArrayLike<number>,
  wOff: number,
  n: number,
): { gx: T[]; gw: T[]; gb: T[] } {
  const gx: T[] = new Array(rows * inF);
  const terms: T[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < inF; c++) {
      terms.length = 0;
      for (let o = 0; o < n; o++) {
        terms.push(track.mul(gy[r * n + o]!, track.input(w[(wOff + o) * inF + c]!)));
      }
      gx[r * inF + c] = trackSum(terms, n);
    }
  }
  const gw: T[] = new Array(n * inF);
  const gb: T[] = new Array(n);
  for (let o = 0; o < n; o++) {
    for (let c = 0; c < inF; c++) {
      terms.length = 0;
      for (let r = 0; r < rows; r++) terms.push(track.mul(gy[r * n + o]!, x[r * inF + c]!));
      gw[o * inF + c] = trackSum(terms, rows + batches);
    }
    terms.length = 0;
    for (let r = 0; r < rows; r++) terms.push(gy[r * n + o]!);
    gb[o] = trackSum(terms, rows + 1);
  }
  return { gx, gw, gb };
}

/**
 * exp(ŝ − m̂) relative to the common shift of a softmax row, m̂ the computed max (value m,
 * error ≤ me; why the shift cancels in e/Σe: coreForward): the argument ŝ − M with ŝ's
 * error, the subtraction's rounding on |ŝ − m̂| ≤ |v| + e + me, and WGSL exp's
 * (3 + 2|x|) ulp at that largest argument.
 */
export function shiftedExp(sj: T, m: number, me: number): T {
  const v = sj.v - m;
  const mag = Math.abs(v) + sj.e + me;
  const d = sj.e + U32 * mag + F32_MIN_NORMAL;
  const y = Math.exp(v);
  const p = y * Math.expm1(d);
  return { v: y, e: p + wgslUlpError(wgslExpUlps(mag + d), y + p) };
}

/** Tracked values of the attention core's probabilities and output. */
interface CoreTrack {
  p: T[];
  pd: T[];
  o: T[];
}

function coreForward(
  g: MhaGeometry,
  m: MhaMasks,
  q: readonly T[],
  k: readonly T[],
  v: readonly T[],
): CoreTrack {
  const { batch: B, heads: H, lq: Lq, lk: Lk, d } = g;
  const dh = d / H;
  const scale = track.uniform(1 / Math.sqrt(dh));
  const p: T[] = new Array(B * H * Lq * Lk);
  const pd: T[] = new Array(p.length);
  const o: T[] = new Array(B * Lq * d);
  const s: T[] = new Array(Lk);
  const keep: boolean[] = new Array(Lk);
  const terms: T[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        const qi = (b * Lq + i) * d + h * dh;
        let mv = -Infinity;
        let me = 0;
        for (let j = 0; j < Lk; j++) {
          const mk = maskAt(g, m, b, h, i, j);
          keep[j] = !mk.masked;
          const kj = (b * Lk + j) * d + h * dh;
          terms.length = 0;
          for (let c = 0; c < dh; c++) terms.push(track.mul(q[qi + c]!, k[kj + c]!));
          let sj = track.mul(trackSum(terms, dh), scale);
          if (mk.add !== 0) sj = track.add(sj, track.input(mk.add));
          s[j] = sj;
          if (keep[j]) {
            mv = Math.max(mv, sj.v);
            me = Math.max(me, sj.e);
          }
        }
        // The computed max m̂ = M + δ (M the exact max, |δ| ≤ me) shifts every exponent by the
        // same δ: exp(ŝ − m̂) = C·exp(ŝ − M) with C = e^(−δ), and C cancels in e / Σe. So the
        // shift's error enters only through the rounding of ŝ − m̂ and exp's argument bound;
        // the relative rounding errors of e, Σe and e/Σe are invariant under C, and the
        // absolute 2⁻¹²⁶ slacks grow at most by e^me ≤ 1 + 2·me (covered by the factor below).
        const e: T[] = s.map((sj, j) => (keep[j] ? shiftedExp(sj, mv, me) : ZERO));
        const t = trackSum(e, Lk);
        const row = ((b * H + h) * Lq + i) * Lk;
        for (let j = 0; j < Lk; j++) {
          const q = keep[j] ? track.div(e[j]!, t) : ZERO;
          const pj = { v: q.v, e: q.e * (1 + 2 * me) };
          p[row + j] = pj;
          const f = dropFactor(m, row + j);
          pd[row + j] = f === 1 ? pj : track.mul(pj, track.input(f));
        }
        for (let c = 0; c < dh; c++) {
          terms.length = 0;
          for (let j = 0; j < Lk; j++) {
            terms.push(track.mul(pd[row + j]!, v[(b * Lk + j) * d + h * dh + c]!));
          }
          o[qi + c] = trackSum(terms, Lk);
        }
      }
    }
  }
  return { p, pd, o };
}

function coreBackward(
  g: MhaGeometry,
  m: MhaMasks,
  q: readonly T[],
  k: readonly T[],
  v: readonly T[],
  c: CoreTrack,
  go: readonly T[],
): { gq: T[]; gk: T[]; gv: T[] } {
  const { batch: B, heads: H, lq: Lq, lk: Lk, d } = g;
  const dh = d / H;
  const scale = track.uniform(1 / Math.sqrt(dh));
  const gs: T[] = new Array(B * H * Lq * Lk);
  const gq: T[] = new Array(B * Lq * d);
  const gk: T[] = new Array(B * Lk * d);
  const gv: T[] = new Array(B * Lk * d);
  const terms: T[] = [];
  const gp: T[] = new Array(Lk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        const qi = (b * Lq + i) * d + h * dh;
        const row = ((b * H + h) * Lq + i) * Lk;
        for (let j = 0; j < Lk; j++) {
          terms.length = 0;
          const vj = (b * Lk + j) * d + h * dh;
          for (let cc = 0; cc < dh; cc++) terms.push(track.mul(go[qi + cc]!, v[vj + cc]!));
          const gpd = trackSum(terms, dh);
          const f = dropFactor(m, row + j);
          gp[j] = f === 1 ? gpd : f === 0 ? ZERO : track.mul(gpd, track.input(f));
        }
        const delta = trackSum(gp.map((x, j) => track.mul(c.p[row + j]!, x)), Lk);
        for (let j = 0; j < Lk; j++) {
          gs[row + j] = track.mul(c.p[row + j]!, track.sub(gp[j]!, delta));
        }
        for (let cc = 0; cc < dh; cc++) {
          terms.length = 0;
          for (let j = 0; j < Lk; j++) {
            terms.push(track.mul(gs[row + j]!, k[(b * Lk + j) * d + h * dh + cc]!));
          }
          gq[qi + cc] = track.mul(trackSum(terms, Lk), scale);
        }
      }
      for (let j = 0; j < Lk; j++) {
        for (let cc = 0; cc < dh; cc++) {
          const tk: T[] = [];
          const tv: T[] = [];
          for (let i = 0; i < Lq; i++) {
            const at = ((b * H + h) * Lq + i) * Lk + j;
            tk.push(track.mul(gs[at]!, q[(b * Lq + i) * d + h * dh + cc]!));
            tv.push(track.mul(c.pd[at]!, go[(b * Lq + i) * d + h * dh + cc]!));
          }
          const e = (b * Lk + j) * d + h * dh + cc;
          gk[e] = track.mul(trackSum(tk, Lq), scale);
          gv[e] = trackSum(tv, Lq);
        }
      }
    }
  }
  return { gq, gk, gv };
}

/** Per-element bounds of the output and of every gradient. */
export interface MhaBounds {
  out: Float64Array;
  /** Attention weights per head (after dropout). */
  weights: Float64Array;
  query: Float64Array;
  key: Float64Array;
  value: Float64Array;
  inProjWeight: Float64Array;
  inProjBias: Float64Array | null;
  outProjWeight: Float64Array;
  outProjBias: Float64Array | null;
}

/** Tracked forward: q, k, v, core and output (for composing blocks). */
export function trackMhaForward(
  g: MhaGeometry,
  x: { query: readonly T[]; key: readonly T[]; value: readonly T[] },
  w: MhaInputs,
  m: MhaMasks,
) {
  const { batch: B, lq: Lq, lk: Lk, d } = g;
  const q = tLinear(x.query, B * Lq, d, w.inProjWeight, 0, d, w.inProjBias);
  const k = tLinear(x.key, B * Lk, d, w.inProjWeight, d, d, w.inProjBias);
  const v = tLinear(x.value, B * Lk, d, w.inProjWeight, 2 * d, d, w.inProjBias);
  const core = coreForward(g, m, q, k, v);
  const out = tLinear(core.o, B * Lq, d, w.outProjWeight, 0, d, w.outProjBias);
  return { q, k, v, core, out };
}

/** Tracked backward from a tracked output gradient: gradients of inputs and parameters. */
export function trackMhaBackward(
  g: MhaGeometry,
  x: { query: readonly T[]; key: readonly T[]; value: readonly T[] },
  w: MhaInputs,
  m: MhaMasks,
  f: ReturnType<typeof trackMhaForward>,
  gOut: readonly T[],
) {
  const { batch: B, lq: Lq, lk: Lk, d } = g;
  const ob = tLinearBackward(f.core.o, gOut, B * Lq, B, d, w.outProjWeight, 0, d);
  const cb = coreBackward(g, m, f.q, f.k, f.v, f.core, ob.gx);
  const qb = tLinearBackward(x.query, cb.gq, B * Lq, B, d, w.inProjWeight, 0, d);
  const kb = tLinearBackward(x.key, cb.gk, B * Lk, B, d, w.inProjWeight, d, d);
  const vb = tLinearBackward(x.value, cb.gv, B * Lk, B, d, w.inProjWeight, 2 * d, d);
  return {
    query: qb.gx,
    key: kb.gx,
    value: vb.gx,
    inProjWeight: [...qb.gw, ...kb.gw, ...vb.gw],
    inProjBias: [...qb.gb, ...kb.gb, ...vb.gb],
    outProjWeight: ob.gw,
    outProjBias: ob.gb,
  };
}

/**
 * Bounds of the GPU's multi-head attention on f32 inputs `x` with output
 * gradient `gOut` (f32 values), masks and dropout `m`.
 */
export function mhaBounds(
  g: MhaGeometry,
  x: MhaInputs,
  gOut: ArrayLike<number>,
  m: MhaMasks = {},
): MhaBounds {
  const xs = { query: tInputs(x.query), key: tInputs(x.key), value: tInputs(x.value) };
  const f = trackMhaForward(g, xs, x, m);
  const b = trackMhaBackward(g, xs, x, m, f, tInputs(gOut));
  return {
    out: errs(f.out),
    weights: errs(f.core.pd),
    query: errs(b.query),
    key: errs(b.key),
    value: errs(b.value),
    inProjWeight: errs(b.inProjWeight),
    inProjBias: x.inProjBias === null ? null : errs(b.inProjBias),
    outProjWeight: errs(b.outProjWeight),
    outProjBias: x.outProjBias === null ? null : errs(b.outProjBias),
  };
}
