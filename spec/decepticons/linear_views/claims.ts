/**
 * Claims of the decepticons linear-memory feature view (asuramaya/decepticons
 * src/decepticons/linear_views.py, 7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The numpy f64 fixture. */
export const LINEAR_VIEW_FIXTURE = claim({
  id: "decepticons.linear_views.fixture_parity",
  statement: "the linear-memory view of a 3-bank, width-4 state, with and without a previous " +
    "state, matches the numpy f64 fixture",
  source: `${SRC}/linear_views.py; tests/test_experts.py; ` +
    "fixtures/gen/decepticons_views_fixtures.py",
  bound: "|Δ| <= 1e-12·max(|x|, 1) (FIXTURE_F64_REL)",
  kind: "parity",
});

/** Width, drift without a previous state, finiteness (fuzzed). */
export const LINEAR_VIEW_PROPERTY = claim({
  id: "decepticons.linear_views.property_layout",
  statement: "for fuzzed K, E and finite states the feature width is K·E + 3K, the first K·E " +
    "features are the state, every feature is finite, the drift is 0 without a previous state " +
    "and energy_k >= mean_k² (the mean square bounds the squared mean)",
  source: `${SRC}/linear_views.py`,
  bound: "0 violations over the fuzzed cases",
  kind: "property",
});

/** Bad input. */
export const LINEAR_VIEW_FAULT = claim({
  id: "decepticons.linear_views.fault",
  statement: "banks or width not integers >= 1 and states of the wrong width or not finite " +
    "raise a typed error naming the value",
  source: `${SRC}/linear_views.py (no validation)`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
