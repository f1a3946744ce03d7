/**
 * f64 oracle of the post-norm transformer encoder layer and encoder with
 * PyTorch 1.13 semantics (`nn.TransformerEncoderLayer`, norm_first=False,
 * batch-first; `nn.TransformerEncoder` without a final norm), forward and
 * analytic backward:
 *
 *   a = MHA(x, x, x) (spec/oracle/nn/multihead_attention.ts, attention dropout included)
 *   z = LN₁(x + D₁(a)),  h = z·W₁ᵀ + b₁,  u = D(act(h)),  f = u·W₂ᵀ + b₂,
 *   out = LN₂(z + D₂(f))
 *
 * LayerNorm with biased variance, eps inside the root; act ReLU or exact GELU
 * x·Φ(x) (Φ from an f64 erf: a positive series for |z| ≤ 2, a continued
 * fraction for erfc beyond, both to about 1e-15). Dropout D keeps element i
 * when (hashU32(seed, i) >>> 8) ≥ ceil(p·2²⁴) and scales kept values by
 * f32(1/(1 − p)) (impl/ops/dropout.ts); a layer forward with seed s uses
 * seeds hashU32(s, k), k = 0 (attention), 1 (D₁), 2 (D), 3 (D₂); layer i of
 * an encoder call with seed s uses seed hashU32(s, i).
 *
 * @module
 */
import { hashU32 } from "../../../impl/gpu/rng.ts";
import {
  mhaBackward,
  mhaForward,
  type MhaGeometry,
  type MhaInputs,
  type MhaMasks,
} from "./multihead_attention.ts";

/** Sizes and options of a layer. */
export interface LayerGeometry {
  batch: number;
  length: number;
  d: number;
  heads: number;
  ff: number;
  activation: "relu" | "gelu";
  eps: number;
}

/** A layer's parameters by torch state-dict name (f64 values). */
export type LayerParams = Record<
  | "self_attn.in_proj_weight"
  | "self_attn.in_proj_bias"
  | "self_attn.out_proj.weight"
  | "self_attn.out_proj.bias"
  | "linear1.weight"
  | "linear1.bias"
  | "linear2.weight"
  | "linear2.bias"
  | "norm1.weight"
  | "norm1.bias"
  | "norm2.weight"
  | "norm2.bias",
  Float64Array
>;

/** The parameter names in torch's order. */
export const PARAM_NAMES = [
  "self_attn.in_proj_weight",
  "self_attn.in_proj_bias",
  "self_attn.out_proj.weight",
  "self_attn.out_proj.bias",
  "linear1.weight",
  "linear1.bias",
  "linear2.weight",
  "linear2.bias",
  "norm1.weight",
  "norm1.bias",
  "norm2.weight",
  "norm2.bias",
] as const;

/** Masks of a call and dropout (training) with its seed. */
export interface LayerCall {
  keyPaddingMask?: ArrayLike<number | boolean> | null;
  attnMask?: { shape: readonly number[]; data: ArrayLike<number | boolean> } | null;
  /** Dropout probability and the call's seed; null or absent: eval. */
  dropout?: { p: number; seed: number } | null;
}

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf(z) for 0 ≤ z ≤ 2: 2/√π·e^(−z²)·Σ (2z²)ⁿ z / (1·3·…·(2n+1)), all terms positive. */
function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  const z2 = 2 * z * z;
  for (let n = 1; n < 200; n++) {
    term *= z2 / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z * z) * sum;
}

/** erfc(z) for z > 2: e^(−z²)/√π / (z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated backward. */
function erfcFraction(z: number): number {
  let f = z;
  for (let k = 120; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

/** erfc(z) for z ≥ 0. */
export function erfc(z: number): number {
  return z <= 2 ? 1 - erfSeries(z) : erfcFraction(z);
}

/** 2Φ(x) = erfc(−x/√2), accurate in relative terms on both sides. */
export function twoPhi(x: number): number {
  const z = Math.abs(x) * SQRT1_2;
  return x < 0 ? erfc(z) : 2 - erfc(z);
}

/** Exact GELU x·Φ(x). */
export function gelu(x: number): number {
  return 0.5 * x * twoPhi(x);
}

/** GELU's derivative Φ(x) + x·φ(x). */
export function geluGrad(x: number): number {
  return 0.5 * twoPhi(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Dropout factors (0 or f32(1/(1 − p))) of n elements with seed; all 1 without dropout. */
export function dropoutFactors(n: number, p: number | null, seed: number): Float64Array {
  const out = new Float64Array(n).fill(1);
  if (p === null || p <= 0) return out;
  const t = Math.ceil(p * 2 ** 24);
  const scale = Math.fround(1 / (1 - p));
  for (let i = 0; i < n; i++) out[i] = hashU32(seed, i) >>> 8 >= t ? scale : 0;
  return out;
}

function linear(
  x: Float64Array,
  rows: number,
  inF: number,
  w: Float64Array,
  b: Float64Array,
  n: number,
) {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      let s = b[o]!;
      for (let c = 0; c < inF; c++) s += x[r * inF + c]! * w[o * inF + c]!;
      y[r * n + o] = s;
    }
  }
  return y;
}

function linearBackward(
  x: Float64Array,
  gy: Float64Array,
  rows: number,
  inF: number,
  w: Float64Array,
  n: number,
) {
  const gx = new Float64Array(rows * inF);
  const gw = new Float64Array(n * inF);
  const gb = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      const g = gy[r * n + o]!;
      gb[o]! += g;
      for (let c = 0; c < inF; c++) {
        gw[o * inF + c]! += g * x[r * inF + c]!;
        gx[r * inF + c]! += g * w[o * inF + c]!;
      }
    }
  }
  return { gx, gw, gb };
}

