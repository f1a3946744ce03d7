/**
 * The session-viability harness of AMS v4 (FluffyAIcode/AgentMemorySystem:
 * session_viability_v4.py, PR #30): tier 0, the harness's plumbing with no model, and tiers 1 and 2 on MemLLM4.
 *
 * The harness writes the first N facts (`--n-facts 10|20`) and asks the same 10 queries; an
 * answer is a hit when the query's keyword is a case-insensitive substring of it
 * ({@link substringHit}, the original's rule). Tier 0 replaces the LLM's answer by the text of
 * the top-1 fact by cosine of the backbone's pooled states ({@link FactStore}), so its
 * retrieval@1 is the floor any memory should beat, and it checks fact order, N selection and
 * keyword uniqueness on the way. {@link sessionTier0} returns the table a CLI prints.
 *
 * Tier 1 ({@link sessionTier1}) runs MemLLM4's write path on the N facts and measures, with no
 * LLM, the retrieval step of the original's mode C (R_C: the topic tree's top-1 for the bare
 * query with empty content ids) and whether the gold fact dominates mode A's prefix (R_A: the
 * largest slot-weighted attention mass for "User: q\nAssistant:"), beside the flat-cosine top-1
 * on the same backbone. Tier 2, the extractive reader (the answer is the chosen fact's text),
 * equals tier 1 by construction, since each keyword occurs only in its gold fact.
 *
 * @example The lexical floor at N = 10
 * ```ts
 * import { sessionTier0 } from "./session.ts";
 * import { strictEqual } from "node:assert/strict";
 * const t = await sessionTier0({ nFacts: 10 });
 * strictEqual(t.rows.length, 10);
 * strictEqual(t.rows.filter((r) => !r.hit).map((r) => r.query).join(), "What is my job?");
 * ```
 *
 * @module
 */
import { type Backbone, type BackboneText, describe } from "../backbone/backbone.ts";
import { LexicalBackbone } from "../backbone/lexical.ts";
import { MemLLM4, slotWeightedMass } from "../mem_llm/mem_llm.ts";
import { SESSION_FACTS, SESSION_N_FACTS, SESSION_QUERIES } from "./session_data.ts";

/**
 * The original's hit rule: `keyword.lower() in answer.lower()`. It accepts a keyword inside a
 * longer word ("max" in "maximum"); see {@link wordHit}.
 *
 * @example
 * ```ts
 * import { substringHit } from "./session.ts";
 * import { ok } from "node:assert/strict";
 * ok(substringHit("The MAXIMUM is 3", "max"));
 * ```
 *
 * @throws {TypeError} when `answer` or `keyword` is not a string.
 */
export function substringHit(answer: string, keyword: string): boolean {
  checkTexts(answer, keyword);
  return answer.toLowerCase().includes(keyword.toLowerCase());
}

/**
 * memspec's stricter rule: the keyword occurs as a whole word (case-insensitive; not preceded
 * or followed by a letter or digit).
 *
 * @example
 * ```ts
 * import { wordHit } from "./session.ts";
 * import { ok } from "node:assert/strict";
 * ok(wordHit("His name is Max.", "max") && !wordHit("The maximum is 3", "max"));
 * ```
 *
 * @throws {TypeError} when `answer` or `keyword` is not a string.
 */
export function wordHit(answer: string, keyword: string): boolean {
  checkTexts(answer, keyword);
  const a = answer.toLowerCase(), k = keyword.toLowerCase();
  if (k.length === 0) return false;
  const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  for (let i = a.indexOf(k); i !== -1; i = a.indexOf(k, i + 1)) {
    if (!isWordChar(a[i - 1]) && !isWordChar(a[i + k.length])) return true;
  }
  return false;
}

function checkTexts(answer: unknown, keyword: unknown): void {
  for (const [what, s] of [["answer", answer], ["keyword", keyword]] as const) {
    if (typeof s !== "string") {
      throw new TypeError(
        `Cannot test a keyword hit: expected ${what} to be a string but got ${describe(s)}`,
      );
    }
  }
}

/** One retrieved fact. */
export interface Retrieved {
  /** The fact's write index. */
  readonly index: number;
  /** Cosine of the query's and the fact's pooled states (f64 over the f32 states). */
  readonly score: number;
}

