/**
 * f64 oracle of the history-compression chunkers
 * (cybertronai/schmidhuber-problems PR #8, chunker-22-symbol/ and
 * chunker-very-deep-1200/): an Elman RNN with a symbol head and an optional
 * sigmoid label head, its analytic BPTT, Adam with global-norm clipping, SGD
 * with element-wise clipping, the two task generators and both training
 * protocols (automatizer + chunker on the surprise stream, and the single-net
 * baselines).
 *
 * Randomness comes in through {@link Draws} (uniform and normal sources) so
 * that the oracle never depends on a particular generator: the tests pass
 * memspec's `Rng`, the fixtures replay numpy's draws.
 *
 * Parameters are one flat Float64Array in the order
 * W_xh [H, V], W_hh [H, H], W_hy [O, H], W_hl [L, H], b_h [H], b_y [O], b_l [L]
 * with L ∈ {0, 1}; row-major, h' = tanh(W_xh[:, s] + W_hh h + b_h),
 * z = W_hy h' + b_y, label = σ(W_hl h' + b_l).
 *
 * @example One forward step of a tiny net
 * ```ts
 * import { rnnDims, rnnForward } from "./chunker.ts";
 * import { strictEqual } from "node:assert/strict";
 * const d = rnnDims(3, 2, 3, 0);
 * const f = rnnForward(d, new Float64Array(d.size), new Float64Array(2), [1, 2]);
 * strictEqual(f.logits.length, 6);
 * ```
 *
 * @module
 */

/** Sizes and offsets of an Elman net's flat parameter vector. */
export interface RnnDims {
  readonly vocab: number;
  readonly hidden: number;
  readonly out: number;
  /** 0 (no label head) or 1. */
  readonly label: number;
  readonly wxh: number;
  readonly whh: number;
  readonly why: number;
  readonly whl: number;
  readonly bh: number;
  readonly by: number;
  readonly bl: number;
  readonly size: number;
}

/** Offsets of the flat layout for V inputs, H hidden units, O outputs, L label heads. */
export function rnnDims(vocab: number, hidden: number, out: number, label: number): RnnDims {
  const wxh = 0;
  const whh = wxh + hidden * vocab;
  const why = whh + hidden * hidden;
  const whl = why + out * hidden;
  const bh = whl + label * hidden;
  const by = bh + hidden;
  const bl = by + out;
  return { vocab, hidden, out, label, wxh, whh, why, whl, bh, by, bl, size: bl + label };
}

/** Random sources: uniform in [0, 1) and standard normal. */
export interface Draws {
  uniform(): number;
  normal(): number;
}

/**
 * Initial parameters: N(0, 1)·scale(fanIn) drawn in the order W_xh, W_hh,
 * W_hy, W_hl (row-major); biases zero. `scale` receives the fan-in (V for
 * W_xh, H for the others).
 */
export function rnnInit(d: RnnDims, draws: Draws, scale: (fanIn: number) => number): Float64Array {
  const p = new Float64Array(d.size);
  const block = (off: number, n: number, fanIn: number) => {
    const s = scale(fanIn);
    for (let i = 0; i < n; i++) p[off + i] = draws.normal() * s;
  };
  block(d.wxh, d.hidden * d.vocab, d.vocab);
  block(d.whh, d.hidden * d.hidden, d.hidden);
  block(d.why, d.out * d.hidden, d.hidden);
  block(d.whl, d.label * d.hidden, d.hidden);
  return p;
}

/** Activations of a forward pass over T steps. */
export interface RnnForward {
  /** [T + 1, H]: row 0 is the initial state. */
  h: Float64Array;
  /** [T, O]. */
  logits: Float64Array;
  /** [T] σ(label) (empty without a label head). */
  label: Float64Array;
}

