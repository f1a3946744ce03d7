/**
 * The sampled multiscale readout: fixture parity, seeded draws (fuzzed), validation.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { differential, relativeBounds } from "../../_harness/differential.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import {
  type SampledBand,
  SampledMultiscaleReadout,
} from "../../../impl/decepticons/sampled_readout/sampled_readout.ts";
import { loadViewsFixture } from "../hierarchical_views/_views_fixture.ts";
import { SAMPLED_DRAWS, SAMPLED_FAULT, SAMPLED_FIXTURE } from "./claims.ts";

/** The original's test bands (tests/test_sampled_readout.py). */
const TEST_BANDS: SampledBand[] = [
  { name: "fast", start: 0, stop: 4, sampleIndices: [0, 2], includeDrift: true },
  { name: "mid", start: 4, stop: 8, sampleIndices: [1, 3], includeDrift: true },
  { name: "slow", start: 8, stop: 12 },
];

claimTest(SAMPLED_FIXTURE, async (t) => {
  const { data, integrity } = await loadViewsFixture();
  const s = data.sampled;
  const want = [0, 2, 1.5, 3.5, 1, 5, 7, 5.5, 31.5, 1, 8, 9, 10, 11, 9.5, 91.5];
  const seeded = new SampledMultiscaleReadout({
    stateDim: 30,
    bands: s.seededIndices.map((idx, b) => ({
      name: `band${b}`,
      start: 10 * b,
      stop: 10 * b + 10,
      sampleIndices: idx.map((i) => i - 10 * b),
      includeMean: s.seededFlags[b]![0],
      includeEnergy: s.seededFlags[b]![1],
      includeDrift: s.seededFlags[b]![2],
    })),
  });
  const m = await differential(t, {
    cases: [{ name: "test vector and seeded bands", input: s }],
    gpu: () => {
      const r = new SampledMultiscaleReadout({ stateDim: 12, bands: TEST_BANDS });
      const st = Array.from({ length: 12 }, (_, i) => i);
      return {
        testVector: r.encode(st, st.map((x) => x - 1)),
        originalTestVector: r.encode(st, st.map((x) => x - 1)),
        seededIndices: seeded.bands.flatMap((b) => b.indices),
        seeded: seeded.encode(s.seededState, s.seededPrev),
      };
    },
    oracle: () => ({
      testVector: s.testVector,
      originalTestVector: want,
      seededIndices: [0, 5, 7, 13, 14, 15, 25, 26, 27],
      seeded: s.seededEncoding,
    }),
    bound: (_c, o) => ({
      testVector: 0,
      originalTestVector: 0,
      seededIndices: 0,
      seeded: relativeBounds(o.seeded!, FIXTURE_F64_REL),
    }),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(SAMPLED_DRAWS, () => {
  const failures: string[] = [];
  let runs = 0;
  const arb = fc.integer({ min: 1, max: 40 }).chain((w) =>
    fc.tuple(
      fc.constant(w),
      fc.integer({ min: 1, max: w }),
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.integer({ min: 0, max: 7 }),
    )
  );
  fc.assert(
    fc.property(arb, ([w, c, seed, start]) => {
      runs++;
      const opts = {
        stateDim: start + w + 3,
        seed,
        bands: [{ name: "b", start, stop: start + w, sampleCount: c, includeDrift: true }],
      };
      const r = new SampledMultiscaleReadout(opts);
      const idx = r.bands[0]!.indices;
      const bad: string[] = [];
      if (idx.length !== c) bad.push("count");
      for (let i = 0; i < idx.length; i++) {
        if (idx[i]! < start || idx[i]! >= start + w) bad.push("outside");
        if (i > 0 && !(idx[i]! > idx[i - 1]!)) bad.push("not sorted/distinct");
      }
      if (c === w && idx.some((x, i) => x !== start + i)) bad.push("full width");
      const again = new SampledMultiscaleReadout(opts).bands[0]!.indices;
      if (again.join() !== idx.join()) bad.push("not deterministic");
      const st = Array.from({ length: opts.stateDim }, (_, i) => Math.cos(i * seed));
      const f = r.encode(st, st.map((x) => x / 2));
      if (f.length !== r.featureDim || f.length !== c + 3 || !f.every(Number.isFinite)) {
        bad.push("features");
      }
      if (bad.length) failures.push(`w ${w} c ${c} seed ${seed}: ${bad.join(", ")}`);
      return bad.length === 0;
    }),
    fcParams(300),
  );
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${runs} fuzzed bands; ${failures.slice(0, 3).join("; ")}`,
  };
});

claimTest(SAMPLED_FAULT, async () => {
  const band = (b: Partial<SampledBand>) => () =>
    new SampledMultiscaleReadout({
      stateDim: 10,
      bands: [{ name: "b", start: 0, stop: 5, ...b } as SampledBand],
    });
  const ok = new SampledMultiscaleReadout({
    stateDim: 4,
    bands: [{ name: "a", start: 0, stop: 4 }],
  });
  const cases = [
    { name: "empty name", run: band({ name: "" }), expect: RangeError, mentions: ["name"] },
    { name: "start < 0", run: band({ start: -1 }), expect: RangeError, mentions: ["start"] },
    {
      name: "stop = start",
      run: band({ start: 3, stop: 3 }),
      expect: RangeError,
      mentions: ["stop"],
    },
    { name: "stop > stateDim", run: band({ stop: 11 }), expect: RangeError, mentions: ["stop"] },
    {
      name: "count 0",
      run: band({ sampleCount: 0 }),
      expect: RangeError,
      mentions: ["sampleCount"],
    },
    {
      name: "count > width",
      run: band({ sampleCount: 6 }),
      expect: RangeError,
      mentions: ["sampleCount"],
    },
    {
      name: "count and indices",
      run: band({ sampleCount: 2, sampleIndices: [0, 1] }),
      expect: TypeError,
      mentions: ["not both"],
    },
    {
      name: "repeated index",
      run: band({ sampleIndices: [1, 1] }),
      expect: RangeError,
      mentions: ["distinct"],
    },
    {
      name: "index outside the band",
      run: band({ sampleIndices: [5] }),
      expect: RangeError,
      mentions: ["sampleIndices[0]"],
    },
    {
      name: "no bands",
      run: () => new SampledMultiscaleReadout({ stateDim: 4, bands: [] }),
      expect: RangeError,
      mentions: ["at least one band"],
    },
    {
      name: "stateDim 0",
      run: () => new SampledMultiscaleReadout({ stateDim: 0, bands: [] }),
      expect: RangeError,
      mentions: ["stateDim"],
    },
    {
      name: "state of the wrong width",
      run: () => ok.encode([1, 2, 3]),
      expect: TypeError,
      mentions: ["4 values"],
    },
    {
      name: "infinite state",
      run: () => ok.encode([1, 2, -Infinity, 3]),
      expect: RangeError,
      mentions: ["state[2]"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
