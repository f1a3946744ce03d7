/**
 * The ams family's public surface under the fault fuzzer (spec/_harness/fault_fuzz.ts): one
 * entry per exported function, constructor and method of impl/ams/mod.ts, each built from tiny
 * valid arguments (geometry at d = 4 and d_F = 4, the encoders and the cross-bundle attention at
 * d_LLM = 8 with 4-wide bundles, Kakeya sets over 6 × 4 corpora, trees and stores of 4-wide
 * dirns holding a handful of ids, a 16-bucket lexical backbone, MemLLM4 at d_LLM = 8 on an
 * 8-bucket lexical backbone or the stub causal LM with two writes, the training losses on 3 × 4
 * tensors, a Trainer4 of batch 2 and one step) with its argument paths poisoned; an argument
 * that must be the entry's own target (a model, a cross-attention) is the marker `SELF` in the
 * valid arguments, so that its path can be poisoned too; constants and the members with
 * no malformed call are listed as excluded with their reason, so that a new export or method
 * without an entry fails the coverage test. The encoders' inherited `setWeights` (a member of
 * their common base class, which the coverage test does not list) is fuzzed by a test of its
 * own with the same harness.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, readTensors, type Tensor, tensor } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { matrix } from "../../../impl/linalg/mod.ts";
import * as ams from "../../../impl/ams/mod.ts";
import {
  type FaultEntry,
  formatFailures,
  fuzzFaults,
  Lazy,
  poisons as P,
  registerDisposeTwice,
  registerFaultFuzz,
  registerValidArgumentsAccepted,
} from "../../_harness/fault_fuzz.ts";
import { StubCausalLM } from "../mem_llm/_stub_lm.ts";
import { AMS_PUBLIC_FAULTS } from "./claims.ts";

const {
  alignmentError,
  applyStopRule,
  bruteForceCosine,
  cfg4,
  cfg4Violations,
  checkConnection,
  checkedUnitDirn,
  checkMetric,
  connectionGpu,
  contextAttnDim,
  ContextEncoder,
  CrossBundleAttention,
  crossBundleParameterShapes,
  fiberDim,
  headsOf,
  slotsOf,
  contextParameterShapes,
  cosine,
  cosineScanGpu,
  decodeBackboneText,
  DirectionTreeV4,
  drawBaseToFieldMap,
  FactStore,
  farthestFirstKmeans,
  firstInvalidUtf8,
  fourierPerScalar,
  geodesicGpu,
  hashStem,
  canonicalAxis,
  idfCentroid,
  initAxisRaw,
  initConnection,
  initMetric,
  kakeyaByteAccount,
  kakeyaPca,
  kakeyaRebuildDecision,
  KakeyaRegistry,
  kakeyaRelativeError,
  KakeyaSet,
  LexicalBackbone,
  linearPathF32,
  MemStore,
  metricGpu,
  normalizeRows,
  packMlp,
  projectIntoPca,
  pushforward,
  sessionTier0,
  slerpGpu,
  solveAlignedTDir,
  sphericalKMeans,
  stem,
  substringHit,
  TimeEncoder,
  timeFourierFeatures,
  timeFrequencies,
  timeParameterShapes,
  TopicEncoder,
  topicParameterShapes,
  topicTransportGpu,
  transportGpu,
  varianceRatioRank,
  wordHit,
  words,
  MemLLM4,
  memLLM4ParameterShapes,
  slotWeightedMass,
  sessionTier1,
  promptA,
  normalizeLastAxis,
  pearson,
  axisOf,
  tripletPairs,
  bundleAxisAlignmentLoss,
  crossBundleIndependenceLoss,
  writePolicyLoss,
  prefixSemanticAnchorLoss,
  stubLinearLm,
  reconLoss,
  Trainer4,
  trainer4,
  amsTrainingCorpus,
  contentWords,
  corpusIdf,
  entityMask,
} = ams;

const CONSTANT = "a constant (frozen data, not callable)";
const NO_ARGS = "takes no arguments and its class has no dispose(), so no call to it is malformed";
const ACCESSOR = "takes no arguments and does no GPU work: it lists the module's parameter " +
  "tensors (after dispose() the disposed tensors themselves, each refusing any use with a " +
  "DisposedTensorError, as impl/nn's modules do), so no call to it is malformed";
const DISPOSE = "a second dispose() is documented harmless, so it has no malformed call; the " +
  "dispose-twice test checks it and that every buffer is released";
const QUERY = "a membership query (as Map.has / Map.get): any value is a valid question, " +
  "answered false or undefined for what is not stored, so no argument is malformed";

/** Constants and members with no malformed call. */
const EXCLUDED: Record<string, string> = {
  CFG4_DEFAULTS: CONSTANT,
  CFG4_INT_FIELDS: CONSTANT,
  CFG4_LOSS_WEIGHT_NAMES: CONSTANT,
  CFG4_REAL_FIELDS: CONSTANT,
  CFG4_RULES: CONSTANT,
  AXIS_NORM_FLOOR: CONSTANT,
  AXIS_RAW_STD: CONSTANT,
  GEOMETRY_MAX_D: CONSTANT,
  GEOMETRY_MAX_DF: CONSTANT,
  SLERP_PERP_MIN: CONSTANT,
  SLERP_UNIT_TOL: CONSTANT,
  FOURIER_MAX_PERIOD: CONSTANT,
  IDF_FLOOR: CONSTANT,
  LAYER_NORM_EPS: CONSTANT,
  NORMALIZE_EPS: CONSTANT,
  KAKEYA_DEFAULT_ROUTING: CONSTANT,
  KAKEYA_DEFAULT_SEED: CONSTANT,
  KAKEYA_MAP_SEED_OFFSET: CONSTANT,
  KAKEYA_REBUILD_POLICY: CONSTANT,
  KMEANS_MAX_ITERATIONS: CONSTANT,
  DIRN_UNIT_TOL: CONSTANT,
  RETRIEVAL_BEAM_DEFAULT: CONSTANT,
  SPLIT_KMEANS_MAX_ITER: CONSTANT,
  TREE_K_DEFAULT: CONSTANT,
  TREE_MAX_LEAF_DEFAULT: CONSTANT,
  BUNDLES: CONSTANT,
  CROSS_BUNDLES: CONSTANT,
  CROSS_BUNDLE_LN_EPS: CONSTANT,
  "CrossBundleAttention.namedParameters": ACCESSOR,
  "CrossBundleAttention.parameters": ACCESSOR,
  "CrossBundleAttention.dispose": DISPOSE,
  STORE_CONFIG_DEFAULTS: CONSTANT,
  LEXICAL_DEFAULT_D: CONSTANT,
  STOP_WORDS: CONSTANT,
  SESSION_DATA_SOURCE: CONSTANT,
  SESSION_FACTS: CONSTANT,
  SESSION_N_FACTS: CONSTANT,
  SESSION_QUERIES: CONSTANT,
  SESSION_RECORDED_RESULTS: CONSTANT,
  SESSION_TRAINING_CORPUS: CONSTANT,
  "KakeyaSet.constructor": "private (TypeScript): sets are made only by the static build and " +
    "fromParts, both fuzzed, which check every part before calling it",
  "DirectionTreeV4.has": QUERY,
  "DirectionTreeV4.dirn": QUERY,
  "DirectionTreeV4.ids": NO_ARGS,
  "DirectionTreeV4.structure": NO_ARGS,
  "MemStore.has": QUERY,
  "MemStore.get": QUERY,
  "MemStore.mids": NO_ARGS,
  "MemStore.entries": NO_ARGS,
  "MemStore.pendingLargeFields": NO_ARGS,
  "MemStore.verifyConsistency": NO_ARGS,
  "LexicalBackbone.idf": NO_ARGS,
  "LexicalBackbone.tokenEmbeddings": NO_ARGS,
  "FactStore.texts": NO_ARGS,
  SESSION_EMA_DECAY: CONSTANT,
  "MemLLM4.dispose": DISPOSE,
  "MemLLM4.namedParameters": ACCESSOR,
  "MemLLM4.trainableParameters": ACCESSOR,
  "MemLLM4.wteNormed": "takes no arguments and does no GPU work: it returns the backbone's " +
    "host token-embedding table (read once), which a disposed model still holds, so no call to " +
    "it is malformed",
  "MemLLM4.reset": "takes no arguments and does no GPU work: it replaces the host-side store, " +
    "registry and session summary (the parameters are kept), so no call to it is malformed",
  PEARSON_EPS: CONSTANT,
  LOSS_NORMALIZE_EPS: CONSTANT,
  TRIPLET_MARGIN: CONSTANT,
  DIVERSITY_CEILING: CONSTANT,
  CTX_AXIS_TARGET: CONSTANT,
  CBI_TARGET: CONSTANT,
  WP_SHORT_WEIGHT: CONSTANT,
  WP_SHORT_TOKENS: CONSTANT,
  ORIGINAL_JACCARD_MIN_ID: CONSTANT,
  RECON_MAX_MEMORIES: CONSTANT,
  TRAINER4_DEFAULTS: CONSTANT,
  TRAINER4_LOSSES: CONSTANT,
  TRAINER4_PROVENANCE: CONSTANT,
  TRAINER4_V47_STEPS: CONSTANT,
  "Trainer4.dispose": DISPOSE,
  AMS_CORPUS_DEFAULT_SEED: CONSTANT,
  AMS_CORPUS_DEFAULT_SIZE: CONSTANT,
  SESSION_GOLD_KEYWORDS: CONSTANT,
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const notList = () => fc.constantFrom<unknown>(null, undefined, "abc", 7, {});
/** Options objects: not an object (undefined is the default, so it is not a poison). */
const notOptions = () => fc.constantFrom<unknown>(null, "opts", 4, true, []);
const notFunction = () => fc.constantFrom<unknown>(null, 3, "f", {});
const nonInteger = () =>
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x));
/** A size that is not allocated (a width of a formula): not an integer >= min. */
const dim = (min = 1, optional = false) =>
  fc.oneof(
    P.notNumber(optional),
    P.nonFinite(),
    nonInteger(),
    fc.integer({ min: -1e6, max: min - 1 }),
  );
/** A count where any integer >= 0 is valid (a step, an id): not an integer >= 0. */
const index = () => dim(0);
/** Seeds of memspec's Rng: not an integer, negative, or past 2^32 − 1. */
const seed = (optional = true) => fc.oneof(P.integer(optional), fc.constantFrom(-1, 2 ** 40));
const badVector = P.hostVector;
const unit4 = (k = 0) => [0, 1, 2, 3].map((i) => (i === k % 4 ? 1 : 0));
/** A unit dirn of 4 where unit ones are required: bad vectors, a non-unit and a zero vector. */
const badUnit = (n = 4) =>
  fc.oneof(badVector(n), fc.constantFrom<unknown>([2, 0, 0, 0].slice(0, n), new Array(n).fill(0)));
const f32 = (n: number, x = 0.25) => new Float32Array(n).fill(x);
const withAt = (n: number, at: number, x: number, fill = 0.1) => {
  const a = new Float64Array(n).fill(fill);
  a[at] = x;
  return a;
};
/** Values of an uploaded f32 array of `n`: wrong type or length, NaN, ±Infinity, past f32. */
const badValues = (n: number) =>
  fc.constantFrom<unknown>(
    null,
    "w",
    new Float64Array(n - 1),
    withAt(n, 0, NaN),
    withAt(n, n - 1, Infinity),
    withAt(n, 1, 1e39),
  );
