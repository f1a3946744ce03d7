/**
 * AMS v4's query heads and cross-bundle attention on the GPU (FluffyAIcode/AgentMemorySystem:
 * ams_v4/attention/{query_heads,cross_bundle}.py, PR #30): the frozen backbone's pooled hidden
 * state h [B, d_LLM] reads the stored fibers of M memory entries and becomes a soft prefix of
 * L_mem tokens.
 *
 * - Query heads: u = LayerNorm(h), q_b = Linear(d_LLM → d_F_b)(u) for b ∈ {time, topic, ctx}.
 * - Per bundle, `nn.MultiheadAttention(d_F_b, n_heads_b, batch_first=True)` with one query
 *   (q_b) and keys = values = the bundle's stacked fibers F_b [M, d_F_b], the same for every
 *   batch row; `mask` (true = ignore) is torch's key_padding_mask. memspec runs impl/nn's
 *   {@link multiheadAttention} (PyTorch 1.13 semantics) on F_b repeated over the batch.
 * - Lifts: slot_s = Linear_s(d_F_b → d_LLM)(o_b), prefix_slots_time/topic/ctx slots
 *   (2/6/4 by default) concatenated in the order time, topic, ctx; then
 *   prefix = LayerNorm(slots) · prefix_scale with prefix_scale a learnable scalar initialised to
 *   1/√d_LLM. LayerNorm acts on each slot row (over d_LLM).
 * - Asserts: M ≥ 1 and the prefix shape (B, L_mem, d_LLM) (invariant 6, checked with
 *   invariants/ams_store.ts `checkAmsPrefixShape`).
 *
 * Parameter names are torch-style state-dict names of this module tree: `query_heads.ln.*`,
 * `query_heads.q_time.*` (`q_topic`, `q_ctx`), `attn_time.in_proj_weight` (… `out_proj.bias`,
 * also `attn_topic`, `attn_ctx`), `lift_time.0.weight` … (one nn.Linear per slot),
 * `prefix_ln.*` and `prefix_scale`. Seeded init reproduces PyTorch's defaults in distribution
 * from memspec's seeded {@link Rng}: nn.Linear U(±1/√fan_in), LayerNorm ones/zeros, MHA
 * xavier-uniform in_proj with zero biases and an nn.Linear-style out_proj weight with zero bias.
 *
 * Every input is checked before any GPU work. Call {@link CrossBundleAttention.forward} inside
 * `tidy`: intermediates and uploaded host arrays are released with the scope.
 *
 * @example A prefix from three memory entries
 * ```ts
 * import { initGpu, tidyAsync } from "../../mod.ts";
 * import { CrossBundleAttention } from "./cross_bundle.ts";
 * import { ok, throws } from "node:assert/strict";
 * await initGpu();
 * const m = new CrossBundleAttention({ cfg: { d_LLM: 16 }, seed: 1 });
 * const M = 3;
 * const fill = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1));
 * const fibers = { time: fill(M * 32), topic: fill(M * 64), ctx: fill(M * 48) };
 * await tidyAsync(async () => {
 *   const { prefix } = m.forward(fill(2 * 16), fibers, { mask: [false, true, false] });
 *   ok(prefix.shape.join() === "2,12,16");
 *   ok((await prefix.toFloat32()).every(Number.isFinite));
 * });
 * throws(() => m.forward(fill(16), { time: [], topic: [], ctx: [] }), RangeError);
 * m.dispose();
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { assertDType, formatShape, type Tensor, tensor } from "../../tensor.ts";
import { add, mul } from "../../ops/binary.ts";
import { layerNorm } from "../../ops/layer_norm.ts";
import { matmul } from "../../ops/matmul.ts";
import { concat } from "../../ops/concat.ts";
import { reshape } from "../../ops/reshape.ts";
import { multiheadAttention } from "../../nn/multihead_attention/multihead_attention.ts";
import { type Cfg4, cfg4, type Cfg4Overrides } from "../config/config.ts";
import {
  type AmsParameterShapes,
  checkedSeed,
  checkNamedWeights,
  hostValues,
  replaceNamedParams,
} from "../_weights.ts";
import { checkAmsPrefixShape } from "../../../invariants/ams_store.ts";

/** The three bundles, in the prefix's slot order. */
export const CROSS_BUNDLES = ["time", "topic", "ctx"] as const;

/** A bundle name. */
export type CrossBundle = (typeof CROSS_BUNDLES)[number];

/** nn.LayerNorm's default eps (both LayerNorms). */
export const CROSS_BUNDLE_LN_EPS = 1e-5;

