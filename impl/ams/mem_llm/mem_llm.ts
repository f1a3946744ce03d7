/**
 * MemLLM4: AMS v4 end to end (FluffyAIcode/AgentMemorySystem:ams_v4/bridge/memllm.py and
 * bridge/backbone.py, PR #30). A frozen {@link Backbone}, the three bundle encoders (each with
 * its learnable canonical axis), a {@link MemStore} with its three direction trees, a
 * {@link KakeyaRegistry} for the large fields, and {@link CrossBundleAttention} that turns the
 * stored fibers into a soft prefix.
 *
 * {@link MemLLM4.write} follows the original's write path:
 * 1. h = the backbone's masked-mean pooled hidden state of the text (f32);
 * 2. time scalars (next_mid, recency 0, count 0), surprise 0;
 * 3. topic content ids = every token id of the text (no stop-word filter);
 * 4. session summary: s₁ = h₁, then s_t = 0.7·s_{t−1} + 0.3·h_t; no previous turns;
 * 5. the encoders run without gradient; the entry keeps ts = last = next_mid;
 * 6. large fields: semantic_emb = h, content_wte_mean = the uniform mean of the normalised
 *    token-embedding rows of the ids, context_descriptor = ctx_base zero-padded to d_LLM;
 * 7. with a built registry the fields are encoded at once, else stashed on the entry;
 * 8. the entry is added to the store;
 * 9. once n ≥ kakeya_min_entries with no set built, the registry is built from every stored
 *    text (the backbone re-run on each, as the original does) and the bundles' canonical axes,
 *    and the stashes are encoded and dropped. `rebuildPolicy: "once"` (the default) is the
 *    original: never again. A {@link KakeyaRebuildPolicy} rebuilds by memspec's rule
 *    ({@link kakeyaRebuildDecision}) and re-encodes every entry.
 *
 * Writes run one after another in call order, even when a caller issues several without
 * awaiting each; a write that throws changes nothing (the registry is built before the store
 * is touched).
 *
 * {@link MemLLM4.prepareDecodeContext}: q = the pooled hidden state of the prompt; the prefix is
 * cross-bundle attention over all entries (the original), or, with `retrievalTopK = k`
 * (memspec's reading of the original's v4.7 follow-up: "retrieve top-k via a fused score across
 * the three bundle trees before feeding into CrossBundleAttention"), over the k entries of
 * highest fused score Σ_b w_b·score_b, score_b the bundle tree's beam score of the entry for the
 * query's own dirn of that bundle (time scalars (next_mid, 0, 0), empty content ids, the current
 * session summary), 0 where the beam did not reach it. The original returns a zero prefix for an
 * empty store; memspec refuses (a RangeError): nothing can be attended to.
 *
 * {@link MemLLM4.generate}: the original's manual greedy loop with no KV cache:
 * input embeddings = [prefix; embedded prompt and the tokens generated so far], argmax of the
 * last position's logits, until `maxNewTokens` or the end token. It needs a
 * {@link GenerativeBackbone}; the whole length L_mem + prompt + maxNewTokens is checked against
 * the LM's context before any GPU work.
 *
 * Parameter names (memspec's, for checkpoints): `bundle_time.<TimeEncoder name>`,
 * `bundle_time._axis_raw` (and `bundle_topic.*`, `bundle_ctx.*`), `cross_attn.<name>`. The
 * geometry (metric, connection) is not held: the original never uses it on write, read, train
 * or generate, so its parameters never get a gradient.
 *
 * @example Six writes and a decode context on the lexical backbone
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { LexicalBackbone } from "../backbone/lexical.ts";
 * import { MemLLM4 } from "./mem_llm.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const texts = ["I love piano.", "My dog is Max.", "I work as an engineer.",
 *   "Tokyo was hot.", "I learn Mandarin.", "Thai food is off limits."];
 * const backbone = new LexicalBackbone({ d: 64 }).fit(texts);
 * const m = new MemLLM4({ cfg: { d_LLM: 64 }, backbone, seed: 1 });
 * for (const t of texts) await m.write(t);
 * deepStrictEqual(m.store.verifyConsistency(), []);
 * const ctx = await m.prepareDecodeContext("What is my dog's name?");
 * strictEqual(ctx.prefix.length, 12 * 64);
 * strictEqual(ctx.entryIds.length, 6);
 * m.dispose();
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { readTensors, type Tensor, tensor, tidy } from "../../tensor.ts";
import { noGrad } from "../../autograd.ts";
import { matrix } from "../../linalg/mod.ts";
import { type Cfg4, cfg4, type Cfg4Overrides, cfg4Violations } from "../config/config.ts";
import {
  type AmsNamedWeights,
  type AmsParameterShapes,
  checkedSeed,
  checkNamedWeights,
} from "../_weights.ts";
import { canonicalAxis, initAxisRaw } from "../geometry/geometry.ts";
import {
  ContextEncoder,
  contextParameterShapes,
  type EncoderBase,
  TimeEncoder,
  timeParameterShapes,
  TopicEncoder,
  topicParameterShapes,
} from "../encoders/encoders.ts";
import {
  CROSS_BUNDLES,
  CrossBundleAttention,
  crossBundleParameterShapes,
  type PerBundle,
  slotsOf,
} from "../cross_bundle/cross_bundle.ts";
import {
  type KakeyaHandle,
  kakeyaRebuildDecision,
  type KakeyaRebuildPolicy,
  KakeyaRegistry,
  kakeyaRelativeError,
} from "../kakeya/kakeya.ts";
import { type Bundle, BUNDLES, type MemEntry, MemStore } from "../mem_store/mem_store.ts";
import {
  type Backbone,
  type BackboneText,
  decodeBackboneText,
  describe,
  type NextTokenLogits,
} from "../backbone/backbone.ts";

/** The EMA weight of the previous session summary (s_t = 0.7·s_{t−1} + 0.3·h_t). */
export const SESSION_EMA_DECAY = 0.7;

