/**
 * Chunker-1200 training on the GPU (cybertronai/schmidhuber-problems PR #8,
 * chunker-very-deep-1200/): all five stages of the protocol run in f32 on the GPU from
 * the caller's initial parameters and trigger draws (the host only draws).
 *
 * 1. Automatizer A: SGD on non-overlapping windows of `autoWindow` steps with
 *    the state carried (gradient detached), lr autoLr/len(window), element-wise
 *    clip. The ~128,000 dependent updates run in one invocation per dispatch,
 *    as many windows per dispatch as llvmpipe's loop budget allows
 *    (impl/fastweights/chunker/kernels/c1200_window.ts), the parameters, the
 *    carried state and a cursor staying in GPU buffers.
 * 2. Threshold: A's per-step CE on the GPU (the phased full kernel,
 *    impl/fastweights/chunker/kernels/c1200_full.ts, forward then CE);
 *    θ = the midpoint of the medians of the edge steps {0, T − 2} and the
 *    filler steps over the probe sequences, on the host.
 * 3. Surprise masks: CE > θ with step 0 forced (A from a zero state over the
 *    whole sequence). A sequence is a function of its trigger and A is frozen
 *    from stage 2 on, so A's CE is computed once per trigger value and every
 *    probe, training and eval sequence takes its trigger's CE and mask —
 *    exactly what the per-sequence computation gives.
 * 4. Chunker C: full BPTT over each compressed sequence (the fallback [0, T−2]
 *    under 2 surprises), lr chunkLr/len, one update per sequence, many per
 *    dispatch (the window kernel with a window longer than every sequence).
 * 5. Baseline: full BPTT over T − 1 steps, one forward and one BPTT + SGD
 *    dispatch per sequence (the phased full kernel), the parameters resident
 *    in the net scratch for the whole stage.
 * 6. Evaluation: C's and the baseline's last-step argmax and the baseline's
 *    per-step CE before and after training (per trigger value, as in 3).
 *
 * Host readbacks: one after each stage (five), for the per-stage timings and
 * the threshold; nothing is read back inside a stage.
 *
 * @example A tiny protocol (T = 12, two epochs)
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { chunker1200ParamCount, chunker1200Train } from "./train1200.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const cfg = {
 *   T: 12, autoHidden: 4, autoWindow: 6, autoLr: 0.05, chunkHidden: 4, chunkLr: 0.1,
 *   baseHidden: 4, baseLr: 0.05, clip: 5,
 * };
 * const init = (h: number) => new Float32Array(chunker1200ParamCount(h)).fill(0.05);
 * const r = await chunker1200Train(cfg, {
 *   autoInit: init(4), chunkInit: init(4), baseInit: init(4),
 *   autoTriggers: Int32Array.of(0, 1), probeTriggers: Int32Array.of(0, 1),
 *   chunkTriggers: Int32Array.of(1, 0), baseTriggers: Int32Array.of(0),
 *   evalTriggers: Int32Array.of(0, 1, 1),
 * });
 * strictEqual(r.chunkerPredictions.length, 3);
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { dispatch, maxStepsPerLaunch } from "../../gpu/program.ts";
import { readTensors, type Tensor, tensor, zeros } from "../../tensor.ts";
import { C1200_FULL, c1200FullLoops } from "./kernels/c1200_full.ts";
import { c1200NetOffsets } from "./kernels/c1200_net.ts";
import {
  C1200_WINDOW,
  c1200WindowFixedLoops,
  c1200WindowScratch,
  c1200WindowUpdateLoops,
} from "./kernels/c1200_window.ts";
import {
  checkFiniteList,
  checkInt,
  checkObject,
  checkReal,
  checkTyped,
  shown,
} from "../../validate.ts";

/** Chunker-1200 vocabulary: triggers 0 and 1, fillers 2..6. */
export const C1200_GPU = { vocab: 7, fillers: 5 } as const;

