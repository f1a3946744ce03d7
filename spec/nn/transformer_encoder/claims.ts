/**
 * Claims of the post-norm transformer encoder (impl/nn/transformer_encoder/)
 * with PyTorch 1.13 `nn.TransformerEncoderLayer` / `nn.TransformerEncoder` semantics.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definition comes from. */
export const ENCODER_SOURCE = "PyTorch 1.13 torch.nn.TransformerEncoderLayer (norm_first=False) " +
  'and torch.nn.TransformerEncoder; Vaswani et al., "Attention Is All You Need" (2017), §3.1';

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "nn", ...c });
}

/** f64 oracle gradients vs central differences. */
export const ENC_GRADCHECK = claim({
  id: "nn.transformer_encoder.oracle_gradcheck",
  statement:
    "encoder layer and 2-layer encoder: the f64 oracle's analytic gradients of the input " +
    "and all twelve parameters per layer match central differences, ReLU and exact GELU, masks " +
    "off and on, dropout off and on (fixed seeded masks)",
  source: ENCODER_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU forward vs oracle, fuzzed. */
export const ENC_GPU_PARITY = claim({
  id: "nn.transformer_encoder.gpu_parity",
  statement: "the encoder layer on the GPU matches the f64 oracle's output element by element, " +
    "fuzzed (>= 100 runs) over B, L, heads, dh, dim_feedforward (sizes 1 and primes), ReLU and " +
    "exact GELU, masks and training-mode dropout on and off, plus d = 48 and 64",
  source: `${ENCODER_SOURCE}; memspec's kernels against spec/oracle/nn/transformer_encoder.ts`,
  bound: "error/bound <= 1, bound per element from the running error analysis of every op the " +
    "layer runs (spec/nn/transformer_encoder/_bounds.ts; attention as nn.multihead_attention)",
  kind: "parity",
});

/** GPU backward vs oracle. */
export const ENC_GPU_GRADIENTS = claim({
  id: "nn.transformer_encoder.gpu_gradients",
  statement: "the GPU gradients of the encoder layer's input and parameters match the oracle's " +
    "analytic gradients on the same fuzzed and fixed cases",
  source: `${ENCODER_SOURCE}; memspec's kernels against spec/oracle/nn/transformer_encoder.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of the backward",
  kind: "parity",
});

/** Oracle and GPU vs torch. */
export const ENC_FIXTURE_PARITY = claim({
  id: "nn.transformer_encoder.fixture_parity",
  statement:
    "the oracle and the GPU match torch 1.13 TransformerEncoderLayer (ReLU and GELU) and " +
    "a 2-layer TransformerEncoder (float64, eval) on embedded weights: output, input gradient and " +
    "every parameter gradient, masks off and on",
  source: `${ENCODER_SOURCE}; fixtures/gen/nn_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); GPU: error/bound <= 1 (derived f32 " +
    "bound plus 1e-12·(1 + |torch|))",
  kind: "parity",
});

/** Clones start identical, in their own buffers. */
export const ENC_CLONES = claim({
  id: "nn.transformer_encoder.property_clones_identical",
  statement: "TransformerEncoder(layer, n) holds n clones whose parameters equal the layer's bit " +
    "for bit, each in its own buffer (changing one layer changes no other); the initialisation " +
    "follows torch (xavier_uniform_ in_proj, zero attention biases, Linear U(±1/√fan_in), " +
    "LayerNorm ones and zeros) and is reproducible by seed",
  source: `${ENCODER_SOURCE}: _get_clones (copy.deepcopy), MultiheadAttention._reset_parameters, ` +
    "nn.Linear.reset_parameters",
  bound: "violations = 0",
  kind: "property",
});

/** A stack equals its layers run in turn. */
export const ENC_COMPOSITION = claim({
  id: "nn.transformer_encoder.property_composition",
  statement: "TransformerEncoder's forward and backward equal its layers run one after another " +
    "with seeds hashU32(seed, i), bit for bit (output, input gradient, every parameter " +
    "gradient), in training mode with masks; with the single-layer parity claims this covers " +
    "stacks, whose worst-case f32 bounds compound through the LayerNorms until vacuous",
  source: `${ENCODER_SOURCE}: TransformerEncoder.forward (a loop over the layers)`,
  bound: "differing arrays = 0",
  kind: "exact",
});

/** Dropout only in training, reproducible by seed. */
export const ENC_DROPOUT = claim({
  id: "nn.transformer_encoder.property_dropout",
  statement: "in eval mode the layer equals the dropout-free oracle (dropout 0.1 configured) and " +
    "the seed does not matter; in training mode the same seed gives bit-identical outputs, " +
    "another seed a different one, and the output equals the oracle with the replayed masks",
  source: `${ENCODER_SOURCE}; impl/ops/dropout.ts (seeded counter-based masks)`,
  bound: "violations = 0",
  kind: "property",
});

/** Bad input raises the documented error before GPU work. */
export const ENC_FAULT = claim({
  id: "nn.transformer_encoder.fault",
  statement: "d not divisible by nhead, bad dim_feedforward, dropout, activation and layer " +
    "count, wrong src shape or dtype, malformed or fully masked src masks, bad weights and " +
    "disposed parameters raise the documented typed error before any GPU work, with no leaked " +
    "buffer and parameters unchanged",
  source: `${ENCODER_SOURCE}; memspec's error conventions (impl/gpu/errors.ts)`,
  bound: "cases without the documented error = 0",
  kind: "fault",
});
