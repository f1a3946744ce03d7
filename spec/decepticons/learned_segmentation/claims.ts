/**
 * Claims of learned segmentation, against
 * asuramaya/decepticons:src/decepticons/learned_segmentation.py at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/learned_segmentation.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** 200-step trajectories against numpy. */
export const SEG_FIXTURE = claim({
  id: "decepticons.learned_segmentation.fixture_parity",
  statement: "five 200-step trajectories (learn off/on, no target, target size 4, target rate " +
    ".25, and decide(train) with 2 updates per decision) match numpy: probabilities, " +
    "decisions, targets, final weights and bias, and every counter",
  source: `${SRC}; fixtures/gen/decepticons_segmentation_fixtures.py`,
  bound: "decisions, targets and counters equal; values max |Δ|/max(|want|, 1) <= 1e-12",
  kind: "parity",
});

/** Fuzzed: patch lengths within bounds. */
export const SEG_LENGTHS = claim({
  id: "decepticons.learned_segmentation.property_lengths",
  statement: "for fuzzed streams, limits and θ ∈ {0, 1, random}, every patch length lies in " +
    "[minPatch, maxPatch]: the boundary is forced at maxPatch and never taken below minPatch",
  source: `${SRC}; asuramaya/decepticons:tests/test_learned_segmentation.py`,
  bound: "0 violations over 200 fuzzed streams",
  kind: "property",
});

/** Counters exact. */
export const SEG_COUNTERS = claim({
  id: "decepticons.learned_segmentation.divergence_counters",
  statement: "after 10 learning steps at target rate 0.2 the segmenter has seen 10 steps and " +
    "made 10 updates, the configured target rate reads 0.2, and the mean target equals the " +
    "mean of the targets it learned from",
  source: SRC,
  bound: "|stepsSeen − 10| + |updates − 10| + |targetRate − 0.2| + |meanTarget − mean(y)| = 0",
  kind: "exact",
  divergence: "The original counts steps_seen 20 after 10 learning steps and overwrites " +
    "mean_target_rate with two meanings (0.137 where the true rate is 0.2).",
});

/** Self-training follows its target. */
export const SEG_SELF_TRAINING = claim({
  id: "decepticons.learned_segmentation.divergence_self_training",
  statement: "3000 decide(train) steps on random novelty with target patch size 4, or target " +
    "rate 0.25 alone, give a mean patch length within 0.25 of 4, far from maxPatch 8",
  source: SRC,
  bound: "|mean patch − 4| <= 0.25 for both targets",
  kind: "behaviour",
  divergence: "The original self-trains on its own decision when no target size is set and " +
    "collapses to always-maximum patches (mean 8.000 = max over 375 patches); the detail " +
    "gives that rule's mean on the same stream.",
});

/** Bad configuration and input. */
export const SEG_FAULTS = claim({
  id: "decepticons.learned_segmentation.fault_inputs",
  statement: "minPatch > maxPatch, θ outside [0, 1], η <= 0, a target rate outside (0, 1] are " +
    "refused at construction; learning without a target and non-finite signals are refused " +
    "leaving the state unchanged",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
});
