/**
 * The quality report (`quality.json`) of Kent Overstreet's amygdala trainer
 * (kent/consciousness:training/amygdala_training/train_steering_vectors.py,
 * `--quality-report`), assembled from the metrics of ./quality.ts: per concept
 * and layer the first-PC ratio with its null baseline, per-story alignment and
 * outliers, single-neuron alignment, per-head concentration, spectrum metrics
 * and the subspace eigenvalues with their eigengap; per concept, at the middle
 * target layer (index ⌊n_layers/2⌋, as the original), the nearest concepts and
 * the ridge linear combination. `subspace_eigvals[concept][layer]` keeps the
 * original's key layout.
 *
 * @module
 */
import { type Matrix, matrix, type MatrixData } from "../../linalg/matrix.ts";
import type { SubspaceDirection } from "../subspace/subspace.ts";
import {
  checkFunction,
  checkInt,
  checkObject,
  checkString,
  checkStrings,
  firstNonFinite,
  isMatrix,
  shown,
} from "../validate.ts";
import {
  deltaSpectrum,
  firstPcNullBaseline,
  firstPcVarianceRatio,
  type HeadConcentration,
  headConcentration,
  nearestConcepts,
  type NullBaseline,
  ridgeCombination,
  singleNeuronAlignment,
  type SpectrumMetrics,
  spectrumMetrics,
  type StoryAlignment,
  storyAlignment,
} from "./quality.ts";

/** The `format` of a quality.json written by memspec. */
export const QUALITY_FORMAT = "memspec.amygdala.quality.v1";

/** What the report needs about one concept at one layer. */
export interface QualityLayerInput {
  /** Pooled positive activations (n_pos × H). */
  readonly pos: Matrix<MatrixData>;
  /** Pooled negative activations (n_neg × H). */
  readonly neg: Matrix<MatrixData>;
  /** o_proj inputs for the per-head decomposition (width n_heads·head_dim). */
  readonly heads?: {
    pos: Matrix<MatrixData>;
    neg: Matrix<MatrixData>;
    nHeads: number;
  };
  /** Paired deltas (rows δ_i) for the spectrum metrics. */
  readonly deltas?: Matrix<MatrixData>;
  /** The subspace method's result, for its eigenvalues and eigengap. */
  readonly subspace?: SubspaceDirection;
}

/** What {@link qualityReport} reads. */
export interface QualityInput {
  /** The aggregation method that produced the directions. */
  readonly method: string;
  /** Concept names, in readout row order. */
  readonly concepts: readonly string[];
  /** Target layer indices, in readout order. */
  readonly layers: readonly number[];
  /** Per layer (same order as `layers`): the n_concepts × H unit directions. */
  readonly directions: readonly Matrix<MatrixData>[];
  /** The activations of concept c (index) at layer l (index into `layers`). */
  readonly activations: (concept: number, layer: number) => QualityLayerInput;
  /** Per layer: the MLP down-projection (H × I), or null where there is none. */
  readonly wDown?: readonly (Matrix<MatrixData> | null)[];
}

/** The report for one concept at one layer. */
export interface LayerQuality {
  /** σ₁²/Σσ² of the centred positives. */
  readonly first_pc_variance_ratio: number;
  /** The same ratio from noise alone for the same n and H. */
  readonly first_pc_null_baseline: NullBaseline;
  /** Per-story cosines and the 2 lowest. */
  readonly story_alignment: StoryAlignment;
  /** max_j cos(W_down[:, j], d), when W_down was given. */
  readonly single_neuron?: { score: number; neuron: number };
  /** The per-head decomposition, when o_proj inputs were given. */
  readonly heads?: HeadConcentration;
  /** Spectrum metrics of the paired deltas, when given. */
  readonly spectrum?: SpectrumMetrics;
  /** The subspace method's eigengaps, when it ran. */
  readonly subspace_eigengap?: { lead: number; after_k: number; relative: number };
}

/** The report for one concept. */
export interface ConceptQuality {
  /** Number of positives: rows of the pooled positive activations (`pos`) at the last layer. */
  readonly n_pos: number;
  /** Number of negatives: rows of the pooled negative activations (`neg`) at the last layer. */
  readonly n_neg: number;
  /** Per layer index (as a string key). */
  readonly layers: Record<string, LayerQuality>;
  /** Top-5 other concepts by cosine at the middle layer. */
  readonly nearest_concepts: { concept: string; cos: number }[];
  /** Ridge regression on the other concepts at the middle layer (λ = 0.01). */
  readonly ridge: { r2: number; lambda: number; top: { concept: string; alpha: number }[] };
}

