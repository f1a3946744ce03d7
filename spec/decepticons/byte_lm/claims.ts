/**
 * Claims of the causal-bank byte language model:
 * embedding → substrate (frozen decay bank, learned recurrence, gated
 * retention, gated delta) → readout, trained with Adam on the GPU on the
 * shipped corpus fixtures/corpus/byte_lm.txt (last 10 % held out) and scored
 * in bits per byte. The original is asuramaya/decepticons v0.1.3,
 * src/decepticons/models/causal_bank_torch.py (CausalBankModel) and its tests.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const DC = "asuramaya/decepticons v0.1.3";
const TORCH = `${DC} src/decepticons/models/causal_bank_torch.py, CausalBankModel`;
const ORACLE = "spec/oracle/decepticons/byte_lm.ts";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The original's trainability smoke test made quantitative, with a ceiling a label leak breaks. */
export const BYTE_LM_TRAINS = claim({
  id: "decepticons.byte_lm.behaviour_trains",
  direction: ">=",
  statement: "the frozen causal-bank byte model, trained with Adam on the GPU for a budget that " +
    "fits the test, reaches held-out bits per byte at least 1 bit below the unigram entropy " +
    "of the training split but no lower than half the held-out text's conditional compression " +
    "rate under xz (LZMA2) given the training split, and its training loss falls",
  source: `${TORCH}; tests/test_workstream_integration.py (trainability)`,
  bound: "margin = H_unigram(train) - bpb(held-out) >= 1 bit AND bpb(held-out) >= " +
    "BYTE_LM_COMPRESSOR_FLOOR_FRACTION (0.5) x the pinned LZMA rate " +
    "(fixtures/decepticons/byte_lm.json); last logged training loss < first logged loss",
  kind: "behaviour",
  divergence: "The original only smoke-tests trainability (min loss < first loss over 12-20 " +
    "Adam steps in tests/test_workstream_integration.py); no held-out figure or baseline is " +
    "claimed.",
});

/** The oracle's analytic backward through the whole model. */
export const BYTE_LM_ORACLE_GRADCHECK = claim({
  id: "decepticons.byte_lm.oracle_gradcheck",
  statement: "the f64 oracle's analytic gradients of the mean next-byte cross-entropy with " +
    "respect to every trainable parameter match central differences, for the frozen, " +
    "learned_recurrence, gated_retention and gated_delta substrates",
  source: `${TORCH}; ${ORACLE}`,
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL; |a - n| / max(|a|, |n|, 1))",
  kind: "gradcheck",
});

/** The GPU forward against the oracle. */
export const BYTE_LM_GPU_PARITY = claim({
  id: "decepticons.byte_lm.gpu_parity",
  statement: "the GPU byte model's logits and mean cross-entropy equal the f64 oracle's on the " +
    "same f32 parameters and tokens, for every substrate and both scan forms of the recurrent " +
    "ones (B 2, T 7, scan chunk 4)",
  source: `${TORCH}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element, e the running f32 error bound of " +
    "spec/decepticons/byte_lm/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** The GPU backward against the oracle's analytic gradients. */
export const BYTE_LM_GPU_GRADIENTS = claim({
  id: "decepticons.byte_lm.gpu_gradients",
  statement: "the GPU's gradient of the mean cross-entropy with respect to every trainable " +
    "parameter of the byte model equals the f64 oracle's analytic gradient, for every " +
    "substrate and both scan forms of the recurrent ones",
  source: `${TORCH}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element of every parameter gradient, e the " +
    "running f32 error bound of spec/decepticons/byte_lm/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** Determinism under seed. */
export const BYTE_LM_DETERMINISTIC = claim({
  id: "decepticons.byte_lm.property_deterministic",
  statement: "two training runs with the same seeds give bit-identical losses and parameters; " +
    "another init seed gives other parameters",
  source: `${DC} src/decepticons/models/common.py (init seeded by SHA-256 of ` +
    '"{init_seed}:{name}")',
  bound: "bit-identical (0 differing values)",
  kind: "property",
  divergence: "The original seeds only embeddings, readouts and gate projections; " +
    "memspec seeds every parameter from (seed, name).",
});

/** The byte model is causal in every substrate mode. */
export const BYTE_LM_CAUSALITY = claim({
  id: "decepticons.byte_lm.property_causality",
  statement: "changing the byte at t0 changes no logit before t0, for every substrate mode and " +
    "scan method, with T longer than the scan chunk so chunk carries are exercised",
  source: `${DC} tests/test_causality.py, ported to every mode`,
  bound: "bit-identical logits before t0 (0 differing values); the logits at t0 do change",
  kind: "property",
  divergence: "The original tests causality at seq_len 32 (one chunk) with tolerance 1e-5 and " +
    "not for learned_recurrence.",
});

/** Validation. */
export const BYTE_LM_VALIDATION = claim({
  id: "decepticons.byte_lm.fault_validation",
  statement: "bad configurations, tokens, corpora and training options raise a TypeError or " +
    "RangeError naming the field before any GPU work",
  source: "memspec op conventions (validation before GPU work, no leaked buffers)",
  bound: "fault cases not throwing the expected error class + leaked buffers = 0",
  kind: "fault",
});

/** Every substrate mode trains. */
export const BYTE_LM_MODES_TRAIN = claim({
  id: "decepticons.byte_lm.behaviour_modes_train",
  statement: "every substrate mode (frozen, learned_recurrence, gated_retention, gated_delta) " +
    "lowers its training loss over a few Adam steps and receives gradient in its substrate " +
    "parameters",
  source: `${DC} tests/test_workstream_integration.py (trainability per mode)`,
  bound: "last loss < first loss per mode; every trainable parameter changes",
  kind: "behaviour",
});