/**
 * A flat store of written texts and their pooled states, retrieved by cosine (ties: the lower
 * write index first). A write either completes or changes nothing.
 *
 * @example
 * ```ts
 * import { FactStore } from "./session.ts";
 * import { LexicalBackbone } from "../backbone/lexical.ts";
 * import { strictEqual } from "node:assert/strict";
 * const store = new FactStore(new LexicalBackbone({ d: 128 }));
 * await store.write("My dog is named Max.");
 * await store.write("I play the piano.");
 * strictEqual((await store.retrieve("piano lessons", 1))[0]!.index, 1);
 * ```
 */
export class FactStore {
  /** The backbone that pools every text. */
  readonly backbone: Backbone;
  readonly #texts: string[] = [];
  readonly #states: Float32Array[] = [];

  /**
   * An empty store whose texts `backbone` pools.
   *
   * @throws {TypeError} when `backbone` lacks tokenize or pooledHidden.
   */
  constructor(backbone: Backbone) {
    if (
      typeof backbone !== "object" || backbone === null ||
      typeof backbone.tokenize !== "function" || typeof backbone.pooledHidden !== "function"
    ) {
      throw new TypeError(
        `Cannot create a fact store: expected a Backbone (tokenize, pooledHidden) but got ${
          describe(backbone)
        }`,
      );
    }
    this.backbone = backbone;
  }

  /** How many facts are stored. */
  get size(): number {
    return this.#texts.length;
  }

  /** The stored texts, in write order (a copy). */
  texts(): string[] {
    return [...this.#texts];
  }

  /**
   * Pools `text` and stores it; returns its index. Nothing is stored when it throws.
   *
   * @throws {TypeError} when `text` is not a string or valid UTF-8 bytes.
   * @throws {RangeError} when the text has no token.
   */
  async write(text: BackboneText): Promise<number> {
    const ids = this.backbone.tokenize(text);
    const h = await this.backbone.pooledHidden([ids]);
    const s = typeof text === "string" ? text : new TextDecoder().decode(text);
    this.#texts.push(s);
    this.#states.push(h.slice(0, this.backbone.d));
    return this.#texts.length - 1;
  }

  /**
   * The k facts of highest cosine with `query`, best first (ties: lower index first).
   *
   * @throws {RangeError} when the store is empty, k is not an integer ≥ 1, or the query has no
   *   token.
   * @throws {TypeError} when `query` is not a string or valid UTF-8 bytes.
   */
  async retrieve(query: BackboneText, k: number): Promise<Retrieved[]> {
    if (this.#texts.length === 0) {
      throw new RangeError(
        "Cannot retrieve from the fact store: expected at least one written fact but the store " +
          "is empty",
      );
    }
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(
        `Cannot retrieve from the fact store: expected k an integer >= 1 but got ${String(k)}`,
      );
    }
    const q = await this.backbone.pooledHidden([this.backbone.tokenize(query)]);
    const scored = this.#states.map((f, index) => ({ index, score: cosine(q, f) }));
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return scored.slice(0, k);
  }
}

/**
 * Cosine in f64 of two f32 vectors of the same length (0 when either is zero).
 *
 * @throws {TypeError} when a or b is not a Float32Array of one length. @throws {RangeError}
 *   when a value is not finite.
 */
