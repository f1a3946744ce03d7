/**
 * Claims of the decepticons CausalPredictiveAdapter (asuramaya/decepticons
 * src/decepticons/causal_predictive.py, 7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The numpy f64 fixture of the mixture. */
export const ADAPTER_FIXTURE = claim({
  id: "decepticons.causal_predictive.fixture_parity",
  statement: "an adapter with a ridge delay-line expert (shipped embedding) fitted on a " +
    "44-byte sentence matches the numpy f64 fixture: every mixed row, the mixed and the " +
    "exact-only bits per byte",
  source: `${SRC}/causal_predictive.py, exact_context.py; ` +
    "fixtures/gen/decepticons_experts_fixtures.py",
  bound: "|Δ| <= 1e-12·max(|x|, 1) (FIXTURE_F64_REL)",
  kind: "parity",
});

/** The expert-augmented adapter measured against exact-only. */
export const ADAPTER_EXPERT_MEASURED = claim({
  id: "decepticons.causal_predictive.divergence_expert_measured",
  statement: "the adapter's score reports the mixed bits per byte beside the exact-only bits " +
    "per byte of the same text, the exact-only figure being exactly that of an adapter without " +
    "readout experts; on the shipped corpus (in-sample, as the original scores) a ridge readout " +
    "expert makes the mixture worse at n = 100 and n = 400, so the report shows the loss",
  source: `${SRC}/causal_predictive.py, exact_context.py (SupportWeightedMixer supports)`,
  bound: "mixed − exact-only >= 1e-3 bits per byte at both n; |exact-only − no-expert adapter| = 0",
  kind: "behaviour",
  direction: ">=",
  divergence: "The original adds readout experts with support = max probability (<= 1) beside " +
    "exact experts with support = log1p(count), incommensurable scales, and reports only the " +
    "mixed figure: its run measured mixed 0.126 vs exact-only 0.099 bits per byte at n = 100 " +
    "and 0.088 vs 0.073 at n = 400 (the expert alone 7.45). memspec keeps the rule for parity " +
    "and reports both figures.",
});

/** Rows depend only on the past. */
export const ADAPTER_CAUSAL = claim({
  id: "decepticons.causal_predictive.property_causality",
  statement: "for a fitted adapter with a readout expert and the n-gram memory, changing token " +
    "j never changes the distributions of tokens 1..j (each row sees only the tokens before " +
    "its target), and every row is a distribution",
  source: `${SRC}/causal_predictive.py (prefix scoring)`,
  bound: "max |Δ| over rows predicting tokens <= j = 0; |Σp − 1| <= 1e-12 and min p > 0",
  kind: "property",
});

/** Bad input at construction. */
export const ADAPTER_FAULT = claim({
  id: "decepticons.causal_predictive.fault",
  statement: "an expert predicting over another vocabulary is refused at construction (not at " +
    "the first fit), as are a bad order, α or expert list; fitting fewer than 2 tokens or an " +
    "id outside 0..V−1 raises before anything is refitted, leaving the adapter's predictions " +
    "unchanged",
  source: `${SRC}/causal_predictive.py; tests/test_experts.py (the expert's V must match)`,
  bound: "0 cases that do not raise the documented error or that change the state",
  kind: "fault",
});
