/**
 * The arithmetic of Okerew/larkos_models:Documents/scaling.md, as host
 * functions over its "Worked examples" table, so that the scaling claims
 * recompute every figure the document states instead of restating it.
 *
 * @module
 */

/** One column of scaling.md's "Worked examples" table (the constants these claims use). */
export interface ScalingColumn {
  /** Column name: "8N", "32N", "128N". */
  name: string;
  MAX_NEURONS: number;
  INPUT_SIZE: number;
  FOURIER_ENCODINGS: number;
  TEMPORAL_WINDOW: number;
  D_MODEL: number;
  NHEAD: number;
  N_LAYERS: number;
  FUSION_DIM: number;
  FUSE_NHEAD: number;
  EMBEDDING_SIZE: number;
  NUM_HEADS: number;
  BAND_Q: number;
  BAND_N: number;
  BAND_M: number;
  BASE_LR: number;
  /** The table's own `MODEL_INPUT_DIM (= seq_len)` row. */
  statedModelInputDim: number;
}

/** scaling.md's "Worked examples" table, the rows these claims use, copied as printed. */
export const WORKED_EXAMPLES: readonly ScalingColumn[] = Object.freeze([
  {
    name: "8N",
    MAX_NEURONS: 8,
    INPUT_SIZE: 6,
    FOURIER_ENCODINGS: 4,
    TEMPORAL_WINDOW: 4,
    D_MODEL: 64,
    NHEAD: 2,
    N_LAYERS: 2,
    FUSION_DIM: 64,
    FUSE_NHEAD: 4,
    EMBEDDING_SIZE: 16,
    NUM_HEADS: 8,
    BAND_Q: 22,
    BAND_N: 21,
    BAND_M: 21,
    BASE_LR: 0.01,
    statedModelInputDim: 192,
  },
  {
    name: "32N",
    MAX_NEURONS: 32,
    INPUT_SIZE: 16,
    FOURIER_ENCODINGS: 4,
    TEMPORAL_WINDOW: 4,
    D_MODEL: 256,
    NHEAD: 8,
    N_LAYERS: 4,
    FUSION_DIM: 256,
    FUSE_NHEAD: 16,
    EMBEDDING_SIZE: 64,
    NUM_HEADS: 8,
    BAND_Q: 86,
    BAND_N: 85,
    BAND_M: 85,
    BASE_LR: 0.002,
    statedModelInputDim: 512,
  },
  {
    name: "128N",
    MAX_NEURONS: 128,
    INPUT_SIZE: 32,
    FOURIER_ENCODINGS: 4,
    TEMPORAL_WINDOW: 2,
    D_MODEL: 1024,
    NHEAD: 32,
    N_LAYERS: 8,
    FUSION_DIM: 1024,
    FUSE_NHEAD: 64,
    EMBEDDING_SIZE: 256,
    NUM_HEADS: 16,
    BAND_Q: 342,
    BAND_N: 341,
    BAND_M: 341,
    BASE_LR: 0.0003,
    statedModelInputDim: 512,
  },
]);

/** `MODEL_INPUT_DIM = TEMPORAL_WINDOW · 2 · INPUT_SIZE · FOURIER_ENCODINGS` (scaling.md). */
export function modelInputDim(
  c: Pick<ScalingColumn, "TEMPORAL_WINDOW" | "INPUT_SIZE" | "FOURIER_ENCODINGS">,
): number {
  return c.TEMPORAL_WINDOW * 2 * c.INPUT_SIZE * c.FOURIER_ENCODINGS;
}

/**
 * scaling.md's peak attention activation estimate in bytes:
 * `N_LAYERS · NHEAD · MODEL_INPUT_DIM² · 4 B · 5` (f32 scores, ×5 for the tensors saved for
 * backward). Exact in f64 for every size used here (< 2⁵³).
 */
export function attentionBytes(nLayers: number, nhead: number, modelInputDim: number): number {
  return nLayers * nhead * modelInputDim * modelInputDim * 4 * 5;
}

/** `x` rounded to one significant figure, as the decimal literal (1.342e9 → 1e9). */
export function oneSignificantFigure(x: number): number {
  // Through the decimal string, so 0.0003125 gives the literal 0.0003 (3·1e-4 would not).
  return Number(x.toPrecision(1));
}

/** scaling.md's learning-rate rule: `BASE_LR / (D_MODEL scale · √(N_LAYERS scale))`. */
export function scaledLr(base: ScalingColumn, to: ScalingColumn): number {
  return base.BASE_LR / ((to.D_MODEL / base.D_MODEL) * Math.sqrt(to.N_LAYERS / base.N_LAYERS));
}
