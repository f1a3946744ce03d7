/**
 * Training a readout from a corpus, as Kent Overstreet's amygdala trainer does
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py and
 * train_with_library.py): activations once per unique text, then per concept and layer one
 * unit direction by the chosen method, stacked into the readout's (n_concepts, H) rows.
 *
 * Methods: `pooled` (CAA on all positives and negatives), `subspace` (the token-subspace
 * eigen method; base stories = the concept's negatives), and the steering-vectors library's
 * `mean`, `pca`, `logistic` and memspec's `logistic_l1`, which read paired rows. The library
 * pairs sample i's positive with its negative; the trainer's pairing when the pools differ is
 * not visible, so memspec pairs each paired-scenario positive with its own scenario's
 * baseline, and each story positive with a negative drawn without replacement from a seeded
 * permutation of the remaining negatives (cycling when they run out).
 *
 * @example Pooled CAA from a source of fixed vectors
 * ```ts
 * import { readCorpus } from "../corpus/corpus.ts";
 * import { trainReadout } from "./train.ts";
 * import { ok } from "node:assert/strict";
 * const corpus = await readCorpus("fixtures/corpus/amygdala");
 * const source = {
 *   layers: [0], hiddenSizes: [3],
 *   activate: (texts: readonly string[]) => Promise.resolve({ layers: new Map([[0, {
 *     hidden: 3,
 *     pooled: Float32Array.from(texts.flatMap((t) => [t.length, t.split("e").length, 1])),
 *   }]]) }),
 * };
 * const { vectors } = await trainReadout(corpus, source, { method: "pooled" });
 * ok(vectors.vectors.get(0)!.length === corpus.concepts.length * 3);
 * ```
 *
 * @module
 */
import { Rng } from "../../gpu/rng.ts";
import { type Matrix, matrix } from "../../linalg/matrix.ts";
import {
  checkCorpus,
  conceptSets,
  type Corpus,
  CorpusError,
  corpusTexts,
} from "../corpus/corpus.ts";
import {
  activateUnique,
  type ActivationSource,
  checkSource,
  type UniqueActivations,
} from "../activations/activations.ts";
import {
  checkFunction,
  checkInt,
  checkObject,
  checkString,
  checkStrings,
  shown,
} from "../validate.ts";
import { aggregate } from "../aggregators/mod.ts";
import { type SubspaceDirection, subspaceDirection } from "../subspace/subspace.ts";
import type { ReadoutVectors } from "./readout.ts";

/** The trainer's methods (`--method`). */
export const TRAIN_METHODS = [
  "pooled",
  "subspace",
  "mean",
  "pca",
  "logistic",
  "logistic_l1",
] as const;
/** One of {@link TRAIN_METHODS}. */
export type TrainMethod = typeof TRAIN_METHODS[number];

/** Options of {@link trainReadout}. */
export interface TrainReadoutOptions {
  /** The method; default `pooled`. */
  method?: TrainMethod;
  /** Layers to train, all of one hidden size; default every layer of the source. */
  layers?: readonly number[];
  /** Eigenpairs the subspace method sums (`--subspace-eigen-k`); default 5 (or H). */
  eigenK?: number;
  /** Seed of the negative pairing of the paired methods; default 0. */
  seed?: number;
  /** Called after each concept and layer: done of total, and what was done. */
  progress?: (done: number, total: number, what: string) => void;
  /**
   * Training labels to use instead of the corpus rule: per concept, its positives and
   * negatives (a shuffled-label control passes permuted sets here).
   */
  sets?: ReadonlyMap<string, { positives: readonly string[]; negatives: readonly string[] }>;
}

/** What {@link trainReadout} returns. */
export interface TrainedReadout {
  /** The readout to write. */
  readonly vectors: ReadoutVectors;
  /** Per layer, the (n_concepts × H) f64 directions (rows in concept order). */
  readonly directions: ReadonlyMap<number, Matrix>;
  /** Each concept's training sets. */
  readonly sets: ReadonlyMap<string, { positives: string[]; negatives: string[] }>;
  /** The activations, once per unique text. */
  readonly activations: UniqueActivations;
  /** The subspace method's results, by concept then layer (method `subspace` only). */
  readonly subspace?: ReadonlyMap<string, ReadonlyMap<number, SubspaceDirection>>;
  /** The paired rows the paired methods read, by concept. */
  readonly pairs?: ReadonlyMap<string, { positives: string[]; negatives: string[] }>;
}

