/**
 * Real activations for the amygdala family: the per-layer states of decepticons'
 * causal-bank byte LM (asuramaya/decepticons CausalBankModel, memspec's `CausalBankLM`) as an
 * amygdala `ActivationSource`. This glue lives outside both families (a family never imports
 * another's folder) and reads both through impl/mod.ts.
 *
 * The source runs the model's own forward pass from its parameters, op for op, and keeps the
 * intermediate states (substrates `frozen` and `learned_recurrence`):
 *
 * - layer 0, `embedding`: x_t = Emb[byte_t] (E): a function of the last byte alone;
 * - layer 1, `substrate`: the recurrent bank's state S_t (M), a gated sum over the whole past;
 * - layer 2, `readout`: GELU([S_t, x_t] W₁ + b₁) (the linear path's hidden layer);
 * - layer 3, `local`: GELU([x_t … x_{t−W+1}] W_ℓ + b_ℓ) (the local path's hidden layer).
 *
 * {@link ByteLMActivations.logits} finishes the pass to the model's logits, so a test can
 * check that the exposed states are the model's (they give `CausalBankLM.forward`'s logits).
 *
 * Pooling (`options.pooling`): `"last"`, the default and the original's (the state at each
 * text's last byte, last-non-pad pooling of a right-padded batch), or `"mean"`, the mean of
 * the layer's states over the text's own bytes (pads never enter). The original pools the
 * last token of a 27B attention model, whose last state summarises the text; the last state
 * of this short-trained recurrent byte LM is a decayed sum of recent byte embeddings, so the
 * token mean is offered as the alternative summary. On the frozen substrate both are linear
 * in the byte embeddings, and cross-validation on the training stories kept `"last"`
 * (spec/amygdala/activations/claims.ts records the figures).
 *
 * {@link StackByteLM} is the second model: a nonlinear local layer (a GELU MLP over the last W
 * byte embeddings) under the same frozen decay bank, whose last-byte state is a recency-weighted
 * bag of nonlinear W-byte features, not only a position-weighted unigram count; its trained
 * checkpoint ({@link STACK_LM_CHECKPOINT}) is what the amygdala held-out AUROC claim reads.
 *
 * @example States of two texts (an untrained tiny model)
 * ```ts
 * import { CausalBankLM, initGpu, liveBufferCount } from "../mod.ts";
 * import { ByteLMActivations } from "./byte_lm_activations.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const lm = new CausalBankLM({
 *   substrate: "learned_recurrence", embeddingDim: 4, linearModes: 8, readoutHidden: 8,
 *   localHidden: 8, scanMethod: "sequential",
 * });
 * const source = new ByteLMActivations(lm);
 * const acts = await source.activate(["I feel calm.", "Rain."], { tokens: true });
 * deepStrictEqual(acts.layers.get(1)!.pooled.length, 2 * 8);
 * deepStrictEqual(acts.layers.get(1)!.tokens![1]!.length, 5 * 8);
 * // The token mean of "Rain." over its 5 bytes (the batch's pads never enter).
 * const mean = await new ByteLMActivations(lm, { pooling: "mean" }).activate(["Rain."]);
 * const tok = acts.layers.get(1)!.tokens![1]!;
 * const m0 = [0, 1, 2, 3, 4].reduce((s, t) => s + tok[t * 8]!, 0) / 5;
 * deepStrictEqual(mean.layers.get(1)!.pooled[0], Math.fround(m0));
 * lm.dispose();
 * deepStrictEqual(liveBufferCount(), before);
 * ```
 *
 * @module
 */
