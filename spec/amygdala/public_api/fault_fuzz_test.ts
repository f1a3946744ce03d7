/**
 * The amygdala family's public surface under the fault fuzzer (spec/_harness/fault_fuzz.ts):
 * one entry per exported function, constructor and method of impl/amygdala/mod.ts, each built
 * from tiny valid arguments (an in-memory corpus and activation source, 2 × 2 matrices) with its
 * argument paths poisoned; constants, error classes and the members with no malformed call are
 * listed as excluded with their reason, so that a new export or method without an entry fails
 * the coverage test. The file-system functions are fuzzed on their non-path arguments and on
 * paths of the wrong type; their real paths live under out/tmp.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, tensor } from "../../../impl/mod.ts";
import { fromRows, type Matrix } from "../../../impl/linalg/matrix.ts";
import * as amy from "../../../impl/amygdala/mod.ts";
import {
  type FaultEntry,
  poisons as P,
  registerDisposeTwice,
  registerFaultFuzz,
  registerValidArgumentsAccepted,
} from "../../_harness/fault_fuzz.ts";
import { AMY_PUBLIC_FAULTS } from "./claims.ts";

const {
  activateUnique,
  aggregate,
  auroc,
  checkActivations,
  combineTopK,
  conceptSets,
  corpusTexts,
  deltaSpectrum,
  firstPcNullBaseline,
  firstPcVarianceRatio,
  headConcentration,
  layerKey,
  logisticAggregator,
  logisticFit,
  logisticL1Aggregator,
  logisticL1Fit,
  manifestText,
  meanAggregator,
  nearestConcepts,
  pairedSets,
  pcaAggregator,
  poolLast,
  pooledDirection,
  qualityReport,
  readCorpus,
  readoutManifest,
  ReadoutProjector,
  readReadout,
  ridgeCombination,
  singleNeuronAlignment,
  spectrumMetrics,
  splitTexts,
  storyAlignment,
  storySubspace,
  subspaceDirection,
  trainReadout,
  writeReadout,
} = amy;

const CONSTANT = "a constant (frozen data, not callable)";
const ERROR = "an error class: thrown by the family, never called with user input";

/** Constants, error classes and members with no malformed call. */
const EXCLUDED: Record<string, string> = {
  READOUT_MANIFEST: CONSTANT,
  READOUT_TENSORS: CONSTANT,
  TRAIN_METHODS: CONSTANT,
  AGGREGATOR_METHODS: CONSTANT,
  SUBSPACE_DEFAULT_EIGEN_K: CONSTANT,
  SUBSPACE_EIGVALS_LENGTH: CONSTANT,
  SUBSPACE_ROUNDING_C: CONSTANT,
  SUBSPACE_SPAN_TOL: CONSTANT,
  NULL_BASELINE_TRIALS: CONSTANT,
  QUALITY_TOP: CONSTANT,
  RIDGE_LAMBDA: CONSTANT,
  QUALITY_FORMAT: CONSTANT,
  CorpusError: ERROR,
  "CorpusError.constructor": ERROR,
  AggregatorInputError: ERROR,
  "AggregatorInputError.constructor": ERROR,
  ZeroDirectionError: ERROR,
  "ZeroDirectionError.constructor": ERROR,
  AggregatorConvergenceError: ERROR,
  "AggregatorConvergenceError.constructor": ERROR,
  SubspaceSpectrumError: ERROR,
  "SubspaceSpectrumError.constructor": ERROR,
  "ReadoutProjector.dispose": "a second dispose() is documented harmless, so it has no " +
    "malformed call; the dispose-twice test checks it and that every buffer is released",
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const M = (rows: number[][]): Matrix => fromRows(rows);
const notList = () => fc.constantFrom<unknown>(null, undefined, "abc", 7, {});
/** Options objects: not an object (undefined is the default, so it is not a poison). */
const notOptions = () => fc.constantFrom<unknown>(null, "opts", 4, true, []);
const notFunction = () => fc.constantFrom<unknown>(null, 3, "f", {});
/** Lists of texts: not a list, or an entry that is not a string. */
const textList = (opts: { emptyOk?: boolean } = {}) =>
  fc.oneof(
    notList(),
    ...(opts.emptyOk ? [] : [fc.constant<unknown>([])]),
    fc.constantFrom<unknown>(null, 3, undefined, {}).map((x) => ["a1 x", x]),
  );
const notMap = () => fc.constantFrom<unknown>(null, undefined, 3, "m", {}, []);

/**
 * A `rows × cols` matrix argument: not a matrix, the wrong data length, no rows, a non-integer
 * or non-number size, a non-finite entry; one more column where the hidden size is fixed by
 * another argument (`cols`), one more row where the count is (`rows`).
 */
const badMatrix = (
  rows: number,
  cols: number,
  fixed: { rows?: boolean; cols?: boolean; noRowsOk?: boolean } = {},
) => {
  const data = (n: number) => new Float64Array(n).fill(0.5);
  const withEntry = (x: number) => {
    const d = data(rows * cols);
    d[rows * cols - 1] = x;
    return { rows, cols, data: d } as unknown;
  };
  return fc.oneof(
    fc.constantFrom<unknown>(null, undefined, 3, "m", {}, [[1, 2]]),
    fc.constantFrom<unknown>(
      { rows, cols, data: data(rows * cols + 1) },
      ...(fixed.noRowsOk ? [] : [{ rows: 0, cols, data: data(0) }]),
      { rows, cols: 0, data: data(0) },
      { rows: rows + 0.5, cols, data: data(rows * cols) },
      { rows: String(rows), cols, data: data(rows * cols) },
      { rows, cols, data: Array.from(data(rows * cols)) },
      ...(fixed.cols ? [{ rows, cols: cols + 1, data: data(rows * (cols + 1)) }] : []),
      ...(fixed.rows ? [{ rows: rows + 1, cols, data: data((rows + 1) * cols) }] : []),
    ),
    fc.constantFrom(NaN, Infinity, -Infinity).map(withEntry),
  );
};
const badVector = P.hostVector;
/** A string option outside `allowed` (`undefined` is the default, so it is not a poison). */
const notOneOfOptional = (allowed: readonly string[]) =>
  P.notOneOf(allowed).filter((x) => x !== undefined);
/** A count where any size is valid (how many to report): not an integer >= 0. */
const topCount = () =>
  fc.oneof(
    fc.constantFrom<unknown>("3", null, {}, [2], true, NaN, Infinity, -Infinity),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.integer({ min: -1e6, max: -1 }),
  );

// --- corpus ---

type Corpus = amy.Corpus;
const corpus = (): Corpus => ({
  root: "memory",
  concepts: ["a", "b"],
  stories: new Map([["a", ["a1 x", "a2 yy"]], ["b", ["b1 zzz", "b2 w"]]]),
  paired: new Map([["s", {
    baseline: ["base one"],
    concepts: new Map([["a", ["a framed"]]]),
  }]]),
  direct: new Map(),
  directNeutral: [],
  warnings: [],
});
const corpusPoisons = (i: number) => ({
  [`${i}`]: P.notObject(),
  [`${i}.root`]: P.notString(),
  [`${i}.concepts`]: fc.oneof(notList(), fc.constantFrom<unknown>([3], ["a", null])),
  [`${i}.stories`]: fc.oneof(
    notMap(),
    fc.constantFrom<unknown>(new Map([["a", "a1 x"]]), new Map([["a", [3]]])),
  ),
  [`${i}.paired`]: fc.oneof(
    notMap(),
    fc.constantFrom<unknown>(
      new Map([["s", null]]),
      new Map([["s", { baseline: "b", concepts: new Map() }]]),
      new Map([["s", { baseline: ["b"], concepts: {} }]]),
    ),
  ),
});

/** The real folders of the file-system entries, made by `init`. */
let corpusDir = "";
let readoutDir = "";

// --- activations ---

/** A deterministic source: layer 0 of H = 2; text t pools to (|t|, code(t₀) mod 7 + 1). */
const source = (): amy.ActivationSource => ({
  layers: [0],
  hiddenSizes: [2],
  activate(texts, options) {
    const row = (t: string) => [t.length, (t.charCodeAt(0) % 7) + 1];
    const pooled = Float32Array.from(texts.flatMap(row));
    const tokens = options?.tokens
      ? texts.map((t) => Float32Array.from([...row(t), 1, row(t)[1]! * 0.5]))
      : undefined;
    return Promise.resolve({
      layers: new Map([[0, { hidden: 2, pooled, ...(tokens ? { tokens } : {}) }]]),
    });
  },
});
const answering = (pooled: Float32Array, hidden = 2): amy.ActivationSource => ({
  ...source(),
  activate: () => Promise.resolve({ layers: new Map([[0, { hidden, pooled }]]) }),
});
const sourcePoisons = (i: number, answers = true) => ({
  [`${i}`]: P.notObject(),
  [`${i}.layers`]: fc.oneof(notList(), fc.constantFrom<unknown>([], [-1], [0.5], ["0"])),
  [`${i}.hiddenSizes`]: fc.oneof(notList(), fc.constantFrom<unknown>([], [0], [1.5], [2, 2])),
  [`${i}.activate`]: !answers ? notFunction() : fc.oneof(
    notFunction(),
    fc.constantFrom<unknown>(
      // Answers that the check must refuse: NaN activations, the wrong size, no layer.
      answering(new Float32Array([NaN, 1, 2, 3, 4, 5, 6, 7])).activate,
      answering(new Float32Array(3)).activate,
      answering(new Float32Array(8), 3).activate,
      () => Promise.resolve({ layers: new Map() }),
      () => Promise.resolve(null),
    ),
  ),
});
const acts = (pooled = Float32Array.from([1, 2, 3, 4])): amy.Activations => ({
  layers: new Map([[0, { hidden: 2, pooled }]]),
});

// --- readouts ---

const vectors = (): amy.ReadoutVectors => ({
  concepts: ["a", "b"],
  layers: [0],
  hiddenSize: 2,
  vectors: new Map([[0, Float32Array.from([0.6, 0.8, 1, 0])]]),
});
const vectorsPoisons = (i: number) => ({
  [`${i}`]: P.notObject(),
  [`${i}.concepts`]: fc.oneof(notList(), fc.constantFrom<unknown>([], ["a", "a"], ["a", 3])),
  [`${i}.layers`]: fc.oneof(notList(), fc.constantFrom<unknown>([], [-1], [0.5], ["0"], [0, 0])),
  [`${i}.hiddenSize`]: P.count(),
  [`${i}.vectors`]: fc.oneof(
    notMap(),
    fc.constantFrom<unknown>(
      new Map([[0, new Float32Array(3)]]),
      new Map([[0, [0.6, 0.8, 1, 0]]]),
      new Map([[1, Float32Array.from([0.6, 0.8, 1, 0])]]),
      new Map([[0, Float32Array.from([NaN, 0.8, 1, 0])]]),
      new Map([[0, Float32Array.from([1e6, 0.8, 1, 0])]]),
    ),
  ),
});

// --- aggregators ---

const POS = () => M([[1, 2], [3, 1]]);
const NEG = () => M([[0, 1], [1, 0]]);
const ctxPoisons = (i: number) => ({
  [`${i}`]: notOptions(),
  [`${i}.concept`]: fc.constantFrom<unknown>(3, null, {}),
  [`${i}.layer`]: fc.oneof(P.notNumber(true), fc.constantFrom(-1, 0.5, NaN)),
});
const logisticPoisons = (i: number) => ({
  ...ctxPoisons(i),
  [`${i}.C`]: P.real(true),
  [`${i}.tol`]: P.real(true),
  // Any iteration cap >= 1 is valid (the solvers stop when they converge).
  [`${i}.maxIter`]: fc.oneof(topCount(), fc.constant(0)),
});
const aggregatorEntry = (
  name: string,
  fn: (p: Any, n: Any, o: Any) => unknown,
  paired: boolean,
  logistic: boolean,
) =>
  entry({
    name,
    names: [name, "aggregate"],
    args: () => [POS(), NEG(), { concept: "a", layer: 0 }],
    call: (_t, a) => fn(a[0], a[1], a[2]),
    poisons: {
      "0": badMatrix(2, 2, { rows: paired, cols: true }),
      "1": badMatrix(2, 2, { rows: paired, cols: true }),
      ...(logistic ? logisticPoisons(2) : ctxPoisons(2)),
    },
  });
const deltasArg = () =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, "d", 3, {}, [2, 0, 2, 0], new Float64Array(3)),
    fc.constantFrom(NaN, Infinity, -Infinity).map((x) => Float64Array.of(2, 0, 2, x) as unknown),
  );

