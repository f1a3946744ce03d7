/**
 * Claims of AMS v4's training (impl/ams/training/): the five losses, Trainer4, the v4.7
 * variant's corpus and negatives.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Where the definitions come from. */
export const TRAINING_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/training/losses.py, " +
  "ams_v4/training/trainer.py, ams_v4/training/batch_encode.py, train_v4.py (PR #30)";

/** The original's unit tests of the losses and the trainer. */
export const TRAINING_TESTS = "FluffyAIcode/AgentMemorySystem:tests/test_v46_train.py (PR #30)";

/** The original's account of the run and of the v4.7 scope. */
export const TRAINING_DOC = "FluffyAIcode/AgentMemorySystem:ARCHITECTURE_v4_TRAIN.md, " +
  "ckpt/v4_train_stdout.log and the PR #30 description's v4.7 follow-up scope";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** Every loss a finite scalar with its sign. */
export const TR_LOSS_SIGNS = claim({
  id: "ams.training.property_loss_signs",
  statement: "on every distinct batch of the original's 12-sentence rotating corpus (batch 3) " +
    "and of the v4.7 corpus, each of the five losses is a finite scalar tensor of shape [] " +
    "with the documented sign: PSA > 0, BAA, CBI, WP >= 0, recon = 0 (no active set); the " +
    "weighted total equals Σ w_k L_k of Cfg4's weights",
  source: `${TRAINING_TESTS} (losses finite, PSA > 0, others >= 0); ${TRAINING_SOURCE}`,
  bound: "violations = 0 (a non-finite loss, a shape other than [], a wrong sign, or |total − " +
    "Σ w_k L_k| > 1e-5·(1 + |total|))",
  kind: "property",
  direction: "==",
});

/** Gradients reach the documented parameters. */
export const TR_GRADIENT_REACH = claim({
  id: "ams.training.property_gradient_reach",
  statement: "a backward from PSA alone gives cross_attn.lift_time.0.weight a nonzero gradient " +
    "(PSA trains the time slot's lift through the frozen LM), and a backward from BAA alone " +
    "gives the time bundle's raw axis bundle_time._axis_raw a nonzero gradient; every gradient " +
    "element is finite",
  source: `${TRAINING_TESTS} (PSA reaches lift_time[0]; BAA reaches _axis_raw)`,
  bound: "min of the two max |gradient| >= the smallest normal f32 (2^-126); non-finite " +
    "gradient elements = 0",
  kind: "property",
  direction: ">=",
});

/** Three steps give different totals. */
export const TR_THREE_STEPS = claim({
  id: "ams.training.property_three_steps_differ",
  statement: "three Trainer4 steps (AdamW lr 3e-4, wd 0.01, clip 1.0, batch 3 of the original's " +
    "corpus, model seeded 42) give three pairwise different totals, and every parameter that " +
    "received a nonzero gradient moved",
  source: `${TRAINING_TESTS} (3 trainer steps give totals that differ); ${TRAINING_SOURCE}`,
  bound: "equal pairs of totals + parameters with a nonzero gradient that did not move = 0",
  kind: "property",
  direction: "==",
});

/** Save/reload continues bit for bit. */
export const TR_CHECKPOINT = claim({
  id: "ams.training.property_checkpoint_continues",
  statement: "training 4 steps straight and training 2 steps, saving (impl/io checkpoint: " +
    "every parameter, the AdamW moments and steps, the step counter), loading into a model " +
    "seeded differently and training 2 more give bit-identical parameters and totals",
  source: `${TRAINING_TESTS} (save/reload round trip < 1e-5, tightened to bit identity); ` +
    "memspec's impl/io/checkpoint.ts",
  bound: "differing parameter elements + differing totals = 0",
  kind: "property",
  direction: "==",
});

/** Determinism under the seed. */
export const TR_DETERMINISM = claim({
  id: "ams.training.property_determinism",
  statement: "two Trainer4 runs of 4 steps from models seeded 42 give bit-identical totals and " +
    "parameters; a model seeded 43 gives different ones",
  source: `${TRAINING_SOURCE} (train_v4.py seeds 42)`,
  bound: "differing elements between the two seed-42 runs = 0, and the seed-43 run differs " +
    "(figure: seed-42 differences + (1 if seed 43 equals seed 42))",
  kind: "property",
  direction: "==",
});

