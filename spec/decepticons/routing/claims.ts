/**
 * Claims of the summary router, against asuramaya/decepticons:src/decepticons/routing.py at
 * 7be9af7.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/routing.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Routing cases against numpy and the table. */
export const ROUTER_FIXTURE = claim({
  id: "decepticons.routing.fixture_parity",
  statement: "static, projection and equal routing at T = 1 and 0.5 match numpy: static " +
    "(2, 0, −1) gives [.843795, .114195, .042010]; projection w = 1 on the low/mid/high " +
    "summaries gives logits [.3, 1.2, 4.5] and weights [.014256, .035064, .950680]; equal " +
    "routing selects index 0",
  source: `${SRC}; asuramaya/decepticons:tests/test_routing.py; ` +
    "fixtures/gen/decepticons_control_fixtures.py",
  bound: "max |Δ| <= 1e-12 (FIXTURE_F64_REL) against numpy; table entries within 1e-6",
  kind: "parity",
});

/** Fuzzed: router weights are a distribution; the selection is the first argmax. */
export const ROUTER_PROPERTY = claim({
  id: "decepticons.routing.property_distribution",
  statement: "for fuzzed summaries, modes and temperatures the weights are positive and sum to " +
    "1, the selected index is the first argmax, and as T → 0 the weight of the selected " +
    "branch approaches 1 when its logit leads by ≥ 0.1",
  source: SRC,
  bound: "|Σw − 1| <= 1e-14; 0 violations over 300 fuzzed cases; w_sel >= 1 − 1e-9 at T = 1e-3",
  kind: "property",
});

/** Bad input, non-finite summaries included, fails. */
export const ROUTER_FAULTS = claim({
  id: "decepticons.routing.fault_inputs",
  statement: "a summary with an infinite or NaN entry is refused with a RangeError; logits, " +
    "projection weights or biases of the wrong length, T <= 0 and unknown modes are refused at " +
    "construction; summaries of the wrong count or width at route",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
  divergence: "The original routes a summary holding inf to NaN weights with selected index 0, " +
    "silently.",
});
