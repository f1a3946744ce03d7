/**
 * Chunker GPU gradients: the fused forward and BPTT kernels
 * (impl/kernels/fastweights_chunker_*.ts) against the f64 oracle's analytic
 * gradients on the same f32 parameters, each element within a bound derived
 * by replaying the kernels' evaluation order through the ledger's running
 * error analysis (`track`, `trackBuiltins`): sequential sums in the order
 * written, WGSL tanh/exp, the max-shifted softmax with one division.
 *
 * The replay bounds the shifted softmax conservatively: the computed row max
 * m̂ is some computed logit, within max_o e(z_o) of the exact max, and that
 * error is charged to every z_o − m̂ as if independent (softmax is invariant
 * to the shift, so the exact reference is unchanged).
 *
 * @module
 */
import { initGpu, liveBufferCount, readTensors } from "../../impl/mod.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import { chunkerBptt, type ChunkerNetDims } from "../../impl/fastweights/chunker.ts";
import { track, trackBuiltins, type Tracked } from "../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import { roundToF32 } from "../oracle/ndarray.ts";
import {
  c1200Sequence,
  C22,
  c22Scale,
  c22Stream,
  rnnBackward,
  type RnnDims,
  rnnDims,
  rnnForward,
  rnnInit,
} from "../oracle/fastweights/chunker.ts";
import { C1200_GPU_GRADIENTS, C22_GPU_GRADIENTS } from "./chunker_claims.ts";
import { WorstRatio } from "./gpu_compare.ts";

/** One sequence of a GPU case: f32-exact parameters, start state, inputs, loss weights. */
interface Seq {
  params: Float64Array;
  h0: Float64Array;
  inputs: number[];
  targets: number[];
  ceWeight: number[];
  /** Label target per step, −1 for none. */
  labelTarget: number[];
}

/** Tracked states, logits and gradients of one sequence, in the kernels' order. */
interface TrackedRun {
  hs: Tracked[];
  logits: Tracked[];
  grads: Tracked[];
}

const ZERO: Tracked = { v: 0, e: 0 };

/**
 * Largest row sum of |W_hh| allowed in the GPU cases. A worst-case running error bound grows
 * by about max_j Σ_k |W_hh[j, k]| per step (forward through h, backward through dh), so over
 * 21 or 1199 steps it is finite and useful only for a contractive recurrence; the cases scale
 * W_hh (and nothing else) down to this row sum.
 */
const ROW_SUM = 0.5;

/** `p` with its W_hh block scaled so that max_j Σ_k |W_hh[j, k]| <= ROW_SUM, rounded to f32. */
function contractive(d: RnnDims, p: Float64Array): Float64Array {
  const H = d.hidden;
  let r = 0;
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let k = 0; k < H; k++) s += Math.abs(p[d.whh + j * H + k]!);
    r = Math.max(r, s);
  }
  const f = Math.min(1, ROW_SUM / r);
  const q = p.slice();
  for (let i = 0; i < H * H; i++) q[d.whh + i]! *= f;
  return roundToF32(q);
}

