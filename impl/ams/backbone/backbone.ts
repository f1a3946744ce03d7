/**
 * The frozen backbone AMS v4 reads (FluffyAIcode/AgentMemorySystem:ams_v4/bridge/backbone.py,
 * PR #30): what `MemLLM4` asks of a language model, and nothing more.
 *
 * - {@link Backbone.tokenize}: text → token ids (the backbone's default tokenisation, no chat
 *   template);
 * - {@link Backbone.pooledHidden}: a batch of token-id lists → the masked mean over each list's
 *   tokens of the last hidden states, `[B, d]` row-major (padding masked out, so a batch is
 *   ragged);
 * - {@link Backbone.tokenEmbeddings}: the token-embedding table with every row L2-normalised,
 *   `[vocabSize, d]` row-major (the topic encoder's centroid reads it);
 * - {@link Backbone.nextTokenLogits} (causal LMs only; absent for retrieval-only backbones): the
 *   logits of the token after each position, from input embeddings, so a soft prefix can be
 *   prepended to the embedded prompt.
 *
 * The interface is asynchronous because a GPU backbone reads its results back; a host backbone
 * resolves at once. Every method validates before it computes and leaves the backbone as it was
 * (backbones are frozen: nothing here trains them).
 *
 * @example A backbone's contract, on the lexical backbone
 * ```ts
 * import type { Backbone } from "./backbone.ts";
 * import { LexicalBackbone } from "./lexical.ts";
 * import { strictEqual } from "node:assert/strict";
 * const bb: Backbone = new LexicalBackbone({ d: 64 }).fit(["a red fox", "a blue whale"]);
 * const ids = bb.tokenize("The red whale");
 * const h = await bb.pooledHidden([ids, bb.tokenize("fox")]);
 * strictEqual(h.length, 2 * bb.d);
 * strictEqual(bb.nextTokenLogits, undefined); // retrieval only
 * ```
 *
 * @module
 */

/** What a backbone reads: a string, or UTF-8 bytes (decoded strictly). */
export type BackboneText = string | Uint8Array;

/** Next-token logits of a causal LM, from input embeddings. */
export interface NextTokenLogits {
  /**
   * The logits `[B, T, vocabSize]` row-major of the token after each of the `T` positions of
   * `inputEmbeds` (`[B, T, d]` row-major, e.g. a soft prefix followed by the embedded prompt),
   * with `mask` (`[B, T]`, 1 = attend, 0 = padding) when the batch is ragged.
   *
   * @throws {RangeError} when the shapes disagree or `T` exceeds the LM's context.
   */
  (inputEmbeds: Float32Array, batch: number, steps: number, mask?: Uint8Array): Promise<
    Float32Array
  >;
}

/** The frozen model MemLLM4 writes and queries through. */
export interface Backbone {
  /** A short name for reports, e.g. "lexical" or "bytelm". */
  readonly name: string;
  /** Width of the pooled hidden state and of the token-embedding rows (the original's d_LLM). */
  readonly d: number;
  /** Number of token ids; every id from {@link tokenize} is in [0, vocabSize). */
  readonly vocabSize: number;
  /**
   * The token ids of `text`.
   *
   * @throws {TypeError} when `text` is neither a string nor a Uint8Array, or its bytes are not
   *   valid UTF-8.
   * @throws {RangeError} when the text yields no token (a memory or query with no token has no
   *   pooled state).
   */
  tokenize(text: BackboneText): number[];
  /**
   * The masked-mean pooled last hidden state of each id list, `[ids.length, d]` row-major.
   *
   * @throws {RangeError} when the batch is empty, a list is empty, or an id is outside
   *   [0, vocabSize).
   */
  pooledHidden(ids: readonly (readonly number[])[]): Promise<Float32Array>;
  /** The token-embedding table, every row L2-normalised, `[vocabSize, d]` row-major. */
  tokenEmbeddings(): Float32Array;
  /** Next-token logits from input embeddings; undefined for a retrieval-only backbone. */
  readonly nextTokenLogits?: NextTokenLogits;
}

/**
 * The text of `text`: a string as it is, bytes decoded as strict UTF-8.
 *
 * @example
 * ```ts
 * import { decodeBackboneText } from "./backbone.ts";
 * import { strictEqual, throws } from "node:assert/strict";
 * strictEqual(decodeBackboneText(new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])), "café");
 * throws(() => decodeBackboneText(new Uint8Array([0x61, 0xff])), TypeError);
 * ```
 *
 * @throws {TypeError} when `text` is neither a string nor a Uint8Array, or its bytes are not
 *   valid UTF-8 (the message gives the offset of the first bad byte).
 */
export function decodeBackboneText(text: unknown, what = "text"): string {
  if (typeof text === "string") return text;
  if (!(text instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot read ${what}: expected a string or a Uint8Array of UTF-8 bytes but got ` +
        describe(text),
    );
  }
  const bad = firstInvalidUtf8(text);
  if (bad !== -1) {
    throw new TypeError(
      `Cannot read ${what}: expected valid UTF-8 bytes but got an invalid sequence at byte ` +
        `${bad} of ${text.length} (0x${text[bad]!.toString(16).padStart(2, "0")})`,
    );
  }
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(text);
}

/**
 * The offset of the first byte that starts an invalid UTF-8 sequence (overlong forms,
 * surrogates and code points above U+10FFFF included), or -1 when `b` is valid UTF-8.
 *
 * @example
 * ```ts
 * import { firstInvalidUtf8 } from "./backbone.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(firstInvalidUtf8(new Uint8Array([0x61, 0xe2, 0x82, 0xac])), -1); // "a€"
 * strictEqual(firstInvalidUtf8(new Uint8Array([0x61, 0xc0, 0xaf])), 1); // overlong "/"
 * ```
 *
 * @throws {TypeError} when `b` is not a Uint8Array.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  if (!(b instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot check UTF-8 bytes: expected a Uint8Array but got ${describe(b)}`,
    );
  }
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Continuation count and the allowed range of the second byte (RFC 3629, table 3-7 of
    // the Unicode standard): this excludes overlongs, surrogates and > U+10FFFF.
    let n: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c === 0xe0) (n = 2, lo = 0xa0);
    else if (c >= 0xe1 && c <= 0xec) n = 2;
    else if (c === 0xed) (n = 2, hi = 0x9f);
    else if (c >= 0xee && c <= 0xef) n = 2;
    else if (c === 0xf0) (n = 3, lo = 0x90);
    else if (c >= 0xf1 && c <= 0xf3) n = 3;
    else if (c === 0xf4) (n = 3, hi = 0x8f);
    else return i;
    if (i + n >= b.length) return i; // truncated sequence
    const b1 = b[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= n; k++) {
      const bk = b[i + k]!;
      if (bk < 0x80 || bk > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** A value's type for an error message. */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === "object") return `a ${(x as object).constructor?.name ?? "object"}`;
  if (typeof x === "string") return `the string ${JSON.stringify(x.slice(0, 40))}`;
  return `${typeof x} ${String(x)}`;
}
