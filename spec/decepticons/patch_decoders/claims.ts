/**
 * Claims of the causal bank's patch decoders (mlp_factored, autoregressive, hybrid), patchN heads
 * and trust routing, run end to end by memspec's patched causal bank
 * (impl/decepticons/patch_decoders/patch_decoders.ts): patch encoder → frozen decay bank over the
 * patches → decoder (+ local path). The original is asuramaya/decepticons:src/decepticons/models/
 * causal_bank_torch.py (7be9af7) with patch_size > 1.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const DC = "asuramaya/decepticons";
const TORCH = `${DC}:src/decepticons/models/causal_bank_torch.py (7be9af7)`;
const ORACLE = "spec/oracle/decepticons/patch_decoders.ts";
const FIXTURE =
  "fixtures/decepticons/patch_decoders.json (fixtures/gen/decepticons_patch_fixtures.py)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The f64 oracle against the torch float64 re-implementation on shipped weights. */
export const PATCH_FIXTURE_PARITY = claim({
  id: "decepticons.patch_decoders.fixture_parity",
  statement: "the f64 oracle's logits of the patched causal bank equal an independent torch 1.13 " +
    "float64 implementation (torch.nn.GRU for the autoregressive decoder) on shipped weights, for " +
    "every decoder, patchN 2, trust routing and the hybrid decoder at T = 30 with P = 4 " +
    "(E 8, M 16, V 256, B 2, T 40)",
  source: `${TORCH}; ${FIXTURE}; ${ORACLE}`,
  bound: "|oracle - fixture| <= 1e-12 x max(1, |fixture|) per logit (FIXTURE_F64_REL)",
  kind: "parity",
});

