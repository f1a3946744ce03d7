/**
 * ByteCodec claims (catalogue B1): round trip, id range, invalid UTF-8.
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

claimTest(CODEC_INVALID_UTF8, () => {
  let runs = 0;
  let throws = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      runs++;
      try {
        const s = decodeText(bytes);
        // Valid input round-trips; invalid input shows at least one U+FFFD.
        const valid = (() => {
          try {
            new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
            return true;
          } catch {
            return false;
          }
        })();
        return valid ? decodeText(encodeText(s)) === s : s.includes("\uFFFD");
      } catch {
        throws++;
        return false;
      }
    }),
    fcParams(200),
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
  return {
    figure: throws + wrong.length,
    bound: 0,
    pass: throws === 0 && wrong.length === 0,
    detail: `${runs} random byte strings, ${throws} threw; ${cases.length} ill-formed cases, ` +
      `${wrong.length} wrong${wrong.length ? `: ${wrong.map(([b]) => `[${b}]`).join(" ")}` : ""}`,
  };
});
