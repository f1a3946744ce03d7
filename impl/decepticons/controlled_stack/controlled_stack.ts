/**
 * A controlled stack: the decepticons controllers driving a real substrate. memspec's
 * hierarchical substrate (fast, mid and slow leaky reservoirs, impl/decepticons/substrate)
 * is stepped on the host in f64 with
 *
 * - a {@link PathwayGateController} scaling the fast→mid and mid→slow upward drives;
 * - a {@link HormoneModulator} whose first output sets the fast layer's input gain and whose
 *   second scales the slow layer's own input drive;
 * - a {@link SummaryRouter} (projection softmax) weighting the three layers' states in the
 *   readout features;
 *
 * the gates and the modulator reading a normalised summary of the fast layer's activity and
 * change, the router each layer's [mean |s|, mean s]. Features at step t depend on tokens
 * 0..t only (causal); a ridge readout on one-hot next bytes, its scores clipped at one fitted
 * floor and normalised, turns them into next-byte distributions. With `controllers: false`
 * the same substrate runs with gates 1, equal routing and unit gains: the uncontrolled
 * baseline.
 *
 * This is memspec's composition of the original's modules (asuramaya/decepticons
 * src/decepticons/gating.py, routing.py, modulation.py, hierarchical.py); the original ships
 * the pieces, not this stack.
 *
 * @example Causal, deterministic features
 * ```ts
 * import { ControlledStack } from "./controlled_stack.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const s = new ControlledStack();
 * const a = s.trace([1, 2, 3, 4]);
 * const b = s.trace([1, 2, 3, 9]);
 * deepStrictEqual(a.features.subarray(0, 3 * s.featureDim), b.features.subarray(0, 3 * s.featureDim));
 * ```
 *
 * @module
 */
import { hierarchical, type ReservoirLayer } from "../substrate/build.ts";
import { PathwayGateController } from "../gating/gating.ts";
import { HormoneModulator } from "../modulation/modulation.ts";
import { SummaryRouter } from "../routing/routing.ts";
import { choleskySolve } from "../predictive_coder/predictive_coder.ts";
import { finiteNumber, integer, optionsRecord, tokenIds } from "../control/check.ts";
import { SUMMARY_DEFAULTS } from "../control/control.ts";
import { shown } from "../../validate.ts";

/** Settings of a {@link ControlledStack}. */
export interface ControlledStackConfig {
  /** Fast, mid and slow layer sizes (default [24, 32, 40]). */
  sizes: [number, number, number];
  /** The slow layer moves every `stride` steps (default 4). */
  stride: number;
  /** Substrate seed (default 7); the modulator's projection uses seed + 1. */
  seed: number;
  /** Whether the controllers act (default true); false: gates 1, equal routing, unit gains. */
  controllers: boolean;
  /** Ridge penalty α on the feature weights (default 1e-2; the bias is not penalised). */
  ridgeAlpha: number;
}

/** The defaults. */
export const CONTROLLED_STACK_DEFAULTS: Readonly<ControlledStackConfig> = Object.freeze({
  sizes: [24, 32, 40] as [number, number, number],
  stride: 4,
  seed: 7,
  controllers: true,
  ridgeAlpha: 1e-2,
});

/** Features of a sequence. */
export interface StackTrace {
  /** [T, featureDim] row-major: the features after each token. */
  readonly features: Float64Array;
  /** [T, 2]: the fast→mid and mid→slow gates at each step. */
  readonly gates: Float64Array;
  /** [T, 3]: the routing weights of the fast, mid and slow layers at each step. */
  readonly routes: Float64Array;
}

/** A fitted readout. */
export interface StackReadout {
  /** [featureDim + 1, 256] row-major ridge weights, the last row the bias. */
  readonly weights: Float64Array;
  /** The probability floor fitted on the training bytes. */
  readonly floor: number;
}

const OP = "build a ControlledStack";
const V = 256;

