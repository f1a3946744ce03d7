/**
 * The host side of Larkos 0.3's neuron-graph reasoner
 * (Okerew/larkos_models:modules/training.py `_NeuronGraphReasoner.build_graph_inputs`):
 * a neuron map `{ "neuron_<i>": NeuronState }` becomes 8 node features per
 * neuron and a dense graph (adjacency with self-loops, edge weights).
 *
 * Node features of neuron i (a missing neuron is state 0, output 0, layer 0,
 * no connections):
 *
 * | f | value                                                                   |
 * | - | ----------------------------------------------------------------------- |
 * | 0 | state                                                                   |
 * | 1 | output                                                                  |
 * | 2 | 1 if layerId = 0 else 0                                                 |
 * | 3 | 1 if layerId = 1 else 0                                                 |
 * | 4 | tanh(numConnections / 6), the RAW count (invalid targets included)      |
 * | 5 | state − prev_state; prev_state ← state on EVERY call (the velocity)     |
 * | 6 | abs(output)                                                             |
 * | 7 | tanh(mean of the weights of the usable edges), 0 when there are none    |
 *
 * Edges: A = I with w_ii = 1; for slot < min(numConnections, 6,
 * connections.length) with j = connections[slot] in [0, 8): A_ij = 1 and, when
 * weights[slot] exists, w_ij = weights[slot] (otherwise the entry keeps its
 * value: 0 off the diagonal, 1 on it). A self-connection with a weight
 * therefore overwrites w_ii; a later slot naming the same target overwrites
 * an earlier one. The "usable edges" of f₇ are those slots with a valid
 * target and a weight. Values are computed in f64 and rounded once to f32.
 *
 * The degree feature f₄ counts invalid targets while the edges use only valid
 * ones, so the two can disagree: memspec keeps the original's layout and
 * records the disagreement as a divergence claim.
 *
 * @example Two calls with the same map: the velocity feature is zero the second time
 * ```ts
 * import { GraphInputBuilder } from "./graph_inputs.ts";
 * import { strictEqual } from "node:assert/strict";
 * const b = new GraphInputBuilder();
 * const neurons = {
 *   neuron_0: { state: 0.5, output: -0.25, layerId: 0, numConnections: 1, connections: [3], weights: [0.8] },
 * };
 * strictEqual(b.build(neurons).features[5], 0.5);
 * const { features, edges } = b.build(neurons);
 * strictEqual(features[5], 0);
 * strictEqual(edges.adjacency[0 * 8 + 3], 1);
 * strictEqual(edges.weights[0 * 8 + 3], Math.fround(0.8));
 * ```
 *
 * @module
 */
import { LARKOS } from "../config.ts";
import type { GraphEdges } from "../gat_layer/gat_layer.ts";

/** One neuron of the original's neuron map (`neurons["neuron_<i>"]`). */
export interface NeuronState {
  /** Activation state. */
  state: number;
  /** Output value. */
  output: number;
  /** Layer index; layers 0 and 1 get a one-hot feature. */
  layerId: number;
  /** The neuron's own connection count (may exceed the list's length). */
  numConnections: number;
  /** Target neuron indices, in slot order. */
  connections: number[];
  /** Edge weights, per slot (may be shorter than connections). */
  weights: number[];
}

/** A neuron map: keys `neuron_<i>` for i < 8; missing keys are default neurons. */
export type NeuronMap = Readonly<Record<string, NeuronState>>;

/** What {@link GraphInputBuilder.build} returns. */
export interface GraphInputs {
  /** [8, 8] node features, row = neuron, in the layout of the module doc. */
  features: Float32Array;
  /** Adjacency with self-loops and edge weights, 8·8 each. */
  edges: GraphEdges;
}

/** The builder's saved state: the previous call's states (the velocity buffer). */
export interface GraphInputStats {
  /** 8 values, neuron order. */
  prevStates: Float64Array;
}

/** Node feature width, D_NODE. */
export const NODE_FEATURES: number = LARKOS.D_NODE;

const N = LARKOS.MAX_NEURONS;
const OP = "build graph inputs";
const KEY = /^neuron_(0|[1-9][0-9]*)$/;

