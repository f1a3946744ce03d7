/**
 * Derived per-element bounds of the fusion head's stages on the GPU: the running error
 * analysis of spec/nn/multihead_attention/_bounds.ts continued through every op of
 * impl/larkos/fusion_head/fusion_head.ts, in order, on tracked values, from the stage's
 * f32 inputs. Each stage is bounded from its own inputs (the encoder layers by
 * spec/nn/transformer_encoder/_bounds.ts): worst-case bounds compound through the
 * LayerNorms and the 64- and 128-wide products until vacuous when carried through all
 * five stages, so parity is claimed stage by stage, and the head's single autograd graph
 * is shown equal, bit for bit, to its stages run in turn.
 *
 * - embed: projections add(matmul(x, Wᵀ), b) (path inF, then the bias add); the type
 *   embedding add (one rounding); LayerNorm as impl/ops/kernels/layer_norm.ts (`tLayerNorm` of
 *   spec/nn/transformer_encoder/_bounds.ts: μ = Σx·f32(1/d),
 *   c = x − μ, σ² = Σc²·f32(1/d), r = inverseSqrt(σ² + f32(eps)), y = (c·r)·γ + β); input
 *   dropout (an exact f32 factor, one rounding) and the noise add (one rounding). Backward:
 *   the dropout factor, LayerNorm's backward (h = g·γ, a = Σh·f32(1/d), b = Σh·x̂·f32(1/d),
 *   gx = r·((h − a) − x̂·b), ∂γ, ∂β over rows), the type embedding's gradient (sumToShape
 *   over the batch, then the embedding's row sums: path ≤ the number of terms), and each
 *   projection as tLinearBackward (∂x path n, ∂W path rows + batches, ∂b path rows + 1);
 * - pool: s = (Σ_c enc·q, path 64)·0.125; softmax as impl/ops/kernels/softmax.ts
 *   (m = max, e = exp(s − m), Σ e path 11, e/Σ); pooled = Σ_t a_t·enc_t (path 11); the
 *   read-out as a projection. Backward: ∂a_t = Σ_c ∂pooled·enc (path 64),
 *   ∂s = (a·(∂a − Σ a·∂a))·0.125 (path 11), ∂enc = a·∂pooled + ∂s·q (one rounding for the
 *   two uses), ∂q = Σ_{b,t} enc·∂s (path B·11).
 *
 * @module
 */
import { track, type Tracked, trackSum } from "../../../invariants/tolerance.ts";
import { hashU32, Rng } from "../../../impl/gpu/rng.ts";
import { dropoutFactors } from "../../oracle/nn/transformer_encoder.ts";
import {
  errs,
  shiftedExp,
  tInputs,
  tLinear,
  tLinearBackward,
} from "../../nn/multihead_attention/_bounds.ts";
import { scaleBy, tLayerNorm, tLayerNormBackward } from "../../nn/transformer_encoder/_bounds.ts";
import {
  FH_D,
  FH_GRAPH,
  FH_L,
  FH_OUT,
  type FusionCall,
  type FusionInputs,
  type FusionParams,
} from "../../oracle/larkos/fusion_head.ts";

type T = Tracked;

const EPS = 1e-5;
const BAND = 32;

/** Bounds of the embed stage: forward arrays, and gradients when gInput is given. */
export interface EmbedBounds {
  tokens: Float64Array;
  input: Float64Array;
  graph: Float64Array;
  bandQ: Float64Array;
  bandM: Float64Array;
  driver: Float64Array;
  params: Record<string, Float64Array>;
}

/**
 * Bounds of the embed stage on f32 inputs and parameters, with the encoder-input gradient
 * gInput [B, 11, 64] (null: forward only).
 */