/** What a causal LM backbone must add to {@link Backbone} for {@link MemLLM4.generate}. */
export interface GenerativeBackbone extends Backbone {
  /** Next-token logits from input embeddings (a soft prefix can be prepended). */
  readonly nextTokenLogits: NextTokenLogits;
  /** The LM's own input embeddings of `ids` (not normalised), `[ids.length, d]` row-major. */
  embedTokens(ids: readonly number[]): Float32Array;
  /** The text of generated ids. */
  detokenize(ids: readonly number[]): string;
  /** The most positions the LM reads at once (prefix included). */
  readonly contextLength: number;
  /** The end token, when the LM has one: generation stops after it (it is not returned). */
  readonly eosId?: number;
  /**
   * Greedy ids after `[prefix; embed(ids)]`, computed on the device with one read-back, for an
   * LM that can (no end token: exactly `maxNew` ids). {@link MemLLM4.generate} uses it when
   * present instead of reading the logits back for every token.
   */
  greedyIds?(prefix: Float32Array, ids: readonly number[], maxNew: number): Promise<number[]>;
}

/** Options of {@link MemLLM4}. */
export interface MemLLM4Options {
  /** The configuration (a `cfg4(...)` result) or overrides; d_LLM must equal backbone.d. */
  cfg: Readonly<Cfg4> | Cfg4Overrides;
  /** The frozen backbone every text goes through. */
  backbone: Backbone;
  /** Seeds every trainable part's init (encoders, axes, cross-attention); default 0. */
  seed?: number;
  /** Every parameter by name ({@link memLLM4ParameterShapes}); replaces the seeded init. */
  weights?: AmsNamedWeights;
  /** "once" (default) = the original (build at kakeya_min_entries, never again). */
  rebuildPolicy?: "once" | KakeyaRebuildPolicy;
  /** v4.7: attend over the top-k entries by fused tree score; undefined = all (the original). */
  retrievalTopK?: number;
  /** Weights of the fused tree score per bundle; default 1 each. */
  retrievalWeights?: Partial<PerBundle<number>>;
}

/** What {@link MemLLM4.prepareDecodeContext} returns (host arrays: nothing to dispose). */
export interface DecodeContext {
  /** The soft prefix, [1, L_mem, d_LLM] row-major. */
  readonly prefix: Float32Array;
  /** Per bundle, the head-averaged attention weight of each attended entry, [M]. */
  readonly attention: PerBundle<Float32Array>;
  /** The attended entries' mids, ascending (attention[b][j] belongs to entryIds[j]). */
  readonly entryIds: readonly number[];
  /** The prompt's pooled hidden state, [d_LLM]. */
  readonly queryHidden: Float32Array;
  /** The prompt's token ids. */
  readonly promptIds: readonly number[];
}

/** The bundle whose encoder is which class. */
export interface MemLLM4Encoders {
  /** The time bundle's encoder. */
  readonly time: TimeEncoder;
  /** The topic bundle's encoder. */
  readonly topic: TopicEncoder;
  /** The context bundle's encoder. */
  readonly ctx: ContextEncoder;
}

const BASE_DIM = { time: "d_time", topic: "d_topic", ctx: "d_ctx" } as const;

function encoderShapes(cfg: Readonly<Cfg4>, b: Bundle): AmsParameterShapes {
  return b === "time"
    ? timeParameterShapes(cfg)
    : b === "topic"
    ? topicParameterShapes(cfg)
    : contextParameterShapes(cfg);
}

/**
 * Every MemLLM4 parameter's name and shape: per bundle its encoder's (prefixed `bundle_<b>.`)
 * and `bundle_<b>._axis_raw`, then cross-attention's (prefixed `cross_attn.`).
 *
 * @example
 * ```ts
 * import { cfg4 } from "../config/config.ts";
 * import { memLLM4ParameterShapes } from "./mem_llm.ts";
 * import { strictEqual } from "node:assert/strict";
 * const s = new Map(memLLM4ParameterShapes(cfg4({ d_LLM: 32 })));
 * strictEqual(s.get("bundle_topic._axis_raw")!.join(), "16");
 * strictEqual(s.get("cross_attn.prefix_scale")!.join(), "1");
 * ```
 *
 * @throws {TypeError} when `cfg` is not a Cfg4 object (or a field has the wrong type).
 * @throws {RangeError} when `cfg` breaks a Cfg4 rule (an invalid dim).
 */