function finite(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(
      `Cannot ${OP}: expected ${what} to be a finite number but got ${String(v)}`,
    );
  }
  return v;
}

function integer(v: unknown, what: string, min = -Infinity): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new TypeError(
      `Cannot ${OP}: expected ${what} to be an integer${min === 0 ? " >= 0" : ""} but got ${
        String(v)
      }`,
    );
  }
  return v;
}

function list(v: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(v)) {
    throw new TypeError(`Cannot ${OP}: expected ${what} to be an array but got ${typeof v}`);
  }
  return v;
}

/** A neuron of a checked map: every field present and valid (a default for a missing one). */
export type CheckedNeuron = NeuronState;

const DEFAULT_NEURON: CheckedNeuron = {
  state: 0,
  output: 0,
  layerId: 0,
  numConnections: 0,
  connections: [],
  weights: [],
};

/**
 * Checks a neuron map and returns the 8 neurons in order (defaults filled in).
 *
 * @example A missing neuron is the default one; a bad key is refused by name
 * ```ts
 * import { checkNeuronMap } from "./graph_inputs.ts";
 * import { strictEqual, throws } from "node:assert/strict";
 * strictEqual(checkNeuronMap({})[5]!.layerId, 0);
 * throws(() => checkNeuronMap({ neuron_9: checkNeuronMap({})[0]! }), /neuron_9/);
 * ```
 *
 * @throws {TypeError} on a key other than `neuron_<i>` with i < 8, a neuron that is not an
 *   object, a non-finite state, output or weight, a non-integer layerId or connection, or a
 *   numConnections that is not an integer >= 0.
 */
export function checkNeuronMap(neurons: NeuronMap): CheckedNeuron[] {
  if (typeof neurons !== "object" || neurons === null || Array.isArray(neurons)) {
    throw new TypeError(
      `Cannot ${OP}: expected a neuron map { "neuron_<i>": NeuronState } but got ${
        neurons === null ? "null" : Array.isArray(neurons) ? "an array" : typeof neurons
      }`,
    );
  }
  const out: CheckedNeuron[] = Array.from({ length: N }, () => DEFAULT_NEURON);
  for (const key of Object.keys(neurons)) {
    const m = KEY.exec(key);
    if (m === null || Number(m[1]) >= N) {
      throw new TypeError(
        `Cannot ${OP}: expected keys "neuron_0" … "neuron_${N - 1}" but got "${key}"`,
      );
    }
    const i = Number(m[1]);
    const n = neurons[key] as unknown;
    if (typeof n !== "object" || n === null) {
      throw new TypeError(`Cannot ${OP}: expected ${key} to be a NeuronState object`);
    }
    const s = n as Record<string, unknown>;
    const connections = list(s.connections, `${key}.connections`).map((c, k) =>
      integer(c, `${key}.connections[${k}]`)
    );
    const weights = list(s.weights, `${key}.weights`).map((w, k) =>
      finite(w, `${key}.weights[${k}]`)
    );
    out[i] = {
      state: finite(s.state, `${key}.state`),
      output: finite(s.output, `${key}.output`),
      layerId: integer(s.layerId, `${key}.layerId`),
      numConnections: integer(s.numConnections, `${key}.numConnections`, 0),
      connections,
      weights,
    };
  }
  return out;
}

/**
 * The slots a neuron's edges are read from: min(numConnections, 6, connections.length).
 *
 * @example
 * ```ts
 * import { usableSlots } from "./graph_inputs.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(usableSlots({ numConnections: 9, connections: [1, 2, 3, 4, 5, 6, 7] }), 6);
 * strictEqual(usableSlots({ numConnections: 2, connections: [1, 2, 3] }), 2);
 * ```
 *
 * @throws {TypeError} when n is not an object, numConnections is not an integer >= 0 or
 *   connections is not an array.
 */
