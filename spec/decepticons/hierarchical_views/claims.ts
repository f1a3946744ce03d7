/**
 * Claims of the decepticons hierarchical feature view (asuramaya/decepticons
 * src/decepticons/hierarchical_views.py, 7be9af7) and of the host stepper that rolls memspec's
 * hierarchical substrate for it.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The numpy f64 fixture: rollout states and view encodings. */
export const HIER_VIEW_FIXTURE = claim({
  id: "decepticons.hierarchical_views.fixture_parity",
  statement: "the host stepper's hierarchical rollout (fast 6, mid 5, slow 4, slow stride 2, " +
    "shipped weights) and the view's encodings of every step match the numpy f64 fixture",
  source: `${SRC}/hierarchical_views.py, hierarchical.py; ` +
    "fixtures/gen/decepticons_views_fixtures.py",
  bound: "|Δ| <= 1e-12·max(|x|, 1) (FIXTURE_F64_REL) for every state and feature",
  kind: "parity",
});

/** Dimensions, layout and the absent previous state. */
export const HIER_VIEW_LAYOUT = claim({
  id: "decepticons.hierarchical_views.property_layout",
  statement: "at the default sizes (128, 256, 384) the state, predictive and feature widths are " +
    "768, 1161 and 1167; encode = [pooled, predictive]; with no previous state the delta block " +
    "equals the state",
  source: `${SRC}/hierarchical_views.py`,
  bound: "widths equal; max |delta − state| = 0 and max |encode − [pooled, predictive]| = 0",
  kind: "exact",
});

/** Features stay finite. */
export const HIER_VIEW_FINITE = claim({
  id: "decepticons.hierarchical_views.property_finite",
  statement: "the encoded features are finite over an 80-step rollout of memspec's " +
    "hierarchical substrate and for fuzzed finite states of fuzzed sizes, with the width " +
    "F + Mi + S + min(F, Mi) + min(Mi, S) + 15",
  source: `${SRC}/hierarchical_views.py; tests/test_hierarchical_views.py (80 steps)`,
  bound: "0 non-finite features and 0 width mismatches",
  kind: "property",
});

/** Bad input fails at construction or before any feature is computed. */
export const HIER_VIEW_FAULT = claim({
  id: "decepticons.hierarchical_views.fault",
  statement: "sizes that are not integers >= 1, leaks that are not finite, a state of the " +
    "wrong width and a non-finite state raise a typed error naming the value",
  source: `${SRC}/hierarchical_views.py (no validation)`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
