/**
 * The concept corpus of Kent Overstreet's amygdala trainer
 * (kent/consciousness:training/amygdala_stories/, read by
 * training/amygdala_training/train_steering_vectors.py): its layout, the
 * positives/negatives rule of a concept, activations computed once per unique
 * text, and last-non-pad pooling with the padding side explicit.
 *
 * Layout of a corpus folder:
 *
 * - `stories/<concept>.txt`: unpaired stories of one concept;
 * - `paired/<scenario>/baseline.txt` and `paired/<scenario>/<concept>.txt`: the same
 *   content told neutrally and with each concept's framing;
 * - `direct/<concept>.txt`: "I feel X. …" descriptions; files named `_*.txt` hold
 *   concept-less neutral descriptions (negatives of every concept).
 *
 * Every file holds one or more texts separated by blank lines; each text is trimmed.
 * Other entries of the corpus folder (memspec's held-out `heldout/`, a README) are
 * not part of the training corpus and are ignored.
 *
 * The rule (train_steering_vectors.py docstring), for a concept E:
 * positives(E) = stories/E ∪ {paired/S/E for every scenario S that has it};
 * negatives(E) = the stories of every other concept ∪ every paired/S/baseline.
 *
 * @example Reading the shipped corpus and one concept's sets
 * ```ts
 * import { conceptSets, readCorpus } from "./corpus.ts";
 * import { ok } from "node:assert/strict";
 * const corpus = await readCorpus("fixtures/corpus/amygdala");
 * const { positives, negatives } = conceptSets(corpus, corpus.concepts[0]!);
 * ok(positives.length >= 2 && negatives.length > positives.length);
 * ```
 *
 * @module
 */
import {
  checkFunction,
  checkInt,
  checkObject,
  checkString,
  checkStrings,
  shown,
} from "../validate.ts";

/**
 * A corpus fault: a missing folder, a concept with too few positives, a
 * malformed name, or activations that cannot be read (NaN, wrong sizes).
 * `path` names the file or folder and `concept` the concept, where one applies.
 * A TypeError, as the family's other input errors (bad input, not a failed
 * computation).
 */
export class CorpusError extends TypeError {
  /** The file or folder the fault is in, if any. */
  readonly path: string | null;
  /** The concept the fault concerns, if any. */
  readonly concept: string | null;
  /**
   * Builds the error.
   *
   * @param message what failed
   * @param where the file and concept it concerns
   */
  constructor(message: string, where: { path?: string; concept?: string } = {}) {
    super(message);
    this.name = "CorpusError";
    this.path = where.path ?? null;
    this.concept = where.concept ?? null;
  }
}

/** One scenario of `paired/`: its neutral baseline texts and each concept's framing. */
export interface PairedScenario {
  /** Texts of `paired/<scenario>/baseline.txt`. */
  readonly baseline: readonly string[];
  /** Texts of `paired/<scenario>/<concept>.txt`, by concept. */
  readonly concepts: ReadonlyMap<string, readonly string[]>;
}

/** A corpus read by {@link readCorpus}. */
export interface Corpus {
  /** The folder it was read from. */
  readonly root: string;
  /** Every concept with positives, sorted by code point (the readout's row order). */
  readonly concepts: readonly string[];
  /** `stories/<concept>.txt`, by concept. */
  readonly stories: ReadonlyMap<string, readonly string[]>;
  /** `paired/<scenario>/`, by scenario. */
  readonly paired: ReadonlyMap<string, PairedScenario>;
  /** `direct/<concept>.txt`, by concept. */
  readonly direct: ReadonlyMap<string, readonly string[]>;
  /** The texts of every `direct/_*.txt` (neutral negatives of every concept). */
  readonly directNeutral: readonly string[];
  /** What preflight skipped, one line each (empty files). */
  readonly warnings: readonly string[];
}

/** Options of {@link readCorpus}. */
export interface ReadCorpusOptions {
  /** Fewest positives a concept may have (stories + paired); default 2. */
  minPositives?: number;
  /** Receives each preflight warning as it happens (default: none; all are in `warnings`). */
  warn?: (message: string) => void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_\-]*$/;

/**
 * The texts of one corpus file: blank-line-separated blocks, trimmed, empty blocks dropped.
 *
 * @throws {TypeError} when `content` is not a string.
 *
 * @example
 * ```ts
 * import { splitTexts } from "./corpus.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(splitTexts("I feel calm.\n\n\nI feel warm.  \n"), ["I feel calm.", "I feel warm."]);
 * ```
 */
