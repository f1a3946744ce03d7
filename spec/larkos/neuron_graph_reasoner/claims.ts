/**
 * Claims of Larkos 0.3's neuron-graph reasoner (impl/larkos/neuron_graph_reasoner/):
 * `build_graph_inputs` on the host and the two-layer residual GAT on the GPU.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definition comes from. */
export const NGR_SOURCE = "Okerew/larkos_models:modules/training.py _NeuronGraphReasoner " +
  "(build_graph_inputs, forward_from_inputs) and its comments; Documents/model_architecture.tex";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "larkos", ...c });
}

/** Feature layout and edge rules, exact. */
export const NGR_LAYOUT = claim({
  id: "larkos.neuron_graph_reasoner.property_feature_layout",
  statement: "build_graph_inputs gives the documented 8-feature layout (state, output, " +
    "[layer = 0], [layer = 1], tanh(raw num_connections / 6), state − prev_state, |output|, " +
    "tanh(mean usable edge weight) or 0), missing neurons defaulted, and the documented edges " +
    "(A = I with w_ii = 1; slots < min(num_conn, 6, len) with a target in [0, 8); a weight " +
    "when the slot has one; a self-connection overwrites w_ii): bit-exact against the PyTorch " +
    "generator's independent build and against hand-written cases",
  source: `${NGR_SOURCE}; fixtures/gen/larkos_neuron_graph_reasoner_fixtures.py`,
  bound: "differing features, adjacency entries and weights == 0",
  kind: "exact",
  direction: "==",
});

/** The velocity feature is refresh-to-refresh. */
export const NGR_VELOCITY = claim({
  id: "larkos.neuron_graph_reasoner.property_velocity_refresh",
  statement: "the velocity feature is measured refresh to refresh: building twice with the same " +
    "neuron map gives f₅ = 0 exactly on the second call for every neuron (the buffer moves on " +
    "every call), a changed state gives its difference from the call just before (an " +
    "alternating sequence of five calls), and stats()/setStats() restore the buffer",
  source: NGR_SOURCE,
  bound: "violations == 0",
  kind: "exact",
  direction: "==",
});

/** The degree feature disagrees with the edges. */
export const NGR_DEGREE = claim({
  id: "larkos.neuron_graph_reasoner.divergence_degree_feature",
  statement: "the degree feature f₄ = tanh(num_connections/6) counts the raw num_connections, " +
    "invalid targets and slots past the list included, while the edges use only valid targets: " +
    "on a neuron with connections [1, 9, −2, 8] (num_connections 4) f₄ = tanh(4/6) while its " +
    "one usable edge gives tanh(1/6); memspec keeps the original's f₄ and reports the gap",
  source: NGR_SOURCE,
  bound: "|f₄ − tanh(valid edges/6)| >= 0.1 (the two counts differ by at least one edge)",
  kind: "property",
  direction: ">=",
  divergence: "the original's comment calls f₄ the connection degree; it is the backend's " +
    "num_connections, which can count out-of-range targets and slots beyond the connection " +
    "list, so it can disagree with the graph the GAT sees (measured gap tanh(4/6) − tanh(1/6) " +
    "= 0.4172 on the hand case)",
});

/** Bad neuron maps raise typed errors. */
export const NGR_FAULT = claim({
  id: "larkos.neuron_graph_reasoner.fault",
  statement: "a malformed neuron map (unknown key, NaN state, non-integer connection or layer, " +
    "negative num_connections, non-array connections), bad stats, a reasoner given features " +
    "of the wrong shape, NaN features, edges of the wrong node count or without self-loops, or " +
    "bad weights raise the documented typed error before any GPU work, with no leaked buffer " +
    "and the velocity buffer and parameters unchanged",
  source: `${NGR_SOURCE}; memspec's error conventions (impl/gpu/errors.ts)`,
  bound: "cases without the documented error == 0",
  kind: "fault",
  direction: "==",
});

