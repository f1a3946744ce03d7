/**
 * Chunker-22 training on the GPU (cybertronai/schmidhuber-problems PR #8, chunker-22-symbol/): the whole
 * protocol — the automatizer A's block-by-block forward, CE BPTT and clipped
 * Adam, the surprise test on A's pre-update probabilities, the chunker C's
 * one-step BCE update on every surprising a/x symbol, the label read-out, and
 * the evaluation pass — runs for many seeds at once, one invocation per seed
 * and no barriers. Each training block is two dispatches: the block kernel
 * (A's forward, read-out, surprise test, C's update;
 * impl/fastweights/chunker/kernels/block.ts) and the update kernel (A's BPTT,
 * clip and Adam; impl/fastweights/chunker/kernels/block_update.ts); an eval
 * block is one. Both fit one block into llvmpipe's loop budget (about 42,000
 * and 52,000 of 65,535 loop-header evaluations per invocation). The carried
 * state, the last surprise symbol s*, both nets, their Adam moments and the
 * per-block records stay in GPU buffers; the host reads everything back once
 * at the end.
 *
 * Why not one workgroup per seed with many blocks per dispatch: such a fused
 * kernel (32 invocations per seed, workgroup barriers in every time step)
 * ran correctly but took llvmpipe about two minutes to compile, against 4–6 s
 * for these two barrier-free kernels; per block the two dispatches cost
 * ~0.1 ms of overhead against ~3 ms of work for ten seeds.
 *
 * The single-net baseline ("single") trains A with a label head (BCE at
 * t = 20 added to the CE) and reads its own label at t = 20.
 *
 * @example Two seeds, 20 blocks
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { c22ParamCount, chunker22Train } from "./train22.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const S = 2;
 * const block = (first: number) => [first, ...Array.from({ length: 20 }, (_, i) => i + 2)];
 * const stream = Array.from({ length: 21 }, () => block(0)).flat();
 * const r = await chunker22Train({ threshold: 0.95, blocks: 20, lr: 1e-2, evalBlocks: 20 }, {
 *   mode: "chunker",
 *   a: new Float32Array(S * c22ParamCount("chunker").a).fill(0.01),
 *   c: new Float32Array(S * c22ParamCount("chunker").c).fill(0.01),
 *   streams: Int32Array.from([...stream, ...stream]),
 *   evalStream: Int32Array.from(stream),
 * });
 * strictEqual(r.seeds.length, 2);
 * ```
 *
 * @module
 */
import { gpu } from "../../gpu/device.ts";
import { dispatch } from "../../gpu/program.ts";
import { readTensors, type Tensor, tensor, zeros } from "../../tensor.ts";
import { chunkerParamCount } from "./chunker.ts";
import {
  checkFiniteList,
  checkObject,
  checkOneOf,
  checkReal,
  checkTyped,
  shown,
} from "../../validate.ts";
import { C22_BLOCK, C22_BLOCK_WORKGROUP, c22BlockLoops } from "./kernels/block.ts";
import { C22_UPDATE, C22_UPDATE_WORKGROUP, c22UpdateLoops } from "./kernels/block_update.ts";
import { type ChunkerNetDims, chunkerOffsets } from "./kernels/forward.ts";

/** Chunker-22 sizes: 22 symbols (a = 0, x = 1, b1..b20), blocks of 21, 32 hidden units. */
export const C22_GPU = { vocab: 22, block: 21, hidden: 32 } as const;

/** Protocol settings (the README's: θ = 0.95, 1500 blocks, lr 1e-2, 200 eval blocks). */
export interface Chunker22Config {
  /** Surprise threshold θ on A's p(target). */
  threshold: number;
  /** Training blocks. */
  blocks: number;
  /** Adam learning rate of both nets. */
  lr: number;
  /** Evaluation blocks (0: no evaluation). */
  evalBlocks: number;
  /** Global-norm clip of both nets' gradients (default 1). */
  clip?: number;
}

/** Initial nets and streams of S seeds. */
export interface Chunker22Inputs {
  /** "chunker": A (symbol head) + C; "single": A with a label head, no C. */
  mode: "chunker" | "single";
  /** f32 [S, P_A] in the flat layout W_xh, W_hh, W_hy, (W_hl), b_h, b_y, (b_l). */
  a: Float32Array;
  /** f32 [S, P_C] (chunker mode): C with a label head. */
  c?: Float32Array;
  /** i32 [S, (blocks + 1)·21]: each seed's training stream. */
  streams: Int32Array;
  /** i32 [(evalBlocks + 1)·21]: the evaluation stream shared by all seeds. */
  evalStream: Int32Array;
}