/** A Matrix argument: not a matrix, the wrong data length or type, a non-integer size, a NaN. */
const badMatrix = (rows: number, cols: number) =>
  fc.constantFrom<unknown>(
    null,
    3,
    {},
    { rows, cols, data: new Float64Array(rows * cols - 1) },
    { rows, cols, data: Array.from({ length: rows * cols }, () => 0.5) },
    { rows: rows + 0.5, cols, data: new Float64Array(rows * cols) },
    { rows, cols, data: withAt(rows * cols, 1, NaN) },
    { rows, cols, data: withAt(rows * cols, 0, Infinity) },
  );
const notRng = () => fc.constantFrom<unknown>(null, undefined, 3, {}, { normal: 3 });

// --- config ---

const CONFIG_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "cfg4",
    names: ["Cfg4"],
    args: () => [{ d_LLM: 16, tau: 0.1, loss_weights: { recon: 1 } }],
    call: (_t, a) => cfg4(a[0] as Any),
    poisons: {
      "0": fc.oneof(notOptions(), fc.constant<unknown>({ nope: 1 })),
      "0.d_LLM": dim(),
      "0.tau": fc.oneof(P.real(), fc.constantFrom(0, 1, -0.5)),
      "0.n_kakeya_sets": fc.oneof(dim(), fc.constant(1)),
      "0.llm_name": fc.constantFrom<unknown>(null, 3, {}, []),
      "0.loss_weights": notOptions(),
      "0.loss_weights.recon": fc.oneof(P.real(), fc.constant(-1)),
    },
  }),
  entry({
    name: "cfg4Violations",
    names: ["Cfg4"],
    args: () => [cfg4()],
    call: (_t, a) => cfg4Violations(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.d_LLM": P.notNumber(),
      "0.tau": fc.constantFrom<unknown>("0.1", null, {}),
    },
  }),
];

// --- geometry ---

const metricW = () => initMetric(4, new Rng(1));
const connW = () => initConnection(metricW(), 4, new Rng(2));
/** Poisons of metric weights at `i` (d = 4: layers 4 → 16 → 16 → 10). */
const metricPoisons = (i: string) => ({
  [i]: P.notObject(),
  [`${i}.d`]: fc.oneof(dim(), fc.constantFrom(3, 17)),
  [`${i}.net`]: fc.constantFrom<unknown>(null, 3, [], "net"),
  [`${i}.net.0`]: fc.constantFrom<unknown>(null, 3, "layer", {}),
  [`${i}.net.0.inF`]: fc.constantFrom<unknown>(3, "4", null),
  [`${i}.net.1.weight`]: badValues(256),
  [`${i}.net.2.bias`]: badValues(10),
});
/** Poisons of connection weights at `i` (d = 4, d_F = 4: layers 18 → 16 → 16 → 16). */
const connPoisons = (i: string) => ({
  [i]: P.notObject(),
  [`${i}.dBase`]: fc.constantFrom<unknown>(3, NaN, "4"),
  [`${i}.dF`]: fc.oneof(dim(), fc.constant(65)),
  [`${i}.metric`]: P.notObject(),
  [`${i}.metric.net.0.weight`]: badValues(64),
  [`${i}.net`]: fc.constantFrom<unknown>(null, 3, []),
  [`${i}.net.1`]: fc.constantFrom<unknown>(null, "layer"),
  [`${i}.net.0.weight`]: badValues(288),
  [`${i}.net.2.bias`]: badValues(16),
});
const unitPair = () => [unit4(0), [0, 0.6, 0.8, 0]];

const GEOMETRY_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "initAxisRaw",
    names: ["canonical axis"],
    args: () => [4, new Rng(3)],
    call: (_t, a) => initAxisRaw(a[0] as Any, a[1] as Any),
    poisons: { "0": fc.oneof(P.count(), fc.constant(17)), "1": notRng() },
  }),
  entry({
    name: "canonicalAxis",
    names: ["canonical axis"],
    args: () => [[0.3, -0.1, 0.2, 0.05]],
    call: (_t, a) => canonicalAxis(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, "axis", [], new Array(17).fill(0.1)),
      "0.1": fc.constantFrom<unknown>(NaN, Infinity, "x", null),
    },
  }),
  entry({
    name: "initMetric",
    names: ["RiemannianMetric"],
    args: () => [4, new Rng(1)],
    call: (_t, a) => initMetric(a[0] as Any, a[1] as Any),
    poisons: { "0": fc.oneof(P.count(), fc.constant(17)), "1": notRng() },
  }),
  entry({
    name: "initConnection",
    names: ["FiberConnection"],
    args: () => [metricW(), 4, new Rng(2)],
    call: (_t, a) => initConnection(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...metricPoisons("0"),
      "1": fc.oneof(P.count(), fc.constant(65)),
      "2": notRng(),
    },
  }),
  entry({
    name: "checkMetric",
    names: ["check a metric"],
    args: () => ["check a metric", metricW()],
    call: (_t, a) => checkMetric(a[0] as Any, a[1] as Any),
    poisons: metricPoisons("1"),
  }),
  entry({
    name: "checkConnection",
    names: ["check a connection"],
    args: () => ["check a connection", connW()],
    call: (_t, a) => checkConnection(a[0] as Any, a[1] as Any),
    poisons: connPoisons("1"),
  }),
  entry({
    name: "packMlp",
    names: ["pack an MLP"],
    args: () => [metricW().net],
    call: (_t, a) => packMlp(a[0] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constant<unknown>([])),
      "0.0": fc.constantFrom<unknown>(null, 3, "layer", {}),
      "0.0.outF": fc.constantFrom<unknown>(15, "16", null, NaN),
      "0.1.weight": badValues(256),
      "0.2.bias": badValues(10),
    },
  }),
  entry({
    name: "metricGpu",
    names: ["RiemannianMetric"],
    args: () => [metricW(), f32(8, 0.1), 2],
    call: (_t, a) => metricGpu(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...metricPoisons("0"),
      "1": P.finiteArray(8),
      "2": fc.oneof(P.count(), fc.constant(3)),
    },
  }),
  entry({
    name: "connectionGpu",
    names: ["FiberConnection"],
    args: () => [connW(), f32(8, 0.1), f32(8, -0.2), 2],
    call: (_t, a) => connectionGpu(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      ...connPoisons("0"),
      "1": P.finiteArray(8),
      "2": P.finiteArray(8),
      "3": fc.oneof(P.count(), fc.constant(3)),
    },
  }),
  entry({
    name: "transportGpu",
    names: ["transport a fibre"],
    args: () => [connW(), [1, 0, 0, 0], f32(12, 0.1), 1, 3, 4],
    call: (_t, a) =>
      transportGpu(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any, a[5] as Any),
    poisons: {
      ...connPoisons("0"),
      "1": P.finiteArray(4),
      "2": P.finiteArray(12),
      "3": fc.oneof(P.count(), fc.constant(2)),
      "4": fc.oneof(P.count(), fc.constantFrom(1, 4)),
      "5": P.count({ optional: true }),
    },
  }),
  entry({
    name: "applyStopRule",
    names: ["stop rule"],
    args: () => [[3, 2, 1.9999], 1e-3],
    call: (_t, a) => applyStopRule(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, 3, "abc", {}, [1, "2"], [null]),
      "1": fc.oneof(P.real(), fc.constantFrom(0, -1)),
    },
  }),
  entry({
    name: "linearPathF32",
    names: ["straight path"],
    args: () => [[0, 0, 0, 0], [1, 1, 1, 1], 1, 4, 2],
    call: (_t, a) => linearPathF32(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": P.finiteArray(4),
      "1": P.finiteArray(4),
      "2": fc.oneof(P.count(), fc.constant(2)),
      "3": fc.oneof(P.count(), fc.constant(3)),
      "4": P.count({ zeroOk: true }),
    },
  }),
  entry({
    name: "geodesicGpu",
    names: ["solve a geodesic"],
    args: () => [metricW(), [0, 0, 0, 0], [0.5, 0.5, 0, 0], 1, {
      nGeoPts: 2,
      maxSteps: 2,
      tol: 1e-4,
      lr: 0.01,
    }],
    call: (_t, a) => geodesicGpu(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      ...metricPoisons("0"),
      "1": P.finiteArray(4),
      "2": P.finiteArray(4),
      "3": fc.oneof(P.count(), fc.constant(2)),
      "4": P.notObject(),
      "4.nGeoPts": fc.oneof(P.count(), fc.constant(1)),
      "4.maxSteps": fc.oneof(
        P.notNumber(),
        P.nonFinite(),
        nonInteger(),
        fc.constantFrom(-1, 2 ** 31),
      ),
      "4.tol": fc.oneof(P.real(), fc.constantFrom(0, -1)),
      "4.lr": fc.oneof(P.real(), fc.constantFrom(0, -1)),
    },
  }),
  entry({
    name: "slerpGpu",
    names: ["slerp path"],
    args: () => [...unitPair(), 1, 4, 3],
    call: (_t, a) => slerpGpu(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": badUnit(),
      "1": badUnit(),
      "2": fc.oneof(P.count(), fc.constant(2)),
      "3": fc.oneof(P.count(), fc.constantFrom(3, 65)),
      "4": fc.oneof(P.count(), fc.constant(1)),
    },
  }),
  entry({
    name: "topicTransportGpu",
    names: ["slerp path (TopicBundle"],
    args: () => [connW(), [1, 0, 0, 0], ...unitPair(), 1, 2, 4],
    call: (_t, a) =>
      topicTransportGpu(
        a[0] as Any,
        a[1] as Any,
        a[2] as Any,
        a[3] as Any,
        a[4] as Any,
        a[5] as Any,
        a[6] as Any,
      ),
    poisons: {
      ...connPoisons("0"),
      "1": P.finiteArray(4),
      "2": badUnit(),
      "3": badUnit(),
      "4": fc.oneof(P.count(), fc.constant(2)),
      "5": P.count({ zeroOk: true }),
      "6": P.count({ optional: true }),
    },
  }),
];

// --- encoders ---

const ENC_CFG = {
  d_LLM: 8,
  d_time: 4,
  d_F_time: 4,
  d_topic: 4,
  d_F_topic: 4,
  d_ctx: 4,
  d_F_ctx: 4,
  n_heads_time: 1,
  n_heads_topic: 1,
  n_heads_ctx: 1,
};
const encCfg = () => cfg4(ENC_CFG);
/** A config whose `fields` (read by the callee) are made wrong one at a time. */
const cfgPoison = (fields: readonly string[]) =>
  fc.oneof(
    P.notObject(),
    fc.constantFrom(
      ...fields.flatMap((f) => [
        new Lazy(`a config with ${f} NaN`, () => ({ ...encCfg(), [f]: NaN })),
        new Lazy(`a config with ${f} 0`, () => ({ ...encCfg(), [f]: 0 })),
        new Lazy(`a config with ${f} "4"`, () => ({ ...encCfg(), [f]: "4" })),
        new Lazy(`a config with ${f} 2.5`, () => ({ ...encCfg(), [f]: 2.5 })),
      ]),
    ),
  );