export function cosine(a: Float32Array, b: Float32Array): number {
  for (const [what, x] of [["a", a], ["b", b]] as const) {
    if (!(x instanceof Float32Array) || x.length !== a.length) {
      throw new TypeError(
        `Cannot compute a cosine: expected ${what} to be a Float32Array of the length of a ` +
          `but got ${describe(x)}`,
      );
    }
    const bad = x.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot compute a cosine: expected ${what} finite but ${what}[${bad}] is ${x[bad]}`,
      );
    }
  }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i]!, y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** One query's row of the tier-0 table. */
export interface Tier0Row {
  /** The query, as asked. */
  readonly query: string;
  /** Its expected keyword. */
  readonly keyword: string;
  /** Its gold fact's index (= the query's index). */
  readonly gold: number;
  /** The top-3 retrieved fact indices, best first. */
  readonly top3: readonly number[];
  /** The top-1 fact's cosine. */
  readonly top1Score: number;
  /** The top-1 fact contains the keyword (the original's substring rule). */
  readonly hit: boolean;
  /** The top-1 fact contains the keyword as a whole word ({@link wordHit}). */
  readonly wordHit: boolean;
  /** One of the top-3 facts contains the keyword (substring rule). */
  readonly hitTop3: boolean;
}

/** The tier-0 decision table. */
export interface Tier0Table {
  /** N, the number of facts written. */
  readonly nFacts: number;
  /** The backbone's name. */
  readonly backbone: string;
  /** The facts written, in write order. */
  readonly facts: readonly string[];
  /** One row per query. */
  readonly rows: readonly Tier0Row[];
  /** Queries whose top-1 fact contains the keyword. */
  readonly hits: number;
  /** hits / queries. */
  readonly retrievalAt1: number;
  /** Queries with the keyword in one of the top-3 facts, / queries. */
  readonly top3: number;
}

/** A backbone, or a function making one from the facts to be written (e.g. fitting an IDF). */
export type BackboneChoice = Backbone | ((facts: readonly string[]) => Backbone);

/** Options of {@link sessionTier0}. */
export interface SessionTier0Options {
  /** How many facts to write: 10 or 20 (the original's `--n-facts`). */
  readonly nFacts: number;
  /** Default: the lexical backbone fitted on the N facts written. */
  readonly backbone?: BackboneChoice;
}

/**
 * Tier 0 of the session gate: write the first N facts, ask the 10 queries, and score each by
 * the original's hit rule on the top-1 fact by cosine (retrieval@1) and on the top 3.
 *
 * @example
 * ```ts
 * import { sessionTier0 } from "./session.ts";
 * import { strictEqual } from "node:assert/strict";
 * const t = await sessionTier0({ nFacts: 20 });
 * strictEqual(t.facts.length, 20);
 * strictEqual(t.retrievalAt1, 0.9);
 * ```
 *
 * @throws {RangeError} when nFacts is not 10 or 20.
 * @throws {TypeError} when options or backbone are malformed.
 */
export async function sessionTier0(options: SessionTier0Options): Promise<Tier0Table> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot run session tier 0: expected an options object but got ${describe(options)}`,
    );
  }
  const { nFacts } = options;
  if (typeof nFacts !== "number") {
    throw new TypeError(
      `Cannot run session tier 0: expected nFacts a number (10 or 20) but got ${describe(nFacts)}`,
    );
  }
  if (!SESSION_N_FACTS.includes(nFacts)) {
    throw new RangeError(
      `Cannot run session tier 0: expected nFacts ${SESSION_N_FACTS.join(" or ")} but got ` +
        String(nFacts),
    );
  }
  const facts = SESSION_FACTS.slice(0, nFacts);
  const choice = options.backbone ?? ((fs: readonly string[]) => new LexicalBackbone().fit(fs));
  const backbone: unknown = typeof choice === "function" ? choice(facts) : choice;
  const bb = backbone as Partial<Backbone> | null;
  if (
    typeof bb !== "object" || bb === null || typeof bb.tokenize !== "function" ||
    typeof bb.pooledHidden !== "function"
  ) {
    throw new TypeError(
      `Cannot run session tier 0: expected backbone to be a Backbone (tokenize, pooledHidden) ` +
        `or a function of the facts returning one, but got ${describe(backbone)}`,
    );
  }
  const store = new FactStore(bb as Backbone);
  for (const f of facts) await store.write(f);
  const rows: Tier0Row[] = [];
  for (const [gold, { query, keyword }] of SESSION_QUERIES.entries()) {
    const top = await store.retrieve(query, 3);
    const top1 = facts[top[0]!.index]!;
    rows.push({
      query,
      keyword,
      gold,
      top3: top.map((r) => r.index),
      top1Score: top[0]!.score,
      hit: substringHit(top1, keyword),
      wordHit: wordHit(top1, keyword),
      hitTop3: top.some((r) => substringHit(facts[r.index]!, keyword)),
    });
  }
  const hits = rows.filter((r) => r.hit).length;
  return {
    nFacts,
    backbone: (bb as Backbone).name,
    facts: store.texts(),
    rows,
    hits,
    retrievalAt1: hits / rows.length,
    top3: rows.filter((r) => r.hitTop3).length / rows.length,
  };
}

// --- Tiers 1 and 2 ---------------------------------------------------------------------------

/** The mode-A prompt of the harness for query `q`. */
export function promptA(q: string): string {
  if (typeof q !== "string") {
    throw new TypeError(`Cannot build the mode-A prompt: expected a string but got ${describe(q)}`);
  }
  return `User: ${q}\nAssistant:`;
}

