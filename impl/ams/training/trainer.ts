/**
 * `Trainer4`: AMS v4's trainer on the GPU (FluffyAIcode/AgentMemorySystem:
 * ams_v4/training/trainer.py, ams_v4/training/batch_encode.py, train_v4.py, PR #30).
 *
 * One step, as the original:
 * 1. a fresh store, registry and session summary (`model.reset()`);
 * 2. `model.write()` of each batch text on the production path (this is what activates the
 *    Kakeya registry, and so recon, once the batch reaches kakeya_min_entries);
 * 3. the batch re-encoded with gradients: time scalars (i, 0, 0) for batch index i, surprise 0,
 *    topic ids = every token id, session summary := h itself, no previous turns;
 * 4. total = Σ_k w_k L_k with Cfg4's loss weights (recon 1, BAA 0.5, CBI 0.2, PSA 0.5, WP 0.1);
 * 5. backward, the gradient norm clipped at 1.0, AdamW (lr 3e-4, weight decay 0.01) over the
 *    bundles' encoders and axes and cross-attention (parameters without a gradient — the topic
 *    axis, which no loss reads — are skipped, as torch's AdamW skips grad None).
 *
 * Batches rotate over the corpus: batch_j of step t = corpus[(batchSize·t + j) mod n]. The
 * original: its 12-sentence corpus, batch 3, 60 steps, the model seeded 42.
 *
 * Every loss runs on the GPU; the host reads the total and its parts back only on every
 * `readEvery`-th step (and the last), so the other steps record GPU work without a sync of
 * their own (the backbone's pooled states and the production writes still cross the host).
 *
 * The v4.7 variant (the original's follow-up scope) changes three things, each also an option:
 * the entity-masked PSA target ({@link Trainer4Options.psaTarget} "entity"), the triplet's
 * negatives over j ≠ i ({@link Trainer4Options.fixNegatives}), and the default corpus
 * ({@link amsTrainingCorpus}, 240 sentences, 300 steps). The fourth change, the tree top-k
 * filter before cross-bundle attention, is the model's `retrievalTopK`.
 *
 * PSA needs an LM with gradients to its input embeddings ({@link PsaLanguageModel}); without
 * one (a retrieval-only backbone such as the lexical one) PSA is 0 and flagged in the reports.
 *
 * @example Three steps of the original's recipe on the lexical backbone (no LM: PSA is 0)
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { LexicalBackbone } from "../backbone/lexical.ts";
 * import { MemLLM4 } from "../mem_llm/mem_llm.ts";
 * import { SESSION_TRAINING_CORPUS } from "../session/session_data.ts";
 * import { Trainer4 } from "./trainer.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const backbone = new LexicalBackbone({ d: 16 }).fit(SESSION_TRAINING_CORPUS);
 * const model = new MemLLM4({ cfg: { d_LLM: 16 }, backbone, seed: 42 });
 * const tr = new Trainer4(model, { steps: 3, readEvery: 1 });
 * const reports = await tr.run();
 * strictEqual(reports.length, 3);
 * ok(reports.every((r) => Number.isFinite(r.total)));
 * tr.dispose();
 * model.dispose();
 * ```
 *
 * @module
 */
import { type Tensor, tensor, tidy } from "../../tensor.ts";
import { readTensors } from "../../tensor.ts";
import { backward } from "../../autograd.ts";
import { add, mul } from "../../ops/binary.ts";
import { AdamW, clipGradNorm } from "../../ops/optim.ts";
import { loadCheckpoint, readCheckpointInfo, saveCheckpoint } from "../../io/checkpoint.ts";
import type { Cfg4 } from "../config/config.ts";
import type { Backbone } from "../backbone/backbone.ts";
import type { ContextEncoder, TimeEncoder, TopicEncoder } from "../encoders/encoders.ts";
import type { CrossBundleAttention, PerBundle } from "../cross_bundle/cross_bundle.ts";
import type { KakeyaRegistry } from "../kakeya/kakeya.ts";
import { SESSION_TRAINING_CORPUS } from "../session/session_data.ts";
import {
  axisOf,
  bundleAxisAlignmentLoss,
  crossBundleIndependenceLoss,
  prefixSemanticAnchorLoss,
  type PsaExample,
  type PsaLanguageModel,
  reconLoss,
  type TripletPairs,
  writePolicyLoss,
} from "./losses.ts";
import { amsTrainingCorpus, corpusIdf, entityMask } from "./corpus.ts";

