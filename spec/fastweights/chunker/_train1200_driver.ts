/**
 * Instrumented replays of chunker-1200's training stages on the GPU: the window
 * kernel (impl/fastweights/chunker/kernels/c1200_window.ts: the automatizer's
 * windows and the chunker's compressed sequences) and the phased full kernel
 * (kernels/c1200_full.ts: the baseline), with the buffers, uniforms and slicing
 * of `chunker1200Train` (impl/fastweights/chunker/train1200.ts), reading the
 * state back before and after chosen updates. The training claims check each
 * such update step-locally against the oracle (_training_bounds.ts) and check
 * that the replays end bit for bit where `chunker1200Train` ends.
 *
 * Readbacks only observe: the kernels keep the parameters, the carried state
 * and the cursor in buffers (the window kernel) or in the net scratch (the full
 * kernel), so recording a stage in more launches changes no arithmetic. At an
 * observed baseline update the BPTT slices run without SGD, the scratch (the
 * raw gradient) is read, and an empty SGD-only slice applies it: the same
 * arithmetic as the trainer's last slice.
 *
 * @module
 */
import { dispatch } from "../../../impl/gpu/program.ts";
import { readTensors, type Tensor, tensor, zeros } from "../../../impl/tensor.ts";
import { c1200FullNet } from "../../../impl/fastweights/chunker/train1200.ts";
import {
  C1200_WINDOW,
  c1200WindowScratch,
} from "../../../impl/fastweights/chunker/kernels/c1200_window.ts";
import { track } from "../../../invariants/tolerance.ts";
import type { RnnDims } from "../../oracle/fastweights/chunker.ts";
import { rounded } from "./_bounds.ts";
import type { SgdUpdate } from "./_training_bounds.ts";

/** One observed update: the parameters before and after, and the update's own trajectory. */
export interface C1200Observed {
  /** Index of the update in the stage. */
  index: number;
  /** The sequence kind and the window [offset, offset + n) it trained on. */
  kind: number;
  offset: number;
  before: Float64Array;
  after: Float64Array;
  /** [n + 1, H] states (row 0 the start state) and [n, V] logits. */
  hs: Float64Array;
  logits: Float64Array;
  /** The raw gradient (full kernel only). */
  grads?: Float64Array;
}

/** A replayed stage: its observed updates and the final parameters. */
export interface C1200StageReplay {
  observed: C1200Observed[];
  final: Float64Array;
}

const f64 = (a: Float32Array | Int32Array) => Float64Array.from(a);

/**
 * Decodes the parameters (`grads` false) or gradients (true) of the net scratch of
 * kernels/c1200_net.ts into the oracle's flat layout: vec4 blocks W_xh (per symbol, units in
 * groups of four), W_hh, W_hy, b_h, then the same four gradient blocks; b_y and its gradient in
 * the f32 scratch.
 */
export function decodeNetScratch(
  d: RnnDims,
  scr: Float32Array,
  scf: Float32Array,
  grads: boolean,
): Float64Array {
  const { hidden: H, vocab: V } = d;
  const H4 = H / 4;
  const base = grads ? 4 * (2 * V * H4 + H * H4 + H4) : 0;
  const out = new Float64Array(d.size);
  for (let s = 0; s < V; s++) {
    for (let j = 0; j < H; j++) out[d.wxh + j * V + s] = scr[base + 4 * s * H4 + j]!;
  }
  let at = base + 4 * V * H4;
  for (let i = 0; i < H * H; i++) out[d.whh + i] = scr[at + i]!;
  at += H * H;
  for (let i = 0; i < V * H; i++) out[d.why + i] = scr[at + i]!;
  at += V * H;
  for (let i = 0; i < H; i++) out[d.bh + i] = scr[at + i]!;
  for (let o = 0; o < V; o++) out[d.by + o] = scf[(grads ? V : 0) + o]!;
  return out;
}

/**
 * Replays `windowTrain` of train1200.ts: updates over the sequences `kinds` (each a kind of
 * `xs`/`ys`) in windows of `window` steps (Infinity: whole sequences), reading the state
 * back around every update in `sample`.
 */
