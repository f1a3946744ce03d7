/**
 * Chunker GPU gradients: the fused forward and BPTT kernels
 * (impl/fastweights/chunker/kernels/*.ts through `chunkerBptt`) against the
 * f64 oracle on the same f32 parameters, at the nets' real initial scales
 * (chunker-22: `c22Scale`; chunker-1200: the oracle's 0.1 for A and the
 * baseline, 0.2 for C) and with W_hh scaled up to ‖W_hh‖₂ ≈ 1.5, as a trained
 * net may have.
 *
 * The bounds are those of _bounds.ts, which stay finite for a
 * non-contractive W_hh: step-local (every state from the GPU's own previous
 * state, every logit and label from the GPU's own state, each within a running
 * f32 bound replaying the kernels' evaluation order; the gradients against the
 * oracle's BPTT on the GPU's own trajectory, the carried gradient's error
 * recursed norm-wise through a rigorous upper bound on ‖W_hh‖₂) and global
 * (the GPU against the oracle's run from h₀, the state error recursed
 * norm-wise through ‖W_hh‖₂). The figure is the worst error-to-bound ratio of
 * both; the detail reports the loosest global bound relative to
 * max(1, |oracle|) and each case's ‖W_hh‖₂ bound.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import type { Tracked } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { roundToF32 } from "../../oracle/ndarray.ts";
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
} from "../../oracle/fastweights/chunker.ts";
import { checkBatch, type GpuCase, noLabels, spectralBound } from "./_bounds.ts";
import { C1200_GPU_GRADIENTS, C22_GPU_GRADIENTS } from "./claims.ts";
import {
  type Compared,
  Comparison,
  differential,
  jointly,
  type NamedCase,
} from "../../_harness/differential.ts";
import { referenceBounds } from "../unknown_delay/_bounds.ts";
import { ratiosText, worstRatios } from "./_training_bounds.ts";

/** ‖W_hh‖₂ of the "trained-looking" cases: non-contractive, where a worst-case bound explodes. */
const LARGE_WHH_NORM = 1.5;

/** `p` with W_hh scaled so that its ‖·‖₂ bound is `norm`, rounded to f32. */
function withWhhNorm(d: RnnDims, p: Float64Array, norm: number): Float64Array {
  const q = p.slice();
  const f = norm / spectralBound(p, d.whh, d.hidden, d.hidden);
  for (let i = 0; i < d.hidden * d.hidden; i++) q[d.whh + i]! *= f;
  return roundToF32(q);
}

/**
 * One batch of the claim: one net shape and length, its sequences run in one dispatch, compared
 * step-locally and, when `global`, against the oracle's run from h₀ within the global bounds.
 */
interface Batch {
  d: RnnDims;
  seqs: GpuCase[];
  global: boolean;
}

/** What the claim reports per batch: its largest ‖W_hh‖₂ bound, loosest global bound. */
class BatchNotes {
  lines: string[] = [];
  /** Largest global bound / max(1, |oracle|) over every batch, and where. */
  loosest = 0;
  loosestWhere = "";
  /** Worst ratio per batch and output (sequences merged). */
  worst = new Map<string, number>();
  text(): string {
    return `loosest global bound/max(1, |oracle|) = ${this.loosest.toExponential(2)} at ` +
      `${this.loosestWhere}; per batch (‖W_hh‖₂ <=, loosest global bound/max(1, |oracle|)): ` +
      `${this.lines.join("; ")}; worst ratio per batch and output: ${ratiosText(this.worst)}`;
  }
}

/**
 * One batch compared both ways: every sequence step-locally (checkLocal) and against the
 * oracle's run from h₀ within the global bounds.
 */
async function compareBatch(name: string, b: Batch, notes: BatchNotes): Promise<Compared> {
  const { d, seqs } = b;
  const cmp = new Comparison();
  const names = seqs.map((_, s) => `seq ${s}`);
  const checked = await checkBatch(cmp, names, d, seqs);
  let loose = 0;
  const global = (what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, bd: Tracked[]) => {
    bd.forEach((u, i) => {
      const r = u.e / Math.max(1, Math.abs(ref[i]!));
      loose = Math.max(loose, r);
      if (!(r <= notes.loosest)) [notes.loosest, notes.loosestWhere] = [r, `${name} ${what}[${i}]`];
    });
    cmp.add(`${what} (global)`, gpu, ref, referenceBounds(bd));
  };
  checked.forEach((c, s) => {
    if (!b.global) return;
    const q = seqs[s]!;
    const f = rnnForward(d, q.params, q.h0, q.inputs);
    const spec = {
      targets: q.targets,
      ceWeight: q.ceWeight,
      labelTarget: q.labelTarget.map((x) => (x < 0 ? NaN : x)),
    };
    const n = names[s]!;
    global(`${n} states`, c.run.hs, f.h, c.global.hs.flat());
    global(`${n} logits`, c.run.logits, f.logits, c.global.logits.flat());
    if (d.label) global(`${n} labels`, c.run.labels, f.label, c.global.labels);
    const g = rnnBackward(d, q.params, q.inputs, f, spec);
    global(`${n} gradients`, c.run.grads, g, c.global.grads);
  });
  const norm = Math.max(...checked.map((c) => c.whhNorm));
  notes.lines.push(
    `${name}: ${norm.toFixed(3)}, ${b.global ? loose.toExponential(2) : "step-local only"}`,
  );
  worstRatios(cmp, notes.worst, /^seq \d+ /, `${name} `);
  return cmp;
}

