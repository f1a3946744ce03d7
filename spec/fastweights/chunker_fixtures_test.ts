/**
 * Chunker parity with numpy f64 (fixtures/fastweights/chunker.json, written by
 * fixtures/gen/fastweights_chunker_fixtures.py): the fixture carries numpy's
 * draws (parameters, streams, sequences) and the oracle must reproduce every
 * derived array within FIXTURE_F64_REL, masks exactly.
 *
 * The GPU side (chunker_fixture_gpu_claims.ts) runs the same parameters and
 * sequences through the fused kernels of impl/fastweights/chunker.ts in f32.
 * The fixture's W_hh is not contractive element-wise, so the bounds are
 * step-local (the pattern of gpu_compare.ts and the decepticons GPU tests):
 * every state h_t against the f64 step from the GPU's own h_{t−1}, every logit
 * row and label against the f64 read-out of the GPU's own h_t, each within a
 * running f32 bound that replays the kernels' evaluation order (the order of
 * chunker_gpu_test.ts's replay), every parameter charged its rounding from
 * numpy's f64 to f32. Across steps the errors are bounded norm-wise: the
 * gradients against the oracle's BPTT on the GPU's own forward trajectory
 * with the carried gradient's error recursed through ‖W_hh‖₂
 * (`backwardBounds`), and numpy's arrays against the GPU through the state
 * error recursed the same way from h₀ (`globalBounds`); the figure is the
 * worst error-to-bound ratio of both.
 *
 * @module
 */
import { initGpu, liveBufferCount, readTensors } from "../../impl/mod.ts";
import { chunkerBptt } from "../../impl/fastweights/chunker.ts";
import { eigenSymmetric } from "../../invariants/eigen_symmetric.ts";
import { fromRows } from "../../invariants/matrix.ts";
import {
  CHUNKER_NORM_F64_SLACK,
  F32_MIN_NORMAL,
  FIXTURE_F64_REL,
  track,
  trackBuiltins,
  type Tracked,
  U64,
} from "../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import {
  adamClipStep,
  adamState,
  C22,
  C22_CLIP,
  c22Dims,
  perStepCe,
  rnnBackward,
  type RnnDims,
  rnnDims,
  rnnForward,
  type RnnLossSpec,
  sgdClipStep,
  softmaxRow,
} from "../oracle/fastweights/chunker.ts";
import { C1200_FIXTURE, C22_FIXTURE } from "./chunker_claims.ts";
import { C1200_FIXTURE_GPU, C22_FIXTURE_GPU } from "./chunker_fixture_gpu_claims.ts";
import { decode, type EncodedArray, f64, loadFastweightsFixture } from "./fixture_loader.ts";
import { WorstRatio } from "./gpu_compare.ts";

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

/** numpy's f64 value `x` as the GPU's f32 copy of it: v = x, e = the rounding (or a flush). */
function rounded(x: number): Tracked {
  const r = Math.fround(x);
  return { v: x, e: Math.abs(r - x) + (Math.abs(r) < F32_MIN_NORMAL ? Math.abs(r) : 0) };
}

/** One fixture sequence: numpy's f64 parameters and start state (the GPU gets f32 copies). */
interface GpuCase {
  params: Float64Array;
  h0: Float64Array;
  inputs: number[];
  targets: number[];
  ceWeight: number[];
  /** Label target per step, −1 for none. */
  labelTarget: number[];
}

/** What the GPU returned for one sequence, widened to f64. */
interface GpuRun {
  hs: Float64Array;
  logits: Float64Array;
  labels: Float64Array;
  grads: Float64Array;
}

