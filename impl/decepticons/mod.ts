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
export { OCM_GPU_MAX_T, OCM_GPU_VOCAB, onlineCausalFeatures } from "./memory/online_causal_gpu.ts";
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
  learnableSubstrateKeys,
  LINEAR_IMPLS,
  type LinearImpl,
  MEMORY_KINDS,
  type MemoryKind,
  MIX_MODES,
  type MixMode,
  PATCH_DECODERS,
  type PatchDecoder,
  READOUT_KINDS,
  type ReadoutKind,
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
  type LMReadoutModules,
  type LMSubstrate,
  type LMTransforms,
  TRANSFORM_PREFIXES,
} from "./byte_lm/byte_lm.ts";
export {
  fastHeadCount,
  fastScanCount,
  HEMISPHERE_COUNTS,
  retentionHemisphereLogits,
  roundHalfEven,
  scanHemisphereLogDecays,
} from "./causal_bank/hemispheres.ts";
export {
  blockBottleneck,
  blockMlp,
  blockSchedule,
  strideSample,
  strideUpsample,
} from "./causal_bank/blocks.ts";
export {
  localPathInputWidth,
  POLY_MAX_WIDTH,
  POLY_ORDERS,
  polyProjectionWidth,
  polyTermCount,
  polyTerms,
  substrateReadoutInputWidth,
  triuSelectors,
} from "./causal_bank/poly_features.ts";
export {
  DECAY_REG_HI,
  DECAY_REG_LO,
  DECAY_REG_WIDTH,
  decayRegularizer,
  decayRegularizerValue,
  GATE_REG_WEIGHT,
  gateRegularizer,
  regularizerScale,
} from "./causal_bank/regularizer.ts";
export { BANK_GATE_SPAN, staticGate, staticGateValue } from "./causal_bank/static_gate.ts";
export {
  buildReadout,
  type CausalBankReadout,
  READOUT_SPEC_KINDS,
  type ReadoutBuildOptions,
  type ReadoutContext,
  type ReadoutOutput,
  type ReadoutSpec,
  type ReadoutSpecKind,
} from "./readouts/readouts.ts";
export { MlpReadout } from "./readouts/mlp.ts";
export { TiedRecursiveReadout } from "./readouts/tied_recursive.ts";
export { TiedEmbedReadout, type TiedEmbedSettings } from "./readouts/tied_embed.ts";
export { RecurrentReadout } from "./readouts/recurrent.ts";
export { GatedMix } from "./readouts/gated_mix.ts";
export { RoutedExpertsReadout, switchBalanceLoss } from "./readouts/routed_experts.ts";
export {
  BAND_KINDS,
  type BandKind,
  type BandLayout,
  BandsReadout,
  type BandsSettings,
} from "./readouts/bands.ts";
export {
  HASH_MASKED_SCORE,
  HASH_MEMORY_PARAMS,
  HashMemory,
  type HashMemoryOptions,
} from "./hash_memory/hash_memory.ts";
export {
  bankOf,
  type BankRouterOptions,
  MagnitudeNormalizer,
  type MagnitudeOptions,
  ModeSelector,
  type ModeSelectorOptions,
  OverwriteGate,
  type OverwriteGateOptions,
  SubstrateBankRouter,
  TEMPORAL_MASKED_SCORE,
  TemporalAttention,
  type TemporalAttentionOptions,
} from "./substrate_transforms/substrate_transforms.ts";
export type { ShippedWeights } from "./substrate_transforms/params.ts";
export {
  type HostArray,
  PATCH_CAUSAL_DECODERS,
  PATCH_VOCAB,
  type PatchCausalDecoder,
  PATCHED_CAUSAL_BANK_DEFAULTS,
  PatchedCausalBank,
  type PatchedCausalBankConfig,
  patchedInitValues,
  validatePatchedCausalBankConfig,
} from "./patch_decoders/patch_decoders.ts";
export {
  checkStateVector,
  HierarchicalFeatureView,
  type HierarchicalViewOptions,
} from "./hierarchical_views/hierarchical_views.ts";
export { LinearMemoryFeatureView, type LinearViewOptions } from "./linear_views/linear_views.ts";
export {
  type ResolvedBand,
  type SampledBand,
  SampledMultiscaleReadout,
  type SampledReadoutOptions,
} from "./sampled_readout/sampled_readout.ts";
export {
  type ExpertFeatureFn,
  type ExpertFitReport,
  type ExpertReadout,
  type ExpertScore,
  FrozenReadoutExpert,
  type FrozenReadoutExpertOptions,
} from "./experts/experts.ts";
export { type HostSubstrate, hostSubstrate } from "./experts/host_substrate.ts";
export {
  type AdapterScore,
  CausalPredictiveAdapter,
  type CausalPredictiveOptions,
} from "./causal_predictive/causal_predictive.ts";
export {
  BACKOFF_CACHE_MODES,
  type BackoffCacheMode,
  type BackoffCacheRecord,
  type CacheSummary,
  EXACT_CACHE_MODES,
  type ExactCacheMode,
  type ExactCacheRecord,
  ExactContextCache,
  StatisticalBackoffCache,
} from "./memory_cache/memory_cache.ts";
export {
  type FeatureAlignment,
  featureAlignment,
  OracleAnalysis,
  type OracleAnalysisOptions,
  type OracleCheckpoint,
} from "./oracle_analysis/oracle_analysis.ts";
export {
  GlobalLocalBridge,
  LocalByteEncoder,
  type LocalByteEncoderOptions,
  PatchPooler,
  POOL_MODES,
  type PoolMode,
} from "./patch_latent_blocks/patch_latent_blocks.ts";
export {
  type ControllerSummary,
  type Signal,
  stackSummaries,
  SUMMARY_DEFAULTS,
  SUMMARY_REDUCTIONS,
  SummaryBuilder,
  type SummaryConfig,
  summaryConfig,
  type SummaryReduction,
} from "./control/control.ts";
export {
  type PathwayGateConfig,
  PathwayGateController,
  type PathwayGateState,
  type PathwayGateStep,
} from "./gating/gating.ts";
export {
  type RouterConfig,
  type RouteResult,
  type RouterMode,
  softmaxWithTemperature,
  SummaryRouter,
} from "./routing/routing.ts";
export {
  type HormoneConfig,
  HormoneModulator,
  type HormoneState,
  type HormoneStep,
} from "./modulation/modulation.ts";
export {
  type PredictiveSurpriseConfig,
  PredictiveSurpriseController,
  SURPRISE_FEATURE_DIM,
  type SurpriseFeatureMode,
  type SurpriseObservation,
} from "./predictive_surprise/predictive_surprise.ts";
export {
  BOUNDARY_FEATURE_DIM,
  type BoundaryDecision,
  LearnedBoundaryScorer,
  LearnedSegmenter,
  SEGMENTER_DEFAULTS,
  type SegmenterConfig,
} from "./learned_segmentation/learned_segmentation.ts";
// The single-row helpers (peak, overlap, top-k mass …) stay in their module: their short names
// would read ambiguously beside the other families' exports.
export {
  normalizeRow,
  type ProbabilityDiagnostics,
  probabilityDiagnostics,
  ROW_MASS_EPS,
} from "./probability_diagnostics/probability_diagnostics.ts";
export { selectSpans, type Span, type SpanOptions } from "./span_selection/span_selection.ts";
export {
  bridgeExport,
  type BridgeInput,
  type BridgeReport,
} from "./bridge_export/bridge_export.ts";
export {
  teacherExport,
  type TeacherInput,
  type TeacherReport,
} from "./teacher_export/teacher_export.ts";
export {
  type CurveOptions,
  type CurvePoint,
  evaluateDataset,
  evaluateRollout,
  evaluateRolloutCurve,
  evaluateTransferProbe,
  type NextTokenModel,
  PROBABILITY_FLOOR,
  resolveCheckpoints,
  type RolloutOptions,
  type RolloutReport,
  scoreNextStep,
  shouldUpdateSlow,
  type TransferProbe,
} from "./evaluation/evaluation.ts";
export {
  CONTROLLED_STACK_DEFAULTS,
  ControlledStack,
  type ControlledStackConfig,
  type StackReadout,
  type StackTrace,
} from "./controlled_stack/controlled_stack.ts";