// --- subspace ---

const STORY = () => M([[1, 0, 0], [0, 1, 0]]);
const BASE = () => M([[0, 0, 1], [0.5, 0, 0]]);
const stories = (i: number, cols = 3) => ({
  [`${i}`]: fc.oneof(notList(), fc.constant<unknown>([])),
  [`${i}.0`]: badMatrix(2, cols, { cols: true }),
});

// --- quality ---

const layerInput = (): amy.QualityLayerInput => ({
  pos: M([[1, 2], [3, 1], [2, 2]]),
  neg: M([[0, 1], [1, 0]]),
});
const qualityInput = (): amy.QualityInput => ({
  method: "pooled",
  concepts: ["a", "b"],
  layers: [0],
  directions: [M([[0.6, 0.8], [1, 0]])],
  activations: () => layerInput(),
});

const CORPUS_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "splitTexts",
    names: ["splitTexts", "corpus texts"],
    args: () => ["a\n\nb"],
    call: (_t, a) => splitTexts(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "readCorpus",
    names: ["readCorpus", "corpus"],
    args: () => [corpusDir, { minPositives: 2 }],
    call: (_t, a) => readCorpus(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notString(),
      "1": notOptions(),
      "1.minPositives": P.count({ optional: true }),
      "1.warn": notFunction(),
    },
  }),
  entry({
    name: "conceptSets",
    names: ["conceptSets", "concept"],
    args: () => [corpus(), "a"],
    call: (_t, a) => conceptSets(a[0] as Any, a[1] as Any),
    poisons: { ...corpusPoisons(0), "1": fc.constantFrom<unknown>(null, 3, {}, "zz", "") },
  }),
  entry({
    name: "corpusTexts",
    names: ["corpusTexts", "corpus"],
    args: () => [corpus()],
    call: (_t, a) => corpusTexts(a[0] as Any),
    poisons: corpusPoisons(0),
  }),
  entry({
    name: "poolLast",
    names: ["poolLast", "pool"],
    args:
      () => [Float32Array.of(1, 2, 3, 4, 5, 0), Uint8Array.of(1, 1, 1, 1, 1, 0), 2, 3, 1, "right"],
    call: (_t, a) =>
      poolLast(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any, a[5] as Any),
    poisons: {
      "0": fc.oneof(
        fc.constantFrom<unknown>(null, undefined, "x", 3, {}, new Float32Array(5)),
        // A non-finite value at a pooled position (row 0's last token, row 1's last token).
        fc.constantFrom(2, 4).chain((at) =>
          fc.constantFrom(NaN, Infinity).map((x) => {
            const v = Float32Array.of(1, 2, 3, 4, 5, 0);
            v[at] = x;
            return v as unknown;
          })
        ),
      ),
      "1": fc.oneof(
        fc.constantFrom<unknown>(null, undefined, "x", 3, {}, [1, 1, 1]),
        fc.constantFrom<unknown>(NaN, 2, -1, 0.5, "1", null).map((x) => [1, 1, 1, 1, x, 0]),
      ),
      "2": P.count({ zeroOk: true }),
      "3": P.count(),
      "4": P.count(),
      "5": notOneOfOptional(["right", "left"]),
    },
  }),
];