/** A record of host arrays: one made wrong (a NaN, past f32, the wrong length, missing, unknown). */
const badWeights = (good: () => Record<string, Float32Array>) => {
  const names = Object.keys(good());
  const first = names[0]!;
  const last = names[names.length - 1]!;
  const edit = (label: string, f: (w: Record<string, unknown>) => void) =>
    new Lazy(label, () => {
      const w: Record<string, unknown> = good();
      f(w);
      return w;
    });
  return fc.oneof(
    fc.constantFrom<unknown>(null, 3, "w"),
    fc.constantFrom(
      edit(`weights with ${first} NaN`, (w) => ((w[first] as Float32Array)[0] = NaN)),
      edit(`weights with ${last} past f32`, (w) => (w[last] = withAt(
        (w[last] as Float32Array).length,
        0,
        1e39,
      ))),
      edit(
        `weights with ${last} too short`,
        (w) => (w[last] = (w[last] as Float32Array).subarray(1)),
      ),
      edit(`weights without ${first}`, (w) => delete w[first]),
      edit(`weights with ${last} null`, (w) => (w[last] = null)),
      edit("weights with an unknown name", (w) => (w["nope.weight"] = new Float32Array(1))),
    ),
  );
};
const weightsOf = (shapes: readonly (readonly [string, readonly number[]])[]) => () =>
  Object.fromEntries(shapes.map(([n, s]) => [n, f32(s.reduce((a, b) => a * b, 1), 0.01)]));
const timeWeights = () => weightsOf(timeParameterShapes(encCfg()))();
const topicWeights = () => weightsOf(topicParameterShapes(encCfg()))();
const ctxWeights = () => weightsOf(contextParameterShapes(encCfg()))();
const paramState = async (m: { parameters(): Tensor[] }) => await readTensors(m.parameters());
const hPoison = () =>
  fc.oneof(
    P.tensor([2, 8]),
    fc.constantFrom<unknown>(new Float32Array(15), [], withAt(16, 3, NaN), withAt(16, 0, 1e39)),
  );
const ctorPoisons = (weights: () => Record<string, Float32Array>) => ({
  "0": notOptions(),
  "0.cfg": fc.oneof(
    fc.constantFrom<unknown>("cfg", 3, []),
    cfgPoison(["d_LLM"]).filter((x) => x !== null),
  ),
  "0.cfg.d_LLM": dim(),
  "0.seed": seed(),
  "0.weights": badWeights(weights),
});
const timeInputs = () => [f32(16, 0.1), { timeScalars: [1, 2, 3, 4, 5, 6], surprise: [0.5, 1] }];
const timeInputPoisons = {
  "0": hPoison(),
  "1": P.notObject(),
  "1.timeScalars": badVector(6),
  "1.surprise": P.finiteArray(2),
};
const wte = () => ams.normalizeRows(Float32Array.from({ length: 24 }, (_, i) => (i % 5) - 2), 3, 8);
const topicInputs = () => [f32(16, 0.1), {
  tokenIds: [[0, 1], [2]],
  wteNormed: wte(),
  idf: [1, 2, 1],
}];
const topicInputPoisons = {
  "0": hPoison(),
  "1": P.notObject(),
  "1.tokenIds": fc.constantFrom<unknown>(
    null,
    3,
    "ab",
    [[0], [1], [2]],
    [[0], 3],
    [[0.5], [1]],
    [[NaN], [1]],
    [0, 1],
  ),
  "1.wteNormed": fc.constantFrom<unknown>(
    null,
    3,
    new Float32Array(7),
    [],
    withAt(24, 1, NaN),
    withAt(24, 2, 1e39),
  ),
  "1.idf": fc.constantFrom<unknown>(3, "x", [1, 2], [NaN, 1, 1], [1, Infinity, 1], ["1", 1, 1]),
};
const ctxInputs = () => [f32(16, 0.1), {
  sessionSummary: f32(16, -0.1),
  prevTurns: f32(48, 0.2),
  turns: 3,
}];
const ctxInputPoisons = {
  "0": hPoison(),
  "1": P.notObject(),
  "1.sessionSummary": fc.oneof(P.finiteArray(16), P.tensor([2, 8])),
  "1.prevTurns": fc.oneof(
    fc.constantFrom<unknown>(3, "t", {}, new Float32Array(47), withAt(48, 5, NaN)),
    P.tensor([2, 3, 8], "f32", { optional: true }).filter((x) => x !== null),
  ),
  "1.turns": fc.constantFrom<unknown>("3", {}, [3], true, 2, -1, 1.5, NaN, Infinity),
};
const timeEnc = () => new TimeEncoder({ cfg: ENC_CFG, seed: 1 });
const topicEnc = () => new TopicEncoder({ cfg: ENC_CFG, seed: 1 });
const ctxEnc = () => new ContextEncoder({ cfg: ENC_CFG, seed: 1 });
/** Releases what a forward returned (the fuzzer releases tensors reached from its arguments). */
const releaseOut = (o: unknown) => {
  const out = o as Record<string, Tensor> | undefined;
  if (out !== undefined && out !== null && typeof out === "object" && "base" in out) {
    for (const t of Object.values(out)) (t as Tensor).dispose();
  }
  return o;
};

const ENCODER_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "fourierPerScalar",
    names: ["Fourier"],
    args: () => [8],
    call: (_t, a) => fourierPerScalar(a[0] as Any),
    poisons: { "0": dim() },
  }),
  entry({
    name: "timeFrequencies",
    names: ["frequencies"],
    args: () => [4],
    call: (_t, a) => timeFrequencies(a[0] as Any),
    poisons: { "0": P.count() },
  }),
  entry({
    name: "timeFourierFeatures",
    names: ["Fourier"],
    args: () => [[1, 2, 3, 4, 5, 6], 2, 4],
    call: (_t, a) => timeFourierFeatures(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(
        notList(),
        fc.constantFrom<unknown>([], [1, 2, 3, 4, 5], [1, NaN, 3, 4, 5, 6], [1, "2", 3, 4, 5, 6]),
      ),
      "1": fc.oneof(P.count(), fc.constant(4)),
      "2": dim(),
    },
  }),
  entry({
    name: "timeParameterShapes",
    names: ["TimeEncoder"],
    args: () => [encCfg()],
    call: (_t, a) => timeParameterShapes(a[0] as Any),
    poisons: { "0": cfgPoison(["d_LLM", "d_time", "d_F_time"]) },
  }),
  entry({
    name: "topicParameterShapes",
    names: ["TopicEncoder"],
    args: () => [encCfg()],
    call: (_t, a) => topicParameterShapes(a[0] as Any),
    poisons: { "0": cfgPoison(["d_LLM", "d_topic", "d_F_topic"]) },
  }),
  entry({
    name: "contextParameterShapes",
    names: ["ContextEncoder"],
    args: () => [encCfg()],
    call: (_t, a) => contextParameterShapes(a[0] as Any),
    poisons: { "0": cfgPoison(["d_LLM", "d_ctx", "d_F_ctx"]) },
  }),
  entry({
    name: "contextAttnDim",
    names: ["ContextEncoder"],
    args: () => [4],
    call: (_t, a) => contextAttnDim(a[0] as Any),
    poisons: { "0": dim() },
  }),
  entry({
    name: "normalizeRows",
    names: ["normalise rows"],
    args: () => [Float32Array.from({ length: 16 }, (_, i) => i - 3), 2, 8],
    call: (_t, a) => normalizeRows(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": badVector(16), "1": P.count(), "2": P.count() },
  }),
  entry({
    name: "idfCentroid",
    names: ["IDF centroid"],
    args: () => [[0, 1, 2, 7], wte(), 3, 8, [1, 2, 1]],
    call: (_t, a) => idfCentroid(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constantFrom<unknown>([0.5], [NaN], ["1"], [null])),
      "1": badVector(24),
      "2": fc.oneof(P.count(), fc.constant(4)),
      "3": fc.oneof(P.count(), fc.constant(7)),
      "4": fc.constantFrom<unknown>(3, "x", {}, [1], [1, NaN, 1], [1, "2", 1]),
    },
  }),
  entry({
    name: "new TimeEncoder",
    args: () => [{ cfg: ENC_CFG, seed: 1, weights: timeWeights() }],
    call: (_t, a) => new TimeEncoder(a[0] as Any),
    poisons: ctorPoisons(timeWeights),
    names: ["TimeEncoder", "Cfg4"],
  }),
  entry({
    name: "TimeEncoder.checkInputs",
    target: timeEnc,
    args: timeInputs,
    call: (e, a) => e.checkInputs(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), ...timeInputPoisons },
  }),
  entry({
    name: "TimeEncoder.forward",
    target: timeEnc,
    args: timeInputs,
    call: (e, a) => releaseOut(e.forward(a[0] as Any, a[1] as Any)),
    poisons: { "this": P.disposed(), ...timeInputPoisons },
    state: paramState,
  }),
  entry({
    name: "new TopicEncoder",
    args: () => [{ cfg: ENC_CFG, seed: 1, weights: topicWeights() }],
    call: (_t, a) => new TopicEncoder(a[0] as Any),
    poisons: ctorPoisons(topicWeights),
    names: ["TopicEncoder", "Cfg4"],
  }),
  entry({
    name: "TopicEncoder.checkInputs",
    target: topicEnc,
    args: topicInputs,
    call: (e, a) => e.checkInputs(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), ...topicInputPoisons },
  }),
  entry({
    name: "TopicEncoder.centroids",
    target: topicEnc,
    args: topicInputs,
    call: (e, a) => e.centroids(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), ...topicInputPoisons },
  }),
  entry({
    name: "TopicEncoder.forward",
    target: topicEnc,
    args: topicInputs,
    call: (e, a) => releaseOut(e.forward(a[0] as Any, a[1] as Any)),
    poisons: { "this": P.disposed(), ...topicInputPoisons },
    state: paramState,
  }),
  entry({
    name: "new ContextEncoder",
    args: () => [{ cfg: ENC_CFG, seed: 1, weights: ctxWeights() }],
    call: (_t, a) => new ContextEncoder(a[0] as Any),
    poisons: ctorPoisons(ctxWeights),
    names: ["ContextEncoder", "Cfg4"],
  }),
  entry({
    name: "ContextEncoder.checkInputs",
    target: ctxEnc,
    args: ctxInputs,
    call: (e, a) => e.checkInputs(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), ...ctxInputPoisons },
  }),
  entry({
    name: "ContextEncoder.forward",
    target: ctxEnc,
    args: ctxInputs,
    call: (e, a) => releaseOut(e.forward(a[0] as Any, a[1] as Any)),
    poisons: { "this": P.disposed(), ...ctxInputPoisons },
    state: paramState,
  }),
];

/** The encoders' inherited setWeights (not a listed member: it lives on their base class). */
const SET_WEIGHTS_ENTRIES: FaultEntry<never>[] = ([
  ["TimeEncoder", timeEnc, timeWeights],
  ["TopicEncoder", topicEnc, topicWeights],
  ["ContextEncoder", ctxEnc, ctxWeights],
] as const).map(([name, make, weights]) =>
  entry({
    name: `${name}.setWeights`,
    target: make as () => Any,
    args: () => [weights()],
    call: (e: Any, a) => e.setWeights(a[0] as Any),
    poisons: { "this": P.disposed(), "0": badWeights(weights) },
    state: paramState,
  })
);

// --- cross-bundle attention ---

const crossWeights = () => weightsOf(crossBundleParameterShapes(encCfg()))();
const crossAttn = () => new CrossBundleAttention({ cfg: ENC_CFG, seed: 1 });
const fibers = () => ({ time: f32(12, 0.1), topic: f32(12, -0.2), ctx: f32(12, 0.3) });
const fiberPoison = () =>
  fc.oneof(
    fc.constantFrom<unknown>(null, 3, "f", new Float32Array(11), withAt(12, 0, NaN)),
    fc.constantFrom<unknown>(withAt(12, 1, 1e39), new Float32Array(8)),
    P.tensor([3, 4]),
  );
