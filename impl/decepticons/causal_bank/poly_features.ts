/**
 * Polynomial features of the causal bank's readouts
 * (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7),
 * `local_poly_order`, `substrate_poly_order`): a projection z = P u + p of the
 * path's input u to d = min(64, ⌊n/4⌋) channels (n the input's width), then
 *
 * - order ≥ 2: q = (z_i z_j) for i ≤ j in row-major upper-triangle order (diagonal included),
 *   d(d + 1)/2 terms;
 * - order 3: the "cheap cubic" z³ elementwise as well (d terms, not the full cubic expansion).
 *
 * The local path's MLP input becomes [w, q(, z³)] (w the window of the last W embeddings); the
 * linear readout's input becomes [S, x, q(, z³)]. Every width here is computed from the input
 * the features are taken of, so a shape follows from the configuration without building a model.
 *
 * @example The widths at the original's sizes (M = 256, E = 32, W = 8, order 3)
 * ```ts
 * import { localPathInputWidth, substrateReadoutInputWidth } from "./poly_features.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(substrateReadoutInputWidth(256, 32, 3), 2432);
 * strictEqual(localPathInputWidth(8, 32, 3), 2400);
 * ```
 *
 * @module
 */
import { Tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { mul } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { concat } from "../../ops/concat.ts";
import { checkTensor } from "./_check.ts";

/** Polynomial orders: 1 (none), 2 (quadratic), 3 (quadratic and the cheap cubic). */
export const POLY_ORDERS = [1, 2, 3] as const;
/** Widest projection the features use. */
export const POLY_MAX_WIDTH = 64;

function checkCount(fn: string, what: string, v: unknown, min: number): number {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot ${fn}: expected ${what} as a number but got ${typeof v}`);
  }
  if (!Number.isInteger(v) || v < min || v > 1 << 24) {
    throw new RangeError(
      `Cannot ${fn}: expected ${what} an integer in [${min}, 2^24] but got ${v}`,
    );
  }
  return v;
}

function checkOrder(fn: string, what: string, v: unknown): number {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot ${fn}: expected ${what} as a number but got ${typeof v}`);
  }
  if (!(POLY_ORDERS as readonly number[]).includes(v)) {
    throw new RangeError(`Cannot ${fn}: expected ${what} 1, 2 or 3 but got ${v}`);
  }
  return v;
}

/**
 * The projection width d = min(64, ⌊n/4⌋) of an input n wide.
 *
 * @throws {TypeError|RangeError} for n not an integer in [1, 2^24].
 */
export function polyProjectionWidth(inputWidth: number): number {
  checkCount("size the polynomial projection", "inputWidth", inputWidth, 1);
  return Math.min(POLY_MAX_WIDTH, Math.floor(inputWidth / 4));
}

/**
 * The number of polynomial terms an input n wide adds at `order`: 0 (order 1), d(d + 1)/2
 * (order 2), d(d + 1)/2 + d (order 3), d = {@link polyProjectionWidth}(n).
 *
 * @throws {TypeError|RangeError} for a bad width or order.
 */
export function polyTermCount(inputWidth: number, order: number): number {
  const d = polyProjectionWidth(inputWidth);
  checkOrder("count the polynomial terms", "order", order);
  if (order === 1) return 0;
  return (d * (d + 1)) / 2 + (order === 3 ? d : 0);
}

/**
 * The linear readout's input width M + E + terms(M) at `substratePolyOrder`.
 *
 * @throws {TypeError|RangeError} for bad sizes or order.
 */
export function substrateReadoutInputWidth(
  linearModes: number,
  embeddingDim: number,
  substratePolyOrder: number,
): number {
  checkCount("size the readout input", "embeddingDim", embeddingDim, 1);
  return linearModes + embeddingDim + polyTermCount(linearModes, substratePolyOrder);
}

/**
 * The local path's MLP input width W·E + terms(W·E) at `localPolyOrder`.
 *
 * @throws {TypeError|RangeError} for bad sizes or order.
 */
export function localPathInputWidth(
  localWindow: number,
  embeddingDim: number,
  localPolyOrder: number,
): number {
  checkCount("size the local path input", "localWindow", localWindow, 1);
  checkCount("size the local path input", "embeddingDim", embeddingDim, 1);
  const n = localWindow * embeddingDim;
  return n + polyTermCount(n, localPolyOrder);
}

/**
 * 0/1 selectors [d, d(d + 1)/2] of the upper-triangle pairs (i ≤ j, row-major): z·Sᵢ picks z_i
 * and z·Sⱼ picks z_j of each pair, exactly (one term of 1·z, the rest exact zeros).
 *
 * @throws {TypeError|RangeError} for d not an integer in [1, 64].
 */
export function triuSelectors(d: number): { si: Float32Array; sj: Float32Array; pairs: number } {
  checkCount("build the upper-triangle selectors", "d", d, 1);
  // The features project to at most POLY_MAX_WIDTH channels; the selectors grow as d³.
  if (d > POLY_MAX_WIDTH) {
    throw new RangeError(
      `Cannot build the upper-triangle selectors: expected d <= ${POLY_MAX_WIDTH} but got ${d}`,
    );
  }
  const pairs = (d * (d + 1)) / 2;
  const si = new Float32Array(d * pairs);
  const sj = new Float32Array(d * pairs);
  let p = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      si[i * pairs + p] = 1;
      sj[j * pairs + p] = 1;
      p++;
    }
  }
  return { si, sj, pairs };
}

/**
 * The polynomial terms of projected features z [..., d]: [q] at order 2, [q, z³] at order 3, with
 * q = (z·Sᵢ) ⊙ (z·Sⱼ) from {@link triuSelectors}. Records GPU work; call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 * @throws {RangeError} for an order other than 2 or 3.
 */
export function polyTerms(z: Tensor, order: 2 | 3, si: Tensor, sj: Tensor): Tensor {
  const fn = "polyTerms";
  if (!(z instanceof Tensor) || z.rank < 2) checkTensor(fn, "features z", z, [-1, -1]);
  checkTensor(fn, "features z", z, z.shape.map(() => -1));
  const d = z.shape[z.rank - 1]!;
  const pairs = (d * (d + 1)) / 2;
  if (order !== 2 && order !== 3) {
    throw new RangeError(`Cannot run ${fn}: expected order 2 or 3 but got ${shown(order)}`);
  }
  checkTensor(fn, "selector Sᵢ", si, [d, pairs]);
  checkTensor(fn, "selector Sⱼ", sj, [d, pairs]);
  const q = mul(matmul(z, si), matmul(z, sj));
  return order === 3 ? concat([q, mul(mul(z, z), z)], z.rank - 1) : q;
}