/** The original's training provenance, recorded in every checkpoint. */
export const TRAINER4_PROVENANCE = "AgentMemory/v347-architecture-realign-b7fa";

/** The original's recipe. */
export const TRAINER4_DEFAULTS: Readonly<{
  lr: number;
  weightDecay: number;
  clip: number;
  batchSize: number;
  steps: number;
  seed: number;
  readEvery: number;
}> = Object.freeze({
  lr: 3e-4,
  weightDecay: 0.01,
  clip: 1.0,
  batchSize: 3,
  steps: 60,
  seed: 42,
  readEvery: 10,
});

/** The v4.7 variant's default step count (the original's follow-up: "run 300+ steps"). */
export const TRAINER4_V47_STEPS = 300;

/** What the trainer needs of a model: MemLLM4's training surface. */
export interface Trainable4 {
  /** The configuration. */
  readonly cfg: Readonly<Cfg4>;
  /** The frozen backbone. */
  readonly backbone: Backbone;
  /** The three bundle encoders. */
  readonly encoders: {
    readonly time: TimeEncoder;
    readonly topic: TopicEncoder;
    readonly ctx: ContextEncoder;
  };
  /** Cross-bundle attention. */
  readonly crossAttn: CrossBundleAttention;
  /** Each bundle's raw canonical axis (trainable). */
  readonly axisRaw: PerBundle<Tensor>;
  /** The Kakeya registry the production writes build. */
  readonly registry: KakeyaRegistry;
  /** The normalised token-embedding table. */
  wteNormed(): Float32Array;
  /** Every trainable parameter by checkpoint name. */
  namedParameters(): [string, Tensor][];
  /** A fresh store, registry and session summary. */
  reset(): void;
  /** The production write path. */
  write(text: string): Promise<number>;
}

/** The loss names, in the order of the reports. */
export const TRAINER4_LOSSES = ["psa", "baa", "cbi", "recon", "wp"] as const;

/** One loss name. */
export type Trainer4Loss = (typeof TRAINER4_LOSSES)[number];

/** What a read-back step reports. */
export interface Trainer4Report {
  /** The step index (0-based). */
  readonly step: number;
  /** The weighted total. */
  readonly total: number;
  /** Each loss, unweighted. */
  readonly losses: Readonly<Record<Trainer4Loss, number>>;
  /** The gradient norm before clipping. */
  readonly gradNorm: number;
  /** Whether PSA ran (false without an LM or without any example of ≥ 4 tokens). */
  readonly psaActive: boolean;
  /** Active Kakeya sets after the step's production writes. */
  readonly activeSets: number;
  /** The triplet pairs of the batch (null below 3 texts). */
  readonly pairs: TripletPairs | null;
  /** Wall time of the step, ms (host clock, includes the read-back). */
  readonly ms: number;
}

/** Options of {@link Trainer4}. */
export interface Trainer4Options {
  /** "v4" (the original, default) or "v47" (memspec's take on the original's follow-up). */
  variant?: "v4" | "v47";
  /** Steps of {@link Trainer4.run} (default 60; 300 for v47). */
  steps?: number;
  /** The corpus (default the original's 12 sentences; {@link amsTrainingCorpus} for v47). */
  corpus?: readonly string[];
  /** Texts per batch (default 3). */
  batchSize?: number;
  /** AdamW learning rate (3e-4). */
  lr?: number;
  /** AdamW decoupled weight decay (0.01). */
  weightDecay?: number;
  /** Gradient-norm clip (1.0). */
  clip?: number;
  /** Read the losses back every this many steps (default 10; the last step always). */
  readEvery?: number;
  /** Called with each read-back report. */
  onProgress?: (r: Trainer4Report) => void;
  /** The LM PSA trains through (none: PSA is 0). */
  lm?: PsaLanguageModel | null;
  /** PSA's target: "split" (the original's 50/50) or "entity" (v47's masked entity). */
  psaTarget?: "split" | "entity";
  /** The triplet's negative: false the original's (self), true memspec's fix (v47). */
  fixNegatives?: boolean;
  /** Ids below this are dropped from the Jaccard sets (default 0; the original's Qwen run: 1000). */
  jaccardMinId?: number;
}