function leakyStep(
  layer: ReservoirLayer,
  s: Float64Array,
  drive: (i: number) => number,
  out: Float64Array,
): void {
  const n = layer.n;
  for (let i = 0; i < n; i++) {
    let acc = drive(i);
    for (let j = 0; j < n; j++) acc += layer.w[i * n + j]! * s[j]!;
    out[i] = (1 - layer.leak) * s[i]! + layer.leak * Math.tanh(acc);
  }
}

function meanAbs(v: Float64Array): number {
  let a = 0;
  for (const x of v) a += Math.abs(x);
  return a / v.length;
}

/**
 * Bits per byte of the clipped linear distribution p_c ∝ max(score_c, floor) on the targets,
 * mean −log2 p_target. Ridge on one-hot targets estimates P(next | features) linearly, so its
 * scores clipped at a small floor are read as probabilities (a softmax of them is not
 * calibrated: its bits per byte sit above the unigram's here).
 */
function clippedBits(scores: Float64Array, targets: ArrayLike<number>, floor: number): number {
  const n = targets.length;
  let total = 0;
  for (let t = 0; t < n; t++) {
    const o = t * V;
    let z = 0;
    for (let c = 0; c < V; c++) z += Math.max(scores[o + c]!, floor);
    total -= Math.log2(Math.max(scores[o + targets[t]!]!, floor) / z);
  }
  return total / n;
}

/** The controllers driving memspec's hierarchical substrate, in f64 on the host. */
export class ControlledStack {
  /** The checked settings. */
  readonly config: Readonly<ControlledStackConfig>;
  /** Width of the features: the three layers' units plus 7 controller values. */
  readonly featureDim: number;
  /** The fitted readout, or null before {@link fit}. */
  readout: StackReadout | null = null;
  readonly #layers: ReservoirLayer[];
  readonly #gates: PathwayGateController;
  readonly #modulator: HormoneModulator;
  readonly #router: SummaryRouter;

