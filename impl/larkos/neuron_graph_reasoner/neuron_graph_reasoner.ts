/**
 * Larkos 0.3's neuron-graph reasoner
 * (Okerew/larkos_models:modules/training.py `_NeuronGraphReasoner`): per-neuron
 * token embeddings [B, 8, 64] from the neuron graph's node features [B, 8, 8]
 * (built on the host by {@link GraphInputBuilder}) and its edges:
 *
 *   h⁰ = Linear(8 → 64)(f) + E          (E [8, 64] ~ N(0, 0.02²): a learned per-neuron embedding)
 *   for l = 0, 1:  h ← LayerNorm₆₄(h + ELU(GAT_l(h, A, w)))
 *
 * with GAT_l = {@link GATLayer}(64, 64, 2 heads). 9,792 parameters: the
 * Linear 576, E 512, each GAT layer 4,224, each LayerNorm 128. Every step is
 * an op with autograd (matmul, add, the GAT's fused core, elu, layerNorm), so
 * a training step back-propagates through all of it.
 *
 * The stages are public ({@link NeuronGraphReasoner.embed},
 * {@link NeuronGraphReasoner.gat}, {@link NeuronGraphReasoner.mix}):
 * `forward` is exactly their composition.
 *
 * Parameter names: the original's published description of this module lists no
 * state-dict names, so memspec uses torch-style names for the module as written:
 * `input_proj.weight`, `input_proj.bias`, `node_embed`, `gat_layers.<l>.W.weight`,
 * `gat_layers.<l>.a_src`, `gat_layers.<l>.a_dst`, `norms.<l>.weight`, `norms.<l>.bias`.
 *
 * @example Build inputs from a neuron map and run the reasoner
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { GraphInputBuilder, NeuronGraphReasoner } from "./neuron_graph_reasoner.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const { features, edges } = new GraphInputBuilder().build({
 *   neuron_0: { state: 0.3, output: 0.1, layerId: 0, numConnections: 1, connections: [4], weights: [0.5] },
 * });
 * const model = new NeuronGraphReasoner({ seed: 1 });
 * const y = tidy(() => model.forward(tensor(features, [1, 8, 8]), edges));
 * deepStrictEqual(y.shape, [1, 8, 64]);
 * y.dispose();
 * model.dispose();
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { add } from "../../ops/binary.ts";
import { layerNorm } from "../../ops/layer_norm.ts";
import { matmul } from "../../ops/matmul.ts";
import { elu } from "../../ops/unary.ts";
import { assertDType, formatShape, Tensor, tensor } from "../../tensor.ts";
import { checkBool, checkInt, checkTensor } from "../../validate.ts";
import { LARKOS } from "../config.ts";
import { checkGraphEdges, GATLayer, type GraphEdges } from "../gat_layer/gat_layer.ts";

export {
  checkNeuronMap,
  GraphInputBuilder,
  type GraphInputs,
  type GraphInputStats,
  type NeuronMap,
  type NeuronState,
  NODE_FEATURES,
  usableSlots,
} from "./graph_inputs.ts";

const OP = "NeuronGraphReasoner.forward";
const N = LARKOS.MAX_NEURONS;
const D_NODE = LARKOS.D_NODE;
const D = LARKOS.FUSE_GRAPH_DMODEL;
const HEADS = LARKOS.GAT_HEADS;
const LAYERS = LARKOS.GAT_LAYERS;

/** LayerNorm eps (torch's default). */
export const REASONER_LN_EPS = 1e-5;

/** The per-neuron embedding's init scale, N(0, 0.02²). */
export const NODE_EMBED_STD = 0.02;

/** The state-dict names, in order. */
export const REASONER_PARAMETER_NAMES: readonly string[] = Object.freeze([
  "input_proj.weight",
  "input_proj.bias",
  "node_embed",
  ...Array.from({ length: LAYERS }, (_, l) => [
    `gat_layers.${l}.W.weight`,
    `gat_layers.${l}.a_src`,
    `gat_layers.${l}.a_dst`,
  ]).flat(),
  ...Array.from({ length: LAYERS }, (_, l) => [`norms.${l}.weight`, `norms.${l}.bias`]).flat(),
]);

