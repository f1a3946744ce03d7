/**
 * The decepticons family's public surface under the fault fuzzer (spec/_harness/fault_fuzz.ts):
 * one entry per exported function, constructor and method of impl/decepticons/mod.ts, each
 * built from tiny valid arguments with its argument paths poisoned; constants and the members
 * with no malformed call are listed as excluded with their reason, so that a new export or
 * method without an entry fails the coverage test.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, readTensors, tensor, zeros } from "../../../impl/mod.ts";
import * as dc from "../../../impl/decepticons/mod.ts";
import {
  type FaultEntry,
  Lazy,
  poisons as P,
  registerDisposeTwice,
  registerFaultFuzz,
  registerValidArgumentsAccepted,
} from "../../_harness/fault_fuzz.ts";
import { DC_PUBLIC_FAULTS } from "./claims.ts";
import { CONFIG_EXCLUDED, CONFIG_FAULT_ENTRIES } from "./_faults_config.ts";
import { PATCH_DISPOSE_MAKERS, PATCH_EXCLUDED, PATCH_FAULT_ENTRIES } from "./_faults_patch.ts";
import {
  READOUTS_DISPOSABLES,
  READOUTS_EXCLUDED,
  READOUTS_FAULT_ENTRIES,
} from "./_faults_readouts.ts";
import { KNOBS_EXCLUDED, KNOBS_FAULT_ENTRIES } from "./_faults_knobs.ts";
import { XFORM_DISPOSE_MAKERS, XFORM_EXCLUDED, XFORM_FAULT_ENTRIES } from "./_faults_xform.ts";
import { MEMORY_LM_EXCLUDED, MEMORY_LM_FAULT_ENTRIES } from "./_faults_memory_lm.ts";
import { TRANSFORMS_LM_EXCLUDED, TRANSFORMS_LM_FAULT_ENTRIES } from "./_faults_transforms_lm.ts";

const {
  bitsPerByte,
  buildDecayBank,
  ByteCodec,
  ByteLatentPredictiveCoder,
  CAUSAL_BANK_DEFAULTS,
  CausalBankLM,
  decodeText,
  delayLine,
  echoState,
  encodeText,
  ensureByteTokens,
  ExactContextMemory,
  gatedDelta,
  gatedRetention,
  hierarchical,
  linearMemory,
  linearRecurrence,
  mixed,
  NgramMemory,
  OnlineCausalMemory,
  oscillatory,
  retention,
  runSubstrate,
  scanOptionsOf,
  stateDim,
  StatisticalBackoffMemory,
  SupportWeightedMixer,
  unitCount,
  validateCausalBankConfig,
} = dc;

const NO_ARGS = "takes no arguments and its class has no dispose(), so no call to it is malformed";
const CONSTANT = "a constant (frozen data, not callable)";
const NO_ARGS_HOST = "takes no arguments and reads only the frozen config of a host-side object " +
  "with no dispose(), so no call to it is malformed";

/** Constants and members with no malformed call. */
const EXCLUDED: Record<string, string> = {
  ...CONFIG_EXCLUDED,
  ...PATCH_EXCLUDED,
  ...XFORM_EXCLUDED,
  ...READOUTS_EXCLUDED,
  ...KNOBS_EXCLUDED,
  ...MEMORY_LM_EXCLUDED,
  ...TRANSFORMS_LM_EXCLUDED,
  ByteCodec: "a frozen namespace of encodeText, decodeText and ensureByteTokens, the very " +
    "function objects fuzzed as their own exports (the identity is checked below)",
  CODER_DEFAULTS: CONSTANT,
  CAUSAL_BANK_DEFAULTS: CONSTANT,
  CAUSAL_BANK_LM_DEFAULTS: CONSTANT,
  LINEAR_IMPLS: CONSTANT,
  PATCH_DECODERS: CONSTANT,
  STATE_IMPLS: CONSTANT,
  SUBSTRATE_MODES: CONSTANT,
  LM_SUBSTRATES: CONSTANT,
  "ExactContextMemory.clone": NO_ARGS,
  "ExactContextMemory.unigramDistribution": NO_ARGS,
  "NgramMemory.unigramProbs": NO_ARGS,
  "OnlineCausalMemory.query": NO_ARGS,
  "OnlineCausalMemory.reset": NO_ARGS,
  "ByteLatentPredictiveCoder.maxInputBytes": NO_ARGS,
  "ByteLatentPredictiveCoder.constructor": "private: a coder is built by fromSeed or fromDraws, " +
    "both fuzzed",
  SUMMARY_REDUCTIONS: CONSTANT,
  SUMMARY_DEFAULTS: CONSTANT,
  SURPRISE_FEATURE_DIM: CONSTANT,
  BOUNDARY_FEATURE_DIM: CONSTANT,
  SEGMENTER_DEFAULTS: CONSTANT,
  ROW_MASS_EPS: CONSTANT,
  PROBABILITY_FLOOR: CONSTANT,
  CONTROLLED_STACK_DEFAULTS: CONSTANT,
  EXACT_CACHE_MODES: CONSTANT,
  BACKOFF_CACHE_MODES: CONSTANT,
  POOL_MODES: CONSTANT,
  "PathwayGateController.initialState": NO_ARGS_HOST,
  "HormoneModulator.initialState": NO_ARGS_HOST,
  "CausalBankLM.dispose": "a second dispose() is documented harmless, so it has no malformed " +
    "call; the dispose-twice test checks it and that every buffer is released",
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const notList = () => fc.constantFrom<unknown>(null, undefined, "abc", 7, {});
/** Token lists over a vocabulary of `v`: not a list, or an id outside 0..v−1 or not an integer. */
const tokens = (v: number, opts: { emptyOk?: boolean } = {}) =>
  fc.oneof(
    notList(),
    ...(opts.emptyOk ? [] : [fc.constant<unknown>([])]),
    fc.constantFrom<unknown>(v, -1, 0.5, NaN, Infinity, "1", null).map((x) => [0, x]),
  );
const token = (v: number) => fc.oneof(P.notNumber(), fc.constantFrom(v, -1, 0.5, NaN, Infinity));
/** Options objects: not an object (undefined is the default, so it is not a poison). */
const notOptions = () => fc.constantFrom<unknown>(null, "opts", 4, true, []);

// --- codec ---

const CODEC_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "encodeText",
    args: () => ["héllo"],
    call: (_t, a) => encodeText(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "decodeText",
    args: () => [[104, 105]],
    call: (_t, a) => decodeText(a[0] as Any),
    poisons: { "0": tokens(256, { emptyOk: true }) },
  }),
  entry({
    name: "ensureByteTokens",
    args: () => [[1, 2], "ids"],
    call: (_t, a) => ensureByteTokens(a[0] as Any, a[1] as Any),
    poisons: { "0": tokens(256, { emptyOk: true }), "1": fc.constantFrom<unknown>(null, 3, {}) },
  }),
];

// --- memories ---

