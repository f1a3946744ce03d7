/**
 * FrozenReadoutExpert: fixture parity, prefix rows, one-pass scoring, the calibration ceiling,
 * bad input.
 *
 * @module
 */
import { claimTest } from "../../_harness/claim.ts";
import { differential, relativeBounds } from "../../_harness/differential.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { FrozenReadoutExpert } from "../../../impl/decepticons/experts/experts.ts";
import { hostSubstrate } from "../../../impl/decepticons/experts/host_substrate.ts";
import { type DelayLine, delayLine } from "../../../impl/decepticons/substrate/build.ts";
import { CausalPredictiveAdapter } from "../../../impl/decepticons/causal_predictive/causal_predictive.ts";
import {
  EXPERT_CALIBRATION,
  EXPERT_FAULT,
  EXPERT_FIXTURE,
  EXPERT_LINEAR_SCORING,
  EXPERT_PREFIX,
} from "./claims.ts";
import { loadExpertsFixture } from "./_experts_fixture.ts";

/** The ridge weights' bound: the normal equations' conditioning over two f64 solvers. */
const RIDGE_WEIGHT_REL = 1e-10;

const bytes = (s: string) => Array.from(new TextEncoder().encode(s));
const ABC = bytes("abc".repeat(20));

/** The shipped corpus' first n bytes. */
async function corpus(n: number): Promise<number[]> {
  const text = await Deno.readTextFile("fixtures/corpus/byte_lm.txt");
  return bytes(text).slice(0, n);
}

