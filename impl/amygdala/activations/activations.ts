/**
 * Where a concept trainer's activations come from: an {@link ActivationSource} turns texts
 * into per-layer activations (the decoder-block outputs of Kent Overstreet's amygdala
 * trainer, kent/consciousness:training/amygdala_training/train_steering_vectors.py; here
 * any model that exposes per-layer states). {@link activateUnique} computes them once per
 * unique text and checks what the source returned; {@link auroc} scores a readout.
 *
 * @example A source of fixed vectors, each text asked for once
 * ```ts
 * import { activateUnique, type ActivationSource } from "./activations.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const asked: string[] = [];
 * const source: ActivationSource = {
 *   layers: [0],
 *   hiddenSizes: [2],
 *   activate(texts) {
 *     asked.push(...texts);
 *     const pooled = Float32Array.from(texts.flatMap((t) => [t.length, 1]));
 *     return Promise.resolve({ layers: new Map([[0, { hidden: 2, pooled }]]) });
 *   },
 * };
 * const acts = await activateUnique(source, ["ab", "abc", "ab"]);
 * deepStrictEqual(asked, ["ab", "abc"]);
 * deepStrictEqual(Array.from(acts.row(0, "abc")), [3, 1]);
 * ```
 *
 * @module
 */
import { CorpusError } from "../corpus/corpus.ts";
import {
  checkFunction,
  checkInt,
  checkObject,
  checkOptions,
  checkReals,
  checkStrings,
  shown,
} from "../validate.ts";

/** One layer's activations of a batch of texts. */
export interface LayerActivations {
  /** Hidden size H of the layer. */
  readonly hidden: number;
  /** Last-token activations [n, H], row-major, one row per text in order. */
  readonly pooled: Float32Array;
  /** Per-token activations of each text, [T_i, H] row-major (when asked for). */
  readonly tokens?: readonly Float32Array[];
}

/** What a source returns for a batch of texts. */
export interface Activations {
  /** By layer index, every layer of the source. */
  readonly layers: ReadonlyMap<number, LayerActivations>;
}

/** A model's activations: texts → per-layer pooled [n, H] and per-token [T, H] states. */
export interface ActivationSource {
  /** The layer indices the source exposes, ascending. */
  readonly layers: readonly number[];
  /** Hidden size of each layer, in `layers` order. */
  readonly hiddenSizes: readonly number[];
  /**
   * Activations of `texts`, pooled at each text's last token, and per token when
   * `options.tokens` is set.
   */
  activate(texts: readonly string[], options?: { tokens?: boolean }): Promise<Activations>;
}

/** Activations of unique texts, looked up by text. */
export interface UniqueActivations {
  /** The texts, once each, in first-seen order (the rows). */
  readonly texts: readonly string[];
  /** Row of each text. */
  readonly index: ReadonlyMap<string, number>;
  /** The source's activations of `texts`. */
  readonly activations: Activations;
  /** The pooled row of `text` at `layer` (a view). */
  row(layer: number, text: string): Float32Array;
  /** The pooled rows of `texts` at `layer`, stacked [n, H] in f64. */
  rows(layer: number, texts: readonly string[]): Float64Array;
}

/**
 * Checks a source's answer: every layer present with its declared hidden size, pooled rows
 * [n, H], token rows [T_i, H] when present, every value finite.
 *
 * @throws {TypeError} for a malformed source declaration or texts that are not strings.
 * @throws {CorpusError} naming the layer, and the text for a non-finite value.
 */
export function checkActivations(
  source: ActivationSource,
  texts: readonly string[],
  acts: Activations,
): void {
  checkSource(source, "read activations");
  checkStrings(texts, "read activations", "the texts", true);
  const n = texts.length;
  if (!isActivations(acts)) {
    throw new CorpusError(
      "Cannot read activations: expected the source's answer an object whose layers is a Map " +
        `but got ${shown(acts)}`,
    );
  }
  source.layers.forEach((layer, li) => {
    const h = source.hiddenSizes[li]!;
    const a = acts.layers.get(layer);
    if (a === undefined) {
      throw new CorpusError(
        `Cannot read activations of layer ${layer}: expected the source to return it but it did not`,
      );
    }
    if (a === null || typeof a !== "object" || !(a.pooled instanceof Float32Array)) {
      throw new CorpusError(
        `Cannot read activations of layer ${layer}: expected { hidden, pooled: Float32Array } ` +
          `but got ${shown(a)}`,
      );
    }
    if (
      a.tokens !== undefined &&
      (!Array.isArray(a.tokens) || a.tokens.some((t) => !(t instanceof Float32Array)))
    ) {
      throw new CorpusError(
        `Cannot read token activations of layer ${layer}: expected an array of Float32Array ` +
          `but got ${shown(a.tokens)}`,
      );
    }
    if (a.hidden !== h || a.pooled.length !== n * h) {
      throw new CorpusError(
        `Cannot read activations of layer ${layer}: expected hidden size ${h} and ${n}·${h} ` +
          `pooled values but got hidden size ${a.hidden} and ${a.pooled.length} values`,
      );
    }
    const bad = a.pooled.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const text = texts[Math.floor(bad / h)]!;
      throw new CorpusError(
        `Cannot read activations of layer ${layer}: expected finite values but text ` +
          `${JSON.stringify(text.slice(0, 40))} has ${a.pooled[bad]} at hidden index ${bad % h}`,
      );
    }
    a.tokens?.forEach((tok, i) => {
      if (
        tok.length % h !== 0 || tok.length === 0 || tok.some((v: number) => !Number.isFinite(v))
      ) {
        throw new CorpusError(
          `Cannot read token activations of layer ${layer}: expected [T, ${h}] finite values ` +
            `for text ${JSON.stringify(texts[i]!.slice(0, 40))} but got ${tok.length} values ` +
            "(or a non-finite one)",
        );
      }
    });
  });
}