/** Per-block records of one pass. */
export interface Chunker22Pass {
  /** Surprise masks: bit t set iff p(target_t) < θ. */
  masks: Int32Array;
  /** Surprises per block (popcount of the mask). */
  surprises: Int32Array;
  /** Label read-out per block (0/1), taken before any update. */
  predictions: Int8Array;
  /** Argmax next-symbol hits per block (of 21). */
  hits: Int32Array;
  /** p(target) of A's pre-update softmax, [blocks, 21]. */
  pTarget: Float32Array;
}

/** One seed's trained nets and records. */
export interface Chunker22Seed {
  /** The automatizer A's trained parameters. */
  a: Float32Array;
  /** The chunker C's trained parameters; null in "single" mode. */
  c: Float32Array | null;
  /** Per-block records of the training pass. */
  train: Chunker22Pass;
  /** Per-block records of the evaluation pass. */
  eval: Chunker22Pass;
  /** Labels of the eval blocks (1 iff the block starts with a). */
  evalLabels: Int8Array;
  /** Eval label accuracy over all blocks. */
  accuracy: number;
  /** Eval label accuracy over blocks 1..n−1 (NaN without such blocks). */
  accuracyAfterFirst: number;
  /** Eval surprises (any symbol). */
  evalSurprises: number;
  /** Argmax next-symbol accuracy over the eval stream (ceiling 20/21). */
  symbolAccuracy: number;
}

/** Everything {@link chunker22Train} measured. */
export interface Chunker22Result {
  /** One record per seed, in the order of the inputs. */
  seeds: Chunker22Seed[];
  /** Dispatches recorded (two per training block, one per eval block). */
  dispatches: number;
}

/** Parameter counts of A and C for a mode. */
export function c22ParamCount(mode: "chunker" | "single"): { a: number; c: number } {
  checkOneOf("c22ParamCount", "mode", mode, ["chunker", "single"]);
  const { vocab, hidden, block } = C22_GPU;
  const dims = (label: number) => ({ vocab, hidden, out: vocab, label, steps: block });
  return { a: chunkerParamCount(dims(mode === "single" ? 1 : 0)), c: chunkerParamCount(dims(1)) };
}

function checkStream(name: string, s: Int32Array): void {
  for (let i = 0; i < s.length; i++) {
    const x = s[i]!;
    if (!(x >= 0 && x < C22_GPU.vocab)) {
      throw new RangeError(
        `Cannot train chunker-22: ${name}[${i}] is ${x}, expected a symbol in [0, ${C22_GPU.vocab})`,
      );
    }
  }
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v >>>= 1) n += v & 1;
  return n;
}

function netDims(label: number): ChunkerNetDims {
  const { vocab, hidden, block } = C22_GPU;
  return { vocab, hidden, out: vocab, label, steps: block };
}

/** Checks that each of the three per-block kernels fits the adapter's loop budget. */
function checkLoopBudget(mode: "chunker" | "single"): void {
  const { vocab: V, hidden: H, block: B } = C22_GPU;
  const need = Math.max(c22BlockLoops(B, V, H), c22UpdateLoops(B, V, H, c22ParamCount(mode).a));
  if (need > gpu().maxLoopIterations) {
    throw new RangeError(
      `Cannot train chunker-22: one block needs ${need} loop iterations in one invocation, ` +
        `past this adapter's limit of ${gpu().maxLoopIterations}`,
    );
  }
}

/**
 * Trains chunker-22 (or the single-net baseline) for S seeds on the GPU and
 * evaluates each on the shared eval stream; one host readback at the end.
 *
 * Inputs are validated synchronously, before any GPU work.
 *
 * @throws {TypeError} when an array's length disagrees with the config.
 * @throws {RangeError} for invalid settings or symbols.
 */