export function embedBounds(
  p: FusionParams,
  x: FusionInputs,
  B: number,
  gInput: ArrayLike<number> | null,
  c: FusionCall = {},
): EmbedBounds {
  const D = FH_D;
  const L = FH_L;
  const Tt = p["token_type_embed"]!;
  const bq = tInputs(x.bandQ);
  const bm = tInputs(x.bandM);
  const bd = tInputs(x.driver);
  const pq = tLinear(bq, B, BAND, p["proj_q.weight"]!, 0, D, p["proj_q.bias"]!);
  const pm = tLinear(bm, B, BAND, p["proj_m.weight"]!, 0, D, p["proj_m.bias"]!);
  const pd = tLinear(bd, B, FH_OUT, p["proj_driver.weight"]!, 0, D, p["proj_driver.bias"]!);
  const tokens: T[] = new Array(B * L * D);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const type = t < FH_GRAPH ? 0 : t - 7;
      for (let j = 0; j < D; j++) {
        const raw = t < FH_GRAPH
          ? track.input(x.graph[(b * FH_GRAPH + t) * D + j]!)
          : [pq, pm, pd][t - FH_GRAPH]![b * D + j]!;
        tokens[(b * L + t) * D + j] = track.add(raw, track.input(Tt[type * D + j]!));
      }
    }
  }
  const ln = tLayerNorm(tokens, D, p["input_norm.weight"]!, p["input_norm.bias"]!, EPS);
  const tr = c.training ?? null;
  const noisy = tr !== null && !tr.frozenInput;
  let input: T[] = ln.y;
  let keep: Float64Array = new Float64Array(0);
  if (noisy) {
    keep = dropoutFactors(input.length, tr.p, hashU32(tr.seed, 0));
    const z = new Rng(hashU32(tr.seed, 1)).normals(input.length, 0.005);
    input = input.map((v, i) => track.add(scaleBy(v, keep[i]!), track.input(z[i]!)));
  }
  const none = new Float64Array(0);
  const fwd = { tokens: errs(tokens), input: errs(input) };
  if (gInput === null) {
    return { ...fwd, graph: none, bandQ: none, bandM: none, driver: none, params: {} };
  }
  const gi = tInputs(gInput);
  const gLn = noisy ? gi.map((v, i) => scaleBy(v, keep[i]!)) : gi;
  const lnb = tLayerNormBackward(ln, gLn, D, p["input_norm.weight"]!);
  const gTok = lnb.gx;
  const typeTerms: T[][] = Array.from({ length: 4 * D }, () => []);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const type = t < FH_GRAPH ? 0 : t - 7;
      for (let j = 0; j < D; j++) typeTerms[type * D + j]!.push(gTok[(b * L + t) * D + j]!);
    }
  }
  const gT = typeTerms.map((ts) => trackSum(ts, ts.length));
  const tokGrad = (t: number) =>
    Array.from({ length: B * D }, (_, i) => gTok[(Math.floor(i / D) * L + t) * D + (i % D)]!);
  const lq = tLinearBackward(bq, tokGrad(8), B, 1, BAND, p["proj_q.weight"]!, 0, D);
  const lm = tLinearBackward(bm, tokGrad(9), B, 1, BAND, p["proj_m.weight"]!, 0, D);
  const ld = tLinearBackward(bd, tokGrad(10), B, 1, FH_OUT, p["proj_driver.weight"]!, 0, D);
  const graph: T[] = [];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < FH_GRAPH; t++) {
      for (let j = 0; j < D; j++) graph.push(gTok[(b * L + t) * D + j]!);
    }
  }
  return {
    ...fwd,
    graph: errs(graph),
    bandQ: errs(lq.gx),
    bandM: errs(lm.gx),
    driver: errs(ld.gx),
    params: {
      token_type_embed: errs(gT),
      "proj_q.weight": errs(lq.gw),
      "proj_q.bias": errs(lq.gb),
      "proj_m.weight": errs(lm.gw),
      "proj_m.bias": errs(lm.gb),
      "proj_driver.weight": errs(ld.gw),
      "proj_driver.bias": errs(ld.gb),
      "input_norm.weight": errs(lnb.gg),
      "input_norm.bias": errs(lnb.gb),
    },
  };
}