/** The options in force after defaults (what {@link Trainer4.options} shows, with the callbacks). */
export interface Trainer4Settings {
  /** "v4" or "v47". */
  variant: "v4" | "v47";
  /** Steps of a run. */
  steps: number;
  /** The rotating corpus. */
  corpus: readonly string[];
  /** Texts per batch. */
  batchSize: number;
  /** AdamW learning rate. */
  lr: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** Gradient-norm clip. */
  clip: number;
  /** Read-back period. */
  readEvery: number;
  /** Progress callback, or null. */
  onProgress: ((r: Trainer4Report) => void) | null;
  /** PSA's LM, or null (PSA 0). */
  lm: PsaLanguageModel | null;
  /** PSA's target. */
  psaTarget: "split" | "entity";
  /** memspec's triplet-negative fix. */
  fixNegatives: boolean;
  /** The Jaccard id floor. */
  jaccardMinId: number;
}

function resolve(op: string, o: Trainer4Options): Trainer4Settings {
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    throw new TypeError(`Cannot ${op}: expected an options object but got ${o}`);
  }
  // Only undefined means "the default": a null option is malformed, not absent.
  const or = <T>(v: T | undefined, d: T): T => (v === undefined ? d : v);
  const variant = or(o.variant, "v4");
  if (variant !== "v4" && variant !== "v47") {
    throw new TypeError(`Cannot ${op}: expected variant "v4" or "v47" but got ${String(variant)}`);
  }
  const v47 = variant === "v47";
  const int = (k: string, v: unknown, min: number) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      throw new RangeError(`Cannot ${op}: expected ${k} to be an integer >= ${min} but got ${v}`);
    }
    return v;
  };
  const real = (k: string, v: unknown) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`Cannot ${op}: expected ${k} to be a finite number >= 0 but got ${v}`);
    }
    return v;
  };
  const corpus = or(o.corpus, v47 ? amsTrainingCorpus() : SESSION_TRAINING_CORPUS);
  if (
    !Array.isArray(corpus) || corpus.length === 0 ||
    corpus.some((t) => typeof t !== "string" || t.length === 0)
  ) {
    throw new TypeError(
      `Cannot ${op}: expected corpus to be a non-empty list of non-empty strings`,
    );
  }
  const lm = o.lm ?? null;
  if (
    lm !== null &&
    (typeof lm !== "object" || typeof lm.logits !== "function" ||
      typeof lm.embed !== "function" || typeof lm.d !== "number")
  ) {
    throw new TypeError(`Cannot ${op}: expected lm to be a PsaLanguageModel but got ${lm}`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") {
    throw new TypeError(`Cannot ${op}: expected onProgress to be a function`);
  }
  const psaTarget = or(o.psaTarget, v47 ? "entity" : "split");
  if (psaTarget !== "split" && psaTarget !== "entity") {
    throw new TypeError(
      `Cannot ${op}: expected psaTarget "split" or "entity" but got ${psaTarget}`,
    );
  }
  if (o.fixNegatives !== undefined && typeof o.fixNegatives !== "boolean") {
    throw new TypeError(
      `Cannot ${op}: expected fixNegatives to be a boolean but got ${String(o.fixNegatives)}`,
    );
  }
  return {
    variant,
    steps: int("steps", or(o.steps, v47 ? TRAINER4_V47_STEPS : TRAINER4_DEFAULTS.steps), 0),
    corpus: [...corpus],
    batchSize: int("batchSize", or(o.batchSize, TRAINER4_DEFAULTS.batchSize), 1),
    lr: real("lr", or(o.lr, TRAINER4_DEFAULTS.lr)),
    weightDecay: real("weightDecay", or(o.weightDecay, TRAINER4_DEFAULTS.weightDecay)),
    clip: real("clip", or(o.clip, TRAINER4_DEFAULTS.clip)),
    readEvery: int("readEvery", or(o.readEvery, TRAINER4_DEFAULTS.readEvery), 1),
    onProgress: o.onProgress ?? null,
    lm,
    psaTarget,
    fixNegatives: or(o.fixNegatives, v47),
    jaccardMinId: int("jaccardMinId", or(o.jaccardMinId, 0), 0),
  };
}

