/**
 * Chunker training claims.
 *
 * Chunker-22 trains on the GPU (impl/fastweights/chunker/train22.ts): all ten
 * seeds at once, two dispatches per training block (the block kernel with A's
 * forward, the surprise test, the read-out and C's update; the update kernel
 * with A's BPTT and clipped Adam step) and one per eval block, one host
 * readback at the end. Each seed starts from the oracle's initial parameters
 * rounded to f32. The f64 oracle (spec/oracle/fastweights/chunker.ts) is the
 * reference: the parity claim replays every chunker-mode seed (and seed 0 of
 * the single net, reported only) there and compares every surprise decision
 * and read-out; and it replays the GPU run itself with the trainer's kernels
 * (_train22_driver.ts), reading the state back around ten checked blocks, ends
 * bit for bit where chunker22Train ends, and checks each of those blocks'
 * training step against the oracle's step from the GPU's own state
 * (_training_bounds.ts) for every seed of both modes.
 *
 * Chunker-1200 trains on the GPU too (impl/fastweights/chunker/train1200.ts):
 * one seed, its five stages in f32 — the automatizer's 128,000 dependent
 * window updates fused ~130 per dispatch, the threshold and masks from one CE
 * pass, the chunker's 3,200 updates fused, the baseline's 120 full-BPTT
 * updates two dispatches each, and the evaluation — with five readbacks. The
 * f64 reference is an oracle replay of c1200Run that also records the masks
 * and read-outs (c1200Run returns aggregates only; _replay1200.ts); it
 * is checked against c1200Run field for field on a small config, and runs in
 * a worker while the GPU trains. The parity claim also replays the automatizer,
 * chunker and baseline stages on the GPU with readbacks around checked
 * updates (_train1200_driver.ts), ending bit for bit at chunker1200Train's
 * nets, and checks each of those updates against the oracle's SGD step from
 * the GPU's own parameters.
 *
 * Seeds: memspec's `Rng` (impl/gpu/rng.ts). Seed s of chunker-22 draws its
 * training stream from Rng(3s + 1), the initial parameters from Rng(3s + 2)
 * (A first, then C), and every seed evaluates on the stream of Rng(12345);
 * chunker-1200 consumes one Rng(seed) through all stages, as the original.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { type Chunker22Seed, chunker22Train } from "../../../impl/fastweights/chunker/train22.ts";
import {
  type Chunker1200Inputs,
  chunker1200ParamCount,
  type Chunker1200Result,
  chunker1200Train,
} from "../../../impl/fastweights/chunker/train1200.ts";
import { throws } from "node:assert/strict";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { Comparison, differential, jointly } from "../../_harness/differential.ts";
import { c22ParamCount } from "../../../impl/fastweights/chunker/train22.ts";
import {
  a22BlockOf,
  type C22Replay,
  type C22Snapshot,
  c22StepOf,
  replayC22Training,
} from "./_train22_driver.ts";
import {
  checkA22Block,
  checkC22Step,
  checkSgdUpdate,
  ratiosText,
  worstRatios,
} from "./_training_bounds.ts";
import {
  type C1200Observed,
  type C1200StageReplay,
  replayFullStage,
  replayWindowStage,
  sgdUpdateOf,
} from "./_train1200_driver.ts";
import type { C1200ReplayReport, C1200Trace } from "./_replay1200.ts";
import {
  adamClipStep,
  adamState,
  C1200,
  C1200_DEFAULTS,
  c1200Compress,
  type C1200Config,
  c1200Sequence,
  C22,
  C22_CLIP,
  C22_README,
  c22ChunkerLabel,
  c22Dims,
  c22Run,
  c22Scale,
  c22Stream,
  rnnBackward,
  type RnnDims,
  rnnDims,
  rnnForward,
  rnnInit,
  softmaxRow,
} from "../../oracle/fastweights/chunker.ts";
import {
  C1200_BASELINE,
  C1200_CHUNKER_ACCURACY,
  C1200_GPU_TRAINING_PARITY,
  C1200_SURPRISES,
  C22_GPU_TRAINING_PARITY,
  C22_LABEL_ACCURACY,
  C22_SINGLE_CONSTANT,
  C22_SURPRISES,
} from "./claims.ts";

/** Seeds of the chunker-22 claims. */
export const C22_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** The stream seed of every chunker-22 evaluation (the original's default_rng(12345)). */
export const C22_EVAL_SEED = 12345;

type Mode = "chunker" | "single";

/** Seed s's training stream, its initial A and C (f64) and the shared eval stream. */
function c22Inputs(mode: Mode, seed: number) {
  const cfg = C22_README;
  const data = new Rng(3 * seed + 1);
  const init = new Rng(3 * seed + 2);
  const dims = c22Dims(mode);
  const a = rnnInit(dims.a, init, c22Scale);
  const c = rnnInit(dims.c, init, c22Scale);
  const evalRng = new Rng(C22_EVAL_SEED);
  return {
    stream: c22Stream(cfg.blocks + 1, () => data.uniform()),
    evalStream: c22Stream(cfg.evalBlocks + 1, () => evalRng.uniform()),
    a,
    c,
  };
}

/** All seeds of one mode trained together on the GPU from the oracle's init rounded to f32. */
async function c22Gpu(mode: Mode, seeds: readonly number[]): Promise<Chunker22Seed[]> {
  await initGpu();
  const ins = seeds.map((s) => c22Inputs(mode, s));
  const cat = <T extends Float64Array | Int32Array>(xs: T[]) => xs.flatMap((x) => Array.from(x));
  const r = await chunker22Train(C22_README, {
    mode,
    a: Float32Array.from(cat(ins.map((i) => i.a))),
    c: mode === "chunker" ? Float32Array.from(cat(ins.map((i) => i.c))) : undefined,
    streams: Int32Array.from(cat(ins.map((i) => i.stream))),
    evalStream: ins[0]!.evalStream,
  });
  return r.seeds;
}

const gpuRuns = new Map<Mode, Promise<Chunker22Seed[]>>();
const gpuSeeds = (mode: Mode) => {
  let r = gpuRuns.get(mode);
  if (!r) gpuRuns.set(mode, r = c22Gpu(mode, C22_SEEDS));
  return r;
};

claimTest(C22_LABEL_ACCURACY, async () => {
  const runs = await gpuSeeds("chunker");
  const acc = runs.map((r) => r.accuracyAfterFirst);
  const worst = Math.min(...acc);
  return {
    figure: worst,
    bound: 1,
    pass: worst === 1,
    detail: `GPU (f32), seeds 0..9, blocks 1..199: ${acc.join(", ")}; all 200 blocks: ` +
      `${runs.map((r) => r.accuracy).join(", ")}; symbol accuracy ` +
      `${runs.map((r) => r.symbolAccuracy.toFixed(4)).join(", ")} (ceiling 20/21 = 0.9524)`,
  };
});

claimTest(C22_SURPRISES, async () => {
  const s = (await gpuSeeds("chunker")).map((r) => r.evalSurprises);
  const lo = Math.min(...s);
  const hi = Math.max(...s);
  return {
    figure: hi,
    bound: 205,
    pass: lo >= 200 && hi <= 205,
    parts: [
      { name: "fewest surprises over seeds", figure: lo, bound: 200, direction: ">=" },
      { name: "most surprises over seeds", figure: hi, bound: 205, direction: "<=" },
    ],
    detail: `GPU (f32), eval surprises per 200 blocks, seeds 0..9: ${s.join(", ")}`,
  };
});

claimTest(C22_SINGLE_CONSTANT, async () => {
  const runs = await gpuSeeds("single");
  const labels = runs[0]!.evalLabels;
  const n = labels.length;
  const countA = labels.reduce((u, v) => u + v, 0);
  let pass = true;
  const hitsPerSeed = runs.map((r) => {
    const p = r.eval.predictions;
    const constant = p.every((x) => x === p[0]);
    let hits = 0;
    for (let b = 0; b < n; b++) if (p[b] === labels[b]) hits++;
    pass &&= constant && (hits === countA || hits === n - countA);
    return hits;
  });
  // Each seed's accuracy must be one of the two constant read-outs' accuracies: the figure is
  // the number of seeds that are not (0 holds).
  const offConstant = runs.filter((r, s) => {
    const p = r.eval.predictions;
    const h = hitsPerSeed[s]!;
    return !(p.every((x) => x === p[0]) && (h === countA || h === n - countA));
  }).length;
  return {
    figure: offConstant,
    bound: 0,
    pass: pass && offConstant === 0,
    detail: `GPU (f32), seeds 0..9: ${hitsPerSeed.map((h) => h / n).join(", ")}; eval stream ` +
      `'a' frequency ${countA / n}`,
  };
});

/** The oracle's per-block record of one pass. */
interface OracleTrace {
  masks: number[];
  predictions: number[];
  pTarget: number[];
}

/**
 * The chunker-22 protocol replayed with the oracle's f64 primitives from given
 * initial parameters (c22Run draws its own), recording what c22Run only
 * counts: the surprise mask and p(target) of every step, and the read-outs.
 * The step order is c22Run's: forward, read-out, surprise test, A's clipped
 * Adam step, C's step on an a/x surprise, s* ← symbol, carry h.
 */
function oracleTrace(mode: Mode, a0: Float64Array, c0: Float64Array, seed: number) {
  const cfg = C22_README;
  const { stream, evalStream } = c22Inputs(mode, seed);
  const dims = c22Dims(mode);
  const a = a0.slice();
  const c = c0.slice();
  const sa = adamState(dims.a.size);
  const sc = adamState(dims.c.size);
  const B = C22.block;
  const ce = Float64Array.from({ length: B }, (_, t) => (t < B - 1 ? 1 : 0));
  const pass = (str: Int32Array, blocks: number, train: boolean): OracleTrace => {
    let h = new Float64Array(C22.hidden);
    let last = -1;
    const out: OracleTrace = { masks: [], predictions: [], pTarget: [] };
    for (let b = 0; b < blocks; b++) {
      const inputs = str.subarray(b * B, b * B + B);
      const targets = str.subarray(b * B + 1, b * B + B + 1);
      const f = rnnForward(dims.a, a, h, inputs);
      out.predictions.push(
        mode === "single"
          ? (f.label[B - 1]! > 0.5 ? 1 : 0)
          : (last >= 0 && c22ChunkerLabel(c, last) > 0.5 ? 1 : 0),
      );
      let mask = 0;
      let sym = -1;
      for (let t = 0; t < B; t++) {
        const p = softmaxRow(f.logits, t, C22.vocab)[targets[t]!]!;
        out.pTarget.push(p);
        if (p < cfg.threshold) {
          mask |= 1 << t;
          if (targets[t]! < 2) sym = targets[t]!;
        }
      }
      out.masks.push(mask);
      if (train) {
        const labelTarget = new Float64Array(B).fill(NaN);
        if (mode === "single") labelTarget[B - 1] = inputs[0] === C22.a ? 1 : 0;
        const g = rnnBackward(dims.a, a, inputs, f, { targets, ceWeight: ce, labelTarget });
        adamClipStep(a, g, sa, cfg.lr, C22_CLIP);
        if (mode === "chunker" && sym >= 0) {
          const fc = rnnForward(dims.c, c, new Float64Array(C22.hidden), [sym]);
          const spec = { targets: [0], ceWeight: [0], labelTarget: [sym === C22.a ? 1 : 0] };
          adamClipStep(c, rnnBackward(dims.c, c, [sym], fc, spec), sc, cfg.lr, C22_CLIP);
        }
      }
      if (sym >= 0) last = sym;
      h = f.h.slice(B * C22.hidden);
    }
    return out;
  };
  const train = pass(stream, cfg.blocks, true);
  const ev = pass(evalStream, cfg.evalBlocks, false);
  return { train, eval: ev, a, c };
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v >>>= 1) n += v & 1;
  return n;
}