export function chunker22Train(
  cfg: Chunker22Config,
  inputs: Chunker22Inputs,
): Promise<Chunker22Result> {
  const { block: B } = C22_GPU;
  const op = "train chunker-22 (chunker22Train)";
  checkObject(op, "the configuration", cfg);
  checkObject(op, "the inputs", inputs);
  for (const k of ["threshold", "blocks", "lr", "evalBlocks"] as const) {
    if (typeof cfg[k] !== "number") {
      throw new TypeError(`Cannot ${op}: expected ${k} to be a number but got ${shown(cfg[k])}`);
    }
  }
  if (cfg.clip !== undefined) checkReal(op, "clip", cfg.clip);
  checkReal(op, "threshold", cfg.threshold, 0, 1);
  checkReal(op, "lr", cfg.lr);
  checkOneOf(op, "mode", inputs.mode, ["chunker", "single"]);
  checkFiniteList(op, "a", checkTyped(op, "a", inputs.a, Float32Array));
  if (inputs.mode === "chunker") {
    checkFiniteList(op, "c", checkTyped(op, "c", inputs.c, Float32Array));
  } else if (inputs.c !== undefined) {
    throw new TypeError(
      `Cannot ${op}: expected no chunker parameters c in "single" mode but got ${shown(inputs.c)}`,
    );
  }
  checkTyped(op, "streams", inputs.streams, Int32Array);
  checkTyped(op, "evalStream", inputs.evalStream, Int32Array);
  const { mode } = inputs;
  const clip = cfg.clip ?? 1;
  if (!Number.isInteger(cfg.blocks) || cfg.blocks < 0) {
    throw new RangeError(
      `Cannot train chunker-22: blocks must be an integer >= 0, got ${cfg.blocks}`,
    );
  }
  if (!Number.isInteger(cfg.evalBlocks) || cfg.evalBlocks < 0) {
    throw new RangeError(
      `Cannot train chunker-22: evalBlocks must be an integer >= 0, got ${cfg.evalBlocks}`,
    );
  }
  for (const [k, v] of [["threshold", cfg.threshold], ["lr", cfg.lr], ["clip", clip]] as const) {
    if (!(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`Cannot train chunker-22: ${k} must be finite and > 0, got ${v}`);
    }
  }
  const count = c22ParamCount(mode);
  const S = inputs.a.length / count.a;
  if (!Number.isInteger(S) || S < 1) {
    throw new TypeError(
      `Cannot train chunker-22: A's parameters hold ${inputs.a.length} values, expected a ` +
        `positive multiple of ${count.a}`,
    );
  }
  const cLen = inputs.c?.length ?? 0;
  if (mode === "chunker" && cLen !== S * count.c) {
    throw new TypeError(
      `Cannot train chunker-22 for ${S} seeds: C's parameters hold ${cLen} values, expected ` +
        `${S * count.c}`,
    );
  }
  const stride = (cfg.blocks + 1) * B;
  if (inputs.streams.length !== S * stride) {
    throw new TypeError(
      `Cannot train chunker-22 for ${S} seeds and ${cfg.blocks} blocks: streams hold ` +
        `${inputs.streams.length} symbols, expected ${S * stride}`,
    );
  }
  if (inputs.evalStream.length !== (cfg.evalBlocks + 1) * B) {
    throw new TypeError(
      `Cannot evaluate chunker-22 on ${cfg.evalBlocks} blocks: the eval stream holds ` +
        `${inputs.evalStream.length} symbols, expected ${(cfg.evalBlocks + 1) * B}`,
    );
  }
  checkStream("streams", inputs.streams);
  checkStream("evalStream", inputs.evalStream);
  checkLoopBudget(mode);
  return run(cfg, inputs, S, clip);
}

/** The settings of one chunker-22 training run that every block's kernels take. */
export interface C22RunSettings {
  /** "chunker": A (symbol head) + C; "single": A with a label head, no C. */
  mode: "chunker" | "single";
  /** Seeds trained side by side. */
  seeds: number;
  /** Adam learning rate of both nets. */
  lr: number;
  /** Surprise threshold θ in (0, 1]: a step is surprising iff A's p(target) < θ. */
  threshold: number;
  /** Global-norm clip of each net's gradient before its Adam step (> 0). */
  clip: number;
}

/** One pass over a stream: its per-pass state and the recorder of its blocks. */
export interface C22PassRecorder {
  /** [S, 2]: s* (or −1) and C's Adam step count. */
  state: Tensor;
  /**
   * Per-block records, i32 [S, max(1, blocks), 3]: surprise mask bits, label read-out (0/1)
   * and argmax next-symbol hits.
   */
  rec: Tensor;
  /** p(target) of A's pre-update softmax at every step, f32 [S, max(1, blocks), B]. */
  pt: Tensor;
  /** [S, B + 1, H]: the last block's states (h_A starts at 0 in each pass). */
  hs: Tensor;
  /** Records block `blk`: the block kernel, then (training) A's update kernel. */
  recordBlock(blk: number): void;
}

/**
 * The GPU state of a chunker-22 run (A, C and their Adam moments, the last block's logits,
 * labels and A's raw gradient) and the recorder of its passes. `chunker22Train` records every
 * block without a host sync; the spec's instrumented replay uses the same recorder and reads the
 * state back between chosen blocks. Every tensor is registered with `own` for disposal.
 */
