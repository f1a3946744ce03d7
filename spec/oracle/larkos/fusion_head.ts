/**
 * f64 oracle of Larkos 0.3's fusion head (Okerew/larkos_models:modules/training.py
 * `_FusionTransformerHead`), forward and analytic backward, on the transformer encoder
 * oracle (spec/oracle/nn/transformer_encoder.ts):
 *
 *   tok_{b,t} = G_{b,t} + T₀ (t < 8);  W_q·q_b + b_q + T₁;  W_m·m_b + b_m + T₂;  W_d·d_b + b_d + T₃
 *   x = LN(tok)·keep/(1 − p) + z   (training without frozen input; else x = LN(tok))
 *   enc = Encoder₃(x);  s_t = ⟨enc_t, q_pool⟩/√64;  a = softmax_t(s);  pooled = Σ_t a_t·enc_t
 *   out = W_o·pooled + b_o
 *
 * LayerNorm with biased variance and eps 1e-5 inside the root. In training mode with
 * call seed s: the input dropout keeps element i when (hashU32(hashU32(s, 0), i) >>> 8) ≥
 * ceil(p·2²⁴) (impl/ops/dropout.ts), the noise z is `new Rng(hashU32(s, 1)).normals(n,
 * 0.005)` (impl/gpu/rng.ts), and the encoder runs with dropout seed hashU32(s, 2).
 *
 * Backward of L = Σ g·out: ∂W_o = Σ_b g ⊗ pooled, ∂b_o = Σ_b g, ∂pooled = g·W_o;
 * ∂enc_t = a_t·∂pooled + ∂s_t·q/√64 with ∂a_t = ⟨∂pooled, enc_t⟩ and
 * ∂s = a ⊙ (∂a − Σ a·∂a); ∂q_pool = Σ_{b,t} ∂s_t·enc_t/√64; through the encoder;
 * ∂LN = ∂x·keep/(1 − p); LayerNorm's backward; ∂G = ∂tok_{0..7}, ∂T_k = Σ of its tokens'
 * gradients, and each projection's ∂W = Σ_b ∂tok ⊗ input, ∂b = Σ_b ∂tok, ∂input = ∂tok·W.
 *
 * @module
 */
import { hashU32, Rng } from "../../../impl/gpu/rng.ts";
import {
  dropoutFactors,
  encoderBackward,
  type LayerCall,
  layerForward,
  type LayerGeometry,
  layerNorm,
  layerNormBackward,
  type LayerParams,
  PARAM_NAMES,
} from "../nn/transformer_encoder.ts";

/** Model width. */
export const FH_D = 64;
/** Graph tokens. */
export const FH_GRAPH = 8;
/** Sequence length. */
export const FH_L = 11;
/** Output width. */
export const FH_OUT = 8;
/** Encoder layers. */
export const FH_LAYERS = 3;
const BAND = 32;
const EPS = 1e-5;
const NOISE_STD = 0.005;

/** Parameters by torch name (f64 values), every one of the head's 48. */
export type FusionParams = Record<string, Float64Array>;

/** The four inputs, f64 row-major. */
export interface FusionInputs {
  /** [B, 8, 64]. */
  graph: Float64Array;
  /** [B, 32]. */
  bandQ: Float64Array;
  /** [B, 32]. */
  bandM: Float64Array;
  /** [B, 8]. */
  driver: Float64Array;
}

/** Mode of a call: eval (absent) or training with its seed, dropout p and frozen flag. */
export interface FusionCall {
  training?: { p: number; seed: number; frozenInput: boolean } | null;
}

/** The encoder layers' geometry for batch B. */
export function fusionLayerGeometry(B: number): LayerGeometry {
  return { batch: B, length: FH_L, d: FH_D, heads: 4, ff: 128, activation: "relu", eps: EPS };
}

