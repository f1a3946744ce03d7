/**
 * Larkos 0.3's `_TemporalAttentionEncoder`
 * (Okerew/larkos_models:modules/training.py L423) on the GPU:
 *
 *   y = TransformerEncoder₂(LayerNorm₄₈(x + pos))
 *
 * over the [TEMPORAL_WINDOW, FOURIER_OUT_DIM] = [4, 48] input history (see
 * ./input_pipeline.ts), with a learned positional embedding pos ∈ R^{4×48}
 * ~ N(0, 0.02²) and `nn.TransformerEncoder` of two PyTorch-default post-norm
 * layers (d 48, 4 heads, feed-forward 64, ReLU, dropout 0.1 in training),
 * deep copies of one layer, so both start with identical weights. Built on
 * impl/nn's TransformerEncoderLayer / TransformerEncoder; batch-first
 * [B, 4, 48] (the original runs B = 1 and squeezes it away).
 *
 * Parameter names are the original's state-dict names: `pos`,
 * `input_norm.weight`, `input_norm.bias`, `encoder.layers.<i>.<torch layer
 * name>`; 32,000 parameters at Larkos' sizes.
 *
 * @example Eval-mode forward of a left-padded history
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { TemporalAttentionEncoder } from "./temporal_encoder.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const enc = new TemporalAttentionEncoder({ seed: 7 }).eval();
 * ok(enc.parameterCount() === 32000);
 * const x = tensor(Array.from({ length: 192 }, (_, i) => Math.sin(i)), [1, 4, 48]);
 * const y = enc.forward(x);
 * ok(y.shape.join() === "1,4,48");
 * ok((await y.toFloat32()).every(Number.isFinite));
 * for (const t of [x, y]) t.dispose();
 * enc.dispose();
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertDType, assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { checkBool, checkInt, checkObject, checkTensor } from "../../validate.ts";
import { add } from "../../ops/binary.ts";
import { layerNorm } from "../../ops/layer_norm.ts";
import {
  LAYER_PARAMETER_NAMES,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "../../nn/transformer_encoder/transformer_encoder.ts";
import { LARKOS } from "../config.ts";

const NAME = "TemporalAttentionEncoder";

/** Options of {@link TemporalAttentionEncoder}; sizes default to Larkos 0.3's. */
export interface TemporalAttentionEncoderOptions {
  /** Frames (TEMPORAL_WINDOW, 4). */
  seqLen?: number;
  /** Model width (FOURIER_OUT_DIM, 48). */
  dModel?: number;
  /** Heads (TEMPORAL_NHEAD, 4). */
  nhead?: number;
  /** Encoder layers (TEMPORAL_LAYERS, 2). */
  numLayers?: number;
  /** Feed-forward width (TEMPORAL_DIM_FF, 64). */
  dimFeedforward?: number;
  /** Dropout of the encoder layers in training; default 0.1. */
  dropout?: number;
  /** Seeds the initial parameters and the default dropout stream; default 0. */
  seed?: number;
  /**
   * Every parameter by its original name (e.g. from a torch state dict); the
   * seeded initialisation is replaced. Checked before any GPU work.
   */
  weights?: Readonly<Record<string, ArrayLike<number>>>;
}

/** Options of one forward. */
export interface TemporalCallOptions {
  /** Seed of this call's dropout masks (training); default: the module's own stream. */
  seed?: number;
}

/** The largest size a dimension takes (2^24, as the other families' size caps). */
const MAX_SIZE = 2 ** 24;
/** The most parameter values in all, and in one tensor (2^26 f32, 256 MiB). */
const MAX_VALUES = 2 ** 26;

/** An optional size: its default when undefined, else an integer in [1, 2^24]. */
function size(v: unknown, fallback: number, what: string, op: string): number {
  return v === undefined ? fallback : checkInt(op, what, v, 1, MAX_SIZE);
}

