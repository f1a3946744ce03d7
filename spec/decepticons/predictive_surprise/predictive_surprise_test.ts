/**
 * The predictive-surprise controller: numpy cases and the original's test table, options that
 * change the output, faults.
 *
 * @module
 */
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import {
  PredictiveSurpriseController,
  type SurpriseFeatureMode,
} from "../../../impl/decepticons/predictive_surprise/predictive_surprise.ts";
import type { SummaryReduction } from "../../../impl/decepticons/control/control.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { SURPRISE_FAULTS, SURPRISE_FIXTURE, SURPRISE_OPTIONS } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  loadControlFixture,
  nums,
  type Raw,
  relErr,
  Worst,
} from "../control/_fixtures.ts";

claimTest(SURPRISE_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("control");
  const worst = new Worst();
  for (const [i, c] of (data.surprise as Raw[]).entries()) {
    const ctl = new PredictiveSurpriseController({
      featureMode: c.mode as SurpriseFeatureMode,
      summary: { reduction: c.reduction as SummaryReduction, normalize: c.normalize },
    });
    const o = ctl.observe(nums(c.predicted, "p"), nums(c.observed, "y"));
    worst.add(
      `case ${i} (${c.mode}, ${c.reduction}) summary`,
      relErr(o.summary, nums(c.summary, "s")),
    );
    worst.add(
      `case ${i} (${c.mode}, ${c.reduction}) features`,
      relErr(o.features, nums(c.features, "f")),
    );
  }
  const t = new PredictiveSurpriseController().observe([1, 2, 3], [1.5, 1.5, 4]);
  const table = Math.max(
    relErr(t.summary, [0.666667, 1]),
    relErr(t.features, [2, 2.333333, 0.333333, 0.666667, 0.5, 0.666667, 1]),
  );
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [{ name: "test table", figure: table, bound: 1e-6, direction: "<=" }],
    detail: `${data.surprise.length} numpy cases, worst at ${worst.where}; ${integrity}`,
  };
});

claimTest(SURPRISE_OPTIONS, () => {
  const rng = new Rng(31);
  const N = 1000;
  let modeChanged = 0;
  let negative = 0;
  let reductionChanged = 0;
  const columns: number[][] = Array.from({ length: 7 }, () => []);
  const make = (mode: SurpriseFeatureMode, reduction: SummaryReduction) =>
    new PredictiveSurpriseController({ featureMode: mode, summary: { reduction } });
  const resMean = make("residual", "mean");
  const surMean = make("surprise", "mean");
  const meanAbs = make("surprise", "mean_abs");
  const maxAbs = make("surprise", "max_abs");
  const differ = (a: Float64Array, b: Float64Array) => a.some((x, i) => x !== b[i]);
  for (let k = 0; k < N; k++) {
    const n = 3 + rng.int(8);
    const p = Array.from({ length: n }, () => rng.normal());
    const y = Array.from({ length: n }, () => rng.normal());
    if (p.some((x, i) => y[i]! - x < 0)) {
      negative++;
      if (differ(resMean.observe(p, y).features, surMean.observe(p, y).features)) modeChanged++;
    }
    const f = meanAbs.observe(p, y).features;
    if (differ(f, maxAbs.observe(p, y).features)) reductionChanged++;
    f.forEach((x, i) => columns[i]!.push(x));
  }
  let identicalPairs = 0;
  for (let i = 0; i < 7; i++) {
    for (let j = i + 1; j < 7; j++) {
      if (columns[i]!.every((x, k) => x === columns[j]![k])) identicalPairs++;
    }
  }
  return {
    figure: Math.min(modeChanged / negative, reductionChanged / N),
    bound: 1,
    pass: true,
    parts: [{
      name: "identical feature column pairs",
      figure: identicalPairs,
      bound: 0,
      direction: "==",
    }],
    detail: `${N} random pairs (n 3..10): the mode changed the features in ${modeChanged} of the ` +
      `${negative} with a negative residual, the ` +
      `reduction in ${reductionChanged}; ${identicalPairs} identical column pairs of 7 features ` +
      "(the original: 0 changes, features 4 and 5 equal in every case)",
  };
});

claimTest(SURPRISE_FAULTS, async () => {
  const ctl = new PredictiveSurpriseController();
  const cases = [
    {
      name: "identity reduction",
      run: () => new PredictiveSurpriseController({ summary: { reduction: "identity" } }),
      expect: RangeError,
      mentions: ["scalar summary reduction", "identity"],
    },
    {
      name: "unknown mode",
      run: () => new PredictiveSurpriseController({ featureMode: "signed" as SurpriseFeatureMode }),
      expect: TypeError,
      mentions: ["featureMode"],
    },
    {
      name: "different lengths",
      run: () => ctl.observe([1, 2], [1, 2, 3]),
      expect: TypeError,
      mentions: ["2 values", "3"],
    },
    {
      name: "empty",
      run: () => ctl.observe([], []),
      expect: RangeError,
      mentions: ["at least one"],
    },
    {
      name: "NaN observed",
      run: () => ctl.observe([1], [NaN]),
      expect: RangeError,
      mentions: ["finite"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
