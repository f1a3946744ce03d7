/**
 * Claims of the hormone modulator, against asuramaya/decepticons:src/decepticons/modulation.py
 * at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/modulation.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Hormones and outputs against numpy with the shipped P. */
export const HORMONE_FIXTURE = claim({
  id: "decepticons.modulation.fixture_parity",
  statement: "with numpy's P (D = 3, K = 4, seed 17, shipped) and v = [.2, −.1, .5] the " +
    "hormones are [.170782, .023032, −.586821, .170227] and the outputs and initial states of " +
    "both fixture cases equal numpy's",
  source: `${SRC}; fixtures/gen/decepticons_control_fixtures.py`,
  bound: "max |Δ| <= 1e-12 (FIXTURE_F64_REL); the hormone table within 1e-6",
  kind: "parity",
});

/** Fuzzed ranges and refresh reuse. */
export const HORMONE_PROPERTY = claim({
  id: "decepticons.modulation.property_range",
  statement: "for fuzzed summaries and settings, hormones lie in (−1, 1), each output lies in " +
    "[σ(β − s·s_h), σ(β + s·s_h)] ⊂ (0, 1), and a step inside the refresh stride returns the " +
    "previous state bit for bit",
  source: `${SRC}; asuramaya/decepticons:tests/test_modulation.py`,
  bound: "0 violations over 300 fuzzed cases",
  kind: "property",
});

/** The initial outputs are σ(bias). */
export const HORMONE_INITIAL = claim({
  id: "decepticons.modulation.divergence_initial_state",
  statement: "the initial outputs are what a zero summary gives: σ(β) at hormone bias 0 " +
    "([.5, .562177] for β = (0, .25)), inside (0, 1)",
  source: SRC,
  bound: "max |initial − σ(β)| = 0; min distance from {0, 1} >= 0.4",
  kind: "property",
  divergence: "The original's initial outputs are 0, outside σ's range.",
});

/** Output indices checked at construction. */
export const HORMONE_FAULTS = claim({
  id: "decepticons.modulation.fault_construction",
  statement: "an output index ≥ K (K = 2, index 5), output lists of different lengths, a " +
    "negative scale or a projection of the wrong size is refused at construction; a summary " +
    "of the wrong width or non-finite at advance, leaving the state unchanged",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
  divergence: "The original accepts output index 5 with K = 2 at construction and fails " +
    "(IndexError) at the first project.",
});
