/**
 * Fault-fuzz entries of the patch decoders' public surface (impl/decepticons/patch_decoders/
 * patch_decoders.ts), in the format of fault_fuzz_test.ts, for merging there: the validator, the
 * host init draws, the patched causal bank's constructor, forward and loss. The constants and the
 * members with no malformed call are excluded with their reason.
 *
 * @module
 */
import fc from "fast-check";
import {
  PATCHED_CAUSAL_BANK_DEFAULTS,
  PatchedCausalBank,
  patchedInitValues,
  validatePatchedCausalBankConfig,
} from "../../../impl/decepticons/patch_decoders/patch_decoders.ts";
import { type FaultEntry, poisons as P } from "../../_harness/fault_fuzz.ts";

const CONSTANT = "a constant (frozen data, not callable)";

/** Constants and members with no malformed call. */
export const PATCH_EXCLUDED: Record<string, string> = {
  PATCH_CAUSAL_DECODERS: CONSTANT,
  PATCH_VOCAB: CONSTANT,
  PATCHED_CAUSAL_BANK_DEFAULTS: CONSTANT,
  "PatchedCausalBank.dispose": "a second dispose() is harmless, so it has no malformed call; " +
    "the dispose-twice test checks it and that every buffer is released",
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const NAMES = ["PatchedCausalBank"];

/** A tiny valid configuration. */
const SMALL = {
  ...PATCHED_CAUSAL_BANK_DEFAULTS,
  patchSize: 2,
  embeddingDim: 2,
  linearModes: 4,
  decoderHidden: 4,
  localHidden: 4,
  maxSeqLen: 8,
  seed: 1,
};

/** A uniform next-byte table. */
const uniformTable = () => new Float64Array(256 * 256).fill(1 / 256);

/** Poisons of every configuration field (argument 0). */
const configPoisons = {
  "0": P.notObject(),
  "0.decoder": fc.oneof(
    P.notOneOf(["mlp_factored", "autoregressive", "hybrid"]),
    fc.constantFrom<unknown>("none", "causal"),
  ),
  "0.patchSize": fc.oneof(P.count(), fc.constant<unknown>(65)),
  "0.embeddingDim": P.count(),
  "0.linearModes": P.count(),
  "0.halfLifeMin": P.f32(),
  // Computed in f64 on the host: any finite value >= halfLifeMin is valid.
  "0.halfLifeMax": fc.oneof(P.real(), fc.constantFrom<unknown>(1, 0, -3)),
  "0.decoderHidden": P.count(),
  "0.localWindow": fc.oneof(P.count({ zeroOk: true }), fc.constant<unknown>(65)),
  "0.localHidden": P.count(),
  "0.localScale": fc.oneof(P.f32(), fc.constantFrom<unknown>(-0.25, -1)),
  "0.patchN": fc.oneof(P.count(), fc.constant<unknown>(17)),
  "0.trustRouting": fc.oneof(
    fc.constantFrom<unknown>("yes", 1, null, undefined),
    fc.constant<unknown>(true), // without a table
  ),
  "0.trustTable": fc.constantFrom<unknown>("abc", 7, {}, [0.5, 0.5], uniformTable()),
  "0.trustHidden": P.count(),
  "0.maxSeqLen": P.count(),
  "0.seed": fc.oneof(P.integer(), fc.constantFrom<unknown>(-1, 2 ** 40)),
};

/** Byte ids for shape [1, 3]: not a list, the wrong length, or an id outside [0, 256). */
const idsPoison = () =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, "abc", 7, {}),
    fc.constantFrom<unknown>([], [1, 2], [1, 2, 3, 4]),
    fc.constantFrom<unknown>(256, 300, -1, 0.5, NaN, Infinity, "1", null).map((x) => [1, x, 2]),
  );
/** Shapes: not a pair, a zero or fractional size, or T past maxSeqLen (8). */
const shapePoison = () =>
  fc.constantFrom<unknown>(null, undefined, "x", [3], [1, 3, 1], [0, 3], [1, 0], [1.5, 2], [1, 9]);

/** The entries. */
export const PATCH_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "validatePatchedCausalBankConfig",
    names: ["validatePatchedCausalBankConfig", ...NAMES],
    args: () => [{ ...SMALL }],
    call: (_t, a) => validatePatchedCausalBankConfig(a[0] as Any),
    poisons: configPoisons,
  }),
  entry({
    name: "patchedInitValues",
    names: ["patchedInitValues", ...NAMES],
    args: () => [{ ...SMALL }],
    call: (_t, a) => patchedInitValues(a[0] as Any),
    poisons: configPoisons,
  }),
  entry({
    name: "new PatchedCausalBank",
    names: NAMES,
    args: () => [{ ...SMALL }],
    call: (_t, a) => new PatchedCausalBank(a[0] as Any),
    poisons: { ...configPoisons, "0": fc.constantFrom<unknown>(null, "opts", 4, true) },
  }),
  entry({
    name: "PatchedCausalBank.forward",
    names: NAMES,
    target: () => new PatchedCausalBank(SMALL),
    args: () => [[104, 105, 33], [1, 3]],
    call: (t, a) => t.forward(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), "0": idsPoison(), "1": shapePoison() },
  }),
  entry({
    name: "PatchedCausalBank.loss",
    names: NAMES,
    target: () => new PatchedCausalBank(SMALL),
    args: () => [[104, 105, 33], [1, 3]],
    call: (t, a) => t.loss(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": idsPoison(),
      "1": fc.oneof(shapePoison(), fc.constant<unknown>([3, 1])),
    },
  }),
];

/** Makers for the dispose-twice test. */
export const PATCH_DISPOSE_MAKERS: Record<string, () => { dispose(): void }> = {
  PatchedCausalBank: () => new PatchedCausalBank(SMALL),
};
