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
} from "../../_harness/fault_fuzz.ts";
import { DC_PUBLIC_FAULTS } from "./claims.ts";

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

/** Constants and members with no malformed call. */
const EXCLUDED: Record<string, string> = {
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

/** Every entry point of the family, in mod.ts order. */
export const DC_ENTRIES: readonly FaultEntry<never>[] = [
  ...CODEC_ENTRIES,
  ...MEMORY_ENTRIES,
  ...SUBSTRATE_ENTRIES,
  ...CODER_ENTRIES,
  ...SCAN_ENTRIES,
  ...LM_ENTRIES,
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

registerDisposeTwice("decepticons", { CausalBankLM: lm }, () => initGpu());