function isActivations(a: unknown): a is Activations {
  return a !== null && typeof a === "object" && (a as Activations).layers instanceof Map;
}

/**
 * Checks a source's declaration: `layers` distinct indices >= 0, one hidden size >= 1 per
 * layer, and an `activate` function. Module-internal to the family (not in mod.ts).
 */
export function checkSource(source: unknown, verb: string): asserts source is ActivationSource {
  checkObject(source, verb, "an activation source");
  const s = source as Record<string, unknown>;
  const layers = s.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new TypeError(
      `Cannot ${verb}: expected source.layers a non-empty array of layer indices but got ` +
        shown(layers),
    );
  }
  layers.forEach((l, i) => checkInt(l, verb, `source.layers[${i}]`, 0));
  if (new Set(layers).size !== layers.length) {
    throw new TypeError(`Cannot ${verb}: expected distinct source.layers but some repeat`);
  }
  const sizes = s.hiddenSizes;
  if (!Array.isArray(sizes) || sizes.length !== layers.length) {
    throw new TypeError(
      `Cannot ${verb}: expected source.hiddenSizes an array of ${layers.length} (one per layer) ` +
        `but got ${shown(sizes)}`,
    );
  }
  sizes.forEach((h, i) => checkInt(h, verb, `source.hiddenSizes[${i}]`, 1));
  checkFunction(s.activate, verb, "source.activate");
}

/**
 * Activations of `texts` computed once per unique text: the source is asked for each
 * distinct text once, in first-seen order, and its answer checked ({@link checkActivations}).
 *
 * @throws {TypeError} for a malformed source, texts or options.
 * @throws {CorpusError} for an empty list or a bad answer.
 */
export async function activateUnique(
  source: ActivationSource,
  texts: readonly string[],
  options: { tokens?: boolean } = {},
): Promise<UniqueActivations> {
  checkSource(source, "compute activations");
  checkStrings(texts, "compute activations", "the texts", true);
  checkOptions(options, "compute activations");
  if (options.tokens !== undefined && typeof options.tokens !== "boolean") {
    throw new TypeError(
      `Cannot compute activations: expected options.tokens a boolean but got ${
        shown(options.tokens)
      }`,
    );
  }
  const unique = [...new Set(texts)];
  if (unique.length === 0) {
    throw new CorpusError("Cannot compute activations: expected at least one text but got none");
  }
  const activations = await source.activate(unique, options);
  checkActivations(source, unique, activations);
  const index = new Map(unique.map((t, i) => [t, i] as const));
  const layerOf = (layer: number) => {
    const a = activations.layers.get(layer);
    if (a === undefined) {
      throw new RangeError(
        `Cannot read layer ${layer}: expected one of ${source.layers.join(", ")}`,
      );
    }
    return a;
  };
  const rowOf = (text: string) => {
    const i = index.get(text);
    if (i === undefined) {
      throw new RangeError(
        `Cannot read the activations of ${JSON.stringify(text.slice(0, 40))}: it was not computed`,
      );
    }
    return i;
  };
  return {
    texts: unique,
    index,
    activations,
    row(layer, text) {
      const a = layerOf(layer);
      const i = rowOf(text);
      return a.pooled.subarray(i * a.hidden, (i + 1) * a.hidden);
    },
    rows(layer, list) {
      const a = layerOf(layer);
      const out = new Float64Array(list.length * a.hidden);
      list.forEach((t, r) => {
        const i = rowOf(t);
        for (let k = 0; k < a.hidden; k++) out[r * a.hidden + k] = a.pooled[i * a.hidden + k]!;
      });
      return out;
    },
  };
}

/**
 * Area under the ROC curve of `scores` for `labels` (true = positive): the probability that
 * a random positive outscores a random negative, ties counting one half (Mann–Whitney U / n₊n₋).
 *
 * @throws {RangeError} when either class is empty, the lengths differ or a score is not
 *   finite. @throws {TypeError} when a label is not a boolean.
 *
 * @example
 * ```ts
 * import { auroc } from "./activations.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(auroc([0.9, 0.1, 0.5, 0.5], [true, false, true, false]), 0.875);
 * ```
 */
export function auroc(scores: ArrayLike<number>, labels: readonly boolean[]): number {
  checkReals(scores, "compute an AUROC", "the scores", null);
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== "boolean")) {
    throw new TypeError(
      `Cannot compute an AUROC: expected the labels an array of booleans but got ${shown(labels)}` +
        (Array.isArray(labels) ? " with a non-boolean entry" : ""),
    );
  }
  if (scores.length !== labels.length) {
    throw new RangeError(
      `Cannot compute an AUROC: expected one label per score but got ${scores.length} scores ` +
        `and ${labels.length} labels`,
    );
  }
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) =>
    scores[a]! - scores[b]!
  );
  let rankSum = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1; // mid-rank of a tie block
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!]) {
        rankSum += rank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new RangeError(
      `Cannot compute an AUROC: expected positives and negatives but got ${nPos} and ${nNeg}`,
    );
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
