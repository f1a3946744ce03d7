/**
 * f64 oracle of multi-head attention with PyTorch 1.13
 * `torch.nn.MultiheadAttention` semantics (batch-first; torch's
 * `F.multi_head_attention_forward`), forward and analytic backward.
 *
 * Forward, per batch b: q = x_q·W_qᵀ + b_q, k = x_k·W_kᵀ + b_k,
 * v = x_v·W_vᵀ + b_v with [W_q; W_k; W_v] = in_proj_weight [3d, d]; per head h
 * (columns h·dh … h·dh + dh − 1, dh = d/H): s_ij = (q_i·k_j)/√dh + a_ij, where
 * a is the additive mask (attnMask; boolean masks and key padding make a key
 * masked), p_i = softmax over unmasked keys (masked: p = 0), pd = p·keep/(1 − P)
 * with attention dropout (keep from the seeded counter-based mask of
 * impl/ops/dropout.ts at index ((b·H + h)·Lq + i)·Lk + j), o_i = Σ_j pd_ij·v_j,
 * out = o·W_oᵀ + b_o.
 *
 * Backward of L = Σ g·out: ∂W_o = Σ g ⊗ o, ∂b_o = Σ g, ∂o = g·W_o;
 * ∂pd_ij = ∂o_i·v_j, ∂v_j = Σ_i pd_ij ∂o_i, ∂p = ∂pd·keep/(1 − P),
 * ∂s_ij = p_ij(∂p_ij − Σ_l p_il ∂p_il), ∂q_i = Σ_j ∂s_ij k_j/√dh,
 * ∂k_j = Σ_i ∂s_ij q_i/√dh; then through each projection
 * ∂W = Σ ∂y ⊗ x, ∂b = Σ ∂y, ∂x = ∂y·W.
 *
 * @module
 */
import { hashU32 } from "../../../impl/gpu/rng.ts";

/** Sizes of one call. */
export interface MhaGeometry {
  /** Batch B. */
  batch: number;
  /** Heads H. */
  heads: number;
  /** Query length. */
  lq: number;
  /** Key length. */
  lk: number;
  /** Model width d. */
  d: number;
}

/** Masks as torch takes them (host values). */
export interface MhaMasks {
  /** [B, Lk], true (1) = ignore the key. */
  keyPaddingMask?: ArrayLike<number | boolean> | null;
  /** [Lq, Lk] or [B·H, Lq, Lk]: boolean (true = masked) or additive (−∞ = masked). */
  attnMask?: { shape: readonly number[]; data: ArrayLike<number | boolean> } | null;
  /** Attention dropout: probability and seed (training). */
  dropout?: { p: number; seed: number } | null;
}

/** Inputs and parameters, f64 row-major. Biases may be null (torch's bias=False). */
export interface MhaInputs {
  query: Float64Array;
  key: Float64Array;
  value: Float64Array;
  inProjWeight: Float64Array;
  inProjBias: Float64Array | null;
  outProjWeight: Float64Array;
  outProjBias: Float64Array | null;
}

/** Forward values kept for the backward. */
export interface MhaForward {
  /** [B, Lq, d]. */
  out: Float64Array;
  /** Probabilities before dropout [B, H, Lq, Lk]. */
  p: Float64Array;
  /** After dropout (what torch returns as weights) [B, H, Lq, Lk]. */
  pd: Float64Array;
  /** Projections and the attention output, [B, L, d]. */
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  o: Float64Array;
}

/** Whether score (b, h, i, j) is masked, and its additive term. */
export function maskAt(
  g: MhaGeometry,
  m: MhaMasks,
  b: number,
  h: number,
  i: number,
  j: number,
): { masked: boolean; add: number } {
  const { heads: H, lq: Lq, lk: Lk } = g;
  let masked = false;
  let add = 0;
  if (m.keyPaddingMask) masked = Number(m.keyPaddingMask[b * Lk + j]) !== 0;
  if (m.attnMask) {
    const full = m.attnMask.shape.length === 3;
    const at = (full ? (b * H + h) * Lq * Lk : 0) + i * Lk + j;
    const v = m.attnMask.data[at]!;
    if (typeof v === "boolean") masked ||= v;
    else if (v === -Infinity) masked = true;
    else add = v;
  }
  return { masked, add };
}

/** The attention-dropout keep factor of probability index k: 1/(1 − P) kept, 0 dropped, 1 off. */
export function dropFactor(m: MhaMasks, k: number): number {
  const dr = m.dropout;
  if (!dr || dr.p <= 0) return 1;
  const kept = hashU32(dr.seed, k) >>> 8 >= Math.ceil(dr.p * 2 ** 24);
  return kept ? Math.fround(1 / (1 - dr.p)) : 0;
}

/** y[r, :] = x[r, :]·W[off..off+n, :]ᵀ + b[off..]: rows r of width `inF`. */
function linear(
  x: Float64Array,
  rows: number,
  inF: number,
  w: Float64Array,
  wOff: number,
  n: number,
  b: Float64Array | null,
): Float64Array {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      let s = b === null ? 0 : b[wOff + o]!;
      for (let c = 0; c < inF; c++) s += x[r * inF + c]! * w[(wOff + o) * inF + c]!;
      y[r * n + o] = s;
    }
  }
  return y;
}

