/**
 * Cases of the neuron-graph reasoner and their staged run on the GPU: each
 * stage (embed, GAT l, mix l) runs from leaves holding the f32 values the GPU
 * produced upstream, and its backward from the f32 gradient the GPU produced
 * downstream, so each stage is compared with its f64 oracle stage under bounds
 * derived on exact inputs (./_bounds.ts, spec/larkos/gat_layer/_bounds.ts).
 * The module's own forward equals this chain bit for bit (claim
 * property_composition).
 *
 * @module
 */
import fc from "fast-check";
import {
  add,
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "../../../impl/mod.ts";
import type { GraphEdges } from "../../../impl/larkos/gat_layer/gat_layer.ts";
import {
  GraphInputBuilder,
  NeuronGraphReasoner,
  type NeuronMap,
} from "../../../impl/larkos/neuron_graph_reasoner/neuron_graph_reasoner.ts";
import { copyTensor } from "../../../impl/nn/multihead_attention/multihead_attention.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import { gatLayerBackward, gatLayerForward } from "../../oracle/larkos/gat_layer.ts";
import {
  embedBackward,
  embedForward,
  mixBackward,
  mixForward,
  NGR_GEOMETRY,
  type NgrGeometry,
  ngrParamNames,
  type NgrParams,
  ngrParamShapes,
} from "../../oracle/larkos/neuron_graph_reasoner.ts";
import { gatBounds } from "../gat_layer/_bounds.ts";
import { embedBounds, mixBounds, sumBound } from "./_bounds.ts";

/** One case: geometry, f32 parameters and features (as f64 arrays), edges, output gradient. */
export interface NgrCase {
  g: NgrGeometry;
  params: NgrParams;
  /** [B, 8, 8]. */
  features: Float64Array;
  edges: GraphEdges;
  /** [B, 8, 64]. */
  gOut: Float64Array;
  label: string;
}

/** A seeded neuron map: random states, outputs, layers and connection lists (invalid targets too). */
export function makeNeuronMap(seed: number, present = 0.85): NeuronMap {
  const u = caseValues(seed * 13 + 1, 8 * 24, 0, 1);
  const map: Record<string, NeuronMap[string]> = {};
  for (let i = 0; i < 8; i++) {
    const r = (k: number) => u[i * 24 + k]!;
    if (r(0) > present) continue;
    const len = Math.floor(r(1) * 8);
    const connections = Array.from({ length: len }, (_, k) => Math.floor(r(2 + k) * 11) - 1);
    const nw = Math.floor(r(10) * (len + 1));
    const weights = Array.from({ length: nw }, (_, k) => Math.fround((r(11 + k) * 2 - 1) * 2));
    map[`neuron_${i}`] = {
      state: Math.fround(r(19) * 2 - 1),
      output: Math.fround(r(20) * 2 - 1),
      layerId: Math.floor(r(21) * 3),
      numConnections: Math.floor(r(22) * 8),
      connections,
      weights,
    };
  }
  return map;
}

/** Seeded f32 parameters with torch-like scales; LayerNorm near 1 and 0; E of scale `embed`. */
export function makeParams(g: NgrGeometry, seed: number, embed = 0.02): NgrParams {
  const shapes = ngrParamShapes(g);
  const p: NgrParams = {};
  ngrParamNames(g.layers).forEach((n, k) => {
    const size = shapes[n]!.reduce((a, b) => a * b, 1);
    const s = seed * 41 + k;
    let lo = -1;
    let hi = 1;
    if (n === "input_proj.weight" || n === "input_proj.bias") hi = 1 / Math.sqrt(g.dNode);
    else if (n === "node_embed") hi = embed * Math.sqrt(3);
    else if (n.endsWith("W.weight")) hi = 1 / Math.sqrt(g.d);
    else if (n.endsWith("a_src") || n.endsWith("a_dst")) hi = Math.sqrt(3 / (g.d / g.heads));
    else if (n.endsWith(".bias")) hi = 0.2;
    lo = -hi;
    p[n] = n.startsWith("norms.") && n.endsWith(".weight")
      ? caseValues(s, size, 0.8, 1.2)
      : caseValues(s, size, lo, hi);
  });
  return p;
}

/** A seeded case: features from two builds of seeded maps (so the velocity is live). */
export function makeCase(
  seed: number,
  opts: { batch?: number; embed?: number; present?: number } = {},
): NgrCase {
  const B = opts.batch ?? 1;
  const g: NgrGeometry = { ...NGR_GEOMETRY, batch: B };
  const builder = new GraphInputBuilder();
  builder.build(makeNeuronMap(seed + 1000, opts.present));
  const first = builder.build(makeNeuronMap(seed, opts.present));
  const features = new Float64Array(B * 64);
  features.set(first.features, 0);
  for (let b = 1; b < B; b++) {
    features.set(builder.build(makeNeuronMap(seed + b * 7)).features, b * 64);
  }
  return {
    g,
    params: makeParams(g, seed, opts.embed ?? 0.02),
    features,
    edges: first.edges,
    gOut: caseValues(seed ^ 0x2545f491, B * 8 * 64, -1, 1),
    label: `seed ${seed} B=${B}${opts.embed ? ` E scale ${opts.embed}` : ""}`,
  };
}

/**
 * The fuzz arbitrary: seeded neuron maps (presence, connection lists with invalid targets,
 * layers), batch 1–3, per-neuron embedding scale 0.02 (init) to 1, seeded parameters.
 */
export const ngrArbitrary: fc.Arbitrary<NgrCase> = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 24 }),
    batch: fc.constantFrom(1, 1, 2, 3),
    embed: fc.constantFrom(0.02, 0.2, 1),
    present: fc.constantFrom(0.2, 0.6, 0.85, 1),
  })
  .map((r) => makeCase(r.seed, { batch: r.batch, embed: r.embed, present: r.present }));

