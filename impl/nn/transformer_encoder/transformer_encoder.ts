/**
 * The post-norm transformer encoder with PyTorch 1.13 defaults
 * (`torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048,
 * dropout=0.1, activation=relu, layer_norm_eps=1e-5, batch_first=True,
 * norm_first=False)` and `torch.nn.TransformerEncoder(layer, num_layers)`;
 * Vaswani et al., "Attention Is All You Need", 2017, §3.1):
 *
 *   z   = LN₁(x + Dropout(MHA(x, x, x)))
 *   out = LN₂(z + Dropout(W₂·Dropout(act(W₁·z + b₁)) + b₂))
 *
 * with the self-attention's own attention dropout (torch passes `dropout` to
 * its MultiheadAttention too), LayerNorm with biased variance and eps inside
 * the root (impl/ops/layer_norm.ts), act ReLU (default) or exact erf GELU
 * ({@link geluErf}; impl/ops/unary.ts `gelu` is the tanh approximation).
 * Dropout (impl/ops/dropout.ts) applies in training mode only, which is the
 * default, as in torch: call {@link TransformerEncoderLayer.eval}. Each
 * forward's four dropout masks are seeded (see {@link layerDropoutSeeds}),
 * so training runs are reproducible; masks differ from torch's generator.
 *
 * Layout: batch-first [B, L, d] (torch's default is [L, B, d]).
 *
 * @example An encoder of two cloned layers in eval mode
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { TransformerEncoder, TransformerEncoderLayer } from "./transformer_encoder.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, seed: 4 });
 * const enc = new TransformerEncoder(layer, 2).eval();
 * const x = tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [1, 3, 8]);
 * const y = await enc.forward(x).toFloat32();
 * ok(y.length === 24 && y.every(Number.isFinite));
 * ```
 *
 * @module
 */
import { recordOp } from "../../autograd.ts";
import { dispatch } from "../../gpu/program.ts";
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertDType, emptyLike, formatShape, type Tensor, tensor } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { dropout } from "../../ops/dropout.ts";
import { layerNorm } from "../../ops/layer_norm.ts";
import { matmul } from "../../ops/matmul.ts";
import { relu } from "../../ops/unary.ts";
import {
  type AttentionCallOptions,
  copyTensor,
  type HostMask,
  MultiheadAttention,
  uniformInit,
} from "../multihead_attention/multihead_attention.ts";
import { GELU_ERF, GELU_ERF_BACKWARD, GELU_ERF_WORKGROUP } from "./kernels/gelu_erf.ts";

/**
 * Exact GELU, x·Φ(x) (torch's `F.gelu`, approximate="none"), elementwise
 * with its gradient Φ(x) + x·φ(x); see ./kernels/gelu_erf.ts for the erfc fit.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { geluErf } from "./transformer_encoder.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const y = await geluErf(tensor([-1, 0, 1], [3])).toFloat32();
 * ok(Math.abs(y[0]! + 0.15865525) < 1e-6 && y[1] === 0 && Math.abs(y[2]! - 0.84134475) < 1e-6);
 * ```
 *
 * @throws {TypeError} when x is not f32.
 */
export function geluErf(x: Tensor): Tensor {
  assertDType(x, "f32", "geluErf");
  const y = emptyLike(x.shape, "f32", "geluErf");
  const n = x.size;
  const workgroups = Math.ceil(n / GELU_ERF_WORKGROUP);
  if (n > 0) {
    dispatch(GELU_ERF, { uniforms: { n }, buffers: { xs: x.buffer, ys: y.buffer }, workgroups });
  }
  return recordOp(y, "gelu_erf", [x], (g) => {
    const gx = emptyLike(x.shape, "f32", "geluErf grad");
    if (n > 0) {
      dispatch(GELU_ERF_BACKWARD, {
        uniforms: { n },
        buffers: { xs: x.buffer, gs: g.buffer, gx: gx.buffer },
        workgroups,
      });
    }
    return [gx];
  });
}

/** Activations of the feed-forward block. */
export type EncoderActivation = "relu" | "gelu";

/** Options of {@link TransformerEncoderLayer}. */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block; default 2048 (torch's default). */
  dimFeedforward?: number;
  /** Dropout probability (residual, feed-forward and attention dropout); default 0.1. */
  dropout?: number;
  /** "relu" (default) or "gelu" (exact erf GELU). */
  activation?: EncoderActivation;
  /** LayerNorm eps; default 1e-5. */
  layerNormEps?: number;
  /** Seeds the initial parameters and the default dropout seeds; default 0. */
  seed?: number;
}

