/**
 * The v4.7 variant's training data (the original's follow-up scope, FluffyAIcode/AgentMemorySystem
 * PR #30: "a synthetic generator producing at least 200 entity-diverse sentences", and an
 * entity-masked PSA target: "find the single highest-IDF content token in each sentence, mask
 * it, supervise the LM to predict that token"), written for memspec:
 *
 * - {@link amsTrainingCorpus}: first-person fact sentences from fixed templates, each filled
 *   with entities from fixed lists, shuffled and drawn by memspec's seeded {@link Rng}. No
 *   entity contains (or is contained in) any of the session harness's ten gold keywords, so
 *   the corpus teaches the mechanism, not the answers.
 * - {@link corpusIdf} and {@link entityMask}: the IDF of each content word over a corpus
 *   (ln(n / df), words lower-cased, stop words and words shorter than 3 letters dropped), and a
 *   sentence split into the sentence with its highest-IDF word removed (the query) and that
 *   word (the target); ties go to the longer word, then the earlier one.
 *
 * @example
 * ```ts
 * import { amsTrainingCorpus, corpusIdf, entityMask } from "./corpus.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * const c = amsTrainingCorpus();
 * ok(c.length >= 200 && new Set(c).size === c.length);
 * const m = entityMask("My parrot is named Kiwi.", corpusIdf(c));
 * strictEqual(m!.target, "Kiwi");
 * strictEqual(m!.query, "My parrot is named.");
 * ```
 *
 * @module
 */
import { Rng } from "../../gpu/rng.ts";
import { STOP_WORDS } from "../backbone/lexical.ts";
import { SESSION_QUERIES } from "../session/session_data.ts";

/** The default sentence count of {@link amsTrainingCorpus}. */
export const AMS_CORPUS_DEFAULT_SIZE = 240;
/** The default seed of {@link amsTrainingCorpus}. */
export const AMS_CORPUS_DEFAULT_SEED = 42;

/** The session harness's gold keywords, which no corpus entity may contain or be part of. */
export const SESSION_GOLD_KEYWORDS: readonly string[] = Object.freeze(
  SESSION_QUERIES.map((q) => q.keyword),
);

type Template = readonly [string, readonly (readonly string[])[]];

const COMPOSERS = [
  "Vivaldi",
  "Handel",
  "Schubert",
  "Mahler",
  "Dvorak",
  "Haydn",
  "Brahms",
  "Liszt",
  "Ravel",
  "Debussy",
  "Sibelius",
  "Grieg",
];
const GENRES = ["jazz", "opera", "bluegrass", "flamenco", "gospel", "reggae", "baroque", "samba"];
const CITIES = [
  "Lisbon",
  "Prague",
  "Nairobi",
  "Oslo",
  "Lima",
  "Hanoi",
  "Cairo",
  "Dublin",
  "Seville",
  "Quebec",
  "Marrakesh",
  "Reykjavik",
];
const SEASONS = ["spring", "autumn", "winter"];
const JOBS = [
  "pharmacist",
  "carpenter",
  "architect",
  "librarian",
  "geologist",
  "translator",
  "electrician",
  "paramedic",
  "veterinarian",
  "cartographer",
  "locksmith",
  "midwife",
];
const PETS = ["cat", "parrot", "rabbit", "tortoise", "hamster", "ferret"];
const PET_NAMES = [
  "Biscuit",
  "Pepper",
  "Luna",
  "Ziggy",
  "Hazel",
  "Oscar",
  "Kiwi",
  "Nutmeg",
  "Clover",
  "Pickles",
];
const LANGUAGES = [
  "Portuguese",
  "Swahili",
  "Korean",
  "Finnish",
  "Hungarian",
  "Greek",
  "Turkish",
  "Polish",
  "Icelandic",
  "Tagalog",
];
const MONTHS = ["March", "October", "September", "February", "November"];
const COLLECTIONS = [
  ["stamps", "Penny Black"],
  ["coins", "Roman denarius"],
  ["postcards", "Venice gondola"],
  ["comics", "Silver Surfer"],
  ["fossils", "trilobite"],
  ["minerals", "amethyst geode"],
  ["teapots", "Yixing teapot"],
  ["maps", "Mercator atlas"],
];
const CUISINES = [
  "Korean",
  "Ethiopian",
  "Peruvian",
  "Georgian",
  "Lebanese",
  "Basque",
  "Sichuan",
  "Malaysian",
];
const ALLERGENS = ["sesame", "almonds", "mustard", "lupin", "celery", "kiwifruit"];
const RELATIVES = ["brother", "cousin", "aunt", "uncle", "niece", "nephew"];
const FIELDS = [
  "volcanoes",
  "glaciers",
  "mangroves",
  "wolves",
  "orchids",
  "lichens",
  "tides",
  "meteorites",
];
const PLACES = ["Iceland", "Patagonia", "Borneo", "Alaska", "Madagascar", "Norway"];
const GEAR = ["trackball", "fountain pen", "standing desk", "drawing tablet", "ergonomic chair"];
const TASKS = ["sketching", "journaling", "woodworking", "gardening", "birdwatching", "baking"];
const SPORTS = ["fencing", "rowing", "curling", "archery", "bouldering", "handball"];
const TEAMS = ["Falcons", "Otters", "Comets", "Ravens", "Pioneers"];
const AUTHORS = ["Tolstoy", "Borges", "Austen", "Murakami", "Achebe", "Calvino", "Woolf", "Neruda"];

