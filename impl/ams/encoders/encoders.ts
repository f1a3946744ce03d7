/**
 * AMS v4's three bundle encoders on the GPU (FluffyAIcode/AgentMemorySystem:
 * ams_v4/bundles/{temporal,topic,context}.py, PR #30): each maps the frozen
 * backbone's pooled hidden state h [B, d_LLM] and its bundle's own inputs to a
 * (base, fiber, dirn) triple.
 *
 * - {@link TimeEncoder}: Fourier features of the time scalars s [B, 3]
 *   (n_f = max(4, 2⌈d_time/2⌉) per scalar, k = n_f/2 frequencies
 *   ω = exp(linspace(0, ln 10⁴, k)), per scalar [sin(sω₁..ₖ), cos(sω₁..ₖ)], scalar-major),
 *   base = LayerNorm(time_mlp(ff) + hidden_proj(h)), fiber = fiber_mlp([h, base, σ]),
 *   dirn = base / max(‖base‖, 1e-8).
 * - {@link TopicEncoder}: the (IDF-weighted) centroid c of the normalised token-embedding rows
 *   of each memory's valid ids, mixed = down_project(c) + hidden_to_topic(h),
 *   base = dirn = mixed / max(‖mixed‖, 1e-8), fiber = fiber_mlp([h, base]).
 * - {@link ContextEncoder}: an optional single-head attention pool over previous turns
 *   (d_attn = max(4·d_ctx, 32), scale 1/√d_attn; zeros without turns),
 *   base = LayerNorm(mix_mlp([h, session, pooled])), fiber = fiber_mlp([h, base, session]),
 *   dirn = base / max(‖base‖, 1e-8).
 *
 * memspec's choices, where the original leaves the numerics open:
 * - the Fourier features and the topic centroid are computed on the host in f64 (the time
 *   scalars, token ids and the frozen embedding table are host data, and no gradient flows to
 *   them); `Math.sin`/`Math.cos` reduce the f64 argument s·ω exactly, so a write index of 10⁶
 *   at ω = 10⁴ gives the features of the f64 product, not WGSL's unspecified large-argument
 *   sin, and ω is computed in f64 (torch's float32 ω₄ is 10000.001);
 * - everything after them runs on the GPU with autograd (matmul, SiLU, LayerNorm, softmax,
 *   the normalisation as square/sum/sqrt/maximum/div), forward and backward.
 *
 * Parameter names are the original's state-dict names (`time_mlp.0.weight`, `hidden_proj.bias`,
 * `base_ln.weight`, `fiber_mlp.2.weight`, `down_project.0.weight`, `q_proj.weight`, …). Seeded
 * init reproduces PyTorch's defaults in distribution (nn.Linear: weight and bias
 * U(±1/√fan_in), kaiming_uniform_(a = √5); nn.LayerNorm: ones and zeros) from memspec's seeded
 * {@link Rng}.
 *
 * Call forward inside `tidy` (as every op): intermediates, and tensors uploaded from host
 * arrays, are released with the scope.
 *
 * @example The three encoders on a batch of two
 * ```ts
 * import { initGpu, tidy, tidyAsync } from "../../mod.ts";
 * import { cfg4 } from "../config/config.ts";
 * import { ContextEncoder, TimeEncoder, TopicEncoder, normalizeRows } from "./encoders.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const cfg = cfg4({ d_LLM: 16 });
 * const h = Array.from({ length: 32 }, (_, i) => Math.sin(i));
 * const time = new TimeEncoder({ cfg, seed: 1 });
 * const topic = new TopicEncoder({ cfg, seed: 2 });
 * const ctx = new ContextEncoder({ cfg, seed: 3 });
 * const wte = normalizeRows(Array.from({ length: 5 * 16 }, (_, i) => Math.cos(i)), 5, 16);
 * await tidyAsync(async () => {
 *   const t = time.forward(h, { timeScalars: [1, 0, 0, 2, 0, 0], surprise: [0.5, 0.1] });
 *   const p = topic.forward(h, { tokenIds: [[0, 3], []], wteNormed: wte });
 *   const c = ctx.forward(h, { sessionSummary: h, prevTurns: null });
 *   ok(t.dirn.shape.join() === "2,8" && p.fiber.shape.join() === "2,64");
 *   const d = await c.dirn.toFloat32();
 *   ok(Math.abs(Math.hypot(...d.subarray(0, 12)) - 1) < 1e-4);
 * });
 * for (const m of [time, topic, ctx]) m.dispose();
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertDType, formatShape, type Tensor, tensor, zeros } from "../../tensor.ts";
import { add, div, maximum, mul } from "../../ops/binary.ts";
import { silu, sqrt, square } from "../../ops/unary.ts";
import { sum } from "../../ops/reduce.ts";
import { softmax } from "../../ops/softmax.ts";
import { layerNorm } from "../../ops/layer_norm.ts";
import { matmul } from "../../ops/matmul.ts";
import { concat } from "../../ops/concat.ts";
import { reshape } from "../../ops/reshape.ts";
import { type Cfg4, cfg4, type Cfg4Overrides } from "../config/config.ts";
import {
  type AmsParameterShapes,
  checkedSeed,
  checkNamedWeights,
  hostValues,
  replaceNamedParams,
} from "../_weights.ts";

/** Named arrays by the original's state-dict names. */
export type EncoderWeights = Readonly<Record<string, ArrayLike<number>>>;