/** The quality.json object. */
export interface QualityReport {
  /** The format tag, {@link QUALITY_FORMAT}. */
  readonly format: typeof QUALITY_FORMAT;
  /** The aggregator method that built the directions. */
  readonly method: string;
  /** The concept names, in readout order. */
  readonly concepts: string[];
  /** The layer indices, in readout order. */
  readonly layers: number[];
  /** The layer the cross-concept analyses use: layers[⌊n_layers/2⌋]. */
  readonly middle_layer: number;
  /** Per concept name. */
  readonly quality: Record<string, ConceptQuality>;
  /** subspace_eigvals[concept][layer]: top min(20, H) eigenvalues, descending (subspace only). */
  readonly subspace_eigvals?: Record<string, Record<string, number[]>>;
}

/**
 * Builds the quality.json object (see {@link QualityReport}).
 *
 * @throws {TypeError} when the concept, layer and direction counts disagree, or a metric's
 *   inputs have mismatched sizes (the metric's error, prefixed with concept and layer)
 * @throws {RangeError} on empty sets or non-finite values (likewise prefixed)
 *
 * @example
 * ```ts
 * import { qualityReport } from "./report.ts";
 * import { fromRows } from "../../linalg/matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * const r = qualityReport({
 *   method: "pooled", concepts: ["a", "b"], layers: [3],
 *   directions: [fromRows([[1, 0], [0, 1]])],
 *   activations: (c) => ({
 *     pos: fromRows(c === 0 ? [[2, 0], [3, 1]] : [[0, 2], [1, 3]]),
 *     neg: fromRows([[0, 0]]),
 *   }),
 * });
 * strictEqual(r.quality.a!.layers["3"]!.first_pc_variance_ratio, 1);
 * strictEqual(r.quality.a!.ridge.r2, 0);
 * ```
 */
