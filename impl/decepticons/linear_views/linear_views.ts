/**
 * LinearMemoryFeatureView (asuramaya/decepticons src/decepticons/linear_views.py): the state of
 * a K-bank linear memory (bank-major, K × E) with per-bank statistics, in f64 on the host.
 *
 * encode(s, p) = [s (K·E), mean_k (K), energy_k (K), drift_k (K)] with mean_k and energy_k the
 * mean and mean square of bank k and drift_k = mean|bank_k − prev_k| (0 without a previous
 * state). Width K·E + 3K.
 *
 * @example
 * ```ts
 * import { LinearMemoryFeatureView } from "./linear_views.ts";
 * const view = new LinearMemoryFeatureView({ banks: 2, dim: 2 });
 * const f = view.encode([1, 3, 0, 0], [1, 1, 0, 0]);
 * // state, means [2, 0], energies [5, 0], drifts [1, 0]
 * if (f.join() !== "1,3,0,0,2,0,5,0,1,0") throw new Error(f.join());
 * ```
 *
 * @module
 */
import type { LinearMemory } from "../substrate/build.ts";
import { checkStateVector } from "../hierarchical_views/hierarchical_views.ts";
import { checkInt, checkList, checkObject } from "../../validate.ts";

const OP = "build LinearMemoryFeatureView";

/** Options of {@link LinearMemoryFeatureView}. */
export interface LinearViewOptions {
  /** Banks K ≥ 1. */
  banks: number;
  /** Width E ≥ 1 of each bank. */
  dim: number;
}

/** The linear-memory feature view (see the module documentation). */
export class LinearMemoryFeatureView {
  /** Banks K. */
  readonly banks: number;
  /** Bank width E. */
  readonly dim: number;

  /**
   * A view of K·E states.
   *
   * @throws {TypeError} when the options are not an object of numbers.
   * @throws {RangeError} when K or E is not an integer ≥ 1.
   */
  constructor(options: LinearViewOptions) {
    checkObject(OP, "the options", options);
    this.banks = checkInt(OP, "banks", options.banks, 1, 2 ** 20);
    this.dim = checkInt(OP, "dim", options.dim, 1, 2 ** 20);
  }

  /** The view of memspec's linear memory substrate. */
  static of(substrate: LinearMemory): LinearMemoryFeatureView {
    checkObject(OP, "the substrate", substrate);
    checkList(OP, "substrate.decays", substrate.decays);
    return new LinearMemoryFeatureView({ banks: substrate.decays.length, dim: substrate.dim });
  }

  /** State width K·E. */
  get stateDim(): number {
    return this.banks * this.dim;
  }

  /** Feature width K·E + 3K. */
  get featureDim(): number {
    return this.stateDim + 3 * this.banks;
  }

  /**
   * The features of `state` after `prev` (drift 0 when absent).
   *
   * @throws {TypeError} / {RangeError} when a state is not K·E finite values.
   */
  encode(state: ArrayLike<number>, prev?: ArrayLike<number> | null): Float64Array {
    const op = "encode with LinearMemoryFeatureView";
    checkStateVector(op, "the state", state, this.stateDim);
    if (prev !== undefined && prev !== null) {
      checkStateVector(op, "the previous state", prev, this.stateDim);
    }
    const K = this.banks, E = this.dim, D = this.stateDim;
    const out = new Float64Array(this.featureDim);
    for (let i = 0; i < D; i++) out[i] = state[i]!;
    for (let k = 0; k < K; k++) {
      let s = 0, q = 0, d = 0;
      for (let e = 0; e < E; e++) {
        const x = state[k * E + e]!;
        s += x;
        q += x * x;
        if (prev) d += Math.abs(x - prev[k * E + e]!);
      }
      out[D + k] = s / E;
      out[D + K + k] = q / E;
      out[D + 2 * K + k] = d / E;
    }
    return out;
  }
}