export function splitTexts(content: string): string[] {
  checkString(content, "split corpus texts", "content");
  return content.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/).map((t) => t.trim()).filter((t) =>
    t.length > 0
  );
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function listTxt(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".txt")) names.push(e.name);
  }
  return names.sort();
}

function checkName(kind: string, name: string, path: string): void {
  if (!NAME.test(name)) {
    throw new CorpusError(
      `Cannot read corpus file ${path}: expected a ${kind} name of letters, digits, "_" and "-" ` +
        `but got ${JSON.stringify(name)}`,
      { path },
    );
  }
}

/**
 * Reads and preflights a corpus folder, before any model work: the folder and at least one
 * of `stories/` and `paired/` exist, every name is well formed, empty files are skipped with
 * a warning, every concept has at least `minPositives` positives and at least one negative.
 *
 * @throws {TypeError} when `root` is not a string or `options` not an options object.
 * @throws {RangeError} when `minPositives` is not an integer >= 1.
 * @throws {CorpusError} naming the folder, file or concept at fault.
 */
export async function readCorpus(root: string, options: ReadCorpusOptions = {}): Promise<Corpus> {
  checkString(root, "read corpus", "root (a folder path)");
  checkObject(options, `read corpus ${root}`, "options");
  checkFunction(options.warn, `read corpus ${root}`, "options.warn", true);
  const minPositives = options.minPositives === undefined ? 2 : options.minPositives;
  if (typeof minPositives !== "number" || !Number.isInteger(minPositives) || minPositives < 1) {
    throw new RangeError(
      `Cannot read corpus ${root}: expected minPositives an integer >= 1 but got ${minPositives}`,
    );
  }
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.warn?.(m);
  };
  if (!(await isDir(root))) {
    throw new CorpusError(`Cannot read corpus ${root}: expected a folder but found none`, {
      path: root,
    });
  }
  const storiesDir = `${root}/stories`;
  const pairedDir = `${root}/paired`;
  const directDir = `${root}/direct`;
  const hasStories = await isDir(storiesDir);
  const hasPaired = await isDir(pairedDir);
  if (!hasStories && !hasPaired) {
    throw new CorpusError(
      `Cannot read corpus ${root}: expected a stories/ or a paired/ folder but found neither`,
      { path: root },
    );
  }
  const readTexts = async (path: string): Promise<string[] | null> => {
    const texts = splitTexts(await Deno.readTextFile(path));
    if (texts.length === 0) {
      warn(`skipped ${path}: the file is empty`);
      return null;
    }
    return texts;
  };
  const stories = new Map<string, string[]>();
  if (hasStories) {
    for (const f of await listTxt(storiesDir)) {
      const concept = f.slice(0, -4);
      checkName("concept", concept, `${storiesDir}/${f}`);
      const texts = await readTexts(`${storiesDir}/${f}`);
      if (texts !== null) stories.set(concept, texts);
    }
  }
  const paired = new Map<string, PairedScenario>();
  if (hasPaired) {
    const scenarios: string[] = [];
    for await (const e of Deno.readDir(pairedDir)) if (e.isDirectory) scenarios.push(e.name);
    for (const s of scenarios.sort()) {
      const dir = `${pairedDir}/${s}`;
      checkName("scenario", s, dir);
      let baseline: string[] | null = null;
      const concepts = new Map<string, string[]>();
      for (const f of await listTxt(dir)) {
        const name = f.slice(0, -4);
        checkName("concept", name, `${dir}/${f}`);
        const texts = await readTexts(`${dir}/${f}`);
        if (texts === null) continue;
        if (name === "baseline") baseline = texts;
        else concepts.set(name, texts);
      }
      if (baseline === null) {
        throw new CorpusError(
          `Cannot read corpus scenario ${dir}: expected a non-empty baseline.txt but found none`,
          { path: `${dir}/baseline.txt` },
        );
      }
      paired.set(s, { baseline, concepts });
    }
  }
  const direct = new Map<string, string[]>();
  const directNeutral: string[] = [];
  if (await isDir(directDir)) {
    for (const f of await listTxt(directDir)) {
      const name = f.slice(0, -4);
      const texts = await readTexts(`${directDir}/${f}`);
      if (texts === null) continue;
      if (name.startsWith("_")) directNeutral.push(...texts);
      else {
        checkName("concept", name, `${directDir}/${f}`);
        direct.set(name, texts);
      }
    }
  }
  const names = new Set(stories.keys());
  for (const p of paired.values()) for (const c of p.concepts.keys()) names.add(c);
  const concepts = [...names].sort();
  const corpus: Corpus = { root, concepts, stories, paired, direct, directNeutral, warnings };
  if (concepts.length === 0) {
    throw new CorpusError(
      `Cannot read corpus ${root}: expected at least one concept with texts but found none`,
      { path: root },
    );
  }
  for (const c of concepts) {
    const { positives, negatives } = conceptSets(corpus, c);
    if (positives.length < minPositives) {
      throw new CorpusError(
        `Cannot train concept "${c}" of corpus ${root}: expected at least ${minPositives} ` +
          `positive texts (stories/${c}.txt and paired/*/${c}.txt) but got ${positives.length}`,
        { path: root, concept: c },
      );
    }
    if (negatives.length === 0) {
      throw new CorpusError(
        `Cannot train concept "${c}" of corpus ${root}: expected at least one negative text ` +
          "(another concept's story or a paired baseline) but got none",
        { path: root, concept: c },
      );
    }
  }
  return corpus;
}