/** Options of one encoder forward. */
export interface EncoderCallOptions {
  /** [L, L] or [B·heads, L, L] attention mask (torch's `src_mask`). */
  srcMask?: HostMask | null;
  /** [B, L], true = padding (torch's `src_key_padding_mask`). */
  srcKeyPaddingMask?: AttentionCallOptions["keyPaddingMask"];
  /** Seed of this call's dropout masks (training); default: the next of the module's own stream. */
  seed?: number;
}

/**
 * The four dropout seeds of one layer forward with seed `seed`: attention
 * dropout, the residual dropout after attention (dropout1), the feed-forward
 * dropout and the residual dropout after it (dropout2): `hashU32(seed, k)`, k = 0…3.
 *
 * @example
 * ```ts
 * import { layerDropoutSeeds } from "./transformer_encoder.ts";
 * import { ok } from "node:assert/strict";
 * const s = layerDropoutSeeds(7);
 * ok(s.length === 4 && new Set(s).size === 4);
 * ```
 */
export function layerDropoutSeeds(seed: number): [number, number, number, number] {
  return [hashU32(seed, 0), hashU32(seed, 1), hashU32(seed, 2), hashU32(seed, 3)];
}

const LAYER = "TransformerEncoderLayer";

/** The torch state-dict names of a layer's parameters, in torch's order. */
export const LAYER_PARAMETER_NAMES = [
  "self_attn.in_proj_weight",
  "self_attn.in_proj_bias",
  "self_attn.out_proj.weight",
  "self_attn.out_proj.bias",
  "linear1.weight",
  "linear1.bias",
  "linear2.weight",
  "linear2.bias",
  "norm1.weight",
  "norm1.bias",
  "norm2.weight",
  "norm2.bias",
] as const;

/** A layer parameter's torch name. */
export type LayerParameterName = typeof LAYER_PARAMETER_NAMES[number];

function checkInt(v: number, what: string, op: string): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create ${op}: expected ${what} to be a positive integer but got ${v}`,
    );
  }
}

/**
 * `torch.nn.TransformerEncoderLayer` (post-norm, batch-first). Parameters are
 * initialised like torch's: the attention as {@link MultiheadAttention}, the
 * linear layers as nn.Linear (weight and bias U(−1/√fan_in, 1/√fan_in)), the
 * LayerNorms with weight 1 and bias 0, from memspec's seeded Rng; settable
 * from torch's state dict ({@link TransformerEncoderLayer.setWeights}).
 *
 * @example Training mode drops, eval does not; the same seed gives the same output
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { TransformerEncoderLayer } from "./transformer_encoder.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.5 });
 * const x = tensor(Array.from({ length: 12 }, (_, i) => i / 7), [1, 3, 4]);
 * const a = await layer.forward(x, { seed: 3 }).toFloat32();
 * const b = await layer.forward(x, { seed: 3 }).toFloat32();
 * ok(a.every((v, i) => v === b[i]));
 * const e1 = await layer.eval().forward(x, { seed: 3 }).toFloat32();
 * const e2 = await layer.forward(x, { seed: 4 }).toFloat32();
 * ok(e1.every((v, i) => v === e2[i]));
 * ```
 */
export class TransformerEncoderLayer {
  /** Model width d. */
  readonly dModel: number;
  /** Heads. */
  readonly nhead: number;
  /** Feed-forward width. */
  readonly dimFeedforward: number;
  /** Dropout probability. */
  readonly dropout: number;
  /** Feed-forward activation. */
  readonly activation: EncoderActivation;
  /** LayerNorm eps. */
  readonly layerNormEps: number;
  /** Whether dropout applies (torch's `training`; true after construction, as in torch). */
  training = true;
  /** The self-attention block (its dropout is this layer's). */
  selfAttn: MultiheadAttention;
  /** [ff, d]. */
  linear1Weight: Tensor;
  /** [ff]. */
  linear1Bias: Tensor;
  /** [d, ff]. */
  linear2Weight: Tensor;
  /** [d]. */
  linear2Bias: Tensor;
  /** [d], LN₁'s γ. */
  norm1Weight: Tensor;
  /** [d], LN₁'s β. */
  norm1Bias: Tensor;
  /** [d], LN₂'s γ. */
  norm2Weight: Tensor;
  /** [d], LN₂'s β. */
  norm2Bias: Tensor;
  /** Seeds the default dropout stream. */
  private seedBase: number;
  /** Forwards run without an explicit seed so far (the stream's cursor). */
  private calls = 0;