/** Runs the net over `inputs` from state `h0` (no loss). */
export function rnnForward(
  d: RnnDims,
  p: Float64Array,
  h0: ArrayLike<number>,
  inputs: ArrayLike<number>,
): RnnForward {
  const { hidden: H, vocab: V, out: O } = d;
  const T = inputs.length;
  const h = new Float64Array((T + 1) * H);
  for (let j = 0; j < H; j++) h[j] = h0[j]!;
  const logits = new Float64Array(T * O);
  const label = new Float64Array(d.label ? T : 0);
  for (let t = 0; t < T; t++) {
    const s = inputs[t]!;
    const prev = t * H;
    const cur = (t + 1) * H;
    for (let j = 0; j < H; j++) {
      let a = p[d.wxh + j * V + s]! + p[d.bh + j]!;
      const row = d.whh + j * H;
      for (let k = 0; k < H; k++) a += p[row + k]! * h[prev + k]!;
      h[cur + j] = Math.tanh(a);
    }
    for (let o = 0; o < O; o++) {
      let z = p[d.by + o]!;
      const row = d.why + o * H;
      for (let k = 0; k < H; k++) z += p[row + k]! * h[cur + k]!;
      logits[t * O + o] = z;
    }
    if (d.label) {
      let z = p[d.bl]!;
      for (let k = 0; k < H; k++) z += p[d.whl + k]! * h[cur + k]!;
      label[t] = 1 / (1 + Math.exp(-z));
    }
  }
  return { h, logits, label };
}

/** Softmax of row `t` of [T, O] logits. */
export function softmaxRow(logits: Float64Array, t: number, O: number): Float64Array {
  let m = -Infinity;
  for (let o = 0; o < O; o++) m = Math.max(m, logits[t * O + o]!);
  const e = new Float64Array(O);
  let s = 0;
  for (let o = 0; o < O; o++) s += e[o] = Math.exp(logits[t * O + o]! - m);
  for (let o = 0; o < O; o++) e[o]! /= s;
  return e;
}

/**
 * The loss: Σ_t ceWeight[t]·CE(z_t, targets[t]) + Σ_t [labelTarget[t] is
 * 0 or 1]·BCE(label_t, labelTarget[t]). Steps with weight 0 or label target
 * NaN are unsupervised.
 */
export interface RnnLossSpec {
  targets: ArrayLike<number>;
  ceWeight: ArrayLike<number>;
  labelTarget?: ArrayLike<number>;
}

/** The scalar loss of a forward pass. */
export function rnnLoss(d: RnnDims, f: RnnForward, spec: RnnLossSpec): number {
  const T = spec.targets.length;
  let loss = 0;
  for (let t = 0; t < T; t++) {
    const w = spec.ceWeight[t]!;
    if (w !== 0) {
      const pr = softmaxRow(f.logits, t, d.out);
      loss -= w * Math.log(pr[spec.targets[t]!]!);
    }
    const y = spec.labelTarget?.[t];
    if (d.label && y !== undefined && !Number.isNaN(y)) {
      const q = f.label[t]!;
      loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
  }
  return loss;
}

/** Analytic ∂loss/∂params by BPTT over the whole window (h0 treated as a constant). */
export function rnnBackward(
  d: RnnDims,
  p: Float64Array,
  inputs: ArrayLike<number>,
  f: RnnForward,
  spec: RnnLossSpec,
): Float64Array {
  const { hidden: H, vocab: V, out: O } = d;
  const T = inputs.length;
  const g = new Float64Array(d.size);
  const dh = new Float64Array(H);
  const da = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const cur = (t + 1) * H;
    const prev = t * H;
    const w = spec.ceWeight[t]!;
    if (w !== 0) {
      const pr = softmaxRow(f.logits, t, O);
      pr[spec.targets[t]!]! -= 1;
      for (let o = 0; o < O; o++) {
        const dz = w * pr[o]!;
        g[d.by + o]! += dz;
        const row = d.why + o * H;
        for (let k = 0; k < H; k++) {
          g[row + k]! += dz * f.h[cur + k]!;
          dh[k]! += dz * p[row + k]!;
        }
      }
    }
    const y = spec.labelTarget?.[t];
    if (d.label && y !== undefined && !Number.isNaN(y)) {
      const dz = f.label[t]! - y;
      g[d.bl]! += dz;
      for (let k = 0; k < H; k++) {
        g[d.whl + k]! += dz * f.h[cur + k]!;
        dh[k]! += dz * p[d.whl + k]!;
      }
    }
    const s = inputs[t]!;
    for (let j = 0; j < H; j++) {
      const hj = f.h[cur + j]!;
      da[j] = dh[j]! * (1 - hj * hj);
    }
    dh.fill(0);
    for (let j = 0; j < H; j++) {
      const a = da[j]!;
      g[d.bh + j]! += a;
      g[d.wxh + j * V + s]! += a;
      const row = d.whh + j * H;
      for (let k = 0; k < H; k++) {
        g[row + k]! += a * f.h[prev + k]!;
        dh[k]! += a * p[row + k]!;
      }
    }
  }
  return g;
}