/**
 * Checks the fields of a {@link Corpus} that the positives/negatives rule reads (`root`,
 * `concepts`, `stories`, `paired`), so that a hand-built corpus of the wrong shape is refused
 * with a TypeError naming the field. Module-internal to the family (not in mod.ts).
 */
export function checkCorpus(corpus: unknown, verb: string): asserts corpus is Corpus {
  checkObject(corpus, verb, "a corpus");
  const c = corpus as Record<string, unknown>;
  checkString(c.root, verb, "corpus.root");
  checkStrings(c.concepts, verb, "corpus.concepts", true);
  const textsMap = (m: unknown, what: string) => {
    if (!(m instanceof Map)) {
      throw new TypeError(`Cannot ${verb}: expected ${what} a Map but got ${shown(m)}`);
    }
    for (const [k, v] of m) {
      checkString(k, verb, `a key of ${what}`);
      checkStrings(v, verb, `${what}.get(${JSON.stringify(k)})`, true);
    }
  };
  textsMap(c.stories, "corpus.stories");
  if (!(c.paired instanceof Map)) {
    throw new TypeError(`Cannot ${verb}: expected corpus.paired a Map but got ${shown(c.paired)}`);
  }
  for (const [k, p] of c.paired) {
    const what = `corpus.paired.get(${JSON.stringify(k)})`;
    checkObject(p, verb, what);
    checkStrings((p as PairedScenario).baseline, verb, `${what}.baseline`, true);
    textsMap((p as PairedScenario).concepts, `${what}.concepts`);
  }
}

function dedup(texts: Iterable<string>): string[] {
  return [...new Set(texts)];
}

/**
 * The positives and negatives of `concept`, each without repeats, in corpus order:
 * positives = stories/E ∪ paired/S/E; negatives = other concepts' stories ∪ every paired
 * baseline. A text that is both (the same words filed twice) stays a positive only.
 *
 * @throws {TypeError} when `corpus` is not a well-formed corpus or `concept` not a string.
 * @throws {CorpusError} when the corpus has no such concept.
 */
export function conceptSets(
  corpus: Corpus,
  concept: string,
): { positives: string[]; negatives: string[] } {
  checkCorpus(corpus, "select a concept of a corpus");
  checkString(concept, `select a concept of corpus ${corpus.root}`, "the concept");
  if (!corpus.concepts.includes(concept)) {
    throw new CorpusError(
      `Cannot select concept "${concept}" of corpus ${corpus.root}: expected one of ` +
        `${corpus.concepts.join(", ")}`,
      { concept },
    );
  }
  const pos: string[] = [...(corpus.stories.get(concept) ?? [])];
  for (const p of corpus.paired.values()) pos.push(...(p.concepts.get(concept) ?? []));
  const neg: string[] = [];
  for (const [c, texts] of corpus.stories) if (c !== concept) neg.push(...texts);
  for (const p of corpus.paired.values()) neg.push(...p.baseline);
  const positives = dedup(pos);
  const ps = new Set(positives);
  return { positives, negatives: dedup(neg).filter((t) => !ps.has(t)) };
}

/**
 * Every text the positives/negatives rule of any concept reads, once each, in corpus order:
 * the trainer computes activations for these only (once per unique text).
 */
export function corpusTexts(corpus: Corpus): string[] {
  checkCorpus(corpus, "list the corpus texts");
  const all: string[] = [];
  for (const texts of corpus.stories.values()) all.push(...texts);
  for (const p of corpus.paired.values()) {
    all.push(...p.baseline);
    for (const texts of p.concepts.values()) all.push(...texts);
  }
  return dedup(all);
}

/** Which side of a batch its padding is on. */
export type PaddingSide = "right" | "left";

