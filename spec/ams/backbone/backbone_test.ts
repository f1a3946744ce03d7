/**
 * Proofs of the lexical backbone's claims (./claims.ts). The expected stems, the TF-IDF
 * weighting and the masked mean are restated here, not imported from the implementation.
 *
 * @module
 */
import fc from "fast-check";
import type { Backbone } from "../../../impl/ams/backbone/backbone.ts";
import { hashStem, LexicalBackbone } from "../../../impl/ams/backbone/lexical.ts";
import { SESSION_FACTS, SESSION_QUERIES } from "../../../impl/ams/session/session_data.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkFaults, type FaultCase, faultMeasurement } from "../../_harness/fault_case.ts";
import { fcParams, replayHint } from "../../_harness/fuzz.ts";
import {
  BACKBONE_DETERMINISM,
  BACKBONE_FAULT,
  BACKBONE_TABLE,
  BACKBONE_TFIDF,
  BACKBONE_TOKENIZER,
  BACKBONE_UNIT_NORM,
} from "./claims.ts";

/** The 30 strings of the session harness: 20 facts, then 10 queries. */
const SESSION_STRINGS = [...SESSION_FACTS, ...SESSION_QUERIES.map((q) => q.query)];

/** The harness's width (the original's d_LLM). */
const D = 1536;

/**
 * FNV-1a (32-bit) of the bytes of the 30 session strings' f32 pooled states (d = 1536, fitted on
 * the 20 facts), recorded when the determinism claim was written.
 */
const RECORDED_DIGEST = 0x415c8691;

/** Words and their stems by the documented rules (one rule or guard per line). */
const STEM_TABLE: readonly (readonly [string, string])[] = [
  ["studies", "study"], // ies → y
  ["ties", "tie"], // 4 letters: not ies → y; final s dropped, then e kept (< 3 left)
  ["classes", "class"], // sses → ss
  ["switches", "switch"], // ches → ch
  ["wishes", "wish"], // shes → sh
  ["boxes", "box"], // xes → x
  ["buzzes", "buzz"], // zes → z
  ["records", "record"], // final s
  ["glass", "glass"], // s after s kept
  ["virus", "virus"], // s after u kept
  ["axis", "axis"], // s after i kept
  ["learning", "learn"], // ing
  ["string", "string"], // ing with a vowel-less rest kept
  ["thing", "thing"], // ing with < 3 letters left kept
  ["traveled", "travel"], // ed
  ["bred", "bred"], // ed with a vowel-less rest kept
  ["especially", "especial"], // ly
  ["named", "nam"], // ed, then nothing else
  ["name", "nam"], // final e
  ["loved", "lov"],
  ["love", "lov"],
  ["use", "use"], // < 4 letters kept
  ["cat", "cat"],
  ["nocturnes", "nocturn"], // s, then e
  ["café", "café"], // é is not e
  ["2026", "2026"],
];

/** Texts and their stems: lower-casing, possessives, apostrophes, stop words, the fallback. */
const TEXT_TABLE: readonly (readonly [string, readonly string[]])[] = [
  ["What is my dog's name?", ["dog", "nam"]],
  ["What is my job?", ["job"]],
  ["I DON'T like Tea", ["lik", "tea"]],
  ["Rome\u2019s aqueducts", ["rom", "aqueduct"]],
  ["low-key lighting", ["low", "key", "light"]],
  ["o'clock", ["oclock"]],
  ["What is it?", ["what", "is", "it"]], // stop words only: all kept
  ["Ich liebe Käse", ["ich", "lieb", "käse"]], // ä is not a vowel of the rules
  ["Miles Davis", ["mil", "davis"]],
];

claimTest(BACKBONE_TOKENIZER, (): Measurement => {
  const bb = new LexicalBackbone({ d: D });
  const wrong: string[] = [];
  for (const [w, s] of STEM_TABLE) {
    const got = bb.stems(w);
    if (got.length !== 1 || got[0] !== s) wrong.push(`${w} → ${got.join(" ")} (want ${s})`);
  }
  for (const [t, s] of TEXT_TABLE) {
    const got = bb.stems(t);
    if (got.join(" ") !== s.join(" ")) wrong.push(`${t} → ${got.join(" ")} (want ${s.join(" ")})`);
    const ids = bb.tokenize(t);
    const want = s.map((x) => fnv1a(x) % D);
    if (ids.join() !== want.join()) wrong.push(`${t}: ids ${ids} (want ${want})`);
    const fromBytes = bb.tokenize(new TextEncoder().encode(t));
    if (fromBytes.join() !== ids.join()) wrong.push(`${t}: bytes give ${fromBytes}`);
  }
  // Published FNV-1a 32-bit test vectors.
  for (const [s, h] of [["", 0x811c9dc5], ["a", 0xe40c292c], ["foobar", 0xbf9cf968]] as const) {
    if (hashStem(s) !== h) wrong.push(`hashStem(${JSON.stringify(s)}) = ${hashStem(s)}`);
  }
  const n = STEM_TABLE.length + TEXT_TABLE.length + 3;
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: `${n - wrong.length}/${n} words, texts and hash vectors as documented` +
      (wrong.length ? `; ${wrong.join("; ")}` : ""),
  };
});