  /**
   * Builds the substrate and the controllers from checked settings.
   *
   * @throws {TypeError | RangeError} for malformed settings (sizes, stride, seed, α).
   */
  constructor(config: Partial<ControlledStackConfig> = {}) {
    const o = { ...CONTROLLED_STACK_DEFAULTS, ...optionsRecord(OP, config) };
    if (!Array.isArray(o.sizes) || o.sizes.length !== 3) {
      throw new TypeError(
        `Cannot ${OP}: expected sizes to hold 3 layer sizes but got ${shown(o.sizes)}`,
      );
    }
    const sizes = o.sizes.map((n, i) => integer(OP, `sizes[${i}]`, n, 1, 512)) as [
      number,
      number,
      number,
    ];
    if (typeof o.controllers !== "boolean") {
      throw new TypeError(
        `Cannot ${OP}: expected controllers to be a boolean but got ${shown(o.controllers)}`,
      );
    }
    this.config = Object.freeze({
      sizes,
      stride: integer(OP, "stride", o.stride, 1, 1024),
      seed: integer(OP, "seed", o.seed, 0, 2 ** 30),
      controllers: o.controllers,
      ridgeAlpha: finiteNumber(OP, "ridgeAlpha", o.ridgeAlpha, 0, Infinity, { min: true }),
    });
    this.#layers =
      hierarchical({ sizes, stride: this.config.stride, vocab: V, seed: this.config.seed })
        .layers;
    this.featureDim = sizes[0] + sizes[1] + sizes[2] + 7;
    // Summaries: [mean |s_fast|, mean |Δs_fast|], normalised, so the entries are the shares
    // of activity and change: the fast→mid gate opens with change, mid→slow with activity.
    const summary = { normalize: true };
    this.#gates = new PathwayGateController({
      summaryDim: 2,
      fastToMidIndex: 1,
      midToSlowIndex: 0,
      fastToMidBias: -2,
      midToSlowBias: -2,
      fastToMidScale: 4,
      midToSlowScale: 4,
      summary: { ...SUMMARY_DEFAULTS, ...summary },
    });
    this.#modulator = new HormoneModulator({
      summaryDim: 2,
      seed: this.config.seed + 1,
      summaryScale: 3,
      summary: { ...SUMMARY_DEFAULTS, ...summary },
    });
    // Layer summaries [mean |s|, mean s] are small (≈ 1e-2): a large projection lets them move
    // the routing weights.
    this.#router = new SummaryRouter({
      mode: "projection",
      branches: 3,
      summaryDim: 2,
      projectionWeights: [40, 40],
    });
  }

  /**
   * Runs the stack over `tokens` (byte ids) from the zero state.
   *
   * @throws {TypeError | RangeError} for ids outside 0..255 or an empty input.
   */
  trace(tokens: ArrayLike<number>): StackTrace {
    const op = "trace a ControlledStack";
    const ids = tokenIds(op, "tokens", tokens, V);
    if (ids.length === 0) {
      throw new RangeError(`Cannot ${op}: expected at least one token but got none`);
    }
    const [lf, lm, ls] = this.#layers as [ReservoirLayer, ReservoirLayer, ReservoirLayer];
    const on = this.config.controllers;
    let sf = new Float64Array(lf.n), sm = new Float64Array(lm.n), ss = new Float64Array(ls.n);
    let nf = new Float64Array(lf.n), nm = new Float64Array(lm.n), ns = new Float64Array(ls.n);
    let gate = this.#gates.initialState();
    let hormone = this.#modulator.initialState();
    const T = ids.length;
    const D = this.featureDim;
    const features = new Float64Array(T * D);
    const gates = new Float64Array(T * 2);
    const routes = new Float64Array(T * 3);
    for (let t = 0; t < T; t++) {
      const x = ids[t]!;
      // The input gain comes from the hormones of the previous step (σ(0)·2 = 1 at the start).
      const gain = on ? 2 * hormone.outputs[0]! : 1;
      leakyStep(lf, sf, (i) => gain * lf.u[i * V + x]!, nf);
      let change = 0;
      for (let i = 0; i < lf.n; i++) change += Math.abs(nf[i]! - sf[i]!);
      const v = [meanAbs(nf), change / lf.n];
      gate = this.#gates.advance(gate, v, t).state;
      hormone = this.#modulator.advance(hormone, v, t).state;
      const gfm = on ? gate.fastToMid : 1;
      const gms = on ? gate.midToSlow : 1;
      const slowGain = on ? 2 * hormone.outputs[1]! : 1;
      leakyStep(lm, sm, (i) => {
        let up = 0;
        for (let j = 0; j < lf.n; j++) up += lm.up![i * lf.n + j]! * nf[j]!;
        return lm.u[i * V + x]! + gfm * up;
      }, nm);
      if (ls.stride === 1 || (t + 1) % ls.stride === 0) {
        leakyStep(ls, ss, (i) => {
          let up = 0;
          for (let j = 0; j < lm.n; j++) up += ls.up![i * lm.n + j]! * nm[j]!;
          return slowGain * ls.u[i * V + x]! + gms * up;
        }, ns);
      } else {
        ns.set(ss);
      }
      const summary = (s: Float64Array) => {
        let m = 0;
        for (const z of s) m += z;
        return [meanAbs(s), m / s.length];
      };
      const w = on
        ? this.#router.route([summary(nf), summary(nm), summary(ns)]).weights
        : Float64Array.from([1, 1, 1]);
      const row = features.subarray(t * D, (t + 1) * D);
      let k = 0;
      for (const [s, wi] of [[nf, w[0]!], [nm, w[1]!], [ns, w[2]!]] as const) {
        for (const z of s) row[k++] = wi * z;
      }
      row.set([gfm, gms, gain / 2, slowGain / 2, w[0]!, w[1]!, w[2]!], k);
      gates.set([gfm, gms], t * 2);
      routes.set(w.subarray(0, 3), t * 3);
      [sf, nf] = [nf, sf];
      [sm, nm] = [nm, sm];
      [ss, ns] = [ns, ss];
    }
    return { features, gates, routes };
  }

  /** Ridge scores [n, 256] of the first n feature rows. */
  #scores(features: Float64Array, n: number, w: Float64Array): Float64Array {
    const D = this.featureDim;
    const out = new Float64Array(n * V);
    for (let t = 0; t < n; t++) {
      const o = out.subarray(t * V, (t + 1) * V);
      o.set(w.subarray(D * V, (D + 1) * V));
      for (let i = 0; i < D; i++) {
        const f = features[t * D + i]!;
        if (f === 0) continue;
        const wi = w.subarray(i * V, (i + 1) * V);
        for (let c = 0; c < V; c++) o[c] = o[c]! + f * wi[c]!;
      }
    }
    return out;
  }

  /**
   * Fits the readout on `data` (byte ids or text): ridge on one-hot next bytes, then the
   * probability floor minimising the training bits per byte. Returns that figure.
   *
   * @throws {TypeError | RangeError} for ids outside 0..255 or fewer than 2 bytes.
   */
  fit(data: string | ArrayLike<number>): number {
    const op = "fit a ControlledStack";
    const bytes = typeof data === "string"
      ? new TextEncoder().encode(data)
      : tokenIds(op, "data", data, V);
    if (bytes.length < 2) {
      throw new RangeError(`Cannot ${op}: expected at least 2 bytes but got ${bytes.length}`);
    }
    const n = bytes.length - 1;
    const { features } = this.trace(bytes.slice(0, n));
    const D = this.featureDim;
    const K = D + 1;
    const a = new Float64Array(K * K);
    const b = new Float64Array(K * V);
    const row = new Float64Array(K);
    row[D] = 1;
    for (let t = 0; t < n; t++) {
      row.set(features.subarray(t * D, (t + 1) * D));
      const y = bytes[t + 1]!;
      for (let i = 0; i < K; i++) {
        const ri = row[i]!;
        if (ri === 0) continue;
        for (let j = 0; j < K; j++) a[i * K + j] = a[i * K + j]! + ri * row[j]!;
        b[i * V + y] = b[i * V + y]! + ri;
      }
    }
    for (let i = 0; i < D; i++) a[i * K + i] = a[i * K + i]! + this.config.ridgeAlpha;
    choleskySolve(a, K, b, V);
    const scores = this.#scores(features, n, b);
    const targets = bytes.slice(1);
    const at = (logF: number) => clippedBits(scores, targets, Math.exp(logF));
    // Golden-section search of the log floor over [ln 1e-7, ln 1e-1].
    let lo = Math.log(1e-7), hi = Math.log(1e-1);
    const g = (Math.sqrt(5) - 1) / 2;
    let c = hi - g * (hi - lo), d = lo + g * (hi - lo);
    let fc = at(c), fd = at(d);
    for (let it = 0; it < 24; it++) {
      if (fc < fd) {
        hi = d, d = c, fd = fc, c = hi - g * (hi - lo), fc = at(c);
      } else {
        lo = c, c = d, fc = fd, d = lo + g * (hi - lo), fd = at(d);
      }
    }
    this.readout = { weights: b, floor: Math.exp(fc < fd ? c : d) };
    return Math.min(fc, fd);
  }

  /**
   * Bits per byte of the fitted readout on `data` from a fresh state (targets bytes 1..n−1).
   *
   * @throws {TypeError} before {@link fit}. @throws {RangeError} for bad ids or < 2 bytes.
   */
  score(data: string | ArrayLike<number>): number {
    const op = "score with a ControlledStack";
    const r = this.readout;
    if (r === null) throw new TypeError(`Cannot ${op}: expected a fitted stack (call fit() first)`);
    const bytes = typeof data === "string"
      ? new TextEncoder().encode(data)
      : tokenIds(op, "data", data, V);
    if (bytes.length < 2) {
      throw new RangeError(`Cannot ${op}: expected at least 2 bytes but got ${bytes.length}`);
    }
    const n = bytes.length - 1;
    const { features } = this.trace(bytes.slice(0, n));
    const scores = this.#scores(features, n, r.weights);
    return clippedBits(scores, bytes.slice(1), r.floor);
  }
}
