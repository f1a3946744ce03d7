/**
 * The session-viability harness of AMS v4 (FluffyAIcode/AgentMemorySystem:
 * session_viability_v4.py, PR #30), tier 0: the harness's plumbing with no model.
 *
 * The harness writes the first N facts (`--n-facts 10|20`) and asks the same 10 queries; an
 * answer is a hit when the query's keyword is a case-insensitive substring of it
 * ({@link substringHit}, the original's rule). Tier 0 replaces the LLM's answer by the text of
 * the top-1 fact by cosine of the backbone's pooled states ({@link FactStore}), so its
 * retrieval@1 is the floor any memory should beat, and it checks fact order, N selection and
 * keyword uniqueness on the way. {@link sessionTier0} returns the table a CLI prints.
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
