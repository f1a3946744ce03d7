/**
 * Chunker training-path gradients: the kernels the trainers run
 * (impl/fastweights/chunker/kernels/block.ts and block_update.ts for
 * chunker-22, c1200_window.ts and c1200_full.ts for chunker-1200), not the
 * public BPTT of `chunkerBptt` (gpu_test.ts), each step checked against the
 * f64 oracle step-locally from the GPU's own state (_training_bounds.ts).
 *
 * Chunker-22 runs the trainer's dispatch sequence (_train22_driver.ts) for 40
 * blocks from the nets' initial parameters (c22Scale, rounded to f32) for two
 * seeds of each mode and reads everything back around blocks 0, 1, 2 (Adam's
 * first steps, the clip active) and 39, plus three blocks with C's weights ×4
 * so that C's clip acts too. Chunker-1200 runs its two training
 * kernels (_train1200_driver.ts) at the oracle's initial scales and reads back
 * around single updates: A's window at a sequence's start, from a carried
 * state and the last (5-step) window; C's compressed pairs; the baseline's
 * 1199-step BPTT, whose raw gradient the full kernel leaves readable.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { c22ParamCount } from "../../../impl/fastweights/chunker/train22.ts";
import { claimTest } from "../../_harness/claim.ts";
import { Comparison, differential, jointly, type NamedCase } from "../../_harness/differential.ts";
import {
  c1200Sequence,
  C22_CLIP,
  C22_README,
  c22Dims,
  c22Scale,
  c22Stream,
  rnnDims,
  rnnInit,
} from "../../oracle/fastweights/chunker.ts";
import {
  checkA22Block,
  checkC22Step,
  checkSgdUpdate,
  ratiosText,
  worstRatios,
} from "./_training_bounds.ts";
import { a22BlockOf, type C22Replay, c22StepOf, replayC22Training } from "./_train22_driver.ts";
import {
  type C1200StageReplay,
  replayFullStage,
  replayWindowStage,
  sgdUpdateOf,
} from "./_train1200_driver.ts";
import { C1200_GPU_GRADIENTS_TRAINING, C22_GPU_GRADIENTS_TRAINING } from "./claims.ts";

type Mode = "chunker" | "single";

/**
 * The claim's chunker-22 runs: each mode for 40 blocks, read back around blocks 0, 1, 2 (Adam's
 * first steps, A's clip active) and 39; and chunker mode with C's weights ×4 for 3 blocks, where
 * C's gradient norm passes its clip (in the protocol it stays below 0.8, so the clip branch of
 * C's update would go untested).
 */
const C22_RUNS = {
  chunker: { mode: "chunker", blocks: 40, observed: [0, 1, 2, 39], cScale: 1 },
  single: { mode: "single", blocks: 40, observed: [0, 1, 2, 39], cScale: 1 },
  bigC: { mode: "chunker", blocks: 3, observed: [0, 1, 2], cScale: 4 },
} as const;
type RunName = keyof typeof C22_RUNS;
/** Seeds per run (memspec's Rng(7000 + 3s + 1) streams, Rng(7000 + 3s + 2) inits). */
const C22_SEEDS = [0, 1];

/** One chunker-22 run for the claim's seeds, with its streams. */
async function c22Run(name: RunName): Promise<{ replay: C22Replay; streams: Int32Array }> {
  const { mode, blocks, observed, cScale } = C22_RUNS[name];
  const dims = c22Dims(mode);
  const a: number[] = [];
  const c: number[] = [];
  const streams: number[] = [];
  for (const s of C22_SEEDS) {
    const data = new Rng(7000 + 3 * s + 1);
    const init = new Rng(7000 + 3 * s + 2);
    a.push(...rnnInit(dims.a, init, c22Scale));
    c.push(...rnnInit(dims.c, init, (fanIn) => cScale * c22Scale(fanIn)));
    streams.push(...c22Stream(blocks + 1, () => data.uniform()));
  }
  const ins = {
    mode,
    a: Float32Array.from(a),
    c: mode === "chunker" ? Float32Array.from(c) : undefined,
    streams: Int32Array.from(streams),
    blocks,
    lr: C22_README.lr,
    threshold: C22_README.threshold,
    clip: C22_CLIP,
  };
  return { replay: await replayC22Training(ins, new Set(observed)), streams: ins.streams };
}