/**
 * `_TemporalAttentionEncoder`: learned positions, an input LayerNorm and a
 * cloned post-norm transformer encoder. Training mode after construction
 * (as torch); call {@link TemporalAttentionEncoder.eval} for inference.
 */
export class TemporalAttentionEncoder {
  /** Frames. */
  readonly seqLen: number;
  /** Model width. */
  readonly dModel: number;
  /** [seqLen, dModel] learned positional embedding. */
  pos: Tensor;
  /** [dModel] input LayerNorm γ. */
  inputNormWeight: Tensor;
  /** [dModel] input LayerNorm β. */
  inputNormBias: Tensor;
  /** The cloned encoder layers. */
  readonly encoder: TransformerEncoder;
  #training = true;

  /**
   * Initialised as torch does from a seeded generator (pos ~ N(0, 0.02²),
   * LayerNorm ones and zeros, the encoder layer as impl/nn's, then cloned), or
   * from `weights`.
   *
   * @throws {RangeError} on a size that is not a positive integer, d not divisible by
   *   nhead, a dropout outside [0, 1) or a seed outside [0, 2³²).
   * @throws {TypeError} when `weights` lacks a parameter, names an unknown one or has an
   *   array of the wrong length.
   */
  constructor(options: TemporalAttentionEncoderOptions = {}) {
    const op = `create ${NAME}`;
    checkObject(op, "options", options);
    const L = size(options.seqLen, LARKOS.TEMPORAL_WINDOW, "seqLen", op);
    const d = size(options.dModel, LARKOS.FOURIER_OUT_DIM, "dModel", op);
    const h = size(options.nhead, LARKOS.TEMPORAL_NHEAD, "nhead", op);
    const n = size(options.numLayers, LARKOS.TEMPORAL_LAYERS, "numLayers", op);
    const ff = size(options.dimFeedforward, LARKOS.TEMPORAL_DIM_FF, "dimFeedforward", op);
    const seed = options.seed === undefined ? 0 : checkInt(op, "seed", options.seed, 0, 0xffffffff);
    if (d % h !== 0) {
      throw new RangeError(
        `Cannot create ${NAME}: expected dModel divisible by nhead but got dModel ${d} and nhead ${h}`,
      );
    }
    const p = options.dropout === undefined ? 0.1 : options.dropout;
    if (typeof p !== "number" || !(p >= 0 && p < 1)) {
      throw new RangeError(`Cannot create ${NAME}: expected dropout in [0, 1) but got ${p}`);
    }
    const shapes = shapesFor({ L, d, ff, layers: n }, op);
    const w = options.weights;
    if (w !== undefined) checkWeights(w, shapes, "create");
    this.seqLen = L;
    this.dModel = d;
    const rng = new Rng(hashU32(seed, 0x706f73));
    const param = (data: ArrayLike<number>, shape: number[]) =>
      tensor(data, shape, { requiresGrad: true });
    this.pos = param(w?.pos ?? rng.normals(L * d, 0.02), [L, d]);
    this.inputNormWeight = param(w?.["input_norm.weight"] ?? new Float32Array(d).fill(1), [d]);
    this.inputNormBias = param(w?.["input_norm.bias"] ?? new Float32Array(d), [d]);
    const layer = new TransformerEncoderLayer(d, h, {
      dimFeedforward: ff,
      dropout: p,
      seed: hashU32(seed, 1),
    });
    this.encoder = new TransformerEncoder(layer, n);
    layer.dispose();
    if (w !== undefined) {
      this.encoder.layers.forEach((l, i) =>
        l.setWeights(
          Object.fromEntries(LAYER_PARAMETER_NAMES.map((k) => [k, w[`encoder.layers.${i}.${k}`]!])),
        )
      );
    }
  }

  /** Whether dropout applies. */
  get training(): boolean {
    return this.#training;
  }