  /**
   * A post-norm encoder layer of width `dModel` with `nhead` attention heads, initialised as
   * PyTorch does from a seeded generator.
   *
   * @throws {RangeError} when d, nhead or dimFeedforward is not a positive integer, d is not
   *   divisible by nhead, dropout is not in [0, 1), eps is negative or the seed is out of range.
   * @throws {TypeError} when the activation is neither "relu" nor "gelu".
   */
  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    checkInt(dModel, "dModel", LAYER);
    checkInt(nhead, "nhead", LAYER);
    const ff = options.dimFeedforward ?? 2048;
    checkInt(ff, "dimFeedforward", LAYER);
    if (dModel % nhead !== 0) {
      throw new RangeError(
        `Cannot create ${LAYER}: expected dModel divisible by nhead but got dModel ${dModel} ` +
          `and nhead ${nhead}`,
      );
    }
    const p = options.dropout ?? 0.1;
    if (typeof p !== "number" || !(p >= 0 && p < 1)) {
      throw new RangeError(`Cannot create ${LAYER}: expected dropout in [0, 1) but got ${p}`);
    }
    const activation = options.activation ?? "relu";
    if (activation !== "relu" && activation !== "gelu") {
      throw new TypeError(
        `Cannot create ${LAYER}: expected activation "relu" or "gelu" but got ${
          String(activation)
        }`,
      );
    }
    const eps = options.layerNormEps ?? 1e-5;
    if (!(Number.isFinite(eps) && eps >= 0)) {
      throw new RangeError(`Cannot create ${LAYER}: expected layerNormEps >= 0 but got ${eps}`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Cannot create ${LAYER}: expected a seed in [0, 2^32) but got ${seed}`);
    }
    this.dModel = dModel;
    this.nhead = nhead;
    this.dimFeedforward = ff;
    this.dropout = p;
    this.activation = activation;
    this.layerNormEps = eps;
    this.seedBase = seed;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { seed, dropout: p });
    const rng = new Rng(hashU32(seed, 0x6e6e));
    const b1 = 1 / Math.sqrt(dModel);
    const b2 = 1 / Math.sqrt(ff);
    const param = (data: Float32Array, shape: number[]) =>
      tensor(data, shape, { requiresGrad: true });
    this.linear1Weight = param(uniformInit(rng, ff * dModel, b1), [ff, dModel]);
    this.linear1Bias = param(uniformInit(rng, ff, b1), [ff]);
    this.linear2Weight = param(uniformInit(rng, dModel * ff, b2), [dModel, ff]);
    this.linear2Bias = param(uniformInit(rng, dModel, b2), [dModel]);
    this.norm1Weight = param(new Float32Array(dModel).fill(1), [dModel]);
    this.norm1Bias = param(new Float32Array(dModel), [dModel]);
    this.norm2Weight = param(new Float32Array(dModel).fill(1), [dModel]);
    this.norm2Bias = param(new Float32Array(dModel), [dModel]);
  }

  /** The parameters with their torch names, in torch's order. */
  namedParameters(): [LayerParameterName, Tensor][] {
    const a = this.selfAttn;
    const list: [LayerParameterName, Tensor | null][] = [
      ["self_attn.in_proj_weight", a.inProjWeight],
      ["self_attn.in_proj_bias", a.inProjBias],
      ["self_attn.out_proj.weight", a.outProjWeight],
      ["self_attn.out_proj.bias", a.outProjBias],
      ["linear1.weight", this.linear1Weight],
      ["linear1.bias", this.linear1Bias],
      ["linear2.weight", this.linear2Weight],
      ["linear2.bias", this.linear2Bias],
      ["norm1.weight", this.norm1Weight],
      ["norm1.bias", this.norm1Bias],
      ["norm2.weight", this.norm2Weight],
      ["norm2.bias", this.norm2Bias],
    ];
    return list.filter((e): e is [LayerParameterName, Tensor] => e[1] !== null);
  }

  /** The parameters, in torch's order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Training mode (dropout on); returns this. */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Evaluation mode (dropout off); returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Replaces every parameter from torch state-dict names (all twelve required).
   * Every array is checked before any is uploaded.
   *
   * @throws {TypeError} when a name is missing or unknown, or an array has the wrong length.
   */
  setWeights(w: Readonly<Record<string, ArrayLike<number>>>): void {
    const op = `set ${LAYER} weights`;
    const named = this.namedParameters();
    for (const k of Object.keys(w)) {
      if (!named.some(([n]) => n === k)) {
        throw new TypeError(
          `Cannot ${op}: unknown parameter "${k}"; expected ${LAYER_PARAMETER_NAMES.join(", ")}`,
        );
      }
    }
    for (const [n, t] of named) {
      const v = w[n];
      if (v === undefined || v.length !== t.size) {
        throw new TypeError(
          `Cannot ${op}: expected ${n} of ${t.size} values (shape ${
            formatShape(t.shape)
          }) but got ` +
            `${v === undefined ? "none" : v.length}`,
        );
      }
    }
    const a = this.selfAttn;
    a.setWeights({
      inProjWeight: w["self_attn.in_proj_weight"]!,
      inProjBias: w["self_attn.in_proj_bias"]!,
      outProjWeight: w["self_attn.out_proj.weight"]!,
      outProjBias: w["self_attn.out_proj.bias"]!,
    });
    const put = (old: Tensor, name: LayerParameterName) => {
      const t = tensor(w[name]!, old.shape, { requiresGrad: true });
      old.dispose();
      return t;
    };
    this.linear1Weight = put(this.linear1Weight, "linear1.weight");
    this.linear1Bias = put(this.linear1Bias, "linear1.bias");
    this.linear2Weight = put(this.linear2Weight, "linear2.weight");
    this.linear2Bias = put(this.linear2Bias, "linear2.bias");
    this.norm1Weight = put(this.norm1Weight, "norm1.weight");
    this.norm1Bias = put(this.norm1Bias, "norm1.bias");
    this.norm2Weight = put(this.norm2Weight, "norm2.weight");
    this.norm2Bias = put(this.norm2Bias, "norm2.bias");
  }

  /**
   * A deep copy (torch's `copy.deepcopy`): the same values in new buffers,
   * the same mode, options and dropout seed stream.
   *
   * @throws {DisposedTensorError} when a parameter was disposed.
   */
  clone(): TransformerEncoderLayer {
    for (const p of this.parameters()) assertDType(p, "f32", `clone ${LAYER}`, "parameter");
    const c = Object.create(TransformerEncoderLayer.prototype) as TransformerEncoderLayer;
    Object.assign(c, {
      dModel: this.dModel,
      nhead: this.nhead,
      dimFeedforward: this.dimFeedforward,
      dropout: this.dropout,
      activation: this.activation,
      layerNormEps: this.layerNormEps,
      training: this.training,
      selfAttn: this.selfAttn.clone(),
      linear1Weight: copyTensor(this.linear1Weight),
      linear1Bias: copyTensor(this.linear1Bias),
      linear2Weight: copyTensor(this.linear2Weight),
      linear2Bias: copyTensor(this.linear2Bias),
      norm1Weight: copyTensor(this.norm1Weight),
      norm1Bias: copyTensor(this.norm1Bias),
      norm2Weight: copyTensor(this.norm2Weight),
      norm2Bias: copyTensor(this.norm2Bias),
    });
    c.seedBase = this.seedBase;
    c.calls = this.calls;
    return c;
  }

  /**
   * Checks `src` [B, L, d] and every parameter (before any GPU work).
   *
   * @throws {TypeError} on a dtype or shape mismatch. @throws {DisposedTensorError} when disposed.
   */
  checkInput(src: Tensor, op = LAYER): void {
    for (const [n, p] of this.namedParameters()) assertDType(p, "f32", op, n);
    assertDType(src, "f32", op, "src");
    if (src.rank !== 3 || src.shape[2] !== this.dModel) {
      throw new TypeError(
        `Cannot run ${op}: expected src of shape [B, L, ${this.dModel}] (batch-first) but got ` +
          formatShape(src.shape),
      );
    }
  }

  /** The seed a call without one uses: the module's own stream. */
  nextSeed(): number {
    return hashU32((this.seedBase ^ 0x5eed) >>> 0, this.calls++);
  }

  /**
   * One encoder layer on `src` [B, L, d]; dropout in training mode only.
   *
   * @throws {TypeError} on a dtype or shape mismatch or a malformed mask.
   * @throws {RangeError} when a row is fully masked (named by multiheadAttention) or a seed
   *   is out of range.
   * @throws {DisposedTensorError} when src or a parameter was disposed.
   */
  forward(src: Tensor, options: EncoderCallOptions = {}): Tensor {
    this.checkInput(src);
    const seed = options.seed ?? this.nextSeed();
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Cannot run ${LAYER}: expected a seed in [0, 2^32) but got ${seed}`);
    }
    const [sAttn, s1, sFf, s2] = layerDropoutSeeds(seed);
    const drop = (x: Tensor, s: number) =>
      this.training && this.dropout > 0 ? dropout(x, this.dropout, { seed: s }) : x;
    const { output: a } = this.selfAttn.forward(src, src, src, {
      attnMask: options.srcMask ?? null,
      keyPaddingMask: options.srcKeyPaddingMask ?? null,
      needWeights: false,
      training: this.training,
      dropoutSeed: sAttn,
    });
    const eps = this.layerNormEps;
    const z = layerNorm(add(src, drop(a, s1)), this.norm1Weight, this.norm1Bias, eps);
    const h = add(matmul(z, this.linear1Weight, { transB: true }), this.linear1Bias);
    const act = this.activation === "relu" ? relu(h) : geluErf(h);
    const f = add(matmul(drop(act, sFf), this.linear2Weight, { transB: true }), this.linear2Bias);
    return layerNorm(add(z, drop(f, s2)), this.norm2Weight, this.norm2Bias, eps);
  }

  /** Releases every parameter. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
  }
}

/**
 * `torch.nn.TransformerEncoder(layer, numLayers)` without a final norm:
 * `numLayers` deep copies of `layer` (torch's `_get_clones`), so every layer
 * starts with identical weights in its own buffers. `layer` itself stays the
 * caller's. Layer i of a call with seed s uses seed `hashU32(s, i)`.
 *
 * @example Clones are copies, not shared buffers
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { TransformerEncoder, TransformerEncoderLayer } from "./transformer_encoder.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const layer = new TransformerEncoderLayer(4, 1, { dimFeedforward: 4 });
 * const enc = new TransformerEncoder(layer, 2);
 * ok(enc.layers[0]!.linear1Weight.buffer !== enc.layers[1]!.linear1Weight.buffer);
 * const [a, b] = await Promise.all(enc.layers.map((l) => l.linear1Weight.toFloat32()));
 * ok(a!.every((v, i) => v === b![i]));
 * ```
 */
