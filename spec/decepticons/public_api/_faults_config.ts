/**
 * Fault-fuzz entries of the causal bank's full configuration, in the format of
 * fault_fuzz_test.ts, for merging there: `learnableSubstrateKeys`, and the validator with each
 * field this configuration adds poisoned (readouts and bands, knobs, memories, transforms,
 * patches, trust routing). The new constants are excluded with their reason.
 *
 * @module
 */
import fc from "fast-check";
import {
  CAUSAL_BANK_DEFAULTS,
  learnableSubstrateKeys,
  MEMORY_KINDS,
  MIX_MODES,
  PATCH_DECODERS,
  READOUT_KINDS,
  SUBSTRATE_MODES,
  validateCausalBankConfig,
} from "../../../impl/decepticons/causal_bank/config.ts";
import { type FaultEntry, poisons as P } from "../../_harness/fault_fuzz.ts";

const CONSTANT = "a constant (frozen data, not callable)";

/** The configuration module's constants: no call to them is malformed. */
export const CONFIG_EXCLUDED: Record<string, string> = {
  READOUT_KINDS: CONSTANT,
  MIX_MODES: CONSTANT,
  MEMORY_KINDS: CONSTANT,
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;

/** The tiny valid configuration the existing causal-bank entries use. */
const BANK = { ...CAUSAL_BANK_DEFAULTS, linearModes: 4, maxSeqLen: 8 };

/** Not a boolean, or (`on`) a switch that this base configuration cannot honour. */
const notBool = (on = false) =>
  fc.constantFrom<unknown>("yes", 1, null, undefined, ...(on ? [true] : []));

/** Poisons of the fields the full configuration adds, against {@link BANK}. */
const knobPoisons = {
  "0.linearHidden": P.intArray({ emptyOk: true, min: 1, max: 65536 }),
  "0.linearReadoutKind": P.notOneOf(READOUT_KINDS),
  "0.linearReadoutDepth": P.count(),
  "0.linearReadoutNumExperts": P.count({ min: 2 }),
  // true: the base readout is an MLP, which has no tied embedding to normalise.
  "0.tiedReadoutNormalize": notBool(true),
  "0.readoutBands": fc.oneof(P.count(), fc.constant<unknown>(5)),
  "0.bandExperts": fc.oneof(
    P.intArray({ emptyOk: true, min: 0, max: 4096 }),
    fc.constant<unknown>([4]),
  ),
  "0.patchN": fc.oneof(P.count(), fc.constant<unknown>(2)),
  "0.localWindow": P.count(),
  "0.localHidden": P.intArray({ emptyOk: true, min: 1, max: 65536 }),
  "0.localScale": fc.oneof(P.f32(), fc.constantFrom<unknown>(-0.25, -1)),
  "0.mixMode": P.notOneOf(MIX_MODES),
  // true: the base bank has no oscillatory pair to gate.
  "0.staticBankGate": notBool(true),
  "0.bankGateSpan": fc.oneof(P.inRange(0, 1), fc.constant<unknown>(0)),
  "0.memoryKind": P.notOneOf(MEMORY_KINDS),
  "0.numBlocks": P.count(),
  "0.blockMixingRatio": fc.oneof(P.inRange(0, 1), fc.constant<unknown>(0)),
  "0.blockStride": fc.oneof(P.count(), fc.constant<unknown>(2)),
  "0.numHemispheres": fc.oneof(P.count(), fc.constantFrom<unknown>(2, 3)),
  "0.fastHemisphereRatio": fc.oneof(P.inRange(0, 1), fc.constantFrom<unknown>(0, 1)),
  "0.fastLrMult": fc.oneof(P.f32(), fc.constantFrom<unknown>(0, -4)),
  "0.localPolyOrder": fc.oneof(P.count(), fc.constantFrom<unknown>(4, 7)),
  "0.substratePolyOrder": fc.oneof(P.count(), fc.constantFrom<unknown>(4, 7)),
  "0.trainingNoise": fc.oneof(P.f32(), fc.constant<unknown>(-0.1)),
  // true: the base bank is frozen, whose regulariser is 0.
  "0.adaptiveReg": notBool(true),
  "0.hashMemory": notBool(),
  "0.hashMemorySlots": P.count(),
  "0.hashMemoryDim": P.count(),
  "0.substrateBankRouter": notBool(),
  "0.substrateNBanks": P.count(),
  "0.overwriteGate": notBool(),
  "0.magnitudeNormalize": notBool(),
  "0.magnitudeKeep": notBool(),
  "0.modeSelector": notBool(),
  "0.temporalAttention": notBool(),
  "0.temporalSnapshotInterval": P.count(),
  "0.temporalAttentionHeads": P.count(),
  "0.temporalAttentionHeadDim": P.count(),
  // true: the base configuration has no table.
  "0.trustRouting": notBool(true),
  "0.tablePath": fc.constantFrom<unknown>(3, null, undefined, {}, ["t.bin"]),
  "0.patchDecoder": fc.oneof(P.notOneOf(PATCH_DECODERS), fc.constant<unknown>("hybrid")),
};

/** The entries: the validator's new fields, and the substrate keys. */
export const CONFIG_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "validateCausalBankConfig with the full configuration's fields",
    runs: 400,
    names: ["validateCausalBankConfig", "causal-bank config"],
    args: () => [{ ...BANK }],
    call: (_t, a) => validateCausalBankConfig(a[0] as Any),
    poisons: knobPoisons,
  }),
  entry({
    name: "learnableSubstrateKeys",
    runs: 400,
    names: ["learnableSubstrateKeys", "causal-bank config"],
    args: () => [{ ...BANK, substrateMode: "learned_recurrence" }],
    call: (_t, a) => learnableSubstrateKeys(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.substrateMode": P.notOneOf(SUBSTRATE_MODES),
      "0.linearModes": P.count(),
      "0.stateDim": P.count({ zeroOk: true }),
      ...knobPoisons,
      "0.numHemispheres": fc.constantFrom<unknown>(2, 0, "2"),
      // The learned recurrence has a regulariser, so adaptiveReg = true is valid here.
      "0.adaptiveReg": notBool(),
    },
  }),
];
