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
  add,
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
  CAUSAL_BANK_LM_DEFAULTS,
  type CausalBankLM,
  type CausalBankLMConfig,
  concat,
  embedding,
  gelu,
  linearRecurrence,
  matmul,
  mul,
  noGrad,
  readTensors,
  reshape,
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
      const cols: Tensor[] = [reshape(tokens, [b, t, 1])];
      for (let j = 1; j < c.localWindow; j++) {
        const pad = tensor(new Int32Array(b * Math.min(j, t)).fill(-1), [b, Math.min(j, t)], {
          dtype: "i32",
        });
        const shifted = j >= t ? pad : concat([pad, slice(tokens, [0, 0], [b, t - j])], 1);
        cols.push(reshape(shifted, [b, t, 1]));
      }
      const window = reshape(
        embedding(this.#p("embedding"), concat(cols, 2)),
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
  async activate(
    texts: readonly string[],
    options: { tokens?: boolean } = {},
  ): Promise<Activations> {
    const enc = new TextEncoder();
    const bytes = texts.map((s) => enc.encode(s));
    const max = this.#lm.config.maxSeqLen;
    bytes.forEach((b, i) => {
      if (b.length === 0 || b.length > max) {
        throw new CorpusError(
          `Cannot compute byte-LM activations of text ${i} ` +
            `${
              JSON.stringify(texts[i]!.slice(0, 40))
            }: expected 1 to ${max} bytes but got ${b.length}`,
        );
      }
    });
    const B = bytes.length;
    const T = Math.max(...bytes.map((b) => b.length));
    const ids = new Int32Array(B * T);
    const mask = new Uint8Array(B * T);
    bytes.forEach((b, i) => {
      ids.set(b, i * T);
      mask.fill(1, i * T, i * T + b.length);
    });
    const outs = noGrad(() =>
      tidy(() => {
        const s = this.#states(tensor(ids, [B, T], { dtype: "i32" }), B, T);
        return [s.x, s.states, s.hLin, ...(s.hLoc === null ? [] : [s.hLoc])];
      })
    );
    let host: (Float32Array | Int32Array)[];
    try {
      host = await readTensors(outs);
    } finally {
      for (const o of outs) o.dispose();
    }
    const layers = new Map<number, LayerActivations>();
    this.layers.forEach((l, li) => {
      const h = this.hiddenSizes[li]!;
      const all = host[li] as Float32Array;
      const pooled = Float32Array.from(
        this.pooling === "last"
          ? poolLast(all, mask, B, T, h, "right")
          : poolMean(all, bytes, T, h),
      );
      const tokens = options.tokens
        ? bytes.map((b, i) => all.slice(i * T * h, (i * T + b.length) * h))
        : undefined;
      layers.set(l, { hidden: h, pooled, ...(tokens ? { tokens } : {}) });
    });
    return { layers };
  }
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
