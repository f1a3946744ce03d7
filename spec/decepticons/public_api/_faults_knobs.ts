/**
 * Fault-fuzz entries of the causal-bank knobs, in the format of fault_fuzz_test.ts, for merging
 * there: the host and GPU helpers of impl/decepticons/causal_bank/{hemispheres, blocks,
 * poly_features, regularizer, static_gate}.ts, the byte LM's new methods (states,
 * substrateRegularization, optimizerGroups), and the constructor with each knob field poisoned
 * (`KNOBS_LM_POISONS`, to spread into the existing "new CausalBankLM" entry's poisons, or to run
 * as the entry below). The new constants are excluded with their reason.
 *
 * @module
 */
import fc from "fast-check";
import { readTensors, tensor, zeros } from "../../../impl/mod.ts";
import { CausalBankLM } from "../../../impl/decepticons/byte_lm/byte_lm.ts";
import {
  fastHeadCount,
  fastScanCount,
  retentionHemisphereLogits,
  roundHalfEven,
  scanHemisphereLogDecays,
} from "../../../impl/decepticons/causal_bank/hemispheres.ts";
import {
  blockBottleneck,
  blockMlp,
  blockSchedule,
  strideSample,
  strideUpsample,
} from "../../../impl/decepticons/causal_bank/blocks.ts";
import {
  localPathInputWidth,
  polyProjectionWidth,
  polyTermCount,
  polyTerms,
  substrateReadoutInputWidth,
  triuSelectors,
} from "../../../impl/decepticons/causal_bank/poly_features.ts";
import {
  decayRegularizer,
  decayRegularizerValue,
  gateRegularizer,
  regularizerScale,
} from "../../../impl/decepticons/causal_bank/regularizer.ts";
import { staticGate, staticGateValue } from "../../../impl/decepticons/causal_bank/static_gate.ts";
import { type FaultEntry, Lazy, poisons as P } from "../../_harness/fault_fuzz.ts";

const CONSTANT = "a constant (frozen data, not callable)";

/** The knob modules' constants: no call to them is malformed. */
export const KNOBS_EXCLUDED: Record<string, string> = {
  HEMISPHERE_COUNTS: CONSTANT,
  POLY_ORDERS: CONSTANT,
  POLY_MAX_WIDTH: CONSTANT,
  GATE_REG_WEIGHT: CONSTANT,
  DECAY_REG_LO: CONSTANT,
  DECAY_REG_HI: CONSTANT,
  DECAY_REG_WIDTH: CONSTANT,
  BANK_GATE_SPAN: CONSTANT,
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;

/** The tiny valid LM the existing byte-LM entries use (frozen substrate, one head). */
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
const lm = () => new CausalBankLM(LM);
const lmState = async (m: InstanceType<typeof CausalBankLM>) => {
  const ts = m.trainable();
  return ts.length > 0 ? await readTensors(ts.slice(0, 3)) : [];
};
const notBool = () => fc.constantFrom<unknown>("yes", 1, null, 0);
/** A ratio in (0, 1): bad reals, the ends and values outside. */
const ratio = () => fc.oneof(P.inRange(0, 1), fc.constantFrom<unknown>(0, 1));
const order = () => fc.constantFrom<unknown>(0, 4, 1.5, "2", null, -1);
const scale = () => fc.oneof(P.f32(), fc.constantFrom<unknown>(-1, -0.5));
const disposedTensor = (shape: number[]) =>
  new Lazy(`disposed tensor f32[${shape.join(", ")}]`, () => {
    const t = zeros(shape);
    t.dispose();
    return t;
  });

/**
 * The knob fields of the byte LM's configuration, poisoned against {@link LM} (frozen, one head:
 * numHemispheres 2 is refused there, it has no state path).
 */
export const KNOBS_LM_POISONS: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  "0.numHemispheres": fc.oneof(P.count(), fc.constantFrom<unknown>(2, 3)),
  "0.fastHemisphereRatio": ratio(),
  "0.fastLrMult": fc.oneof(P.f32(), fc.constantFrom<unknown>(0, -1)),
  "0.numBlocks": fc.oneof(P.count(), fc.constant<unknown>(65)),
  "0.blockMixingRatio": fc.oneof(P.inRange(0, 1), fc.constant<unknown>(0)),
  "0.blockStride": P.count(),
  "0.staticBankGate": notBool(),
  "0.localPolyOrder": order(),
  // 2 with linearModes 4 is valid (a projection of width 1).
  "0.substratePolyOrder": order(),
  "0.trainingNoise": fc.oneof(P.f32(), fc.constantFrom<unknown>(-0.1)),
  "0.substrateReg": notBool(),
  "0.adaptiveReg": notBool(),
  // The readout path's fields (the LM above: frozen, linearModes 4, readoutHidden 4, window 2).
  "0.readoutKind": P.notOneOf([
    "mlp",
    "tied_recursive",
    "routed_sqrelu_experts",
    "tied_embed_readout",
    "recurrent",
  ]),
  "0.readoutDepth": fc.oneof(P.count(), fc.constant<unknown>(257)),
  "0.readoutExperts": fc.oneof(P.count({ min: 2 }), fc.constant<unknown>(257)),
  // true needs readoutKind "tied_embed_readout" (the LM's is "mlp").
  "0.tiedReadoutNormalize": fc.oneof(notBool(), fc.constant<unknown>(true)),
  // 5 bands over 4 modes leave a band of width 0.
  "0.readoutBands": fc.oneof(P.count(), fc.constant<unknown>(5)),
  // Entries with readoutBands 1, or not a list of integers in [0, 256].
  "0.bandExperts": fc.constantFrom<unknown>(null, "2", 2, [2, 2], [4], [-1], [1.5], ["2"], [257]),
  "0.mixMode": P.notOneOf(["additive", "gated"]),
  "0.balanceCoef": fc.oneof(P.f32(), fc.constantFrom<unknown>(-0.01)),
  "0.hashMemory": notBool(),
  "0.hashMemorySlots": fc.oneof(P.count(), fc.constant<unknown>(2 ** 20 + 1)),
  "0.hashMemoryDim": fc.oneof(P.count(), fc.constant<unknown>(4097)),
};

