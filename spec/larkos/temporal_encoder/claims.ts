/**
 * Claims of Larkos 0.3's temporal encoder (impl/larkos/temporal_encoder/):
 * `_TemporalAttentionEncoder` on the GPU and its input pipeline
 * (`_OnlineMinMax`, `fourier_encode`, the 4-frame history).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definitions come from. */
export const TEMPORAL_SOURCE =
  "Okerew/larkos_models:modules/training.py _TemporalAttentionEncoder (L423), " +
  "_OnlineMinMax, fourier_encode and TrainingLoop's input_history; larkos 0.3 release notes";

/** The divergence in words: the original's normaliser makes the Fourier input constant. */
export const CONSTANT_INPUT_DIVERGENCE =
  "The original's _OnlineMinMax moves min and max with the same EMA from the " +
  "same first value, so min ≡ max forever; normalize returns only −3, −1 or +3 (odd integers), " +
  "fourier_encode maps them to sin ≈ 0 (|sin(f32(3·2^e·π))| ≈ 1e-7), cos = ±1, and the 48-dim " +
  "Fourier input is constant at every step (std over 100 steps 2.0e-7 here, as measured on " +
  "the original): the temporal encoder's 'explicit temporal axis to attend over' receives no " +
  "information about the backend. memspec's fix tracks min and max asymmetrically";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "larkos", ...c });
}