/**
 * Pairs each positive of `concept` with one negative (see the module doc): paired-scenario
 * positives with their scenario's baseline, story positives with seeded draws.
 *
 * @throws {TypeError} for a malformed corpus or sets. @throws {CorpusError} for a concept the
 *   corpus lacks. @throws {RangeError} for no positive or no negative, or a seed outside
 *   [0, 2^32).
 */
export function pairedSets(
  corpus: Corpus,
  concept: string,
  sets: { positives: readonly string[]; negatives: readonly string[] },
  seed = 0,
): { positives: string[]; negatives: string[] } {
  checkCorpus(corpus, "pair the positives of a concept");
  checkString(concept, `pair the positives of a concept of corpus ${corpus.root}`, "the concept");
  const verb = `pair the positives of concept "${concept}"`;
  if (!corpus.concepts.includes(concept)) {
    throw new CorpusError(
      `Cannot ${verb}: expected one of the corpus concepts ${corpus.concepts.join(", ")}`,
      { concept },
    );
  }
  checkSets(sets, verb, "sets");
  if (sets.positives.length === 0 || sets.negatives.length === 0) {
    throw new RangeError(
      `Cannot ${verb}: expected at least one positive and one negative but got ` +
        `${sets.positives.length} and ${sets.negatives.length}`,
    );
  }
  checkInt(seed, verb, "seed", 0, 0xffffffff);
  const baselineOf = new Map<string, string>();
  for (const p of corpus.paired.values()) {
    const framed = p.concepts.get(concept) ?? [];
    framed.forEach((t, i) => {
      const b = p.baseline[Math.min(i, p.baseline.length - 1)];
      if (b !== undefined && sets.negatives.includes(b)) baselineOf.set(t, b);
    });
  }
  const used = new Set(baselineOf.values());
  const pool = sets.negatives.filter((t) => !used.has(t));
  const draw = pool.length > 0 ? pool : [...sets.negatives];
  // Fisher–Yates with memspec's seeded generator: the same pairing on every run.
  const rng = new Rng(seed);
  for (let i = draw.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [draw[i], draw[j]] = [draw[j]!, draw[i]!];
  }
  let k = 0;
  const negatives = sets.positives.map((p) => baselineOf.get(p) ?? draw[k++ % draw.length]!);
  return { positives: [...sets.positives], negatives };
}

/** Checks a concept's training sets: an object of two arrays of strings. */
function checkSets(sets: unknown, verb: string, what: string): void {
  checkObject(sets, verb, what);
  const s = sets as Record<string, unknown>;
  checkStrings(s.positives, verb, `${what}.positives`, true);
  checkStrings(s.negatives, verb, `${what}.negatives`, true);
}

/**
 * Trains one direction per concept and layer and stacks them into a readout.
 *
 * @throws {TypeError|RangeError} for a malformed corpus, source or options (checked before
 *   any activation is computed).
 * @throws {CorpusError} for an unknown method or layer, layers of different hidden sizes,
 *   or bad activations (naming the concept or layer). The aggregators' and the subspace
 *   method's own errors propagate with the concept named.
 */
