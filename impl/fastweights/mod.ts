/**
 * Fast-weight mechanisms (cybertronai/schmidhuber-problems PR #8), their public
 * surface: the fused fast-weight recurrence as an autograd op
 * ({@link fastWeightRecall}), the fast-weight memory as a store
 * ({@link FastWeightStore}), unknown-delay pattern association
 * ({@link UnknownDelayNet}), key-value binding through a trained slow projector
 * ({@link kvTrain}, {@link kvEvaluate}), the self-referential weight matrix
 * ({@link srwmTrain}, {@link srwmEvaluate}) and the two history-compression
 * chunkers ({@link chunkerBptt}, {@link chunker22Train},
 * {@link chunker1200Train}). Kernels, raw recorders and loop-count helpers stay
 * in their own modules.
 *
 * @example The fused recurrence as an op
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { fastWeightRecall } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = fastWeightRecall(
 *   tensor([1, 0], [1, 1, 2]),
 *   tensor([5], [1, 1, 1]),
 *   tensor([1], [1, 1]),
 *   tensor([1, 0], [1, 2]),
 *   0.5,
 * );
 * deepStrictEqual(Array.from(await y.toArray()), [2.5]);
 * ```
 *
 * @module
 */
export { fastWeightRecall } from "./recurrence/recurrence.ts";
export { FastWeightStore } from "./store/store.ts";
export { type UdLayout, udLayout } from "./unknown_delay/layout.ts";
export {
  UD_ADAM_DEFAULTS,
  type UdActivations,
  type UdAdamOptions,
  UdEpisodes,
  type UdEvaluation,
  type UdGradients,
  udInitialParams,
  udStreamsTensor,
  udTrainingStreams,
  type UdTrainOptions,
  UNKNOWN_DELAY_DEFAULTS,
  type UnknownDelayConfig,
  UnknownDelayNet,
} from "./unknown_delay/unknown_delay.ts";
export {
  KV_TASK_DEFAULTS,
  kvBias,
  kvDrawEpisodes,
  type KvEpisodeData,
  kvEvaluate,
  type KvEvaluation,
  type KvRun,
  type KvTaskConfig,
  kvTrain,
  type KvTrainOptions,
} from "./key_value/key_value.ts";
export {
  SRWM_DEFAULTS,
  type SrwmConfig,
  srwmEvalCodes,
  srwmEvaluate,
  type SrwmEvaluation,
  srwmParamCount,
  type SrwmRun,
  type SrwmRunSpec,
  srwmTrain,
} from "./srwm/srwm.ts";
export {
  type ChunkerBatch,
  chunkerBptt,
  type ChunkerBpttResult,
  type ChunkerNetDims,
  chunkerParamCount,
} from "./chunker/chunker.ts";
export {
  C22_GPU,
  c22ParamCount,
  type Chunker22Config,
  type Chunker22Inputs,
  type Chunker22Pass,
  type Chunker22Result,
  type Chunker22Seed,
  chunker22Train,
} from "./chunker/train22.ts";
export {
  C1200_GPU,
  type Chunker1200Config,
  type Chunker1200Inputs,
  chunker1200ParamCount,
  type Chunker1200Result,
  chunker1200Sequence,
  type Chunker1200Stage,
  chunker1200Train,
} from "./chunker/train1200.ts";
