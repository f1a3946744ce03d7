/**
 * The constants of Larkos 0.3 (Okerew/larkos_models:modules/config.py), one
 * object shared by every larkos mechanism, so that a size never has two
 * spellings. Derived sizes are computed, not restated.
 *
 * @example
 * ```ts
 * import { LARKOS } from "./config.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(LARKOS.MODEL_INPUT_DIM, 192);
 * strictEqual(LARKOS.FUSION_DIM, LARKOS.BAND_Q + LARKOS.BAND_M);
 * ```
 *
 * @module
 */

const INPUT_SIZE = 6;
const FOURIER_ENCODINGS = 4;
const TEMPORAL_WINDOW = 4;
const MAX_NEURONS = 8;
const FOURIER_OUT_DIM = 2 * INPUT_SIZE * FOURIER_ENCODINGS;

/** The names and types of {@link LARKOS}'s constants (all numbers). */
export type LarkosConstants = {
  readonly [
    K in
      | "INPUT_SIZE"
      | "MAX_NEURONS"
      | "MAX_CONNECTIONS"
      | "FOURIER_ENCODINGS"
      | "TEMPORAL_WINDOW"
      | "FOURIER_OUT_DIM"
      | "MODEL_INPUT_DIM"
      | "TEMPORAL_NHEAD"
      | "TEMPORAL_LAYERS"
      | "TEMPORAL_DIM_FF"
      | "D_NODE"
      | "GAT_HEADS"
      | "GAT_LAYERS"
      | "FUSE_GRAPH_DMODEL"
      | "FUSE_GRAPH_NHEAD"
      | "FUSE_GRAPH_LAYERS"
      | "FUSE_GRAPH_DIM_FF"
      | "INTERNAL_DIM"
      | "BAND_Q"
      | "BAND_M"
      | "FUSION_DIM"
      | "MEMORY_VECTOR_SIZE"
      | "MAX_MEMORIES"
      | "TOP_K"
      | "BASE_LR"
      | "WEIGHT_DECAY"
      | "ADAM_EPS"
      | "COSINE_T_MAX"
      | "COSINE_ETA_MIN"
      | "GRAD_CLIP"
      | "NORM_MOMENTUM"
  ]: number;
};

/** Larkos 0.3's configuration constants (modules/config.py). */
export const LARKOS: LarkosConstants = Object.freeze({
  /** Channels of `build_input_tensor`. */
  INPUT_SIZE,
  /** Neurons in the graph (nodes of the GAT). */
  MAX_NEURONS,
  /** Outgoing connections read per neuron. */
  MAX_CONNECTIONS: 6,
  /** Fourier frequencies per channel, 2^e·π for e < FOURIER_ENCODINGS. */
  FOURIER_ENCODINGS,
  /** Frames of input history the temporal encoder attends over. */
  TEMPORAL_WINDOW,
  /** sin and cos of each channel at each frequency: 48. */
  FOURIER_OUT_DIM,
  /** The flattened temporal encoder output: 192. */
  MODEL_INPUT_DIM: TEMPORAL_WINDOW * FOURIER_OUT_DIM,
  /** Temporal encoder heads, layers and feed-forward width. */
  TEMPORAL_NHEAD: 4,
  TEMPORAL_LAYERS: 2,
  TEMPORAL_DIM_FF: 64,
  /** Node feature width of the neuron graph. */
  D_NODE: 8,
  /** GAT heads and layers of the reasoner. */
  GAT_HEADS: 2,
  GAT_LAYERS: 2,
  /** Fusion head model width, heads, layers and feed-forward width. */
  FUSE_GRAPH_DMODEL: 64,
  FUSE_GRAPH_NHEAD: 4,
  FUSE_GRAPH_LAYERS: 3,
  FUSE_GRAPH_DIM_FF: 128,
  /** Width of the fusion head's output and of the driver token: MAX_NEURONS. */
  INTERNAL_DIM: MAX_NEURONS,
  /** The two bands of the fused vector. */
  BAND_Q: 32,
  BAND_M: 32,
  FUSION_DIM: 64,
  /** A memory vector: 2·MAX_NEURONS + INPUT_SIZE = 22. */
  MEMORY_VECTOR_SIZE: 2 * MAX_NEURONS + INPUT_SIZE,
  /** Memories cognitive_fuse reads at most, and the top-K it keeps. */
  MAX_MEMORIES: 1200,
  TOP_K: 32,
  /** Optimiser and schedule of the training loop. */
  BASE_LR: 0.01,
  WEIGHT_DECAY: 1e-4,
  ADAM_EPS: 1e-6,
  COSINE_T_MAX: 50,
  COSINE_ETA_MIN: 1e-5,
  GRAD_CLIP: 1.0,
  /** Momentum of the online normalisers (_OnlineMinMax, _OnlineMeanStd). */
  NORM_MOMENTUM: 0.02,
});
