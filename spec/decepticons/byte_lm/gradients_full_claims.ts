/**
 * Claims of the byte LM's full gradient on the readout path: every parameter of the model, the
 * readouts' own included, against the f64 oracle's backward from the loss
 * (spec/oracle/decepticons/byte_lm_full_backward.ts).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const ORIG = "asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7) and " +
  "readouts_torch.py: linear_readout_kind, readout_bands, mix_mode, the GRU and tied readouts";
const ORACLE = "spec/oracle/decepticons/byte_lm_full_backward.ts";

/** The full LM's GPU gradients against the oracle's full backward. */
export const BYTE_LM_FULL_GPU_GRADIENTS: Claim = declareClaim({
  family: "decepticons",
  id: "decepticons.byte_lm.gpu_gradients_full",
  statement: "on the readout path, for routed expert bands with the gated mix on the learned " +
    "recurrence with two blocks, the normalised tied-embedding readout on the frozen bank (the " +
    "embedding table gets gradient through the input and the readout), the recurrent GRU " +
    "readout, the tied-recursive readout with the gated mix on gated retention with two " +
    "blocks, tied-embedding bands on the gated delta rule, and the hash memory on the frozen " +
    "bank, the GPU's gradient of the training objective (the mean cross-entropy, plus " +
    "balanceCoef times the routers' balance loss where the readout routes) with respect to " +
    "every parameter of lm.parameters (readout, local path, mix, hash memory, substrate, " +
    "blocks, embedding) equals the f64 oracle's full backward from that objective, each " +
    "backward stage on the forward values the GPU fed it (its features, window and logits; " +
    "the features within their derived forward bound of the oracle's)",
  source: `${ORIG}; ${ORACLE}`,
  bound: "|gpu - oracle| <= (e_stage + |J|ᵀ·e_in)·(1 + 2^-20) per element: e_stage the running " +
    "f32 bound of the stage that produced it, on the GPU's own inputs (cross-entropy: " +
    "crossEntropyBounds; gated mix and readouts: spec/decepticons/readouts/_bounds.ts; the GRU: " +
    "spec/nn/gru/_bounds.ts and a tracked output layer; the hash memory: spec/decepticons/" +
    "hash_memory/_bounds.ts; the routers' balance backward tracked from the features; " +
    "substrate, blocks and embedding: spec/decepticons/byte_lm/_bounds.ts from the GPU's " +
    "adjoints), e_in the composed bound of the adjoint the stage started from, carried by the " +
    "absolute value of the stage's exact (linear) Jacobian in that adjoint, and autograd's " +
    "sums where paths meet bounded in any order; worst ratio <= 1 over every element, the " +
    "adjoints between the stages within their composed bounds, every parameter compared",
  kind: "parity",
});