/** Counts where the GPU's decisions differ from the oracle's, and how close they came. */
function compareDecisions(g: Chunker22Seed, o: ReturnType<typeof oracleTrace>) {
  const theta = C22_README.threshold;
  let maskDiffs = 0;
  let predDiffs = 0;
  let margin = Infinity;
  let pDiff = 0;
  for (const [gp, op] of [[g.train, o.train], [g.eval, o.eval]] as const) {
    op.masks.forEach((m, b) => maskDiffs += m === gp.masks[b] ? 0 : 1);
    op.predictions.forEach((p, b) => predDiffs += p === gp.predictions[b] ? 0 : 1);
    op.pTarget.forEach((p, i) => {
      margin = Math.min(margin, Math.abs(p - theta));
      pDiff = Math.max(pDiff, Math.abs(p - gp.pTarget[i]!));
    });
  }
  let aDiff = 0;
  g.a.forEach((x, i) => aDiff = Math.max(aDiff, Math.abs(x - o.a[i]!)));
  let cDiff = 0;
  g.c?.forEach((x, i) => cDiff = Math.max(cDiff, Math.abs(x - o.c[i]!)));
  const firstDiff = o.train.masks.findIndex((m, b) =>
    m !== g.train.masks[b] || o.train.predictions[b] !== g.train.predictions[b]
  );
  return { maskDiffs, predDiffs, margin, pDiff, aDiff, cDiff, firstDiff };
}