/** Adam state for a flat parameter vector. */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  t: number;
}

/** Fresh zero moments. */
export function adamState(n: number): AdamState {
  return { m: new Float64Array(n), v: new Float64Array(n), t: 0 };
}

/** Global-norm clipping threshold of both chunker-22 nets. */
export const C22_CLIP = 1;

/**
 * In place: g ← g·min(1, clip/‖g‖), then bias-corrected Adam
 * (β = 0.9, 0.999, ε = 1e-8 added after the square root).
 */
export function adamClipStep(
  p: Float64Array,
  g: Float64Array,
  s: AdamState,
  lr: number,
  clip: number,
): void {
  let sq = 0;
  for (const x of g) sq += x * x;
  const norm = Math.sqrt(sq);
  const scale = norm > clip ? clip / norm : 1;
  s.t += 1;
  const c1 = 1 - 0.9 ** s.t;
  const c2 = 1 - 0.999 ** s.t;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * scale;
    s.m[i] = 0.9 * s.m[i]! + 0.1 * gi;
    s.v[i] = 0.999 * s.v[i]! + 0.001 * gi * gi;
    p[i]! -= lr * (s.m[i]! / c1) / (Math.sqrt(s.v[i]! / c2) + 1e-8);
  }
}

/** In place: p ← p − lr·clamp(g, −c, c) (the chunker-1200 update). */
export function sgdClipStep(p: Float64Array, g: Float64Array, lr: number, c: number): void {
  for (let i = 0; i < p.length; i++) p[i]! -= lr * Math.min(c, Math.max(-c, g[i]!));
}

// --- chunker-22 (chunker-22-symbol) ---

/** Chunker-22 symbols: a = 0, x = 1, b1..b20 = 2..21; blocks of 21. */
export const C22 = { vocab: 22, block: 21, a: 0, x: 1, hidden: 32 } as const;

/** `blocks` blocks [first, 2, ..., 21] with first = a when uniform() < 0.5, else x. */
export function c22Stream(blocks: number, uniform: () => number): Int32Array {
  const s = new Int32Array(blocks * C22.block);
  for (let b = 0; b < blocks; b++) {
    s[b * C22.block] = uniform() < 0.5 ? C22.a : C22.x;
    for (let i = 1; i < C22.block; i++) s[b * C22.block + i] = i + 1;
  }
  return s;
}

/** Chunker-22 protocol settings. */
export interface C22Config {
  /** Surprise threshold θ on A's p(target). */
  threshold: number;
  blocks: number;
  lr: number;
  evalBlocks: number;
}

/** The README's configuration (θ = 0.95, 1500 blocks; the CLI defaults differ). */
export const C22_README: C22Config = { threshold: 0.95, blocks: 1500, lr: 1e-2, evalBlocks: 200 };

/** Fan-in scaled init of chunker-22: N(0, 1)·0.5/√fanIn. */
export const c22Scale = (fanIn: number): number => 0.5 / Math.sqrt(fanIn);

/** The trained nets and their evaluation figures. */
export interface C22Result {
  mode: "chunker" | "single";
  /** A (with a label head in "single" mode) and C (chunker mode only). */
  a: Float64Array;
  c: Float64Array | null;
  /** Label predictions (0/1) and labels of the eval blocks. */
  predictions: Int8Array;
  labels: Int8Array;
  /** Accuracy over eval blocks 1..n−1 and over all blocks. */
  accuracyAfterFirst: number;
  accuracy: number;
  /** Surprises (p(target) < θ, any symbol) over the eval stream. */
  evalSurprises: number;
  /** Argmax next-symbol accuracy on eval (ceiling 20/21). */
  symbolAccuracy: number;
  /** Surprises per training block. */
  trainSurprises: Int32Array;
}

/** Dims of A (mode single: with a label head) and of C. */
export function c22Dims(mode: "chunker" | "single"): { a: RnnDims; c: RnnDims } {
  return {
    a: rnnDims(C22.vocab, C22.hidden, C22.vocab, mode === "single" ? 1 : 0),
    c: rnnDims(C22.vocab, C22.hidden, C22.vocab, 1),
  };
}

const C22_CE = Float64Array.from({ length: C22.block }, (_, t) => (t < C22.block - 1 ? 1 : 0));
const C22_NO_CE = new Float64Array(1);

