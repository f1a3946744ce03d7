/**
 * The hormone modulator (asuramaya/decepticons src/decepticons/modulation.py): a fixed
 * projection P [D, K] of a controller summary v gives K hormones h = tanh(b_h + s_v·(v P)),
 * and each output j is o_j = σ(β_j + s_j·s_h·h[idx_j]); refreshed every `refreshStride` steps
 * like the pathway gates.
 *
 * memspec differs from the original where the original is wrong: the initial state is what a
 * zero summary gives (h = tanh(b_h), o = σ(β + s·s_h·h)), not zeros that σ can never produce;
 * output indices ≥ K are refused at construction (the original fails at the first project).
 * The original draws P from numpy's PCG64, which memspec does not port: P comes from memspec's
 * counter-based Rng unless given (fixtures ship numpy's P).
 *
 * @example The initial outputs are σ(β)
 * ```ts
 * import { HormoneModulator } from "./modulation.ts";
 * import { ok } from "node:assert/strict";
 * const m = new HormoneModulator({ summaryDim: 3, outputBiases: [0, 0.25] });
 * const o = m.initialState().outputs;
 * ok(o[0] === 0.5 && Math.abs(o[1]! - 0.5621765008857981) < 1e-15);
 * ```
 *
 * @module
 */
import { finiteNumber, finiteVector, integer, optionsRecord, sigmoid } from "../control/check.ts";
import {
  type ControllerSummary,
  type Signal,
  type SummaryConfig,
  summaryConfig,
  summaryVector,
} from "../control/control.ts";
import { Rng } from "../../gpu/rng.ts";
import { shown } from "../../validate.ts";

/** Settings of a {@link HormoneModulator}. */
export interface HormoneConfig {
  /** Summary width D (required). */
  summaryDim: number;
  /** Refresh every this many steps (default 1). */
  refreshStride: number;
  /** Hormones K (default 4). */
  hormones: number;
  /** s_v (default 1). */
  summaryScale: number;
  /** b_h (default 0). */
  hormoneBias: number;
  /** s_h (default 1). */
  hormoneScale: number;
  /** Which hormone drives each output (default [0, 1]); every index < K. */
  outputIndices: readonly number[];
  /** β per output (default [0, 0]). */
  outputBiases: readonly number[];
  /** s per output, ≥ 0 (default [1, 1]). */
  outputScales: readonly number[];
  /** Seed of P when no projection is given (default 7). */
  seed: number;
  /** P [D, K] row-major; default: standard normals from Rng(seed), divided by √D. */
  projection?: ArrayLike<number>;
  /** How raw signals become summaries (default identity). */
  summary: SummaryConfig;
}

/** The modulator's state. */
export interface HormoneState {
  /** Step of the last refresh (−stride before the first). */
  readonly lastRefresh: number;
  /** The K hormones, in (−1, 1). */
  readonly hormones: Float64Array;
  /** The outputs, in (0, 1). */
  readonly outputs: Float64Array;
}

/** What {@link HormoneModulator.advance} returns. */
export interface HormoneStep {
  /** The new state. */
  readonly state: HormoneState;
  /** Whether the hormones were recomputed at this step. */
  readonly refreshed: boolean;
}

const OP = "build a HormoneModulator";

/** Hormone-style modulation of a controller summary.
 *
 * @example Outputs stay in (0, 1)
 * ```ts
 * import { HormoneModulator } from "./modulation.ts";
 * import { ok } from "node:assert/strict";
 * const m = new HormoneModulator({ summaryDim: 2 });
 * ok(m.project([5, -5]).outputs.every((o) => o > 0 && o < 1));
 * ```
 */
export class HormoneModulator {
  /** The checked settings. */
  readonly config: Readonly<Omit<HormoneConfig, "projection">>;
  /** P [D, K], row-major. */
  readonly projection: Float64Array;

