/**
 * Span selection: the table and numpy cases, fuzzed span invariants.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { selectSpans } from "../../../impl/decepticons/span_selection/span_selection.ts";
import { SPAN_FIXTURE, SPAN_PROPERTY } from "./claims.ts";
import {
  fuzzCases,
  loadControlFixture,
  nums,
  type Raw,
  relErr,
  rows,
  Worst,
} from "../control/_fixtures.ts";

claimTest(SPAN_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("diagnostics");
  const scores = nums(data.span_scores, "span_scores");
  const worst = new Worst();
  let mismatches = 0;
  for (const [i, c] of (data.span_cases as Raw[]).entries()) {
    const got = selectSpans(scores, c.threshold, { minSpan: c.min_span, maxGap: c.max_gap });
    const want = rows(c.spans, `span_cases[${i}]`);
    if (got.length !== want.length) {
      mismatches++;
      continue;
    }
    got.forEach((s, j) => {
      const w = want[j]!;
      if (s.start !== w[0] || s.stop !== w[1] || s.count !== w[4]) mismatches++;
      worst.add(`case ${i} span ${j}`, relErr([s.mean, s.max], [w[2]!, w[3]!]));
    });
  }
  const pairs = (o: { minSpan?: number; maxGap?: number }) =>
    JSON.stringify(selectSpans(scores, 0.5, o).map((s) => [s.start, s.stop]));
  const table: [string, string][] = [
    [pairs({}), "[[1,3],[4,5],[7,10]]"],
    [pairs({ maxGap: 1 }), "[[1,5],[7,10]]"],
    [pairs({ minSpan: 3 }), "[[7,10]]"],
    [pairs({ maxGap: 1, minSpan: 4 }), "[[1,5]]"],
  ];
  const tableMismatch = table.filter(([g, w]) => g !== w).length +
    (selectSpans(scores, 0.5, { maxGap: 1, minSpan: 4 })[0]?.count === 3 ? 0 : 1);
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    parts: [
      { name: "span or count mismatches vs numpy", figure: mismatches, bound: 0, direction: "==" },
      { name: "table mismatches", figure: tableMismatch, bound: 0, direction: "==" },
    ],
    detail: `${data.span_cases.length} numpy cases; table ${table.map(([g]) => g).join(" | ")}; ` +
      integrity,
  };
});

claimTest(SPAN_PROPERTY, () => {
  const arb = fc.record({
    scores: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
    theta: fc.double({ min: 0, max: 1, noNaN: true }),
    minSpan: fc.integer({ min: 1, max: 5 }),
    maxGap: fc.integer({ min: 0, max: 3 }),
  });
  const runs = fuzzCases(arb, 300, (c) => {
    const spans = selectSpans(c.scores, c.theta, { minSpan: c.minSpan, maxGap: c.maxGap });
    let prev = -Infinity;
    for (const s of spans) {
      if (s.start - prev <= c.maxGap) return `spans ${prev} and ${s.start} not separated`;
      if (s.stop - s.start < c.minSpan) return `span (${s.start}, ${s.stop}) shorter than minSpan`;
      if (!(c.scores[s.start]! >= c.theta) || !(c.scores[s.stop - 1]! >= c.theta)) {
        return `span (${s.start}, ${s.stop}) does not start and end on a selected position`;
      }
      prev = s.stop - 1;
    }
    if (c.minSpan === 1) {
      const total = spans.reduce((a, s) => a + s.count, 0);
      const selected = c.scores.filter((x) => x >= c.theta).length;
      if (total !== selected) return `counts ${total} != selected ${selected}`;
    }
    return null;
  });
  return { figure: 0, bound: 0, pass: true, detail: `${runs} fuzzed cases, 0 violations` };
});
