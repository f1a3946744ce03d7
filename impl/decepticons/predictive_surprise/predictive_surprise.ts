/**
 * The predictive-surprise controller (asuramaya/decepticons src/decepticons/
 * predictive_surprise.py): from a prediction p̂ and the observed y it forms the residual
 * r = y − p̂, a two-value summary of a signal derived from r, and a feature vector of moments.
 *
 * memspec differs from the original where the original is wrong. The original's summary is
 * [mean|s|, max|s|] whatever the feature mode and reduction (so both settings are inert), and
 * its features hold mean r² twice (mean r² and mean |r|²). memspec's summary is
 * [stat(s), extreme(s)] with s = r in "residual" mode and s = |r| in "surprise" mode,
 * stat the configured reduction of s as a scalar (mean, mean_abs, max_abs or last; identity
 * is vector-valued and refused) and extreme(s) the entry of largest magnitude, signed (the
 * first on ties); the features are [mean p̂, mean y, mean r, mean|r|, mean r², summary], 7
 * values without the duplicate. The defaults (surprise, mean_abs) give the original's summary.
 *
 * @example The original's test case
 * ```ts
 * import { PredictiveSurpriseController } from "./predictive_surprise.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const o = new PredictiveSurpriseController().observe([1, 2, 3], [1.5, 1.5, 4]);
 * deepStrictEqual([...o.summary], [2 / 3, 1]);
 * ```
 *
 * @module
 */
import { finiteNumber, finiteVector, optionsRecord } from "../control/check.ts";
import { normalizeInPlace, type SummaryConfig, summaryConfig } from "../control/control.ts";
import { shown } from "../../validate.ts";

/** Which signal the summary reads: the signed residual or its magnitude. */
export type SurpriseFeatureMode = "surprise" | "residual";

/** Settings of a {@link PredictiveSurpriseController}. */
export interface PredictiveSurpriseConfig {
  /** "surprise" (|r|, default) or "residual" (r, signed). */
  featureMode: SurpriseFeatureMode;
  /** Summary settings (default mean_abs, no normalisation); identity is refused. */
  summary: SummaryConfig;
  /** Floor (default 1e-8), kept for the original's surface. */
  eps: number;
}

/** What one observation gives. */
export interface SurpriseObservation {
  /** r = y − p̂. */
  readonly residual: Float64Array;
  /** |r|. */
  readonly surprise: Float64Array;
  /** [stat(s), extreme(s)], normalised when configured. */
  readonly summary: Float64Array;
  /** [mean p̂, mean y, mean r, mean|r|, mean r², summary[0], summary[1]]. */
  readonly features: Float64Array;
}

/** Width of {@link SurpriseObservation.features}. */
export const SURPRISE_FEATURE_DIM = 7;

const OP = "build a PredictiveSurpriseController";

/** Residual and surprise features of a prediction against what was observed.
 *
 * @example The residual mode keeps the sign
 * ```ts
 * import { PredictiveSurpriseController } from "./predictive_surprise.ts";
 * import { strictEqual } from "node:assert/strict";
 * const c = new PredictiveSurpriseController({ featureMode: "residual" });
 * strictEqual(c.observe([1, 1], [0, 1.5]).summary[1], -1);
 * ```
 */
export class PredictiveSurpriseController {
  /** The checked settings. */
  readonly config: Readonly<PredictiveSurpriseConfig>;
  /** Width of the feature vector: 7. */
  readonly featureDim: number = SURPRISE_FEATURE_DIM;

  /**
   * Builds a controller with checked settings.
   *
   * @throws {TypeError} for an unknown mode or reduction, or malformed settings.
   * @throws {RangeError} for the identity reduction (vector-valued) or a bad eps.
   */
  constructor(config: Partial<Omit<PredictiveSurpriseConfig, "summary">> & {
    summary?: Partial<SummaryConfig>;
  } = {}) {
    const o = optionsRecord(OP, config);
    const mode = o.featureMode ?? "surprise";
    if (mode !== "surprise" && mode !== "residual") {
      throw new TypeError(
        `Cannot ${OP}: expected featureMode to be "surprise" or "residual" but got ${shown(mode)}`,
      );
    }
    const summary = summaryConfig(OP, { reduction: "mean_abs", ...optionsRecord(OP, o.summary) });
    if (summary.reduction === "identity") {
      throw new RangeError(
        `Cannot ${OP}: expected a scalar summary reduction (last, mean, mean_abs, max_abs) but ` +
          `got "identity"`,
      );
    }
    this.config = Object.freeze({
      featureMode: mode,
      summary,
      eps: finiteNumber(OP, "eps", o.eps ?? 1e-8, 0),
    });
  }

  /**
   * Observes prediction `predicted` against `observed` (equal lengths, finite).
   *
   * @throws {TypeError} when either is not a list or their lengths differ.
   * @throws {RangeError} when either is empty or holds a non-finite value.
   */
  observe(predicted: ArrayLike<number>, observed: ArrayLike<number>): SurpriseObservation {
    const op = "observe with a PredictiveSurpriseController";
    const p = finiteVector(op, "predicted", predicted);
    const y = finiteVector(op, "observed", observed);
    if (p.length !== y.length) {
      throw new TypeError(
        `Cannot ${op}: expected observed to hold ${p.length} values like predicted but got ` +
          `${y.length}`,
      );
    }
    const n = p.length;
    const residual = y.map((yi, i) => yi - p[i]!);
    const surprise = residual.map(Math.abs);
    const s = this.config.featureMode === "residual" ? residual : surprise;
    const summary = new Float64Array(2);
    const red = this.config.summary.reduction;
    let stat = 0;
    let extreme = s[0]!;
    for (let i = 0; i < n; i++) {
      const x = s[i]!;
      if (red === "mean") stat += x / n;
      else if (red === "mean_abs") stat += Math.abs(x) / n;
      else if (red === "max_abs") stat = Math.max(stat, Math.abs(x));
      if (Math.abs(x) > Math.abs(extreme)) extreme = x;
    }
    summary[0] = red === "last" ? s[n - 1]! : stat;
    summary[1] = extreme;
    if (this.config.summary.normalize) normalizeInPlace(summary, this.config.summary.eps);
    const mean = (f: (i: number) => number) => {
      let a = 0;
      for (let i = 0; i < n; i++) a += f(i);
      return a / n;
    };
    const features = Float64Array.from([
      mean((i) => p[i]!),
      mean((i) => y[i]!),
      mean((i) => residual[i]!),
      mean((i) => surprise[i]!),
      mean((i) => residual[i]! * residual[i]!),
      summary[0],
      summary[1],
    ]);
    return Object.freeze({ residual, surprise, summary, features });
  }
}