/** C's label for one surprise symbol, run for one step from h = 0. */
export function c22ChunkerLabel(c: Float64Array, symbol: number): number {
  const d = c22Dims("chunker").c;
  return rnnForward(d, c, new Float64Array(d.hidden), [symbol]).label[0]!;
}

/**
 * Trains chunker-22 from `init` draws and the training stream, then evaluates
 * on `evalStream`. Draw order: A's init then C's init, both from `init`.
 */
export function c22Run(
  mode: "chunker" | "single",
  cfg: C22Config,
  stream: Int32Array,
  evalStream: Int32Array,
  init: Draws,
): C22Result {
  const dims = c22Dims(mode);
  const a = rnnInit(dims.a, init, c22Scale);
  const c = mode === "chunker" ? rnnInit(dims.c, init, c22Scale) : null;
  const sa = adamState(dims.a.size);
  const sc = adamState(dims.c.size);
  const trainSurprises = new Int32Array(cfg.blocks);
  const pass = (str: Int32Array, blocks: number, train: boolean) => {
    let h = new Float64Array(C22.hidden);
    let last = -1;
    const predictions = new Int8Array(blocks);
    const labels = new Int8Array(blocks);
    let surprises = 0;
    let symbolHits = 0;
    for (let b = 0; b < blocks; b++) {
      const o = b * C22.block;
      const inputs = str.subarray(o, o + C22.block);
      const targets = str.subarray(o + 1, o + C22.block + 1);
      const label = inputs[0] === C22.a ? 1 : 0;
      labels[b] = label;
      const f = rnnForward(dims.a, a, h, inputs);
      if (mode === "single") predictions[b] = f.label[C22.block - 1]! > 0.5 ? 1 : 0;
      else predictions[b] = last >= 0 && c22ChunkerLabel(c!, last) > 0.5 ? 1 : 0;
      const surprised: number[] = [];
      for (let t = 0; t < C22.block; t++) {
        const pr = softmaxRow(f.logits, t, C22.vocab);
        let best = 0;
        for (let k = 1; k < C22.vocab; k++) if (pr[k]! > pr[best]!) best = k;
        if (best === targets[t]) symbolHits++;
        if (pr[targets[t]!]! < cfg.threshold) {
          surprises++;
          if (targets[t] === C22.a || targets[t] === C22.x) surprised.push(targets[t]!);
        }
      }
      if (train) {
        trainSurprises[b] = surprises;
        surprises = 0;
        const labelTarget = new Float64Array(C22.block).fill(NaN);
        if (mode === "single") labelTarget[C22.block - 1] = label;
        const spec = { targets, ceWeight: C22_CE, labelTarget };
        adamClipStep(a, rnnBackward(dims.a, a, inputs, f, spec), sa, cfg.lr, C22_CLIP);
      }
      for (const s of surprised) {
        if (train && c) {
          const h0 = new Float64Array(C22.hidden);
          const fc = rnnForward(dims.c, c, h0, [s]);
          const spec = {
            targets: [0],
            ceWeight: C22_NO_CE,
            labelTarget: [s === C22.a ? 1 : 0],
          };
          adamClipStep(c, rnnBackward(dims.c, c, [s], fc, spec), sc, cfg.lr, C22_CLIP);
        }
        last = s;
      }
      h = f.h.slice(C22.block * C22.hidden);
    }
    return { predictions, labels, surprises, symbolHits };
  };
  pass(stream, cfg.blocks, true);
  const ev = pass(evalStream, cfg.evalBlocks, false);
  let hits = 0;
  let hitsAfter = 0;
  for (let b = 0; b < cfg.evalBlocks; b++) {
    if (ev.predictions[b] === ev.labels[b]) {
      hits++;
      if (b > 0) hitsAfter++;
    }
  }
  return {
    mode,
    a,
    c,
    predictions: ev.predictions,
    labels: ev.labels,
    accuracy: hits / cfg.evalBlocks,
    accuracyAfterFirst: hitsAfter / (cfg.evalBlocks - 1),
    evalSurprises: ev.surprises,
    symbolAccuracy: ev.symbolHits / (cfg.evalBlocks * C22.block),
    trainSurprises,
  };
}

// --- chunker-1200 (chunker-very-deep-1200) ---

/** Chunker-1200 vocabulary: triggers A = 0, B = 1, fillers 2..6. */
export const C1200 = { vocab: 7, fillers: 5 } as const;