const ACTIVATION_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "checkActivations",
    names: ["checkActivations", "activations"],
    args: () => [source(), ["t1", "t2"], acts()],
    call: (_t, a) => checkActivations(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...sourcePoisons(0, false),
      "1": textList(),
      "2": P.notObject(),
      "2.layers": fc.oneof(
        notMap(),
        fc.constantFrom<unknown>(
          new Map(),
          new Map([[0, null]]),
          new Map([[0, { hidden: 2, pooled: [1, 2, 3, 4] }]]),
          new Map([[0, { hidden: 2, pooled: Float32Array.of(1, 2, NaN, 4) }]]),
          new Map([[0, { hidden: 2, pooled: Float32Array.of(1, 2, 3) }]]),
          new Map([[0, { hidden: 2, pooled: Float32Array.of(1, 2, 3, 4), tokens: "t" }]]),
          new Map([[0, { hidden: 2, pooled: Float32Array.of(1, 2, 3, 4), tokens: [[1, 2]] }]]),
          new Map([[0, {
            hidden: 2,
            pooled: Float32Array.of(1, 2, 3, 4),
            tokens: [Float32Array.of(1, NaN), Float32Array.of(1, 2)],
          }]]),
        ),
      ),
    },
  }),
  entry({
    name: "activateUnique",
    names: ["activateUnique", "activations"],
    args: () => [source(), ["t1", "t2", "t1"], { tokens: false }],
    call: (_t, a) => activateUnique(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...sourcePoisons(0),
      "1": textList(),
      "2": notOptions(),
      "2.tokens": fc.constantFrom<unknown>("yes", 1, {}, null),
    },
  }),
  entry({
    name: "auroc",
    names: ["auroc", "AUROC"],
    args: () => [[0.9, 0.1, 0.5, 0.5], [true, false, true, false]],
    call: (_t, a) => auroc(a[0] as Any, a[1] as Any),
    poisons: {
      "0": badVector(4),
      "1": fc.oneof(
        notList(),
        fc.constantFrom<unknown>([true, false, true], [true, true, true, true]),
        fc.constantFrom<unknown>(1, "yes", null, undefined).map((x) => [true, false, x, false]),
      ),
    },
  }),
];

