/**
 * f64 oracle of Larkos 0.3's neuron-graph reasoner
 * (Okerew/larkos_models:modules/training.py `_NeuronGraphReasoner.forward_from_inputs`),
 * forward and analytic backward, in stages (the GPU parity claims compare stage by stage):
 *
 *   embed:  h⁰ = f·Pᵀ + p + E          (P [d, dNode], p [d], E [N, d] added to every batch)
 *   layer l: G = GAT_l(h, A, w)         (spec/oracle/larkos/gat_layer.ts)
 *            h ← LN_l(h + ELU(G))       (LayerNorm over d, biased variance, eps 1e-5)
 *
 * Backward of L = Σ gOut·out: the mix stage r = h + ELU(G), y = LN(r) gives
 * ∂r = LN'(∂y), ∂h = ∂r, ∂G = ∂r·ELU'(G) with ELU'(x) = 1 for x > 0 and eˣ for x ≤ 0
 * (torch's and the GPU op's side at 0); the GAT's own backward gives ∂h += ∂h_GAT and its
 * parameter gradients; the embed stage gives ∂P = Σ ∂h⁰ ⊗ f, ∂p = Σ ∂h⁰, ∂E = Σ_batch ∂h⁰,
 * ∂f = ∂h⁰·P.
 *
 * @module
 */
import { LAYER_NORM_ORACLE } from "../layer_norm.ts";
import { type GatEdges, type GatGeometry, gatLayerBackward, gatLayerForward } from "./gat_layer.ts";

/** Sizes of the reasoner (the original: dNode 8, nodes 8, d 64, heads 2, layers 2). */
export interface NgrGeometry {
  batch: number;
  nodes: number;
  dNode: number;
  d: number;
  heads: number;
  layers: number;
  eps: number;
}

/** The original's sizes with batch 1. */
export const NGR_GEOMETRY: NgrGeometry = {
  batch: 1,
  nodes: 8,
  dNode: 8,
  d: 64,
  heads: 2,
  layers: 2,
  eps: 1e-5,
};

/** Parameters by (torch-style) state-dict name, f64 row-major. */
export type NgrParams = Record<string, Float64Array>;

/** The parameter names of a reasoner with `layers` layers, in state-dict order. */
export function ngrParamNames(layers: number): string[] {
  const names = ["input_proj.weight", "input_proj.bias", "node_embed"];
  for (let l = 0; l < layers; l++) {
    names.push(`gat_layers.${l}.W.weight`, `gat_layers.${l}.a_src`, `gat_layers.${l}.a_dst`);
  }
  for (let l = 0; l < layers; l++) names.push(`norms.${l}.weight`, `norms.${l}.bias`);
  return names;
}

/** Each parameter's shape. */
export function ngrParamShapes(g: NgrGeometry): Record<string, number[]> {
  const s: Record<string, number[]> = {
    "input_proj.weight": [g.d, g.dNode],
    "input_proj.bias": [g.d],
    node_embed: [g.nodes, g.d],
  };
  for (let l = 0; l < g.layers; l++) {
    s[`gat_layers.${l}.W.weight`] = [g.d, g.d];
    s[`gat_layers.${l}.a_src`] = [g.heads, g.d / g.heads];
    s[`gat_layers.${l}.a_dst`] = [g.heads, g.d / g.heads];
    s[`norms.${l}.weight`] = [g.d];
    s[`norms.${l}.bias`] = [g.d];
  }
  return s;
}

const gatGeo = (g: NgrGeometry): GatGeometry => ({ dIn: g.d, dOut: g.d, heads: g.heads });

const gatParams = (p: NgrParams, l: number) => ({
  "W.weight": p[`gat_layers.${l}.W.weight`]!,
  a_src: p[`gat_layers.${l}.a_src`]!,
  a_dst: p[`gat_layers.${l}.a_dst`]!,
});

/** h⁰ = f·Pᵀ + p + E, [B, N, d]. */
export function embedForward(g: NgrGeometry, p: NgrParams, f: ArrayLike<number>): Float64Array {
  const { batch: B, nodes: N, dNode: k, d } = g;
  const P = p["input_proj.weight"]!;
  const bias = p["input_proj.bias"]!;
  const E = p["node_embed"]!;
  const h = new Float64Array(B * N * d);
  for (let r = 0; r < B * N; r++) {
    const i = r % N;
    for (let o = 0; o < d; o++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += f[r * k + c]! * P[o * k + c]!;
      h[r * d + o] = s + bias[o]! + E[i * d + o]!;
    }
  }
  return h;
}

/** Gradients of the embed stage given ∂h⁰. */
export function embedBackward(
  g: NgrGeometry,
  p: NgrParams,
  f: ArrayLike<number>,
  gh: ArrayLike<number>,
): {
  features: Float64Array;
  "input_proj.weight": Float64Array;
  "input_proj.bias": Float64Array;
  node_embed: Float64Array;
} {
  const { batch: B, nodes: N, dNode: k, d } = g;
  const P = p["input_proj.weight"]!;
  const gf = new Float64Array(B * N * k);
  const gP = new Float64Array(d * k);
  const gb = new Float64Array(d);
  const gE = new Float64Array(N * d);
  for (let r = 0; r < B * N; r++) {
    const i = r % N;
    for (let o = 0; o < d; o++) {
      const v = gh[r * d + o]!;
      gb[o] = gb[o]! + v;
      gE[i * d + o] = gE[i * d + o]! + v;
      for (let c = 0; c < k; c++) {
        gP[o * k + c] = gP[o * k + c]! + v * f[r * k + c]!;
        gf[r * k + c] = gf[r * k + c]! + v * P[o * k + c]!;
      }
    }
  }
  return { features: gf, "input_proj.weight": gP, "input_proj.bias": gb, node_embed: gE };
}