  /**
   * Builds a modulator with checked settings and its projection P.
   *
   * @throws {TypeError} for malformed settings or output lists of different lengths.
   * @throws {RangeError} for an output index ≥ K, a negative scale or a non-finite value.
   */
  constructor(config: Partial<HormoneConfig> & { summaryDim: number }) {
    const o = optionsRecord(OP, config);
    const d = integer(OP, "summaryDim", o.summaryDim, 1, 2 ** 20);
    const k = integer(OP, "hormones", o.hormones ?? 4, 1, 2 ** 20);
    const idx = finiteVector(OP, "outputIndices", o.outputIndices ?? [0, 1]);
    const n = idx.length;
    idx.forEach((x, j) => integer(OP, `outputIndices[${j}] (hormones ${k})`, x, 0, k - 1));
    const biases = finiteVector(OP, "outputBiases", o.outputBiases ?? new Array(n).fill(0), n);
    const scales = finiteVector(OP, "outputScales", o.outputScales ?? new Array(n).fill(1), n);
    scales.forEach((s, j) => finiteNumber(OP, `outputScales[${j}]`, s, 0));
    const seed = integer(OP, "seed", o.seed ?? 7, 0, 0xffffffff);
    this.config = Object.freeze({
      summaryDim: d,
      refreshStride: integer(OP, "refreshStride", o.refreshStride ?? 1, 1, 2 ** 31),
      hormones: k,
      summaryScale: finiteNumber(OP, "summaryScale", o.summaryScale ?? 1),
      hormoneBias: finiteNumber(OP, "hormoneBias", o.hormoneBias ?? 0),
      hormoneScale: finiteNumber(OP, "hormoneScale", o.hormoneScale ?? 1, 0),
      outputIndices: Object.freeze([...idx]),
      outputBiases: Object.freeze([...biases]),
      outputScales: Object.freeze([...scales]),
      seed,
      summary: summaryConfig(OP, o.summary),
    });
    if (o.projection !== undefined) {
      this.projection = finiteVector(OP, `projection [${d}, ${k}]`, o.projection, d * k);
    } else {
      const rng = new Rng(seed);
      const s = 1 / Math.sqrt(d);
      this.projection = Float64Array.from({ length: d * k }, () => rng.normal() * s);
    }
  }

  /** Hormones and outputs of summary `v` (already checked). */
  #compute(v: Float64Array): { hormones: Float64Array; outputs: Float64Array } {
    const c = this.config;
    const k = c.hormones;
    const hormones = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let i = 0; i < c.summaryDim; i++) acc += v[i]! * this.projection[i * k + j]!;
      hormones[j] = Math.tanh(c.hormoneBias + c.summaryScale * acc);
    }
    const outputs = Float64Array.from(
      c.outputIndices,
      (h, j) => sigmoid(c.outputBiases[j]! + c.outputScales[j]! * hormones[h]! * c.hormoneScale),
    );
    return { hormones, outputs };
  }

  /** The state before any step: what a zero summary gives, last refresh −stride. */
  initialState(): HormoneState {
    const c = this.config;
    return Object.freeze({
      lastRefresh: -c.refreshStride,
      ...this.#compute(new Float64Array(c.summaryDim)),
    });
  }

  /**
   * Advances to `step`: refreshes iff step − lastRefresh ≥ stride, else keeps the state.
   *
   * @throws {TypeError | RangeError} for a malformed, non-finite or wrongly sized summary or a
   *   non-integer step; the state is not changed.
   */
  advance(state: HormoneState, summary: Signal | ControllerSummary, step: number): HormoneStep {
    const op = "advance a HormoneModulator";
    const c = this.config;
    // The state is caller-held: a malformed one would compare as NaN and never refresh.
    if (state === null || typeof state !== "object") {
      throw new TypeError(`Cannot ${op}: expected a hormone state but got ${shown(state)}`);
    }
    finiteNumber(op, "state.lastRefresh", state.lastRefresh);
    finiteVector(op, "state.hormones", state.hormones, c.hormones);
    finiteVector(op, "state.outputs", state.outputs, c.outputIndices.length);
    integer(op, "step", step, -(2 ** 52), 2 ** 52);
    const v = summaryVector(op, summary, c.summary);
    if (v.length !== c.summaryDim) {
      throw new RangeError(
        `Cannot ${op}: expected a summary of ${c.summaryDim} values but got ${v.length}`,
      );
    }
    if (step - state.lastRefresh < c.refreshStride) return { state, refreshed: false };
    return { state: Object.freeze({ lastRefresh: step, ...this.#compute(v) }), refreshed: true };
  }

  /** The state one refresh from the initial state gives at step 0. */
  project(summary: Signal | ControllerSummary): HormoneState {
    return this.advance(this.initialState(), summary, 0).state;
  }
}