/** Bounds of the pool stage. */
export interface PoolBounds {
  pool: Float64Array;
  pooled: Float64Array;
  out: Float64Array;
  enc: Float64Array;
  params: Record<string, Float64Array>;
}

/** Bounds of the pool stage on f32 enc [B, 11, 64] with output gradient gOut (null: forward). */
export function poolBounds(
  p: FusionParams,
  encIn: ArrayLike<number>,
  B: number,
  gOut: ArrayLike<number> | null,
): PoolBounds {
  const D = FH_D;
  const L = FH_L;
  const enc = tInputs(encIn);
  const q = p["pool_query"]!;
  const scale = track.input(0.125);
  const pool: T[] = new Array(B * L);
  const pooled: T[] = new Array(B * D);
  const terms: T[] = [];
  for (let b = 0; b < B; b++) {
    const s: T[] = [];
    for (let t = 0; t < L; t++) {
      terms.length = 0;
      for (let j = 0; j < D; j++) {
        terms.push(track.mul(enc[(b * L + t) * D + j]!, track.input(q[j]!)));
      }
      s.push(track.mul(trackSum(terms, D), scale));
    }
    // The computed max m̂ = M + δ shifts every exponent alike and cancels in e/Σe (see
    // spec/nn/multihead_attention/_bounds.ts); the slacks grow at most by e^me ≤ 1 + 2·me.
    const mv = Math.max(...s.map((v) => v.v));
    const me = Math.max(...s.map((v) => v.e));
    const e = s.map((sj) => shiftedExp(sj, mv, me));
    const tot = trackSum(e, L);
    for (let t = 0; t < L; t++) {
      const r = track.div(e[t]!, tot);
      pool[b * L + t] = { v: r.v, e: r.e * (1 + 2 * me) };
    }
    for (let j = 0; j < D; j++) {
      terms.length = 0;
      for (let t = 0; t < L; t++) {
        terms.push(track.mul(pool[b * L + t]!, enc[(b * L + t) * D + j]!));
      }
      pooled[b * D + j] = trackSum(terms, L);
    }
  }
  const out = tLinear(pooled, B, D, p["linear_out.weight"]!, 0, FH_OUT, p["linear_out.bias"]!);
  const fwd = { pool: errs(pool), pooled: errs(pooled), out: errs(out) };
  if (gOut === null) return { ...fwd, enc: new Float64Array(0), params: {} };
  const lo = tLinearBackward(pooled, tInputs(gOut), B, 1, D, p["linear_out.weight"]!, 0, FH_OUT);
  const gEnc: T[] = new Array(B * L * D);
  const gqTerms: T[][] = Array.from({ length: D }, () => []);
  for (let b = 0; b < B; b++) {
    const ga: T[] = [];
    for (let t = 0; t < L; t++) {
      terms.length = 0;
      for (let j = 0; j < D; j++) {
        terms.push(track.mul(lo.gx[b * D + j]!, enc[(b * L + t) * D + j]!));
      }
      ga.push(trackSum(terms, D));
    }
    const dot = trackSum(ga.map((v, t) => track.mul(v, pool[b * L + t]!)), L);
    for (let t = 0; t < L; t++) {
      const a = pool[b * L + t]!;
      const gs = track.mul(track.mul(a, track.sub(ga[t]!, dot)), scale);
      for (let j = 0; j < D; j++) {
        const k = (b * L + t) * D + j;
        const viaPool = trackSum([track.mul(a, lo.gx[b * D + j]!)], 1);
        const viaScore = trackSum([track.mul(gs, track.input(q[j]!))], 1);
        gEnc[k] = track.add(viaPool, viaScore);
        gqTerms[j]!.push(track.mul(enc[k]!, gs));
      }
    }
  }
  return {
    ...fwd,
    enc: errs(gEnc),
    params: {
      pool_query: errs(gqTerms.map((ts) => trackSum(ts, B * L))),
      "linear_out.weight": errs(lo.gw),
      "linear_out.bias": errs(lo.gb),
    },
  };
}
