/**
 * Claims of the decepticons sampled multiscale readout (asuramaya/decepticons
 * src/decepticons/sampled_readout.py, 7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The original's test vector and numpy's seeded indices. */
export const SAMPLED_FIXTURE = claim({
  id: "decepticons.sampled_readout.fixture_parity",
  statement: "the original's test vector (state = arange(12), prev = state − 1) encodes to " +
    "[0, 2, 1.5, 3.5, 1, 5, 7, 5.5, 31.5, 1, 8, 9, 10, 11, 9.5, 91.5], and bands given numpy's " +
    "seeded indices (seed 5, three bands of 10, count 3: [0, 5, 7], [13, 14, 15], [25, 26, 27]) " +
    "encode as the numpy f64 fixture",
  source: `${SRC}/sampled_readout.py; tests/test_sampled_readout.py; ` +
    "fixtures/gen/decepticons_views_fixtures.py",
  bound: "test vector |Δ| = 0; seeded bands |Δ| <= 1e-12·max(|x|, 1) (FIXTURE_F64_REL)",
  kind: "parity",
});

/** memspec's own seeded draws. */
export const SAMPLED_DRAWS = claim({
  id: "decepticons.sampled_readout.property_seeded_indices",
  statement: "for fuzzed widths, counts, seeds and band offsets the drawn indices are sorted, " +
    "distinct, inside the band, as many as asked (every entry when the count is the width), the " +
    "same for the same seed, and the features are finite with the declared width",
  source: `${SRC}/sampled_readout.py (sort(default_rng(seed + band).choice(width, count, ` +
    "replace=False)) + start)",
  bound: "0 violations over the fuzzed cases",
  kind: "property",
  divergence: "The original draws with numpy's PCG64; memspec draws with its own counter-based " +
    "Rng, so seeded indices differ (seed 5 gives [0, 5, 7], [13, 14, 15], [25, 26, 27] there). " +
    "Parity goes through explicit indices, which the fixture ships.",
});

/** Validation at construction. */
export const SAMPLED_FAULT = claim({
  id: "decepticons.sampled_readout.fault",
  statement: "every invalid band is refused at construction with a typed error naming the band " +
    "and value (empty name, start < 0, stop <= start, stop > stateDim, count outside 1..width, " +
    "count and indices together, repeated or out-of-band indices, no bands, stateDim < 1), and " +
    "a state of the wrong width or not finite is refused at encode",
  source: `${SRC}/sampled_readout.py (band and config validation)`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
