/**
 * Planted bugs of the Larkos 0.3 training run (impl/larkos/training/): each a real mistake a
 * training loop could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("larkos");
const FILE = "impl/larkos/training/training.ts";
const TESTS = ["spec/larkos/training/training_test.ts"];

/** The planted bugs of this group. */
export const LARKOS_TRAINING_MUTATIONS: readonly Mutation[] = [
  planted("training", "cosine_period_doubled", "training", {
    file: FILE,
    find: "return etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;",
    replace: "return etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * t / (2 * tMax))) / 2;",
    tests: TESTS,
    filter: claims("training", "property_cosine_schedule"),
    why: "the cosine schedule's half period taken as 2·T_max (T_max read as the full period): " +
      "the learning rate reaches η_min at step 100 instead of 50",
  }),
  planted("training", "resume_without_optimizer", "training", {
    file: FILE,
    find:
      "      modules: this.model.modules(),\n      optimizer: this.optimizer,\n    });\n    this.steps = step;",
    replace: "      modules: this.model.modules(),\n    });\n    this.steps = step;",
    tests: TESTS,
    filter: claims("training", "property_resume_bitexact"),
    why: "resume loads the parameters but not the AdamW moments and step counts: the resumed " +
      "run continues with the optimiser state of wherever the trainer was",
  }),
];
