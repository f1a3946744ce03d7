/**
 * Probability diagnostics: 500 numpy row pairs, fuzzed ranges and symmetry, tie order, faults.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import {
  overlap,
  probabilityDiagnostics,
  sharedTopkMass,
  top1Agreement,
  topkMass,
} from "../../../impl/decepticons/probability_diagnostics/probability_diagnostics.ts";
import { DIAG_FAULTS, DIAG_FIXTURE, DIAG_PROPERTY, DIAG_TIES } from "./claims.ts";
import {
  checkFaults,
  faultMeasurement,
  fuzzCases,
  loadControlFixture,
  relErr,
  rows,
  Worst,
} from "../control/_fixtures.ts";

const FIELDS = [
  "entropy",
  "peak",
  "topkMass",
  "top2Margin",
  "overlap",
  "top1Agreement",
  "sharedTopkMass",
] as const;

claimTest(DIAG_FIXTURE, async () => {
  const { data, integrity } = await loadControlFixture("diagnostics");
  const P = rows(data.base, "base");
  const Q = rows(data.proxy, "proxy");
  const D = rows(data.diagnostics, "diagnostics");
  const worst = new Worst();
  P.forEach((p, i) => {
    const d = probabilityDiagnostics(p, Q[i]!, data.k);
    worst.add(`row ${i}`, relErr(FIELDS.map((f) => d[f]), D[i]!));
  });
  return {
    figure: worst.error,
    bound: FIXTURE_F64_REL,
    pass: true,
    detail: `${P.length} Dirichlet(0.3) pairs at V = ${P[0]!.length}, k = ${data.k}; worst at ` +
      `${worst.where}; ${integrity}`,
  };
});

claimTest(DIAG_PROPERTY, () => {
  const arb = fc.record({
    v: fc.integer({ min: 1, max: 12 }),
    k: fc.integer({ min: 1, max: 5 }),
    xs: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 24, maxLength: 24 }),
  });
  let worstIdentity = 0;
  const runs = fuzzCases(arb, 300, (c) => {
    const p = c.xs.slice(0, c.v);
    const q = c.xs.slice(12, 12 + c.v);
    const d = probabilityDiagnostics(p, q, c.k);
    for (const f of FIELDS) {
      const x = d[f];
      const slack = f === "entropy" ? 1e-9 : 1e-15;
      if (!(x >= -slack && x <= 1 + slack)) return `${f} = ${x}`;
    }
    if (overlap(p, q) !== overlap(q, p)) return "overlap not symmetric";
    if (top1Agreement(p, q) !== top1Agreement(q, p)) return "top-1 agreement not symmetric";
    if (sharedTopkMass(p, q, c.k) !== sharedTopkMass(q, p, c.k)) {
      return "shared top-k not symmetric";
    }
    worstIdentity = Math.max(
      worstIdentity,
      Math.abs(overlap(p, p) - 1),
      Math.abs(sharedTopkMass(p, p, c.k) - topkMass(p, c.k)),
    );
    return null;
  });
  return {
    figure: worstIdentity,
    bound: 1e-15,
    pass: true,
    detail: `${runs} fuzzed pairs (V 1..12, zero rows included): every diagnostic in [0, 1], ` +
      `symmetric ones equal; worst identity error ${worstIdentity.toExponential(2)}`,
  };
});

claimTest(DIAG_TIES, () => {
  const p = [0.3, 0.2, 0.2, 0.2, 0.1];
  const q = [0.1, 0.2, 0.2, 0.05, 0.45];
  const s = sharedTopkMass(p, q, 2);
  return {
    figure: Math.abs(s - 0.2),
    bound: 0,
    pass: true,
    detail: `shared top-2 = ${s}: top-2(p) = {0, 1}, top-2(q) = {4, 1} with ties by the lower ` +
      "index (ties by the higher index give {0, 3} and {4, 2}: 0)",
  };
});

claimTest(DIAG_FAULTS, async () => {
  const cases = [
    {
      name: "different vocabularies",
      run: () => overlap([0.5, 0.5], [1, 0, 0]),
      expect: TypeError,
      mentions: ["equal vocabularies", "2", "3"],
    },
    {
      name: "empty row",
      run: () => overlap([], []),
      expect: RangeError,
      mentions: ["at least one"],
    },
    {
      name: "negative probability",
      run: () => probabilityDiagnostics([0.5, -0.1], [0.5, 0.5]),
      expect: RangeError,
      mentions: ["base row[1]"],
    },
    {
      name: "NaN probability",
      run: () => probabilityDiagnostics([0.5, 0.5], [NaN, 0.5]),
      expect: RangeError,
      mentions: ["proxy row[0]", "finite"],
    },
    {
      name: "k = 0",
      run: () => probabilityDiagnostics([1], [1], 0),
      expect: RangeError,
      mentions: ["k"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