/** LayerNorm over rows of width d: y, and x̂ and r per row for the backward. */
export function layerNorm(
  x: Float64Array,
  d: number,
  gamma: Float64Array,
  beta: Float64Array,
  eps: number,
) {
  const rows = x.length / d;
  const y = new Float64Array(x.length);
  const xh = new Float64Array(x.length);
  const rs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let mu = 0;
    for (let j = 0; j < d; j++) mu += x[r * d + j]!;
    mu /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j]! - mu) ** 2;
    const rr = 1 / Math.sqrt(v / d + eps);
    rs[r] = rr;
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      xh[k] = (x[k]! - mu) * rr;
      y[k] = xh[k]! * gamma[j]! + beta[j]!;
    }
  }
  return { y, xh, rs };
}

/**
 * LayerNorm's backward from ∂y (`g`) with the forward's x̂ and r: ∂x, ∂γ and ∂β (summed over
 * rows).
 */
export function layerNormBackward(
  ln: { xh: Float64Array; rs: Float64Array },
  g: ArrayLike<number>,
  d: number,
  gamma: Float64Array,
) {
  const rows = g.length / d;
  const gx = new Float64Array(g.length);
  const gg = new Float64Array(d);
  const gb = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      const h = g[k]! * gamma[j]!;
      a += h;
      b += h * ln.xh[k]!;
      gg[j]! += g[k]! * ln.xh[k]!;
      gb[j]! += g[k]!;
    }
    a /= d;
    b /= d;
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      gx[k] = ln.rs[r]! * (g[k]! * gamma[j]! - a - ln.xh[k]! * b);
    }
  }
  return { gx, gg, gb };
}

function mhaOf(p: LayerParams, x: Float64Array): MhaInputs {
  return {
    query: x,
    key: x,
    value: x,
    inProjWeight: p["self_attn.in_proj_weight"],
    inProjBias: p["self_attn.in_proj_bias"],
    outProjWeight: p["self_attn.out_proj.weight"],
    outProjBias: p["self_attn.out_proj.bias"],
  };
}

function mhaGeo(g: LayerGeometry): MhaGeometry {
  return { batch: g.batch, heads: g.heads, lq: g.length, lk: g.length, d: g.d };
}

function layerSeeds(c: LayerCall): { p: number | null; seeds: number[] } {
  const dr = c.dropout ?? null;
  if (dr === null || dr.p <= 0) return { p: null, seeds: [0, 0, 0, 0] };
  return { p: dr.p, seeds: [0, 1, 2, 3].map((k) => hashU32(dr.seed, k)) };
}

function mhaMasks(c: LayerCall, p: number | null, seed: number): MhaMasks {
  return {
    keyPaddingMask: c.keyPaddingMask ?? null,
    attnMask: c.attnMask ?? null,
    dropout: p === null ? null : { p, seed },
  };
}

/** Every intermediate of a layer forward. */
export interface LayerForward {
  out: Float64Array;
  a: Float64Array;
  z: Float64Array;
  h: Float64Array;
  act: Float64Array;
  u: Float64Array;
  f: Float64Array;
  m1: Float64Array;
  mFf: Float64Array;
  m2: Float64Array;
  ln1: { y: Float64Array; xh: Float64Array; rs: Float64Array };
  ln2: { y: Float64Array; xh: Float64Array; rs: Float64Array };
}