const SEQ = [0, 1, 2, 3, 1, 2];
const exact = () => new ExactContextMemory({ vocabSize: 4, maxOrder: 2 }).fit(SEQ);
const ngram = () => new NgramMemory({ vocabSize: 4, buckets: 8 }).fit([SEQ]);
const online = () => {
  const m = new OnlineCausalMemory({ vocabSize: 4, maxOrder: 3 });
  for (const t of SEQ) m.update(t);
  return m;
};
const backoff = () => {
  const m = new StatisticalBackoffMemory({ vocabSize: 4, buckets: 8, steps: 2 });
  m.fit([SEQ]);
  return m;
};
const exactState = (m: InstanceType<typeof ExactContextMemory>) => m.trace([0, 1, 2]);
const ngramState = (m: InstanceType<typeof NgramMemory>) => m.trace([0, 1, 2]);
const onlineState = (m: InstanceType<typeof OnlineCausalMemory>) => [
  m.position,
  m.query(),
  m.count([1], 2),
];
const backoffState = (m: InstanceType<typeof StatisticalBackoffMemory>) => [
  m.weights.slice(),
  m.trace([0, 1, 2]),
];
const order = () => P.notOneOf(["unigram", "bigram", "trigram", "max"]);
const MEMORY_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new ExactContextMemory",
    args: () => [{ vocabSize: 4, maxOrder: 2, alpha: 0.05 }],
    call: (_t, a) => new ExactContextMemory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.vocabSize": P.count({ optional: true }),
      "0.maxOrder": P.count({ optional: true }),
      "0.alpha": P.real(true),
    },
  }),
  entry({
    name: "ExactContextMemory.fit",
    target: exact,
    args: () => [[0, 1, 2]],
    call: (t, a) => t.fit(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: exactState,
  }),
  entry({
    name: "ExactContextMemory.experts",
    target: exact,
    args: () => [[0, 1]],
    call: (t, a) => t.experts(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: exactState,
  }),
  entry({
    name: "ExactContextMemory.predictiveDistribution",
    target: exact,
    args: () => [[0, 1]],
    call: (t, a) => t.predictiveDistribution(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: exactState,
  }),
  entry({
    name: "ExactContextMemory.trace",
    target: exact,
    args: () => [[0, 1]],
    call: (t, a) => t.trace(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: exactState,
  }),
  entry({
    name: "new SupportWeightedMixer",
    args: () => [{ baseBias: 2, expertBias: -1, supportScale: 0.5 }],
    call: (_t, a) => new SupportWeightedMixer(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.baseBias": P.real(true),
      "0.expertBias": P.real(true),
      "0.supportScale": P.real(true),
    },
  }),
  entry({
    name: "SupportWeightedMixer.mix",
    target: () => new SupportWeightedMixer(),
    args: () => [
      new Float64Array([0.5, 0.5]),
      [{ probs: new Float64Array([0.9, 0.1]), support: 1 }],
      0,
    ],
    call: (t, a) => t.mix(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(
        fc.constantFrom<unknown>(null, undefined, "p", 3, {}, new Float64Array(0)),
        fc.constantFrom(NaN, Infinity, -1).map((x) => new Float64Array([0.5, x]) as unknown),
      ),
      "1": notList(),
      "1.0": fc.constantFrom<unknown>(null, 3, {}, { probs: new Float64Array(2) }),
      "1.0.probs": fc.constantFrom<unknown>(null, [0.5, NaN], new Float64Array(3), "p"),
      "1.0.support": P.real(),
      "2": P.real(true),
    },
  }),
  entry({
    name: "new NgramMemory",
    args: () => [{ vocabSize: 4, buckets: 8, bigramAlpha: 0.5, trigramAlpha: 0.5 }],
    call: (_t, a) => new NgramMemory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.vocabSize": P.count({ optional: true }),
      "0.buckets": fc.oneof(P.count({ optional: true }), fc.constantFrom(3, 2 ** 31)),
      "0.bigramAlpha": P.real(true),
      "0.trigramAlpha": P.real(true),
      "0.unigramAlpha": P.real(true),
    },
  }),
  entry({
    name: "NgramMemory.bucket",
    target: ngram,
    args: () => [1, 2],
    call: (t, a) => t.bucket(a[0] as Any, a[1] as Any),
    poisons: { "0": token(4), "1": token(4) },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.update",
    target: ngram,
    args: () => [[0, 1, 2]],
    call: (t, a) => t.update(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.fit",
    target: ngram,
    args: () => [[[0, 1], [2, 3]]],
    call: (t, a) => t.fit(a[0] as Any),
    poisons: { "0": notList(), "0.1": tokens(4, { emptyOk: true }) },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.counts",
    target: ngram,
    args: () => [[1], 2],
    call: (t, a) => t.counts(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constant<unknown>([0, 1, 2])),
      "0.0": token(4),
      "1": token(4),
    },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.alphaOf",
    target: ngram,
    args: () => [1],
    call: (t, a) => t.alphaOf(a[0] as Any),
    poisons: { "0": fc.oneof(P.count({ zeroOk: true }), fc.constant(3)) },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.bigramProbs",
    target: ngram,
    args: () => [1],
    call: (t, a) => t.bigramProbs(a[0] as Any),
    poisons: { "0": token(4) },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.trigramProbs",
    target: ngram,
    args: () => [1, 2],
    call: (t, a) => t.trigramProbs(a[0] as Any, a[1] as Any),
    poisons: { "0": token(4), "1": token(4) },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.distributionAt",
    target: ngram,
    args: () => [[0, 1, 2], 2, "max"],
    call: (t, a) => t.distributionAt(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": tokens(4),
      // t = seq.length (3) is the next position: valid; past it is not.
      "1": fc.oneof(P.count({ zeroOk: true }), fc.constant(4)),
      "2": order(),
    },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.chosenProbs",
    target: ngram,
    args: () => [[0, 1, 2], "max"],
    call: (t, a) => t.chosenProbs(a[0] as Any, a[1] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }), "1": order() },
    state: ngramState,
  }),
  entry({
    name: "NgramMemory.trace",
    target: ngram,
    args: () => [[0, 1, 2], "max"],
    call: (t, a) => t.trace(a[0] as Any, a[1] as Any),
    poisons: {
      "0": tokens(4, { emptyOk: true }),
      "1": fc.constantFrom<unknown>("maximum", null, 3, "", "Max"),
    },
    state: ngramState,
  }),
  entry({
    name: "new OnlineCausalMemory",
    args: () => [{ vocabSize: 4, maxOrder: 3, buckets: 8 }],
    call: (_t, a) => new OnlineCausalMemory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.vocabSize": P.count({ optional: true }),
      "0.maxOrder": fc.oneof(P.count({ optional: true }), fc.constantFrom(1, 9)),
      "0.buckets": fc.oneof(P.count({ optional: true }), fc.constantFrom(3, 2 ** 31)),
    },
  }),
  entry({
    name: "OnlineCausalMemory.update",
    target: online,
    args: () => [1],
    call: (t, a) => t.update(a[0] as Any),
    poisons: { "0": token(4) },
    state: onlineState,
  }),
  entry({
    name: "OnlineCausalMemory.count",
    target: online,
    args: () => [[1], 2],
    call: (t, a) => t.count(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constant<unknown>([0, 1, 2])),
      "0.0": token(4),
      "1": token(4),
    },
    state: onlineState,
  }),
  entry({
    name: "OnlineCausalMemory.orderTotal",
    target: online,
    args: () => [2],
    call: (t, a) => t.orderTotal(a[0] as Any),
    poisons: { "0": fc.oneof(P.count(), fc.constant(4)) },
    state: onlineState,
  }),
  entry({
    name: "OnlineCausalMemory.trace",
    args: () => [[0, 1, 2], { vocabSize: 4, maxOrder: 3 }],
    call: (_t, a) => OnlineCausalMemory.trace(a[0] as Any, a[1] as Any),
    poisons: {
      "0": tokens(4, { emptyOk: true }),
      "1": notOptions(),
      "1.vocabSize": P.count({ optional: true }),
      "1.maxOrder": fc.oneof(P.count({ optional: true }), fc.constantFrom(1, 9)),
    },
  }),
  entry({
    name: "new StatisticalBackoffMemory",
    args: () => [{ vocabSize: 4, buckets: 8, steps: 2, learningRate: 0.25 }],
    call: (_t, a) => new StatisticalBackoffMemory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.vocabSize": P.count({ optional: true }),
      "0.buckets": fc.oneof(P.count({ optional: true }), fc.constantFrom(3, 2 ** 31)),
      "0.steps": P.count({ optional: true, zeroOk: true }),
      "0.learningRate": P.real(true),
      "0.epsilon": P.real(true),
      "0.fit": fc.constantFrom<unknown>("loo", null, 3, ""),
    },
  }),
  entry({
    name: "StatisticalBackoffMemory.fit",
    target: backoff,
    args: () => [[[0, 1, 2], [3, 2]]],
    call: (t, a) => t.fit(a[0] as Any),
    poisons: { "0": notList(), "0.0": tokens(4, { emptyOk: true }) },
    state: backoffState,
  }),
  entry({
    name: "StatisticalBackoffMemory.orderFor",
    args: () => [3],
    call: (_t, a) => StatisticalBackoffMemory.orderFor(a[0] as Any),
    poisons: { "0": fc.oneof(P.integer(), fc.constantFrom(-1, -7, 2 ** 53)) },
  }),
  entry({
    name: "StatisticalBackoffMemory.predict",
    target: backoff,
    args: () => [[0, 1]],
    call: (t, a) => t.predict(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: backoffState,
  }),
  entry({
    name: "StatisticalBackoffMemory.trace",
    target: backoff,
    args: () => [[0, 1]],
    call: (t, a) => t.trace(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: backoffState,
  }),
  entry({
    name: "StatisticalBackoffMemory.bits",
    target: backoff,
    args: () => [[0, 1]],
    call: (t, a) => t.bits(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
    state: backoffState,
  }),
];

// --- substrates ---

const seedPoison = () => fc.oneof(P.integer(true), fc.constantFrom(-1, 2 ** 40));
const vocabPoison = () => P.count({ optional: true });
const DELAY = { length: 2, dim: 2, vocab: 4, seed: 3 };
const substratePoisons = (i: number) => ({
  [`${i}`]: P.notObject(),
  [`${i}.kind`]: fc.constantFrom<unknown>("bogus", null, 3),
  [`${i}.length`]: P.count(),
  [`${i}.dim`]: P.count(),
  [`${i}.vocab`]: P.count(),
  [`${i}.emb`]: fc.constantFrom<unknown>(null, "e", new Float64Array(3), [1, 2]),
});
const SUBSTRATE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "echoState",
    args: () => [{ size: 6, connectivity: 0.5, vocab: 4, seed: 7 }],
    call: (_t, a) => echoState(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.size": P.count({ optional: true }),
      "0.connectivity": P.inRange(0, 1, true),
      "0.spectralRadius": P.real(true),
      "0.leak": P.inRange(0, 1, true),
      "0.inputScale": P.real(true),
      "0.topology": fc.constantFrom<unknown>("ring", null, 3),
      "0.rewireProbability": P.inRange(0, 1, true),
      "0.vocab": vocabPoison(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "delayLine",
    args: () => [{ ...DELAY }],
    call: (_t, a) => delayLine(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.length": P.count({ optional: true }),
      "0.dim": P.count({ optional: true }),
      "0.decay": P.real(true),
      "0.scale": P.real(true),
      "0.vocab": vocabPoison(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "linearMemory",
    args: () => [{ decays: [0.5, 0.9], dim: 2, vocab: 4, seed: 3 }],
    call: (_t, a) => linearMemory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.decays": fc.constantFrom<unknown>(null, "d", 3, [], [0.5, 1], [NaN], ["0.5"]),
      "0.dim": P.count({ optional: true }),
      "0.vocab": vocabPoison(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "oscillatory",
    args: () => [{ dim: 2, decays: [0.5], damping: [0.9], periods: [4], vocab: 4, seed: 3 }],
    call: (_t, a) => oscillatory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.dim": P.count({ optional: true }),
      "0.decays": fc.constantFrom<unknown>(null, "d", 3, [1], [NaN], ["0.5"]),
      "0.damping": fc.constantFrom<unknown>(null, [], [1], [NaN], [0.5, 0.5]),
      "0.periods": fc.constantFrom<unknown>(null, [0], [NaN], [Infinity], ["4"]),
      "0.vocab": vocabPoison(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "mixed",
    args: () => [{ esn: { size: 6, connectivity: 0.5 }, delayLength: 2, delayDim: 2, vocab: 4 }],
    call: (_t, a) => mixed(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.esn": fc.constantFrom<unknown>(null, "esn", 3),
      "0.esn.size": P.count(),
      "0.delayLength": P.count({ optional: true }),
      "0.delayDim": P.count({ optional: true }),
      "0.vocab": vocabPoison(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "hierarchical",
    args: () => [{ sizes: [8, 8, 8], stride: 2, vocab: 4, seed: 7 }],
    call: (_t, a) => hierarchical(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.sizes": fc.constantFrom<unknown>(null, "s", [8, 8], [8, 8, 8, 8]),
      "0.sizes.1": P.count(),
      "0.stride": P.count({ optional: true }),
      "0.vocab": vocabPoison(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "stateDim",
    args: () => [delayLine(DELAY)],
    call: (_t, a) => stateDim(a[0] as Any),
    poisons: substratePoisons(0),
  }),
  entry({
    name: "unitCount",
    args: () => [delayLine(DELAY)],
    call: (_t, a) => unitCount(a[0] as Any),
    poisons: substratePoisons(0),
  }),
  entry({
    name: "runSubstrate",
    args: () => [delayLine(DELAY), [0, 1, 2, 3], { batch: 2 }],
    call: (_t, a) => runSubstrate(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...substratePoisons(0),
      "1": tokens(4),
      "2": P.notObject(),
      "2.batch": fc.oneof(P.count(), fc.constant(3)),
      "2.init": fc.oneof(
        fc.constantFrom<unknown>(null, "i", 3, new Float64Array(3)),
        fc.constantFrom(NaN, Infinity).map((x) => new Float64Array(8).fill(x) as unknown),
      ),
      "2.phase": P.count({ zeroOk: true, optional: true }),
    },
  }),
];

// --- predictive coder ---

const CODER = {
  size: 8,
  connectivity: 0.5,
  reservoirFeatures: 4,
  globalDim: 4,
  latentDim: 4,
  minPatch: 1,
  maxPatch: 4,
  patchSize: 2,
  calibratedSteps: 2,
  seed: 7,
};
const coderConfig = (i: number) => ({
  [`${i}`]: notOptions(),
  [`${i}.size`]: P.count(),
  [`${i}.reservoirFeatures`]: P.count(),
  [`${i}.globalDim`]: P.count(),
  [`${i}.minPatch`]: P.count(),
  [`${i}.mode`]: fc.constantFrom<unknown>("fast", null, 3),
  [`${i}.noveltyThreshold`]: P.f32(),
  [`${i}.ridgeAlpha`]: P.f32(),
  [`${i}.latentRadius`]: P.f32(),
  [`${i}.leak`]: P.inRange(0, 1),
  [`${i}.connectivity`]: P.inRange(0, 1),
  [`${i}.spectralRadius`]: P.f32(),
  [`${i}.inputScale`]: P.f32(),
  [`${i}.seed`]: seedPoison(),
});
const coder = () => ByteLatentPredictiveCoder.fromSeed(CODER);
type Coder = ReturnType<typeof coder>;
let fittedCoder: Coder | null = null;
/** A coder fitted once (ridge) on a tiny text: the target of score and generate. */
const fitted = () => fittedCoder!;
const draws = () => {
  const c = coder();
  return {
    w: c.substrate.layer.w,
    u: c.substrate.layer.u,
    indices: Array.from(c.indices),
    p: c.p,
    r: c.r,
    gin: c.gin,
    lp: c.lp,
  };
};
const bytes = () =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, 3, {}, [], true),
    fc.constantFrom<unknown>(256, -1, 0.5, NaN, "a").map((x) => [97, x]),
  );
const coderState = (c: Coder) => [
  c.weights?.w ?? null,
  c.weights?.b ?? null,
];
const CODER_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "ByteLatentPredictiveCoder.fromSeed",
    args: () => [{ ...CODER }],
    call: (_t, a) => ByteLatentPredictiveCoder.fromSeed(a[0] as Any),
    poisons: coderConfig(0),
  }),
  entry({
    name: "ByteLatentPredictiveCoder.fromDraws",
    args: () => [draws(), { ...CODER }],
    call: (_t, a) => ByteLatentPredictiveCoder.fromDraws(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.w": P.finiteArray(64),
      "0.u": fc.constantFrom<unknown>(null, "u", [], new Float64Array(5)),
      "0.indices": fc.constantFrom<unknown>(null, [0, 1, 2], [0, 1, 2, 8], [0, 0, 1, 2], [
        0,
        1,
        2,
        0.5,
      ]),
      "0.p": P.finiteArray(16),
      "0.r": P.finiteArray(16),
      "0.gin": P.finiteArray(16),
      "0.lp": P.finiteArray(16),
      ...coderConfig(1),
    },
  }),
  entry({
    name: "ByteLatentPredictiveCoder.trace",
    target: coder,
    args: () => [[97, 98, 99], {}],
    call: (t, a) => t.trace(a[0] as Any, a[1] as Any),
    poisons: {
      "0": bytes(),
      "1": notOptions(),
      "1.init": fc.constantFrom<unknown>(
        "i",
        3,
        new Float64Array(3),
        new Float64Array(8).fill(NaN),
      ),
      "1.state": P.tensor([1], "f32", { optional: true }),
      "1.keepStates": fc.constantFrom<unknown>("yes", 1),
    },
    state: coderState,
  }),
  entry({
    name: "ByteLatentPredictiveCoder.fit",
    target: coder,
    args: () => ["abcab", { readout: "ridge" }],
    call: (t, a) => t.fit(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(bytes(), fc.constantFrom<unknown>("a", "")),
      "1": notOptions(),
      "1.readout": fc.constantFrom<unknown>("lasso", null, 3),
      "1.onProgress": fc.constantFrom<unknown>("f", 3, {}),
    },
    state: coderState,
  }),
  entry({
    name: "ByteLatentPredictiveCoder.score",
    target: fitted,
    // The `this` case: a coder that was never fitted (weights null).
    stale: coder,
    release: () => {},
    args: () => ["abca"],
    call: (t, a) => t.score(a[0] as Any),
    poisons: { "0": fc.oneof(bytes(), fc.constantFrom<unknown>("a", "")), "this": P.disposed() },
    state: coderState,
  }),
  entry({
    name: "ByteLatentPredictiveCoder.generate",
    target: fitted,
    stale: coder,
    release: () => {},
    args: () => ["ab", 1, { greedy: true }],
    call: (t, a) => t.generate(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(bytes(), fc.constant<unknown>("")),
      "1": P.count({ zeroOk: true }),
      "2": notOptions(),
      "2.greedy": fc.constantFrom<unknown>("yes", 1),
      "2.temperature": P.real(true),
      "2.seed": seedPoison(),
      "2.onByte": fc.constantFrom<unknown>("f", 3, {}),
    },
    state: coderState,
  }),
  entry({
    name: "bitsPerByte",
    args: () => [new Float32Array(512), [1, 2]],
    call: (_t, a) => bitsPerByte(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(
        fc.constantFrom<unknown>(null, "l", 3, new Float32Array(0), new Float32Array(511)),
        fc.constantFrom(NaN, Infinity).map((x) => new Float32Array(512).fill(x) as unknown),
      ),
      "1": tokens(256),
    },
  }),
];

// --- scans and retention ---

const t3 = (n: number, t: number, c: number, x = 0.5) =>
  tensor(new Array(n * t * c).fill(x), [n, t, c]);
const SCAN_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "linearRecurrence",
    args: () => [t3(1, 3, 2), t3(1, 3, 2), { method: "sequential", chunk: 2 }],
    call: (_t, a) => linearRecurrence(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": P.tensor([1, 3, 2]),
      "1": P.tensor([1, 3, 2]),
      "2": notOptions(),
      "2.method": fc.constantFrom<unknown>("parallel", null, 3),
      "2.chunk": P.count({ optional: true }),
      "2.initialState": P.tensor([1, 2], "f32", { optional: true }),
      "2.complex": fc.constantFrom<unknown>("yes", 1, null),
      "2.maxStepsPerDispatch": P.count({ optional: true }),
    },
  }),
  entry({
    name: "retention",
    args: () => [t3(1, 3, 2), t3(1, 3, 2), t3(1, 3, 2), tensor([0.9], [1]), { form: "recurrent" }],
    call: (_t, a) => retention(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": P.tensor([1, 3, 2]),
      "1": P.tensor([1, 3, 2]),
      "2": P.tensor([1, 3, 2]),
      "3": P.tensor([1]),
      "4": notOptions(),
      "4.form": fc.constantFrom<unknown>("scan", null, 3),
      "4.chunk": P.count({ optional: true }),
    },
  }),
  entry({
    name: "gatedRetention",
    args: () => [t3(1, 3, 2), t3(1, 3, 2), t3(1, 3, 2), zeros([1, 3]), { form: "chunkwise" }],
    call: (_t, a) =>
      gatedRetention(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": P.tensor([1, 3, 2]),
      "1": P.tensor([1, 3, 2]),
      "2": P.tensor([1, 3, 2]),
      "3": P.tensor([1, 3]),
      "4": notOptions(),
      "4.form": fc.constantFrom<unknown>("scan", null, 3),
      "4.chunk": P.count({ optional: true }),
    },
  }),
  entry({
    name: "gatedDelta",
    args: () => [
      t3(1, 3, 2),
      t3(1, 3, 2),
      t3(1, 3, 2),
      zeros([1, 3]),
      zeros([1, 3]),
      { form: "recurrent" },
    ],
    call: (_t, a) =>
      gatedDelta(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any, a[5] as Any),
    poisons: {
      "0": P.tensor([1, 3, 2]),
      "1": P.tensor([1, 3, 2]),
      "2": P.tensor([1, 3, 2]),
      "3": P.tensor([1, 3]),
      "4": P.tensor([1, 3]),
      "5": notOptions(),
      "5.form": fc.constantFrom<unknown>("parallel", null, 3),
      "5.chunk": P.count({ optional: true }),
    },
  }),
];

// --- causal bank and the byte LM ---

const BANK = { ...CAUSAL_BANK_DEFAULTS, linearModes: 4, maxSeqLen: 8 };
const bankPoisons = {
  "0": P.notObject(),
  "0.embeddingDim": P.count(),
  "0.linearModes": P.count(),
  "0.maxSeqLen": P.count(),
  "0.halfLifeMin": P.f32(),
  "0.halfLifeMax": P.real(),
  "0.oscillatoryFrac": P.inRange(0, 1),
  "0.linearImpl": fc.constantFrom<unknown>("gpu", null, 3),
  "0.substrateMode": fc.constantFrom<unknown>("thawed", null, 3),
  "0.stateDim": P.count({ zeroOk: true }),
  "0.numHeads": P.count(),
  "0.enableLinear": fc.constantFrom<unknown>("yes", 1, null),
  "0.patchSize": P.count(),
  "0.scanChunk": P.count(),
};
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
const i32 = (shape: number[], x = 1) =>
  tensor(new Int32Array(shape.reduce((a, b) => a * b, 1)).fill(x), shape, { dtype: "i32" });
const lmState = async (m: InstanceType<typeof CausalBankLM>) => {
  const ts = m.trainable();
  return ts.length > 0 ? await readTensors(ts.slice(0, 3)) : [];
};
const LM_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "validateCausalBankConfig",
    names: ["validateCausalBankConfig", "causal-bank config"],
    args: () => [{ ...BANK }],
    call: (_t, a) => validateCausalBankConfig(a[0] as Any),
    poisons: bankPoisons,
  }),
  entry({
    name: "buildDecayBank",
    names: ["buildDecayBank", "causal-bank config"],
    args: () => [{ ...BANK }],
    call: (_t, a) => buildDecayBank(a[0] as Any),
    poisons: bankPoisons,
  }),
  entry({
    name: "scanOptionsOf",
    names: ["scanOptionsOf", "causal-bank config"],
    args: () => [{ ...BANK }],
    call: (_t, a) => scanOptionsOf(a[0] as Any),
    poisons: bankPoisons,
  }),
  entry({
    name: "new CausalBankLM",
    args: () => [{ ...LM }],
    call: (_t, a) => new CausalBankLM(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.substrate": fc.constantFrom<unknown>("thawed", null, 3),
      "0.embeddingDim": P.count(),
      "0.linearModes": P.count(),
      "0.halfLifeMin": P.f32(),
      "0.stateDim": P.count(),
      "0.readoutHidden": P.count(),
      "0.localWindow": P.count({ zeroOk: true }),
      "0.localScale": P.f32(),
      "0.scanChunk": P.count(),
      "0.scanMethod": fc.constantFrom<unknown>("parallel", null, 3),
      "0.maxSeqLen": P.count(),
      "0.seed": seedPoison(),
    },
  }),
  entry({
    name: "CausalBankLM.forward",
    target: lm,
    args: () => [i32([1, 3])],
    call: (t, a) => t.forward(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      // Token values live on the GPU (checking them would need a sync), so shapes and types
      // are what can be malformed here.
      "0": fc.oneof(
        P.tensor([1, 3], "i32", { wrongSize: false }),
        fc.constant(new Lazy("tokens [1, 9] past maxSeqLen 8", () => i32([1, 9]))),
      ),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.embed",
    target: lm,
    args: () => [i32([1, 3])],
    call: (t, a) => t.embed(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(
        P.tensor([1, 3], "i32", { wrongSize: false }),
        fc.constant(new Lazy("tokens [1, 9] past maxSeqLen 8", () => i32([1, 9]))),
      ),
    },
    state: lmState,
  }),
  ...(["forwardEmbeds", "hiddenStates"] as const).map((m) =>
    entry({
      name: `CausalBankLM.${m}`,
      target: lm,
      args: () => [zeros([1, 3, LM.embeddingDim])],
      call: (t, a) => t[m](a[0] as Any),
      poisons: {
        "this": P.disposed(),
        "0": fc.oneof(
          P.tensor([1, 3, LM.embeddingDim], "f32", { wrongSize: false }),
          fc.constant(
            new Lazy(
              "embeddings [1, 9, 4] past maxSeqLen 8",
              () => zeros([1, 9, LM.embeddingDim]),
            ),
          ),
          fc.constant(new Lazy("embeddings [1, 3, 5]", () => zeros([1, 3, 5]))),
        ),
      },
      state: lmState,
    })
  ),
  entry({
    name: "CausalBankLM.loss",
    target: lm,
    args: () => [i32([1, 3]), i32([1, 3], 2)],
    call: (t, a) => t.loss(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.tensor([1, 3], "i32"),
      "1": P.tensor([1, 3], "i32"),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.trainable",
    target: lm,
    args: () => [],
    call: (t) => t.trainable(),
    poisons: { "this": P.disposed() },
  }),
  entry({
    name: "CausalBankLM.trainStep",
    target: lm,
    args: () => [i32([1, 3]), i32([1, 3], 2), 0.01, 1],
    call: (t, a) => t.trainStep(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.tensor([1, 3], "i32"),
      "1": P.tensor([1, 3], "i32"),
      "2": P.f32(),
      // clipNorm = Infinity is documented: no clipping.
      "3": fc.oneof(P.notNumber(true), fc.constantFrom(NaN, -Infinity, 0, -1)),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.train",
    target: lm,
    args: () => [new Uint8Array([1, 2, 3, 4, 5]), { steps: 1, batch: 1, seqLen: 2, lr: 0.01 }],
    call: (t, a) => t.train(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.constantFrom<unknown>(null, "abc", [1, 2, 3, 4, 5], new Uint8Array(2)),
      "1": P.notObject(),
      "1.steps": P.count(),
      "1.batch": P.count(),
      "1.seqLen": P.count(),
      "1.lr": P.f32(),
      "1.seed": seedPoison(),
      "1.logEvery": P.count({ optional: true }),
      "1.clipNorm": fc.oneof(P.notNumber(true), fc.constantFrom(NaN, -Infinity, 0, -1)),
      "1.finalLrFraction": P.inRange(0, 1, true),
      "1.onProgress": fc.constantFrom<unknown>("f", 3, {}),
    },
    state: lmState,
  }),
  entry({
    name: "CausalBankLM.evaluateBitsPerByte",
    target: lm,
    args: () => [new Uint8Array([1, 2, 3, 4]), { seqLen: 2, batch: 2 }],
    call: (t, a) => t.evaluateBitsPerByte(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.constantFrom<unknown>(null, "abc", [1, 2, 3], new Uint8Array(1)),
      "1": notOptions(),
      "1.seqLen": P.count({ optional: true }),
      "1.batch": P.count({ optional: true }),
    },
    state: lmState,
  }),
];

// --- host-side mechanisms (control, views, experts, caches, evaluation, patch blocks) ---

/** A poison without null and undefined: for fields defaulted with `??` (null means "default"). */
const nn = (a: fc.Arbitrary<unknown>) => a.filter((x) => x !== null && x !== undefined);
/** A poison without undefined: for optional arguments and fields (undefined means "default"). */
const def = (a: fc.Arbitrary<unknown>) => a.filter((x) => x !== undefined);
/**
 * An integer in [min, max] where the bound is a documented limit, not an allocation: not a
 * number, not finite, not an integer, below min or just past max. `missing`: "optional" (an
 * argument or field where undefined means its default), "nullish" (a field defaulted with `??`).
 */
const intOutside = (
  min: number,
  max: number,
  missing: "required" | "optional" | "nullish" = "required",
) => {
  const a = fc.oneof(
    P.notNumber(missing !== "required"),
    P.nonFinite(),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.integer({ min: Math.max(-1e6, min - 1e6), max: min - 1 }),
    fc.constantFrom(max + 1, 1e300),
  );
  return missing === "nullish" ? nn(a) : a;
};
const bool = () => fc.constantFrom<unknown>("yes", 1, 0, {});
const badReal = () => nn(P.real());
const positive = () => fc.oneof(badReal(), fc.constantFrom(0, -1));
/** Malformed summary signals (a number, a vector or rows of one width). */
const badSignal = () =>
  fc.constantFrom<unknown>(
    null,
    undefined,
    "abc",
    {},
    [],
    NaN,
    Infinity,
    [1, NaN],
    ["1", 2],
    [[1, 2], [3]],
    [[1, NaN], [1, 2]],
    { name: "s", values: [1, NaN] },
  );
/** Malformed probability rows of 2 entries: not a list, empty, non-finite or negative entries. */
const badRow = () =>
  fc.constantFrom<unknown>(null, undefined, "ab", 7, {}, [], [0.5, NaN], [0.5, -1], [Infinity, 1], [
    "1",
    1,
  ]);
const badRows = () =>
  fc.constantFrom<unknown>(null, undefined, "x", 3, [], [[0.5, 0.5]], [[0.5, 0.5], [1, 0], [0, 1]]);

const GATE_CONFIG = {
  summaryDim: 2,
  refreshStride: 2,
  fastToMidIndex: 1,
  midToSlowIndex: 0,
  fastToMidBias: -1,
  midToSlowBias: 0.5,
  fastToMidScale: 2,
  midToSlowScale: 1,
  summary: { reduction: "mean", normalize: true, eps: 1e-8 },
};
const HORMONE_CONFIG = {
  summaryDim: 2,
  hormones: 2,
  refreshStride: 1,
  outputIndices: [0, 1],
  outputBiases: [0, 0.5],
  outputScales: [1, 2],
  summaryScale: 1.5,
  hormoneBias: 0.1,
  hormoneScale: 1,
  seed: 3,
};
const gate = () => new dc.PathwayGateController(GATE_CONFIG as Any);
const hormone = () => new dc.HormoneModulator(HORMONE_CONFIG);
const ROUTER_CONFIG = {
  mode: "projection",
  branches: 2,
  summaryDim: 2,
  temperature: 0.5,
  staticLogits: [1, 2],
  projectionWeights: [1, -1],
  projectionBias: [0, 0.5],
};
const SEGMENTER_CONFIG = {
  learningRate: 0.1,
  l2: 1e-3,
  threshold: 0.5,
  minPatch: 2,
  maxPatch: 8,
  targetPatchSize: 3,
  targetBoundaryRate: null,
  targetRegularization: 0.25,
  initialBias: -1,
  updateSteps: 2,
};
const segmenterPoisons = {
  "0": notOptions(),
  "0.learningRate": positive(),
  "0.l2": fc.oneof(badReal(), fc.constant(-1)),
  "0.threshold": nn(P.inRange(0, 1)),
  "0.minPatch": fc.oneof(nn(P.count()), fc.constant(9)),
  "0.maxPatch": nn(P.count()),
  "0.targetPatchSize": fc.constantFrom<unknown>("3", NaN, 0, -1, Infinity, {}),
  "0.targetBoundaryRate": fc.constantFrom<unknown>(0, 1.5, NaN, "x"),
  "0.targetRegularization": fc.oneof(badReal(), fc.constant(-1)),
  "0.initialBias": badReal(),
  "0.updateSteps": nn(P.count()),
};
const scorer = () => new dc.LearnedBoundaryScorer(SEGMENTER_CONFIG);
const scorerState = (s: InstanceType<typeof dc.LearnedBoundaryScorer>) => [
  s.weights.slice(),
  s.bias,
  s.updates,
  s.targetSum,
];
const segmenter = () => new dc.LearnedSegmenter(SEGMENTER_CONFIG);
const segmenterState = (s: InstanceType<typeof dc.LearnedSegmenter>) => [
  s.length,
  s.stepsSeen,
  s.boundaries,
  ...scorerState(s.scorer),
];
const CONTROL_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "summaryConfig",
    args: () => ["read a summaryConfig", { reduction: "mean", normalize: true, eps: 1e-6 }],
    call: (_t, a) => dc.summaryConfig(a[0] as Any, a[1]),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, 3, {}, ["x"]),
      "1": notOptions(),
      "1.reduction": nn(P.notOneOf(dc.SUMMARY_REDUCTIONS)),
      "1.normalize": bool(),
      "1.eps": fc.oneof(badReal(), fc.constant(-1)),
    },
  }),
  entry({
    name: "new SummaryBuilder",
    args: () => [{ reduction: "mean_abs", normalize: true, eps: 1e-8 }],
    call: (_t, a) => new dc.SummaryBuilder(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.reduction": nn(P.notOneOf(dc.SUMMARY_REDUCTIONS)),
      "0.normalize": bool(),
      "0.eps": fc.oneof(badReal(), fc.constant(-1)),
    },
  }),
  entry({
    name: "SummaryBuilder.encode",
    names: ["SummaryBuilder", "controller summary"],
    target: () => new dc.SummaryBuilder({ reduction: "mean" }),
    args: () => [[[1, 2], [3, 4]], "s"],
    call: (t, a) => t.encode(a[0] as Any, a[1] as Any),
    poisons: { "0": badSignal(), "1": fc.constantFrom<unknown>(null, 3, {}, ["s"]) },
  }),
  entry({
    name: "stackSummaries",
    names: ["stackSummaries", "controller summaries"],
    args: () => [[{ name: "a", values: [1, 2] }, { name: "b", values: [3, 4] }]],
    call: (_t, a) => dc.stackSummaries(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, [], "x", 3, {}),
      "0.1": fc.constantFrom<unknown>(null, 3, "s", {}, [1, 2], { values: [1] }),
      "0.1.values": fc.constantFrom<unknown>(null, [1, NaN], [1, 2, 3], "ab", []),
    },
  }),
  entry({
    name: "new PathwayGateController",
    args: () => [structuredClone(GATE_CONFIG)],
    call: (_t, a) => new dc.PathwayGateController(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.summaryDim": P.count(),
      "0.refreshStride": intOutside(1, 2 ** 31, "nullish"),
      "0.fastToMidIndex": fc.oneof(nn(P.count({ zeroOk: true })), fc.constant(2)),
      "0.midToSlowIndex": fc.oneof(nn(P.count({ zeroOk: true })), fc.constant(2)),
      "0.fastToMidBias": badReal(),
      "0.midToSlowBias": badReal(),
      "0.fastToMidScale": fc.oneof(badReal(), fc.constant(-1)),
      "0.midToSlowScale": fc.oneof(badReal(), fc.constant(-1)),
      "0.summary": fc.constantFrom<unknown>(null, "x", 3, []),
      "0.summary.reduction": nn(P.notOneOf(dc.SUMMARY_REDUCTIONS)),
    },
  }),
  entry({
    name: "PathwayGateController.advance",
    target: gate,
    args: (t) => [t.initialState(), [0.5, -0.5], 3],
    call: (t, a) => t.advance(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, 3, "s"),
      "0.lastRefresh": P.real(),
      "0.fastToMid": P.inRange(0, 1),
      "0.midToSlow": P.inRange(0, 1),
      "1": fc.oneof(badSignal(), fc.constantFrom<unknown>([1], [1, 2, 3])),
      "2": fc.oneof(P.integer(), fc.constant(2 ** 60)),
    },
  }),
  entry({
    name: "new HormoneModulator",
    args: () => [structuredClone(HORMONE_CONFIG)],
    call: (_t, a) => new dc.HormoneModulator(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.summaryDim": P.count(),
      "0.hormones": nn(P.count()),
      "0.refreshStride": intOutside(1, 2 ** 31, "nullish"),
      "0.outputIndices": fc.constantFrom<unknown>("x", 3, [], [0, 2], [0, 0.5], [NaN]),
      "0.outputBiases": nn(P.hostVector(2)),
      "0.outputScales": fc.oneof(nn(P.hostVector(2)), fc.constant([1, -1])),
      "0.summaryScale": badReal(),
      "0.hormoneBias": badReal(),
      "0.hormoneScale": fc.oneof(badReal(), fc.constant(-1)),
      "0.seed": fc.oneof(nn(P.integer()), fc.constantFrom(-1, 2 ** 33)),
      "0.projection": P.hostVector(4, true),
      "0.summary": fc.constantFrom<unknown>(null, "x", 3, []),
    },
  }),
  entry({
    name: "HormoneModulator.advance",
    target: hormone,
    args: (t) => [t.initialState(), [0.5, -0.5], 2],
    call: (t, a) => t.advance(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, 3, "s"),
      "0.lastRefresh": P.real(),
      "0.hormones": P.hostVector(2),
      "0.outputs": P.hostVector(2),
      "1": fc.oneof(badSignal(), fc.constantFrom<unknown>([1], [1, 2, 3])),
      "2": fc.oneof(P.integer(), fc.constant(2 ** 60)),
    },
  }),
  entry({
    name: "HormoneModulator.project",
    target: hormone,
    args: () => [[0.5, -0.5]],
    call: (t, a) => t.project(a[0] as Any),
    poisons: { "0": fc.oneof(badSignal(), fc.constantFrom<unknown>([1], [1, 2, 3])) },
  }),
  entry({
    name: "softmaxWithTemperature",
    args: () => [[1, 2, 3], 0.5],
    call: (_t, a) => dc.softmaxWithTemperature(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, "abc", 7, {}, [], [1, NaN], [Infinity], ["1"]),
      "1": fc.oneof(P.real(), fc.constantFrom(0, -1)),
    },
  }),
  entry({
    name: "new SummaryRouter",
    args: () => [structuredClone(ROUTER_CONFIG)],
    call: (_t, a) => new dc.SummaryRouter(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.mode": nn(P.notOneOf(["equal", "static", "projection"])),
      "0.branches": P.count(),
      "0.summaryDim": P.count(),
      "0.temperature": positive(),
      "0.staticLogits": fc.constantFrom<unknown>("x", 3, [1], [1, 2, 3], [1, NaN]),
      "0.projectionWeights": fc.constantFrom<unknown>("x", [1], [1, Infinity]),
      "0.projectionBias": fc.constantFrom<unknown>({}, [1, 2, 3], ["1", 2]),
    },
  }),
  entry({
    name: "SummaryRouter.route",
    target: () => new dc.SummaryRouter(ROUTER_CONFIG as Any),
    args: () => [[[1, 2], { name: "b", values: [3, 4] }]],
    call: (t, a) => t.route(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, "x", 3, [], [[1, 2]]),
      "0.0": fc.constantFrom<unknown>(null, 3, [1], [1, NaN], "ab", { values: [1, 2, 3] }),
      "0.1.values": fc.constantFrom<unknown>(null, [1, NaN], [1]),
    },
  }),
  entry({
    name: "new PredictiveSurpriseController",
    args: () => [{ featureMode: "residual", eps: 1e-6, summary: { reduction: "max_abs" } }],
    call: (_t, a) => new dc.PredictiveSurpriseController(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.featureMode": nn(P.notOneOf(["surprise", "residual"])),
      "0.eps": fc.oneof(badReal(), fc.constant(-1)),
      "0.summary": fc.constantFrom<unknown>(null, "x", 3, []),
      "0.summary.reduction": fc.constantFrom<unknown>("identity", "sum", 3),
    },
  }),
  entry({
    name: "PredictiveSurpriseController.observe",
    target: () => new dc.PredictiveSurpriseController(),
    args: () => [[0.1, 0.2], [0.3, 0]],
    call: (t, a) => t.observe(a[0] as Any, a[1] as Any),
    poisons: { "0": P.hostVector(2), "1": P.hostVector(2) },
  }),
  entry({
    name: "new LearnedBoundaryScorer",
    args: () => [{ ...SEGMENTER_CONFIG }],
    call: (_t, a) => new dc.LearnedBoundaryScorer(a[0] as Any),
    poisons: segmenterPoisons,
  }),
  entry({
    name: "LearnedBoundaryScorer.features",
    target: scorer,
    args: () => [3, 0.2, 0.1],
    call: (t, a) => t.features(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": intOutside(0, 2 ** 31), "1": P.real(), "2": P.real() },
    state: scorerState,
  }),
  entry({
    name: "LearnedBoundaryScorer.probability",
    target: scorer,
    args: () => [[1, 0.2, 0.1, 0.5, 0.4]],
    call: (t, a) => t.probability(a[0] as Any),
    poisons: { "0": P.hostVector(5) },
    state: scorerState,
  }),
  entry({
    name: "LearnedBoundaryScorer.update",
    target: scorer,
    args: () => [[1, 0.2, 0.1, 0.5, 0.4], 1],
    call: (t, a) => t.update(a[0] as Any, a[1] as Any),
    poisons: { "0": P.hostVector(5), "1": P.inRange(0, 1) },
    state: scorerState,
  }),
  entry({
    name: "new LearnedSegmenter",
    args: () => [{ ...SEGMENTER_CONFIG }],
    call: (_t, a) => new dc.LearnedSegmenter(a[0] as Any),
    poisons: segmenterPoisons,
  }),
  entry({
    name: "LearnedSegmenter.step",
    target: segmenter,
    args: () => [0.2, 0.1, { learn: true }],
    call: (t, a) => t.step(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": P.real(),
      "1": P.real(),
      "2": notOptions(),
      "2.learn": fc.oneof(bool(), fc.constant(null)),
    },
    state: segmenterState,
  }),
  entry({
    name: "LearnedSegmenter.decide",
    target: segmenter,
    args: () => [3, 0.2, 0.1, { train: true }],
    call: (t, a) => t.decide(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": intOutside(1, 2 ** 31),
      "1": P.real(),
      "2": P.real(),
      "3": notOptions(),
      "3.train": fc.oneof(bool(), fc.constant(null)),
    },
    state: segmenterState,
  }),
];