/** ELU with α = 1. */
export function eluF64(x: number): number {
  return x > 0 ? x : Math.expm1(x);
}

/** ELU's derivative: 1 for x > 0, eˣ for x ≤ 0. */
export function eluGradF64(x: number): number {
  return x > 0 ? 1 : Math.exp(x);
}

/** The mix stage LN(h + ELU(G)) over rows of width d. */
export function mixForward(
  d: number,
  h: ArrayLike<number>,
  G: ArrayLike<number>,
  gamma: Float64Array,
  beta: Float64Array,
  eps: number,
): Float64Array {
  const r = Float64Array.from(h, (v, i) => v + eluF64(G[i]!));
  const shape = [r.length / d, d];
  return LAYER_NORM_ORACLE.forward(
    [{ shape, data: r }, { shape: [d], data: gamma }, { shape: [d], data: beta }],
    { eps },
  ).data as Float64Array;
}

/** Gradients of the mix stage given ∂y. */
export function mixBackward(
  d: number,
  h: ArrayLike<number>,
  G: ArrayLike<number>,
  gamma: Float64Array,
  beta: Float64Array,
  eps: number,
  gy: ArrayLike<number>,
): { h: Float64Array; G: Float64Array; gamma: Float64Array; beta: Float64Array } {
  const r = Float64Array.from(h, (v, i) => v + eluF64(G[i]!));
  const shape = [r.length / d, d];
  const [gr, gg, gb] = LAYER_NORM_ORACLE.backward(
    [{ shape, data: r }, { shape: [d], data: gamma }, { shape: [d], data: beta }],
    { eps },
    { shape, data: Float64Array.from(gy) },
  );
  const grd = gr!.data as Float64Array;
  return {
    h: Float64Array.from(grd),
    G: Float64Array.from(grd, (v, i) => v * eluGradF64(G[i]!)),
    gamma: gg!.data as Float64Array,
    beta: gb!.data as Float64Array,
  };
}

/** Forward values of every stage. */
export interface NgrForward {
  /** h⁰, h¹, …, h^layers, each [B, N, d]; the last is the output. */
  h: Float64Array[];
  /** GAT outputs per layer, [B, N, d]. */
  gat: Float64Array[];
  /** Attention per layer, [B, H, N, N]. */
  attention: Float64Array[];
  out: Float64Array;
}

/** Forward of the reasoner on features f [B, N, dNode]. */
export function ngrForward(
  g: NgrGeometry,
  p: NgrParams,
  f: ArrayLike<number>,
  edges: GatEdges,
): NgrForward {
  const h = [embedForward(g, p, f)];
  const gat: Float64Array[] = [];
  const attention: Float64Array[] = [];
  for (let l = 0; l < g.layers; l++) {
    const r = gatLayerForward(gatParams(p, l), h[l]!, g.batch, g.nodes, edges, gatGeo(g));
    gat.push(r.out);
    attention.push(r.attention);
    h.push(mixForward(g.d, h[l]!, r.out, p[`norms.${l}.weight`]!, p[`norms.${l}.bias`]!, g.eps));
  }
  return { h, gat, attention, out: h[g.layers]! };
}

/** Gradients of L = Σ gOut·out: the features and every parameter by name. */
export function ngrBackward(
  g: NgrGeometry,
  p: NgrParams,
  f: ArrayLike<number>,
  edges: GatEdges,
  gOut: ArrayLike<number>,
): { features: Float64Array; params: NgrParams } {
  const fw = ngrForward(g, p, f, edges);
  const params: NgrParams = {};
  let gh = Float64Array.from(gOut);
  for (let l = g.layers - 1; l >= 0; l--) {
    const m = mixBackward(
      g.d,
      fw.h[l]!,
      fw.gat[l]!,
      p[`norms.${l}.weight`]!,
      p[`norms.${l}.bias`]!,
      g.eps,
      gh,
    );
    params[`norms.${l}.weight`] = m.gamma;
    params[`norms.${l}.bias`] = m.beta;
    const a = gatLayerBackward(gatParams(p, l), fw.h[l]!, g.batch, g.nodes, edges, gatGeo(g), m.G);
    params[`gat_layers.${l}.W.weight`] = a["W.weight"];
    params[`gat_layers.${l}.a_src`] = a.a_src;
    params[`gat_layers.${l}.a_dst`] = a.a_dst;
    gh = Float64Array.from(m.h, (v, i) => v + a.h[i]!);
  }
  const e = embedBackward(g, p, f, gh);
  params["input_proj.weight"] = e["input_proj.weight"];
  params["input_proj.bias"] = e["input_proj.bias"];
  params["node_embed"] = e.node_embed;
  const ordered: NgrParams = {};
  for (const n of ngrParamNames(g.layers)) ordered[n] = params[n]!;
  return { features: e.features, params: ordered };
}