/** h where any batch is valid (no other argument fixes it): the batch never varies here. */
const anyBatchH = () =>
  fc.oneof(
    P.tensor([2, 8], "f32", { wrongSize: false }),
    fc.constantFrom<unknown>(new Float32Array(15), [], withAt(16, 3, NaN), withAt(16, 0, 1e39)),
  );
const crossHelper = (name: "fiberDim" | "headsOf" | "slotsOf", field: string) =>
  entry({
    name,
    names: [name, "bundle"],
    args: () => [encCfg(), "topic"],
    call: (_t, a) => ({ fiberDim, headsOf, slotsOf })[name](a[0] as Any, a[1] as Any),
    poisons: { "0": cfgPoison([field]), "1": P.notOneOf(["time", "topic", "ctx"]) },
  });

const CROSS_ENTRIES: FaultEntry<never>[] = [
  crossHelper("fiberDim", "d_F_topic"),
  crossHelper("headsOf", "n_heads_topic"),
  crossHelper("slotsOf", "prefix_slots_topic"),
  entry({
    name: "crossBundleParameterShapes",
    names: ["CrossBundleAttention", "cross-bundle"],
    args: () => [encCfg()],
    call: (_t, a) => crossBundleParameterShapes(a[0] as Any),
    poisons: { "0": cfgPoison(["d_LLM", "d_F_time", "prefix_slots_ctx"]) },
  }),
  entry({
    name: "new CrossBundleAttention",
    names: ["CrossBundleAttention", "Cfg4"],
    args: () => [{ cfg: ENC_CFG, seed: 1, weights: crossWeights() }],
    call: (_t, a) => new CrossBundleAttention(a[0] as Any),
    poisons: ctorPoisons(crossWeights),
  }),
  entry({
    name: "CrossBundleAttention.queryHeads",
    target: crossAttn,
    args: () => [f32(16, 0.1)],
    call: (m, a) => {
      const q = m.queryHeads(a[0] as Any);
      for (const t of Object.values(q)) (t as Tensor).dispose();
      return q;
    },
    poisons: { "this": P.disposed(), "0": anyBatchH() },
    state: paramState,
  }),
  entry({
    name: "CrossBundleAttention.forward",
    target: crossAttn,
    args: () => [f32(16, 0.1), fibers(), { mask: [false, true, false] }],
    call: (m, a) => {
      const out = m.forward(a[0] as Any, a[1] as Any, a[2] as Any);
      for (const t of [out.prefix, ...Object.values(out.queries), ...Object.values(out.weights)]) {
        (t as Tensor).dispose();
      }
      return out;
    },
    poisons: {
      "this": P.disposed(),
      "0": anyBatchH(),
      "1": P.notObject(),
      "1.time": fiberPoison(),
      "1.ctx": fiberPoison(),
      "2": notOptions(),
      "2.mask": fc.constantFrom<unknown>(3, "fff", {}, [true, true, true], [1, 0, 0], [false], [
        false,
        null,
        false,
      ]),
    },
    state: paramState,
  }),
  entry({
    name: "CrossBundleAttention.setWeights",
    target: crossAttn,
    args: () => [crossWeights()],
    call: (m, a) => m.setWeights(a[0] as Any),
    poisons: { "this": P.disposed(), "0": badWeights(crossWeights) },
    state: paramState,
  }),
];

// --- kakeya ---

/** 6 points on a 2-d plane of R⁴ (the module's example). */
const X6 = () =>
  matrix(6, 4, [2, 1, 1, 1, 1, 2, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 3, 2, 1, 1, 2, 3, 1, 1]);
/** 6 points spanning R⁴. */
const Y6 = () =>
  matrix(6, 4, [1, 0, 0, 0.5, 0, 1, 0.2, 0, 0, 0, 1, 0, 0.3, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
const kset = () => KakeyaSet.build(X6(), [1, 0, 0, 0], { K: 2, dRes: 5 });
const setParts = () => {
  const s = kset();
  return { mean: s.mean, basis: s.basis, centers: s.centers, axisInField: s.axisInField, dRes: 5 };
};
const REG_OPTS = {
  routing: [{ bundle: "time", fields: ["a"] }, { bundle: "topic", fields: ["a", "b"] }],
  nSets: 2,
  bundleDims: { time: 4, topic: 4, ctx: 4 },
  K: 2,
  dRes: 2,
  minEntries: 2,
  seed: 1,
};
const regAxes = () => ({ time: unit4(0), topic: unit4(1), ctx: unit4(2) });
const regCorpus = () => ({ a: X6(), b: Y6() });
const registry = () => {
  const r = new KakeyaRegistry(REG_OPTS as Any);
  r.build(regCorpus(), regAxes());
  return r;
};
const regFields = () => ({ a: [2, 1, 1, 1], b: [1, 0, 0, 0.5] });
const regState = (r: InstanceType<typeof KakeyaRegistry>) =>
  r.slots.map((s) => ({
    active: s.active,
    offsets: [...s.offsets],
    widths: [...s.widths],
    map: s.map === null ? null : Float64Array.from(s.map.data),
    mean: s.set === null ? null : Float64Array.from(s.set.mean),
  }));
const badRow = (rows: number) => new Lazy(`a matrix of ${rows} × 4`, () => matrix(rows, 4));

const KAKEYA_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "varianceRatioRank",
    names: ["variance-ratio rule"],
    args: () => [[3, 2, 1], 0.9, 6],
    call: (_t, a) => varianceRatioRank(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constantFrom<unknown>([], [3, NaN], [3, "2"], [3, -1])),
      "1": fc.oneof(P.inRange(0, 1), fc.constant(0)),
      "2": dim(2),
    },
  }),
  entry({
    name: "kakeyaPca",
    names: ["Kakeya PCA"],
    args: () => [X6(), 0.9],
    call: (_t, a) => kakeyaPca(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(badMatrix(6, 4), fc.constant(badRow(1))),
      "1": fc.oneof(P.inRange(0, 1, true), fc.constant(0)),
    },
  }),
  entry({
    name: "sphericalKMeans",
    names: ["spherical k-means"],
    args: () => [matrix(4, 2, [1, 0, 0.8, 0.6, 0, 1, -1, 0]), 2],
    call: (_t, a) => sphericalKMeans(a[0] as Any, a[1] as Any),
    poisons: { "0": badMatrix(4, 2), "1": dim() },
  }),
  entry({
    name: "pushforward",
    names: ["push an axis forward"],
    args: () => [[1, 2], matrix(2, 3, [1, 0, 1, 0, 1, 1])],
    call: (_t, a) => pushforward(a[0] as Any, a[1] as Any),
    poisons: { "0": badVector(2), "1": fc.oneof(badMatrix(2, 3), fc.constant(badRow(3))) },
  }),
  entry({
    name: "projectIntoPca",
    names: ["PCA basis"],
    args: () => [[3, 4, 5], matrix(2, 3, [1, 0, 0, 0, 0, 1])],
    call: (_t, a) => projectIntoPca(a[0] as Any, a[1] as Any),
    poisons: { "0": badVector(3), "1": badMatrix(2, 3) },
  }),
  entry({
    name: "alignmentError",
    names: ["alignment error"],
    args: () => [[1, 0], [0.6, 0.8]],
    call: (_t, a) => alignmentError(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constantFrom<unknown>([1, NaN], ["1", 0])),
      "1": badVector(2),
    },
  }),
  entry({
    name: "solveAlignedTDir",
    names: ["aligned direction"],
    args: () => [[0.6, 0.8]],
    call: (_t, a) => solveAlignedTDir(a[0] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constantFrom<unknown>([], [NaN, 1], ["1", 0], [Infinity, 0])),
    },
  }),
  entry({
    name: "kakeyaRelativeError",
    names: ["relative error"],
    args: () => [[1, 2], [1, 2.1]],
    call: (_t, a) => kakeyaRelativeError(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constantFrom<unknown>([1, NaN], ["1", 2], [1, Infinity])),
      "1": badVector(2),
    },
  }),
  entry({
    name: "KakeyaSet.build",
    names: ["build a KakeyaSet"],
    args: () => [X6(), [1, 0, 0, 0], { K: 2, dRes: 5, varianceRatio: 0.99, seed: 3 }],
    call: (_t, a) => KakeyaSet.build(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(badMatrix(6, 4), fc.constant(badRow(1))),
      "1": badVector(4),
      "2": notOptions(),
      "2.K": dim(1, true),
      "2.dRes": fc.oneof(
        P.notNumber(true),
        P.nonFinite(),
        nonInteger(),
        fc.constantFrom(-1, 2 ** 31),
      ),
      "2.varianceRatio": fc.oneof(P.inRange(0, 1, true), fc.constant(0)),
      "2.seed": seed(),
    },
  }),
  entry({
    name: "KakeyaSet.fromParts",
    names: ["KakeyaSet"],
    args: () => [setParts()],
    call: (_t, a) => KakeyaSet.fromParts(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.mean": badVector(4),
      "0.basis": badMatrix(2, 4),
      "0.centers": fc.oneof(
        badMatrix(2, 2),
        fc.constant(new Lazy("centres of 3 columns", () => matrix(2, 3))),
      ),
      "0.axisInField": badVector(4),
      "0.dRes": fc.oneof(
        P.notNumber(true),
        P.nonFinite(),
        nonInteger(),
        fc.constantFrom(-1, 2 ** 31),
      ),
    },
  }),
  entry({
    name: "KakeyaSet.coefficients",
    names: ["KakeyaSet"],
    target: kset,
    args: () => [[2, 1, 1, 1]],
    call: (s, a) => s.coefficients(a[0] as Any),
    poisons: { "0": badVector(4) },
  }),
  entry({
    name: "KakeyaSet.encode",
    names: ["KakeyaSet"],
    target: kset,
    args: () => [[2, 1, 1, 1], 1],
    call: (s, a) => s.encode(a[0] as Any, a[1] as Any),
    poisons: {
      "0": badVector(4),
      "1": fc.oneof(P.notNumber(true), P.nonFinite(), nonInteger(), fc.constantFrom(-1, 2 ** 40)),
    },
  }),
  entry({
    name: "KakeyaSet.decode",
    names: ["KakeyaSet"],
    target: kset,
    args: (s) => [s.encode([2, 1, 1, 1])],
    call: (s, a) => s.decode(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.segId": fc.oneof(index(), fc.constant(99)),
      "0.alpha": P.real(),
      "0.tau": P.real(),
      "0.residualVals": fc.constantFrom<unknown>(null, "x", [NaN, 0], [0, Infinity]),
      "0.residualIdx": fc.constantFrom<unknown>(
        null,
        [0, 1],
        Int32Array.of(0),
        Int32Array.of(0, 99),
        Int32Array.of(-1, 0),
      ),
    },
  }),
  entry({
    name: "KakeyaSet.alignmentErrorFor",
    names: ["KakeyaSet", "PCA basis"],
    target: kset,
    args: () => [[1, 0, 0, 0]],
    call: (s, a) => s.alignmentErrorFor(a[0] as Any),
    poisons: { "0": badVector(4) },
  }),
  entry({
    name: "new KakeyaRegistry",
    names: ["KakeyaRegistry"],
    args: () => [{ ...REG_OPTS, alignmentTol: 1e-3, reconstructionTol: 0.2, varianceRatio: 0.9 }],
    call: (_t, a) => new KakeyaRegistry(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.routing": fc.constantFrom<unknown>(
        3,
        "r",
        [],
        [{ bundle: "x", fields: ["a"] }, { bundle: "time", fields: ["b"] }],
        [{ bundle: "time", fields: [] }, { bundle: "time", fields: ["b"] }],
        [{ bundle: "time", fields: ["a", "a"] }, { bundle: "time", fields: ["b"] }],
        [null, { bundle: "time", fields: ["b"] }],
      ),
      "0.nSets": fc.oneof(P.count({ optional: true }), fc.constantFrom(1, 3)),
      "0.bundleDims": fc.constantFrom<unknown>(3, "dims", []),
      "0.bundleDims.time": P.count(),
      "0.K": fc.oneof(dim(1, true), fc.constant(1)),
      "0.dRes": fc.oneof(
        P.notNumber(true),
        P.nonFinite(),
        nonInteger(),
        fc.constantFrom(-1, 2 ** 31),
      ),
      "0.minEntries": fc.oneof(dim(1, true), fc.constant(1)),
      "0.alignmentTol": fc.oneof(P.real(true), fc.constantFrom(0, -1)),
      "0.reconstructionTol": fc.oneof(P.inRange(0, 1, true), fc.constantFrom(0, 1)),
      "0.varianceRatio": fc.oneof(P.inRange(0, 1, true), fc.constant(0)),
      "0.seed": seed(),
      "0.maps": fc.constantFrom<unknown>(3, "m", [null], [matrix(3, 4)], [1, 2, 3]),
    },
  }),
  entry({
    name: "KakeyaRegistry.build",
    names: ["KakeyaRegistry"],
    target: () => new KakeyaRegistry(REG_OPTS as Any),
    args: () => [regCorpus(), regAxes()],
    call: (r, a) => r.build(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(P.notObject(), fc.constant<unknown>({})),
      "0.a": fc.oneof(badMatrix(6, 4), fc.constant(badRow(1))),
      "0.b": fc.oneof(badMatrix(6, 4), fc.constant(badRow(5))),
      "1": P.notObject(),
      "1.time": badVector(4),
      "1.topic": badVector(4),
      "1.ctx": badVector(4),
    },
    state: regState,
  }),
  entry({
    name: "KakeyaRegistry.encode",
    names: ["KakeyaRegistry"],
    target: registry,
    stale: () => new KakeyaRegistry(REG_OPTS as Any),
    args: () => [regFields()],
    call: (r, a) => r.encode(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.notObject(),
      "0.a": badVector(4),
      "0.b": badVector(4),
    },
    state: regState,
  }),
  entry({
    name: "KakeyaRegistry.decodeField",
    names: ["KakeyaRegistry"],
    target: registry,
    args: (r) => [r.encode(regFields()), "b", 1],
    call: (r, a) => r.decodeField(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": P.notObject(),
      "0.entries": fc.constantFrom<unknown>(null, 3, {}, { b: [] }, { b: 3 }, { b: [null] }),
      "1": fc.constantFrom<unknown>(null, 3, "zzz", {}),
      "2": fc.constantFrom<unknown>("1", NaN, 7, -1, 0.5),
    },
    state: regState,
  }),
  entry({
    name: "KakeyaRegistry.replaceMap",
    names: ["KakeyaRegistry"],
    target: registry,
    args: () => [0, matrix(4, 4, Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)))],
    call: (r, a) => r.replaceMap(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(index(), fc.constantFrom(2, 2 ** 40)),
      "1": fc.oneof(badMatrix(4, 4), fc.constant(badRow(3))),
    },
    state: regState,
  }),
  entry({
    name: "KakeyaRegistry.verifyInvariants",
    names: ["KakeyaRegistry", "Kakeya invariants", "Kakeya alignment", "Kakeya reconstruction"],
    target: registry,
    args: () => [6, regAxes(), regCorpus()],
    call: (r, a) => r.verifyInvariants(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(index(), fc.constant(2 ** 60)),
      "1": fc.constantFrom<unknown>(3, "axes", null),
      "1.time": badVector(4),
      "2": fc.constantFrom<unknown>(3, "samples", null),
      "2.a": badMatrix(6, 4),
      "2.b": fc.constant(badRow(5)),
    },
    state: regState,
  }),
  entry({
    name: "KakeyaRegistry.alignmentErrors",
    names: ["KakeyaRegistry", "Kakeya alignment"],
    target: registry,
    args: () => [regAxes()],
    call: (r, a) => r.alignmentErrors(a[0] as Any),
    poisons: { "0": P.notObject(), "0.time": badVector(4), "0.topic": badVector(4) },
    state: regState,
  }),
  entry({
    name: "KakeyaRegistry.reconstructionErrors",
    names: ["KakeyaRegistry", "Kakeya reconstruction"],
    target: registry,
    stale: () => new KakeyaRegistry(REG_OPTS as Any),
    args: () => [regCorpus()],
    call: (r, a) => r.reconstructionErrors(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.notObject(),
      "0.a": fc.oneof(
        badMatrix(6, 4),
        fc.constant(new Lazy("a matrix of 6 × 3", () => matrix(6, 3))),
      ),
      "0.b": fc.constant(badRow(5)),
    },
    state: regState,
  }),
  entry({
    name: "drawBaseToFieldMap",
    names: ["base-to-field map"],
    args: () => [0, 4, 4],
    call: (_t, a) => drawBaseToFieldMap(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(P.integer(), fc.constantFrom(-1, 2 ** 40)),
      "1": P.count(),
      "2": P.count(),
    },
  }),
  entry({
    name: "kakeyaRebuildDecision",
    names: ["Kakeya rebuild"],
    args: () => [{ n: 10, nBuilt: 8, recentErrors: [0.1, 0.2] }, {
      tol: 0.15,
      minEntries: 8,
      policy: { growthFactor: 2, window: 4 },
    }],
    call: (_t, a) => kakeyaRebuildDecision(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.n": index(),
      "0.nBuilt": index(),
      "0.recentErrors": fc.oneof(notList(), fc.constantFrom<unknown>([NaN], ["1"], [-1], [null])),
      "1": notOptions(),
      "1.tol": fc.oneof(P.real(true), fc.constantFrom(0, -1)),
      "1.minEntries": fc.oneof(dim(1, true), fc.constant(1)),
      "1.policy": notOptions(),
      "1.policy.growthFactor": fc.oneof(P.real(), fc.constantFrom(1, 0.5)),
      "1.policy.window": dim(),
    },
  }),
  entry({
    name: "kakeyaByteAccount",
    names: ["Kakeya bytes"],
    args: () => [{ N: 10, d: 8, dEff: 2, K: 2, dRes: 2 }],
    call: (_t, a) => kakeyaByteAccount(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.N": fc.oneof(dim(), fc.constant(Number.MAX_SAFE_INTEGER)),
      "0.d": fc.oneof(dim(), fc.constant(Number.MAX_SAFE_INTEGER)),
      "0.dEff": index(),
      "0.K": index(),
      "0.dRes": index(),
    },
  }),
];