/** A data input: a device tensor, or host values (checked finite, then uploaded). */
export type EncoderInput = Tensor | ArrayLike<number>;

/** One encoder's (base, fiber, dirn). */
export interface EncoderOutput {
  /** [B, d_base]. */
  base: Tensor;
  /** [B, d_F]. */
  fiber: Tensor;
  /** [B, d_base], unit rows (unless base = 0). */
  dirn: Tensor;
}

/** Options of an encoder's construction. */
export interface EncoderOptions {
  /** The configuration (a `cfg4(...)` result) or overrides of the defaults; default Cfg4's. */
  cfg?: Readonly<Cfg4> | Cfg4Overrides;
  /** Seeds the initial parameters; default 0. */
  seed?: number;
  /** Every parameter by its original name; replaces the seeded init. Checked before GPU work. */
  weights?: EncoderWeights;
}

/** The eps of `F.normalize(..., eps=1e-8)` in all three encoders. */
export const NORMALIZE_EPS = 1e-8;
/** nn.LayerNorm's default eps. */
export const LAYER_NORM_EPS = 1e-5;
/** The Fourier features' max period (`_fourier_features(..., max_period=1e4)`). */
export const FOURIER_MAX_PERIOD = 1e4;
/** The IDF floor of `_idf_weighted_centroid` (`idf_floor=0.1`). */
export const IDF_FLOOR = 0.1;

function resolveCfg(cfg: EncoderOptions["cfg"]): Readonly<Cfg4> {
  return cfg4((cfg ?? {}) as Cfg4Overrides);
}

function checkInt(op: string, what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    const E = typeof v === "number" ? RangeError : TypeError;
    throw new E(`Cannot ${op}: expected ${what} to be an integer in [${min}, ${max}] but got ${v}`);
  }
  return v;
}

/** Checks the dims a parameter-shape table reads from `cfg` (any Cfg4-shaped object). */
function checkShapeCfg(op: string, cfg: unknown, fields: readonly (keyof Cfg4)[]): Cfg4 {
  if (cfg === null || typeof cfg !== "object") {
    throw new TypeError(`Cannot ${op}: expected a Cfg4 but got ${cfg}`);
  }
  for (const f of fields) checkInt(op, f, (cfg as Record<string, unknown>)[f], 1, 1 << 20);
  return cfg as Cfg4;
}

/** Checks that the options of an encoder's constructor are an object (undefined: defaults). */
function checkOptions(name: string, o: unknown): EncoderOptions {
  if (o === undefined) return {};
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new TypeError(`Cannot create ${name}: expected an options object but got ${o}`);
  }
  return o as EncoderOptions;
}

function linearShapes(name: string, inF: number, outF: number): AmsParameterShapes {
  return [[`${name}.weight`, [outF, inF]], [`${name}.bias`, [outF]]];
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "dtype" in x && "shape" in x &&
    "dispose" in x;
}

/** Checks a data input's shape (tensor) or length and finiteness (host). */
function checkData(x: EncoderInput, shape: readonly number[], what: string, op: string): void {
  if (isTensor(x)) {
    assertDType(x, "f32", op, what);
    if (x.shape.length !== shape.length || x.shape.some((s, i) => s !== shape[i])) {
      throw new TypeError(
        `Cannot ${op}: expected ${what} of shape ${formatShape(shape)} but got ` +
          formatShape(x.shape),
      );
    }
    return;
  }
  hostValues(x, shape.reduce((a, b) => a * b, 1), `${what} (shape ${formatShape(shape)})`, op);
}

function upload(x: EncoderInput, shape: readonly number[]): Tensor {
  return isTensor(x) ? x : tensor(x, shape);
}

function batchOf(h: EncoderInput, d: number, op: string): number {
  if (isTensor(h)) {
    assertDType(h, "f32", op, "h");
    if (h.rank !== 2 || h.shape[1] !== d || h.shape[0]! < 1) {
      throw new TypeError(
        `Cannot ${op}: expected h of shape [B, ${d}] (B >= 1) but got ${formatShape(h.shape)}`,
      );
    }
    return h.shape[0]!;
  }
  if (h === null || typeof h !== "object" || typeof h.length !== "number") {
    throw new TypeError(`Cannot ${op}: expected h as a tensor or an array but got ${h}`);
  }
  if (h.length === 0 || h.length % d !== 0) {
    throw new TypeError(
      `Cannot ${op}: expected h of B·${d} values (B >= 1, d_LLM = ${d}) but got ${h.length}`,
    );
  }
  return h.length / d;
}

/** y = x·Wᵀ + b: nn.Linear. */
function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return add(matmul(x, w, { transB: true }), b);
}

/** x / max(‖x‖, eps) along the last axis: F.normalize. */
function normalize(x: Tensor): Tensor {
  const n = sqrt(sum(square(x), -1, true));
  return div(x, maximum(n, tensor([NORMALIZE_EPS], [1])));
}

/** The three encoders' base: parameters by name, in the original's registration order. */
export abstract class EncoderBase {
  /** The configuration. */
  readonly cfg: Readonly<Cfg4>;
  readonly #params = new Map<string, Tensor>();
  readonly #shapes: AmsParameterShapes;
  readonly #name: string;

