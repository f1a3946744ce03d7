/**
 * The lexical backbone: a deterministic, retrieval-only {@link Backbone} with no model, for
 * running AMS v4's session harness (FluffyAIcode/AgentMemorySystem:session_viability_v4.py,
 * PR #30) without a large LLM.
 *
 * Text → tokens, in order:
 * 1. lower-case (`String.prototype.toLowerCase`), `’` read as `'`;
 * 2. words = runs of Unicode letters and digits, with inner apostrophes (`dog's`, `don't`);
 *    a trailing `'s` is dropped (possessive), then the remaining apostrophes;
 * 3. stop words ({@link STOP_WORDS}, a fixed English list) are removed — unless every word of
 *    the text is one, in which case they are all kept (so only a text with no word at all has
 *    no token);
 * 4. each word is stemmed by {@link stem} (light suffix rules, documented there);
 * 5. token id = {@link hashStem}(stem) mod d: FNV-1a (32-bit) of the stem's UTF-8 bytes, so the
 *    vocabulary is the d hash buckets (distinct stems may share a bucket: at d = 1536, 6 pairs
 *    of the session harness's 143 stems do, e.g. favorit/blu).
 *
 * Pooled hidden state of an id list = its TF-IDF vector, L2-normalised: the per-token hidden
 * state of id b is idf(b)·e_b, their masked mean over the list's tokens is (tf ⊙ idf)/n with
 * tf(b) the raw count of b, and the mean is scaled to unit length (a cosine-only backbone; the
 * scale carries nothing). idf(b) = ln((1 + n)/(1 + df(b))) + 1 over the n documents the
 * backbone was fitted on (df(b) = how many contain b) — scikit-learn's TfidfVectorizer with
 * smooth_idf = True; an unfitted backbone has idf ≡ 1 (the formula at n = 0).
 * The token-embedding table is the identity: row b = e_b, already unit. No logits.
 * Everything is f64 on the host; {@link LexicalBackbone.pooledHidden} rounds to f32 once.
 *
 * @example Fit on the facts, retrieve by cosine
 * ```ts
 * import { LexicalBackbone } from "./lexical.ts";
 * import { ok } from "node:assert/strict";
 * const facts = ["My dog is named Max.", "I work as a software engineer."];
 * const bb = new LexicalBackbone({ d: 256 }).fit(facts);
 * const [f0, f1, q] = [...facts, "What is my dog's name?"].map((t) => bb.tfidf(bb.tokenize(t)));
 * const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
 * ok(dot(q!, f0!) > dot(q!, f1!)); // "dog" and "nam(e)" are shared
 * ```
 *
 * @module
 */
import { type Backbone, type BackboneText, decodeBackboneText, describe } from "./backbone.ts";

/**
 * The fixed English stop-word list: NLTK's `stopwords.words("english")` (179 words, the
 * contracted forms included, though the tokeniser splits them at the apostrophe).
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ("i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself " +
    "yourselves he him his himself she she's her hers herself it it's its itself they them " +
    "their theirs themselves what which who whom this that that'll these those am is are was " +
    "were be been being have has had having do does did doing a an the and but if or because " +
    "as until while of at by for with about against between into through during before after " +
    "above below to from up down in out on off over under again further then once here there " +
    "when where why how all any both each few more most other some such no nor not only own " +
    "same so than too very s t can will just don don't should should've now d ll m o re ve y " +
    "ain aren aren't couldn couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't haven " +
    "haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn " +
    "shouldn't wasn wasn't weren weren't won won't wouldn wouldn't").split(" "),
);

/** Default width: the original's d_LLM (Qwen2.5-1.5B's hidden size). */
export const LEXICAL_DEFAULT_D = 1536;

const VOWEL = /[aeiouy]/;

/** `w` without `suffix` when what remains has ≥ 3 letters and a vowel, else null. */
function strip(w: string, suffix: string): string | null {
  if (!w.endsWith(suffix)) return null;
  const rest = w.slice(0, w.length - suffix.length);
  return rest.length >= 3 && VOWEL.test(rest) ? rest : null;
}

/**
 * The light suffix stemmer. Words of fewer than 4 characters are kept; otherwise, in order:
 * 1. plural: `ies` → `y` (studies → study); `sses` → `ss`; `ches`/`shes`/`xes`/`zes` lose `es`
 *    (switches → switch); else a final `s` not after `s`, `u` or `i` is dropped
 *    (records → record; glass, virus, axis kept);
 * 2. `ing`, else `ed`, is dropped when ≥ 3 letters with a vowel remain (learning → learn,
 *    traveled → travel; string, bred kept);
 * 3. `ly` is dropped under the same condition (especially → especial);
 * 4. a final `e` is dropped when ≥ 3 letters with a vowel remain, so a verb and its `-ed`/`-ing`
 *    forms meet (name, named → nam; love, loved → lov).
 *
 * @example
 * ```ts
 * import { stem } from "./lexical.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(["studies", "switches", "traveled", "named", "name"].map(stem),
 *   ["study", "switch", "travel", "nam", "nam"]);
 * ```
 *
 * @throws {TypeError} when `word` is not a string.
 */