/** One entry per knob export and new LM method. */
export const KNOBS_FAULT_ENTRIES: FaultEntry<never>[] = [
  // --- the byte LM
  entry({
    name: "new CausalBankLM",
    args: () => [{ ...LM }],
    call: (_t, a) => new CausalBankLM(a[0] as Any),
    poisons: KNOBS_LM_POISONS,
  }),
  entry({
    name: "CausalBankLM.states",
    target: lm,
    args: () => [zeros([1, 3, LM.embeddingDim])],
    call: (t, a) => t.states(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(
        P.tensor([1, 3, LM.embeddingDim], "f32", { wrongSize: false }),
        fc.constant(new Lazy("embeddings [1, 9, 4] past maxSeqLen 8", () => zeros([1, 9, 4]))),
        fc.constant(new Lazy("embeddings [1, 3, 5]", () => zeros([1, 3, 5]))),
      ),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.substrateRegularization",
    target: lm,
    args: () => [0],
    call: (t, a) => t.substrateRegularization(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(P.notNumber(), P.nonFinite(), fc.constantFrom<unknown>(-1, -0.5)),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.optimizerGroups",
    target: lm,
    args: () => [],
    call: (t) => t.optimizerGroups(),
    poisons: { "this": P.disposed() },
  }),
  // --- hemispheres
  entry({
    name: "roundHalfEven",
    names: ["roundHalfEven", "round half to even"],
    args: () => [2.5],
    call: (_t, a) => roundHalfEven(a[0] as Any),
    poisons: { "0": fc.oneof(P.notNumber(), P.nonFinite()) },
  }),
  entry({
    name: "fastScanCount",
    names: ["fastScanCount", "fast scan entries"],
    args: () => [10, 0.3],
    call: (_t, a) => fastScanCount(a[0] as Any, a[1] as Any),
    poisons: { "0": P.count(), "1": ratio() },
  }),
  entry({
    name: "fastHeadCount",
    names: ["fastHeadCount", "fast heads"],
    args: () => [6, 0.3],
    call: (_t, a) => fastHeadCount(a[0] as Any, a[1] as Any),
    poisons: { "0": P.count(), "1": ratio() },
  }),
  entry({
    name: "scanHemisphereLogDecays",
    names: ["scanHemisphereLogDecays", "scan hemisphere decays"],
    args: () => [16, 2, 0.25],
    call: (_t, a) => scanHemisphereLogDecays(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": fc.oneof(P.count(), fc.constant<unknown>(3)), "2": ratio() },
  }),
  entry({
    name: "retentionHemisphereLogits",
    names: ["retentionHemisphereLogits", "retention hemisphere logits"],
    args: () => [4, 2, 0.25],
    call: (_t, a) => retentionHemisphereLogits(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      // One head cannot be split into two hemispheres.
      "0": fc.oneof(P.count(), fc.constant<unknown>(1)),
      "1": fc.oneof(P.count(), fc.constant<unknown>(3)),
      "2": ratio(),
    },
  }),
  // --- blocks
  entry({
    name: "blockBottleneck",
    names: ["blockBottleneck", "block bottleneck"],
    args: () => [16, 0.25],
    call: (_t, a) => blockBottleneck(a[0] as Any, a[1] as Any),
    poisons: { "0": P.count(), "1": fc.oneof(P.inRange(0, 1), fc.constant<unknown>(0)) },
  }),
  entry({
    name: "blockSchedule",
    names: ["blockSchedule", "schedule the blocks"],
    args: () => [3, 2, 40],
    call: (_t, a) => blockSchedule(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": P.count(), "2": P.count() },
  }),
  entry({
    name: "blockMlp",
    args: () => [zeros([1, 3, 4]), zeros([4, 2]), zeros([2]), zeros([2, 4]), zeros([4])],
    call: (_t, a) => blockMlp(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": P.tensor([1, 3, 4], "f32", { wrongSize: false }),
      "1": P.tensor([4, 2]),
      "2": P.tensor([2]),
      "3": P.tensor([2, 4]),
      "4": P.tensor([4]),
    },
  }),
  entry({
    name: "strideSample",
    args: () => [zeros([1, 5, 2]), 2],
    call: (_t, a) => strideSample(a[0] as Any, a[1] as Any),
    poisons: { "0": P.tensor([1, 5, 2], "f32", { wrongSize: false }), "1": P.count() },
  }),
  entry({
    name: "strideUpsample",
    args: () => [zeros([1, 3, 2]), 2, 5],
    call: (_t, a) => strideUpsample(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": P.tensor([1, 3, 2], "f32", { wrongSize: false }),
      "1": fc.oneof(P.count(), fc.constant<unknown>(4)),
      "2": fc.oneof(P.count(), fc.constant<unknown>(7)),
    },
  }),
  // --- polynomial features
  entry({
    name: "polyProjectionWidth",
    names: ["polyProjectionWidth", "polynomial projection"],
    args: () => [16],
    call: (_t, a) => polyProjectionWidth(a[0] as Any),
    poisons: { "0": P.count() },
  }),
  entry({
    name: "polyTermCount",
    names: ["polyTermCount", "polynomial"],
    args: () => [16, 3],
    call: (_t, a) => polyTermCount(a[0] as Any, a[1] as Any),
    poisons: { "0": P.count(), "1": order() },
  }),
  entry({
    name: "substrateReadoutInputWidth",
    names: ["substrateReadoutInputWidth", "readout input", "polynomial"],
    args: () => [16, 8, 3],
    call: (_t, a) => substrateReadoutInputWidth(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": P.count(), "2": order() },
  }),
  entry({
    name: "localPathInputWidth",
    names: ["localPathInputWidth", "local path input", "polynomial"],
    args: () => [3, 8, 3],
    call: (_t, a) => localPathInputWidth(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": P.count(), "2": order() },
  }),
  entry({
    name: "triuSelectors",
    names: ["triuSelectors", "upper-triangle selectors"],
    args: () => [4],
    call: (_t, a) => triuSelectors(a[0] as Any),
    poisons: { "0": fc.oneof(P.count(), fc.constant<unknown>(65)) },
  }),
  entry({
    name: "polyTerms",
    args: () => {
      const s = triuSelectors(3);
      return [zeros([2, 3]), 3, tensor(s.si, [3, 6]), tensor(s.sj, [3, 6])];
    },
    call: (_t, a) => polyTerms(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": P.tensor([2, 3], "f32", { wrongSize: false }),
      "1": order(),
      "2": P.tensor([3, 6]),
      "3": P.tensor([3, 6]),
    },
  }),
  // --- regulariser
  entry({
    name: "regularizerScale",
    names: ["regularizerScale", "substrate regulariser"],
    args: () => [4000, true],
    call: (_t, a) => regularizerScale(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(P.notNumber(), P.nonFinite(), fc.constant<unknown>(-1)),
      "1": notBool(),
    },
  }),
  entry({
    name: "decayRegularizerValue",
    names: ["decayRegularizerValue", "decay regulariser"],
    args: () => [[0.5, 0.9, 0.99]],
    call: (_t, a) => decayRegularizerValue(a[0] as Any),
    poisons: {
      "0": fc.oneof(
        P.notObject(),
        fc.constantFrom<unknown>([0.5], [0.5, NaN], [0.5, "a"], [0.5, Infinity]),
      ),
    },
  }),
  entry({
    name: "decayRegularizer",
    args: () => [tensor([0.5, 0.9, 0.99], [3]), 1],
    call: (_t, a) => decayRegularizer(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(
        P.tensor([3], "f32", { wrongSize: false }),
        fc.constant(new Lazy("one decay f32[1]", () => zeros([1]))),
      ),
      "1": scale(),
    },
  }),
  entry({
    name: "gateRegularizer",
    args: () => [zeros([2, 3]), 1],
    call: (_t, a) => gateRegularizer(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(
        fc.constantFrom<unknown>(null, 3, "w", {}, [1, 2], undefined),
        fc.constant(disposedTensor([2, 3])),
        fc.constant(
          new Lazy(
            "wrong-dtype tensor i32[2, 3]",
            () => tensor(new Int32Array(6), [2, 3], { dtype: "i32" }),
          ),
        ),
      ),
      "1": scale(),
    },
  }),
  // --- static gate
  entry({
    name: "staticGateValue",
    names: ["staticGateValue", "static bank gate"],
    args: () => [0.75, 0.5],
    call: (_t, a) => staticGateValue(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(P.notNumber(), P.nonFinite()),
      // undefined is the default span.
      "1": fc.oneof(P.inRange(0, 1, true), fc.constantFrom<unknown>(0, 1, null)),
    },
  }),
  entry({
    name: "staticGate",
    args: () => [zeros([1]), 0.5],
    call: (_t, a) => staticGate(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.tensor([1], "f32", { wrongSize: false }),
      // undefined is the default span.
      "1": fc.oneof(P.inRange(0, 1, true), fc.constantFrom<unknown>(0, 1, null)),
    },
  }),
];