/** FNV-1a of a string's UTF-8 bytes, restated. */
function fnv1a(s: string): number {
  let h = 2166136261;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h >>> 0;
}

/** FNV-1a of the bytes of an f32 array: a digest of its bits. */
function digest(a: Float32Array): number {
  let h = 2166136261;
  for (const b of new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) {
    h = Math.imul(h ^ b, 16777619) >>> 0;
  }
  return h;
}

/** TF-IDF restated from sparse counts: Map bucket → weight, unit length. */
function restatedTfidf(ids: readonly number[], docs: readonly (readonly number[])[]) {
  const n = docs.length;
  const df = new Map<number, number>();
  for (const d of docs) for (const b of new Set(d)) df.set(b, (df.get(b) ?? 0) + 1);
  const tf = new Map<number, number>();
  for (const b of ids) tf.set(b, (tf.get(b) ?? 0) + 1);
  const w = new Map<number, number>();
  for (const [b, c] of tf) w.set(b, c * (Math.log((1 + n) / (1 + (df.get(b) ?? 0))) + 1));
  const norm = Math.hypot(...w.values());
  for (const [b, x] of w) w.set(b, x / norm);
  return w;
}

claimTest(BACKBONE_TFIDF, (): Measurement => {
  const bb = new LexicalBackbone({ d: D }).fit(SESSION_FACTS);
  const docs = SESSION_FACTS.map((f) => bb.tokenize(f));
  let maxErr = 0, f32Diff = 0, batchDiff = 0, idfErr = 0;
  const ids = SESSION_STRINGS.map((s) => bb.tokenize(s));
  for (const l of ids) {
    const want = restatedTfidf(l, docs);
    const got = bb.tfidf(l);
    for (let b = 0; b < D; b++) maxErr = Math.max(maxErr, Math.abs(got[b]! - (want.get(b) ?? 0)));
    const alone = bb.pooledHiddenSync([l]);
    for (let b = 0; b < D; b++) if (alone[b] !== Math.fround(got[b]!)) f32Diff++;
  }
  const batch = bb.pooledHiddenSync(ids);
  ids.forEach((l, i) => {
    const alone = bb.pooledHiddenSync([l]);
    for (let b = 0; b < D; b++) if (batch[i * D + b] !== alone[b]) batchDiff++;
  });
  // The fitted IDF table itself, bucket by bucket.
  const idf = bb.idf();
  for (let b = 0; b < D; b++) {
    const df = docs.filter((d) => d.includes(b)).length;
    idfErr = Math.max(idfErr, Math.abs(idf[b]! - (Math.log(21 / (1 + df)) + 1)));
  }
  return {
    figure: maxErr,
    bound: 1e-14,
    pass: true,
    parts: [
      { name: "f32 elements != fround(f64)", figure: f32Diff, bound: 0, direction: "==" },
      { name: "batch vs alone differing elements", figure: batchDiff, bound: 0, direction: "==" },
      { name: "max |idf − restated|", figure: idfErr, bound: 1e-14, direction: "<=" },
    ],
    detail: `30 strings (20 facts + 10 queries), d = ${D}, fitted on 20 facts; ` +
      `max |tfidf − restated| ${maxErr.toExponential(2)}, max idf error ${idfErr.toExponential(2)}`,
  };
});

