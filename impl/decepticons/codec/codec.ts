/**
 * ByteCodec: text ↔ byte ids. Text is encoded as its UTF-8 bytes; byte ids
 * decode back through UTF-8 with every ill-formed sequence replaced by U+FFFD,
 * so decoding never throws on byte values. Ids outside 0..255 (or not
 * integers) are rejected with a RangeError naming the first bad id and its
 * index. A leading byte-order mark is kept as text (U+FEFF), not stripped,
 * so the round trip holds for every well-formed string.
 *
 * @example Round trip and replacement
 * ```ts
 * import { decodeText, encodeText } from "./codec.ts";
 * const ids = encodeText("héllo");
 * if (ids.length !== 6 || decodeText(ids) !== "héllo") throw new Error("round trip");
 * if (decodeText([0x68, 0xff, 0x69]) !== "h\uFFFDi") throw new Error("replacement");
 * ```
 *
 * @module
 */

const ENCODER = new TextEncoder();
// ignoreBOM: a leading EF BB BF is the text U+FEFF, not a marker to drop.
const DECODER = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** The UTF-8 bytes of `text`. Lone surrogates (ill-formed UTF-16) encode as U+FFFD. */
export function encodeText(text: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot encode text (encodeText): expected a string, got ${typeof text}`);
  }
  return ENCODER.encode(text);
}

/**
 * Checks that every id is an integer byte value and returns them as bytes.
 *
 * @throws {RangeError} naming the first id outside 0..255 (or not an integer) and its index.
 */
export function ensureByteTokens(ids: ArrayLike<number>, what = "byte ids"): Uint8Array {
  if (typeof what !== "string") {
    throw new TypeError(
      `Cannot run ensureByteTokens: expected the name of the ids to be a string, got ${typeof what}`,
    );
  }
  return byteTokens(ids, what, "ensureByteTokens");
}

function byteTokens(ids: ArrayLike<number>, what: string, op: string): Uint8Array {
  if (ids instanceof Uint8Array) return ids;
  const list = Array.isArray(ids) || (ArrayBuffer.isView(ids) && !(ids instanceof DataView));
  if (!list) {
    throw new TypeError(
      `Cannot use ${what} (${op}): expected an array or typed array of byte ids, got ` +
        (ids === null ? "null" : typeof ids),
    );
  }
  const out = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new (typeof v === "number" ? RangeError : TypeError)(
        `Cannot use ${what} (${op}): id ${v} at index ${i} is outside 0..255, expected an ` +
          "integer byte value",
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Decodes byte ids as UTF-8; ill-formed sequences become U+FFFD (never throws on bytes).
 *
 * @throws {RangeError} naming the first id outside 0..255 and its index.
 */
export function decodeText(ids: ArrayLike<number>): string {
  return DECODER.decode(byteTokens(ids, "ids as text", "decodeText"));
}

/**
 * The codec as one namespace, mirroring the original's `ByteCodec`.
 *
 * @example
 * ```ts
 * import { ByteCodec } from "./codec.ts";
 * if (ByteCodec.decodeText(ByteCodec.encodeText("ab")) !== "ab") throw new Error("codec");
 * ```
 */
export const ByteCodec: {
  readonly vocabSize: 256;
  readonly encodeText: typeof encodeText;
  readonly decodeText: typeof decodeText;
  readonly ensureByteTokens: typeof ensureByteTokens;
} = Object.freeze({ vocabSize: 256, encodeText, decodeText, ensureByteTokens });
