/**
 * Chunker parity with numpy f64 (fixtures/fastweights/chunker.json, written by
 * fixtures/gen/fastweights_chunker_fixtures.py): the fixture carries numpy's
 * draws (parameters, streams, sequences) and the oracle must reproduce every
 * derived array within FIXTURE_F64_REL, masks exactly.
 *
 * The GPU side (fixture_gpu_claims.ts) runs the same parameters and
 * sequences through the fused kernels of impl/fastweights/chunker/chunker.ts in f32.
 * The fixture's W_hh is not contractive element-wise, so the bounds are
 * step-local (the pattern of spec/_harness/worst_ratio.ts and the decepticons GPU tests):
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
import { initGpu, liveBufferCount } from "../../../impl/mod.ts";
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
import { checkBatch, type GpuCase, hypot, noLabels } from "./_bounds.ts";
import { C1200_FIXTURE, C22_FIXTURE } from "./claims.ts";
import { C1200_FIXTURE_GPU, C22_FIXTURE_GPU } from "./fixture_gpu_claims.ts";
import {
  decode,
  type EncodedArray,
  f64,
  loadFastweightsFixture,
} from "../../_harness/encoded_arrays.ts";
import { WorstRatio } from "../../_harness/worst_ratio.ts";

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
    cLabel: number[];
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
  loadFastweightsFixture<ChunkerFixture>("chunker.json", "memspec-fastweights-chunker-1");

/** Worst |oracle − numpy| / max(1, |numpy|) and mismatched mask entries, with where. */
class Worst {
  err = 0;
  where = "";
  maskMismatches = 0;
  compared = 0;
  values(what: string, got: ArrayLike<number>, want: ArrayLike<number>) {
    if (got.length !== want.length) {
      throw new TypeError(`Cannot compare ${what}: ${got.length} vs ${want.length} values`);
    }
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
      if (!(e <= this.err)) {
        this.err = Number.isNaN(e) ? Infinity : e;
        this.where = `${what}[${i}]`;
      }
    }
    this.compared += want.length;
  }
  mask(what: string, got: ArrayLike<number>, want: ArrayLike<number>) {
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) this.maskMismatches++;
    this.compared += want.length;
    if (got.length !== want.length) this.maskMismatches += Math.abs(got.length - want.length);
    if (this.maskMismatches) this.where ||= what;
  }
  result(): Measurement {
    return {
      figure: this.err,
      bound: FIXTURE_F64_REL,
      pass: this.err <= FIXTURE_F64_REL && this.maskMismatches === 0,
      detail: `worst at ${this.where}; ${this.compared} values; ${this.maskMismatches} mask ` +
        "mismatches",
    };
  }
}

const ints = (e: Enc, what: string) => Array.from(decode(e, what));

