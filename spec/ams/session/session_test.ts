/**
 * Proofs of the tier-0 session claims (./claims.ts). The fact texts at the N boundaries, the
 * keywords and the whole-word rule are restated here, not imported from the implementation.
 *
 * @module
 */
import { LexicalBackbone } from "../../../impl/ams/backbone/lexical.ts";
import {
  FactStore,
  sessionTier0,
  substringHit,
  type Tier0Table,
  wordHit,
} from "../../../impl/ams/session/session.ts";
import { SESSION_FACTS, SESSION_QUERIES } from "../../../impl/ams/session/session_data.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { checkFaults, type FaultCase, faultMeasurement } from "../../_harness/fault_case.ts";
import {
  SESSION_FAULT,
  SESSION_HIT_RULE,
  SESSION_KEYWORDS,
  SESSION_LEXICAL_FLOOR,
  SESSION_PLUMBING,
} from "./claims.ts";

/** The harness's keywords, restated in query order. */
const KEYWORDS = [
  "chopin",
  "beethoven",
  "tokyo",
  "engineer",
  "max",
  "mandarin",
  "davis",
  "thai",
  "brown",
  "coral",
];

/** Facts at the N boundaries, restated: [index, text]. */
const BOUNDARY_FACTS: readonly (readonly [number, string])[] = [
  [0, "I love classical piano, especially Chopin nocturnes."],
  [9, "My sister is a marine biologist studying coral reefs in Australia."],
  [10, "Chess openings like the Sicilian Defense require deep theoretical study."],
  [19, "Honey crystallizes faster when stored below about ten degrees Celsius."],
];

/** The query whose gold fact shares no content word with it. */
const JOB_QUERY = "What is my job?";

/** Tables at N = 10 and 20, computed once per process. */
let tables: Promise<Tier0Table[]> | null = null;
function tier0Tables(): Promise<Tier0Table[]> {
  tables ??= Promise.all([10, 20].map((nFacts) => sessionTier0({ nFacts })));
  return tables;
}

claimTest(SESSION_KEYWORDS, (): Measurement => {
  const wrong: string[] = [];
  if (SESSION_FACTS.length !== 20) wrong.push(`${SESSION_FACTS.length} facts, not 20`);
  if (SESSION_QUERIES.map((q) => q.keyword).join() !== KEYWORDS.join()) {
    wrong.push(`keywords ${SESSION_QUERIES.map((q) => q.keyword).join()}`);
  }
  KEYWORDS.forEach((kw, gold) => {
    SESSION_FACTS.forEach((f, i) => {
      const has = f.toLowerCase().includes(kw);
      if (has !== (i === gold)) wrong.push(`"${kw}" ${has ? "in" : "not in"} fact ${i}`);
    });
  });
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: `10 keywords × 20 facts: each keyword in its gold fact only` +
      (wrong.length ? `; ${wrong.join("; ")}` : ""),
  };
});

claimTest(SESSION_PLUMBING, async (): Promise<Measurement> => {
  const wrong: string[] = [];
  for (const t of await tier0Tables()) {
    const n = t.nFacts;
    if (t.facts.length !== n) wrong.push(`N = ${n}: ${t.facts.length} facts written`);
    for (const [i, text] of BOUNDARY_FACTS) {
      const got = t.facts[i];
      if (i < n && got !== text) wrong.push(`N = ${n}: fact ${i} is ${JSON.stringify(got)}`);
    }
    if (t.rows.length !== 10) wrong.push(`N = ${n}: ${t.rows.length} rows`);
    t.rows.forEach((r, i) => {
      if (r.gold !== i || r.keyword !== KEYWORDS[i]) wrong.push(`N = ${n}: row ${i} gold/keyword`);
      const distinct = new Set(r.top3).size === 3 && r.top3.every((j) => j >= 0 && j < n);
      if (!distinct) wrong.push(`N = ${n}: row ${i} top-3 ${r.top3}`);
      const top = r.top3.map((j) => t.facts[j]!.toLowerCase());
      if (r.hit !== top[0]!.includes(r.keyword)) wrong.push(`N = ${n}: row ${i} hit`);
      if (r.hitTop3 !== top.some((f) => f.includes(r.keyword))) {
        wrong.push(`N = ${n}: row ${i} top-3 hit`);
      }
    });
    const hits = t.rows.filter((r) => r.hit).length;
    if (t.hits !== hits || t.retrievalAt1 !== hits / 10) wrong.push(`N = ${n}: totals`);
  }
  return {
    figure: wrong.length,
    bound: 0,
    pass: wrong.length === 0,
    detail: `N = 10 and 20: facts, rows and scores as the harness defines them` +
      (wrong.length ? `; ${wrong.join("; ")}` : ""),
  };
});