const READOUT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "layerKey",
    names: ["layerKey", "readout tensor"],
    args: () => [3],
    call: (_t, a) => layerKey(a[0] as Any),
    // Any index >= 0 is valid (no allocation depends on it).
    poisons: { "0": topCount() },
  }),
  entry({
    name: "readoutManifest",
    names: ["readoutManifest", "readout manifest"],
    args: () => [vectors()],
    call: (_t, a) => readoutManifest(a[0] as Any),
    poisons: vectorsPoisons(0),
  }),
  entry({
    name: "manifestText",
    names: ["manifestText", "readout manifest"],
    args: () => [vectors()],
    call: (_t, a) => manifestText(a[0] as Any),
    poisons: vectorsPoisons(0),
  }),
  entry({
    name: "writeReadout",
    names: ["writeReadout", "write the readout"],
    args: () => [readoutDir, vectors()],
    call: (_t, a) => writeReadout(a[0] as Any, a[1] as Any),
    poisons: { "0": P.notString(), ...vectorsPoisons(1) },
  }),
  entry({
    name: "readReadout",
    names: ["readReadout", "read the readout"],
    args: () => [readoutDir],
    call: (_t, a) => readReadout(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
  entry({
    name: "new ReadoutProjector",
    names: ["ReadoutProjector", "readout projector"],
    args: () => [vectors()],
    call: (_t, a) => new ReadoutProjector(a[0] as Any),
    poisons: vectorsPoisons(0),
  }),
  entry({
    name: "ReadoutProjector.project",
    names: ["ReadoutProjector", "project"],
    target: () => new ReadoutProjector(vectors()),
    args: () => [0, tensor([1, 0, 0, 1, 1, 1], [3, 2])],
    call: (t, a) => t.project(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(P.integer(), fc.constantFrom(1, -1)),
      // T (the first dimension) may be anything.
      "1": P.tensor([3, 2], "f32", { wrongSize: false }),
    },
    state: (t) => [t.layers, t.hiddenSize, t.concepts],
  }),
  entry({
    name: "pairedSets",
    names: ["pairedSets", "pair"],
    args: () => [corpus(), "a", conceptSets(corpus(), "a"), 3],
    call: (_t, a) => pairedSets(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      ...corpusPoisons(0),
      "1": fc.constantFrom<unknown>(null, 3, {}, "zz"),
      "2": P.notObject(),
      "2.positives": textList(),
      "2.negatives": textList(),
      "3": fc.oneof(P.integer(true), fc.constantFrom(-1, 2 ** 40)),
    },
  }),
  entry({
    name: "trainReadout",
    names: ["trainReadout", "readout", "activations"],
    args: () => [corpus(), source(), { method: "pooled", layers: [0], seed: 1 }],
    call: (_t, a) => trainReadout(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...corpusPoisons(0),
      ...sourcePoisons(1),
      "2": notOptions(),
      "2.method": notOneOfOptional(
        ["pooled", "subspace", "mean", "pca", "logistic", "logistic_l1"],
      ),
      "2.layers": fc.oneof(
        notList().filter((x) => x !== undefined),
        fc.constantFrom<unknown>([], [1], [-1], [0.5], ["0"]),
      ),
      "2.eigenK": fc.oneof(P.count({ optional: true }), fc.constant(3)),
      "2.seed": fc.oneof(P.integer(true), fc.constantFrom(-1, 2 ** 40)),
      "2.progress": notFunction(),
      "2.sets": fc.oneof(
        notMap().filter((x) => x !== undefined),
        fc.constantFrom<unknown>(
          new Map([["a", null]]),
          new Map([["a", { positives: "p", negatives: [] }]]),
          new Map([["a", { positives: ["a1 x"], negatives: [3] }]]),
        ),
      ),
    },
  }),
];

const AGGREGATOR_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "aggregate",
    args: () => ["mean", POS(), NEG(), { concept: "a" }],
    call: (_t, a) => aggregate(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": P.notOneOf(["pooled", "mean", "pca", "logistic", "logistic_l1"]),
      "1": badMatrix(2, 2, { rows: true, cols: true }),
      "2": badMatrix(2, 2, { rows: true, cols: true }),
      ...logisticPoisons(3),
    },
  }),
  aggregatorEntry("pooledDirection", pooledDirection, false, false),
  aggregatorEntry("meanAggregator", meanAggregator, true, false),
  aggregatorEntry("pcaAggregator", pcaAggregator, true, false),
  aggregatorEntry("logisticAggregator", logisticAggregator, true, true),
  aggregatorEntry("logisticL1Aggregator", logisticL1Aggregator, true, true),
  entry({
    name: "logisticFit",
    names: ["logisticFit", "aggregate"],
    args: () => [Float64Array.of(2, 0, 2, 0), 2, 2, {}],
    call: (_t, a) => logisticFit(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: { "0": deltasArg(), "1": P.count(), "2": P.count(), ...logisticPoisons(3) },
  }),
  entry({
    name: "logisticL1Fit",
    names: ["logisticL1Fit", "aggregate"],
    args: () => [Float64Array.of(4, 0.01, 4, 0.01), 2, 2, {}],
    call: (_t, a) => logisticL1Fit(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: { "0": deltasArg(), "1": P.count(), "2": P.count(), ...logisticPoisons(3) },
  }),
];

const SUBSPACE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "storySubspace",
    names: ["storySubspace", "story subspace"],
    args: () => [STORY()],
    call: (_t, a) => storySubspace(a[0] as Any),
    poisons: { "0": badMatrix(2, 3) },
  }),
  entry({
    name: "combineTopK",
    names: ["combineTopK", "top-k eigenvectors", "subspace direction"],
    args: () => [[0.8, 0.6], M([[-1, 0], [0, 1]]), [1, 1], 0],
    call: (_t, a) => combineTopK(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": badVector(2),
      "1": badMatrix(2, 2, { rows: true, cols: true }),
      "2": badVector(2),
      "3": P.real(true),
    },
  }),
  entry({
    name: "subspaceDirection",
    names: ["subspaceDirection", "subspace direction"],
    args: () => [[STORY()], [BASE()], { eigenK: 2, method: "auto", orient: [1, 1, 0] }],
    call: (_t, a) => subspaceDirection(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...stories(0),
      ...stories(1),
      "2": notOptions(),
      "2.eigenK": fc.oneof(P.count({ optional: true }), fc.constant(4)),
      "2.method": notOneOfOptional(["span", "full", "auto"]),
      "2.orient": badVector(3, true),
    },
  }),
];

