/**
 * Derived per-element bounds of the transformer encoder layer on the GPU: the
 * running error analysis of ../multihead_attention/_bounds.ts continued through
 * every op the layer runs, in order, on tracked values (a value's error from
 * earlier ops propagates through later ones, so a second layer starts from
 * the first one's bounds):
 *
 * - dropout: an exact f32 factor (0 or f32(1/(1 − p))), one rounding;
 * - residual adds and gradient accumulation: one rounding each;
 * - LayerNorm (impl/ops/kernels/layer_norm.ts): μ = Σx·f32(1/d), c = x − μ,
 *   σ² = Σc²·f32(1/d), r = inverseSqrt(σ² + f32(eps)) (WGSL 2 ulp), y = (c·r)·γ + β;
 *   backward h = g·γ, a = Σh·f32(1/d), b = Σh·x̂·f32(1/d), gx = r·((h − a) − x̂·b),
 *   ∂γ = Σ_rows g·x̂, ∂β = Σ_rows g (path: rows); every sum with its order-free path;
 * - ReLU: exact; its gradient g·[h > 0] is exact unless |h| ≤ its bound, where the
 *   computed sign may differ and the error is at most |g|;
 * - exact GELU (impl/nn/transformer_encoder/kernels/gelu_erf.ts): the Numerical
 *   Recipes erfc fit replayed operation by operation (literals with their
 *   rounding, WGSL exp 3 + 2|x| ulp, division 2.5 ulp), then measured against
 *   the f64 erfc at the exact argument (the fit's own error, ≤ 1.2e-7 relative,
 *   plus 1e-15 relative for the f64 evaluation); a sign that may flip takes
 *   the worse branch.
 *
 * @module
 */
import { track, trackBuiltins, type Tracked, trackSum } from "../../../invariants/tolerance.ts";
import { ERFCC_COEFFICIENTS } from "../../../impl/nn/transformer_encoder/kernels/gelu_erf.ts";
import type { MhaGeometry, MhaInputs } from "../../oracle/nn/multihead_attention.ts";
import {
  dropoutFactors,
  erfc,
  geluGrad,
  type LayerCall,
  type LayerGeometry,
  type LayerParams,
  PARAM_NAMES,
  twoPhi,
} from "../../oracle/nn/transformer_encoder.ts";
import { hashU32 } from "../../../impl/gpu/rng.ts";
import {
  errs,
  tInputs,
  tLinear,
  tLinearBackward,
  trackMhaBackward,
  trackMhaForward,
} from "../multihead_attention/_bounds.ts";

type T = Tracked;

const ZERO: T = { v: 0, e: 0 };
const F64_SLACK = 1e-15;

const lit = (c: number) => trackBuiltins.literal(c);

/** x times an exact f32 factor f (a dropout factor): exact for 1 and 0, else one rounding. */
export function scaleBy(x: T, f: number): T {
  return f === 1 ? x : f === 0 ? ZERO : track.mul(x, track.input(f));
}

/** Tracked 2Φ(x) as the kernel computes it, measured against the exact erfc. */
export function trackTwoPhi(x: T): T {
  const ax: T = { v: Math.abs(x.v), e: x.e };
  const z0 = track.mul(ax, lit(Math.SQRT1_2));
  const z = track.min(z0, 10);
  const one = lit(1);
  const t = track.div(one, track.add(one, track.mul(lit(0.5), z)));
  const cs = ERFCC_COEFFICIENTS;
  let poly = lit(cs[cs.length - 1]!);
  for (let k = cs.length - 2; k >= 0; k--) poly = track.add(lit(cs[k]!), track.mul(t, poly));
  const arg = track.add(trackBuiltins.neg(track.mul(z, z)), poly);
  const c = track.mul(t, trackBuiltins.exp(arg));
  const e = erfc(z0.v);
  const slack = (v: number) => F64_SLACK * Math.abs(v);
  const ref = twoPhi(x.v);
  const neg = trackBuiltins.against(c, ref);
  const posRaw = track.sub(lit(2), trackBuiltins.against(c, e));
  const pos = trackBuiltins.against(posRaw, ref);
  const pick = Math.abs(x.v) <= x.e ? trackBuiltins.either(neg, pos) : x.v < 0 ? neg : pos;
  return { v: ref, e: pick.e + slack(ref) + slack(e) };
}

/** Tracked GELU forward: (½·x)·2Φ(x). */
export function trackGelu(x: T): T {
  return track.mul(track.mul(lit(0.5), x), trackTwoPhi(x));
}

/** Tracked GELU backward: g·(½·2Φ(x) + (xc·K)·exp((−½·xc)·xc)), measured against Φ + xφ. */
export function trackGeluGrad(x: T, g: T): T {
  const xc = trackBuiltins.clampArg(x, -20, 20);
  const dens = track.mul(
    track.mul(xc, lit(0.3989422804014327)),
    trackBuiltins.exp(track.mul(track.mul(lit(-0.5), xc), xc)),
  );
  const exactDens = x.v * Math.exp(-0.5 * x.v * x.v) / Math.sqrt(2 * Math.PI);
  const densRef = trackBuiltins.against(dens, exactDens);
  const d = track.add(track.mul(lit(0.5), trackTwoPhi(x)), {
    v: densRef.v,
    e: densRef.e + F64_SLACK * Math.abs(exactDens),
  });
  const dd: T = { v: geluGrad(x.v), e: d.e + Math.abs(d.v - geluGrad(x.v)) };
  return track.mul(g, dd);
}

