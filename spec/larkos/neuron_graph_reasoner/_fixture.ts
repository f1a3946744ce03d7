/**
 * The PyTorch fixture of the neuron-graph reasoner
 * (fixtures/larkos/neuron_graph_reasoner.json, written by
 * fixtures/gen/larkos_neuron_graph_reasoner_fixtures.py), decoded.
 *
 * @module
 */
import type {
  NeuronMap,
  NeuronState,
} from "../../../impl/larkos/neuron_graph_reasoner/graph_inputs.ts";
import {
  checkEncoded,
  checkShape,
  type EncodedArray,
  f32,
  f64,
  i8,
  ints,
  type Stored,
} from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";

/** Path of the fixture file. */
export const NGR_FIXTURE = "fixtures/larkos/neuron_graph_reasoner.json";

/** A stored neuron: the scalars as JSON numbers, the lists encoded (i32, f32; shape [len]). */
type StoredNeuron = Stored<NeuronState>;

interface StoredCall {
  neurons: Record<string, StoredNeuron>;
  features: EncodedArray;
  adjacency: EncodedArray;
  weights: EncodedArray;
}

interface StoredCase {
  name: string;
  calls: StoredCall[];
  params: Record<string, EncodedArray>;
  h0: EncodedArray;
  layers: { gat: EncodedArray; attention: EncodedArray; h: EncodedArray }[];
  output: EncodedArray;
  grad_output: EncodedArray;
  grad_features: EncodedArray;
  grad_params: Record<string, EncodedArray>;
}

/** One build call of a case: the map and torch's features, adjacency and weights. */
export interface FixtureCall {
  neurons: NeuronMap;
  features: Float64Array;
  adjacency: Int8Array;
  weights: Float64Array;
}

/** One decoded case. */
export interface FixtureCase {
  name: string;
  calls: FixtureCall[];
  params: Record<string, Float64Array>;
  h0: Float64Array;
  layers: { gat: Float64Array; attention: Float64Array; h: Float64Array }[];
  output: Float64Array;
  gradOutput: Float64Array;
  gradFeatures: Float64Array;
  gradParams: Record<string, Float64Array>;
}

const decodeAll = (r: Record<string, EncodedArray>, what: string) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f64(v, `${what}.${k}`)]));

/** The length of a 1-D encoded list; refuses (SyntaxError naming it) a malformed or other-rank one. */
const length1d = (a: EncodedArray, what: string): number => {
  const { shape } = checkEncoded(a, what);
  checkShape(a, [shape[0] ?? 1], what);
  return shape[0]!;
};

/** Decodes a stored neuron map back into the NeuronState objects the generator built from. */
const decodeNeurons = (m: Record<string, StoredNeuron>, what: string): NeuronMap =>
  Object.fromEntries(
    Object.entries(m).map(([k, n]): [string, NeuronState] => [k, {
      ...n,
      connections: ints(
        n.connections,
        `${what}.${k}.connections`,
        [length1d(n.connections, `${what}.${k}.connections`)],
      ),
      // f32 values widen exactly to the numbers the generator used.
      weights: Array.from(
        f32(n.weights, `${what}.${k}.weights`, [length1d(n.weights, `${what}.${k}.weights`)]),
      ),
    }]),
  );

/** Loads and decodes the fixture (manifest-pinned). */
export async function loadNgrFixture(): Promise<{ cases: FixtureCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: StoredCase[] }>(
    NGR_FIXTURE,
    "memspec.larkos.neuron_graph_reasoner.v1",
  );
  const cases = data.cases.map((c): FixtureCase => ({
    name: c.name,
    calls: c.calls.map((k, i) => ({
      neurons: decodeNeurons(k.neurons, `${c.name}.calls[${i}].neurons`),
      features: f64(k.features, `${c.name}.calls[${i}].features`, [8, 8]),
      adjacency: i8(k.adjacency, `${c.name}.calls[${i}].adjacency`, [8, 8]),
      weights: f64(k.weights, `${c.name}.calls[${i}].weights`, [8, 8]),
    })),
    params: decodeAll(c.params, `${c.name}.params`),
    h0: f64(c.h0, `${c.name}.h0`, [1, 8, 64]),
    layers: c.layers.map((l, i) => ({
      gat: f64(l.gat, `${c.name}.layers[${i}].gat`, [1, 8, 64]),
      attention: f64(l.attention, `${c.name}.layers[${i}].attention`, [1, 2, 8, 8]),
      h: f64(l.h, `${c.name}.layers[${i}].h`, [1, 8, 64]),
    })),
    output: f64(c.output, `${c.name}.output`, [1, 8, 64]),
    gradOutput: f64(c.grad_output, `${c.name}.grad_output`, [1, 8, 64]),
    gradFeatures: f64(c.grad_features, `${c.name}.grad_features`, [8, 8]),
    gradParams: decodeAll(c.grad_params, `${c.name}.grad_params`),
  }));
  return { cases, integrity };
}
