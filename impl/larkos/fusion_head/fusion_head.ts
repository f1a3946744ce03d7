/**
 * Larkos 0.3's fusion head (Okerew/larkos_models:modules/training.py
 * `_FusionTransformerHead`) on the GPU: eleven tokens, one transformer
 * encoder, a learned-query attention pool and a linear read-out.
 *
 *   tokens = [G + T₀ (8 graph tokens); W_q·band_q + b_q + T₁; W_m·band_m + b_m + T₂;
 *             W_d·driver + b_d + T₃]                      [B, 11, 64]
 *   x      = LN(tokens)        (training without frozenInput: dropout 0.1, then + N(0, 0.005²))
 *   enc    = TransformerEncoder₃(x)   (d 64, 4 heads, ff 128, ReLU, post-norm, dropout 0.1)
 *   a      = softmax_t(⟨enc_t, q_pool⟩ / √64),  pooled = Σ_t a_t·enc_t
 *   out    = W_o·pooled + b_o   [B, 8]
 *
 * The graph tokens share one type embedding and carry no position, and the pool is a
 * symmetric sum, so in eval mode the output does not depend on the order of the graph
 * tokens. Parameters: 106,184, named as the original's state dict.
 *
 * Randomness in training mode is seeded: a call with seed s uses dropout seed
 * hashU32(s, 0) on the input, noise stream hashU32(s, 1) (host Box–Muller from
 * impl/gpu/rng.ts `Rng.normals`, uploaded: the noise is a constant of the graph) and
 * encoder seed hashU32(s, 2) (layer i: hashU32(hashU32(s, 2), i), as
 * impl/nn's TransformerEncoder). With `frozenInput` the input dropout and noise are
 * skipped, as in the original; the encoder layers' own dropout still applies in
 * training mode.
 *
 * @example Eval-mode forward and the pool weights
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { FusionTransformerHead } from "./fusion_head.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const head = new FusionTransformerHead({ seed: 1 }).eval();
 * const B = 2;
 * const t = (n: number, shape: number[]) =>
 *   tensor(Array.from({ length: n }, (_, i) => Math.sin(i)), shape);
 * const { out, pool } = head.forwardWithPool(
 *   t(B * 8 * 64, [B, 8, 64]), t(B * 32, [B, 32]), t(B * 32, [B, 32]), t(B * 8, [B, 8]),
 * );
 * const [o, a] = [await out.toFloat32(), await pool.toFloat32()];
 * ok(o.length === B * 8 && a.length === B * 11);
 * ok(Math.abs(a.slice(0, 11).reduce((s, v) => s + v, 0) - 1) < 1e-5);
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertDType, assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { checkBool, checkInt, checkObject, checkTensor } from "../../validate.ts";
import { add, mul } from "../../ops/binary.ts";
import { concat } from "../../ops/concat.ts";
import { dropout } from "../../ops/dropout.ts";
import { embedding } from "../../ops/gather.ts";
import { layerNorm } from "../../ops/layer_norm.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { softmax } from "../../ops/softmax.ts";
import { uniformInit } from "../../nn/multihead_attention/multihead_attention.ts";
import {
  LAYER_PARAMETER_NAMES,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "../../nn/transformer_encoder/transformer_encoder.ts";
import { LARKOS } from "../config.ts";

const HEAD = "FusionTransformerHead";
const D = LARKOS.FUSE_GRAPH_DMODEL;
const N_GRAPH = LARKOS.MAX_NEURONS;

/** Tokens per sequence: MAX_NEURONS graph tokens, band_q, band_m and the driver (11). */
export const FUSION_SEQ_LEN: number = LARKOS.MAX_NEURONS + 3;

/** Token types: graph 0, band_q 1, band_m 2, driver 3 (the original's `_TOK_*`). */
export const FUSION_TOKEN_TYPES: readonly number[] = Object.freeze([
  ...new Array<number>(LARKOS.MAX_NEURONS).fill(0),
  1,
  2,
  3,
]);

