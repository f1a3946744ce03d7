/**
 * HierarchicalFeatureView (asuramaya/decepticons src/decepticons/hierarchical_views.py): pooled
 * and predictive features over the fast, mid and slow slices of a hierarchical state, in f64 on
 * the host.
 *
 * With the state s = [f (F), m (Mi), l (S)] and the previous state p (zeros when absent, so at
 * the first step the delta is the whole state):
 * - pooled(s) = [μ_f, μ_m, μ_l, E_f, E_m, E_l] (means and mean squares of each slice);
 * - predictive(s, p) = [Δf, Δm, Δl, f[:w₁] − λ_f·tanh(m)[:w₁], m[:w₂] − λ_m·tanh(l)[:w₂],
 *   pooled(s), mean|Δf|, mean|Δm|, mean|Δl|] with w₁ = min(F, Mi), w₂ = min(Mi, S) and λ the
 *   fast and mid layers' leak rates;
 * - encode(s, p) = [pooled(s), predictive(s, p)]: the six pooled statistics appear twice, as in
 *   the original (kept so the layout matches it).
 *
 * Dimensions: predictive = F + Mi + S + w₁ + w₂ + 9, feature = predictive + 6 (1161 and 1167 at
 * the original's default sizes 128, 256, 384).
 *
 * @example
 * ```ts
 * import { HierarchicalFeatureView } from "./hierarchical_views.ts";
 * const view = new HierarchicalFeatureView({ sizes: [2, 3, 4], leaks: [0.5, 0.25] });
 * const s = new Float64Array(9).fill(1);
 * const f = view.encode(s);
 * if (f.length !== view.featureDim || f.length !== 2 + 3 + 4 + 2 + 3 + 9 + 6) throw new Error();
 * ```
 *
 * @module
 */
import type { Hierarchical } from "../substrate/build.ts";
import { checkInt, checkList, checkObject, checkReal, shown } from "../../validate.ts";

const OP = "build HierarchicalFeatureView";

/** Options of {@link HierarchicalFeatureView}. */
export interface HierarchicalViewOptions {
  /** The fast, mid and slow slice widths F, Mi, S (each ≥ 1). */
  sizes: readonly [number, number, number];
  /** The fast and mid layers' leak rates λ_f, λ_m (finite; the original's defaults .35, .25). */
  leaks: readonly [number, number];
}

/**
 * Checks that `v` is a list of `length` finite f64 values (states are f64 on the host: the f32
 * range of impl/validate's checks would refuse valid large values).
 *
 * @throws {TypeError} when it is not a list of numbers of that length.
 * @throws {RangeError} naming the first value that is not finite.
 */
export function checkStateVector(op: string, what: string, v: unknown, length: number): void {
  if (typeof op !== "string" || typeof what !== "string") {
    throw new TypeError(
      `Cannot run checkStateVector: expected op and what to be strings but got ${shown(op)} and ` +
        shown(what),
    );
  }
  checkInt("checkStateVector", "length", length, 0, 2 ** 31);
  checkList(op, what, v, length);
  const a = v as ArrayLike<unknown>;
  for (let i = 0; i < length; i++) {
    const x = a[i];
    if (typeof x !== "number") {
      throw new TypeError(
        `Cannot ${op}: expected ${what}[${i}] to be a number but got ${shown(x)}`,
      );
    }
    if (!Number.isFinite(x)) {
      throw new RangeError(`Cannot ${op}: expected ${what}[${i}] to be finite but got ${x}`);
    }
  }
}

/** Mean and mean square of v[lo, hi). */
function stats(v: ArrayLike<number>, lo: number, hi: number): [number, number] {
  let s = 0;
  let q = 0;
  for (let i = lo; i < hi; i++) {
    s += v[i]!;
    q += v[i]! * v[i]!;
  }
  return [s / (hi - lo), q / (hi - lo)];
}

/** Pooled and predictive features over a fast/mid/slow state (see the module documentation). */
export class HierarchicalFeatureView {
  /** Fast slice width F. */
  readonly fast: number;
  /** Mid slice width Mi. */
  readonly mid: number;
  /** Slow slice width S. */
  readonly slow: number;
  /** Fast-layer leak λ_f. */
  readonly fastLeak: number;
  /** Mid-layer leak λ_m. */
  readonly midLeak: number;