claimTest(SESSION_LEXICAL_FLOOR, async (): Promise<Measurement> => {
  const [t10, t20] = await tier0Tables();
  const otherMisses = [t10!, t20!].flatMap((t) =>
    t.rows.filter((r) => !r.hit && r.query !== JOB_QUERY).map((r) => `N=${t.nFacts} ${r.query}`)
  );
  const bb = new LexicalBackbone();
  const fact = new Set(bb.stems(SESSION_FACTS[3]!));
  const shared = bb.stems(JOB_QUERY).filter((s) => fact.has(s)).length;
  const row = (t: Tier0Table) =>
    t.rows.map((r) => `${r.hit ? "hit" : "MISS"} ${r.keyword}→${r.top3[0]}`).join(", ");
  const jobScores = [t10!, t20!].map((t) => t.rows[3]!.top1Score);
  return {
    figure: t20!.hits,
    bound: 9,
    pass: true,
    parts: [
      { name: "hits at N = 10", figure: t10!.hits, bound: 9, direction: "==" },
      { name: "top-3 hits at N = 10", figure: t10!.top3 * 10, bound: 9, direction: "==" },
      { name: "top-3 hits at N = 20", figure: t20!.top3 * 10, bound: 9, direction: "==" },
      {
        name: "misses other than the job query",
        figure: otherMisses.length,
        bound: 0,
        direction: "==",
      },
      {
        name: "stems shared by the job query and its gold fact",
        figure: shared,
        bound: 0,
        direction: "==",
      },
      {
        name: "max top-1 cosine of the job query",
        figure: Math.max(...jobScores),
        bound: 0,
        direction: "==",
      },
    ], // deno-fmt-ignore
    detail: `retrieval@1 ${t10!.hits}/10 at N = 10, ${t20!.hits}/10 at N = 20 (top-3 ` +
      `${t10!.top3 * 10}/10, ${t20!.top3 * 10}/10); the miss: "${JOB_QUERY}" (stems ` +
      `${bb.stems(JOB_QUERY).join(" ")}; cosine 0 with every fact, top-1 falls to fact ` +
      `${t20!.rows[3]!.top3[0]} by the lower-index tie rule). N = 10: ${row(t10!)}. N = 20: ` +
      row(t20!) + (otherMisses.length ? `; other misses: ${otherMisses.join("; ")}` : ""),
  };
});

/** A whole-word rule restated: the keyword with no letter or digit either side. */
function restatedWordRule(answer: string, kw: string): boolean {
  return new RegExp(`(?<![\\p{L}\\p{N}])${kw}(?![\\p{L}\\p{N}])`, "iu").test(answer);
}

