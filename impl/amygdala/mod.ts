/**
 * The amygdala family (Kent Overstreet's amygdala concept-readout trainer,
 * kent/consciousness:training/amygdala_training/): the corpus and its positives/negatives
 * rule, the activations interface, the concept-direction aggregators, the subspace method,
 * the quality report and the readout artefact.
 *
 * @module
 */
// The host matrix type the aggregators, subspace and quality functions take and return; the
// same type as `linalg.Matrix`, re-exported so the family's signatures name a public type.
export type { Matrix, MatrixData } from "../linalg/matrix.ts";
export {
  conceptSets,
  type Corpus,
  CorpusError,
  corpusTexts,
  type PaddingSide,
  type PairedScenario,
  poolLast,
  readCorpus,
  type ReadCorpusOptions,
  splitTexts,
} from "./corpus/corpus.ts";
export {
  activateUnique,
  type Activations,
  type ActivationSource,
  auroc,
  checkActivations,
  type LayerActivations,
  type UniqueActivations,
} from "./activations/activations.ts";
export {
  layerKey,
  manifestText,
  READOUT_MANIFEST,
  READOUT_TENSORS,
  type ReadoutFolder,
  type ReadoutManifest,
  readoutManifest,
  ReadoutProjector,
  type ReadoutVectors,
  readReadout,
  writeReadout,
} from "./readout/readout.ts";
export {
  pairedSets,
  TRAIN_METHODS,
  type TrainedReadout,
  type TrainMethod,
  trainReadout,
  type TrainReadoutOptions,
} from "./readout/train.ts";
export {
  aggregate,
  AGGREGATOR_METHODS,
  type AggregatorContext,
  AggregatorConvergenceError,
  AggregatorInputError,
  type AggregatorMethod,
  logisticAggregator,
  type LogisticFit,
  logisticFit,
  logisticL1Aggregator,
  logisticL1Fit,
  type LogisticOptions,
  meanAggregator,
  pcaAggregator,
  pooledDirection,
  ZeroDirectionError,
} from "./aggregators/mod.ts";
export {
  combineTopK,
  storySubspace,
  SUBSPACE_DEFAULT_EIGEN_K,
  SUBSPACE_EIGVALS_LENGTH,
  SUBSPACE_ROUNDING_C,
  SUBSPACE_SPAN_TOL,
  type SubspaceDirection,
  subspaceDirection,
  type SubspaceEigengap,
  type SubspaceOptions,
  SubspaceSpectrumError,
} from "./subspace/subspace.ts";
export {
  deltaSpectrum,
  firstPcNullBaseline,
  firstPcVarianceRatio,
  type HeadConcentration,
  headConcentration,
  nearestConcepts,
  NULL_BASELINE_TRIALS,
  type NullBaseline,
  QUALITY_TOP,
  RIDGE_LAMBDA,
  type RidgeCombination,
  ridgeCombination,
  singleNeuronAlignment,
  type SpectrumMetrics,
  spectrumMetrics,
  type StoryAlignment,
  storyAlignment,
} from "./quality/quality.ts";
export {
  type ConceptQuality,
  type LayerQuality,
  QUALITY_FORMAT,
  type QualityInput,
  type QualityLayerInput,
  type QualityReport,
  qualityReport,
} from "./quality/report.ts";