const SPAN_AND_EXPORT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "normalizeRow",
    names: ["normalizeRow", "probability row"],
    args: () => [[0.2, 0.8], "row"],
    call: (_t, a) => dc.normalizeRow(a[0] as Any, a[1] as Any),
    poisons: { "0": badRow(), "1": fc.constantFrom<unknown>(null, 3, {}, ["row"]) },
  }),
  entry({
    name: "probabilityDiagnostics",
    names: ["probabilityDiagnostics", "probability row", "probability diagnostics"],
    args: () => [[0.2, 0.8], [0.5, 0.5], 1],
    call: (_t, a) => dc.probabilityDiagnostics(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(badRow(), fc.constant([0.1, 0.2, 0.7])),
      "1": fc.oneof(badRow(), fc.constant([0.1, 0.2, 0.7])),
      "2": intOutside(1, 2 ** 31, "optional"),
    },
  }),
  entry({
    name: "selectSpans",
    names: ["selectSpans", "select spans"],
    args: () => [[0.1, 0.9, 0.8, 0.2, 0.7], 0.5, { minSpan: 1, maxGap: 1 }],
    call: (_t, a) => dc.selectSpans(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, "ab", 3, {}, [1, NaN], ["1"], [Infinity]),
      "1": P.real(),
      "2": notOptions(),
      "2.minSpan": intOutside(1, 2 ** 31, "nullish"),
      "2.maxGap": intOutside(0, 2 ** 31, "nullish"),
    },
  }),
  entry({
    name: "bridgeExport",
    names: ["bridgeExport", "bridge export"],
    args: () => [{
      vocab: 2,
      threshold: 0.5,
      base: [[0.9, 0.1], [0.5, 0.5]],
      proxy: [[0.8, 0.2], [0.1, 0.9]],
      targets: [0, 1],
    }],
    call: (_t, a) => dc.bridgeExport(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.vocab": P.count(),
      "0.threshold": P.real(),
      "0.base": badRows(),
      "0.base.1": badRow(),
      "0.proxy": badRows(),
      "0.proxy.0": badRow(),
      "0.targets": tokens(2),
    },
  }),
  entry({
    name: "teacherExport",
    names: ["teacherExport", "teacher export"],
    args: () => [{
      vocab: 2,
      teacher: [[0.9, 0.1], [0.5, 0.5]],
      student: [[0.8, 0.2], [0.1, 0.9]],
      targets: [0, 1],
    }],
    call: (_t, a) => dc.teacherExport(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.vocab": P.count(),
      "0.teacher": badRows(),
      "0.teacher.0": badRow(),
      "0.student": badRows(),
      "0.student.1": badRow(),
      "0.targets": tokens(2),
    },
  }),
];