/** Named arrays by state-dict name. */
export type CrossBundleWeights = Readonly<Record<string, ArrayLike<number>>>;

/** A data input: a device tensor, or host values (checked finite, then uploaded). */
export type CrossBundleInput = Tensor | ArrayLike<number>;

/** The stacked fibers of the M entries, [M, d_F_b] per bundle, row-major. */
export interface CrossBundleFibers {
  /** The time fibers, [M, d_F_time]. */
  readonly time: CrossBundleInput;
  /** The topic fibers, [M, d_F_topic]. */
  readonly topic: CrossBundleInput;
  /** The context fibers, [M, d_F_ctx]. */
  readonly ctx: CrossBundleInput;
}

/** Options of one forward. */
export interface CrossBundleCall {
  /** torch's key_padding_mask, true = ignore the entry: M values (shared by every batch row) or B·M. */
  mask?: ArrayLike<boolean> | null;
}

/** Per bundle. */
export type PerBundle<T> = { readonly [b in CrossBundle]: T };

/** What a forward returns. */
export interface CrossBundleOutput {
  /** [B, L_mem, d_LLM]. */
  prefix: Tensor;
  /** The query heads' outputs, [B, d_F_b]. */
  queries: PerBundle<Tensor>;
  /** Per-head attention weights [B, n_heads_b, 1, M] (no gradient). */
  weights: PerBundle<Tensor>;
  /** Entries M. */
  entries: number;
}

/** Options of the construction. */
export interface CrossBundleOptions {
  /** The configuration (a `cfg4(...)` result) or overrides of the defaults; default Cfg4's. */
  cfg?: Readonly<Cfg4> | Cfg4Overrides;
  /** Seeds the initial parameters; default 0. */
  seed?: number;
  /** Every parameter by name; replaces the seeded init. Checked before any GPU work. */
  weights?: CrossBundleWeights;
}

/**
 * Fiber width, attention heads and prefix slots of bundle `b` ({@link fiberDim},
 * {@link headsOf}, {@link slotsOf}).
 *
 * @example Cfg4's defaults
 * ```ts
 * import { CFG4_DEFAULTS } from "../config/config.ts";
 * import { fiberDim, headsOf, slotsOf } from "./cross_bundle.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(fiberDim(CFG4_DEFAULTS, "topic"), 64);
 * strictEqual(headsOf(CFG4_DEFAULTS, "ctx"), 4);
 * strictEqual(slotsOf(CFG4_DEFAULTS, "time"), 2);
 * ```
 *
 * @throws {TypeError} when `cfg` is not an object or `b` not a bundle. @throws {RangeError}
 *   when the field read is not an integer ≥ 1 (also for {@link headsOf} and {@link slotsOf}).
 */
export function fiberDim(cfg: Readonly<Cfg4>, b: CrossBundle): number {
  return cfgDim("Cannot read fiberDim of a bundle", cfg, b, FIBER_FIELDS);
}

const FIBER_FIELDS = { time: "d_F_time", topic: "d_F_topic", ctx: "d_F_ctx" } as const;
const SLOT_FIELDS = {
  time: "prefix_slots_time",
  topic: "prefix_slots_topic",
  ctx: "prefix_slots_ctx",
} as const;