/** Protocol settings (the counts of epochs and sequences come from the trigger arrays). */
export interface Chunker1200Config {
  /** Sequence length (≥ 3). */
  T: number;
  /** Hidden units of the automatizer A (a multiple of 4 in [4, 32]). */
  autoHidden: number;
  /** Steps per training window of A (the state carries across windows, the gradient does not). */
  autoWindow: number;
  /** A's learning rate, divided by the window's length per update. */
  autoLr: number;
  /** Hidden units of the chunker C (a multiple of 4 in [4, 32]). */
  chunkHidden: number;
  /** C's learning rate, divided by the compressed sequence's length per update. */
  chunkLr: number;
  /** Hidden units of the single-net baseline (a multiple of 4 in [4, 32]). */
  baseHidden: number;
  /** The baseline's learning rate. */
  baseLr: number;
  /** Element-wise gradient clip. */
  clip: number;
}

/** Initial parameters (flat layout W_xh [H, V], W_hh, W_hy, b_h, b_y) and trigger draws. */
export interface Chunker1200Inputs {
  /** A's initial parameters ({@link chunker1200ParamCount}(autoHidden) values). */
  autoInit: Float32Array;
  /** C's initial parameters ({@link chunker1200ParamCount}(chunkHidden) values). */
  chunkInit: Float32Array;
  /** The baseline's initial parameters ({@link chunker1200ParamCount}(baseHidden) values). */
  baseInit: Float32Array;
  /** A's training sequences in order (epoch-major), each a trigger 0 or 1. */
  autoTriggers: Int32Array;
  /** Triggers of the probe sequences that set the surprise threshold. */
  probeTriggers: Int32Array;
  /** Triggers of C's training sequences, in order. */
  chunkTriggers: Int32Array;
  /** Triggers of the baseline's training sequences, in order. */
  baseTriggers: Int32Array;
  /** Triggers of the evaluation sequences. */
  evalTriggers: Int32Array;
}

/** GPU wall time (ms, including one readback each) and dispatches of one stage. */
export interface Chunker1200Stage {
  /** Wall time of the stage in milliseconds, its one readback included. */
  ms: number;
  /** Dispatches the stage recorded. */
  dispatches: number;
}

/** Everything {@link chunker1200Train} measured. */
export interface Chunker1200Result {
  /** θ = (median(edge CE) + median(filler CE)) / 2 over the probe sequences. */
  threshold: number;
  /** A's per-step CE of the probe sequences, [probe, T − 1]. */
  probeCe: Float32Array;
  /** C's training masks per trigger value (index 0, 1), each [T − 1] of 0/1. */
  triggerMasks: Uint8Array[];
  /** Eval masks, [eval, T − 1] of 0/1. */
  evalMasks: Uint8Array;
  /** A's per-step CE of the eval sequences, [eval, T − 1]. */
  evalCe: Float32Array;
  /** Surprises per eval sequence (forced step 0 included). */
  surprises: Int32Array;
  /** Mean surprises per eval sequence. */
  surprisesPerSequence: number;
  /** Eval sequences on which C fell back to [0, T − 2]. */
  fallbacks: number;
  /** C's last-step argmax per eval sequence. */
  chunkerPredictions: Int32Array;
  /** Share of eval sequences whose trigger C's last-step argmax predicts. */
  chunkerAccuracy: number;
  /** The baseline's last-step argmax per eval sequence. */
  baselinePredictions: Int32Array;
  /** Share of eval sequences whose trigger the baseline's last-step argmax predicts. */
  baselineAccuracy: number;
  /** Share of eval sequences whose baseline last-step argmax is a trigger symbol. */
  baselineTriggerRate: number;
  /** Baseline per-step CE (nats) over the eval sequences before training. */
  baselineCeBefore: number;
  /** Baseline per-step CE (nats) over the eval sequences after training. */
  baselineCe: number;
  /** A's trained parameters. */
  a: Float32Array;
  /** C's trained parameters. */
  c: Float32Array;
  /** The baseline's trained parameters. */
  base: Float32Array;
  /** Wall time and dispatches of each stage. */
  stages: {
    automatizer: Chunker1200Stage;
    thresholdAndMasks: Chunker1200Stage;
    chunker: Chunker1200Stage;
    baseline: Chunker1200Stage;
    eval: Chunker1200Stage;
  };
}

