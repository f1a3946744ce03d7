/**
 * Claims of span selection, against asuramaya/decepticons:src/decepticons/span_selection.py at
 * 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/span_selection.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The span table. */
export const SPAN_FIXTURE = claim({
  id: "decepticons.span_selection.fixture_parity",
  statement: "on [.1, .6, .7, .2, .8, .1, .1, .9, .9, .9] at θ = .5: gap 0 → (1,3), (4,5), " +
    "(7,10); gap 1 → (1,5), (7,10); min 3 → (7,10); gap 1, min 4 → (1,5) with count 3 (gaps " +
    "count toward the length); and every case's means, maxima and counts equal numpy's",
  source: `${SRC}; fixtures/gen/decepticons_diagnostics_fixtures.py`,
  bound: "spans and counts equal; means and maxima max |Δ| <= 1e-12",
  kind: "parity",
});

/** Fuzzed span invariants. */
export const SPAN_PROPERTY = claim({
  id: "decepticons.span_selection.property_spans",
  statement: "for fuzzed scores and settings, spans are sorted and disjoint, separated by more " +
    "than maxGap, each at least minSpan long, starting and ending on a selected position; " +
    "with minSpan 1 the counts sum to the number of scores ≥ θ",
  source: SRC,
  bound: "0 violations over 300 fuzzed cases",
  kind: "property",
});