/** One sequence: [trigger, 2, 3, 4, 5, 6, 2, ..., trigger] of length T. */
export function c1200Sequence(T: number, trigger: number): Int32Array {
  const s = new Int32Array(T);
  s[0] = trigger;
  for (let i = 1; i < T - 1; i++) s[i] = 2 + ((i - 1) % C1200.fillers);
  s[T - 1] = trigger;
  return s;
}

/** Chunker-1200 protocol settings (the original's defaults). */
export interface C1200Config {
  T: number;
  autoHidden: number;
  autoEpochs: number;
  autoSeqs: number;
  autoWindow: number;
  autoLr: number;
  probeSeqs: number;
  chunkHidden: number;
  chunkEpochs: number;
  chunkSeqs: number;
  chunkLr: number;
  baseHidden: number;
  baseEpochs: number;
  baseSeqs: number;
  baseLr: number;
  evalSeqs: number;
  /** Element-wise gradient clip. */
  clip: number;
}

/** The original's configuration at T = 1200. */
export const C1200_DEFAULTS: C1200Config = {
  T: 1200,
  autoHidden: 16,
  autoEpochs: 80,
  autoSeqs: 8,
  autoWindow: 6,
  autoLr: 0.05,
  probeSeqs: 8,
  chunkHidden: 8,
  chunkEpochs: 200,
  chunkSeqs: 16,
  chunkLr: 0.1,
  baseHidden: 16,
  baseEpochs: 30,
  baseSeqs: 4,
  baseLr: 0.05,
  evalSeqs: 50,
  clip: 5,
};

