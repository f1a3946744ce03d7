/**
 * The linear-memory feature view: fixture parity, layout (fuzzed), bad input.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { differential, relativeBounds } from "../../_harness/differential.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { LinearMemoryFeatureView } from "../../../impl/decepticons/linear_views/linear_views.ts";
import { linearMemory } from "../../../impl/decepticons/substrate/build.ts";
import { loadViewsFixture } from "../hierarchical_views/_views_fixture.ts";
import { LINEAR_VIEW_FAULT, LINEAR_VIEW_FIXTURE, LINEAR_VIEW_PROPERTY } from "./claims.ts";

claimTest(LINEAR_VIEW_FIXTURE, async (t) => {
  const { data, integrity } = await loadViewsFixture();
  const l = data.linear;
  const view = new LinearMemoryFeatureView({ banks: l.banks, dim: l.dim });
  const m = await differential(t, {
    cases: [{ name: `K ${l.banks}, E ${l.dim}`, input: l }],
    gpu: () => ({ noPrev: view.encode(l.state), withPrev: view.encode(l.state, l.prev) }),
    oracle: () => ({ noPrev: l.encodingNoPrev, withPrev: l.encoding }),
    bound: (_c, o) => ({
      noPrev: relativeBounds(o.noPrev!, FIXTURE_F64_REL),
      withPrev: relativeBounds(o.withPrev!, FIXTURE_F64_REL),
    }),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(LINEAR_VIEW_PROPERTY, () => {
  const failures: string[] = [];
  let runs = 0;
  const arb = fc.integer({ min: 1, max: 5 }).chain((K) =>
    fc.integer({ min: 1, max: 6 }).chain((E) =>
      fc.tuple(
        fc.constant(K),
        fc.constant(E),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), {
          minLength: K * E,
          maxLength: K * E,
        }),
      )
    )
  );
  fc.assert(
    fc.property(arb, ([K, E, s]) => {
      runs++;
      const v = new LinearMemoryFeatureView({ banks: K, dim: E });
      const f = v.encode(s);
      const bad: string[] = [];
      if (f.length !== K * E + 3 * K || v.featureDim !== f.length) bad.push("width");
      if (!f.every(Number.isFinite)) bad.push("finite");
      for (let i = 0; i < K * E; i++) if (f[i] !== s[i]) bad.push(`state[${i}]`);
      for (let k = 0; k < K; k++) {
        if (f[K * E + 2 * K + k] !== 0) bad.push(`drift[${k}]`);
        const mean = f[K * E + k]!, energy = f[K * E + K + k]!;
        if (energy < mean * mean * (1 - 1e-12)) bad.push(`energy[${k}]`);
      }
      if (bad.length) failures.push(`K ${K} E ${E}: ${bad.join(", ")}`);
      return bad.length === 0;
    }),
    fcParams(200),
  );
  // The view of memspec's linear memory substrate has its K and E.
  const sub = linearMemory({ vocab: 8, dim: 4 });
  const of = LinearMemoryFeatureView.of(sub);
  if (of.banks !== 5 || of.dim !== 4) failures.push("LinearMemoryFeatureView.of");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${runs} fuzzed cases; ${failures.slice(0, 3).join("; ")}`,
  };
});

claimTest(LINEAR_VIEW_FAULT, async () => {
  const view = new LinearMemoryFeatureView({ banks: 2, dim: 2 });
  const cases = [
    {
      name: "0 banks",
      run: () => new LinearMemoryFeatureView({ banks: 0, dim: 2 }),
      expect: RangeError,
      mentions: ["banks"],
    },
    {
      name: "string width",
      run: () => new LinearMemoryFeatureView({ banks: 1, dim: "2" as unknown as number }),
      expect: TypeError,
      mentions: ["dim"],
    },
    {
      name: "state of 3",
      run: () => view.encode([1, 2, 3]),
      expect: TypeError,
      mentions: ["4 values"],
    },
    {
      name: "NaN previous state",
      run: () => view.encode([1, 2, 3, 4], [0, NaN, 0, 0]),
      expect: RangeError,
      mentions: ["previous state[1]"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