/** Seeds whose chunker-mode decisions are compared with the oracle (the single net: seed 0). */
const PARITY_SEEDS = C22_SEEDS;

/**
 * Training blocks whose step is replayed step-locally (every seed, both modes): Adam's first
 * steps with the clip active, then every 300th block through the last.
 */
const C22_CHECKED_BLOCKS = [0, 1, 2, 3, 4, 299, 599, 899, 1199, 1499];

/** Seeds 0..9 of `mode` through the instrumented replay of the training pass. */
async function c22Replay(mode: Mode) {
  const ins = C22_SEEDS.map((s) => c22Inputs(mode, s));
  const cat = <T extends Float64Array | Int32Array>(xs: T[]) => xs.flatMap((x) => Array.from(x));
  const streams = Int32Array.from(cat(ins.map((i) => i.stream)));
  const replay = await replayC22Training({
    mode,
    a: Float32Array.from(cat(ins.map((i) => i.a))),
    c: mode === "chunker" ? Float32Array.from(cat(ins.map((i) => i.c))) : undefined,
    streams,
    blocks: C22_README.blocks,
    lr: C22_README.lr,
    threshold: C22_README.threshold,
    clip: C22_CLIP,
  }, new Set(C22_CHECKED_BLOCKS));
  return { replay, streams };
}

