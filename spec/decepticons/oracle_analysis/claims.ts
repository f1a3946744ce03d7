/**
 * Claims of the decepticons oracle analysis (asuramaya/decepticons
 * src/decepticons/oracle_analysis.py, 7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The causal side reads the past, the oracle side the future. */
export const ORACLE_SPLIT = claim({
  id: "decepticons.oracle_analysis.property_causal_split",
  statement: "at checkpoint c the causal feature does not change when any token at or after c " +
    "changes, and the oracle feature does not change when any token before c changes",
  source: `${SRC}/oracle_analysis.py (forward state after c tokens; reversed state after T − c)`,
  bound: "max |Δ| = 0 over fuzzed texts, checkpoints and changes",
  kind: "property",
});

/** The route quantity is named for what it is. */
export const ORACLE_ROUTE = claim({
  id: "decepticons.oracle_analysis.divergence_route_quantity",
  statement: "the route's −log2(max weight) is reported as maxRouteWeightBits, the router's " +
    "surprisal in [0, 1] bit for two routes, beside weights that form a distribution; no " +
    "bits-per-byte field is reported for it",
  source: `${SRC}/oracle_analysis.py (route_bits_per_byte)`,
  bound: "max maxRouteWeightBits <= 1, min >= 0, |Σw − 1| <= 1e-15, −log2(max w) recomputed " +
    "exactly; 0 records with a bits-per-byte route field",
  kind: "exact",
  divergence: "The original reports −log2(max route weight) as route_bits_per_byte, a name for " +
    "a code length of the text, although no byte is predicted from it: on a 132-byte text its " +
    '13 checkpoints read .861–.999 "bits per byte" whatever the text\'s compressibility.',
});

/** Alignment metrics. */
export const ORACLE_ALIGNMENT = claim({
  id: "decepticons.oracle_analysis.property_alignment",
  statement: "for fuzzed pairs of finite vectors (denormals to 1e300) the alignment metrics " +
    "are symmetric, Pearson and cosine lie in [−1, 1] (never NaN), MAE <= RMSE, and a " +
    "feature-scale vector aligned with itself has Pearson and cosine 1 (Pearson 0 when " +
    "constant) and MAE = RMSE = 0",
  source: `${SRC}/oracle_analysis.py (alignment: Pearson, cosine, MAE, RMSE)`,
  bound: "asymmetry = 0; 0 violations; |self Pearson − 1| <= 1e-12",
  kind: "property",
});

/** Bad input. */
export const ORACLE_FAULT = claim({
  id: "decepticons.oracle_analysis.fault",
  statement: "a substrate that is not hierarchical and a readout of another state width are " +
    "refused at construction; no tokens, an id outside the vocabulary and a checkpoint outside " +
    "1..T raise a typed error",
  source: `${SRC}/oracle_analysis.py (hierarchical model required)`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