/** Checks `cfg` and bundle `b`, then returns `cfg[fields[b]]` checked to be an integer ≥ 1. */
function cfgDim(
  op: string,
  cfg: Readonly<Cfg4>,
  b: CrossBundle,
  fields: { readonly [k in CrossBundle]: keyof Cfg4 },
): number {
  if (cfg === null || typeof cfg !== "object") {
    throw new TypeError(`${op}: expected a Cfg4 but got ${cfg}`);
  }
  if (!CROSS_BUNDLES.includes(b)) {
    throw new TypeError(`${op}: expected the bundle time, topic or ctx but got ${String(b)}`);
  }
  const v = cfg[fields[b]] as unknown;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${op}: expected ${fields[b]} to be an integer >= 1 but got ${v}`);
  }
  return v;
}

/** Attention heads of bundle `b` (example at {@link fiberDim}). */
export function headsOf(cfg: Readonly<Cfg4>, b: CrossBundle): number {
  return cfgDim("Cannot read headsOf a bundle", cfg, b, {
    time: "n_heads_time",
    topic: "n_heads_topic",
    ctx: "n_heads_ctx",
  });
}

/** Prefix slots of bundle `b` (example at {@link fiberDim}). */
export function slotsOf(cfg: Readonly<Cfg4>, b: CrossBundle): number {
  return cfgDim("Cannot read slotsOf a bundle", cfg, b, SLOT_FIELDS);
}

/**
 * Every parameter's name and shape, in registration order.
 *
 * @example
 * ```ts
 * import { cfg4 } from "../config/config.ts";
 * import { crossBundleParameterShapes } from "./cross_bundle.ts";
 * import { strictEqual } from "node:assert/strict";
 * const s = new Map(crossBundleParameterShapes(cfg4({ d_LLM: 16 })));
 * strictEqual(s.get("attn_topic.in_proj_weight")!.join(), "192,64");
 * strictEqual(s.get("lift_ctx.3.weight")!.join(), "16,48");
 * ```
 *
 * @throws {TypeError} when `cfg` is not an object. @throws {RangeError} when d_LLM, a d_F_b
 *   or a prefix_slots_b is not an integer ≥ 1.
 */
export function crossBundleParameterShapes(cfg: Readonly<Cfg4>): AmsParameterShapes {
  const op = "Cannot list the CrossBundleAttention parameter shapes";
  const d = cfgDim(op, cfg, "time", { time: "d_LLM", topic: "d_LLM", ctx: "d_LLM" });
  for (const b of CROSS_BUNDLES) {
    cfgDim(op, cfg, b, FIBER_FIELDS);
    cfgDim(op, cfg, b, SLOT_FIELDS);
  }
  const s: [string, number[]][] = [["query_heads.ln.weight", [d]], ["query_heads.ln.bias", [d]]];
  for (const b of CROSS_BUNDLES) {
    const f = fiberDim(cfg, b);
    s.push([`query_heads.q_${b}.weight`, [f, d]], [`query_heads.q_${b}.bias`, [f]]);
  }
  for (const b of CROSS_BUNDLES) {
    const f = fiberDim(cfg, b);
    s.push(
      [`attn_${b}.in_proj_weight`, [3 * f, f]],
      [`attn_${b}.in_proj_bias`, [3 * f]],
      [`attn_${b}.out_proj.weight`, [f, f]],
      [`attn_${b}.out_proj.bias`, [f]],
    );
  }
  for (const b of CROSS_BUNDLES) {
    const f = fiberDim(cfg, b);
    for (let i = 0; i < slotsOf(cfg, b); i++) {
      s.push([`lift_${b}.${i}.weight`, [d, f]], [`lift_${b}.${i}.bias`, [d]]);
    }
  }
  s.push(["prefix_ln.weight", [d]], ["prefix_ln.bias", [d]], ["prefix_scale", [1]]);
  return s;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "dtype" in x && "shape" in x && "dispose" in x;
}

/** Rows of a [rows, width] input (tensor shape or host length), checked. */
function rowsOf(x: CrossBundleInput, width: number, what: string, op: string): number {
  if (isTensor(x)) {
    assertDType(x, "f32", op, what);
    if (x.rank !== 2 || x.shape[1] !== width) {
      throw new TypeError(
        `Cannot ${op}: expected ${what} of shape [rows, ${width}] but got ${formatShape(x.shape)}`,
      );
    }
    return x.shape[0]!;
  }
  if (x === null || typeof x !== "object" || typeof x.length !== "number") {
    throw new TypeError(`Cannot ${op}: expected ${what} as a tensor or an array but got ${x}`);
  }
  if (x.length % width !== 0) {
    throw new TypeError(
      `Cannot ${op}: expected ${what} of rows·${width} values but got ${x.length}`,
    );
  }
  hostValues(x, x.length, what, op);
  return x.length / width;
}

/**
 * Query heads and cross-bundle attention (module docs).
 */
export class CrossBundleAttention {
  /** The configuration. */
  readonly cfg: Readonly<Cfg4>;
  readonly #params = new Map<string, Tensor>();
  readonly #shapes: AmsParameterShapes;

  /**
   * Seeded PyTorch-default parameters, or the given weights.
   *
   * @throws {RangeError} on an invalid configuration or seed, or a non-finite weight.
   * @throws {TypeError} on a missing, unknown or wrongly sized weight.
   */
  constructor(o: CrossBundleOptions = {}) {
    if (o === null || typeof o !== "object" || Array.isArray(o)) {
      throw new TypeError(
        `Cannot create CrossBundleAttention: expected an options object but got ${o}`,
      );
    }
    this.cfg = cfg4((o.cfg ?? {}) as Cfg4Overrides);
    const shapes = crossBundleParameterShapes(this.cfg);
    this.#shapes = shapes;
    const seed = checkedSeed("CrossBundleAttention", o.seed);
    if (o.weights !== undefined) {
      checkNamedWeights(o.weights, shapes, "create CrossBundleAttention weights");
    }
    const rng = new Rng(hashU32(seed, 0x78626e));
    const d = this.cfg.d_LLM;
    const uniform = (n: number, bound: number) => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.uniformIn(-bound, bound);
      return out;
    };
    const init = (k: string, shape: readonly number[]): ArrayLike<number> => {
      const n = shape.reduce((a, b) => a * b, 1);
      if (k === "prefix_scale") return [1 / Math.sqrt(d)];
      if (k.endsWith("ln.weight")) return new Float32Array(n).fill(1);
      if (k.endsWith("ln.bias") || k.includes(".in_proj_bias") || k.endsWith("out_proj.bias")) {
        return new Float32Array(n);
      }
      // xavier_uniform_ on [3f, f]: fan_in f, fan_out 3f.
      if (k.endsWith("in_proj_weight")) return uniform(n, Math.sqrt(6 / (shape[1]! + shape[0]!)));
      // nn.Linear (and MHA's out_proj weight): kaiming_uniform_(a=√5) and the bias rule both
      // reduce to U(±1/√fan_in), fan_in the weight's second dim.
      const fanIn = k.endsWith(".weight")
        ? shape[1]!
        : shapes.find(([n2]) => n2 === k.replace(/bias$/, "weight"))![1][1]!;
      return uniform(n, 1 / Math.sqrt(fanIn));
    };
    for (const [k, shape] of shapes) {
      this.#params.set(k, tensor(o.weights?.[k] ?? init(k, shape), shape, { requiresGrad: true }));
    }
  }

  #p(k: string): Tensor {
    return this.#params.get(k)!;
  }

  #lin(name: string, x: Tensor): Tensor {
    return add(matmul(x, this.#p(`${name}.weight`), { transB: true }), this.#p(`${name}.bias`));
  }

  #checkParams(op: string): void {
    for (const [k, t] of this.#params) assertDType(t, "f32", op, k);
  }

  #batchOf(h: CrossBundleInput, op: string): number {
    const B = rowsOf(h, this.cfg.d_LLM, "h", op);
    if (B < 1) throw new TypeError(`Cannot ${op}: expected h with B >= 1 rows but got 0`);
    return B;
  }

  #queries(h: Tensor): PerBundle<Tensor> {
    const u = layerNorm(
      h,
      this.#p("query_heads.ln.weight"),
      this.#p("query_heads.ln.bias"),
      CROSS_BUNDLE_LN_EPS,
    );
    return {
      time: this.#lin("query_heads.q_time", u),
      topic: this.#lin("query_heads.q_topic", u),
      ctx: this.#lin("query_heads.q_ctx", u),
    };
  }

  /**
   * The query heads alone: q_b = Linear_b(LayerNorm(h)), [B, d_F_b] each.
   *
   * @throws {TypeError} when h is not [B, d_LLM] (or B·d_LLM host values).
   * @throws {RangeError} on a non-finite host value.
   */
  queryHeads(h: CrossBundleInput): PerBundle<Tensor> {
    const op = "run CrossBundleAttention query heads";
    const B = this.#batchOf(h, op);
    this.#checkParams(op);
    return this.#queries(isTensor(h) ? h : tensor(h, [B, this.cfg.d_LLM]));
  }

  /**
   * The prefix [B, L_mem, d_LLM] of h [B, d_LLM] over the fibers of M ≥ 1 entries, with the
   * query heads' outputs and the per-head attention weights.
   *
   * @throws {TypeError} on a wrong h width, fibers of the wrong width or of unequal entry
   *   counts, a mask of the wrong length or type, or a disposed parameter.
   * @throws {RangeError} when M = 0, a batch row masks every entry, or a host value is not
   *   finite.
   */
  forward(
    h: CrossBundleInput,
    fibers: CrossBundleFibers,
    call: CrossBundleCall = {},
  ): CrossBundleOutput {
    const op = "run CrossBundleAttention";
    const cfg = this.cfg;
    const d = cfg.d_LLM;
    const B = this.#batchOf(h, op);
    if (fibers === null || typeof fibers !== "object") {
      throw new TypeError(`Cannot ${op}: expected fibers {time, topic, ctx} but got ${fibers}`);
    }
    const Ms = CROSS_BUNDLES.map((b) =>
      rowsOf(fibers[b], fiberDim(cfg, b), `${b} fibers (width d_F_${b} = ${fiberDim(cfg, b)})`, op)
    );
    if (Ms[0] !== Ms[1] || Ms[0] !== Ms[2]) {
      throw new TypeError(
        `Cannot ${op}: expected the same entry count M for the time, topic and ctx fibers but ` +
          `got ${Ms.join(", ")}`,
      );
    }
    const M = Ms[0]!;
    if (M < 1) {
      throw new RangeError(
        `Cannot ${op}: expected at least one memory entry (M >= 1) but got M = ${M}`,
      );
    }
    let kpm: boolean[] | null = null;
    if (call === null || typeof call !== "object" || Array.isArray(call)) {
      throw new TypeError(`Cannot ${op}: expected call options { mask } but got ${call}`);
    }
    const mask = call.mask;
    if (mask !== undefined && mask !== null) {
      if (typeof mask !== "object" || typeof mask.length !== "number") {
        throw new TypeError(`Cannot ${op}: expected mask as an array of booleans but got ${mask}`);
      }
      if (mask.length !== M && mask.length !== B * M) {
        throw new TypeError(
          `Cannot ${op}: expected a mask of M = ${M} (or B·M = ${B * M}) booleans but got ` +
            `${mask.length}`,
        );
      }
      kpm = new Array(B * M);
      for (let i = 0; i < B * M; i++) {
        const v = mask.length === M ? mask[i % M] : mask[i];
        if (typeof v !== "boolean") {
          throw new TypeError(`Cannot ${op}: expected mask booleans but element ${i} is ${v}`);
        }
        kpm[i] = v;
      }
      for (let b = 0; b < B; b++) {
        if (kpm.slice(b * M, (b + 1) * M).every((v) => v)) {
          throw new RangeError(
            `Cannot ${op}: expected at least one unmasked entry per batch row but row ${b} ` +
              `masks all ${M}`,
          );
        }
      }
    }
    this.#checkParams(op);
    // Checks done: GPU work from here on.
    const ht = isTensor(h) ? h : tensor(h, [B, d]);
    const queries = this.#queries(ht);
    const slots: Tensor[] = [];
    const weights: Partial<Record<CrossBundle, Tensor>> = {};
    for (const b of CROSS_BUNDLES) {
      const f = fiberDim(cfg, b);
      const x = fibers[b];
      const F = reshape(isTensor(x) ? x : tensor(x, [M, f]), [1, M, f]);
      // keys = values = F broadcast over the batch (concat's backward sums the copies).
      const kv = B === 1 ? F : concat(new Array(B).fill(F), 0);
      const r = multiheadAttention(reshape(queries[b], [B, 1, f]), kv, kv, {
        inProjWeight: this.#p(`attn_${b}.in_proj_weight`),
        inProjBias: this.#p(`attn_${b}.in_proj_bias`),
        outProjWeight: this.#p(`attn_${b}.out_proj.weight`),
        outProjBias: this.#p(`attn_${b}.out_proj.bias`),
      }, { heads: headsOf(cfg, b), keyPaddingMask: kpm, averageAttnWeights: false });
      weights[b] = r.weights!;
      const o = reshape(r.output, [B, f]);
      for (let s = 0; s < slotsOf(cfg, b); s++) {
        slots.push(reshape(this.#lin(`lift_${b}.${s}`, o), [B, 1, d]));
      }
    }
    const ln = layerNorm(
      concat(slots, 1),
      this.#p("prefix_ln.weight"),
      this.#p("prefix_ln.bias"),
      CROSS_BUNDLE_LN_EPS,
    );
    const prefix = mul(ln, this.#p("prefix_scale"));
    const v = checkAmsPrefixShape(prefix.shape, { batch: B, L_mem: cfg.L_mem, d_LLM: d });
    if (!v.pass) {
      throw new Error(
        `Cannot ${op}: expected a prefix of shape [${B}, ${cfg.L_mem}, ${d}] (invariant 6) but ` +
          `got ${formatShape(prefix.shape)}`,
      );
    }
    return { prefix, queries, weights: weights as PerBundle<Tensor>, entries: M };
  }

  /** The parameters with their state-dict names, in registration order. */
  namedParameters(): [string, Tensor][] {
    return [...this.#params.entries()];
  }

  /** The parameters in registration order. */
  parameters(): Tensor[] {
    return [...this.#params.values()];
  }

  /**
   * Replaces every parameter by name; all are checked before any upload.
   *
   * @throws {TypeError} on a missing or unknown name or a wrong length.
   * @throws {RangeError} on a non-finite value.
   */
  setWeights(w: CrossBundleWeights): void {
    this.#checkParams("set CrossBundleAttention weights"); // a disposed module stays disposed
    checkNamedWeights(w, this.#shapes, "set CrossBundleAttention weights");
    replaceNamedParams(this.#params, this.#shapes, w);
  }

  /** Releases every parameter. */
  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
  }
}