export interface C22Session {
  /** A's parameters, f32 [S, P_A], trained in place. */
  a: Tensor;
  /** A's Adam moments, f32 [S, 2·P_A] (m, then v per seed). */
  ma: Tensor;
  /** C's parameters, f32 [S, P_C], trained in place; null in "single" mode. */
  c: Tensor | null;
  /** C's Adam moments, f32 [S, 2·P_C] (m, then v per seed); null in "single" mode. */
  mc: Tensor | null;
  /** A's symbol logits z_t of the last recorded block, f32 [S, B, V]. */
  logits: Tensor;
  /**
   * A's label output σ at t = B − 1 of the last recorded block, f32 [S, B] (single mode only;
   * 0 at the other steps and in chunker mode).
   */
  labels: Tensor;
  /** A's raw (unclipped) gradient from the last training block's update, f32 [S, P_A]. */
  grads: Tensor;
  /** Dispatches recorded so far. */
  readonly dispatches: number;
  /** A pass of `blocks` blocks over `stream` (`stride` symbols per seed, 0 = shared). */
  pass(stream: Tensor, stride: number, blocks: number, train: boolean): C22PassRecorder;
}

/**
 * Allocates a chunker-22 run's state from A's (and C's) initial parameters (inputs already
 * validated by {@link chunker22Train}).
 */
export function c22Session(
  run: C22RunSettings,
  aInit: Float32Array,
  cInit: Float32Array | undefined,
  own: <T extends Tensor>(t: T) => T,
): C22Session {
  const { vocab: V, block: B, hidden: H } = C22_GPU;
  const { mode, seeds: S } = run;
  const count = c22ParamCount(mode);
  const P = count.a;
  const PC = mode === "chunker" ? count.c : 1;
  const single = mode === "single" ? 1 : 0;
  const oa = chunkerOffsets(netDims(single));
  const oc = chunkerOffsets(netDims(1));
  const a = own(tensor(aInit, [S, P]));
  const ma = own(zeros([S, 2 * P]));
  // C and its moments exist in chunker mode only (the block kernel leaves them alone otherwise).
  const c = mode === "chunker" ? own(tensor(cInit!, [S, PC])) : null;
  const mc = mode === "chunker" ? own(zeros([S, 2 * PC])) : null;
  const logits = own(zeros([S, B, V]));
  const labels = own(zeros([S, B]));
  const grads = own(zeros([S, P]));
  let dispatches = 0;
  const pass = (stream: Tensor, stride: number, blocks: number, train: boolean) => {
    const st = new Float32Array(S * 2);
    for (let s = 0; s < S; s++) st[2 * s] = -1;
    const state = own(tensor(st, [S, 2]));
    const rec = own(zeros([S, Math.max(1, blocks), 3], { dtype: "i32" }));
    const pt = own(zeros([S, Math.max(1, blocks), B]));
    const hs = own(zeros([S, B + 1, H])); // h_A starts at 0 in each pass
    const recordBlock = (blk: number) => {
      dispatch(C22_BLOCK, {
        sizes: { B, V, H },
        uniforms: {
          seeds: S,
          blk,
          blocks,
          stride,
          train: train ? 1 : 0,
          single,
          pa: P,
          pc: PC,
          vocab: V,
          hidden: H,
          steps: B,
          lr: run.lr,
          threshold: run.threshold,
          clip: run.clip,
          whh: oa.whh,
          why: oa.why,
          whl_a: oa.whl,
          bh_a: oa.bh,
          by_a: oa.by,
          bl_a: oa.bl,
          whl_c: oc.whl,
          bh_c: oc.bh,
          bl_c: oc.bl,
        },
        buffers: {
          stream: stream.buffer,
          pa: a.buffer,
          pc: c?.buffer,
          mc: mc?.buffer,
          state: state.buffer,
          hs: hs.buffer,
          logits: logits.buffer,
          labels: labels.buffer,
          rec: rec.buffer,
          ptgt: pt.buffer,
        },
        workgroups: Math.ceil(S / C22_BLOCK_WORKGROUP),
      });
      dispatches++;
      if (!train) return;
      dispatch(C22_UPDATE, {
        sizes: { B, V, H, P },
        uniforms: {
          seeds: S,
          blk,
          stride,
          single,
          pa: P,
          vocab: V,
          hidden: H,
          steps: B,
          lr: run.lr,
          clip: run.clip,
          c1: 1 - 0.9 ** (blk + 1),
          c2: 1 - 0.999 ** (blk + 1),
          whh: oa.whh,
          why: oa.why,
          whl: oa.whl,
          bh: oa.bh,
          by: oa.by,
          bl: oa.bl,
        },
        buffers: {
          stream: stream.buffer,
          pa: a.buffer,
          ma: ma.buffer,
          hs: hs.buffer,
          logits: logits.buffer,
          labels: labels.buffer,
          grads: grads.buffer,
        },
        workgroups: Math.ceil(S / C22_UPDATE_WORKGROUP),
      });
      dispatches++;
    };
    return { state, rec, pt, hs, recordBlock };
  };
  return {
    a,
    ma,
    c,
    mc,
    logits,
    labels,
    grads,
    get dispatches() {
      return dispatches;
    },
    pass,
  };
}

