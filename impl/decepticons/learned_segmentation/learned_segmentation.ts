/**
 * Learned segmentation (asuramaya/decepticons src/decepticons/learned_segmentation.py): an
 * online logistic boundary scorer over f = [1, novelty, drift, L/scale, L/max] and a
 * segmenter that cuts a stream into patches of length in [minPatch, maxPatch].
 *
 * Scorer: p = σ(clip(w·f + b, ±60)); one update with target y ∈ [0, 1] is
 * w ← w − η((p − y) f + λ₂ w), b ← b − η((p − y) + λ_r (p − r)), the r term only when a
 * target rate r is configured (r = targetBoundaryRate, else 1/targetPatchSize).
 *
 * memspec differs from the original where the original is wrong: one step counts once
 * (the original counts a learning step twice), the configured target rate and the observed
 * mean of the targets are separate fields (the original overwrites one field with both),
 * and learning is target-driven: a target comes from the configured patch size or boundary
 * rate (forced at the length limits), never from the scorer's own decision, which is what
 * makes the original's self-training collapse to maximum-length patches. Learning without
 * a configured target is refused.
 *
 * @example Patch lengths stay in [min, max]
 * ```ts
 * import { LearnedSegmenter } from "./learned_segmentation.ts";
 * import { ok } from "node:assert/strict";
 * const s = new LearnedSegmenter({ minPatch: 2, maxPatch: 5, targetPatchSize: 3 });
 * for (let t = 0; t < 50; t++) s.step(Math.sin(t), Math.cos(t), { learn: true });
 * ok(s.stepsSeen === 50 && s.updates === 50);
 * ```
 *
 * @module
 */
import { finiteNumber, integer, optionsRecord, sigmoid } from "../control/check.ts";
import { shown } from "../../validate.ts";

/** Settings of the scorer and the segmenter. */
export interface SegmenterConfig {
  /** Learning rate η > 0 (default 0.1). */
  learningRate: number;
  /** L2 penalty λ₂ ≥ 0 on w (default 1e-3). */
  l2: number;
  /** Decision threshold θ ∈ [0, 1] (default 0.5). */
  threshold: number;
  /** Shortest patch (default 2). */
  minPatch: number;
  /** Longest patch (default 8). */
  maxPatch: number;
  /** Target patch length > 0, or null (default). */
  targetPatchSize: number | null;
  /** Target boundary rate ∈ (0, 1], or null (default). */
  targetBoundaryRate: number | null;
  /** λ_r ≥ 0 (default 0.25). */
  targetRegularization: number;
  /** Initial bias b (default −1). */
  initialBias: number;
  /** Updates per training decision (default 1). */
  updateSteps: number;
}

/** The original's defaults. */
export const SEGMENTER_DEFAULTS: Readonly<SegmenterConfig> = Object.freeze({
  learningRate: 0.1,
  l2: 1e-3,
  threshold: 0.5,
  minPatch: 2,
  maxPatch: 8,
  targetPatchSize: null,
  targetBoundaryRate: null,
  targetRegularization: 0.25,
  initialBias: -1,
  updateSteps: 1,
});

/** Width of the boundary features. */
export const BOUNDARY_FEATURE_DIM = 5;

/** One decision. */
export interface BoundaryDecision {
  /** Whether the patch ends here. */
  readonly boundary: boolean;
  /** The scorer's probability at the decision. */
  readonly probability: number;
  /** The candidate patch length L. */
  readonly length: number;
  /** The training target used, or null when nothing was learned. */
  readonly target: number | null;
}

function checkConfig(op: string, v: unknown): SegmenterConfig {
  const o = { ...SEGMENTER_DEFAULTS, ...optionsRecord(op, v) };
  const maxPatch = integer(op, "maxPatch", o.maxPatch, 1, 2 ** 24);
  const c: SegmenterConfig = {
    learningRate: finiteNumber(op, "learningRate", o.learningRate, 0, Infinity, { min: true }),
    l2: finiteNumber(op, "l2", o.l2, 0),
    threshold: finiteNumber(op, "threshold", o.threshold, 0, 1),
    minPatch: integer(op, `minPatch (maxPatch ${maxPatch})`, o.minPatch, 1, maxPatch),
    maxPatch,
    targetPatchSize: o.targetPatchSize === null
      ? null
      : finiteNumber(op, "targetPatchSize", o.targetPatchSize, 0, Infinity, { min: true }),
    targetBoundaryRate: o.targetBoundaryRate === null
      ? null
      : finiteNumber(op, "targetBoundaryRate", o.targetBoundaryRate, 0, 1, { min: true }),
    targetRegularization: finiteNumber(op, "targetRegularization", o.targetRegularization, 0),
    initialBias: finiteNumber(op, "initialBias", o.initialBias),
    updateSteps: integer(op, "updateSteps", o.updateSteps, 1, 2 ** 20),
  };
  return c;
}