/** The claim over named batches: each its own case, the notes appended to the detail. */
async function differentialBatches(
  t: Deno.TestContext,
  batches: readonly NamedCase<Batch>[],
): Promise<Measurement> {
  const notes = new BatchNotes();
  const m = await differential(t, {
    cases: batches,
    ...jointly((b: Batch) => compareBatch(batches.find((c) => c.input === b)!.name, b, notes)),
  });
  return { ...m, detail: `${m.detail}; ${notes.text()}` };
}

const tanhNormal = (rng: Rng, n: number) =>
  roundToF32(Float64Array.from({ length: n }, () => Math.tanh(rng.normal())));

claimTest(C22_GPU_GRADIENTS, async (t) => {
  await initGpu();
  const rng = new Rng(2222);
  const stream = c22Stream(4, () => rng.uniform());
  const init = (d: RnnDims) => roundToF32(rnnInit(d, rng, c22Scale));
  // Every draw up front, in the order of one stream.
  const batches: NamedCase<Batch>[] = [];
  for (const large of [false, true]) {
    for (const label of [0, 1]) {
      const d = rnnDims(C22.vocab, C22.hidden, C22.vocab, label);
      const seqs: GpuCase[] = [0, 1].map((b) => {
        const inputs = Array.from(stream.subarray(b * 21, b * 21 + 21));
        const labelTarget = noLabels(21);
        if (label) labelTarget[20] = inputs[0] === C22.a ? 1 : 0;
        const p = init(d);
        return {
          params: large ? withWhhNorm(d, p, LARGE_WHH_NORM) : p,
          h0: tanhNormal(rng, C22.hidden),
          inputs,
          targets: Array.from(stream.subarray(b * 21 + 1, b * 21 + 22)),
          ceWeight: Array.from({ length: 21 }, (_, t) => (t < 20 ? 1 : 0)),
          labelTarget,
        };
      });
      const name = (label ? "single net" : "A") + (large ? ` (‖W_hh‖₂ ${LARGE_WHH_NORM})` : "");
      // Over 21 steps at ‖W_hh‖₂ = 1.5 the global bound reaches ~2e3·max(1, |oracle|) and cannot
      // fail: those batches are compared step-locally only.
      batches.push({ name, input: { d, seqs, global: !large } });
    }
  }
  const dc = rnnDims(C22.vocab, C22.hidden, C22.vocab, 1);
  const cSeqs: GpuCase[] = [C22.a, C22.x].map((s) => ({
    params: init(dc),
    h0: new Float64Array(C22.hidden),
    inputs: [s],
    targets: [0],
    ceWeight: [0],
    labelTarget: [s === C22.a ? 1 : 0],
  }));
  batches.push({ name: "C", input: { d: dc, seqs: cSeqs, global: true } });
  return differentialBatches(t, batches);
});

claimTest(C1200_GPU_GRADIENTS, async (t) => {
  await initGpu();
  const rng = new Rng(1200);
  const T = 1200;
  const seqs = [0, 1].map((trig) => c1200Sequence(T, trig));
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  const init = (d: RnnDims, scale: number) => roundToF32(rnnInit(d, rng, () => scale));
  // Every draw up front, in the order of one stream.
  const batches: NamedCase<Batch>[] = [];
  // The full-BPTT baseline over 1199 supervised steps at the oracle's init (0.1).
  batches.push({
    name: "baseline (1199 steps)",
    input: {
      d: da,
      seqs: seqs.map((seq) => ({
        params: init(da, 0.1),
        h0: new Float64Array(16),
        inputs: Array.from(seq.subarray(0, T - 1)),
        targets: Array.from(seq.subarray(1)),
        ceWeight: new Array(T - 1).fill(1),
        labelTarget: noLabels(T - 1),
      })),
      global: true,
    },
  });
  // A on a window of 6 from a carried state: the oracle's init (0.1), then ‖W_hh‖₂ = 1.5.
  for (const large of [false, true]) {
    batches.push({
      name: `A (window of 6, carried state${large ? `, ‖W_hh‖₂ ${LARGE_WHH_NORM}` : ""})`,
      input: {
        d: da,
        seqs: seqs.map((seq, s) => {
          const p = init(da, 0.1);
          return {
            params: large ? withWhhNorm(da, p, LARGE_WHH_NORM) : p,
            h0: tanhNormal(rng, 16),
            inputs: Array.from(seq.subarray(6 + s, 12 + s)),
            targets: Array.from(seq.subarray(7 + s, 13 + s)),
            ceWeight: new Array(6).fill(1),
            labelTarget: noLabels(6),
          };
        }),
        // Six steps at ‖W_hh‖₂ = 1.5 keep the global bound at ~3e-3·max(1, |oracle|).
        global: true,
      },
    });
  }
  batches.push({
    name: "C (compressed pair)",
    input: {
      d: dc,
      seqs: seqs.map((seq) => ({
        params: init(dc, 0.2),
        h0: new Float64Array(8),
        inputs: [seq[0]!, seq[T - 2]!],
        targets: [seq[1]!, seq[T - 1]!],
        ceWeight: [1, 1],
        labelTarget: [-1, -1],
      })),
      global: true,
    },
  });
  return differentialBatches(t, batches);
});