/** Forward of one layer. */
export function layerForward(
  g: LayerGeometry,
  p: LayerParams,
  x: Float64Array,
  c: LayerCall = {},
): LayerForward {
  const { batch: B, length: L, d, ff } = g;
  const rows = B * L;
  const { p: dp, seeds } = layerSeeds(c);
  const a = mhaForward(mhaGeo(g), mhaOf(p, x), mhaMasks(c, dp, seeds[0]!)).out;
  const m1 = dropoutFactors(rows * d, dp, seeds[1]!);
  const r1 = Float64Array.from(x, (v, i) => v + a[i]! * m1[i]!);
  const ln1 = layerNorm(r1, d, p["norm1.weight"], p["norm1.bias"], g.eps);
  const z = ln1.y;
  const h = linear(z, rows, d, p["linear1.weight"], p["linear1.bias"], ff);
  const act = Float64Array.from(h, (v) => (g.activation === "relu" ? Math.max(v, 0) : gelu(v)));
  const mFf = dropoutFactors(rows * ff, dp, seeds[2]!);
  const u = Float64Array.from(act, (v, i) => v * mFf[i]!);
  const f = linear(u, rows, ff, p["linear2.weight"], p["linear2.bias"], d);
  const m2 = dropoutFactors(rows * d, dp, seeds[3]!);
  const r2 = Float64Array.from(z, (v, i) => v + f[i]! * m2[i]!);
  const ln2 = layerNorm(r2, d, p["norm2.weight"], p["norm2.bias"], g.eps);
  return { out: ln2.y, a, z, h, act, u, f, m1, mFf, m2, ln1, ln2 };
}

/** Gradients of one layer: the input's and every parameter's (torch names). */
export interface LayerGrads {
  x: Float64Array;
  params: LayerParams;
}

/** Backward of one layer from the output gradient. */
export function layerBackward(
  g: LayerGeometry,
  p: LayerParams,
  x: Float64Array,
  gOut: Float64Array,
  c: LayerCall = {},
): LayerGrads {
  const { batch: B, length: L, d, ff } = g;
  const rows = B * L;
  const f = layerForward(g, p, x, c);
  const l2 = layerNormBackward(f.ln2, gOut, d, p["norm2.weight"]);
  const gr2 = l2.gx;
  const gf = Float64Array.from(gr2, (v, i) => v * f.m2[i]!);
  const lin2 = linearBackward(f.u, gf, rows, ff, p["linear2.weight"], d);
  const gact = Float64Array.from(lin2.gx, (v, i) => v * f.mFf[i]!);
  const gh = Float64Array.from(
    gact,
    (v, i) => g.activation === "relu" ? (f.h[i]! > 0 ? v : 0) : v * geluGrad(f.h[i]!),
  );
  const lin1 = linearBackward(f.z, gh, rows, d, p["linear1.weight"], ff);
  const gz = Float64Array.from(gr2, (v, i) => v + lin1.gx[i]!);
  const l1 = layerNormBackward(f.ln1, gz, d, p["norm1.weight"]);
  const gr1 = l1.gx;
  const ga = Float64Array.from(gr1, (v, i) => v * f.m1[i]!);
  const { p: dp, seeds } = layerSeeds(c);
  const mg = mhaBackward(mhaGeo(g), mhaOf(p, x), ga, mhaMasks(c, dp, seeds[0]!));
  const gx = Float64Array.from(gr1, (v, i) => v + mg.query[i]! + mg.key[i]! + mg.value[i]!);
  return {
    x: gx,
    params: {
      "self_attn.in_proj_weight": mg.inProjWeight,
      "self_attn.in_proj_bias": mg.inProjBias!,
      "self_attn.out_proj.weight": mg.outProjWeight,
      "self_attn.out_proj.bias": mg.outProjBias!,
      "linear1.weight": lin1.gw,
      "linear1.bias": lin1.gb,
      "linear2.weight": lin2.gw,
      "linear2.bias": lin2.gb,
      "norm1.weight": l1.gg,
      "norm1.bias": l1.gb,
      "norm2.weight": l2.gg,
      "norm2.bias": l2.gb,
    },
  };
}

/** Forward of an encoder of layers with parameters `ps` (layer i seeded hashU32(seed, i)). */
export function encoderForward(
  g: LayerGeometry,
  ps: readonly LayerParams[],
  x: Float64Array,
  c: LayerCall = {},
): Float64Array {
  let h = x;
  ps.forEach((p, i) => {
    h = layerForward(g, p, h, layerCall(c, i)).out;
  });
  return h;
}

/** The call of layer i within an encoder call: dropout seed hashU32(seed, i). */
export function layerCall(c: LayerCall, i: number): LayerCall {
  return c.dropout ? { ...c, dropout: { p: c.dropout.p, seed: hashU32(c.dropout.seed, i) } } : c;
}

/** Backward of an encoder: gradient of the input and of every layer's parameters. */
export function encoderBackward(
  g: LayerGeometry,
  ps: readonly LayerParams[],
  x: Float64Array,
  gOut: Float64Array,
  c: LayerCall = {},
): { x: Float64Array; params: LayerParams[] } {
  const inputs: Float64Array[] = [];
  let h = x;
  ps.forEach((p, i) => {
    inputs.push(h);
    h = layerForward(g, p, h, layerCall(c, i)).out;
  });
  const grads: LayerParams[] = new Array(ps.length);
  let gh = gOut;
  for (let i = ps.length - 1; i >= 0; i--) {
    const r = layerBackward(g, ps[i]!, inputs[i]!, gh, layerCall(c, i));
    grads[i] = r.params;
    gh = r.x;
  }
  return { x: gh, params: grads };
}
