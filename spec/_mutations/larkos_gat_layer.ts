/**
 * Planted bugs of Larkos 0.3's edge-gain GAT layer (impl/larkos/gat_layer): each a real
 * mistake an implementation could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("larkos");
const TEST = ["spec/larkos/gat_layer/gat_layer_test.ts"];
const HOST = "impl/larkos/gat_layer/gat_layer.ts";
const KERNEL = "impl/larkos/gat_layer/kernels/gat.ts";

/** The planted bugs of the GAT layer. */
export const LARKOS_GAT_LAYER_MUTATIONS: readonly Mutation[] = [
  planted("gat_layer", "softmax_over_non_edges", "forward", {
    file: KERNEL,
    find: "if (g < 0.0) { ps[pbase + j] = ${MASKED_WGSL}; continue; }",
    replace: "if (g < -1.0) { ps[pbase + j] = ${MASKED_WGSL}; continue; }",
    tests: TEST,
    filter: claims("gat_layer", "gpu_parity", "property_rows_on_edges"),
    why: "the mask test misses the non-edge marker: non-edges join the softmax (with gain −1), " +
      "so attention mass leaks off the graph",
  }),
  planted("gat_layer", "relu_instead_of_leaky", "forward", {
    file: KERNEL,
    find: "let e = select(${SLOPE_WGSL} * x, x, x > 0.0);",
    replace: "let e = max(x, 0.0);",
    tests: TEST,
    filter: claims("gat_layer", "gpu_parity"),
    why: "the LeakyReLU slope 0.2 dropped (a plain ReLU): every negative raw score becomes 0, " +
      "flattening the attention over edges with negative scores",
  }),
  planted("gat_layer", "weights_transposed", "forward", {
    file: HOST,
    find: "out[k] = edges.adjacency[k] === 1 ? edgeGain(edges.weights[k]!) : NON_EDGE;",
    replace: "out[k] = edges.adjacency[k] === 1 ? " +
      "edgeGain(edges.weights[(k % edges.nodes) * edges.nodes + Math.floor(k / edges.nodes)]!) " +
      ": NON_EDGE;",
    tests: TEST,
    filter: claims("gat_layer", "gpu_parity"),
    why: "the edge weight read as w_ji for edge i→j (a row/column mix-up between the " +
      "connection list's owner and its target): the gain of an edge comes from its reverse",
  }),
  planted("gat_layer", "backward_ignores_slope", "backward", {
    file: KERNEL,
    find: "dx = (de * g) * select(${SLOPE_WGSL}, 1.0, x > 0.0);",
    replace: "dx = de * g;",
    tests: TEST,
    filter: claims("gat_layer", "gpu_gradients"),
    why: "the backward passes the score gradient through LeakyReLU with slope 1 everywhere: " +
      "the gradients of negative raw scores are 5× too large",
  }),
  planted("gat_layer", "gain_before_leaky_relu", "forward", {
    file: KERNEL,
    find: "let e = select(${SLOPE_WGSL} * x, x, x > 0.0);\n    let sc = e * g;",
    replace: "let xg = x * g;\n    let sc = select(${SLOPE_WGSL} * xg, xg, xg > 0.0);",
    tests: TEST,
    filter: claims("gat_layer", "gpu_parity"),
    why: "the gain applied to s_i + t_j before the LeakyReLU instead of after it",
    equivalent: "LeakyReLU is positively homogeneous and the gain 1 + tanh w is ≥ 0, so " +
      "LeakyReLU(g·x) = g·LeakyReLU(x): the two orders give the same scores (up to the order of " +
      "two f32 roundings, inside the derived bounds)",
  }),
];