/** Options of {@link NeuronGraphReasoner}. */
export interface NeuronGraphReasonerOptions {
  /** Seeds the initial parameters (memspec's Rng); default 0. Ignored with `weights`. */
  seed?: number;
  /** Every parameter by state-dict name ({@link REASONER_PARAMETER_NAMES}), host arrays. */
  weights?: Readonly<Record<string, ArrayLike<number>>>;
}

/** Forward values of every stage (see {@link NeuronGraphReasoner.forwardWithIntermediates}). */
export interface ReasonerIntermediates {
  /** The output h², [B, 8, 64]. */
  out: Tensor;
  /** h⁰, h¹ (h² is `out`). */
  h: Tensor[];
  /** Each layer's GAT output, [B, 8, 64]. */
  gat: Tensor[];
  /** Each layer's attention, [B, 2, 8, 8] (no gradient). */
  attention: Tensor[];
}

function shapes(): Record<string, number[]> {
  const s: Record<string, number[]> = {
    "input_proj.weight": [D, D_NODE],
    "input_proj.bias": [D],
    node_embed: [N, D],
  };
  for (let l = 0; l < LAYERS; l++) {
    s[`gat_layers.${l}.W.weight`] = [D, D];
    s[`gat_layers.${l}.a_src`] = [HEADS, D / HEADS];
    s[`gat_layers.${l}.a_dst`] = [HEADS, D / HEADS];
    s[`norms.${l}.weight`] = [D];
    s[`norms.${l}.bias`] = [D];
  }
  return s;
}

