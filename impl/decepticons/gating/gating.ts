/**
 * The pathway gate controller (asuramaya/decepticons src/decepticons/gating.py): two scalar
 * gates, fast→mid and mid→slow, each σ(bias + scale·v[index]) of a controller summary v,
 * refreshed every `refreshStride` steps and cached in between.
 *
 * memspec differs from the original where the original is wrong: the initial state holds
 * σ(bias) (what a zero summary gives) instead of (0, 0), values σ can never produce; and the
 * summary width is part of the configuration, so an index outside it is refused at
 * construction instead of at the first `advance`.
 *
 * @example Two gates refreshed at step 0
 * ```ts
 * import { PathwayGateController } from "./gating.ts";
 * import { ok } from "node:assert/strict";
 * const g = new PathwayGateController({
 *   summaryDim: 2, midToSlowIndex: 1, fastToMidBias: -1, midToSlowBias: 0.5,
 *   fastToMidScale: 2, midToSlowScale: 0.5,
 * });
 * const { state } = g.advance(g.initialState(), [1, 2], 0);
 * ok(Math.abs(state.fastToMid - 0.7310585786300049) < 1e-15);
 * ```
 *
 * @module
 */
import { finiteNumber, integer, optionsRecord, sigmoid } from "../control/check.ts";
import {
  type ControllerSummary,
  type Signal,
  type SummaryConfig,
  summaryConfig,
  summaryVector,
} from "../control/control.ts";
import { shown } from "../../validate.ts";

/** Settings of a {@link PathwayGateController}. */
export interface PathwayGateConfig {
  /** Width of the summaries it reads (required: indices are checked against it). */
  summaryDim: number;
  /** Refresh every this many steps (default 1). */
  refreshStride: number;
  /** Summary entry driving the fast→mid gate (default 0). */
  fastToMidIndex: number;
  /** Summary entry driving the mid→slow gate (default 0). */
  midToSlowIndex: number;
  /** Bias b_fm (default 0). */
  fastToMidBias: number;
  /** Bias b_ms (default 0). */
  midToSlowBias: number;
  /** Scale a_fm ≥ 0 (default 1). */
  fastToMidScale: number;
  /** Scale a_ms ≥ 0 (default 1). */
  midToSlowScale: number;
  /** How raw signals become summaries (default identity, no normalisation). */
  summary: SummaryConfig;
}

/** The controller's state: the cached gate values and the step of the last refresh. */
export interface PathwayGateState {
  /** Step of the last refresh (−stride before the first). */
  readonly lastRefresh: number;
  /** The fast→mid gate, in (0, 1). */
  readonly fastToMid: number;
  /** The mid→slow gate, in (0, 1). */
  readonly midToSlow: number;
}

/** What {@link PathwayGateController.advance} returns. */
export interface PathwayGateStep {
  /** The new state. */
  readonly state: PathwayGateState;
  /** Whether the gates were recomputed at this step. */
  readonly refreshed: boolean;
}

const OP = "build a PathwayGateController";

/** Two scalar pathway gates driven by a controller summary.
 *
 * @example A refresh every 2 steps
 * ```ts
 * import { PathwayGateController } from "./gating.ts";
 * import { strictEqual } from "node:assert/strict";
 * const g = new PathwayGateController({ summaryDim: 1, refreshStride: 2 });
 * const a = g.advance(g.initialState(), [3], 0);
 * strictEqual(g.advance(a.state, [-3], 1).refreshed, false);
 * ```
 */
export class PathwayGateController {
  /** The checked settings. */
  readonly config: Readonly<PathwayGateConfig>;

  /**
   * Builds a controller with checked settings (indices against the summary width).
   *
   * @throws {TypeError} for malformed settings.
   * @throws {RangeError} for a stride < 1, a negative scale, or an index outside the summary.
   */
  constructor(config: Partial<PathwayGateConfig> & { summaryDim: number }) {
    const o = optionsRecord(OP, config);
    const summaryDim = integer(OP, "summaryDim", o.summaryDim, 1, 2 ** 24);
    const c: PathwayGateConfig = {
      summaryDim,
      refreshStride: integer(OP, "refreshStride", o.refreshStride ?? 1, 1, 2 ** 31),
      fastToMidIndex: integer(OP, "fastToMidIndex", o.fastToMidIndex ?? 0, 0, summaryDim - 1),
      midToSlowIndex: integer(OP, "midToSlowIndex", o.midToSlowIndex ?? 0, 0, summaryDim - 1),
      fastToMidBias: finiteNumber(OP, "fastToMidBias", o.fastToMidBias ?? 0),
      midToSlowBias: finiteNumber(OP, "midToSlowBias", o.midToSlowBias ?? 0),
      fastToMidScale: finiteNumber(OP, "fastToMidScale", o.fastToMidScale ?? 1, 0),
      midToSlowScale: finiteNumber(OP, "midToSlowScale", o.midToSlowScale ?? 1, 0),
      summary: summaryConfig(OP, o.summary),
    };
    this.config = Object.freeze(c);
  }

  /** The state before any step: σ(bias) for each gate, last refresh −stride. */
  initialState(): PathwayGateState {
    const c = this.config;
    return Object.freeze({
      lastRefresh: -c.refreshStride,
      fastToMid: sigmoid(c.fastToMidBias),
      midToSlow: sigmoid(c.midToSlowBias),
    });
  }

  /**
   * Advances to `step`: refreshes iff step − lastRefresh ≥ stride (so a step backwards never
   * refreshes), else returns the cached values bit for bit.
   *
   * @throws {TypeError | RangeError} for a malformed or non-finite summary, a summary of the
   *   wrong width, or a non-integer step; the state is not changed.
   */
  advance(
    state: PathwayGateState,
    summary: Signal | ControllerSummary,
    step: number,
  ): PathwayGateStep {
    const op = "advance a PathwayGateController";
    const c = this.config;
    // The state is caller-held: a malformed one would compare as NaN and never refresh.
    if (state === null || typeof state !== "object") {
      throw new TypeError(`Cannot ${op}: expected a gate state but got ${shown(state)}`);
    }
    finiteNumber(op, "state.lastRefresh", state.lastRefresh);
    finiteNumber(op, "state.fastToMid", state.fastToMid, 0, 1);
    finiteNumber(op, "state.midToSlow", state.midToSlow, 0, 1);
    integer(op, "step", step, -(2 ** 52), 2 ** 52);
    const v = summaryVector(op, summary, c.summary);
    if (v.length !== c.summaryDim) {
      throw new RangeError(
        `Cannot ${op}: expected a summary of ${c.summaryDim} values but got ${v.length}`,
      );
    }
    if (step - state.lastRefresh < c.refreshStride) {
      return { state, refreshed: false };
    }
    const gate = (b: number, a: number, x: number) => Math.min(1, Math.max(0, sigmoid(b + a * x)));
    return {
      state: Object.freeze({
        lastRefresh: step,
        fastToMid: gate(c.fastToMidBias, c.fastToMidScale, v[c.fastToMidIndex]!),
        midToSlow: gate(c.midToSlowBias, c.midToSlowScale, v[c.midToSlowIndex]!),
      }),
      refreshed: true,
    };
  }
}