/** A module holding a case's parameters. */
export function moduleOf(c: NgrCase): NeuronGraphReasoner {
  return new NeuronGraphReasoner({ weights: c.params });
}

/** What the staged GPU run returns (all f32, read in one sync). */
export interface StagedResult {
  /** h⁰ … h^L (the last is the output). */
  h: Float32Array[];
  /** GAT outputs and attention per layer. */
  gat: Float32Array[];
  attention: Float32Array[];
  /** Per layer: ∂G (into the GAT's backward), ∂h from the GAT, ∂h from the residual, their sum. */
  gG: Float32Array[];
  ghGat: Float32Array[];
  ghMix: Float32Array[];
  ghSum: Float32Array[];
  /** ∂features. */
  gFeatures: Float32Array;
  /** Parameter gradients by name. */
  grads: Record<string, Float32Array>;
}

/**
 * Runs a case stage by stage on `model` (the case's parameters): forward through leaves, then
 * the backward stage by stage from gOut; one sync. Parameter gradients are left on the model.
 */
export async function runStaged(model: NeuronGraphReasoner, c: NgrCase): Promise<StagedResult> {
  await initGpu();
  const L = c.g.layers;
  const B = c.g.batch;
  const x = tensor(c.features, [B, 8, 8], { requiresGrad: true });
  const held: Tensor[] = [];
  const leaf = (t: Tensor) => {
    const l = copyTensor(t, true);
    held.push(l);
    return l;
  };
  const { read } = tidy(() => {
    const hs: Tensor[] = [model.embed(x)];
    const gats: Tensor[] = [];
    const atts: Tensor[] = [];
    const ha: Tensor[] = [];
    const hb: Tensor[] = [];
    const gl: Tensor[] = [];
    for (let l = 0; l < L; l++) {
      ha.push(leaf(hs[l]!));
      hb.push(leaf(hs[l]!));
      const r = model.gat(l, ha[l]!, c.edges);
      gats.push(r.out);
      atts.push(r.attention);
      gl.push(leaf(r.out));
      hs.push(model.mix(l, hb[l]!, gl[l]!));
    }
    backward(hs[L]!, tensor(c.gOut, [B, 8, 64]));
    const sums: Tensor[] = [];
    // A leaf no op used gets no gradient: read it as zeros (a broken stage then shows as a
    // mismatch, not as a crash of the harness).
    const gradOf = (t: Tensor) => {
      t.grad ??= zeros(t.shape);
      return t.grad;
    };
    for (let l = L - 1; l >= 0; l--) {
      backward(gats[l]!, gradOf(gl[l]!));
      const s = add(gradOf(ha[l]!), gradOf(hb[l]!));
      sums[l] = s;
      backward(hs[l]!, s);
    }
    const read = [
      ...hs,
      ...gats,
      ...atts,
      ...gl.map(gradOf),
      ...ha.map(gradOf),
      ...hb.map(gradOf),
      ...sums,
      x.grad!,
      ...model.parameters().map((p) => p.grad!),
    ];
    // The leaves are returned too: disposing one would dispose its gradient.
    return { read, held };
  });
  let v: Float32Array[];
  try {
    v = (await readTensors(read)) as Float32Array[];
  } finally {
    for (const t of read) t.dispose();
    for (const t of held) t.dispose();
    x.dispose();
  }
  let k = 0;
  const take = (n: number) => v.slice(k, k += n);
  const h = take(L + 1);
  const gat = take(L);
  const attention = take(L);
  const gG = take(L);
  const ghGat = take(L);
  const ghMix = take(L);
  const ghSum = take(L);
  const [gFeatures] = take(1);
  const grads = Object.fromEntries(model.namedParameters().map(([n], i) => [n, v[k + i]!]));
  return { h, gat, attention, gG, ghGat, ghMix, ghSum, gFeatures: gFeatures!, grads };
}