export function memLLM4ParameterShapes(cfg: Readonly<Cfg4>): AmsParameterShapes {
  checkedCfg(cfg, "list the MemLLM4 parameter shapes (memLLM4ParameterShapes)");
  const out: [string, readonly number[]][] = [];
  for (const b of BUNDLES) {
    for (const [k, s] of encoderShapes(cfg, b)) out.push([`bundle_${b}.${k}`, s]);
    out.push([`bundle_${b}._axis_raw`, [cfg[BASE_DIM[b]]]]);
  }
  for (const [k, s] of crossBundleParameterShapes(cfg)) out.push([`cross_attn.${k}`, s]);
  return out;
}

/** The component's weights under `prefix` (the prefix dropped; the bundle axes left out). */
function under(w: AmsNamedWeights, prefix: string): Record<string, ArrayLike<number>> {
  const out: Record<string, ArrayLike<number>> = {};
  for (const [k, v] of Object.entries(w)) {
    if (k.startsWith(prefix) && !k.endsWith("._axis_raw")) out[k.slice(prefix.length)] = v;
  }
  return out;
}

/**
 * Checks that `cfg` is a Cfg4 that keeps every rule, so that a malformed one is refused with a
 * message naming `op` rather than by whichever helper first reads a field.
 */
function checkedCfg(cfg: unknown, op: string): void {
  if (cfg === null || typeof cfg !== "object" || Array.isArray(cfg)) {
    throw new TypeError(`Cannot ${op}: expected cfg to be a Cfg4 object but got ${describe(cfg)}`);
  }
  let broken: readonly { field: string; rule: string }[];
  try {
    broken = cfg4Violations(cfg as Cfg4);
  } catch (e) {
    throw new TypeError(
      `Cannot ${op}: expected cfg to be a Cfg4 but ${e instanceof Error ? e.message : e}`,
    );
  }
  if (broken.length > 0) {
    throw new RangeError(
      `Cannot ${op}: expected cfg to keep every Cfg4 rule but it breaks ` +
        broken.map((r) => `${r.field} (${r.rule})`).join("; "),
    );
  }
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min;
}

/**
 * The slot-weighted attention mass of each attended entry: Σ_b slots_b · attention_b[j]
 * (2/6/4 by default), the R_A surrogate's score.
 *
 * @example
 * ```ts
 * import { CFG4_DEFAULTS } from "../config/config.ts";
 * import { slotWeightedMass } from "./mem_llm.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const a = Float32Array.of(0.5, 0.5);
 * const m = slotWeightedMass({ time: a, topic: Float32Array.of(1, 0), ctx: a }, CFG4_DEFAULTS);
 * deepStrictEqual(Array.from(m), [9, 3]);
 * ```
 *
 * @throws {TypeError} when the three arrays are not arrays of one length, or `cfg` is not a
 *   Cfg4.
 * @throws {RangeError} when a weight is not finite, or `cfg` breaks a Cfg4 rule.
 */
export function slotWeightedMass(
  attention: PerBundle<ArrayLike<number>>,
  cfg: Readonly<Cfg4>,
): Float64Array {
  const op = "weigh attention by slots (slotWeightedMass)";
  const a = attention as Partial<PerBundle<ArrayLike<number>>> | null;
  const M = a !== null && typeof a === "object" && typeof a.time === "object" && a.time !== null
    ? a.time.length
    : undefined;
  const isArr = (x: unknown) =>
    (Array.isArray(x) || ArrayBuffer.isView(x)) && (x as ArrayLike<number>).length === M;
  if (typeof M !== "number" || !CROSS_BUNDLES.every((b) => isArr(a![b]))) {
    throw new TypeError(
      `Cannot ${op}: expected three per-bundle arrays (time, topic, ctx) of one length but got ` +
        describe(attention),
    );
  }
  checkedCfg(cfg, op);
  for (const b of CROSS_BUNDLES) {
    for (let j = 0; j < M; j++) {
      const v = attention[b][j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RangeError(
          `Cannot ${op}: expected finite attention weights but ${b}[${j}] is ${describe(v)}`,
        );
      }
    }
  }
  const out = new Float64Array(M);
  for (const b of CROSS_BUNDLES) {
    const s = slotsOf(cfg, b);
    for (let j = 0; j < M; j++) out[j]! += s * attention[b][j]!;
  }
  return out;
}

/**
 * AMS v4's memory-augmented LM (module docs).
 */
export class MemLLM4 {
  /** The configuration. */
  readonly cfg: Readonly<Cfg4>;
  /** The frozen backbone. */
  readonly backbone: Backbone;
  /** The three bundle encoders (their parameters are trainable). */
  readonly encoders: MemLLM4Encoders;
  /** Cross-bundle attention (query heads, per-bundle attention, lifts, prefix LN and scale). */
  readonly crossAttn: CrossBundleAttention;
  /** The v4.7 tree top-k filter (undefined: attend over every entry). */
  readonly retrievalTopK: number | undefined;
  /** The fused tree score's weight per bundle. */
  readonly retrievalWeights: PerBundle<number>;
  /** "once" or memspec's rebuild policy. */
  readonly rebuildPolicy: "once" | KakeyaRebuildPolicy;
  #axisRaw: Record<Bundle, Tensor>;
  #store: MemStore;
  #registry: KakeyaRegistry;
  #summary: Float64Array | null = null;
  #nBuilt = 0;
  #builds = 0;
  #recentErrors: number[] = [];
  #wte: Float32Array | null = null;
  #disposed = false;
  #writes: Promise<unknown> = Promise.resolve();

