/**
 * Chunker parity with numpy f64 (fixtures/fastweights/chunker.json, written by
 * fixtures/gen/fastweights_chunker_fixtures.py): the fixture carries numpy's
 * draws (parameters, streams, sequences) and the oracle must reproduce every
 * derived array within FIXTURE_F64_REL, masks exactly.
 *
 * The GPU side (fixture_gpu_claims.ts) runs the same parameters and
 * sequences through the fused kernels of impl/fastweights/chunker/chunker.ts in f32.
 * The fixture's W_hh is not contractive element-wise, so the bounds are
 * step-local (the pattern of the decepticons GPU tests):
 * every state h_t against the f64 step from the GPU's own h_{t−1}, every logit
 * row and label against the f64 read-out of the GPU's own h_t, each within a
 * running f32 bound that replays the kernels' evaluation order (sequential
 * sums in the order written, WGSL tanh/exp, the max-shifted softmax with one
 * division), every parameter charged its rounding from
 * numpy's f64 to f32. Across steps the errors are bounded norm-wise: the
 * gradients against the oracle's BPTT on the GPU's own forward trajectory
 * with the carried gradient's error recursed through ‖W_hh‖₂
 * (`backwardBounds`), and numpy's arrays against the GPU through the state
 * error recursed the same way from h₀ (`globalBounds`); the figure is the
 * worst error-to-bound ratio of both. The machinery is shared with
 * gpu_test.ts in _bounds.ts.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { FIXTURE_F64_REL, type Tracked } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import {
  adamClipStep,
  adamState,
  C22,
  C22_CLIP,
  c22Dims,
  perStepCe,
  rnnBackward,
  rnnDims,
  rnnForward,
  type RnnLossSpec,
  sgdClipStep,
  softmaxRow,
} from "../../oracle/fastweights/chunker.ts";
import { checkBatch, type Checked, type GpuCase, hypot, noLabels } from "./_bounds.ts";
import { C1200_FIXTURE, C22_FIXTURE } from "./claims.ts";
import { C1200_FIXTURE_GPU, C22_FIXTURE_GPU } from "./fixture_gpu_claims.ts";
import {
  type EncodedArray,
  f64,
  f64List,
  ints,
  loadFastweightsFixture,
} from "../../_harness/encoded_arrays.ts";
import {
  type Compared,
  Comparison,
  differential,
  jointly,
  type NamedCase,
  relativeBounds,
} from "../../_harness/differential.ts";
import { referenceBounds } from "../unknown_delay/_bounds.ts";

type Enc = EncodedArray;

interface ChunkerFixture {
  format: string;
  chunker22: {
    a: Enc;
    single: Enc;
    c: Enc;
    stream: Enc;
    logits: Enc;
    pTarget: Enc;
    mask050: Enc;
    mask095: Enc;
    cLabel: Enc;
    gradA: Enc;
    gradSingle: Enc;
    gradC: Enc;
    adamA: Enc;
    adamC: Enc;
  };
  chunker1200: {
    a: Enc;
    c: Enc;
    base: Enc;
    seq12: Enc;
    seq1200: Enc;
    ceA: Enc;
    theta: number;
    mask: Enc;
    gradBase: Enc;
    sgdBase: Enc;
    carried: Enc;
    gradAWindow: Enc;
    gradC: Enc;
  };
}

const load = () =>
  loadFastweightsFixture<ChunkerFixture>("chunker.json", "memspec.fastweights.chunker.v1");

/** Adds `got` against numpy's `want` within FIXTURE_F64_REL·max(1, |want|). */
const near = (cmp: Comparison, name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
  cmp.add(name, got, want, relativeBounds(want, FIXTURE_F64_REL));

/** Runs named cases, each computing its GPU (or oracle) outputs, references and bounds. */
async function namedCases(
  t: Deno.TestContext,
  cases: readonly NamedCase<() => Compared | Promise<Compared>>[],
): Promise<Measurement> {
  return await differential(t, {
    cases,
    ...jointly((c: () => Compared | Promise<Compared>) => c()),
  });
}

claimTest(C22_FIXTURE, async (t) => {
  const { data, integrity } = await load();
  const fx = data.chunker22;
  const dims = c22Dims("chunker");
  const single = c22Dims("single").a;
  const a = f64(fx.a, "a");
  const c = f64(fx.c, "c");
  const stream = ints(fx.stream, "stream");
  const logits = f64(fx.logits, "logits");
  const pT = f64(fx.pTarget, "pTarget");
  const m050 = ints(fx.mask050, "mask050");
  const m095 = ints(fx.mask095, "mask095");
  /** Block `b` of A's carried run: logits, p(target) and both masks (exactly). */
  const block = (b: number): Compared => {
    let h: ArrayLike<number> = new Float64Array(32);
    let f = rnnForward(dims.a, a, h, stream.slice(0, 21));
    for (let k = 1; k <= b; k++) {
      h = f.h.subarray(21 * 32);
      f = rnnForward(dims.a, a, h, stream.slice(k * 21, k * 21 + 21));
    }
    const cmp = new Comparison();
    near(cmp, "logits", f.logits, logits.subarray(b * 21 * 22, (b + 1) * 21 * 22));
    const p = Array.from(
      { length: 21 },
      (_, t) => softmaxRow(f.logits, t, 22)[stream[b * 21 + t + 1]!]!,
    );
    near(cmp, "p(target)", p, pT.subarray(b * 21, (b + 1) * 21));
    cmp.add("mask θ=0.5", p.map((x) => (x < 0.5 ? 1 : 0)), m050.slice(b * 21, b * 21 + 21), 0);
    cmp.add("mask θ=0.95", p.map((x) => (x < 0.95 ? 1 : 0)), m095.slice(b * 21, b * 21 + 21), 0);
    return cmp;
  };
  const xs = stream.slice(0, 21);
  const ceWeight = Array.from({ length: 21 }, (_, t) => (t < 20 ? 1 : 0));
  const spec: RnnLossSpec = { targets: stream.slice(1, 22), ceWeight };
  const h0 = new Float64Array(32);
  const gradA = () => rnnBackward(dims.a, a, xs, rnnForward(dims.a, a, h0, xs), spec);
  const cspec = { targets: [0], ceWeight: [0], labelTarget: [1] };
  const gradC = () => rnnBackward(dims.c, c, [0], rnnForward(dims.c, c, h0, [0]), cspec);
  const m = await namedCases(t, [
    ...[0, 1, 2].map((b) => ({ name: `A block ${b} (carried state)`, input: () => block(b) })),
    {
      name: "C label on a and x",
      input: () => {
        const labels = [0, 1].map((s) => rnnForward(dims.c, c, h0, [s]).label[0]!);
        return near(new Comparison(), "label", labels, f64List(fx.cLabel, "cLabel"));
      },
    },
    {
      name: "A block 0 BPTT",
      input: () => near(new Comparison(), "∂A", gradA(), f64(fx.gradA, "gradA")),
    },
    {
      name: "single net block 0 BPTT (label at t = 20)",
      input: () => {
        const ps = f64(fx.single, "single");
        const lab = new Float64Array(21).fill(NaN);
        lab[20] = xs[0] === 0 ? 1 : 0;
        const sspec = { ...spec, labelTarget: lab };
        const g = rnnBackward(single, ps, xs, rnnForward(single, ps, h0, xs), sspec);
        return near(new Comparison(), "∂single", g, f64(fx.gradSingle, "gradSingle"));
      },
    },
    {
      name: "C on a BPTT",
      input: () => near(new Comparison(), "∂C", gradC(), f64(fx.gradC, "gradC")),
    },
    {
      name: "Adam step A",
      input: () => {
        const a1 = a.slice();
        adamClipStep(a1, gradA(), adamState(a.length), 1e-2, C22_CLIP);
        return near(new Comparison(), "A", a1, f64(fx.adamA, "adamA"));
      },
    },
    {
      name: "Adam step C",
      input: () => {
        const c1 = c.slice();
        adamClipStep(c1, gradC(), adamState(c.length), 1e-2, C22_CLIP);
        return near(new Comparison(), "C", c1, f64(fx.adamC, "adamC"));
      },
    },
  ]);
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(C1200_FIXTURE, async (t) => {
  const { data, integrity } = await load();
  const fx = data.chunker1200;
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  const a = f64(fx.a, "a");
  const base = f64(fx.base, "base");
  const c = f64(fx.c, "c");
  const s = ints(fx.seq1200, "seq1200");
  const s12 = ints(fx.seq12, "seq12");
  const T = s.length;
  const x = s.slice(0, T - 1);
  const spec = { targets: s.slice(1), ceWeight: new Float64Array(T - 1).fill(1) };
  const m = await namedCases(t, [
    {
      name: `A per-step CE and mask (T = ${T})`,
      input: () => {
        const f = rnnForward(da, a, new Float64Array(16), x);
        const ce = perStepCe(da, f, s.slice(1));
        const mask = Array.from(ce, (v, t) => (t === 0 || v > fx.theta ? 1 : 0));
        return near(new Comparison(), "CE", ce, f64(fx.ceA, "ceA"))
          .add("mask", mask, ints(fx.mask, "mask"), 0);
      },
    },
    {
      name: `baseline BPTT and SGD step (${T - 1} steps)`,
      input: () => {
        const gb = rnnBackward(da, base, x, rnnForward(da, base, new Float64Array(16), x), spec);
        const b1 = base.slice();
        sgdClipStep(b1, gb, 0.05 / (T - 1), 5);
        const cmp = new Comparison();
        near(cmp, "∂baseline", gb, f64(fx.gradBase, "gradBase"));
        return near(cmp, "SGD step", b1, f64(fx.sgdBase, "sgdBase"));
      },
    },
    {
      name: "A window of 6 BPTT (carried state)",
      input: () => {
        const win = s.slice(6, 12);
        const wspec = { targets: s.slice(7, 13), ceWeight: new Float64Array(6).fill(1) };
        const carried = f64(fx.carried, "carried");
        const g = rnnBackward(da, a, win, rnnForward(da, a, carried, win), wspec);
        return near(new Comparison(), "∂A window", g, f64(fx.gradAWindow, "gradAWindow"));
      },
    },
    {
      name: "C compressed pair BPTT",
      input: () => {
        const cx = [s12[0]!, s12[10]!];
        const cspec = { targets: [s12[1]!, s12[11]!], ceWeight: [1, 1] };
        const g = rnnBackward(dc, c, cx, rnnForward(dc, c, new Float64Array(8), cx), cspec);
        return near(new Comparison(), "∂C pair", g, f64(fx.gradC, "gradC"));
      },
    },
  ]);
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

// --- GPU side: the fixture through the fused f32 kernels ---

/** GPU vs numpy within the global bounds (plus the oracle–numpy slack), with what they allow. */
class Global {
  relErr = 0;
  relWhere = "";
  /** Largest bound / max(1, |numpy|): how much the global bounds allow. */
  loosest = 0;
  loosestWhere = "";
  /** Adds output `<what> vs numpy (global)` to `cmp`. */
  add(
    cmp: Comparison,
    what: string,
    gpu: ArrayLike<number>,
    numpy: ArrayLike<number>,
    b: readonly Tracked[],
  ): void {
    for (let i = 0; i < numpy.length; i++) {
      const e = Math.abs(gpu[i]! - numpy[i]!) / Math.max(1, Math.abs(numpy[i]!));
      if (!(e <= this.relErr)) [this.relErr, this.relWhere] = [e, `${what}[${i}]`];
    }
    // |GPU − numpy| ≤ |GPU − v| + |v − numpy|, the second ≤ FIXTURE_F64_REL·max(1, |numpy|).
    const bounds = b.map((u, i) => ({
      v: u.v,
      e: u.e + FIXTURE_F64_REL * Math.max(1, Math.abs(numpy[i]!)),
    }));
    bounds.forEach((u, i) => {
      const r = u.e / Math.max(1, Math.abs(numpy[i]!));
      if (!(r <= this.loosest)) [this.loosest, this.loosestWhere] = [r, `${what}[${i}]`];
    });
    cmp.add(`${what} vs numpy (global)`, gpu, numpy, referenceBounds(bounds));
  }
  summary(): string {
    return `max |GPU − numpy|/max(1, |numpy|) = ${this.relErr.toExponential(2)} at ` +
      `${this.relWhere}; loosest bound/max(1, |numpy|) = ${this.loosest.toExponential(2)} at ` +
      this.loosestWhere;
  }
}

/**
 * A threshold decision on a per-step value from the GPU's logits, against numpy's: the value's
 * global bound δ, the smallest |numpy − θ| and the decisions within δ of θ (not guaranteed).
 */
class Decisions {
  margin = Infinity;
  worstDelta = 0;
  dev = 0;
  close = 0;
  add(gpu: number, numpy: number, theta: number, delta: number) {
    this.margin = Math.min(this.margin, Math.abs(numpy - theta));
    this.worstDelta = Math.max(this.worstDelta, delta);
    this.dev = Math.max(this.dev, Math.abs(gpu - numpy));
    if (Math.abs(numpy - theta) <= delta) this.close++;
  }
  text(what: string): string {
    return `${what}: min |numpy − θ| = ${this.margin.toExponential(2)}, max bound ` +
      `${this.worstDelta.toExponential(2)}, max |GPU − numpy| = ${this.dev.toExponential(2)}, ` +
      `${this.close} within the bound of θ`;
  }
}

/**
 * Bound on |CE_GPU − CE_numpy| at step t from the logits' global bounds: log-sum-exp is
 * 1-Lipschitz in the max norm and z_y adds its own, plus the f64 slack of both evaluations.
 */
function ceBound(z: readonly Tracked[], y: number, ce: number): number {
  return Math.max(...z.map((u) => u.e)) + z[y]!.e + 2 * FIXTURE_F64_REL * Math.max(1, ce);
}

claimTest(C22_FIXTURE_GPU, async (t) => {
  await initGpu();
  const { data, integrity } = await load();
  const fx = data.chunker22;
  const global = new Global();
  const dims = c22Dims("chunker");
  const dSingle = c22Dims("single").a;
  const stream = ints(fx.stream, "stream");
  const a = f64(fx.a, "a");
  const zeros = () => new Float64Array(C22.hidden);
  const decisions = [new Decisions(), new Decisions()];
  /** A over the fixture's 3 carried blocks: one 63-step sequence from h = 0. */
  const carried = async (): Promise<Compared> => {
    const a63: GpuCase = {
      params: a,
      h0: zeros(),
      inputs: stream.slice(0, 63),
      targets: stream.slice(1, 64),
      ceWeight: new Array(63).fill(0),
      labelTarget: noLabels(63),
    };
    const cmp = new Comparison();
    const [r63] = await checkBatch(cmp, ["A"], dims.a, [a63]);
    global.add(
      cmp,
      "A logits",
      r63!.run.logits,
      f64(fx.logits, "logits"),
      r63!.global.logits.flat(),
    );
    const pT = f64(fx.pTarget, "pTarget");
    const masks = [ints(fx.mask050, "mask050"), ints(fx.mask095, "mask095")];
    const pBounds: Tracked[] = [];
    const pGpu: number[] = [];
    const gpuMasks: number[][] = [[], []];
    for (let t = 0; t < 63; t++) {
      const y = a63.targets[t]!;
      const p = softmaxRow(r63!.run.logits, t, 22)[y]!;
      // |Δp| = |e^{−CE_GPU} − e^{−CE_numpy}| ≤ e^{−(CE_numpy − δ)}·δ = p_numpy·e^δ·δ.
      const delta = ceBound(r63!.global.logits[t]!, y, -Math.log(pT[t]!));
      const dp = pT[t]! * Math.exp(delta) * delta;
      pGpu.push(p);
      pBounds.push({ v: pT[t]!, e: dp });
      [0.5, 0.95].forEach((theta, i) => {
        decisions[i]!.add(p, pT[t]!, theta, dp);
        gpuMasks[i]!.push(p < theta ? 1 : 0);
      });
    }
    global.add(cmp, "p(target)", pGpu, pT, pBounds);
    cmp.add("mask θ=0.5 (GPU decisions)", gpuMasks[0]!, masks[0]!, 0);
    cmp.add("mask θ=0.95 (GPU decisions)", gpuMasks[1]!, masks[1]!, 0);
    return cmp;
  };
  // Block 0's BPTT of A (CE at t = 0..19) and of the single net (plus the label at t = 20).
  const xs = stream.slice(0, 21);
  const block: GpuCase = {
    params: a,
    h0: zeros(),
    inputs: xs,
    targets: stream.slice(1, 22),
    ceWeight: Array.from({ length: 21 }, (_, t) => (t < 20 ? 1 : 0)),
    labelTarget: noLabels(21),
  };
  const blockA = async (): Promise<Compared> => {
    const cmp = new Comparison();
    const [ra] = await checkBatch(cmp, ["A"], dims.a, [block]);
    global.add(cmp, "∂A", ra!.run.grads, f64(fx.gradA, "gradA"), ra!.global.grads);
    return cmp;
  };
  const blockSingle = async (): Promise<Compared> => {
    const lab = noLabels(21);
    lab[20] = xs[0] === 0 ? 1 : 0;
    const single: GpuCase = { ...block, params: f64(fx.single, "single"), labelTarget: lab };
    const cmp = new Comparison();
    const [rs] = await checkBatch(cmp, ["single net"], dSingle, [single]);
    global.add(cmp, "∂single", rs!.run.grads, f64(fx.gradSingle, "gradSingle"), rs!.global.grads);
    return cmp;
  };
  // C on a one-step surprise 'a' (label target 1) and on 'x' (label only), in one dispatch.
  let cRun: Promise<{ cmps: Comparison[]; checked: Checked[] }> | undefined;
  const runC = () =>
    cRun ??= (async () => {
      const cCases: GpuCase[] = [0, 1].map((sym) => ({
        params: f64(fx.c, "c"),
        h0: zeros(),
        inputs: [sym],
        targets: [0],
        ceWeight: [0],
        labelTarget: [sym === 0 ? 1 : -1],
      }));
      const cmps = [new Comparison(), new Comparison()];
      return { cmps, checked: await checkBatch(cmps, ["C", "C"], dims.c, cCases) };
    })();
  const cOn = async (s: number): Promise<Compared> => {
    const { cmps, checked } = await runC();
    const r = checked[s]!;
    const cmp = cmps[s]!;
    global.add(cmp, "C label", r.run.labels, [f64List(fx.cLabel, "cLabel")[s]!], r.global.labels);
    if (s === 0) global.add(cmp, "∂C", r.run.grads, f64(fx.gradC, "gradC"), r.global.grads);
    return cmp;
  };
  const m = await namedCases(t, [
    { name: "A: 3 carried blocks as one 63-step sequence", input: carried },
    { name: "A block 0 BPTT", input: blockA },
    { name: "single net block 0 BPTT (label at t = 20)", input: blockSingle },
    { name: "C on a (label target 1) BPTT", input: () => cOn(0) },
    { name: "C on x (label only)", input: () => cOn(1) },
  ]);
  const close = decisions[0]!.close + decisions[1]!.close;
  return {
    ...m,
    detail: `${m.detail}; ${global.summary()}; ${close} close decisions; ` +
      `${decisions[0]!.text("p(target) at θ = 0.5")}; ` +
      `${decisions[1]!.text("p(target) at θ = 0.95")}; ${integrity}`,
  };
});

claimTest(C1200_FIXTURE_GPU, async (t) => {
  await initGpu();
  const { data, integrity } = await load();
  const fx = data.chunker1200;
  const global = new Global();
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  const s = ints(fx.seq1200, "seq1200");
  const s12 = ints(fx.seq12, "seq12");
  const T = s.length;
  // A (forward only: its per-step CE) and the full-BPTT baseline share shape and length: one
  // dispatch for both.
  const long = (params: Float64Array, w: number): GpuCase => ({
    params,
    h0: new Float64Array(16),
    inputs: s.slice(0, T - 1),
    targets: s.slice(1),
    ceWeight: new Array(T - 1).fill(w),
    labelTarget: noLabels(T - 1),
  });
  const base = long(f64(fx.base, "base"), 1);
  let longRun: Promise<{ cmps: Comparison[]; checked: Checked[] }> | undefined;
  const runLong = () =>
    longRun ??= (async () => {
      const cmps = [new Comparison(), new Comparison()];
      const seqs = [long(f64(fx.a, "a"), 0), base];
      return { cmps, checked: await checkBatch(cmps, ["A", "baseline"], da, seqs) };
    })();
  const decisions = new Decisions();
  /** A's per-step CE from the GPU's logits against numpy's, and the mask it decides. */
  const ceA = async (): Promise<Compared> => {
    const { cmps: [cmp], checked: [ra] } = await runLong();
    const run = ra!.run;
    const ce = perStepCe(da, { h: run.hs, logits: run.logits, label: run.labels }, base.targets);
    const ceN = f64(fx.ceA, "ceA");
    const ceBounds: Tracked[] = [];
    ce.forEach((v, t) => {
      const delta = ceBound(ra!.global.logits[t]!, base.targets[t]!, ceN[t]!);
      ceBounds.push({ v: ceN[t]!, e: delta });
      if (t > 0) decisions.add(v, ceN[t]!, fx.theta, delta);
    });
    global.add(cmp!, "A per-step CE", ce, ceN, ceBounds);
    const mask = Array.from(ce, (v, t) => (t === 0 || v > fx.theta ? 1 : 0));
    return cmp!.add("mask (GPU decisions)", mask, ints(fx.mask, "mask"), 0);
  };
  let logNorm = NaN;
  const baseline = async (): Promise<Compared> => {
    const { cmps: [, cmp], checked: [, rb] } = await runLong();
    const gbN = f64(fx.gradBase, "gradBase");
    global.add(cmp!, "∂baseline", rb!.run.grads, gbN, rb!.global.grads);
    logNorm = Math.abs(Math.log10(hypot(Array.from(rb!.run.grads)) / hypot(Array.from(gbN))));
    return cmp!;
  };
  // A on a window of 6 from numpy's carried state; C on the compressed pair of T = 12.
  const window = async (): Promise<Compared> => {
    const win: GpuCase = {
      params: f64(fx.a, "a"),
      h0: f64(fx.carried, "carried"),
      inputs: s.slice(6, 12),
      targets: s.slice(7, 13),
      ceWeight: new Array(6).fill(1),
      labelTarget: noLabels(6),
    };
    const cmp = new Comparison();
    const [rw] = await checkBatch(cmp, ["A window"], da, [win]);
    global.add(
      cmp,
      "∂A window",
      rw!.run.grads,
      f64(fx.gradAWindow, "gradAWindow"),
      rw!.global.grads,
    );
    return cmp;
  };
  const pair = async (): Promise<Compared> => {
    const q: GpuCase = {
      params: f64(fx.c, "c"),
      h0: new Float64Array(8),
      inputs: [s12[0]!, s12[10]!],
      targets: [s12[1]!, s12[11]!],
      ceWeight: [1, 1],
      labelTarget: [-1, -1],
    };
    const cmp = new Comparison();
    const [rp] = await checkBatch(cmp, ["C pair"], dc, [q]);
    global.add(cmp, "∂C pair", rp!.run.grads, f64(fx.gradC, "gradC"), rp!.global.grads);
    return cmp;
  };
  const m = await namedCases(t, [
    { name: `A per-step CE and mask (${T - 1} steps)`, input: ceA },
    { name: `baseline BPTT (${T - 1} steps)`, input: baseline },
    { name: "A window of 6 BPTT (carried state)", input: window },
    { name: "C compressed pair BPTT", input: pair },
  ]);
  return {
    ...m,
    detail: `${m.detail}; ${global.summary()}; ${decisions.close} close decisions; ` +
      `${decisions.text("A's CE at θ = 1.4 (t > 0)")}; baseline ` +
      `|log10‖g_GPU‖ − log10‖g_numpy‖| = ${logNorm.toExponential(2)}; ${integrity}`,
  };
});