/** Values where the replay's final nets, masks and p(target) differ from chunker22Train's. */
function replayDiffs(r: C22Replay, runs: readonly Chunker22Seed[], mode: Mode): number {
  const { a: P, c: PC } = c22ParamCount(mode);
  const n = C22_README.blocks;
  const B = C22.block;
  let diffs = 0;
  const count = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    diffs += Math.abs(x.length - y.length);
    for (let i = 0; i < Math.min(x.length, y.length); i++) diffs += Object.is(x[i], y[i]) ? 0 : 1;
  };
  runs.forEach((g, s) => {
    count(r.final.a.subarray(s * P, (s + 1) * P), g.a);
    if (g.c) count(r.final.c.subarray(s * PC, (s + 1) * PC), g.c);
    count(Int32Array.from({ length: n }, (_, b) => r.rec[(s * n + b) * 3]!), g.train.masks);
    count(r.pTarget.subarray(s * n * B, (s + 1) * n * B), g.train.pTarget);
  });
  return diffs;
}

/**
 * Every checked block of every seed of a replay, step-locally against the oracle's training
 * step from the GPU's own state (A's block; C's update in chunker mode, or C unchanged).
 */
async function oneStep(
  t: Deno.TestContext,
  mode: Mode,
  run: { replay: C22Replay; streams: Int32Array },
  worst: Map<string, number>,
): Promise<Measurement> {
  const label = mode === "single" ? "single net" : "chunker mode";
  return await differential(t, {
    cases: run.replay.snapshots.map((snap) => ({
      name: `${label}, block ${snap.blk}`,
      input: snap,
    })),
    ...jointly((snap: C22Snapshot) => {
      const cmp = new Comparison();
      for (const s of C22_SEEDS) {
        const b = a22BlockOf(snap, s, mode, run.streams, C22_README.blocks);
        checkA22Block(cmp, `seed ${s} A`, b, C22_README.lr, C22_CLIP);
        if (mode !== "chunker") continue;
        const c = c22StepOf(snap, s);
        if (c) checkC22Step(cmp, `seed ${s} C`, c, C22_README.lr, C22_CLIP);
        else {
          const PC = c22ParamCount("chunker").c;
          const at = (x: Float32Array) => x.subarray(s * PC, (s + 1) * PC);
          cmp.add(`seed ${s} C unchanged`, at(snap.after.c), at(snap.before.c), 0);
        }
      }
      worstRatios(cmp, worst);
      return cmp;
    }),
  });
}

