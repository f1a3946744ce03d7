/**
 * The f64 reference of the chunker-1200 GPU parity claim: c1200Run's protocol
 * replayed with the oracle's primitives (spec/oracle/fastweights/chunker.ts),
 * recording the surprise masks and read-outs that c1200Run only counts. Run
 * in a worker by chunker_training_test.ts (chunker1200_replay_worker.ts) so
 * that it overlaps the GPU run.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  C1200,
  C1200_DEFAULTS,
  c1200Compress,
  type C1200Config,
  c1200Mask,
  type C1200Result,
  c1200Run,
  c1200Sequence,
  perStepCe,
  rnnBackward,
  rnnDims,
  rnnForward,
  rnnInit,
  rnnLoss,
  sgdClipStep,
} from "../../oracle/fastweights/chunker.ts";

/** Everything the chunker-1200 oracle replay records (c1200Run only returns aggregates). */
export interface C1200Trace {
  result: C1200Result;
  /** C's training masks per trigger value and the eval masks, each [T − 1]. */
  triggerMasks: Uint8Array[];
  evalMasks: Uint8Array[];
  /** |CE_t − θ| closest to the threshold over every mask decision. */
  margin: number;
  chunkerPredictions: number[];
  baselinePredictions: number[];
  /** The trained nets (flat f64). */
  a: Float64Array;
  c: Float64Array;
  base: Float64Array;
}

const argmaxLast = (logits: Float64Array, n: number, V: number) => {
  let best = 0;
  for (let k = 1; k < V; k++) {
    if (logits[(n - 1) * V + k]! > logits[(n - 1) * V + best]!) best = k;
  }
  return best;
};

/**
 * The chunker-1200 protocol replayed with the oracle's f64 primitives and
 * c1200Run's draw order, recording the masks and read-outs. A sequence is a
 * function of its trigger and every net is frozen while it is masked or read
 * out, so the masks, C's compressed inputs and the baseline's eval forward are
 * computed once per trigger value and reused: the same f64 operations in the
 * same order as c1200Run, without its 3,250 repeated 1199-step forwards (the
 * replay is checked against c1200Run field for field at a small config).
 */