/** Per-step CE of a forward pass against `targets`. */
export function perStepCe(d: RnnDims, f: RnnForward, targets: ArrayLike<number>): Float64Array {
  return Float64Array.from(
    { length: targets.length },
    (_, t) => -Math.log(softmaxRow(f.logits, t, d.out)[targets[t]!]!),
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** The surprise mask of A over a full sequence: CE_t > θ, with step 0 forced. */
export function c1200Mask(
  d: RnnDims,
  a: Float64Array,
  seq: Int32Array,
  threshold: number,
): Uint8Array {
  const x = seq.subarray(0, seq.length - 1);
  const ce = perStepCe(d, rnnForward(d, a, new Float64Array(d.hidden), x), seq.subarray(1));
  const mask = Uint8Array.from(ce, (v) => (v > threshold ? 1 : 0));
  mask[0] = 1;
  return mask;
}

/** Compressed (inputs, targets) of C; falls back to steps [0, T−2] under 2 surprises. */
export function c1200Compress(seq: Int32Array, mask: Uint8Array): { x: number[]; y: number[] } {
  const idx: number[] = [];
  mask.forEach((m, t) => m && idx.push(t));
  const use = idx.length >= 2 ? idx : [0, seq.length - 2];
  return { x: use.map((t) => seq[t]!), y: use.map((t) => seq[t + 1]!) };
}

/** Everything the chunker-1200 protocol measured. */
export interface C1200Result {
  threshold: number;
  chunkerAccuracy: number;
  baselineAccuracy: number;
  /** Mean surprises per eval sequence (forced step 0 included). */
  surprisesPerSequence: number;
  /** How often C fell back to [0, T−2] on the eval sequences. */
  fallbacks: number;
  /** Baseline per-step CE on the eval sequences (nats) before and after training. */
  baselineCeBefore: number;
  baselineCe: number;
  /** How often the baseline's last-step argmax is a trigger symbol. */
  baselineTriggerRate: number;
  /** C's mean training loss over its last epoch (per sequence, summed CE). */
  chunkerFinalLoss: number;
}

const ones = (n: number) => new Float64Array(n).fill(1);

/**
 * The whole chunker-1200 protocol with one sequential draw source: A's init
 * and training triggers, the probe triggers, C's init and triggers, the
 * baseline's init and triggers, then the eval triggers. Triggers are
 * `floor(2·uniform())`.
 */
export function c1200Run(cfg: C1200Config, draws: Draws): C1200Result {
  const { T, clip } = cfg;
  const trig = () => (draws.uniform() < 0.5 ? 0 : 1);
  const V = C1200.vocab;
  // 1. automatizer
  const da = rnnDims(V, cfg.autoHidden, V, 0);
  const a = rnnInit(da, draws, () => 0.1);
  for (let e = 0; e < cfg.autoEpochs; e++) {
    for (let s = 0; s < cfg.autoSeqs; s++) {
      const seq = c1200Sequence(T, trig());
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
  }
  // 2. threshold
  const edge: number[] = [];
  const fill: number[] = [];
  for (let s = 0; s < cfg.probeSeqs; s++) {
    const seq = c1200Sequence(T, trig());
    const f = rnnForward(da, a, new Float64Array(da.hidden), seq.subarray(0, T - 1));
    perStepCe(da, f, seq.subarray(1)).forEach((v, t) =>
      (t === 0 || t === T - 2 ? edge : fill).push(v)
    );
  }
  const threshold = (median(edge) + median(fill)) / 2;
  // 4. chunker
  const dc = rnnDims(V, cfg.chunkHidden, V, 0);
  const c = rnnInit(dc, draws, () => 0.2);
  let chunkerFinalLoss = 0;
  for (let e = 0; e < cfg.chunkEpochs; e++) {
    let lossSum = 0;
    for (let s = 0; s < cfg.chunkSeqs; s++) {
      const seq = c1200Sequence(T, trig());
      const { x, y } = c1200Compress(seq, c1200Mask(da, a, seq, threshold));
      const spec = { targets: y, ceWeight: ones(x.length) };
      const f = rnnForward(dc, c, new Float64Array(dc.hidden), x);
      lossSum += rnnLoss(dc, f, spec);
      sgdClipStep(c, rnnBackward(dc, c, x, f, spec), cfg.chunkLr / x.length, clip);
    }
    chunkerFinalLoss = lossSum / cfg.chunkSeqs;
  }
  // 5. baseline
  const db = rnnDims(V, cfg.baseHidden, V, 0);
  const base = rnnInit(db, draws, () => 0.1);
  const baseCe = (p: Float64Array, seqs: Int32Array[]) => {
    let sum = 0;
    for (const seq of seqs) {
      const f = rnnForward(db, p, new Float64Array(db.hidden), seq.subarray(0, T - 1));
      sum += perStepCe(db, f, seq.subarray(1)).reduce((u, v) => u + v, 0);
    }
    return sum / (seqs.length * (T - 1));
  };
  const baseInit = base.slice();
  for (let e = 0; e < cfg.baseEpochs; e++) {
    for (let s = 0; s < cfg.baseSeqs; s++) {
      const seq = c1200Sequence(T, trig());
      const x = seq.subarray(0, T - 1);
      const spec = { targets: seq.subarray(1), ceWeight: ones(T - 1) };
      const f = rnnForward(db, base, new Float64Array(db.hidden), x);
      sgdClipStep(base, rnnBackward(db, base, x, f, spec), cfg.baseLr / (T - 1), clip);
    }
  }
  // 6. eval
  const evalSeqs = Array.from({ length: cfg.evalSeqs }, () => c1200Sequence(T, trig()));
  let chunkHits = 0;
  let baseHits = 0;
  let surprises = 0;
  let fallbacks = 0;
  let baseTriggers = 0;
  const argmaxLast = (f: RnnForward, n: number) => {
    let best = 0;
    for (let k = 1; k < V; k++) {
      if (f.logits[(n - 1) * V + k]! > f.logits[(n - 1) * V + best]!) best = k;
    }
    return best;
  };
  for (const seq of evalSeqs) {
    const mask = c1200Mask(da, a, seq, threshold);
    const n = mask.reduce((u, v) => u + v, 0);
    surprises += n;
    if (n < 2) fallbacks++;
    const { x } = c1200Compress(seq, mask);
    const fc = rnnForward(dc, c, new Float64Array(dc.hidden), x);
    if (argmaxLast(fc, x.length) === seq[T - 1]) chunkHits++;
    const fb = rnnForward(db, base, new Float64Array(db.hidden), seq.subarray(0, T - 1));
    const pb = argmaxLast(fb, T - 1);
    if (pb === seq[T - 1]) baseHits++;
    if (pb < 2) baseTriggers++;
  }
  return {
    threshold,
    chunkerAccuracy: chunkHits / cfg.evalSeqs,
    baselineAccuracy: baseHits / cfg.evalSeqs,
    surprisesPerSequence: surprises / cfg.evalSeqs,
    fallbacks,
    baselineCeBefore: baseCe(baseInit, evalSeqs),
    baselineCe: baseCe(base, evalSeqs),
    baselineTriggerRate: baseTriggers / cfg.evalSeqs,
    chunkerFinalLoss,
  };
}
