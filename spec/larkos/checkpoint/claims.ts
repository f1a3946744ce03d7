/**
 * Claims of Larkos 0.3's checkpoints (impl/larkos/checkpoint/): save and load of the 0.3
 * modules and the normaliser statistics on memspec's checkpoint building block, the
 * original's fallbacks made explicit, and `start_training_from`'s transfer over every module.
 *
 * Every figure is a count of failed checks or differing elements (bound 0, direction `==`):
 * saving, loading and copying are exact, so no tolerance applies.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Where the behaviour comes from. */
export const CHECKPOINT_SOURCE = "Okerew/larkos_models:modules/checkpoint.py (save_checkpoint, " +
  "load_checkpoint and its comments) and modules/training.py (TrainingLoop.start_training_from, " +
  "_expand_copy); PyTorch 1.13 torch.nn.Module.load_state_dict";

function claim(c: Omit<Claim, "family" | "direction">): Claim {
  return declareClaim({ family: "larkos", direction: "==", ...c });
}

/** strict=False does not tolerate shape changes; memspec makes the choice explicit. */
export const CK_SHAPE_CHANGE = claim({
  id: "larkos.checkpoint.divergence_shape_change",
  kind: "property",
  statement: "a checkpoint whose tensor has the same name but another shape (the reasoner's " +
    "input Linear saved at D_NODE 5, [64, 5], loaded into D_NODE 8, [64, 8]; the temporal " +
    "encoder's pos saved at TEMPORAL_WINDOW 6 into 4) is refused by default with a TypeError " +
    'naming the tensor, both shapes and the option onShapeMismatch: "expandCopy", writing ' +
    "nothing; with that option it loads, the overlap equal to the saved values and every " +
    "other element equal to the model's fresh values, bit for bit",
  source: CHECKPOINT_SOURCE,
  bound: "cases not refused as stated, tensors changed by a refused load, and elements of an " +
    "expand-copied load differing from saved overlap / fresh rest == 0",
  divergence: "modules/checkpoint.py's comments say load_state_dict(strict=False) lets a " +
    "checkpoint from before D_NODE grew (5 → 8), or one with another TEMPORAL_WINDOW, " +
    '"still load". It does not: strict=False only tolerates missing and unexpected keys, and ' +
    "PyTorch raises RuntimeError (size mismatch for the weight: copying a param with shape " +
    "[64, 5] into [64, 8]) for a same-key different-shape tensor. memspec's loader refuses " +
    "with a typed error naming the tensor and the option, or expand-copies when asked.",
});

/** `_expand_copy`, fuzzed. */
export const CK_EXPAND_COPY = claim({
  id: "larkos.checkpoint.property_expand_copy",
  kind: "property",
  statement: "expandCopy(old, fresh) (the original's _expand_copy) gives result[i] = old[i] " +
    "where every index is below min(old, fresh) of its dimension and fresh[i] elsewhere, " +
    "exactly, fuzzed over shapes of rank 1–4 with every dimension in 0–5 grown, shrunk or kept " +
    "(fast-check, >= 200 runs), against an index-by-index host oracle",
  source: CHECKPOINT_SOURCE,
  bound: "fuzzed cases with any element differing from the oracle == 0",
});

/** The original's fallbacks, explicit. */
export const CK_FALLBACKS = claim({
  id: "larkos.checkpoint.property_fallbacks",
  kind: "property",
  statement: "the original's load fallbacks hold as explicit options: a cached fused_cog whose " +
    "last dim is not FUSION_DIM = 64 is dropped (reported) and one of [1, 64] is returned bit " +
    "for bit; fused_cog_norm statistics of another width are kept fresh (reported) while " +
    "those of the live width are restored; an online_norm of another width is refused with a " +
    "TypeError naming it, writing nothing",
  source: CHECKPOINT_SOURCE,
  bound: "fallbacks not taken as stated (dropped, kept fresh, refused, restored) == 0",
});

/** start_training_from covers every module here. */
export const CK_TRANSFER = claim({
  id: "larkos.checkpoint.divergence_transfer_all_modules",
  kind: "property",
  statement: "transferParameters (start_training_from's per-parameter transfer) covers every " +
    "0.3 module: after transferring the graph reasoner, the temporal encoder and the fusion " +
    "head from a seed-1 set into a seed-2 set whose temporal window grew (pos [4, 48] → " +
    "[6, 48]), every parameter of all three equals the source's values on the overlap and the " +
    "target's fresh values elsewhere, bit for bit",
  source: CHECKPOINT_SOURCE,
  bound: "elements differing from expandCopy(source, fresh) + modules left out == 0",
  divergence: "start_training_from's docstring says it transfers weights for every named " +
    "parameter, but it applies the transfer to model, fusion_transformer, embed_weight_net, " +
    "cross_attn, text_proj, text_num_to_prefix and the EMA shadow only: graph_reasoner and " +
    "temporal_encoder (0.3's new modules) keep their fresh initialisation.",
});

/** Save → load is exact. */
export const CK_ROUND_TRIP = claim({
  id: "larkos.checkpoint.property_round_trip",
  kind: "property",
  statement: "saving the three 0.3 modules (about 148k parameters), both normalisers' " +
    "statistics and a cached fused_cog, then loading them into modules, normalisers and a " +
    "cache built from other seeds, gives bit-identical parameters, statistics (f64 values, " +
    "seen flags) and cache",
  source: CHECKPOINT_SOURCE,
  bound: "differing parameter elements + differing statistics + differing cache values == 0",
});

/** Bad checkpoints and arguments. */
export const CK_FAULT = claim({
  id: "larkos.checkpoint.fault",
  kind: "fault",
  statement: "a checkpoint from another configuration (a grown reasoner input, a rank change " +
    "under expandCopy, a module or normaliser missing under strict loading, an online_norm of " +
    "the original's tracking loaded into the fixed one), a memspec " +
    "checkpoint not written by the larkos saver, an optimiser given for a checkpoint without optimiser state, a module name " +
    "with a dot or an unknown onShapeMismatch raises a TypeError or SyntaxError naming what " +
    "is wrong, before any GPU work, with no leaked buffer, and leaves every parameter and " +
    "statistic as it was",
  source: `${CHECKPOINT_SOURCE}; memspec's error policy (README: Errors)`,
  bound: "cases not raising the documented error, recording GPU work, leaking a buffer, or " +
    "changing a parameter or statistic == 0",
});