/** A tiny next-token model over 3 symbols. */
const model = (v = 3) => ({
  vocabSize: v,
  predictProba: (ctx: readonly number[]) =>
    Array.from({ length: v }, (_, i) => 1 + ((i + ctx.length) % v)),
});
const badModel = () =>
  fc.constantFrom<unknown>(
    null,
    undefined,
    3,
    {},
    { vocabSize: 3 },
    { vocabSize: 0, predictProba: () => [] },
    { vocabSize: 1.5, predictProba: () => [1] },
    { vocabSize: 3, predictProba: () => [NaN, 1, 1] },
    { vocabSize: 3, predictProba: () => [1, -1, 1] },
    { vocabSize: 3, predictProba: () => [1, 1] },
    { vocabSize: 3, predictProba: () => null },
  );
const SEQS = () => [[0, 1], [1, 2, 0]];
const badSeqs = () => fc.constantFrom<unknown>(null, undefined, [], "x", 3, {}, [[0, 1], [1]]);
const EVALUATION_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "scoreNextStep",
    names: ["scoreNextStep", "score next steps"],
    args: () => [model(), [0, 1, 2]],
    call: (_t, a) => dc.scoreNextStep(a[0] as Any, a[1] as Any),
    poisons: { "0": badModel(), "1": fc.oneof(tokens(3), fc.constant([1])) },
  }),
  entry({
    name: "evaluateRollout",
    names: ["evaluateRollout", "evaluate a rollout"],
    args: () => [model(), { prompt: [0, 1], steps: 2, greedy: false, temperature: 0.7, seed: 1 }],
    call: (_t, a) => dc.evaluateRollout(a[0] as Any, a[1] as Any),
    poisons: {
      "0": badModel(),
      "1": P.notObject(),
      "1.prompt": tokens(3),
      "1.continuation": fc.constantFrom<unknown>(null, "x", [], [3], [0.5]),
      "1.steps": P.count(),
      "1.greedy": bool(),
      "1.temperature": positive(),
      "1.seed": fc.oneof(nn(P.integer()), fc.constantFrom(-1, 2 ** 33)),
    },
  }),
  entry({
    name: "evaluateDataset",
    names: ["evaluateDataset", "evaluate a dataset"],
    args: () => [model(), SEQS()],
    call: (_t, a) => dc.evaluateDataset(a[0] as Any, a[1] as Any),
    poisons: { "0": badModel(), "1": badSeqs(), "1.0": tokens(3) },
  }),
  entry({
    name: "evaluateTransferProbe",
    names: ["evaluateTransferProbe", "evaluate a transfer probe", "evaluate a dataset"],
    args: () => [model(), model(), SEQS()],
    call: (_t, a) => dc.evaluateTransferProbe(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": badModel(),
      "1": fc.oneof(badModel(), fc.constant(model(4))),
      "2": badSeqs(),
      "2.1": tokens(3),
    },
  }),
  entry({
    name: "evaluateRolloutCurve",
    names: ["evaluateRolloutCurve", "evaluate a rollout curve"],
    args: () => [model(), [0], [1, 2], {
      mode: "sampled",
      temperature: 0.8,
      seed: 2,
      checkpoints: [1, 2],
    }],
    call: (_t, a) => dc.evaluateRolloutCurve(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": badModel(),
      "1": tokens(3),
      "2": tokens(3),
      "3": notOptions(),
      "3.mode": nn(P.notOneOf(["teacher_forced", "sampled", "greedy"])),
      "3.temperature": positive(),
      "3.seed": fc.oneof(nn(P.integer()), fc.constantFrom(-1, 2 ** 33)),
      "3.checkpoints": fc.constantFrom<unknown>("x", 3, {}, [0], [3], [0.5], [NaN]),
    },
  }),
  entry({
    name: "shouldUpdateSlow",
    names: ["shouldUpdateSlow", "slow update"],
    args: () => [3, 2],
    call: (_t, a) => dc.shouldUpdateSlow(a[0] as Any, a[1] as Any),
    poisons: { "0": intOutside(0, 2 ** 52), "1": intOutside(1, 2 ** 31) },
  }),
  entry({
    name: "resolveCheckpoints",
    names: ["resolveCheckpoints", "resolve checkpoints"],
    args: () => [5, { stride: 2, explicit: [1], final: true }],
    call: (_t, a) => dc.resolveCheckpoints(a[0] as Any, a[1] as Any),
    poisons: {
      "0": intOutside(1, 2 ** 31),
      "1": notOptions(),
      "1.stride": intOutside(1, 2 ** 31, "optional"),
      "1.explicit": fc.constantFrom<unknown>("x", 3, {}, [0], [6], [0.5]),
      "1.final": bool(),
    },
  }),
];

