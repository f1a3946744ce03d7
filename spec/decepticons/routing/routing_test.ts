/**
 * The summary router: numpy cases and the table, fuzzed distribution properties, faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { type RouterMode, SummaryRouter } from "../../../impl/decepticons/routing/routing.ts";
import { SummaryBuilder } from "../../../impl/decepticons/control/control.ts";
import { ROUTER_FAULTS, ROUTER_FIXTURE, ROUTER_PROPERTY } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  loadControlFixture,
  nums,
  type Raw,
  relErr,
  rows,
  Worst,
} from "../control/_fixtures.ts";

claimTest(ROUTER_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("control");
  const worst = new Worst();
  let selectMismatch = 0;
  for (const [i, c] of (data.router as Raw[]).entries()) {
    const s = rows(c.summaries, `router[${i}].summaries`);
    const r = new SummaryRouter({
      mode: c.mode as RouterMode,
      branches: s.length,
      summaryDim: s[0]!.length,
      temperature: c.temperature,
      staticLogits: nums(c.static, "static"),
      projectionWeights: nums(c.weights_vector, "w"),
      projectionBias: nums(c.bias, "bias"),
    });
    const out = r.route(s);
    const w = nums(c.weights, "weights");
    worst.add(`case ${i} ${c.mode} logits`, relErr(out.logits, nums(c.logits, "logits")));
    worst.add(`case ${i} ${c.mode} weights`, relErr(out.weights, w));
    const first = w.indexOf(Math.max(...w));
    if (out.selectedIndex !== first) selectMismatch++;
  }
  const st = new SummaryRouter({
    mode: "static",
    branches: 3,
    summaryDim: 1,
    staticLogits: [2, 0, -1],
  })
    .route([[0], [0], [0]]);
  const b = new SummaryBuilder();
  const pr = new SummaryRouter({
    mode: "projection",
    branches: 3,
    summaryDim: 2,
    projectionWeights: [1, 1],
  })
    .route([b.encode([0.1, 0.2], "low"), b.encode([0.5, 0.7], "mid"), b.encode([2, 2.5], "high")]);
  const eq = new SummaryRouter({ branches: 3, summaryDim: 1 }).route([[5], [1], [9]]);
  const table = Math.max(
    relErr(st.weights, [0.843795, 0.114195, 0.04201]),
    relErr(pr.logits, [0.3, 1.2, 4.5]),
    relErr(pr.weights, [0.014256, 0.035064, 0.95068]),
  );
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [
      { name: "table", figure: table, bound: 1e-6, direction: "<=" },
      { name: "selection mismatches", figure: selectMismatch, bound: 0, direction: "==" },
      { name: "equal routing's index", figure: eq.selectedIndex, bound: 0, direction: "==" },
    ],
    detail: `${data.router.length} numpy cases, worst at ${worst.where}; names ` +
      `${pr.names.join("/")}; ${integrity}`,
  };
});

claimTest(ROUTER_PROPERTY, () => {
  const arb = fc.record({
    mode: fc.constantFrom<RouterMode>("equal", "static", "projection"),
    n: fc.integer({ min: 1, max: 6 }),
    d: fc.integer({ min: 1, max: 4 }),
    t: fc.double({ min: 0.05, max: 10, noNaN: true }),
    xs: fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 40, maxLength: 40 }),
  });
  let worstSum = 0;
  const runs = fuzzCases(arb, 300, (c) => {
    const xs = c.xs;
    const summaries = Array.from({ length: c.n }, (_, i) => xs.slice(i * c.d, (i + 1) * c.d));
    const r = new SummaryRouter({
      mode: c.mode,
      branches: c.n,
      summaryDim: c.d,
      temperature: c.t,
      staticLogits: xs.slice(24, 24 + c.n),
      projectionWeights: xs.slice(30, 30 + c.d),
      projectionBias: xs.slice(34, 34 + c.n),
    }).route(summaries);
    const s = r.weights.reduce((a, b) => a + b, 0);
    worstSum = Math.max(worstSum, Math.abs(s - 1));
    // Positive wherever exp can represent the spread (a spread of 700/T underflows to 0).
    const spread = (Math.max(...r.logits) - Math.min(...r.logits)) / c.t;
    if (spread < 700 && !r.weights.every((w) => w > 0)) return "non-positive weight";
    const m = Math.max(...r.weights);
    if (r.selectedIndex !== r.weights.indexOf(m)) return "not the first argmax";
    return null;
  });
  // Temperature → 0: a logit lead of 0.1 at T = 1e-3 leaves e^{−100} to the others.
  const cold = new SummaryRouter({
    mode: "static",
    branches: 3,
    summaryDim: 1,
    temperature: 1e-3,
    staticLogits: [0.2, 0.3, 0.1],
  }).route([[0], [0], [0]]);
  return {
    figure: worstSum,
    bound: 1e-14,
    pass: true,
    parts: [{
      name: "cold weight of the leader",
      figure: cold.weights[1]!,
      bound: 1 - 1e-9,
      direction: ">=",
    }],
    detail: `${runs} fuzzed routings; worst |Σw − 1| ${worstSum.toExponential(2)}; T = 1e-3 ` +
      `selects ${cold.selectedIndex} with weight ${cold.weights[1]}`,
  };
});

claimTest(ROUTER_FAULTS, async () => {
  const r = new SummaryRouter({
    mode: "projection",
    branches: 2,
    summaryDim: 2,
    projectionWeights: [1, 1],
  });
  const cases = [
    {
      name: "inf in a summary",
      run: () => r.route([[1, Infinity], [0, 0]]),
      expect: RangeError,
      mentions: ["summary 0", "finite"],
    },
    {
      name: "NaN in a summary",
      run: () => r.route([[0, 0], [NaN, 0]]),
      expect: RangeError,
      mentions: ["summary 1"],
    },
    {
      name: "static logits of the wrong length",
      run: () =>
        new SummaryRouter({ mode: "static", branches: 3, summaryDim: 1, staticLogits: [1, 2] }),
      expect: RangeError,
      mentions: ["staticLogits", "3 values"],
    },
    {
      name: "projection weights of the wrong length",
      run: () =>
        new SummaryRouter({
          mode: "projection",
          branches: 2,
          summaryDim: 3,
          projectionWeights: [1],
        }),
      expect: RangeError,
      mentions: ["projectionWeights"],
    },
    {
      name: "T = 0",
      run: () => new SummaryRouter({ branches: 2, summaryDim: 1, temperature: 0 }),
      expect: RangeError,
      mentions: ["temperature"],
    },
    {
      name: "unknown mode",
      run: () => new SummaryRouter({ mode: "softmax" as RouterMode, branches: 2, summaryDim: 1 }),
      expect: TypeError,
      mentions: ["mode"],
    },
    {
      name: "too few summaries",
      run: () => r.route([[1, 2]]),
      expect: TypeError,
      mentions: ["2 summaries"],
    },
    {
      name: "wrong width",
      run: () => r.route([[1, 2], [1]]),
      expect: TypeError,
      mentions: ["summary 1"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
