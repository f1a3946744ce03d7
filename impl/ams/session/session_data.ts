/**
 * The session-viability harness's data, exactly as the original writes and asks it:
 * the 20 facts (`_FACTS_20`: 10 self-referential facts that answer the queries, then 10
 * distractors), the 10 queries with their expected keywords, the 12-sentence training corpus,
 * and the recorded results of the original's run (FluffyAIcode/AgentMemorySystem:
 * session_viability_v4.py and train_v4.py, PR #30; the facts and queries are those of
 * session_viability.py, PR #29). Data only: short fixed strings, frozen.
 *
 * @example
 * ```ts
 * import { SESSION_FACTS, SESSION_QUERIES } from "./session_data.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(SESSION_FACTS.length, 20);
 * strictEqual(SESSION_QUERIES[3]!.keyword, "engineer");
 * ```
 *
 * @module
 */

/** Where the data comes from. */
export const SESSION_DATA_SOURCE: string =
  "FluffyAIcode/AgentMemorySystem:session_viability_v4.py " +
  "_FACTS_20 and the query/keyword list (PR #30; same session as session_viability.py, " +
  "PR #29); train_v4.py training corpus (PR #30)";

/** The 20 facts, in the order the harness writes them (`--n-facts N` writes the first N). */
export const SESSION_FACTS: readonly string[] = Object.freeze([
  "I love classical piano, especially Chopin nocturnes.",
  "My favorite composer is Beethoven, particularly the Ninth Symphony.",
  "Last summer I traveled to Tokyo and visited the Shibuya crossing.",
  "I work as a software engineer on distributed systems.",
  "My dog is a golden retriever named Max, he is three years old.",
  "I started learning Mandarin Chinese in January this year.",
  "I collect vinyl records; my latest is Kind of Blue by Miles Davis.",
  "I am allergic to peanuts and shellfish, so I avoid Thai food.",
  "I use a mechanical keyboard with Cherry MX Brown switches for coding.",
  "My sister is a marine biologist studying coral reefs in Australia.",
  "Chess openings like the Sicilian Defense require deep theoretical study.",
  "Sourdough bread depends on long fermentation for a complex flavor.",
  "Marathons require consistent training plans spread over several months.",
  "Film noir often uses low-key lighting and moral ambiguity.",
  "Lunar eclipses occur when Earth sits between the Sun and the Moon.",
  "Kubernetes schedules containers across a cluster using a control plane.",
  "Tea ceremonies in Kyoto follow precise, centuries-old protocols.",
  "Ancient Rome's aqueducts carried water across tens of kilometers.",
  "Sudoku puzzles are constraint-satisfaction problems solvable by backtracking.",
  "Honey crystallizes faster when stored below about ten degrees Celsius.",
]);

/** One query of the harness and the keyword its answer must contain. */
export interface SessionQuery {
  /** The question, as asked. */
  readonly query: string;
  /** The expected keyword (lower-case); query i's gold fact is fact i. */
  readonly keyword: string;
}

/** The 10 queries, always the same, with their expected keywords. */
export const SESSION_QUERIES: readonly SessionQuery[] = Object.freeze([
  Object.freeze({ query: "What kind of music do I love?", keyword: "chopin" }),
  Object.freeze({ query: "Who is my favorite composer?", keyword: "beethoven" }),
  Object.freeze({ query: "Where did I travel last summer?", keyword: "tokyo" }),
  Object.freeze({ query: "What is my job?", keyword: "engineer" }),
  Object.freeze({ query: "What is my dog's name?", keyword: "max" }),
  Object.freeze({ query: "What language am I learning this year?", keyword: "mandarin" }),
  Object.freeze({ query: "What is the latest record in my collection?", keyword: "davis" }),
  Object.freeze({ query: "What cuisine should I avoid because of allergies?", keyword: "thai" }),
  Object.freeze({ query: "What keyboard switches do I use?", keyword: "brown" }),
  Object.freeze({ query: "What does my sister study?", keyword: "coral" }),
]);

/** The `--n-facts` values the harness accepts. */
export const SESSION_N_FACTS: readonly number[] = Object.freeze([10, 20]);

/**
 * The training corpus of train_v4.py: ALL = MUSIC + SPACE + GENERIC (12 sentences); batch j
 * of step s is ALL[(s·batch + j) mod 12]; batch 3, 60 steps, seed 42.
 */
export const SESSION_TRAINING_CORPUS: readonly string[] = Object.freeze([
  "He practiced piano for hours perfecting a difficult Chopin nocturne.",
  "She studied music theory and harmonic progression at the conservatory.",
  "The orchestra performed Beethoven symphony with remarkable precision.",
  "The telescope revealed distant galaxies beyond the Milky Way.",
  "Astronauts trained for the Mars mission in simulated zero gravity.",
  "The nebula emitted radiation across the electromagnetic spectrum.",
  "The pianist practiced arpeggios and Chopin nocturnes until midnight.",
  "A musician refined finger technique, phrasing, and pedal control.",
  "Classical interpretation often depends on dynamics, tempo rubato, and touch.",
  "A conservatory student studied etudes, scales, and expressive keyboard skills.",
  "Distant astronomers observed galaxies quasars and stellar evolution.",
  "Space orbital mechanics explains satellites and planetary motion.",
]);

/** Hit rates of modes D (all facts in the prompt), A (prefix) and C (hybrid) at one N. */
export interface SessionHitRates {
  /** Mode D: every fact in the prompt. */
  readonly D: number;
  /** Mode A: the memory prefix. */
  readonly A: number;
  /** Mode C: hybrid. */
  readonly C: number;
}

/** The original's recorded session results and the merge gate's bars. */
export interface SessionRecordedResults {
  /** The backbone the figures were measured on. */
  readonly backbone: string;
  /** v4 with freshly initialised weights, at N = 10 and 20 facts. */
  readonly v4_fresh: { readonly N10: SessionHitRates; readonly N20: SessionHitRates };
  /** v4 after train_v4.py, at N = 10 and 20 facts. */
  readonly v4_trained: { readonly N10: SessionHitRates; readonly N20: SessionHitRates };
  /** The merge gate's bars (the v3.46-trained figures), strict. */
  readonly gate_bars: { readonly N20: { readonly A: number; readonly C: number } };
}

/** Hit rates the original recorded (Qwen2.5-1.5B-Instruct, bf16, on an H200), per mode and N. */
export const SESSION_RECORDED_RESULTS: SessionRecordedResults = deepFreeze(
  {
    backbone: "Qwen2.5-1.5B-Instruct on an H200 (bf16)",
    v4_fresh: { N10: { D: 1.0, A: 0.0, C: 0.1 }, N20: { D: 1.0, A: 0.0, C: 0.2 } },
    v4_trained: { N10: { D: 1.0, A: 0.1, C: 0.4 }, N20: { D: 1.0, A: 0.0, C: 0.3 } },
    /** The merge gate's bars (the v3.46-trained figures), strict. */
    gate_bars: { N20: { A: 0.5, C: 0.7 } },
  } as const,
);

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v);
  return Object.freeze(o);
}