// The smallest layer sizes whose seeded reservoirs have a nonzero spectral radius (seed 11).
const STACK_CONFIG = { sizes: [4, 8, 24], stride: 2, seed: 11, controllers: true, ridgeAlpha: 0.1 };
const stack = () => new dc.ControlledStack(structuredClone(STACK_CONFIG) as Any);
const fittedStack = () => {
  const s = stack();
  s.fit("abcabca");
  return s;
};
const stackState = (s: InstanceType<typeof dc.ControlledStack>) =>
  s.readout === null ? null : [s.readout.floor, s.readout.weights];
/** Malformed data: a string of 2+ bytes is valid data, so strings are "" and "a" only. */
const badBytes = () =>
  fc.oneof(
    tokens(256).filter((x) => typeof x !== "string"),
    fc.constantFrom<unknown>("", "a", [7]),
  );
const STACK_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new ControlledStack",
    args: () => [structuredClone(STACK_CONFIG)],
    call: (_t, a) => new dc.ControlledStack(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.sizes": fc.constantFrom<unknown>(null, "x", [4, 8], [4, 8, 0], [4, 8, 1000], [4, 8, 0.5]),
      "0.stride": P.count(),
      "0.seed": fc.oneof(P.integer(), fc.constantFrom(-1, 2 ** 31)),
      "0.controllers": fc.oneof(bool(), fc.constant(null)),
      "0.ridgeAlpha": fc.oneof(P.real(), fc.constantFrom(0, -1)),
    },
  }),
  entry({
    name: "ControlledStack.trace",
    target: stack,
    args: () => [[1, 2, 3]],
    call: (t, a) => t.trace(a[0] as Any),
    poisons: { "0": tokens(256) },
    state: stackState,
  }),
  entry({
    name: "ControlledStack.fit",
    target: stack,
    args: () => ["abcd"],
    call: (t, a) => t.fit(a[0] as Any),
    poisons: { "0": badBytes() },
    state: stackState,
  }),
  entry({
    name: "ControlledStack.score",
    target: fittedStack,
    stale: stack,
    args: () => ["abca"],
    call: (t, a) => t.score(a[0] as Any),
    poisons: { "this": P.disposed(), "0": badBytes() },
    state: stackState,
  }),
];