export async function replayWindowStage(
  d: RnnDims,
  init: Float32Array,
  xs: number[][],
  ys: number[][],
  kinds: ArrayLike<number>,
  window: number,
  lr: number,
  clip: number,
  sample: ReadonlySet<number>,
): Promise<C1200StageReplay> {
  const { hidden: H, vocab: V } = d;
  const lmax = Math.max(...xs.map((x) => x.length));
  const W = Math.min(window, lmax);
  const pad = (rows: number[][]) => rows.flatMap((r) => [...r, ...Array(lmax - r.length).fill(0)]);
  const lens = xs.map((x) => x.length);
  // The window of every update, in the kernel's cursor order.
  const plan: { kind: number; offset: number; n: number }[] = [];
  for (let u = 0; u < kinds.length; u++) {
    const k = kinds[u]!;
    for (let o = 0; o < lens[k]!; o += W) {
      plan.push({ kind: k, offset: o, n: Math.min(W, lens[k]! - o) });
    }
  }
  const owned: Tensor[] = [];
  const own = <X extends Tensor>(t: X): X => (owned.push(t), t);
  const i32 = (data: ArrayLike<number>, shape: number[]) =>
    own(tensor(Int32Array.from(data), shape, { dtype: "i32" }));
  try {
    const params = own(tensor(init, [init.length]));
    const xsT = i32(pad(xs), [xs.length, lmax]);
    const ysT = i32(pad(ys), [ys.length, lmax]);
    const lensT = i32(lens, [lens.length]);
    const kindsT = i32(kinds.length ? kinds : [0], [Math.max(1, kinds.length)]);
    const state = own(zeros([H]));
    const cursor = own(zeros([2], { dtype: "i32" }));
    const hs = own(zeros([(W + 1) * H]));
    const zs = own(zeros([W * V]));
    const scratch = c1200WindowScratch(H, V);
    const scr = own(zeros([4 * scratch.vec4]));
    const scf = own(zeros([scratch.f32]));
    const run = (steps: number) => {
      if (steps <= 0) return;
      dispatch(C1200_WINDOW, {
        sizes: { H, V, W },
        uniforms: { u_begin: 0, u_end: 0, window: W, lmax, n4: H / 4, nh: H, nv: V, lr, clip },
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
        steps,
      });
    };
    const observed: C1200Observed[] = [];
    let done = 0;
    for (const index of [...sample].filter((i) => i < plan.length).sort((x, y) => x - y)) {
      run(index - done);
      const [before] = await readTensors([params]);
      run(1);
      done = index + 1;
      const [after, hsOut, zsOut] = await readTensors([params, hs, zs]);
      const w = plan[index]!;
      observed.push({
        index,
        kind: w.kind,
        offset: w.offset,
        before: f64(before!),
        after: f64(after!),
        hs: f64(hsOut!.subarray(0, (w.n + 1) * H)),
        logits: f64(zsOut!.subarray(0, w.n * V)),
      });
    }
    run(plan.length - done);
    const [final] = await readTensors([params]);
    return { observed, final: f64(final!) };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * Replays the baseline stage of train1200.ts (`fullNet`: load, then per sequence a forward and
 * the BPTT slices from the last step down with SGD after the first step, then store) over the
 * sequences `triggers` (each a kind of `xs`/`ys`), reading the state back around every update in
 * `sample`, the raw gradient included.
 */
export async function replayFullStage(
  d: RnnDims,
  init: Float32Array,
  xs: number[][],
  ys: number[][],
  triggers: ArrayLike<number>,
  lr: number,
  clip: number,
  sample: ReadonlySet<number>,
): Promise<C1200StageReplay> {
  const owned: Tensor[] = [];
  const own = <X extends Tensor>(t: X): X => (owned.push(t), t);
  try {
    const params = own(tensor(init, [init.length]));
    // The trainer's own full-net recorder (train1200.ts), its scratch read between steps.
    const net = c1200FullNet(params, d.hidden, own, () => {});
    const { scr, scf } = net.scratch;
    const seqs = xs.map((x, k) => net.seq(x, ys[k]!));
    const readNet = async (extra: Tensor[] = []) =>
      (await readTensors([scr, scf, ...extra])) as Float32Array[];
    net.load(seqs[0]!);
    const observed: C1200Observed[] = [];
    for (let u = 0; u < triggers.length; u++) {
      const q = seqs[triggers[u]!]!;
      net.forward(q);
      if (!sample.has(u)) {
        net.backward(q, lr, clip);
        continue;
      }
      const [scrB, scfB] = await readNet();
      const before = decodeNetScratch(d, scrB!, scfB!, false);
      net.backward(q, lr, clip, false);
      const [scrG, scfG, hsOut, zsOut] = await readNet([q.hs, q.zs]);
      net.applySgd(q, lr, clip);
      const [scrA, scfA] = await readNet();
      observed.push({
        index: u,
        kind: triggers[u]!,
        offset: 0,
        before,
        after: decodeNetScratch(d, scrA!, scfA!, false),
        hs: f64(hsOut!),
        logits: f64(zsOut!),
        grads: decodeNetScratch(d, scrG!, scfG!, true),
      });
    }
    net.store(seqs[0]!);
    const [final] = await readTensors([params]);
    return { observed, final: f64(final!) };
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * An observed update as `checkSgdUpdate` takes it. `seqs` are the stage's sequences by kind;
 * `kernel` says whose lr it is: the window kernel's uniform lr, which it divides by the
 * window's length n in f32 (`prm.lr / f32(n)`), or the full kernel's, already the quotient.
 */
export function sgdUpdateOf(
  d: RnnDims,
  o: C1200Observed,
  seqs: readonly { x: readonly number[]; y: readonly number[] }[],
  kernel: "window" | "full",
  lr: number,
  clip: number,
): SgdUpdate {
  const n = o.logits.length / d.out;
  const seq = seqs[o.kind]!;
  return {
    d,
    params: o.before,
    h0: o.hs.slice(0, d.hidden),
    inputs: seq.x.slice(o.offset, o.offset + n),
    targets: seq.y.slice(o.offset, o.offset + n),
    lr: kernel === "window" ? lr / n : lr,
    lrKernel: kernel === "window" ? track.div(rounded(lr), track.input(n)) : rounded(lr),
    clip,
    gpu: { hs: o.hs, logits: o.logits, after: o.after, ...(o.grads ? { grads: o.grads } : {}) },
  };
}