export function c1200Replay(cfg: C1200Config, draws: Rng): C1200Trace {
  const { T, clip } = cfg;
  const V = C1200.vocab;
  const trig = () => (draws.uniform() < 0.5 ? 0 : 1);
  const seqOf = [c1200Sequence(T, 0), c1200Sequence(T, 1)];
  const ones = (n: number) => new Float64Array(n).fill(1);
  const da = rnnDims(V, cfg.autoHidden, V, 0);
  const a = rnnInit(da, draws, () => 0.1);
  for (let e = 0; e < cfg.autoEpochs * cfg.autoSeqs; e++) {
    const seq = seqOf[trig()]!;
    let h = new Float64Array(da.hidden);
    for (let o = 0; o < T - 1; o += cfg.autoWindow) {
      const end = Math.min(T - 1, o + cfg.autoWindow);
      const x = seq.subarray(o, end);
      const spec = { targets: seq.subarray(o + 1, end + 1), ceWeight: ones(end - o) };
      const f = rnnForward(da, a, h, x);
      sgdClipStep(a, rnnBackward(da, a, x, f, spec), cfg.autoLr / (end - o), clip);
      h = f.h.slice((end - o) * da.hidden);
    }
  }
  const aCe = seqOf.map((seq) =>
    perStepCe(
      da,
      rnnForward(da, a, new Float64Array(da.hidden), seq.subarray(0, T - 1)),
      seq.subarray(1),
    )
  );
  const edge: number[] = [];
  const fill: number[] = [];
  for (let s = 0; s < cfg.probeSeqs; s++) {
    aCe[trig()]!.forEach((v, t) => (t === 0 || t === T - 2 ? edge : fill).push(v));
  }
  const median = (xs: number[]) => {
    const q = [...xs].sort((u, v) => u - v);
    const n = q.length;
    return n % 2 ? q[(n - 1) / 2]! : (q[n / 2 - 1]! + q[n / 2]!) / 2;
  };
  const threshold = (median(edge) + median(fill)) / 2;
  const triggerMasks = seqOf.map((seq) => c1200Mask(da, a, seq, threshold));
  let margin = Infinity;
  for (const ce of aCe) for (const v of ce) margin = Math.min(margin, Math.abs(v - threshold));
  const comp = seqOf.map((seq, k) => c1200Compress(seq, triggerMasks[k]!));
  const dc = rnnDims(V, cfg.chunkHidden, V, 0);
  const c = rnnInit(dc, draws, () => 0.2);
  let chunkerFinalLoss = 0;
  for (let e = 0; e < cfg.chunkEpochs; e++) {
    let lossSum = 0;
    for (let s = 0; s < cfg.chunkSeqs; s++) {
      const { x, y } = comp[trig()]!;
      const spec = { targets: y, ceWeight: ones(x.length) };
      const f = rnnForward(dc, c, new Float64Array(dc.hidden), x);
      lossSum += rnnLoss(dc, f, spec);
      sgdClipStep(c, rnnBackward(dc, c, x, f, spec), cfg.chunkLr / x.length, clip);
    }
    chunkerFinalLoss = lossSum / cfg.chunkSeqs;
  }
  const db = rnnDims(V, cfg.baseHidden, V, 0);
  const base = rnnInit(db, draws, () => 0.1);
  const baseInit = base.slice();
  for (let e = 0; e < cfg.baseEpochs * cfg.baseSeqs; e++) {
    const seq = seqOf[trig()]!;
    const x = seq.subarray(0, T - 1);
    const spec = { targets: seq.subarray(1), ceWeight: ones(T - 1) };
    const f = rnnForward(db, base, new Float64Array(db.hidden), x);
    sgdClipStep(base, rnnBackward(db, base, x, f, spec), cfg.baseLr / (T - 1), clip);
  }
  const evalTrig = Array.from({ length: cfg.evalSeqs }, trig);
  const baseOut = (p: Float64Array) =>
    seqOf.map((seq) => {
      const f = rnnForward(db, p, new Float64Array(db.hidden), seq.subarray(0, T - 1));
      return {
        ceSum: perStepCe(db, f, seq.subarray(1)).reduce((u, v) => u + v, 0),
        pred: argmaxLast(f.logits, T - 1, V),
      };
    });
  const b0 = baseOut(baseInit);
  const b1 = baseOut(base);
  const cPred = comp.map(({ x }) =>
    argmaxLast(rnnForward(dc, c, new Float64Array(dc.hidden), x).logits, x.length, V)
  );
  let surprises = 0;
  let fallbacks = 0;
  let ce0 = 0;
  let ce1 = 0;
  for (const t of evalTrig) {
    const n = triggerMasks[t]!.reduce((u, v) => u + v, 0);
    surprises += n;
    if (n < 2) fallbacks++;
    ce0 += b0[t]!.ceSum;
    ce1 += b1[t]!.ceSum;
  }
  const E = cfg.evalSeqs;
  const chunkerPredictions = evalTrig.map((t) => cPred[t]!);
  const baselinePredictions = evalTrig.map((t) => b1[t]!.pred);
  return {
    result: {
      threshold,
      chunkerAccuracy: evalTrig.filter((t, e) => chunkerPredictions[e] === t).length / E,
      baselineAccuracy: evalTrig.filter((t, e) => baselinePredictions[e] === t).length / E,
      surprisesPerSequence: surprises / E,
      fallbacks,
      baselineCeBefore: ce0 / (E * (T - 1)),
      baselineCe: ce1 / (E * (T - 1)),
      baselineTriggerRate: baselinePredictions.filter((p) => p < 2).length / E,
      chunkerFinalLoss,
    },
    triggerMasks,
    evalMasks: evalTrig.map((t) => triggerMasks[t]!),
    margin,
    chunkerPredictions,
    baselinePredictions,
    a,
    c,
    base,
  };
}

/** A small config on which the replay must reproduce c1200Run field for field. */
export const C1200_SMALL: C1200Config = {
  ...C1200_DEFAULTS,
  T: 60,
  autoEpochs: 4,
  chunkEpochs: 10,
  baseEpochs: 3,
  evalSeqs: 20,
};

/** What the worker returns: the seed-0 replay, its faithfulness check and its wall time. */
export interface C1200ReplayReport {
  oracle: C1200Trace;
  faithful: boolean;
  ms: number;
}

/** The seed-0 replay at the defaults plus the small-config check against c1200Run. */
export function c1200ReplayReport(): C1200ReplayReport {
  const t0 = performance.now();
  const small = c1200Run(C1200_SMALL, new Rng(1));
  const smallReplay = c1200Replay(C1200_SMALL, new Rng(1)).result;
  const faithful = (Object.keys(small) as (keyof C1200Result)[]).every((k) =>
    Object.is(small[k], smallReplay[k])
  );
  const oracle = c1200Replay(C1200_DEFAULTS, new Rng(0));
  return { oracle, faithful, ms: performance.now() - t0 };
}