/** Replays the forward and backward kernels of one sequence with running error bounds. */
function replay(d: RnnDims, q: Seq): TrackedRun {
  const { hidden: H, vocab: V, out: O } = d;
  const P = (i: number) => track.input(q.params[i]!);
  const T = q.inputs.length;
  const hs: Tracked[][] = [Array.from(q.h0, (x) => track.input(x))];
  const logits: Tracked[][] = [];
  const labels: Tracked[] = [];
  const one = track.literal(1);
  for (let t = 0; t < T; t++) {
    const x = q.inputs[t]!;
    const prev = hs[t]!;
    const cur: Tracked[] = [];
    for (let j = 0; j < H; j++) {
      let a = track.add(P(d.wxh + j * V + x), P(d.bh + j));
      for (let k = 0; k < H; k++) a = track.add(a, track.mul(P(d.whh + j * H + k), prev[k]!));
      cur.push(trackBuiltins.tanh(a));
    }
    hs.push(cur);
    const z: Tracked[] = [];
    for (let o = 0; o < O; o++) {
      let s = P(d.by + o);
      for (let k = 0; k < H; k++) s = track.add(s, track.mul(P(d.why + o * H + k), cur[k]!));
      z.push(s);
    }
    logits.push(z);
    if (d.label) {
      let s = P(d.bl);
      for (let k = 0; k < H; k++) s = track.add(s, track.mul(P(d.whl + k), cur[k]!));
      labels.push(track.div(one, track.add(one, trackBuiltins.exp(trackBuiltins.neg(s)))));
    }
  }
  const grads: Tracked[] = Array.from({ length: d.size }, () => ZERO);
  let carry: Tracked[] = Array.from({ length: H }, () => ZERO);
  for (let t = T - 1; t >= 0; t--) {
    const x = q.inputs[t]!;
    const h = hs[t + 1]!;
    const hp = hs[t]!;
    const dh = carry.slice();
    const z = logits[t]!;
    const m: Tracked = {
      v: Math.max(...z.map((u) => u.v)),
      e: Math.max(...z.map((u) => u.e)),
    };
    const ex = z.map((u) => trackBuiltins.exp(track.sub(u, m)));
    let sum = ZERO;
    for (const u of ex) sum = track.add(sum, u);
    const w = track.input(q.ceWeight[t]!);
    for (let o = 0; o < O; o++) {
      const hot = track.literal(o === q.targets[t] ? 1 : 0);
      const dz = track.mul(w, track.sub(track.div(ex[o]!, sum), hot));
      grads[d.by + o] = track.add(grads[d.by + o]!, dz);
      for (let k = 0; k < H; k++) {
        const i = d.why + o * H + k;
        grads[i] = track.add(grads[i]!, track.mul(dz, h[k]!));
        dh[k] = track.add(dh[k]!, track.mul(dz, P(i)));
      }
    }
    const lt = q.labelTarget[t]!;
    if (d.label && lt >= 0) {
      const dl = track.sub(labels[t]!, track.input(lt));
      grads[d.bl] = track.add(grads[d.bl]!, dl);
      for (let k = 0; k < H; k++) {
        grads[d.whl + k] = track.add(grads[d.whl + k]!, track.mul(dl, h[k]!));
        dh[k] = track.add(dh[k]!, track.mul(dl, P(d.whl + k)));
      }
    }
    const da = h.map((hj, j) => track.mul(dh[j]!, track.sub(one, track.mul(hj, hj))));
    for (let j = 0; j < H; j++) {
      grads[d.bh + j] = track.add(grads[d.bh + j]!, da[j]!);
      const i = d.wxh + j * V + x;
      grads[i] = track.add(grads[i]!, da[j]!);
    }
    carry = Array.from({ length: H }, () => ZERO);
    for (let j = 0; j < H; j++) {
      for (let k = 0; k < H; k++) {
        const i = d.whh + j * H + k;
        grads[i] = track.add(grads[i]!, track.mul(da[j]!, hp[k]!));
        carry[k] = track.add(carry[k]!, track.mul(da[j]!, P(i)));
      }
    }
  }
  return { hs: hs.flat(), logits: logits.flat(), grads };
}

/** Runs one batch of sequences of the same net shape on the GPU and compares with the oracle. */
async function compare(name: string, d: RnnDims, seqs: Seq[], worst: WorstRatio): Promise<void> {
  const T = seqs[0]!.inputs.length;
  const dims: ChunkerNetDims = {
    vocab: d.vocab,
    hidden: d.hidden,
    out: d.out,
    label: d.label,
    steps: T,
  };
  const cat = (f: (q: Seq) => ArrayLike<number>) => seqs.flatMap((q) => Array.from(f(q)));
  const r = chunkerBptt(dims, {
    params: Float32Array.from(cat((q) => q.params)),
    h0: Float32Array.from(cat((q) => q.h0)),
    inputs: Int32Array.from(cat((q) => q.inputs)),
    targets: Int32Array.from(cat((q) => q.targets)),
    ceWeight: Float32Array.from(cat((q) => q.ceWeight)),
    labelTarget: Float32Array.from(cat((q) => q.labelTarget)),
  });
  const [hs, logits, grads] = await readTensors([r.hs, r.logits, r.grads]);
  for (const t of Object.values(r)) t.dispose();
  seqs.forEach((q, s) => {
    const f = rnnForward(d, q.params, q.h0, q.inputs);
    const spec = {
      targets: q.targets,
      ceWeight: q.ceWeight,
      labelTarget: q.labelTarget.map((x) => (x < 0 ? NaN : x)),
    };
    const g = rnnBackward(d, q.params, q.inputs, f, spec);
    const tr = replay(d, q);
    const H = d.hidden;
    const P = d.size;
    worst.check(
      `${name} seq ${s} states`,
      hs!.slice(s * (T + 1) * H, (s + 1) * (T + 1) * H),
      f.h,
      tr.hs,
    );
    worst.check(
      `${name} seq ${s} logits`,
      logits!.slice(s * T * d.out, (s + 1) * T * d.out),
      f.logits,
      tr.logits,
    );
    worst.check(`${name} seq ${s} gradients`, grads!.slice(s * P, (s + 1) * P), g, tr.grads);
  });
}