/** Runs sequences of one net shape and length through `chunkerBptt` and reads everything back. */
async function runGpu(d: RnnDims, cases: GpuCase[]): Promise<GpuRun[]> {
  const T = cases[0]!.inputs.length;
  const cat = (f: (q: GpuCase) => ArrayLike<number>) => cases.flatMap((q) => Array.from(f(q)));
  const r = chunkerBptt(
    { vocab: d.vocab, hidden: d.hidden, out: d.out, label: d.label, steps: T },
    {
      params: Float32Array.from(cat((q) => q.params)),
      h0: Float32Array.from(cat((q) => q.h0)),
      inputs: Int32Array.from(cat((q) => q.inputs)),
      targets: Int32Array.from(cat((q) => q.targets)),
      ceWeight: Float32Array.from(cat((q) => q.ceWeight)),
      labelTarget: Float32Array.from(cat((q) => q.labelTarget)),
    },
  );
  let read: (Float32Array | Int32Array)[];
  try {
    read = await readTensors([r.hs, r.logits, r.labels, r.grads]);
  } finally {
    for (const t of Object.values(r)) t.dispose();
  }
  const [hs, logits, labels, grads] = read;
  const H = d.hidden;
  const O = d.out;
  const P = d.size;
  const part = (a: Float32Array | Int32Array | undefined, n: number, s: number) =>
    Float64Array.from(a!.subarray(s * n, (s + 1) * n));
  return cases.map((_, s) => ({
    hs: part(hs, (T + 1) * H, s),
    logits: part(logits, T * O, s),
    labels: part(labels, T, s),
    grads: part(grads, P, s),
  }));
}

/** One forward step of the kernel, h_t[j] = tanh((W_xh[j, x] + b_h[j]) + Σ_k W_hh[j, k]·h[k]). */
function stepBounds(d: RnnDims, P: Tracked[], prev: readonly Tracked[], x: number): Tracked[] {
  const { hidden: H, vocab: V } = d;
  return Array.from({ length: H }, (_, j) => {
    let a = track.add(P[d.wxh + j * V + x]!, P[d.bh + j]!);
    for (let k = 0; k < H; k++) a = track.add(a, track.mul(P[d.whh + j * H + k]!, prev[k]!));
    return trackBuiltins.tanh(a);
  });
}

/** The kernel's read-out of a state: logits b_y + Σ W_hy·h, and σ(b_l + Σ W_hl·h). */
function readoutBounds(
  d: RnnDims,
  P: Tracked[],
  h: readonly Tracked[],
): { z: Tracked[]; label: Tracked } {
  const H = d.hidden;
  const z = Array.from({ length: d.out }, (_, o) => {
    let s = P[d.by + o]!;
    for (let k = 0; k < H; k++) s = track.add(s, track.mul(P[d.why + o * H + k]!, h[k]!));
    return s;
  });
  let label: Tracked = { v: 0, e: 0 };
  if (d.label) {
    let s = P[d.bl]!;
    for (let k = 0; k < H; k++) s = track.add(s, track.mul(P[d.whl + k]!, h[k]!));
    const one = track.literal(1);
    label = track.div(one, track.add(one, trackBuiltins.exp(trackBuiltins.neg(s))));
  }
  return { z, label };
}

const hypot = (xs: readonly number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));

/**
 * Upper bound on ‖W‖₂ for the rows × cols block of `p` at `off`: √λ_max(W·Wᵀ), with the
 * Jacobi solver's eigenvalue bound and the f64 product's error γ_cols(f64)·‖|W|·|W|ᵀ‖_F added.
 */
function spectralBound(p: Float64Array, off: number, rows: number, cols: number): number {
  const w = (i: number, k: number) => p[off + i * cols + k]!;
  const gram: number[][] = [];
  let absF = 0;
  for (let i = 0; i < rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < rows; j++) {
      let s = 0;
      let a = 0;
      for (let k = 0; k < cols; k++) {
        s += w(i, k) * w(j, k);
        a += Math.abs(w(i, k) * w(j, k));
      }
      row.push(s);
      absF += a * a;
    }
    gram.push(row);
  }
  const e = eigenSymmetric(fromRows(gram));
  const gammaF64 = (cols * U64) / (1 - cols * U64);
  return Math.sqrt(e.values[0]! + e.errorBound + gammaF64 * Math.sqrt(absF)) *
    (1 + CHUNKER_NORM_F64_SLACK);
}

