/**
 * The larkos family (Larkos 0.3, Okerew/larkos_models): the edge-gain graph attention layer,
 * the neuron-graph reasoner and its graph builder, the temporal encoder with its input
 * pipeline (the original's min/max normaliser and memspec's fix), the fusion transformer head
 * with its online mean/std normaliser, the weight-free C fusion `cognitive_fuse` (host,
 * bit-exact f32, and GPU), checkpoints with explicit shape fallbacks, and a GPU training loop.
 *
 * @module
 */
export { LARKOS, type LarkosConstants } from "./config.ts";
export {
  checkGraphEdges,
  edgeGain,
  GATLayer,
  type GATLayerOptions,
  type GATLayerWeights,
  type GraphEdges,
} from "./gat_layer/gat_layer.ts";
export {
  type CheckedNeuron,
  checkNeuronMap,
  GraphInputBuilder,
  type GraphInputs,
  type GraphInputStats,
  type NeuronMap,
  type NeuronState,
  NODE_FEATURES,
  usableSlots,
} from "./neuron_graph_reasoner/graph_inputs.ts";
export {
  NeuronGraphReasoner,
  type NeuronGraphReasonerOptions,
  NODE_EMBED_STD,
  REASONER_LN_EPS,
  REASONER_PARAMETER_NAMES,
  type ReasonerIntermediates,
} from "./neuron_graph_reasoner/neuron_graph_reasoner.ts";
export {
  FOURIER_FREQUENCIES,
  fourierEncode,
  FrameHistory,
  type MinMaxStats,
  type MinMaxTracking,
  OnlineMinMax,
  type OnlineMinMaxOptions,
  syntheticBackendTrace,
  type SyntheticTraceOptions,
  TemporalInputPipeline,
  type TemporalInputState,
} from "./temporal_encoder/input_pipeline.ts";
export {
  TemporalAttentionEncoder,
  type TemporalAttentionEncoderOptions,
  type TemporalCallOptions,
  temporalParameterShapes,
} from "./temporal_encoder/temporal_encoder.ts";
export {
  FUSION_INPUT_NOISE_STD,
  FUSION_LN_EPS,
  FUSION_PARAMETER_SHAPES,
  FUSION_SEQ_LEN,
  FUSION_TOKEN_TYPES,
  type FusionCallOptions,
  fusionInputNoise,
  fusionSeeds,
  type FusionTrace,
  FusionTransformerHead,
  type FusionTransformerHeadOptions,
} from "./fusion_head/fusion_head.ts";
export {
  MEAN_STD_CLAMP,
  MEAN_STD_FLOOR,
  type MeanStdStats,
  OnlineMeanStd,
  splitBandQM,
} from "./fusion_head/online_mean_std.ts";
export {
  CF_BAND,
  CF_DIM,
  CF_LN_EPS,
  CF_MAX_MEMORIES,
  CF_MEMORY_WIDTH,
  CF_SEED_M,
  CF_SEED_Q,
  CF_TOP_K,
  cognitiveFuse,
  type CognitiveFuseInput,
  type CognitiveFuseTrace,
  cognitiveFuseTrace,
  contextMix,
  projCoef,
} from "./cognitive_fuse/cognitive_fuse.ts";
export {
  cognitiveFuseGpu,
  cognitiveFuseGpuBatch,
  projCoefGpu,
} from "./cognitive_fuse/cognitive_fuse_gpu.ts";
export {
  type CachedTensor,
  expandCopy,
  LARKOS_CHECKPOINT_FORMAT,
  LARKOS_MODULE_NAMES,
  type LarkosCheckpointContents,
  type LarkosCheckpointLoadReport,
  loadLarkosCheckpoint,
  type LoadLarkosCheckpointOptions,
  type ParameterModule,
  saveLarkosCheckpoint,
  type StatsHolder,
  statsLayout,
  transferParameters,
  type TransferReport,
} from "./checkpoint/checkpoint.ts";
export {
  cosineAnnealingLr,
  type CosineOptions,
  EDGE_WEIGHT_RANGE,
  LarkosTrainer,
  LarkosTrainingModel,
  SyntheticGraphHistoryTask,
  type TaskAblation,
  type TaskBatch,
  type TaskOptions,
  type TrainerOptions,
  TRAINING_BASE_LR,
  type TrainingModelOptions,
} from "./training/training.ts";