  /** The parameters with the original's state-dict names, in its order. */
  namedParameters(): [string, Tensor][] {
    return [
      ["pos", this.pos],
      ["input_norm.weight", this.inputNormWeight],
      ["input_norm.bias", this.inputNormBias],
      ...this.encoder.namedParameters().map(([k, t]) => [`encoder.${k}`, t] as [string, Tensor]),
    ];
  }

  /** The parameters, in the original's order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Σ parameter sizes (32,000 at Larkos 0.3's sizes). */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /**
   * Training mode (dropout on); returns this.
   *
   * @throws {TypeError} when mode is not a boolean.
   */
  train(mode = true): this {
    checkBool(`set ${NAME}.train`, "mode", mode);
    this.#training = mode;
    this.encoder.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off); returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Replaces every parameter from the original's names; all are checked before any is
   * uploaded.
   *
   * @throws {TypeError} when a name is missing or unknown, an array has the wrong length or a
   *   value is not finite. @throws {DisposedTensorError} after dispose().
   */
  setWeights(w: Readonly<Record<string, ArrayLike<number>>>): void {
    // A disposed encoder stays disposed: new weights would bring only part of it back.
    for (const [k, t] of this.namedParameters()) assertLive(t, `${NAME}.setWeights`, k);
    const shapes = Object.fromEntries(this.namedParameters().map(([k, t]) => [k, t.shape]));
    checkWeights(w, shapes, "set");
    const put = (old: Tensor, name: string) => {
      const t = tensor(w[name]!, old.shape, { requiresGrad: true });
      old.dispose();
      return t;
    };
    this.pos = put(this.pos, "pos");
    this.inputNormWeight = put(this.inputNormWeight, "input_norm.weight");
    this.inputNormBias = put(this.inputNormBias, "input_norm.bias");
    this.encoder.layers.forEach((l, i) =>
      l.setWeights(
        Object.fromEntries(LAYER_PARAMETER_NAMES.map((k) => [k, w[`encoder.layers.${i}.${k}`]!])),
      )
    );
  }

  /**
   * Checks x [B, seqLen, dModel] and every parameter, before any GPU work.
   *
   * @throws {TypeError} on a dtype or shape mismatch. @throws {DisposedTensorError} when x
   *   or a parameter was disposed.
   */
  checkInput(x: Tensor, op = `run ${NAME}`): void {
    for (const [k, t] of this.namedParameters()) assertDType(t, "f32", op, k);
    // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
    if (!(x instanceof Tensor)) checkTensor(op, "x", x, "f32");
    assertDType(x, "f32", op, "x");
    if (
      x.rank !== 3 || x.shape[0]! < 1 || x.shape[1] !== this.seqLen || x.shape[2] !== this.dModel
    ) {
      throw new TypeError(
        `Cannot ${op}: expected x of shape [B, ${this.seqLen}, ${this.dModel}] (B >= 1, batch-first) ` +
          `but got ${formatShape(x.shape)}`,
      );
    }
  }

  /**
   * y = Encoder(LayerNorm(x + pos)) on x [B, seqLen, dModel]; dropout in training mode
   * only, seeded by `options.seed` (layer i uses hashU32(seed, i)).
   *
   * @throws {TypeError} on a dtype or shape mismatch. @throws {RangeError} on a seed outside
   *   [0, 2³²). @throws {DisposedTensorError} when x or a parameter was disposed.
   */
  forward(x: Tensor, options: TemporalCallOptions = {}): Tensor {
    this.checkInput(x);
    checkObject(`run ${NAME}`, "options", options);
    const seed = options.seed === undefined
      ? undefined
      : checkInt(`run ${NAME}`, "seed", options.seed, 0, 0xffffffff);
    const seq = layerNorm(add(x, this.pos), this.inputNormWeight, this.inputNormBias, 1e-5);
    return this.encoder.forward(seq, seed === undefined ? {} : { seed });
  }

  /** Releases every parameter. */
  dispose(): void {
    for (const t of this.parameters()) t.dispose();
  }
}