/**
 * A tiny hierarchical substrate [2, 2, 2] over 4 symbols, written out: the builder's sparse
 * reservoirs need a few dozen units before a draw has a nonzero spectral radius.
 */
const tinyLayer = (n: number, below: number | null, leak: number, stride: number) => ({
  n,
  leak,
  stride,
  w: Float64Array.from({ length: n * n }, (_, i) => (((i * 7) % 5) - 2) / 10),
  u: Float64Array.from({ length: n * 4 }, (_, i) => (((i * 3) % 7) - 3) / 10),
  up: below === null
    ? null
    : Float64Array.from({ length: n * below }, (_, i) => ((i % 3) - 1) / 10),
});
const hier = () => ({
  kind: "hierarchical" as const,
  vocab: 4,
  layers: [tinyLayer(2, null, 0.35, 1), tinyLayer(2, 2, 0.25, 1), tinyLayer(2, 2, 0.15, 2)],
});
const VIEW_STATE = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
const hview = () => new dc.HierarchicalFeatureView({ sizes: [2, 2, 2], leaks: [0.5, 0.3] });
const lview = () => new dc.LinearMemoryFeatureView({ banks: 2, dim: 2 });
const READOUT_OPTIONS = {
  stateDim: 6,
  seed: 1,
  bands: [
    { name: "a", start: 0, stop: 3, sampleCount: 2 },
    { name: "b", start: 3, stop: 6, sampleIndices: [0, 2], includeDrift: true },
  ],
};
const readout = () => new dc.SampledMultiscaleReadout(structuredClone(READOUT_OPTIONS));
/** A valid previous state, or nothing (null and undefined both mean "none"). */
const badPrev = (n: number) => nn(P.hostVector(n, true));
const viewMethod = (
  method: "pooled" | "predictive" | "encode",
  withPrev: boolean,
): FaultEntry<never> =>
  entry({
    name: `HierarchicalFeatureView.${method}`,
    target: hview,
    args: () =>
      withPrev ? [VIEW_STATE.slice(), VIEW_STATE.map((x) => x / 2)] : [VIEW_STATE.slice()],
    call: (t, a) => (t[method] as (...xs: unknown[]) => unknown).call(t, ...a),
    poisons: withPrev ? { "0": P.hostVector(6), "1": badPrev(6) } : { "0": P.hostVector(6) },
  });