/** The host-side inputs of one batch. */
export interface Trainer4Batch {
  /** The batch texts. */
  readonly texts: readonly string[];
  /** Each text's token ids. */
  readonly ids: readonly (readonly number[])[];
  /** Pooled hidden states [N, d]. */
  readonly h: Float32Array;
  /** PSA examples (those of ≥ 4 tokens, or with an entity). */
  readonly psa: readonly PsaExample[];
}

/** The batch's losses as tensors, for claims that inspect gradients. */
export interface Trainer4Losses {
  /** Each loss, unweighted, [] tensors (recon a constant). */
  readonly losses: Readonly<Record<Trainer4Loss, Tensor>>;
  /** The weighted total, []. */
  readonly total: Tensor;
  /** The triplet pairs of the batch. */
  readonly pairs: TripletPairs | null;
}

/**
 * AMS v4's trainer (module docs). Holds an AdamW over the model's trainable parameters; the
 * model is updated in place.
 */
export class Trainer4 {
  /** The model trained. */
  readonly model: Trainable4;
  /** The resolved options. */
  readonly options: Readonly<Omit<Trainer4Settings, "onProgress" | "lm">>;
  readonly #o: Trainer4Settings;
  readonly #opt: AdamW;
  readonly #named: [string, Tensor][];
  readonly #idf: Map<string, number> | null;
  #step = 0;
  #disposed = false;