/** One query's row of the tier-1 table (and its tier-2 extractive answers). */
export interface Tier1Row {
  /** The query, as asked. */
  readonly query: string;
  /** Its expected keyword. */
  readonly keyword: string;
  /** Its gold fact's index (= the query's index = the gold entry's mid). */
  readonly gold: number;
  /** Mode C's retrieval: the topic tree's top-1 fact for the bare query with empty content ids. */
  readonly rcTop1: number;
  /** rcTop1 is the gold fact. */
  readonly rcHit: boolean;
  /** The fact holding the most slot-weighted attention mass for the mode-A prompt. */
  readonly raTop1: number;
  /** raTop1 is the gold fact. */
  readonly raHit: boolean;
  /** Slot-weighted attention mass per fact (0 for a fact the top-k filter left out). */
  readonly raMass: readonly number[];
  /** The flat-cosine top-1 fact (cosine of the pooled bare query and each pooled fact). */
  readonly flatTop1: number;
  /** flatTop1 is the gold fact. */
  readonly flatHit: boolean;
  /** Tier 2, mode A: the extractive reader's answer (the text of fact raTop1). */
  readonly tier2A: string;
  /** Tier 2, mode A: the original's substring rule on that answer. */
  readonly tier2AHit: boolean;
  /** Tier 2, mode C: the extractive reader's answer (the text of fact rcTop1). */
  readonly tier2C: string;
  /** Tier 2, mode C: the substring rule on that answer. */
  readonly tier2CHit: boolean;
}

/** The tier-1 (and tier-2) decision table. */
export interface Tier1Table {
  /** N, the number of facts written. */
  readonly nFacts: number;
  /** The backbone's name. */
  readonly backbone: string;
  /** The top-k filter of the model (null: attention over every entry, the original). */
  readonly retrievalTopK: number | null;
  /** One row per query. */
  readonly rows: readonly Tier1Row[];
  /** R_C: queries whose mode-C top-1 is the gold fact, / queries. */
  readonly rC: number;
  /** R_A: queries whose gold fact holds the most attention mass, / queries. */
  readonly rA: number;
  /** The flat-cosine top-1 rate on the same backbone. */
  readonly flat: number;
  /** Tier 2 hit rate of mode A (the substring rule on the extractive answer). */
  readonly tier2A: number;
  /** Tier 2 hit rate of mode C. */
  readonly tier2C: number;
  /** Wall time of the N writes, ms. */
  readonly writeMs: number;
  /** Mean wall time per query of mode C's tree retrieval (pool, encode, tree), ms. */
  readonly retrieveMsC: number;
  /** Mean wall time per query of mode A's decode context (pool, attend, read back), ms. */
  readonly prefixMsA: number;
}

/** Options of {@link sessionTier1}. */
export interface SessionTier1Options {
  /** How many facts to write: 10 or 20. */
  readonly nFacts: number;
  /** A model to use (it is reset first, and kept); its backbone is used. */
  readonly model?: MemLLM4;
  /**
   * Makes the model from the backbone when `model` is not given (it is disposed at the end);
   * default a seed-0 MemLLM4 with d_LLM = backbone.d.
   */
  readonly makeModel?: (backbone: Backbone) => MemLLM4;
  /** When `model` is not given: default the lexical backbone fitted on the N facts written. */
  readonly backbone?: BackboneChoice;
}

/** The first index of the largest value (ties: the lower index). */
function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/**
 * Tier 1 of the session gate: write the first N facts into a fresh store of the model, then for
 * each query measure R_C (the topic tree's top-1 for the pooled bare query with empty content
 * ids, as the original's mode C retrieves), R_A (the fact with the largest slot-weighted
 * attention mass Σ_b slots_b·ā_b, ā_b the head-averaged weights of bundle b, for the pooled
 * mode-A prompt "User: q\nAssistant:") and the flat-cosine top-1 on the same backbone. Tier 2
 * reads the answer off the chosen fact (the extractive reader) and scores it with the substring
 * rule; since each keyword occurs only in its gold fact, tier 2 equals tier 1 row by row.
 *
 * @example The lexical backbone, v4 fresh
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { sessionTier1 } from "./session.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const t = await sessionTier1({ nFacts: 10 });
 * strictEqual(t.rows.length, 10);
 * strictEqual(t.flat, 0.9); // the lexical floor
 * strictEqual(t.tier2A, t.rA);
 * ```
 *
 * @throws {RangeError} when nFacts is not 10 or 20.
 * @throws {TypeError} when options, the backbone or the model are malformed.
 */
