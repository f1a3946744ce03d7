/**
 * Larkos 0.3's edge-gain graph attention layer
 * (Okerew/larkos_models:modules/training.py `_GATLayer`) on the GPU, for a
 * dense [N, N] graph with self-loops:
 *
 * - z = h·Wᵀ (W [dOut, dIn], no bias; the matmul op), viewed as [B, N, H, hd];
 * - s_i = ⟨a_src^h, z_i^h⟩, t_j = ⟨a_dst^h, z_j^h⟩, e_ij = LeakyReLU₀.₂(s_i + t_j);
 * - the edge gain g_ij = 1 + tanh(w_ij) scales the raw score: ẽ_ij = e_ij·g_ij;
 * - α_i = softmax of ẽ_i over row i's edges (A_ij = 1); out_i^h = Σ_j α_ij z_j^h,
 *   heads concatenated, [B, N, dOut]: no bias, no nonlinearity, no head averaging.
 *
 * Row i aggregates over its outgoing connections (A[i, j] = 1 iff j is in
 * connections(i)). Scores, masked softmax and aggregation run in one fused WGSL
 * kernel per (batch, head, node) row (./kernels/gat.ts), the backward in four;
 * gradients flow to h, W, a_src and a_dst (edge weights are inputs).
 *
 * Non-edges: the original writes −∞ for a non-edge and then multiplies by the
 * gain, which is NaN (−∞·0) once tanh(w) rounds to −1 (w ≲ −9 in f32). Here a
 * non-edge takes no part in the softmax at all: its α is exactly 0 and the
 * output does not depend on its weight, whatever finite value it holds.
 *
 * @example Two nodes, both attending to each other
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { GATLayer } from "./gat_layer.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const gat = new GATLayer({ dIn: 3, dOut: 4, heads: 2, seed: 1 });
 * const h = tensor([0.5, -1, 2, 1, 0, -0.5], [1, 2, 3]);
 * const edges = {
 *   nodes: 2,
 *   adjacency: Uint8Array.of(1, 1, 0, 1),
 *   weights: Float32Array.of(1, 0.3, 0, 1),
 * };
 * const { out, attention } = gat.forwardWithAttention(h, edges);
 * const a = await attention.toFloat32();
 * ok(out.shape.join() === "1,2,4");
 * ok(a[2] === 0 && a[3] === 1); // node 1 has only its self-loop
 * gat.dispose();
 * ```
 *
 * @module
 */
import { recordOp } from "../../autograd.ts";
import { dispatch } from "../../gpu/program.ts";
import { assertLoopBudget } from "../../gpu/batch.ts";
import { gpu } from "../../gpu/device.ts";
import { Rng } from "../../gpu/rng.ts";
import { assertDType, emptyLike, formatShape, Tensor, tensor } from "../../tensor.ts";
import { checkInt, checkObject, checkTensor } from "../../validate.ts";
import { matmul } from "../../ops/matmul.ts";
import { MAX_LANES, rowLanes, segmentWorkgroups } from "../../ops/kernels/reduce.ts";
import {
  GAT_BACKWARD_DT,
  GAT_BACKWARD_NODE,
  GAT_BACKWARD_PARAMS,
  GAT_BACKWARD_ROW,
  GAT_ELEMENT_WORKGROUP,
  GAT_FORWARD,
  GAT_NODE_SCORES,
  MAX_UNROLLED_HD,
  NON_EDGE,
} from "./kernels/gat.ts";

const OP = "GATLayer.forward";

/**
 * A dense graph of `nodes` nodes: `adjacency` [N·N] row-major with 1 for an
 * edge i→j (every node needs its self-loop, adjacency[i·N + i] = 1) and 0
 * elsewhere, and the edge weights `weights` [N·N] (w_ij; a non-edge's weight is
 * ignored).
 */
export interface GraphEdges {
  /** N. */
  nodes: number;
  /** N·N values, 1 = edge i→j, 0 = none; self-loops required. */
  adjacency: Uint8Array;
  /** N·N finite edge weights w_ij. */
  weights: Float32Array;
}