/** The GPU forward against the oracle. */
export const PATCH_GPU_PARITY = claim({
  id: "decepticons.patch_decoders.gpu_parity",
  statement: "the GPU logits of the patched causal bank equal the f64 oracle's on the fixture's " +
    "weights (read back from the device), for every decoder, patchN 2, trust routing and T = 30",
  source: `${TORCH}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e x (1 + 2^-20) per logit, e the running f32 error bound of " +
    "spec/decepticons/patch_decoders/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** Causality by impulse, every decoder. */
export const PATCH_CAUSALITY = claim({
  id: "decepticons.patch_decoders.property_causality",
  statement: "changing the byte at t0 leaves every logit before t0 bit-identical, for every " +
    "decoder, with and without the local path, with patchN 2 and with trust routing, for every " +
    "t0 of a T = 40 sequence (P = 4: ten patches)",
  source: `${TORCH}; ${DC}:tests/test_causality.py, ported to every patch decoder`,
  bound: "max |logit change| before t0 = 0 over every t0 and configuration",
  kind: "property",
});

/** One target convention. */
export const PATCH_TARGET_CONVENTION = claim({
  id: "decepticons.patch_decoders.divergence_target_convention",
  statement: "every decoder's logits[t] predict x_{t+1}: they depend on x_t at every t with the " +
    "local path; without it the autoregressive and hybrid decoders' still do at every t and the " +
    "factored decoder's at each patch's last byte (its heads read whole patches); the " +
    "original's factored and autoregressive logits[t] never depend on x_t",
  source: `${TORCH} (patch decoders); ${DC}:tests/test_causality.py`,
  bound: "positions t whose logits[t] do not move when x_t changes = 0 (of every decoder's " +
    "positions with the local path, and of the patch-end positions without it)",
  kind: "property",
  direction: "==",
  divergence: "In the original, mlp_factored and autoregressive logits[t] do not depend on x_t " +
    "(they predict x_t) while the raw path and hybrid logits[t] do (they predict x_{t+1}), out " +
    "of one forward: a trainer using one shift mis-trains the other decoders. memspec shifts the " +
    "factored and autoregressive decoders by one (its logits[t] are the original's logits[t+1]).",
});

/** Hybrid at any length. */
export const PATCH_HYBRID_ANY_LENGTH = claim({
  id: "decepticons.patch_decoders.divergence_hybrid_any_length",
  statement: "the hybrid decoder (and every other) runs at T = 30 with P = 4, and its logits " +
    "equal the first 30 positions of a T = 32 run over the same 30 bytes and two more",
  source: `${TORCH} (hybrid decoder)`,
  bound: "max |logits(T = 30) - logits(T = 32)[:30]| = 0 per decoder",
  kind: "property",
  divergence: "The original's hybrid decoder requires T mod P = 0 and raises a RuntimeError " +
    "(view) at T = 30, P = 4; memspec pads like the other decoders (the incomplete last patch is " +
    "never encoded: no position reads it).",
});

/** Trust routing needs a table. */
export const PATCH_TRUST_TABLE = claim({
  id: "decepticons.patch_decoders.divergence_trust_table_required",
  statement: "trustRouting without a table (null, undefined or absent) is refused at " +
    "construction with a RangeError naming trustRouting and trustTable, before any GPU work; " +
    "with a table it builds and runs (its mixture is checked by the parity claims)",
  source: `${TORCH} (trust routing); ${DC}:src/decepticons/causal_bank.py (validate_config)`,
  bound: "configurations not refused + leaked buffers + tabled models that fail to run = 0",
  kind: "fault",
  direction: "==",
  divergence: 'The original\'s validate_config only warns "will use synthetic table" and the ' +
    "model then raises AttributeError at the first forward.",
});

/** patchN heads. */
export const PATCH_N_SHAPES = claim({
  id: "decepticons.patch_decoders.property_patch_n",
  statement: "with patchN = N > 1 every decoder (local path on) returns logits [B, T, N, 256], " +
    "with patchN 1 [B, T, 256]; trust routing with patchN > 1 is refused",
  source: `${TORCH}; ${DC}:tests/test_patch_readout.py`,
  bound: "shape mismatches + unrefused configurations = 0",
  kind: "property",
  direction: "==",
  divergence: "The original's patch_n > 1 with the local path crashes on its non-adaptive path " +
    "([B, T, N, V] + [B, T, V]); memspec's local path emits N·V logits too.",
});

/** Ids are refused, never wrapped. */
export const PATCH_IDS_REFUSED = claim({
  id: "decepticons.patch_decoders.divergence_ids_never_wrapped",
  statement: "ids outside [0, 256) (256, 300, -1) or not integers are refused by forward and " +
    "loss with a RangeError naming the id and its position, before any GPU work and without " +
    "leaking a buffer",
  source: `${DC}:src/decepticons/eval.py (evaluate_rollout), ` +
    `${DC}:src/decepticons/patch_latent_blocks.py (LocalByteEncoder)`,
  bound: "calls not refused with a RangeError naming the position + leaked buffers = 0",
  kind: "fault",
  direction: "==",
  divergence: "The original casts contexts to uint8: 300 becomes 44 and -1 becomes 255.",
});

/** The oracle's analytic backward. */
export const PATCH_ORACLE_GRADCHECK = claim({
  id: "decepticons.patch_decoders.oracle_gradcheck",
  statement: "the oracle's analytic gradients of L = sum(g ⊙ logits) with respect to every " +
    "trainable array (embedding, patch encoder, decoder: mlp_factored, hybrid, and " +
    "autoregressive through the GRU oracle's backward, head, local path, trust routing) match " +
    "central differences of the oracle forward, on every fixture case's shipped weights (its " +
    "first sequence's first 18 ids: 4 patches and a partial one) and on a fuzzed case per " +
    "decoder (perturbed weights, seeded ids, T 23 not a multiple of the patch)",
  source: ORACLE,
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL; |a - n| / max(|a|, |n|, 1)): every element " +
    "of arrays up to 64 values, 6 seeded unit directions of larger ones, step 1.5e-5 in x (the " +
    "helper's step 5e-6 taken in u = x / 3)",
  kind: "gradcheck",
});

/** The GPU's parameter gradients against the oracle's analytic backward. */
export const PATCH_GPU_GRADIENTS = claim({
  id: "decepticons.patch_decoders.gpu_gradients",
  statement: "the GPU's autograd gradients of L = sum(w ⊙ logits) (seeded w in [-1, 1]) with " +
    "respect to every trainable array of the patched causal bank (embedding, patch encoder, " +
    "decoder, GRU, head, local path) equal the f64 oracle's analytic backward on the " +
    "fixture's weights (read back from the device), for every decoder with the local path on: " +
    "mlp_factored (B 2, T 20; patchN 2, B 1, T 16), hybrid and autoregressive (B 2, T 18: a " +
    "partial last patch)",
  source: `${TORCH}; ${ORACLE} (patchedBackward)`,
  bound: "|gpu - oracle| <= e x (1 + 2^-20) per gradient element, e the running f32 error bound " +
    "of the backward walk in spec/decepticons/patch_decoders/_bounds.ts (patchedGradBounds; its " +
    "exact values equal the oracle's to 1e-12 x max(1, |oracle|)); worst ratio <= 1",
  kind: "parity",
});

/** The local path is live under every decoder. */
export const PATCH_LOCAL_LIVE = claim({
  id: "decepticons.patch_decoders.divergence_local_path_live",
  statement: "under every patch decoder the local path's parameters (local_w, local_b, " +
    "local_out_w) receive a non-zero gradient of the next-byte loss",
  source: `${TORCH} (local readout under patch_causal_decoder)`,
  bound: "local-path parameters with an all-zero gradient = 0",
  kind: "property",
  direction: "==",
  divergence: "Under the original's patch decoders the local readout is dead: its gradients are " +
    "None.",
});

/** Seeded init. */
export const PATCH_SEEDED = claim({
  id: "decepticons.patch_decoders.property_seeded_init",
  statement: "two models with the same seed hold bit-identical parameters (the GRU's included); " +
    "another seed changes every randomly drawn parameter (the zero-initialised biases excepted)",
  source: `${DC}:src/decepticons/models/common.py (init seeded by name)`,
  bound: "differing values under one seed = 0, parameters unchanged under another seed = 0",
  kind: "property",
  direction: "==",
});

/** Validation. */
export const PATCH_VALIDATION = claim({
  id: "decepticons.patch_decoders.fault_validation",
  statement: 'bad configurations (each field alone, decoder "none", trustTable without ' +
    "trustRouting, a table that is not a distribution) and bad forward shapes raise a TypeError " +
    "or RangeError naming the field before any GPU work, leaking no buffer",
  source: "memspec op conventions (validation before GPU work, no leaked buffers)",
  bound: "fault cases not throwing the expected error class naming the field + leaked buffers = 0",
  kind: "fault",
  direction: "==",
});
