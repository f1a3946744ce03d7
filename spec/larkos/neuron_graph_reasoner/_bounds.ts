/**
 * Derived per-element bounds of the neuron-graph reasoner's GPU stages on
 * their f32 inputs (running error analysis, invariants/tolerance.ts): the GPU
 * parity claims compare stage by stage, each stage run from the f32 values the
 * GPU itself produced upstream, so every bound starts from exact inputs and
 * no bound compounds through the LayerNorms.
 *
 * - embed: y = f·Pᵀ (matmul, path dNode) + p + E (two rounded adds);
 *   backward ∂f = ∂y·P (path d), ∂P = Σ_rows ∂y ⊗ f (path rows + B),
 *   ∂p = Σ_rows ∂y (path rows + 1), ∂E = Σ_batch ∂y (path B);
 * - the GAT layer: spec/larkos/gat_layer/_bounds.ts `gatBounds`;
 * - mix: r = h + ELU(G) with the op's elu_neg (degree-5 Taylor polynomial above
 *   −0.0625, exp(x) − 1 below; impl/ops/kernels/elementwise.ts), then LayerNorm
 *   (impl/ops/kernels/layer_norm.ts; `tLayerNorm` of spec/nn/transformer_encoder/_bounds.ts:
 *   μ = Σx·f32(1/d), c = x − μ, σ² = Σc²·f32(1/d),
 *   r = inverseSqrt(σ² + f32(eps)), y = (c·r)·γ + β; backward h = g·γ,
 *   a = Σh·f32(1/d), b = Σh·x̂·f32(1/d), gx = r·((h − a) − x̂·b), ∂γ = Σ_rows g·x̂,
 *   ∂β = Σ_rows g); ∂G = ∂r·exp(G) for G ≤ 0 (one product and exp's 3 + 2|x| ulp),
 *   ∂r itself for G > 0, ∂h = ∂r;
 * - the sum of the two gradients of h (from the GAT and the residual): one rounding.
 *
 * Every sum uses its order-free path length (its number of terms).
 *
 * @module
 */
import { track, trackBuiltins, type Tracked, trackSum } from "../../../invariants/tolerance.ts";
import { ELU_SERIES_ABOVE } from "../../../impl/ops/kernels/elementwise.ts";
import { errs, tInputs, tLinear, tLinearBackward } from "../../nn/multihead_attention/_bounds.ts";
import { tLayerNorm, tLayerNormBackward } from "../../nn/transformer_encoder/_bounds.ts";
import type { NgrGeometry } from "../../oracle/larkos/neuron_graph_reasoner.ts";

type T = Tracked;

/** Bounds of the embed stage: output and gradients. */
export interface EmbedBounds {
  out: Float64Array;
  features: Float64Array;
  "input_proj.weight": Float64Array;
  "input_proj.bias": Float64Array;
  node_embed: Float64Array;
}

/** Bounds of the embed stage on f32 features f, parameters and incoming gradient gy. */
export function embedBounds(
  g: NgrGeometry,
  p: Record<string, ArrayLike<number>>,
  f: ArrayLike<number>,
  gy: ArrayLike<number>,
): EmbedBounds {
  const { batch: B, nodes: N, dNode: k, d } = g;
  const fT = tInputs(f);
  const lin = tLinear(fT, B * N, k, p["input_proj.weight"]!, 0, d, p["input_proj.bias"]!);
  const E = p["node_embed"]!;
  const out = lin.map((v, i) =>
    track.add(v, track.input(E[(Math.floor(i / d) % N) * d + (i % d)]!))
  );
  const gT = tInputs(gy);
  const back = tLinearBackward(fT, gT, B * N, B, k, p["input_proj.weight"]!, 0, d);
  const gE: T[] = [];
  for (let i = 0; i < N * d; i++) {
    gE.push(trackSum(Array.from({ length: B }, (_, b) => gT[b * N * d + i]!), B));
  }
  return {
    out: errs(out),
    features: errs(back.gx),
    "input_proj.weight": errs(back.gw),
    "input_proj.bias": errs(back.gb),
    node_embed: errs(gE),
  };
}

const ONE = trackBuiltins.literal(1);
const HALF = trackBuiltins.literal(0.5);
const ELU_C = [1 / 6, 1 / 24, 1 / 120].map((c) => trackBuiltins.literal(c));

/** The op's ELU (α = 1) on an exact f32 input: x, or elu_neg(x) for x ≤ 0. */
export function tElu(x: number): T {
  const xa = track.input(x);
  if (x > 0) return xa;
  if (x > ELU_SERIES_ABOVE) {
    // x * (1 + x * (0.5 + x * (1/6 + x * (1/24 + x * 1/120)))); `against` adds the truncation.
    const inner = track.add(ELU_C[1]!, track.mul(xa, ELU_C[2]!));
    const poly = track.mul(
      xa,
      track.add(
        ONE,
        track.mul(xa, track.add(HALF, track.mul(xa, track.add(ELU_C[0]!, track.mul(xa, inner))))),
      ),
    );
    return trackBuiltins.against(poly, Math.expm1(x));
  }
  return trackBuiltins.against(track.sub(trackBuiltins.exp(xa), ONE), Math.expm1(x));
}

/** Bounds of the mix stage LN(h + ELU(G)): output and gradients. */
export interface MixBounds {
  out: Float64Array;
  h: Float64Array;
  G: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
}

/** Bounds of the mix stage on f32 h, G, γ, β and incoming gradient gy. */
export function mixBounds(
  d: number,
  h: ArrayLike<number>,
  G: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  eps: number,
  gy: ArrayLike<number>,
): MixBounds {
  const r = Array.from(h, (v, i) => track.add(track.input(v), tElu(G[i]!)));
  const ln = tLayerNorm(r, d, gamma, beta, eps);
  const back = tLayerNormBackward(ln, tInputs(gy), d, gamma);
  const gG = back.gx.map((g, i) => {
    const x = G[i]!;
    return x > 0 ? g : track.mul(g, trackBuiltins.exp(track.input(x)));
  });
  return {
    out: errs(ln.y),
    h: errs(back.gx),
    G: errs(gG),
    gamma: errs(back.gg),
    beta: errs(back.gb),
  };
}

/** Bound of fl(a + b) against a + b for f32 a, b: one rounding. */
export function sumBound(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from(a, (v, i) => track.add(track.input(v), track.input(b[i]!)).e);
}
