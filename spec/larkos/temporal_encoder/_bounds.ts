/**
 * Derived per-element bounds of the temporal encoder on the GPU, stage by stage.
 *
 * Worst-case running bounds compound through stacked LayerNorms until they are
 * vacuous (at d = 48 one encoder layer's bound is already ~0.1 of its output,
 * and the second layer's LayerNorm can no longer bound its variance away from
 * 0), so, as the nn encoder's claims do, each stage is bounded from the GPU's
 * own f32 input to that stage, and an exact property ties the stages to the
 * module: its forward and backward equal the stages run in turn, bit for bit.
 *
 * - input stage, s = x + pos (one rounding, impl/ops/binary.ts), then the
 *   LayerNorm of impl/ops/kernels/layer_norm.ts (`tLayerNorm` and
 *   `tLayerNormBackward` of spec/nn/transformer_encoder/_bounds.ts): μ = Σs·f32(1/d), c = s − μ,
 *   σ² = Σc²·f32(1/d), r = inverseSqrt(σ² + f32(eps)), y = (c·r)·γ + β; backward
 *   from the GPU's ∂y: h = ∂y·γ, a = Σh·f32(1/d), b = Σh·x̂·f32(1/d),
 *   ∂s = r·((h − a) − x̂·b), ∂γ = Σ_rows ∂y·x̂, ∂β = Σ_rows ∂y; ∂x = ∂s exactly,
 *   ∂pos = Σ over the batch of ∂s (sumToShape, a path of B additions);
 * - encoder layer i: spec/nn/transformer_encoder/_bounds.ts (`encoderBounds`
 *   of one layer, with the layer's dropout seed hashU32(seed, i)).
 *
 * @module
 */
import { track, trackSum } from "../../../invariants/tolerance.ts";
import { errs, tInputs } from "../../nn/multihead_attention/_bounds.ts";
import { tLayerNorm, tLayerNormBackward } from "../../nn/transformer_encoder/_bounds.ts";
import type { TemporalGeometry, TemporalParams } from "../../oracle/larkos/temporal_encoder.ts";

/** Bounds of the input stage: u = LN(x + pos) and, given ∂u, the gradients. */
export interface InputStageBounds {
  seq: Float64Array;
  x: Float64Array;
  pos: Float64Array;
  "input_norm.weight": Float64Array;
  "input_norm.bias": Float64Array;
}

/**
 * Bounds of the GPU's input stage on f32 x [B, L, d] and, when given, the GPU's f32 ∂u
 * (`gSeq`, the first encoder layer's input gradient).
 */
export function inputStageBounds(
  g: TemporalGeometry,
  p: TemporalParams,
  x: ArrayLike<number>,
  gSeq: ArrayLike<number> | null,
): InputStageBounds {
  const { d, length: L, batch: B } = g;
  const gamma = p["input_norm.weight"];
  const s = tInputs(x).map((v, i) => track.add(v, track.input(p.pos[i % (L * d)]!)));
  const ln = tLayerNorm(s, d, gamma, p["input_norm.bias"], 1e-5);
  const out: InputStageBounds = {
    seq: errs(ln.y),
    x: new Float64Array(0),
    pos: new Float64Array(0),
    "input_norm.weight": new Float64Array(0),
    "input_norm.bias": new Float64Array(0),
  };
  if (gSeq === null) return out;
  const back = tLayerNormBackward(ln, tInputs(gSeq), d, gamma);
  const gx = back.gx;
  out.x = errs(gx);
  out["input_norm.weight"] = errs(back.gg);
  out["input_norm.bias"] = errs(back.gb);
  out.pos = Float64Array.from(
    { length: L * d },
    (_, j) => trackSum(Array.from({ length: B }, (_, b) => gx[b * L * d + j]!), B).e,
  );
  return out;
}