/** Records both passes and reads the results back (inputs already validated). */
async function run(
  cfg: Chunker22Config,
  inputs: Chunker22Inputs,
  S: number,
  clip: number,
): Promise<Chunker22Result> {
  const { block: B } = C22_GPU;
  const { mode } = inputs;
  const count = c22ParamCount(mode);
  const stride = (cfg.blocks + 1) * B;
  const P = count.a;
  const PC = mode === "chunker" ? count.c : 1;
  const owned: Tensor[] = [];
  const own = <T extends Tensor>(t: T): T => (owned.push(t), t);
  const pass = (
    session: C22Session,
    stream: Tensor,
    streamStride: number,
    blocks: number,
    train: boolean,
  ) => {
    const p = session.pass(stream, streamStride, blocks, train);
    for (let blk = 0; blk < blocks; blk++) p.recordBlock(blk);
    return p;
  };
  try {
    const session = c22Session(
      { mode, seeds: S, lr: cfg.lr, threshold: cfg.threshold, clip },
      inputs.a,
      inputs.c,
      own,
    );
    const { a, c } = session;
    const trainStream = own(tensor(inputs.streams, [S * stride], { dtype: "i32" }));
    const evalStream = own(tensor(inputs.evalStream, [inputs.evalStream.length], { dtype: "i32" }));
    const tr = pass(session, trainStream, stride, cfg.blocks, true);
    const ev = pass(session, evalStream, 0, cfg.evalBlocks, false);
    const [aOut, trRec, trP, evRec, evP, cOut] = await readTensors([
      a,
      tr.rec,
      tr.pt,
      ev.rec,
      ev.pt,
      ...(c ? [c] : []),
    ]);
    const unpack = (recs: Int32Array, ps: Float32Array, s: number, blocks: number) => {
      const masks = new Int32Array(blocks);
      const surprises = new Int32Array(blocks);
      const predictions = new Int8Array(blocks);
      const hits = new Int32Array(blocks);
      const stepBase = Math.max(1, blocks);
      for (let b = 0; b < blocks; b++) {
        const r = (s * stepBase + b) * 3;
        masks[b] = recs[r]!;
        surprises[b] = popcount(recs[r]!);
        predictions[b] = recs[r + 1]!;
        hits[b] = recs[r + 2]!;
      }
      const pTarget = ps.slice(s * stepBase * B, (s * stepBase + blocks) * B);
      return { masks, surprises, predictions, hits, pTarget };
    };
    const evalLabels = new Int8Array(cfg.evalBlocks);
    for (let b = 0; b < cfg.evalBlocks; b++) evalLabels[b] = inputs.evalStream[b * B] === 0 ? 1 : 0;
    const seeds: Chunker22Seed[] = [];
    for (let s = 0; s < S; s++) {
      const train = unpack(trRec as Int32Array, trP as Float32Array, s, cfg.blocks);
      const evalPass = unpack(evRec as Int32Array, evP as Float32Array, s, cfg.evalBlocks);
      let hitsAll = 0;
      let hitsAfter = 0;
      for (let b = 0; b < cfg.evalBlocks; b++) {
        if (evalPass.predictions[b] === evalLabels[b]) {
          hitsAll++;
          if (b > 0) hitsAfter++;
        }
      }
      seeds.push({
        a: (aOut as Float32Array).slice(s * P, (s + 1) * P),
        c: cOut ? (cOut as Float32Array).slice(s * PC, (s + 1) * PC) : null,
        train,
        eval: evalPass,
        evalLabels,
        accuracy: cfg.evalBlocks > 0 ? hitsAll / cfg.evalBlocks : NaN,
        accuracyAfterFirst: cfg.evalBlocks > 1 ? hitsAfter / (cfg.evalBlocks - 1) : NaN,
        evalSurprises: evalPass.surprises.reduce((u, v) => u + v, 0),
        symbolAccuracy: evalPass.hits.reduce((u, v) => u + v, 0) / (cfg.evalBlocks * B),
      });
    }
    return { seeds, dispatches: session.dispatches };
  } finally {
    for (const t of owned) t.dispose();
  }
}