  /**
   * Seeded PyTorch-default parameters for `shapes`, or `o.weights` (checked before any upload).
   *
   * @throws {RangeError} on an invalid seed or a non-finite weight. @throws {TypeError} on a
   *   missing, unknown or wrongly sized weight.
   */
  protected constructor(
    name: string,
    cfg: Readonly<Cfg4>,
    shapes: AmsParameterShapes,
    o: EncoderOptions,
  ) {
    this.#name = name;
    this.cfg = cfg;
    this.#shapes = shapes;
    const seed = checkedSeed(name, o.seed);
    if (o.weights !== undefined) checkNamedWeights(o.weights, shapes, `create ${name} weights`);
    const rng = new Rng(hashU32(seed, 0x616d73));
    const init = (k: string, shape: readonly number[]): ArrayLike<number> => {
      const n = shape.reduce((a, b) => a * b, 1);
      if (k.endsWith("_ln.weight")) return new Float32Array(n).fill(1);
      if (k.endsWith("_ln.bias")) return new Float32Array(n);
      // nn.Linear: kaiming_uniform_(a=√5) on the weight and U(±1/√fan_in) on the bias both
      // reduce to the bound 1/√fan_in, fan_in the weight's second dim.
      const fanIn = k.endsWith(".weight")
        ? shape[1]!
        : shapes.find(([n2]) => n2 === k.replace(/bias$/, "weight"))![1][1]!;
      const bound = 1 / Math.sqrt(fanIn);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.uniformIn(-bound, bound);
      return out;
    };
    for (const [k, shape] of shapes) {
      this.#params.set(
        k,
        tensor(o.weights?.[k] ?? init(k, shape), shape, { requiresGrad: true }),
      );
    }
  }

  /** The parameter named `k`. */
  protected p(k: string): Tensor {
    const t = this.#params.get(k)!;
    assertDType(t, "f32", `run ${this.#name}`, k);
    return t;
  }

  /** nn.Linear `name` applied to x. */
  protected lin(name: string, x: Tensor): Tensor {
    return linear(x, this.p(`${name}.weight`), this.p(`${name}.bias`));
  }

  /** Checks every parameter is live (before any GPU work of a forward). */
  protected checkParams(): void {
    for (const [k, t] of this.#params) assertDType(t, "f32", `run ${this.#name}`, k);
  }

  /** The parameters with the original's state-dict names, in its order. */
  namedParameters(): [string, Tensor][] {
    return [...this.#params.entries()];
  }

  /** The parameters in the original's order. */
  parameters(): Tensor[] {
    return [...this.#params.values()];
  }

  /** Σ parameter sizes. */
  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /**
   * Replaces every parameter from the original's names; all are checked before any upload.
   *
   * @throws {TypeError} on a missing or unknown name or a wrong length. @throws {RangeError}
   *   on a non-finite value.
   */
  setWeights(w: EncoderWeights): void {
    this.checkParams(); // a disposed encoder stays disposed
    checkNamedWeights(w, this.#shapes, `set ${this.#name} weights`);
    replaceNamedParams(this.#params, this.#shapes, w);
  }

  /** Releases every parameter. */
  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
  }
}

// --- TimeEncoder ---------------------------------------------------------------------------

/** Fourier features per scalar: n_f = max(4, 2⌈d_time/2⌉). *
 * @example
 * ```ts
 * import { fourierPerScalar } from "./encoders.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(fourierPerScalar(8), 8);
 * strictEqual(fourierPerScalar(5), 6);
 * strictEqual(fourierPerScalar(2), 4);
 * ```
 *
 * @throws {RangeError} when dTime is not an integer in [1, 2^20] ({TypeError} when not a number).
 */
export function fourierPerScalar(dTime: number): number {
  checkInt("count Fourier features", "dTime", dTime, 1, 1 << 20);
  return Math.max(4, 2 * Math.ceil(dTime / 2));
}

/**
 * The k frequencies exp(linspace(0, ln 10⁴, k)) in f64: ω_i = exp(i·step), step = ln 10⁴/(k − 1),
 * the points torch 1.13's float64 linspace gives for k ≤ 6 (k = 4 at the default d_time).
 *
 * @example
 * ```ts
 * import { timeFrequencies } from "./encoders.ts";
 * import { ok } from "node:assert/strict";
 * const w = timeFrequencies(4); // [1, 21.544, 464.16, 10000]
 * ok(w[0] === 1 && Math.abs(w[3]! - 1e4) < 1e-9);
 * ```
 *
 * @throws {RangeError} when k is not an integer in [1, 2^20] ({TypeError} when not a number).
 */
export function timeFrequencies(k: number): Float64Array {
  checkInt("compute the time frequencies", "k", k, 1, 1 << 20);
  const step = k === 1 ? 0 : Math.log(FOURIER_MAX_PERIOD) / (k - 1);
  return Float64Array.from({ length: k }, (_, i) => Math.exp(i * step));
}

/**
 * The Fourier features of time scalars s [B, n_s] (row-major), in f64: per scalar the block
 * [sin(sω₁..ₖ), cos(sω₁..ₖ)], blocks laid out scalar-major, [B, n_s·n_f]. The f64 argument
 * s·ω is reduced exactly by `Math.sin`/`Math.cos`.
 *
 * @throws {RangeError} on a non-finite scalar or a batch that does not divide the length.
 *
 * @example
 * ```ts
 * import { timeFourierFeatures } from "./encoders.ts";
 * import { strictEqual } from "node:assert/strict";
 * const ff = timeFourierFeatures([2, 0, 0], 1, 8); // one row, three scalars
 * strictEqual(ff.length, 24);
 * strictEqual(ff[0], Math.sin(2)); // scalar 0, sin at ω₁ = 1
 * strictEqual(ff[8 + 4], 1); // scalar 1 = 0: cos(0)
 * ```
 */
export function timeFourierFeatures(
  s: ArrayLike<number>,
  batch: number,
  dTime: number,
): Float64Array {
  const nf = fourierPerScalar(dTime);
  const k = nf / 2;
  if (s === null || typeof s !== "object" || typeof s.length !== "number" || s.length === 0) {
    throw new TypeError(
      `Cannot compute Fourier features: expected a non-empty array of time scalars but got ${s}`,
    );
  }
  if (!Number.isInteger(batch) || batch < 1 || s.length % batch !== 0) {
    throw new RangeError(
      `Cannot compute Fourier features: expected ${s.length} scalars to split into ${batch} rows`,
    );
  }
  hostValues(s, s.length, "time scalars", "compute Fourier features", false);
  const ns = s.length / batch;
  const w = timeFrequencies(k);
  const out = new Float64Array(batch * ns * nf);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < ns; j++) {
      const v = s[b * ns + j]!;
      const o = (b * ns + j) * nf;
      for (let i = 0; i < k; i++) {
        out[o + i] = Math.sin(v * w[i]!);
        out[o + k + i] = Math.cos(v * w[i]!);
      }
    }
  }
  return out;
}

/** The TimeEncoder's parameter names and shapes, in the original's order. *
 * @example
 * ```ts
 * import { timeParameterShapes } from "./encoders.ts";
 * import { CFG4_DEFAULTS } from "../config/config.ts";
 * import { strictEqual } from "node:assert/strict";
 * const shapes = Object.fromEntries(timeParameterShapes(CFG4_DEFAULTS));
 * strictEqual(shapes["time_mlp.0.weight"]!.join(), "32,24");
 * ```
 *
 * @throws {TypeError} when `cfg` is not an object. @throws {RangeError} when a dim it reads
 *   is not an integer ≥ 1.
 */
export function timeParameterShapes(cfg: Readonly<Cfg4>): AmsParameterShapes {
  checkShapeCfg("list the TimeEncoder parameter shapes", cfg, ["d_LLM", "d_time", "d_F_time"]);
  const ff = 3 * fourierPerScalar(cfg.d_time);
  const hidden = Math.max(4 * cfg.d_time, 32);
  const fh = Math.max(4 * cfg.d_F_time, 64);
  return [
    ...linearShapes("time_mlp.0", ff, hidden),
    ...linearShapes("time_mlp.2", hidden, cfg.d_time),
    ...linearShapes("hidden_proj", cfg.d_LLM, cfg.d_time),
    ["base_ln.weight", [cfg.d_time]],
    ["base_ln.bias", [cfg.d_time]],
    ...linearShapes("fiber_mlp.0", cfg.d_LLM + cfg.d_time + 1, fh),
    ...linearShapes("fiber_mlp.2", fh, cfg.d_F_time),
  ];
}

/** Inputs of {@link TimeEncoder.forward} besides h. */
export interface TimeInputs {
  /** [B, 3] (absolute_ts, recency, cnt), row-major host values. */
  timeScalars: ArrayLike<number>;
  /** [B] surprise. */
  surprise: ArrayLike<number>;
}

/**
 * `TimeEncoder` (ams_v4/bundles/temporal.py): (h, time scalars, surprise) → (base, fiber,
 * dirn) of shapes [B, d_time], [B, d_F_time], [B, d_time].
 *
 * @example
 * ```ts
 * import { initGpu, tidyAsync } from "../../mod.ts";
 * import { TimeEncoder } from "./encoders.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const enc = new TimeEncoder({ cfg: { d_LLM: 16 }, seed: 3 });
 * await tidyAsync(async () => {
 *   const h = Array.from({ length: 16 }, (_, i) => Math.cos(i));
 *   const { dirn } = enc.forward(h, { timeScalars: [1000, 0, 0], surprise: [0.2] });
 *   ok(Math.abs(Math.hypot(...await dirn.toFloat32()) - 1) < 1e-4);
 * });
 * enc.dispose();
 * ```
 */
export class TimeEncoder extends EncoderBase {
  /**
   * Seeded PyTorch-default parameters, or the given weights.
   *
   * @throws {RangeError} on an invalid configuration (the Cfg4 rules) or seed.
   * @throws {TypeError} when `weights` lacks a parameter, names an unknown one or has a wrong
   *   length.
   */
  constructor(options: EncoderOptions = {}) {
    const o = checkOptions("TimeEncoder", options);
    const cfg = resolveCfg(o.cfg);
    super("TimeEncoder", cfg, timeParameterShapes(cfg), o);
  }

  /**
   * Checks the inputs before any GPU work; returns B.
   *
   * @throws {TypeError} on a wrong shape, length or dtype. @throws {RangeError} on a
   *   non-finite host value. @throws {DisposedTensorError} on a disposed tensor.
   */
  checkInputs(h: EncoderInput, x: TimeInputs): number {
    const op = "run TimeEncoder";
    this.checkParams();
    const B = batchOf(h, this.cfg.d_LLM, op);
    checkData(h, [B, this.cfg.d_LLM], "h", op);
    if (x === null || typeof x !== "object") {
      throw new TypeError(`Cannot ${op}: expected { timeScalars, surprise } but got ${x}`);
    }
    hostValues(x.timeScalars, 3 * B, `timeScalars (shape [${B}, 3])`, op, false);
    hostValues(x.surprise, B, `surprise (shape [${B}])`, op);
    return B;
  }

  /** Forward; see the module docs. Throws as {@link TimeEncoder.checkInputs}. */
  forward(h: EncoderInput, x: TimeInputs): EncoderOutput {
    const B = this.checkInputs(h, x);
    const d = this.cfg.d_LLM;
    const ht = upload(h, [B, d]);
    const ff = tensor(timeFourierFeatures(x.timeScalars, B, this.cfg.d_time), [
      B,
      3 * fourierPerScalar(this.cfg.d_time),
    ]);
    const te = this.lin("time_mlp.2", silu(this.lin("time_mlp.0", ff)));
    const base = layerNorm(
      add(te, this.lin("hidden_proj", ht)),
      this.p("base_ln.weight"),
      this.p("base_ln.bias"),
      LAYER_NORM_EPS,
    );
    const sig = tensor(x.surprise, [B, 1]);
    const fiber = this.lin(
      "fiber_mlp.2",
      silu(this.lin("fiber_mlp.0", concat([ht, base, sig], 1))),
    );
    return { base, fiber, dirn: normalize(base) };
  }
}

// --- TopicEncoder --------------------------------------------------------------------------

/**
 * Rows of a [V, d] table divided by max(‖row‖, 1e-12) (F.normalize's default eps), in f64,
 * returned as f32: the `wte_normed` table the TopicEncoder takes.
 *
 * @throws {RangeError} on a non-finite value. @throws {TypeError} on a wrong length.
 *
 * @example
 * ```ts
 * import { normalizeRows } from "./encoders.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(normalizeRows([3, 4, 0, 0], 2, 2)), [0.6000000238418579, 0.800000011920929, 0, 0]);
 * ```
 *
 * @throws {RangeError} when V or d is not an integer ≥ 1, or a value is not finite in f32.
 * @throws {TypeError} when the table is not an array of V·d numbers.
 */
export function normalizeRows(table: ArrayLike<number>, V: number, d: number): Float32Array {
  checkInt("normalise rows", "V", V, 1, 1 << 26);
  checkInt("normalise rows", "d", d, 1, 1 << 26);
  hostValues(table, V * d, `the table (shape [${V}, ${d}])`, "normalise rows");
  const out = new Float32Array(V * d);
  for (let v = 0; v < V; v++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += table[v * d + j]! ** 2;
    const n = Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < d; j++) out[v * d + j] = table[v * d + j]! / n;
  }
  return out;
}

