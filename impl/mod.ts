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
export { type GpuContext, gpu, initGpu } from "./gpu/device.ts";
export { liveBufferCount } from "./gpu/buffers.ts";
export { batchStats, flush } from "./gpu/batch.ts";
export { sync } from "./gpu/readback.ts";
export * from "./tensor.ts";
export { backward, isGradEnabled, noGrad } from "./autograd.ts";
export * from "./ops/unary.ts";
export * from "./ops/binary.ts";
export { sumToShape } from "./ops/sum_to_shape.ts";