/** Standard deviation of the training-mode input noise. */
export const FUSION_INPUT_NOISE_STD = 0.005;

/** LayerNorm eps of the input norm (torch's default). */
export const FUSION_LN_EPS = 1e-5;

/** The head's own parameter names and shapes, in torch's order around the encoder. */
const HEAD_PARAMS_BEFORE: readonly [string, readonly number[]][] = [
  ["token_type_embed", [4, D]],
  ["pool_query", [D]],
  ["proj_q.weight", [D, LARKOS.BAND_Q]],
  ["proj_q.bias", [D]],
  ["proj_m.weight", [D, LARKOS.BAND_M]],
  ["proj_m.bias", [D]],
  ["proj_driver.weight", [D, LARKOS.INTERNAL_DIM]],
  ["proj_driver.bias", [D]],
  ["input_norm.weight", [D]],
  ["input_norm.bias", [D]],
];
const HEAD_PARAMS_AFTER: readonly [string, readonly number[]][] = [
  ["linear_out.weight", [LARKOS.INTERNAL_DIM, D]],
  ["linear_out.bias", [LARKOS.INTERNAL_DIM]],
];

/**
 * Every parameter name of the head in the order of torch's `named_parameters()`
 * (the module's own `token_type_embed` and `pool_query` first, then the sub-modules in
 * registration order), with its shape.
 *
 * @example
 * ```ts
 * import { FUSION_PARAMETER_SHAPES } from "./fusion_head.ts";
 * import { strictEqual } from "node:assert/strict";
 * const n = FUSION_PARAMETER_SHAPES.reduce((s, [, sh]) => s + sh.reduce((p, d) => p * d, 1), 0);
 * strictEqual(n, 106184);
 * ```
 */
export const FUSION_PARAMETER_SHAPES: readonly (readonly [string, readonly number[]])[] = Object
  .freeze([
    ...HEAD_PARAMS_BEFORE,
    ...Array.from(
      { length: LARKOS.FUSE_GRAPH_LAYERS },
      (_, i) =>
        LAYER_PARAMETER_NAMES.map((n) => [`encoder.layers.${i}.${n}`, layerShape(n)] as const),
    ).flat(),
    ...HEAD_PARAMS_AFTER,
  ]);

function layerShape(n: string): readonly number[] {
  const ff = LARKOS.FUSE_GRAPH_DIM_FF;
  switch (n) {
    case "self_attn.in_proj_weight":
      return [3 * D, D];
    case "self_attn.in_proj_bias":
      return [3 * D];
    case "self_attn.out_proj.weight":
      return [D, D];
    case "linear1.weight":
      return [ff, D];
    case "linear1.bias":
      return [ff];
    case "linear2.weight":
      return [D, ff];
    default:
      return [D];
  }
}

/** Options of {@link FusionTransformerHead}. */
export interface FusionTransformerHeadOptions {
  /** Seeds the initial parameters and the default call-seed stream; default 0. */
  seed?: number;
  /** Every parameter by its torch name (see {@link FUSION_PARAMETER_SHAPES}); replaces the init. */
  weights?: Readonly<Record<string, ArrayLike<number>>>;
  /** Dropout probability of the input and of the encoder layers; default 0.1. */
  dropout?: number;
}

/** Options of one forward. */
export interface FusionCallOptions {
  /** Skip the input dropout and noise in training mode (the original's `frozen_input`). */
  frozenInput?: boolean;
  /** Seed of this call's randomness (training); default: the next of the module's stream. */
  seed?: number;
}

/** Every intermediate of a forward, for parity and fixture checks. */
export interface FusionTrace {
  /** [B, 11, 64]: the typed tokens before the input LayerNorm. */
  tokens: Tensor;
  /** [B, 11, 64]: the encoder's input (LN, then dropout and noise when they apply). */
  input: Tensor;
  /** [B, 11, 64] per encoder layer: each layer's output. */
  layers: Tensor[];
  /** [B, 11]: the pool's attention weights a. */
  pool: Tensor;
  /** [B, 64]: Σ_t a_t·enc_t. */
  pooled: Tensor;
  /** [B, 8]: the head's output. */
  out: Tensor;
}