/**
 * The original's parameter names and shapes for sizes L, d, ff and `layers` layers.
 *
 * @example
 * ```ts
 * import { temporalParameterShapes } from "./temporal_encoder.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const s = temporalParameterShapes({ L: 4, d: 48, ff: 64, layers: 2 });
 * deepStrictEqual(s["encoder.layers.1.linear1.weight"], [64, 48]);
 * ```
 *
 * @throws {TypeError} when s is not an object or a size is not a number.
 * @throws {RangeError} when a size is not an integer in [1, 2^24], or one tensor or all of
 *   them together would hold more than 2^26 values.
 */
export function temporalParameterShapes(
  s: { L: number; d: number; ff: number; layers: number },
): Record<string, number[]> {
  return shapesFor(s, "run temporalParameterShapes");
}

/** {@link temporalParameterShapes}, its messages naming `op`. */
function shapesFor(
  s: { L: number; d: number; ff: number; layers: number },
  op: string,
): Record<string, number[]> {
  checkObject(op, "the sizes", s);
  const L = checkInt(op, "L", s.L, 1, MAX_SIZE);
  const d = checkInt(op, "d", s.d, 1, MAX_SIZE);
  const ff = checkInt(op, "ff", s.ff, 1, MAX_SIZE);
  const layers = checkInt(op, "layers", s.layers, 1, MAX_SIZE);
  const perLayer = 4 * d * d + 2 * ff * d + ff + 9 * d;
  const largest = Math.max(L * d, 3 * d * d, ff * d);
  const total = L * d + 2 * d + layers * perLayer;
  if (largest > MAX_VALUES || total > MAX_VALUES) {
    throw new RangeError(
      `Cannot ${op}: expected at most ${MAX_VALUES} parameter values (in one tensor and in ` +
        `all) but got ${largest} in the largest tensor and ${total} in all`,
    );
  }
  const layer: Record<string, number[]> = {
    "self_attn.in_proj_weight": [3 * d, d],
    "self_attn.in_proj_bias": [3 * d],
    "self_attn.out_proj.weight": [d, d],
    "self_attn.out_proj.bias": [d],
    "linear1.weight": [ff, d],
    "linear1.bias": [ff],
    "linear2.weight": [d, ff],
    "linear2.bias": [d],
    "norm1.weight": [d],
    "norm1.bias": [d],
    "norm2.weight": [d],
    "norm2.bias": [d],
  };
  const out: Record<string, number[]> = {
    pos: [L, d],
    "input_norm.weight": [d],
    "input_norm.bias": [d],
  };
  for (let i = 0; i < layers; i++) {
    for (const k of LAYER_PARAMETER_NAMES) out[`encoder.layers.${i}.${k}`] = layer[k]!;
  }
  return out;
}

function checkWeights(
  w: Readonly<Record<string, ArrayLike<number>>>,
  shapes: Record<string, readonly number[]>,
  verb: string,
): void {
  const op = `${verb} ${NAME} weights`;
  if (w === null || typeof w !== "object") {
    throw new TypeError(`Cannot ${op}: expected a record of named arrays but got ${String(w)}`);
  }
  for (const k of Object.keys(w)) {
    if (!(k in shapes)) {
      throw new TypeError(
        `Cannot ${op}: unknown parameter "${k}"; expected pos, input_norm.weight, ` +
          `input_norm.bias or encoder.layers.<i>.<layer parameter>`,
      );
    }
  }
  for (const [k, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = w[k];
    if (v === undefined || v === null || typeof v.length !== "number" || v.length !== n) {
      throw new TypeError(
        `Cannot ${op}: expected ${k} of ${n} values (shape ${formatShape(shape)}) but got ` +
          `${v === undefined || v === null ? "none" : v.length}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (typeof v[i] !== "number" || !Number.isFinite(Math.fround(v[i]!))) {
        throw new TypeError(
          `Cannot ${op}: expected finite f32 values in ${k} but got ${v[i]} at index ${i}`,
        );
      }
    }
  }
}