claimTest(EXPERT_FIXTURE, async (t) => {
  const { data, integrity } = await loadExpertsFixture();
  const sub: DelayLine = {
    kind: "delay",
    vocab: data.vocabSize,
    length: data.length,
    dim: data.dim,
    decay: 1,
    emb: data.embedding,
  };
  const m = await differential(t, {
    cases: [{ name: `"abc" × 20, ${data.tokens.length} tokens`, input: data }],
    gpu: (d) => {
      const e = new FrozenReadoutExpert({ substrate: hostSubstrate(sub), alpha: d.alpha });
      e.fit(d.tokens);
      return {
        weights: e.weights!,
        probabilities: e.sequenceProbabilities(d.tokens),
        bitsPerByte: [e.score(d.tokens).bitsPerByte],
      };
    },
    oracle: (d) => ({
      weights: d.weights,
      probabilities: d.probabilities,
      bitsPerByte: [d.bitsPerByte],
    }),
    bound: (_d, o) => ({
      weights: relativeBounds(o.weights!, RIDGE_WEIGHT_REL),
      probabilities: relativeBounds(o.probabilities!, FIXTURE_F64_REL),
      bitsPerByte: relativeBounds(o.bitsPerByte!, FIXTURE_F64_REL),
    }),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(EXPERT_PREFIX, async () => {
  const text = await corpus(48);
  let worst = 0;
  for (const readout of ["ridge", "calibrated"] as const) {
    const e = new FrozenReadoutExpert({
      substrate: hostSubstrate(delayLine({ length: 3, dim: 6, seed: 2 })),
      readout,
      calibratedSteps: 20,
    });
    e.fit(text);
    const rows = e.sequenceProbabilities(text);
    for (let k = 1; k <= text.length; k++) {
      const p = e.predictProba(text.slice(0, k));
      for (let v = 0; v < 256; v++) {
        worst = Math.max(worst, Math.abs(p[v]! - rows[(k - 1) * 256 + v]!));
      }
    }
  }
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0,
    detail: `48 prefixes × 2 readouts; max |Δ| ${worst}`,
  };
});

claimTest(EXPERT_LINEAR_SCORING, async () => {
  const parts = [];
  for (const n of [100, 200, 400]) {
    const text = await corpus(n);
    const e = new FrozenReadoutExpert({
      substrate: hostSubstrate(delayLine({ length: 2, dim: 8, seed: 4 })),
    });
    e.fit(text);
    const before = e.stepCount;
    const s = e.score(text);
    const expertSteps = e.stepCount - before;
    const adapter = new CausalPredictiveAdapter({ experts: [e] }).fit(text);
    const beforeAdapter = e.stepCount;
    adapter.score(text);
    const adapterSteps = e.stepCount - beforeAdapter;
    parts.push(
      { name: `expert score steps − (n − 1), n ${n}`, figure: expertSteps - (n - 1), bound: 0 },
      { name: `reported steps − (n − 1), n ${n}`, figure: s.steps - (n - 1), bound: 0 },
      { name: `adapter score steps − (n − 1), n ${n}`, figure: adapterSteps - (n - 1), bound: 0 },
    );
  }
  const worst = Math.max(...parts.map((p) => Math.abs(p.figure)));
  return {
    figure: worst,
    bound: 0,
    pass: worst === 0,
    parts: parts.map((p) => ({ ...p, direction: "==" as const })),
    detail: `n(n − 1)/2 would be 4950 / 19900 / 79800 steps`,
  };
});

claimTest(EXPERT_CALIBRATION, () => {
  const fit = (readout: "ridge" | "calibrated") => {
    const e = new FrozenReadoutExpert({
      substrate: hostSubstrate(delayLine({ length: 2, dim: 8 })),
      readout,
    });
    e.fit(ABC);
    return e.score(ABC);
  };
  const ridge = fit("ridge");
  const cal = fit("calibrated");
  const ceiling = -Math.log2(Math.E / (Math.E + 255));
  return {
    figure: ridge.bitsPerByte,
    bound: ceiling,
    pass: true,
    parts: [
      { name: "ridge accuracy", figure: ridge.accuracy, bound: 1, direction: "==" },
      { name: "calibrated bpb", figure: cal.bitsPerByte, bound: 0.01, direction: "<=" },
      { name: "calibrated accuracy", figure: cal.accuracy, bound: 1, direction: "==" },
    ],
    detail: `ridge ${ridge.bitsPerByte.toFixed(6)} bpb (ceiling −log2(e/(e+255)) = ` +
      `${ceiling.toFixed(6)}), calibrated ${cal.bitsPerByte.toExponential(3)} bpb`,
  };
});

claimTest(EXPERT_FAULT, async () => {
  const sub = hostSubstrate(delayLine({ length: 2, dim: 4, vocab: 16 }));
  const unfitted = new FrozenReadoutExpert({ substrate: sub });
  const failing = new FrozenReadoutExpert({ substrate: sub });
  const cases = [
    {
      name: "vocabulary larger than the substrate's",
      run: () => new FrozenReadoutExpert({ substrate: sub, vocabSize: 17 }),
      expect: RangeError,
      mentions: ["vocabSize", "16"],
    },
    {
      name: "non-finite features",
      run: () => new FrozenReadoutExpert({ substrate: sub, features: (s) => [s[0]!, NaN] }),
      expect: RangeError,
      mentions: ["finite"],
    },
    {
      name: "empty features",
      run: () => new FrozenReadoutExpert({ substrate: sub, features: () => [] }),
      expect: RangeError,
      mentions: ["at least one value"],
    },
    {
      name: "features not a function",
      run: () =>
        new FrozenReadoutExpert({
          substrate: sub,
          features: 3 as unknown as () => number[],
        }),
      expect: TypeError,
      mentions: ["features"],
    },
    {
      name: "negative alpha",
      run: () => new FrozenReadoutExpert({ substrate: sub, alpha: -1 }),
      expect: RangeError,
      mentions: ["alpha"],
    },
    {
      name: "unknown readout",
      run: () => new FrozenReadoutExpert({ substrate: sub, readout: "mlp" as unknown as "ridge" }),
      expect: TypeError,
      mentions: ["readout"],
    },
    {
      name: "score before fit",
      run: () => unfitted.score([1, 2, 3]),
      expect: TypeError,
      mentions: ["fit() first"],
    },
    {
      name: "id 16 at V = 16 (not wrapped)",
      run: () => failing.fit([1, 2, 16]),
      expect: RangeError,
      mentions: ["token 16 at index 2"],
    },
    {
      name: "one token",
      run: () => failing.fit([1]),
      expect: RangeError,
      mentions: ["at least 2 tokens"],
    },
  ];
  const failures = await checkFaults(cases);
  if (failing.fitted) failures.push("a failed fit left the expert fitted");
  return faultMeasurement(cases.length + 1, failures);
});
