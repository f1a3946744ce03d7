/**
 * The pathway gate controller: the numpy sequence, fuzzed ranges, the σ(bias) initial state
 * and construction-time faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { PathwayGateController } from "../../../impl/decepticons/gating/gating.ts";
import { sigmoid } from "../../../impl/decepticons/control/check.ts";
import { GATE_FAULTS, GATE_FIXTURE, GATE_INITIAL, GATE_PROPERTY } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  ints,
  loadControlFixture,
  relErr,
  rows,
} from "../control/_fixtures.ts";
import { f64 } from "../../_harness/encoded_arrays.ts";

claimTest(GATE_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("control");
  const g = data.gates;
  const c = g.config;
  const ctl = new PathwayGateController({
    summaryDim: 2,
    refreshStride: c.stride,
    fastToMidIndex: c.i_fm,
    midToSlowIndex: c.i_ms,
    fastToMidBias: c.b_fm,
    midToSlowBias: c.b_ms,
    fastToMidScale: c.a_fm,
    midToSlowScale: c.a_ms,
  });
  const steps = ints(g.steps, "gates.steps");
  const vs = rows(g.summaries, "gates.summaries");
  const want = f64(g.values, "gates.values");
  const wantFlags = ints(g.refreshed, "gates.refreshed");
  let state = ctl.initialState();
  const got: number[] = [];
  let flagMismatch = 0;
  let cacheBits = 0;
  steps.forEach((s, i) => {
    const before = state;
    const r = ctl.advance(state, vs[i]!, s);
    if (Number(r.refreshed) !== wantFlags[i]) flagMismatch++;
    if (
      !r.refreshed &&
      (r.state.fastToMid !== before.fastToMid || r.state.midToSlow !== before.midToSlow)
    ) {
      cacheBits++;
    }
    state = r.state;
    got.push(state.fastToMid, state.midToSlow);
  });
  const err = relErr(got, want);
  const table = new PathwayGateController({
    summaryDim: 2,
    midToSlowIndex: 1,
    fastToMidBias: -1,
    midToSlowBias: 0.5,
    fastToMidScale: 2,
    midToSlowScale: 0.5,
  });
  const t = table.advance(table.initialState(), [1, 2], 0).state;
  const tableErr = Math.max(Math.abs(t.fastToMid - 0.731059), Math.abs(t.midToSlow - 0.817574));
  const initErr = relErr(
    [ctl.initialState().fastToMid, ctl.initialState().midToSlow],
    f64(g.initial, "gates.initial"),
  );
  return {
    figure: err,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [
      { name: "refresh flag mismatches", figure: flagMismatch, bound: 0, direction: "==" },
      { name: "cached values changed", figure: cacheBits, bound: 0, direction: "==" },
      { name: "initial state vs numpy", figure: initErr, bound: FIXTURE_F64_REL, direction: "<=" },
      { name: "step-0 table", figure: tableErr, bound: 1e-6, direction: "<=" },
    ],
    detail: `flags ${wantFlags.map((f) => (f ? "T" : "F")).join("")} over steps ` +
      `${steps.join(",")}; step-0 pair (${t.fastToMid.toFixed(6)}, ${t.midToSlow.toFixed(6)}); ` +
      integrity,
  };
});

claimTest(GATE_PROPERTY, () => {
  const arb = fc.record({
    b: fc.double({ min: -10, max: 10, noNaN: true }),
    // |a·v + b| <= 2·10 + 10 = 30, where σ is still strictly inside (0, 1) in f64.
    a: fc.double({ min: 0, max: 2, noNaN: true }),
    v: fc.double({ min: -5, max: 5, noNaN: true }),
    dv: fc.double({ min: 0, max: 5, noNaN: true }),
    stride: fc.integer({ min: 1, max: 5 }),
  });
  const runs = fuzzCases(arb, 300, (c) => {
    const ctl = new PathwayGateController({
      summaryDim: 1,
      refreshStride: c.stride,
      fastToMidBias: c.b,
      midToSlowBias: -c.b,
      fastToMidScale: c.a,
      midToSlowScale: c.a,
    });
    const lo = ctl.advance(ctl.initialState(), [c.v], 0).state;
    const hi = ctl.advance(ctl.initialState(), [c.v + c.dv], 0).state;
    for (const s of [lo, hi]) {
      for (const x of [s.fastToMid, s.midToSlow]) if (!(x > 0 && x < 1)) return `gate ${x}`;
    }
    if (hi.fastToMid < lo.fastToMid || hi.midToSlow < lo.midToSlow) return "not monotone";
    return null;
  });
  return { figure: 0, bound: 0, pass: true, detail: `${runs} fuzzed cases, 0 violations` };
});

claimTest(GATE_INITIAL, () => {
  let err = 0;
  let margin = 1;
  for (const b of [-5, -1, 0, 0.5, 3, 6]) {
    const ctl = new PathwayGateController({ summaryDim: 3, fastToMidBias: b, midToSlowBias: -b });
    const s = ctl.initialState();
    const zero = ctl.advance(s, [0, 0, 0], 0).state;
    err = Math.max(
      err,
      Math.abs(s.fastToMid - sigmoid(b)),
      Math.abs(s.midToSlow - sigmoid(-b)),
      Math.abs(zero.fastToMid - s.fastToMid),
      Math.abs(zero.midToSlow - s.midToSlow),
    );
    for (const x of [s.fastToMid, s.midToSlow]) margin = Math.min(margin, x, 1 - x);
  }
  return {
    figure: err,
    bound: 0,
    pass: true,
    parts: [{ name: "min distance from {0, 1}", figure: margin, bound: 1e-3, direction: ">=" }],
    detail: `biases ±{5, 1, 0, .5, 3, 6}: initial = σ(b) = the zero-summary refresh; the ` +
      `original's (0, 0) would be at distance 0`,
  };
});

claimTest(GATE_FAULTS, async () => {
  const ctl = new PathwayGateController({ summaryDim: 2 });
  const s0 = ctl.initialState();
  const snapshot = JSON.stringify(s0);
  const cases = [
    {
      name: "index outside the summary",
      run: () => new PathwayGateController({ summaryDim: 2, midToSlowIndex: 2 }),
      expect: RangeError,
      mentions: ["build a PathwayGateController", "midToSlowIndex", "[0, 1]"],
    },
    {
      name: "stride 0",
      run: () => new PathwayGateController({ summaryDim: 2, refreshStride: 0 }),
      expect: RangeError,
      mentions: ["refreshStride"],
    },
    {
      name: "negative scale",
      run: () => new PathwayGateController({ summaryDim: 2, fastToMidScale: -1 }),
      expect: RangeError,
      mentions: ["fastToMidScale"],
    },
    {
      name: "infinite bias",
      run: () => new PathwayGateController({ summaryDim: 2, fastToMidBias: Infinity }),
      expect: RangeError,
      mentions: ["fastToMidBias"],
    },
    {
      name: "summary of the wrong width",
      run: () => ctl.advance(s0, [1, 2, 3], 0),
      expect: RangeError,
      mentions: ["2 values", "3"],
    },
    {
      name: "NaN summary",
      run: () => ctl.advance(s0, [1, NaN], 0),
      expect: RangeError,
      mentions: ["finite"],
    },
  ];
  const failures = await checkFaults(cases);
  if (JSON.stringify(s0) !== snapshot) failures.push("state changed");
  return faultMeasurement(cases.length, failures);
});
