/**
 * Stacked blocks of the causal bank's linear path
 * (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7),
 * `num_blocks`, `block_mixing_ratio`, `block_stride`): the block MLP's
 * bottleneck, the schedule of unstrided and strided passes, and the strided
 * sample / causal upsample on the GPU.
 *
 * For blocks b = 1..B−1 (idx = b − 1), with Φ_b(s) = W2_b relu(W1_b s + c1_b) + c2_b
 * of bottleneck m = max(⌊M·ratio⌋, 1):
 * - unstrided (idx = 0, or stride 1, or s = stride^idx ≥ T): S ← Sub(S + Φ(S), x), the
 *   mixed states as the drive of a fresh substrate pass;
 * - strided (s = stride^idx < T): Ŝ = S[:, ::s], S ← S + Upsample_s(Sub(Ŝ + Φ(Ŝ), x[:, ::s])),
 *   where Upsample_s repeats each strided state s times, so position t reads the strided state
 *   at s·⌊t/s⌋ ≤ t (causal).
 *
 * @example The schedule of three blocks, stride 2, T = 40
 * ```ts
 * import { blockBottleneck, blockSchedule } from "./blocks.ts";
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * strictEqual(blockBottleneck(16, 0.25), 4);
 * deepStrictEqual(blockSchedule(3, 2, 40), [1, 2]);
 * ```
 *
 * @module
 */
import { type Tensor, tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { add } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { concat } from "../../ops/concat.ts";
import { reshape } from "../../ops/reshape.ts";
import { slice } from "../../ops/slice.ts";
import { relu } from "../../ops/unary.ts";
import { checkTensor } from "./_check.ts";

function checkStride(fn: string, s: unknown): number {
  if (typeof s !== "number") {
    throw new TypeError(`Cannot run ${fn}: expected the stride as a number but got ${shown(s)}`);
  }
  if (!Number.isInteger(s) || s < 1 || s > 1 << 20) {
    throw new RangeError(
      `Cannot run ${fn}: expected the stride an integer in [1, 2^20] but got ${s}`,
    );
  }
  return s;
}

/**
 * The block MLP's bottleneck width m = max(⌊M·ratio⌋, 1).
 *
 * @throws {TypeError|RangeError} for M not an integer in [1, 2^20] or a ratio outside (0, 1].
 */
export function blockBottleneck(linearModes: number, ratio: number): number {
  if (typeof linearModes !== "number" || typeof ratio !== "number") {
    throw new TypeError(
      "Cannot size the block bottleneck: expected linearModes and blockMixingRatio as numbers " +
        `but got ${typeof linearModes} and ${typeof ratio}`,
    );
  }
  if (!Number.isInteger(linearModes) || linearModes < 1 || linearModes > 1 << 20) {
    throw new RangeError(
      "Cannot size the block bottleneck: expected linearModes an integer in [1, 2^20] but got " +
        `${linearModes}`,
    );
  }
  if (!(ratio > 0 && ratio <= 1)) {
    throw new RangeError(
      `Cannot size the block bottleneck: expected blockMixingRatio in (0, 1] but got ${ratio}`,
    );
  }
  return Math.max(Math.floor(linearModes * ratio), 1);
}

/**
 * The stride of each block pass after the first substrate pass: entry idx (0-based, one per
 * block b = idx + 1) is s = blockStride^idx when that is below T and idx ≥ 1, else 1
 * (unstrided).
 *
 * @throws {TypeError|RangeError} for counts that are not integers ≥ 1.
 */
export function blockSchedule(numBlocks: number, blockStride: number, seqLen: number): number[] {
  for (const [what, v] of [["numBlocks", numBlocks], ["blockStride", blockStride], ["T", seqLen]]) {
    if (typeof v !== "number") {
      throw new TypeError(
        `Cannot schedule the blocks: expected ${what} as a number but got ${typeof v}`,
      );
    }
    // Bounded: one entry per block, and strides and lengths a sequence can have.
    const max = what === "numBlocks" ? 1024 : 1 << 24;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) {
      throw new RangeError(
        `Cannot schedule the blocks: expected ${what} an integer in [1, ${max}] but got ${v}`,
      );
    }
  }
  const out: number[] = [];
  for (let idx = 0; idx < numBlocks - 1; idx++) {
    const s = blockStride ** idx;
    out.push(idx >= 1 && blockStride > 1 && s < seqLen ? s : 1);
  }
  return out;
}

/**
 * Φ(s) = relu(s W1 + c1) W2 + c2 on states [B, T, M]. Records GPU work; call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 */
export function blockMlp(s: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor {
  const fn = "blockMlp";
  const x = checkTensor(fn, "states", s, [-1, -1, -1]);
  const M = x.shape[2]!;
  const W1 = checkTensor(fn, "W1", w1, [M, -1]);
  const m = W1.shape[1]!;
  checkTensor(fn, "c1", b1, [m]);
  checkTensor(fn, "W2", w2, [m, M]);
  checkTensor(fn, "c2", b2, [M]);
  return add(matmul(relu(add(matmul(s, w1), b1)), w2), b2);
}

/**
 * S[:, ::s] of states [B, T, C]: [B, ⌈T/s⌉, C] (T padded with zero rows to a multiple of s, then
 * every s-th row from 0). Records GPU work; call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 * @throws {RangeError} for a stride that is not an integer in [1, 2^20].
 */
export function strideSample(x: Tensor, s: number): Tensor {
  checkTensor("strideSample", "states", x, [-1, -1, -1]);
  if (checkStride("strideSample", s) === 1) return x;
  const [b, t, c] = x.shape as [number, number, number];
  const tp = Math.ceil(t / s);
  const pad = tp * s - t;
  const full = pad === 0 ? x : concat([x, tensor(new Float32Array(b * pad * c), [b, pad, c])], 1);
  return reshape(slice(reshape(full, [b, tp, s, c]), [0, 0, 0, 0], [b, tp, 1, c]), [b, tp, c]);
}

/**
 * The causal upsample of strided states y [B, ⌈T/s⌉, C] to [B, T, C]: position t reads row
 * ⌊t/s⌋, the strided state at s·⌊t/s⌋ ≤ t. Records GPU work; call inside `tidy()`.
 *
 * @throws {TypeError} for a tensor that is not a live f32 tensor of the documented shape.
 * @throws {RangeError} for a stride outside [1, 2^20] or T with ⌈T/s⌉ other than the rows.
 */
export function strideUpsample(y: Tensor, s: number, t: number): Tensor {
  const fn = "strideUpsample";
  checkTensor(fn, "strided states", y, [-1, -1, -1]);
  checkStride(fn, s);
  const [b, tp, c] = y.shape as [number, number, number];
  if (typeof t !== "number") {
    throw new TypeError(`Cannot run ${fn}: expected T as a number but got ${shown(t)}`);
  }
  if (!Number.isInteger(t) || t < 1 || Math.ceil(t / s) !== tp) {
    throw new RangeError(
      `Cannot run ${fn}: expected T an integer with ⌈T/${s}⌉ = ${tp} strided rows but got ${t}`,
    );
  }
  if (s === 1) return y;
  // Adding zeros broadcasts each row s times exactly; its backward sums the s copies.
  const rep = add(reshape(y, [b, tp, 1, c]), tensor(new Float32Array(s), [1, 1, s, 1]));
  const flat = reshape(rep, [b, tp * s, c]);
  return tp * s === t ? flat : slice(flat, [0, 0, 0], [b, t, c]);
}