  /**
   * A view of states of F + Mi + S values.
   *
   * @throws {TypeError} when the options are not an object with two lists.
   * @throws {RangeError} when a size is not an integer ≥ 1 or a leak is not finite.
   */
  constructor(options: HierarchicalViewOptions) {
    checkObject(OP, "the options", options);
    checkList(OP, "sizes", options.sizes, 3);
    checkList(OP, "leaks", options.leaks, 2);
    const [f, m, s] = options.sizes.map((n, i) => checkInt(OP, `sizes[${i}]`, n, 1, 2 ** 24));
    this.fast = f!;
    this.mid = m!;
    this.slow = s!;
    this.fastLeak = checkReal(OP, "leaks[0]", options.leaks[0]);
    this.midLeak = checkReal(OP, "leaks[1]", options.leaks[1]);
  }

  /** The view of memspec's hierarchical substrate: its layer sizes and leaks. */
  static of(substrate: Hierarchical): HierarchicalFeatureView {
    checkObject(OP, "the substrate", substrate);
    checkList(OP, "substrate.layers", substrate.layers, 3);
    substrate.layers.forEach((l, i) => checkObject(OP, `substrate.layers[${i}]`, l));
    const [a, b, c] = substrate.layers;
    return new HierarchicalFeatureView({ sizes: [a!.n, b!.n, c!.n], leaks: [a!.leak, b!.leak] });
  }

  /** State width F + Mi + S. */
  get stateDim(): number {
    return this.fast + this.mid + this.slow;
  }

  /** Predictive feature width: state + w₁ + w₂ + 9. */
  get predictiveDim(): number {
    return this.stateDim + Math.min(this.fast, this.mid) + Math.min(this.mid, this.slow) + 9;
  }

  /** Encoded feature width: predictive + 6. */
  get featureDim(): number {
    return this.predictiveDim + 6;
  }

  #check(op: string, state: unknown, prev: unknown): void {
    checkStateVector(op, "the state", state, this.stateDim);
    if (prev !== undefined && prev !== null) {
      checkStateVector(op, "the previous state", prev, this.stateDim);
    }
  }

  /** [μ_f, μ_m, μ_l, E_f, E_m, E_l] without checks. */
  #pooled(s: ArrayLike<number>): number[] {
    const F = this.fast, M = this.mid;
    const [mf, ef] = stats(s, 0, F);
    const [mm, em] = stats(s, F, F + M);
    const [ms, es] = stats(s, F + M, this.stateDim);
    return [mf, mm, ms, ef, em, es];
  }

  /**
   * The six pooled statistics of `state`.
   *
   * @throws {TypeError} / {RangeError} when the state is not F + Mi + S finite values.
   */
  pooled(state: ArrayLike<number>): Float64Array {
    this.#check("pool with HierarchicalFeatureView", state, undefined);
    return Float64Array.from(this.#pooled(state));
  }

  #predictive(s: ArrayLike<number>, prev: ArrayLike<number> | null | undefined): Float64Array {
    const F = this.fast, M = this.mid, S = this.slow, D = this.stateDim;
    const w1 = Math.min(F, M), w2 = Math.min(M, S);
    const out = new Float64Array(this.predictiveDim);
    const absMean = [0, 0, 0];
    for (let i = 0; i < D; i++) {
      const d = s[i]! - (prev ? prev[i]! : 0);
      out[i] = d;
      absMean[i < F ? 0 : i < F + M ? 1 : 2]! += Math.abs(d);
    }
    let o = D;
    for (let i = 0; i < w1; i++) out[o++] = s[i]! - this.fastLeak * Math.tanh(s[F + i]!);
    for (let i = 0; i < w2; i++) out[o++] = s[F + i]! - this.midLeak * Math.tanh(s[F + M + i]!);
    for (const x of this.#pooled(s)) out[o++] = x;
    out[o++] = absMean[0]! / F;
    out[o++] = absMean[1]! / M;
    out[o++] = absMean[2]! / S;
    return out;
  }

  /**
   * The predictive features of `state` after `prev` (zeros when absent).
   *
   * @throws {TypeError} / {RangeError} when a state is not F + Mi + S finite values.
   */
  predictive(state: ArrayLike<number>, prev?: ArrayLike<number> | null): Float64Array {
    this.#check("compute predictive features with HierarchicalFeatureView", state, prev);
    return this.#predictive(state, prev);
  }

  /**
   * encode(s, p) = [pooled(s), predictive(s, p)].
   *
   * @throws {TypeError} / {RangeError} when a state is not F + Mi + S finite values.
   */
  encode(state: ArrayLike<number>, prev?: ArrayLike<number> | null): Float64Array {
    this.#check("encode with HierarchicalFeatureView", state, prev);
    const out = new Float64Array(this.featureDim);
    out.set(this.#pooled(state));
    out.set(this.#predictive(state, prev), 6);
    return out;
  }
}
