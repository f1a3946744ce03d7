/**
 * Claims of the decepticons FrozenReadoutExpert (asuramaya/decepticons
 * src/decepticons/experts.py, 7be9af7) and its host substrate stepper.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The numpy f64 fixture of the ridge expert. */
export const EXPERT_FIXTURE = claim({
  id: "decepticons.experts.fixture_parity",
  statement: "a delay-line expert (2 slots of width 8, shipped embedding) fitted by ridge " +
    '(α = 1e-3, bias unpenalised) on "abc" × 20 matches the numpy f64 fixture: weights, every ' +
    "row of probabilities and the bits per byte",
  source: `${SRC}/experts.py; fixtures/gen/decepticons_experts_fixtures.py`,
  bound: "weights |Δ| <= 1e-10·max(|w|, 1) (two f64 solvers of the normal equations, Cholesky " +
    "here and LU in numpy, differ by about cond·2^-53); probabilities and bits per byte " +
    "|Δ| <= 1e-12·max(|x|, 1) (FIXTURE_F64_REL)",
  kind: "parity",
});

/** One prediction equals the row of the whole-sequence pass */
export const EXPERT_PREFIX = claim({
  id: "decepticons.experts.property_prefix_rows",
  statement: "predictProba(x[:k]) equals row k − 1 of sequenceProbabilities(x) for every k, " +
    "for the ridge and the calibrated readouts",
  source: `${SRC}/experts.py (predict_proba runs the substrate over the whole prompt)`,
  bound: "max |Δ| = 0",
  kind: "exact",
});

/** Scoring is one pass. */
export const EXPERT_LINEAR_SCORING = claim({
  id: "decepticons.experts.property_linear_scoring",
  statement: "scoring n tokens takes exactly n − 1 substrate steps (the state is carried from " +
    "token to token), and the causal predictive adapter's score of n tokens takes n − 1 steps " +
    "per readout expert",
  source: `${SRC}/experts.py, causal_predictive.py (scoring loops over prefixes)`,
  bound: "steps − (n − 1) = 0 at n = 100, 200, 400",
  kind: "exact",
  divergence: "The original re-runs the expert over every prefix when it scores: n(n − 1)/2 " +
    "substrate steps, measured 0.040 / 0.102 / 0.292 s at n = 100 / 200 / 400 (quadratic).",
});

/** The calibration ceiling of ridge → softmax and memspec's calibrated readout. */
export const EXPERT_CALIBRATION = claim({
  id: "decepticons.experts.divergence_calibration_ceiling",
  statement: 'on "abc" × 20 a delay-line expert with the ridge readout predicts every next ' +
    "byte (argmax accuracy 1) yet scores at least −log2(e/(e + 255)) = 6.567 bits per byte, " +
    "while memspec's calibrated readout (log-loss softmax, as the predictive coder's) on the " +
    "same features scores under 0.01",
  source: `${SRC}/experts.py, readouts.py (ridge on one-hot targets, then softmax)`,
  bound: "ridge bpb >= 6.5669 with accuracy 1; calibrated bpb <= 0.01 with accuracy 1",
  kind: "behaviour",
  direction: ">=",
  divergence: "The original offers only ridge → softmax: one-hot ridge logits lie in [0, 1], so " +
    "p(target) <= e/(e + 255) = 0.01055 and bits per byte stay >= 6.567 at perfect accuracy " +
    '(measured 6.5670 on "abc" × 20). memspec\'s calibrated readout is the remedy; the ridge ' +
    "readout is kept for parity.",
});

/** Bad input at construction. */
export const EXPERT_FAULT = claim({
  id: "decepticons.experts.fault",
  statement: "a vocabulary larger than the substrate's, a feature function giving non-finite " +
    "or no values or not a function, a negative α and an unknown readout are refused at " +
    "construction; ids outside 0..V−1 (never wrapped), too few tokens and scoring before fit " +
    "raise a typed error; a failed fit leaves the expert unfitted",
  source: `${SRC}/experts.py; tests/test_experts.py (V must match the exact memory's V)`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