/** Forward of multi-head attention. */
export function mhaForward(g: MhaGeometry, x: MhaInputs, m: MhaMasks = {}): MhaForward {
  const { batch: B, heads: H, lq: Lq, lk: Lk, d } = g;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const q = linear(x.query, B * Lq, d, x.inProjWeight, 0, d, x.inProjBias);
  const k = linear(x.key, B * Lk, d, x.inProjWeight, d, d, x.inProjBias);
  const v = linear(x.value, B * Lk, d, x.inProjWeight, 2 * d, d, x.inProjBias);
  const p = new Float64Array(B * H * Lq * Lk);
  const pd = new Float64Array(p.length);
  const o = new Float64Array(B * Lq * d);
  const s = new Float64Array(Lk);
  const keep = new Array<boolean>(Lk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        let mx = -Infinity;
        for (let j = 0; j < Lk; j++) {
          const mk = maskAt(g, m, b, h, i, j);
          keep[j] = !mk.masked;
          let acc = 0;
          for (let c = 0; c < dh; c++) {
            acc += q[(b * Lq + i) * d + h * dh + c]! * k[(b * Lk + j) * d + h * dh + c]!;
          }
          s[j] = acc * scale + mk.add;
          if (keep[j]) mx = Math.max(mx, s[j]!);
        }
        if (mx === -Infinity) {
          throw new RangeError(`oracle: every key of (${b}, ${h}, ${i}) is masked`);
        }
        let t = 0;
        for (let j = 0; j < Lk; j++) t += keep[j] ? Math.exp(s[j]! - mx) : 0;
        const row = ((b * H + h) * Lq + i) * Lk;
        for (let j = 0; j < Lk; j++) {
          const pj = keep[j] ? Math.exp(s[j]! - mx) / t : 0;
          p[row + j] = pj;
          pd[row + j] = pj * dropFactor(m, row + j);
        }
        for (let c = 0; c < dh; c++) {
          let acc = 0;
          for (let j = 0; j < Lk; j++) acc += pd[row + j]! * v[(b * Lk + j) * d + h * dh + c]!;
          o[(b * Lq + i) * d + h * dh + c] = acc;
        }
      }
    }
  }
  const out = linear(o, B * Lq, d, x.outProjWeight, 0, d, x.outProjBias);
  return { out, p, pd, q, k, v, o };
}

/** Gradients of every input and parameter (biases null when absent). */
export interface MhaGrads {
  query: Float64Array;
  key: Float64Array;
  value: Float64Array;
  inProjWeight: Float64Array;
  inProjBias: Float64Array | null;
  outProjWeight: Float64Array;
  outProjBias: Float64Array | null;
}

/** Backward of y = x·W[off..]ᵀ (+ b): accumulates ∂W, ∂b and returns ∂x. */
function linearBackward(
  x: Float64Array,
  gy: Float64Array,
  rows: number,
  inF: number,
  w: Float64Array,
  wOff: number,
  n: number,
  gw: Float64Array,
  gb: Float64Array | null,
): Float64Array {
  const gx = new Float64Array(rows * inF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      const gv = gy[r * n + o]!;
      if (gb !== null) gb[wOff + o]! += gv;
      for (let c = 0; c < inF; c++) {
        gw[(wOff + o) * inF + c]! += gv * x[r * inF + c]!;
        gx[r * inF + c]! += gv * w[(wOff + o) * inF + c]!;
      }
    }
  }
  return gx;
}

/** Backward of multi-head attention from the output gradient `gOut` [B, Lq, d]. */
export function mhaBackward(
  g: MhaGeometry,
  x: MhaInputs,
  gOut: Float64Array,
  m: MhaMasks = {},
): MhaGrads {
  const { batch: B, heads: H, lq: Lq, lk: Lk, d } = g;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const f = mhaForward(g, x, m);
  const gInW = new Float64Array(3 * d * d);
  const gInB = x.inProjBias === null ? null : new Float64Array(3 * d);
  const gOutW = new Float64Array(d * d);
  const gOutB = x.outProjBias === null ? null : new Float64Array(d);
  const go = linearBackward(f.o, gOut, B * Lq, d, x.outProjWeight, 0, d, gOutW, gOutB);
  const gq = new Float64Array(B * Lq * d);
  const gk = new Float64Array(B * Lk * d);
  const gv = new Float64Array(B * Lk * d);
  const gp = new Float64Array(Lk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        const row = ((b * H + h) * Lq + i) * Lk;
        const qi = (b * Lq + i) * d + h * dh;
        let delta = 0;
        for (let j = 0; j < Lk; j++) {
          const vj = (b * Lk + j) * d + h * dh;
          let gpd = 0;
          for (let c = 0; c < dh; c++) {
            gpd += go[qi + c]! * f.v[vj + c]!;
            gv[vj + c]! += f.pd[row + j]! * go[qi + c]!;
          }
          gp[j] = gpd * dropFactor(m, row + j);
          delta += f.p[row + j]! * gp[j]!;
        }
        for (let j = 0; j < Lk; j++) {
          const gs = f.p[row + j]! * (gp[j]! - delta) * scale;
          const kj = (b * Lk + j) * d + h * dh;
          for (let c = 0; c < dh; c++) {
            gq[qi + c]! += gs * f.k[kj + c]!;
            gk[kj + c]! += gs * f.q[qi + c]!;
          }
        }
      }
    }
  }
  const gQuery = linearBackward(x.query, gq, B * Lq, d, x.inProjWeight, 0, d, gInW, gInB);
  const gKey = linearBackward(x.key, gk, B * Lk, d, x.inProjWeight, d, d, gInW, gInB);
  const gValue = linearBackward(x.value, gv, B * Lk, d, x.inProjWeight, 2 * d, d, gInW, gInB);
  return {
    query: gQuery,
    key: gKey,
    value: gValue,
    inProjWeight: gInW,
    inProjBias: gInB,
    outProjWeight: gOutW,
    outProjBias: gOutB,
  };
}