/**
 * Checks a {@link GraphEdges} before any GPU work.
 *
 * @example A node without its self-loop is refused, by name
 * ```ts
 * import { checkGraphEdges } from "./gat_layer.ts";
 * import { throws } from "node:assert/strict";
 * const ok = { nodes: 2, adjacency: Uint8Array.of(1, 0, 1, 1), weights: new Float32Array(4) };
 * checkGraphEdges(ok, "demo");
 * const bad = { ...ok, adjacency: Uint8Array.of(1, 0, 1, 0) };
 * throws(() => checkGraphEdges(bad, "demo"), /node 1 has no self-loop/);
 * ```
 *
 * @param op names the caller in messages ("Cannot run <op>: …").
 * @throws {TypeError} when `edges` is not an object, nodes is not a positive integer,
 *   adjacency is not a Uint8Array of N·N values 0 or 1, or weights is not a Float32Array
 *   of N·N finite values (each message names the first offending (i, j)).
 * @throws {RangeError} when some node i has no self-loop (adjacency[i·N + i] = 0).
 */
export function checkGraphEdges(edges: GraphEdges, op: string): void {
  const cannot = `Cannot run ${op}`;
  if (typeof edges !== "object" || edges === null) {
    throw new TypeError(`${cannot}: expected edges {nodes, adjacency, weights} but got ${edges}`);
  }
  const N = edges.nodes;
  if (typeof N !== "number" || !Number.isInteger(N) || N < 1) {
    throw new TypeError(`${cannot}: expected edges.nodes a positive integer but got ${N}`);
  }
  const A = edges.adjacency;
  if (!(A instanceof Uint8Array) || A.length !== N * N) {
    throw new TypeError(
      `${cannot}: expected edges.adjacency a Uint8Array of N·N = ${N * N} values (N = ${N}) ` +
        `but got ${describe(A)}`,
    );
  }
  const w = edges.weights;
  if (!(w instanceof Float32Array) || w.length !== N * N) {
    throw new TypeError(
      `${cannot}: expected edges.weights a Float32Array of N·N = ${N * N} values (N = ${N}) ` +
        `but got ${describe(w)}`,
    );
  }
  for (let k = 0; k < N * N; k++) {
    if (A[k]! > 1) {
      throw new TypeError(
        `${cannot}: expected edges.adjacency values 0 or 1 but got ${A[k]} at (${
          Math.floor(k / N)
        }, ${k % N})`,
      );
    }
    if (!Number.isFinite(w[k]!)) {
      throw new TypeError(
        `${cannot}: expected finite edges.weights but got ${w[k]} at (${Math.floor(k / N)}, ${
          k % N
        })`,
      );
    }
  }
  for (let i = 0; i < N; i++) {
    if (A[i * N + i] !== 1) {
      throw new RangeError(
        `${cannot}: expected a self-loop on every node (so that no attention row is empty) ` +
          `but node ${i} has no self-loop (edges.adjacency[${i}, ${i}] = 0)`,
      );
    }
  }
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (ArrayBuffer.isView(x) || Array.isArray(x)) {
    return `${x.constructor.name} of ${(x as ArrayLike<number>).length}`;
  }
  return typeof x;
}

/**
 * The edge gain 1 + tanh(w), computed in f64 as 2 / (1 + e^(−2w)) (the same
 * value, without the cancellation of 1 + tanh w as w → −∞), before its
 * rounding to f32.
 *
 * @example The self-loop weight 1 scales its score by 1.761594, not 1
 * ```ts
 * import { edgeGain } from "./gat_layer.ts";
 * import { ok } from "node:assert/strict";
 * ok(Math.abs(edgeGain(1) - (1 + Math.tanh(1))) < 1e-15 && edgeGain(0) === 1);
 * ```
 *
 * @throws {TypeError} when w is not a number. @throws {RangeError} when it is not finite.
 */
export function edgeGain(w: number): number {
  if (typeof w !== "number") {
    throw new TypeError(`Cannot compute edgeGain: expected w to be a number but got ${typeof w}`);
  }
  if (!Number.isFinite(w)) {
    throw new RangeError(`Cannot compute edgeGain: expected a finite edge weight w but got ${w}`);
  }
  return 2 / (1 + Math.exp(-2 * w));
}

