/**
 * Claims of Larkos 0.3's fusion head (impl/larkos/fusion_head/): the
 * `_FusionTransformerHead` of Okerew/larkos_models:modules/training.py, its
 * `_OnlineMeanStd` normaliser and `split_band_q_m`.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the head comes from. */
export const FUSION_SOURCE = "Okerew/larkos_models:modules/training.py _FusionTransformerHead " +
  "(larkos 0.3 release notes: MAX_NEURONS+3 tokens, token-type embeddings, learned-query pool)";

/** Where the normaliser comes from. */
export const MEAN_STD_SOURCE = "Okerew/larkos_models:modules/training.py _OnlineMeanStd " +
  "(TrainingLoop.fused_cog_norm) and _FusionTransformerHead.split_band_q_m";

/** Path of the torch fixture file (fixtures/gen/larkos_fusion_head_fixtures.py). */
export const FUSION_FIXTURE = "fixtures/larkos/fusion_head.json";

/** The stated tolerance of the Larkos module fixtures: f32 against float64 torch, absolute. */
export const FUSION_FIXTURE_GPU_ABS = 1e-5;

/** The bound of the graph-token permutation claim (the original's stated 1e-6). */
export const FUSION_PERMUTATION_ABS = 1e-6;

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "larkos", ...c });
}

/** f64 oracle gradients against central differences. */
export const FH_GRADCHECK = claim({
  id: "larkos.fusion_head.oracle_gradcheck",
  statement: "fusion head: the f64 oracle's analytic gradients of the four inputs and of all " +
    "48 parameter tensors match central differences, in eval mode, in training mode with the " +
    "input dropout, noise and layer dropout replayed, and in training mode with frozenInput",
  source:
    `${FUSION_SOURCE}; spec/oracle/larkos/fusion_head.ts on spec/oracle/nn/transformer_encoder.ts`,
  bound: `max rel error <= ${GRADCHECK_MAX_REL} (central differences along 4 random unit ` +
    "directions for each of the 52 input and parameter tensors, and element by element for " +
    "band_q, band_m and the driver; 3 cases)",
  kind: "gradcheck",
});

/** GPU forward against the oracle, stage by stage. */
export const FH_GPU_PARITY = claim({
  id: "larkos.fusion_head.gpu_parity",
  statement: "fusion head on the GPU: every stage's output (typed tokens, the encoder input " +
    "after LayerNorm, dropout and noise, each of the 3 encoder layers, the pool weights a, " +
    "the pooled vector and the output) matches the f64 oracle run on that stage's f32 GPU " +
    "input, element by element, batches 1 to 4, eval and training, frozen or not (4 fixed " +
    "and 8 fuzzed cases)",
  source: `${FUSION_SOURCE}; memspec's kernels against spec/oracle/larkos/fusion_head.ts`,
  bound: "error/bound <= 1, bound per element from the running error analysis of every op of " +
    "the stage (spec/larkos/fusion_head/_bounds.ts; layers as nn.transformer_encoder)",
  kind: "parity",
});

