/**
 * The hormone modulator: numpy with the shipped P, fuzzed ranges and refresh reuse, the
 * zero-summary initial state, construction-time faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { HormoneModulator } from "../../../impl/decepticons/modulation/modulation.ts";
import { sigmoid } from "../../../impl/decepticons/control/check.ts";
import { HORMONE_FAULTS, HORMONE_FIXTURE, HORMONE_INITIAL, HORMONE_PROPERTY } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  ints,
  loadControlFixture,
  nums,
  type Raw,
  relErr,
  Worst,
} from "../control/_fixtures.ts";

claimTest(HORMONE_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("control");
  const h = data.hormones;
  const P = nums(h.projection, "hormones.projection");
  const worst = new Worst();
  let table = Infinity;
  for (const [i, c] of (h.cases as Raw[]).entries()) {
    const m = new HormoneModulator({
      summaryDim: h.dim,
      hormones: h.count,
      projection: P,
      summaryScale: c.summary_scale,
      hormoneBias: c.hormone_bias,
      hormoneScale: c.hormone_scale,
      outputIndices: ints(c.output_indices, "idx"),
      outputBiases: nums(c.output_biases, "beta"),
      outputScales: nums(c.output_scales, "scales"),
    });
    const s = m.project(nums(c.summary, "v"));
    worst.add(`case ${i} hormones`, relErr(s.hormones, nums(c.hormones, "h")));
    worst.add(`case ${i} outputs`, relErr(s.outputs, nums(c.outputs, "o")));
    const s0 = m.initialState();
    worst.add(`case ${i} initial hormones`, relErr(s0.hormones, nums(c.initial_hormones, "h0")));
    worst.add(`case ${i} initial outputs`, relErr(s0.outputs, nums(c.initial_outputs, "o0")));
    if (i === 0) table = relErr(s.hormones, [0.170782, 0.023032, -0.586821, 0.170227]);
  }
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [{ name: "hormone table", figure: table, bound: 1e-6, direction: "<=" }],
    detail: `${h.cases.length} numpy cases with numpy's P (seed 17), worst at ${worst.where}; ` +
      integrity,
  };
});

claimTest(HORMONE_PROPERTY, () => {
  const real = (m: number) => fc.double({ min: -m, max: m, noNaN: true });
  const arb = fc.record({
    // |v P| stays below ≈ 15, where tanh is still strictly inside (−1, 1) in f64.
    v: fc.array(real(5), { minLength: 3, maxLength: 3 }),
    v2: fc.array(real(5), { minLength: 3, maxLength: 3 }),
    beta: real(3),
    s: fc.double({ min: 0, max: 3, noNaN: true }),
    sh: fc.double({ min: 0, max: 3, noNaN: true }),
    bh: real(2),
    idx: fc.integer({ min: 0, max: 3 }),
    stride: fc.integer({ min: 2, max: 4 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  });
  const runs = fuzzCases(arb, 300, (c) => {
    const m = new HormoneModulator({
      summaryDim: 3,
      refreshStride: c.stride,
      hormoneBias: c.bh,
      hormoneScale: c.sh,
      outputIndices: [c.idx],
      outputBiases: [c.beta],
      outputScales: [c.s],
      seed: c.seed,
    });
    const a = m.advance(m.initialState(), c.v, 0).state;
    for (const h of a.hormones) if (!(h > -1 && h < 1)) return `hormone ${h}`;
    const lo = sigmoid(c.beta - c.s * c.sh);
    const hi = sigmoid(c.beta + c.s * c.sh);
    const o = a.outputs[0]!;
    if (!(o >= lo && o <= hi && o > 0 && o < 1)) return `output ${o} outside [${lo}, ${hi}]`;
    const b = m.advance(a, c.v2, c.stride - 1);
    if (b.refreshed || b.state !== a) return "refreshed inside the stride";
    return null;
  });
  return { figure: 0, bound: 0, pass: true, detail: `${runs} fuzzed cases, 0 violations` };
});

claimTest(HORMONE_INITIAL, () => {
  const m = new HormoneModulator({ summaryDim: 3, outputBiases: [0, 0.25] });
  const o = m.initialState().outputs;
  const err = Math.max(Math.abs(o[0]! - sigmoid(0)), Math.abs(o[1]! - sigmoid(0.25)));
  const margin = Math.min(...o, ...o.map((x) => 1 - x));
  return {
    figure: err,
    bound: 0,
    pass: true,
    parts: [{ name: "min distance from {0, 1}", figure: margin, bound: 0.4, direction: ">=" }],
    detail: `initial outputs [${
      [...o].map((x) => x.toFixed(6)).join(", ")
    }] (the original's: [0, 0])`,
  };
});

claimTest(HORMONE_FAULTS, async () => {
  const m = new HormoneModulator({ summaryDim: 2 });
  const s0 = m.initialState();
  const snap = JSON.stringify([...s0.hormones, ...s0.outputs, s0.lastRefresh]);
  const cases = [
    {
      name: "output index 5 with K = 2",
      run: () => new HormoneModulator({ summaryDim: 3, hormones: 2, outputIndices: [0, 5] }),
      expect: RangeError,
      mentions: ["build a HormoneModulator", "outputIndices[1]", "5"],
    },
    {
      name: "output lists of different lengths",
      run: () => new HormoneModulator({ summaryDim: 3, outputIndices: [0, 1], outputBiases: [0] }),
      expect: TypeError,
      mentions: ["outputBiases", "2 values"],
    },
    {
      name: "negative output scale",
      run: () => new HormoneModulator({ summaryDim: 3, outputScales: [1, -1] }),
      expect: RangeError,
      mentions: ["outputScales[1]"],
    },
    {
      name: "projection of the wrong size",
      run: () => new HormoneModulator({ summaryDim: 3, projection: [1, 2, 3] }),
      expect: TypeError,
      mentions: ["projection", "12 values"],
    },
    {
      name: "summary of the wrong width",
      run: () => m.advance(s0, [1, 2, 3], 0),
      expect: RangeError,
      mentions: ["2 values"],
    },
    { name: "non-finite summary", run: () => m.advance(s0, [1, -Infinity], 0), expect: RangeError },
  ];
  const failures = await checkFaults(cases);
  if (JSON.stringify([...s0.hormones, ...s0.outputs, s0.lastRefresh]) !== snap) {
    failures.push("state changed");
  }
  return faultMeasurement(cases.length, failures);
});
