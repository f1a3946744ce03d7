/**
 * ByteCodec claims (asuramaya/decepticons src/decepticons/codecs.py): round
 * trip, id range, invalid UTF-8.
 *
 * @module
 */
import fc from "fast-check";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import { decodeText, encodeText, ensureByteTokens } from "../../../impl/decepticons/codec/codec.ts";
import { CODEC_ID_RANGE, CODEC_INVALID_UTF8, CODEC_ROUND_TRIP } from "./claims.ts";

claimTest(CODEC_ROUND_TRIP, () => {
  let runs = 0;
  let mismatches = 0;
  const prop = (s: string) => {
    runs++;
    const back = decodeText(encodeText(s));
    if (back !== s) mismatches++;
    return back === s;
  };
  fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), prop), fcParams(100));
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), prop), fcParams(100));
  // Fixed cases: a leading byte-order mark (a default TextDecoder would drop it), 4-byte code
  // points at both ends of the astral range, NUL, the largest BMP code point.
  const fixed = ["\uFEFFbom", "😀𐍈", "\u{10FFFF}", "\0a\0", "\uFFFF", "", "é\u0301"];
  for (const s of fixed) prop(s);
  return {
    figure: mismatches,
    bound: 0,
    pass: mismatches === 0,
    detail: `${runs} strings (grapheme and full-Unicode units, plus ${fixed.length} fixed)`,
  };
});

claimTest(CODEC_ID_RANGE, () => {
  const deviations: string[] = [];
  if (decodeText([0, 255]) !== "\0\uFFFD") deviations.push("[0, 255] did not decode");
  if (ensureByteTokens([0, 255]).join() !== "0,255") deviations.push("[0, 255] not kept");
  const bad: [number[], number, string][] = [
    [[65, 256], 1, "256"],
    [[-1], 0, "-1"],
    [[1, 2, 1.5], 2, "1.5"],
    [[NaN], 0, "NaN"],
  ];
  for (const [ids, index, shown] of bad) {
    for (const fn of [decodeText, ensureByteTokens]) {
      try {
        fn(ids);
        deviations.push(`${fn.name}([${ids}]) did not throw`);
      } catch (e) {
        const ok = e instanceof RangeError && e.message.includes(`id ${shown} at index ${index}`);
        if (!ok) deviations.push(`${fn.name}([${ids}]): ${String(e)}`);
      }
    }
  }
  return {
    figure: deviations.length,
    bound: 0,
    pass: deviations.length === 0,
    detail: deviations.join("; ") || "0/255 accepted; 256, −1, 1.5, NaN rejected by index",
  };
});

/**
 * An independent reference: the WHATWG UTF-8 decoder (Encoding Standard §4.1),
 * byte by byte, replacing each maximal ill-formed subpart with one U+FFFD and
 * keeping a leading byte-order mark as text. Written from the standard, not
 * from the codec, so the codec's decoder is compared with something it does
 * not share.
 */
function referenceUtf8(bytes: ArrayLike<number>): string {
  let out = "";
  let needed = 0;
  let seen = 0;
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      if (b <= 0x7f) out += String.fromCodePoint(b);
      else if (b >= 0xc2 && b <= 0xdf) (needed = 1), (cp = b & 0x1f);
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x7;
      } else out += "\uFFFD";
      continue;
    }
    if (b < lower || b > upper) {
      needed = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      out += "\uFFFD";
      i--; // the byte starts afresh
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      out += String.fromCodePoint(cp);
      needed = seen = cp = 0;
    }
  }
  return needed === 0 ? out : out + "\uFFFD";
}

/**
 * Byte strings that stress a decoder: random bytes, valid UTF-8 of random text,
 * and valid text cut or spliced at random points (truncated sequences, stray
 * continuations), each optionally behind a byte-order mark.
 */
const utf8Bytes = fc.tuple(
  fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string({ unit: "binary", maxLength: 24 }).map((s) => new TextEncoder().encode(s)),
    fc.tuple(
      fc.string({ unit: "binary", minLength: 1, maxLength: 16 }),
      fc.nat(),
      fc.nat(),
      fc.uint8Array({ maxLength: 3 }),
    ).map(([s, cut, at, junk]) => {
      const b = new TextEncoder().encode(s);
      const c = cut % (b.length + 1);
      const head = b.subarray(0, c);
      const i = at % (head.length + 1);
      return Uint8Array.from([...head.subarray(0, i), ...junk, ...head.subarray(i)]);
    }),
  ),
  fc.boolean(),
).map(([b, bom]) => (bom ? Uint8Array.from([0xef, 0xbb, 0xbf, ...b]) : b));

claimTest(CODEC_INVALID_UTF8, () => {
  let runs = 0;
  let throws = 0;
  let differ = 0;
  fc.assert(
    fc.property(utf8Bytes, (bytes) => {
      runs++;
      try {
        const s = decodeText(bytes);
        const ok = s === referenceUtf8(bytes);
        if (!ok) differ++;
        return ok;
      } catch {
        throws++;
        return false;
      }
    }),
    fcParams(300),
  );
  // Known ill-formed sequences: lone continuation, truncated 2/3/4-byte, overlong, surrogate
  // encoding, bytes F5..FF.
  const cases: [number[], string][] = [
    [[0x80], "\uFFFD"],
    [[0x61, 0xc3], "a\uFFFD"],
    [[0xe2, 0x82], "\uFFFD"],
    [[0xf0, 0x9f, 0x98], "\uFFFD"],
    [[0xc0, 0xaf], "\uFFFD\uFFFD"],
    [[0xed, 0xa0, 0x80], "\uFFFD\uFFFD\uFFFD"],
    [[0xff, 0x41], "\uFFFDA"],
  ];
  const wrong = cases.filter(([b, want]) => decodeText(b) !== want);
  const refWrong = cases.filter(([b, want]) => referenceUtf8(b) !== want);
  if (refWrong.length > 0) {
    throw new Error(`the reference decoder is wrong on ${refWrong.length} cases`);
  }
  return {
    figure: throws + differ + wrong.length,
    bound: 0,
    pass: throws === 0 && differ === 0 && wrong.length === 0,
    detail: `${runs} byte strings (random, valid, cut and spliced, with and without a BOM): ` +
      `${differ} differ from the WHATWG reference, ${throws} threw; ${cases.length} ill-formed cases, ` +
      `${wrong.length} wrong${wrong.length ? `: ${wrong.map(([b]) => `[${b}]`).join(" ")}` : ""}`,
  };
});