/**
 * The backward kernel's evaluation order on given (tracked) states, logits and labels: the
 * max-shifted softmax (the computed max is within max_o e(z_o) of the exact one, charged to
 * every z_o − m), the heads' contributions through W_hy and W_hl, da = dh·(1 − h²), and the
 * carried Σ_j da_j·W_hh[j, :].
 *
 * The carried gradient's error ε_t is bounded norm-wise, not element-wise (an element-wise
 * worst case grows by the column sums of |W_hh| per step, useless over 21 or 1199 steps).
 * With c_{t−1} = W_hhᵀ·D_t·(c_t + heads_t) exact (D_t = diag(1 − h_t²) of the given states) and
 * Φ̂_t the kernel's step: ĉ_{t−1} − c_{t−1} = [Φ̂_t(ĉ_t) − Φ_t(ĉ_t)] + W_hhᵀ·D_t·ε_t, so
 * ‖ε_{t−1}‖₂ ≤ ‖W_hh‖₂·max_j D_t[j]·‖ε_t‖₂ + ‖r_t‖₂. The replay runs each step with the
 * carry's element-wise error set to η_t = ‖ε_t‖₂ (|ε_t[k]| ≤ η_t), which bounds every gradient
 * contribution of the step; its carry bound is Σ_j |W_hh[j, k]|·D_t[j]·η_t (the linear part)
 * plus the rest (roundings at the inflated magnitudes, parameter rounding, heads, and
 * second-order terms), so r_t[k] ≤ e_k − Σ_j |W_hh[j, k]|·D_t[j]·η_t.
 */
function backwardBounds(
  d: RnnDims,
  P: Tracked[],
  q: GpuCase,
  hs: readonly Tracked[][],
  zs: readonly Tracked[][],
  labels: readonly Tracked[],
  whhNorm: number,
): Tracked[] {
  const { hidden: H, vocab: V, out: O } = d;
  const zero: Tracked = { v: 0, e: 0 };
  const one = track.literal(1);
  const g: Tracked[] = Array.from({ length: d.size }, () => zero);
  let carry: Tracked[] = Array.from({ length: H }, () => zero);
  let eta = 0;
  for (let t = q.inputs.length - 1; t >= 0; t--) {
    const h = hs[t + 1]!;
    const hp = hs[t]!;
    const z = zs[t]!;
    const dh = carry.map((c) => ({ v: c.v, e: eta }));
    const m: Tracked = { v: Math.max(...z.map((u) => u.v)), e: Math.max(...z.map((u) => u.e)) };
    const ex = z.map((u) => trackBuiltins.exp(track.sub(u, m)));
    let sum = zero;
    for (const u of ex) sum = track.add(sum, u);
    const w = track.input(q.ceWeight[t]!);
    for (let o = 0; o < O; o++) {
      const dz = track.mul(w, track.sub(track.div(ex[o]!, sum), o === q.targets[t] ? one : zero));
      g[d.by + o] = track.add(g[d.by + o]!, dz);
      for (let k = 0; k < H; k++) {
        const i = d.why + o * H + k;
        g[i] = track.add(g[i]!, track.mul(dz, h[k]!));
        dh[k] = track.add(dh[k]!, track.mul(dz, P[i]!));
      }
    }
    const lt = q.labelTarget[t]!;
    if (d.label && lt >= 0) {
      const dl = track.sub(labels[t]!, track.input(lt));
      g[d.bl] = track.add(g[d.bl]!, dl);
      for (let k = 0; k < H; k++) {
        g[d.whl + k] = track.add(g[d.whl + k]!, track.mul(dl, h[k]!));
        dh[k] = track.add(dh[k]!, track.mul(dl, P[d.whl + k]!));
      }
    }
    const da = h.map((hj, j) => track.mul(dh[j]!, track.sub(one, track.mul(hj, hj))));
    const x = q.inputs[t]!;
    for (let j = 0; j < H; j++) {
      g[d.bh + j] = track.add(g[d.bh + j]!, da[j]!);
      g[d.wxh + j * V + x] = track.add(g[d.wxh + j * V + x]!, da[j]!);
    }
    carry = Array.from({ length: H }, () => zero);
    for (let j = 0; j < H; j++) {
      for (let k = 0; k < H; k++) {
        const i = d.whh + j * H + k;
        g[i] = track.add(g[i]!, track.mul(da[j]!, hp[k]!));
        carry[k] = track.add(carry[k]!, track.mul(da[j]!, P[i]!));
      }
    }
    const dt = h.map((hj) => Math.abs(1 - hj.v * hj.v));
    const rest = carry.map((c, k) => {
      let lin = 0;
      for (let j = 0; j < H; j++) lin += Math.abs(P[d.whh + j * H + k]!.v) * dt[j]!;
      return Math.max(0, c.e - lin * eta) + CHUNKER_NORM_F64_SLACK * c.e;
    });
    eta = (whhNorm * Math.max(...dt) * eta + hypot(rest)) * (1 + CHUNKER_NORM_F64_SLACK);
  }
  return g;
}

