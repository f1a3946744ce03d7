/**
 * Claims of the substrate transforms inside the causal-bank byte LM (impl/decepticons/byte_lm/
 * byte_lm.ts with the modules of impl/decepticons/substrate_transforms/): the bank router on the
 * drive, the overwrite gate inside the bank's recurrence, then after the substrate (and blocks,
 * static gate, noise) the magnitude feature, the mode selector and temporal attention. The
 * original is asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7)
 * as the causal bank places them (…:src/decepticons/models/causal_bank_torch.py (7be9af7)).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const XF = "asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7)";
const BANK = "asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7)";
const CAUSAL = "asuramaya/decepticons:tests/test_causality.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Every transform, alone and all five together, is causal inside the LM. */
export const TRANSFORMS_LM_CAUSAL = claim({
  id: "decepticons.byte_lm.property_transforms_causal",
  statement: "with each substrate transform on (bank router of 3 banks, overwrite gate, " +
    "magnitude feature, mode selector, temporal attention every 8 positions) and with all five " +
    "together, changing the byte at t0 changes no logit before t0, for t0 in {1, 8, 13, 33} " +
    "(13 inside a snapshot interval) at T = 40 > scan chunk 16, and the logits at t0 do change",
  source: `${XF}; ${BANK}; ${CAUSAL} (impulse test, ported to every transform)`,
  bound: "max |Δ logits| before t0 = 0 (bit-identical) AND no (configuration, t0) whose logits " +
    "at t0 are unchanged",
  kind: "property",
  divergence: "The original's TemporalAttention without a snapshot interval attends to every " +
    "snapshot, the future included (changing the states at t >= 24 moves earlier outputs by " +
    "2.2); memspec's snapshot interval, and so its causal mask, is mandatory: the figure is " +
    "the largest change before t0 with temporal attention on.",
});

/** The overwrite gate inside the recurrence erases the history in the LM. */
export const TRANSFORMS_LM_OVERWRITE_ERASES = claim({
  id: "decepticons.byte_lm.divergence_overwrite_erases_history",
  statement: "in the LM with the overwrite gate (no local path), two token histories that differ " +
    "before t* = 20 and agree from t* on, with the gate forced fully open at t* (weights that " +
    "give g = 1 exactly at the byte of t* and g in (0.1, 0.9) elsewhere), have bit-identical " +
    "states and " +
    "logits at every t >= t*, for the frozen bank (chunked scan, t* past the chunk of 16) and " +
    "learnable decays (sequential scan); their states before t* differ",
  source: `${XF} (OverwriteGate)`,
  bound: "max |Δ| of states and logits at t >= t* = 0 AND the states before t* differ",
  kind: "property",
  divergence: "The original gates after the scan (S' = g·D + (1 − g)·S with S the ungated " +
    "recurrence), so an overwrite does not erase the history: the two histories' outputs " +
    "agree at the overwrite step and differ by 1.035 one step later. memspec's gate sits " +
    "inside the recurrence (a_t = (1 − g_t)·d, b_t = g_t·D_t); the figure (0 from t* on, " +
    "including t* + 1) fails if the gate moved back after the scan.",
});

/** The forward with transforms against the f64 oracle, stage by stage. */
export const TRANSFORMS_LM_GPU_PARITY = claim({
  id: "decepticons.byte_lm.gpu_parity_transforms",
  statement: "the LM's forward with the substrate transforms matches the f64 oracle " +
    "(spec/oracle/decepticons/byte_lm.ts, which calls the transforms' oracles) stage by stage on " +
    "the GPU's own inputs of each stage: the drive x·P, the routed drive, the gated bank's " +
    "states, the magnitude feature, the selector, temporal attention, the linear and local " +
    "readouts' logits and the mixed logits, for all five transforms on the frozen bank (log " +
    "magnitude kept) and on learnable decays (no magnitude channel, routed readout); the " +
    "model's states(x) equal the staged chain bit for bit",
  source: `${XF}; ${BANK}`,
  bound: "worst |gpu − oracle| / derived bound <= 1 over every element of every stage, each " +
    "stage's bound the running error analysis of its ops (substrate_transforms/_bounds.ts, " +
    "readouts/_bounds.ts, the ledger's matmul and the additive mix) × (1 + 2⁻²⁰) for the " +
    "oracle's own rounding; states(x) vs the staged chain: 0 differing values; the extended " +
    "oracle's states vs the transforms' oracles composed on the exact embeddings: max rel " +
    "<= 1e-12",
  kind: "parity",
});

/** The gradient reaches every transform parameter, and training moves them. */
export const TRANSFORMS_LM_GRADIENTS = claim({
  id: "decepticons.byte_lm.property_transforms_train",
  statement: "with all five transforms on (frozen bank and learnable decays), the gradient of " +
    "the LM's cross-entropy reaches every transform parameter (each tensor's gradient has a " +
    "non-zero entry, the learnable decays' through the overwrite gate's recurrence) and one " +
    "trainStep moves every one of them; they sit in the base optimiser group",
  source: `${XF}; ${BANK}`,
  bound: "0 transform parameters with an all-zero gradient AND 0 unchanged by a step AND 0 " +
    "outside the base group",
  kind: "property",
});

/** Every transform off: the model is today's, bit for bit. */
export const TRANSFORMS_LM_OFF_IDENTICAL = claim({
  id: "decepticons.byte_lm.property_transforms_off_identical",
  statement: "with every transform field given at its default (all off), the LM has the same " +
    "parameter names, and its logits and its parameters after 2 Adam steps are bit-identical " +
    "to a model built without the fields, on the MLP path and on a readout path",
  source: BANK,
  bound: "0 differing values (logits and every parameter) and 0 differing parameter names",
  kind: "property",
});

/** Bad transform fields and combinations refused before any GPU work. */
export const TRANSFORMS_LM_VALIDATION = claim({
  id: "decepticons.byte_lm.fault_transforms_validation",
  statement: "bad transform fields (types, ranges, the temporal heads beyond the module's 256) " +
    "and combinations (the overwrite gate on a gated substrate or the learned recurrence, the " +
    "bank router with fewer than 2 or more banks than modes) raise a TypeError or RangeError " +
    "naming the fields, in the model's names, before any GPU buffer is allocated",
  source: `${XF}; ${BANK} (validate_config)`,
  bound: "0 cases not refused with the named error, and 0 buffers allocated",
  kind: "fault",
  divergence: "The original accepts a bank router with more banks than modes (every bank but " +
    "the last empty) and an overwrite gate on any substrate; memspec refuses both, naming the " +
    "fields.",
});
