/**
 * Tests of the training claims (./claims.ts). The runs are shared: one uninterrupted run
 * (checkpointed after step 10), a rerun of its first 10 steps, a resumed run of its last 10,
 * and the two ablations; each claim judges its part. Every trainer is released before the
 * first claim that uses the runs returns.
 *
 * @module
 */
import { initGpu, readTensors, saveCheckpoint, type Tensor, tensor } from "../../../impl/mod.ts";
import { recordedWork } from "../../../impl/gpu/batch.ts";
import { liveBufferCount } from "../../../impl/gpu/buffers.ts";
import {
  cosineAnnealingLr,
  LarkosTrainer,
  SyntheticGraphHistoryTask,
  type TaskAblation,
  TRAINING_BASE_LR,
} from "../../../impl/larkos/training/training.ts";
import { saveLarkosCheckpoint } from "../../../impl/larkos/checkpoint/checkpoint.ts";
import { LARKOS } from "../../../impl/larkos/config.ts";
import { ReasonerOfOtherWidth } from "../checkpoint/_modules.ts";
import { claimTest } from "../../_harness/claim.ts";
import { checkFault, type FaultCase } from "../../_harness/fault_case.ts";
import {
  TR_COSINE,
  TR_DETERMINISTIC,
  TR_FAULT,
  TR_LOSS_FALLS,
  TR_NEEDS_HISTORY,
  TR_NEEDS_WEIGHTS,
  TR_RESUME,
} from "./claims.ts";

const SEED = 1;
const STEPS = 20;
const SAVE_AT = 10;
const READ_EVERY = 10;
const HELD_OUT_BATCHES = 4;

/** Parameters and AdamW moments and step counts of a trainer, read back at once. */
async function snapshot(tr: LarkosTrainer): Promise<{ values: Float32Array[]; steps: number[] }> {
  const ps = tr.optimizer.params;
  const states = ps.map((_, i) => tr.optimizer.state(i)!);
  const values = await readTensors([...ps, ...states.flatMap((s) => [s.m, s.v])]);
  return { values: values as Float32Array[], steps: states.map((s) => s.step) };
}

function bitDiffs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) d++;
  return d;
}

/** What the shared runs measured (host values only). */
interface Runs {
  heldOutBefore: number;
  heldOut: Record<TaskAblation, number>;
  heldOutOriginalLr: number;
  losses: Float32Array;
  rerun: Float32Array;
  resumed: Float32Array;
  resumeDiffs: number;
  resumeElements: number;
  floorWeights: number;
  floorHistory: number;
  ms: number;
}

async function ablated(ablation: TaskAblation): Promise<number> {
  const tr = new LarkosTrainer({ seed: SEED, ablation });
  try {
    await tr.run(STEPS, READ_EVERY);
    return await tr.heldOutLoss(HELD_OUT_BATCHES);
  } finally {
    tr.dispose();
  }
}

