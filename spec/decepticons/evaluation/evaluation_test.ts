/**
 * Evaluation contracts: ids never wrapped, continuation bits per byte, dataset weighting, the
 * train-mode schedule, faults before the model is called.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import {
  evaluateDataset,
  evaluateRollout,
  evaluateRolloutCurve,
  evaluateTransferProbe,
  type NextTokenModel,
  resolveCheckpoints,
  scoreNextStep,
  shouldUpdateSlow,
} from "../../../impl/decepticons/evaluation/evaluation.ts";
import {
  EVAL_CONTINUATION,
  EVAL_DATASET,
  EVAL_FAULTS,
  EVAL_IDS,
  EVAL_SCHEDULE,
  EVAL_TRANSFER,
} from "./claims.ts";
import { checkFaults, faultMeasurement, fuzzCases } from "../control/_fixtures.ts";

/** A V-id model that records every context and puts most mass on `favourite`. */
function recorder(vocab: number, favourite: number) {
  const seen: number[][] = [];
  const model: NextTokenModel = {
    vocabSize: vocab,
    predictProba(ctx) {
      seen.push([...ctx]);
      const p = new Float64Array(vocab).fill(0.5 / (vocab - 1));
      p[favourite] = 0.5;
      return p;
    },
  };
  return { model, seen };
}

/** A deterministic context-dependent model: p ∝ 1 + ((id·7 + last·3 + len) mod 5). */
function hashed(vocab: number): NextTokenModel {
  return {
    vocabSize: vocab,
    predictProba(ctx) {
      const last = ctx[ctx.length - 1] ?? 0;
      return Float64Array.from(
        { length: vocab },
        (_, i) => 1 + ((i * 7 + last * 3 + ctx.length) % 5),
      );
    },
  };
}

claimTest(EVAL_IDS, () => {
  const prompt = [300, 301];
  let wrong = 0;
  const runs: string[] = [];
  const check = (name: string, seen: number[][], expect: (ctx: number[], i: number) => boolean) => {
    const bad = seen.filter((c, i) => !expect(c, i)).length;
    wrong += bad;
    runs.push(`${name}: ${seen.length} contexts, ${bad} wrong`);
  };
  const promptKept = (c: number[]) => c[0] === 300 && (c.length < 2 || c[1] === 301);
  {
    const { model, seen } = recorder(512, 300);
    evaluateRollout(model, { prompt, continuation: [302, 400] });
    check("teacher-forced", seen, promptKept);
  }
  {
    const { model, seen } = recorder(512, 300);
    const r = evaluateRollout(model, { prompt, steps: 3, greedy: true });
    if (r.tokens.slice(2).some((t) => t !== 300)) wrong++;
    check("closed loop", seen, (c) => promptKept(c) && c.slice(2).every((t) => t === 300));
  }
  for (const mode of ["teacher_forced", "sampled", "greedy"] as const) {
    const { model, seen } = recorder(512, 300);
    const r = evaluateRolloutCurve(model, prompt, [300, 301, 511], { mode, seed: 3 });
    if (r.context.some((t, i) => i >= 2 && mode === "greedy" && t !== 300)) wrong++;
    check(`curve ${mode}`, seen, (c) => promptKept(c) && c.every((t) => t >= 0 && t < 512));
  }
  return {
    figure: wrong,
    bound: 0,
    pass: true,
    detail: `${runs.join("; ")} (the original hands the model [44, 45] and wraps 300 to 44)`,
  };
});

claimTest(EVAL_CONTINUATION, () => {
  const m = hashed(300);
  const prompt = [299, 17];
  const r = evaluateRollout(m, { prompt, continuation: [256] });
  const bits = (ctx: number[], next: number) => {
    const p = m.predictProba(ctx);
    let s = 0;
    for (let i = 0; i < p.length; i++) s += p[i]!;
    return -Math.log2(p[next]! / s);
  };
  const cont = bits([299, 17], 256);
  const total = (bits([299], 17) + cont) / 2;
  const err = Math.abs(r.continuationBitsPerByte - cont) + Math.abs(r.totalBitsPerByte - total);
  return {
    figure: err,
    bound: 1e-15,
    pass: true,
    detail: `continuation ${r.continuationBitsPerByte.toFixed(6)} bpb over 1 target; total ` +
      `${r.totalBitsPerByte.toFixed(6)} over 2 (prompt's second token included)`,
  };
});