claimTest(C22_FIXTURE, async () => {
  const { data, integrity } = await load();
  const fx = data.chunker22;
  const w = new Worst();
  const dims = c22Dims("chunker");
  const single = c22Dims("single").a;
  const a = f64(fx.a, "a");
  const c = f64(fx.c, "c");
  const stream = ints(fx.stream, "stream");
  const logits = f64(fx.logits, "logits");
  const pT = f64(fx.pTarget, "pTarget");
  const m050 = ints(fx.mask050, "mask050");
  const m095 = ints(fx.mask095, "mask095");
  let h: ArrayLike<number> = new Float64Array(32);
  for (let b = 0; b < 3; b++) {
    const f = rnnForward(dims.a, a, h, stream.slice(b * 21, b * 21 + 21));
    w.values(`logits block ${b}`, f.logits, logits.subarray(b * 21 * 22, (b + 1) * 21 * 22));
    const p = Array.from(
      { length: 21 },
      (_, t) => softmaxRow(f.logits, t, 22)[stream[b * 21 + t + 1]!]!,
    );
    w.values(`p(target) block ${b}`, p, pT.subarray(b * 21, (b + 1) * 21));
    w.mask(
      `mask θ=0.5 block ${b}`,
      p.map((x) => (x < 0.5 ? 1 : 0)),
      m050.slice(b * 21, b * 21 + 21),
    );
    w.mask(
      `mask θ=0.95 block ${b}`,
      p.map((x) => (x < 0.95 ? 1 : 0)),
      m095.slice(b * 21, b * 21 + 21),
    );
    h = f.h.subarray(21 * 32);
  }
  const labels = [0, 1].map((s) => rnnForward(dims.c, c, new Float64Array(32), [s]).label[0]!);
  w.values("C label (a, x)", labels, fx.cLabel);
  const xs = stream.slice(0, 21);
  const ceWeight = Array.from({ length: 21 }, (_, t) => (t < 20 ? 1 : 0));
  const spec: RnnLossSpec = { targets: stream.slice(1, 22), ceWeight };
  const h0 = new Float64Array(32);
  const ga = rnnBackward(dims.a, a, xs, rnnForward(dims.a, a, h0, xs), spec);
  w.values("∂A", ga, f64(fx.gradA, "gradA"));
  const ps = f64(fx.single, "single");
  const lab = new Float64Array(21).fill(NaN);
  lab[20] = xs[0] === 0 ? 1 : 0;
  const sspec = { ...spec, labelTarget: lab };
  w.values(
    "∂single",
    rnnBackward(single, ps, xs, rnnForward(single, ps, h0, xs), sspec),
    f64(fx.gradSingle, "gradSingle"),
  );
  const cspec = { targets: [0], ceWeight: [0], labelTarget: [1] };
  const gc = rnnBackward(dims.c, c, [0], rnnForward(dims.c, c, h0, [0]), cspec);
  w.values("∂C", gc, f64(fx.gradC, "gradC"));
  const a1 = a.slice();
  adamClipStep(a1, ga, adamState(a.length), 1e-2, C22_CLIP);
  w.values("Adam step A", a1, f64(fx.adamA, "adamA"));
  const c1 = c.slice();
  adamClipStep(c1, gc, adamState(c.length), 1e-2, C22_CLIP);
  w.values("Adam step C", c1, f64(fx.adamC, "adamC"));
  const r = w.result();
  return { ...r, detail: `${r.detail}; ${integrity}` };
});

claimTest(C1200_FIXTURE, async () => {
  const { data, integrity } = await load();
  const fx = data.chunker1200;
  const w = new Worst();
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  const a = f64(fx.a, "a");
  const base = f64(fx.base, "base");
  const c = f64(fx.c, "c");
  const s = ints(fx.seq1200, "seq1200");
  const s12 = ints(fx.seq12, "seq12");
  const T = s.length;
  const ce = perStepCe(da, rnnForward(da, a, new Float64Array(16), s.slice(0, T - 1)), s.slice(1));
  w.values("A per-step CE (T = 1200)", ce, f64(fx.ceA, "ceA"));
  const mask = Array.from(ce, (v, t) => (t === 0 || v > fx.theta ? 1 : 0));
  w.mask("mask", mask, ints(fx.mask, "mask"));
  const x = s.slice(0, T - 1);
  const spec = { targets: s.slice(1), ceWeight: new Float64Array(T - 1).fill(1) };
  const gb = rnnBackward(da, base, x, rnnForward(da, base, new Float64Array(16), x), spec);
  w.values("∂baseline (1199 steps)", gb, f64(fx.gradBase, "gradBase"));
  const b1 = base.slice();
  sgdClipStep(b1, gb, 0.05 / (T - 1), 5);
  w.values("SGD step baseline", b1, f64(fx.sgdBase, "sgdBase"));
  const win = s.slice(6, 12);
  const wspec = { targets: s.slice(7, 13), ceWeight: new Float64Array(6).fill(1) };
  const carried = f64(fx.carried, "carried");
  w.values(
    "∂A window",
    rnnBackward(da, a, win, rnnForward(da, a, carried, win), wspec),
    f64(fx.gradAWindow, "gradAWindow"),
  );
  const cx = [s12[0]!, s12[10]!];
  const cspec = { targets: [s12[1]!, s12[11]!], ceWeight: [1, 1] };
  w.values(
    "∂C pair",
    rnnBackward(dc, c, cx, rnnForward(dc, c, new Float64Array(8), cx), cspec),
    f64(fx.gradC, "gradC"),
  );
  const r = w.result();
  return { ...r, detail: `${r.detail}; ${integrity}` };
});