claimTest(BACKBONE_TABLE, async (): Promise<Measurement> => {
  const d = 257; // small prime width: the whole identity table is checked
  const bb = new LexicalBackbone({ d }).fit(SESSION_FACTS);
  const table = bb.tokenEmbeddings();
  let offIdentity = table.length === d * d ? 0 : 1;
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < d; c++) if (table[r * d + c] !== (r === c ? 1 : 0)) offIdentity++;
  }
  const idf = bb.idf();
  let outOfRange = 0, maxErr = 0;
  for (const s of SESSION_STRINGS) {
    const ids = bb.tokenize(s);
    outOfRange += ids.filter((b) => !Number.isInteger(b) || b < 0 || b >= bb.vocabSize).length;
    const mean = new Float64Array(d);
    for (const b of ids) {
      for (let j = 0; j < d; j++) mean[j] = mean[j]! + idf[b]! * table[b * d + j]!;
    }
    const norm = Math.hypot(...mean);
    const pooled = await bb.pooledHidden([ids]);
    for (let j = 0; j < d; j++) maxErr = Math.max(maxErr, Math.abs(pooled[j]! - mean[j]! / norm));
  }
  const logits = (bb as Backbone).nextTokenLogits === undefined ? 0 : 1;
  return {
    figure: offIdentity,
    bound: 0,
    pass: true,
    parts: [
      { name: "vocabSize − d", figure: bb.vocabSize - bb.d, bound: 0, direction: "==" },
      { name: "ids out of range", figure: outOfRange, bound: 0, direction: "==" },
      { name: "max |masked mean − pooled|", figure: maxErr, bound: 2 ** -24, direction: "<=" },
      { name: "next-token logits present", figure: logits, bound: 0, direction: "==" },
    ],
    detail: `d = ${d}; 30 session strings; masked-mean error ${maxErr.toExponential(2)}`,
  };
});

/** The 30 session strings' pooled states from a freshly built backbone. */
function sessionStates(): Float32Array {
  const bb = new LexicalBackbone({ d: D }).fit([...SESSION_FACTS]);
  return bb.pooledHiddenSync(SESSION_STRINGS.map((s) => bb.tokenize(s)));
}

claimTest(BACKBONE_DETERMINISM, (): Measurement => {
  const a = sessionStates(), b = sessionStates();
  const bitsA = new Uint32Array(a.buffer), bitsB = new Uint32Array(b.buffer);
  let differing = 0;
  for (let i = 0; i < bitsA.length; i++) if (bitsA[i] !== bitsB[i]) differing++;
  const enc = new TextEncoder();
  const bb = new LexicalBackbone({ d: D }).fit(SESSION_FACTS.map((f) => enc.encode(f)));
  const c = new Uint32Array(
    bb.pooledHiddenSync(SESSION_STRINGS.map((s) => bb.tokenize(enc.encode(s)))).buffer,
  );
  let bytesDiffering = 0;
  for (let i = 0; i < bitsA.length; i++) if (bitsA[i] !== c[i]) bytesDiffering++;
  const got = digest(a);
  return {
    figure: differing,
    bound: 0,
    pass: true,
    parts: [
      { name: "string vs bytes differing bits", figure: bytesDiffering, bound: 0, direction: "==" },
      {
        name: "digest mismatches",
        figure: got === RECORDED_DIGEST ? 0 : 1,
        bound: 0,
        direction: "==",
      },
    ],
    detail: `30 × ${D} f32 values; digest 0x${got.toString(16).padStart(8, "0")} (recorded ` +
      `0x${RECORDED_DIGEST.toString(16).padStart(8, "0")})`,
  };
});

/** Words the unit-norm fuzz draws from. */
const VOCAB = [
  ...new Set(SESSION_STRINGS.flatMap((s) => s.split(/\s+/))),
  "the",
  "is",
  "what",
  "my",
];

claimTest(BACKBONE_UNIT_NORM, (): Measurement => {
  const bound = 2 ** -24 + 2 ** -50;
  let worst = 0, checked = 0;
  const norm = (v: Float32Array, off: number, d: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += v[off + j]! * v[off + j]!;
    return Math.sqrt(s);
  };
  const bb = new LexicalBackbone({ d: D }).fit(SESSION_FACTS);
  const all = bb.pooledHiddenSync(SESSION_STRINGS.map((s) => bb.tokenize(s)));
  for (let i = 0; i < SESSION_STRINGS.length; i++) {
    worst = Math.max(worst, Math.abs(norm(all, i * D, D) - 1));
    checked++;
  }
  const word = fc.oneof(fc.constantFrom(...VOCAB), fc.stringMatching(/^[a-z]{1,9}$/));
  const text = fc.array(word, { minLength: 1, maxLength: 12 }).map((ws) => ws.join(" "));
  const failures: string[] = [];
  try {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2048 }),
        fc.array(text, { minLength: 1, maxLength: 4 }),
        fc.array(text, { minLength: 0, maxLength: 5 }),
        (d, texts, corpus) => {
          const base = new LexicalBackbone({ d });
          const b = corpus.length > 0 ? base.fit(corpus) : base;
          const v = b.pooledHiddenSync(texts.map((t) => b.tokenize(t)));
          for (let i = 0; i < texts.length; i++) {
            const e = Math.abs(norm(v, i * d, d) - 1);
            worst = Math.max(worst, e);
            checked++;
            if (!(e <= bound)) return false;
          }
          return true;
        },
      ),
      fcParams(300),
    );
  } catch (e) {
    failures.push(`${replayHint(BACKBONE_UNIT_NORM.id)}\n${(e as Error).message.slice(0, 600)}`);
  }
  return {
    figure: worst,
    bound,
    pass: failures.length === 0,
    detail: `${checked} pooled states (30 session strings + 300 fuzz runs); worst |‖v‖ − 1| ` +
      `${worst.toExponential(2)}` + (failures.length ? `; ${failures.join("; ")}` : ""),
  };
});

