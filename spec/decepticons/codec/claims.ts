/**
 * Claims of the byte codec (ByteCodec): round trip, id range, invalid UTF-8.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const CODEC = "asuramaya/decepticons v0.1.3 src/decepticons/codecs.py, ByteCodec";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

// --- codec (src/decepticons/codecs.py) ---

/** encode then decode returns the string. */
export const CODEC_ROUND_TRIP = claim({
  id: "decepticons.codec.property_round_trip",
  statement: "decodeText(encodeText(s)) == s for every well-formed Unicode string, multi-byte " +
    "and a leading U+FEFF included",
  source: `${CODEC} (encode_text / decode_text)`,
  bound: "0 mismatches over >= 100 grapheme strings and >= 100 full-Unicode strings",
  kind: "property",
});

/** Byte ids outside 0..255 are rejected. */
export const CODEC_ID_RANGE = claim({
  id: "decepticons.codec.property_id_range",
  statement: "ids 0 and 255 decode; 256, −1, 1.5 and NaN are rejected with a RangeError naming " +
    "the id and its index",
  source: `${CODEC}, ensure_byte_tokens; tests/test_codecs.py`,
  bound: "every case behaves as stated (0 deviations)",
  kind: "fault",
  divergence: "The original raises ValueError; TypeScript has no ValueError, so RangeError.",
});

/** Invalid UTF-8 decodes to U+FFFD, never throws. */
export const CODEC_INVALID_UTF8 = claim({
  id: "decepticons.codec.property_invalid_utf8",
  statement: "invalid UTF-8 decodes with U+FFFD replacements and never throws on byte values",
  source: `${CODEC}, decode_text (bytes.decode('utf-8', errors='replace'))`,
  bound: "0 throws over >= 200 random byte strings; every known ill-formed case gives U+FFFD; " +
    "valid input gives no U+FFFD",
  kind: "property",
});