/** recon ≡ 0 in the original's run. */
export const TR_RECON_ZERO = claim({
  id: "ams.training.divergence_recon_zero",
  statement: "recon is 0 on every step of the original's recipe (batch 3 < kakeya_min_entries " +
    "8: the production writes never activate a Kakeya set), measured on the 4 distinct " +
    "batches that the 60 steps cycle through; with a batch of 8 the same trainer's writes " +
    "activate >= 2 sets (invariant 3), so the batch size is the condition (recon there is the " +
    "in-sample round trip of memories that define the sets, given in the detail)",
  source: `${TRAINING_DOC} (recon = 0.0 at every step); ${TRAINING_SOURCE}`,
  bound: "max recon over the batch-3 steps = 0; active sets at batch 3 = 0; active sets at " +
    "batch 8 >= 2",
  kind: "property",
  direction: "==",
  divergence: "ARCHITECTURE_v4_TRAIN.md says recon drives the base-to-field maps; in the " +
    "original's run recon ≡ 0 because batch 3 < kakeya_min_entries 8 (and the maps are not " +
    "parameters): memspec measures max recon = 0 over the run's batches",
});

/** The triplet negative is the row itself; memspec's fix. */
export const TR_TRIPLET_NEGATIVE = claim({
  id: "ams.training.divergence_triplet_negative",
  statement: "on the original's corpus batches, memspec's negative (argmin of the Jaccard " +
    "similarity over j ≠ i) is never the row itself and has the lowest off-diagonal " +
    "similarity of its row; the original's rule (argmin with the diagonal set to −1) returns " +
    "the row itself for every row",
  source: `${TRAINING_SOURCE} (bundle_axis_alignment's topic triplet)`,
  bound: "memspec's rows with neg = self or a non-minimal neg = 0; the original's fraction of " +
    "rows with neg = self = 1",
  kind: "property",
  direction: "==",
  divergence: "the original's triplet negative is argmin over a Jaccard row whose diagonal " +
    "is −1, so neg = self on every row and the hinge is relu(1.2 − cos(i, pos)): pure " +
    "attraction that can never be satisfied",
});

/** The v4.7 corpus. */
export const TR_CORPUS = claim({
  id: "ams.training.property_corpus",
  statement: "the v4.7 training corpus from memspec's seeded template generator holds >= 200 " +
    "distinct sentences with >= 100 distinct masked entities, is identical for the same seed " +
    "and differs for another, and no sentence contains any of the session harness's 10 gold " +
    "keywords (so training cannot teach the gate's answers); every sentence yields an " +
    "entity-masked PSA example whose query lacks the entity",
  source: "the PR #30 description's v4.7 follow-up scope (>= 200 entity-diverse sentences; " +
    "mask the highest-IDF content token); memspec's impl/ams/training/corpus.ts",
  bound: "violations = 0",
  kind: "property",
  direction: "==",
});

/** Bad input. */
export const TR_FAULT = claim({
  id: "ams.training.fault",
  statement: "an unknown variant, a negative step count, an empty corpus, an LM of another " +
    "width, a disposed trainer, and a checkpoint of another configuration raise the documented " +
    "TypeError or RangeError before any GPU work, leak no buffer and leave the weights unchanged",
  source: "memspec's error contract",
  bound: "cases not raising the documented error = 0",
  kind: "fault",
  direction: "==",
});

/** The losses and their gradients against PyTorch. */
export const TR_FIXTURE_PARITY = claim({
  id: "ams.training.fixture_parity",
  statement: "an independent torch 1.13 float64 implementation of BAA (both triplet " +
    "negatives, with its parts), CBI, WP and PSA (through the stub causal linear LM and " +
    "torch's own LayerNorm and MultiheadAttention for the prefix) gives the loss values the " +
    "f64 oracle gives, and the loss values and the gradients with respect to the batch " +
    "tensors (the bases, the raw axes, the fibers, and lift_time.0.weight for PSA) that the " +
    "GPU gives",
  source: `${TRAINING_SOURCE}; fixtures/gen/ams_training_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); GPU vs torch: max abs <= 1e-5 " +
    "per value and gradient element (figure: the worst GPU |Δ|/1e-5)",
  kind: "parity",
});