/** Every template with its entity lists; a sentence fills the {0}, {1} slots in order. */
const TEMPLATES: readonly Template[] = [
  ["My favorite composer is {0}, especially the late works.", [COMPOSERS]],
  ["I love {0} music and listen to it every evening.", [GENRES]],
  ["Last {1} I traveled to {0} and walked the old town.", [CITIES, SEASONS]],
  ["At work I am the team's {0} these days.", [JOBS]],
  ["My {0} is named {1} and sleeps all afternoon.", [PETS, PET_NAMES]],
  ["I started learning {0} in {1} this year.", [LANGUAGES, MONTHS]],
  ["I collect {0}; my latest find is a {1}.", [
    COLLECTIONS.map((c) => c[0]!),
    COLLECTIONS.map((c) => c[1]!),
  ]],
  ["I am allergic to {1}, so I avoid {0} food.", [CUISINES, ALLERGENS]],
  ["My {0} is a scientist studying {1} in {2}.", [RELATIVES, FIELDS, PLACES]],
  ["I use a {0} every day for {1}.", [GEAR, TASKS]],
  ["On weekends I practice {0} with the {1}.", [SPORTS, TEAMS]],
  ["My favorite novelist is {0}, and I reread one book a year.", [AUTHORS]],
];

/** Every distinct sentence the templates can make, in template then entity order. */
function allSentences(): string[] {
  const out: string[] = [];
  for (const [form, lists] of TEMPLATES) {
    // Pair lists of equal role by index where they are parallel (collections), else cross them.
    const parallel = lists.length === 2 && lists[0]!.length === lists[1]!.length &&
      form.startsWith("I collect");
    const combos: string[][] = parallel
      ? lists[0]!.map((a, i) => [a, lists[1]![i]!])
      : lists.reduce<string[][]>((acc, l) => acc.flatMap((c) => l.map((v) => [...c, v])), [[]]);
    for (const c of combos) out.push(form.replace(/\{(\d)\}/g, (_, k) => c[Number(k)]!));
  }
  return [...new Set(out)];
}

/** Options of {@link amsTrainingCorpus}. */
export interface AmsCorpusOptions {
  /** Sentences to draw (default {@link AMS_CORPUS_DEFAULT_SIZE}); at least 1. */
  size?: number;
  /** The draw's seed (default {@link AMS_CORPUS_DEFAULT_SEED}). */
  seed?: number;
}

/**
 * `size` distinct sentences drawn without replacement from the templates' sentences by a
 * seeded Fisher–Yates shuffle with an entity-diverse order: the draw cycles through the
 * templates so that consecutive sentences (one training batch) come from different templates.
 *
 * @throws {RangeError} when size is not an integer in [1, the number of distinct sentences] or
 *   the seed is not an integer in [0, 2^32).
 */
