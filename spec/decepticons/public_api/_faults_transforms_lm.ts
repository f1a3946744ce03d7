/**
 * Fault-fuzz entries of the substrate transforms inside the causal-bank byte LM, in the format
 * of ./fault_fuzz_test.ts, for merging there: the LM's constructor with each transform field
 * poisoned (`TRANSFORMS_LM_POISONS`, to spread into the existing "new CausalBankLM" entry's
 * poisons, or to run as the entry below), the combinations the model refuses (on a model with
 * the transforms on), and OverwriteGate.forward's optional decays tensor. The new constant is
 * excluded with its reason.
 *
 * @module
 */
import fc from "fast-check";
import { zeros } from "../../../impl/mod.ts";
import { CausalBankLM } from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import { OverwriteGate } from "../../../impl/decepticons/substrate_transforms/substrate_transforms.ts";
import { type FaultEntry, poisons as P } from "../../_harness/fault_fuzz.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;

/**
 * The new export with no malformed call (the LM's read-only `transforms` field is an instance
 * field, not a class member the coverage lists).
 */
export const TRANSFORMS_LM_EXCLUDED: Record<string, string> = {
  TRANSFORM_PREFIXES: "a constant (frozen data, not callable)",
};

/** The tiny valid LM of the existing byte-LM entries (frozen substrate, one head, M = 4). */
const LM = {
  embeddingDim: 4,
  linearModes: 4,
  stateDim: 2,
  numHeads: 1,
  readoutHidden: 4,
  localWindow: 2,
  localHidden: 4,
  maxSeqLen: 8,
  seed: 1,
};

/** The same LM with every transform on (2 banks of 2 modes, temporal attention every 2). */
const LM_ON = {
  ...LM,
  substrateBankRouter: true,
  substrateNBanks: 2,
  overwriteGate: true,
  magnitudeNormalize: true,
  modeSelector: true,
  temporalAttention: true,
  temporalSnapshotInterval: 2,
  temporalAttentionHeads: 1,
  temporalAttentionHeadDim: 2,
};

const notBool = () => fc.constantFrom<unknown>("yes", 1, null, 0);

/** The transform fields of the byte LM's configuration, poisoned against {@link LM}. */
export const TRANSFORMS_LM_POISONS: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  "0.substrateBankRouter": notBool(),
  "0.substrateNBanks": P.count(),
  "0.overwriteGate": notBool(),
  "0.magnitudeNormalize": notBool(),
  "0.magnitudeKeep": notBool(),
  "0.modeSelector": notBool(),
  "0.temporalAttention": notBool(),
  "0.temporalSnapshotInterval": P.count(),
  // The temporal attention module's ranges: heads <= 256, head width <= 4096.
  "0.temporalAttentionHeads": fc.oneof(P.count(), fc.constant<unknown>(257)),
  "0.temporalAttentionHeadDim": fc.oneof(P.count(), fc.constant<unknown>(4097)),
};

/** The entries. */
export const TRANSFORMS_LM_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new CausalBankLM (transforms)",
    names: ["CausalBankLM"],
    args: () => [{ ...LM }],
    call: (_t, a) => new CausalBankLM(a[0] as Any),
    poisons: TRANSFORMS_LM_POISONS,
  }),
  entry({
    name: "new CausalBankLM (transforms on)",
    names: ["CausalBankLM"],
    args: () => [{ ...LM_ON }],
    call: (_t, a) => new CausalBankLM(a[0] as Any),
    poisons: {
      // One bank, or more banks than the 4 modes.
      "0.substrateNBanks": fc.oneof(P.count(), fc.constantFrom<unknown>(1, 5)),
      // The overwrite gate cannot act in these substrates' recurrences.
      "0.substrate": fc.constantFrom<unknown>(
        "learned_recurrence",
        "gated_retention",
        "gated_delta",
        "bogus",
        3,
      ),
      "0.temporalSnapshotInterval": fc.oneof(P.count(), fc.constant<unknown>(2 ** 20 + 1)),
    },
  }),
  entry({
    name: "OverwriteGate.forward (decays)",
    names: ["OverwriteGate"],
    target: () => new OverwriteGate({ decays: [0.5, 0.6, 0.7, 0.8], embeddingDim: 2, seed: 1 }),
    args: () => [zeros([1, 3, 4]), zeros([1, 3, 2]), zeros([4])],
    call: (t, a) => t.forward(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "2": P.tensor([4], "f32", { wrongSize: true, optional: true }),
    },
  }),
];