// --- direction tree ---

/** Unit dirns of 4: the axes and two diagonals. */
const DIRNS: readonly number[][] = [
  unit4(0),
  unit4(1),
  unit4(2),
  unit4(3),
  [0.5, 0.5, 0.5, 0.5],
  [0.6, 0.8, 0, 0],
];
const tree = () => {
  const t = new DirectionTreeV4(4, { treeK: 2, maxLeaf: 2 });
  DIRNS.forEach((d, i) => t.insert(i, d));
  return t;
};
const treeState = (t: InstanceType<typeof DirectionTreeV4>) => ({
  ids: t.ids(),
  structure: JSON.stringify(t.structure()),
});

const TREE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "checkedUnitDirn",
    names: ["check a dirn"],
    args: () => [[0.6, 0.8, 0, 0], 4, 1e-4, "check a dirn"],
    call: (_t, a) => checkedUnitDirn(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": badUnit(),
      "1": fc.oneof(P.count(), fc.constant(3)),
      "2": fc.oneof(P.real(), fc.constant(-1)),
    },
  }),
  entry({
    name: "farthestFirstKmeans",
    names: ["farthest-first k-means"],
    args: () => [Float64Array.of(1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9), 4, 2, 2, 10],
    call: (_t, a) =>
      farthestFirstKmeans(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(
        null,
        [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9],
        new Float64Array(7),
        withAt(8, 2, NaN),
      ),
      "1": fc.oneof(P.count(), fc.constant(5)),
      "2": fc.oneof(P.count(), fc.constant(3)),
      "3": P.count(),
      "4": P.count({ optional: true, zeroOk: true }),
    },
  }),
  entry({
    name: "new DirectionTreeV4",
    names: ["direction tree"],
    args: () => [4, { treeK: 2, maxLeaf: 2, unitTol: 1e-4 }],
    call: (_t, a) => new DirectionTreeV4(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.count(),
      "1": notOptions(),
      "1.treeK": fc.oneof(dim(1, true), fc.constant(1)),
      "1.maxLeaf": dim(1, true),
      "1.unitTol": fc.oneof(P.notNumber(true), P.nonFinite(), fc.constant(-1)),
    },
  }),
  entry({
    name: "DirectionTreeV4.insert",
    names: ["direction tree", "insert id"],
    target: tree,
    args: () => [100, [0, 0, 0.6, 0.8]],
    call: (t, a) => t.insert(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(index(), fc.constantFrom(0, 5, 2 ** 53)),
      "1": badUnit(),
    },
    state: treeState,
  }),
  entry({
    name: "DirectionTreeV4.remove",
    names: ["direction tree"],
    target: tree,
    args: () => [2],
    call: (t, a) => t.remove(a[0] as Any),
    poisons: { "0": fc.constantFrom<unknown>("2", NaN, 999, -1, 0.5, null, undefined) },
    state: treeState,
  }),
  entry({
    name: "DirectionTreeV4.retrieve",
    names: ["direction tree"],
    target: tree,
    args: () => [[0.6, 0.8, 0, 0], 2],
    call: (t, a) => t.retrieve(a[0] as Any, a[1] as Any),
    poisons: { "0": badUnit(), "1": dim(1, true) },
    state: treeState,
  }),
  entry({
    name: "DirectionTreeV4.verifyConsistency",
    names: ["direction tree"],
    target: tree,
    args: () => [[0, 1, 2, 3, 4, 5]],
    call: (t, a) => t.verifyConsistency(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, {}, "012", [0, NaN], [0, "1"], [0, -1], [0.5]),
    },
    state: treeState,
  }),
  entry({
    name: "bruteForceCosine",
    names: ["brute-force cosine"],
    args: () => [[[1, 0]], [[1, 0], [0, 1]], 1, [5, 6]],
    call: (_t, a) => bruteForceCosine(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constantFrom<unknown>([[1, NaN]], [[1]], [null], [[0, 0]])),
      "1": fc.oneof(notList(), fc.constantFrom<unknown>([], [[1, NaN]], [[1, 0], [1]], [[0, 0]])),
      "2": dim(),
      "3": fc.constantFrom<unknown>(3, "ab", [5], [5, NaN], ["a", 6], [5, 5]),
    },
  }),
  entry({
    name: "cosineScanGpu",
    names: ["cosine scan"],
    args: () => [Float32Array.of(1, 0), Float32Array.of(1, 0, 0, 1), 2],
    call: (_t, a) => cosineScanGpu(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, [1, 0], new Float32Array(3), Float32Array.of(1, NaN)),
      "1": fc.constantFrom<unknown>(
        null,
        [1, 0],
        new Float32Array(0),
        Float32Array.of(1, 0, Infinity, 1),
      ),
      "2": fc.oneof(P.count(), fc.constant(3)),
    },
  }),
];

// --- memory store ---

