/**
 * Controller summaries: the numpy fixture, fuzzed invariants and typed faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import {
  type Signal,
  stackSummaries,
  SummaryBuilder,
  type SummaryReduction,
} from "../../../impl/decepticons/control/control.ts";
import { SUMMARY_FAULTS, SUMMARY_FIXTURE, SUMMARY_PROPERTY } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  loadControlFixture,
  type Raw,
  relErr,
  rows,
  Worst,
} from "./_fixtures.ts";
import { f64 } from "../../_harness/encoded_arrays.ts";

claimTest(SUMMARY_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("control");
  const worst = new Worst();
  for (const [i, c] of (data.summaries as Raw[]).entries()) {
    const shape: number[] = (c.signal as { shape: number[] }).shape;
    const flat = f64(c.signal, `summaries[${i}].signal`);
    const signal: Signal = shape.length === 0
      ? flat[0]!
      : shape.length === 1
      ? [...flat]
      : rows(c.signal, `summaries[${i}].signal`);
    const b = new SummaryBuilder({ reduction: c.reduction, normalize: c.normalize });
    worst.add(
      `case ${i} (${c.reduction}, normalize ${c.normalize})`,
      relErr(
        b.encode(signal).values,
        f64(c.values, `summaries[${i}].values`),
      ),
    );
  }
  // The table entries, exactly.
  const m = [[1, -2, 3], [-4, 5, -6]];
  const table: [SummaryReduction, number[]][] = [
    ["identity", [1, -2, 3, -4, 5, -6]],
    ["last", [-4, 5, -6]],
    ["mean", [-1.5, 1.5, -1.5]],
    ["mean_abs", [2.5, 3.5, 4.5]],
    ["max_abs", [4, 5, 6]],
  ];
  let tableErr = 0;
  for (const [r, want] of table) {
    tableErr = Math.max(
      tableErr,
      relErr(new SummaryBuilder({ reduction: r }).encode(m).values, want),
    );
  }
  const bypass = relErr(new SummaryBuilder({ reduction: "last" }).encode([7, 8, 9]).values, [
    7,
    8,
    9,
  ]);
  const unit = relErr(new SummaryBuilder({ normalize: true }).encode([3, 4]).values, [0.6, 0.8]);
  const tiny = relErr(new SummaryBuilder({ normalize: true }).encode([1e-9, 0]).values, [1e-9, 0]);
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [
      { name: "reduction table", figure: tableErr, bound: 0, direction: "<=" },
      { name: "1-D bypass", figure: bypass, bound: 0, direction: "<=" },
      { name: "[3, 4] normalised", figure: unit, bound: 1e-16, direction: "<=" },
      { name: "[1e-9, 0] unchanged", figure: tiny, bound: 0, direction: "<=" },
    ],
    detail: `${data.summaries.length} numpy cases, worst at ${worst.where}; ${integrity}`,
  };
});

const REDUCTIONS: SummaryReduction[] = ["identity", "last", "mean", "mean_abs", "max_abs"];

claimTest(SUMMARY_PROPERTY, () => {
  const real = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  const arb = fc.record({
    reduction: fc.constantFrom(...REDUCTIONS),
    normalize: fc.boolean(),
    r: fc.integer({ min: 1, max: 6 }),
    d: fc.integer({ min: 1, max: 6 }),
    matrix: fc.boolean(),
    values: fc.array(real, { minLength: 36, maxLength: 36 }),
  });
  let worstNorm = 0;
  const runs = fuzzCases(arb, 300, (c) => {
    const flat = c.values.slice(0, c.r * c.d);
    const signal = c.matrix
      ? Array.from({ length: c.r }, (_, i) => flat.slice(i * c.d, (i + 1) * c.d))
      : flat.slice(0, c.d);
    const v = new SummaryBuilder({ reduction: c.reduction, normalize: c.normalize })
      .encode(signal).values;
    const width = !c.matrix ? c.d : c.reduction === "identity" ? c.r * c.d : c.d;
    if (v.length !== width) return `width ${v.length} != ${width}`;
    if (!v.every(Number.isFinite)) return "non-finite summary";
    if (c.normalize) {
      const n = Math.hypot(...v);
      if (n > 1e-8) worstNorm = Math.max(worstNorm, Math.abs(n - 1));
    }
    return null;
  });
  return {
    figure: worstNorm,
    bound: 1e-14,
    pass: true,
    detail: `${runs} fuzzed signals, 0 width or finiteness violations; worst |‖v‖ − 1| ` +
      worstNorm.toExponential(2),
  };
});

claimTest(SUMMARY_FAULTS, async () => {
  const b = new SummaryBuilder();
  const cases = [
    {
      name: "unknown reduction at construction",
      run: () => new SummaryBuilder({ reduction: "median" as SummaryReduction }),
      expect: TypeError,
      mentions: ["build a SummaryBuilder", "median"],
    },
    {
      name: "negative eps",
      run: () => new SummaryBuilder({ eps: -1 }),
      expect: RangeError,
      mentions: ["eps"],
    },
    {
      name: "NaN signal",
      run: () => b.encode([1, NaN]),
      expect: RangeError,
      mentions: ["finite", "NaN"],
    },
    {
      name: "infinite row entry",
      run: () => b.encode([[1, 2], [Infinity, 0]]),
      expect: RangeError,
      mentions: ["finite"],
    },
    {
      name: "empty signal",
      run: () => b.encode([]),
      expect: RangeError,
      mentions: ["at least one"],
    },
    {
      name: "ragged rows",
      run: () => b.encode([[1, 2], [3]]),
      expect: TypeError,
      mentions: ["row 1"],
    },
    {
      name: "mixed widths when stacking",
      run: () => stackSummaries([b.encode([1, 2]), b.encode([1, 2, 3])]),
      expect: RangeError,
      mentions: ["summary 1", "2 values"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