/**
 * The f32 gains the kernels read: {@link edgeGain} on an edge, the non-edge
 * marker (−1) elsewhere. The edges must have passed {@link checkGraphEdges}.
 *
 * @example
 * ```ts
 * import { gainTable } from "./gat_layer.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const g = gainTable({ nodes: 2, adjacency: Uint8Array.of(1, 0, 1, 1), weights: new Float32Array(4) });
 * deepStrictEqual(Array.from(g), [1, -1, 1, 1]);
 * ```
 */
export function gainTable(edges: GraphEdges): Float32Array {
  const n = edges.nodes * edges.nodes;
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    out[k] = edges.adjacency[k] === 1 ? edgeGain(edges.weights[k]!) : NON_EDGE;
  }
  return out;
}

/** Sizes of one call of the fused core. */
export interface GatCoreGeometry {
  /** Batch B. */
  batch: number;
  /** Nodes N. */
  nodes: number;
  /** Heads H. */
  heads: number;
  /** dOut = H·hd. */
  dOut: number;
}

function rowIterations(g: GatCoreGeometry, lanes: number): number {
  const hd = g.dOut / g.heads;
  const perLane = Math.ceil(g.nodes / lanes);
  // Forward: three passes over the lane's edges, then the aggregation (each lane walks every
  // node for its share of the columns). Backward: the same three passes, the ∂α dot products
  // and the ∂x pass. Plus the segment trees (at most 7 levels each, four of them).
  const softmax = 3 * (perLane + 1);
  const forward = softmax + (Math.ceil(hd / lanes) + 1) * (g.nodes + 1);
  const back = softmax + (perLane + 1) * (hd + 2) + (perLane + 1);
  return Math.max(forward, back) + 28;
}

/**
 * Lanes per (batch, head, node) row of the fused kernels: the reductions' choice
 * (impl/ops/kernels/reduce.ts `rowLanes`), doubled while one invocation would loop past
 * the adapter's budget.
 *
 * @example
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { gatLanes } from "./gat_layer.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * ok(gatLanes({ batch: 1, nodes: 8, heads: 2, dOut: 64 }) === 1);
 * ```
 *
 * @throws {RangeError} when even 64 lanes, or the per-element kernels, loop past the budget.
 */
export function gatLanes(g: GatCoreGeometry): number {
  let lanes = rowLanes(g.batch * g.heads * g.nodes, g.nodes);
  const budget = gpu().maxLoopIterations;
  while (lanes < MAX_LANES && rowIterations(g, lanes) > budget) lanes *= 2;
  assertLoopBudget(GAT_BACKWARD_ROW.name, rowIterations(g, lanes));
  assertLoopBudget(GAT_BACKWARD_NODE.name, g.nodes + 1);
  assertLoopBudget(GAT_BACKWARD_PARAMS.name, g.batch * (g.nodes + 1) + 1);
  return lanes;
}

/**
 * The fused core on z [B, N, dOut] with a_src, a_dst [H, hd] and the gain table
 * (see {@link gainTable}) as an [N, N] tensor: returns out [B, N, dOut]
 * (differentiable in z, a_src and a_dst) and α [B, H, N, N] (no gradient).
 * Shapes are the caller's to check ({@link GATLayer.forward} does).
 *
 * @example One node, one head: out = z
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { gatCore } from "./gat_layer.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const z = tensor([1.5, -2], [1, 1, 2]);
 * const a = tensor([0.3, 0.1], [1, 2]);
 * const { out, attention } = gatCore(z, a, a, tensor([1], [1, 1]), 1);
 * ok(Array.from(await out.toFloat32()).join() === "1.5,-2");
 * ok((await attention.toFloat32())[0] === 1);
 * ```
 */