const STORE_CFG = {
  d_time: 4,
  d_F_time: 4,
  d_topic: 4,
  d_F_topic: 4,
  d_ctx: 4,
  d_F_ctx: 4,
  tree_K: 2,
  tree_max_leaf: 2,
  retrieval_beam: 2,
  compression_min_dim: 8,
  kakeya_min_entries: 2,
};
const memInput = (k: number) => ({
  time_base: [0.1, 0.2, 0.3, 0.4],
  time_fiber: [1, -1, 0.5, 0],
  time_dirn: DIRNS[k % 6]!,
  topic_base: DIRNS[(k + 1) % 6]!,
  topic_fiber: [0, 0, 1, 2],
  topic_dirn: DIRNS[(k + 2) % 6]!,
  ctx_base: [3, 2, 1, 0],
  ctx_fiber: [0.5, 0.5, 0.5, 0.5],
  ctx_dirn: DIRNS[(k + 3) % 6]!,
  surprise: 0.5,
  ts: k,
  source_text: `memory ${k}`,
  content_token_ids: [1, 2],
  rare_keyword_ids: [2],
  large_fields: { semantic_emb: new Array(8).fill(0.1) },
});
const store = () => {
  const s = new MemStore(STORE_CFG);
  for (let k = 0; k < 5; k++) s.add(memInput(k));
  return s;
};
const storeState = (s: InstanceType<typeof MemStore>) => ({
  mids: s.mids(),
  next: s.nextMid,
  pending: [...s.pendingLargeFields().keys()],
  trees: ams.BUNDLES.map((b) => JSON.stringify(s.tree(b).structure())),
});
const notBundle = () => P.notOneOf(["time", "topic", "ctx"]);

const STORE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new MemStore",
    args: () => [STORE_CFG],
    call: (_t, a) => new MemStore(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.d_time": dim(1, true),
      "0.d_F_ctx": dim(1, true),
      "0.tree_K": fc.oneof(dim(1, true), fc.constant(1)),
      "0.retrieval_beam": dim(1, true),
    },
    names: ["MemStore", "direction tree"],
  }),
  entry({
    name: "MemStore.tree",
    names: ["MemStore", "tree of"],
    target: store,
    args: () => ["topic"],
    call: (s, a) => s.tree(a[0] as Any),
    poisons: { "0": notBundle() },
  }),
  entry({
    name: "MemStore.add",
    names: ["MemStore", "add a memory"],
    target: store,
    args: () => [memInput(7)],
    call: (s, a) => s.add(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.time_base": badVector(4),
      "0.ctx_fiber": badVector(4),
      "0.topic_base": badUnit(),
      "0.ctx_dirn": badUnit(),
      "0.surprise": P.real(true),
      "0.ts": P.real(true),
      "0.cnt": P.real(true),
      "0.source_text": fc.constantFrom<unknown>(3, {}, null, ["a"]),
      "0.content_token_ids": fc.constantFrom<unknown>(3, "ab", null, [NaN], [0.5], ["1"], [-1]),
      "0.rare_keyword_ids": fc.constantFrom<unknown>(3, "ab", null, [NaN], [0.5]),
      "0.large_fields": fc.constantFrom<unknown>(null, 3, "x", { x: null }, { x: [NaN] }),
    },
    state: storeState,
  }),
  entry({
    name: "MemStore.remove",
    names: ["MemStore", "memory"],
    target: store,
    args: () => [1],
    call: (s, a) => s.remove(a[0] as Any),
    poisons: { "0": fc.constantFrom<unknown>("1", NaN, 999, -1, 0.5, null, undefined) },
    state: storeState,
  }),
  entry({
    name: "MemStore.retrieve",
    names: ["MemStore", "retrieve from"],
    target: store,
    stale: () => new MemStore(STORE_CFG),
    args: () => ["ctx", [0.6, 0.8, 0, 0], 2],
    call: (s, a) => s.retrieve(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": notBundle(),
      "1": badUnit(),
      "2": dim(1, true),
    },
    state: storeState,
  }),
  entry({
    name: "MemStore.attachKakeya",
    names: ["MemStore", "Kakeya"],
    target: store,
    args: () => [(f: Record<string, Float64Array>) => ({ n: Object.keys(f).length })],
    call: (s, a) => s.attachKakeya(a[0] as Any),
    poisons: { "0": notFunction() },
    state: storeState,
  }),
];

// --- backbone and session ---

const bb = () => new LexicalBackbone({ d: 16 }).fit(["my dog is rex", "the cat sleeps"]);
const notText = () =>
  fc.constantFrom<unknown>(
    null,
    undefined,
    3,
    {},
    [104, 105],
    new Uint8Array([0x61, 0xff]),
    new Uint16Array(2),
  );
const wordless = () => fc.constantFrom<unknown>("", "  !! ", new Uint8Array([0xc0, 0xaf]), 3, null);
const factStore = () => {
  const s = new FactStore(bb());
  void s.write("my dog is rex");
  void s.write("the cat sleeps");
  return s;
};
const factState = async (s: InstanceType<typeof FactStore>) => {
  // The target's writes settle after a few microtasks: read once they have.
  await new Promise((r) => setTimeout(r, 0));
  return { size: s.size, texts: s.texts() };
};

const TEXT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "decodeBackboneText",
    names: ["read text"],
    args: () => [new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])],
    call: (_t, a) => decodeBackboneText(a[0] as Any),
    poisons: { "0": notText() },
  }),
  entry({
    name: "firstInvalidUtf8",
    names: ["UTF-8"],
    args: () => [new Uint8Array([0x61, 0xe2, 0x82, 0xac])],
    call: (_t, a) => firstInvalidUtf8(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, "abc", [0x61], new Uint16Array(2), {}),
    },
  }),
  entry({
    name: "stem",
    names: ["stem"],
    args: () => ["dogs"],
    call: (_t, a) => stem(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "hashStem",
    names: ["hash"],
    args: () => ["dog"],
    call: (_t, a) => hashStem(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "words",
    names: ["words"],
    args: () => ["My dog's name"],
    call: (_t, a) => words(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "new LexicalBackbone",
    names: ["lexical backbone"],
    args: () => [{ d: 16 }],
    call: (_t, a) => new LexicalBackbone(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.d": fc.oneof(P.count({ optional: true }), fc.constant(2 ** 24 + 1)),
    },
  }),
  entry({
    name: "LexicalBackbone.fit",
    names: ["lexical backbone", "tokenize", "read"],
    target: bb,
    args: () => [["my dog is rex", new Uint8Array([0x63, 0x61, 0x74])]],
    call: (b, a) => b.fit(a[0] as Any),
    poisons: {
      "0": fc.oneof(notList(), fc.constant<unknown>([])),
      "0.1": fc.oneof(notText(), wordless()),
    },
  }),
  ...(["stems", "tokenize"] as const).map((m) =>
    entry({
      name: `LexicalBackbone.${m}`,
      names: ["tokenize", "read text"],
      target: bb,
      args: () => ["What is my dog's name?"],
      call: (b, a) => b[m](a[0] as Any),
      poisons: { "0": fc.oneof(notText(), wordless()) },
    })
  ),
  entry({
    name: "LexicalBackbone.tfidf",
    names: ["pool hidden states", "TF-IDF"],
    target: bb,
    args: () => [[1, 2, 2]],
    call: (b, a) => b.tfidf(a[0] as Any),
    poisons: { "0": fc.constantFrom<unknown>(null, 3, "ab", [], [16], [-1], [0.5], ["1"], [NaN]) },
  }),
  ...(["pooledHidden", "pooledHiddenSync"] as const).map((m) =>
    entry({
      name: `LexicalBackbone.${m}`,
      names: ["pool hidden states"],
      target: bb,
      args: () => [[[1, 2], [3]]],
      call: (b, a) => b[m](a[0] as Any),
      poisons: {
        "0": fc.constantFrom<unknown>(null, 3, "ab", [], [[]], [[16]], [3], [[0.5]], [["1"]]),
      },
    })
  ),
  ...(["substringHit", "wordHit"] as const).map((name) =>
    entry({
      name,
      names: ["keyword hit"],
      args: () => ["Rex is my dog", "rex"],
      call: (_t, a) => (name === "wordHit" ? wordHit : substringHit)(a[0] as Any, a[1] as Any),
      poisons: { "0": P.notString(), "1": P.notString() },
    })
  ),
  entry({
    name: "cosine",
    names: ["cosine"],
    args: () => [Float32Array.of(1, 0, 1), Float32Array.of(0, 1, 1)],
    call: (_t, a) => cosine(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, [1, 0, 1], new Float32Array(2), new Float64Array(3)),
      "1": fc.constantFrom<unknown>(
        null,
        "ab",
        [0, 1, 1],
        new Float32Array(4),
        Float32Array.of(0, NaN, 1),
      ),
    },
  }),
  entry({
    name: "new FactStore",
    names: ["fact store"],
    args: () => [bb()],
    call: (_t, a) => new FactStore(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, 3, {}, { tokenize: 3, pooledHidden: () => 0 }),
    },
  }),
  entry({
    name: "FactStore.write",
    names: ["fact store", "tokenize", "read text"],
    target: factStore,
    args: () => ["my cat is tom"],
    call: (s, a) => s.write(a[0] as Any),
    poisons: { "0": fc.oneof(notText(), wordless()) },
    state: factState,
  }),
  entry({
    name: "FactStore.retrieve",
    names: ["fact store", "tokenize", "read text"],
    target: factStore,
    stale: () => new FactStore(bb()),
    args: () => ["what is my dog's name", 1],
    call: (s, a) => s.retrieve(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), "0": fc.oneof(notText(), wordless()), "1": dim() },
    state: factState,
  }),
  entry({
    name: "sessionTier0",
    names: ["session tier 0"],
    args: () => [{ nFacts: 10, backbone: bb() }],
    call: (_t, a) => sessionTier0(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.nFacts": fc.oneof(P.notNumber(), fc.constantFrom(11, NaN, 0, 10.5)),
      "0.backbone": fc.constantFrom<unknown>(3, "bb", {}, () => 3, () => null),
    },
  }),
];

// --- MemLLM4 ---

/** Marks the argument the call replaces by the entry's target (a path that can be poisoned). */
const SELF: unique symbol = Symbol("the target");
const ML_TEXTS = ["my dog is rex", "the cat sleeps", "tea is hot"];
const mlBb = () => new LexicalBackbone({ d: 8 }).fit(ML_TEXTS);
/** Each model's writes under way: awaited before a call or a state read-back. */
const mlReady = new WeakMap<object, Promise<unknown>>();
/** A d_LLM = 8 model with `n` writes under way (a target is built synchronously). */
const memLLM = (n = 2, backbone: ams.Backbone = mlBb()) => {
  const m = new MemLLM4({ cfg: ENC_CFG, backbone, seed: 1 });
  // Caught: a `this` target is disposed before its writes run, and they then refuse.
  mlReady.set(m, Promise.all(ML_TEXTS.slice(0, n).map((t) => m.write(t).catch(() => {}))));
  return m;
};
type Ml = InstanceType<typeof MemLLM4>;
const settled = async (m: Ml) => {
  await mlReady.get(m);
  return m;
};
const mlState = async (m: Ml) => {
  await settled(m);
  return {
    mids: m.store.mids(),
    next: m.store.nextMid,
    summary: m.sessionSummary,
    builds: m.kakeyaBuilds,
  };
};
const disposedModel = () =>
  new Lazy("a disposed MemLLM4", () => {
    const m = new MemLLM4({ cfg: ENC_CFG, backbone: mlBb(), seed: 1 });
    m.dispose();
    return m;
  });
