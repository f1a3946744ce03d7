/**
 * Claims of Larkos 0.3's edge-gain graph attention layer (impl/larkos/gat_layer/),
 * `_GATLayer` of Okerew/larkos_models:modules/training.py.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definition comes from. */
export const GAT_SOURCE = "Okerew/larkos_models:modules/training.py _GATLayer (forward and " +
  "docstring); larkos 0.3 release notes";

/** The docstring's sentences the divergence claims test. */
const DOCSTRING = "Okerew/larkos_models:modules/training.py _GATLayer docstring";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "larkos", ...c });
}

/** f64 oracle gradients vs central differences. */
export const GAT_GRADCHECK = claim({
  id: "larkos.gat_layer.oracle_gradcheck",
  statement: "the f64 oracle's analytic gradients of h, W.weight, a_src, a_dst and the edge " +
    "weights match central differences (1, 2 and 4 heads, N = 1, 3, 5, sparse and dense graphs, " +
    "gains from w in ±3)",
  source: GAT_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU forward vs the oracle, fuzzed. */
export const GAT_GPU_PARITY = claim({
  id: "larkos.gat_layer.gpu_parity",
  statement: "the GAT layer on the GPU (matmul z = h·Wᵀ, node scores, the fused score + masked " +
    "softmax + aggregation kernel) matches the f64 oracle's output and attention weights element " +
    "by element, fuzzed (>= 100 runs) over B, N (1 and primes), heads 1/2/4, head width, dIn, " +
    "graph density and weights (edge and non-edge w down to −12, up to 30), plus fixed cases " +
    "(N = 8, d 64, 2 heads; N = 33 on two lanes per row; large scores)",
  source: `${GAT_SOURCE}; memspec's kernels against spec/oracle/larkos/gat_layer.ts`,
  bound: "error/bound <= 1, bound per element from a running error analysis replaying the " +
    "kernels' f32 operations (spec/larkos/gat_layer/_bounds.ts: matmul γ_d·Σ|terms|, the f32 " +
    "gain, LeakyReLU's literal slope, WGSL exp 3 + 2|x| ulp, division 2.5 ulp, order-free sums)",
  kind: "parity",
});

/** GPU backward vs the oracle's analytic gradients. */
export const GAT_GPU_GRADIENTS = claim({
  id: "larkos.gat_layer.gpu_gradients",
  statement: "the GPU backward of the GAT layer (four fused kernels plus the matmul backward) " +
    "matches the oracle's analytic gradients of h, W.weight, a_src and a_dst on the same fuzzed " +
    "and fixed cases",
  source: `${GAT_SOURCE}; memspec's kernels against spec/oracle/larkos/gat_layer.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of the backward",
  kind: "parity",
});

/** Oracle and GPU vs torch. */
export const GAT_FIXTURE_PARITY = claim({
  id: "larkos.gat_layer.fixture_parity",
  statement: "the oracle and the GPU match an independent torch 1.13 float64 implementation of " +
    "_GATLayer on stored W.weight, a_src, a_dst, h, A and w: output, per-head attention and the " +
    "gradients of h and every parameter (N = 8 with the reasoner's widths, a 2-batch 5-node " +
    "graph with 4 heads, a 13-node sparse graph with one isolated node)",
  source: `${GAT_SOURCE}; fixtures/gen/larkos_gat_layer_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); GPU: error/bound <= 1 (the derived " +
    "f32 bound plus 1e-12·(1 + |torch|))",
  kind: "parity",
});

/** Rows are distributions over edges only. */
export const GAT_ROWS = claim({
  id: "larkos.gat_layer.property_rows_on_edges",
  statement: "every attention row on the GPU is a distribution over the row's edges: Σ_j α_ij " +
    "= 1 within 1e-6 and α_ij = 0 exactly where A_ij = 0, over random graphs with self-loops " +
    "(density 0.1 to 1, N up to 64, 1/2/4 heads) and random w in ±3",
  source: `${DOCSTRING}: attention is a softmax over each node's connections`,
  bound: "max |Σ_j α_ij − 1| <= 1e-6; off-edge non-zeros == 0",
  kind: "property",
});

/** An isolated node returns (W h)_i exactly. */
export const GAT_ISOLATED = claim({
  id: "larkos.gat_layer.property_isolated_node",
  statement: 'a node whose only edge is its self-loop "updates from itself": its GPU output ' +
    "equals (W h)_i from the same matmul bit for bit (α_ii = 1 exactly), for every head, " +
    "whatever its self-loop weight, and whatever edges point to it",
  source: `${DOCSTRING}: self-loops let an isolated node update from itself`,
  bound: "differing elements == 0",
  direction: "==",
  kind: "exact",
});

/** Permutation equivariance. */
export const GAT_PERMUTATION = claim({
  id: "larkos.gat_layer.property_permutation_equivariance",
  statement: "permuting the nodes, A and w jointly permutes the GPU output: |gat(Ph) − " +
    "P·gat(h)| is within the sum of the two runs' derived bounds (the exact layer is " +
    "equivariant), and within 1e-6 absolute, over random graphs and permutations",
  source: `${GAT_SOURCE} (derived: no positional input, a per-pair score)`,
  bound: "max |gat(Ph) − P·gat(h)| / (bound(Ph) + P·bound(h)) <= 1; max abs difference <= 1e-6",
  kind: "property",
});

/** LeakyReLU sign decides what the gain does. */
export const GAT_GAIN_SIGN = claim({
  id: "larkos.gat_layer.divergence_gain_sign",
  statement: "raising the weight of an edge (Δw > 0) changes its attention with the sign of its " +
    "raw score e_ij: sign(Δα_ij) = sign(e_ij), counted over every (edge, head) pair of random " +
    "graphs (rows with at least two edges) in the f64 oracle and on the GPU",
  source: `${DOCSTRING} ("a strong edge raises its softmax mass without being able to dominate ` +
    'the LeakyReLU sign"); Okerew/larkos_models:Documents/model_architecture.tex (e_ij)',
  bound: "pairs with sign(Δα) ≠ sign(e) == 0",
  direction: "==",
  kind: "property",
  divergence: "the docstring says a strong edge raises its softmax mass; that holds only where " +
    "e_ij > 0. ẽ = e·(1 + tanh w) grows with w only for e > 0, so for a negative raw score a " +
    "larger weight lowers the edge's attention (the counts of pairs that do each are in the " +
    "claim's detail)",
});

/** The self-loop gain at w = 1. */
export const GAT_SELF_GAIN = claim({
  id: "larkos.gat_layer.divergence_self_loop_gain",
  statement: "a self-loop of weight 1 (what the reasoner's graph builder writes) scales its raw " +
    "score by 1 + tanh(1) = 1.761594, measured from the attention weights of the f64 oracle and " +
    "of the GPU, and the gain table the GPU reads holds f32(1 + tanh 1)",
  source: `${DOCSTRING} ("+1 keeps self-loops (weight = 1) at their unscaled score")`,
  bound: "|measured gain − 1.761594| <= 5e-7 (the quoted digits' half unit), for every source",
  kind: "property",
  divergence: "the docstring says the +1 keeps a weight-1 self-loop at its unscaled score; the " +
    "gain at w = 1 is 1 + tanh(1) = 1.761594, so the self-loop's score is scaled by 76%; only " +
    "w = 0 leaves a score unscaled",
});

/** Non-edges are defined to contribute nothing. */
export const GAT_NON_EDGE = claim({
  id: "larkos.gat_layer.divergence_non_edge_weight",
  statement: "memspec defines a non-edge's weight as irrelevant: with non-edge weights of −9.5, " +
    "−10, −20, −1e4 and +1e4 the GPU output and attention are finite and bit-identical to the " +
    "run with those weights set to 0; the original's masking (−∞ then × (1 + tanh w), in f32) " +
    "gives NaN rows for the same inputs",
  source: `${DOCSTRING} ("non-edges are masked to −∞"); ${GAT_SOURCE}`,
  bound: "differing or non-finite elements == 0; rows the original's f32 masking makes NaN >= 1",
  direction: "==",
  kind: "property",
  divergence: "the original multiplies the −∞ of a non-edge by the gain 1 + tanh(w), which is 0 " +
    "in f32 once tanh(w) rounds to −1 (w ≤ −9.01): −∞·0 = NaN, and the whole softmax row turns " +
    "NaN (reachable through forward_from_inputs; build_graph_inputs writes w = 0 on non-edges). " +
    "memspec refuses nothing here: a non-edge takes no part in the softmax, whatever finite " +
    "weight it holds; non-finite weights are refused with a TypeError",
});

/** Bad input raises the documented error before GPU work. */
export const GAT_FAULT = claim({
  id: "larkos.gat_layer.fault",
  statement: "a node without its self-loop (named), adjacency or weights of the wrong type or " +
    "length, adjacency values other than 0/1, NaN or ±Inf weights, h of the wrong rank, width, " +
    "node count or dtype, dOut not divisible by heads, bad widths, seeds and weight arrays, and " +
    "disposed tensors raise the documented typed error naming GATLayer before any GPU work, with " +
    "no leaked buffer and parameters unchanged",
  source: `${GAT_SOURCE}; memspec's error conventions (impl/gpu/errors.ts)`,
  bound: "cases without the documented error = 0",
  kind: "fault",
});
