/**
 * Claims of Larkos 0.3's scaling arithmetic (Okerew/larkos_models:Documents/scaling.md):
 * the figures the document derives from its own formulas, recomputed. Host-only and exact.
 *
 * Not claimed: the document's "128N ≈ 100M params" and "peak training VRAM ~6 GB". Neither
 * comes with a formula or a model the figure could be recomputed from (the parameter count
 * depends on LarkosModel parts the document does not size, and the VRAM total on the
 * optimiser, MAML and MC-dropout memory it does not budget), so they are unverifiable here.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Where the figures come from. */
export const SCALING_SOURCE = "Okerew/larkos_models:Documents/scaling.md (the sequence-length " +
  'pitfall, "Rough VRAM budget for the encoder" and "Worked examples"); modules/config.py';

function claim(c: Omit<Claim, "family" | "kind">): Claim {
  return declareClaim({ family: "larkos", kind: "property", ...c });
}

/** MODEL_INPUT_DIM of every worked example. */
export const SC_MODEL_INPUT_DIM = claim({
  id: "larkos.scaling.property_model_input_dim",
  statement: "MODEL_INPUT_DIM = TEMPORAL_WINDOW·2·INPUT_SIZE·FOURIER_ENCODINGS gives the worked " +
    "examples' stated sequence lengths: 4·2·6·4 = 192 at 8 neurons (memspec's LARKOS constant), " +
    "4·2·16·4 = 512 at 32 and 2·2·32·4 = 512 at 128 neurons",
  source: SCALING_SOURCE,
  bound: "columns whose computed MODEL_INPUT_DIM differs from the stated one (or 8N's from " +
    "LARKOS.MODEL_INPUT_DIM) == 0",
  direction: "==",
});

/** The attention VRAM estimate's arithmetic. */
export const SC_ATTENTION_VRAM = claim({
  id: "larkos.scaling.property_attention_vram",
  statement: "the attention VRAM formula N_LAYERS·NHEAD·MODEL_INPUT_DIM²·4 B·5 gives " +
    "8·32·512²·4·5 = 1,342,177,280 B = 1.34 GB at the document's 512 / 32 heads / 8 layers " +
    '(stated "~1 GB": right to one significant figure) and 1.31 TB at MODEL_INPUT_DIM 16,000 ' +
    '(stated "~1 TB"); doubling MODEL_INPUT_DIM multiplies it by 4 and 16× FOURIER_ENCODINGS by ' +
    "256, as stated. The document's 100M-parameter and ~6 GB totals are not claimed: no formula " +
    "recomputes them",
  source: SCALING_SOURCE,
  bound: "512 case: bytes == 1342177280 exactly; 512 and 16,000 cases: one-significant-figure " +
    "value == the stated 1e9 / 1e12; ratios == 4 and 256 exactly",
  direction: "==",
});

/** The worked examples' internal consistency. */
export const SC_WORKED_EXAMPLES = claim({
  id: "larkos.scaling.property_worked_examples",
  statement: "in every worked example the three bands sum to FUSION_DIM (22+21+21 = 64, " +
    "86+85+85 = 256, 342+341+341 = 1024), NHEAD divides D_MODEL, FUSE_NHEAD divides FUSION_DIM " +
    "and NUM_HEADS divides EMBEDDING_SIZE, and the learning-rate rule BASE_LR / (D_MODEL scale · " +
    "√N_LAYERS scale) from 8N gives 0.00177 and 0.0003125, which round to the stated 0.002 and " +
    "0.0003 at one significant figure",
  source: SCALING_SOURCE,
  bound: "violated sums, divisibilities and learning-rate roundings == 0",
  direction: "==",
});