claimTest(C22_GPU_TRAINING_PARITY, async (t) => {
  const f32 = (x: Float64Array) => Float64Array.from(Float32Array.from(x));
  const gpu = await gpuSeeds("chunker");
  let diffs = 0;
  let margin = Infinity;
  let pDiff = 0;
  let aDiff = 0;
  let cDiff = 0;
  const perSeed: string[] = [];
  for (const seed of PARITY_SEEDS) {
    const ins = c22Inputs("chunker", seed);
    const d = compareDecisions(gpu[seed]!, oracleTrace("chunker", f32(ins.a), f32(ins.c), seed));
    diffs += d.maskDiffs + d.predDiffs;
    margin = Math.min(margin, d.margin);
    pDiff = Math.max(pDiff, d.pDiff);
    aDiff = Math.max(aDiff, d.aDiff);
    cDiff = Math.max(cDiff, d.cDiff);
    if (d.maskDiffs + d.predDiffs > 0) {
      perSeed.push(`seed ${seed}: ${d.maskDiffs} masks, ${d.predDiffs} read-outs`);
    }
  }
  // The replay must be the oracle's own protocol: from c22Run's f64 init it gives c22Run's nets
  // bit for bit, its per-block surprise counts and its read-outs.
  const ref = c22Inputs("chunker", 0);
  const run = c22Run("chunker", C22_README, ref.stream, ref.evalStream, new Rng(2));
  const replay = oracleTrace("chunker", ref.a, ref.c, 0);
  const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  const faithful = same(run.a, replay.a) && same(run.c!, replay.c) &&
    same(run.trainSurprises, replay.train.masks.map((m) => popcount(m))) &&
    same(run.predictions, replay.eval.predictions);
  const ins = c22Inputs("single", 0);
  const singleGpu = await gpuSeeds("single");
  const single = compareDecisions(singleGpu[0]!, oracleTrace("single", f32(ins.a), f32(ins.c), 0));
  // The trainer's own trajectory, replayed with readbacks: it must end where chunker22Train
  // ends, and each checked block's step must be the oracle's step from the GPU's state.
  const chunkerReplay = await c22Replay("chunker");
  const singleReplay = await c22Replay("single");
  const replayed = replayDiffs(chunkerReplay.replay, gpu, "chunker") +
    replayDiffs(singleReplay.replay, singleGpu, "single");
  const worst = new Map<string, number>();
  const stepChunker = await oneStep(t, "chunker", chunkerReplay, worst);
  const stepSingle = await oneStep(t, "single", singleReplay, worst);
  const steps = `blocks ${C22_CHECKED_BLOCKS.join(", ")}`;
  return {
    figure: diffs,
    bound: 0,
    pass: diffs === 0 && faithful && replayed === 0 && stepChunker.pass && stepSingle.pass,
    parts: [
      { name: "differing masks and read-outs", figure: diffs, bound: 0, direction: "==" },
      {
        name: "oracle protocol replay differs from c22Run",
        figure: faithful ? 0 : 1,
        bound: 0,
        direction: "==",
      },
      {
        name: "instrumented GPU replay values differing from chunker22Train",
        figure: replayed,
        bound: 0,
        direction: "==",
      },
      {
        name: `chunker mode: one-step |θ_gpu' − Φ(θ_gpu)| / bound (A, C; ${steps})`,
        figure: stepChunker.figure as number,
        bound: 1,
        direction: "<=",
      },
      {
        name: `single net: one-step |θ_gpu' − Φ(θ_gpu)| / bound (A; ${steps})`,
        figure: stepSingle.figure as number,
        bound: 1,
        direction: "<=",
      },
    ],
    detail: `one-step, chunker mode: ${stepChunker.detail}; single net: ${stepSingle.detail}; ` +
      `worst ratio per output: ${ratiosText(worst)}; instrumented replay vs chunker22Train: ` +
      `${replayed} differing values; replay of the oracle protocol identical to c22Run (seed 0, f64 init): ` +
      `${faithful}; chunker mode, seeds ${PARITY_SEEDS[0]}..${
        PARITY_SEEDS.at(-1)
      }, GPU f32 vs oracle ` +
      `f64 from the same f32 init, ${C22_README.blocks} training + ${C22_README.evalBlocks} ` +
      `eval blocks each: ${diffs} mask/read-out differences` +
      `${perSeed.length ? ` (${perSeed.join("; ")})` : ""}; closest decision |p − θ| = ` +
      `${margin.toExponential(2)} vs max |p_gpu − p_oracle| = ${pDiff.toExponential(2)}; max ` +
      `|A_gpu − A_oracle| after training ${aDiff.toExponential(2)}, |C_gpu − C_oracle| ` +
      `${cDiff.toExponential(2)}. Single net, seed 0 (reported, not gated): ` +
      `${single.maskDiffs} mask and ${single.predDiffs} read-out differences (first in ` +
      `training: ${single.firstDiff < 0 ? "none" : `block ${single.firstDiff}`}); max ` +
      `|p_gpu − p_oracle| = ${single.pDiff.toExponential(2)}, max |A_gpu − A_oracle| ` +
      `${single.aDiff.toExponential(2)}`,
  };
});

// --- chunker-1200 ---

/** Seed s's chunker-1200 inputs in c1200Run's draw order, parameters rounded to f32. */
function c1200Inputs(cfg: C1200Config, seed: number): Chunker1200Inputs {
  const draws = new Rng(seed);
  const V = C1200.vocab;
  const trig = (n: number) => Int32Array.from({ length: n }, () => (draws.uniform() < 0.5 ? 0 : 1));
  const autoInit = Float32Array.from(rnnInit(rnnDims(V, cfg.autoHidden, V, 0), draws, () => 0.1));
  const autoTriggers = trig(cfg.autoEpochs * cfg.autoSeqs);
  const probeTriggers = trig(cfg.probeSeqs);
  const chunkInit = Float32Array.from(rnnInit(rnnDims(V, cfg.chunkHidden, V, 0), draws, () => 0.2));
  const chunkTriggers = trig(cfg.chunkEpochs * cfg.chunkSeqs);
  const baseInit = Float32Array.from(rnnInit(rnnDims(V, cfg.baseHidden, V, 0), draws, () => 0.1));
  const baseTriggers = trig(cfg.baseEpochs * cfg.baseSeqs);
  const evalTriggers = trig(cfg.evalSeqs);
  return {
    autoInit,
    chunkInit,
    baseInit,
    autoTriggers,
    probeTriggers,
    chunkTriggers,
    baseTriggers,
    evalTriggers,
  };
}