/** One compared array: `out…` forward, `grad…` gradient (spec/nn/_gpu_parity.ts convention). */
export interface NgrCompared {
  name: string;
  verdict: CloseVerdict;
}

const gatP = (p: NgrParams, l: number) => ({
  "W.weight": p[`gat_layers.${l}.W.weight`]!,
  a_src: p[`gat_layers.${l}.a_src`]!,
  a_dst: p[`gat_layers.${l}.a_dst`]!,
});

/** Compares every stage of a staged GPU run with its oracle stage under its derived bound. */
export function compareStaged(c: NgrCase, r: StagedResult): NgrCompared[] {
  const g = c.g;
  const { batch: B, nodes: N, d, layers: L } = g;
  const geo = { dIn: d, dOut: d, heads: g.heads };
  const out: NgrCompared[] = [];
  const cmp = (
    name: string,
    got: ArrayLike<number>,
    want: ArrayLike<number>,
    atol: ArrayLike<number>,
  ) => out.push({ name, verdict: checkClose(got, want, { atol }) });
  // Embed stage: from the features, with the GPU's ∂h⁰.
  const eb = embedBounds(g, c.params, c.features, r.ghSum[0]!);
  cmp("out h0 (embed)", r.h[0]!, embedForward(g, c.params, c.features), eb.out);
  const eo = embedBackward(g, c.params, c.features, r.ghSum[0]!);
  cmp("grad features", r.gFeatures, eo.features, eb.features);
  for (const n of ["input_proj.weight", "input_proj.bias", "node_embed"] as const) {
    cmp(`grad ${n}`, r.grads[n]!, eo[n], eb[n]);
  }
  for (let l = 0; l < L; l++) {
    const h = r.h[l]!;
    const gp = gatP(c.params, l);
    // GAT stage l: from the GPU's h^l, with the GPU's ∂G.
    const gb = gatBounds(gp, h, B, N, c.edges, geo, r.gG[l]!);
    const gf = gatLayerForward(gp, h, B, N, c.edges, geo);
    cmp(`out gat ${l}`, r.gat[l]!, gf.out, gb.out);
    cmp(`out attention ${l}`, r.attention[l]!, gf.attention, gb.attention);
    const go = gatLayerBackward(gp, h, B, N, c.edges, geo, r.gG[l]!);
    cmp(`grad h${l} via gat ${l}`, r.ghGat[l]!, go.h, gb.h);
    for (const n of ["W.weight", "a_src", "a_dst"] as const) {
      cmp(`grad gat_layers.${l}.${n}`, r.grads[`gat_layers.${l}.${n}`]!, go[n], gb[n]);
    }
    // Mix stage l: from the GPU's h^l and G, with the GPU's ∂h^{l+1}.
    const gy = l === L - 1 ? c.gOut : r.ghSum[l + 1]!;
    const gamma = c.params[`norms.${l}.weight`]!;
    const beta = c.params[`norms.${l}.bias`]!;
    const G = r.gat[l]!;
    const mb = mixBounds(d, h, G, gamma, beta, g.eps, gy);
    cmp(`out h${l + 1} (mix ${l})`, r.h[l + 1]!, mixForward(d, h, G, gamma, beta, g.eps), mb.out);
    const mo = mixBackward(d, h, G, gamma, beta, g.eps, gy);
    cmp(`grad h${l} via residual ${l}`, r.ghMix[l]!, mo.h, mb.h);
    cmp(`grad G${l}`, r.gG[l]!, mo.G, mb.G);
    cmp(`grad norms.${l}.weight`, r.grads[`norms.${l}.weight`]!, mo.gamma, mb.gamma);
    cmp(`grad norms.${l}.bias`, r.grads[`norms.${l}.bias`]!, mo.beta, mb.beta);
    // The two gradients of h^l summed: one rounding.
    const a = r.ghGat[l]!;
    const b = r.ghMix[l]!;
    cmp(`grad h${l} (sum)`, r.ghSum[l]!, Float64Array.from(a, (v, i) => v + b[i]!), sumBound(a, b));
  }
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** Runs a case on a fresh module, compares, releases; throws on a leaked buffer. */
export async function checkNgrCase(c: NgrCase): Promise<NgrCompared[]> {
  await initGpu();
  const before = liveBufferCount();
  const model = moduleOf(c);
  let r: StagedResult;
  try {
    r = await runStaged(model, c);
  } finally {
    model.dispose();
  }
  if (liveBufferCount() !== before) {
    throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
  }
  return compareStaged(c, r);
}

/** One line for a comparison. */
export function describeNgrCompared(c: NgrCase, r: NgrCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}