export function qualityReport(input: QualityInput): QualityReport {
  const verb = "build the quality report";
  checkObject(input, verb, "the input");
  checkString(input.method, verb, "input.method");
  checkStrings(input.concepts, verb, "input.concepts", true);
  if (new Set(input.concepts).size !== input.concepts.length) {
    throw new TypeError(`Cannot ${verb}: expected distinct input.concepts but some repeat`);
  }
  if (!Array.isArray(input.layers)) {
    throw new TypeError(
      `Cannot ${verb}: expected input.layers an array but got ${shown(input.layers)}`,
    );
  }
  input.layers.forEach((l, i) => checkInt(l, verb, `input.layers[${i}]`, 0));
  if (new Set(input.layers).size !== input.layers.length) {
    throw new TypeError(`Cannot ${verb}: expected distinct input.layers but some repeat`);
  }
  if (!Array.isArray(input.directions)) {
    throw new TypeError(
      `Cannot ${verb}: expected input.directions an array of matrices but got ${
        shown(input.directions)
      }`,
    );
  }
  input.directions.forEach((d, i) => {
    if (!isMatrix(d)) {
      throw new TypeError(
        `Cannot ${verb}: expected input.directions[${i}] a matrix (f64 or f32 data of ` +
          `rows·cols values) but got ${shown(d)}`,
      );
    }
    const bad = firstNonFinite(d.data);
    if (bad >= 0) {
      throw new RangeError(
        `Cannot ${verb}: expected finite directions but input.directions[${i}] holds ${
          d.data[bad]
        }`,
      );
    }
  });
  checkFunction(input.activations, verb, "input.activations");
  if (input.wDown !== undefined) {
    if (!Array.isArray(input.wDown)) {
      throw new TypeError(
        `Cannot ${verb}: expected input.wDown an array (one matrix or null per layer) but got ` +
          shown(input.wDown),
      );
    }
    input.wDown.forEach((w, i) => {
      if (w !== null && !isMatrix(w)) {
        throw new TypeError(
          `Cannot ${verb}: expected input.wDown[${i}] a matrix or null but got ${shown(w)}`,
        );
      }
    });
  }
  const { concepts, layers, directions } = input;
  if (concepts.length < 1 || layers.length < 1) {
    throw new RangeError(
      `Cannot ${verb}: expected at least one concept and one layer but got ` +
        `${concepts.length} and ${layers.length}`,
    );
  }
  if (directions.length !== layers.length) {
    throw new TypeError(
      `Cannot ${verb}: expected ${layers.length} direction matrices (one per layer) but got ` +
        `${directions.length}`,
    );
  }
  directions.forEach((d, l) => {
    if (d.rows !== concepts.length) {
      throw new TypeError(
        `Cannot ${verb}: expected layer ${layers[l]}'s directions to have ${concepts.length} ` +
          `rows but got ${d.rows}`,
      );
    }
  });
  const mid = Math.floor(layers.length / 2);
  const quality: Record<string, ConceptQuality> = {};
  const eigvals: Record<string, Record<string, number[]>> = {};
  const baselines = new Map<string, NullBaseline>();
  concepts.forEach((name, c) => {
    const per: Record<string, LayerQuality> = {};
    let nPos = 0;
    let nNeg = 0;
    layers.forEach((layer, l) => {
      const where = `concept "${name}" at layer ${layer}`;
      try {
        const a = input.activations(c, l);
        if (a === null || typeof a !== "object" || !isMatrix(a.pos) || !isMatrix(a.neg)) {
          throw new TypeError(
            `expected input.activations(${c}, ${l}) to return { pos, neg } matrices but got ` +
              shown(a),
          );
        }
        const dm = directions[l]!;
        const h = dm.cols;
        if (a.pos.cols !== h || a.neg.cols !== h) {
          throw new TypeError(
            `expected activations of hidden size ${h} but got ${a.pos.cols} and ${a.neg.cols}`,
          );
        }
        const d = dm.data.subarray(c * h, (c + 1) * h);
        [nPos, nNeg] = [a.pos.rows, a.neg.rows];
        const key = `${a.pos.rows}×${h}`;
        if (!baselines.has(key)) baselines.set(key, firstPcNullBaseline(a.pos.rows, h));
        const w = input.wDown?.[l] ?? null;
        const s = a.subspace;
        per[String(layer)] = {
          first_pc_variance_ratio: firstPcVarianceRatio(a.pos),
          first_pc_null_baseline: baselines.get(key)!,
          story_alignment: storyAlignment(a.pos, a.neg, d),
          ...(w !== null ? { single_neuron: singleNeuronAlignment(w, d) } : {}),
          ...(a.heads
            ? { heads: headConcentration(a.heads.pos, a.heads.neg, a.heads.nHeads) }
            : {}),
          ...(a.deltas ? { spectrum: spectrumMetrics(deltaSpectrum(a.deltas)) } : {}),
          ...(s
            ? {
              subspace_eigengap: {
                lead: s.eigengap.lead,
                after_k: s.eigengap.afterK,
                relative: s.eigengap.relative,
              },
            }
            : {}),
        };
        if (s) (eigvals[name] ??= {})[String(layer)] = Array.from(s.eigvals);
      } catch (e) {
        if (e instanceof Error) {
          const E = e instanceof TypeError ? TypeError : RangeError;
          throw new E(
            `Cannot ${verb} for ${where}: ${e.message.replace(/^Cannot /, "could not ")}`,
          );
        }
        throw e;
      }
    });
    const dm = directions[mid]!;
    const h = dm.cols;
    const others = matrix(concepts.length - 1, h);
    const otherNames: string[] = [];
    for (let i = 0, r = 0; i < concepts.length; i++) {
      if (i === c) continue;
      others.data.set(dm.data.subarray(i * h, (i + 1) * h), r * h);
      otherNames.push(concepts[i]!);
      r++;
    }
    const ridge = ridgeCombination(others, dm.data.subarray(c * h, (c + 1) * h));
    quality[name] = {
      n_pos: nPos,
      n_neg: nNeg,
      layers: per,
      nearest_concepts: nearestConcepts(dm, concepts, c),
      ridge: {
        r2: ridge.r2,
        lambda: ridge.lambda,
        top: ridge.top.map((t) => ({ concept: otherNames[t.index]!, alpha: t.alpha })),
      },
    };
  });
  return {
    format: QUALITY_FORMAT,
    method: input.method,
    concepts: [...concepts],
    layers: [...layers],
    middle_layer: layers[mid]!,
    quality,
    ...(Object.keys(eigvals).length > 0 ? { subspace_eigvals: eigvals } : {}),
  };
}