export async function trainReadout(
  corpus: Corpus,
  source: ActivationSource,
  options: TrainReadoutOptions = {},
): Promise<TrainedReadout> {
  const verb = "train a readout";
  checkCorpus(corpus, verb);
  checkSource(source, verb);
  checkObject(options, verb, "options");
  if (options.layers !== undefined && !Array.isArray(options.layers)) {
    throw new TypeError(
      `Cannot ${verb}: expected options.layers an array of layer indices but got ` +
        shown(options.layers),
    );
  }
  if (options.seed !== undefined) checkInt(options.seed, verb, "options.seed", 0, 0xffffffff);
  checkFunction(options.progress, verb, "options.progress", true);
  if (options.sets !== undefined) {
    if (!(options.sets instanceof Map)) {
      throw new TypeError(
        `Cannot ${verb}: expected options.sets a Map but got ${shown(options.sets)}`,
      );
    }
    for (const [c, s] of options.sets) checkSets(s, verb, `options.sets.get(${JSON.stringify(c)})`);
  }
  const method = options.method === undefined ? "pooled" : options.method;
  if (!(TRAIN_METHODS as readonly string[]).includes(method)) {
    throw new CorpusError(
      `Cannot train a readout: expected a method of ${TRAIN_METHODS.join(", ")} but got ` +
        JSON.stringify(method),
    );
  }
  const layers = [...(options.layers === undefined ? source.layers : options.layers)];
  if (layers.length === 0) {
    throw new CorpusError("Cannot train a readout: expected at least one layer but got none");
  }
  const sizes = layers.map((l) => {
    const i = source.layers.indexOf(l);
    if (i < 0) {
      throw new CorpusError(
        `Cannot train a readout at layer ${l}: expected one of the source's layers ` +
          source.layers.join(", "),
      );
    }
    return source.hiddenSizes[i]!;
  });
  const H = sizes[0]!;
  if (sizes.some((h) => h !== H)) {
    throw new CorpusError(
      `Cannot train a readout over layers ${layers.join(", ")}: expected one hidden size (a ` +
        `readout file has one hidden_size) but got ${sizes.join(", ")}`,
    );
  }
  // The subspace method sums at most H eigenpairs; refused for every method, never ignored.
  if (options.eigenK !== undefined) checkInt(options.eigenK, verb, "options.eigenK", 1, H);
  const sets = new Map<string, { positives: string[]; negatives: string[] }>();
  for (const c of corpus.concepts) {
    const s = options.sets?.get(c) ?? conceptSets(corpus, c);
    sets.set(c, { positives: [...s.positives], negatives: [...s.negatives] });
  }
  const texts = [
    ...corpusTexts(corpus),
    ...[...sets.values()].flatMap((s) => [
      ...s.positives,
      ...s.negatives,
    ]),
  ];
  const acts = await activateUnique(source, texts, { tokens: method === "subspace" });
  if (method === "subspace") {
    // The subspace method reads every text's per-byte states: a source that ignores
    // `options.tokens` is named here, not met as an undefined row later.
    for (const l of layers) {
      const tokens = acts.activations.layers.get(l)?.tokens;
      if (tokens === undefined || tokens.length !== acts.index.size) {
        throw new CorpusError(
          `Cannot train a subspace readout at layer ${l}: expected the activation source to ` +
            `return per-byte states for each of the ${acts.index.size} texts (options.tokens) ` +
            `but got ${tokens === undefined ? "none" : tokens.length}`,
        );
      }
    }
  }
  const C = corpus.concepts.length;
  const total = C * layers.length;
  const directions = new Map<number, Matrix>();
  const vectors = new Map<number, Float32Array>();
  const subspace = new Map<string, Map<number, SubspaceDirection>>();
  const pairs = new Map<string, { positives: string[]; negatives: string[] }>();
  const paired = method === "mean" || method === "pca" || method === "logistic" ||
    method === "logistic_l1";
  let done = 0;
  for (const l of layers) {
    const d = matrix(C, H);
    corpus.concepts.forEach((c, ci) => {
      const s = sets.get(c)!;
      let dir: Float64Array;
      try {
        dir = directionOf(c, l, s);
      } catch (e) {
        // Name the concept and layer in the method's own error (its class is kept).
        if (e instanceof Error && !e.message.includes(`"${c}"`)) {
          e.message = `concept "${c}" at layer ${l}: ${e.message}`;
        }
        throw e;
      }
      d.data.set(dir, ci * H);
      options.progress?.(++done, total, `${c} @ layer ${l}`);
    });
    directions.set(l, d);
    vectors.set(l, Float32Array.from(d.data));
  }
  function directionOf(
    c: string,
    l: number,
    s: { positives: string[]; negatives: string[] },
  ): Float64Array {
    if (method === "subspace") {
      const stories = (list: readonly string[]) =>
        list.map((t) => {
          const tok = acts.activations.layers.get(l)!.tokens![acts.index.get(t)!]!;
          return matrix(tok.length / H, H, tok);
        });
      const r = subspaceDirection(stories(s.positives), stories(s.negatives), {
        ...(options.eigenK !== undefined ? { eigenK: options.eigenK } : {}),
      });
      if (!subspace.has(c)) subspace.set(c, new Map());
      subspace.get(c)!.set(l, r);
      return r.direction;
    } else if (paired) {
      const p = pairedSets(corpus, c, s, options.seed ?? 0);
      pairs.set(c, p);
      return aggregate(
        method,
        matrix(p.positives.length, H, acts.rows(l, p.positives)),
        matrix(p.negatives.length, H, acts.rows(l, p.negatives)),
        { concept: c },
      );
    } else {
      return aggregate(
        "pooled",
        matrix(s.positives.length, H, acts.rows(l, s.positives)),
        matrix(s.negatives.length, H, acts.rows(l, s.negatives)),
        { concept: c },
      );
    }
  }
  return {
    vectors: { concepts: [...corpus.concepts], layers, hiddenSize: H, vectors },
    directions,
    sets,
    activations: acts,
    ...(method === "subspace" ? { subspace } : {}),
    ...(paired ? { pairs } : {}),
  };
}
