/**
 * Claims of the bridge export, against asuramaya/decepticons:src/decepticons/bridge_export.py
 * at 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/bridge_export.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The bridge report against numpy. */
export const BRIDGE_FIXTURE = claim({
  id: "decepticons.bridge_export.fixture_parity",
  statement: "the bridge report of 24 shipped base/proxy rows at V = 8 (agreement, replay " +
    "bytes, spans, base and proxy bits per byte) matches numpy",
  source: `${SRC}; fixtures/gen/decepticons_diagnostics_fixtures.py`,
  bound: "counts and spans equal; values max |Δ|/max(|want|, 1) <= 1e-12",
  kind: "parity",
});

/** One comparison for accounting and spans. */
export const BRIDGE_ACCOUNTING = claim({
  id: "decepticons.bridge_export.divergence_accounting",
  statement: "replay bytes equal the rows the spans select, for every threshold: at θ = 0 with " +
    "two rows of agreement 0 among 4, replay bytes are 4 beside the one span (0, 4); and over " +
    "fuzzed reports replay bytes = Σ span counts",
  source: SRC,
  bound: "0 mismatches over the stated case and 200 fuzzed reports",
  kind: "property",
  divergence: "The original counts replay_bytes with agreement > θ while its spans select ≥ θ: " +
    "at θ = 0 it reports replay_bytes 2 beside a span covering all 4 rows.",
});

/** Bad input. */
export const BRIDGE_FAULTS = claim({
  id: "decepticons.bridge_export.fault_inputs",
  statement: "rows of a vocabulary other than the configured one (including 256 against rows " +
    "of 8), no rows, unequal row counts, and target ids outside [0, V) are refused",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
  divergence: "The original configured with V = 256 silently accepts rows of any vocabulary.",
});