const QUALITY_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "firstPcVarianceRatio",
    names: ["firstPcVarianceRatio", "first-PC variance ratio"],
    args: () => [M([[1, 2], [3, 1], [2, 2]])],
    call: (_t, a) => firstPcVarianceRatio(a[0] as Any),
    poisons: { "0": badMatrix(3, 2) },
  }),
  entry({
    name: "firstPcNullBaseline",
    names: ["firstPcNullBaseline", "first-PC null baseline"],
    args: () => [2, 2, 2, 7],
    call: (_t, a) => firstPcNullBaseline(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": fc.oneof(P.count(), fc.constant(1)),
      "1": P.count(),
      "2": P.count({ optional: true }),
      "3": P.integer(true),
    },
  }),
  entry({
    name: "storyAlignment",
    names: ["storyAlignment", "per-story alignment"],
    args: () => [M([[1, 2], [3, 1]]), M([[0, 1]]), [0.6, 0.8], 1],
    call: (_t, a) => storyAlignment(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": badMatrix(2, 2, { cols: true }),
      "1": badMatrix(1, 2, { cols: true }),
      "2": badVector(2),
      "3": topCount(),
    },
  }),
  entry({
    name: "singleNeuronAlignment",
    names: ["singleNeuronAlignment", "single-neuron alignment"],
    args: () => [M([[1, 0, 2], [0, 1, 1]]), [0.6, 0.8]],
    call: (_t, a) => singleNeuronAlignment(a[0] as Any, a[1] as Any),
    poisons: { "0": badMatrix(2, 3, { rows: true }), "1": badVector(2) },
  }),
  entry({
    name: "nearestConcepts",
    names: ["nearestConcepts", "nearest concepts"],
    args: () => [M([[0.6, 0.8], [1, 0], [0, 1]]), ["a", "b", "c"], 0, 2],
    call: (_t, a) => nearestConcepts(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": badMatrix(3, 2, { rows: true }),
      "1": fc.oneof(textList(), fc.constantFrom<unknown>(["a", "b"])),
      "2": fc.oneof(P.count({ zeroOk: true }), fc.constant(3)),
      "3": topCount(),
    },
  }),
  entry({
    name: "ridgeCombination",
    names: ["ridgeCombination", "ridge linear combination"],
    args: () => [M([[1, 0], [0, 1]]), [0.6, 0.8], 0.01],
    call: (_t, a) => ridgeCombination(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      // No other direction (a one-concept readout) is valid.
      "0": badMatrix(2, 2, { cols: true, noRowsOk: true }),
      "1": badVector(2),
      "2": fc.oneof(P.real(true), fc.constantFrom(0, -1)),
    },
  }),
  entry({
    name: "headConcentration",
    names: ["headConcentration", "per-head concentration"],
    args: () => [M([[1, 2, 0, 1], [3, 1, 1, 0]]), M([[0, 1, 0, 0], [1, 0, 0, 1]]), 2, 2],
    call: (_t, a) => headConcentration(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": badMatrix(2, 4, { cols: true }),
      "1": badMatrix(2, 4, { cols: true }),
      "2": fc.oneof(P.count(), fc.constant(3)),
      "3": topCount(),
    },
  }),
  entry({
    name: "spectrumMetrics",
    names: ["spectrumMetrics", "spectrum metrics"],
    args: () => [[3, 2, 1]],
    call: (_t, a) => spectrumMetrics(a[0] as Any),
    poisons: {
      "0": fc.oneof(
        fc.constantFrom<unknown>(null, undefined, "abc", 7, {}, [], [0, 0], [1, -1]),
        fc.constantFrom<unknown>(NaN, Infinity, "1", null).map((x) => [3, x, 1]),
      ),
    },
  }),
  entry({
    name: "deltaSpectrum",
    names: ["deltaSpectrum", "delta spectrum"],
    args: () => [M([[1, 2], [3, 1]])],
    call: (_t, a) => deltaSpectrum(a[0] as Any),
    poisons: { "0": badMatrix(2, 2) },
  }),
  entry({
    name: "qualityReport",
    names: ["qualityReport", "quality report"],
    args: () => [qualityInput()],
    call: (_t, a) => qualityReport(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.method": P.notString(),
      "0.concepts": fc.oneof(textList(), fc.constantFrom<unknown>(["a", "a"], ["a"])),
      "0.layers": fc.oneof(notList(), fc.constantFrom<unknown>([], [-1], [0.5], ["0"], [0, 1])),
      "0.directions": fc.oneof(notList(), fc.constantFrom<unknown>([])),
      "0.directions.0": badMatrix(2, 2, { rows: true }),
      "0.activations": fc.oneof(
        notFunction(),
        fc.constantFrom<unknown>(
          () => null,
          () => ({ pos: M([[1, NaN], [3, 1]]), neg: M([[0, 1]]) }),
          () => ({ pos: M([[1, 2], [3, 1]]), neg: M([[0, 1, 2]]) }),
          () => ({ ...layerInput(), deltas: M([[NaN, 1]]) }),
          () => ({ ...layerInput(), heads: { pos: M([[1, 2]]), neg: M([[0, 1]]), nHeads: 3 } }),
        ),
      ),
      "0.wDown": fc.oneof(
        fc.constantFrom<unknown>(null, "w", 3, {}),
        // null is "no W_down at this layer", so it is not a poison here.
        badMatrix(2, 3, { rows: true }).filter((m) => m !== null).map((m) => [m]),
      ),
    },
  }),
];