claimTest(BACKBONE_FAULT, async (): Promise<Measurement> => {
  const bb = new LexicalBackbone({ d: 64 }).fit(SESSION_FACTS);
  const idfBefore = bb.idf();
  const probe = bb.tokenize(SESSION_FACTS[4]!);
  const pooledBefore = bb.pooledHiddenSync([probe]);
  const bytes = (...b: number[]) => new Uint8Array([0x61, ...b, 0x62]);
  const badUtf8: [string, Uint8Array][] = [
    ["a lone continuation byte", bytes(0x80)],
    ["a truncated 2-byte sequence", new Uint8Array([0x61, 0xc3])],
    ["an overlong '/'", bytes(0xc0, 0xaf)],
    ["an overlong 3-byte form", bytes(0xe0, 0x80, 0xaf)],
    ["a UTF-16 surrogate", bytes(0xed, 0xa0, 0x80)],
    ["a code point above U+10FFFF", bytes(0xf4, 0x90, 0x80, 0x80)],
    ["a 0xff byte", bytes(0xff)],
  ];
  const cases: FaultCase[] = [
    { name: "number text", run: () => bb.tokenize(42 as never), expect: TypeError },
    { name: "null text", run: () => bb.tokenize(null as never), expect: TypeError },
    {
      name: "array of bytes (not a Uint8Array)",
      run: () => bb.tokenize([104, 105] as never),
      expect: TypeError,
      mentions: ["Uint8Array"],
    },
    ...badUtf8.map(([name, b]): FaultCase => ({
      name,
      run: () => bb.tokenize(b),
      expect: TypeError,
      mentions: ["valid UTF-8", "at byte 1"],
    })),
    { name: "empty text", run: () => bb.tokenize(""), expect: RangeError, mentions: ["word"] },
    { name: "punctuation only", run: () => bb.tokenize(" ?! "), expect: RangeError },
    { name: "empty bytes", run: () => bb.tokenize(new Uint8Array(0)), expect: RangeError },
    { name: "empty batch", run: () => bb.pooledHidden([]), expect: RangeError },
    { name: "empty id list", run: () => bb.pooledHidden([probe, []]), expect: RangeError },
    {
      name: "id = d",
      run: () => bb.pooledHidden([[0, 64]]),
      expect: RangeError,
      mentions: ["[0, 64)", "64"],
    },
    { name: "negative id", run: () => bb.pooledHidden([[-1]]), expect: RangeError },
    { name: "fractional id", run: () => bb.pooledHidden([[1.5]]), expect: RangeError },
    { name: "non-array batch", run: () => bb.pooledHidden("abc" as never), expect: TypeError },
    { name: "d = 0", run: () => new LexicalBackbone({ d: 0 }), expect: RangeError },
    { name: "d = 1.5", run: () => new LexicalBackbone({ d: 1.5 }), expect: RangeError },
    {
      name: "d = 2^24 + 1",
      run: () => new LexicalBackbone({ d: 2 ** 24 + 1 }),
      expect: RangeError,
    },
    { name: "null options", run: () => new LexicalBackbone(null as never), expect: TypeError },
    { name: "fit on nothing", run: () => bb.fit([]), expect: RangeError },
    { name: "fit on a string", run: () => bb.fit("abc" as never), expect: TypeError },
    {
      name: "fit on a word-less document",
      run: () => bb.fit(["a fine fact", "..."]),
      expect: RangeError,
      mentions: ["document 1"],
    },
  ];
  const failures = await checkFaults(cases);
  const idfAfter = bb.idf();
  if (idfAfter.some((x, i) => !Object.is(x, idfBefore[i]))) failures.push("the IDF changed");
  const pooledAfter = bb.pooledHiddenSync([probe]);
  if (pooledAfter.some((x, i) => !Object.is(x, pooledBefore[i]))) {
    failures.push("a pooled state changed");
  }
  return { ...faultMeasurement(cases.length, failures) };
});