/**
 * The centroid Σ w_i ŵ(t_i) / max(Σ w_i, 1e-8) over the valid ids 0 ≤ t_i < V, in f64
 * (w_i = 1 without IDF, max(idf[t_i], 0.1) with it); exactly 0 when no id is valid.
 *
 * @example
 * ```ts
 * import { idfCentroid } from "./encoders.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const wte = [1, 0, 0, 1]; // V = 2 rows of d = 2
 * deepStrictEqual(Array.from(idfCentroid([0, 1, 7], wte, 2, 2)), [0.5, 0.5]); // 7 is OOV
 * deepStrictEqual(Array.from(idfCentroid([-1], wte, 2, 2)), [0, 0]);
 * ```
 *
 * @throws {TypeError} when ids are not integers, or wteNormed / idf have the wrong length.
 * @throws {RangeError} when V or d is not an integer ≥ 1, or a row (or idf entry) of an
 *   in-range id is not finite.
 */
export function idfCentroid(
  ids: readonly number[],
  wteNormed: ArrayLike<number>,
  V: number,
  d: number,
  idf: ArrayLike<number> | null = null,
): Float64Array {
  const op = "compute an IDF centroid";
  checkInt(op, "V", V, 1, 1 << 26);
  checkInt(op, "d", d, 1, 1 << 26);
  if (!Array.isArray(ids) || !ids.every((t) => Number.isInteger(t))) {
    throw new TypeError(`Cannot ${op}: expected ids to be an array of integer token ids`);
  }
  const isArrayLike = (x: unknown) =>
    x !== null && typeof x === "object" && typeof (x as ArrayLike<number>).length === "number";
  if (!isArrayLike(wteNormed) || wteNormed.length !== V * d) {
    throw new TypeError(
      `Cannot ${op}: expected wteNormed of V·d = ${V * d} values but got ${wteNormed?.length}`,
    );
  }
  if (idf !== null && idf !== undefined && (!isArrayLike(idf) || idf.length !== V)) {
    throw new TypeError(`Cannot ${op}: expected idf of V = ${V} values but got ${idf?.length}`);
  }
  // Only the rows (and idf entries) of in-range ids are read: those must be finite.
  for (const t of new Set(ids.filter((t) => t >= 0 && t < V))) {
    hostValues(Array.prototype.slice.call(wteNormed, t * d, (t + 1) * d), d, `row ${t}`, op, false);
    if (idf !== null && idf !== undefined) hostValues([idf[t]!], 1, `idf[${t}]`, op, false);
  }
  const c = new Float64Array(d);
  let wsum = 0;
  for (const t of ids) {
    if (!(t >= 0 && t < V)) continue;
    const w = idf === null ? 1 : Math.max(idf[t]!, IDF_FLOOR);
    wsum += w;
    for (let j = 0; j < d; j++) c[j] = c[j]! + w * wteNormed[t * d + j]!;
  }
  if (wsum === 0) return c;
  const den = Math.max(wsum, 1e-8);
  for (let j = 0; j < d; j++) c[j] = c[j]! / den;
  return c;
}