/** Layer i's parameters out of the head's. */
export function layerParamsOf(p: FusionParams, i: number): LayerParams {
  return Object.fromEntries(
    PARAM_NAMES.map((n) => [n, p[`encoder.layers.${i}.${n}`]!]),
  ) as LayerParams;
}

/** The encoder's call of a head call. */
function encoderCall(c: FusionCall): LayerCall {
  const t = c.training ?? null;
  return t === null || t.p <= 0 ? {} : { dropout: { p: t.p, seed: hashU32(t.seed, 2) } };
}

function lin(
  x: Float64Array,
  off: number,
  inF: number,
  w: Float64Array,
  b: Float64Array,
  out: Float64Array,
  outOff: number,
) {
  for (let o = 0; o < FH_D; o++) {
    let s = b[o]!;
    for (let c = 0; c < inF; c++) s += w[o * inF + c]! * x[off + c]!;
    out[outOff + o] = s;
  }
}

/** The first stage: typed tokens, their LayerNorm, and the encoder's input. */
export interface FusionEmbed {
  tokens: Float64Array;
  /** LN(tokens). */
  ln: Float64Array;
  xh: Float64Array;
  rs: Float64Array;
  /** Input dropout factors (all 1 without). */
  keep: Float64Array;
  /** The encoder's input. */
  input: Float64Array;
}

/** The first stage of the head on B batches. */
export function fusionEmbed(
  p: FusionParams,
  x: FusionInputs,
  B: number,
  c: FusionCall = {},
): FusionEmbed {
  const D = FH_D;
  const L = FH_L;
  const T = p["token_type_embed"]!;
  const tokens = new Float64Array(B * L * D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < FH_GRAPH; t++) {
      for (let j = 0; j < D; j++) {
        tokens[(b * L + t) * D + j] = x.graph[(b * FH_GRAPH + t) * D + j]! + T[j]!;
      }
    }
    const row = (t: number) => (b * L + t) * D;
    lin(x.bandQ, b * BAND, BAND, p["proj_q.weight"]!, p["proj_q.bias"]!, tokens, row(8));
    lin(x.bandM, b * BAND, BAND, p["proj_m.weight"]!, p["proj_m.bias"]!, tokens, row(9));
    lin(
      x.driver,
      b * FH_OUT,
      FH_OUT,
      p["proj_driver.weight"]!,
      p["proj_driver.bias"]!,
      tokens,
      row(10),
    );
    for (let k = 1; k <= 3; k++) {
      for (let j = 0; j < D; j++) tokens[row(7 + k) + j]! += T[k * D + j]!;
    }
  }
  const { y: ln, xh, rs } = layerNorm(
    tokens,
    D,
    p["input_norm.weight"]!,
    p["input_norm.bias"]!,
    EPS,
  );
  const tr = c.training ?? null;
  const noisy = tr !== null && !tr.frozenInput;
  const keep = dropoutFactors(ln.length, noisy ? tr.p : null, noisy ? hashU32(tr.seed, 0) : 0);
  const input = Float64Array.from(ln, (v, i) => v * keep[i]!);
  if (noisy) {
    const z = new Rng(hashU32(tr.seed, 1)).normals(input.length, NOISE_STD);
    for (let i = 0; i < input.length; i++) input[i]! += z[i]!;
  }
  return { tokens, ln, xh, rs, keep, input };
}

/** The call of encoder layer i within a head call. */
export function fusionLayerCall(c: FusionCall, i: number): LayerCall {
  const ec = encoderCall(c);
  return ec.dropout ? { dropout: { p: ec.dropout.p, seed: hashU32(ec.dropout.seed, i) } } : {};
}

/** The last stage: pool scores, weights, pooled vector and output. */
export interface FusionPool {
  scores: Float64Array;
  pool: Float64Array;
  pooled: Float64Array;
  out: Float64Array;
}