export function gatCore(
  z: Tensor,
  aSrc: Tensor,
  aDst: Tensor,
  gains: Tensor,
  heads: number,
): { out: Tensor; attention: Tensor } {
  const [B, N, dOut] = z.shape as [number, number, number];
  const g: GatCoreGeometry = { batch: B, nodes: N, heads, dOut };
  const lanes = gatLanes(g);
  const hd = dOut / heads;
  const rows = B * heads * N;
  const uniforms = { rows, lanes, heads, n: N, dout: dOut, hd, batch: B };
  const sizes = {
    oneLane: lanes === 1,
    // Compiled in for the common head widths only (powers of two from 8), keeping the number of
    // pipeline variants small.
    hd: lanes === 1 && hd >= 8 && hd <= MAX_UNROLLED_HD && (hd & (hd - 1)) === 0 ? hd : 0,
  };
  const ss = emptyLike([B, heads, N], "f32", "gat s");
  const ts = emptyLike([B, heads, N], "f32", "gat t");
  const attention = emptyLike([B, heads, N, N], "f32", "gat attention");
  const out = emptyLike([B, N, dOut], "f32", "gat output");
  const elementWorkgroups = (n: number) => Math.ceil(n / GAT_ELEMENT_WORKGROUP);
  dispatch(GAT_NODE_SCORES, {
    uniforms,
    buffers: { zs: z.buffer, asrc: aSrc.buffer, adst: aDst.buffer, ss: ss.buffer, ts: ts.buffer },
    workgroups: elementWorkgroups(rows),
  });
  dispatch(GAT_FORWARD, {
    sizes,
    uniforms,
    buffers: {
      zs: z.buffer,
      ss: ss.buffer,
      ts: ts.buffer,
      gains: gains.buffer,
      ps: attention.buffer,
      os: out.buffer,
    },
    workgroups: segmentWorkgroups(rows, lanes),
  });
  recordOp(out, "gatLayer", [z, aSrc, aDst], (go) => {
    const ps = emptyLike([B, heads, N, N], "f32", "gat α (backward)");
    const dxs = emptyLike([B, heads, N, N], "f32", "gat ∂x");
    const dss = emptyLike([B, heads, N], "f32", "gat ∂s");
    const dts = emptyLike([B, heads, N], "f32", "gat ∂t");
    const gz = emptyLike([B, N, dOut], "f32", "gatLayer grad z");
    const gas = emptyLike(aSrc.shape, "f32", "gatLayer grad a_src");
    const gad = emptyLike(aDst.shape, "f32", "gatLayer grad a_dst");
    dispatch(GAT_BACKWARD_ROW, {
      sizes,
      uniforms,
      buffers: {
        zs: z.buffer,
        ss: ss.buffer,
        ts: ts.buffer,
        gains: gains.buffer,
        gos: go.buffer,
        ps: ps.buffer,
        dxs: dxs.buffer,
        dss: dss.buffer,
      },
      workgroups: segmentWorkgroups(rows, lanes),
    });
    dispatch(GAT_BACKWARD_DT, {
      uniforms,
      buffers: { dxs: dxs.buffer, dts: dts.buffer },
      workgroups: elementWorkgroups(rows),
    });
    dispatch(GAT_BACKWARD_NODE, {
      uniforms,
      buffers: {
        ps: ps.buffer,
        gos: go.buffer,
        dss: dss.buffer,
        dts: dts.buffer,
        asrc: aSrc.buffer,
        adst: aDst.buffer,
        gz: gz.buffer,
      },
      workgroups: elementWorkgroups(B * N * dOut),
    });
    dispatch(GAT_BACKWARD_PARAMS, {
      uniforms,
      buffers: { zs: z.buffer, dss: dss.buffer, dts: dts.buffer, gas: gas.buffer, gad: gad.buffer },
      workgroups: elementWorkgroups(dOut),
    });
    return [gz, gas, gad];
  });
  // Without a graph node s and t are done with (release waits for the recorded work); with
  // one, the backward reads them and they live in the caller's scope like z.
  if (out.node === null) {
    ss.dispose();
    ts.dispose();
  }
  return { out, attention };
}

/** The weights of a {@link GATLayer} by the original's state-dict names (host arrays). */
export interface GATLayerWeights {
  /** [dOut, dIn]. */
  "W.weight": ArrayLike<number>;
  /** [H, hd]. */
  a_src: ArrayLike<number>;
  /** [H, hd]. */
  a_dst: ArrayLike<number>;
}