/** The TopicEncoder's parameter names and shapes, in the original's order. *
 * @example
 * ```ts
 * import { topicParameterShapes } from "./encoders.ts";
 * import { CFG4_DEFAULTS } from "../config/config.ts";
 * import { strictEqual } from "node:assert/strict";
 * const shapes = Object.fromEntries(topicParameterShapes(CFG4_DEFAULTS));
 * strictEqual(shapes["fiber_mlp.0.weight"]!.join(), "256,1552");
 * ```
 *
 * @throws {TypeError} when `cfg` is not an object. @throws {RangeError} when a dim it reads
 *   is not an integer ≥ 1.
 */
export function topicParameterShapes(cfg: Readonly<Cfg4>): AmsParameterShapes {
  checkShapeCfg("list the TopicEncoder parameter shapes", cfg, ["d_LLM", "d_topic", "d_F_topic"]);
  const hidden = Math.max(4 * cfg.d_topic, 64);
  const fh = Math.max(4 * cfg.d_F_topic, 128);
  return [
    ...linearShapes("down_project.0", cfg.d_LLM, hidden),
    ...linearShapes("down_project.2", hidden, cfg.d_topic),
    ...linearShapes("hidden_to_topic", cfg.d_LLM, cfg.d_topic),
    ...linearShapes("fiber_mlp.0", cfg.d_LLM + cfg.d_topic, fh),
    ...linearShapes("fiber_mlp.2", fh, cfg.d_F_topic),
  ];
}