export function stem(word: string): string {
  checkString("stem a word", "word", word);
  let w = word;
  if (w.length < 4) return w;
  if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (/(?:ch|sh|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/[siu]s$/.test(w)) w = w.slice(0, -1);
  w = strip(w, "ing") ?? strip(w, "ed") ?? w;
  w = strip(w, "ly") ?? w;
  w = strip(w, "e") ?? w;
  return w;
}

/**
 * FNV-1a (32-bit) of the UTF-8 bytes of `s`, as an unsigned integer.
 *
 * @example
 * ```ts
 * import { hashStem } from "./lexical.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(hashStem(""), 2166136261); // the offset basis
 * strictEqual(hashStem("a"), 0xe40c292c); // the published FNV-1a test vector
 * ```
 *
 * @throws {TypeError} when `s` is not a string.
 */
export function hashStem(s: string): number {
  checkString("hash a stem", "the stem", s);
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The words of `text` before stop-word removal (steps 1–2 of the module doc). */
export function words(text: string): string[] {
  checkString("split words", "text", text);
  const out: string[] = [];
  const lower = text.toLowerCase().replaceAll("\u2019", "'");
  for (const m of lower.matchAll(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu)) {
    let w = m[0];
    if (w.endsWith("'s")) w = w.slice(0, -2);
    out.push(w);
  }
  return out;
}

function checkString(op: string, what: string, s: unknown): void {
  if (typeof s !== "string") {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a string but got ${describe(s)}`);
  }
}

/** Options of {@link LexicalBackbone}. */
export interface LexicalBackboneOptions {
  /** Hash buckets = vocabulary size = pooled width (default {@link LEXICAL_DEFAULT_D}). */
  readonly d?: number;
}

/**
 * The lexical backbone (see the module doc). Immutable: {@link LexicalBackbone.fit} returns a
 * new backbone with the fitted IDF.
 *
 * @example
 * ```ts
 * import { LexicalBackbone } from "./lexical.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * const bb = new LexicalBackbone({ d: 32 });
 * deepStrictEqual(bb.stems("What is my dog's name?"), ["dog", "nam"]);
 * const h = await bb.pooledHidden([bb.tokenize("dog dog name")]);
 * strictEqual(h.length, 32);
 * ```
 */
export class LexicalBackbone implements Backbone {
  /** The name reports print. */
  readonly name = "lexical";
  /** Hash buckets = pooled width. */
  readonly d: number;
  /** The vocabulary is the hash buckets. */
  readonly vocabSize: number;
  /** How many documents the IDF was fitted on (0: unfitted, idf ≡ 1). */
  readonly fittedOn: number;
  readonly #idf: Float64Array;

  /**
   * An unfitted lexical backbone of width `d` (idf ≡ 1; {@link LexicalBackbone.fit} fits one).
   *
   * @throws {RangeError} when `d` is not an integer in [1, 2^24].
   * @throws {TypeError} when `options` is not an object.
   */
  constructor(options: LexicalBackboneOptions = {}) {
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw new TypeError(
        `Cannot create a lexical backbone: expected an options object but got ${describe(options)}`,
      );
    }
    const d = options.d === undefined ? LEXICAL_DEFAULT_D : options.d; // null is refused below
    if (!Number.isInteger(d) || d < 1 || d > 1 << 24) {
      throw new RangeError(
        `Cannot create a lexical backbone: expected d (hash buckets) an integer in [1, 16777216] ` +
          `but got ${String(d)}`,
      );
    }
    this.d = d;
    this.vocabSize = d;
    this.fittedOn = 0;
    this.#idf = new Float64Array(d).fill(1);
  }

  /**
   * A backbone with the same d whose IDF is fitted on `documents`:
   * idf(b) = ln((1 + n)/(1 + df(b))) + 1.
   *
   * @throws {TypeError} when `documents` is not an array, or a document is not text.
   * @throws {RangeError} when `documents` is empty or a document has no token.
   */
  fit(documents: readonly BackboneText[]): LexicalBackbone {
    if (!Array.isArray(documents)) {
      throw new TypeError(
        `Cannot fit the lexical backbone: expected an array of documents but got ${
          describe(documents)
        }`,
      );
    }
    if (documents.length === 0) {
      throw new RangeError(
        "Cannot fit the lexical backbone: expected at least one document but got none",
      );
    }
    const df = new Float64Array(this.d);
    documents.forEach((doc, i) => {
      for (const b of new Set(this.tokenize(doc, `document ${i}`))) df[b] = df[b]! + 1;
    });
    const n = documents.length;
    const fitted = new LexicalBackbone({ d: this.d });
    const idf = fitted.#idf;
    for (let b = 0; b < this.d; b++) idf[b] = Math.log((1 + n) / (1 + df[b]!)) + 1;
    (fitted as { fittedOn: number }).fittedOn = n;
    return fitted;
  }

  /** A copy of the IDF table (length d). */
  idf(): Float64Array {
    return this.#idf.slice();
  }

  /**
   * The stems of `text` in order (steps 1–4 of the module doc).
   *
   * @throws {TypeError} when `text` is not a string or valid UTF-8 bytes.
   * @throws {RangeError} when the text has no word.
   */
  stems(text: BackboneText, what = "text"): string[] {
    const s = decodeBackboneText(text, what);
    const all = words(s);
    if (all.length === 0) {
      throw new RangeError(
        `Cannot tokenize ${what}: expected at least one word (a run of letters or digits) but ` +
          `got ${JSON.stringify(s.slice(0, 60))}`,
      );
    }
    const content = all.filter((w) => !STOP_WORDS.has(w));
    // A text of stop words only keeps them: every text with a word has a pooled state.
    return (content.length > 0 ? content : all).map((w) => stem(w.replaceAll("'", "")));
  }

  /** The token ids (hash buckets) of `text`. Throws as {@link LexicalBackbone.stems}. */
  tokenize(text: BackboneText, what = "text"): number[] {
    return this.stems(text, what).map((s) => hashStem(s) % this.d);
  }

  /**
   * The unit TF-IDF vector of one id list, in f64: normalise(Σ_t idf(b_t)·e_{b_t} / n).
   *
   * @throws {RangeError} when the list is empty or an id is outside [0, d).
   */
  tfidf(ids: readonly number[], what = "id list"): Float64Array {
    this.#checkIds(ids, what);
    const v = new Float64Array(this.d);
    for (const b of ids) v[b] = v[b]! + this.#idf[b]!;
    let ss = 0;
    for (let b = 0; b < this.d; b++) {
      v[b] = v[b]! / ids.length;
      ss += v[b]! * v[b]!;
    }
    const norm = Math.sqrt(ss); // > 0: every idf is ≥ 1
    for (let b = 0; b < this.d; b++) v[b] = v[b]! / norm;
    return v;
  }

  /**
   * The pooled hidden states `[ids.length, d]`: each list's {@link LexicalBackbone.tfidf} in f32.
   *
   * @throws {TypeError} when `ids` is not an array of arrays.
   * @throws {RangeError} when the batch or a list is empty, or an id is outside [0, d).
   */
  pooledHidden(ids: readonly (readonly number[])[]): Promise<Float32Array> {
    try {
      return Promise.resolve(this.pooledHiddenSync(ids));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** {@link LexicalBackbone.pooledHidden} without the promise (host backbones only). */
  pooledHiddenSync(ids: readonly (readonly number[])[]): Float32Array {
    if (!Array.isArray(ids)) {
      throw new TypeError(
        `Cannot pool hidden states: expected an array of id lists but got ${describe(ids)}`,
      );
    }
    if (ids.length === 0) {
      throw new RangeError("Cannot pool hidden states: expected at least one id list but got none");
    }
    ids.forEach((l, i) => this.#checkIds(l, `id list ${i}`));
    const out = new Float32Array(ids.length * this.d);
    ids.forEach((l, i) => out.set(this.tfidf(l), i * this.d));
    return out;
  }

  /** The identity table `[d, d]`: row b = e_b (unit, one-hot). A fresh copy each call. */
  tokenEmbeddings(): Float32Array {
    const t = new Float32Array(this.d * this.d);
    for (let b = 0; b < this.d; b++) t[b * this.d + b] = 1;
    return t;
  }

  #checkIds(ids: readonly number[], what: string): void {
    if (!Array.isArray(ids)) {
      throw new TypeError(
        `Cannot pool hidden states: expected ${what} to be an array of token ids but got ` +
          describe(ids),
      );
    }
    if (ids.length === 0) {
      throw new RangeError(
        `Cannot pool hidden states: expected at least one token in ${what} but got none`,
      );
    }
    ids.forEach((b, t) => {
      if (!Number.isInteger(b) || b < 0 || b >= this.d) {
        throw new RangeError(
          `Cannot pool hidden states: expected token ${t} of ${what} an integer id in ` +
            `[0, ${this.d}) but got ${String(b)}`,
        );
      }
    });
  }
}
