/**
 * Claims of the controlled stack: memspec's gate controller, router and modulator driving its
 * hierarchical substrate on the shipped corpus (fixtures/corpus/byte_lm.txt). The pieces come
 * from asuramaya/decepticons:src/decepticons/gating.py, routing.py, modulation.py and
 * hierarchical.py (7be9af7); the composition is memspec's.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRC = "asuramaya/decepticons:src/decepticons/gating.py, routing.py, modulation.py, " +
  "hierarchical.py (7be9af7); memspec impl/decepticons/controlled_stack";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** Deterministic. */
export const STACK_DETERMINISTIC = claim({
  id: "decepticons.controlled_stack.property_deterministic",
  statement: "two stacks built from the same settings give bit-identical features, gates and " +
    "routing weights on 512 corpus bytes",
  source: SRC,
  bound: "max |Δ| = 0",
  kind: "property",
});

/** Causal. */
export const STACK_CAUSAL = claim({
  id: "decepticons.controlled_stack.property_causal",
  statement: "changing the byte at position t (t = 0, 37, 100, 255 of 256 corpus bytes) never " +
    "changes the features, gates or routes at positions < t, and does change them at t",
  source: SRC,
  bound: "max |Δ| before t = 0; min over t of max |Δ| at t > 0",
  kind: "property",
});

/** Controllers stay in range while driving the substrate. */
export const STACK_RANGES = claim({
  id: "decepticons.controlled_stack.property_controller_ranges",
  statement: "over 1024 corpus bytes every gate lies in (0, 1), every routing vector is a " +
    "distribution, and every feature is finite",
  source: SRC,
  bound: "0 violations; |Σw − 1| <= 1e-15",
  kind: "property",
});

/** Bits per byte beside the plain coder's. */
export const STACK_BPB = claim({
  id: "decepticons.controlled_stack.behaviour_bpb",
  statement: "fitted on bytes 0..3071 of the corpus and scored on its last 1024 bytes, the " +
    "controlled stack's bits per byte are below the training unigram's cross-entropy, below " +
    "the same substrate's without the controllers, and below the plain coder's " +
    "(ByteLatentPredictiveCoder, 96 units, F = G = L = 32, its ridge readout) on the same split",
  source: `${SRC}; asuramaya/decepticons:src/decepticons/predictive_coder.py`,
  bound: "stack − unigram cross-entropy <= 0; stack − uncontrolled <= 0; stack − coder <= 0",
  kind: "behaviour",
});

/** Bad input. */
export const STACK_FAULTS = claim({
  id: "decepticons.controlled_stack.fault_inputs",
  statement: "wrong layer sizes, a stride < 1, ids ≥ 256 (never wrapped), a corpus of fewer " +
    "than 2 bytes and scoring before fitting are refused with a typed error",
  source: SRC,
  bound: "every case throws the stated error class with the stated words (0 deviations)",
  kind: "fault",
});

/** Every step replays the documented update with the traced controller values. */
export const STACK_REPLAY = claim({
  id: "decepticons.controlled_stack.property_step_replay",
  statement: "every step of a 256-byte trace equals an independent f64 recomputation of the " +
    "stack's update from the substrate's matrices and the traced controller values: fast layer " +
    "driven by gain·U[:, x], mid by U[:, x] + g_fm·Up s_fast, slow (every stride steps) by " +
    "slowGain·U[:, x] + g_ms·Up s_mid, each layer's state weighted by its routing weight",
  source: SRC,
  bound: "max |Δ| <= 1e-12 over every state entry of every step",
  kind: "property",
});
