/**
 * Oracle analysis (asuramaya/decepticons src/decepticons/oracle_analysis.py): how far a causal
 * view of a hierarchical substrate is from an "oracle" view that has read the rest of the text,
 * in f64 on the host.
 *
 * For each checkpoint c (1 ≤ c ≤ T):
 * - causal feature = [view.encode(S_c, S_{c−1}), sampled(S_c)] with S_c the state after
 *   x_0..x_{c−1} (so it reads only tokens before c);
 * - oracle feature = the same built from the substrate run over the REVERSED text for T − c
 *   tokens, x_{T−1} down to x_c (so it reads only tokens from c on);
 * - alignment: Pearson correlation (0 when either side is constant), cosine (0 when either
 *   norm is 0), mean absolute and root mean square difference;
 * - a two-way projection-softmax route between the two features: logit_k = (w · f_k)/D + b_k with
 *   w = linspace(1, 0.25, D) and b = (0, 0.05), weights = softmax(logits).
 *
 * The route's −log2(max weight) is reported as `maxRouteWeightBits`: the surprisal of the
 * router's most likely choice, in [0, log2 2] = [0, 1] bit. It is NOT a code length of the text
 * (the original names it `route_bits_per_byte`, though no byte is predicted from it).
 *
 * @example
 * ```ts
 * import { OracleAnalysis } from "./oracle_analysis.ts";
 * import { hierarchical } from "../substrate/build.ts";
 * const a = new OracleAnalysis(hierarchical({ sizes: [40, 40, 40], stride: 2, vocab: 256, seed: 1 }));
 * const rows = a.analyse(Array.from(new TextEncoder().encode("the cat sat on the mat, twice")));
 * if (!rows.every((r) => r.maxRouteWeightBits >= 0 && r.maxRouteWeightBits <= 1)) throw new Error();
 * ```
 *
 * @module
 */
import { checkSubstrate, type Hierarchical } from "../substrate/build.ts";
import { type HostSubstrate, hostSubstrate } from "../experts/host_substrate.ts";
import {
  checkStateVector,
  HierarchicalFeatureView,
} from "../hierarchical_views/hierarchical_views.ts";
import { SampledMultiscaleReadout } from "../sampled_readout/sampled_readout.ts";
import { checkInt, checkList, checkObject, shown } from "../../validate.ts";

const NAME = "OracleAnalysis";

/** Options of {@link OracleAnalysis}. */
export interface OracleAnalysisOptions {
  /**
   * The sampled readout over the state (without the phase entry); default: one band per layer,
   * 8 entries each (or the whole layer when narrower), seed 0.
   */
  readout?: SampledMultiscaleReadout;
}

/** Alignment of the causal and oracle features. */
export interface FeatureAlignment {
  /** Pearson correlation, in [−1, 1] (0 when either side is constant, or its spread underflows). */
  pearson: number;
  /** Cosine similarity, in [−1, 1] (0 when either norm is 0 or underflows). */
  cosine: number;
  /** Mean absolute difference. */
  mae: number;
  /** Root mean square difference (≥ mae). */
  rmse: number;
}

/** One checkpoint of {@link OracleAnalysis.analyse}. */
export interface OracleCheckpoint {
  /** Tokens before the checkpoint. */
  checkpoint: number;
  /** [view.encode(S_c, S_{c−1}), sampled(S_c)] of the forward run. */
  causal: Float64Array;
  /** The same of the reversed run after T − c tokens. */
  oracle: Float64Array;
  /** How close the two are. */
  alignment: FeatureAlignment;
  /** Route weights [causal, oracle], a distribution. */
  routeWeights: [number, number];
  /** −log2(max route weight) ∈ [0, 1]: the router's surprisal, not a code length. */
  maxRouteWeightBits: number;
}

/** Pearson, cosine, MAE and RMSE of two equal-length vectors. */
export function featureAlignment(a: ArrayLike<number>, b: ArrayLike<number>): FeatureAlignment {
  const op = "compute featureAlignment";
  // Finite in f64 (features past the f32 range are valid here), equal lengths, not empty.
  const n = checkList(op, "the first features", a);
  if (n === 0) throw new RangeError(`Cannot ${op}: expected at least one feature but got none`);
  checkStateVector(op, "the first features", a, n);
  checkStateVector(op, "the second features", b, n);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let sab = 0, saa = 0, sbb = 0, dot = 0, na = 0, nb = 0, abs = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
    abs += Math.abs(a[i]! - b[i]!);
    sq += (a[i]! - b[i]!) ** 2;
  }
  // Square roots taken apart: saa·sbb can underflow to 0 (or overflow) when each is finite.
  const ratio = (num: number, x: number, y: number) => {
    const den = Math.sqrt(x) * Math.sqrt(y);
    return den > 0 && Number.isFinite(den) ? Math.max(-1, Math.min(1, num / den)) : 0;
  };
  return {
    pearson: ratio(sab, saa, sbb),
    cosine: ratio(dot, na, nb),
    mae: abs / n,
    rmse: Math.sqrt(sq / n),
  };
}