/** The pool and read-out on the encoder's output enc [B, 11, 64]. */
export function fusionPool(p: FusionParams, h: Float64Array, B: number): FusionPool {
  const D = FH_D;
  const L = FH_L;
  const q = p["pool_query"]!;
  const scale = 1 / Math.sqrt(D);
  const scores = new Float64Array(B * L);
  const pool = new Float64Array(B * L);
  const pooled = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let t = 0; t < L; t++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += h[(b * L + t) * D + j]! * q[j]!;
      scores[b * L + t] = s * scale;
      m = Math.max(m, s * scale);
    }
    let tot = 0;
    for (let t = 0; t < L; t++) tot += Math.exp(scores[b * L + t]! - m);
    for (let t = 0; t < L; t++) pool[b * L + t] = Math.exp(scores[b * L + t]! - m) / tot;
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let t = 0; t < L; t++) s += pool[b * L + t]! * h[(b * L + t) * D + j]!;
      pooled[b * D + j] = s;
    }
  }
  const wo = p["linear_out.weight"]!;
  const bo = p["linear_out.bias"]!;
  const out = new Float64Array(B * FH_OUT);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < FH_OUT; o++) {
      let s = bo[o]!;
      for (let j = 0; j < D; j++) s += wo[o * D + j]! * pooled[b * D + j]!;
      out[b * FH_OUT + o] = s;
    }
  }
  return { scores, pool, pooled, out };
}

/** Everything a forward computes. */
export interface FusionForward extends FusionEmbed, FusionPool {
  /** Each layer's output. */
  layers: Float64Array[];
}

/** Forward of the head on B batches. */
export function fusionForward(
  p: FusionParams,
  x: FusionInputs,
  B: number,
  c: FusionCall = {},
): FusionForward {
  const e = fusionEmbed(p, x, B, c);
  const g = fusionLayerGeometry(B);
  const layers: Float64Array[] = [];
  let h: Float64Array = e.input;
  for (let i = 0; i < FH_LAYERS; i++) {
    h = layerForward(g, layerParamsOf(p, i), h, fusionLayerCall(c, i)).out;
    layers.push(h);
  }
  return { ...e, layers, ...fusionPool(p, h, B) };
}

/** Gradients of the four inputs and of every parameter (torch names). */
export interface FusionGrads {
  graph: Float64Array;
  bandQ: Float64Array;
  bandM: Float64Array;
  driver: Float64Array;
  params: FusionParams;
}

function linBack(
  g: Float64Array,
  x: Float64Array,
  inF: number,
  w: Float64Array,
  B: number,
  tokenOf: (b: number) => number,
) {
  const gx = new Float64Array(B * inF);
  const gw = new Float64Array(FH_D * inF);
  const gb = new Float64Array(FH_D);
  for (let b = 0; b < B; b++) {
    const r = tokenOf(b);
    for (let o = 0; o < FH_D; o++) {
      const go = g[r + o]!;
      gb[o]! += go;
      for (let c = 0; c < inF; c++) {
        gw[o * inF + c]! += go * x[b * inF + c]!;
        gx[b * inF + c]! += go * w[o * inF + c]!;
      }
    }
  }
  return { gx, gw, gb };
}

/** Backward of the pool stage from gOut [B, 8]: the gradient of enc and of its parameters. */
export function fusionPoolBackward(
  p: FusionParams,
  enc: Float64Array,
  B: number,
  gOut: Float64Array,
): { enc: Float64Array; params: FusionParams } {
  const D = FH_D;
  const L = FH_L;
  const f = fusionPool(p, enc, B);
  const wo = p["linear_out.weight"]!;
  const gWo = new Float64Array(wo.length);
  const gbo = new Float64Array(FH_OUT);
  const gPooled = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < FH_OUT; o++) {
      const g = gOut[b * FH_OUT + o]!;
      gbo[o]! += g;
      for (let j = 0; j < D; j++) {
        gWo[o * D + j]! += g * f.pooled[b * D + j]!;
        gPooled[b * D + j]! += g * wo[o * D + j]!;
      }
    }
  }
  const q = p["pool_query"]!;
  const scale = 1 / Math.sqrt(D);
  const gEnc = new Float64Array(enc.length);
  const gq = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    const ga = new Float64Array(L);
    let dot = 0;
    for (let t = 0; t < L; t++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += gPooled[b * D + j]! * enc[(b * L + t) * D + j]!;
      ga[t] = s;
      dot += f.pool[b * L + t]! * s;
    }
    for (let t = 0; t < L; t++) {
      const a = f.pool[b * L + t]!;
      const gs = a * (ga[t]! - dot);
      for (let j = 0; j < D; j++) {
        const k = (b * L + t) * D + j;
        gEnc[k] = a * gPooled[b * D + j]! + gs * q[j]! * scale;
        gq[j]! += gs * enc[k]! * scale;
      }
    }
  }
  return {
    enc: gEnc,
    params: { pool_query: gq, "linear_out.weight": gWo, "linear_out.bias": gbo },
  };
}