/** Every entry point of the family, in mod.ts order. */
export const AMY_ENTRIES: readonly FaultEntry<never>[] = [
  ...CORPUS_ENTRIES,
  ...ACTIVATION_ENTRIES,
  ...READOUT_ENTRIES,
  ...AGGREGATOR_ENTRIES,
  ...SUBSPACE_ENTRIES,
  ...QUALITY_ENTRIES,
];

/** The real folders of readCorpus, writeReadout and readReadout, under out/tmp. */
async function makeFolders(): Promise<void> {
  if (corpusDir !== "") return;
  await Deno.mkdir("out/tmp", { recursive: true });
  const root = await Deno.makeTempDir({ dir: "out/tmp", prefix: "amygdala_fuzz_" });
  corpusDir = `${root}/corpus`;
  await Deno.mkdir(`${corpusDir}/stories`, { recursive: true });
  await Deno.writeTextFile(`${corpusDir}/stories/a.txt`, "a one\n\na two\n");
  await Deno.writeTextFile(`${corpusDir}/stories/b.txt`, "b one\n\nb two\n");
  readoutDir = `${root}/readout`;
  await writeReadout(readoutDir, vectors());
  globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
}

registerFaultFuzz(
  AMY_PUBLIC_FAULTS,
  amy as unknown as Record<string, unknown>,
  AMY_ENTRIES,
  EXCLUDED,
  async () => {
    await initGpu();
    await makeFolders();
  },
);

registerValidArgumentsAccepted(AMY_PUBLIC_FAULTS, AMY_ENTRIES, async () => {
  await initGpu();
  await makeFolders();
});

registerDisposeTwice(
  "amygdala",
  { ReadoutProjector: () => new ReadoutProjector(vectors()) },
  () => initGpu(),
);