function checkWeights(w: Readonly<Record<string, ArrayLike<number>>>): void {
  const op = "Cannot create NeuronGraphReasoner";
  if (typeof w !== "object" || w === null) {
    throw new TypeError(`${op}: expected weights by state-dict name but got ${String(w)}`);
  }
  const sh = shapes();
  for (const k of Object.keys(w)) {
    if (!(k in sh)) {
      throw new TypeError(
        `${op}: unknown parameter "${k}"; expected ${REASONER_PARAMETER_NAMES.join(", ")}`,
      );
    }
  }
  for (const name of REASONER_PARAMETER_NAMES) {
    const n = sh[name]!.reduce((a, b) => a * b, 1);
    const v = w[name];
    if (v === undefined || v === null || typeof v.length !== "number" || v.length !== n) {
      throw new TypeError(
        `${op}: expected weights["${name}"] of ${n} values (shape ${formatShape(sh[name]!)}) ` +
          `but got ${v === undefined || v === null ? "none" : v.length}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(v[i]!)) {
        throw new TypeError(`${op}: expected finite weights["${name}"] but got ${v[i]} at ${i}`);
      }
    }
  }
}

/**
 * `_NeuronGraphReasoner` on the GPU: the input projection, the per-neuron
 * embedding, two residual GAT + ELU + LayerNorm layers. Initialised like torch
 * (Linear U(±1/√8), E ~ N(0, 0.02²), GAT as {@link GATLayer}, LayerNorm ones and
 * zeros) from memspec's seeded Rng, or from explicit weights.
 *
 * @example 9,792 parameters under torch-style names
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { NeuronGraphReasoner } from "./neuron_graph_reasoner.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const m = new NeuronGraphReasoner({ seed: 2 });
 * strictEqual(m.parameters().reduce((s, p) => s + p.size, 0), 9792);
 * strictEqual(m.namedParameters()[3]![0], "gat_layers.0.W.weight");
 * m.dispose();
 * ```
 */
export class NeuronGraphReasoner {
  /** Nodes (MAX_NEURONS). */
  readonly nodes: number = N;
  /** Node feature width (D_NODE). */
  readonly dNode: number = D_NODE;
  /** Token width (FUSE_GRAPH_DMODEL). */
  readonly dModel: number = D;
  /** Linear(8 → 64) weight [64, 8]. */
  readonly inputProjWeight: Tensor;
  /** Linear(8 → 64) bias [64]. */
  readonly inputProjBias: Tensor;
  /** The per-neuron embedding E [8, 64]. */
  readonly nodeEmbed: Tensor;
  /** The GAT layers. */
  readonly gatLayers: readonly GATLayer[];
  /** LayerNorm weights, one per layer, [64]. */
  readonly normWeights: readonly Tensor[];
  /** LayerNorm biases, one per layer, [64]. */
  readonly normBiases: readonly Tensor[];

  /**
   * A reasoner, seeded or with given weights.
   *
   * @throws {RangeError} when the seed is not an integer in [0, 2³²).
   * @throws {TypeError} when a weight is missing, unknown, of the wrong length or not finite.
   */
  constructor(opts: NeuronGraphReasonerOptions = {}) {
    if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
      throw new TypeError(
        `Cannot create NeuronGraphReasoner: expected options { seed?, weights? } but got ${
          Array.isArray(opts) ? "an array" : String(opts)
        }`,
      );
    }
    const w = opts.weights;
    const param = (v: ArrayLike<number>, shape: number[]) =>
      tensor(v, shape, { requiresGrad: true });
    if (w !== undefined) {
      checkWeights(w);
      this.inputProjWeight = param(w["input_proj.weight"]!, [D, D_NODE]);
      this.inputProjBias = param(w["input_proj.bias"]!, [D]);
      this.nodeEmbed = param(w["node_embed"]!, [N, D]);
      this.gatLayers = Array.from({ length: LAYERS }, (_, l) =>
        new GATLayer({
          dIn: D,
          dOut: D,
          heads: HEADS,
          weights: {
            "W.weight": w[`gat_layers.${l}.W.weight`]!,
            a_src: w[`gat_layers.${l}.a_src`]!,
            a_dst: w[`gat_layers.${l}.a_dst`]!,
          },
        }));
      this.normWeights = Array.from(
        { length: LAYERS },
        (_, l) => param(w[`norms.${l}.weight`]!, [D]),
      );
      this.normBiases = Array.from({ length: LAYERS }, (_, l) => param(w[`norms.${l}.bias`]!, [D]));
      return;
    }
    const seed = opts.seed === undefined
      ? 0
      : checkInt("create NeuronGraphReasoner", "seed", opts.seed, 0, 0xffffffff);
    const rng = new Rng(hashU32(seed, 0x4e47));
    const b = 1 / Math.sqrt(D_NODE);
    this.inputProjWeight = param(
      Float32Array.from({ length: D * D_NODE }, () => rng.uniformIn(-b, b)),
      [D, D_NODE],
    );
    this.inputProjBias = param(Float32Array.from({ length: D }, () => rng.uniformIn(-b, b)), [D]);
    this.nodeEmbed = param(rng.normals(N * D, NODE_EMBED_STD), [N, D]);
    this.gatLayers = Array.from(
      { length: LAYERS },
      (_, l) => new GATLayer({ dIn: D, dOut: D, heads: HEADS, seed: hashU32(seed, l + 1) }),
    );
    this.normWeights = Array.from(
      { length: LAYERS },
      () => param(new Float32Array(D).fill(1), [D]),
    );
    this.normBiases = Array.from({ length: LAYERS }, () => param(new Float32Array(D), [D]));
  }

  /** The parameters with their state-dict names ({@link REASONER_PARAMETER_NAMES}), in order. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [
      ["input_proj.weight", this.inputProjWeight],
      ["input_proj.bias", this.inputProjBias],
      ["node_embed", this.nodeEmbed],
    ];
    this.gatLayers.forEach((g, l) => {
      for (const [n, t] of g.namedParameters()) out.push([`gat_layers.${l}.${n}`, t]);
    });
    for (let l = 0; l < LAYERS; l++) {
      out.push([`norms.${l}.weight`, this.normWeights[l]!], [
        `norms.${l}.bias`,
        this.normBiases[l]!,
      ]);
    }
    return out;
  }

  /** The parameters, in state-dict order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * Checks features [B, 8, 8] (f32, B ≥ 1), the edges (8 nodes, self-loops) and every
   * parameter, before any GPU work.
   *
   * @throws {TypeError} on a dtype or shape mismatch or malformed edges.
   * @throws {RangeError} when a node has no self-loop.
   * @throws {DisposedTensorError} when the features or a parameter was disposed.
   */
  checkInput(features: Tensor, edges: GraphEdges, op = OP): void {
    this.#checkFeatures(features, op);
    this.#checkEdges(edges, op);
  }

  /** The parameters (live, f32) and features [B, 8, 8] (f32, B ≥ 1). */
  #checkFeatures(features: Tensor, op: string): void {
    for (const [n, p] of this.namedParameters()) assertDType(p, "f32", op, n);
    // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
    if (!(features instanceof Tensor)) checkTensor(op, "features", features, "f32");
    assertDType(features, "f32", op, "features");
    if (
      features.rank !== 3 || features.shape[0]! < 1 || features.shape[1] !== N ||
      features.shape[2] !== D_NODE
    ) {
      throw new TypeError(
        `Cannot run ${op}: expected features of shape [B, ${N}, ${D_NODE}] (B >= 1) but got ` +
          formatShape(features.shape),
      );
    }
  }

  /** Edges over the 8 neurons, with self-loops. */
  #checkEdges(edges: GraphEdges, op: string): void {
    checkGraphEdges(edges, op);
    if (edges.nodes !== N) {
      throw new TypeError(
        `Cannot run ${op}: expected edges over ${N} nodes (one per neuron) but got ${edges.nodes}`,
      );
    }
  }

  /** A layer index l in [0, GAT_LAYERS). */
  #checkLayer(l: number, op: string): number {
    return checkInt(op, "the layer index l", l, 0, LAYERS - 1);
  }

  /** Live f32 parameters and a token tensor [B, 8, 64] (B ≥ 1). */
  #checkTokens(h: Tensor, what: string, op: string): void {
    for (const [n, p] of this.namedParameters()) assertDType(p, "f32", op, n);
    // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
    if (!(h instanceof Tensor)) checkTensor(op, what, h, "f32");
    assertDType(h, "f32", op, what);
    if (h.rank !== 3 || h.shape[0]! < 1 || h.shape[1] !== N || h.shape[2] !== D) {
      throw new TypeError(
        `Cannot run ${op}: expected ${what} of shape [B, ${N}, ${D}] (B >= 1) but got ` +
          formatShape(h.shape),
      );
    }
  }

  /**
   * Stage 0: h⁰ = f·Pᵀ + p + E, [B, 8, 64].
   *
   * @throws {TypeError} when features is not an f32 tensor [B, 8, 8].
   * @throws {DisposedTensorError} when the features or a parameter was disposed.
   */
  embed(features: Tensor): Tensor {
    this.#checkFeatures(features, "NeuronGraphReasoner.embed");
    const lin = add(matmul(features, this.inputProjWeight, { transB: true }), this.inputProjBias);
    return add(lin, this.nodeEmbed);
  }

  /**
   * GAT layer l on h [B, 8, 64]: its output and attention.
   *
   * @throws {RangeError} when l is not a layer index. @throws as {@link GATLayer.forward}
   *   and when the edges are not over the 8 neurons.
   */
  gat(l: number, h: Tensor, edges: GraphEdges): { out: Tensor; attention: Tensor } {
    const op = "NeuronGraphReasoner.gat";
    this.#checkLayer(l, op);
    this.#checkTokens(h, "h", op);
    this.#checkEdges(edges, op);
    return this.gatLayers[l]!.forwardWithAttention(h, edges);
  }

  /**
   * The residual, ELU and LayerNorm of layer l: LN_l(h + ELU(G)).
   *
   * @throws {RangeError} when l is not a layer index. @throws {TypeError} when h or g is not
   *   an f32 tensor [B, 8, 64] or their shapes differ.
   * @throws {DisposedTensorError} when h, g or a parameter was disposed.
   */
  mix(l: number, h: Tensor, g: Tensor): Tensor {
    const op = "NeuronGraphReasoner.mix";
    this.#checkLayer(l, op);
    this.#checkTokens(h, "h", op);
    this.#checkTokens(g, "g", op);
    if (h.shape[0] !== g.shape[0]) {
      throw new TypeError(
        `Cannot run ${op}: expected g of h's shape ${formatShape(h.shape)} but got ` +
          formatShape(g.shape),
      );
    }
    return layerNorm(add(h, elu(g)), this.normWeights[l]!, this.normBiases[l]!, REASONER_LN_EPS);
  }

  /**
   * The output and every intermediate (h⁰, h¹, GAT outputs, attention).
   *
   * @throws as {@link NeuronGraphReasoner.forward}.
   */
  forwardWithIntermediates(features: Tensor, edges: GraphEdges): ReasonerIntermediates {
    this.checkInput(features, edges);
    const hs = [this.embed(features)];
    const gats: Tensor[] = [];
    const attention: Tensor[] = [];
    for (let l = 0; l < LAYERS; l++) {
      const g = this.gat(l, hs[l]!, edges);
      gats.push(g.out);
      attention.push(g.attention);
      hs.push(this.mix(l, hs[l]!, g.out));
    }
    const out = hs.pop()!;
    return { out, h: hs, gat: gats, attention };
  }

  /**
   * Token embeddings [B, 8, 64] of node features [B, 8, 8] on `edges` (8 nodes).
   * Feature values are not read back (that would need a sync): {@link GraphInputBuilder}
   * produces finite ones, and {@link NeuronGraphReasoner.featuresTensor} checks host arrays.
   *
   * @throws {TypeError} on a dtype or shape mismatch or malformed edges.
   * @throws {RangeError} when a node has no self-loop.
   * @throws {DisposedTensorError} when the features or a parameter was disposed.
   */
  forward(features: Tensor, edges: GraphEdges): Tensor {
    const r = this.forwardWithIntermediates(features, edges);
    for (const a of r.attention) a.dispose();
    return r.out;
  }

  /**
   * Uploads host features [B·8·8] as a [B, 8, 8] tensor after checking them.
   *
   * @example NaN features are refused before any upload, naming the neuron
   * ```ts
   * import { NeuronGraphReasoner } from "./neuron_graph_reasoner.ts";
   * import { throws } from "node:assert/strict";
   * const f = new Float32Array(64);
   * f[8 * 3 + 5] = NaN;
   * throws(() => NeuronGraphReasoner.featuresTensor(f), /neuron 3, feature 5/);
   * ```
   *
   * @throws {TypeError} when the length is not a positive multiple of 64, a value is not
   *   finite (naming the neuron and feature), or requiresGrad is not a boolean.
   */
  static featuresTensor(features: ArrayLike<number>, requiresGrad = false): Tensor {
    checkBool("upload reasoner features", "requiresGrad", requiresGrad);
    const per = N * D_NODE;
    const len = features?.length;
    if (typeof len !== "number" || len < per || len % per !== 0) {
      throw new TypeError(
        `Cannot upload reasoner features: expected B·${per} values ([B, ${N}, ${D_NODE}]) but ` +
          `got ${typeof len === "number" ? len : typeof features}`,
      );
    }
    for (let k = 0; k < len; k++) {
      if (!Number.isFinite(features[k]!)) {
        const r = Math.floor(k / D_NODE);
        throw new TypeError(
          `Cannot upload reasoner features: expected finite values but got ${features[k]} at ` +
            `batch ${Math.floor(r / N)}, neuron ${r % N}, feature ${k % D_NODE}`,
        );
      }
    }
    return tensor(features, [len / per, N, D_NODE], { requiresGrad });
  }

  /** Releases every parameter. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