function result(worst: WorstRatio, before: number): Measurement {
  const leaked = liveBufferCount() - before;
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1 && worst.failures.length === 0 && leaked === 0,
    detail: worst.summary(),
  };
}

claimTest(C22_GPU_GRADIENTS, async () => {
  await initGpu();
  const before = liveBufferCount();
  const worst = new WorstRatio();
  const rng = new Rng(2222);
  const stream = c22Stream(4, () => rng.uniform());
  for (const label of [0, 1]) {
    const d = rnnDims(C22.vocab, C22.hidden, C22.vocab, label);
    const seqs: Seq[] = [0, 1].map((b) => {
      const inputs = Array.from(stream.subarray(b * 21, b * 21 + 21));
      const labelTarget = new Array(21).fill(-1);
      if (label) labelTarget[20] = inputs[0] === C22.a ? 1 : 0;
      return {
        params: contractive(d, rnnInit(d, rng, (f) => 2 * c22Scale(f))),
        h0: roundToF32(Float64Array.from({ length: C22.hidden }, () => Math.tanh(rng.normal()))),
        inputs,
        targets: Array.from(stream.subarray(b * 21 + 1, b * 21 + 22)),
        ceWeight: Array.from({ length: 21 }, (_, t) => (t < 20 ? 1 : 0)),
        labelTarget,
      };
    });
    await compare(label ? "single net" : "A", d, seqs, worst);
  }
  const dc = rnnDims(C22.vocab, C22.hidden, C22.vocab, 1);
  const cSeqs: Seq[] = [C22.a, C22.x].map((s) => ({
    params: contractive(dc, rnnInit(dc, rng, (f) => 2 * c22Scale(f))),
    h0: new Float64Array(C22.hidden),
    inputs: [s],
    targets: [0],
    ceWeight: [0],
    labelTarget: [s === C22.a ? 1 : 0],
  }));
  await compare("C", dc, cSeqs, worst);
  return result(worst, before);
});

claimTest(C1200_GPU_GRADIENTS, async () => {
  await initGpu();
  const before = liveBufferCount();
  const worst = new WorstRatio();
  const rng = new Rng(1200);
  const T = 1200;
  const seqs = [0, 1].map((trig) => c1200Sequence(T, trig));
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  // The full-BPTT baseline over 1199 supervised steps (W_hh contractive, see ROW_SUM).
  await compare(
    "baseline (1199 steps)",
    da,
    seqs.map((seq) => ({
      params: contractive(da, rnnInit(da, rng, () => 0.3)),
      h0: new Float64Array(16),
      inputs: Array.from(seq.subarray(0, T - 1)),
      targets: Array.from(seq.subarray(1)),
      ceWeight: new Array(T - 1).fill(1),
      labelTarget: new Array(T - 1).fill(-1),
    })),
    worst,
  );
  await compare(
    "A (window of 6, carried state)",
    da,
    seqs.map((seq, s) => ({
      params: contractive(da, rnnInit(da, rng, () => 0.3)),
      h0: roundToF32(Float64Array.from({ length: 16 }, () => Math.tanh(rng.normal()))),
      inputs: Array.from(seq.subarray(6 + s, 12 + s)),
      targets: Array.from(seq.subarray(7 + s, 13 + s)),
      ceWeight: new Array(6).fill(1),
      labelTarget: new Array(6).fill(-1),
    })),
    worst,
  );
  await compare(
    "C (compressed pair)",
    dc,
    seqs.map((seq) => ({
      params: contractive(dc, rnnInit(dc, rng, () => 0.5)),
      h0: new Float64Array(8),
      inputs: [seq[0]!, seq[T - 2]!],
      targets: [seq[1]!, seq[T - 1]!],
      ceWeight: [1, 1],
      labelTarget: [-1, -1],
    })),
    worst,
  );
  return result(worst, before);
});
