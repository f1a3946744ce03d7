/**
 * The summary router (asuramaya/decepticons src/decepticons/routing.py): a softmax over N
 * branches whose logits are equal, static, or a linear projection of each branch's summary,
 * with a temperature, and the argmax (first on ties) as the selected branch.
 *
 * memspec differs from the original where the original is wrong: non-finite summaries are
 * refused (the original returns NaN weights and selects branch 0 silently), and the widths
 * (branch count, summary width, logit and bias lengths) are fixed and checked at construction.
 *
 * @example Static logits (2, 0, −1)
 * ```ts
 * import { SummaryRouter } from "./routing.ts";
 * import { ok } from "node:assert/strict";
 * const r = new SummaryRouter({ mode: "static", branches: 3, summaryDim: 1, staticLogits: [2, 0, -1] });
 * const out = r.route([[0], [0], [0]]);
 * ok(Math.abs(out.weights[0]! - 0.843795) < 1e-6 && out.selectedIndex === 0);
 * ```
 *
 * @module
 */
import { finiteNumber, finiteVector, integer, optionsRecord } from "../control/check.ts";
import type { ControllerSummary } from "../control/control.ts";
import { shown } from "../../validate.ts";

/** How the router makes its logits. */
export type RouterMode = "equal" | "static" | "projection";

/** Settings of a {@link SummaryRouter}. */
export interface RouterConfig {
  /** The logit rule (default "equal"). */
  mode: RouterMode;
  /** Branches N (required). */
  branches: number;
  /** Summary width D (required). */
  summaryDim: number;
  /** Softmax temperature T > 0 (default 1). */
  temperature: number;
  /** Static logits: empty (all 0) or N values. */
  staticLogits: readonly number[];
  /** Projection weights w: empty (all 0) or D values. */
  projectionWeights: readonly number[];
  /** Projection biases β: empty (all 0) or N values. */
  projectionBias: readonly number[];
}

/** A routing decision. */
export interface RouteResult {
  /** The logits ℓ (before the temperature). */
  readonly logits: Float64Array;
  /** softmax(ℓ / T): positive, summing to 1. */
  readonly weights: Float64Array;
  /** argmax of the weights, the lowest index on ties. */
  readonly selectedIndex: number;
  /** Branch names: each summary's name, or `branch_<i>` for raw vectors. */
  readonly names: readonly string[];
}

const OP = "build a SummaryRouter";
const MODES: readonly RouterMode[] = ["equal", "static", "projection"];

/** Numerically stable softmax of ℓ/T. */
export function softmaxWithTemperature(logits: ArrayLike<number>, t: number): Float64Array {
  // Checked here too: an exported helper, and NaN logits or T <= 0 would give NaN weights.
  const op = "compute softmaxWithTemperature";
  finiteVector(op, "logits", logits);
  finiteNumber(op, "temperature", t, 0, Infinity, { min: true });
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, logits[i]! / t);
  const out = new Float64Array(logits.length);
  let s = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! / t - m);
    s += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / s;
  return out;
}

/** Routes among N branches from their summaries.
 *
 * @example Projection routing picks the branch whose summary scores highest
 * ```ts
 * import { SummaryRouter } from "./routing.ts";
 * import { strictEqual } from "node:assert/strict";
 * const r = new SummaryRouter({ mode: "projection", branches: 2, summaryDim: 1, projectionWeights: [1] });
 * strictEqual(r.route([[0.1], [2]]).selectedIndex, 1);
 * ```
 */
export class SummaryRouter {
  /** The checked settings. */
  readonly config: Readonly<RouterConfig>;

  /**
   * Builds a router with checked settings and widths.
   *
   * @throws {TypeError} for malformed settings or an unknown mode.
   * @throws {RangeError} for T ≤ 0, non-finite values, or lengths that do not fit N and D.
   */
  constructor(config: Partial<RouterConfig> & { branches: number; summaryDim: number }) {
    const o = optionsRecord(OP, config);
    const mode = o.mode ?? "equal";
    if (typeof mode !== "string" || !MODES.includes(mode as RouterMode)) {
      throw new TypeError(
        `Cannot ${OP}: expected mode to be one of ${MODES.join(", ")} but got ${shown(mode)}`,
      );
    }
    const n = integer(OP, "branches", o.branches, 1, 2 ** 24);
    const d = integer(OP, "summaryDim", o.summaryDim, 1, 2 ** 24);
    const list = (what: string, v: unknown, len: number) => {
      const xs = finiteVector(OP, what, v ?? [], undefined, true);
      if (xs.length !== 0 && xs.length !== len) {
        throw new RangeError(
          `Cannot ${OP}: expected ${what} to be empty or hold ${len} values but got ${xs.length}`,
        );
      }
      return Object.freeze([...xs]);
    };
    this.config = Object.freeze({
      mode: mode as RouterMode,
      branches: n,
      summaryDim: d,
      temperature: finiteNumber(OP, "temperature", o.temperature ?? 1, 0, Infinity, { min: true }),
      staticLogits: list("staticLogits", o.staticLogits, n),
      projectionWeights: list("projectionWeights", o.projectionWeights, d),
      projectionBias: list("projectionBias", o.projectionBias, n),
    });
  }

  /**
   * Routes: one summary (a {@link ControllerSummary} or a raw vector) per branch.
   *
   * @throws {TypeError} when the summaries are not a list of N vectors of width D.
   * @throws {RangeError} when a summary holds a non-finite value.
   */
  route(summaries: ReadonlyArray<ControllerSummary | ArrayLike<number>>): RouteResult {
    const op = "route with a SummaryRouter";
    const c = this.config;
    if (!Array.isArray(summaries) || summaries.length !== c.branches) {
      throw new TypeError(
        `Cannot ${op}: expected ${c.branches} summaries but got ${shown(summaries)}`,
      );
    }
    const names: string[] = [];
    const vs = summaries.map((s, i) => {
      const isSummary = typeof s === "object" && s !== null && "values" in s &&
        !Array.isArray(s) && !ArrayBuffer.isView(s);
      names.push(isSummary ? (s as ControllerSummary).name : `branch_${i}`);
      const raw = isSummary ? (s as ControllerSummary).values : s;
      return finiteVector(op, `summary ${i}`, raw, c.summaryDim);
    });
    const logits = new Float64Array(c.branches);
    for (let i = 0; i < c.branches; i++) {
      if (c.mode === "static") logits[i] = c.staticLogits[i] ?? 0;
      else if (c.mode === "projection") {
        let acc = c.projectionBias[i] ?? 0;
        for (let j = 0; j < c.summaryDim; j++) acc += vs[i]![j]! * (c.projectionWeights[j] ?? 0);
        logits[i] = acc;
      }
    }
    const weights = softmaxWithTemperature(logits, c.temperature);
    let best = 0;
    for (let i = 1; i < weights.length; i++) if (weights[i]! > weights[best]!) best = i;
    return Object.freeze({ logits, weights, selectedIndex: best, names: Object.freeze(names) });
  }
}