export function usableSlots(n: Pick<NeuronState, "numConnections" | "connections">): number {
  const op = "Cannot run usableSlots";
  if (typeof n !== "object" || n === null || Array.isArray(n)) {
    throw new TypeError(`${op}: expected a neuron { numConnections, connections } but got ${n}`);
  }
  const c = n.numConnections;
  if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
    throw new TypeError(`${op}: expected numConnections to be an integer >= 0 but got ${c}`);
  }
  if (!Array.isArray(n.connections)) {
    throw new TypeError(
      `${op}: expected connections to be an array but got ${typeof n.connections}`,
    );
  }
  return Math.min(c, LARKOS.MAX_CONNECTIONS, n.connections.length);
}

/**
 * Builds node features and edges from neuron maps, keeping the velocity
 * buffer (the previous call's states) as the original's `_prev_states`.
 *
 * @example The layout of one neuron
 * ```ts
 * import { GraphInputBuilder } from "./graph_inputs.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const { features } = new GraphInputBuilder().build({
 *   neuron_2: { state: 1, output: -0.5, layerId: 1, numConnections: 6, connections: [0], weights: [0] },
 * });
 * deepStrictEqual(
 *   Array.from(features.subarray(16, 24)),
 *   [1, -0.5, 0, 1, Math.fround(Math.tanh(1)), 1, 0.5, 0],
 * );
 * ```
 */
export class GraphInputBuilder {
  private prev = new Float64Array(N);

  /**
   * Features [8, 8] and edges of a neuron map; updates the velocity buffer.
   * A malformed map throws before anything changes.
   *
   * @throws {TypeError} as {@link checkNeuronMap}.
   */
  build(neurons: NeuronMap): GraphInputs {
    const ns = checkNeuronMap(neurons);
    const f = new Float32Array(N * NODE_FEATURES);
    const adjacency = new Uint8Array(N * N);
    const weights = new Float32Array(N * N);
    for (let i = 0; i < N; i++) {
      adjacency[i * N + i] = 1;
      weights[i * N + i] = 1;
    }
    for (let i = 0; i < N; i++) {
      const n = ns[i]!;
      let wSum = 0;
      let wCount = 0;
      const slots = usableSlots(n);
      for (let slot = 0; slot < slots; slot++) {
        const j = n.connections[slot]!;
        if (j < 0 || j >= N) continue;
        adjacency[i * N + j] = 1;
        if (slot < n.weights.length) {
          weights[i * N + j] = n.weights[slot]!;
          wSum += n.weights[slot]!;
          wCount++;
        }
      }
      const row = f.subarray(i * NODE_FEATURES, (i + 1) * NODE_FEATURES);
      row[0] = n.state;
      row[1] = n.output;
      row[2] = n.layerId === 0 ? 1 : 0;
      row[3] = n.layerId === 1 ? 1 : 0;
      row[4] = Math.tanh(n.numConnections / LARKOS.MAX_CONNECTIONS);
      row[5] = n.state - this.prev[i]!;
      row[6] = Math.abs(n.output);
      row[7] = wCount > 0 ? Math.tanh(wSum / wCount) : 0;
    }
    // Every call moves the buffer, whether or not the features are used (as the original).
    for (let i = 0; i < N; i++) this.prev[i] = ns[i]!.state;
    return { features: f, edges: { nodes: N, adjacency, weights } };
  }

  /** A copy of the velocity buffer (for checkpoints). */
  stats(): GraphInputStats {
    return { prevStates: Float64Array.from(this.prev) };
  }

  /**
   * Restores the velocity buffer.
   *
   * @throws {TypeError} when prevStates does not hold 8 finite numbers.
   */
  setStats(s: GraphInputStats): void {
    const p = s?.prevStates as ArrayLike<number> | undefined;
    if (p === undefined || p === null || typeof p.length !== "number" || p.length !== N) {
      throw new TypeError(
        `Cannot set graph input stats: expected prevStates of ${N} numbers but got ${
          p === undefined || p === null ? "none" : p.length
        }`,
      );
    }
    for (let i = 0; i < N; i++) {
      if (!Number.isFinite(p[i])) {
        throw new TypeError(
          `Cannot set graph input stats: expected finite prevStates but got ${p[i]} at ${i}`,
        );
      }
    }
    this.prev = Float64Array.from(p);
  }
}