claimTest(SESSION_HIT_RULE, async (): Promise<Measurement> => {
  const wrongAnswers: [string, string][] = [
    ["The maximum is three.", "max"],
    ["Maxwell's equations.", "max"],
    ["She studied engineering.", "engineer"],
    ["It was reverse-engineered.", "engineer"],
    ["He moved to Thailand.", "thai"],
    ["She baked brownies.", "brown"],
    ["Davison wrote it.", "davis"],
  ];
  const controls: [string, string][] = [
    ["His name is Max.", "max"],
    ["I am a software engineer.", "engineer"],
    ["I avoid Thai food.", "thai"],
    ["Cherry MX Brown switches.", "brown"],
    ["I don't know.", "chopin"],
    ["A poodle named Rex.", "max"],
  ];
  const falsePositives = wrongAnswers.filter(([a, k]) =>
    substringHit(a, k) && !wordHit(a, k) && !restatedWordRule(a, k)
  ).length;
  const controlDisagreements = controls.filter(([a, k]) =>
    substringHit(a, k) !== wordHit(a, k) || wordHit(a, k) !== restatedWordRule(a, k)
  ).length;
  let rowDisagreements = 0;
  for (const t of await tier0Tables()) {
    for (const r of t.rows) {
      if (r.hit !== r.wordHit) {
        rowDisagreements++;
      }
    }
  }
  return {
    figure: falsePositives,
    bound: 1,
    pass: true,
    parts: [
      {
        name: "wrong answers not accepted-then-rejected",
        figure: wrongAnswers.length - falsePositives,
        bound: 0,
        direction: "==",
      },
      { name: "control disagreements", figure: controlDisagreements, bound: 0, direction: "==" },
      { name: "tier-0 row disagreements", figure: rowDisagreements, bound: 0, direction: "==" },
    ],
    detail: `${falsePositives}/${wrongAnswers.length} wrong answers accepted by the substring ` +
      `rule and rejected by the word rule (${
        wrongAnswers.map(([a]) => a).join(" | ")
      }); ` +
      `${controls.length} controls and 20 tier-0 rows agree`,
  };
});

claimTest(SESSION_FAULT, async (): Promise<Measurement> => {
  const bb = new LexicalBackbone({ d: 128 });
  const empty = new FactStore(bb);
  const store = new FactStore(bb);
  await store.write(SESSION_FACTS[0]!);
  await store.write(SESSION_FACTS[4]!);
  const probe = async () => JSON.stringify(await store.retrieve("dog name", 2));
  const before = await probe();
  const nFacts = (n: unknown): FaultCase => ({
    name: `nFacts ${typeof n === "string" ? JSON.stringify(n) : String(n)}`,
    run: () => sessionTier0({ nFacts: n as number }),
    expect: typeof n === "number" ? RangeError : TypeError,
    mentions: ["nFacts"],
  });
  const cases: FaultCase[] = [
    ...[9, 11, 0, 21, 10.5, NaN].map(nFacts),
    nFacts("10"),
    { name: "null options", run: () => sessionTier0(null as never), expect: TypeError },
    {
      name: "retrieve from an empty store",
      run: () => empty.retrieve("What is my job?", 1),
      expect: RangeError,
      mentions: ["empty"],
    },
    { name: "k = 0", run: () => store.retrieve("dog", 0), expect: RangeError, mentions: ["k"] },
    { name: "k = 1.5", run: () => store.retrieve("dog", 1.5), expect: RangeError },
    { name: "write empty text", run: () => store.write(""), expect: RangeError },
    { name: "write word-less text", run: () => store.write("?!"), expect: RangeError },
    {
      name: "write non-UTF-8 bytes",
      run: () => store.write(new Uint8Array([0x64, 0x6f, 0x67, 0xff])),
      expect: TypeError,
      mentions: ["UTF-8", "byte 3"],
    },
    { name: "write a number", run: () => store.write(7 as never), expect: TypeError },
    { name: "retrieve an empty query", run: () => store.retrieve("", 1), expect: RangeError },
    { name: "a non-backbone", run: () => new FactStore({} as never), expect: TypeError },
  ];
  const failures = await checkFaults(cases);
  if (empty.size !== 0) failures.push(`the empty store holds ${empty.size} facts`);
  if (store.size !== 2) failures.push(`the store holds ${store.size} facts, not 2`);
  if (await probe() !== before) failures.push("a retrieval changed");
  return { ...faultMeasurement(cases.length, failures) };
});
