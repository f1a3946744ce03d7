/**
 * SRWM training claims: seeds 0..7 at η = 0.5 and the same seeds at η = 0
 * (the ablation) trained side by side in one GPU run (16 runs, 3000 episodes
 * each, clipped Adam, one kernel looping over episodes, no host sync until the
 * end), then evaluated on 400 episodes per task from Rng(seed + 99999).
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  SRWM_DEFAULTS,
  SRWM_ETA,
  SRWM_EVAL_OFFSET,
  srwmEvalCodes,
  srwmEvaluate,
  srwmTrain,
} from "../../../impl/fastweights/srwm/srwm.ts";
import {
  FW_SRWM_ETA0_MEAN_MIN,
  FW_SRWM_SEED0_MIN,
  FW_SRWM_SEED_MIN,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { recordFigure } from "../../_harness/figures.ts";
import { SRWM_ABLATION, SRWM_SEED0, SRWM_SEEDS } from "./claims.ts";

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];
const EPISODES = 3000;
const PER_TASK = 400;

interface Outcome {
  /** Query accuracy per run, then per run and task (AND, OR, XOR, NAND). */
  acc: number[];
  perTask: number[][];
  finalLoss: number[];
  ms: number;
}

let outcome: Promise<Outcome> | null = null;

/** Trains the 16 runs once per process; every GPU buffer is released before returning. */
function trainAll(): Promise<Outcome> {
  outcome ??= (async () => {
    await initGpu();
    const t0 = performance.now();
    const runs = [
      ...SEEDS.map((seed) => ({ seed, eta: SRWM_ETA })),
      ...SEEDS.map((seed) => ({ seed, eta: 0 })),
    ];
    const run = srwmTrain(SRWM_DEFAULTS, runs, EPISODES);
    const codes = runs.map((r) => srwmEvalCodes(new Rng(r.seed + SRWM_EVAL_OFFSET), PER_TASK));
    const ev = srwmEvaluate(SRWM_DEFAULTS, run.params, runs.map((r) => r.eta), codes);
    try {
      const correct = await ev.correct.toArray();
      const losses = await run.losses.toFloat32();
      const E = 4 * PER_TASK;
      const perTask = runs.map((_, r) =>
        [0, 1, 2, 3].map((k) => {
          let n = 0;
          for (let e = k * PER_TASK; e < (k + 1) * PER_TASK; e++) n += correct[r * E + e]!;
          return n / (4 * PER_TASK);
        })
      );
      return {
        acc: perTask.map((t) => t.reduce((a, b) => a + b, 0) / 4),
        perTask,
        finalLoss: runs.map((_, r) => losses[r * EPISODES + EPISODES - 1]!),
        ms: performance.now() - t0,
      };
    } finally {
      for (const t of [run.params, run.losses, run.grads, ev.correct, ev.losses]) t.dispose();
    }
  })();
  return outcome;
}

const f4 = (x: number) => x.toFixed(4);

claimTest(SRWM_SEED0, async () => {
  const o = await trainAll();
  return {
    figure: o.acc[0]!,
    bound: FW_SRWM_SEED0_MIN,
    pass: o.acc[0]! >= FW_SRWM_SEED0_MIN,
    detail: `seed 0 per task AND/OR/XOR/NAND [${o.perTask[0]!.map(f4).join(", ")}]; last ` +
      `training loss ${o.finalLoss[0]!.toFixed(4)}; 16 runs × ${EPISODES} episodes trained and ` +
      `evaluated in ${(o.ms / 1000).toFixed(2)} s (shared by the SRWM training claims)`,
  };
});

claimTest(SRWM_SEEDS, async () => {
  const o = await trainAll();
  const acc = o.acc.slice(0, SEEDS.length);
  const passing = acc.filter((a) => a >= FW_SRWM_SEED_MIN).length;
  const worst = Math.min(...acc);
  return {
    figure: worst,
    bound: FW_SRWM_SEED_MIN,
    pass: passing === SEEDS.length,
    detail: `min over seeds 0..7; η = ${SRWM_ETA}: [${acc.map(f4).join(", ")}]; ` +
      `${passing} of 8 >= ${FW_SRWM_SEED_MIN}, ${acc.filter((a) => a >= 0.99).length} of 8 >= 0.99`,
  };
});

claimTest(SRWM_ABLATION, async () => {
  const o = await trainAll();
  const n = SEEDS.length;
  const fast = o.acc.slice(0, n);
  const none = o.acc.slice(n);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const noneMean = mean(none);
  const gain = mean(fast) - noneMean;
  recordFigure({
    id: "srwm_ablation",
    claim: SRWM_ABLATION.id,
    title: "SRWM query accuracy per seed: η = 0.5 against the η = 0 ablation",
    x: { label: "seed" },
    y: { label: "query accuracy" },
    pointsOnly: true,
    series: [
      { name: `η = ${SRWM_ETA} (SRWM)`, points: fast.map((a, s) => [s, a] as const) },
      { name: "η = 0 (plain RNN)", points: none.map((a, s) => [s, a] as const) },
    ],
    marks: [{ y: 0.5, label: "chance" }, { y: FW_SRWM_ETA0_MEAN_MIN, label: "0.9" }],
  });
  return {
    figure: noneMean,
    bound: FW_SRWM_ETA0_MEAN_MIN,
    pass: true,
    // The finding (η = 0 solves the task) and the control (the SRWM does not train worse
    // than its own ablation): each fails if it is wrong.
    parts: [
      {
        name: "η = 0 mean accuracy",
        figure: noneMean,
        bound: FW_SRWM_ETA0_MEAN_MIN,
        direction: ">=",
      },
      { name: `η = ${SRWM_ETA} mean − η = 0 mean`, figure: gain, bound: 0, direction: ">=" },
    ],
    detail: `η = 0 per seed [${none.map(f4).join(", ")}] (mean ${f4(noneMean)}); η = ${SRWM_ETA} ` +
      `per seed [${fast.map(f4).join(", ")}] (mean ${f4(mean(fast))}); ` +
      `${
        none.filter((a) => a >= 0.9).length
      } of ${n} η = 0 runs reach >= 0.9, far above chance 0.5`,
  };
});