/** Causal and oracle views of a hierarchical substrate (see the module documentation). */
export class OracleAnalysis {
  /** The hierarchical view of the substrate's layers. */
  readonly view: HierarchicalFeatureView;
  /** The sampled readout. */
  readonly readout: SampledMultiscaleReadout;
  readonly #host: HostSubstrate;

  /**
   * An analysis of `substrate`.
   *
   * @throws {TypeError} when the substrate is not a hierarchical substrate or the readout not a
   *   SampledMultiscaleReadout.
   * @throws {RangeError} when the readout's state width differs from the layers' total.
   */
  constructor(substrate: Hierarchical, options: OracleAnalysisOptions = {}) {
    const op = `build ${NAME}`;
    checkObject(op, "the substrate", substrate);
    if (substrate.kind !== "hierarchical") {
      throw new TypeError(
        `Cannot ${op}: expected a hierarchical substrate but got ${shown(substrate.kind)}`,
      );
    }
    checkObject(op, "the options", options);
    // Checked under this class's name (hostSubstrate would name itself).
    checkSubstrate(op, substrate);
    this.#host = hostSubstrate(substrate);
    this.view = HierarchicalFeatureView.of(substrate);
    if (options.readout !== undefined && !(options.readout instanceof SampledMultiscaleReadout)) {
      throw new TypeError(`Cannot ${op}: expected readout to be a SampledMultiscaleReadout`);
    }
    const D = this.view.stateDim;
    this.readout = options.readout ?? new SampledMultiscaleReadout({
      stateDim: D,
      bands: [
        ["fast", 0, this.view.fast],
        ["mid", this.view.fast, this.view.fast + this.view.mid],
        ["slow", this.view.fast + this.view.mid, D],
      ].map(([name, start, stop]) => ({
        name: name as string,
        start: start as number,
        stop: stop as number,
        sampleCount: Math.min(8, (stop as number) - (start as number)),
      })),
    });
    if (this.readout.stateDim !== D) {
      throw new RangeError(
        `Cannot ${op}: expected a readout over ${D} state values but it reads ` +
          `${this.readout.stateDim}`,
      );
    }
  }

  /** Unit states (phase dropped) after each prefix: row k is the state after k tokens. */
  #states(tokens: readonly number[]): Float64Array[] {
    const D = this.view.stateDim;
    let s = this.#host.initial();
    const out = [s.slice(0, D)];
    for (const x of tokens) {
      s = this.#host.step(s, x);
      out.push(s.slice(0, D));
    }
    return out;
  }

  #feature(states: Float64Array[], k: number): Float64Array {
    const enc = this.view.encode(states[k]!, k === 0 ? null : states[k - 1]!);
    const smp = this.readout.encode(states[k]!);
    const out = new Float64Array(enc.length + smp.length);
    out.set(enc);
    out.set(smp, enc.length);
    return out;
  }

  /**
   * One record per checkpoint (default every 10th token: 10, 20, … ≤ T).
   *
   * @throws {RangeError} for no tokens, an id outside the vocabulary, or a checkpoint outside
   *   1..T.
   */
  analyse(tokens: ArrayLike<number>, checkpoints?: readonly number[]): OracleCheckpoint[] {
    const op = `analyse with ${NAME}`;
    const T = checkList(op, "the tokens", tokens);
    if (T === 0) throw new RangeError(`Cannot ${op}: expected at least one token but got none`);
    const seq = Array.from(tokens);
    seq.forEach((x, i) => checkInt(op, `token ${i}`, x, 0, this.#host.vocab - 1));
    if (checkpoints !== undefined) checkList(op, "the checkpoints", checkpoints);
    const cps = checkpoints === undefined
      ? Array.from({ length: Math.floor(T / 10) }, (_, i) => 10 * (i + 1))
      : Array.from(checkpoints);
    cps.forEach((c, i) => checkInt(op, `checkpoint ${i}`, c, 1, T));
    const fwd = this.#states(seq);
    const rev = this.#states(seq.slice().reverse());
    return cps.map((c) => {
      const causal = this.#feature(fwd, c);
      const oracle = this.#feature(rev, T - c);
      const D = causal.length;
      const z = [causal, oracle].map((f, k) => {
        let s = 0;
        for (let i = 0; i < D; i++) s += (1 - (0.75 * i) / Math.max(1, D - 1)) * f[i]!;
        return s / D + (k === 0 ? 0 : 0.05);
      });
      const m = Math.max(z[0]!, z[1]!);
      const e = z.map((v) => Math.exp(v - m));
      const w: [number, number] = [e[0]! / (e[0]! + e[1]!), e[1]! / (e[0]! + e[1]!)];
      return {
        checkpoint: c,
        causal,
        oracle,
        alignment: featureAlignment(causal, oracle),
        routeWeights: w,
        maxRouteWeightBits: -Math.log2(Math.max(w[0], w[1])),
      };
    });
  }
}
