/**
 * CausalPredictiveAdapter: the expert-augmented bits per byte against exact-only, causality,
 * bad input.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { checkFaults, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { CausalPredictiveAdapter } from "../../../impl/decepticons/causal_predictive/causal_predictive.ts";
import { FrozenReadoutExpert } from "../../../impl/decepticons/experts/experts.ts";
import { hostSubstrate } from "../../../impl/decepticons/experts/host_substrate.ts";
import { delayLine } from "../../../impl/decepticons/substrate/build.ts";
import { differential, relativeBounds } from "../../_harness/differential.ts";
import type { DelayLine } from "../../../impl/decepticons/substrate/build.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { loadExpertsFixture } from "../experts/_experts_fixture.ts";
import {
  ADAPTER_CAUSAL,
  ADAPTER_EXPERT_MEASURED,
  ADAPTER_FAULT,
  ADAPTER_FIXTURE,
} from "./claims.ts";

async function corpus(n: number): Promise<number[]> {
  const text = await Deno.readTextFile("fixtures/corpus/byte_lm.txt");
  return Array.from(new TextEncoder().encode(text)).slice(0, n);
}

/** The least loss (bits per byte) the ridge expert must show: a gap, not rounding. */
const GAP = 1e-3;

const expert = (vocabSize?: number) =>
  new FrozenReadoutExpert({
    substrate: hostSubstrate(delayLine({ length: 3, dim: 8, seed: 7 })),
    ...(vocabSize === undefined ? {} : { vocabSize }),
  });

claimTest(ADAPTER_FIXTURE, async (t) => {
  const { data, integrity } = await loadExpertsFixture();
  const sub: DelayLine = {
    kind: "delay",
    vocab: data.vocabSize,
    length: data.length,
    dim: data.dim,
    decay: 1,
    emb: data.embedding,
  };
  const a = data.adapter;
  const m = await differential(t, {
    cases: [{ name: `${a.tokens.length}-byte sentence`, input: a }],
    gpu: (c) => {
      const e = new FrozenReadoutExpert({ substrate: hostSubstrate(sub), alpha: data.alpha });
      const adapter = new CausalPredictiveAdapter({ experts: [e] }).fit(c.tokens);
      const s = adapter.score(c.tokens);
      return {
        rows: adapter.sequenceProbabilities(c.tokens),
        bitsPerByte: [s.bitsPerByte],
        exactOnlyBitsPerByte: [s.exactOnlyBitsPerByte],
      };
    },
    oracle: (c) => ({
      rows: c.rows,
      bitsPerByte: [c.bitsPerByte],
      exactOnlyBitsPerByte: [c.exactOnlyBitsPerByte],
    }),
    bound: (_c, o) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k, relativeBounds(v, FIXTURE_F64_REL)]),
      ),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(ADAPTER_EXPERT_MEASURED, async () => {
  const parts = [];
  const details: string[] = [];
  for (const n of [100, 400]) {
    const text = await corpus(n);
    const mixed = new CausalPredictiveAdapter({ experts: [expert()] }).fit(text).score(text);
    const plain = new CausalPredictiveAdapter().fit(text).score(text);
    parts.push(
      {
        name: `mixed − exact-only, n ${n}`,
        figure: mixed.bitsPerByte - mixed.exactOnlyBitsPerByte,
        bound: GAP,
        direction: ">=" as const,
      },
      {
        name: `|exact-only − no-expert adapter|, n ${n}`,
        figure: Math.abs(mixed.exactOnlyBitsPerByte - plain.bitsPerByte),
        bound: 0,
        direction: "==" as const,
      },
    );
    details.push(
      `n ${n}: mixed ${mixed.bitsPerByte.toFixed(4)} vs exact-only ` +
        `${mixed.exactOnlyBitsPerByte.toFixed(4)} bpb`,
    );
  }
  const gap = Math.min(...parts.filter((_, i) => i % 2 === 0).map((p) => p.figure));
  return {
    figure: gap,
    bound: GAP,
    pass: true,
    parts,
    detail: details.join("; "),
  };
});

claimTest(ADAPTER_CAUSAL, async () => {
  const text = await corpus(60);
  const adapter = new CausalPredictiveAdapter({ experts: [expert()], ngram: true }).fit(text);
  const base = adapter.sequenceProbabilities(text);
  let worst = 0;
  let sumErr = 0;
  let minP = Infinity;
  for (let i = 0; i < base.length; i += 256) {
    let s = 0;
    for (let v = 0; v < 256; v++) {
      s += base[i + v]!;
      minP = Math.min(minP, base[i + v]!);
    }
    sumErr = Math.max(sumErr, Math.abs(s - 1));
  }
  let runs = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 0, max: 255 }), (j, x) => {
      runs++;
      const changed = text.slice();
      changed[j] = x;
      const p = adapter.sequenceProbabilities(changed);
      // Row t − 1 predicts token t from tokens < t: rows 0..j − 1 must not move.
      let d = 0;
      for (let i = 0; i < j * 256; i++) d = Math.max(d, Math.abs(p[i]! - base[i]!));
      worst = Math.max(worst, d);
      return d === 0;
    }),
    fcParams(12),
  );
  return {
    figure: worst,
    bound: 0,
    pass: true,
    parts: [
      { name: "|Σp − 1|", figure: sumErr, bound: 1e-12, direction: "<=" },
      { name: "min p (> 0)", figure: minP, bound: Number.MIN_VALUE, direction: ">=" },
    ],
    detail: `${runs} fuzzed changes; max |Σp − 1| ${sumErr}, min p ${minP}`,
  };
});

claimTest(ADAPTER_FAULT, async () => {
  const text = await corpus(30);
  const adapter = new CausalPredictiveAdapter({ vocabSize: 256 }).fit(text);
  const before = adapter.sequenceProbabilities(text);
  const cases = [
    {
      name: "expert over V = 128",
      run: () => new CausalPredictiveAdapter({ experts: [expert(128)] }),
      expect: RangeError,
      mentions: ["vocabSize 256", "128"],
    },
    {
      name: "maxOrder 0",
      run: () => new CausalPredictiveAdapter({ maxOrder: 0 }),
      expect: RangeError,
      mentions: ["maxOrder"],
    },
    {
      name: "NaN alpha",
      run: () => new CausalPredictiveAdapter({ alpha: NaN }),
      expect: RangeError,
      mentions: ["alpha"],
    },
    {
      name: "expert not an expert",
      run: () => new CausalPredictiveAdapter({ experts: [{}] as unknown as FrozenReadoutExpert[] }),
      expect: TypeError,
      mentions: ["experts[0]"],
    },
    {
      name: "fit one token",
      run: () => adapter.fit([1]),
      expect: RangeError,
      mentions: ["at least 2 tokens"],
    },
    {
      name: "fit id 256",
      run: () => adapter.fit([1, 2, 256]),
      expect: RangeError,
      mentions: ["256"],
    },
  ];
  const failures = await checkFaults(cases);
  const after = adapter.sequenceProbabilities(text);
  if (after.some((p, i) => p !== before[i])) failures.push("a failed fit changed the predictions");
  return faultMeasurement(cases.length + 1, failures);
});
