/**
 * f64 oracle of Larkos 0.3's `_TemporalAttentionEncoder`
 * (Okerew/larkos_models:modules/training.py L423), forward and analytic backward:
 *
 *   s = x + pos (pos broadcast over the batch),  u = LN(s; γ, β, eps 1e-5),
 *   y = TransformerEncoder(u)  (spec/oracle/nn/transformer_encoder.ts)
 *
 * LayerNorm with biased variance and eps inside the root. Dropout (training)
 * is the encoder oracle's: layer i of a call with seed s uses hashU32(s, i).
 *
 * @module
 */
import {
  encoderBackward,
  encoderForward,
  type LayerCall,
  layerCall,
  layerForward,
  type LayerGeometry,
  layerNorm,
  layerNormBackward,
  type LayerParams,
  PARAM_NAMES,
} from "../nn/transformer_encoder.ts";

/** LayerNorm's eps, the input norm's and the encoder layers'. */
const EPS = 1e-5;

/** Sizes of the temporal encoder (Larkos: L 4, d 48, heads 4, ff 64, 2 layers). */
export interface TemporalGeometry {
  batch: number;
  length: number;
  d: number;
  heads: number;
  ff: number;
}

/** Parameters by the original's names, the encoder's per layer. */
export interface TemporalParams {
  pos: Float64Array;
  "input_norm.weight": Float64Array;
  "input_norm.bias": Float64Array;
  layers: LayerParams[];
}

/** The encoder layers' geometry (ReLU, eps 1e-5). */
export function layerGeometry(g: TemporalGeometry): LayerGeometry {
  return {
    batch: g.batch,
    length: g.length,
    d: g.d,
    heads: g.heads,
    ff: g.ff,
    activation: "relu",
    eps: EPS,
  };
}

/** The flat named record of `p` (the original's state-dict names). */
export function flatParams(p: TemporalParams): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {
    pos: p.pos,
    "input_norm.weight": p["input_norm.weight"],
    "input_norm.bias": p["input_norm.bias"],
  };
  p.layers.forEach((l, i) => {
    for (const n of PARAM_NAMES) out[`encoder.layers.${i}.${n}`] = l[n];
  });
  return out;
}

/** The inverse of {@link flatParams} for `layers` layers. */
export function unflatParams(r: Record<string, Float64Array>, layers: number): TemporalParams {
  return {
    pos: r.pos!,
    "input_norm.weight": r["input_norm.weight"]!,
    "input_norm.bias": r["input_norm.bias"]!,
    layers: Array.from({ length: layers }, (_, i) =>
      Object.fromEntries(
        PARAM_NAMES.map((n) => [n, r[`encoder.layers.${i}.${n}`]!]),
      ) as LayerParams),
  };
}

/** Every intermediate of a forward. */
export interface TemporalForward {
  /** x + pos. */
  s: Float64Array;
  /** LN(s): the encoder's input. */
  seq: Float64Array;
  /** Each encoder layer's output; the last is the output. */
  layerOutputs: Float64Array[];
  out: Float64Array;
}

/** Forward; `call.dropout` (training) seeds the encoder as impl/nn does. */
export function temporalForward(
  g: TemporalGeometry,
  p: TemporalParams,
  x: Float64Array,
  call: LayerCall = {},
): TemporalForward {
  const { d, length: L } = g;
  const s = Float64Array.from(x, (v, i) => v + p.pos[i % (L * d)]!);
  const seq = layerNorm(s, d, p["input_norm.weight"], p["input_norm.bias"], EPS).y;
  const lg = layerGeometry(g);
  const layerOutputs: Float64Array[] = [];
  let h: Float64Array = seq;
  p.layers.forEach((lp, i) => {
    h = layerForward(lg, lp, h, layerCall(call, i)).out;
    layerOutputs.push(h);
  });
  return { s, seq, layerOutputs, out: h };
}

/** The output only (cheap path for gradchecks). */
export function temporalOutput(
  g: TemporalGeometry,
  p: TemporalParams,
  x: Float64Array,
  call: LayerCall = {},
): Float64Array {
  return encoderForward(layerGeometry(g), p.layers, inputStageForward(g, p, x), call);
}

/** Gradients of the input and of every parameter. */
export interface TemporalGrads {
  x: Float64Array;
  params: TemporalParams;
}

/** Gradients of the input stage s = x + pos, u = LN(s) from ∂u. */
export interface InputStageGrads {
  x: Float64Array;
  pos: Float64Array;
  "input_norm.weight": Float64Array;
  "input_norm.bias": Float64Array;
}

/** The input stage's output u = LN(x + pos). */
export function inputStageForward(
  g: TemporalGeometry,
  p: TemporalParams,
  x: Float64Array,
): Float64Array {
  const { d, length: L } = g;
  const s = Float64Array.from(x, (v, i) => v + p.pos[i % (L * d)]!);
  return layerNorm(s, d, p["input_norm.weight"], p["input_norm.bias"], EPS).y;
}

/** Analytic backward of the input stage from ∂u (`gSeq`). */
export function inputStageBackward(
  g: TemporalGeometry,
  p: TemporalParams,
  x: Float64Array,
  gSeq: ArrayLike<number>,
): InputStageGrads {
  const { d, length: L } = g;
  const gamma = p["input_norm.weight"];
  const s = Float64Array.from(x, (v, i) => v + p.pos[i % (L * d)]!);
  const ln = layerNorm(s, d, gamma, p["input_norm.bias"], EPS);
  const { gx: gs, gg: gGamma, gb: gBeta } = layerNormBackward(ln, gSeq, d, gamma);
  const gPos = new Float64Array(L * d);
  for (let i = 0; i < gs.length; i++) gPos[i % (L * d)]! += gs[i]!;
  return { x: gs, pos: gPos, "input_norm.weight": gGamma, "input_norm.bias": gBeta };
}

/** Analytic backward from the output gradient gOut. */
export function temporalBackward(
  g: TemporalGeometry,
  p: TemporalParams,
  x: Float64Array,
  gOut: Float64Array,
  call: LayerCall = {},
): TemporalGrads {
  const seq = inputStageForward(g, p, x);
  const enc = encoderBackward(layerGeometry(g), p.layers, seq, gOut, call);
  const st = inputStageBackward(g, p, x, enc.x);
  return {
    x: st.x,
    params: {
      pos: st.pos,
      "input_norm.weight": st["input_norm.weight"],
      "input_norm.bias": st["input_norm.bias"],
      layers: enc.params,
    },
  };
}