const mlWeights = () => weightsOf(memLLM4ParameterShapes(encCfg()))();
const withWeight = (label: string, k: string, v: unknown) =>
  new Lazy(label, () => ({ ...mlWeights(), [k]: v }));
const withoutWeight = (k: string) =>
  new Lazy(`weights without ${k}`, () => {
    const w: Record<string, unknown> = mlWeights();
    delete w[k];
    return w;
  });
const hidden8 = () => f32(8, 0.1);
const hiddenPoison = () =>
  fc.constantFrom<unknown>(
    null,
    3,
    Array.from({ length: 8 }, () => 0.1),
    new Float32Array(7),
    new Float64Array(8),
    Float32Array.of(0.1, 0.1, NaN, 0.1, 0.1, 0.1, 0.1, 0.1),
    Float32Array.of(0.1, Infinity, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1),
  );
const mlNames = (op: string) => ["MemLLM4", op, "tokenize", "read text"];

const MEM_LLM_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new MemLLM4",
    names: ["MemLLM4", "Cfg4"],
    args: () => [{
      cfg: ENC_CFG,
      backbone: mlBb(),
      seed: 1,
      retrievalTopK: 1,
      retrievalWeights: { topic: 2 },
    }],
    call: (_t, a) => new MemLLM4(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.backbone": fc.constantFrom<unknown>(
        null,
        undefined,
        3,
        {},
        { d: 8, vocabSize: 8, tokenize: 3 },
        new Lazy("a backbone of d 16", () => new LexicalBackbone({ d: 16 }).fit(ML_TEXTS)),
      ),
      "0.cfg": fc.oneof(notOptions(), fc.constant(undefined)),
      "0.cfg.d_LLM": fc.oneof(dim(), fc.constant(16)),
      "0.cfg.d_F_topic": fc.constantFrom<unknown>(0, NaN, "4", 2.5),
      "0.seed": seed(),
      "0.retrievalTopK": dim(1, true),
      "0.retrievalWeights": notOptions(),
      "0.retrievalWeights.topic": fc.oneof(P.real(true), fc.constant(-1)),
      "0.rebuildPolicy": fc.constantFrom<unknown>(null, "always", 3, true),
      "0.weights": fc.constantFrom<unknown>(null, 3, {}, withoutWeight("bundle_ctx._axis_raw")),
    },
  }),
  entry({
    name: "MemLLM4.write",
    names: mlNames("write a memory"),
    target: () => memLLM(2),
    args: () => ["my cat naps"],
    call: (m, a) => m.write(a[0] as Any),
    poisons: { "this": P.disposed(), "0": fc.oneof(notText(), wordless()) },
    state: mlState,
  }),
  entry({
    name: "MemLLM4.prepareDecodeContext",
    names: mlNames("prepare a decode context"),
    target: () => memLLM(2),
    args: () => ["What is my dog's name?"],
    call: async (m, a) => (await settled(m)).prepareDecodeContext(a[0] as Any),
    poisons: { "this": P.disposed(), "0": fc.oneof(notText(), wordless()) },
    state: mlState,
  }),
  entry({
    name: "MemLLM4.generate",
    names: mlNames("generate"),
    // The stub causal LM takes any bytes as tokens: only non-text and empty prompts are bad.
    target: () => memLLM(2, new StubCausalLM({ d: 8, contextLength: 40 })),
    args: () => ["hi", 2],
    call: async (m, a) => (await settled(m)).generate(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(notText(), fc.constantFrom<unknown>("", new Uint8Array(0))),
      "1": fc.oneof(dim(), fc.constant(1e6)),
    },
    state: mlState,
  }),
  ...(["queryDirns", "attendedEntries"] as const).map((k) =>
    entry({
      name: `MemLLM4.${k}`,
      names: ["MemLLM4", k === "queryDirns" ? "query dirns" : "attended entries"],
      target: () => memLLM(2),
      args: () => [hidden8()],
      call: async (m: Ml, a) => (await settled(m))[k](a[0] as Any),
      poisons: { "this": P.disposed(), "0": hiddenPoison() },
      state: mlState,
    })
  ),
  entry({
    name: "MemLLM4.loadWeights",
    names: ["MemLLM4 weights"],
    target: () => memLLM(0),
    args: () => [mlWeights()],
    call: (m, a) => m.loadWeights(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(
        P.notObject(),
        fc.constantFrom<unknown>(
          withoutWeight("cross_attn.prefix_scale"),
          withWeight("weights with an unknown name", "bundle_time.nope", f32(1)),
          withWeight("axis of 3", "bundle_topic._axis_raw", f32(3)),
          withWeight("axis NaN", "bundle_time._axis_raw", Float32Array.of(1, NaN, 0, 0)),
          withWeight("axis 1e39", "bundle_ctx._axis_raw", withAt(4, 2, 1e39)),
          withWeight("axis not numbers", "bundle_ctx._axis_raw", "axis"),
        ),
      ),
    },
    state: async (m) => Object.values(await m.namedWeights()),
  }),
  ...([["namedWeights", "MemLLM4 weights"], ["canonicalAxes", "canonical axes"]] as const).map((
    [k, what],
  ) =>
    entry({
      name: `MemLLM4.${k}`,
      names: ["MemLLM4", what],
      target: () => memLLM(0),
      args: () => [],
      call: (m: Ml) => m[k](),
      poisons: { "this": P.disposed() },
      runs: 4,
    })
  ),
  entry({
    name: "memLLM4ParameterShapes",
    args: () => [encCfg()],
    call: (_t, a) => memLLM4ParameterShapes(a[0] as Any),
    poisons: { "0": cfgPoison(["d_time", "d_F_ctx", "d_LLM"]) },
  }),
  entry({
    name: "slotWeightedMass",
    args: () => [{ time: f32(2, 0.5), topic: f32(2, 0.5), ctx: f32(2, 0.5) }, encCfg()],
    call: (_t, a) => slotWeightedMass(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.time": fc.constantFrom<unknown>(null, 3, "ab", {}),
      "0.topic": fc.constantFrom<unknown>(
        null,
        undefined,
        new Float32Array(3),
        Float32Array.of(0.5, NaN),
        [0.5, "0.5"],
      ),
      "1": cfgPoison(["prefix_slots_topic"]),
    },
  }),
];

// --- session tier 1 ---

const tier1Options = () => ({
  nFacts: 10,
  backbone: (fs: readonly string[]) => new LexicalBackbone({ d: 8 }).fit(fs),
  makeModel: (b: ams.Backbone) => new MemLLM4({ cfg: ENC_CFG, backbone: b, seed: 0 }),
});

const SESSION_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "sessionTier1",
    names: ["session tier 1"],
    args: () => [tier1Options()],
    call: (_t, a) => sessionTier1(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.nFacts": fc.constantFrom<unknown>(11, NaN, 0, "10", null, undefined, 10.5),
      "0.model": fc.constantFrom<unknown>(null, 3, {}, disposedModel()),
      "0.backbone": fc.constantFrom<unknown>(null, 3, "bb", {}, () => 3),
      "0.makeModel": fc.constantFrom<unknown>(null, 3, "f", () => 3, () => ({})),
    },
  }),
  entry({
    name: "promptA",
    names: ["mode-A prompt"],
    args: () => ["What is my dog's name?"],
    call: (_t, a) => promptA(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
];

// --- training: losses, trainer, corpus ---

const tn = (shape: readonly number[], x = 0.3) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => x + 0.1 * Math.sin(i + 1)), shape);
};
/** A tensor argument of any rank and size: not a tensor, disposed, or i32. */
const anyShapeTensor = (shape: readonly number[]) =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, 3, "t", {}, [1, 2]),
    fc.constantFrom(
      new Lazy("a disposed tensor", () => {
        const t = tn(shape);
        t.dispose();
        return t;
      }),
      new Lazy("an i32 tensor", () =>
        tensor(new Int32Array(shape.reduce((a, b) => a * b, 1)), shape, { dtype: "i32" })),
    ),
  );
const tripletIds = () => [[1, 2, 3], [2, 3, 4], [7, 8]];
const badIdLists = () =>
  fc.constantFrom<unknown>(null, 3, "ids", {}, [[1], [2], [0.5]], [[1], null, [2]], [[1], [
    NaN,
  ], [2]]);
const batchFibers = (n = 3) => ({ time: tn([n, 4]), topic: tn([n, 4], -0.2), ctx: tn([n, 4]) });
const fibersPoisons = (n = 3) => ({
  "0": P.notObject(),
  "0.time": P.tensor([n, 4]),
  "0.topic": P.tensor([n, 4]),
  "0.ctx": P.tensor([n, 4]),
});
const psaLm = (d = 8) => stubLinearLm(f32(8 * d, 0.1), f32(d * 8, 0.2), 8, d);
const crossAttn8 = () => new CrossBundleAttention({ cfg: ENC_CFG, seed: 1 });
const psaExamples = () => [
  { queryHidden: f32(8, 0.1), ids: [1, 2, 3], split: 1 },
  { queryHidden: f32(8, -0.1), ids: [0, 4], split: 1 },
];
const hostValues8 = () =>
  fc.constantFrom<unknown>(
    null,
    "w",
    new Float64Array(7),
    withAt(8, 0, NaN),
    withAt(8, 7, Infinity),
    ["0.5", 0, 0, 0, 0, 0, 0, 0],
  );
const reconFields = () => ({
  semanticEmb: withAt(8, 0, 0.5),
  contentWteMean: withAt(8, 1, 0.5),
  contextDescriptor: withAt(8, 2, 0.5),
});

