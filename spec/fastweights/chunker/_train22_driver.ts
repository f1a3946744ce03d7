/**
 * An instrumented replay of chunker-22's training pass on the GPU: the trainer's
 * own recorder (`c22Session` in impl/fastweights/chunker/train22.ts, which
 * `chunker22Train` uses), recorded block by block, that reads
 * the whole training state back before and after chosen blocks. The training
 * claims check each such block step-locally against the oracle
 * (_training_bounds.ts) and check that the replay ends bit for bit where
 * `chunker22Train` ends, so what is checked is the trainer's own trajectory.
 *
 * Readbacks only observe: splitting the recording at a readback changes no
 * arithmetic, so the replay's final state equals an unobserved run's.
 *
 * @module
 */
import { readTensors, type Tensor, tensor } from "../../../impl/tensor.ts";
import { C22_GPU, c22ParamCount, c22Session } from "../../../impl/fastweights/chunker/train22.ts";
import type { A22Block, AdamState, C22Step } from "./_training_bounds.ts";

/** Everything the training state holds for all seeds, as read back (f32, i32 for records). */
export interface C22Buffers {
  /** A's parameters [S, P] and moments [S, 2P] (m then v). */
  a: Float32Array;
  ma: Float32Array;
  /** C's parameters [S, P_C] and moments [S, 2P_C] (chunker mode; empty otherwise). */
  c: Float32Array;
  mc: Float32Array;
  /** [S, 2]: s* (or −1) and C's Adam step count. */
  state: Float32Array;
  /** [S, B + 1, H]: the last block's states (row 0 its start, row B the carried state). */
  hs: Float32Array;
  /** [S, B, V] and [S, B]: the last block's logits and labels. */
  logits: Float32Array;
  labels: Float32Array;
  /** [S, P]: the update kernel's raw gradient of the last block. */
  grads: Float32Array;
}

/** The state before and after one training block. */
export interface C22Snapshot {
  blk: number;
  before: C22Buffers;
  after: C22Buffers;
}

/** What the replay returns. */
export interface C22Replay {
  snapshots: C22Snapshot[];
  /** The state after the last block. */
  final: C22Buffers;
  /** Per-block records [S, blocks, 3] (mask, read-out, hits) and p(target) [S, blocks, B]. */
  rec: Int32Array;
  pTarget: Float32Array;
}

/** Inputs of the replay: as `chunker22Train`'s (already validated by the caller's run of it). */
export interface C22ReplayInputs {
  mode: "chunker" | "single";
  a: Float32Array;
  c?: Float32Array;
  streams: Int32Array;
  blocks: number;
  lr: number;
  threshold: number;
  clip: number;
}

/**
 * Replays the training pass of `chunker22Train` for all seeds of `ins`, reading the state
 * back before and after every block in `sample` (one host sync each, shared by consecutive
 * blocks). Every GPU tensor is disposed, also on failure.
 */
export async function replayC22Training(
  ins: C22ReplayInputs,
  sample: ReadonlySet<number>,
): Promise<C22Replay> {
  const { block: B } = C22_GPU;
  const S = ins.a.length / c22ParamCount(ins.mode).a;
  const stride = (ins.blocks + 1) * B;
  const owned: Tensor[] = [];
  const own = <T extends Tensor>(t: T): T => (owned.push(t), t);
  try {
    // The trainer's own recorder: the same kernels, buffers and uniforms as chunker22Train.
    const session = c22Session(
      { mode: ins.mode, seeds: S, lr: ins.lr, threshold: ins.threshold, clip: ins.clip },
      ins.a,
      ins.c,
      own,
    );
    const { a, ma, c, mc, logits, labels, grads } = session;
    const stream = own(tensor(ins.streams, [S * stride], { dtype: "i32" }));
    const pass = session.pass(stream, stride, ins.blocks, true);
    const { state, hs, rec, pt } = pass;
    const read = async (): Promise<C22Buffers> => {
      const list = [a, ma, state, hs, logits, labels, grads, ...(c && mc ? [c, mc] : [])];
      const r = (await readTensors(list)) as Float32Array[];
      return {
        a: r[0]!,
        ma: r[1]!,
        state: r[2]!,
        hs: r[3]!,
        logits: r[4]!,
        labels: r[5]!,
        grads: r[6]!,
        c: r[7] ?? new Float32Array(0),
        mc: r[8] ?? new Float32Array(0),
      };
    };
    const snapshots: C22Snapshot[] = [];
    let last: { blk: number; buf: C22Buffers } | null = null;
    for (let blk = 0; blk < ins.blocks; blk++) {
      const observed = sample.has(blk);
      const before = observed ? (last?.blk === blk - 1 ? last.buf : await read()) : null;
      pass.recordBlock(blk);
      if (observed) {
        const after = await read();
        snapshots.push({ blk, before: before!, after });
        last = { blk, buf: after };
      }
    }
    const final = last?.blk === ins.blocks - 1 ? last.buf : await read();
    const [recOut, ptOut] = await readTensors([rec, pt]);
    return {
      snapshots,
      final,
      rec: recOut as Int32Array,
      pTarget: ptOut as Float32Array,
    };
  } finally {
    for (const t of owned) t.dispose();
  }
}

const f64 = (a: Float32Array, from: number, n: number) =>
  Float64Array.from(a.subarray(from, from + n));

/** Parameters and moments of seed `s` in buffers of P parameters per seed (moments: m then v). */
function adamOf(p: Float32Array, m: Float32Array, s: number, P: number): AdamState {
  return { params: f64(p, s * P, P), m: f64(m, 2 * s * P, P), v: f64(m, 2 * s * P + P, P) };
}

/**
 * Seed `s`'s block of A in a snapshot, as {@link checkA22Block} takes it (`streams`: every seed's
 * training stream, `blocks` training blocks each).
 */
export function a22BlockOf(
  snap: C22Snapshot,
  s: number,
  mode: "chunker" | "single",
  streams: Int32Array,
  blocks: number,
): A22Block {
  const { vocab: V, block: B, hidden: H } = C22_GPU;
  const P = c22ParamCount(mode).a;
  const o = s * (blocks + 1) * B + snap.blk * B;
  const { after } = snap;
  return {
    mode,
    t: snap.blk + 1,
    before: adamOf(snap.before.a, snap.before.ma, s, P),
    inputs: streams.subarray(o, o + B),
    targets: streams.subarray(o + 1, o + B + 1),
    gpu: {
      hs: f64(after.hs, s * (B + 1) * H, (B + 1) * H),
      logits: f64(after.logits, s * B * V, B * V),
      label: after.labels[s * B + B - 1]!,
      grads: f64(after.grads, s * P, P),
      after: adamOf(after.a, after.ma, s, P),
    },
  };
}

/**
 * Seed `s`'s update of C in a snapshot (chunker mode), or null when the block kernel did not
 * step C (its Adam counter did not move).
 */
export function c22StepOf(snap: C22Snapshot, s: number): C22Step | null {
  const PC = c22ParamCount("chunker").c;
  const steps = snap.before.state[2 * s + 1]!;
  if (snap.after.state[2 * s + 1] === steps) return null;
  return {
    symbol: snap.after.state[2 * s]!,
    steps,
    before: adamOf(snap.before.c, snap.before.mc, s, PC),
    after: adamOf(snap.after.c, snap.after.mc, s, PC),
  };
}