// --- GPU side: the fixture through the fused f32 kernels ---

/** GPU vs numpy within the global bounds (plus the oracle–numpy slack). */
class Global {
  worst = new WorstRatio();
  relErr = 0;
  relWhere = "";
  /** Largest bound / max(1, |numpy|): how much the global bounds allow. */
  loosest = 0;
  loosestWhere = "";
  check(what: string, gpu: ArrayLike<number>, numpy: ArrayLike<number>, b: readonly Tracked[]) {
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
    this.worst.check(`${what} vs numpy (global)`, gpu, numpy, bounds);
  }
  summary(): string {
    return `global: ${this.worst.summary()}; max |GPU − numpy|/max(1, |numpy|) = ` +
      `${this.relErr.toExponential(2)} at ${this.relWhere}; loosest bound/max(1, |numpy|) = ` +
      `${this.loosest.toExponential(2)} at ${this.loosestWhere}`;
  }
}

function gpuResult(
  local: WorstRatio,
  global: Global,
  masks: number,
  before: number,
  extra: string,
): Measurement {
  const leaked = liveBufferCount() - before;
  const figure = Math.max(local.ratio, global.worst.ratio);
  return {
    figure,
    bound: 1,
    pass: figure <= 1 && local.failures.length === 0 && global.worst.failures.length === 0 &&
      masks === 0 && leaked === 0,
    detail: `local: ${local.summary()}; ${global.summary()}; ${masks} mask mismatches; ${extra}`,
  };
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

claimTest(C22_FIXTURE_GPU, async () => {
  await initGpu();
  const before = liveBufferCount();
  const { data, integrity } = await load();
  const fx = data.chunker22;
  const local = new WorstRatio();
  const global = new Global();
  const dims = c22Dims("chunker");
  const dSingle = c22Dims("single").a;
  const stream = ints(fx.stream, "stream");
  const a = f64(fx.a, "a");
  const zeros = () => new Float64Array(C22.hidden);
  // A over the fixture's 3 carried blocks: one 63-step sequence from h = 0.
  const a63: GpuCase = {
    params: a,
    h0: zeros(),
    inputs: stream.slice(0, 63),
    targets: stream.slice(1, 64),
    ceWeight: new Array(63).fill(0),
    labelTarget: noLabels(63),
  };
  const [r63] = await checkBatch(local, ["A (3 blocks)"], dims.a, [a63]);
  global.check("A logits", r63!.run.logits, f64(fx.logits, "logits"), r63!.global.logits.flat());
  const pT = f64(fx.pTarget, "pTarget");
  const masks = [ints(fx.mask050, "mask050"), ints(fx.mask095, "mask095")];
  const decisions = [new Decisions(), new Decisions()];
  const pBounds: Tracked[] = [];
  const pGpu: number[] = [];
  let mismatches = 0;
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
      if ((p < theta ? 1 : 0) !== masks[i]![t]) mismatches++;
    });
  }
  global.check("p(target)", pGpu, pT, pBounds);
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
  const [ra] = await checkBatch(local, ["A block 0"], dims.a, [block]);
  global.check("∂A", ra!.run.grads, f64(fx.gradA, "gradA"), ra!.global.grads);
  const lab = noLabels(21);
  lab[20] = xs[0] === 0 ? 1 : 0;
  const single: GpuCase = { ...block, params: f64(fx.single, "single"), labelTarget: lab };
  const [rs] = await checkBatch(local, ["single net block 0"], dSingle, [single]);
  global.check("∂single", rs!.run.grads, f64(fx.gradSingle, "gradSingle"), rs!.global.grads);
  // C on a one-step surprise 'a' (label target 1) and on 'x' (label only).
  const cCases: GpuCase[] = [0, 1].map((sym) => ({
    params: f64(fx.c, "c"),
    h0: zeros(),
    inputs: [sym],
    targets: [0],
    ceWeight: [0],
    labelTarget: [sym === 0 ? 1 : -1],
  }));
  const rc = await checkBatch(local, ["C on a", "C on x"], dims.c, cCases);
  rc.forEach((r, s) => {
    global.check(`C label (${s ? "x" : "a"})`, r.run.labels, [fx.cLabel[s]!], r.global.labels);
  });
  global.check("∂C", rc[0]!.run.grads, f64(fx.gradC, "gradC"), rc[0]!.global.grads);
  const extra = `${decisions[0]!.text("p(target) at θ = 0.5")}; ` +
    `${decisions[1]!.text("p(target) at θ = 0.95")}; ${integrity}`;
  const close = decisions[0]!.close + decisions[1]!.close;
  return gpuResult(local, global, mismatches, before, `${close} close decisions; ${extra}`);
});