  /**
   * Seeded parameters (or the given weights), an empty store and an unbuilt registry.
   *
   * @throws {TypeError} when options or the backbone are malformed, or `weights` lacks, adds or
   *   mis-sizes a parameter.
   * @throws {RangeError} on an invalid configuration, seed, retrievalTopK, retrieval weight or
   *   rebuild policy, a d_LLM other than backbone.d, or a non-finite weight.
   */
  constructor(o: MemLLM4Options) {
    const op = "create MemLLM4";
    if (o === null || typeof o !== "object" || Array.isArray(o)) {
      throw new TypeError(`Cannot ${op}: expected an options object but got ${describe(o)}`);
    }
    const bb = o.backbone as Partial<Backbone> | null | undefined;
    if (
      bb === null || typeof bb !== "object" || typeof bb.tokenize !== "function" ||
      typeof bb.pooledHidden !== "function" || typeof bb.tokenEmbeddings !== "function" ||
      !isInt(bb.d, 1) || !isInt(bb.vocabSize, 1)
    ) {
      throw new TypeError(
        `Cannot ${op}: expected backbone to be a Backbone (name, d, vocabSize, tokenize, ` +
          `pooledHidden, tokenEmbeddings) but got ${describe(bb)}`,
      );
    }
    if (o.cfg === null || typeof o.cfg !== "object" || Array.isArray(o.cfg)) {
      throw new TypeError(
        `Cannot ${op}: expected cfg to be a Cfg4 or an object of overrides but got ` +
          describe(o.cfg),
      );
    }
    const cfg = cfg4(o.cfg as Cfg4Overrides);
    if (cfg.d_LLM !== bb.d) {
      throw new RangeError(
        `Cannot ${op}: expected cfg.d_LLM to equal the backbone's width ${bb.d} but got ` +
          `${cfg.d_LLM}`,
      );
    }
    const seed = checkedSeed("MemLLM4", o.seed);
    if (o.retrievalTopK !== undefined && !isInt(o.retrievalTopK, 1)) {
      throw new RangeError(
        `Cannot ${op}: expected retrievalTopK to be an integer >= 1 (or undefined) but got ` +
          String(o.retrievalTopK),
      );
    }
    const rw = { time: 1, topic: 1, ctx: 1 };
    if (o.retrievalWeights !== undefined) {
      if (
        o.retrievalWeights === null || typeof o.retrievalWeights !== "object" ||
        Array.isArray(o.retrievalWeights)
      ) {
        throw new TypeError(
          `Cannot ${op}: expected retrievalWeights to be an object of per-bundle weights but ` +
            `got ${describe(o.retrievalWeights)}`,
        );
      }
      for (const b of BUNDLES) {
        const v = o.retrievalWeights[b];
        if (v === undefined) continue;
        if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
          throw new RangeError(
            `Cannot ${op}: expected retrievalWeights.${b} to be a finite number >= 0 but got ` +
              String(v),
          );
        }
        rw[b] = v;
      }
    }
    const policy = o.rebuildPolicy === undefined ? "once" : o.rebuildPolicy;
    if (policy !== "once" && (policy === null || typeof policy !== "object")) {
      throw new TypeError(
        `Cannot ${op}: expected rebuildPolicy to be "once" or a KakeyaRebuildPolicy object but ` +
          `got ${describe(policy)}`,
      );
    }
    if (policy !== "once") {
      // Validates the policy's fields now rather than at the first rebuild.
      kakeyaRebuildDecision({ n: 0, nBuilt: 0, recentErrors: [] }, { policy });
    }
    const shapes = memLLM4ParameterShapes(cfg);
    if (o.weights !== undefined) checkNamedWeights(o.weights, shapes, "create MemLLM4 weights");
    this.cfg = cfg;
    this.backbone = bb as Backbone;
    this.retrievalTopK = o.retrievalTopK;
    this.retrievalWeights = Object.freeze(rw);
    this.rebuildPolicy = policy;
    const w = o.weights;
    this.encoders = {
      time: new TimeEncoder({
        cfg,
        seed: hashU32(seed, 1),
        weights: w && under(w, "bundle_time."),
      }),
      topic: new TopicEncoder({
        cfg,
        seed: hashU32(seed, 2),
        weights: w && under(w, "bundle_topic."),
      }),
      ctx: new ContextEncoder({
        cfg,
        seed: hashU32(seed, 3),
        weights: w && under(w, "bundle_ctx."),
      }),
    };
    this.crossAttn = new CrossBundleAttention({
      cfg,
      seed: hashU32(seed, 4),
      weights: w && under(w, "cross_attn."),
    });
    const axis = {} as Record<Bundle, Tensor>;
    BUNDLES.forEach((b, i) => {
      const raw = w?.[`bundle_${b}._axis_raw`] ??
        initAxisRaw(cfg[BASE_DIM[b]], new Rng(hashU32(seed, 5 + i)));
      axis[b] = tensor(Float32Array.from(raw), [cfg[BASE_DIM[b]]], { requiresGrad: true });
    });
    this.#axisRaw = axis;
    this.#store = new MemStore(cfg);
    this.#registry = this.#newRegistry();
  }

  #newRegistry(): KakeyaRegistry {
    const c = this.cfg;
    return new KakeyaRegistry({
      nSets: c.n_kakeya_sets,
      bundleDims: { time: c.d_time, topic: c.d_topic, ctx: c.d_ctx },
      varianceRatio: c.kakeya_variance_ratio,
      K: c.kakeya_K,
      dRes: c.kakeya_d_res,
      minEntries: c.kakeya_min_entries,
      alignmentTol: c.kakeya_alignment_tol,
      reconstructionTol: c.kakeya_reconstruction_tol,
    });
  }

  /** The memory store (read it; adding or removing through it bypasses the write path). */
  get store(): MemStore {
    return this.#store;
  }

  /** The Kakeya registry (unbuilt until kakeya_min_entries writes). */
  get registry(): KakeyaRegistry {
    return this.#registry;
  }

  /** How many times the registry was built since the last reset. */
  get kakeyaBuilds(): number {
    return this.#builds;
  }

  /** Whether {@link MemLLM4.dispose} was called (every later call but reset throws). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** The EMA session summary (a copy), or null before the first write. */
  get sessionSummary(): Float64Array | null {
    return this.#summary === null ? null : Float64Array.from(this.#summary);
  }

  /** Each bundle's raw canonical axis, a trainable [d_base] tensor (BAA's gradient reaches it). */
  get axisRaw(): PerBundle<Tensor> {
    return { ...this.#axisRaw };
  }

  /** The backbone's normalised token-embedding table, read once. */
  wteNormed(): Float32Array {
    this.#wte ??= this.backbone.tokenEmbeddings();
    return this.#wte;
  }

  /** The bundles' canonical axes (unit, f64), read from the current raw axes (one sync). */
  async canonicalAxes(): Promise<PerBundle<Float64Array>> {
    this.#live("read the canonical axes");
    const vals = await readTensors(BUNDLES.map((b) => this.#axisRaw[b]));
    return {
      time: canonicalAxis(vals[0]!),
      topic: canonicalAxis(vals[1]!),
      ctx: canonicalAxis(vals[2]!),
    };
  }

  #live(op: string): void {
    if (this.#disposed) {
      throw new TypeError(`Cannot ${op}: expected a live MemLLM4 but it was disposed`);
    }
  }

  /** Decodes and checks a text: a string or valid UTF-8, non-empty. */
  #text(text: unknown, op: string, what: string): string {
    const s = decodeBackboneText(text, `${what} to ${op}`);
    if (s.length === 0) {
      throw new RangeError(`Cannot ${op}: expected a non-empty ${what} but got an empty one`);
    }
    return s;
  }

  /** The three encoders on pooled states h [B, d] (no gradient), read back in one sync. */
  async #encode(
    h: Float32Array,
    B: number,
    timeScalars: ArrayLike<number>,
    ids: readonly (readonly number[])[],
    summary: ArrayLike<number>,
  ): Promise<Record<`${Bundle}_${"base" | "fiber" | "dirn"}`, Float32Array>> {
    const outs = noGrad(() =>
      tidy(() => {
        const t = this.encoders.time.forward(h, {
          timeScalars,
          surprise: new Float32Array(B),
        });
        const p = this.encoders.topic.forward(h, { tokenIds: ids, wteNormed: this.wteNormed() });
        const c = this.encoders.ctx.forward(h, { sessionSummary: summary, prevTurns: null });
        return [t.base, t.fiber, t.dirn, p.base, p.fiber, p.dirn, c.base, c.fiber, c.dirn];
      })
    );
    let v: (Float32Array | Int32Array)[];
    try {
      v = await readTensors(outs);
    } finally {
      for (const x of outs) x.dispose();
    }
    const f = v as Float32Array[];
    return {
      time_base: f[0]!,
      time_fiber: f[1]!,
      time_dirn: f[2]!,
      topic_base: f[3]!,
      topic_fiber: f[4]!,
      topic_dirn: f[5]!,
      ctx_base: f[6]!,
      ctx_fiber: f[7]!,
      ctx_dirn: f[8]!,
    };
  }

  /** The three large fields of a text with pooled state h, ids and ctx base. */
  #largeFields(
    h: ArrayLike<number>,
    ids: readonly number[],
    ctxBase: ArrayLike<number>,
  ): Record<string, Float64Array> {
    const d = this.cfg.d_LLM;
    const wte = this.wteNormed();
    const mean = new Float64Array(d);
    for (const t of ids) for (let j = 0; j < d; j++) mean[j]! += wte[t * d + j]!;
    for (let j = 0; j < d; j++) mean[j]! /= ids.length;
    const desc = new Float64Array(d);
    for (let j = 0; j < Math.min(d, ctxBase.length); j++) desc[j] = ctxBase[j]!;
    return {
      semantic_emb: Float64Array.from(h),
      content_wte_mean: mean,
      context_descriptor: desc,
    };
  }

  /**
   * Writes `text` as a memory (the original's write steps 1–9, module docs); returns its mid.
   * Nothing changes when it throws.
   *
   * @throws {TypeError} when `text` is neither a string nor valid UTF-8 bytes, or the model was
   *   disposed.
   * @throws {RangeError} when the text is empty or yields no token.
   */
  write(text: BackboneText): Promise<number> {
    const op = "write a memory";
    try {
      this.#live(op);
      const s = this.#text(text, op, "text");
      // Writes run one after another even when a caller does not await each (next_mid, the
      // session summary and the registry build are read and then committed).
      const run = this.#writes.then(() => this.#write(s));
      this.#writes = run.catch(() => {});
      return run;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async #write(s: string): Promise<number> {
    this.#live("write a memory");
    const ids = this.backbone.tokenize(s);
    const d = this.cfg.d_LLM;
    const h = (await this.backbone.pooledHidden([ids])).slice(0, d);
    const prev = this.#summary;
    const summary = prev === null
      ? Float64Array.from(h)
      : prev.map((v, j) => SESSION_EMA_DECAY * v + (1 - SESSION_EMA_DECAY) * h[j]!);
    const mid = this.#store.nextMid;
    const e = await this.#encode(h, 1, [mid, 0, 0], [ids], summary);
    const large = this.#largeFields(h, ids, e.ctx_base);
    const n = this.#store.size + 1;
    // A first build (or a policy rebuild) needs the new entry in its corpus: build a fresh
    // registry before touching the store, so a failed build changes nothing.
    let next: KakeyaRegistry | null = null;
    let rows: Map<number, Record<string, Float64Array>> | null = null;
    const decide = this.#nBuilt === 0
      ? n >= this.cfg.kakeya_min_entries
      : this.rebuildPolicy !== "once" &&
        kakeyaRebuildDecision({ n, nBuilt: this.#nBuilt, recentErrors: this.#recentErrors }, {
          tol: this.cfg.kakeya_reconstruction_tol,
          minEntries: this.cfg.kakeya_min_entries,
          policy: this.rebuildPolicy,
        }).rebuild;
    if (decide) {
      rows = await this.#corpusRows(
        [...this.#store.entries(), null],
        { text: s, ids, ctxBase: e.ctx_base },
      );
      next = this.#newRegistry();
      const names = ["semantic_emb", "content_wte_mean", "context_descriptor"];
      const corpus: Record<string, ReturnType<typeof matrix>> = {};
      for (const name of names) {
        const m = matrix(n, d);
        [...rows.values()].forEach((r, i) => m.data.set(r[name]!, i * d));
        corpus[name] = m;
      }
      next.build(corpus, await this.canonicalAxes());
    }
    // From here on nothing validates: commit.
    const added = this.#store.add({
      ...e,
      source_text: s,
      content_token_ids: ids,
      large_fields: large,
    });
    this.#summary = summary;
    if (next !== null) {
      this.#registry = next;
      this.#nBuilt = n;
      this.#builds++;
      this.#recentErrors = [];
      // Re-encode every entry from the rebuilt corpus (stashes included, then dropped).
      const byMid = new Map<number, Record<string, Float64Array>>();
      const mids = this.#store.mids(); // the corpus rows' order: stored entries, then the new one
      [...rows!.values()].forEach((r, i) => byMid.set(mids[i]!, r));
      for (const entry of this.#store.entries()) {
        if (entry.pending_large_fields === null) {
          entry.kakeya_handle = next.encode(byMid.get(entry.mid)!);
        }
      }
      this.#store.attachKakeya((f) => next!.encode(f));
    } else if (this.#nBuilt > 0) {
      const reg = this.#registry;
      this.#store.attachKakeya((f) => reg.encode(f));
      const handle = this.#store.get(added)!.kakeya_handle as KakeyaHandle;
      this.#recentErrors.push(
        kakeyaRelativeError(large.semantic_emb!, reg.decodeField(handle, "semantic_emb")),
      );
    }
    return added;
  }

  /**
   * The registry corpus rows of `entries` (a null entry = the one being written, given by
   * `fresh`): the backbone re-run on every stored text (one batched call), the wte means of the
   * stored ids, the ctx bases padded. Keyed by position.
   */
  async #corpusRows(
    entries: (MemEntry | null)[],
    fresh: { text: string; ids: readonly number[]; ctxBase: ArrayLike<number> },
  ): Promise<Map<number, Record<string, Float64Array>>> {
    const d = this.cfg.d_LLM;
    const idLists = entries.map((e) =>
      e === null ? fresh.ids : this.backbone.tokenize(e.source_text)
    );
    const H = await this.backbone.pooledHidden(idLists);
    const out = new Map<number, Record<string, Float64Array>>();
    entries.forEach((e, i) => {
      out.set(
        i,
        this.#largeFields(
          H.subarray(i * d, (i + 1) * d),
          idLists[i]!,
          e === null ? fresh.ctxBase : e.ctx_base,
        ),
      );
    });
    return out;
  }

  /**
   * The decode context of `prompt`: its pooled hidden state as the query, the prefix
   * [1, L_mem, d_LLM] of cross-bundle attention over the attended entries (all, or the
   * `retrievalTopK` of highest fused tree score), the per-bundle head-averaged attention weights
   * and the attended mids.
   *
   * @throws {TypeError} when `prompt` is neither a string nor valid UTF-8 bytes, or the model
   *   was disposed.
   * @throws {RangeError} when the store is empty, or the prompt is empty or yields no token.
   */
  async prepareDecodeContext(prompt: BackboneText): Promise<DecodeContext> {
    const op = "prepare a decode context";
    this.#live(op);
    const s = this.#text(prompt, op, "prompt");
    this.#nonEmpty(op);
    const ids = this.backbone.tokenize(s);
    const d = this.cfg.d_LLM;
    const h = (await this.backbone.pooledHidden([ids])).slice(0, d);
    return await this.#context(h, ids);
  }

  /** Checks a pooled state: a Float32Array of d_LLM finite values. */
  #hidden(h: unknown, op: string): void {
    const d = this.cfg.d_LLM;
    if (!(h instanceof Float32Array) || h.length !== d) {
      throw new TypeError(
        `Cannot ${op}: expected a pooled state as a Float32Array of d_LLM = ${d} values but ` +
          `got ${describe(h)}${h instanceof Float32Array ? ` of length ${h.length}` : ""}`,
      );
    }
    const bad = h.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot ${op}: expected finite pooled-state values but element ${bad} is ${h[bad]}`,
      );
    }
  }

  #nonEmpty(op: string): void {
    if (this.#store.size === 0) {
      throw new RangeError(
        `Cannot ${op}: expected at least one written memory but the store is empty`,
      );
    }
  }

  /**
   * The entries of highest fused tree score for the pooled query h (all entries when no top-k
   * is set or k ≥ M), ascending mid.
   *
   * @throws {TypeError} when h is not a Float32Array of d_LLM values, or the model was disposed.
   * @throws {RangeError} when h holds a non-finite value.
   */
  async attendedEntries(h: Float32Array): Promise<MemEntry[]> {
    this.#live("select the attended entries");
    this.#hidden(h, "select the attended entries");
    const all = this.#store.entries();
    const k = this.retrievalTopK;
    if (k === undefined || k >= all.length) return all;
    const q = await this.queryDirns(h);
    const fused = new Map<number, number>(all.map((e) => [e.mid, 0]));
    for (const b of BUNDLES) {
      const w = this.retrievalWeights[b];
      if (w === 0) continue;
      for (const hit of this.#store.retrieve(b, q[b])) {
        fused.set(hit.mid, fused.get(hit.mid)! + w * hit.score);
      }
    }
    const ranked = [...fused].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
    const keep = new Set(ranked.map(([m]) => m));
    return all.filter((e) => keep.has(e.mid));
  }

  /**
   * The query's dirn per bundle for pooled state h: time scalars (next_mid, 0, 0), empty
   * content ids (the original's mode C), the current session summary (h before any write).
   *
   * @throws {TypeError} when h is not a Float32Array of d_LLM values, or the model was disposed.
   * @throws {RangeError} when h holds a non-finite value.
   */
  async queryDirns(h: Float32Array): Promise<PerBundle<Float32Array>> {
    this.#live("compute the query dirns");
    this.#hidden(h, "compute the query dirns");
    const e = await this.#encode(h, 1, [this.#store.nextMid, 0, 0], [[]], this.#summary ?? h);
    return { time: e.time_dirn, topic: e.topic_dirn, ctx: e.ctx_dirn };
  }

  async #context(h: Float32Array, ids: readonly number[]): Promise<DecodeContext> {
    const entries = await this.attendedEntries(h);
    const M = entries.length;
    const stack = (f: "time_fiber" | "topic_fiber" | "ctx_fiber") => {
      const w = entries[0]![f].length;
      const out = new Float32Array(M * w);
      entries.forEach((e, i) => out.set(e[f], i * w));
      return out;
    };
    const fibers = {
      time: stack("time_fiber"),
      topic: stack("topic_fiber"),
      ctx: stack("ctx_fiber"),
    };
    const outs = noGrad(() =>
      tidy(() => {
        const r = this.crossAttn.forward(h, fibers);
        return [r.prefix, r.weights.time, r.weights.topic, r.weights.ctx];
      })
    );
    let v: Float32Array[];
    try {
      v = (await readTensors(outs)) as Float32Array[];
    } finally {
      for (const x of outs) x.dispose();
    }
    const avg = (w: Float32Array) => {
      const heads = w.length / M;
      const out = new Float32Array(M);
      for (let j = 0; j < M; j++) {
        let sum = 0;
        for (let k = 0; k < heads; k++) sum += w[k * M + j]!;
        out[j] = sum / heads;
      }
      return out;
    };
    return {
      prefix: v[0]!,
      attention: { time: avg(v[1]!), topic: avg(v[2]!), ctx: avg(v[3]!) },
      entryIds: entries.map((e) => e.mid),
      queryHidden: h,
      promptIds: [...ids],
    };
  }

  /**
   * Greedy generation with the decode context of `prompt` as a soft prefix (module docs):
   * at most `maxNewTokens` new tokens, their text returned.
   *
   * @throws {TypeError} when the backbone is not a {@link GenerativeBackbone}, `prompt` is not
   *   a string or valid UTF-8, or the model was disposed.
   * @throws {RangeError} when maxNewTokens is not an integer >= 1, the store is empty, the
   *   prompt is empty or yields no token, or L_mem + prompt tokens + maxNewTokens exceeds the
   *   LM's context.
   */
  async generate(prompt: BackboneText, maxNewTokens: number): Promise<string> {
    const op = "generate";
    this.#live(op);
    const bb = this.backbone as Partial<GenerativeBackbone>;
    if (
      typeof bb.nextTokenLogits !== "function" || typeof bb.embedTokens !== "function" ||
      typeof bb.detokenize !== "function" || !isInt(bb.contextLength, 1)
    ) {
      throw new TypeError(
        `Cannot ${op}: expected a causal-LM backbone (nextTokenLogits, embedTokens, detokenize, ` +
          `contextLength) but ${this.backbone.name} has none of its logits`,
      );
    }
    if (!isInt(maxNewTokens, 1)) {
      throw new RangeError(
        `Cannot ${op}: expected maxNewTokens to be an integer >= 1 but got ${String(maxNewTokens)}`,
      );
    }
    const s = this.#text(prompt, op, "prompt");
    this.#nonEmpty(op);
    const ids = this.backbone.tokenize(s);
    const L = this.cfg.L_mem;
    const need = L + ids.length + maxNewTokens;
    if (need > bb.contextLength!) {
      throw new RangeError(
        `Cannot ${op}: expected L_mem + prompt tokens + maxNewTokens (${L} + ${ids.length} + ` +
          `${maxNewTokens} = ${need}) to fit the LM's context of ${bb.contextLength} but it does ` +
          "not",
      );
    }
    const d = this.cfg.d_LLM;
    const h = (await this.backbone.pooledHidden([ids])).slice(0, d);
    const { prefix } = await this.#context(h, ids);
    if (typeof bb.greedyIds === "function" && bb.eosId === undefined) {
      return bb.detokenize!(await bb.greedyIds(prefix, ids, maxNewTokens));
    }
    const seq = [...ids];
    const out: number[] = [];
    const V = this.backbone.vocabSize;
    for (let step = 0; step < maxNewTokens; step++) {
      const T = L + seq.length;
      const x = new Float32Array(T * d);
      x.set(prefix, 0);
      x.set(bb.embedTokens!(seq), L * d);
      const logits = await bb.nextTokenLogits!(x, 1, T);
      const last = logits.subarray((T - 1) * V, T * V);
      let best = 0;
      for (let v = 1; v < V; v++) if (last[v]! > last[best]!) best = v;
      if (bb.eosId !== undefined && best === bb.eosId) break;
      out.push(best);
      seq.push(best);
    }
    return bb.detokenize!(out);
  }

  /** Every trainable parameter with its name, in {@link memLLM4ParameterShapes} order. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const b of BUNDLES) {
      const enc: EncoderBase = this.encoders[b];
      for (const [k, t] of enc.namedParameters()) out.push([`bundle_${b}.${k}`, t]);
      out.push([`bundle_${b}._axis_raw`, this.#axisRaw[b]]);
    }
    for (const [k, t] of this.crossAttn.namedParameters()) out.push([`cross_attn.${k}`, t]);
    return out;
  }

  /** The trainable tensors: the bundles' encoders and axes, and cross-attention. */
  trainableParameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every parameter's values by name (one host sync), for checkpoints and fixtures. */
  async namedWeights(): Promise<Record<string, Float32Array>> {
    this.#live("read the MemLLM4 weights");
    const named = this.namedParameters();
    const vals = await readTensors(named.map(([, t]) => t));
    return Object.fromEntries(named.map(([k], i) => [k, vals[i] as Float32Array]));
  }

  /**
   * Replaces every parameter by name. Every name and shape is checked first: a weight set of
   * another configuration changes nothing.
   *
   * @throws {TypeError} on a missing, unknown or mis-sized parameter, or a disposed model.
   * @throws {RangeError} on a non-finite value.
   */
  loadWeights(w: AmsNamedWeights): void {
    const op = "load MemLLM4 weights";
    this.#live(op);
    checkNamedWeights(w, memLLM4ParameterShapes(this.cfg), op);
    for (const b of BUNDLES) this.encoders[b].setWeights(under(w, `bundle_${b}.`));
    this.crossAttn.setWeights(under(w, "cross_attn."));
    for (const b of BUNDLES) {
      const t = this.#axisRaw[b];
      this.#axisRaw[b] = tensor(Float32Array.from(w[`bundle_${b}._axis_raw`]!), t.shape, {
        requiresGrad: true,
      });
      t.dispose();
    }
  }

  /** A fresh store, registry and session summary (the parameters are kept). */
  reset(): void {
    this.#store = new MemStore(this.cfg);
    this.#registry = this.#newRegistry();
    this.#summary = null;
    this.#nBuilt = 0;
    this.#builds = 0;
    this.#recentErrors = [];
  }

  /** Releases every parameter; later calls throw. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const b of BUNDLES) {
      this.encoders[b].dispose();
      this.#axisRaw[b].dispose();
    }
    this.crossAttn.dispose();
  }
}