/** f64 oracle gradients vs central differences. */
export const TE_GRADCHECK = claim({
  id: "larkos.temporal_encoder.oracle_gradcheck",
  statement: "temporal encoder (x + pos, input LayerNorm, 2 cloned post-norm layers): the f64 " +
    "oracle's analytic gradients of the input, pos, the input LayerNorm and all 24 encoder " +
    "parameters match central differences (small geometry in full, Larkos' 32,000-parameter " +
    "geometry along random directions; eval and training-mode dropout)",
  source: TEMPORAL_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU forward vs oracle. */
export const TE_GPU_PARITY = claim({
  id: "larkos.temporal_encoder.gpu_parity",
  statement: "the temporal encoder on the GPU matches the f64 oracle's output element by " +
    "element at Larkos' sizes ([B, 4, 48], 4 heads, ff 64, 2 layers; B = 1 and 3, eval and " +
    "dropout 0.1 with replayed masks, padded histories) and fuzzed (>= 100 runs) over batch, " +
    "frames, heads, head width, feed-forward width, padding and dropout: each stage " +
    "(LN(x + pos), then each encoder layer) against the oracle on that stage's GPU input, and " +
    "the module's forward equal to its stages run in turn, bit for bit",
  source: `${TEMPORAL_SOURCE}; memspec's kernels against spec/oracle/larkos/temporal_encoder.ts`,
  bound: "error/bound <= 1, bound per element from the running error analysis of every op of " +
    "the stage (spec/larkos/temporal_encoder/_bounds.ts; the layers' from the nn encoder's); " +
    "arrays differing from the stages in turn = 0. Stacked worst-case bounds compound through " +
    "the LayerNorms until vacuous, hence stage by stage plus the exact composition",
  kind: "parity",
});

/** GPU backward vs oracle. */
export const TE_GPU_GRADIENTS = claim({
  id: "larkos.temporal_encoder.gpu_gradients",
  statement: "the GPU gradients of the input, pos, the input LayerNorm and every encoder " +
    "parameter match the oracle's analytic gradients on the same cases, stage by stage from " +
    "each stage's GPU input and incoming GPU gradient, and the module's backward equals its " +
    "stages' backward run in turn, bit for bit",
  source: `${TEMPORAL_SOURCE}; memspec's kernels against spec/oracle/larkos/temporal_encoder.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of the backward; " +
    "arrays differing from the stages in turn = 0",
  kind: "parity",
});

/** Oracle and GPU vs torch. */
export const TE_FIXTURE_PARITY = claim({
  id: "larkos.temporal_encoder.fixture_parity",
  statement: "the oracle matches a torch 1.13 float64 eval-mode temporal encoder (written " +
    "from the math and checked against the original's nn.TransformerEncoder construction) on " +
    "embedded weights, both cloned layers stored: the encoder input LN(x + pos), each layer's " +
    "output and per-head attention weights, the output and the gradients of x and all 27 " +
    "parameters; on the same weights the GPU matches the oracle stage by stage, equals its " +
    "stages in turn bit for bit, and its outputs lie within the fp32 fixture tolerance of " +
    "torch's; the seeded-init case holds identical layers",
  source: `${TEMPORAL_SOURCE}; fixtures/gen/larkos_temporal_encoder_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); GPU stages vs oracle: error/bound " +
    "<= 1 (derived f32 bounds); module ≠ stages: 0 arrays; GPU LN(x + pos), layer outputs and " +
    "output vs torch: max abs <= 1e-5 (the fp32 tolerance set for the larkos module fixtures)",
  kind: "parity",
});

/** _OnlineMinMax trace vs torch float32. */
export const TE_MINMAX_FIXTURE = claim({
  id: "larkos.temporal_encoder.fixture_parity_minmax",
  statement: "OnlineMinMax reproduces a torch float32 _OnlineMinMax trace (120 steps, 6 " +
    "channels, update then normalize) bit for bit: min, max and normalised values, for the " +
    "original tracking and memspec's asymmetric fix; fourierEncode of the normalised values " +
    "matches torch's float32 fourier_encode within sin/cos rounding",
  source: `${TEMPORAL_SOURCE}; fixtures/gen/larkos_temporal_encoder_fixtures.py`,
  bound: "min, max, normalised: differing values = 0; Fourier: |ours − torch| <= 1.5 ulp₃₂ " +
    "(ours correctly rounded, 0.5 ulp; torch's float32 sin/cos within 1 ulp)",
  kind: "parity",
});

/** Shape and frame-order sensitivity (the docstring's learned positions). */
export const TE_SHAPE_ORDER = claim({
  id: "larkos.temporal_encoder.property_shape_frame_order",
  statement: "the temporal encoder maps [1, 4, 48] to [1, 4, 48] (TEMPORAL_WINDOW, " +
    "FOURIER_OUT_DIM), and the learned positional embedding distinguishes frames: swapping two " +
    "frames of a history gives an output that differs from the swapped output (for every pair " +
    "of frames, eval mode, seeded init)",
  source: `${TEMPORAL_SOURCE} (docstring: the learned positional vector carves out frames)`,
  bound: "shape violations = 0, and min over frame pairs of max |y(swapped x) − swap(y(x))| " +
    ">= 1e-3, 100× the GPU-vs-oracle parity scale of this output (≤ 1e-5, the larkos fixtures' " +
    "fp32 tolerance)",
  kind: "property",
  direction: ">=",
});

/** Parameter count, names, init and clones. */
export const TE_PARAMETERS = claim({
  id: "larkos.temporal_encoder.property_parameters_cloned",
  statement: "the temporal encoder has 32,000 parameters as the original's run measured (pos " +
    "192, input_norm 96, 15,856 per encoder layer), in the original's state-dict names and " +
    "order; both encoder layers start bit-identical in their own buffers (nn.TransformerEncoder " +
    "deep-copies its layer); pos ~ N(0, 0.02²) (sample std within 6 standard errors), the input " +
    "LayerNorm ones and zeros; seeded init reproducible; the docstring's '~1.5k parameters' " +
    "is pos at an older window of 6",
  source: `${TEMPORAL_SOURCE}; PyTorch 1.13 nn.TransformerEncoder (_get_clones, copy.deepcopy)`,
  bound: "violations = 0",
  kind: "property",
  direction: "==",
});

/** History, Fourier layout. */
export const TE_PIPELINE = claim({
  id: "larkos.temporal_encoder.property_pipeline_layout",
  statement: "fourier_encode's layout is [sin(x_d·2^e·π)] ++ [cos(x_d·2^e·π)] at index d·4 + e " +
    "(d-major), 48 values; the history is a deque of the last 4 frames, oldest first, " +
    "left-padded with zero frames; the tracked min/max of the fix bound every value seen in the " +
    "last step (min ≤ x ≤ max after update) and the original keeps min ≡ max; the whole " +
    "pipeline (TemporalInputPipeline) is these pieces in turn and its state round-trips",
  source: TEMPORAL_SOURCE,
  bound: "violations = 0",
  kind: "property",
  direction: "==",
});

/** The constant Fourier input of the original, and the fix. */
export const TE_DIVERGENCE = claim({
  id: "larkos.temporal_encoder.divergence_constant_fourier_input",
  statement: "on a seeded synthetic backend trace of 100 steps, the original's normaliser " +
    "(min and max on one EMA) gives a constant Fourier input (max per-dimension std <= 1e-6, " +
    "the bound of the original's own measurement) from normalised values in {−3, −1, +3} only; " +
    "memspec's asymmetric min/max tracking makes every one of the 48 Fourier dimensions vary " +
    "(min std >= 0.1) and the GPU temporal encoder's output depend on the history (eval, the " +
    "97 full windows: mean per-element std >= 0.1, while the original's most varying element " +
    "moves <= 1e-5)",
  source: `${TEMPORAL_SOURCE}; the original's run: Fourier std 2.0e-7 over 100 steps`,
  bound: "parts: original Fourier std <= 1e-6; original values outside {−3, −1, 3} = 0; fix " +
    "min Fourier std >= 0.1; fix encoder-output std >= 0.1; original encoder-output std <= 1e-5 " +
    "(the larkos fixtures' fp32 parity tolerance: indistinguishable from a constant output). " +
    "0.1 is 5% of the [−1, 1] range of a Fourier feature and 10⁵× the original's bound",
  kind: "property",
  divergence: CONSTANT_INPUT_DIVERGENCE,
});

/** Bad input. */
export const TE_FAULT = claim({
  id: "larkos.temporal_encoder.fault",
  statement: "wrong x length or a NaN into OnlineMinMax.update / normalize / fourierEncode / " +
    "FrameHistory.push, bad statistics into setStats, a bad tracking or momentum, wrong " +
    "input shape or dtype, bad weights, sizes or seed, and disposed parameters into the encoder " +
    "raise the documented typed error before any GPU work, with no leaked buffer and the " +
    "normaliser's statistics unchanged",
  source: `${TEMPORAL_SOURCE}; memspec's error conventions (impl/gpu/errors.ts)`,
  bound: "cases without the documented error = 0",
  kind: "fault",
});