const VIEW_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "checkStateVector",
    args: () => ["run checkStateVector", "v", [1, 2], 2],
    call: (_t, a) => dc.checkStateVector(a[0] as Any, a[1] as Any, a[2], a[3] as Any),
    poisons: {
      "0": P.notString(),
      "1": P.notString(),
      "2": P.hostVector(2),
      "3": intOutside(0, 2 ** 31),
    },
  }),
  entry({
    name: "new HierarchicalFeatureView",
    args: () => [{ sizes: [2, 2, 2], leaks: [0.5, 0.3] }],
    call: (_t, a) => new dc.HierarchicalFeatureView(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.sizes": fc.constantFrom<unknown>(null, "x", [2, 2], [2, 2, 0], [2, 2, 0.5], [2, 2, "2"]),
      "0.leaks": fc.constantFrom<unknown>(null, [0.5], [0.5, NaN], ["a", 1]),
    },
  }),
  entry({
    name: "HierarchicalFeatureView.of",
    args: () => [hier()],
    call: (_t, a) => dc.HierarchicalFeatureView.of(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.layers": fc.constantFrom<unknown>(null, [], "x", [1, 2, 3]),
      "0.layers.0": fc.constantFrom<unknown>(null, 3, {}),
      "0.layers.2.n": P.count(),
    },
  }),
  viewMethod("pooled", false),
  viewMethod("predictive", true),
  viewMethod("encode", true),
  entry({
    name: "new LinearMemoryFeatureView",
    args: () => [{ banks: 2, dim: 2 }],
    call: (_t, a) => new dc.LinearMemoryFeatureView(a[0] as Any),
    poisons: { "0": P.notObject(), "0.banks": P.count(), "0.dim": P.count() },
  }),
  entry({
    name: "LinearMemoryFeatureView.of",
    args: () => [dc.linearMemory({ decays: [0.5, 0.9], dim: 2, vocab: 4, seed: 1 })],
    call: (_t, a) => dc.LinearMemoryFeatureView.of(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.decays": fc.constantFrom<unknown>(null, undefined, "x", 3, []),
      "0.dim": P.count(),
    },
  }),
  entry({
    name: "LinearMemoryFeatureView.encode",
    target: lview,
    args: () => [[1, 2, 3, 4], [0, 0, 0, 0]],
    call: (t, a) => t.encode(a[0] as Any, a[1] as Any),
    poisons: { "0": P.hostVector(4), "1": badPrev(4) },
  }),
  entry({
    name: "new SampledMultiscaleReadout",
    args: () => [structuredClone(READOUT_OPTIONS)],
    call: (_t, a) => new dc.SampledMultiscaleReadout(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.stateDim": P.count(),
      "0.seed": intOutside(0, 2 ** 31, "optional"),
      "0.bands": fc.constantFrom<unknown>(null, undefined, [], "x"),
      "0.bands.0": fc.constantFrom<unknown>(null, 3, {}),
      "0.bands.0.name": fc.constantFrom<unknown>("", null, 3),
      "0.bands.0.start": fc.oneof(P.count({ zeroOk: true }), fc.constant(6)),
      "0.bands.0.stop": fc.oneof(P.count(), fc.constant(7)),
      "0.bands.0.sampleCount": fc.oneof(P.count({ optional: true }), fc.constant(4)),
      "0.bands.1.sampleIndices": fc.constantFrom<unknown>(null, [], [0, 0], [3], [0.5]),
      "0.bands.1.includeDrift": fc.oneof(bool(), fc.constant(null)),
    },
  }),
  entry({
    name: "SampledMultiscaleReadout.encode",
    target: readout,
    args: () => [VIEW_STATE.slice(), null],
    call: (t, a) => t.encode(a[0] as Any, a[1] as Any),
    poisons: { "0": P.hostVector(6), "1": badPrev(6) },
  }),
];

const host = () => dc.hostSubstrate(dc.echoState({ size: 3, vocab: 4, seed: 1, connectivity: 1 }));
const EXPERT_OPTIONS = () => ({
  substrate: host(),
  vocabSize: 4,
  alpha: 0.01,
  readout: "ridge",
  calibratedSteps: 2,
  calibratedLr: 0.1,
});
const expert = () => new dc.FrozenReadoutExpert(EXPERT_OPTIONS() as Any);
const fittedExpert = () => {
  const e = expert();
  e.fit([0, 1, 2, 3, 1, 2]);
  return e;
};
const expertState = (e: InstanceType<typeof dc.FrozenReadoutExpert>) => [e.stepCount, e.weights];
const adapter = () => new dc.CausalPredictiveAdapter({ vocabSize: 4, maxOrder: 2, ngram: true });
const fittedAdapter = () => adapter().fit([0, 1, 2, 3, 1, 2]);
const adapterState = (a: InstanceType<typeof dc.CausalPredictiveAdapter>) => {
  try {
    return a.sequenceProbabilities([0, 1, 2]);
  } catch {
    return null; // never fitted: stays so
  }
};
const EXPERT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "hostSubstrate",
    names: ["hostSubstrate", "host substrate"],
    args: () => [dc.echoState({ size: 3, vocab: 4, seed: 1, connectivity: 1 })],
    call: (_t, a) => dc.hostSubstrate(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.kind": fc.constantFrom<unknown>("oscillatory", "mixed", "x", null),
      "0.vocab": P.count(),
    },
  }),
  entry({
    name: "new FrozenReadoutExpert",
    args: () => [EXPERT_OPTIONS()],
    call: (_t, a) => new dc.FrozenReadoutExpert(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.substrate": fc.constantFrom<unknown>(null, 3, {}, { step: 3, initial: 4 }),
      "0.vocabSize": fc.oneof(P.count({ optional: true }), fc.constant(5)),
      "0.alpha": fc.oneof(P.real(true), fc.constant(-1)),
      "0.readout": def(P.notOneOf(["ridge", "calibrated"])),
      "0.calibratedSteps": P.count({ optional: true }),
      "0.calibratedLr": fc.oneof(P.real(true), fc.constantFrom(0, -1)),
      "0.features": fc.constantFrom<unknown>(null, 3, "f", () => [NaN], () => [], () => "x"),
    },
  }),
  entry({
    name: "FrozenReadoutExpert.fit",
    target: expert,
    args: () => [[0, 1, 2, 3, 1]],
    call: (t, a) => t.fit(a[0] as Any),
    poisons: { "0": fc.oneof(tokens(4), fc.constant([1])) },
    state: expertState,
  }),
  ...(["sequenceProbabilities", "predictProba", "score"] as const).map((m) =>
    entry({
      name: `FrozenReadoutExpert.${m}`,
      target: fittedExpert,
      stale: expert,
      args: () => [[0, 1, 2]],
      call: (t, a) => t[m](a[0] as Any),
      poisons: {
        "this": P.disposed(),
        "0": fc.oneof(tokens(4), fc.constant(m === "score" ? [1] : [4])),
      },
      state: expertState,
    })
  ),
  entry({
    name: "new CausalPredictiveAdapter",
    args: () => [{ vocabSize: 4, maxOrder: 2, alpha: 0.05, ngram: true, experts: [expert()] }],
    call: (_t, a) => new dc.CausalPredictiveAdapter(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.vocabSize": fc.oneof(P.count({ optional: true }), fc.constant(3)),
      "0.maxOrder": fc.oneof(P.count({ optional: true }), fc.constant(17)),
      "0.alpha": fc.oneof(P.real(true), fc.constant(-1)),
      "0.ngram": fc.oneof(bool(), fc.constant(null)),
      "0.experts": fc.constantFrom<unknown>("x", 3, {}, [null], [{}]),
    },
  }),
  entry({
    name: "CausalPredictiveAdapter.fit",
    target: adapter,
    args: () => [[0, 1, 2, 3, 1]],
    call: (t, a) => t.fit(a[0] as Any),
    poisons: { "0": fc.oneof(tokens(4), fc.constant([1])) },
    state: adapterState,
  }),
  entry({
    name: "CausalPredictiveAdapter.sequenceProbabilities",
    target: fittedAdapter,
    args: () => [[0, 1, 2], true],
    call: (t, a) => t.sequenceProbabilities(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(tokens(4), fc.constant([1])),
      "1": fc.oneof(bool(), fc.constant(null)),
    },
    state: adapterState,
  }),
  entry({
    name: "CausalPredictiveAdapter.score",
    target: fittedAdapter,
    args: () => [[0, 1, 2]],
    call: (t, a) => t.score(a[0] as Any),
    poisons: { "0": fc.oneof(tokens(4), fc.constant([1])) },
    state: adapterState,
  }),
];

