/**
 * Chunker training claims.
 *
 * Chunker-22 trains on the GPU (impl/fastweights/chunker_train.ts): all ten
 * seeds at once, three dispatches per training block (the fused block kernel
 * with A's forward, the surprise test, the read-out and C's update; A's BPTT;
 * A's clipped Adam step) and one per eval block, one host readback at the end.
 * Each seed starts from the oracle's initial parameters rounded to f32. The
 * f64 oracle (spec/oracle/fastweights/chunker.ts) is the reference: the
 * parity claim replays every chunker-mode seed (and seed 0 of the single net,
 * reported only) there and compares every surprise decision and read-out.
 *
 * Chunker-1200 still runs in the f64 oracle on the CPU: its claims are one
 * seed, so there is no batch to spread over the GPU, and its automatizer
 * takes 128,000 strictly sequential SGD steps (80 epochs × 8 sequences × 200
 * windows of 6), then 3,200 masks of 1199-step forwards feed the chunker's
 * 3,200 steps; one invocation doing that on llvmpipe needs at least ~16,000
 * dependent dispatches and is slower than the ~9 s CPU run of the whole
 * protocol. The GPU kernels carry its gradients and are checked against the
 * same oracle in chunker_gpu_test.ts.
 *
 * Seeds: memspec's `Rng` (impl/gpu/rng.ts). Seed s of chunker-22 draws its
 * training stream from Rng(3s + 1), the initial parameters from Rng(3s + 2)
 * (A first, then C), and every seed evaluates on the stream of Rng(12345);
 * chunker-1200 consumes one Rng(seed) through all stages, as the original.
 *
 * @module
 */
import { initGpu } from "../../impl/mod.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import { type Chunker22Seed, chunker22Train } from "../../impl/fastweights/chunker_train.ts";
import { claimTest } from "../_harness/claim.ts";
import {
  adamClipStep,
  adamState,
  C1200_DEFAULTS,
  type C1200Result,
  c1200Run,
  C22,
  C22_CLIP,
  C22_README,
  c22ChunkerLabel,
  c22Dims,
  c22Run,
  c22Scale,
  c22Stream,
  rnnBackward,
  rnnForward,
  rnnInit,
  softmaxRow,
} from "../oracle/fastweights/chunker.ts";
import {
  C1200_BASELINE,
  C1200_CHUNKER_ACCURACY,
  C1200_SURPRISES,
  C22_GPU_TRAINING_PARITY,
  C22_LABEL_ACCURACY,
  C22_SINGLE_CONSTANT,
  C22_SURPRISES,
} from "./chunker_claims.ts";

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
    figure: `${lo}..${hi}`,
    bound: "[200, 205]",
    pass: lo >= 200 && hi <= 205,
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
  return {
    figure: `accuracies {${[...new Set(hitsPerSeed)].sort().map((h) => `${h}/${n}`).join(", ")}}`,
    bound: `{${countA}/${n}, ${n - countA}/${n}}`,
    pass,
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

claimTest(C22_GPU_TRAINING_PARITY, async () => {
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
  const single = compareDecisions(
    (await gpuSeeds("single"))[0]!,
    oracleTrace("single", f32(ins.a), f32(ins.c), 0),
  );
  return {
    figure: `${diffs} differing decisions`,
    bound: 0,
    pass: diffs === 0 && faithful,
    detail: `replay of the oracle protocol identical to c22Run (seed 0, f64 init): ` +
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