const LOSS_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "normalizeLastAxis",
    args: () => [tn([2, 4])],
    call: (_t, a) => normalizeLastAxis(a[0] as Any),
    poisons: { "0": anyShapeTensor([2, 4]) },
  }),
  entry({
    name: "pearson",
    args: () => [tn([4]), tn([4], -0.1)],
    call: (_t, a) => pearson(a[0] as Any, a[1] as Any),
    poisons: { "0": P.tensor([4]), "1": P.tensor([4]) },
  }),
  entry({
    name: "axisOf",
    args: () => [tn([4])],
    call: (_t, a) => axisOf(a[0] as Any),
    poisons: { "0": P.tensor([4], "f32", { wrongSize: false }) },
  }),
  entry({
    name: "tripletPairs",
    names: ["triplet pairs"],
    args: () => [tripletIds(), { minId: 0, fixNegatives: true }],
    call: (_t, a) => tripletPairs(a[0] as Any, a[1] as Any),
    poisons: {
      "0": badIdLists(),
      "0.1": fc.constantFrom<unknown>(null, 3, "23", [2, "3"], [2.5], [Infinity]),
      "1": notOptions(),
      "1.minId": fc.oneof(dim(0), fc.constant(null)),
      "1.fixNegatives": fc.constantFrom<unknown>("yes", 1, null),
    },
  }),
  entry({
    name: "bundleAxisAlignmentLoss",
    names: ["bundle-axis alignment loss"],
    args: () => [{
      timeBase: tn([3, 4]),
      topicDirn: tn([3, 4], -0.1),
      ctxBase: tn([3, 4], 0.2),
      axisTime: tn([4]),
      axisCtx: tn([4], -0.3),
      tokenIds: tripletIds(),
    }, {}],
    call: (_t, a) => bundleAxisAlignmentLoss(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.timeBase": P.tensor([3, 4]),
      "0.topicDirn": P.tensor([3, 4]),
      "0.ctxBase": P.tensor([3, 4]),
      "0.axisTime": P.tensor([4]),
      "0.axisCtx": P.tensor([4]),
      "0.tokenIds": fc.oneof(badIdLists(), fc.constant<unknown>([[1], [2]])),
      "1": notOptions(),
      "1.minId": fc.constantFrom<unknown>(-1, 0.5, "1", null),
      "1.fixNegatives": fc.constantFrom<unknown>("yes", 1, null),
    },
  }),
  entry({
    name: "crossBundleIndependenceLoss",
    names: ["cross-bundle independence loss"],
    args: () => [batchFibers()],
    call: (_t, a) => crossBundleIndependenceLoss(a[0] as Any),
    poisons: fibersPoisons(),
  }),
  entry({
    name: "writePolicyLoss",
    names: ["write-policy loss"],
    args: () => [batchFibers(), [4, 2, 7]],
    call: (_t, a) => writePolicyLoss(a[0] as Any, a[1] as Any),
    poisons: {
      ...fibersPoisons(),
      "1": fc.constantFrom<unknown>(null, 3, "abc", [1, 2], [1, 2, NaN], [1, -1, 2], [1, 2.5, 3]),
    },
  }),
  entry({
    name: "prefixSemanticAnchorLoss",
    names: ["prefix semantic-anchor loss"],
    target: crossAttn8,
    args: () => [SELF, batchFibers(2), psaExamples(), psaLm()],
    call: (c, a) =>
      prefixSemanticAnchorLoss(
        (a[0] === SELF ? c : a[0]) as Any,
        a[1] as Any,
        a[2] as Any,
        a[3] as Any,
      ),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, {}, "cross"),
      "1": P.notObject(),
      "1.time": P.tensor([2, 4]),
      "1.ctx": fc.oneof(
        P.tensor([2, 4]),
        fc.constant(new Lazy("ctx fibers of width 3", () => tn([2, 3]))),
      ),
      "2": fc.constantFrom<unknown>(null, 3, "examples", {}),
      "2.1": fc.constantFrom<unknown>(null, 3, "example"),
      "2.1.split": fc.constantFrom<unknown>(0, 2, 1.5, "1", null),
      "2.1.ids": fc.constantFrom<unknown>(null, "ids", [1, 8], [1, -1], [1, 0.5]),
      "2.1.queryHidden": fc.constantFrom<unknown>(
        null,
        new Float32Array(7),
        withAt(8, 2, NaN),
        withAt(8, 0, 1e39),
      ),
      "3": fc.constantFrom<unknown>(
        null,
        3,
        {},
        new Lazy("an LM of width 4", () => psaLm(4)),
      ),
    },
  }),
  entry({
    name: "stubLinearLm",
    names: ["stub linear LM"],
    args: () => [f32(16, 0.1), f32(16, 0.2), 4, 4],
    call: (_t, a) => stubLinearLm(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: { "0": badValues(16), "1": badValues(16), "2": dim(), "3": dim() },
  }),
  entry({
    name: "reconLoss",
    names: ["recon loss"],
    args: () => [new KakeyaRegistry(), reconFields(), 2, 4],
    call: (_t, a) => reconLoss(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, {}, "registry"),
      "1": P.notObject(),
      "1.semanticEmb": hostValues8(),
      "1.contextDescriptor": hostValues8(),
      "2": dim(),
      "3": dim(),
    },
  }),
];

const TR_PATH = "out/ams_public_api_trainer4.safetensors";
const trOptions = () => ({ corpus: ML_TEXTS, steps: 1, batchSize: 2, readEvery: 1 });
const trainer = () => new Trainer4(memLLM(0), trOptions());
type Tr = InstanceType<typeof Trainer4>;
/** A trainer's target owns its model too. */
const releaseTrainer = (t: Tr) => {
  t.dispose();
  (t.model as Ml).dispose();
};
const trBatch = (t: Tr) => {
  const bb = t.model.backbone as InstanceType<typeof LexicalBackbone>;
  const texts = ML_TEXTS.slice(0, 2);
  const ids = texts.map((s) => bb.tokenize(s));
  return { texts, ids, h: bb.pooledHiddenSync(ids), psa: [] };
};
const trState = (t: Tr) => ({ step: t.stepIndex });
const trEntry = (
  k: "batchTexts" | "prepareBatch" | "losses" | "step" | "run" | "save" | "load",
  names: string[],
  args: (t: Tr) => unknown[],
  poisons: Record<string, fc.Arbitrary<unknown>>,
  runs?: number,
) =>
  entry({
    name: `Trainer4.${k}`,
    names: ["Trainer4", ...names],
    target: trainer,
    release: releaseTrainer,
    args,
    call: (t: Tr, a) => (t[k] as (...x: unknown[]) => unknown).apply(t, a),
    poisons: { "this": P.disposed(), ...poisons },
    state: trState,
    runs,
  });

const TRAINER_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new Trainer4",
    target: () => memLLM(0),
    args: () => [SELF, trOptions()],
    call: (m, a) => new Trainer4((a[0] === SELF ? m : a[0]) as Any, a[1] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, {}, { cfg: {}, write: 3 }, disposedModel()),
      "1": notOptions(),
      "1.variant": fc.constantFrom<unknown>("v5", 4, null),
      "1.steps": dim(0, true),
      "1.corpus": fc.constantFrom<unknown>(null, 3, "abc", [], ["", "a"], ["a", 3]),
      "1.batchSize": dim(1, true),
      "1.lr": fc.oneof(P.real(true), fc.constant(-1)),
      "1.weightDecay": fc.oneof(P.real(true), fc.constant(-1)),
      "1.clip": fc.oneof(P.real(true), fc.constant(-1)),
      "1.readEvery": dim(1, true),
      "1.onProgress": fc.constantFrom<unknown>(null, 3, "f"),
      "1.lm": fc.constantFrom<unknown>(3, "lm", {}, new Lazy("an LM of width 4", () => psaLm(4))),
      "1.psaTarget": fc.constantFrom<unknown>("both", 3, null),
      "1.fixNegatives": fc.constantFrom<unknown>("yes", 1, null),
      "1.jaccardMinId": dim(0, true),
    },
    state: (m) => ({ mids: m.store.mids() }),
  }),
  trEntry("batchTexts", ["batch"], () => [1], { "0": index() }),
  trEntry("prepareBatch", ["batch", "tokenize"], () => [ML_TEXTS.slice(0, 2)], {
    "0": fc.constantFrom<unknown>(null, 3, "abc", [], ["", "a"], ["a", 3], ["  !! "]),
  }),
  trEntry("losses", ["losses"], (t) => [trBatch(t), 0], {
    "0": P.notObject(),
    "0.texts": fc.constantFrom<unknown>(null, [], ["a"]),
    "0.ids": fc.constantFrom<unknown>(null, [[1]]),
    "0.ids.1": fc.constantFrom<unknown>(null, [], [0.5], [-1], [1e9], ["1"]),
    "0.h": fc.constantFrom<unknown>(
      null,
      new Float32Array(15),
      new Float64Array(16),
      Float32Array.from({ length: 16 }, (_, i) => (i === 3 ? NaN : 0.1)),
    ),
    "0.psa": fc.constantFrom<unknown>(null, 3),
    "1": fc.oneof(P.real(true), fc.constant(-1)),
  }),
  trEntry("step", [], () => [true], { "0": fc.constantFrom<unknown>("yes", 1, null, {}) }),
  trEntry("run", [], () => [], {}, 4),
  trEntry("save", [], () => [TR_PATH], { "0": fc.constantFrom<unknown>(null, 3, "", {}) }),
  trEntry("load", [], () => [TR_PATH], { "0": fc.constantFrom<unknown>(null, 3, "", {}) }),
  trainer4Entry(),
  entry({
    name: "amsTrainingCorpus",
    names: ["AMS training corpus"],
    args: () => [{ size: 4, seed: 1 }],
    call: (_t, a) => amsTrainingCorpus(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.size": fc.oneof(dim(1, true), fc.constantFrom<unknown>(null, 1e9)),
      "0.seed": fc.oneof(seed(), fc.constant(null)),
    },
  }),
  entry({
    name: "contentWords",
    names: ["content words"],
    args: () => ["My dog is Rex."],
    call: (_t, a) => contentWords(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "corpusIdf",
    names: ["corpus IDF"],
    args: () => [ML_TEXTS],
    call: (_t, a) => corpusIdf(a[0] as Any),
    poisons: { "0": fc.constantFrom<unknown>(null, 3, "abc", [], ["a", 3]) },
  }),
  entry({
    name: "entityMask",
    names: ["mask an entity"],
    args: () => ["My dog is Rex.", corpusIdf(ML_TEXTS)],
    call: (_t, a) => entityMask(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notString(),
      "1": fc.constantFrom<unknown>(null, 3, {}, new Set(["dog"]), [["dog", 1]]),
    },
  }),
];

/** trainer4(model, options): the constructor's checks, before any step. */
function trainer4Entry(): FaultEntry<never> {
  return entry({
    name: "trainer4",
    names: ["Trainer4"],
    target: () => memLLM(0),
    args: () => [SELF, trOptions()],
    call: (m, a) => trainer4((a[0] === SELF ? m : a[0]) as Any, a[1] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, 3, {}, disposedModel()),
      "1": notOptions(),
      "1.steps": dim(0, true),
      "1.corpus": fc.constantFrom<unknown>(null, [], ["a", 3]),
      "1.lr": fc.oneof(P.real(true), fc.constant(-1)),
      "1.fixNegatives": fc.constantFrom<unknown>("yes", 1),
    },
    state: (m) => ({ mids: m.store.mids() }),
  });
}

/** Every entry point of the family, in mod.ts order. */
export const AMS_ENTRIES: readonly FaultEntry<never>[] = [
  ...CONFIG_ENTRIES,
  ...GEOMETRY_ENTRIES,
  ...ENCODER_ENTRIES,
  ...CROSS_ENTRIES,
  ...KAKEYA_ENTRIES,
  ...TREE_ENTRIES,
  ...STORE_ENTRIES,
  ...TEXT_ENTRIES,
  ...SESSION_ENTRIES,
  ...MEM_LLM_ENTRIES,
  ...LOSS_ENTRIES,
  ...TRAINER_ENTRIES,
];

registerFaultFuzz(
  AMS_PUBLIC_FAULTS,
  ams as unknown as Record<string, unknown>,
  AMS_ENTRIES,
  EXCLUDED,
  () => initGpu(),
);

Deno.test({
  name: `${AMS_PUBLIC_FAULTS.id}: the encoders' inherited setWeights refuses malformed weights`,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await initGpu();
    const report = await fuzzFaults(SET_WEIGHTS_ENTRIES);
    if (report.failures.length > 0) {
      throw new Error(
        `Cannot accept setWeights of the ams encoders: expected every malformed call to be ` +
          `refused, but\n${formatFailures(report, AMS_PUBLIC_FAULTS.id)}`,
      );
    }
  },
});

// Every entry's valid arguments, the encoders' setWeights entries included, must be accepted; a
// target's pending writes settle before its arguments are built.
registerValidArgumentsAccepted(
  AMS_PUBLIC_FAULTS,
  [...AMS_ENTRIES, ...SET_WEIGHTS_ENTRIES],
  () => initGpu(),
  { settle: true },
);

registerDisposeTwice("ams", {
  TimeEncoder: timeEnc,
  TopicEncoder: topicEnc,
  ContextEncoder: ctxEnc,
  CrossBundleAttention: crossAttn,
  MemLLM4: () => memLLM(0),
  // The trainer releases its optimiser only (the model is the caller's): both are released here.
  Trainer4: () => {
    const t = trainer();
    return { dispose: () => releaseTrainer(t) };
  },
}, () => initGpu());