function checkSeed(seed: unknown, op: string): number {
  if (typeof seed !== "number") {
    throw new TypeError(`Cannot ${op}: expected a seed to be a number but got ${String(seed)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`Cannot ${op}: expected a seed in [0, 2^32) but got ${String(seed)}`);
  }
  return seed;
}

/**
 * The seeds of a training-mode call with seed s: input dropout hashU32(s, 0), noise
 * stream hashU32(s, 1), encoder hashU32(s, 2) (its layer i: hashU32(encoder, i)).
 *
 * @example
 * ```ts
 * import { fusionSeeds } from "./fusion_head.ts";
 * import { ok } from "node:assert/strict";
 * const s = fusionSeeds(5);
 * ok(new Set([s.inputDropout, s.noise, s.encoder]).size === 3);
 * ```
 *
 * @throws {TypeError} when seed is not a number. @throws {RangeError} when it is not an
 *   integer in [0, 2³²).
 */
export function fusionSeeds(
  seed: number,
): { inputDropout: number; noise: number; encoder: number } {
  checkSeed(seed, "run fusionSeeds");
  return { inputDropout: hashU32(seed, 0), noise: hashU32(seed, 1), encoder: hashU32(seed, 2) };
}

/**
 * The training-mode input noise of a call: n values of N(0, 0.005²) from stream
 * `seed` (host Box–Muller, rounded to f32), the values the head adds.
 *
 * @example
 * ```ts
 * import { fusionInputNoise } from "./fusion_head.ts";
 * import { ok } from "node:assert/strict";
 * const z = fusionInputNoise(3, 1000);
 * ok(z.every((v, i) => v === fusionInputNoise(3, 1000)[i]));
 * ok(Math.abs(Math.sqrt(z.reduce((s, v) => s + v * v, 0) / 1000) - 0.005) < 0.001);
 * ```
 *
 * @throws {TypeError} when seed or n is not a number. @throws {RangeError} when seed is not an
 *   integer in [0, 2³²) or n not an integer in [0, 2^26].
 */
export function fusionInputNoise(seed: number, n: number): Float32Array {
  checkSeed(seed, "run fusionInputNoise");
  checkInt("fusionInputNoise", "n", n, 0, 2 ** 26);
  return new Rng(seed).normals(n, FUSION_INPUT_NOISE_STD);
}

/**
 * `_FusionTransformerHead` on the GPU. Initialised as torch does from a seeded
 * generator (nn.Linear U(±1/√fan_in) weights and biases, the type embedding N(0, 0.02²),
 * the pool query N(0, 1)/√64, LayerNorm ones and zeros, the encoder layers clones of one
 * torch-initialised layer), or from explicit weights. Training mode after construction,
 * as in torch.
 *
 * @example A training step's gradients reach every parameter
 * ```ts
 * import { backward, initGpu, sum, tensor, tidy } from "../../mod.ts";
 * import { FusionTransformerHead } from "./fusion_head.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const head = new FusionTransformerHead({ seed: 2 });
 * ok(head.parameterCount() === 106184 && head.namedParameters()[0]![0] === "token_type_embed");
 * const zeros = (s: number[]) => tensor(new Float32Array(s.reduce((p, d) => p * d)), s);
 * const graph = tensor(new Float32Array(512).fill(0.5), [1, 8, 64]);
 * const x = [graph, zeros([1, 32]), zeros([1, 32]), zeros([1, 8])] as const;
 * tidy(() => backward(sum(head.forward(...x, { frozenInput: true, seed: 1 }))));
 * ok(head.parameters().every((p) => p.grad !== null));
 * head.dispose();
 * ```
 */
export class FusionTransformerHead {
  /** Whether dropout and noise apply (torch's `training`). */
  training = true;
  /** Dropout probability (input and encoder). */
  readonly dropout: number;
  /** The three-layer encoder. */
  readonly encoder: TransformerEncoder;
  /** The head's own parameters by torch name (the encoder's are in {@link encoder}). */
  private own: Map<string, Tensor>;
  /** [11] i32 token-type ids. */
  private typeIds: Tensor;
  /** [1]: 1/√64 = 0.125, exact in f32. */
  private poolScale: Tensor;
  private seedBase: number;
  private calls = 0;

  /**
   * A head with torch-like seeded init, or the given weights.
   *
   * @throws {RangeError} when the seed is out of range, dropout is not in [0, 1), or a
   *   weight is not finite.
   * @throws {TypeError} when a weight name is unknown or missing or an array has the wrong
   *   length.
   */
  constructor(options: FusionTransformerHeadOptions = {}) {
    const op = `create ${HEAD}`;
    checkObject(op, "options", options);
    const seed = options.seed === undefined ? 0 : checkSeed(options.seed, op);
    const p = options.dropout === undefined ? 0.1 : options.dropout;
    if (typeof p !== "number" || !(p >= 0 && p < 1)) {
      throw new RangeError(`Cannot ${op}: expected dropout in [0, 1) but got ${p}`);
    }
    if (options.weights !== undefined) checkWeights(options.weights, op);
    this.dropout = p;
    this.seedBase = seed;
    const rng = new Rng(hashU32(seed, 0xf05e));
    const lin = (out: number, inF: number) => {
      const b = 1 / Math.sqrt(inF);
      return [uniformInit(rng, out * inF, b), uniformInit(rng, out, b)] as const;
    };
    const [qw, qb] = lin(D, LARKOS.BAND_Q);
    const [mw, mb] = lin(D, LARKOS.BAND_M);
    const [dw, db] = lin(D, LARKOS.INTERNAL_DIM);
    const [ow, ob] = lin(LARKOS.INTERNAL_DIM, D);
    const init: Record<string, Float32Array> = {
      token_type_embed: rng.normals(4 * D, 0.02),
      pool_query: rng.normals(D, 1 / Math.sqrt(D)),
      "proj_q.weight": qw,
      "proj_q.bias": qb,
      "proj_m.weight": mw,
      "proj_m.bias": mb,
      "proj_driver.weight": dw,
      "proj_driver.bias": db,
      "input_norm.weight": new Float32Array(D).fill(1),
      "input_norm.bias": new Float32Array(D),
      "linear_out.weight": ow,
      "linear_out.bias": ob,
    };
    const layer = new TransformerEncoderLayer(D, LARKOS.FUSE_GRAPH_NHEAD, {
      dimFeedforward: LARKOS.FUSE_GRAPH_DIM_FF,
      dropout: p,
      seed: hashU32(seed, 0xe2c),
    });
    this.encoder = new TransformerEncoder(layer, LARKOS.FUSE_GRAPH_LAYERS);
    layer.dispose();
    this.own = new Map();
    for (const [n, shape] of [...HEAD_PARAMS_BEFORE, ...HEAD_PARAMS_AFTER]) {
      this.own.set(n, tensor(init[n]!, shape, { requiresGrad: true }));
    }
    this.typeIds = tensor(Int32Array.from(FUSION_TOKEN_TYPES), [FUSION_SEQ_LEN]);
    this.poolScale = tensor([1 / Math.sqrt(D)], [1]);
    if (options.weights !== undefined) this.#upload(options.weights);
  }

  /** Every parameter with its torch state-dict name, in torch's `named_parameters()` order. */
  namedParameters(): [string, Tensor][] {
    type Named = [string, Tensor];
    const own = (list: typeof HEAD_PARAMS_BEFORE) =>
      list.map(([n]): Named => [n, this.own.get(n)!]);
    return [
      ...own(HEAD_PARAMS_BEFORE),
      ...this.encoder.namedParameters().map(([n, t]): Named => [`encoder.${n}`, t]),
      ...own(HEAD_PARAMS_AFTER),
    ];
  }

  /** The parameters, in torch's order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Number of parameter values (106,184 for Larkos 0.3's sizes). */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /**
   * Training mode (dropout and noise on); returns this.
   *
   * @throws {TypeError} when mode is not a boolean.
   */
  train(mode = true): this {
    checkBool(`set ${HEAD}.train`, "mode", mode);
    this.training = mode;
    this.encoder.train(mode);
    return this;
  }

  /** Evaluation mode; returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Replaces every parameter from torch state-dict names (all required). Every array is
   * checked before any is uploaded.
   *
   * @throws {TypeError} when a name is missing or unknown or a length is wrong.
   * @throws {RangeError} when a value is not finite.
   * @throws {DisposedTensorError} after dispose().
   */
  setWeights(w: Readonly<Record<string, ArrayLike<number>>>): void {
    // A disposed head stays disposed: new weights would bring only part of it back.
    for (const [n, t] of this.namedParameters()) assertLive(t, `${HEAD}.setWeights`, n);
    checkWeights(w, `set ${HEAD} weights`);
    this.#upload(w);
  }

  #upload(w: Readonly<Record<string, ArrayLike<number>>>): void {
    for (const [n, old] of this.own) {
      this.own.set(n, tensor(w[n]!, old.shape, { requiresGrad: true }));
      old.dispose();
    }
    this.encoder.layers.forEach((l, i) => {
      l.setWeights(
        Object.fromEntries(LAYER_PARAMETER_NAMES.map((n) => [n, w[`encoder.layers.${i}.${n}`]!])),
      );
    });
  }

  /** The seed a call without one uses: the module's own stream. */
  #nextSeed(): number {
    return hashU32((this.seedBase ^ 0xf05e) >>> 0, this.calls++);
  }

  /**
   * Checks the four inputs and the options (before any GPU work).
   *
   * @throws {TypeError} on a dtype, rank, width or batch mismatch, or a non-boolean
   *   frozenInput. @throws {RangeError} on a bad seed or an empty batch.
   * @throws {DisposedTensorError} when an input or a parameter was disposed.
   */
  checkInputs(
    graph: Tensor,
    bandQ: Tensor,
    bandM: Tensor,
    driver: Tensor,
    opts: FusionCallOptions = {},
    op = HEAD,
  ): void {
    for (const [n, t] of this.namedParameters()) assertDType(t, "f32", `run ${op}`, n);
    assertDType(this.typeIds, "i32", `run ${op}`, "token types");
    checkObject(`run ${op}`, "options", opts);
    const want: [string, Tensor, number[]][] = [
      ["graph tokens", graph, [N_GRAPH, D]],
      ["band_q", bandQ, [LARKOS.BAND_Q]],
      ["band_m", bandM, [LARKOS.BAND_M]],
      ["driver", driver, [LARKOS.INTERNAL_DIM]],
    ];
    for (const [n, t, tail] of want) {
      // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
      if (!(t instanceof Tensor)) checkTensor(`run ${op}`, n, t, "f32");
      assertDType(t, "f32", `run ${op}`, n);
      const ok = t.rank === tail.length + 1 && tail.every((d, i) => t.shape[i + 1] === d);
      if (!ok) {
        throw new TypeError(
          `Cannot run ${op}: expected ${n} of shape [B, ${tail.join(", ")}] but got ` +
            formatShape(t.shape),
        );
      }
    }
    const B = graph.shape[0]!;
    if (B < 1) {
      throw new RangeError(`Cannot run ${op}: expected a batch of at least 1 but got 0`);
    }
    for (const [n, t] of want.slice(1)) {
      if (t.shape[0] !== B) {
        throw new TypeError(
          `Cannot run ${op}: expected ${n} with the graph tokens' batch ${B} but got ` +
            `${formatShape(t.shape)}`,
        );
      }
    }
    if (opts.frozenInput !== undefined && typeof opts.frozenInput !== "boolean") {
      throw new TypeError(
        `Cannot run ${op}: expected frozenInput to be a boolean but got ${
          String(opts.frozenInput)
        }`,
      );
    }
    if (opts.seed !== undefined) checkSeed(opts.seed, `run ${op}`);
  }

  /**
   * The head on graph tokens [B, 8, 64], band_q [B, 32], band_m [B, 32] and the driver
   * [B, 8]: output [B, 8], with autograd.
   *
   * @throws as {@link FusionTransformerHead.checkInputs}, before any GPU work.
   */
  forward(
    graph: Tensor,
    bandQ: Tensor,
    bandM: Tensor,
    driver: Tensor,
    opts: FusionCallOptions = {},
  ): Tensor {
    return this.forwardTrace(graph, bandQ, bandM, driver, opts).out;
  }

  /**
   * {@link FusionTransformerHead.forward} that also returns the pool's attention weights
   * a [B, 11] (each row sums to 1).
   */
  forwardWithPool(
    graph: Tensor,
    bandQ: Tensor,
    bandM: Tensor,
    driver: Tensor,
    opts: FusionCallOptions = {},
  ): { out: Tensor; pool: Tensor } {
    const t = this.forwardTrace(graph, bandQ, bandM, driver, opts);
    return { out: t.out, pool: t.pool };
  }

  /**
   * The forward with every intermediate (all tensors in the caller's scope).
   *
   * @throws as {@link FusionTransformerHead.checkInputs}, before any GPU work.
   */
  forwardTrace(
    graph: Tensor,
    bandQ: Tensor,
    bandM: Tensor,
    driver: Tensor,
    opts: FusionCallOptions = {},
  ): FusionTrace {
    this.checkInputs(graph, bandQ, bandM, driver, opts);
    const seed = opts.seed ?? this.#nextSeed();
    const { tokens, input } = this.embed(graph, bandQ, bandM, driver, {
      frozenInput: opts.frozenInput ?? false,
      seed,
    });
    // The encoder's loop, run here to keep each layer's output (impl/nn's
    // TransformerEncoder.forward runs the same calls with the same seeds).
    let x = input;
    for (const l of this.encoder.layers) l.checkInput(x, "TransformerEncoder");
    const encSeed = fusionSeeds(seed).encoder;
    const layers = this.encoder.layers.map((l, i) =>
      x = l.forward(x, { seed: hashU32(encSeed, i) })
    );
    return { tokens, input, layers, ...this.pool(x) };
  }

  /**
   * The first stage: typed tokens [B, 11, 64] and the encoder's input (LayerNorm, then in
   * training without frozenInput dropout and noise seeded by {@link fusionSeeds}(seed)).
   *
   * @throws as {@link FusionTransformerHead.checkInputs}, before any GPU work.
   */
  embed(
    graph: Tensor,
    bandQ: Tensor,
    bandM: Tensor,
    driver: Tensor,
    opts: { frozenInput: boolean; seed: number },
  ): { tokens: Tensor; input: Tensor } {
    checkObject(`run ${HEAD}.embed`, "options", opts);
    this.checkInputs(graph, bandQ, bandM, driver, opts, `${HEAD}.embed`);
    // Both are required here (forward fills them in): the seed decides the randomness.
    checkBool(`run ${HEAD}.embed`, "frozenInput", opts.frozenInput);
    checkSeed(opts.seed, `run ${HEAD}.embed`);
    const B = graph.shape[0]!;
    const w = (n: string) => this.own.get(n)!;
    const proj = (x: Tensor, name: string) =>
      reshape(
        add(matmul(x, w(`${name}.weight`), { transB: true }), w(`${name}.bias`)),
        [B, 1, D],
      );
    const raw = concat(
      [graph, proj(bandQ, "proj_q"), proj(bandM, "proj_m"), proj(driver, "proj_driver")],
      1,
    );
    const tokens = add(raw, embedding(w("token_type_embed"), this.typeIds));
    let x = layerNorm(tokens, w("input_norm.weight"), w("input_norm.bias"), FUSION_LN_EPS);
    if (this.training && !opts.frozenInput) {
      const s = fusionSeeds(opts.seed);
      if (this.dropout > 0) x = dropout(x, this.dropout, { seed: s.inputDropout });
      x = add(x, tensor(fusionInputNoise(s.noise, x.size), x.shape));
    }
    return { tokens, input: x };
  }

  /**
   * The last stage on the encoder's output enc [B, 11, 64]: pool weights
   * a = softmax_t(⟨enc_t, q_pool⟩/√64) [B, 11], pooled [B, 64] and the output [B, 8].
   *
   * @throws {TypeError} when enc is not an f32 tensor of shape [B, 11, 64].
   */
  pool(enc: Tensor): { pool: Tensor; pooled: Tensor; out: Tensor } {
    for (const [n, t] of this.namedParameters()) assertDType(t, "f32", `run ${HEAD}.pool`, n);
    // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
    if (!(enc instanceof Tensor)) checkTensor(`run ${HEAD}.pool`, "enc", enc, "f32");
    assertDType(enc, "f32", `run ${HEAD}.pool`, "enc");
    if (enc.rank !== 3 || enc.shape[1] !== FUSION_SEQ_LEN || enc.shape[2] !== D) {
      throw new TypeError(
        `Cannot run ${HEAD}.pool: expected enc of shape [B, ${FUSION_SEQ_LEN}, ${D}] but got ` +
          formatShape(enc.shape),
      );
    }
    const B = enc.shape[0]!;
    const w = (n: string) => this.own.get(n)!;
    const scores = mul(matmul(enc, reshape(w("pool_query"), [D, 1])), this.poolScale);
    const pool = softmax(reshape(scores, [B, FUSION_SEQ_LEN]), -1);
    const pooled = reshape(matmul(reshape(pool, [B, 1, FUSION_SEQ_LEN]), enc), [B, D]);
    const out = add(matmul(pooled, w("linear_out.weight"), { transB: true }), w("linear_out.bias"));
    return { pool, pooled, out };
  }

  /** Releases every parameter and constant. */
  dispose(): void {
    for (const t of this.own.values()) t.dispose();
    this.encoder.dispose();
    this.typeIds.dispose();
    this.poolScale.dispose();
  }
}

