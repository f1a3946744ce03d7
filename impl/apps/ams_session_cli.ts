/**
 * `deno task ams-session`: AMS v4's session-viability harness as a CLI
 * (FluffyAIcode/AgentMemorySystem:session_viability_v4.py, PR #30), run on memspec's own
 * backbones instead of Qwen2.5-1.5B-Instruct.
 *
 * ```sh
 * deno task ams-session --n-facts 10|20 --backbone lexical|bytelm --variant v4|v47 \
 *   [--trained CHECKPOINT|fresh] [--max-new BYTES] [--no-generate] [--decode incremental|rerun] \
 *   [--out REPORT.json]
 * deno task ams-session --train --backbone lexical|bytelm --variant v4|v47 [--out CHECKPOINT]
 * ```
 *
 * A session writes the first N facts into a fresh store and asks the 10 queries in three modes,
 * as the original does:
 *
 * - D (full history): every fact as a `User:` line, then `User: q\nAssistant:`, no memory;
 * - A (prefix): the memory prefix (cross-bundle attention over the entries: all of them for
 *   v4, the `retrievalTopK` = {@link AMS_V47_TOP_K} of highest fused tree score for v47), then
 *   `User: q\nAssistant:`;
 * - C (hybrid): the topic tree's top-1 fact for the bare query (empty content ids) as a
 *   `Context:` line, then the prompt, with the prefix.
 *
 * On the byte LM the modes generate greedily ({@link ByteLMBackbone.generateGreedy}, the ten
 * queries batched, `--max-new` bytes, the answer cut at its first newline) and hit = the
 * original's substring rule. The decode is incremental (each prompt read once, then one
 * recurrence step per byte); `--decode rerun` re-runs the LM over the whole stream for every
 * byte, as the original's loop does (the same bytes, claim
 * ams.session_gate.property_incremental_decode; mode D's 1.5 kB prompts make it minutes). The lexical backbone has no LM: its A and C answers are the
 * extractive reader's (the text of the fact with the most attention mass, of the top-1 fact),
 * and D has none. Beside the table it prints tier 1 — R_A (the gold fact holds the most
 * slot-weighted attention mass), R_C (the topic tree's top-1 is the gold fact), the flat-cosine
 * top-1 on the same backbone — and the lexical floor (tier 0), then writes a JSON report.
 *
 * The models: `--trained` names a MemLLM4 checkpoint (impl/io checkpoint of
 * `MemLLM4.namedParameters()`); by default the committed one of the backbone and variant
 * ({@link amsSessionCheckpoint}), trained by `--train` (Trainer4: v4 = the original's recipe,
 * 12 sentences, batch 3, 60 steps, seed 42; v47 = memspec's take on the original's follow-up,
 * 240 entity-diverse sentences, 300 steps, entity-masked PSA, fixed triplet negatives);
 * `--trained fresh` runs the seeded init (seed 42).
 *
 * @example The lexical backbone at N = 10, fresh v4, in memory
 * ```ts
 * import { initGpu } from "../mod.ts";
 * import { formatDecisionTable, runAmsSession } from "./ams_session_cli.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = await runAmsSession({ nFacts: 10, backbone: "lexical", variant: "v4", trained: null });
 * strictEqual(r.tier1.rows.length, 10);
 * strictEqual(r.lexicalFloor, 0.9);
 * ok(formatDecisionTable(r).includes("R_A"));
 * ```
 *
 * @module
 */
import {
  cosine,
  initGpu,
  LexicalBackbone,
  loadCheckpoint,
  noGrad,
  readCheckpointInfo,
  readTensors,
  saveCheckpoint,
  SESSION_FACTS,
  SESSION_N_FACTS,
  SESSION_QUERIES,
  SESSION_RECORDED_RESULTS,
  SESSION_TRAINING_CORPUS,
  type SessionHitRates,
  sessionTier0,
  substringHit,
  type Tensor,
  tidy,
  wordHit,
} from "../mod.ts";
import type { Backbone } from "../ams/backbone/backbone.ts";
import { MemLLM4, slotWeightedMass } from "../ams/mem_llm/mem_llm.ts";
import { promptA } from "../ams/session/session.ts";
import { Trainer4, type Trainer4Report } from "../ams/training/trainer.ts";
import { amsTrainingCorpus } from "../ams/training/corpus.ts";
import { ByteLMBackbone, type GreedyDecode, type GreedyPrompt } from "./ams_byte_lm_backbone.ts";