const exact = (a: ArrayLike<number>, from: number, n: number): Tracked[] =>
  Array.from({ length: n }, (_, i) => track.input(a[from + i]!));

/** Per-step local bounds of a run (each at the GPU's own previous state / state). */
interface LocalBounds {
  h: Tracked[][];
  z: Tracked[][];
  label: Tracked[];
}

/**
 * Step-local check of one GPU run: states from the GPU's previous state (reference: the
 * oracle's step), logits and labels from the GPU's state (reference: the f64 read-out), and
 * gradients from the oracle's BPTT on the GPU's trajectory.
 */
function checkLocal(
  worst: WorstRatio,
  name: string,
  d: RnnDims,
  q: GpuCase,
  g: GpuRun,
  P: Tracked[],
  whhNorm: number,
): LocalBounds {
  const { hidden: H, out: O } = d;
  const T = q.inputs.length;
  const hsT: Tracked[][] = [exact(g.hs, 0, H)];
  const zsT: Tracked[][] = [];
  const labT: Tracked[] = [];
  const hRef = new Float64Array(T * H);
  const lb: LocalBounds = { h: [], z: [], label: [] };
  for (let t = 0; t < T; t++) {
    const prev = g.hs.subarray(t * H, (t + 1) * H);
    hRef.set(rnnForward(d, q.params, prev, [q.inputs[t]!]).h.subarray(H), t * H);
    lb.h.push(stepBounds(d, P, exact(prev, 0, H), q.inputs[t]!));
    const cur = exact(g.hs, (t + 1) * H, H);
    hsT.push(cur);
    const r = readoutBounds(d, P, cur);
    lb.z.push(r.z);
    lb.label.push(r.label);
    zsT.push(exact(g.logits, t * O, O));
    labT.push(track.input(g.labels[t]!));
  }
  worst.check(`${name} states (local)`, g.hs.subarray(H), hRef, lb.h.flat());
  const z = lb.z.flat();
  worst.check(`${name} logits (local)`, g.logits, z.map((u) => u.v), z);
  if (d.label) {
    worst.check(`${name} labels (local)`, g.labels, lb.label.map((u) => u.v), lb.label);
  }
  const f = { h: g.hs, logits: g.logits, label: g.labels };
  const spec: RnnLossSpec = {
    targets: q.targets,
    ceWeight: q.ceWeight,
    labelTarget: q.labelTarget.map((x) => (x < 0 ? NaN : x)),
  };
  const ref = rnnBackward(d, q.params, q.inputs, f, spec);
  const gb = backwardBounds(d, P, q, hsT, zsT, labT, whhNorm);
  worst.check(`${name} gradients (local)`, g.grads, ref, gb);
  return lb;
}