/** Checks a feature row: {@link BOUNDARY_FEATURE_DIM} finite numbers. */
function checkFeatures(op: string, f: unknown): void {
  const ok = Array.isArray(f) || (ArrayBuffer.isView(f) && !(f instanceof DataView));
  const n = ok ? (f as ArrayLike<unknown>).length : -1;
  if (n !== BOUNDARY_FEATURE_DIM) {
    throw new TypeError(
      `Cannot ${op}: expected ${BOUNDARY_FEATURE_DIM} features but got ${shown(f)}`,
    );
  }
  const a = f as ArrayLike<unknown>;
  for (let i = 0; i < BOUNDARY_FEATURE_DIM; i++) finiteNumber(op, `features[${i}]`, a[i]);
}

/** Checks an optional boolean flag of an options object. */
function flag(op: string, what: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a boolean but got ${shown(v)}`);
  }
  return v;
}

/** The online logistic boundary model.
 *
 * @example One update toward a boundary raises its probability
 * ```ts
 * import { LearnedBoundaryScorer } from "./learned_segmentation.ts";
 * import { ok } from "node:assert/strict";
 * const s = new LearnedBoundaryScorer();
 * const f = s.features(4, 0.3, 0.1);
 * const before = s.probability(f);
 * s.update(f, 1);
 * ok(s.probability(f) > before);
 * ```
 */
export class LearnedBoundaryScorer {
  /** The checked settings. */
  readonly config: Readonly<SegmenterConfig>;
  /** Weights w over the 5 features. */
  readonly weights: Float64Array = new Float64Array(BOUNDARY_FEATURE_DIM);
  /** Bias b (not L2-penalised). */
  bias: number;
  /** Updates applied. */
  updates = 0;
  /** Sum of the targets of every update so far. */
  targetSum = 0;

  /**
   * Builds a scorer with checked settings: w = 0, b = initialBias.
   *
   * @throws {TypeError | RangeError} for malformed or out-of-range settings.
   */
  constructor(config: Partial<SegmenterConfig> = {}) {
    this.config = Object.freeze(checkConfig("build a LearnedBoundaryScorer", config));
    this.bias = this.config.initialBias;
  }

  /** Mean of the targets of every update so far (0 before the first). */
  get meanTarget(): number {
    return this.updates === 0 ? 0 : this.targetSum / this.updates;
  }

  /** The configured boundary rate r: targetBoundaryRate, else 1/targetPatchSize, else null. */
  get targetRate(): number | null {
    const c = this.config;
    return c.targetBoundaryRate ?? (c.targetPatchSize === null ? null : 1 / c.targetPatchSize);
  }

  /** [1, novelty, drift, L/scale, L/max] with scale = max(targetPatchSize ?? max, 1). */
  features(length: number, novelty: number, drift: number): Float64Array {
    const op = "build the features of a LearnedBoundaryScorer";
    integer(op, "length", length, 0, 2 ** 31);
    finiteNumber(op, "novelty", novelty);
    finiteNumber(op, "drift", drift);
    const c = this.config;
    const scale = Math.max(c.targetPatchSize ?? c.maxPatch, 1);
    return Float64Array.from([1, novelty, drift, length / scale, length / c.maxPatch]);
  }

  /** σ(clip(w·f + b, ±60)). */
  probability(f: ArrayLike<number>): number {
    checkFeatures("score with a LearnedBoundaryScorer", f);
    let z = this.bias;
    for (let i = 0; i < BOUNDARY_FEATURE_DIM; i++) z += this.weights[i]! * f[i]!;
    return sigmoid(Math.min(60, Math.max(-60, z)));
  }

  /**
   * One online update toward target `y` ∈ [0, 1].
   *
   * @throws {TypeError | RangeError} for features that are not 5 finite values or y outside
   *   [0, 1]; nothing changes.
   */
  update(f: ArrayLike<number>, y: number): void {
    const op = "update a LearnedBoundaryScorer";
    checkFeatures(op, f);
    finiteNumber(op, "target", y, 0, 1);
    const c = this.config;
    const p = this.probability(f);
    const e = p - y;
    for (let i = 0; i < BOUNDARY_FEATURE_DIM; i++) {
      this.weights[i] = this.weights[i]! - c.learningRate * (e * f[i]! + c.l2 * this.weights[i]!);
    }
    const r = this.targetRate;
    this.bias -= c.learningRate * (e + (r === null ? 0 : c.targetRegularization * (p - r)));
    this.updates += 1;
    this.targetSum += y;
  }
}

/** Online segmenter over a stream of (novelty, drift) signals.
 *
 * @example The boundary is forced at maxPatch
 * ```ts
 * import { LearnedSegmenter } from "./learned_segmentation.ts";
 * import { strictEqual } from "node:assert/strict";
 * const s = new LearnedSegmenter({ minPatch: 1, maxPatch: 3, initialBias: -50 });
 * strictEqual([0, 0, 0].map(() => s.step(0, 0).boundary).join(), "false,false,true");
 * ```
 */
export class LearnedSegmenter {
  /** The boundary model. */
  readonly scorer: LearnedBoundaryScorer;
  /** Length of the open patch. */
  length = 0;
  /** Calls of step() and decide(), each counted once. */
  stepsSeen = 0;
  /** Boundaries decided. */
  boundaries = 0;

  /**
   * Builds a segmenter with checked settings, at length 0.
   *
   * @throws {TypeError | RangeError} for malformed or out-of-range settings.
   */
  constructor(config: Partial<SegmenterConfig> = {}) {
    // Checked under this class's name first, so that an error names the segmenter.
    checkConfig("build a LearnedSegmenter", config);
    this.scorer = new LearnedBoundaryScorer(config);
  }

  /** The settings. */
  get config(): Readonly<SegmenterConfig> {
    return this.scorer.config;
  }

  /** Updates applied by the scorer. */
  get updates(): number {
    return this.scorer.updates;
  }

  /** Boundaries per step so far (0 before the first step). */
  get observedBoundaryRate(): number {
    return this.stepsSeen === 0 ? 0 : this.boundaries / this.stepsSeen;
  }

  /** The target length: targetPatchSize, else 1/targetBoundaryRate, else null. */
  #targetLength(): number | null {
    const c = this.config;
    return c.targetPatchSize ?? (c.targetBoundaryRate === null ? null : 1 / c.targetBoundaryRate);
  }

  #rule(length: number, p: number): boolean {
    const c = this.config;
    return length >= c.maxPatch ? true : length < c.minPatch ? false : p >= c.threshold;
  }

  #target(op: string, length: number): number {
    const c = this.config;
    const t = this.#targetLength();
    if (t === null) {
      throw new RangeError(
        `Cannot ${op}: expected targetPatchSize or targetBoundaryRate to learn from but got ` +
          "neither (self-training on the scorer's own decisions collapses to maxPatch)",
      );
    }
    if (length >= c.maxPatch) return 1;
    if (length < c.minPatch) return 0;
    return length >= Math.round(t) ? 1 : 0;
  }

  /**
   * Decides whether the patch ends at the next token (candidate length L = length + 1),
   * optionally learning from the configured target, then updates the length.
   *
   * @throws {TypeError | RangeError} for non-finite signals, or learn without a configured
   *   target; nothing changes.
   */
  step(novelty: number, drift: number, o: { learn?: boolean } = {}): BoundaryDecision {
    const op = "step a LearnedSegmenter";
    finiteNumber(op, "novelty", novelty);
    finiteNumber(op, "drift", drift);
    const learn = flag(op, "learn", optionsRecord(op, o).learn);
    const L = this.length + 1;
    const target = learn ? this.#target(op, L) : null;
    const f = this.scorer.features(L, novelty, drift);
    const p = this.scorer.probability(f);
    const boundary = this.#rule(L, p);
    if (target !== null) this.scorer.update(f, target);
    this.stepsSeen += 1;
    if (boundary) this.boundaries += 1;
    this.length = boundary ? 0 : L;
    return { boundary, probability: p, length: L, target };
  }

  /**
   * Decides at candidate length `length` without changing the segmenter's length; with
   * `train`, applies `updateSteps` updates toward the configured target first.
   *
   * @throws {TypeError | RangeError} for a bad length, non-finite signals, or train without a
   *   configured target; nothing changes.
   */
  decide(
    length: number,
    novelty: number,
    surprise: number,
    o: { train?: boolean } = {},
  ): BoundaryDecision {
    const op = "decide with a LearnedSegmenter";
    integer(op, "length", length, 1, 2 ** 31);
    finiteNumber(op, "novelty", novelty);
    finiteNumber(op, "surprise", surprise);
    const train = flag(op, "train", optionsRecord(op, o).train);
    const target = train ? this.#target(op, length) : null;
    const f = this.scorer.features(length, novelty, surprise);
    if (target !== null) {
      for (let i = 0; i < this.config.updateSteps; i++) this.scorer.update(f, target);
    }
    const p = this.scorer.probability(f);
    const boundary = this.#rule(length, p);
    this.stepsSeen += 1;
    if (boundary) this.boundaries += 1;
    return { boundary, probability: p, length, target };
  }
}