/**
 * Checks a full weight map: every name of {@link FUSION_PARAMETER_SHAPES}, no other,
 * right lengths, finite values.
 */
function checkWeights(w: Readonly<Record<string, ArrayLike<number>>>, op: string): void {
  if (w === null || typeof w !== "object") {
    throw new TypeError(`Cannot ${op}: expected weights to be an object but got ${String(w)}`);
  }
  const names = new Set(FUSION_PARAMETER_SHAPES.map(([n]) => n));
  for (const k of Object.keys(w)) {
    if (!names.has(k)) {
      throw new TypeError(
        `Cannot ${op}: unknown parameter "${k}"; expected the torch names of ` +
          `_FusionTransformerHead (token_type_embed, pool_query, proj_q.weight, …)`,
      );
    }
  }
  for (const [n, shape] of FUSION_PARAMETER_SHAPES) {
    const v = w[n];
    const size = shape.reduce((p, d) => p * d, 1);
    if (v === undefined || v === null || typeof v.length !== "number" || v.length !== size) {
      throw new TypeError(
        `Cannot ${op}: expected ${n} of ${size} values (shape ${formatShape(shape)}) but got ${
          v === undefined || v === null ? "none" : v.length
        }`,
      );
    }
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(Math.fround(v[i]!))) {
        throw new RangeError(
          `Cannot ${op}: expected finite f32 values in ${n} but got ${v[i]} at index ${i}`,
        );
      }
    }
  }
}
