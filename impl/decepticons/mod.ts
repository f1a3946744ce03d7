/**
 * Decepticons mechanisms (asuramaya/decepticons v0.1.3), their public surface:
 * the byte codec, the causal count memories, the reservoir and memory
 * substrates run on the GPU ({@link runSubstrate}), the byte-latent predictive
 * coder ({@link ByteLatentPredictiveCoder}), the linear recurrence with its
 * sequential and division-free chunked scans ({@link linearRecurrence}),
 * retention, gated retention and the gated delta rule, the causal bank's
 * configuration and deterministic decay bank, and the causal-bank byte LM
 * ({@link CausalBankLM}). Kernels, table builders and loop-count helpers stay
 * in their own modules.
 *
 * @example A frozen decay bank run as a scan
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { buildDecayBank, CAUSAL_BANK_DEFAULTS, linearRecurrence } from "./mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const bank = buildDecayBank({ ...CAUSAL_BANK_DEFAULTS, linearModes: 4 });
 * const T = 8;
 * const a = tensor(Array.from({ length: T * 4 }, (_, i) => bank.decays[i % 4]!), [1, T, 4]);
 * const b = tensor(new Array(T * 4).fill(1), [1, T, 4]);
 * const { h, finalState } = linearRecurrence(a, b);
 * ok((await finalState.toFloat32()).every((x) => x > 1 && x <= T));
 * for (const t of [a, b, h, finalState]) t.dispose();
 * ```
 *
 * @module
 */
export { ByteCodec, decodeText, encodeText, ensureByteTokens } from "./codec/codec.ts";
export {
  type BackoffFitMode,
  type BackoffFitReport,
  ExactContextMemory,
  type ExactContextMemoryOptions,
  type ExpertPrediction,
  NgramMemory,
  type NgramMemoryOptions,
  type NgramOrder,
  OnlineCausalMemory,
  type OnlineCausalMemoryOptions,
  StatisticalBackoffMemory,
  type StatisticalBackoffOptions,
  SupportWeightedMixer,
  type SupportWeightedMixerOptions,
} from "./memory/mod.ts";
export {
  type DelayLine,
  delayLine,
  type EchoState,
  echoState,
  type Hierarchical,
  hierarchical,
  type LinearMemory,
  linearMemory,
  type Mixed,
  mixed,
  type Oscillatory,
  oscillatory,
  type ReservoirLayer,
  type ReservoirOptions,
  type ReservoirTopology,
  stateDim,
  type Substrate,
} from "./substrate/build.ts";
export { type RunOptions, type RunResult, runSubstrate, unitCount } from "./substrate/gpu.ts";
export {
  bitsPerByte,
  ByteLatentPredictiveCoder,
  CODER_DEFAULTS,
  type CoderConfig,
  type CoderDraws,
  type CoderTrace,
  type FitOptions,
  type FitProgress,
  type FitResult,
  type GenerateOptions,
  type Readout,
} from "./predictive_coder/predictive_coder.ts";
export {
  linearRecurrence,
  type LinearRecurrenceOptions,
  type LinearRecurrenceResult,
  type ScanMethod,
} from "./linear_recurrence/linear_recurrence.ts";
export {
  gatedDelta,
  gatedRetention,
  retention,
  type RetentionForm,
  type RetentionOptions,
} from "./retention/retention.ts";
export {
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
  type CausalBankConfig,
  type DecayBank,
  LINEAR_IMPLS,
  type LinearImpl,
  PATCH_DECODERS,
  type PatchDecoder,
  scanOptionsOf,
  STATE_IMPLS,
  type StateImpl,
  SUBSTRATE_MODES,
  type SubstrateMode,
  validateCausalBankConfig,
} from "./causal_bank/config.ts";
export {
  type ByteLMTrainOptions,
  type ByteLMTrainResult,
  CAUSAL_BANK_LM_DEFAULTS,
  CausalBankLM,
  type CausalBankLMConfig,
  LM_SUBSTRATES,
  type LMSubstrate,
} from "./byte_lm/byte_lm.ts";