/**
 * Backward of the first stage from the gradient of the encoder's input: the four inputs'
 * gradients and those of the type embedding, the projections and the input norm.
 */
export function fusionEmbedBackward(
  p: FusionParams,
  x: FusionInputs,
  B: number,
  gInput: Float64Array,
  c: FusionCall = {},
): FusionGrads {
  const D = FH_D;
  const L = FH_L;
  const f = fusionEmbed(p, x, B, c);
  const gLn = Float64Array.from(gInput, (v, i) => v * f.keep[i]!);
  const { gx: gTok, gg: gGamma, gb: gBeta } = layerNormBackward(
    f,
    gLn,
    D,
    p["input_norm.weight"]!,
  );
  const gGraph = new Float64Array(B * FH_GRAPH * D);
  const gT = new Float64Array(4 * D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const type = t < FH_GRAPH ? 0 : t - 7;
      for (let j = 0; j < D; j++) {
        const g = gTok[(b * L + t) * D + j]!;
        gT[type * D + j]! += g;
        if (t < FH_GRAPH) gGraph[(b * FH_GRAPH + t) * D + j] = g;
      }
    }
  }
  const row = (t: number) => (b: number) => (b * L + t) * D;
  const lq = linBack(gTok, x.bandQ, BAND, p["proj_q.weight"]!, B, row(8));
  const lm = linBack(gTok, x.bandM, BAND, p["proj_m.weight"]!, B, row(9));
  const ld = linBack(gTok, x.driver, FH_OUT, p["proj_driver.weight"]!, B, row(10));
  return {
    graph: gGraph,
    bandQ: lq.gx,
    bandM: lm.gx,
    driver: ld.gx,
    params: {
      token_type_embed: gT,
      "proj_q.weight": lq.gw,
      "proj_q.bias": lq.gb,
      "proj_m.weight": lm.gw,
      "proj_m.bias": lm.gb,
      "proj_driver.weight": ld.gw,
      "proj_driver.bias": ld.gb,
      "input_norm.weight": gGamma,
      "input_norm.bias": gBeta,
    },
  };
}

/** Backward of the head from the output gradient gOut [B, 8]. */
export function fusionBackward(
  p: FusionParams,
  x: FusionInputs,
  B: number,
  gOut: Float64Array,
  c: FusionCall = {},
): FusionGrads {
  const f = fusionForward(p, x, B, c);
  const pb = fusionPoolBackward(p, f.layers[FH_LAYERS - 1]!, B, gOut);
  const ps = Array.from({ length: FH_LAYERS }, (_, i) => layerParamsOf(p, i));
  const eb = encoderBackward(fusionLayerGeometry(B), ps, f.input, pb.enc, encoderCall(c));
  const r = fusionEmbedBackward(p, x, B, eb.x, c);
  Object.assign(r.params, pb.params);
  eb.params.forEach((lp, i) => {
    for (const n of PARAM_NAMES) r.params[`encoder.layers.${i}.${n}`] = lp[n];
  });
  return r;
}