claimTest(C1200_FIXTURE_GPU, async () => {
  await initGpu();
  const before = liveBufferCount();
  const { data, integrity } = await load();
  const fx = data.chunker1200;
  const local = new WorstRatio();
  const global = new Global();
  const da = rnnDims(7, 16, 7, 0);
  const dc = rnnDims(7, 8, 7, 0);
  const s = ints(fx.seq1200, "seq1200");
  const s12 = ints(fx.seq12, "seq12");
  const T = s.length;
  // A (forward only: its per-step CE) and the full-BPTT baseline share shape and length.
  const long = (params: Float64Array, w: number): GpuCase => ({
    params,
    h0: new Float64Array(16),
    inputs: s.slice(0, T - 1),
    targets: s.slice(1),
    ceWeight: new Array(T - 1).fill(w),
    labelTarget: noLabels(T - 1),
  });
  const base = long(f64(fx.base, "base"), 1);
  const [ra, rb] = await checkBatch(local, ["A (1199 steps)", "baseline (1199 steps)"], da, [
    long(f64(fx.a, "a"), 0),
    base,
  ]);
  const run = ra!.run;
  const ce = perStepCe(da, { h: run.hs, logits: run.logits, label: run.labels }, base.targets);
  const ceN = f64(fx.ceA, "ceA");
  const want = ints(fx.mask, "mask");
  const decisions = new Decisions();
  const ceBounds: Tracked[] = [];
  let mismatches = 0;
  ce.forEach((v, t) => {
    const delta = ceBound(ra!.global.logits[t]!, base.targets[t]!, ceN[t]!);
    ceBounds.push({ v: ceN[t]!, e: delta });
    if (t > 0) decisions.add(v, ceN[t]!, fx.theta, delta);
    if ((t === 0 || v > fx.theta ? 1 : 0) !== want[t]) mismatches++;
  });
  global.check("A per-step CE", ce, ceN, ceBounds);
  const gbN = f64(fx.gradBase, "gradBase");
  global.check("∂baseline", rb!.run.grads, gbN, rb!.global.grads);
  const logNorm = Math.abs(Math.log10(hypot(Array.from(rb!.run.grads)) / hypot(Array.from(gbN))));
  // A on a window of 6 from numpy's carried state; C on the compressed pair of T = 12.
  const win: GpuCase = {
    params: f64(fx.a, "a"),
    h0: f64(fx.carried, "carried"),
    inputs: s.slice(6, 12),
    targets: s.slice(7, 13),
    ceWeight: new Array(6).fill(1),
    labelTarget: noLabels(6),
  };
  const [rw] = await checkBatch(local, ["A window"], da, [win]);
  global.check("∂A window", rw!.run.grads, f64(fx.gradAWindow, "gradAWindow"), rw!.global.grads);
  const pair: GpuCase = {
    params: f64(fx.c, "c"),
    h0: new Float64Array(8),
    inputs: [s12[0]!, s12[10]!],
    targets: [s12[1]!, s12[11]!],
    ceWeight: [1, 1],
    labelTarget: [-1, -1],
  };
  const [rp] = await checkBatch(local, ["C pair"], dc, [pair]);
  global.check("∂C pair", rp!.run.grads, f64(fx.gradC, "gradC"), rp!.global.grads);
  const extra = `${decisions.text("A's CE at θ = 1.4 (t > 0)")}; baseline ` +
    `|log10‖g_GPU‖ − log10‖g_numpy‖| = ${logNorm.toExponential(2)}; ${integrity}`;
  return gpuResult(
    local,
    global,
    mismatches,
    before,
    `${decisions.close} close decisions; ${extra}`,
  );
});