export function amsTrainingCorpus(options: AmsCorpusOptions = {}): string[] {
  const op = "generate the AMS training corpus";
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`Cannot ${op}: expected options { size, seed } but got ${options}`);
  }
  const all = allSentences();
  // Only undefined means "the default": null is malformed.
  const size = options.size === undefined ? AMS_CORPUS_DEFAULT_SIZE : options.size;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > all.length) {
    throw new RangeError(
      `Cannot ${op}: expected size to be an integer in [1, ${all.length}] but got ${size}`,
    );
  }
  const seed = options.seed === undefined ? AMS_CORPUS_DEFAULT_SEED : options.seed;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`Cannot ${op}: expected a seed in [0, 2^32) but got ${seed}`);
  }
  const rng = new Rng(seed);
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  // One shuffled queue per template; round-robin over a shuffled template order.
  const queues = TEMPLATES.map(([form]) => shuffle(all.filter((s) => templateOf(s) === form)));
  const order = shuffle(TEMPLATES.map((_, i) => i));
  const out: string[] = [];
  while (out.length < size) {
    for (const t of order) {
      const s = queues[t]!.pop();
      if (s !== undefined && out.length < size) out.push(s);
    }
  }
  return out;
}

/** The template a sentence came from (its text with every entity slot re-masked). */
function templateOf(s: string): string {
  for (const [form, lists] of TEMPLATES) {
    const re = new RegExp(
      "^" + form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{(\d)\\\}/g, (_, k) =>
        "(" + lists[Number(k)]!.map((v) =>
          v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        ).join("|") +
        ")") +
        "$",
    );
    if (re.test(s)) {
      return form;
    }
  }
  return "";
}

/** The content words of a text: lower-cased letters (and inner apostrophes), ≥ 3, no stop word. */
export function contentWords(text: string): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot split content words: expected a string but got ${typeof text}`);
  }
  return (text.toLowerCase().match(/[a-z][a-z']*/g) ?? []).filter((w) =>
    w.length >= 3 && !STOP_WORDS.has(w)
  );
}

/**
 * ln(n / df(w)) of every content word over `corpus` (n texts, df the number holding w).
 *
 * @throws {TypeError} when corpus is not a non-empty list of strings.
 */
export function corpusIdf(corpus: readonly string[]): Map<string, number> {
  if (!Array.isArray(corpus) || corpus.length === 0 || corpus.some((t) => typeof t !== "string")) {
    throw new TypeError("Cannot compute the corpus IDF: expected a non-empty list of strings");
  }
  const df = new Map<string, number>();
  for (const t of corpus) for (const w of new Set(contentWords(t))) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [w, c] of df) idf.set(w, Math.log(corpus.length / c));
  return idf;
}

/** A sentence split around its entity. */
export interface EntityMask {
  /** The sentence with the entity removed (spaces collapsed). */
  readonly query: string;
  /** The entity as written in the sentence. */
  readonly target: string;
}

/**
 * Splits `text` around its highest-IDF content word (words the IDF table lacks count as
 * unseen: IDF +∞); null when it has no content word or nothing else is left.
 *
 * @throws {TypeError} when text is not a string or idf not a Map.
 */
export function entityMask(text: string, idf: ReadonlyMap<string, number>): EntityMask | null {
  if (typeof text !== "string" || !(idf instanceof Map)) {
    throw new TypeError("Cannot mask an entity: expected a string and an IDF Map");
  }
  let best: { start: number; end: number; score: number; len: number } | null = null;
  for (const m of text.matchAll(/[A-Za-z][A-Za-z']*/g)) {
    const w = m[0].toLowerCase();
    if (w.length < 3 || STOP_WORDS.has(w)) continue;
    const score = idf.get(w) ?? Infinity;
    if (
      best === null || score > best.score || (score === best.score && w.length > best.len)
    ) best = { start: m.index!, end: m.index! + m[0].length, score, len: w.length };
  }
  if (best === null) return null;
  const query = (text.slice(0, best.start) + text.slice(best.end)).replace(/\s+/g, " ")
    .replace(/\s+([.,;!?])/g, "$1").trim();
  if (contentWords(query).length === 0 && query.replace(/[^A-Za-z]/g, "") === "") return null;
  return { query, target: text.slice(best.start, best.end) };
}
