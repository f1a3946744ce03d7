/**
 * Oracle analysis: the causal/oracle split, the route quantity, alignment metrics, bad input.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  featureAlignment,
  OracleAnalysis,
} from "../../../impl/decepticons/oracle_analysis/oracle_analysis.ts";
import { SampledMultiscaleReadout } from "../../../impl/decepticons/sampled_readout/sampled_readout.ts";
import {
  type Hierarchical,
  hierarchical,
  linearMemory,
} from "../../../impl/decepticons/substrate/build.ts";
import { ORACLE_ALIGNMENT, ORACLE_FAULT, ORACLE_ROUTE, ORACLE_SPLIT } from "./claims.ts";

let shared: OracleAnalysis | null = null;
/** One small hierarchical substrate for every claim (built once: its spectral radii cost). */
function analysis(): OracleAnalysis {
  shared ??= new OracleAnalysis(
    hierarchical({ sizes: [40, 40, 40], stride: 2, vocab: 256, seed: 1 }),
  );
  return shared;
}

async function corpus(n: number): Promise<number[]> {
  const text = await Deno.readTextFile("fixtures/corpus/byte_lm.txt");
  return Array.from(new TextEncoder().encode(text)).slice(0, n);
}

const maxDiff = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

claimTest(ORACLE_SPLIT, async () => {
  const a = analysis();
  const text = await corpus(40);
  let worst = 0;
  let runs = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 39 }),
      fc.integer({ min: 0, max: 255 }),
      (c, j, x) => {
        runs++;
        const changed = text.slice();
        changed[j] = x;
        const [r0] = a.analyse(text, [c]);
        const [r1] = a.analyse(changed, [c]);
        // A change at j >= c may move only the oracle side; before c only the causal side.
        const d = j >= c ? maxDiff(r0!.causal, r1!.causal) : maxDiff(r0!.oracle, r1!.oracle);
        worst = Math.max(worst, d);
        return d === 0;
      },
    ),
    fcParams(25),
  );
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0,
    detail: `${runs} fuzzed (checkpoint, position, token) changes`,
  };
});

claimTest(ORACLE_ROUTE, async () => {
  const a = analysis();
  const rows = [
    ...a.analyse(await corpus(132)),
    ...a.analyse(Array.from({ length: 60 }, (_, i) => (i * 31) % 256), [1, 30, 60]),
  ];
  let hi = -Infinity, lo = Infinity, sumErr = 0, recompute = 0, named = 0;
  for (const r of rows) {
    hi = Math.max(hi, r.maxRouteWeightBits);
    lo = Math.min(lo, r.maxRouteWeightBits);
    sumErr = Math.max(sumErr, Math.abs(r.routeWeights[0] + r.routeWeights[1] - 1));
    recompute = Math.max(
      recompute,
      Math.abs(r.maxRouteWeightBits + Math.log2(Math.max(...r.routeWeights))),
    );
    if (Object.keys(r).some((k) => /bits_?per_?byte|bpb/i.test(k))) named++;
  }
  return {
    figure: hi,
    bound: 1,
    pass: true,
    parts: [
      { name: "min maxRouteWeightBits", figure: lo, bound: 0, direction: ">=" },
      { name: "|Σw − 1|", figure: sumErr, bound: 1e-15, direction: "<=" },
      { name: "|recomputed − reported|", figure: recompute, bound: 0, direction: "==" },
      {
        name: "records with a bits-per-byte route field",
        figure: named,
        bound: 0,
        direction: "==",
      },
    ],
    detail: `${rows.length} checkpoints; maxRouteWeightBits in [${lo.toFixed(3)}, ${
      hi.toFixed(3)
    }]`,
  };
});

claimTest(ORACLE_ALIGNMENT, () => {
  const failures: string[] = [];
  let asym = 0;
  let selfErr = 0;
  let runs = 0;
  // Any finite doubles (denormals included) for the ranges and the symmetry.
  const wide = fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), {
    minLength: 8,
    maxLength: 8,
  });
  fc.assert(
    fc.property(wide, wide, (u, v) => {
      runs++;
      const ab = featureAlignment(u, v);
      const ba = featureAlignment(v, u);
      asym = Math.max(
        asym,
        ...(["pearson", "cosine", "mae", "rmse"] as const).map((k) =>
          ab[k] === ba[k] ? 0 : Math.abs(ab[k] - ba[k]) || Infinity
        ),
      );
      const bad: string[] = [];
      if (!(Math.abs(ab.pearson) <= 1 && Math.abs(ab.cosine) <= 1)) bad.push("range");
      if (ab.mae > ab.rmse * (1 + 1e-12)) bad.push("mae > rmse");
      if (bad.length) failures.push(bad.join(", "));
      return bad.length === 0;
    }),
    fcParams(300),
  );
  // Feature-scale vectors (thousandths in ±1000) for the self-alignment.
  const feature = fc.array(fc.integer({ min: -1e6, max: 1e6 }).map((x) => x / 1000), {
    minLength: 8,
    maxLength: 8,
  });
  fc.assert(
    fc.property(feature, (u) => {
      runs++;
      const self = featureAlignment(u, u);
      const bad: string[] = [];
      if (u.some((x) => x !== u[0])) selfErr = Math.max(selfErr, Math.abs(self.pearson - 1));
      else if (self.pearson !== 0) bad.push("constant pearson");
      if (u.some((x) => x !== 0)) selfErr = Math.max(selfErr, Math.abs(self.cosine - 1));
      if (self.mae !== 0 || self.rmse !== 0) bad.push("self distance");
      if (bad.length) failures.push(bad.join(", "));
      return bad.length === 0;
    }),
    fcParams(300),
  );
  return {
    figure: failures.length,
    bound: 0,
    pass: true,
    parts: [
      { name: "asymmetry", figure: asym, bound: 0, direction: "==" },
      { name: "|self Pearson/cosine − 1|", figure: selfErr, bound: 1e-12, direction: "<=" },
    ],
    detail: `${runs} fuzzed cases; ${failures.slice(0, 3).join("; ")}`,
  };
});

claimTest(ORACLE_FAULT, async () => {
  const a = analysis();
  const cases = [
    {
      name: "linear memory substrate",
      run: () => new OracleAnalysis(linearMemory({ vocab: 4 }) as unknown as Hierarchical),
      expect: TypeError,
      mentions: ["hierarchical"],
    },
    {
      name: "readout of 10 values",
      run: () =>
        new OracleAnalysis(
          hierarchical({ sizes: [40, 40, 40], stride: 2, vocab: 8, seed: 1 }),
          {
            readout: new SampledMultiscaleReadout({
              stateDim: 10,
              bands: [{ name: "a", start: 0, stop: 10 }],
            }),
          },
        ),
      expect: RangeError,
      mentions: ["120 state values", "10"],
    },
    {
      name: "no tokens",
      run: () => a.analyse([]),
      expect: RangeError,
      mentions: ["at least one token"],
    },
    {
      name: "id 256",
      run: () => a.analyse([1, 256]),
      expect: RangeError,
      mentions: ["token 1"],
    },
    {
      name: "checkpoint 0",
      run: () => a.analyse([1, 2, 3], [0]),
      expect: RangeError,
      mentions: ["checkpoint 0"],
    },
    {
      name: "checkpoint past the end",
      run: () => a.analyse([1, 2, 3], [4]),
      expect: RangeError,
      mentions: ["checkpoint 0"],
    },
  ];
  return faultMeasurement(cases.length, await checkFaults(cases));
});