/** The GPU run of seed 0 and the oracle replay, computed once for all four claims. */
interface C1200Both {
  gpu: Chunker1200Result;
  oracle: C1200Trace;
  /** The replay matches c1200Run field for field on a small config. */
  faithful: boolean;
  /** Wall time of the GPU run and of the replay (in a worker, overlapping). */
  gpuMs: number;
  oracleMs: number;
}

async function c1200Both(): Promise<C1200Both> {
  const worker = new Worker(new URL("./_replay1200_worker.ts", import.meta.url), {
    type: "module",
  });
  const replay = new Promise<C1200ReplayReport>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<C1200ReplayReport>) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`chunker-1200 replay worker failed: ${e.message}`));
    };
  });
  try {
    await initGpu();
    const t0 = performance.now();
    const gpu = await chunker1200Train(C1200_DEFAULTS, c1200Inputs(C1200_DEFAULTS, 0));
    const gpuMs = performance.now() - t0;
    const r = await replay;
    return { gpu, oracle: r.oracle, faithful: r.faithful, gpuMs, oracleMs: r.ms };
  } finally {
    worker.terminate();
  }
}

let c1200Shared: Promise<C1200Both> | null = null;
const c1200Seed0 = () => c1200Shared ??= c1200Both();
const c1200GpuSeed0 = async () => (await c1200Seed0()).gpu;

const stageTimes = (r: Chunker1200Result) =>
  Object.entries(r.stages).map(([k, v]) => `${k} ${(v.ms / 1000).toFixed(2)} s / ${v.dispatches}`)
    .join(", ");

claimTest(C1200_CHUNKER_ACCURACY, async () => {
  const r = await c1200GpuSeed0();
  return {
    figure: r.chunkerAccuracy,
    bound: 1,
    pass: r.chunkerAccuracy === 1,
    detail: `GPU (f32), seed 0, T = 1200, 50 eval sequences; threshold θ = ` +
      `${r.threshold.toFixed(4)}; C fell back to [0, T−2] on ${r.fallbacks} sequences; baseline ` +
      `accuracy ${r.baselineAccuracy}; GPU stages (time incl. one readback / dispatches): ` +
      stageTimes(r),
  };
});

claimTest(C1200_SURPRISES, async () => {
  const r = await c1200GpuSeed0();
  const ratio = 1199 / r.surprisesPerSequence;
  return {
    figure: r.surprisesPerSequence,
    bound: 2,
    pass: r.surprisesPerSequence === 2,
    detail: `GPU (f32), seed 0, 50 eval sequences, per sequence ${
      [...new Set(r.surprises)].join("/")
    }; depth ratio (T−1)/${r.surprisesPerSequence} = ${ratio.toFixed(1)} (definitional)`,
  };
});

claimTest(C1200_BASELINE, async () => {
  const r = await c1200GpuSeed0();
  const pass = r.baselineCe > 1.5 && r.baselineCe < r.baselineCeBefore &&
    r.baselineAccuracy === 0 && r.baselineTriggerRate === 0;
  return {
    figure: r.baselineAccuracy,
    bound: 0,
    pass,
    parts: [
      { name: "baseline accuracy", figure: r.baselineAccuracy, bound: 0, direction: "==" },
      { name: "trigger prediction rate", figure: r.baselineTriggerRate, bound: 0, direction: "==" },
      { name: "per-step CE after training", figure: r.baselineCe, bound: 1.5, direction: ">=" },
      {
        name: "per-step CE after − before",
        figure: r.baselineCe - r.baselineCeBefore,
        bound: 0,
        direction: "<=",
      },
    ],
    detail: `GPU (f32), seed 0: accuracy ${r.baselineAccuracy} with per-step CE ` +
      `${r.baselineCeBefore.toFixed(3)} → ${r.baselineCe.toFixed(3)} nats (ln 7 = ` +
      `${Math.log(7).toFixed(3)}); last-step trigger predictions ${
        r.baselineTriggerRate * 100
      }%; ` +
      `last-step predictions {${[...new Set(r.baselinePredictions)].join(", ")}}`,
  };
});

/**
 * Updates of each chunker-1200 stage whose step is replayed step-locally: the first ones, a
 * sequence's last window and the next sequence's first (A), and spread over the stage to its
 * last update.
 */
const C1200_CHECKED = {
  A: [0, 1, 2, 199, 200, 32000, 64000, 96000, 127999],
  C: [0, 1, 1600, 3199],
  baseline: [0, 1, 60, 119],
};

/** One replayed chunker-1200 stage with what its updates need to be checked. */
interface C1200Net {
  name: "A" | "C" | "baseline";
  d: RnnDims;
  stage: C1200StageReplay;
  seqs: { x: number[]; y: number[] }[];
  kernel: "window" | "full";
  lr: number;
  /** chunker1200Train's trained net. */
  trained: Float32Array;
}

