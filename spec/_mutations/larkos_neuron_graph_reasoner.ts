/**
 * Planted bugs of Larkos 0.3's neuron-graph reasoner: each a real mistake an
 * implementation of `_NeuronGraphReasoner` / `build_graph_inputs` could make,
 * and the claims that must catch it. The velocity buffer moved only on some
 * calls, the degree feature computed from the usable edges (the "obvious fix"
 * that silently changes the original's features), the residual dropped, ELU
 * replaced by ReLU.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const HOST = "impl/larkos/neuron_graph_reasoner/graph_inputs.ts";
const MODULE = "impl/larkos/neuron_graph_reasoner/neuron_graph_reasoner.ts";
const HOST_TEST = ["spec/larkos/neuron_graph_reasoner/graph_inputs_test.ts"];
const GPU_TEST = ["spec/larkos/neuron_graph_reasoner/reasoner_test.ts"];

/** The planted bugs of this mechanism. */
export const LARKOS_NEURON_GRAPH_REASONER_MUTATIONS: readonly Mutation[] = [
  {
    id: "larkos.neuron_graph_reasoner.velocity_not_updated",
    family: "larkos",
    mechanism: "neuron_graph_reasoner",
    layer: "forward",
    file: HOST,
    find: "for (let i = 0; i < N; i++) this.prev[i] = ns[i]!.state;",
    replace: "for (let i = 0; i < N; i++) if (this.prev[i] === 0) this.prev[i] = ns[i]!.state;",
    tests: HOST_TEST,
    filter: "larkos.neuron_graph_reasoner.property_velocity_refresh",
    why: "the velocity buffer is written only once (a lazily initialised prev_state): from " +
      "the third call on f₅ measures the change since the first call, not since the last refresh",
  },
  {
    id: "larkos.neuron_graph_reasoner.degree_from_valid_edges",
    family: "larkos",
    mechanism: "neuron_graph_reasoner",
    layer: "forward",
    file: HOST,
    find: "row[4] = Math.tanh(n.numConnections / LARKOS.MAX_CONNECTIONS);",
    replace: "row[4] = Math.tanh(adjacency.subarray(i * N, i * N + N).reduce((s, a, j) => " +
      "s + (j === i ? 0 : a), 0) / LARKOS.MAX_CONNECTIONS);",
    tests: HOST_TEST,
    filter: "larkos.neuron_graph_reasoner.property_feature_layout",
    why: "f₄ computed from the usable edges instead of the raw num_connections: a plausible " +
      "fix of the original's degree feature that silently changes its inputs (the original " +
      "counts invalid targets and slots past the list)",
  },
  {
    id: "larkos.neuron_graph_reasoner.residual_missing",
    family: "larkos",
    mechanism: "neuron_graph_reasoner",
    layer: "forward",
    file: MODULE,
    find: "return layerNorm(add(h, elu(g)), this.normWeights[l]!",
    replace: "return layerNorm(add(elu(g), elu(g)), this.normWeights[l]!",
    tests: GPU_TEST,
    filter: "larkos.neuron_graph_reasoner.gpu_parity",
    why: "the residual h dropped from LN(h + ELU(GAT(h))) (here replaced by a second ELU term " +
      "so the shapes still match): the layer forgets its input",
  },
  {
    id: "larkos.neuron_graph_reasoner.elu_as_relu",
    family: "larkos",
    mechanism: "neuron_graph_reasoner",
    layer: "forward",
    file: MODULE,
    find: "return layerNorm(add(h, elu(g)), this.normWeights[l]!",
    replace: "return layerNorm(add(h, elu(g, 0)), this.normWeights[l]!",
    tests: GPU_TEST,
    filter: "larkos.neuron_graph_reasoner.gpu_parity",
    why: "ReLU (ELU with α = 0) where the original uses ELU: negative GAT outputs are cut to 0 " +
      "instead of eˣ − 1, and their gradient vanishes",
  },
];
