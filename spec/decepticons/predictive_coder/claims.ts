/**
 * Claims of the decepticons ByteLatentPredictiveCoder: the byte-latent
 * feature trace, its patching, the ridge readout and its calibration, and
 * generation. The original is asuramaya/decepticons v0.1.3,
 * src/decepticons/adapters.py (with latents.py, patching.py, views.py,
 * readout.py, metrics.py) and tests/test_coder.py. The f64 oracle is
 * spec/oracle/decepticons/predictive_coder.ts; numpy parity goes through
 * fixtures/decepticons/coder.json (fixtures/gen/decepticons_coder_fixtures.py).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const DC = "asuramaya/decepticons v0.1.3";
const SRC = `${DC} src/decepticons`;

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The feature width. */
export const CODER_FEATURE_DIM = claim({
  id: "decepticons.predictive_coder.property_feature_dim",
  direction: "==",
  statement: "the coder's feature width is 2·reservoir_features + global_dim + latent_dim + 3 " +
    "(387 at the defaults) and every trace row has that width",
  source: `${SRC}/latents.py, views.py; tests/test_primitives.py (feature_dim, trace shapes)`,
  bound: "exact: 387 at the defaults; the trace of fuzzed configs has (n − 1)·D values",
  kind: "exact",
});

/** Every committed patch stays within its length bounds. */
export const CODER_PATCH_BOUNDS = claim({
  id: "decepticons.predictive_coder.property_patch_bounds",
  statement: "every committed patch has length in [min_patch, max_patch] (adaptive: at most " +
    "patch_size; fixed: exactly patch_size unless max_patch is smaller), a trailing partial " +
    "patch is shorter than max_patch, and patches = commits + (trailing partial ? 1 : 0)",
  source: `${SRC}/patching.py, AdaptiveSegmenter (the bounds derived)`,
  bound: "exact over 200 fuzzed configs (both modes, random bounds and thresholds) and random " +
    "substrate streams (f64 oracle)",
  kind: "property",
});

/** The feature trace is causal. */
export const CODER_CAUSALITY = claim({
  id: "decepticons.predictive_coder.property_causality",
  statement: "φ_t depends only on x_0..x_t: the trace of a prefix equals the first rows of the " +
    "full trace, and changing tokens after t leaves rows 0..t unchanged",
  source: `${SRC}/adapters.py, ByteLatentPredictiveCoder (derived from the construction)`,
  bound: "bit-for-bit equality over 60 fuzzed reservoirs, draws, streams and cut points " +
    "(f64 oracle), and on the quickstart text",
  kind: "exact",
});

/** The same draws and text give the same model. */
export const CODER_DETERMINISM = claim({
  id: "decepticons.predictive_coder.property_determinism",
  statement: "the same draws and text give identical features, ridge weights and logits",
  source: `${SRC}/adapters.py, factories.py (seeded construction)`,
  bound: "bit-for-bit equality of two independent runs of the f64 pipeline on the quickstart text",
  kind: "exact",
  divergence: "The original's determinism comes from numpy's seeded PCG64 (seeds 7, 24, 108); " +
    "memspec's oracle takes the draws explicitly (here numpy's, from the fixture), so the claim " +
    "covers the pipeline, not the construction of the draws.",
});

/** Greedy generation continues "0101…". */
export const CODER_GREEDY_0101 = claim({
  id: "decepticons.predictive_coder.behaviour_greedy_0101",
  statement: 'fitted on "0101010101010101" × 32 with the original test\'s small config, greedy ' +
    'generation from "0" for 8 steps gives "010101010"',
  source: `${DC} tests/test_coder.py (test_greedy_generation_keeps_simple_pattern)`,
  bound:
    "differing characters = 0: exact string equality (f64 oracle on numpy's draws: ESN 96, c 0.12, ρ 0.9, leak 0.35, " +
    "seed 11; F = G = L = 24; patches 2..8 of 4, novelty 0.08; ridge 1e-5)",
  kind: "exact",
});

/** The ridge readout's quickstart bpb (the calibration finding). */
export const CODER_RIDGE_FAITHFUL = claim({
  id: "decepticons.predictive_coder.fixture_parity_ridge",
  statement: "the faithful ridge readout (one-hot ridge with unpenalised bias, softmax of its " +
    "outputs) reproduces the original's quickstart train bpb of 6.58",
  source: `${SRC}/readout.py, metrics.py; README quickstart (the original, re-run: bpb 6.5806)`,
  bound: "|bpb − 6.58| ≤ 0.05 (f64 pipeline on numpy's draws, quickstart text, 2815 rows)",
  kind: "behaviour",
  divergence: "Finding, not a bug in the port: the ridge outputs regress one-hot targets, so " +
    "even a perfect fit gives logits ≈ 1 for the target and ≈ 0 elsewhere, p(target) ≈ " +
    "e/(e + 255) and bpb ≥ log2(255 + e) − log2(e) ≈ 6.567. The figure says nothing about " +
    "compression while greedy generation is exact; memspec's calibrated readout " +
    "(decepticons.predictive_coder.behaviour_calibrated) is the one that measures it.",
});