/** Inputs of {@link TopicEncoder.forward} besides h. */
export interface TopicInputs {
  /** A flat list of ids (then B must be 1) or one list per row (ragged). */
  tokenIds: readonly number[] | readonly (readonly number[])[];
  /** [V, d_LLM] L2-normalised token-embedding rows (see {@link normalizeRows}). */
  wteNormed: ArrayLike<number>;
  /** Optional [V] IDF weights (floored at 0.1). */
  idf?: ArrayLike<number> | null;
}

/**
 * `TopicEncoder` (ams_v4/bundles/topic.py): (h, content token ids, wte_normed[, idf]) →
 * (base, fiber, dirn) of shapes [B, d_topic], [B, d_F_topic], [B, d_topic]; base = dirn on
 * the sphere (0 when mixed = 0).
 *
 * @example
 * ```ts
 * import { initGpu, tidyAsync } from "../../mod.ts";
 * import { normalizeRows, TopicEncoder } from "./encoders.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const enc = new TopicEncoder({ cfg: { d_LLM: 8 }, seed: 5 });
 * const wte = normalizeRows(Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i)), 4, 8);
 * await tidyAsync(async () => {
 *   const h = Array.from({ length: 8 }, (_, i) => i / 8);
 *   const { base } = enc.forward(h, { tokenIds: [0, 2, 9], wteNormed: wte }); // flat: B = 1
 *   ok(Math.abs(Math.hypot(...await base.toFloat32()) - 1) < 1e-4);
 * });
 * enc.dispose();
 * ```
 */
export class TopicEncoder extends EncoderBase {
  /**
   * Seeded PyTorch-default parameters, or the given weights.
   *
   * @throws {RangeError} on an invalid configuration or seed. @throws {TypeError} on bad
   *   `weights`.
   */
  constructor(options: EncoderOptions = {}) {
    const o = checkOptions("TopicEncoder", options);
    const cfg = resolveCfg(o.cfg);
    super("TopicEncoder", cfg, topicParameterShapes(cfg), o);
  }

