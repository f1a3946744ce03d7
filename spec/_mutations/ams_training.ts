/**
 * Planted bugs of AMS v4's training (impl/ams/training): each a real mistake an implementation
 * could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const LOSSES = "impl/ams/training/losses.ts";
const TRAINER = "impl/ams/training/trainer.ts";
const FIXTURE_TEST = ["spec/ams/training/fixtures_test.ts"];
const TESTS = ["spec/ams/training/training_test.ts"];

/** The planted bugs of the training losses and Trainer4. */
export const AMS_TRAINING_MUTATIONS: readonly Mutation[] = [
  planted("training", "fixed_negative_keeps_self", "forward", {
    file: LOSSES,
    find: "      if (fixNegatives && j === i) continue;\n",
    replace: "",
    tests: [...TESTS, ...FIXTURE_TEST],
    filter: claims("training", "divergence_triplet_negative", "fixture_parity"),
    why: "the triplet-negative fix that still lets argmin see the −1 diagonal: the negative " +
      "stays the row itself (the original's bug) while the variant claims to fix it",
  }),
  planted("training", "pearson_not_centred", "forward", {
    file: LOSSES,
    find: "  const ac = sub(a, mean(a));",
    replace: "  const ac = a;",
    tests: FIXTURE_TEST,
    filter: claims("training", "fixture_parity"),
    why: "Pearson computed on the raw first vector (a cosine, not a correlation): BAA's time " +
      "part and CBI depend on the offset of the projections",
  }),
  planted("training", "psa_target_off_by_one", "forward", {
    file: LOSSES,
    find: "slice(logits, [0, L + s - 1, 0], [1, T - s, V])",
    replace: "slice(logits, [0, L + s, 0], [1, T - s, V])",
    tests: FIXTURE_TEST,
    filter: claims("training", "fixture_parity"),
    why: "teacher forcing read one position late: the logit at the target token's own " +
      "position is scored against it, so the LM is asked to copy its input",
  }),
  planted("training", "psa_without_prefix", "forward", {
    file: LOSSES,
    find: "const x = concat([prefix, lm.embed(e.ids)], 1);",
    replace: "const x = concat([mul(prefix, tensor([0], [])), lm.embed(e.ids)], 1);",
    tests: [...TESTS, ...FIXTURE_TEST],
    filter: claims("training", "property_gradient_reach", "fixture_parity"),
    why: "the memory prefix zeroed before the LM (a prefix built but not injected): PSA no " +
      "longer trains cross-bundle attention",
  }),
  planted("training", "write_policy_short_inclusive", "forward", {
    file: LOSSES,
    find: "tokenCounts.filter((c) => c < WP_SHORT_TOKENS)",
    replace: "tokenCounts.filter((c) => c <= WP_SHORT_TOKENS)",
    tests: FIXTURE_TEST,
    filter: claims("training", "fixture_parity"),
    why: "a text of exactly 3 tokens counted as short (the original: fewer than 3)",
  }),
  planted("training", "production_writes_skipped", "training", {
    file: TRAINER,
    find: "    for (const s of texts) await this.model.write(s);\n",
    replace: "",
    tests: TESTS,
    filter: claims("training", "divergence_recon_zero"),
    why: "the step's production writes skipped (the batch only re-encoded with gradients): the " +
      "Kakeya registry never builds, so recon stays 0 whatever the batch size",
  }),
  planted("training", "checkpoint_without_optimizer", "training", {
    file: TRAINER,
    find: "      optimizer: this.#opt,\n      meta: {",
    replace: "      meta: {",
    tests: TESTS,
    filter: claims("training", "property_checkpoint_continues"),
    why: "a checkpoint of the parameters only: AdamW's moments and step counts restart, so a " +
      "resumed run does not continue the straight one",
  }),
  planted("training", "step_counter_not_restored", "training", {
    file: TRAINER,
    find: "    this.#step = meta.step as number;",
    replace: "    this.#step = 0;",
    tests: TESTS,
    filter: claims("training", "property_checkpoint_continues"),
    why: "the resumed trainer restarts the rotating corpus at batch 0 instead of the saved step",
  }),
];