/**
 * The automatizer, chunker and baseline stages of seed 0 replayed with readbacks around the
 * checked updates, C on the compressed sequences of the GPU run's own masks.
 */
async function c1200Replays(g: Chunker1200Result): Promise<C1200Net[]> {
  const cfg = C1200_DEFAULTS;
  const ins = c1200Inputs(cfg, 0);
  const V = C1200.vocab;
  const L = cfg.T - 1;
  const seqs = [0, 1].map((trig) => c1200Sequence(cfg.T, trig));
  const full = seqs.map((q) => ({ x: Array.from(q.subarray(0, L)), y: Array.from(q.subarray(1)) }));
  const comp = seqs.map((q, trig) => c1200Compress(q, g.triggerMasks[trig]!));
  const da = rnnDims(V, cfg.autoHidden, V, 0);
  const dc = rnnDims(V, cfg.chunkHidden, V, 0);
  const db = rnnDims(V, cfg.baseHidden, V, 0);
  const xs = (q: { x: number[] }[]) => q.map((r) => r.x);
  const ys = (q: { y: number[] }[]) => q.map((r) => r.y);
  const set = (xs: number[]) => new Set(xs);
  const a = await replayWindowStage(
    da,
    ins.autoInit,
    xs(full),
    ys(full),
    ins.autoTriggers,
    cfg.autoWindow,
    cfg.autoLr,
    cfg.clip,
    set(C1200_CHECKED.A),
  );
  const c = await replayWindowStage(
    dc,
    ins.chunkInit,
    xs(comp),
    ys(comp),
    ins.chunkTriggers,
    Infinity,
    cfg.chunkLr,
    cfg.clip,
    set(C1200_CHECKED.C),
  );
  const base = await replayFullStage(
    db,
    ins.baseInit,
    xs(full),
    ys(full),
    ins.baseTriggers,
    cfg.baseLr / L,
    cfg.clip,
    set(C1200_CHECKED.baseline),
  );
  return [
    { name: "A", d: da, stage: a, seqs: full, kernel: "window", lr: cfg.autoLr, trained: g.a },
    { name: "C", d: dc, stage: c, seqs: comp, kernel: "window", lr: cfg.chunkLr, trained: g.c },
    {
      name: "baseline",
      d: db,
      stage: base,
      seqs: full,
      kernel: "full",
      lr: cfg.baseLr / L,
      trained: g.base,
    },
  ];
}