/**
 * Tracked LayerNorm of rows of width d (impl/ops/kernels/layer_norm.ts): y and what the
 * backward recomputes (x̂ per element, r per row).
 */
export function tLayerNorm(
  x: readonly T[],
  d: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  eps: number,
) {
  const rows = x.length / d;
  const y: T[] = new Array(x.length);
  const xh: T[] = new Array(x.length);
  const rs: T[] = new Array(rows);
  const invN = track.uniform(1 / d);
  const epsT = track.uniform(eps);
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * d, (r + 1) * d);
    const mu = track.mul(trackSum(row, d), invN);
    // d = 1: the one-term sum and the product by f32(1/1) = 1 are exact, so the kernel's
    // x − μ is exactly 0 whatever x's own error: c is exact.
    const c = d === 1 ? [{ v: 0, e: 0 }] : row.map((v) => track.sub(v, mu));
    const variance = track.mul(trackSum(c.map((v) => track.mul(v, v)), d), invN);
    const rr = trackBuiltins.inverseSqrt(track.add(variance, epsT));
    rs[r] = rr;
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      xh[k] = track.mul(c[j]!, rr);
      y[k] = track.add(track.mul(xh[k]!, track.input(gamma[j]!)), track.input(beta[j]!));
    }
  }
  return { y, xh, rs };
}

/**
 * Tracked LayerNorm backward from tracked ∂y: h = g·γ, a = Σh·f32(1/d), b = Σh·x̂·f32(1/d),
 * gx = r·((h − a) − x̂·b); ∂γ = Σ_rows g·x̂ and ∂β = Σ_rows g (path: rows).
 */
export function tLayerNormBackward(
  ln: { xh: T[]; rs: T[] },
  g: readonly T[],
  d: number,
  gamma: ArrayLike<number>,
) {
  const rows = g.length / d;
  const invN = track.uniform(1 / d);
  const gx: T[] = new Array(g.length);
  const gxh: T[] = new Array(g.length);
  for (let r = 0; r < rows; r++) {
    const h: T[] = [];
    const hx: T[] = [];
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      h.push(track.mul(g[k]!, track.input(gamma[j]!)));
      hx.push(track.mul(h[j]!, ln.xh[k]!));
      gxh[k] = track.mul(g[k]!, ln.xh[k]!);
    }
    const a = track.mul(trackSum(h, d), invN);
    const b = track.mul(trackSum(hx, d), invN);
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      gx[k] = track.mul(ln.rs[r]!, track.sub(track.sub(h[j]!, a), track.mul(ln.xh[k]!, b)));
    }
  }
  const gg: T[] = [];
  const gb: T[] = [];
  for (let j = 0; j < d; j++) {
    const col = (arr: readonly T[]) => Array.from({ length: rows }, (_, r) => arr[r * d + j]!);
    gg.push(trackSum(col(gxh), rows));
    gb.push(trackSum(col(g), rows));
  }
  return { gx, gg, gb };
}

function mhaW(p: LayerParams): MhaInputs {
  const none = new Float64Array(0);
  return {
    query: none,
    key: none,
    value: none,
    inProjWeight: p["self_attn.in_proj_weight"],
    inProjBias: p["self_attn.in_proj_bias"],
    outProjWeight: p["self_attn.out_proj.weight"],
    outProjBias: p["self_attn.out_proj.bias"],
  };
}

function seedsOf(c: LayerCall) {
  const dr = c.dropout ?? null;
  if (dr === null || dr.p <= 0) return { p: null, seeds: [0, 0, 0, 0] };
  return { p: dr.p, seeds: [0, 1, 2, 3].map((k) => hashU32(dr.seed, k)) };
}

