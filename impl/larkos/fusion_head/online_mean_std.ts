/**
 * The fused-vector normaliser of Larkos 0.3 (Okerew/larkos_models:modules/training.py
 * `_OnlineMeanStd`) and the band split of the fusion head (`split_band_q_m`).
 *
 * `_OnlineMeanStd` keeps a per-dimension running mean and variance (host, f64):
 * the first update sets mean = x and var = 1; each later one, with δ = x − mean,
 * sets mean ← mean + m·δ and var ← (1 − m)·(var + m·δ²) (m = 0.02).
 * normalize(x) = clamp((x − mean)/max(√var, 0.1), −3, 3). Before any update
 * mean = 0 and var = 1.
 *
 * @example
 * ```ts
 * import { OnlineMeanStd } from "./online_mean_std.ts";
 * import { ok } from "node:assert/strict";
 * const n = new OnlineMeanStd(2);
 * n.update([1, 2]);
 * n.update([3, 2]);
 * const s = n.stats();
 * ok(Math.abs(s.mean[0]! - 1.04) < 1e-12 && Math.abs(s.var[0]! - 0.98 * (1 + 0.02 * 4)) < 1e-12);
 * ok(n.normalize([100, 2])[0] === 3);
 * ```
 *
 * @module
 */
import { assertDType, formatShape, Tensor } from "../../tensor.ts";
import { slice } from "../../ops/slice.ts";
import { checkTensor } from "../../validate.ts";
import { LARKOS } from "../config.ts";

/** The original's std floor. */
export const MEAN_STD_FLOOR = 0.1;

/** The output clamp: |normalize(x)| ≤ 3. */
export const MEAN_STD_CLAMP = 3;

/** The saved statistics of an {@link OnlineMeanStd}. */
export interface MeanStdStats {
  /** Running mean per dimension. */
  mean: Float64Array;
  /** Running variance per dimension. */
  var: Float64Array;
  /** Whether an update has been seen (the first one sets mean = x). */
  seen: boolean;
}

/**
 * `_OnlineMeanStd(dim, momentum = 0.02, std_floor = 0.1)`; see the module notes.
 * Non-finite input is refused (a NaN would poison the running statistics forever).
 *
 * @example Statistics saved and restored continue the same trace
 * ```ts
 * import { OnlineMeanStd } from "./online_mean_std.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * const a = new OnlineMeanStd(3);
 * a.update([1, 2, 3]);
 * const b = new OnlineMeanStd(3);
 * b.setStats(a.stats());
 * a.update([0, 0, 0]);
 * b.update([0, 0, 0]);
 * deepStrictEqual(a.stats(), b.stats());
 * throws(() => a.update([0, NaN, 0]), RangeError);
 * ```
 */
export class OnlineMeanStd {
  /** Width. */
  readonly dim: number;
  /** EMA momentum m. */
  readonly momentum: number;
  /** Lower bound on the std used by normalize. */
  readonly stdFloor: number;
  #mean: Float64Array;
  #var: Float64Array;
  #seen = false;

  /**
   * A normaliser of width `dim` (default FUSION_DIM = 64).
   *
   * @throws {RangeError} when dim is not a positive integer, momentum not in (0, 1) or the
   *   floor not positive.
   */
  constructor(
    dim: number = LARKOS.FUSION_DIM,
    momentum: number = LARKOS.NORM_MOMENTUM,
    stdFloor: number = MEAN_STD_FLOOR,
  ) {
    // 2^24 values at most, as the other families' size caps: refused before allocating.
    if (!Number.isInteger(dim) || dim < 1 || dim > 2 ** 24) {
      throw new RangeError(
        `Cannot create OnlineMeanStd: expected dim to be a positive integer <= ${2 ** 24} but ` +
          `got ${String(dim)}`,
      );
    }
    if (typeof momentum !== "number" || !(momentum > 0 && momentum < 1)) {
      throw new RangeError(
        `Cannot create OnlineMeanStd: expected momentum in (0, 1) but got ${momentum}`,
      );
    }
    if (typeof stdFloor !== "number" || !(stdFloor > 0 && Number.isFinite(stdFloor))) {
      throw new RangeError(
        `Cannot create OnlineMeanStd: expected a positive std floor but got ${stdFloor}`,
      );
    }
    this.dim = dim;
    this.momentum = momentum;
    this.stdFloor = stdFloor;
    this.#mean = new Float64Array(dim);
    this.#var = new Float64Array(dim).fill(1);
  }