claimTest(C1200_GPU_TRAINING_PARITY, async (t) => {
  const { gpu: g, oracle: o, faithful, gpuMs, oracleMs } = await c1200Seed0();
  // The trainer's own trajectory, replayed with readbacks: it must end where chunker1200Train
  // ends, and each checked update must be the oracle's step from the GPU's parameters.
  const nets = await c1200Replays(g);
  let replayed = 0;
  for (const n of nets) {
    replayed += Math.abs(n.stage.final.length - n.trained.length);
    n.trained.forEach((v, i) => replayed += Object.is(v, n.stage.final[i]) ? 0 : 1);
  }
  const worst = new Map<string, number>();
  const steps: Measurement[] = [];
  for (const n of nets) {
    steps.push(
      await differential(t, {
        cases: n.stage.observed.map((u) => ({ name: `${n.name}, update ${u.index}`, input: u })),
        ...jointly((u: C1200Observed) => {
          const cmp = new Comparison();
          checkSgdUpdate(
            cmp,
            n.name,
            sgdUpdateOf(n.d, u, n.seqs, n.kernel, n.lr, C1200_DEFAULTS.clip),
          );
          worstRatios(cmp, worst);
          return cmp;
        }),
      }),
    );
  }
  const L = C1200_DEFAULTS.T - 1;
  let maskDiffs = 0;
  const eq = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    x.length === y.length && Array.from(x).every((v, i) => v === y[i]);
  for (let k = 0; k < 2; k++) maskDiffs += eq(g.triggerMasks[k]!, o.triggerMasks[k]!) ? 0 : 1;
  o.evalMasks.forEach((m, e) =>
    maskDiffs += eq(g.evalMasks.subarray(e * L, (e + 1) * L), m) ? 0 : 1
  );
  let predDiffs = 0;
  o.chunkerPredictions.forEach((p, e) => predDiffs += p === g.chunkerPredictions[e] ? 0 : 1);
  o.baselinePredictions.forEach((p, e) => predDiffs += p === g.baselinePredictions[e] ? 0 : 1);
  const dTheta = Math.abs(g.threshold - o.result.threshold);
  const aggregates = g.fallbacks === o.result.fallbacks &&
    g.surprisesPerSequence === o.result.surprisesPerSequence &&
    g.chunkerAccuracy === o.result.chunkerAccuracy &&
    g.baselineAccuracy === o.result.baselineAccuracy &&
    g.baselineTriggerRate === o.result.baselineTriggerRate;
  const dist = (x: Float32Array, y: Float64Array) =>
    x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0).toExponential(1);
  const positions = (m: Uint8Array) => [...m].flatMap((v, t) => (v ? [t] : [])).join(", ");
  return {
    figure: maskDiffs + predDiffs,
    bound: 0,
    pass: faithful && aggregates && maskDiffs + predDiffs === 0 && dTheta < o.margin &&
      replayed === 0 && steps.every((m) => m.pass),
    parts: [
      {
        name: "differing masks and read-outs",
        figure: maskDiffs + predDiffs,
        bound: 0,
        direction: "==",
      },
      {
        name: "|Δθ| / the oracle's decision margin",
        figure: dTheta / o.margin,
        bound: 1,
        direction: "<=",
      },
      {
        name: "instrumented GPU replay values differing from chunker1200Train",
        figure: replayed,
        bound: 0,
        direction: "==",
      },
      ...nets.map((n, i) => ({
        name: `${n.name}: one-step |θ_gpu' − Φ(θ_gpu)| / bound (updates ` +
          `${C1200_CHECKED[n.name].join(", ")})`,
        figure: steps[i]!.figure as number,
        bound: 1,
        direction: "<=" as const,
      })),
    ],
    detail: `one-step: ${
      nets.map((n, i) => `${n.name}: ${steps[i]!.detail}`).join("; ")
    }; worst ratio per output: ${ratiosText(worst)}; instrumented replay vs ` +
      `chunker1200Train: ${replayed} differing values; ` +
      `replay identical to c1200Run on a small config (T = 60, seed 1): ${faithful}; ` +
      `seed 0, T = 1200, GPU f32 (from the oracle's init rounded to f32) vs the oracle's f64 ` +
      `run: ${maskDiffs} of ` +
      `${2 + o.evalMasks.length} masks and ${predDiffs} of ${2 * o.chunkerPredictions.length} ` +
      `read-outs differ; θ ${g.threshold.toFixed(6)} (GPU) vs ${o.result.threshold.toFixed(6)} ` +
      `(oracle), the oracle's closest CE to θ is ${o.margin.toExponential(2)} away; mask ` +
      `positions {${positions(o.triggerMasks[0]!)}} / {${positions(o.triggerMasks[1]!)}} ` +
      `(trigger A / B); baseline per-step CE ${g.baselineCe.toFixed(6)} (GPU) vs ` +
      `${o.result.baselineCe.toFixed(6)} (oracle); C's final training loss (oracle) ` +
      `${o.result.chunkerFinalLoss.toFixed(4)}; max |GPU − oracle| of the trained nets: A ` +
      `${dist(g.a, o.a)}, C ${dist(g.c, o.c)}, baseline ${dist(g.base, o.base)}; wall: GPU run ${
        (gpuMs / 1000).toFixed(1)
      } s, ` +
      `oracle replays ${(oracleMs / 1000).toFixed(1)} s (overlapping)`,
  };
});

Deno.test("chunker1200Train validates its inputs before any GPU work", () => {
  const cfg = {
    T: 12,
    autoHidden: 4,
    autoWindow: 6,
    autoLr: 0.05,
    chunkHidden: 4,
    chunkLr: 0.1,
    baseHidden: 4,
    baseLr: 0.05,
    clip: 5,
  };
  const P = chunker1200ParamCount(4);
  const ins = {
    autoInit: new Float32Array(P),
    chunkInit: new Float32Array(P),
    baseInit: new Float32Array(P),
    autoTriggers: Int32Array.of(0),
    probeTriggers: Int32Array.of(1),
    chunkTriggers: Int32Array.of(0),
    baseTriggers: Int32Array.of(1),
    evalTriggers: Int32Array.of(0),
  };
  const rejects = (f: () => unknown, type: ErrorConstructor, text: string) =>
    throws(f, (e: unknown) => e instanceof type && e.message.includes(text));
  rejects(
    () => chunker1200Train(cfg, { ...ins, baseInit: new Float32Array(P + 1) }),
    TypeError,
    `baseInit holds ${P + 1} values, expected ${P}`,
  );
  rejects(
    () => chunker1200Train(cfg, { ...ins, evalTriggers: Int32Array.of(0, 2) }),
    RangeError,
    "evalTriggers[1] is 2, not 0 or 1",
  );
  rejects(() => chunker1200Train({ ...cfg, chunkHidden: 6 }, ins), RangeError, "chunkHidden");
  rejects(() => chunker1200Train({ ...cfg, T: 2 }, ins), RangeError, "T must be");
  rejects(() => chunker1200Train({ ...cfg, clip: 0 }, ins), RangeError, "clip must be");
});