/** GPU backward against the oracle, stage by stage. */
export const FH_GPU_GRADIENTS = claim({
  id: "larkos.fusion_head.gpu_gradients",
  statement:
    "the GPU gradients of the fusion head's inputs and of all 48 parameter tensors match the " +
    "oracle's analytic gradients stage by stage (each stage from its f32 GPU input and the GPU " +
    "gradient reaching its output), on the same cases",
  source: `${FUSION_SOURCE}; memspec's kernels against spec/oracle/larkos/fusion_head.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of the backward",
  kind: "parity",
});

/** The single graph equals its stages. */
export const FH_COMPOSITION = claim({
  id: "larkos.fusion_head.property_staged_composition",
  statement: "the head's forward and backward as one autograd graph equal, bit for bit, its " +
    "stages (embed, the 3 encoder layers with seeds hashU32(hashU32(s, 2), i), pool) run in " +
    "turn on leaf copies of the previous stage's output and back-propagated from the next " +
    "stage's gradient: every intermediate, the output, and every input and parameter " +
    "gradient; with the stage-wise parity claims this covers the whole head, whose worst-case " +
    "f32 bounds compound through the LayerNorms until vacuous",
  source: `${FUSION_SOURCE}: forward (a composition of these stages)`,
  bound: "differing arrays = 0",
  kind: "exact",
  direction: "==",
});

/** Structure: sequence, token types, layers, parameters, pool weights. */
export const FH_STRUCTURE = claim({
  id: "larkos.fusion_head.property_structure",
  statement: "the head attends over MAX_NEURONS + 3 = 11 tokens with 4 token types " +
    "(graph 0 ×8, band_q 1, band_m 2, driver 3), 3 encoder layers of d 64, 4 heads, ff 128; " +
    "output [B, 8], pool weights [B, 11], non-negative and summing to 1 within the derived " +
    "bound; 106,184 parameters (the original's measured count, exact) under the original's " +
    "state-dict names in torch's order, the three layers identical at init (cloned)",
  source: `${FUSION_SOURCE}; Okerew/larkos_models:Documents/model_architecture.tex (Fusion ` +
    "Transformer Head)",
  bound: "violations = 0 (|Σa − 1| <= Σ of the pool weights' derived f32 bounds)",
  kind: "property",
  direction: "==",
});

/** Graph-token permutation invariance in eval mode. */
export const FH_PERMUTATION = claim({
  id: "larkos.fusion_head.property_graph_permutation",
  statement: "in eval mode the output is invariant to permuting the 8 graph tokens " +
    "(one shared type embedding, no positions, a symmetric pool): max |out(πG) − out(G)| over " +
    "random permutations, batches and inputs on the GPU (the original measured 6e-8)",
  source: `${FUSION_SOURCE} (derived)`,
  bound: `max abs difference <= ${FUSION_PERMUTATION_ABS}`,
  kind: "property",
});

/** frozenInput switches the input dropout and noise off. */
export const FH_FROZEN_INPUT = claim({
  id: "larkos.fusion_head.property_frozen_input",
  statement: "in training mode with frozenInput the encoder's input is exactly " +
    "LayerNorm(tokens): bit-identical to eval mode's and across call seeds (no input dropout, " +
    "no noise), and the same inputs with the same seed give a bit-identical output; control: " +
    "without frozenInput the encoder input differs between seeds and from eval's",
  source: `${FUSION_SOURCE}: forward (if self.training and not frozen_input: dropout, noise)`,
  bound: "violations = 0",
  kind: "property",
  direction: "==",
});

/** Where the original's frozen_input does not make training deterministic. */
export const FH_FROZEN_DIVERGENCE = claim({
  id: "larkos.fusion_head.divergence_frozen_input_layer_dropout",
  statement: "frozenInput does not make the head deterministic in training mode: the encoder " +
    "layers' own dropout (p = 0.1) still applies, so frozen calls with different seeds give " +
    "different outputs (memspec, every seed pair) as torch's do (the fixture's two train-mode " +
    "frozen_input=True runs of the original's head differ); only eval mode is deterministic",
  source: `${FUSION_SOURCE}: docstring ("in-graph dropout + noise are skipped on a frozen-` +
    'target window") and forward (frozen_input gates only the input dropout and noise)',
  bound: "seed pairs with identical outputs = 0, and the torch pair differs",
  kind: "property",
  direction: "==",
  divergence: "the docstring says a frozen window skips the in-graph dropout (so training " +
    "mode with a frozen input would be deterministic); the encoder layers stay in training " +
    "mode, so their dropout still draws masks on every call: in torch, the fixture's head " +
    "called twice with frozen_input=True (torch seeds 1 and 2) gives outputs up to 0.106 apart",
});

/** Oracle and GPU against torch. */
export const FH_FIXTURE_PARITY = claim({
  id: "larkos.fusion_head.fixture_parity",
  statement: "the oracle and the GPU match an independent torch 1.13 float64 eval-mode " +
    "implementation of the head with torch-initialised weights (cloned identical layers): " +
    "typed tokens, the encoder input, each layer's output, pool weights a, pooled vector, " +
    "output; the oracle also every input and parameter gradient",
  source: `${FUSION_SOURCE}; fixtures/gen/larkos_fusion_head_fixtures.py`,
  bound: `oracle: |oracle − torch| <= ${FIXTURE_F64_REL}·(1 + |torch|); GPU: |gpu − torch| <= ` +
    `${FUSION_FIXTURE_GPU_ABS} (the stated f32 tolerance of the Larkos module fixtures)`,
  kind: "parity",
});

/** _OnlineMeanStd against torch. */
export const FH_MEAN_STD_FIXTURE = claim({
  id: "larkos.fusion_head.fixture_parity_online_mean_std",
  statement: "OnlineMeanStd reproduces a torch float64 trace of the original's _OnlineMeanStd " +
    "(momentum 0.02, first update mean = x and var = 1, std floor 0.1, clamp ±3) over a " +
    "sequence with a constant dimension (floor) and outliers (clamp): mean, var and the " +
    "normalised vector after every step",
  source: MEAN_STD_SOURCE,
  bound: `|memspec − torch| <= ${FIXTURE_F64_REL}·(1 + |torch|)`,
  kind: "parity",
});

/** Stats round trip and the band split. */
export const FH_MEAN_STD_STATE = claim({
  id: "larkos.fusion_head.property_mean_std_state",
  statement: "OnlineMeanStd's stats()/setStats() resume a trace bit for bit (a restored copy " +
    "continues exactly like the original), normalize stays within ±3 and uses the std floor; " +
    "splitBandQM returns fused[:, :32] and fused[:, 32:] exactly, and its gradient routes " +
    "each band's gradient back to its half",
  source: MEAN_STD_SOURCE,
  bound: "violations = 0",
  kind: "property",
  direction: "==",
});

/** Bad input raises the documented typed error before GPU work. */
export const FH_FAULT = claim({
  id: "larkos.fusion_head.fault",
  statement: "wrong token widths or ranks, a batch mismatch between the inputs, an empty " +
    "batch, i32 or disposed inputs, a bad seed or frozenInput, missing, unknown, short or " +
    "NaN weights, a bad dropout; NaN, ±∞ or wrong-length vectors given to OnlineMeanStd " +
    "(its statistics unchanged), bad statistics, and a wrongly shaped fused vector raise " +
    "the documented typed error before any GPU work, with no leaked buffer",
  source: `${FUSION_SOURCE}; memspec's error conventions (impl/validate.ts)`,
  bound: "cases without the documented error = 0",
  kind: "fault",
});
