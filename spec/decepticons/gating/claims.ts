/**
 * Claims of the pathway gate controller, against
 * asuramaya/decepticons:src/decepticons/gating.py at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/gating.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The refresh sequence and gate values against numpy. */
export const GATE_FIXTURE = claim({
  id: "decepticons.gating.fixture_parity",
  statement: "a stepped sequence at stride 3 (steps 0,1,2,3,7,5,6,10,11,13,16,14) refreshes " +
    "T,F,F,T,T,F,F,T,F,T,T,F (backward steps never refresh) with gate values equal to numpy's; " +
    "cached values are reused bit for bit; step 0 with v = [1, 2], b = (−1, .5), a = (2, .5) " +
    "gives (0.731059, 0.817574)",
  source: `${SRC}; asuramaya/decepticons:tests/test_gating.py; ` +
    "fixtures/gen/decepticons_control_fixtures.py",
  bound: "flags equal; values max |Δ| <= 1e-12 (FIXTURE_F64_REL); the step-0 pair within 1e-6 " +
    "of the table",
  kind: "parity",
});

/** Fuzzed: gates in (0, 1), monotone in the driving entry. */
export const GATE_PROPERTY = claim({
  id: "decepticons.gating.property_range",
  statement: "for fuzzed biases, scales a ≥ 0 and summaries with |a·v + b| <= 30, both gates lie " +
    "strictly inside (0, 1) and never decrease when the driving summary entry grows",
  source: `${SRC}; asuramaya/decepticons:tests/test_gating.py`,
  bound: "0 violations over 300 fuzzed cases",
  kind: "property",
});

/** The initial state is σ(bias). */
export const GATE_INITIAL = claim({
  id: "decepticons.gating.divergence_initial_state",
  statement: "the initial gate values are σ(bias), inside (0, 1), and equal to what a zero " +
    "summary gives at a refresh",
  source: SRC,
  bound: "max |initial − σ(b)| = 0 and min distance of an initial value from {0, 1} >= 1e-3 " +
    "over the tested biases",
  kind: "property",
  divergence: "The original starts with gate values (0, 0), which σ can never produce; its " +
    "examples advance a zero summary at step −1 to obtain σ(b).",
});

/** Bad input fails at construction. */
export const GATE_FAULTS = claim({
  id: "decepticons.gating.fault_construction",
  statement: "an index outside the summary width, a stride < 1, a negative scale or a " +
    "non-finite bias is refused at construction; a summary of the wrong width or with a " +
    "non-finite entry is refused at advance, leaving the state unchanged",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
  divergence: "The original accepts an out-of-range gate index at construction and fails " +
    "(IndexError) at the first advance.",
});
