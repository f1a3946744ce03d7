/**
 * Claims of the decepticons patch-latent blocks (asuramaya/decepticons
 * src/decepticons/patch_latent_blocks.py, 7be9af7): LocalByteEncoder, PatchPooler,
 * GlobalLocalBridge.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The pooler table. */
export const POOLER_TABLE = claim({
  id: "decepticons.patch_latent_blocks.property_pooler",
  statement: "the pooler's mix a = 0.25 on [[0, 0], [4, 8]] gives [2.5, 5], mean gives [2, 4] " +
    "and last [4, 8]; for fuzzed patches the mix lies between the mean and the last row",
  source: `${SRC}/patch_latent_blocks.py (PatchPooler)`,
  bound: "table |Δ| = 0; 0 fuzzed violations",
  kind: "exact",
});

/** Ids are never wrapped. */
export const ENCODER_IDS = claim({
  id: "decepticons.patch_latent_blocks.divergence_ids_never_wrapped",
  statement: "LocalByteEncoder at V = 512 encodes id 300 differently from id 44, accepts 511, " +
    "and refuses −1, 512 and 2.5 with a RangeError naming the token",
  source: `${SRC}/patch_latent_blocks.py (LocalByteEncoder)`,
  bound: "max |enc(300) − enc(44)| > 0.01 and 0 accepted bad ids",
  kind: "exact",
  direction: ">=",
  divergence: "The original coerces ids to uint8 before its range check, whatever " +
    "vocabulary_size is: at V = 512 id 300 is encoded as 44 and −1 as 255.",
});

/** The recurrent matrix's radius. */
export const ENCODER_RADIUS = claim({
  id: "decepticons.patch_latent_blocks.divergence_spectral_radius",
  statement: "LocalByteEncoder's spectralRadius option rescales the 32 × 32 recurrent matrix to " +
    "exactly the asked radius (0.9 and 0.5 at seeds 7 and 8); without it the matrix keeps the " +
    "plain N(0, 1)/√32 × 0.7 draw, whose radius the detail reports",
  source: `${SRC}/patch_latent_blocks.py (LocalByteEncoder, recurrent scale 0.7, no rescaling)`,
  bound: "|radius − asked| <= 1e-12·asked; the unrescaled radius differs from 0.7 (not rescaled)",
  kind: "exact",
  divergence: "The original draws the recurrent matrix N(0, 1)/√cols × 0.7 and never rescales " +
    "it: its spectral radius is 0.738 at seed 7 (32 × 32), so the echo-state property is not " +
    "guaranteed by construction. memspec keeps that default and offers the exact rescaling.",
});

/** Ridge fits recover what they can. */
export const BRIDGE_FIT = claim({
  id: "decepticons.patch_latent_blocks.property_ridge_fits",
  statement: "GlobalLocalBridge fitted (α = 0) on rows of an exact affine map [g, z] → local " +
    "recovers it on new inputs, and LocalByteEncoder.fitOutput (α = 0) fitted to targets its " +
    "own tanh readout produced reproduces them",
  source: `${SRC}/patch_latent_blocks.py (GlobalLocalBridge ridge, bias unpenalised; fit_output ` +
    "ridge to arctanh(clip(target)))",
  bound: "max |Δ| <= 1e-12 for both (measured about 1e-15)",
  kind: "property",
});

/** Bad input at construction. */
export const BLOCKS_FAULT = claim({
  id: "decepticons.patch_latent_blocks.fault",
  statement: "bad widths, modes and mix weights are refused at construction; an empty or " +
    "ragged patch, inputs and targets of mismatched sizes and predicting before fit raise a " +
    "typed error",
  source: `${SRC}/patch_latent_blocks.py`,
  bound: "0 cases that do not raise the documented error",
  kind: "fault",
});