export async function sessionTier1(options: SessionTier1Options): Promise<Tier1Table> {
  const op = "run session tier 1";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${op}: expected an options object but got ${describe(options)}`);
  }
  const { nFacts } = options;
  if (typeof nFacts !== "number" || !SESSION_N_FACTS.includes(nFacts)) {
    throw new RangeError(
      `Cannot ${op}: expected nFacts ${SESSION_N_FACTS.join(" or ")} but got ${describe(nFacts)}`,
    );
  }
  const facts: readonly string[] = SESSION_FACTS.slice(0, nFacts);
  let model: MemLLM4;
  let owned = false;
  if (options.model !== undefined) {
    if (!(options.model instanceof MemLLM4)) {
      throw new TypeError(
        `Cannot ${op}: expected model to be a MemLLM4 but got ${describe(options.model)}`,
      );
    }
    if (options.model.disposed) {
      throw new TypeError(`Cannot ${op}: expected a live MemLLM4 but it was disposed`);
    }
    model = options.model;
  } else {
    const choice = options.backbone === undefined
      ? (fs: readonly string[]) => new LexicalBackbone().fit(fs)
      : options.backbone;
    const bb: unknown = typeof choice === "function" ? choice(facts) : choice;
    const b = bb as Partial<Backbone> | null;
    if (
      b === null || typeof b !== "object" || typeof b.tokenize !== "function" ||
      typeof b.pooledHidden !== "function" || typeof b.d !== "number"
    ) {
      throw new TypeError(
        `Cannot ${op}: expected backbone to be a Backbone (d, tokenize, pooledHidden) for the ` +
          `MemLLM4, or a function of the facts returning one, but got ${describe(bb)}`,
      );
    }
    const make = options.makeModel === undefined
      ? (b: Backbone) => new MemLLM4({ cfg: { d_LLM: b.d }, backbone: b, seed: 0 })
      : options.makeModel;
    if (typeof make !== "function") {
      throw new TypeError(
        `Cannot ${op}: expected makeModel to be a function but got ${describe(make)}`,
      );
    }
    model = make(bb as Backbone);
    if (!(model instanceof MemLLM4)) {
      throw new TypeError(
        `Cannot ${op}: expected makeModel to return a MemLLM4 but got ${describe(model)}`,
      );
    }
    owned = true;
  }
  try {
    model.reset();
    const bb = model.backbone;
    const d = model.cfg.d_LLM;
    const t0 = performance.now();
    for (const f of facts) await model.write(f);
    const writeMs = performance.now() - t0;
    const factH = await bb.pooledHidden(facts.map((f) => bb.tokenize(f)));
    const rows: Tier1Row[] = [];
    let cMs = 0, aMs = 0;
    for (const [gold, { query, keyword }] of SESSION_QUERIES.entries()) {
      const tc = performance.now();
      const qh = (await bb.pooledHidden([bb.tokenize(query)])).slice(0, d);
      const dirn = (await model.queryDirns(qh)).topic;
      const rcTop1 = model.store.retrieve("topic", dirn)[0]!.mid;
      cMs += performance.now() - tc;
      const ta = performance.now();
      const ctx = await model.prepareDecodeContext(promptA(query));
      aMs += performance.now() - ta;
      const mass = slotWeightedMass(ctx.attention, model.cfg);
      const raMass = new Array<number>(nFacts).fill(0);
      ctx.entryIds.forEach((mid, j) => (raMass[mid] = mass[j]!));
      const raTop1 = ctx.entryIds[argmax(mass)]!;
      const cos = facts.map((_, i) => cosine(qh, factH.slice(i * d, (i + 1) * d)));
      const flatTop1 = argmax(cos);
      rows.push({
        query,
        keyword,
        gold,
        rcTop1,
        rcHit: rcTop1 === gold,
        raTop1,
        raHit: raTop1 === gold,
        raMass,
        flatTop1,
        flatHit: flatTop1 === gold,
        tier2A: facts[raTop1]!,
        tier2AHit: substringHit(facts[raTop1]!, keyword),
        tier2C: facts[rcTop1]!,
        tier2CHit: substringHit(facts[rcTop1]!, keyword),
      });
    }
    const rate = (f: (r: Tier1Row) => boolean) => rows.filter(f).length / rows.length;
    return {
      nFacts,
      backbone: bb.name,
      retrievalTopK: model.retrievalTopK ?? null,
      rows,
      rC: rate((r) => r.rcHit),
      rA: rate((r) => r.raHit),
      flat: rate((r) => r.flatHit),
      tier2A: rate((r) => r.tier2AHit),
      tier2C: rate((r) => r.tier2CHit),
      writeMs,
      retrieveMsC: cMs / rows.length,
      prefixMsA: aMs / rows.length,
    };
  } finally {
    if (owned) model.dispose();
  }
}