/** Options of {@link GATLayer}. */
export interface GATLayerOptions {
  /** Input width. */
  dIn: number;
  /** Output width, divisible by heads. */
  dOut: number;
  /** Heads H. */
  heads: number;
  /** Seeds the initial parameters (memspec's Rng); default 0. Ignored with `weights`. */
  seed?: number;
  /** Explicit weights (e.g. a torch state dict), instead of the seeded initialisation. */
  weights?: GATLayerWeights;
}

/** The largest width a layer takes (2^24, as the other families' size caps). */
const MAX_WIDTH = 2 ** 24;
/** The largest W.weight, in values (2^26 f32, 256 MiB): refused before allocating. */
const MAX_WEIGHT_VALUES = 2 ** 26;

function checkPositive(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_WIDTH) {
    throw new RangeError(
      `Cannot create GATLayer: expected ${what} a positive integer <= ${MAX_WIDTH} but got ` +
        String(v),
    );
  }
  return v;
}

function checkWeightArray(name: string, x: ArrayLike<number> | undefined, n: number): void {
  if (x === undefined || x === null || typeof x.length !== "number" || x.length !== n) {
    throw new TypeError(
      `Cannot create GATLayer: expected weights["${name}"] of ${n} values but got ` +
        `${x === undefined || x === null ? String(x) : x.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new TypeError(
        `Cannot create GATLayer: expected finite weights["${name}"] but got ${x[i]} at ${i}`,
      );
    }
  }
}

/**
 * `_GATLayer(d_in, d_out, H)` of Larkos 0.3: parameters `W.weight` [dOut, dIn]
 * (torch's nn.Linear default, kaiming_uniform_(a = √5): U(±1/√dIn)), `a_src`
 * and `a_dst` [H, hd] ~ N(0, 1)/√hd, drawn in that order from memspec's seeded
 * Rng, or given as `weights`.
 *
 * @example Gradients reach every parameter
 * ```ts
 * import { backward, initGpu, sum, tensor, tidy } from "../../mod.ts";
 * import { GATLayer } from "./gat_layer.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const gat = new GATLayer({ dIn: 2, dOut: 2, heads: 1, seed: 3 });
 * const edges = { nodes: 2, adjacency: Uint8Array.of(1, 1, 1, 1), weights: Float32Array.of(1, 0, -1, 1) };
 * tidy(() => backward(sum(gat.forward(tensor([1, 2, 3, 4], [1, 2, 2]), edges))));
 * ok(gat.parameters().every((p) => p.grad !== null));
 * gat.dispose();
 * ```
 */
export class GATLayer {
  /** Input width. */
  readonly dIn: number;
  /** Output width. */
  readonly dOut: number;
  /** Heads H. */
  readonly heads: number;
  /** dOut / H. */
  readonly headDim: number;
  /** W.weight [dOut, dIn]. */
  readonly weight: Tensor;
  /** a_src [H, hd]. */
  readonly aSrc: Tensor;
  /** a_dst [H, hd]. */
  readonly aDst: Tensor;

  /**
   * A layer from widths and heads, seeded or with given weights.
   *
   * @throws {RangeError} when a width or heads is not a positive integer, dOut is not
   *   divisible by heads, or the seed is not an integer in [0, 2³²).
   * @throws {TypeError} when a given weight array has the wrong length or a non-finite value.
   */
  constructor(opts: GATLayerOptions) {
    if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
      throw new TypeError(
        `Cannot create GATLayer: expected options {dIn, dOut, heads} but got ${String(opts)}`,
      );
    }
    const dIn = checkPositive("dIn", opts.dIn);
    const dOut = checkPositive("dOut", opts.dOut);
    const heads = checkPositive("heads", opts.heads);
    if (dOut % heads !== 0) {
      throw new RangeError(
        `Cannot create GATLayer: expected dOut divisible by heads but got dOut ${dOut} and ` +
          `heads ${heads}`,
      );
    }
    if (dOut * dIn > MAX_WEIGHT_VALUES) {
      throw new RangeError(
        `Cannot create GATLayer: expected dOut·dIn <= ${MAX_WEIGHT_VALUES} but got ${dOut * dIn}`,
      );
    }
    const hd = dOut / heads;
    let w: ArrayLike<number>;
    let as: ArrayLike<number>;
    let ad: ArrayLike<number>;
    if (opts.weights !== undefined) {
      checkObject("create GATLayer", "weights", opts.weights);
      checkWeightArray("W.weight", opts.weights["W.weight"], dOut * dIn);
      checkWeightArray("a_src", opts.weights.a_src, dOut);
      checkWeightArray("a_dst", opts.weights.a_dst, dOut);
      w = opts.weights["W.weight"];
      as = opts.weights.a_src;
      ad = opts.weights.a_dst;
    } else {
      const seed = opts.seed === undefined
        ? 0
        : checkInt("create GATLayer", "seed", opts.seed, 0, 0xffffffff);
      const rng = new Rng(seed);
      const bound = 1 / Math.sqrt(dIn);
      w = Float32Array.from({ length: dOut * dIn }, () => rng.uniformIn(-bound, bound));
      as = rng.normals(dOut, 1 / Math.sqrt(hd));
      ad = rng.normals(dOut, 1 / Math.sqrt(hd));
    }
    this.dIn = dIn;
    this.dOut = dOut;
    this.heads = heads;
    this.headDim = hd;
    this.weight = tensor(w, [dOut, dIn], { requiresGrad: true });
    this.aSrc = tensor(as, [heads, hd], { requiresGrad: true });
    this.aDst = tensor(ad, [heads, hd], { requiresGrad: true });
  }

  /** The parameters with the original's state-dict names: `W.weight`, `a_src`, `a_dst`. */
  namedParameters(): [string, Tensor][] {
    return [["W.weight", this.weight], ["a_src", this.aSrc], ["a_dst", this.aDst]];
  }

  /** The parameters, in state-dict order. */
  parameters(): Tensor[] {
    return [this.weight, this.aSrc, this.aDst];
  }

  /** Checks every argument of a forward; throws before any GPU work. */
  #check(h: Tensor, edges: GraphEdges): void {
    for (const [name, p] of this.namedParameters()) assertDType(p, "f32", OP, name);
    // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
    if (!(h instanceof Tensor)) checkTensor(OP, "h", h, "f32");
    assertDType(h, "f32", OP, "h");
    checkGraphEdges(edges, OP);
    const N = edges.nodes;
    if (h.rank !== 3 || h.shape[1] !== N || h.shape[2] !== this.dIn || h.shape[0]! < 1) {
      throw new TypeError(
        `Cannot run ${OP}: expected h of shape [B, ${N}, ${this.dIn}] (B ≥ 1, N = edges.nodes) ` +
          `but got ${formatShape(h.shape)}`,
      );
    }
    gatLanes({ batch: h.shape[0]!, nodes: N, heads: this.heads, dOut: this.dOut });
  }

  /**
   * The output and the attention weights α [B, H, N, N] (exactly 0 off-edge; no gradient).
   *
   * @throws {TypeError} on a bad h (dtype, rank, width, N ≠ edges.nodes) or bad edges.
   * @throws {RangeError} when a node has no self-loop, or the graph is too large for the
   *   adapter's loop budget.
   * @throws {DisposedTensorError} when h or a parameter was disposed.
   */
  forwardWithAttention(h: Tensor, edges: GraphEdges): { out: Tensor; attention: Tensor } {
    this.#check(h, edges);
    const N = edges.nodes;
    const gains = tensor(gainTable(edges), [N, N]);
    const z = matmul(h, this.weight, { transB: true });
    const r = gatCore(z, this.aSrc, this.aDst, gains, this.heads);
    if (r.out.node === null) {
      // No graph: the core's inputs are done with (release waits for the recorded work).
      gains.dispose();
      z.dispose();
    }
    return r;
  }

  /**
   * out [B, N, dOut] for node features h [B, N, dIn] on `edges`.
   *
   * @throws as {@link GATLayer.forwardWithAttention}.
   */
  forward(h: Tensor, edges: GraphEdges): Tensor {
    const { out, attention } = this.forwardWithAttention(h, edges);
    attention.dispose();
    return out;
  }

  /** Releases every parameter (and its gradient). */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}