/** Oracle gradients. */
export const NGR_GRADCHECK = claim({
  id: "larkos.neuron_graph_reasoner.oracle_gradcheck",
  statement: "the f64 oracle's analytic gradients of the node features and all 9,792 " +
    "parameters (Linear, per-neuron embedding, both GAT layers, both LayerNorms) match central " +
    "differences",
  source: NGR_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU forward, stage by stage. */
export const NGR_GPU_PARITY = claim({
  id: "larkos.neuron_graph_reasoner.gpu_parity",
  statement: "every forward stage of the reasoner on the GPU (embed = Linear + per-neuron " +
    "embedding, each GAT layer's output and attention, each residual ELU LayerNorm) matches " +
    "its f64 oracle stage element by element, each stage run on the f32 values the GPU " +
    "produced upstream; 8 fixed cases and >= 100 fuzzed ones (seeded neuron maps with " +
    "missing neurons and invalid targets, batch 1–3, E scale 0.02–1)",
  source: `${NGR_SOURCE}; memspec's kernels against spec/oracle/larkos/neuron_graph_reasoner.ts`,
  bound: "error/bound <= 1, bound per element from the running error analysis of each stage " +
    "(spec/larkos/neuron_graph_reasoner/_bounds.ts; the GAT layer's own analysis)",
  kind: "parity",
});

/** GPU backward, stage by stage. */
export const NGR_GPU_GRADIENTS = claim({
  id: "larkos.neuron_graph_reasoner.gpu_gradients",
  statement: "every backward stage on the GPU (the gradients of the features, of h through the " +
    "GAT and through the residual and their sum, of G through ELU, and of all 9,792 " +
    "parameters) matches the oracle's analytic stage gradients, each stage run from the f32 " +
    "gradient the GPU produced downstream, on the same cases",
  source: `${NGR_SOURCE}; memspec's kernels against spec/oracle/larkos/neuron_graph_reasoner.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of each backward stage",
  kind: "parity",
});

/** The module's forward and backward equal the staged chain. */
export const NGR_COMPOSITION = claim({
  id: "larkos.neuron_graph_reasoner.property_composition",
  statement: "NeuronGraphReasoner.forward and its backward equal the stages (embed, GAT, mix) " +
    "chained through leaves bit for bit: output, feature gradient and every parameter " +
    "gradient, so the stage-wise parity claims cover the module as a whole",
  source: `${NGR_SOURCE}; impl/larkos/neuron_graph_reasoner/neuron_graph_reasoner.ts`,
  bound: "differing arrays == 0",
  kind: "exact",
  direction: "==",
});

/** Oracle and GPU vs torch. */
export const NGR_FIXTURE_PARITY = claim({
  id: "larkos.neuron_graph_reasoner.fixture_parity",
  statement: "the oracle and the GPU match an independent PyTorch float64 implementation " +
    "(every weight stored) on three neuron graphs: h⁰, each GAT layer's output and per-head " +
    "attention, h after each layer, the output, and the gradients of the features and of " +
    "every parameter",
  source: `${NGR_SOURCE}; fixtures/gen/larkos_neuron_graph_reasoner_fixtures.py`,
  bound: "oracle, every array: |oracle − torch| <= 1e-12·(1 + |torch|); GPU: every stage " +
    "within its derived bound of the oracle stage on the fixture's weights (error/bound <= 1), " +
    "and the GPU's end-to-end forward arrays within the stated fp32 fixture tolerance 1e-5 of torch",
  kind: "parity",
});

/** Permutation equivariance with E = 0, broken with E ≠ 0. */
export const NGR_EQUIVARIANCE = claim({
  id: "larkos.neuron_graph_reasoner.property_permutation_equivariance",
  statement: "the learned per-neuron embedding is what breaks the symmetry: with E = 0 the " +
    "reasoner is permutation-equivariant (permuting the features, A and w together permutes " +
    "the output), with E ≠ 0 (init scale 0.02) it is not",
  source: `${NGR_SOURCE} ("learned per-neuron embedding ensures distinct tokens for symmetric ` +
    'nodes", larkos 0.3 release notes)',
  bound: "f64 oracle, E = 0: max |F(Px) − P·F(x)| <= 1e-12; E ≠ 0: >= 0.01; GPU stage-wise " +
    "with E = 0: each stage on permuted inputs within its own and the unpermuted stage's bounds",
  kind: "property",
});

/** Shape and LayerNorm statistics. */
export const NGR_SHAPE_LN = claim({
  id: "larkos.neuron_graph_reasoner.property_shape_layer_norm",
  statement: "the output has shape [1, MAX_NEURONS, 64] = [1, 8, 64] (and [B, 8, 64] for a " +
    "batch), and with the LayerNorm affine at its init (γ = 1, β = 0) every output token on " +
    "the GPU has mean 0 and variance σ²/(σ² + eps) ≈ 1 (residual + post-LN after each layer)",
  source: NGR_SOURCE,
  bound: "per token: |mean| and |var − σ²/(σ² + eps)| within the bounds implied by the last " +
    "stage's derived element bounds (ratio <= 1)",
  kind: "property",
});

/** Parameter count, names and init. */
export const NGR_PARAMETERS = claim({
  id: "larkos.neuron_graph_reasoner.property_parameters",
  statement: "the reasoner has 9,792 parameters (Linear 576, E 512, each GAT layer 4,224, " +
    "each LayerNorm 128) under torch-style state-dict names; init as torch (Linear " +
    "U(±1/√8), E ~ N(0, 0.02²), GAT as _GATLayer, LayerNorm ones and zeros), reproducible by seed",
  source: NGR_SOURCE,
  bound: "violations == 0",
  kind: "exact",
  direction: "==",
});