claimTest(EVAL_DATASET, () => {
  const m = hashed(16);
  const arb = fc.array(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 2, maxLength: 12 }), {
    minLength: 1,
    maxLength: 5,
  });
  let worst = 0;
  const runs = fuzzCases(arb, 100, (seqs) => {
    const got = evaluateDataset(m, seqs).bitsPerByte;
    let num = 0;
    let den = 0;
    for (const s of seqs) {
      num += scoreNextStep(m, s) * (s.length - 1);
      den += s.length - 1;
    }
    const want = num / den;
    worst = Math.max(worst, Math.abs(got - want) / Math.max(1, want));
    return null;
  });
  return {
    figure: worst,
    bound: 1e-15,
    pass: true,
    detail: `${runs} fuzzed sequence sets; worst relative error ${worst.toExponential(2)}`,
  };
});

claimTest(EVAL_SCHEDULE, async () => {
  let dev = 0;
  if (JSON.stringify(resolveCheckpoints(5, { stride: 2, explicit: [2, 4] })) !== "[2,4,5]") dev++;
  const slow = [0, 1, 2, 3].map((i) => shouldUpdateSlow(i, 2));
  if (JSON.stringify(slow) !== "[false,true,false,true]") dev++;
  const refused = await checkFaults([{
    name: "explicit checkpoint 6 > T = 5",
    run: () => resolveCheckpoints(5, { explicit: [6] }),
    expect: RangeError,
    mentions: ["explicit[0]", "[1, 5]"],
  }]);
  dev += refused.length;
  return {
    figure: dev,
    bound: 0,
    pass: true,
    detail:
      `checkpoints ${JSON.stringify(resolveCheckpoints(5, { stride: 2, explicit: [2, 4] }))}; ` +
      `slow updates ${slow.map((b) => (b ? "T" : "F")).join("")}${
        refused.length ? "; " + refused : ""
      }`,
  };
});

claimTest(EVAL_FAULTS, async () => {
  let calls = 0;
  const model: NextTokenModel = {
    vocabSize: 256,
    predictProba: () => {
      calls++;
      return new Float64Array(256).fill(1 / 256);
    },
  };
  const cases = [
    {
      name: "empty corpus",
      run: () => evaluateDataset(model, []),
      expect: RangeError,
      mentions: ["at least one sequence"],
    },
    {
      name: "one-id sequence",
      run: () => evaluateDataset(model, [[1, 2], [3]]),
      expect: RangeError,
      mentions: ["sequence 1", "at least 2"],
    },
    {
      name: "one token scored",
      run: () => scoreNextStep(model, [4]),
      expect: RangeError,
      mentions: ["at least 2"],
    },
    {
      name: "id 300 at V = 256",
      run: () => evaluateRollout(model, { prompt: [300], continuation: [1] }),
      expect: RangeError,
      mentions: ["prompt[0]", "[0, 255]", "300"],
    },
    {
      name: "negative id",
      run: () => evaluateRolloutCurve(model, [1], [-1]),
      expect: RangeError,
      mentions: ["targets[0]"],
    },
    {
      name: "fractional id",
      run: () => scoreNextStep(model, [1, 2.5]),
      expect: RangeError,
      mentions: ["tokens[1]"],
    },
    {
      name: "empty prompt",
      run: () => evaluateRollout(model, { prompt: [], steps: 2 }),
      expect: RangeError,
      mentions: ["non-empty prompt"],
    },
    {
      name: "not a model",
      run: () => scoreNextStep({} as NextTokenModel, [1, 2]),
      expect: TypeError,
      mentions: ["predictProba"],
    },
    {
      name: "temperature 0",
      run: () => evaluateRollout(model, { prompt: [1], steps: 2, temperature: 0 }),
      expect: RangeError,
      mentions: ["temperature"],
    },
  ];
  const failures = await checkFaults(cases);
  if (calls !== 0) failures.push(`the model was called ${calls} times`);
  return faultMeasurement(cases.length, failures);
});

claimTest(EVAL_TRANSFER, async () => {
  const source = hashed(16);
  const { model: scratch } = recorder(16, 3);
  const arb = fc.array(fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 2, maxLength: 10 }), {
    minLength: 1,
    maxLength: 4,
  });
  let worst = 0;
  let lastGap = 0;
  const runs = fuzzCases(arb, 50, (seqs) => {
    const p = evaluateTransferProbe(source, scratch, seqs);
    const want = evaluateDataset(source, seqs).bitsPerByte -
      evaluateDataset(scratch, seqs).bitsPerByte;
    worst = Math.max(worst, Math.abs(p.gap - want));
    lastGap = p.gap;
    return null;
  });
  const refused = await checkFaults([{
    name: "vocabularies 16 and 32",
    run: () => evaluateTransferProbe(source, hashed(32), [[1, 2]]),
    expect: RangeError,
    mentions: ["16", "32"],
  }]);
  return {
    figure: worst,
    bound: 0,
    pass: true,
    parts: [{ name: "mismatch not refused", figure: refused.length, bound: 0, direction: "==" }],
    detail: `${runs} fuzzed target sets; last gap ${lastGap.toFixed(4)} bits per byte`,
  };
});