/**
 * Last-non-pad pooling: for activations `x` [B, T, H] (row-major) and an attention mask
 * [B, T] (1 = token, 0 = pad), the hidden state of each row's last real token. With right
 * padding that is index Σmask − 1 (the original's `_pool_last`); with left padding it is
 * T − 1. The mask must match the declared side: a row padded on the other side (a
 * left-padded batch pooled as right-padded would read a pad position) is refused, as is a
 * row with holes or no token.
 *
 * @throws {TypeError} when the sizes disagree or an argument has the wrong type.
 * @throws {RangeError} when a size is not an integer (b >= 0, t and h >= 1) or a pooled
 *   activation is not finite. @throws {CorpusError} when a row's mask does
 *   not match `padding`.
 *
 * @example A right-padded and a left-padded batch pool the same rows
 * ```ts
 * import { poolLast } from "./corpus.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const x = Float32Array.from([1, 2, 3, 4, 5, 0]); // B = 2, T = 3, H = 1; row 1 right-padded
 * deepStrictEqual(Array.from(poolLast(x, Uint8Array.from([1, 1, 1, 1, 1, 0]), 2, 3, 1)), [3, 5]);
 * const y = Float32Array.from([1, 2, 3, 0, 4, 5]); // row 1 left-padded
 * deepStrictEqual(
 *   Array.from(poolLast(y, Uint8Array.from([1, 1, 1, 0, 1, 1]), 2, 3, 1, "left")),
 *   [3, 5],
 * );
 * ```
 */
export function poolLast(
  x: Float32Array | Float64Array,
  mask: ArrayLike<number>,
  b: number,
  t: number,
  h: number,
  padding: PaddingSide = "right",
): Float64Array {
  const verb = "pool activations";
  if (!(x instanceof Float32Array) && !(x instanceof Float64Array)) {
    throw new TypeError(
      `Cannot ${verb}: expected x a Float32Array or Float64Array but got ${shown(x)}`,
    );
  }
  if (!Array.isArray(mask) && !(ArrayBuffer.isView(mask) && !(mask instanceof DataView))) {
    throw new TypeError(
      `Cannot ${verb}: expected the mask an array of 0 and 1 but got ${shown(mask)}`,
    );
  }
  checkInt(b, verb, "b (the batch size)", 0);
  checkInt(t, verb, "t (the sequence length)", 1);
  checkInt(h, verb, "h (the hidden size)", 1);
  if (padding !== "right" && padding !== "left") {
    throw new TypeError(
      `Cannot ${verb}: expected padding "right" or "left" but got ${shown(padding)}`,
    );
  }
  if (x.length !== b * t * h || mask.length !== b * t) {
    throw new TypeError(
      `Cannot pool activations: expected x of ${b}·${t}·${h} and a mask of ${b}·${t} values ` +
        `but got ${x.length} and ${mask.length}`,
    );
  }
  const out = new Float64Array(b * h);
  for (let i = 0; i < b; i++) {
    let n = 0;
    let first = -1;
    let last = -1;
    for (let j = 0; j < t; j++) {
      const m = mask[i * t + j];
      if (m !== 0 && m !== 1) {
        throw new CorpusError(
          `Cannot pool row ${i}: expected a mask of 0 and 1 but got ${m} at position ${j}`,
        );
      }
      if (m === 1) {
        if (first < 0) first = j;
        last = j;
        n++;
      }
    }
    if (n === 0) {
      throw new CorpusError(`Cannot pool row ${i}: expected at least one token but its mask is 0`);
    }
    if (last - first + 1 !== n) {
      throw new CorpusError(
        `Cannot pool row ${i}: expected its tokens in one run but the mask has holes`,
      );
    }
    if (padding === "right" && first !== 0) {
      throw new CorpusError(
        `Cannot pool row ${i} as right-padded: its first token is at position ${first}, so the ` +
          `batch is left-padded (index Σmask − 1 = ${n - 1} would read a pad); pass padding "left"`,
      );
    }
    if (padding === "left" && last !== t - 1) {
      throw new CorpusError(
        `Cannot pool row ${i} as left-padded: its last token is at position ${last} of ${t}, so ` +
          `the batch is right-padded; pass padding "right"`,
      );
    }
    const idx = padding === "right" ? n - 1 : t - 1;
    for (let k = 0; k < h; k++) {
      const v = x[(i * t + idx) * h + k]!;
      // A pad position may hold NaN (a fully masked attention row); the pooled token may not.
      if (!Number.isFinite(v)) {
        throw new RangeError(
          `Cannot pool row ${i}: expected finite activations at its last token (position ` +
            `${idx}) but got ${v} at hidden index ${k}`,
        );
      }
      out[i * h + k] = v;
    }
  }
  return out;
}
