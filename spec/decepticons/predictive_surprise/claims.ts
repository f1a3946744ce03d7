/**
 * Claims of the predictive-surprise controller, against
 * asuramaya/decepticons:src/decepticons/predictive_surprise.py at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/predictive_surprise.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Summaries and features against numpy. */
export const SURPRISE_FIXTURE = claim({
  id: "decepticons.predictive_surprise.fixture_parity",
  statement: "summaries and features in both modes, every scalar reduction, with and without " +
    "normalisation match numpy; for p̂ = [1, 2, 3], y = [1.5, 1.5, 4] the default summary is " +
    "[.666667, 1] and the features [2, 2.333333, .333333, .666667, .5, .666667, 1]",
  source: `${SRC}; asuramaya/decepticons:tests/test_predictive_surprise.py; ` +
    "fixtures/gen/decepticons_control_fixtures.py",
  bound: "max |Δ| <= 1e-12 (FIXTURE_F64_REL); the table within 1e-6",
  kind: "parity",
});

/** Every option changes the output; no duplicated feature. */
export const SURPRISE_OPTIONS = claim({
  id: "decepticons.predictive_surprise.divergence_options",
  statement: "over 1000 random (p̂, y) pairs the feature mode changes the features in every " +
    "case holding a negative residual (the only cases where r and |r| differ) under the mean " +
    "reduction, the reduction (mean_abs vs max_abs) changes them in every case, and no two of " +
    "the 7 feature columns are equal across the cases",
  source: SRC,
  bound: "both change rates = 1 (figure: the smaller, >= 1) and 0 identical column pairs",
  kind: "property",
  direction: ">=",
  divergence: "In the original, feature_mode and summary.reduction have no effect and " +
    "features 4 and 5 are always equal (1000/1000 identical across modes, f4 = f5).",
});

/** Bad input. */
export const SURPRISE_FAULTS = claim({
  id: "decepticons.predictive_surprise.fault_inputs",
  statement: "the identity reduction and unknown modes are refused at construction; " +
    "predictions and observations of different lengths, empty or non-finite are refused",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
});