async function measure(): Promise<Runs> {
  await initGpu();
  const t0 = performance.now();
  await Deno.mkdir("out/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/tmp", prefix: "larkos-train-" });
  const path = `${dir}/mid.safetensors`;
  try {
    // The uninterrupted run, checkpointed after step SAVE_AT.
    const a = new LarkosTrainer({ seed: SEED });
    let heldOutBefore: number, full: number, want: Awaited<ReturnType<typeof snapshot>>;
    const losses: number[] = [];
    try {
      heldOutBefore = await a.heldOutLoss(HELD_OUT_BATCHES);
      losses.push(...await a.run(SAVE_AT, READ_EVERY));
      await a.save(path);
      losses.push(...await a.run(STEPS - SAVE_AT, READ_EVERY));
      full = await a.heldOutLoss(HELD_OUT_BATCHES);
      want = await snapshot(a);
    } finally {
      a.dispose();
    }
    // A rerun of the first SAVE_AT steps from scratch.
    const b = new LarkosTrainer({ seed: SEED });
    let rerun: Float32Array;
    try {
      rerun = await b.run(SAVE_AT, READ_EVERY);
    } finally {
      b.dispose();
    }
    // A trainer that wandered off for 3 steps, then resumed from the checkpoint.
    const c = new LarkosTrainer({ seed: SEED });
    let resumed: Float32Array, resumeDiffs = 0, resumeElements = 0;
    try {
      await c.run(3, 3);
      await c.resume(path);
      resumed = await c.run(STEPS - SAVE_AT, READ_EVERY);
      const got = await snapshot(c);
      got.values.forEach((v, i) => {
        resumeDiffs += bitDiffs(v, want.values[i]!);
        resumeElements += v.length;
      });
      resumeDiffs += bitDiffs(got.steps, want.steps) + Number(c.steps !== STEPS);
    } finally {
      c.dispose();
    }
    // The same run at the original's base learning rate, for the divergence of TR_LOSS_FALLS.
    const o = new LarkosTrainer({ seed: SEED, schedule: { lr: LARKOS.BASE_LR } });
    let heldOutOriginalLr: number;
    try {
      await o.run(STEPS, STEPS);
      heldOutOriginalLr = await o.heldOutLoss(HELD_OUT_BATCHES);
    } finally {
      o.dispose();
    }
    const edge = await ablated("edgeWeightsZeroed");
    const hist = await ablated("historyFrozen");
    // The blind floors on the held-out samples: E[g²] and E[h²]/4 (per output element).
    const task = new SyntheticGraphHistoryTask({ seed: SEED });
    let g2 = 0;
    let h2 = 0;
    let n = 0;
    for (let k = 0; k < HELD_OUT_BATCHES; k++) {
      const { parts } = task.draw(k, true);
      parts.g.forEach((g, i) => {
        g2 += g * g;
        h2 += parts.h[i]! ** 2 / 4;
        n++;
      });
    }
    return {
      heldOutBefore,
      heldOut: { none: full, edgeWeightsZeroed: edge, historyFrozen: hist },
      heldOutOriginalLr,
      losses: Float32Array.from(losses),
      rerun,
      resumed,
      resumeDiffs,
      resumeElements,
      floorWeights: g2 / n,
      floorHistory: h2 / n,
      ms: performance.now() - t0,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

let shared: Promise<Runs> | null = null;
/** The runs, measured once for every claim of this file. */
function runs(): Promise<Runs> {
  shared ??= measure();
  return shared;
}

claimTest(TR_LOSS_FALLS, async () => {
  const r = await runs();
  const ratio = r.heldOut.none / r.heldOutBefore;
  const every = Array.from(r.losses, (l) => l.toFixed(3));
  const originalRatio = r.heldOutOriginalLr / r.heldOutBefore;
  return {
    figure: ratio,
    bound: 0.2,
    pass: true,
    parts: [{
      name: `held-out after / before at the original's lr ${LARKOS.BASE_LR}`,
      figure: originalRatio,
      bound: 0.2,
      direction: ">=",
    }],
    detail: `held-out ${r.heldOutBefore.toFixed(4)} → ${r.heldOut.none.toFixed(4)} at lr ` +
      `${TRAINING_BASE_LR}, → ${r.heldOutOriginalLr.toFixed(4)} at lr ${LARKOS.BASE_LR}; ` +
      `training losses ${every[0]} … ${every.at(-1)}; all runs ${(r.ms / 1000).toFixed(1)} s`,
  };
});

claimTest(TR_NEEDS_WEIGHTS, async () => {
  const r = await runs();
  const ratio = r.heldOut.edgeWeightsZeroed / r.heldOut.none;
  return {
    figure: ratio,
    bound: 2,
    pass: true,
    parts: [{
      name: "full held-out loss vs weight-blind floor",
      figure: r.heldOut.none,
      bound: r.floorWeights,
      direction: "<=",
    }],
    detail: `weights zeroed ${r.heldOut.edgeWeightsZeroed.toFixed(4)}, full ` +
      `${r.heldOut.none.toFixed(4)}, weight-blind floor ${r.floorWeights.toFixed(4)}`,
  };
});

claimTest(TR_NEEDS_HISTORY, async () => {
  const r = await runs();
  const ratio = r.heldOut.historyFrozen / r.heldOut.none;
  return {
    figure: ratio,
    bound: 2,
    pass: true,
    parts: [{
      name: "full held-out loss vs history-blind floor",
      figure: r.heldOut.none,
      bound: r.floorHistory,
      direction: "<=",
    }],
    detail: `history frozen ${r.heldOut.historyFrozen.toFixed(4)}, full ` +
      `${r.heldOut.none.toFixed(4)}, history-blind floor ${r.floorHistory.toFixed(4)}`,
  };
});

claimTest(TR_DETERMINISTIC, async () => {
  const r = await runs();
  const d = bitDiffs(r.rerun, r.losses.subarray(0, SAVE_AT));
  return {
    figure: d,
    bound: 0,
    pass: d === 0,
    detail: `${r.rerun.length} rerun losses against the first run's`,
  };
});

claimTest(TR_RESUME, async () => {
  const r = await runs();
  const d = r.resumeDiffs + bitDiffs(r.resumed, r.losses.subarray(SAVE_AT));
  return {
    figure: d,
    bound: 0,
    pass: d === 0,
    detail: `${r.resumed.length} losses, ${r.resumeElements} parameter and moment elements`,
  };
});

claimTest(TR_COSINE, () => {
  const lr = LARKOS.BASE_LR;
  const etaMin = LARKOS.COSINE_ETA_MIN;
  const T = LARKOS.COSINE_T_MAX;
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
  let worst = Math.max(
    rel(cosineAnnealingLr(0, { lr }), lr),
    rel(cosineAnnealingLr(50, { lr }), etaMin),
    rel(cosineAnnealingLr(100, { lr }), lr),
  );
  let eta = lr;
  for (let t = 1; t <= T; t++) {
    eta = etaMin +
      (eta - etaMin) * (1 + Math.cos(Math.PI * t / T)) / (1 + Math.cos(Math.PI * (t - 1) / T));
    worst = Math.max(worst, rel(cosineAnnealingLr(t, { lr }), eta));
  }
  return { figure: worst, bound: 1e-12, pass: true, detail: `t = 0…${2 * T}` };
});

claimTest(TR_FAULT, async () => {
  await initGpu();
  const problems: string[] = [];
  const tr = new LarkosTrainer({ seed: 3 });
  let x: Tensor | undefined;
  let hist: Tensor | undefined;
  let cases = 0;
  await Deno.mkdir("out/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "out/tmp", prefix: "larkos-train-fault-" });
  try {
    const noStep = `${dir}/nostep.safetensors`;
    await saveLarkosCheckpoint(noStep, { modules: tr.model.modules(), optimizer: tr.optimizer });
    const noOpt = `${dir}/noopt.safetensors`;
    await saveLarkosCheckpoint(noOpt, { modules: tr.model.modules(), meta: { step: 4 } });
    const grown = `${dir}/grown.safetensors`;
    const narrow = new ReasonerOfOtherWidth(5, 5);
    await saveLarkosCheckpoint(grown, {
      modules: { ...tr.model.modules(), graph_reasoner: narrow },
      meta: { step: 2 },
    });
    narrow.dispose();
    const other = `${dir}/other.safetensors`;
    const w = tensor([1, 2, 3], [3]);
    await saveCheckpoint(other, { params: { "graph_reasoner.node_embed": w } });
    w.dispose();
    const b = tr.task.draw(0);
    x = tensor(b.features.subarray(0, 4 * 64), [4, 8, 8]);
    hist = tensor(b.history, [16, 4, 48]);
    const before = await snapshotParams(tr);
    const faults: FaultCase[] = [
      {
        name: "unknown ablation",
        run: () => new LarkosTrainer({ ablation: "dropGraph" as TaskAblation }),
        expect: RangeError,
        mentions: ["dropGraph", '"edgeWeightsZeroed"'],
      },
      {
        name: "seed out of range",
        run: () => new LarkosTrainer({ seed: -1 }),
        expect: RangeError,
        mentions: ["seed", "-1"],
      },
      {
        name: "negative schedule step",
        run: () => cosineAnnealingLr(-1),
        expect: RangeError,
        mentions: ["-1"],
      },
      {
        name: "fewer feature tensors than graphs",
        run: () => tr.model.forward([x!], b.edges, hist!, 0),
        expect: TypeError,
        mentions: ["1 feature tensors and 4 graphs"],
      },
      {
        name: "feature batches not summing to the history's batch",
        run: () => tr.model.forward([x!], b.edges.slice(0, 1), hist!, 0),
        expect: TypeError,
        mentions: ["history's batch 16", "got 4"],
      },
      {
        name: "resume without a step",
        run: () => tr.resume(noStep),
        expect: TypeError,
        mentions: ["meta.step"],
      },
      {
        name: "resume without optimiser state",
        run: () => tr.resume(noOpt),
        expect: TypeError,
        mentions: ["optimizer state missing"],
      },
      {
        name: "resume from a checkpoint of another configuration (D_NODE 5)",
        run: () => tr.resume(grown),
        expect: TypeError,
        mentions: ['"graph_reasoner.input_proj.weight"', "[64, 5]", "[64, 8]"],
      },
      {
        name: "resume from a memspec checkpoint not written by the trainer",
        run: () => tr.resume(other),
        expect: TypeError,
        mentions: ["meta.step"],
      },
    ];
    for (const c of faults) {
      cases++;
      const live = liveBufferCount();
      const dispatches = recordedWork();
      const bad = await checkFault(c);
      if (bad !== null) problems.push(bad);
      if (liveBufferCount() !== live || recordedWork() !== dispatches) {
        problems.push(`${c.name}: GPU state changed`);
      }
    }
    const after = await snapshotParams(tr);
    const changed = after.reduce((s, v, i) => s + bitDiffs(v, before[i]!), 0);
    if (changed !== 0) problems.push(`${changed} parameter elements changed`);
    if (tr.steps !== 0) problems.push(`the trainer's step moved to ${tr.steps}`);
  } finally {
    x?.dispose();
    hist?.dispose();
    tr.dispose();
    await Deno.remove(dir, { recursive: true });
  }
  return {
    figure: problems.length,
    bound: 0,
    pass: problems.length === 0,
    detail: problems.slice(0, 4).join("; ") || `${cases} fault cases`,
  };
});

async function snapshotParams(tr: LarkosTrainer): Promise<Float32Array[]> {
  return (await readTensors(tr.optimizer.params)) as Float32Array[];
}