  /**
   * A trainer over `model`'s trainable parameters with the original's recipe, or `options`.
   *
   * @throws {TypeError} on a malformed model or options.
   * @throws {RangeError} on an option out of range.
   */
  constructor(model: Trainable4, options: Trainer4Options = {}) {
    const op = "create Trainer4";
    if (
      model === null || typeof model !== "object" || typeof model.namedParameters !== "function" ||
      typeof model.write !== "function" || typeof model.reset !== "function" ||
      model.cfg === null || typeof model.cfg !== "object" || model.backbone === null ||
      typeof model.backbone !== "object" || model.encoders === null ||
      typeof model.encoders !== "object"
    ) {
      throw new TypeError(`Cannot ${op}: expected a MemLLM4 (or its training surface)`);
    }
    if ((model as { disposed?: unknown }).disposed === true) {
      throw new TypeError(`Cannot ${op}: expected a live MemLLM4 but it was disposed`);
    }
    this.#o = resolve(op, options);
    if (this.#o.lm !== null && this.#o.lm.d !== model.cfg.d_LLM) {
      throw new TypeError(
        `Cannot ${op}: expected an LM of width d_LLM = ${model.cfg.d_LLM} but got ${this.#o.lm.d}`,
      );
    }
    const { onProgress: _p, lm: _l, ...rest } = this.#o;
    this.options = Object.freeze(rest);
    this.model = model;
    this.#named = model.namedParameters();
    this.#idf = this.#o.psaTarget === "entity" ? corpusIdf(this.#o.corpus) : null;
    this.#opt = new AdamW(this.#named.map(([, t]) => t), {
      lr: this.#o.lr,
      weightDecay: this.#o.weightDecay,
      skipParamsWithoutGrad: true,
    });
  }

  /** Steps taken so far. */
  get stepIndex(): number {
    return this.#step;
  }

  /** The AdamW optimiser. */
  get optimizer(): AdamW {
    return this.#opt;
  }

  #live(op: string): void {
    if (this.#disposed) {
      throw new TypeError(`Cannot ${op}: expected a live Trainer4 but it was disposed`);
    }
    // A step resets the model before writing: refuse first, so a disposed model keeps its store.
    if ((this.model as { disposed?: unknown }).disposed === true) {
      throw new TypeError(
        `Cannot ${op}: expected a live MemLLM4 but the trainer's model was disposed`,
      );
    }
  }

  /** The texts of batch `step`: corpus[(batchSize·step + j) mod n]. */
  batchTexts(step: number): string[] {
    const op = "pick a Trainer4 batch";
    this.#live(op);
    if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) {
      throw new RangeError(`Cannot ${op}: expected step to be an integer >= 0 but got ${step}`);
    }
    const { corpus, batchSize } = this.#o;
    return Array.from(
      { length: batchSize },
      (_, j) => corpus[(batchSize * step + j) % corpus.length]!,
    );
  }

  /** Tokenises and pools the batch, and builds its PSA examples (host work; one backbone call each). */
  async prepareBatch(texts: readonly string[]): Promise<Trainer4Batch> {
    const op = "prepare a Trainer4 batch";
    this.#live(op);
    if (
      !Array.isArray(texts) || texts.length === 0 ||
      texts.some((t) => typeof t !== "string" || t.length === 0)
    ) {
      throw new TypeError(`Cannot ${op}: expected a non-empty list of non-empty strings`);
    }
    const bb = this.model.backbone;
    const ids = texts.map((t) => bb.tokenize(t));
    const h = await bb.pooledHidden(ids);
    const psa: { ids: number[]; split: number }[] = [];
    if (this.#o.lm !== null) {
      for (let i = 0; i < texts.length; i++) {
        if (this.#o.psaTarget === "split") {
          const x = ids[i]!;
          if (x.length < 4) continue;
          psa.push({ ids: [...x], split: Math.max(1, Math.floor(x.length / 2)) });
        } else {
          const m = entityMask(texts[i]!, this.#idf!);
          if (m === null) continue;
          let q: number[], t: number[];
          try {
            q = bb.tokenize(m.query);
            t = bb.tokenize(m.target);
          } catch {
            continue; // a side with no token: no example (as the original skips short texts)
          }
          psa.push({ ids: [...q, ...t], split: q.length });
        }
      }
    }
    const qh = psa.length === 0 ? new Float32Array() : await bb.pooledHidden(
      psa.map((e) => e.ids.slice(0, e.split)),
    );
    const d = this.model.cfg.d_LLM;
    return {
      texts: [...texts],
      ids,
      h,
      psa: psa.map((e, k) => ({ ...e, queryHidden: qh.subarray(k * d, (k + 1) * d) })),
    };
  }

  /**
   * The five losses of a prepared batch with gradients (step 3–4 of the module docs); call
   * inside `tidy`. `recon` is the host value given (a constant tensor). The batch is checked
   * before any GPU work.
   *
   * @throws {TypeError} when the trainer was disposed, or the batch is not one of
   *   {@link Trainer4.prepareBatch}'s (texts, ids in [0, vocabSize), h of N·d_LLM values, psa).
   * @throws {RangeError} when h holds a non-finite value or recon is not a finite number >= 0.
   */
  losses(batch: Trainer4Batch, recon = 0): Trainer4Losses {
    const op = "compute the Trainer4 losses";
    this.#live(op);
    const m = this.model;
    const d0 = m.cfg.d_LLM;
    if (
      batch === null || typeof batch !== "object" || !Array.isArray(batch.texts) ||
      !Array.isArray(batch.ids) || batch.ids.length !== batch.texts.length ||
      !(batch.h instanceof Float32Array) || batch.h.length !== batch.texts.length * d0 ||
      batch.texts.length === 0 || !Array.isArray(batch.psa)
    ) {
      throw new TypeError(
        `Cannot ${op}: expected a batch from prepareBatch (texts, ids, h of N·${d0} values, psa)`,
      );
    }
    const badH = batch.h.findIndex((v) => !Number.isFinite(v));
    if (badH >= 0) {
      throw new RangeError(
        `Cannot ${op}: expected finite pooled states h but element ${badH} is ${batch.h[badH]}`,
      );
    }
    // The ids reach the topic encoder after the time encoder has run: check them first, so
    // that a malformed batch is refused before any GPU work.
    const V = m.backbone.vocabSize;
    batch.ids.forEach((l: unknown, i: number) => {
      if (
        !Array.isArray(l) || l.length === 0 ||
        !l.every((t) => Number.isSafeInteger(t) && t >= 0 && t < V)
      ) {
        throw new TypeError(
          `Cannot ${op}: expected ids ${i} to be a non-empty list of token ids in [0, ${V})`,
        );
      }
    });
    if (typeof recon !== "number" || !Number.isFinite(recon) || recon < 0) {
      throw new RangeError(
        `Cannot ${op}: expected recon to be a finite number >= 0 but got ${recon}`,
      );
    }
    const N = batch.texts.length;
    const d = m.cfg.d_LLM;
    const ts = new Float32Array(3 * N);
    for (let i = 0; i < N; i++) ts[3 * i] = i;
    const t = m.encoders.time.forward(batch.h, { timeScalars: ts, surprise: new Float32Array(N) });
    const p = m.encoders.topic.forward(batch.h, { tokenIds: batch.ids, wteNormed: m.wteNormed() });
    const c = m.encoders.ctx.forward(batch.h, { sessionSummary: batch.h, prevTurns: null });
    const fibers = { time: t.fiber, topic: p.fiber, ctx: c.fiber };
    const axes = m.axisRaw;
    const baa = bundleAxisAlignmentLoss({
      timeBase: t.base,
      topicDirn: p.dirn,
      ctxBase: c.base,
      axisTime: axisOf(axes.time),
      axisCtx: axisOf(axes.ctx),
      tokenIds: batch.ids,
    }, { minId: this.#o.jaccardMinId, fixNegatives: this.#o.fixNegatives });
    const cbi = crossBundleIndependenceLoss(fibers);
    const wp = writePolicyLoss(fibers, batch.ids.map((l) => l.length));
    const psa = this.#o.lm === null
      ? tensor([0], [])
      : prefixSemanticAnchorLoss(m.crossAttn, fibers, batch.psa, this.#o.lm);
    const rc = tensor([recon], []);
    const w = m.cfg.loss_weights;
    const terms: [number, Tensor][] = [
      [w.prefix_semantic_anchor, psa],
      [w.bundle_axis_alignment, baa.loss],
      [w.cross_bundle_independence, cbi],
      [w.recon, rc],
      [w.write_policy, wp],
    ];
    const total = terms.map(([k, x]) => mul(tensor([k], []), x)).reduce((a, b) => add(a, b));
    void d;
    return { losses: { psa, baa: baa.loss, cbi, recon: rc, wp }, total, pairs: baa.pairs };
  }

  /** recon after the production writes: 0 unless the registry is active (then one sync). */
  async #recon(batch: Trainer4Batch): Promise<number> {
    const m = this.model;
    if (m.registry.activeCount === 0) return 0;
    const d = m.cfg.d_LLM, N = batch.texts.length;
    const ctxBase = await tidyRead(() =>
      m.encoders.ctx.forward(batch.h, { sessionSummary: batch.h, prevTurns: null }).base
    );
    const wte = m.wteNormed();
    const mean = new Float64Array(N * d), desc = new Float64Array(N * d);
    const dc = m.cfg.d_ctx;
    for (let i = 0; i < N; i++) {
      const ids = batch.ids[i]!;
      for (const tk of ids) {
        for (let j = 0; j < d; j++) mean[i * d + j]! += wte[tk * d + j]! / ids.length;
      }
      for (let j = 0; j < Math.min(d, dc); j++) desc[i * d + j] = ctxBase[i * dc + j]!;
    }
    return reconLoss(
      m.registry,
      {
        semanticEmb: batch.h,
        contentWteMean: mean,
        contextDescriptor: desc,
      },
      N,
      d,
    );
  }

  /**
   * One training step (module docs). Returns the report on a read-back step (every
   * `readEvery`-th, and when `forceRead`), else null.
   *
   * @throws {TypeError} when the trainer was disposed or forceRead is not a boolean.
   */
  async step(forceRead = false): Promise<Trainer4Report | null> {
    this.#live("step Trainer4");
    if (typeof forceRead !== "boolean") {
      throw new TypeError(
        `Cannot step Trainer4: expected forceRead to be a boolean but got ${forceRead}`,
      );
    }
    const t0 = performance.now();
    const k = this.#step;
    const texts = this.batchTexts(k);
    this.model.reset();
    for (const s of texts) await this.model.write(s);
    const activeSets = this.model.registry.activeCount;
    const batch = await this.prepareBatch(texts);
    const recon = await this.#recon(batch);
    const read = forceRead || k % this.#o.readEvery === 0 || k === this.#o.steps - 1;
    const out = tidy(() => {
      this.#opt.zeroGrad();
      const l = this.losses(batch, recon);
      backward(l.total);
      const norm = clipGradNorm(this.#opt.params, this.#o.clip, { skipParamsWithoutGrad: true });
      this.#opt.step();
      const keepT = read ? [l.total, ...TRAINER4_LOSSES.map((n) => l.losses[n]), norm] : [];
      return { keepT, pairs: l.pairs };
    });
    this.#opt.zeroGrad();
    this.#step++;
    if (!read) return null;
    let vals: (Float32Array | Int32Array)[];
    try {
      vals = await readTensors(out.keepT);
    } finally {
      for (const x of out.keepT) x.dispose();
    }
    const losses = Object.fromEntries(
      TRAINER4_LOSSES.map((n, i) => [n, vals[i + 1]![0]!]),
    ) as Record<Trainer4Loss, number>;
    const r: Trainer4Report = {
      step: k,
      total: vals[0]![0]!,
      losses,
      gradNorm: vals[TRAINER4_LOSSES.length + 1]![0]!,
      psaActive: this.#o.lm !== null && batch.psa.length > 0,
      activeSets,
      pairs: out.pairs,
      ms: performance.now() - t0,
    };
    this.#o.onProgress?.(r);
    return r;
  }

  /** Runs the remaining steps up to `options.steps`; returns the read-back reports. */
  async run(): Promise<Trainer4Report[]> {
    const out: Trainer4Report[] = [];
    while (this.#step < this.#o.steps) {
      const r = await this.step();
      if (r !== null) out.push(r);
    }
    return out;
  }

  /** Saves every trainable parameter, the AdamW state and the step count (impl/io checkpoint). */
  async save(path: string): Promise<void> {
    this.#live("save Trainer4");
    checkPath("save Trainer4", path);
    await saveCheckpoint(path, {
      params: Object.fromEntries(this.#named),
      optimizer: this.#opt,
      meta: {
        provenance: TRAINER4_PROVENANCE,
        step: this.#step,
        variant: this.#o.variant,
        corpusSize: this.#o.corpus.length,
        batchSize: this.#o.batchSize,
      },
    });
  }

  /**
   * Loads a checkpoint written by {@link Trainer4.save} into the model's tensors and the
   * optimiser (in place) and continues from its step.
   *
   * @throws {TypeError} when the checkpoint's parameters or recipe do not match (nothing changes).
   */
  async load(path: string): Promise<void> {
    this.#live("load Trainer4");
    checkPath("load Trainer4", path);
    const info = await readCheckpointInfo(path);
    const meta = info.meta as { step?: unknown; batchSize?: unknown } | null;
    if (
      meta === null || typeof meta !== "object" || !Number.isSafeInteger(meta.step) ||
      meta.batchSize !== this.#o.batchSize
    ) {
      throw new TypeError(
        `Cannot load Trainer4 checkpoint ${path}: expected a Trainer4 checkpoint of batch ` +
          `${this.#o.batchSize} but got meta ${JSON.stringify(meta)}`,
      );
    }
    await loadCheckpoint(path, { params: Object.fromEntries(this.#named), optimizer: this.#opt });
    this.#step = meta.step as number;
  }

  /** Releases the optimiser state (the model is the caller's). Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#opt.zeroGrad();
    this.#opt.dispose();
  }
}

function checkPath(op: string, path: unknown): void {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`Cannot ${op}: expected a non-empty path string but got ${path}`);
  }
}

async function tidyRead(fn: () => Tensor): Promise<Float32Array> {
  const t = tidy(fn);
  try {
    return (await t.toFloat32());
  } finally {
    t.dispose();
  }
}

/**
 * Trains `model` for `options.steps` steps and returns the read-back reports (a
 * {@link Trainer4} run and disposed).
 *
 * @example
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { LexicalBackbone } from "../backbone/lexical.ts";
 * import { MemLLM4 } from "../mem_llm/mem_llm.ts";
 * import { trainer4 } from "./trainer.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const corpus = ["I like tea.", "My cat sleeps.", "Rain falls today."];
 * const backbone = new LexicalBackbone({ d: 16 }).fit(corpus);
 * const model = new MemLLM4({ cfg: { d_LLM: 16 }, backbone, seed: 42 });
 * const r = await trainer4(model, { corpus, steps: 2, readEvery: 1 });
 * strictEqual(r.length, 2);
 * model.dispose();
 * ```
 *
 * @throws as {@link Trainer4}'s constructor and step.
 */
export async function trainer4(
  model: Trainable4,
  options: Trainer4Options = {},
): Promise<Trainer4Report[]> {
  const tr = new Trainer4(model, options);
  try {
    return await tr.run();
  } finally {
    tr.dispose();
  }
}