import {
  Adam,
  add,
  backward,
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
  CAUSAL_BANK_LM_DEFAULTS,
  type CausalBankLM,
  type CausalBankLMConfig,
  clipGradNorm,
  concat,
  crossEntropy,
  embedding,
  gelu,
  linearRecurrence,
  loadCheckpoint,
  matmul,
  mul,
  noGrad,
  readCheckpointInfo,
  readTensors,
  reshape,
  Rng,
  saveCheckpoint,
  sigmoid,
  slice,
  sub,
  type Tensor,
  tensor,
  tidy,
} from "../mod.ts";
import {
  type Activations,
  type ActivationSource,
  CorpusError,
  type LayerActivations,
  poolLast,
} from "../amygdala/mod.ts";

/** How {@link ByteLMActivations} pools a text's per-byte states into one row. */
export type BytePooling = "last" | "mean";

/** The byte LM's exposed layers, by index. */
export const BYTE_LM_LAYER_NAMES: readonly string[] = Object.freeze([
  "embedding",
  "substrate",
  "readout",
  "local",
]);

/**
 * A small byte-LM configuration that trains in seconds on a software GPU: the frozen decay
 * bank (M = 64 modes with half-lives 1.5 … 512 bytes, so the last byte's state still holds
 * the whole of a short story), the sequential scan, E = 16, readout hidden 64, local window 4
 * with hidden 32, seed 7 (fixed before any readout was measured).
 */
export const ACTIVATION_LM_CONFIG: Readonly<Partial<CausalBankLMConfig>> = Object.freeze({
  substrate: "frozen",
  embeddingDim: 16,
  linearModes: 64,
  readoutHidden: 64,
  localWindow: 4,
  localHidden: 32,
  scanMethod: "sequential",
  maxSeqLen: 2048,
  seed: 7,
});

/** How the activation LM is trained: 60 Adam steps of 8 windows of 64 bytes, lr 3e-3. */
export const ACTIVATION_LM_TRAINING: Readonly<{
  steps: number;
  batch: number;
  seqLen: number;
  lr: number;
}> = Object.freeze({ steps: 60, batch: 8, seqLen: 64, lr: 3e-3 });

interface States {
  x: Tensor;
  states: Tensor;
  hLin: Tensor;
  hLoc: Tensor | null;
}

/**
 * Hidden size of each exposed layer of a byte LM built from `config` (over
 * {@link ACTIVATION_LM_CONFIG}), without building it: E, M, readout hidden, local hidden.
 */
export function byteLMHiddenSizes(config: Partial<CausalBankLMConfig> = {}): number[] {
  const c = { ...CAUSAL_BANK_LM_DEFAULTS, ...ACTIVATION_LM_CONFIG, ...config };
  const sizes = [c.embeddingDim, c.linearModes, c.readoutHidden];
  if (c.localWindow > 0) sizes.push(c.localHidden);
  return sizes;
}

/** The per-layer states of a {@link CausalBankLM} (substrate `frozen` or `learned_recurrence`). */
export class ByteLMActivations implements ActivationSource {
  /** Layers 0 … 3 (3 only with a local path), see the module doc. */
  readonly layers: readonly number[];
  /** E, M, readoutHidden, localHidden. */
  readonly hiddenSizes: readonly number[];
  /** How each text's states are pooled (see the module doc); default `"last"`. */
  readonly pooling: BytePooling;
  readonly #lm: CausalBankLM;
  readonly #decays: Float32Array | null;

