/**
 * Unknown-delay training claims: seeds 0..9 trained side by side in one GPU
 * run (the seed is a batch dimension of every kernel; 1500 iterations of
 * batch 32, K ~ U[5, 30] per seed and iteration, clipped Adam), then recall
 * accuracy for K = 5..30 and K = 1..60 and the write gate's profile. The
 * training loop records nine dispatches per iteration and never syncs; the
 * loss curve is read once at the end.
 *
 * @module
 */
import { initGpu, liveBufferCount, readTensors } from "../../../impl/mod.ts";
import {
  UD_EVAL_STREAM,
  UdEpisodes,
  udStreamsTensor,
  UNKNOWN_DELAY_DEFAULTS,
  UnknownDelayNet,
} from "../../../impl/fastweights/unknown_delay/unknown_delay.ts";
import {
  FW_GATE_DISTRACTOR_MAX,
  FW_GATE_SEPARATION_MIN,
  FW_GATE_STORE_MIN,
  FW_RECALL_ACCURACY,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { recordFigure } from "../../_harness/figures.ts";
import { UD_GATE_PROFILE, UD_RECALL_1_60, UD_RECALL_5_30 } from "./claims.ts";

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const ITERATIONS = 1500;
/** Evaluation streams: K = 5..30 uses the original's eval seed; the extrapolation its own. */
const EXTRAPOLATION_STREAM = UD_EVAL_STREAM + 1;
const GATE_STREAM = UD_EVAL_STREAM + 2;

interface Trained {
  /** Trained parameters of every seed, [S·P] (the GPU's f32 values). */
  params: Float32Array;
  finalLoss: number[];
  /** Training loss per seed, every 10th iteration: [seed][i] at iteration 10·i. */
  lossCurve: number[][];
  trainMs: number;
}

let trained: Promise<Trained> | null = null;

/**
 * Trains seeds 0..9 once per process and keeps the parameters on the host, so
 * every claim's test owns (and releases) its own GPU buffers.
 */
function train(): Promise<Trained> {
  trained ??= (async () => {
    await initGpu();
    const t0 = performance.now();
    const net = UnknownDelayNet.create(UNKNOWN_DELAY_DEFAULTS, SEEDS);
    try {
      const losses = net.train({ iterations: ITERATIONS, batch: 32, dMin: 5, dMax: 30 });
      const curve = await losses.toFloat32();
      losses.dispose();
      const S = SEEDS.length;
      return {
        params: await net.readParams(),
        finalLoss: SEEDS.map((_, s) => curve[(ITERATIONS - 1) * S + s]!),
        lossCurve: SEEDS.map((_, s) =>
          Array.from({ length: Math.ceil(ITERATIONS / 10) }, (_, i) => curve[10 * i * S + s]!)
        ),
        trainMs: performance.now() - t0,
      };
    } finally {
      net.dispose();
    }
  })();
  return trained;
}

/** Runs `fn` on a GPU net holding the trained parameters, then releases it. */
async function withTrained<T>(fn: (net: UnknownDelayNet, t: Trained) => Promise<T>): Promise<T> {
  const t = await train();
  const net = new UnknownDelayNet(UNKNOWN_DELAY_DEFAULTS, SEEDS, t.params);
  try {
    return await fn(net, t);
  } finally {
    net.dispose();
  }
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

function recallMeasurement(
  t: Trained,
  delays: number[],
  ev: { accuracy: number[][]; margin: number[] },
) {
  let worst = 1;
  let where = "";
  ev.accuracy.forEach((row, s) =>
    row.forEach((acc, u) => {
      if (acc < worst || where === "") {
        worst = Math.min(worst, acc);
        where = `seed ${SEEDS[s]} K=${delays[u]}`;
      }
    })
  );
  return {
    figure: worst,
    bound: FW_RECALL_ACCURACY,
    pass: worst >= FW_RECALL_ACCURACY,
    detail: `min bit accuracy ${worst} at ${where}; recall margin min y·P per seed ` +
      `[${ev.margin.map((m) => m.toFixed(3)).join(", ")}]; final training MSE per seed ` +
      `[${t.finalLoss.map((l) => l.toExponential(1)).join(", ")}]; training of 10 seeds × ` +
      `${ITERATIONS} iterations took ${(t.trainMs / 1000).toFixed(1)} s (shared by the claims)`,
  };
}

claimTest(UD_RECALL_5_30, () =>
  withTrained(async (net, t) => {
    const delays = range(5, 30);
    recordFigure({
      id: "unknown_delay_training_loss",
      claim: UD_RECALL_5_30.id,
      title: "Unknown-delay training loss (10 seeds, K in 5..30)",
      x: { label: "iteration" },
      y: { label: "MSE", log: true },
      series: t.lossCurve.map((c, s) => ({
        name: `seed ${SEEDS[s]}`,
        points: c.map((l, i) => [10 * i, Math.max(l, 1e-12)] as const),
      })),
    });
    return recallMeasurement(t, delays, await net.evaluate(delays, 50, UD_EVAL_STREAM));
  }));

claimTest(UD_RECALL_1_60, () =>
  withTrained(async (net, t) => {
    const delays = range(1, 60);
    const ev = await net.evaluate(delays, 50, EXTRAPOLATION_STREAM);
    recordFigure({
      id: "unknown_delay_recall_vs_delay",
      claim: UD_RECALL_1_60.id,
      title: "Bit accuracy against delay K (trained on K in 5..30)",
      x: { label: "delay K" },
      y: { label: "bit accuracy" },
      series: [
        {
          name: "min over seeds",
          points: delays.map((k, u) =>
            [k, Math.min(...ev.accuracy.map((row) => row[u]!))] as const
          ),
        },
        {
          name: "mean over seeds",
          points: delays.map((k, u) =>
            [k, ev.accuracy.reduce((a, row) => a + row[u]!, 0) / ev.accuracy.length] as const
          ),
        },
      ],
      marks: [{ x: 5, label: "train K ≥ 5" }, { x: 30, label: "train K ≤ 30" }],
    });
    return recallMeasurement(t, delays, ev);
  }));

claimTest(UD_GATE_PROFILE, () => withTrained((net) => gateProfile(net)));

async function gateProfile(net: UnknownDelayNet) {
  const before = liveBufferCount();
  const S = SEEDS.length;
  const K = 20;
  const E = 200;
  const p = UNKNOWN_DELAY_DEFAULTS.p;
  const ep = new UdEpisodes(p, S, E, K + 2);
  const streams = udStreamsTensor(SEEDS.map(() => [GATE_STREAM, GATE_STREAM] as [number, number]));
  const a = net.allocateActivations(ep);
  let gates: Float32Array;
  try {
    ep.recordGroups(streams, [K], E);
    net.recordForward(ep, a);
    gates = (await readTensors([a.gates]))[0] as Float32Array;
  } finally {
    for (const x of Object.values(a)) x?.dispose();
    ep.dispose();
    streams.dispose();
  }
  const store: number[] = [];
  const distract: number[] = [];
  const recall: number[] = [];
  for (let s = 0; s < S; s++) {
    let st = 0;
    let di = 0;
    let re = 0;
    for (let e = 0; e < E; e++) {
      const o = (s * E + e) * (K + 2);
      st += gates[o]!;
      for (let k = 1; k <= K; k++) di += gates[o + k]!;
      re += gates[o + K + 1]!;
    }
    store.push(st / E);
    distract.push(di / (E * K));
    recall.push(re / E);
  }
  const leaked = liveBufferCount() - before;
  // Every seed separates store from distractors; the README's absolute level (store ≈ 0.9,
  // gated here at 0.8) is one seed's, and the finding is that some seed misses it.
  const ratio = store.map((x, s) => x / Math.max(distract[s]!, Number.MIN_VALUE));
  const belowReadme = store.filter((x) => x < FW_GATE_STORE_MIN).length;
  const parts = SEEDS.flatMap((seed, s) => [
    {
      name: `seed ${seed} store / distractor gate`,
      figure: ratio[s]!,
      bound: FW_GATE_SEPARATION_MIN,
      direction: ">=" as const,
    },
    {
      name: `seed ${seed} distractor gate`,
      figure: distract[s]!,
      bound: FW_GATE_DISTRACTOR_MAX,
      direction: "<=" as const,
    },
  ]);
  parts.push({
    name: `seeds with a store gate below the README's ${FW_GATE_STORE_MIN}`,
    figure: belowReadme,
    bound: 1,
    direction: ">=" as const,
  });
  return {
    figure: Math.min(...ratio),
    bound: FW_GATE_SEPARATION_MIN,
    pass: leaked === 0,
    parts,
    detail: `K=20 over 200 episodes per seed; min store/distractor ratio over seeds 0..9: ` +
      `store [${store.map((x) => x.toFixed(3)).join(", ")}], distractors ` +
      `[${distract.map((x) => x.toFixed(3)).join(", ")}], recall ` +
      `[${recall.map((x) => x.toFixed(3)).join(", ")}]; ${belowReadme} of 10 seeds keep the ` +
      `store gate below ${FW_GATE_STORE_MIN}; ${leaked} buffers leaked`,
  };
}