/** The backbones the harness runs. */
export type AmsSessionBackbone = "lexical" | "bytelm";
/** The model variants. */
export type AmsSessionVariant = "v4" | "v47";

/** v47's tree top-k before cross-bundle attention (the original's follow-up: "k=4 say"). */
export const AMS_V47_TOP_K = 4;
/** Width of the lexical backbone in the gate: the tier-0 floor (9/10 at both N) holds from 512. */
export const AMS_SESSION_LEXICAL_D = 512;
/** The seed of every fresh MemLLM4 (the original's training seed). */
export const AMS_SESSION_SEED = 42;
/** Bytes generated per answer by default (≈ the original's 30 tokens cut at the answer line). */
export const AMS_SESSION_MAX_NEW = 40;

/** The committed MemLLM4 checkpoint of a backbone and variant (repository-relative). */
export function amsSessionCheckpoint(
  backbone: AmsSessionBackbone,
  variant: AmsSessionVariant,
): string {
  return `fixtures/checkpoints/ams_mem_llm_${backbone}_${variant}.safetensors`;
}

/** Options of {@link runAmsSession}. */
export interface AmsSessionOptions {
  /** N: 10 or 20. */
  readonly nFacts: number;
  /** "lexical" or "bytelm". */
  readonly backbone: AmsSessionBackbone;
  /** "v4" (attention over every entry) or "v47" (tree top-k first). */
  readonly variant: AmsSessionVariant;
  /**
   * A MemLLM4 checkpoint path; null = the seeded init; undefined = the committed checkpoint
   * of the backbone and variant.
   */
  readonly trained?: string | null;
  /** Bytes generated per answer on the byte LM (default {@link AMS_SESSION_MAX_NEW}). */
  readonly maxNew?: number;
  /** Run modes D, A and C on the byte LM (default true). */
  readonly generate?: boolean;
  /**
   * Run mode D (default true). D involves no memory, so a caller running several models on
   * one backbone and N may run it once.
   */
  readonly runD?: boolean;
  /** A loaded byte-LM backbone to reuse (kept); default: the committed one, loaded and freed. */
  readonly byteLM?: ByteLMBackbone;
  /** The byte LM's greedy decode (default: incremental where the LM allows it). */
  readonly decode?: GreedyDecode;
}

/** One query's row. */
export interface AmsSessionRow {
  /** The query. */
  readonly query: string;
  /** Its keyword. */
  readonly keyword: string;
  /** Mode C's retrieved fact (topic tree top-1). */
  readonly rcTop1: number;
  /** The fact with the most slot-weighted attention mass for the mode-A prompt. */
  readonly raTop1: number;
  /** The flat-cosine top-1 fact (pooled bare query against pooled facts). */
  readonly flatTop1: number;
  /**
   * Diagnostic: the topic tree's top-1 when the query's topic dirn is computed with the query's
   * own content ids, as every stored fact's was (mode C uses empty ids).
   */
  readonly rcSymTop1: number;
  /** The facts the mode-A prefix attended to (v47: the tree top-k; v4: all). */
  readonly attended: readonly number[];
  /** Each mode's answer (null where the mode does not run). */
  readonly answers: { readonly D: string | null; readonly A: string; readonly C: string };
  /** Each mode's hit by the substring rule (null where the mode does not run). */
  readonly hits: { readonly D: boolean | null; readonly A: boolean; readonly C: boolean };
}