  /**
   * Checks the inputs before any GPU work; returns B and the per-row id lists.
   *
   * @throws {TypeError} on a wrong shape, a flat id list with B ≠ 1, a list count ≠ B, a
   *   non-integer id or a table whose length is not V·d_LLM. @throws {RangeError} on a
   *   non-finite value.
   */
  checkInputs(h: EncoderInput, x: TopicInputs): { B: number; lists: number[][]; V: number } {
    const op = "run TopicEncoder";
    this.checkParams();
    const d = this.cfg.d_LLM;
    const B = batchOf(h, d, op);
    checkData(h, [B, d], "h", op);
    if (x === null || typeof x !== "object" || !Array.isArray(x.tokenIds)) {
      throw new TypeError(`Cannot ${op}: expected tokenIds as a list or a list of lists`);
    }
    const ids = x.tokenIds as readonly unknown[];
    let lists: number[][];
    if (ids.length > 0 && !Array.isArray(ids[0])) {
      if (B !== 1) {
        throw new TypeError(
          `Cannot ${op}: expected tokenIds as one list per row for h of batch ${B} but got ` +
            "a flat list (a flat list needs batch 1)",
        );
      }
      lists = [ids as number[]];
    } else {
      lists = ids as number[][];
      if (lists.length !== B) {
        throw new TypeError(
          `Cannot ${op}: expected ${B} token-id lists (one per row of h) but got ${lists.length}`,
        );
      }
    }
    lists.forEach((l, b) => {
      if (!Array.isArray(l)) {
        throw new TypeError(`Cannot ${op}: expected token-id list ${b} to be an array`);
      }
      l.forEach((t, i) => {
        if (!Number.isInteger(t)) {
          throw new TypeError(
            `Cannot ${op}: expected integer token ids but list ${b} has ${t} at ${i}`,
          );
        }
      });
    });
    const w = x.wteNormed;
    if (w === null || typeof w !== "object" || w.length % d !== 0 || w.length === 0) {
      throw new TypeError(
        `Cannot ${op}: expected wteNormed of V·${d} values (V >= 1) but got ` +
          `${w?.length ?? w}`,
      );
    }
    const V = w.length / d;
    const used = new Set(lists.flat().filter((t) => t >= 0 && t < V));
    for (const t of used) {
      hostValues(Array.prototype.slice.call(w, t * d, (t + 1) * d), d, `wteNormed row ${t}`, op);
    }
    if (x.idf !== undefined && x.idf !== null) {
      if (x.idf.length !== V) {
        throw new TypeError(`Cannot ${op}: expected idf of ${V} values but got ${x.idf.length}`);
      }
      for (const t of used) hostValues([x.idf[t]!], 1, `idf[${t}]`, op);
    }
    return { B, lists, V };
  }

  /** The [B, d_LLM] f64 centroids of the inputs' id lists. */
  centroids(h: EncoderInput, x: TopicInputs): Float64Array {
    const { B, lists, V } = this.checkInputs(h, x);
    const d = this.cfg.d_LLM;
    const out = new Float64Array(B * d);
    lists.forEach((l, b) => out.set(idfCentroid(l, x.wteNormed, V, d, x.idf ?? null), b * d));
    return out;
  }

  /** Forward; see the module docs. Throws as {@link TopicEncoder.checkInputs}. */
  forward(h: EncoderInput, x: TopicInputs): EncoderOutput {
    const c = this.centroids(h, x);
    const d = this.cfg.d_LLM;
    const B = c.length / d;
    const ht = upload(h, [B, d]);
    const ct = tensor(c, [B, d]);
    const mixed = add(
      this.lin("down_project.2", silu(this.lin("down_project.0", ct))),
      this.lin("hidden_to_topic", ht),
    );
    const base = normalize(mixed);
    const fiber = this.lin("fiber_mlp.2", silu(this.lin("fiber_mlp.0", concat([ht, base], 1))));
    return { base, fiber, dirn: base };
  }
}

// --- ContextEncoder ------------------------------------------------------------------------

/** d_attn = max(4·d_ctx, 32). *
 * @example
 * ```ts
 * import { contextAttnDim } from "./encoders.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(contextAttnDim(12), 48);
 * strictEqual(contextAttnDim(4), 32);
 * ```
 *
 * @throws {RangeError} when dCtx is not an integer ≥ 1 ({TypeError} when not a number).
 */
export function contextAttnDim(dCtx: number): number {
  checkInt("size the ContextEncoder attention", "dCtx", dCtx, 1, 1 << 20);
  return Math.max(4 * dCtx, 32);
}

/** The ContextEncoder's parameter names and shapes, in the original's order. *
 * @example
 * ```ts
 * import { contextParameterShapes } from "./encoders.ts";
 * import { CFG4_DEFAULTS } from "../config/config.ts";
 * import { strictEqual } from "node:assert/strict";
 * const shapes = Object.fromEntries(contextParameterShapes(CFG4_DEFAULTS));
 * strictEqual(shapes["mix_mlp.0.weight"]!.join(), "64,3120");
 * ```
 *
 * @throws {TypeError} when `cfg` is not an object. @throws {RangeError} when a dim it reads
 *   is not an integer ≥ 1.
 */
export function contextParameterShapes(cfg: Readonly<Cfg4>): AmsParameterShapes {
  checkShapeCfg("list the ContextEncoder parameter shapes", cfg, ["d_LLM", "d_ctx", "d_F_ctx"]);
  const d = cfg.d_LLM;
  const da = contextAttnDim(cfg.d_ctx);
  const hidden = Math.max(4 * cfg.d_ctx, 64);
  const fh = Math.max(4 * cfg.d_F_ctx, 96);
  return [
    ...linearShapes("q_proj", d, da),
    ...linearShapes("k_proj", d, da),
    ...linearShapes("v_proj", d, da),
    ...linearShapes("mix_mlp.0", 2 * d + da, hidden),
    ...linearShapes("mix_mlp.2", hidden, cfg.d_ctx),
    ["base_ln.weight", [cfg.d_ctx]],
    ["base_ln.bias", [cfg.d_ctx]],
    ...linearShapes("fiber_mlp.0", 2 * d + cfg.d_ctx, fh),
    ...linearShapes("fiber_mlp.2", fh, cfg.d_F_ctx),
  ];
}