claimTest(C22_GPU_GRADIENTS_TRAINING, async (t) => {
  await initGpu();
  const runs = new Map<RunName, { replay: C22Replay; streams: Int32Array }>();
  for (const name of Object.keys(C22_RUNS) as RunName[]) runs.set(name, await c22Run(name));
  const label: Record<RunName, string> = {
    chunker: "A + C",
    single: "single net",
    bigC: "A + C (C ×4)",
  };
  const cases: NamedCase<{ run: RunName; blk: number }>[] = [];
  for (const run of Object.keys(C22_RUNS) as RunName[]) {
    for (const blk of C22_RUNS[run].observed) {
      cases.push({ name: `${label[run]}, block ${blk}`, input: { run, blk } });
    }
  }
  const norms: string[] = [];
  const worst = new Map<string, number>();
  const m = await differential(t, {
    cases,
    ...jointly(({ run, blk }: { run: RunName; blk: number }) => {
      const { mode, blocks } = C22_RUNS[run];
      const { replay, streams } = runs.get(run)!;
      const snap = replay.snapshots.find((x) => x.blk === blk)!;
      const cmp = new Comparison();
      for (const s of C22_SEEDS) {
        const b = a22BlockOf(snap, s, mode, streams, blocks);
        checkA22Block(cmp, `seed ${s} A`, b, C22_README.lr, C22_CLIP);
        let note = `${label[run]} block ${blk} seed ${s}: ‖g_A‖ ${
          Math.hypot(...b.gpu.grads).toFixed(3)
        }`;
        if (mode === "chunker") {
          const c = c22StepOf(snap, s);
          if (c) {
            const gc = checkC22Step(cmp, `seed ${s} C`, c, C22_README.lr, C22_CLIP);
            note += `, ‖g_C‖ ${gc.toFixed(3)}`;
          } else {
            const PC = c22ParamCount("chunker").c;
            const at = (a: Float32Array) => a.subarray(s * PC, (s + 1) * PC);
            cmp.add(`seed ${s} C unchanged`, at(snap.after.c), at(snap.before.c), 0);
          }
        }
        norms.push(note);
      }
      worstRatios(cmp, worst);
      return cmp;
    }),
  });
  return {
    ...m,
    detail: `${m.detail}; worst ratio per output: ${ratiosText(worst)}; gradient norms (clip ` +
      `at ${C22_CLIP}): ${norms.join(", ")}`,
  };
});

/** The chunker-1200 nets of the claim: A and the baseline (16 units), C (8 units). */
const DA = rnnDims(7, 16, 7, 0);
const DC = rnnDims(7, 8, 7, 0);
const T = 1200;
const LR = { auto: 0.05, chunk: 0.1, base: 0.05 };
const CLIP = 5;

claimTest(C1200_GPU_GRADIENTS_TRAINING, async (t) => {
  await initGpu();
  const rng = new Rng(1201);
  const init = (d: typeof DA, scale: number) => Float32Array.from(rnnInit(d, rng, () => scale));
  const seqs = [0, 1].map((trig) => c1200Sequence(T, trig));
  const full = seqs.map((q) => ({
    x: Array.from(q.subarray(0, T - 1)),
    y: Array.from(q.subarray(1)),
  }));
  // C's compressed pairs: the protocol's mask {0, T − 2} on each trigger's sequence.
  const pairs = seqs.map((q) => ({ x: [q[0]!, q[T - 2]!], y: [q[1]!, q[T - 1]!] }));
  // A: two sequences in windows of 6 (200 windows each, the last of 5 steps).
  const a = await replayWindowStage(
    DA,
    init(DA, 0.1),
    full.map((f) => f.x),
    full.map((f) => f.y),
    [0, 1],
    6,
    LR.auto,
    CLIP,
    new Set([0, 1, 199, 200, 201]),
  );
  const c = await replayWindowStage(
    DC,
    init(DC, 0.2),
    pairs.map((p) => p.x),
    pairs.map((p) => p.y),
    [0, 1, 0],
    Infinity,
    LR.chunk,
    CLIP,
    new Set([0, 1, 2]),
  );
  const base = await replayFullStage(
    DA,
    init(DA, 0.1),
    full.map((f) => f.x),
    full.map((f) => f.y),
    [0, 1],
    LR.base / (T - 1),
    CLIP,
    new Set([0, 1]),
  );
  interface Case {
    stage: C1200StageReplay;
    index: number;
    net: "A" | "C" | "baseline";
  }
  const cases: NamedCase<Case>[] = [
    { name: "A, window 0 (sequence start)", input: { stage: a, index: 0, net: "A" } },
    { name: "A, window 1 (carried state)", input: { stage: a, index: 1, net: "A" } },
    { name: "A, window 199 (last, 5 steps)", input: { stage: a, index: 199, net: "A" } },
    { name: "A, window 201 (second sequence)", input: { stage: a, index: 201, net: "A" } },
    { name: "C, pair 0", input: { stage: c, index: 0, net: "C" } },
    { name: "C, pair 2", input: { stage: c, index: 2, net: "C" } },
    { name: "baseline, update 0 (1199 steps)", input: { stage: base, index: 0, net: "baseline" } },
    { name: "baseline, update 1 (1199 steps)", input: { stage: base, index: 1, net: "baseline" } },
  ];
  const worst = new Map<string, number>();
  const m = await differential(t, {
    cases,
    ...jointly(({ stage, index, net }: Case) => {
      const o = stage.observed.find((x) => x.index === index)!;
      const cmp = new Comparison();
      const u = net === "A"
        ? sgdUpdateOf(DA, o, full, "window", LR.auto, CLIP)
        : net === "C"
        ? sgdUpdateOf(DC, o, pairs, "window", LR.chunk, CLIP)
        : sgdUpdateOf(DA, o, full, "full", LR.base / (T - 1), CLIP);
      checkSgdUpdate(cmp, net, u);
      worstRatios(cmp, worst);
      return cmp;
    }),
  });
  return { ...m, detail: `${m.detail}; worst ratio per output: ${ratiosText(worst)}` };
});
