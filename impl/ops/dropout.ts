/**
 * `dropout`: inverted dropout (Srivastava et al., "Dropout: A Simple Way to
 * Prevent Neural Networks from Overfitting", JMLR 2014; PyTorch
 * `torch.nn.functional.dropout`): in training, each element is zeroed with
 * probability p and the kept ones are scaled by 1/(1 − p), so the expectation
 * is unchanged; in evaluation it is the identity.
 *
 * The mask is seeded and counter-based: element i is kept when
 * `(hashU32(seed, i) >>> 8) >= ceil(p · 2²⁴)` (impl/gpu/rng.ts), so the same
 * seed gives the same mask on every run and device, the host can replay it
 * ({@link dropoutKeeps}), and the backward recomputes it rather than storing
 * it: the gradient is g · mask / (1 − p). The drop probability is
 * ceil(p·2²⁴)/2²⁴, within 2⁻²⁴ of p (exactly p for p = 0 and p = 1).
 *
 * Kept values are fl32(x · fl32(1/(1 − p))): one rounding of x times the f32
 * scale, as PyTorch multiplies by its scale. Dropped values are exactly 0
 * even where x is NaN or ±∞ (PyTorch's 0 · NaN gives NaN). PyTorch's mask
 * comes from its own generator, so masks differ from PyTorch's for the same p.
 *
 * @example
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { dropout, dropoutKeeps } from "./dropout.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
 * const y = await dropout(x, 0.5, { seed: 7 }).toArray();
 * const keep = dropoutKeeps(7, 8, 0.5);
 * deepStrictEqual(Array.from(y), [1, 2, 3, 4, 5, 6, 7, 8].map((v, i) => keep[i] ? 2 * v : 0));
 * const same = await dropout(x, 0.5, { seed: 7, training: false }).toArray();
 * deepStrictEqual(Array.from(same), [1, 2, 3, 4, 5, 6, 7, 8]);
 * ```
 *
 * @module
 */
import { recordOp } from "../autograd.ts";
import { dispatch } from "../gpu/program.ts";
import { hashU32 } from "../gpu/rng.ts";
import { assertDType, emptyLike, formatShape, type Tensor } from "../tensor.ts";
import { DROPOUT_MAP, DROPOUT_WORKGROUP } from "./kernels/dropout.ts";

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Seeds the mask: an integer in [0, 2³²). The same seed gives the same mask. */
  seed: number;
  /** Whether to drop (training); when false dropout is the identity. Default true. */
  training?: boolean;
}

/** The integer drop threshold of probability p on the 24-bit grid: ceil(p · 2²⁴). */
export function dropoutThreshold(p: number): number {
  return Math.ceil(p * 2 ** 24);
}

/**
 * The host replay of dropout's mask: element i of `n` is kept (true) when
 * `(hashU32(seed, i) >>> 8) >= ceil(p · 2²⁴)`.
 *
 * @example
 * ```ts
 * import { dropoutKeeps } from "./dropout.ts";
 * import { ok } from "node:assert/strict";
 * ok(dropoutKeeps(1, 4, 0).every((k) => k) && dropoutKeeps(1, 4, 1).every((k) => !k));
 * ```
 */
export function dropoutKeeps(seed: number, n: number, p: number): boolean[] {
  const t = dropoutThreshold(p);
  const out = new Array<boolean>(n);
  for (let i = 0; i < n; i++) out[i] = hashU32(seed, i) >>> 8 >= t;
  return out;
}

/** Records the mask map over `n` elements of `src` into `dst`. */
function recordMask(
  src: GPUBuffer,
  dst: GPUBuffer,
  n: number,
  seed: number,
  threshold: number,
  scale: number,
): void {
  dispatch(DROPOUT_MAP, {
    uniforms: { n, seed, threshold, scale },
    buffers: { xs: src, out: dst },
    workgroups: Math.ceil(n / DROPOUT_WORKGROUP),
  });
}

/**
 * Inverted dropout of `x` with drop probability `p`: each element is kept
 * with probability 1 − p (a seeded mask, see the module notes) and scaled by
 * 1/(1 − p); dropped elements are 0. The identity (a copy) when
 * `training` is false or p = 0; zeros when p = 1. The gradient is
 * g · mask/(1 − p), from the same mask (0 everywhere for p = 1).
 *
 * @example Same seed, same mask; the gradient follows the mask
 * ```ts
 * import { backward, initGpu, sum, tensor, tidy } from "../mod.ts";
 * import { dropout } from "./dropout.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * await initGpu();
 * const x = tensor([1, 1, 1, 1, 1, 1], [6], { requiresGrad: true });
 * const a = await dropout(x, 0.25, { seed: 3 }).toArray();
 * const b = await dropout(x, 0.25, { seed: 3 }).toArray();
 * deepStrictEqual(Array.from(a), Array.from(b));
 * tidy(() => backward(sum(dropout(x, 0.25, { seed: 3 }))));
 * deepStrictEqual(Array.from(await x.grad!.toArray()), Array.from(a));
 * throws(() => dropout(x, 1.5, { seed: 3 }), RangeError);
 * ```
 *
 * @throws {TypeError} when `x` is not f32 or `training` is not a boolean.
 * @throws {RangeError} when p is not in [0, 1] (NaN included) or the seed is
 *   not an integer in [0, 2³²).
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions): Tensor {
  assertDType(x, "f32", "dropout");
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new RangeError(
      `Cannot dropout a tensor of shape ${formatShape(x.shape)}: expected a drop probability ` +
        `p in [0, 1] but got ${p}`,
    );
  }
  const seed = options?.seed;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(
      `Cannot dropout a tensor of shape ${formatShape(x.shape)}: expected a seed that is an ` +
        `integer in [0, 2^32) but got ${seed}`,
    );
  }
  const training = options.training ?? true;
  if (typeof training !== "boolean") {
    throw new TypeError(
      `Cannot dropout a tensor of shape ${formatShape(x.shape)}: expected training to be a ` +
        `boolean but got ${String(training)}`,
    );
  }
  const active = training && p > 0;
  const threshold = active ? dropoutThreshold(p) : 0;
  // p = 1 drops everything; a scale of 0 keeps 1/(1 − p) = ∞ out of the kernel.
  const scale = !active ? 1 : p === 1 ? 0 : Math.fround(1 / (1 - p));
  const y = emptyLike(x.shape, "f32", "dropout");
  recordMask(x.buffer, y.buffer, x.size, seed, threshold, scale);
  return recordOp(y, "dropout", [x], (g) => {
    const gx = emptyLike(x.shape, "f32", "dropout grad");
    recordMask(g.buffer, gx.buffer, x.size, seed, threshold, scale);
    return [gx];
  });
}