/** Parameters of a label-free chunker-1200 net with H hidden units. */
export function chunker1200ParamCount(hidden: number): number {
  checkHidden1200("chunker1200ParamCount", "hidden", hidden);
  return c1200NetOffsets(hidden, C1200_GPU.vocab).size;
}

/** One sequence: [trigger, 2, 3, 4, 5, 6, 2, ..., trigger] of length T. */
export function chunker1200Sequence(T: number, trigger: number): Int32Array {
  checkInt("chunker1200Sequence", "T", T, 3, C1200_MAX_T);
  checkInt("chunker1200Sequence", "the trigger", trigger, 0, 1);
  const s = new Int32Array(T);
  s[0] = trigger;
  for (let i = 1; i < T - 1; i++) s[i] = 2 + ((i - 1) % C1200_GPU.fillers);
  s[T - 1] = trigger;
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** The compressed (inputs, targets) of a masked sequence; fallback [0, T − 2] under 2 surprises. */
function compress(seq: Int32Array, mask: Uint8Array): { x: number[]; y: number[] } {
  const idx: number[] = [];
  mask.forEach((m, t) => m && idx.push(t));
  const use = idx.length >= 2 ? idx : [0, seq.length - 2];
  return { x: use.map((t) => seq[t]!), y: use.map((t) => seq[t + 1]!) };
}

const fail = (msg: string): never => {
  throw new RangeError(`Cannot train chunker-1200: ${msg}`);
};

/** Longest sequence chunker-1200 accepts (the protocol's is 1200). */
const C1200_MAX_T = 2 ** 16;

/** Refuses a hidden size that is not a multiple of 4 in [4, 32] (the kernels' vec4 rows). */
function checkHidden1200(op: string, what: string, h: unknown): void {
  if (typeof h !== "number") {
    throw new TypeError(`Cannot run ${op}: expected ${what} to be a number but got ${shown(h)}`);
  }
  if (!Number.isInteger(h) || h < 4 || h % 4 !== 0 || h > 32) {
    throw new RangeError(
      `Cannot run ${op}: ${what} must be a multiple of 4 in [4, 32], got ${h}`,
    );
  }
}

function validate(cfg: Chunker1200Config, ins: Chunker1200Inputs): void {
  const op = "train chunker-1200 (chunker1200Train)";
  checkObject(op, "the configuration", cfg);
  checkObject(op, "the inputs", ins);
  const numbers = [
    "T",
    "autoHidden",
    "autoWindow",
    "autoLr",
    "chunkHidden",
    "chunkLr",
    "baseHidden",
    "baseLr",
    "clip",
  ] as const;
  for (const k of numbers) {
    if (typeof cfg[k] !== "number") {
      throw new TypeError(`Cannot ${op}: expected ${k} to be a number but got ${shown(cfg[k])}`);
    }
  }
  for (const k of ["autoLr", "chunkLr", "baseLr", "clip"] as const) checkReal(op, k, cfg[k]);
  if (cfg.T > C1200_MAX_T) fail(`T must be at most ${C1200_MAX_T}, got ${cfg.T}`);
  for (const k of ["autoInit", "chunkInit", "baseInit"] as const) {
    checkFiniteList(op, k, checkTyped(op, k, ins[k], Float32Array));
  }
  for (
    const k of [
      "autoTriggers",
      "probeTriggers",
      "chunkTriggers",
      "baseTriggers",
      "evalTriggers",
    ] as const
  ) {
    checkTyped(op, k, ins[k], Int32Array);
  }
  if (!Number.isInteger(cfg.T) || cfg.T < 3) fail(`T must be an integer >= 3, got ${cfg.T}`);
  if (!Number.isInteger(cfg.autoWindow) || cfg.autoWindow < 1) {
    fail(`autoWindow must be a positive integer, got ${cfg.autoWindow}`);
  }
  for (const k of ["autoHidden", "chunkHidden", "baseHidden"] as const) {
    const h = cfg[k];
    if (!Number.isInteger(h) || h < 4 || h % 4 !== 0 || h > 32) {
      fail(`${k} must be a multiple of 4 in [4, 32], got ${h}`);
    }
  }
  for (const k of ["autoLr", "chunkLr", "baseLr", "clip"] as const) {
    if (!(Number.isFinite(cfg[k]) && cfg[k] > 0)) {
      fail(`${k} must be finite and > 0, got ${cfg[k]}`);
    }
  }
  const sizes: [string, number, number][] = [
    ["autoInit", ins.autoInit.length, chunker1200ParamCount(cfg.autoHidden)],
    ["chunkInit", ins.chunkInit.length, chunker1200ParamCount(cfg.chunkHidden)],
    ["baseInit", ins.baseInit.length, chunker1200ParamCount(cfg.baseHidden)],
  ];
  for (const [name, got, want] of sizes) {
    if (got !== want) {
      throw new TypeError(
        `Cannot train chunker-1200: ${name} holds ${got} values, expected ${want}`,
      );
    }
  }
  const lists = [
    ["autoTriggers", ins.autoTriggers],
    ["probeTriggers", ins.probeTriggers],
    ["chunkTriggers", ins.chunkTriggers],
    ["baseTriggers", ins.baseTriggers],
    ["evalTriggers", ins.evalTriggers],
  ] as const;
  for (const [name, arr] of lists) {
    if (arr.length === 0 && name !== "baseTriggers" && name !== "chunkTriggers") {
      fail(`${name} is empty, expected at least one trigger`);
    }
    arr.forEach((v, i) =>
      (v === 0 || v === 1) || fail(`${name}[${i}] is ${v}, not 0 or 1 (expected trigger bits)`)
    );
  }
}

/**
 * Runs the chunker-1200 protocol on the GPU. Inputs are validated
 * synchronously, before any GPU work.
 *
 * @throws {TypeError} when a parameter array's length disagrees with the config.
 * @throws {RangeError} for invalid settings or triggers, or when one update
 * cannot fit the adapter's loop budget.
 */
export function chunker1200Train(
  cfg: Chunker1200Config,
  ins: Chunker1200Inputs,
): Promise<Chunker1200Result> {
  validate(cfg, ins);
  const V = C1200_GPU.vocab;
  const budget = gpu().maxLoopIterations;
  const need = c1200WindowUpdateLoops(cfg.autoWindow, cfg.autoHidden, V) +
    c1200WindowFixedLoops(cfg.autoHidden, V);
  if (need > budget) {
    fail(
      `one automatizer window needs ${need} loop iterations, expected at most the adapter's ` +
        `limit of ${budget}`,
    );
  }
  return run(cfg, ins);
}

/** Records the five stages with one readback each (inputs validated). */
async function run(cfg: Chunker1200Config, ins: Chunker1200Inputs): Promise<Chunker1200Result> {
  const V = C1200_GPU.vocab;
  const { T, clip } = cfg;
  const L = T - 1;
  const budget = gpu().maxLoopIterations;
  const owned: Tensor[] = [];
  const own = <X extends Tensor>(t: X): X => (owned.push(t), t);
  const i32 = (data: ArrayLike<number>, shape: number[]) =>
    own(tensor(Int32Array.from(data), shape, { dtype: "i32" }));
  const seqOf = [chunker1200Sequence(T, 0), chunker1200Sequence(T, 1)];
  let dispatches = 0;

  /** Records updates of the window kernel over `kinds` until the list is consumed. */
  const windowTrain = (
    params: Tensor,
    H: number,
    xs: number[][],
    ys: number[][],
    kinds: Int32Array,
    window: number,
    lr: number,
  ): Tensor => {
    const lmax = Math.max(...xs.map((x) => x.length));
    const W = Math.min(window, lmax);
    const sizes = { H, V, W };
    const one = C1200_WINDOW.loopIterations!(sizes, 1);
    if (one > budget) {
      fail(`one update of ${W} steps (H = ${H}) needs ${one} loop iterations, past ${budget}`);
    }
    const pad = (rows: number[][]) =>
      rows.flatMap((r) => [...r, ...Array(lmax - r.length).fill(0)]);
    const xsT = i32(pad(xs), [xs.length, lmax]);
    const ysT = i32(pad(ys), [ys.length, lmax]);
    const lens = xs.map((x) => x.length);
    const lensT = i32(lens, [lens.length]);
    const kindsT = i32(kinds.length ? kinds : [0], [Math.max(1, kinds.length)]);
    const state = own(zeros([H]));
    const cursor = own(zeros([2], { dtype: "i32" }));
    const hs = own(zeros([(W + 1) * H]));
    const zs = own(zeros([W * V]));
    const scratch = c1200WindowScratch(H, V);
    const scr = own(zeros([4 * scratch.vec4]));
    const scf = own(zeros([scratch.f32]));
    let updates = 0;
    for (const k of kinds) updates += Math.ceil(lens[k]! / W);
    // The runner splits the updates into launches that fit the loop budget.
    if (updates > 0) {
      dispatches += dispatch(C1200_WINDOW, {
        sizes,
        uniforms: {
          u_begin: 0,
          u_end: 0,
          window: W,
          lmax,
          n4: H / 4,
          nh: H,
          nv: V,
          lr,
          clip,
        },
        buffers: {
          params: params.buffer,
          xs: xsT.buffer,
          ys: ysT.buffer,
          lens: lensT.buffer,
          kinds: kindsT.buffer,
          state: state.buffer,
          cursor: cursor.buffer,
          hs: hs.buffer,
          zs: zs.buffer,
          scr: scr.buffer,
          scf: scf.buffer,
        },
        workgroups: 1,
        steps: updates,
      });
    }
    return cursor;
  };

  const timed = async (f: () => Tensor[]) => {
    const d0 = dispatches;
    const t0 = performance.now();
    const out = await readTensors(f());
    return { out, stage: { ms: performance.now() - t0, dispatches: dispatches - d0 } };
  };
  const full = (trig: number) => ({
    x: Array.from(seqOf[trig]!.subarray(0, L)),
    y: Array.from(seqOf[trig]!.subarray(1)),
  });

  try {
    // 1. automatizer
    const a = own(tensor(ins.autoInit, [ins.autoInit.length]));
    const s1 = await timed(() => [
      windowTrain(
        a,
        cfg.autoHidden,
        [full(0).x, full(1).x],
        [full(0).y, full(1).y],
        ins.autoTriggers,
        cfg.autoWindow,
        cfg.autoLr,
      ),
    ]);
    const cur = s1.out[0]!;
    if (cur[0] !== ins.autoTriggers.length || cur[1] !== 0) {
      throw new Error(`chunker-1200: A's cursor ended at (${cur[0]}, ${cur[1]})`);
    }
    // 2 + 3. A's CE over each trigger value's sequence: the probe CE (threshold), the masks
    const probeN = ins.probeTriggers.length;
    const E = ins.evalTriggers.length;
    const netA = c1200FullNet(a, cfg.autoHidden, own, (n) => dispatches += n);
    const seqA = [0, 1].map((t) => netA.seq(full(t).x, full(t).y));
    const s2 = await timed(() => {
      netA.load(seqA[0]!);
      for (const q of seqA) netA.evaluate(q);
      return seqA.map((q) => q.out);
    });
    const ceOf = s2.out.map((o) => (o as Float32Array).slice(0, L));
    const edge: number[] = [];
    const fill: number[] = [];
    for (const trig of ins.probeTriggers) {
      ceOf[trig]!.forEach((v, t) => (t === 0 || t === L - 1 ? edge : fill).push(v));
    }
    const threshold = (median(edge) + median(fill)) / 2;
    const triggerMasks = ceOf.map((ce) => {
      const m = Uint8Array.from(ce, (v) => v > threshold ? 1 : 0);
      m[0] = 1;
      return m;
    });
    const evalMasks = new Uint8Array(E * L);
    const surprises = new Int32Array(E);
    let fallbacks = 0;
    ins.evalTriggers.forEach((trig, e) => {
      evalMasks.set(triggerMasks[trig]!, e * L);
      surprises[e] = triggerMasks[trig]!.reduce((u, v) => u + v, 0);
      if (surprises[e]! < 2) fallbacks++;
    });
    // 4. chunker
    const comp = [0, 1].map((t) => compress(seqOf[t]!, triggerMasks[t]!));
    const c = own(tensor(ins.chunkInit, [ins.chunkInit.length]));
    const s4 = await timed(() => [
      windowTrain(
        c,
        cfg.chunkHidden,
        comp.map((q) => q.x),
        comp.map((q) => q.y),
        ins.chunkTriggers,
        Infinity,
        cfg.chunkLr,
      ),
    ]);
    // 5. baseline
    const base = own(tensor(ins.baseInit, [ins.baseInit.length]));
    const netB = c1200FullNet(base, cfg.baseHidden, own, (n) => dispatches += n);
    const seqB = [0, 1].map((t) => netB.seq(full(t).x, full(t).y));
    const s5 = await timed(() => {
      netB.load(seqB[0]!);
      for (const trig of ins.baseTriggers) netB.train(seqB[trig]!, cfg.baseLr / L, clip);
      netB.store(seqB[0]!);
      return [base];
    });
    // 6. eval: each net over each trigger value's (compressed) sequence
    const base0 = own(tensor(ins.baseInit, [ins.baseInit.length]));
    const netC = c1200FullNet(c, cfg.chunkHidden, own, (n) => dispatches += n);
    const netB0 = c1200FullNet(base0, cfg.baseHidden, own, (n) => dispatches += n);
    const seqC = comp.map((q) => netC.seq(q.x, q.y));
    const seqB0 = [0, 1].map((t) => netB0.seq(full(t).x, full(t).y));
    const s6 = await timed(() => {
      netC.load(seqC[0]!);
      for (const q of seqC) netC.evaluate(q);
      for (const q of seqB) netB.evaluate(q);
      netB0.load(seqB0[0]!);
      for (const q of seqB0) netB0.evaluate(q);
      return [...seqC, ...seqB, ...seqB0].map((q) => q.out).concat([a, c, base]);
    });
    const outs = s6.out as Float32Array[];
    const lastPred = (o: Float32Array) => Math.round(o[o.length - 1]!);
    const cPredOf = [lastPred(outs[0]!), lastPred(outs[1]!)];
    const bPredOf = [lastPred(outs[2]!), lastPred(outs[3]!)];
    const ceSum = (o: Float32Array) => o.subarray(0, L).reduce((u, v) => u + v, 0);
    const bCeOf = [ceSum(outs[2]!), ceSum(outs[3]!)];
    const b0CeOf = [ceSum(outs[4]!), ceSum(outs[5]!)];
    const [aOut, cOut, baseOut] = outs.slice(6) as [Float32Array, Float32Array, Float32Array];
    const cPred = Int32Array.from(ins.evalTriggers, (t) => cPredOf[t]!);
    const bPred = Int32Array.from(ins.evalTriggers, (t) => bPredOf[t]!);
    let bCe = 0;
    let bCe0 = 0;
    for (const t of ins.evalTriggers) {
      bCe += bCeOf[t]!;
      bCe0 += b0CeOf[t]!;
    }
    let cHits = 0;
    let bHits = 0;
    let bTrig = 0;
    for (let e = 0; e < E; e++) {
      const trig = ins.evalTriggers[e]!;
      if (cPred[e] === trig) cHits++;
      if (bPred[e] === trig) bHits++;
      if (bPred[e]! < 2) bTrig++;
    }
    return {
      threshold,
      probeCe: Float32Array.from(
        { length: probeN * L },
        (_, i) => ceOf[ins.probeTriggers[Math.floor(i / L)]!]![i % L]!,
      ),
      triggerMasks,
      evalMasks,
      evalCe: Float32Array.from(
        { length: E * L },
        (_, i) => ceOf[ins.evalTriggers[Math.floor(i / L)]!]![i % L]!,
      ),
      surprises,
      surprisesPerSequence: surprises.reduce((u, v) => u + v, 0) / E,
      fallbacks,
      chunkerPredictions: cPred,
      chunkerAccuracy: cHits / E,
      baselinePredictions: bPred,
      baselineAccuracy: bHits / E,
      baselineTriggerRate: bTrig / E,
      baselineCeBefore: bCe0 / (E * L),
      baselineCe: bCe / (E * L),
      a: aOut,
      c: cOut,
      base: baseOut,
      stages: {
        automatizer: s1.stage,
        thresholdAndMasks: s2.stage,
        chunker: s4.stage,
        baseline: s5.stage,
        eval: s6.stage,
      },
    };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** One sequence's buffers for the phased full kernel. */
export interface FullSeq {
  /** Time steps of the sequence: the length of `xs` and `ys`. */
  len: number;
  /** Input symbols x_t, i32 [len]. */
  xs: Tensor;
  /** Target symbols y_t of each step's CE, i32 [len]. */
  ys: Tensor;
  /**
   * States h_t written by the forward phase, f32 [(len + 1)·H] (row 0, the initial state, stays
   * zero).
   */
  hs: Tensor;
  /** Logits z_t stored by the forward phase for the BPTT and read-out phases, f32 [len·V]. */
  zs: Tensor;
  /** CE per step, then the last step's argmax. */
  out: Tensor;
}

/**
 * A net resident in its own scratch, driven through the phased full-BPTT
 * kernel (impl/fastweights/chunker/kernels/c1200_full.ts): full-BPTT SGD
 * updates and forward evaluations (per-step CE and the last-step argmax) of
 * whole sequences, each sliced by the loop budget; nothing is read back. Exported
 * for the spec's instrumented replay, which reads the net scratch between steps.
 */
export function c1200FullNet(
  params: Tensor,
  H: number,
  own: <X extends Tensor>(t: X) => X,
  count: (launches: number) => void,
): {
  /** The net scratch (parameters, carried gradient) the kernel works in. */
  scratch: { scr: Tensor; scf: Tensor };
  /** Phase 1: the forward over a whole sequence. */
  forward(q: FullSeq): void;
  /**
   * Phase 2 (BPTT) over a whole sequence: slices from the last step down, SGD after the first
   * step (`sgd` false holds it: the raw gradient stays in the scratch for `applySgd`).
   */
  backward: (q: FullSeq, lr: number, clip: number, sgd?: boolean) => void;
  /** An empty SGD-only slice: applies the gradient a held `backward` left. */
  applySgd(q: FullSeq, lr: number, clip: number): void;
  /** Allocates a sequence's buffers (registered with `own`) for inputs `x` and targets `y`. */
  seq(x: ArrayLike<number>, y: ArrayLike<number>): FullSeq;
  /**
   * Phase 0: copies `params` into the net scratch, gradients zeroed (`q` only fills the bindings).
   */
  load(q: FullSeq): void;
  /**
   * Phase 3: copies the net scratch's parameters back to `params` (`q` only fills the bindings).
   */
  store(q: FullSeq): void;
  /** One full-BPTT update: p ← p − lr·clamp(∇, −clip, clip) (lr already divided by len). */
  train(q: FullSeq, lr: number, clip: number): void;
  /** Phases 1 and 4: forward, then the per-step CE and the last step's argmax into `q.out`. */
  evaluate(q: FullSeq): void;
} {
  const V = C1200_GPU.vocab;
  const budget = gpu().maxLoopIterations;
  const scratch = c1200WindowScratch(H, V);
  const scr = own(zeros([4 * scratch.vec4]));
  const scf = own(zeros([scratch.f32]));
  const sizes = (phase: 0 | 1 | 2 | 3 | 4, sgd: boolean) => ({ H, V, phase, sgd });
  // One step of each sliced phase must fit the loop budget.
  for (const p of [1, 2, 4] as const) {
    if (c1200FullLoops(p, 1, H, V) > budget) fail(`one step (H = ${H}) exceeds the loop budget`);
  }
  /** Records phase `p` over steps [first, first + n) (phases 1 and 4: split by the runner). */
  const phase = (
    p: 0 | 1 | 2 | 3 | 4,
    q: FullSeq,
    first: number,
    n: number,
    sgd: boolean,
    lr = 0,
    clip = 0,
  ) => {
    count(
      dispatch(C1200_FULL, {
        sizes: sizes(p, sgd),
        uniforms: {
          phase: p,
          first: 0,
          end: 0,
          sgd: sgd ? 1 : 0,
          n4: H / 4,
          nh: H,
          nv: V,
          len: q.len,
          lr,
          clip,
        },
        buffers: {
          params: params.buffer,
          xs: q.xs.buffer,
          ys: q.ys.buffer,
          hs: q.hs.buffer,
          zs: q.zs.buffer,
          scr: scr.buffer,
          scf: scf.buffer,
          out: q.out.buffer,
        },
        workgroups: 1,
        steps: n,
        firstStep: first,
      }),
    );
  };
  /**
   * Phase 2 (BPTT) over a whole sequence: slices from the last step down, SGD after the first
   * step (`sgd` false holds it: the raw gradient stays in the scratch for {@link applySgd}).
   */
  const backward = (q: FullSeq, lr: number, clip: number, sgd = true) => {
    const step = maxStepsPerLaunch(C1200_FULL, sizes(2, true), q.len);
    for (let end = q.len; end > 0; end -= step) {
      const first = Math.max(0, end - step);
      phase(2, q, first, end - first, sgd && first === 0, lr, clip);
    }
  };
  return {
    scratch: { scr, scf },
    forward(q: FullSeq) {
      phase(1, q, 0, q.len, false);
    },
    backward,
    applySgd(q: FullSeq, lr: number, clip: number) {
      phase(2, q, 0, 0, true, lr, clip);
    },
    seq(x: ArrayLike<number>, y: ArrayLike<number>): FullSeq {
      const len = x.length;
      return {
        len,
        xs: own(tensor(Int32Array.from(x), [len], { dtype: "i32" })),
        ys: own(tensor(Int32Array.from(y), [len], { dtype: "i32" })),
        hs: own(zeros([(len + 1) * H])),
        zs: own(zeros([len * V])),
        out: own(zeros([len + 1])),
      };
    },
    load(q: FullSeq) {
      phase(0, q, 0, 0, false);
    },
    store(q: FullSeq) {
      phase(3, q, 0, 0, false);
    },
    train(q: FullSeq, lr: number, clip: number) {
      phase(1, q, 0, q.len, false);
      backward(q, lr, clip);
    },
    evaluate(q: FullSeq) {
      phase(1, q, 0, q.len, false);
      phase(4, q, 0, q.len, false);
    },
  };
}
