/**
 * Claims of AMS v4's backbone interface and memspec's lexical backbone
 * (impl/ams/backbone/backbone.ts, impl/ams/backbone/lexical.ts).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** What the backbone stands in for, and the lexical floor's definition. */
export const BACKBONE_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/bridge/backbone.py and " +
  "bridge/memllm.py (PR #30: masked-mean pooled last hidden state, normalised wte rows); " +
  "memspec's lexical backbone (impl/ams/backbone/lexical.ts)";

/** The TF-IDF convention the lexical backbone follows. */
export const TFIDF_SOURCE = "scikit-learn TfidfVectorizer (smooth_idf=True, raw counts, l2 " +
  "norm): idf = ln((1 + n)/(1 + df)) + 1";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** The documented tokeniser rules. */
export const BACKBONE_TOKENIZER = claim({
  id: "ams.backbone.property_tokenizer",
  statement: "the lexical backbone's tokeniser follows its documented rules, judged by a table " +
    "of words and texts with their expected stems written independently in the test: " +
    "lower-casing, possessive 's dropped, inner apostrophes split off, stop words removed (kept " +
    "only when every word is one), each stemming rule (ies → y, sses, ch/sh/x/z + es, final s " +
    "not after s/u/i, ing, ed, ly, final e; < 4 letters and vowel-less stems kept), Unicode " +
    "letters kept; ids are FNV-1a(stem) mod d (published FNV-1a test vectors); a text and its " +
    "UTF-8 bytes give the same ids",
  source: BACKBONE_SOURCE,
  bound: "words or texts whose stems or ids differ from the table == 0",
  direction: "==",
  kind: "property",
});

/** Pooled hidden state = normalised TF-IDF, as restated independently. */
export const BACKBONE_TFIDF = claim({
  id: "ams.backbone.property_tfidf",
  statement: "the pooled hidden state of every session fact and query is the L2-normalised " +
    "TF-IDF vector over the hash buckets (raw counts times idf = ln((1 + n)/(1 + df)) + 1, fitted " +
    "on the 20 facts), computed independently in the test from sparse counts; the f32 output is " +
    "the f64 vector rounded once; a ragged batch pools each list alone (padding never leaks)",
  source: `${BACKBONE_SOURCE}; ${TFIDF_SOURCE}`,
  bound: "max |impl − restated| <= 1e-14 (f64; a few roundings of sums of at most 40 terms); " +
    "f32 elements differing from fround(f64) == 0; batch-vs-alone differing elements == 0",
  kind: "property",
});

/** The token table and the masked mean through it. */
export const BACKBONE_TABLE = claim({
  id: "ams.backbone.property_token_table",
  statement: "the lexical backbone's token-embedding table is [vocabSize, d] with vocabSize = d " +
    "and row b = e_b (unit, one-hot); every token id is in [0, vocabSize); the masked mean over " +
    "a text's tokens of idf(id)·table[id], normalised, equals its pooled hidden state; it has no " +
    "next-token logits (retrieval only)",
  source: BACKBONE_SOURCE,
  bound: "rows off the identity == 0; max |masked-mean − pooled| <= 2^-24 (one f32 rounding of " +
    "unit entries); ids out of range == 0",
  kind: "property",
});

/** Bit-identical across instances and runs; unit norms. */
export const BACKBONE_DETERMINISM = claim({
  id: "ams.backbone.property_determinism",
  statement: "the lexical backbone is deterministic: two independently built and fitted " +
    "backbones give bit-identical pooled states for the 30 session strings (d = 1536, fitted on " +
    "the 20 facts), strings and their UTF-8 bytes agree bit for bit, and the FNV-1a digest of " +
    "the 30 f32 vectors equals the digest recorded when the claim was written (so every run, " +
    "on every machine, gives the same bits)",
  source: BACKBONE_SOURCE,
  bound: "differing bits between runs == 0; digest mismatches == 0",
  direction: "==",
  kind: "property",
});

/** Unit norms of every pooled state. */
export const BACKBONE_UNIT_NORM = claim({
  id: "ams.backbone.property_unit_norm",
  statement: "every pooled hidden state of the lexical backbone has unit L2 norm: the 30 " +
    "session strings and 300 random texts (fast-check: words drawn from the session vocabulary, " +
    "stop words and random letter runs, d from 1 to 2048, fitted or not)",
  source: BACKBONE_SOURCE,
  bound: "max |‖v‖₂ − 1| <= 2^-24 + 2^-50 (each f32 element within a relative 2^-24 of a unit " +
    "f64 vector, whose own norm is 1 within a few f64 ulps)",
  kind: "property",
});

/** Bad input → typed errors, backbone unchanged. */
export const BACKBONE_FAULT = claim({
  id: "ams.backbone.fault",
  statement: "the lexical backbone refuses a non-string non-bytes text, bytes that are not " +
    "UTF-8 (the message gives the offset of the first bad byte; truncated, overlong, surrogate " +
    "and > U+10FFFF sequences), an empty or word-less text, an empty batch or id list, an id " +
    "outside [0, d), a fractional id, a bad d, and fitting on nothing or on a word-less " +
    "document — each with a TypeError or RangeError naming what was wrong, and its IDF and " +
    "pooled states are bit-identical afterwards",
  source: `${BACKBONE_SOURCE} (memspec: typed errors)`,
  bound: "cases failing otherwise == 0",
  direction: "==",
  kind: "fault",
});
