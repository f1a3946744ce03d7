/**
 * Claims of the evaluation contracts, against asuramaya/decepticons:src/decepticons/eval.py,
 * train_eval.py and train_modes.py at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Ids are never wrapped. */
export const EVAL_IDS = claim({
  id: "decepticons.evaluation.divergence_ids_not_wrapped",
  statement: "with a V = 512 model, prompt [300, 301] reaches the model as [300, 301] in " +
    "teacher-forced and closed-loop rollouts and in rollout curves (all modes), and a " +
    "generated 300 stays 300",
  source: `${SRC}/eval.py (7be9af7)`,
  bound: "0 contexts seen by the model differ from the true ids",
  kind: "property",
  divergence: "The original casts closed-loop rollouts and curve contexts to uint8: prompt " +
    "[300, 301] reaches the model as [44, 45] and a generated 300 becomes 44.",
});

/** Continuation bpb. */
export const EVAL_CONTINUATION = claim({
  id: "decepticons.evaluation.divergence_continuation_bpb",
  statement: "a rollout reports bits per byte on the continuation's targets only beside the " +
    "figure over prompt and continuation: for a 2-token prompt and 1 continuation token, " +
    "continuation bpb = −log2 P(c | prompt), total = the mean of both targets' bits",
  source: `${SRC}/eval.py (7be9af7)`,
  bound: "|continuation − hand value| + |total − hand value| <= 1e-15",
  kind: "exact",
  divergence: "The original reports only the bits per byte over prompt + continuation " +
    "(total_tokens 3 for a 2-token prompt and 1 generated token).",
});

/** Dataset weighting. */
export const EVAL_DATASET = claim({
  id: "decepticons.evaluation.property_dataset_weighting",
  statement: "dataset bits per byte equal Σ bpb_i (n_i − 1) / Σ (n_i − 1) over fuzzed " +
    "sequence sets, each bpb_i the sequence's own next-step score",
  source: `${SRC}/train_eval.py (7be9af7); asuramaya/decepticons:tests/test_train_eval.py`,
  bound: "|Δ| <= 1e-15·max(1, value) over 100 fuzzed sets",
  kind: "property",
});

/** The transfer probe's gap. */
export const EVAL_TRANSFER = claim({
  id: "decepticons.evaluation.property_transfer_gap",
  statement: "the transfer probe's gap equals the source model's dataset bits per byte minus " +
    "the scratch model's on the same target sequences, and models of different vocabularies " +
    "are refused",
  source: `${SRC}/train_eval.py (7be9af7)`,
  bound: "|gap − (source − scratch)| = 0 over 50 fuzzed target sets; the mismatch refused",
  kind: "property",
});

/** Train-mode schedule table. */
export const EVAL_SCHEDULE = claim({
  id: "decepticons.evaluation.property_schedule",
  statement: "checkpoints at stride 2 with explicit (2, 4) and T = 5 are (2, 4, 5); slow " +
    "updates at stride 2 for i = 0..3 are F, T, F, T; an explicit checkpoint > T is refused",
  source: `${SRC}/train_modes.py (7be9af7); asuramaya/decepticons:tests/test_runtime_knobs.py`,
  bound: "0 deviations from the table",
  kind: "exact",
});

/** Bad input. */
export const EVAL_FAULTS = claim({
  id: "decepticons.evaluation.fault_inputs",
  statement: "an empty corpus, a sequence of fewer than 2 ids, ids outside [0, V) (negative, " +
    "fractional, ≥ V), an empty prompt, a bad model and bad sampling options are refused " +
    "before the model is called",
  source: `${SRC}/eval.py, train_eval.py (7be9af7)`,
  bound: "every case throws the stated error class with the stated words and 0 model calls",
  kind: "fault",
});