/** One mode's line of the decision table. */
export interface AmsModeLine {
  /** Hit rate by the original's substring rule; null where the mode does not run. */
  readonly hitRate: number | null;
  /** Hit rate by the whole-word rule. */
  readonly wordHitRate: number | null;
  /** Mean input length (soft tokens + bytes; lexical: stems). */
  readonly inputTokens: number | null;
  /** Mean retrieval time per query, ms (pool, dirn, tree, attention). */
  readonly retrieveMs: number | null;
  /** Mean generation time per query, ms (the batch's time / 10). */
  readonly generateMs: number | null;
}

/** The JSON report. */
export interface AmsSessionReport {
  /** What produced it. */
  readonly harness: string;
  /** N. */
  readonly nFacts: number;
  /** The backbone. */
  readonly backbone: AmsSessionBackbone;
  /** The variant. */
  readonly variant: AmsSessionVariant;
  /** The MemLLM4 weights: a checkpoint path or "fresh (seed 42)". */
  readonly weights: string;
  /** How answers are produced: greedy generation or the extractive reader. */
  readonly reader: "greedy byte LM" | "extractive";
  /** Bytes generated per answer (byte LM). */
  readonly maxNew: number;
  /** The decision table. */
  readonly modes: { readonly D: AmsModeLine; readonly A: AmsModeLine; readonly C: AmsModeLine };
  /** Tier 1: R_A, R_C and the flat-cosine baseline on this backbone, with the rows. */
  readonly tier1: {
    readonly rA: number;
    readonly rC: number;
    readonly flat: number;
    /** Diagnostic: R_C with the query's own content ids (the stored facts' way). */
    readonly rCSymmetric: number;
    /** Queries whose gold fact is among the attended entries (1 for v4: all are). */
    readonly goldAttended: number;
    readonly rows: readonly AmsSessionRow[];
  };
  /** Tier 0: retrieval@1 on the lexical backbone (d 1536, fitted on the N facts). */
  readonly lexicalFloor: number;
  /** Wall time of the N writes, ms. */
  readonly writeMs: number;
  /** The original's recorded Qwen2.5-1.5B figures at this N (another model and machine). */
  readonly recorded: {
    readonly backbone: string;
    readonly v4Fresh: SessionHitRates;
    readonly v4Trained: SessionHitRates;
    readonly gateBars: { readonly A: number; readonly C: number };
  };
  /** Total wall time, ms. */
  readonly wallMs: number;
}

/** The lexical backbone of the gate, fitted on `texts`. */
export function amsLexicalBackbone(texts: readonly string[]): LexicalBackbone {
  return new LexicalBackbone({ d: AMS_SESSION_LEXICAL_D }).fit(texts);
}

/** A fresh MemLLM4 of the gate on `backbone` for `variant` (seed 42). */
export function amsSessionModel(backbone: Backbone, variant: AmsSessionVariant): MemLLM4 {
  return new MemLLM4({
    cfg: { d_LLM: backbone.d, vocab_size: backbone.vocabSize },
    backbone,
    seed: AMS_SESSION_SEED,
    retrievalTopK: variant === "v47" ? AMS_V47_TOP_K : undefined,
  });
}

/** What a MemLLM4 checkpoint of the gate records. */
export interface AmsSessionCheckpointMeta {
  /** What the file is. */
  readonly kind: "memspec.ams.mem_llm";
  /** The backbone it was trained on. */
  readonly backbone: AmsSessionBackbone;
  /** The variant. */
  readonly variant: AmsSessionVariant;
  /** d_LLM. */
  readonly d: number;
  /** The trainer's read-back reports (step, total, losses). */
  readonly reports: { step: number; total: number; losses: Record<string, number> }[];
  /** The original's provenance string. */
  readonly provenance: string;
  /** The command that produced it. */
  readonly command: string;
}

/**
 * Loads a MemLLM4 checkpoint into `model` after checking it was made for this backbone, variant
 * and width.
 *
 * @throws {TypeError} when the checkpoint is of another kind, backbone, variant or d_LLM (the
 *   model is unchanged).
 */