  /**
   * Reads the states of a trained causal-bank LM (the model is borrowed, not disposed).
   *
   * @param lm the model whose states are read
   * @param options `pooling`: `"last"` (default, the original's) or `"mean"`
   * @throws {TypeError} unless the substrate is `frozen` or `learned_recurrence`, or for a
   *   pooling other than `"last"` and `"mean"`.
   */
  constructor(lm: CausalBankLM, options: { pooling?: BytePooling } = {}) {
    const c = lm.config;
    if (c.substrate !== "learned_recurrence" && c.substrate !== "frozen") {
      throw new TypeError(
        `Cannot read the byte LM's states: expected the "frozen" or "learned_recurrence" ` +
          `substrate but got "${c.substrate}"`,
      );
    }
    const pooling = options.pooling ?? "last";
    if (pooling !== "last" && pooling !== "mean") {
      throw new TypeError(
        `Cannot read the byte LM's states: expected pooling "last" or "mean" but got ` +
          `${JSON.stringify(pooling)}`,
      );
    }
    this.pooling = pooling;
    this.#lm = lm;
    // The frozen bank's decays, as CausalBankLM builds them from its configuration.
    this.#decays = c.substrate === "frozen"
      ? buildDecayBank({
        ...CAUSAL_BANK_DEFAULTS,
        embeddingDim: c.embeddingDim,
        linearModes: c.linearModes,
        maxSeqLen: c.maxSeqLen,
        halfLifeMin: c.halfLifeMin,
        halfLifeMax: c.halfLifeMax,
        substrateMode: "frozen",
        stateDim: 0,
        stateImpl: "scan",
        numHeads: 1,
        enableLocal: c.localWindow > 0,
        scanChunk: c.scanChunk,
      }).decays
      : null;
    const sizes = [c.embeddingDim, c.linearModes, c.readoutHidden];
    if (c.localWindow > 0) sizes.push(c.localHidden);
    this.hiddenSizes = sizes;
    this.layers = sizes.map((_, i) => i);
  }