/**
 * Global bounds from h₀ against the f64 run on numpy's parameters and h₀ (within 1e-12 of
 * numpy's arrays, claim numpy_parity). States: ĥ_t − h_t = [Φ̂(ĥ_{t−1}) − Φ(ĥ_{t−1})] +
 * [Φ(ĥ_{t−1}) − Φ(h_{t−1})]; the first is the local step bound, the second is tanh (1-Lipschitz
 * per element) of W_hh·ε_{t−1}, so ‖ε_t‖₂ ≤ ‖W_hh‖₂·‖ε_{t−1}‖₂ + ‖local_t‖₂, from
 * ε₀ = f32(h₀) − h₀. Read-outs add the local read-out bound to ‖W_hy[o, :]‖₂·‖ε_t‖₂ (σ: a
 * quarter of ‖W_hl‖₂·‖ε_t‖₂); the gradients replay the backward pass on these tracked values.
 */
function globalBounds(
  d: RnnDims,
  q: GpuCase,
  P: Tracked[],
  lb: LocalBounds,
  whhNorm: number,
): { logits: Tracked[][]; labels: Tracked[]; grads: Tracked[] } {
  const { hidden: H, out: O } = d;
  const ref = rnnForward(d, q.params, q.h0, q.inputs);
  const rowNorm = (off: number) =>
    hypot(Array.from({ length: H }, (_, k) => q.params[off + k]!)) * (1 + CHUNKER_NORM_F64_SLACK);
  const why = Array.from({ length: O }, (_, o) => rowNorm(d.why + o * H));
  const whl = d.label ? rowNorm(d.whl) : 0;
  let eta = hypot(Array.from(q.h0, (x) => Math.fround(x) - x));
  const hs: Tracked[][] = [Array.from(q.h0, (v) => ({ v, e: eta }))];
  const logits: Tracked[][] = [];
  const labels: Tracked[] = [];
  for (let t = 0; t < q.inputs.length; t++) {
    eta = (whhNorm * eta + hypot(lb.h[t]!.map((u) => u.e))) * (1 + CHUNKER_NORM_F64_SLACK);
    hs.push(Array.from({ length: H }, (_, k) => ({ v: ref.h[(t + 1) * H + k]!, e: eta })));
    logits.push(
      lb.z[t]!.map((u, o) => ({ v: ref.logits[t * O + o]!, e: u.e + why[o]! * eta })),
    );
    labels.push({ v: d.label ? ref.label[t]! : 0, e: lb.label[t]!.e + 0.25 * whl * eta });
  }
  return { logits, labels, grads: backwardBounds(d, P, q, hs, logits, labels, whhNorm) };
}

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

const noLabels = (n: number) => new Array<number>(n).fill(-1);
const tracked = (p: Float64Array) => Array.from(p, rounded);

/** The GPU run of one sequence with its local bounds and the global bounds from h₀. */
interface Checked {
  run: GpuRun;
  global: { logits: Tracked[][]; labels: Tracked[]; grads: Tracked[] };
}

/** Local checks of a batch (one net shape and length) and the global bounds of each sequence. */
async function checkBatch(
  local: WorstRatio,
  names: string[],
  d: RnnDims,
  cases: GpuCase[],
): Promise<Checked[]> {
  const runs = await runGpu(d, cases);
  return cases.map((q, s) => {
    const P = tracked(q.params);
    const whh = spectralBound(q.params, d.whh, d.hidden, d.hidden);
    const lb = checkLocal(local, names[s]!, d, q, runs[s]!, P, whh);
    return { run: runs[s]!, global: globalBounds(d, q, P, lb, whh) };
  });
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
