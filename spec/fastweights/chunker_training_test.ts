/**
 * Chunker training claims. Both protocols run in the f64 oracle on the CPU:
 * chunker-22 updates after every 21-symbol block (A) and after every single
 * surprise (C), so its 1500 blocks are 1500+ strictly sequential tiny Adam
 * steps on 32-unit nets, and chunker-1200's automatizer takes 16,000 sequential
 * SGD steps on windows of 6; on llvmpipe each dependent step costs at least
 * one dispatch (~50 µs) plus a long single-workgroup BPTT loop, while the f64
 * CPU run of all of it takes ~0.4 s per chunker-22 seed and ~9 s for the
 * chunker-1200 protocol. The GPU kernels are checked against the same oracle
 * gradients in chunker_gpu_test.ts.
 *
 * Seeds: memspec's `Rng` (impl/gpu/rng.ts). Seed s of chunker-22 draws its
 * training stream from Rng(3s + 1), the initial parameters from Rng(3s + 2)
 * (A first, then C), and every seed evaluates on the stream of Rng(12345);
 * chunker-1200 consumes one Rng(seed) through all stages, as the original.
 *
 * @module
 */
import { Rng } from "../../impl/gpu/rng.ts";
import { claimTest } from "../_harness/claim.ts";
import {
  C1200_DEFAULTS,
  type C1200Result,
  c1200Run,
  C22_README,
  type C22Result,
  c22Run,
  c22Stream,
} from "../oracle/fastweights/chunker.ts";
import {
  C1200_BASELINE,
  C1200_CHUNKER_ACCURACY,
  C1200_SURPRISES,
  C22_LABEL_ACCURACY,
  C22_SINGLE_CONSTANT,
  C22_SURPRISES,
} from "./chunker_claims.ts";

/** Seeds of the chunker-22 claims. */
export const C22_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** The stream seed of every chunker-22 evaluation (the original's default_rng(12345)). */
export const C22_EVAL_SEED = 12345;

/** Trains and evaluates chunker-22 for one of memspec's seeds. */
export function c22Seed(mode: "chunker" | "single", seed: number): C22Result {
  const cfg = C22_README;
  const data = new Rng(3 * seed + 1);
  const evalRng = new Rng(C22_EVAL_SEED);
  return c22Run(
    mode,
    cfg,
    c22Stream(cfg.blocks + 1, () => data.uniform()),
    c22Stream(cfg.evalBlocks + 1, () => evalRng.uniform()),
    new Rng(3 * seed + 2),
  );
}

let chunker22: C22Result[] | null = null;
const chunkerRuns = () => chunker22 ??= C22_SEEDS.map((s) => c22Seed("chunker", s));

claimTest(C22_LABEL_ACCURACY, () => {
  const runs = chunkerRuns();
  const acc = runs.map((r) => r.accuracyAfterFirst);
  const worst = Math.min(...acc);
  return {
    figure: worst,
    bound: 1,
    pass: worst === 1,
    detail: `seeds 0..9, blocks 1..199: ${acc.join(", ")}; all 200 blocks: ` +
      `${runs.map((r) => r.accuracy).join(", ")}; symbol accuracy ` +
      `${runs[0]!.symbolAccuracy.toFixed(4)} (ceiling 20/21 = 0.9524)`,
  };
});

claimTest(C22_SURPRISES, () => {
  const s = chunkerRuns().map((r) => r.evalSurprises);
  const lo = Math.min(...s);
  const hi = Math.max(...s);
  return {
    figure: `${lo}..${hi}`,
    bound: "[200, 205]",
    pass: lo >= 200 && hi <= 205,
    detail: `eval surprises per 200 blocks, seeds 0..9: ${s.join(", ")}`,
  };
});

claimTest(C22_SINGLE_CONSTANT, () => {
  const runs = C22_SEEDS.map((s) => c22Seed("single", s));
  const labels = runs[0]!.labels;
  const n = labels.length;
  const countA = labels.reduce((u, v) => u + v, 0);
  const fa = countA / n;
  let pass = true;
  const acc = runs.map((r) => {
    const constant = r.predictions.every((p) => p === r.predictions[0]);
    // Compare counts: hits/n against countA/n or (n − countA)/n, exactly.
    const hits = Math.round(r.accuracy * n);
    const isFreq = hits / n === r.accuracy && (hits === countA || hits === n - countA);
    pass &&= constant && isFreq;
    return r.accuracy;
  });
  return {
    figure: `accuracies {${[...new Set(acc)].sort().join(", ")}}`,
    bound: `{${countA}/${n}, ${n - countA}/${n}}`,
    pass,
    detail: `seeds 0..9: ${acc.join(", ")}; eval stream 'a' frequency ${fa}`,
  };
});

let c1200: C1200Result | null = null;
const c1200Seed0 = () => c1200 ??= c1200Run(C1200_DEFAULTS, new Rng(0));

claimTest(C1200_CHUNKER_ACCURACY, () => {
  const r = c1200Seed0();
  return {
    figure: r.chunkerAccuracy,
    bound: 1,
    pass: r.chunkerAccuracy === 1,
    detail: `seed 0, T = 1200, 50 eval sequences; threshold θ = ${r.threshold.toFixed(4)}; ` +
      `C fell back to [0, T−2] on ${r.fallbacks} sequences; C's final training loss ` +
      `${r.chunkerFinalLoss.toFixed(4)} nats per sequence; baseline accuracy ` +
      `${r.baselineAccuracy}`,
  };
});

claimTest(C1200_SURPRISES, () => {
  const r = c1200Seed0();
  return {
    figure: r.surprisesPerSequence.toFixed(2),
    bound: "2.00",
    pass: r.surprisesPerSequence === 2,
    detail: `seed 0, 50 eval sequences; depth ratio (T−1)/${r.surprisesPerSequence} = ` +
      `${(1199 / r.surprisesPerSequence).toFixed(1)} (definitional)`,
  };
});

claimTest(C1200_BASELINE, () => {
  const r = c1200Seed0();
  const pass = r.baselineCe > 1.5 && r.baselineCe < r.baselineCeBefore &&
    r.baselineAccuracy === 0 && r.baselineTriggerRate === 0;
  return {
    figure: `accuracy ${r.baselineAccuracy}, CE ${r.baselineCe.toFixed(3)} nats/step`,
    bound: "accuracy 0, no trigger, CE in (1.5, CE before)",
    pass,
    detail: `seed 0: per-step CE ${r.baselineCeBefore.toFixed(3)} → ${r.baselineCe.toFixed(3)} ` +
      `nats (ln 7 = ${Math.log(7).toFixed(3)}); last-step trigger predictions ` +
      `${r.baselineTriggerRate * 100}%`,
  };
});