export class TransformerEncoder {
  /** The layers, each a clone of the given layer. */
  readonly layers: TransformerEncoderLayer[];

  /**
   * `numLayers` deep copies of `layer` (each starts with the layer's weights, as
   * `nn.TransformerEncoder` clones its layer).
   *
   * @throws {RangeError} when numLayers is not a positive integer.
   * @throws {DisposedTensorError} when the layer's parameters were disposed.
   */
  constructor(layer: TransformerEncoderLayer, numLayers: number) {
    if (!Number.isInteger(numLayers) || numLayers < 1) {
      throw new RangeError(
        `Cannot create TransformerEncoder: expected numLayers to be a positive integer but got ` +
          numLayers,
      );
    }
    for (const p of layer.parameters()) {
      assertDType(p, "f32", "create TransformerEncoder", "parameter");
    }
    this.layers = Array.from({ length: numLayers }, () => layer.clone());
  }

  /** Every layer's parameters with torch names (`layers.<i>.<name>`). */
  namedParameters(): [string, Tensor][] {
    return this.layers.flatMap((l, i) =>
      l.namedParameters().map(([n, t]) => [`layers.${i}.${n}`, t] as [string, Tensor])
    );
  }

  /** Every layer's parameters, layer by layer. */
  parameters(): Tensor[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Training mode for every layer; returns this. */
  train(mode = true): this {
    for (const l of this.layers) l.train(mode);
    return this;
  }

  /** Evaluation mode for every layer; returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Runs the layers in order on `src` [B, L, d] with the same masks.
   *
   * @throws as {@link TransformerEncoderLayer.forward}, before any GPU work for bad input.
   */
  forward(src: Tensor, options: EncoderCallOptions = {}): Tensor {
    for (const l of this.layers) l.checkInput(src, "TransformerEncoder");
    const seed = options.seed ?? this.layers[0]!.nextSeed();
    let x = src;
    this.layers.forEach((l, i) => {
      x = l.forward(x, { ...options, seed: hashU32(seed, i) });
    });
    return x;
  }

  /** Releases every layer's parameters. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