  #check(x: ArrayLike<number>, op: string): void {
    if (x === null || typeof x !== "object" || typeof x.length !== "number") {
      throw new TypeError(
        `Cannot ${op}: expected an array of ${this.dim} numbers but got ${String(x)}`,
      );
    }
    if (x.length !== this.dim) {
      throw new TypeError(
        `Cannot ${op}: expected an array of ${this.dim} numbers but got ${x.length}`,
      );
    }
    for (let i = 0; i < this.dim; i++) {
      if (typeof x[i] !== "number" || !Number.isFinite(x[i])) {
        throw new RangeError(
          `Cannot ${op}: expected finite values but got ${x[i]} at index ${i}`,
        );
      }
    }
  }

  /**
   * Folds x into the running statistics.
   *
   * @throws {TypeError} on a wrong length. @throws {RangeError} on a non-finite value
   *   (state unchanged).
   */
  update(x: ArrayLike<number>): void {
    this.#check(x, "update OnlineMeanStd");
    if (!this.#seen) {
      this.#mean = Float64Array.from(x);
      this.#var = new Float64Array(this.dim).fill(1);
      this.#seen = true;
      return;
    }
    const m = this.momentum;
    for (let i = 0; i < this.dim; i++) {
      const delta = x[i]! - this.#mean[i]!;
      this.#mean[i] = this.#mean[i]! + m * delta;
      this.#var[i] = (1 - m) * (this.#var[i]! + m * delta * delta);
    }
  }

  /**
   * clamp((x − mean)/max(√var, floor), −3, 3).
   *
   * @throws {TypeError} on a wrong length. @throws {RangeError} on a non-finite value.
   */
  normalize(x: ArrayLike<number>): Float64Array {
    this.#check(x, "normalize with OnlineMeanStd");
    const out = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) {
      const std = Math.max(Math.sqrt(this.#var[i]!), this.stdFloor);
      const z = (x[i]! - this.#mean[i]!) / std;
      out[i] = Math.min(Math.max(z, -MEAN_STD_CLAMP), MEAN_STD_CLAMP);
    }
    return out;
  }

  /** A copy of the statistics (for checkpoints). */
  stats(): MeanStdStats {
    return {
      mean: Float64Array.from(this.#mean),
      var: Float64Array.from(this.#var),
      seen: this.#seen,
    };
  }

  /**
   * Restores statistics saved by {@link OnlineMeanStd.stats}; all checked before any is set.
   *
   * @throws {TypeError} when a length differs from dim or seen is not a boolean.
   * @throws {RangeError} when a mean is not finite or a variance is negative or not finite.
   */
  setStats(s: MeanStdStats): void {
    const op = "set OnlineMeanStd statistics";
    if (s === null || typeof s !== "object") {
      throw new TypeError(`Cannot ${op}: expected { mean, var, seen } but got ${String(s)}`);
    }
    for (const k of ["mean", "var"] as const) {
      const a = s[k];
      if (a === undefined || a === null || typeof a.length !== "number" || a.length !== this.dim) {
        throw new TypeError(
          `Cannot ${op}: expected ${k} of ${this.dim} values but got ${a?.length ?? String(a)}`,
        );
      }
      for (let i = 0; i < this.dim; i++) {
        const v = a[i]!;
        if (!Number.isFinite(v) || (k === "var" && v < 0)) {
          throw new RangeError(
            `Cannot ${op}: expected ${k === "var" ? "a finite non-negative" : "a finite"} ${k} ` +
              `but got ${v} at index ${i}`,
          );
        }
      }
    }
    if (typeof s.seen !== "boolean") {
      throw new TypeError(`Cannot ${op}: expected seen to be a boolean but got ${String(s.seen)}`);
    }
    this.#mean = Float64Array.from(s.mean);
    this.#var = Float64Array.from(s.var);
    this.#seen = s.seen;
  }
}

/**
 * `split_band_q_m(fused)`: the query band fused[:, :32] and the memory band
 * fused[:, 32:] of a [B, 64] tensor (autograd through slice).
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { splitBandQM } from "./online_mean_std.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const [q, m] = splitBandQM(tensor(Array.from({ length: 64 }, (_, i) => i), [1, 64]));
 * ok((await q.toFloat32())[31] === 31 && (await m.toFloat32())[0] === 32);
 * ```
 *
 * @throws {TypeError} when fused is not an f32 tensor of shape [B, 64].
 */
export function splitBandQM(fused: Tensor): [Tensor, Tensor] {
  // Not a tensor: a TypeError naming it; then the dtype, as every op words it.
  if (!(fused instanceof Tensor)) checkTensor("splitBandQM", "fused", fused, "f32");
  assertDType(fused, "f32", "splitBandQM", "fused");
  const F = LARKOS.FUSION_DIM;
  if (fused.rank !== 2 || fused.shape[1] !== F) {
    throw new TypeError(
      `Cannot run splitBandQM: expected fused of shape [B, ${F}] but got ${
        formatShape(fused.shape)
      }`,
    );
  }
  const B = fused.shape[0]!;
  return [
    slice(fused, [0, 0], [B, LARKOS.BAND_Q]),
    slice(fused, [0, LARKOS.BAND_Q], [B, LARKOS.BAND_M]),
  ];
}
