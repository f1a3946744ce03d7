/**
 * memspec's WebGPU reference implementation, the public API: device
 * initialisation and its typed errors, device tensors, reverse-mode autograd,
 * every op (WGSL forward and backward kernels), the optimisers, a seeded
 * TS/WGSL bit-identical PRNG, each family's mechanisms (`fastweights`,
 * `decepticons`), and the f64 host linear algebra as the {@link linalg}
 * namespace (its `matmul` and `transpose` work on host matrices, not tensors).
 *
 * Kernels, program objects, raw recorders and loop-count helpers are not part
 * of this surface; they stay importable from their own modules for tests.
 *
 * @example Ops, autograd and one read-back
 * ```ts
 * import { add, backward, initGpu, mul, sum, tensor, tidy } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = mul(add(tensor([1, 2], [2]), tensor([1, 1], [2])), tensor([3], [1]));
 * deepStrictEqual(Array.from(await y.toArray()), [6, 9]);
 * const w = tensor([1, 2, 3], [3], { requiresGrad: true });
 * tidy(() => backward(sum(mul(w, w)))); // d/dw Σ w² = 2w
 * deepStrictEqual(Array.from(await w.grad!.toArray()), [2, 4, 6]);
 * y.dispose();
 * w.dispose();
 * ```
 *
 * @module
 */

// Device, errors, synchronisation.
export { gpu, type GpuContext, initGpu, type InitGpuOptions } from "./gpu/device.ts";
export {
  DeviceLostError,
  DisposedTensorError,
  GpuOutOfMemoryError,
  KernelValidationError,
  NoAdapterError,
} from "./gpu/errors.ts";
export { liveBufferCount, type PoolStats, poolStats, trimPool } from "./gpu/buffers.ts";
export { flush } from "./gpu/batch.ts";
export { sync } from "./gpu/readback.ts";
export { Rng } from "./gpu/rng.ts";

// Tensors and autograd.
export {
  type DType,
  type GradNode,
  keep,
  readTensors,
  Tensor,
  tensor,
  type TensorOptions,
  tidy,
  tidyAsync,
  zeros,
} from "./tensor.ts";
export { backward, isGradEnabled, noGrad } from "./autograd.ts";

// Ops.
export {
  abs,
  acos,
  clamp,
  cos,
  elu,
  exp,
  gelu,
  leakyRelu,
  log,
  neg,
  powScalar,
  relu,
  rsqrt,
  sigmoid,
  silu,
  sin,
  softplus,
  sqrt,
  square,
  tanh,
} from "./ops/unary.ts";
export { add, div, maximum, minimum, mul, sub } from "./ops/binary.ts";
export { FUSE_MAX_ELEMENTS, setElementwiseFusion } from "./ops/fused_elementwise.ts";
export { sumToShape } from "./ops/sum_to_shape.ts";
export { max, mean, sum } from "./ops/reduce.ts";
export { logSoftmax, softmax } from "./ops/softmax.ts";
export { crossEntropy } from "./ops/cross_entropy.ts";
export { layerNorm } from "./ops/layer_norm.ts";
export { matmul, type MatmulKernel, type MatmulOptions } from "./ops/matmul.ts";
export { outer } from "./ops/outer.ts";
export { reshape } from "./ops/reshape.ts";
export { transpose } from "./ops/transpose.ts";
export { slice } from "./ops/slice.ts";
export { concat } from "./ops/concat.ts";
export { embedding } from "./ops/gather.ts";
export { maskedFill, where } from "./ops/where.ts";
export { argmax, topk, type TopkResult } from "./ops/topk.ts";
export { trilFill } from "./ops/tril_fill.ts";
export { dropout, type DropoutOptions } from "./ops/dropout.ts";
export { type LossReduction, smoothL1Loss, type SmoothL1Options } from "./ops/smooth_l1_loss.ts";

// Optimisers.
export {
  Adam,
  type AdamOptions,
  type AdamState,
  AdamW,
  adamW,
  ADAMW_DEFAULTS,
  type AdamWOptions,
  clipGradNorm,
  type GradPolicy,
  type Optimizer,
  OptimizerBase,
  Sgd,
  sgd,
  type SgdOptions,
} from "./ops/optim.ts";

// Host linear algebra (f64), as a namespace: its matmul/transpose take host matrices.
export * as linalg from "./linalg/mod.ts";

// Building blocks: multi-head attention and the transformer encoder (PyTorch 1.13 semantics).
export * from "./nn/mod.ts";

// safetensors files, f16/bf16 conversion, checkpoints.
export * from "./io/mod.ts";

// amygdala: Kent Overstreet's concept readout vectors (kent/consciousness, amygdala trainer).
// The family module is the curated list of its public names.
export * from "./amygdala/mod.ts";

// fastweights: cybertronai/schmidhuber-problems PR #8.
// The family module is the curated list of its public names.
export * from "./fastweights/mod.ts";

// decepticons: asuramaya/decepticons v0.1.3.
// The family module is the curated list of its public names.
export * from "./decepticons/mod.ts";

// larkos: Okerew/larkos_models 0.3.
// The family module is the curated list of its public names.
export * from "./larkos/mod.ts";

// ams: FluffyAIcode/AgentMemorySystem PR #30 (AMS v4).
// The family module is the curated list of its public names.
export * from "./ams/mod.ts";