const exactCache = () => new dc.ExactContextCache(exact());
const backoffCache = () => new dc.StatisticalBackoffCache(backoff());
const badMemory = () => fc.constantFrom<unknown>(null, undefined, 3, "m", {}, { experts: 1 });
const CACHE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new ExactContextCache",
    args: () => [exact()],
    call: (_t, a) => new dc.ExactContextCache(a[0] as Any),
    poisons: { "0": badMemory() },
  }),
  entry({
    name: "ExactContextCache.predictionSummary",
    target: exactCache,
    args: () => [[0, 1]],
    call: (t, a) => t.predictionSummary(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
  }),
  entry({
    name: "ExactContextCache.predict",
    target: exactCache,
    args: () => [[0, 1], "highest_order"],
    call: (t, a) => t.predict(a[0] as Any, a[1] as Any),
    poisons: {
      "0": tokens(4, { emptyOk: true }),
      "1": def(P.notOneOf(dc.EXACT_CACHE_MODES)),
    },
  }),
  entry({
    name: "new StatisticalBackoffCache",
    args: () => [backoff()],
    call: (_t, a) => new dc.StatisticalBackoffCache(a[0] as Any),
    poisons: { "0": badMemory() },
  }),
  entry({
    name: "StatisticalBackoffCache.predictionSummary",
    target: backoffCache,
    args: () => [[0, 1]],
    call: (t, a) => t.predictionSummary(a[0] as Any),
    poisons: { "0": tokens(4, { emptyOk: true }) },
  }),
  entry({
    name: "StatisticalBackoffCache.predict",
    target: backoffCache,
    args: () => [[0, 1], "mixed"],
    call: (t, a) => t.predict(a[0] as Any, a[1] as Any),
    poisons: {
      "0": tokens(4, { emptyOk: true }),
      "1": def(P.notOneOf(dc.BACKOFF_CACHE_MODES)),
    },
  }),
];

const oracle = () => new dc.OracleAnalysis(hier());
const ORACLE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "featureAlignment",
    args: () => [[1, 2, 3], [1, 0, 2]],
    call: (_t, a) => dc.featureAlignment(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, "x", 3, {}, [], [1, NaN, 2], ["1", 1, 1]),
      "1": P.hostVector(3),
    },
  }),
  entry({
    name: "new OracleAnalysis",
    args: () => [hier(), {
      readout: new dc.SampledMultiscaleReadout({
        stateDim: 6,
        bands: [{ name: "a", start: 0, stop: 6 }],
      }),
    }],
    call: (_t, a) => new dc.OracleAnalysis(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.kind": fc.constantFrom<unknown>("linear", null, 3),
      "0.layers": fc.constantFrom<unknown>(null, [], "x"),
      "1": notOptions(),
      "1.readout": fc.oneof(
        fc.constantFrom<unknown>(null, 3, {}),
        fc.constant(
          new Lazy(
            "a readout over 5 state values",
            () =>
              new dc.SampledMultiscaleReadout({
                stateDim: 5,
                bands: [{ name: "a", start: 0, stop: 5 }],
              }),
          ),
        ),
      ),
    },
  }),
  entry({
    name: "OracleAnalysis.analyse",
    target: oracle,
    args: () => [[0, 1, 2, 3, 1], [2, 5]],
    call: (t, a) => t.analyse(a[0] as Any, a[1] as Any),
    poisons: {
      "0": tokens(4),
      "1": fc.constantFrom<unknown>(null, "x", 3, {}, [0], [6], [0.5], [NaN]),
    },
  }),
];

const ENCODER_OPTIONS = {
  vocabSize: 4,
  embedDim: 2,
  hiddenDim: 3,
  outputDim: 2,
  recurrentScale: 0.5,
  inputScale: 1,
  spectralRadius: 0.9,
  seed: 1,
};
const encoder = () => new dc.LocalByteEncoder({ ...ENCODER_OPTIONS });
const encoderState = (e: InstanceType<typeof dc.LocalByteEncoder>) => [e.output, e.outputBias];
const ENC_TARGETS = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.2, -0.1];
const bridge = () => new dc.GlobalLocalBridge({ globalDim: 2, latentDim: 1, localDim: 2 });
const BRIDGE_INPUTS = [1, 0, 0.5, 0, 1, -0.5, 1, 1, 0, -1, 0.5, 1];
const BRIDGE_TARGETS = [1, 0, 0, 1, 1, 1, -1, 0.5];
const fittedBridge = () => bridge().fit(BRIDGE_INPUTS, BRIDGE_TARGETS, 0.01);
const bridgeState = (b: InstanceType<typeof dc.GlobalLocalBridge>) => b.predict([1, 0], [1]);
const PATCH_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new LocalByteEncoder",
    args: () => [{ ...ENCODER_OPTIONS }],
    call: (_t, a) => new dc.LocalByteEncoder(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.vocabSize": P.count({ optional: true }),
      "0.embedDim": P.count({ optional: true }),
      "0.hiddenDim": P.count({ optional: true }),
      "0.outputDim": P.count({ optional: true }),
      "0.recurrentScale": P.real(true),
      "0.inputScale": P.real(true),
      "0.spectralRadius": fc.oneof(P.real(true), fc.constantFrom(0, -1)),
      "0.seed": intOutside(0, 2 ** 31, "optional"),
    },
  }),
  ...(["hidden", "encode"] as const).map((m) =>
    entry({
      name: `LocalByteEncoder.${m}`,
      names: ["LocalByteEncoder"],
      target: encoder,
      args: () => [[0, 1, 2]],
      call: (t, a) => t[m](a[0] as Any),
      poisons: { "0": tokens(4, { emptyOk: true }) },
      state: encoderState,
    })
  ),
  entry({
    name: "LocalByteEncoder.fitOutput",
    target: encoder,
    args: () => [[0, 1, 2, 3], ENC_TARGETS.slice(), 0.01],
    call: (t, a) => t.fitOutput(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": tokens(4),
      "1": P.hostVector(8),
      "2": fc.oneof(P.real(true), fc.constant(-1)),
    },
    state: encoderState,
  }),
  entry({
    name: "new PatchPooler",
    args: () => [{ mode: "mix", mix: 0.3 }],
    call: (_t, a) => new dc.PatchPooler(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.mode": def(P.notOneOf(dc.POOL_MODES)),
      "0.mix": P.inRange(0, 1, true),
    },
  }),
  entry({
    name: "PatchPooler.pool",
    target: () => new dc.PatchPooler({ mode: "mix", mix: 0.3 }),
    args: () => [[[1, 2], [3, 4]]],
    call: (t, a) => t.pool(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, "x", 3, [], {}),
      "0.0": fc.constantFrom<unknown>(null, "ab", 3, [1, NaN]),
      "0.1": fc.constantFrom<unknown>(null, [1], [1, NaN], "ab", [1, 2, 3]),
    },
  }),
  entry({
    name: "new GlobalLocalBridge",
    args: () => [{ globalDim: 2, latentDim: 1, localDim: 2 }],
    call: (_t, a) => new dc.GlobalLocalBridge(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.globalDim": P.count(),
      "0.latentDim": P.count(),
      "0.localDim": P.count(),
    },
  }),
  entry({
    name: "GlobalLocalBridge.fit",
    target: fittedBridge,
    args: () => [BRIDGE_INPUTS.slice(), BRIDGE_TARGETS.slice(), 0.01],
    call: (t, a) => t.fit(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": P.hostVector(12),
      "1": P.hostVector(8),
      "2": fc.oneof(P.real(true), fc.constant(-1)),
    },
    state: bridgeState,
  }),
  entry({
    name: "GlobalLocalBridge.predict",
    target: fittedBridge,
    stale: bridge,
    args: () => [[1, 0], [1]],
    call: (t, a) => t.predict(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), "0": P.hostVector(2), "1": P.hostVector(1) },
    state: bridgeState,
  }),
];

/** The host-side mechanisms' entries (no GPU work), whose valid arguments are checked below. */
const HOST_ENTRIES: readonly FaultEntry<never>[] = [
  ...VIEW_ENTRIES,
  ...EXPERT_ENTRIES,
  ...CACHE_ENTRIES,
  ...ORACLE_ENTRIES,
  ...PATCH_ENTRIES,
  ...CONTROL_ENTRIES,
  ...SPAN_AND_EXPORT_ENTRIES,
  ...EVALUATION_ENTRIES,
  ...STACK_ENTRIES,
];

/** Every entry point of the family, in mod.ts order. */
export const DC_ENTRIES: readonly FaultEntry<never>[] = [
  ...CODEC_ENTRIES,
  ...MEMORY_ENTRIES,
  ...SUBSTRATE_ENTRIES,
  ...CODER_ENTRIES,
  ...SCAN_ENTRIES,
  ...LM_ENTRIES,
  ...CONFIG_FAULT_ENTRIES,
  ...PATCH_FAULT_ENTRIES,
  ...XFORM_FAULT_ENTRIES,
  ...READOUTS_FAULT_ENTRIES,
  ...KNOBS_FAULT_ENTRIES,
  ...MEMORY_LM_FAULT_ENTRIES,
  ...TRANSFORMS_LM_FAULT_ENTRIES,
  ...HOST_ENTRIES,
];

registerFaultFuzz(
  DC_PUBLIC_FAULTS,
  dc as unknown as Record<string, unknown>,
  DC_ENTRIES,
  EXCLUDED,
  async () => {
    await initGpu();
    fittedCoder ??= coder();
    if (fittedCoder.weights === null) await fittedCoder.fit("abcabcab");
  },
);

Deno.test("decepticons.public_api: ByteCodec holds the fuzzed codec functions themselves", () => {
  const same = ByteCodec.encodeText === encodeText && ByteCodec.decodeText === decodeText &&
    ByteCodec.ensureByteTokens === ensureByteTokens;
  if (!same) {
    throw new Error(
      "Cannot exclude ByteCodec from the fault fuzz: expected its functions to be the fuzzed " +
        "exports encodeText, decodeText and ensureByteTokens",
    );
  }
});

// The host-side entries' valid arguments must be accepted, so that each poisoned call is refused
// for its poison (cheap: no GPU work; the GPU entries' valid calls are covered by their own tests).
registerValidArgumentsAccepted(DC_PUBLIC_FAULTS, HOST_ENTRIES, () => initGpu());

registerDisposeTwice(
  "decepticons",
  { CausalBankLM: lm, ...PATCH_DISPOSE_MAKERS, ...XFORM_DISPOSE_MAKERS, ...READOUTS_DISPOSABLES },
  () => initGpu(),
);