/** Tracked forward of one layer from tracked x. */
export function trackLayerForward(g: LayerGeometry, p: LayerParams, x: readonly T[], c: LayerCall) {
  const { batch: B, length: L, d, ff } = g;
  const rows = B * L;
  const geo: MhaGeometry = { batch: B, heads: g.heads, lq: L, lk: L, d };
  const { p: dp, seeds } = seedsOf(c);
  const masks = {
    keyPaddingMask: c.keyPaddingMask ?? null,
    attnMask: c.attnMask ?? null,
    dropout: dp === null ? null : { p: dp, seed: seeds[0]! },
  };
  const xs = { query: x, key: x, value: x };
  const mf = trackMhaForward(geo, xs, mhaW(p), masks);
  const m1 = dropoutFactors(rows * d, dp, seeds[1]!);
  const r1 = x.map((v, i) => track.add(v, scaleBy(mf.out[i]!, m1[i]!)));
  const ln1 = tLayerNorm(r1, d, p["norm1.weight"], p["norm1.bias"], g.eps);
  const h = tLinear(ln1.y, rows, d, p["linear1.weight"], 0, ff, p["linear1.bias"]);
  const act = h.map((v) => (g.activation === "relu" ? trackBuiltins.max0(v) : trackGelu(v)));
  const mFf = dropoutFactors(rows * ff, dp, seeds[2]!);
  const u = act.map((v, i) => scaleBy(v, mFf[i]!));
  const f = tLinear(u, rows, ff, p["linear2.weight"], 0, d, p["linear2.bias"]);
  const m2 = dropoutFactors(rows * d, dp, seeds[3]!);
  const r2 = ln1.y.map((v, i) => track.add(v, scaleBy(f[i]!, m2[i]!)));
  const ln2 = tLayerNorm(r2, d, p["norm2.weight"], p["norm2.bias"], g.eps);
  return { geo, masks, xs, mf, m1, ln1, h, u, mFf, m2, ln2, out: ln2.y };
}

/** Tracked backward of one layer. */
function trackLayerBackward(
  g: LayerGeometry,
  p: LayerParams,
  f: ReturnType<typeof trackLayerForward>,
  gOut: readonly T[],
) {
  const { batch: B, length: L, d, ff } = g;
  const rows = B * L;
  const l2 = tLayerNormBackward(f.ln2, gOut, d, p["norm2.weight"]);
  const gf = l2.gx.map((v, i) => scaleBy(v, f.m2[i]!));
  const lin2 = tLinearBackward(f.u, gf, rows, B, ff, p["linear2.weight"], 0, d);
  const gact = lin2.gx.map((v, i) => scaleBy(v, f.mFf[i]!));
  const gh = gact.map((gv, i) => {
    const h = f.h[i]!;
    if (g.activation === "gelu") return trackGeluGrad(h, gv);
    const v = h.v > 0 ? gv.v : 0;
    return { v, e: Math.abs(h.v) <= h.e ? Math.abs(gv.v) + gv.e : gv.e };
  });
  const lin1 = tLinearBackward(f.ln1.y, gh, rows, B, d, p["linear1.weight"], 0, ff);
  const gz = l2.gx.map((v, i) => track.add(v, lin1.gx[i]!));
  const l1 = tLayerNormBackward(f.ln1, gz, d, p["norm1.weight"]);
  const ga = l1.gx.map((v, i) => scaleBy(v, f.m1[i]!));
  const mb = trackMhaBackward(f.geo, f.xs, mhaW(p), f.masks, f.mf, ga);
  const gx = l1.gx.map((v, i) => trackSum([v, mb.query[i]!, mb.key[i]!, mb.value[i]!], 4));
  const params: Record<string, T[]> = {
    "self_attn.in_proj_weight": mb.inProjWeight,
    "self_attn.in_proj_bias": mb.inProjBias,
    "self_attn.out_proj.weight": mb.outProjWeight,
    "self_attn.out_proj.bias": mb.outProjBias,
    "linear1.weight": lin1.gw,
    "linear1.bias": lin1.gb,
    "linear2.weight": lin2.gw,
    "linear2.bias": lin2.gb,
    "norm1.weight": l1.gg,
    "norm1.bias": l1.gb,
    "norm2.weight": l2.gg,
    "norm2.bias": l2.gb,
  };
  return { gx, params };
}

/** Per-element bounds of an encoder (one or more layers): output, input gradient, parameter gradients. */
export interface EncoderBounds {
  out: Float64Array;
  x: Float64Array;
  params: Record<string, Float64Array>[];
}

/**
 * Bounds of layers `ps` run in order on f32 input x with output gradient gOut:
 * one TransformerEncoderLayer (`encoder` false) or a TransformerEncoder.
 */
export function encoderBounds(
  g: LayerGeometry,
  ps: readonly LayerParams[],
  x: ArrayLike<number>,
  gOut: ArrayLike<number>,
  c: LayerCall = {},
  encoder = false,
): EncoderBounds {
  // A TransformerEncoder seeds layer i with hashU32(seed, i); a lone layer uses the seed itself.
  const call = (i: number): LayerCall =>
    !encoder || !c.dropout
      ? c
      : { ...c, dropout: { p: c.dropout.p, seed: hashU32(c.dropout.seed, i) } };
  const fs: ReturnType<typeof trackLayerForward>[] = [];
  let h: readonly T[] = tInputs(x);
  ps.forEach((p, i) => {
    const f = trackLayerForward(g, p, h, call(i));
    fs.push(f);
    h = f.out;
  });
  let gh: readonly T[] = tInputs(gOut);
  const params: Record<string, Float64Array>[] = new Array(ps.length);
  for (let i = ps.length - 1; i >= 0; i--) {
    const b = trackLayerBackward(g, ps[i]!, fs[i]!, gh);
    params[i] = Object.fromEntries(PARAM_NAMES.map((n) => [n, errs(b.params[n]!)]));
    gh = b.gx;
  }
  return { out: errs(h), x: errs(gh), params };
}