export async function loadAmsSessionCheckpoint(
  model: MemLLM4,
  path: string,
  backbone: AmsSessionBackbone,
  variant: AmsSessionVariant,
): Promise<AmsSessionCheckpointMeta> {
  const info = await readCheckpointInfo(path);
  const m = info.meta as Partial<AmsSessionCheckpointMeta> | null;
  const want = { kind: "memspec.ams.mem_llm", backbone, variant, d: model.cfg.d_LLM };
  const got = m ?? {};
  const differ = Object.entries(want).filter(([k, v]) => (got as Record<string, unknown>)[k] !== v);
  if (differ.length > 0) {
    throw new TypeError(
      `Cannot load MemLLM4 checkpoint ${path}: expected ${
        differ.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")
      } but got ${
        differ.map(([k]) => `${k} ${JSON.stringify((got as Record<string, unknown>)[k])}`).join(
          ", ",
        )
      }`,
    );
  }
  await loadCheckpoint(path, { params: Object.fromEntries(model.namedParameters()) });
  return m as AmsSessionCheckpointMeta;
}

/** The byte LM as the PSA loss's frozen LM (embeddings in, logits out, autograd to the input). */
function psaModel(bb: ByteLMBackbone) {
  return {
    d: bb.d,
    vocabSize: bb.vocabSize,
    embed: (ids: readonly number[]): Tensor => bb.embedTensor(ids),
    logits: (x: Tensor): Tensor => bb.logitsFromEmbeds(x),
  };
}

/**
 * Trains a MemLLM4 of the gate with Trainer4 (v4: the original's recipe; v47: memspec's take on
 * the follow-up) and saves it to `out` with its provenance. Deterministic under the seed.
 *
 * @throws as Trainer4 and saveCheckpoint.
 */
export async function trainAmsSessionModel(
  backbone: AmsSessionBackbone,
  variant: AmsSessionVariant,
  out: string = amsSessionCheckpoint(backbone, variant),
  onProgress?: (r: Trainer4Report) => void,
): Promise<AmsSessionCheckpointMeta> {
  const corpus = variant === "v47" ? amsTrainingCorpus() : SESSION_TRAINING_CORPUS;
  const bb: Backbone = backbone === "bytelm"
    ? await ByteLMBackbone.load()
    : amsLexicalBackbone(corpus);
  const model = amsSessionModel(bb, variant);
  try {
    const tr = new Trainer4(model, {
      variant,
      lm: bb instanceof ByteLMBackbone ? psaModel(bb) : null,
      onProgress,
    });
    let reports: Trainer4Report[];
    try {
      reports = await tr.run();
    } finally {
      tr.dispose();
    }
    const meta: AmsSessionCheckpointMeta = {
      kind: "memspec.ams.mem_llm",
      backbone,
      variant,
      d: bb.d,
      reports: reports.map((r) => ({ step: r.step, total: r.total, losses: { ...r.losses } })),
      provenance: "AgentMemory/v347-architecture-realign-b7fa (memspec Trainer4)",
      command: `deno task ams-session --train --backbone ${backbone} --variant ${variant}`,
    };
    await saveCheckpoint(out, { params: Object.fromEntries(model.namedParameters()), meta });
    return meta;
  } finally {
    model.dispose();
    if (bb instanceof ByteLMBackbone) bb.dispose();
  }
}