/** Inputs of {@link ContextEncoder.forward} besides h. */
export interface ContextInputs {
  /** [B, d_LLM] pooled running hidden state of the session. */
  sessionSummary: EncoderInput;
  /** [B, T, d_LLM] hidden states of recent turns, or null (pooled = 0). */
  prevTurns: EncoderInput | null;
  /** T when `prevTurns` is a host array (default: its length / (B·d_LLM)). */
  turns?: number;
}

/**
 * `ContextEncoder` (ams_v4/bundles/context.py): (h, session summary, prev turns | null) →
 * (base, fiber, dirn) of shapes [B, d_ctx], [B, d_F_ctx], [B, d_ctx].
 *
 * @example
 * ```ts
 * import { initGpu, tidyAsync } from "../../mod.ts";
 * import { ContextEncoder } from "./encoders.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const enc = new ContextEncoder({ cfg: { d_LLM: 8 }, seed: 6 });
 * await tidyAsync(async () => {
 *   const h = Array.from({ length: 8 }, (_, i) => Math.sin(i));
 *   const prevTurns = Array.from({ length: 2 * 8 }, (_, i) => Math.cos(i)); // [1, 2, 8]
 *   const { dirn } = enc.forward(h, { sessionSummary: h, prevTurns });
 *   ok(Math.abs(Math.hypot(...await dirn.toFloat32()) - 1) < 1e-4);
 * });
 * enc.dispose();
 * ```
 */
export class ContextEncoder extends EncoderBase {
  /** The attention width max(4·d_ctx, 32). */
  readonly dAttn: number;

  /**
   * Seeded PyTorch-default parameters, or the given weights.
   *
   * @throws {RangeError} on an invalid configuration or seed. @throws {TypeError} on bad
   *   `weights`.
   */
  constructor(options: EncoderOptions = {}) {
    const o = checkOptions("ContextEncoder", options);
    const cfg = resolveCfg(o.cfg);
    super("ContextEncoder", cfg, contextParameterShapes(cfg), o);
    this.dAttn = contextAttnDim(cfg.d_ctx);
  }

  /**
   * Checks the inputs before any GPU work; returns B and T (0 without turns).
   *
   * @throws {TypeError} on a wrong shape, width or dtype. @throws {RangeError} on a
   *   non-finite host value. @throws {DisposedTensorError} on a disposed tensor.
   */
  checkInputs(h: EncoderInput, x: ContextInputs): { B: number; T: number } {
    const op = "run ContextEncoder";
    this.checkParams();
    const d = this.cfg.d_LLM;
    const B = batchOf(h, d, op);
    checkData(h, [B, d], "h", op);
    if (x === null || typeof x !== "object") {
      throw new TypeError(`Cannot ${op}: expected { sessionSummary, prevTurns } but got ${x}`);
    }
    checkData(x.sessionSummary, [B, d], "sessionSummary", op);
    const p = x.prevTurns;
    if (p === null || p === undefined) return { B, T: 0 };
    let T: number;
    if (isTensor(p)) {
      assertDType(p, "f32", op, "prevTurns");
      if (p.rank !== 3 || p.shape[0] !== B || p.shape[2] !== d) {
        throw new TypeError(
          `Cannot ${op}: expected prevTurns of shape [${B}, T, ${d}] but got ` +
            formatShape(p.shape),
        );
      }
      T = p.shape[1]!;
    } else {
      const n = p?.length;
      T = x.turns ?? (typeof n === "number" ? n / (B * d) : NaN);
      if (!Number.isInteger(T) || T < 0) {
        throw new TypeError(
          `Cannot ${op}: expected prevTurns of B·T·${d} values (B = ${B}, width d_LLM = ${d}) ` +
            `but got ${n}`,
        );
      }
      checkData(p, [B, T, d], "prevTurns", op);
    }
    return { B, T };
  }

  /** Forward; see the module docs. Throws as {@link ContextEncoder.checkInputs}. */
  forward(h: EncoderInput, x: ContextInputs): EncoderOutput {
    const { B, T } = this.checkInputs(h, x);
    const d = this.cfg.d_LLM;
    const da = this.dAttn;
    const ht = upload(h, [B, d]);
    const st = upload(x.sessionSummary, [B, d]);
    let pooled: Tensor;
    if (T === 0) {
      pooled = zeros([B, da]);
    } else {
      const pt = upload(x.prevTurns!, [B, T, d]);
      const q = reshape(this.lin("q_proj", ht), [B, 1, da]);
      const k = this.lin("k_proj", pt);
      const v = this.lin("v_proj", pt);
      const scores = mul(matmul(q, k, { transB: true }), tensor([1 / Math.sqrt(da)], [1]));
      pooled = reshape(matmul(softmax(scores, -1), v), [B, da]);
    }
    const mixed = this.lin("mix_mlp.2", silu(this.lin("mix_mlp.0", concat([ht, st, pooled], 1))));
    const base = layerNorm(mixed, this.p("base_ln.weight"), this.p("base_ln.bias"), LAYER_NORM_EPS);
    const fiber = this.lin(
      "fiber_mlp.2",
      silu(this.lin("fiber_mlp.0", concat([ht, base, st], 1))),
    );
    return { base, fiber, dirn: normalize(base) };
  }
}