  #p(name: string): Tensor {
    const t = this.#lm.parameters.get(name) ?? this.#lm.buffers.get(name);
    if (t === undefined) throw new TypeError(`Cannot read the byte LM: it has no "${name}"`);
    return t;
  }

  /** The forward pass of CausalBankLM, op for op, keeping the states. */
  #states(tokens: Tensor, b: number, t: number): States {
    const c = this.#lm.config;
    const x = embedding(this.#p("embedding"), tokens);
    const drive = matmul(x, this.#p("in_proj"));
    const scan = { method: c.scanMethod, chunk: c.scanChunk };
    let states: Tensor;
    if (c.substrate === "frozen") {
      const M = c.linearModes;
      const host = new Float32Array(b * t * M);
      for (let i = 0; i < b * t; i++) host.set(this.#decays!, i * M);
      states = linearRecurrence(tensor(host, [b, t, M]), drive, scan).h;
    } else {
      const a = sigmoid(add(matmul(x, this.#p("gate_w")), this.#p("gate_b")));
      states = linearRecurrence(a, sub(drive, mul(a, drive)), scan).h;
    }
    const hLin = gelu(
      add(matmul(concat([states, x], 2), this.#p("readout_w")), this.#p("readout_b")),
    );
    let hLoc: Tensor | null = null;
    if (c.localWindow > 0) {
      const window = reshape(
        embedding(this.#p("embedding"), windowIds(tokens, c.localWindow)),
        [b, t, c.localWindow * c.embeddingDim],
      );
      hLoc = gelu(add(matmul(window, this.#p("local_w")), this.#p("local_b")));
    }
    return { x, states, hLin, hLoc };
  }

  /**
   * Logits [B, T, 256] computed from the exposed states (the model's readout applied to
   * them). Records GPU work only; call inside `tidy()`.
   */
  logits(tokens: Tensor): Tensor {
    const [b, t] = tokens.shape as [number, number];
    const { hLin, hLoc } = this.#states(tokens, b, t);
    const hidden = hLoc === null ? hLin : concat([hLin, mul(hLoc, this.#p("local_scale"))], 2);
    return add(matmul(hidden, this.#p("out_w")), this.#p("out_b"));
  }

  /**
   * Per-layer activations of `texts` (UTF-8 bytes, right-padded into one batch): pooled at
   * each text's last byte (last-non-pad pooling, right padding) or, with pooling `"mean"`,
   * averaged over each text's own bytes; per byte when `options.tokens` is set. One forward
   * pass and one host sync.
   *
   * @throws {CorpusError} for an empty text or one longer than the model's maxSeqLen.
   */
  activate(
    texts: readonly string[],
    options: { tokens?: boolean } = {},
  ): Promise<Activations> {
    return activateBatch(
      texts,
      this.#lm.config.maxSeqLen,
      this.layers,
      this.hiddenSizes,
      this.pooling,
      options.tokens ?? false,
      (ids) => {
        const [b, t] = ids.shape as [number, number];
        const s = this.#states(ids, b, t);
        return [s.x, s.states, s.hLin, ...(s.hLoc === null ? [] : [s.hLoc])];
      },
    );
  }
}

/**
 * One forward pass over `texts` right-padded into a batch (`run` maps the ids [B, T] to one
 * state tensor [B, T, h] per layer), one read-back, and each layer's states pooled at each
 * text's last byte or averaged over its own bytes, and per byte with `tokens`.
 *
 * @throws {CorpusError} for an empty text or one longer than `maxBytes`.
 */
async function activateBatch(
  texts: readonly string[],
  maxBytes: number,
  layers: readonly number[],
  sizes: readonly number[],
  pooling: BytePooling,
  tokens: boolean,
  run: (ids: Tensor) => Tensor[],
): Promise<Activations> {
  const bytes = encodeTexts(texts, maxBytes);
  const B = bytes.length;
  const T = Math.max(...bytes.map((b) => b.length));
  const ids = new Int32Array(B * T);
  const mask = new Uint8Array(B * T);
  bytes.forEach((b, i) => {
    ids.set(b, i * T);
    mask.fill(1, i * T, i * T + b.length);
  });
  const outs = noGrad(() => tidy(() => run(tensor(ids, [B, T], { dtype: "i32" }))));
  let host: Float32Array[];
  try {
    host = (await readTensors(outs)) as Float32Array[];
  } finally {
    for (const o of outs) o.dispose();
  }
  const out = new Map<number, LayerActivations>();
  layers.forEach((l, li) => {
    const h = sizes[li]!;
    const all = host[li]!;
    const pooled = Float32Array.from(
      pooling === "last" ? poolLast(all, mask, B, T, h, "right") : poolMean(all, bytes, T, h),
    );
    const perByte = tokens
      ? bytes.map((b, i) => all.slice(i * T * h, (i * T + b.length) * h))
      : undefined;
    out.set(l, { hidden: h, pooled, ...(perByte ? { tokens: perByte } : {}) });
  });
  return { layers: out };
}

/**
 * The mean of each text's states over its own bytes (rows 0 … n_i − 1 of its right-padded
 * [T, h] block; the pads after them never enter), accumulated in f64.
 */
function poolMean(all: Float32Array, bytes: readonly Uint8Array[], T: number, h: number) {
  const out = new Float64Array(bytes.length * h);
  bytes.forEach((b, i) => {
    const n = b.length;
    for (let t = 0; t < n; t++) {
      const row = (i * T + t) * h;
      for (let k = 0; k < h; k++) out[i * h + k]! += all[row + k]!;
    }
    for (let k = 0; k < h; k++) out[i * h + k]! /= n;
  });
  return out;
}

/** How {@link StackByteLM} trains: Adam on seeded random windows of the byte corpus. */
export interface WindowTraining {
  /** Adam steps, one batch of windows each. */
  steps: number;
  /** Windows per batch. */
  batch: number;
  /** Bytes a window predicts (it reads seqLen + 1 bytes: inputs and next-byte targets). */
  seqLen: number;
  /** Adam's learning rate. */
  lr: number;
  /** Seed of the window sampler (the same windows on every run). */
  seed: number;
}

/**
 * Adam (gradient-norm clip 1) on `steps` batches of `batch` windows of seqLen + 1 bytes of
 * `corpus`, drawn by a seeded sampler; returns the loss read back every steps/4 steps and at the
 * last step. Deterministic for given parameters, corpus and options.
 *
 * @throws {RangeError} for a corpus shorter than seqLen + 2 bytes.
 */
export async function trainOnWindows(
  params: Tensor[],
  forward: (tokens: Tensor) => Tensor,
  corpus: Uint8Array,
  o: WindowTraining,
): Promise<number[]> {
  if (corpus.length < o.seqLen + 2) {
    throw new RangeError(
      `Cannot train on windows of the corpus: expected at least ${o.seqLen + 2} bytes but got ` +
        `${corpus.length}`,
    );
  }
  const opt = new Adam(params, { lr: o.lr });
  const rng = new Rng(o.seed);
  const losses: number[] = [];
  const every = Math.max(1, Math.floor(o.steps / 4));
  try {
    for (let s = 0; s < o.steps; s++) {
      const n = o.batch * o.seqLen;
      const ids = new Int32Array(n);
      const tgt = new Int32Array(n);
      for (let b = 0; b < o.batch; b++) {
        const at = rng.int(corpus.length - o.seqLen - 1);
        for (let t = 0; t < o.seqLen; t++) {
          ids[b * o.seqLen + t] = corpus[at + t]!;
          tgt[b * o.seqLen + t] = corpus[at + t + 1]!;
        }
      }
      const loss = tidy(() => {
        const tok = tensor(ids, [o.batch, o.seqLen], { dtype: "i32" });
        const logits = reshape(forward(tok), [n, 256]);
        const l = crossEntropy(logits, tensor(tgt, [n], { dtype: "i32" }));
        backward(l);
        clipGradNorm(params, 1);
        opt.step();
        opt.zeroGrad();
        return l;
      });
      if ((s + 1) % every === 0 || s === o.steps - 1) {
        losses.push(((await readTensors([loss])) as Float32Array[])[0]![0]!);
      }
      loss.dispose();
    }
  } finally {
    opt.dispose();
  }
  return losses;
}

/** Configuration of {@link StackByteLM}. */
export interface StackByteLMConfig {
  /** Byte embedding width E. */
  embeddingDim: number;
  /** Bytes W the local layer reads (t … t − W + 1). */
  window: number;
  /** Width F of the local layer's features. */
  localHidden: number;
  /** Modes M of the frozen decay bank over the local features. */
  linearModes: number;
  /** Width of the readout's hidden layer. */
  readoutHidden: number;
  /** Seed of every parameter. */
  seed: number;
}

/**
 * The two-layer byte LM of the amygdala activations claim, chosen by cross-validation on the
 * concept corpus's training stories (bench/amygdala_cv.ts): W = 6, F = 64, M = 256, E = 16,
 * readout hidden 64, seed 7.
 */
export const STACK_LM_CONFIG: Readonly<StackByteLMConfig> = Object.freeze({
  embeddingDim: 16,
  window: 6,
  localHidden: 64,
  linearModes: 256,
  readoutHidden: 64,
  seed: 7,
});

/** How the stack LM is trained: 600 Adam steps of 8 windows of 64 bytes, lr 3e-3, seed 7. */
export const STACK_LM_TRAINING: Readonly<WindowTraining> = Object.freeze({
  steps: 600,
  batch: 8,
  seqLen: 64,
  lr: 3e-3,
  seed: 7,
});

/**
 * The trained stack LM's committed checkpoint (255 KB), rebuilt bit for bit on one machine by
 * `npx -y deno@2.9.6 run --allow-read=. --allow-write=fixtures/checkpoints --allow-env
 * bench/amygdala_stack_lm.ts` ({@link STACK_LM_CONFIG} trained by {@link STACK_LM_TRAINING} on
 * fixtures/corpus/byte_lm.txt).
 */
export const STACK_LM_CHECKPOINT = "fixtures/checkpoints/amygdala_stack_lm.safetensors";

/** The exposed layers of {@link StackByteLM}, by index. */
export const STACK_LM_LAYER_NAMES: readonly string[] = Object.freeze([
  "embedding",
  "local",
  "bank",
  "readout",
]);

/**
 * A two-layer byte LM whose state is a nonlinear function of the history: a local layer
 * u_t = GELU([x_t … x_{t−W+1}] W_u + b_u) over the last W byte embeddings (ids before the text
 * embed as zero rows), whose features a frozen decay bank (CausalBankLM's, half-lives 1.5 … 512
 * bytes) sums over the whole past, S_t = a ⊙ S_{t−1} + u_t P, read by
 * logits = GELU([S_t, u_t] W₁ + b₁) U + c. S_t is a recency-weighted bag of nonlinear features
 * of W-byte windows (word pieces), where the one-layer frozen bank's state is linear in the
 * byte embeddings (a position-weighted unigram count).
 *
 * @example Layers of an untrained model (pooled at each text's last byte)
 * ```ts
 * import { initGpu, liveBufferCount } from "../mod.ts";
 * import { StackByteLM } from "./byte_lm_activations.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const lm = new StackByteLM({
 *   embeddingDim: 4, window: 3, localHidden: 6, linearModes: 8, readoutHidden: 5, seed: 1,
 * });
 * const acts = await lm.source().activate(["I feel calm.", "Rain."]);
 * deepStrictEqual(acts.layers.get(2)!.pooled.length, 2 * 8);
 * lm.dispose();
 * deepStrictEqual(liveBufferCount(), before);
 * ```
 */
export class StackByteLM {
  /** The configuration. */
  readonly config: Readonly<StackByteLMConfig>;
  /**
   * `embedding` [256, E], `local_w` [W·E, F], `local_b`, `in_proj` [F, M], `readout_w`
   * [M + F, R], `readout_b`, `out_w` [R, 256], `out_b`.
   */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #decays: Float32Array;

  /**
   * A stack LM with seeded initial weights (train it with {@link StackByteLM.train} or load
   * it with {@link loadStackByteLM}).
   *
   * @param config widths and seed (see {@link StackByteLMConfig})
   * @throws {RangeError} for a width or window that is not an integer in [1, 4096], or a seed
   *   outside [0, 2^32).
   */
  constructor(config: StackByteLMConfig) {
    for (
      const k of ["embeddingDim", "window", "localHidden", "linearModes", "readoutHidden"] as const
    ) {
      const v = config[k];
      if (!Number.isInteger(v) || v < 1 || v > 4096) {
        throw new RangeError(
          `Cannot build the stack byte LM: expected ${k} an integer in [1, 4096] but got ${v}`,
        );
      }
    }
    this.config = Object.freeze({ ...config });
    const { embeddingDim: E, window: W, localHidden: F, linearModes: M, readoutHidden: R } = config;
    const rng = new Rng(config.seed);
    const xavier = (i: number, o: number) => {
      const v = new Float32Array(i * o);
      const b = Math.sqrt(6 / (i + o));
      for (let k = 0; k < v.length; k++) v[k] = (2 * rng.uniform() - 1) * b;
      return tensor(v, [i, o], { requiresGrad: true });
    };
    const zerosOf = (n: number) => tensor(new Float32Array(n), [n], { requiresGrad: true });
    this.parameters = new Map<string, Tensor>([
      ["embedding", tensor(rng.normals(256 * E, 1), [256, E], { requiresGrad: true })],
      ["local_w", xavier(W * E, F)],
      ["local_b", zerosOf(F)],
      ["in_proj", xavier(F, M)],
      ["readout_w", xavier(M + F, R)],
      ["readout_b", zerosOf(R)],
      ["out_w", xavier(R, 256)],
      ["out_b", zerosOf(256)],
    ]);
    // CausalBankLM's frozen bank (its default half-lives) over the F local features.
    this.#decays = buildDecayBank({
      ...CAUSAL_BANK_DEFAULTS,
      embeddingDim: F,
      linearModes: M,
      maxSeqLen: 2048,
      halfLifeMin: CAUSAL_BANK_LM_DEFAULTS.halfLifeMin,
      halfLifeMax: CAUSAL_BANK_LM_DEFAULTS.halfLifeMax,
      substrateMode: "frozen",
      stateDim: 0,
      stateImpl: "scan",
      numHeads: 1,
      enableLocal: false,
    }).decays;
  }

  #p(name: string): Tensor {
    return this.parameters.get(name)!;
  }

  /**
   * Embeddings x [B, T, E], local features u [B, T, F], bank states S [B, T, M] and readout
   * hidden [B, T, R] of tokens [B, T] (i32). Records GPU work only; call inside `tidy()`.
   */
  states(tokens: Tensor): { x: Tensor; u: Tensor; s: Tensor; h: Tensor } {
    const [b, t] = tokens.shape as [number, number];
    const c = this.config;
    const x = embedding(this.#p("embedding"), tokens);
    const win = reshape(
      embedding(this.#p("embedding"), windowIds(tokens, c.window)),
      [b, t, c.window * c.embeddingDim],
    );
    const u = gelu(add(matmul(win, this.#p("local_w")), this.#p("local_b")));
    const M = c.linearModes;
    const host = new Float32Array(b * t * M);
    for (let i = 0; i < b * t; i++) host.set(this.#decays, i * M);
    const s = linearRecurrence(tensor(host, [b, t, M]), matmul(u, this.#p("in_proj")), {
      method: "sequential",
    }).h;
    const h = gelu(add(matmul(concat([s, u], 2), this.#p("readout_w")), this.#p("readout_b")));
    return { x, u, s, h };
  }

  /** Next-byte logits [B, T, 256] of tokens [B, T] (i32). Call inside `tidy()`. */
  forward(tokens: Tensor): Tensor {
    return add(matmul(this.states(tokens).h, this.#p("out_w")), this.#p("out_b"));
  }

  /** Trains every parameter with {@link trainOnWindows}; returns its logged losses. */
  train(corpus: Uint8Array, o: WindowTraining): Promise<number[]> {
    return trainOnWindows([...this.parameters.values()], (t) => this.forward(t), corpus, o);
  }

  /**
   * The model's layers as an amygdala activation source: 0 `embedding` (a function of the last
   * byte alone), 1 `local`, 2 `bank`, 3 `readout` (see the class doc); each text's states pooled
   * at its last byte (right padding) or, with `"mean"`, over its own bytes, and per byte when
   * `activate`'s `options.tokens` is set. One forward pass and one host sync per call.
   *
   * @throws {TypeError} for a pooling other than `"last"` and `"mean"`.
   */
  source(pooling: BytePooling = "last"): ActivationSource {
    if (pooling !== "last" && pooling !== "mean") {
      throw new TypeError(
        `Cannot read the stack byte LM's states: expected pooling "last" or "mean" but got ` +
          `${JSON.stringify(pooling)}`,
      );
    }
    const c = this.config;
    const sizes = [c.embeddingDim, c.localHidden, c.linearModes, c.readoutHidden];
    return {
      layers: [0, 1, 2, 3],
      hiddenSizes: sizes,
      activate: (texts: readonly string[], options: { tokens?: boolean } = {}) =>
        activateBatch(texts, 2048, [0, 1, 2, 3], sizes, pooling, options.tokens ?? false, (ids) => {
          const s = this.states(ids);
          return [s.x, s.u, s.s, s.h];
        }),
    };
  }

  /** Releases every parameter. */
  dispose(): void {
    for (const t of this.parameters.values()) t.dispose();
  }
}

/**
 * The ids of each position's window [B, T, W], newest first: column j holds the id j steps back,
 * −1 before the text's start (an id that embeds as a zero row). Records GPU work only.
 */
function windowIds(tokens: Tensor, w: number): Tensor {
  const [b, t] = tokens.shape as [number, number];
  const cols: Tensor[] = [reshape(tokens, [b, t, 1])];
  for (let j = 1; j < w; j++) {
    const n = Math.min(j, t);
    const pad = tensor(new Int32Array(b * n).fill(-1), [b, n], { dtype: "i32" });
    const shifted = j >= t ? pad : concat([pad, slice(tokens, [0, 0], [b, t - j])], 1);
    cols.push(reshape(shifted, [b, t, 1]));
  }
  return concat(cols, 2);
}

/**
 * The UTF-8 bytes of each text.
 *
 * @throws {CorpusError} for an empty text or one longer than `max` bytes.
 */
function encodeTexts(texts: readonly string[], max: number): Uint8Array[] {
  const enc = new TextEncoder();
  return texts.map((s, i) => {
    const b = enc.encode(s);
    if (b.length === 0 || b.length > max) {
      throw new CorpusError(
        `Cannot compute byte-LM activations of text ${i} ${JSON.stringify(s.slice(0, 40))}: ` +
          `expected 1 to ${max} bytes but got ${b.length}`,
      );
    }
    return b;
  });
}

/** The meta.kind of a {@link STACK_LM_CHECKPOINT}. */
export const STACK_LM_KIND = "memspec.amygdala.stack_lm";

/**
 * Trains {@link STACK_LM_CONFIG} by {@link STACK_LM_TRAINING} on `corpus` and saves it at `path`
 * (meta: kind, config, training, losses); returns the model.
 */
export async function buildStackByteLM(
  corpus: Uint8Array,
  path: string = STACK_LM_CHECKPOINT,
): Promise<StackByteLM> {
  const lm = new StackByteLM({ ...STACK_LM_CONFIG });
  try {
    const losses = await lm.train(corpus, { ...STACK_LM_TRAINING });
    await saveCheckpoint(path, {
      params: Object.fromEntries(lm.parameters),
      meta: {
        kind: STACK_LM_KIND,
        config: STACK_LM_CONFIG,
        training: { ...STACK_LM_TRAINING, corpus: "fixtures/corpus/byte_lm.txt" },
        losses,
      },
    });
  } catch (e) {
    lm.dispose();
    throw e;
  }
  return lm;
}

/**
 * Loads the stack LM saved at `path` (default: the committed checkpoint) into a fresh
 * {@link StackByteLM} of {@link STACK_LM_CONFIG}.
 *
 * @throws {TypeError} when the file is not a stack-LM checkpoint of that configuration (the
 *   message names the differing fields), before any GPU work; the loader's errors otherwise.
 */
export async function loadStackByteLM(path: string = STACK_LM_CHECKPOINT): Promise<StackByteLM> {
  const meta = (await readCheckpointInfo(path)).meta as
    | { kind?: unknown; config?: Record<string, unknown> }
    | null;
  if (meta === null || typeof meta !== "object" || meta.kind !== STACK_LM_KIND) {
    throw new TypeError(
      `Cannot load the stack byte LM from ${path}: expected a checkpoint whose meta.kind is ` +
        `"${STACK_LM_KIND}" but got ${JSON.stringify(meta?.kind)}`,
    );
  }
  const want = STACK_LM_CONFIG as unknown as Record<string, unknown>;
  const differ = Object.keys(want).filter((k) => meta.config?.[k] !== want[k]);
  if (differ.length > 0) {
    throw new TypeError(
      `Cannot load the stack byte LM from ${path}: expected a checkpoint of STACK_LM_CONFIG but ` +
        `got ${differ.map((k) => `${k} ${String(meta.config?.[k])} (expected ${want[k]})`)}`,
    );
  }
  const lm = new StackByteLM({ ...STACK_LM_CONFIG });
  try {
    await loadCheckpoint(path, { params: Object.fromEntries(lm.parameters) });
  } catch (e) {
    lm.dispose();
    throw e;
  }
  return lm;
}
