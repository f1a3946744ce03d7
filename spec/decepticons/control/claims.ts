/**
 * Claims of the controller summaries (memspec's SummaryBuilder), against
 * asuramaya/decepticons:src/decepticons/control.py at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/control.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The summary table against numpy. */
export const SUMMARY_FIXTURE = claim({
  id: "decepticons.control.fixture_parity",
  statement: "every reduction (identity, last, mean, mean_abs, max_abs) with and without " +
    "normalisation matches the numpy f64 fixture; for [[1,−2,3],[−4,5,−6]] the table is exact " +
    "(mean_abs [2.5, 3.5, 4.5], max_abs [4, 5, 6]); 1-D signals bypass the reduction; [3, 4] " +
    "normalises to [.6, .8] and [1e-9, 0] stays as it is",
  source: `${SRC}; asuramaya/decepticons:tests/test_control.py; ` +
    "fixtures/gen/decepticons_control_fixtures.py",
  bound: "max |Δ|/max(|want|, 1) <= 1e-12 (FIXTURE_F64_REL); the named table entries exactly",
  kind: "parity",
});

/** Fuzzed: summaries are finite, of the documented width, unit norm when normalised. */
export const SUMMARY_PROPERTY = claim({
  id: "decepticons.control.property_summaries",
  statement: "for fuzzed finite 1-D and 2-D signals every summary is finite, has the width its " +
    "reduction implies (identity r·d, else d; vectors as they are), and when normalised has " +
    "unit L2 norm or is unchanged (norm ≤ eps)",
  source: SRC,
  bound: "0 violations over 300 fuzzed signals; |‖v‖ − 1| <= 1e-14",
  kind: "property",
});

/** Bad input fails at construction or before any state. */
export const SUMMARY_FAULTS = claim({
  id: "decepticons.control.fault_inputs",
  statement: "an unknown reduction is refused when the builder is built, and non-finite, empty " +
    "or ragged signals and summaries of mixed widths are refused with a typed error naming " +
    "what was expected",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
  divergence: "The original checks the reduction name only at the first encode, accepts NaN " +
    "signals (a NaN summary then routes to branch 0 silently), and accepts any signal.",
});