/** Calibrated readout (memspec's gate on the calibration finding). */
export const CODER_CALIBRATED = claim({
  id: "decepticons.predictive_coder.behaviour_calibrated",
  statement: "a log-loss-trained (softmax cross-entropy) readout on the same features gives " +
    "calibrated probabilities: train bpb on the quickstart text below 0.5",
  source: `${SRC}/readout.py (ridge only); memspec: require calibrated probabilities when ` +
    "claiming compression",
  bound: "bpb < 0.5 on the quickstart text (GPU readout)",
  kind: "behaviour",
  divergence: "The original offers only the ridge readout, whose bpb stays ≥ 6.57 (see " +
    "decepticons.predictive_coder.fixture_parity_ridge).",
});

/** README quickstart greedy output. */
export const CODER_GREEDY_QUICKSTART = claim({
  id: "decepticons.predictive_coder.behaviour_greedy_quickstart",
  statement: 'fitted on the quickstart text, greedy generation from "predictive " continues ' +
    'the line ("predictive coding likes repeated structure.\\npredict…")',
  source: `${DC} README quickstart (generate(prompt, steps=40, greedy=True))`,
  bound:
    "differing characters = 0: exact string equality with the numpy reference's 40-step continuation",
  kind: "behaviour",
});

/** Oracle vs numpy. */
export const CODER_FIXTURE = claim({
  id: "decepticons.predictive_coder.fixture_parity",
  statement: "the f64 oracle reproduces numpy's f64 reference on numpy's draws: substrate " +
    "states, features, every boundary, the patch count, ridge logits and train bpb",
  source: "fixtures/gen/decepticons_coder_fixtures.py (planned: features 1e-9, readout 1e-4)",
  bound: "features and states: max |oracle − numpy| ≤ 1e-9; boundaries and patches exact; " +
    "logits and bpb ≤ 1e-7 (κ ≈ 8e6 normal system; tighter than the planned 1e-4)",
  kind: "parity",
});

/** GPU vs f64. */
export const CODER_GPU_PARITY = claim({
  id: "decepticons.predictive_coder.gpu_parity",
  statement: "the GPU predictive coder's features, boundaries and readout agree with the f64 " +
    "oracle and the numpy fixture within the ledger's f32 bounds",
  source: `${SRC}/adapters.py, ByteLatentPredictiveCoder; memspec's GPU coder against ` +
    "spec/oracle/decepticons/predictive_coder.ts",
  bound: "per-element bounds from invariants/tolerance.ts (GPU helper's derivation)",
  kind: "parity",
});

/** Held-out text (memspec's gate on what the train bpb measures). */
export const CODER_HELD_OUT = claim({
  id: "decepticons.predictive_coder.divergence_held_out",
  statement: "the coder's bits per byte on its own training text do not carry to held-out text: " +
    "fitted (calibrated readout) on the first 3 KiB of memspec's prose corpus, it scores the " +
    "last 1 KiB worse than the training text's unigram model, while it scores its training " +
    "text better than that unigram",
  source:
    `${SRC}/adapters.py, ByteLatentPredictiveCoder.fit (train bits per byte as the compression ` +
    "figure); memspec's corpus fixtures/corpus/byte_lm.txt",
  bound: "train bpb <= train unigram entropy; held-out bpb >= the train unigram's cross-entropy " +
    "on the held-out bytes (figure: held-out bpb minus that cross-entropy, >= 0)",
  direction: ">=",
  kind: "behaviour",
  divergence: "The original reports the bits per byte of the text it was fitted on as its " +
    "compression figure. On held-out prose that figure does not hold: memspec measured train " +
    "2.93 bpb and held-out 10.5 bpb against a unigram cross-entropy of 4.36 (3 KiB / 1 KiB); " +
    "8 KiB of training still gave 5.69 held-out against 4.32. The readout memorises features " +
    "of the training bytes; train bpb says nothing about compression of new text.",
});

/** The GPU ridge readout solves its normal equations. */
export const CODER_RIDGE_NORMAL_EQUATIONS = claim({
  id: "decepticons.predictive_coder.property_ridge_normal_equations",
  statement:
    "the fitted ridge readout W solves the f64 normal equations (FᵀF + αI')W = FᵀY of the " +
    "GPU's own features, with the bias column unpenalised, up to the f32 rounding of W",
  source: `${SRC}/adapters.py, ByteLatentPredictiveCoder.fit (ridge readout with an ` +
    "unpenalised bias)",
  bound: "worst residual / (f64 Cholesky rounding + f32 rounding of W) <= 1 (small coder, α 0.5)",
  kind: "property",
});

/** The fit command on real input. */
export const CODER_FIT_CLI = claim({
  id: "decepticons.predictive_coder.behaviour_fit_cli",
  statement: "deno task fit refuses an input past the adapter's limit in bytes, naming " +
    "--max-bytes, before any GPU work; fits a binary file as bytes; and by default (calibrated " +
    "readout, greedy) continues the quickstart prompt with its sentence, streaming each byte to " +
    "stdout with progress on stderr",
  source: `${SRC}/cli.py (fit command: --input, --prompt, --generate, --temperature, --greedy)`,
  bound: "0 failing cases; 0 buffers allocated by the refusal; >= one stdout write per byte; " +
    ">= 2 progress lines; the default run's train bits/byte <= 0.5 (the calibrated readout)",
  kind: "behaviour",
});
