/**
 * Claims of the two-source probability diagnostics, against
 * asuramaya/decepticons:src/decepticons/probability_diagnostics.py at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/probability_diagnostics.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** 500 row pairs against numpy. */
export const DIAG_FIXTURE = claim({
  id: "decepticons.probability_diagnostics.fixture_parity",
  statement: "the seven diagnostics (entropy, peak, top-4 mass, top-2 margin, overlap, top-1 " +
    "agreement, shared top-4 mass) of 500 Dirichlet(0.3) row pairs at V = 16 match numpy",
  source: `${SRC}; fixtures/gen/decepticons_diagnostics_fixtures.py`,
  bound: "max |Δ|/max(|want|, 1) <= 1e-12 (FIXTURE_F64_REL)",
  kind: "parity",
});

/** Ranges and symmetry. */
export const DIAG_PROPERTY = claim({
  id: "decepticons.probability_diagnostics.property_ranges",
  statement: "for fuzzed rows every diagnostic lies in [0, 1] (entropy within 1e-9 of it); " +
    "overlap, top-1 agreement and shared top-k are symmetric in (p, q); overlap(p, p) = 1 " +
    "and shared top-k(p, p) = top-k mass(p)",
  source: SRC,
  bound: "0 violations over 300 fuzzed pairs; symmetric values equal exactly; identities " +
    "within 1e-15",
  kind: "property",
});

/** Ties broken by index. */
export const DIAG_TIES = claim({
  id: "decepticons.probability_diagnostics.divergence_tie_order",
  statement: "top-k sets break ties by the lower index, so shared top-k of tied distributions " +
    "is one value: p = [.3, .2, .2, .2, .1], q = [.1, .2, .2, .05, .45], k = 2 give 0.2",
  source: SRC,
  bound: "|shared − 0.2| = 0 for the stated pair",
  kind: "exact",
  divergence: "The original picks top-k sets with argpartition, whose tie order is " +
    "unspecified: shared top-k of tied distributions depends on it (0.25 for one tie pattern).",
});

/** Bad input. */
export const DIAG_FAULTS = claim({
  id: "decepticons.probability_diagnostics.fault_inputs",
  statement: "rows of different vocabularies, empty rows, negative or non-finite " +
    "probabilities and k < 1 are refused with a typed error",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
});
