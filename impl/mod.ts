/**
 * memspec's WebGPU reference implementation: device tensors, ops with WGSL
 * forward and backward kernels, reverse-mode autograd and optimisers.
 *
 * @example
 * ```ts
 * import { add, initGpu, mul, tensor } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = mul(add(tensor([1, 2], [2]), tensor([1, 1], [2])), tensor([3], [1]));
 * deepStrictEqual(Array.from(await y.toArray()), [6, 9]);
 * ```
 *
 * @module
 */
export * from "./gpu/errors.ts";
export { gpu, type GpuContext, initGpu } from "./gpu/device.ts";
export { liveBufferCount } from "./gpu/buffers.ts";
export { batchStats, flush } from "./gpu/batch.ts";
export { sync } from "./gpu/readback.ts";
export { hashU32, Rng, RNG_WGSL } from "./gpu/rng.ts";
export * from "./tensor.ts";
export { backward, isGradEnabled, noGrad } from "./autograd.ts";
export * from "./ops/unary.ts";
export * from "./ops/binary.ts";
export { sumToShape } from "./ops/sum_to_shape.ts";
export * from "./ops/reduce.ts";
export * from "./ops/softmax.ts";
export * from "./ops/cross_entropy.ts";
export * from "./ops/layer_norm.ts";
export * from "./ops/matmul.ts";
export * from "./ops/outer.ts";
export * from "./ops/reshape.ts";
export * from "./ops/transpose.ts";
export * from "./ops/slice.ts";
export * from "./ops/concat.ts";
export * from "./ops/gather.ts";
export * from "./ops/where.ts";
export * from "./ops/optim.ts";
export * from "./fastweights/mod.ts";
export * from "./decepticons/mod.ts";
