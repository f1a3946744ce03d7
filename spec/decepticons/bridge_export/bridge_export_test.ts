/**
 * The bridge export: the numpy report, one comparison for accounting and spans, faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { bridgeExport } from "../../../impl/decepticons/bridge_export/bridge_export.ts";
import { BRIDGE_ACCOUNTING, BRIDGE_FAULTS, BRIDGE_FIXTURE } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  ints,
  loadControlFixture,
  nums,
  relErr,
  rows,
  Worst,
} from "../control/_fixtures.ts";

claimTest(BRIDGE_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("diagnostics");
  const b = data.bridge;
  const r = bridgeExport({
    vocab: b.vocab,
    threshold: b.threshold,
    base: rows(b.base, "base"),
    proxy: rows(b.proxy, "proxy"),
    targets: ints(b.targets, "targets"),
  });
  const worst = new Worst();
  worst.add("agreement", relErr(r.agreement, nums(b.agreement, "agreement")));
  worst.add("bpb", relErr([r.baseBitsPerByte, r.proxyBitsPerByte], [b.base_bpb, b.proxy_bpb]));
  const want = rows(b.spans, "spans");
  let mismatches = r.replayBytes === b.replay_bytes ? 0 : 1;
  if (r.spans.length !== want.length) mismatches++;
  r.spans.forEach((s, j) => {
    const w = want[j] ?? [];
    if (s.start !== w[0] || s.stop !== w[1] || s.count !== w[4]) mismatches++;
    worst.add(`span ${j}`, relErr([s.mean, s.max], [w[2]!, w[3]!]));
  });
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [{ name: "count and span mismatches", figure: mismatches, bound: 0, direction: "==" }],
    detail: `${r.artifactBytes} rows, θ ${b.threshold.toFixed(4)}: replay ${r.replayBytes}, ` +
      `${r.spans.length} spans; worst at ${worst.where}; ${integrity}`,
  };
});

claimTest(BRIDGE_ACCOUNTING, () => {
  // Rows 1 and 2 disagree completely (agreement 0); θ = 0 selects every row.
  const r = bridgeExport({
    vocab: 2,
    threshold: 0,
    base: [[1, 0], [1, 0], [0, 1], [0.5, 0.5]],
    proxy: [[1, 0], [0, 1], [1, 0], [0.5, 0.5]],
    targets: [0, 0, 1, 1],
  });
  let mismatches = r.replayBytes === 4 && r.spans.length === 1 && r.spans[0]!.start === 0 &&
      r.spans[0]!.stop === 4
    ? 0
    : 1;
  const arb = fc.record({
    n: fc.integer({ min: 1, max: 12 }),
    v: fc.integer({ min: 1, max: 4 }),
    theta: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
    xs: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 96, maxLength: 96 }),
  });
  const runs = fuzzCases(arb, 200, (c) => {
    // Small integer weights give exact ties between agreement and θ ∈ {0, 1}.
    const row = (o: number) => Array.from({ length: c.v }, (_, j) => c.xs[o + j]!);
    const base = Array.from({ length: c.n }, (_, i) => row(i * 4));
    const proxy = Array.from({ length: c.n }, (_, i) => row(48 + i * 4));
    const rep = bridgeExport({
      vocab: c.v,
      threshold: c.theta,
      base,
      proxy,
      targets: new Array(c.n).fill(0),
    });
    const counted = rep.spans.reduce((a, s) => a + s.count, 0);
    if (counted !== rep.replayBytes) {
      mismatches++;
      return `replay ${rep.replayBytes} != span rows ${counted}`;
    }
    return null;
  });
  return {
    figure: mismatches,
    bound: 0,
    pass: true,
    detail: `θ = 0 case: replay ${r.replayBytes}, spans ` +
      `${r.spans.map((s) => `(${s.start}, ${s.stop})`).join(" ")} (the original: replay 2 ` +
      `beside (0, 4)); ${runs} fuzzed reports agree`,
  };
});

claimTest(BRIDGE_FAULTS, async () => {
  const row8 = new Array(8).fill(1 / 8);
  const cases = [
    {
      name: "V = 256 configured, rows of 8",
      run: () =>
        bridgeExport({ vocab: 256, threshold: 0.5, base: [row8], proxy: [row8], targets: [0] }),
      expect: RangeError,
      mentions: ["256 values", "8"],
    },
    {
      name: "no rows",
      run: () => bridgeExport({ vocab: 8, threshold: 0.5, base: [], proxy: [], targets: [] }),
      expect: RangeError,
      mentions: ["at least one row"],
    },
    {
      name: "unequal row counts",
      run: () =>
        bridgeExport({
          vocab: 8,
          threshold: 0.5,
          base: [row8, row8],
          proxy: [row8],
          targets: [0, 0],
        }),
      expect: RangeError,
      mentions: ["2 rows"],
    },
    {
      name: "target 8 at V = 8",
      run: () =>
        bridgeExport({ vocab: 8, threshold: 0.5, base: [row8], proxy: [row8], targets: [8] }),
      expect: RangeError,
      mentions: ["targets[0]", "[0, 7]"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