function argmaxOf(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** The answer line of a generated continuation: up to the first newline, trimmed. */
export function answerLine(text: string): string {
  const i = text.indexOf("\n");
  return (i === -1 ? text : text.slice(0, i)).trim();
}

/** The mode-D prompt: every fact as a `User:` line, then the mode-A prompt. */
export function promptD(facts: readonly string[], q: string): string {
  return facts.map((f) => `User: ${f}`).join("\n") + "\n" + promptA(q);
}

/** The mode-C prompt: the retrieved fact as a `Context:` line, then the mode-A prompt. */
export function promptC(fact: string, q: string): string {
  return `Context: ${fact}\n${promptA(q)}`;
}

function checkOptions(o: AmsSessionOptions): void {
  const op = "run the AMS session";
  if (o === null || typeof o !== "object") {
    throw new TypeError(`Cannot ${op}: expected an options object but got ${String(o)}`);
  }
  if (!SESSION_N_FACTS.includes(o.nFacts)) {
    throw new RangeError(`Cannot ${op}: expected nFacts 10 or 20 but got ${String(o.nFacts)}`);
  }
  if (o.backbone !== "lexical" && o.backbone !== "bytelm") {
    throw new RangeError(
      `Cannot ${op}: expected backbone "lexical" or "bytelm" but got ${String(o.backbone)}`,
    );
  }
  if (o.variant !== "v4" && o.variant !== "v47") {
    throw new RangeError(
      `Cannot ${op}: expected variant "v4" or "v47" but got ${String(o.variant)}`,
    );
  }
  if (o.decode !== undefined && o.decode !== "incremental" && o.decode !== "rerun") {
    throw new RangeError(
      `Cannot ${op}: expected decode "incremental" or "rerun" but got ${String(o.decode)}`,
    );
  }
  const mn = o.maxNew ?? AMS_SESSION_MAX_NEW;
  if (!Number.isInteger(mn) || mn < 1 || mn > 512) {
    throw new RangeError(`Cannot ${op}: expected maxNew an integer in [1, 512] but got ${mn}`);
  }
}

/**
 * One session of the harness (module doc): writes, tier 1, the three modes, the lexical floor.
 *
 * @throws {TypeError|RangeError} for bad options or a checkpoint of another backbone, variant
 *   or width.
 */
export async function runAmsSession(o: AmsSessionOptions): Promise<AmsSessionReport> {
  checkOptions(o);
  const t00 = performance.now();
  const { nFacts, variant } = o;
  const maxNew = o.maxNew ?? AMS_SESSION_MAX_NEW;
  const facts = SESSION_FACTS.slice(0, nFacts);
  const ownLM = o.backbone === "bytelm" && o.byteLM === undefined;
  const bb: Backbone = o.backbone === "bytelm"
    ? (o.byteLM ?? await ByteLMBackbone.load())
    : amsLexicalBackbone(facts);
  const model = amsSessionModel(bb, variant);
  try {
    const ckpt = o.trained === undefined ? amsSessionCheckpoint(o.backbone, variant) : o.trained;
    if (ckpt !== null) await loadAmsSessionCheckpoint(model, ckpt, o.backbone, variant);
    const d = bb.d;
    const t0 = performance.now();
    for (const f of facts) await model.write(f);
    const writeMs = performance.now() - t0;
    const factH = await bb.pooledHidden(facts.map((f) => bb.tokenize(f)));
    const rows: {
      query: string;
      keyword: string;
      rcTop1: number;
      raTop1: number;
      flatTop1: number;
      rcSymTop1: number;
      attended: number[];
      prefix: Float32Array;
    }[] = [];
    let msA = 0, msC = 0;
    for (const { query, keyword } of SESSION_QUERIES) {
      // Mode C's retrieval: the pooled bare query, its topic dirn with empty content ids.
      const tc = performance.now();
      const qh = (await bb.pooledHidden([bb.tokenize(query)])).slice(0, d);
      const dirn = (await model.queryDirns(qh)).topic;
      const rcTop1 = model.store.retrieve("topic", dirn)[0]!.mid;
      msC += performance.now() - tc;
      const sym = noGrad(() =>
        tidy(() =>
          model.encoders.topic.forward(qh, {
            tokenIds: [bb.tokenize(query)],
            wteNormed: model.wteNormed(),
          }).dirn
        )
      );
      const [symDirn] = await readTensors([sym]);
      sym.dispose();
      const rcSymTop1 = model.store.retrieve("topic", symDirn as Float32Array)[0]!.mid;
      const ta = performance.now();
      const ctx = await model.prepareDecodeContext(promptA(query));
      msA += performance.now() - ta;
      const mass = slotWeightedMass(ctx.attention, model.cfg);
      const raTop1 = ctx.entryIds[argmaxOf(mass)]!;
      const cos = facts.map((_, i) => cosine(qh, factH.slice(i * d, (i + 1) * d)));
      rows.push({
        query,
        keyword,
        rcTop1,
        raTop1,
        flatTop1: argmaxOf(cos),
        rcSymTop1,
        attended: [...ctx.entryIds],
        prefix: ctx.prefix,
      });
    }
    // Mode C also needs its own decode context (the prompt differs); time it as retrieval.
    const L = model.cfg.L_mem;
    let answers: { D: (string | null)[]; A: string[]; C: string[] };
    const gen = { D: 0, A: 0, C: 0 };
    const inTok = { D: null as number | null, A: 0, C: 0 };
    const generative = bb instanceof ByteLMBackbone && (o.generate ?? true);
    const runD = generative && (o.runD ?? true);
    if (generative) {
      const lm = bb as ByteLMBackbone;
      const cPrompts: GreedyPrompt[] = [];
      for (const r of rows) {
        const p = promptC(facts[r.rcTop1]!, r.query);
        const tc = performance.now();
        const ctx = await model.prepareDecodeContext(p);
        msC += performance.now() - tc;
        cPrompts.push({ prefix: ctx.prefix, ids: lm.tokenize(p) });
      }
      const aPrompts = rows.map((r) => ({ prefix: r.prefix, ids: lm.tokenize(promptA(r.query)) }));
      const dPrompts = rows.map((r) => ({ ids: lm.tokenize(promptD(facts, r.query)) }));
      const run = async (ps: GreedyPrompt[], k: "D" | "A" | "C") => {
        const t = performance.now();
        const out = await lm.generateGreedy(ps, maxNew, { decode: o.decode });
        gen[k] = (performance.now() - t) / ps.length;
        inTok[k] = ps.reduce((s, p) => s + (p.prefix?.length ?? 0) / d + p.ids.length, 0) /
          ps.length;
        return out.map((g) => answerLine(g.text));
      };
      answers = {
        D: runD ? await run(dPrompts, "D") : rows.map(() => null),
        A: await run(aPrompts, "A"),
        C: await run(cPrompts, "C"),
      };
    } else {
      answers = {
        D: rows.map(() => null),
        A: rows.map((r) => facts[r.raTop1]!),
        C: rows.map((r) => facts[r.rcTop1]!),
      };
      inTok.A = rows.reduce((s, r) => s + L + bb.tokenize(promptA(r.query)).length, 0) / 10;
      inTok.C = rows.reduce(
        (s, r) => s + L + bb.tokenize(promptC(facts[r.rcTop1]!, r.query)).length,
        0,
      ) / 10;
    }
    const outRows: AmsSessionRow[] = rows.map((r, i) => {
      const D = answers.D[i]!;
      return {
        query: r.query,
        keyword: r.keyword,
        rcTop1: r.rcTop1,
        raTop1: r.raTop1,
        flatTop1: r.flatTop1,
        rcSymTop1: r.rcSymTop1,
        attended: r.attended,
        answers: { D, A: answers.A[i]!, C: answers.C[i]! },
        hits: {
          D: D === null ? null : substringHit(D, r.keyword),
          A: substringHit(answers.A[i]!, r.keyword),
          C: substringHit(answers.C[i]!, r.keyword),
        },
      };
    });
    const rate = (f: (r: AmsSessionRow, i: number) => boolean) =>
      outRows.filter(f).length / outRows.length;
    const line = (k: "D" | "A" | "C", retrieveMs: number | null): AmsModeLine => {
      if (k === "D" && !runD) {
        return {
          hitRate: null,
          wordHitRate: null,
          inputTokens: null,
          retrieveMs: null,
          generateMs: null,
        };
      }
      return {
        hitRate: rate((r) => r.hits[k] === true),
        wordHitRate: rate((r) => wordHit(r.answers[k] ?? "", r.keyword)),
        inputTokens: inTok[k],
        retrieveMs,
        generateMs: generative ? gen[k] : null,
      };
    };
    const floor = await sessionTier0({ nFacts });
    const rec = SESSION_RECORDED_RESULTS;
    const at = nFacts === 10 ? "N10" : "N20";
    return {
      harness: "memspec impl/apps/ams_session_cli.ts (session_viability_v4.py, PR #30)",
      nFacts,
      backbone: o.backbone,
      variant,
      weights: ckpt ?? `fresh (seed ${AMS_SESSION_SEED})`,
      reader: generative ? "greedy byte LM" : "extractive",
      maxNew,
      modes: { D: line("D", null), A: line("A", msA / 10), C: line("C", msC / 10) },
      tier1: {
        rA: rate((r) => r.raTop1 === SESSION_QUERIES.findIndex((q) => q.query === r.query)),
        rC: rate((r) => r.rcTop1 === SESSION_QUERIES.findIndex((q) => q.query === r.query)),
        flat: rate((r) => r.flatTop1 === SESSION_QUERIES.findIndex((q) => q.query === r.query)),
        goldAttended: rate((r, i) => r.attended.includes(i)),
        rCSymmetric: rate((r, i) => r.rcSymTop1 === i),
        rows: outRows,
      },
      lexicalFloor: floor.retrievalAt1,
      writeMs,
      recorded: {
        backbone: rec.backbone,
        v4Fresh: rec.v4_fresh[at],
        v4Trained: rec.v4_trained[at],
        gateBars: rec.gate_bars.N20,
      },
      wallMs: performance.now() - t00,
    };
  } finally {
    model.dispose();
    if (ownLM) (bb as ByteLMBackbone).dispose();
  }
}

function pct(x: number | null): string {
  return x === null ? "   —" : `${Math.round(x * 100)}%`.padStart(4);
}
function num(x: number | null, digits = 1): string {
  return x === null ? "—" : x.toFixed(digits);
}

/**
 * The decision table as text: per mode the hit rate (substring rule; whole-word beside it),
 * mean input tokens, retrieve and generate ms; then R_A, R_C, flat cosine, the lexical floor and
 * the original's recorded Qwen figures at this N.
 */
export function formatDecisionTable(r: AmsSessionReport): string {
  const lines = [
    `AMS session — N = ${r.nFacts}, backbone ${r.backbone}, variant ${r.variant}, weights ` +
    `${r.weights}, reader: ${r.reader}${r.reader === "extractive" ? "" : `, ${r.maxNew} bytes`}`,
    "mode                hit  (word)  input tok  retrieve ms  generate ms",
  ];
  const names = { D: "D_full_history", A: "A_ams_prefix", C: "C_ams_hybrid" } as const;
  for (const k of ["D", "A", "C"] as const) {
    const m = r.modes[k];
    lines.push(
      `${names[k].padEnd(18)} ${pct(m.hitRate)}  (${pct(m.wordHitRate)})  ` +
        `${num(m.inputTokens).padStart(9)}  ${num(m.retrieveMs).padStart(11)}  ` +
        `${num(m.generateMs).padStart(11)}`,
    );
  }
  const t = r.tier1;
  lines.push(
    `tier 1: R_A ${pct(t.rA)}   R_C ${pct(t.rC)}   flat-cosine top-1 ${pct(t.flat)}   ` +
      `lexical floor (tier 0) ${pct(r.lexicalFloor)}   R_C with query ids ` +
      `${pct(t.rCSymmetric)}   gold among attended ` +
      `${pct(t.goldAttended)}   writes ${num(r.writeMs, 0)} ms`,
  );
  const f = r.recorded;
  lines.push(
    `recorded (${f.backbone}): v4 fresh D/A/C ${pct(f.v4Fresh.D)}/${pct(f.v4Fresh.A)}/` +
      `${pct(f.v4Fresh.C)}, v4 trained ${pct(f.v4Trained.D)}/${pct(f.v4Trained.A)}/` +
      `${pct(f.v4Trained.C)}; merge-gate bars at N = 20: A > ${pct(f.gateBars.A)}, ` +
      `C > ${pct(f.gateBars.C)}`,
  );
  lines.push(
    "query".padEnd(52) + "R_C R_A flat  D A C",
  );
  t.rows.forEach((row, i) => {
    const mark = (x: number) => (x === i ? " ✓ " : String(x).padStart(2) + " ");
    const h = (x: boolean | null) => (x === null ? "—" : x ? "✓" : "·");
    lines.push(
      `${row.query.padEnd(52)}${mark(row.rcTop1)} ${mark(row.raTop1)} ${mark(row.flatTop1)}  ` +
        `${h(row.hits.D)} ${h(row.hits.A)} ${h(row.hits.C)}`,
    );
  });
  return lines.join("\n");
}

/** What the command line asks for. */
export interface AmsSessionArgs {
  /** Train and save a checkpoint instead of running a session. */
  readonly train: boolean;
  /** The session options. */
  readonly options: AmsSessionOptions;
  /** Where to write the report (session) or the checkpoint (train). */
  readonly out: string | null;
}

/**
 * Parses the command line (module doc).
 *
 * @throws {RangeError} for an unknown flag or a bad value.
 */
export function parseAmsSessionArgs(args: readonly string[]): AmsSessionArgs {
  const op = "parse the ams-session arguments";
  let nFacts = 20, backbone: string = "lexical", variant: string = "v4";
  let trained: string | null | undefined = undefined, maxNew = AMS_SESSION_MAX_NEW;
  let out: string | null = null, train = false, generate = true;
  let decode: string | undefined = undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = () => {
      const v = args[++i];
      if (v === undefined) throw new RangeError(`Cannot ${op}: expected a value after ${a}`);
      return v;
    };
    if (a === "--n-facts") nFacts = Number(val());
    else if (a === "--backbone") backbone = val();
    else if (a === "--variant") variant = val();
    else if (a === "--trained") {
      const v = val();
      trained = v === "fresh" ? null : v;
    } else if (a === "--max-new") maxNew = Number(val());
    else if (a === "--out") out = val();
    else if (a === "--train") train = true;
    else if (a === "--no-generate") generate = false;
    else if (a === "--decode") decode = val();
    else {
      throw new RangeError(
        `Cannot ${op}: expected --n-facts, --backbone, --variant, --trained, --max-new, --out, ` +
          `--no-generate, --decode or --train but got ${JSON.stringify(a)}`,
      );
    }
  }
  const options = {
    nFacts,
    backbone: backbone as AmsSessionBackbone,
    variant: variant as AmsSessionVariant,
    trained,
    maxNew,
    generate,
    decode: decode as GreedyDecode | undefined,
  };
  checkOptions(options);
  return { train, options, out };
}

if (import.meta.main) {
  const args = parseAmsSessionArgs(Deno.args);
  await initGpu();
  const { backbone, variant } = args.options;
  if (args.train) {
    const out = args.out ?? amsSessionCheckpoint(backbone, variant);
    const meta = await trainAmsSessionModel(
      backbone,
      variant,
      out,
      (r) => console.log(`step ${r.step}: total ${r.total.toFixed(4)} (${r.ms.toFixed(0)} ms)`),
    );
    console.log(`saved ${out} (${meta.reports.length} read-backs)`);
  } else {
    const report = await runAmsSession(args.options);
    console.log(formatDecisionTable(report));
    const out = args.out ??
      `out/ams_session/${backbone}_${variant}_n${args.options.nFacts}.json`;
    await Deno.mkdir(out.slice(0, Math.max(0, out.lastIndexOf("/"))) || ".", { recursive: true });
    await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
    console.log(`report: ${out} (${(report.wallMs / 1000).toFixed(1)} s)`);
  }
}
