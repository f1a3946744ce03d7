/**
 * The larkos family's public surface under the fault fuzzer (spec/_harness/fault_fuzz.ts): one
 * entry per exported function, constructor and method of impl/larkos/mod.ts, each built from
 * tiny valid arguments (graphs of 2 nodes for the GAT layer, a 4-wide temporal encoder, the
 * fixed-size reasoner and head built once per entry from seeds) with its argument paths
 * poisoned; constants and the members with no malformed call are listed as excluded with their
 * reason, so that a new export or method without an entry fails the coverage test. The
 * checkpoint functions are fuzzed on their non-path arguments and on paths of the wrong type;
 * their real files live under out/tmp.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, readTensors, type Tensor, tensor } from "../../../impl/mod.ts";
import * as lk from "../../../impl/larkos/mod.ts";
import {
  type FaultEntry,
  Lazy,
  poisons as P,
  registerDisposeTwice,
  registerFaultFuzz,
  registerValidArgumentsAccepted,
} from "../../_harness/fault_fuzz.ts";
import { LK_PUBLIC_FAULTS } from "./claims.ts";

const {
  checkGraphEdges,
  checkNeuronMap,
  cognitiveFuse,
  cognitiveFuseGpu,
  cognitiveFuseGpuBatch,
  cognitiveFuseTrace,
  contextMix,
  cosineAnnealingLr,
  edgeGain,
  expandCopy,
  fourierEncode,
  FrameHistory,
  fusionInputNoise,
  fusionSeeds,
  FusionTransformerHead,
  GATLayer,
  GraphInputBuilder,
  LarkosTrainer,
  LarkosTrainingModel,
  loadLarkosCheckpoint,
  NeuronGraphReasoner,
  OnlineMeanStd,
  OnlineMinMax,
  projCoef,
  projCoefGpu,
  saveLarkosCheckpoint,
  splitBandQM,
  syntheticBackendTrace,
  SyntheticGraphHistoryTask,
  TemporalAttentionEncoder,
  TemporalInputPipeline,
  temporalParameterShapes,
  transferParameters,
  usableSlots,
} = lk;

const CONSTANT = "a constant (frozen data, not callable)";
const NO_ARGS = "takes no arguments and its class has no dispose(), so no call to it is malformed";
const ACCESSOR = "takes no arguments and does no GPU work: it lists or counts the module's " +
  "parameter tensors (after dispose() the disposed tensors themselves, each refusing any use " +
  "with a DisposedTensorError, as impl/nn's modules do), so no call to it is malformed";
const DISPOSE = "a second dispose() is documented harmless, so it has no malformed call; the " +
  "dispose-twice test checks it and that every buffer is released";

/** Constants and members with no malformed call. */
const EXCLUDED: Record<string, string> = {
  LARKOS: CONSTANT,
  CF_BAND: CONSTANT,
  CF_DIM: CONSTANT,
  CF_LN_EPS: CONSTANT,
  CF_MAX_MEMORIES: CONSTANT,
  CF_MEMORY_WIDTH: CONSTANT,
  CF_SEED_M: CONSTANT,
  CF_SEED_Q: CONSTANT,
  CF_TOP_K: CONSTANT,
  EDGE_WEIGHT_RANGE: CONSTANT,
  FOURIER_FREQUENCIES: CONSTANT,
  FUSION_INPUT_NOISE_STD: CONSTANT,
  FUSION_LN_EPS: CONSTANT,
  FUSION_PARAMETER_SHAPES: CONSTANT,
  FUSION_SEQ_LEN: CONSTANT,
  FUSION_TOKEN_TYPES: CONSTANT,
  LARKOS_CHECKPOINT_FORMAT: CONSTANT,
  LARKOS_MODULE_NAMES: CONSTANT,
  MEAN_STD_CLAMP: CONSTANT,
  MEAN_STD_FLOOR: CONSTANT,
  NODE_EMBED_STD: CONSTANT,
  NODE_FEATURES: CONSTANT,
  REASONER_LN_EPS: CONSTANT,
  REASONER_PARAMETER_NAMES: CONSTANT,
  TRAINING_BASE_LR: CONSTANT,
  statsLayout: "accepts any value by design: it describes the layout (field names, kinds, " +
    "lengths) of whatever statistics it is given, so no argument is malformed",
  "GraphInputBuilder.constructor": NO_ARGS,
  "GraphInputBuilder.stats": NO_ARGS,
  "FrameHistory.frames": NO_ARGS,
  "FrameHistory.snapshot": NO_ARGS,
  "OnlineMinMax.stats": NO_ARGS,
  "OnlineMeanStd.stats": NO_ARGS,
  "TemporalInputPipeline.stats": NO_ARGS,
  "GATLayer.namedParameters": ACCESSOR,
  "GATLayer.parameters": ACCESSOR,
  "NeuronGraphReasoner.namedParameters": ACCESSOR,
  "NeuronGraphReasoner.parameters": ACCESSOR,
  "TemporalAttentionEncoder.namedParameters": ACCESSOR,
  "TemporalAttentionEncoder.parameters": ACCESSOR,
  "TemporalAttentionEncoder.parameterCount": ACCESSOR,
  "TemporalAttentionEncoder.eval": "takes no arguments: train(false), fuzzed as train",
  "FusionTransformerHead.namedParameters": ACCESSOR,
  "FusionTransformerHead.parameters": ACCESSOR,
  "FusionTransformerHead.parameterCount": ACCESSOR,
  "FusionTransformerHead.eval": "takes no arguments: train(false), fuzzed as train",
  "LarkosTrainingModel.modules": ACCESSOR,
  "LarkosTrainingModel.parameters": ACCESSOR,
  "GATLayer.dispose": DISPOSE,
  "NeuronGraphReasoner.dispose": DISPOSE,
  "TemporalAttentionEncoder.dispose": DISPOSE,
  "FusionTransformerHead.dispose": DISPOSE,
  "LarkosTrainingModel.dispose": DISPOSE,
  "LarkosTrainer.dispose": DISPOSE,
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const notList = () => fc.constantFrom<unknown>(null, undefined, "abc", 7, {});
/** Options objects: not an object (undefined is the default, so it is not a poison). */
const notOptions = () => fc.constantFrom<unknown>(null, "opts", 4, true, []);
/** A boolean flag: not a boolean (undefined is its default where `optional`). */
const notBool = (optional = true) =>
  fc.constantFrom<unknown>("yes", 1, 0, {}, null, ...(optional ? [] : [undefined]));
/** Seeds of memspec's Rng: not an integer, negative, or past 2^32 − 1. */
const seed = (optional = true) => fc.oneof(P.integer(optional), fc.constantFrom(-1, 2 ** 40));
/** A count where any size >= 0 is valid (a step index): not an integer >= 0. */
const index = () =>
  fc.oneof(
    P.notNumber(),
    P.nonFinite(),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.integer({ min: -1e6, max: -1 }),
  );
/** A dropout probability: not a number, not finite, or outside [0, 1). */
const dropoutPoison = () => fc.oneof(P.inRange(0, 1, true), fc.constant(1));
/** A period (tMax) where any integer >= 1 is valid: not a number, not an integer, or < 1. */
const period = (optional = true) =>
  fc.oneof(
    P.notNumber(optional),
    P.nonFinite(),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
    fc.integer({ min: -1e6, max: 0 }),
  );
const badVector = P.hostVector;
const f32 = (n: number, x = 0.25) => new Float32Array(n).fill(x);
const t = (shape: number[], x = 0.25) => tensor(f32(shape.reduce((a, b) => a * b, 1), x), shape);
const lazyTensor = (shape: number[]) =>
  new Lazy(`wrong-shape tensor f32[${shape.join(", ")}]`, () => t(shape));
/** A tensor argument whose batch may vary, plus the given wrong trailing shapes. */
const tensorArg = (shape: number[], ...wrong: number[][]) =>
  fc.oneof(
    P.tensor(shape, "f32", { wrongSize: false }),
    ...(wrong.length > 0 ? [fc.constantFrom(...wrong.map(lazyTensor))] : []),
  );
/** A record of host arrays: one made wrong (a NaN, the wrong length, missing, unknown name). */
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
    fc.constantFrom<unknown>(null, 3, "w", []),
    fc.constantFrom(
      edit(`weights with ${first} NaN`, (w) => ((w[first] as Float32Array)[0] = NaN)),
      edit(`weights with ${last} Infinity`, (w) => ((w[last] as Float32Array)[0] = Infinity)),
      edit(`weights with ${last} too short`, (w) => (w[last] = new Float32Array(1))),
      edit(`weights without ${first}`, (w) => delete w[first]),
      edit(`weights with ${last} null`, (w) => (w[last] = null)),
      edit("weights with an unknown name", (w) => (w["nope.weight"] = new Float32Array(1))),
    ),
  );
};
const weightsOf = (shapes: readonly (readonly [string, readonly number[]])[]) => () =>
  Object.fromEntries(shapes.map(([n, s]) => [n, f32(s.reduce((a, b) => a * b, 1), 0.01)]));

// --- graphs ---

const edges2 = (): lk.GraphEdges => ({
  nodes: 2,
  adjacency: Uint8Array.of(1, 1, 0, 1),
  weights: Float32Array.of(1, 0.5, 0, 1),
});
const edges8 = (): lk.GraphEdges => {
  const adjacency = new Uint8Array(64);
  const weights = new Float32Array(64);
  for (let i = 0; i < 8; i++) {
    adjacency[i * 8 + i] = 1;
    weights[i * 8 + i] = 1;
    adjacency[i * 8 + ((i + 1) % 8)] = 1;
    weights[i * 8 + ((i + 1) % 8)] = -0.5;
  }
  return { nodes: 8, adjacency, weights };
};
/** Graph poisons of argument `i` for graphs of `n` nodes (2 or 8). */
const edgePoisons = (i: number | string, n: number, otherSizeOk = false) => {
  const nn = n * n;
  const adj = (k: number, v: number) => {
    const a = n === 2 ? edges2().adjacency : edges8().adjacency;
    a[k] = v;
    return a;
  };
  const w = (k: number, v: number) => {
    const a = n === 2 ? edges2().weights : edges8().weights;
    a[k] = v;
    return a;
  };
  return {
    [`${i}`]: fc.oneof(
      P.notObject(),
      ...(otherSizeOk ? [] : [fc.constant<unknown>(n === 8 ? edges2() : edges8())]),
    ),
    // Another node count is refused where the caller fixes N (h's nodes, the 8 neurons).
    ...(otherSizeOk ? {} : { [`${i}.nodes`]: fc.oneof(P.count(), fc.constant(n + 1)) }),
    ...(otherSizeOk ? { [`${i}.nodes`]: P.count() } : {}),
    [`${i}.adjacency`]: fc.constantFrom<unknown>(
      null,
      undefined,
      Array.from(adj(0, 1)),
      new Uint8Array(nn - 1),
      new Float32Array(nn),
      adj(1, 2),
      adj(nn - 1, 0), // the last node loses its self-loop
    ),
    [`${i}.weights`]: fc.constantFrom<unknown>(
      null,
      undefined,
      Array.from(w(0, 1)),
      new Float32Array(nn + 1),
      new Float64Array(nn),
      w(1, NaN),
      w(nn - 2, Infinity),
    ),
  };
};

// --- GAT layer ---

const gat = () => new GATLayer({ dIn: 2, dOut: 2, heads: 1, seed: 1 });
const paramState = async (m: { parameters(): Tensor[] }) => await readTensors(m.parameters());

const GAT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "checkGraphEdges",
    args: () => [edges2(), "checkGraphEdges"],
    call: (_t, a) => checkGraphEdges(a[0] as Any, a[1] as Any),
    poisons: edgePoisons(0, 2, true),
  }),
  entry({
    name: "edgeGain",
    names: ["edgeGain", "edge gain"],
    args: () => [0.5],
    call: (_t, a) => edgeGain(a[0] as Any),
    poisons: { "0": P.real() },
  }),
  entry({
    name: "new GATLayer",
    args: () => [{ dIn: 2, dOut: 4, heads: 2, seed: 1 }],
    call: (_t, a) => new GATLayer(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.dIn": P.count(),
      "0.dOut": fc.oneof(P.count(), fc.constant(3)),
      "0.heads": fc.oneof(P.count(), fc.constant(3)),
      "0.seed": seed(),
      "0.weights": fc.oneof(
        fc.constantFrom<unknown>(null, 3, "w"),
        fc.constantFrom(
          ...(["W.weight", "a_src", "a_dst"] as const).flatMap((k) => [
            new Lazy(`weights with ${k} too short`, () => ({ ...gatW4(), [k]: [0.1] })),
            new Lazy(`weights with ${k} NaN`, () => {
              const w = gatW4();
              return { ...w, [k]: w[k].map((x, i) => (i === 1 ? NaN : x)) };
            }),
            new Lazy(`weights with ${k} null`, () => ({ ...gatW4(), [k]: null })),
          ]),
        ),
      ),
    },
  }),
  entry({
    name: "GATLayer.forward",
    target: gat,
    args: () => [t([1, 2, 2]), edges2()],
    call: (g, a) => g.forward(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": tensorArg([1, 2, 2], [1, 3, 2], [1, 2, 3], [0, 2, 2]),
      ...edgePoisons(1, 2),
    },
  }),
  entry({
    name: "GATLayer.forwardWithAttention",
    target: gat,
    args: () => [t([1, 2, 2]), edges2()],
    call: (g, a) => g.forwardWithAttention(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": tensorArg([1, 2, 2], [1, 3, 2], [1, 2, 3]),
      ...edgePoisons(1, 2),
    },
    state: paramState,
  }),
];
/** Valid weights of GATLayer({ dIn: 2, dOut: 4, heads: 2 }). */
function gatW4(): { "W.weight": number[]; a_src: number[]; a_dst: number[] } {
  return {
    "W.weight": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    a_src: [0.5, -0.5, 0.1, 0.2],
    a_dst: [0.25, 0.75, 0.3, 0.4],
  };
}

// --- neuron graph reasoner ---

const neurons = (): lk.NeuronMap => ({
  neuron_0: {
    state: 0.5,
    output: -0.25,
    layerId: 0,
    numConnections: 2,
    connections: [3, 9],
    weights: [0.8],
  },
  neuron_5: { state: -1, output: 1, layerId: 1, numConnections: 0, connections: [], weights: [] },
});
const neuronPoisons = (i: number) => ({
  [`${i}`]: fc.constantFrom<unknown>(
    null,
    undefined,
    3,
    "m",
    [],
    { neuron_8: neurons().neuron_0 },
    { neuron_01: neurons().neuron_0 },
    { other: neurons().neuron_0 },
  ),
  [`${i}.neuron_0`]: P.notObject(),
  [`${i}.neuron_0.state`]: P.real(),
  [`${i}.neuron_0.output`]: P.real(),
  [`${i}.neuron_0.layerId`]: P.integer(),
  // Any count >= 0 is valid (only min(count, 6, connections) slots are read).
  [`${i}.neuron_0.numConnections`]: index(),
  [`${i}.neuron_0.connections`]: fc.oneof(
    notList(),
    fc.constantFrom<unknown>([0.5], [NaN], ["1"], [1, null], new Int32Array(2)),
  ),
  [`${i}.neuron_0.weights`]: fc.oneof(
    notList(),
    fc.constantFrom<unknown>([NaN], ["1"], [Infinity], [null], new Float32Array(1)),
  ),
});
const builderState = (b: InstanceType<typeof GraphInputBuilder>) => b.stats().prevStates;
const reasoner = () => new NeuronGraphReasoner({ seed: 1 });
/** The reasoner's parameter shapes by state-dict name (REASONER_PARAMETER_NAMES). */
const reasonerShape = (n: string): number[] =>
  n === "input_proj.weight"
    ? [64, 8]
    : n === "node_embed"
    ? [8, 64]
    : n.endsWith("W.weight")
    ? [64, 64]
    : n.endsWith("a_src") || n.endsWith("a_dst")
    ? [2, 32]
    : [64];
const reasonerWeights = weightsOf(
  lk.REASONER_PARAMETER_NAMES.map((n) => [n, reasonerShape(n)] as const),
);
const feats = () => t([1, 8, 8], 0.1);
const featPoison = () => tensorArg([1, 8, 8], [1, 7, 8], [1, 8, 7], [1, 64]);
const tok = () => t([1, 8, 64], 0.1);
const tokPoison = () => tensorArg([1, 8, 64], [1, 7, 64], [1, 8, 63], [2, 8, 64]);
const layerIndex = () => fc.oneof(P.notNumber(), fc.constantFrom(NaN, -1, 2, 0.5, Infinity));

const REASONER_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "checkNeuronMap",
    names: ["checkNeuronMap", "build graph inputs"],
    args: () => [neurons()],
    call: (_t, a) => checkNeuronMap(a[0] as Any),
    poisons: neuronPoisons(0),
  }),
  entry({
    name: "usableSlots",
    args: () => [{ numConnections: 2, connections: [1, 2, 3] }],
    call: (_t, a) => usableSlots(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.numConnections": index(),
      "0.connections": notList(),
    },
  }),
  entry({
    name: "GraphInputBuilder.build",
    names: ["GraphInputBuilder", "build graph inputs"],
    target: () => new GraphInputBuilder(),
    args: () => [neurons()],
    call: (b, a) => b.build(a[0] as Any),
    poisons: neuronPoisons(0),
    state: builderState,
  }),
  entry({
    name: "GraphInputBuilder.setStats",
    names: ["GraphInputBuilder", "graph input stats"],
    target: () => new GraphInputBuilder(),
    args: () => [{ prevStates: new Float64Array(8).fill(0.5) }],
    call: (b, a) => b.setStats(a[0] as Any),
    poisons: { "0": P.notObject(), "0.prevStates": badVector(8) },
    state: builderState,
  }),
  entry({
    name: "new NeuronGraphReasoner",
    args: () => [{ seed: 1 }],
    call: (_t, a) => new NeuronGraphReasoner(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.seed": seed(),
      "0.weights": badWeights(reasonerWeights),
    },
  }),
  entry({
    name: "NeuronGraphReasoner.checkInput",
    target: reasoner,
    args: () => [feats(), edges8()],
    call: (r, a) => r.checkInput(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), "0": featPoison(), ...edgePoisons(1, 8) },
  }),
  entry({
    name: "NeuronGraphReasoner.embed",
    target: reasoner,
    args: () => [feats()],
    call: (r, a) => r.embed(a[0] as Any),
    poisons: { "this": P.disposed(), "0": featPoison() },
  }),
  entry({
    name: "NeuronGraphReasoner.gat",
    names: ["NeuronGraphReasoner", "GATLayer"],
    target: reasoner,
    args: () => [1, tok(), edges8()],
    call: (r, a) => r.gat(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": layerIndex(),
      // Any batch B is valid here (mix compares h with g).
      "1": tensorArg([1, 8, 64], [1, 7, 64], [1, 8, 63]),
      ...edgePoisons(2, 8),
    },
  }),
  entry({
    name: "NeuronGraphReasoner.mix",
    target: reasoner,
    args: () => [0, tok(), tok()],
    call: (r, a) => r.mix(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "this": P.disposed(), "0": layerIndex(), "1": tokPoison(), "2": tokPoison() },
  }),
  entry({
    name: "NeuronGraphReasoner.forwardWithIntermediates",
    target: reasoner,
    args: () => [feats(), edges8()],
    call: (r, a) => r.forwardWithIntermediates(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), "0": featPoison(), ...edgePoisons(1, 8) },
  }),
  entry({
    name: "NeuronGraphReasoner.forward",
    target: reasoner,
    args: () => [feats(), edges8()],
    call: (r, a) => r.forward(a[0] as Any, a[1] as Any),
    poisons: { "this": P.disposed(), "0": featPoison(), ...edgePoisons(1, 8) },
    state: paramState,
  }),
  entry({
    name: "NeuronGraphReasoner.featuresTensor",
    names: ["NeuronGraphReasoner", "reasoner features"],
    args: () => [f32(64, 0.1), false],
    call: (_t, a) => NeuronGraphReasoner.featuresTensor(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(
        fc.constantFrom<unknown>(null, undefined, "x", 3, {}, [], new Float32Array(63)),
        fc.constantFrom(NaN, Infinity, -Infinity, "1", null).map((x) => {
          const a: unknown[] = Array.from(f32(64, 0.1));
          a[37] = x;
          return a;
        }),
      ),
      "1": notBool(),
    },
  }),
];

// --- temporal encoder and its input pipeline ---

const TE = { seqLen: 2, dModel: 4, nhead: 2, numLayers: 1, dimFeedforward: 4, seed: 1 };
const encoder = () => new TemporalAttentionEncoder({ ...TE });
const teShapes = () =>
  Object.entries(temporalParameterShapes({ L: 2, d: 4, ff: 4, layers: 1 })) as [
    string,
    number[],
  ][];
const teWeights = () => weightsOf(teShapes())();
const encoderState = async (e: InstanceType<typeof TemporalAttentionEncoder>) => ({
  training: e.training,
  params: await readTensors(e.parameters()),
});
const minMaxState = (m: InstanceType<typeof OnlineMinMax>) => m.stats();
const trace6 = () => [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
const minMax = () => {
  const m = new OnlineMinMax({ tracking: "asymmetric" });
  m.update([0, 0, 0, 0, 0, 0]);
  m.update([1, 1, 1, 1, 1, 1]);
  return m;
};
const pipeline = () => {
  const p = new TemporalInputPipeline({ tracking: "asymmetric" });
  p.step(trace6());
  return p;
};
const pipelineState = (p: InstanceType<typeof TemporalInputPipeline>) => p.stats();
const history = () => {
  const h = new FrameHistory({ window: 2, width: 3 });
  h.push([1, 2, 3]);
  return h;
};

const TEMPORAL_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new OnlineMinMax",
    args: () => [{ tracking: "original", dim: 2, momentum: 0.5 }],
    call: (_t, a) => new OnlineMinMax(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.tracking": P.notOneOf(["original", "asymmetric"]),
      "0.dim": P.count({ optional: true }),
      "0.momentum": fc.oneof(P.real(true), fc.constantFrom(0, -0.5, 1.5)),
    },
  }),
  ...(["update", "normalize", "observe"] as const).map((m) =>
    entry({
      name: `OnlineMinMax.${m}`,
      target: minMax,
      args: () => [trace6()],
      call: (n, a) => n[m](a[0] as Any),
      poisons: { "0": badVector(6) },
      state: minMaxState,
    })
  ),
  entry({
    name: "OnlineMinMax.setStats",
    names: ["OnlineMinMax"],
    target: minMax,
    args: (n) => [n.stats()],
    call: (n, a) => n.setStats(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.tracking": P.notOneOf(["asymmetric"]),
      "0.momentum": fc.oneof(P.real(), fc.constant(0.5)),
      "0.min": badVector(6),
      "0.max": badVector(6),
      "0.seen": fc.constantFrom<unknown>(null, 3, [true], [1, 1, 1, 1, 1, 1], "t"),
    },
    state: minMaxState,
  }),
  entry({
    name: "fourierEncode",
    names: ["fourierEncode", "fourier-encode"],
    args: () => [trace6()],
    call: (_t, a) => fourierEncode(a[0] as Any),
    poisons: { "0": badVector(6) },
  }),
  entry({
    name: "new FrameHistory",
    args: () => [{ window: 2, width: 3 }],
    call: (_t, a) => new FrameHistory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.window": P.count({ optional: true }),
      "0.width": P.count({ optional: true }),
    },
  }),
  entry({
    name: "FrameHistory.push",
    target: history,
    args: () => [[4, 5, 6]],
    call: (h, a) => h.push(a[0] as Any),
    poisons: { "0": badVector(3) },
    state: (h) => h.snapshot(),
  }),
  entry({
    name: "FrameHistory.restore",
    target: history,
    args: () => [[[4, 5, 6], [7, 8, 9]]],
    call: (h, a) => h.restore(a[0] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, 3, "f", {}, [[1, 2, 3], [1, 2, 3], [1, 2, 3]]),
      "0.1": badVector(3),
    },
    state: (h) => h.snapshot(),
  }),
  entry({
    name: "syntheticBackendTrace",
    names: ["syntheticBackendTrace", "synthetic backend trace"],
    args: () => [{ seed: 3, steps: 2, neurons: 2, capacity: 4 }],
    call: (_t, a) => syntheticBackendTrace(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.seed": seed(false),
      // Any number of steps >= 0 is valid, up to the trace's cap.
      "0.steps": fc.oneof(P.count({ zeroOk: true })),
      "0.neurons": fc.oneof(P.count({ optional: true }), fc.constant(1)),
      "0.capacity": fc.oneof(P.count({ optional: true }), fc.constant(3)),
    },
  }),
  entry({
    name: "new TemporalInputPipeline",
    args: () => [{ tracking: "original" }],
    call: (_t, a) => new TemporalInputPipeline(a[0] as Any),
    poisons: { "0": P.notObject(), "0.tracking": P.notOneOf(["original", "asymmetric"]) },
  }),
  entry({
    name: "TemporalInputPipeline.step",
    names: ["TemporalInputPipeline", "temporal input pipeline"],
    target: pipeline,
    args: () => [trace6()],
    call: (p, a) => p.step(a[0] as Any),
    poisons: { "0": badVector(6) },
    state: pipelineState,
  }),
  entry({
    name: "TemporalInputPipeline.setStats",
    names: ["TemporalInputPipeline", "OnlineMinMax", "FrameHistory"],
    target: pipeline,
    args: (p) => [p.stats()],
    call: (p, a) => p.setStats(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.norm": P.notObject(),
      "0.norm.tracking": P.notOneOf(["asymmetric"]),
      "0.norm.min": badVector(6),
      "0.history": fc.constantFrom<unknown>(
        null,
        3,
        [[1]],
        [f32(48), f32(48), f32(48), f32(48), f32(48)],
        [f32(48, NaN)],
      ),
    },
    state: pipelineState,
  }),
  entry({
    name: "new TemporalAttentionEncoder",
    args: () => [{ ...TE }],
    call: (_t, a) => new TemporalAttentionEncoder(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.seqLen": P.count({ optional: true }),
      "0.dModel": fc.oneof(P.count({ optional: true }), fc.constant(5)),
      "0.nhead": fc.oneof(P.count({ optional: true }), fc.constant(3)),
      "0.numLayers": P.count({ optional: true }),
      "0.dimFeedforward": P.count({ optional: true }),
      "0.dropout": dropoutPoison(),
      "0.seed": seed(),
      "0.weights": badWeights(teWeights),
    },
  }),
  entry({
    name: "TemporalAttentionEncoder.train",
    target: encoder,
    args: () => [true],
    call: (e, a) => e.train(a[0] as Any),
    poisons: { "0": notBool() },
    state: (e) => e.training,
  }),
  entry({
    name: "TemporalAttentionEncoder.setWeights",
    target: encoder,
    args: () => [teWeights()],
    call: (e, a) => e.setWeights(a[0] as Any),
    poisons: { "this": P.disposed(), "0": badWeights(teWeights) },
    state: encoderState,
  }),
  entry({
    name: "TemporalAttentionEncoder.checkInput",
    target: encoder,
    args: () => [t([1, 2, 4])],
    call: (e, a) => e.checkInput(a[0] as Any),
    poisons: { "this": P.disposed(), "0": tensorArg([1, 2, 4], [1, 3, 4], [1, 2, 5], [0, 2, 4]) },
  }),
  entry({
    name: "TemporalAttentionEncoder.forward",
    target: encoder,
    args: () => [t([1, 2, 4]), { seed: 3 }],
    call: (e, a) => e.forward(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": tensorArg([1, 2, 4], [1, 3, 4], [1, 2, 5]),
      "1": notOptions(),
      "1.seed": seed(),
    },
    state: encoderState,
  }),
  entry({
    name: "temporalParameterShapes",
    names: ["temporalParameterShapes", "TemporalAttentionEncoder"],
    args: () => [{ L: 2, d: 4, ff: 4, layers: 1 }],
    call: (_t, a) => temporalParameterShapes(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.L": P.count(),
      "0.d": P.count(),
      "0.ff": P.count(),
      "0.layers": P.count(),
    },
  }),
];

// --- fusion head ---

const head = () => new FusionTransformerHead({ seed: 1 });
const headWeights = weightsOf(lk.FUSION_PARAMETER_SHAPES);
const headState = (h: InstanceType<typeof FusionTransformerHead>) => ({
  training: h.training,
  calls: (h as Any).calls as number,
});
const headInputs = () => [t([1, 8, 64], 0.1), t([1, 32], 0.2), t([1, 32], -0.1), t([1, 8], 0.3)];
const headPoisons = (extraBatch = true) => ({
  "this": P.disposed(),
  "0": tensorArg([1, 8, 64], [1, 7, 64], [1, 8, 63], [0, 8, 64]),
  "1": tensorArg([1, 32], [1, 33], ...(extraBatch ? [[2, 32]] : [])),
  "2": tensorArg([1, 32], [1, 31], ...(extraBatch ? [[2, 32]] : [])),
  "3": tensorArg([1, 8], [1, 9], ...(extraBatch ? [[2, 8]] : [])),
});
const callPoisons = (i: number) => ({
  [`${i}`]: notOptions(),
  [`${i}.frozenInput`]: notBool(),
  [`${i}.seed`]: seed(),
});
const meanStd = () => {
  const n = new OnlineMeanStd(3);
  n.update([1, 2, 3]);
  return n;
};
const meanStdState = (n: InstanceType<typeof OnlineMeanStd>) => n.stats();

const FUSION_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "fusionSeeds",
    args: () => [5],
    call: (_t, a) => fusionSeeds(a[0] as Any),
    poisons: { "0": seed(false) },
  }),
  entry({
    name: "fusionInputNoise",
    args: () => [5, 4],
    call: (_t, a) => fusionInputNoise(a[0] as Any, a[1] as Any),
    poisons: { "0": seed(false), "1": P.count({ zeroOk: true }) },
  }),
  entry({
    name: "new FusionTransformerHead",
    args: () => [{ seed: 1, dropout: 0.1 }],
    call: (_t, a) => new FusionTransformerHead(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.seed": seed(),
      "0.dropout": dropoutPoison(),
      "0.weights": badWeights(headWeights),
    },
  }),
  entry({
    name: "FusionTransformerHead.train",
    target: head,
    args: () => [true],
    call: (h, a) => h.train(a[0] as Any),
    poisons: { "0": notBool() },
    state: headState,
  }),
  entry({
    name: "FusionTransformerHead.setWeights",
    target: head,
    args: () => [headWeights()],
    call: (h, a) => h.setWeights(a[0] as Any),
    poisons: { "this": P.disposed(), "0": badWeights(headWeights) },
    state: async (h) => await readTensors(h.parameters().slice(0, 4)),
  }),
  entry({
    name: "FusionTransformerHead.checkInputs",
    target: head,
    args: () => [...headInputs(), { frozenInput: true, seed: 2 }],
    call: (h, a) => h.checkInputs(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: { ...headPoisons(), ...callPoisons(4) },
  }),
  ...(["forward", "forwardWithPool", "forwardTrace"] as const).map((m) =>
    entry({
      name: `FusionTransformerHead.${m}`,
      target: head,
      args: () => [...headInputs(), { frozenInput: false, seed: 2 }],
      call: (h, a) => h[m](a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
      poisons: { ...headPoisons(), ...callPoisons(4) },
      state: headState,
    })
  ),
  entry({
    name: "FusionTransformerHead.embed",
    target: head,
    args: () => [...headInputs(), { frozenInput: false, seed: 2 }],
    call: (h, a) => h.embed(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      ...headPoisons(),
      "4": P.notObject(),
      "4.frozenInput": notBool(false),
      "4.seed": seed(false),
    },
    state: headState,
  }),
  entry({
    name: "FusionTransformerHead.pool",
    target: head,
    args: () => [t([1, 11, 64], 0.1)],
    call: (h, a) => h.pool(a[0] as Any),
    poisons: { "this": P.disposed(), "0": tensorArg([1, 11, 64], [1, 10, 64], [1, 11, 63]) },
  }),
  entry({
    name: "new OnlineMeanStd",
    args: () => [3, 0.5, 0.2],
    call: (_t, a) => new OnlineMeanStd(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": P.count({ optional: true }),
      "1": fc.oneof(P.real(true), fc.constantFrom(0, 1, -0.5)),
      "2": fc.oneof(P.real(true), fc.constantFrom(0, -1)),
    },
  }),
  ...(["update", "normalize"] as const).map((m) =>
    entry({
      name: `OnlineMeanStd.${m}`,
      target: meanStd,
      args: () => [[0.5, 1, 1.5]],
      call: (n, a) => n[m](a[0] as Any),
      poisons: { "0": badVector(3) },
      state: meanStdState,
    })
  ),
  entry({
    name: "OnlineMeanStd.setStats",
    target: meanStd,
    args: (n) => [n.stats()],
    call: (n, a) => n.setStats(a[0] as Any),
    poisons: {
      "0": P.notObject(),
      "0.mean": badVector(3),
      "0.var": fc.oneof(badVector(3), fc.constant<unknown>([1, -1, 1])),
      "0.seen": notBool(false),
    },
    state: meanStdState,
  }),
  entry({
    name: "splitBandQM",
    args: () => [t([1, 64])],
    call: (_t, a) => splitBandQM(a[0] as Any),
    poisons: { "0": tensorArg([1, 64], [1, 63], [64]) },
  }),
];

// --- cognitive fuse ---

const fuseInput = (): lk.CognitiveFuseInput => ({
  llm: [0.5, -1, 2],
  memories: [new Array(22).fill(0.5), new Array(22).fill(-0.25)],
  importances: [1, 2],
  defaultWeights: new Array(22).fill(0.1),
  memWeightRatio: 0.7,
  contextFactor: 0.25,
  text: [1, 0.5],
});
const fusePoisons = (i: number | string) => ({
  [`${i}`]: P.notObject(),
  [`${i}.llm`]: fc.oneof(notList(), fc.constantFrom<unknown>([NaN], [1, "2"], [1e39], [null])),
  [`${i}.memories`]: fc.oneof(
    notList(),
    fc.constantFrom<unknown>([new Array(22).fill(0)], [new Array(22).fill(0), null, 3]),
  ),
  [`${i}.memories.1`]: fc.oneof(
    notList(),
    fc.constantFrom<unknown>(new Array(21).fill(0), new Array(23).fill(0)),
    fc.constantFrom(NaN, Infinity, 1e39, "1").map((x) => {
      const r: unknown[] = new Array(22).fill(0);
      r[21] = x;
      return r;
    }),
  ),
  [`${i}.importances`]: fc.oneof(notList(), fc.constantFrom<unknown>([1], [1, NaN], [1, "2"])),
  [`${i}.defaultWeights`]: P.finiteArray(22),
  [`${i}.memWeightRatio`]: P.f32(),
  [`${i}.contextFactor`]: P.f32(),
  [`${i}.text`]: fc.constantFrom<unknown>(null, "t", 3, {}, [NaN], [1, Infinity], ["1"]),
});
const indexList = () =>
  fc.oneof(
    notList(),
    fc.constantFrom<unknown>([-1], [0.5], [NaN], ["1"], [null], [2 ** 32]),
  );

const FUSE_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "projCoef",
    args: () => [3, 4],
    call: (_t, a) => projCoef(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(P.integer(), fc.constantFrom(-1, 2 ** 32)),
      "1": fc.oneof(P.integer(), fc.constantFrom(-1, 2 ** 32)),
    },
  }),
  entry({
    name: "contextMix",
    args: () => [0.25],
    call: (_t, a) => contextMix(a[0] as Any),
    poisons: { "0": P.f32() },
  }),
  ...(["cognitiveFuse", "cognitiveFuseTrace", "cognitiveFuseGpu"] as const).map((name) =>
    entry({
      name,
      args: () => [fuseInput()],
      call: (_t, a) => lk[name](a[0] as Any),
      poisons: fusePoisons(0),
    })
  ),
  entry({
    name: "cognitiveFuseGpuBatch",
    args: () => [[fuseInput(), { ...fuseInput(), memories: [], importances: [] }]],
    call: (_t, a) => cognitiveFuseGpuBatch(a[0] as Any),
    poisons: { "0": notList(), ...fusePoisons("0.1") },
  }),
  entry({
    name: "projCoefGpu",
    args: () => [[1009, 3001], [0, 5]],
    call: (_t, a) => projCoefGpu(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(indexList(), fc.constant<unknown>([1])),
      "1": fc.oneof(indexList(), fc.constant<unknown>([1, 2, 3])),
    },
  }),
];
void cognitiveFuse;
void cognitiveFuseTrace;
void cognitiveFuseGpu;

// --- checkpoints ---

/** The real folder of the checkpoint entries, made by `init`. */
let ckptDir = "";
const tinyGat = () => new GATLayer({ dIn: 1, dOut: 1, heads: 1, seed: 2 });
const normStub = () => new OnlineMeanStd(2);
const modulePoisons = (i: string) => ({
  [i]: fc.oneof(
    P.notObject(),
    fc.constantFrom<unknown>({ "a.b": tinyGatStub }, { "": tinyGatStub }, { m: null }, {
      m: {},
    }, { m: { namedParameters: 3 } }),
  ),
});
/** A stand-in module for the poison records: namedParameters() that lists nothing. */
const tinyGatStub = { namedParameters: (): [string, Tensor][] => [] };

const CHECKPOINT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "expandCopy",
    args: () => [Float32Array.of(1, 2, 3, 4), [2, 2], new Float32Array(6), [2, 3]],
    call: (_t, a) => expandCopy(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": fc.constantFrom<unknown>(null, undefined, [1, 2, 3, 4], new Float32Array(3), "x"),
      "1": fc.constantFrom<unknown>(null, undefined, [2], [2, 2, 1], [2, 1.5], [2, -2], ["2", 2]),
      "2": fc.constantFrom<unknown>(null, undefined, [0, 0, 0, 0, 0, 0], new Float32Array(5)),
      "3": fc.constantFrom<unknown>(null, undefined, [2], [3, 2, 1], [2, NaN], [2, -3], "23"),
    },
  }),
  entry({
    name: "saveLarkosCheckpoint",
    names: ["saveLarkosCheckpoint", "larkos checkpoint"],
    target: tinyGat,
    args: (g) => [`${ckptDir}/save.safetensors`, {
      modules: { graph_reasoner: moduleOf(g) },
      normalisers: { fused_cog_norm: normStub() },
      cached: { cached_fused_cog: { shape: [1, 2], values: Float32Array.of(1, 2) } },
      meta: { step: 1 },
    }],
    call: (_g, a) => saveLarkosCheckpoint(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notString(),
      "1": P.notObject(),
      ...modulePoisons("1.modules"),
      "1.normalisers": fc.constantFrom<unknown>(
        3,
        "n",
        { n: null },
        { n: { stats: 3 } },
        { n: { stats: () => new Map(), setStats: () => {} } },
      ),
      "1.cached": fc.constantFrom<unknown>(
        3,
        { c: 3 },
        { c: { shape: [2], values: new Float32Array(3) } },
        { c: { shape: "x", values: new Float32Array(1) } },
        { c: { shape: [1], values: [1] } },
      ),
      "1.optimizer": fc.constantFrom<unknown>(3, "adam", {}),
      "1.meta": fc.constantFrom<unknown>(2n, { big: 1n }),
    },
  }),
  entry({
    name: "loadLarkosCheckpoint",
    names: ["loadLarkosCheckpoint", "larkos checkpoint"],
    target: tinyGat,
    args: (g) => [`${ckptDir}/load.safetensors`, {
      modules: { graph_reasoner: moduleOf(g) },
      normalisers: { fused_cog_norm: normStub() },
      onShapeMismatch: "refuse",
      strict: true,
      statsKeepFreshOnMismatch: ["fused_cog_norm"],
      cachedLastDim: { cached_fused_cog: 2 },
    }],
    call: (_g, a) => loadLarkosCheckpoint(a[0] as Any, a[1] as Any),
    cleanup: (a) => (a[1] as Any)?.modules?.graph_reasoner?.owned?.dispose(),
    poisons: {
      "0": P.notString(),
      "1": P.notObject(),
      "1.modules": fc.oneof(
        modulePoisons("m")["m"]!,
        fc.constant(
          new Lazy("a module of another shape (a GATLayer 2 → 1)", () => {
            const g = new GATLayer({ dIn: 2, dOut: 1, heads: 1, seed: 3 });
            return { graph_reasoner: { ...moduleOf(g), owned: g } };
          }),
        ),
      ),
      "1.normalisers": fc.constantFrom<unknown>(3, { n: null }, { fused_cog_norm: {} }),
      "1.onShapeMismatch": P.notOneOf(["refuse", "expandCopy"]).filter((x) => x !== undefined),
      "1.strict": notBool(),
      "1.statsKeepFreshOnMismatch": fc.constantFrom<unknown>(null, 3, "fused_cog_norm", [3]),
      "1.cachedLastDim": fc.constantFrom<unknown>(null, 3, "c", { cached_fused_cog: "2" }, {
        cached_fused_cog: -1,
      }),
    },
    state: paramState,
  }),
  entry({
    name: "transferParameters",
    names: ["transferParameters", "transfer larkos parameters"],
    target: tinyGat,
    // Stand-ins listing g's parameters: the fuzzer releases tensors it can reach in the arguments.
    args: (g) => [{ graph_reasoner: moduleOf(g) }, { graph_reasoner: moduleOf(g) }],
    call: (_g, a) => transferParameters(a[0] as Any, a[1] as Any),
    poisons: { ...modulePoisons("0"), ...modulePoisons("1") },
    state: paramState,
  }),
];
/** A module record entry listing `g`'s parameters (not `g` itself, whose tensors it holds). */
function moduleOf(g: InstanceType<typeof GATLayer>): lk.ParameterModule {
  return { namedParameters: () => g.namedParameters() };
}

// --- training ---

const task = () => new SyntheticGraphHistoryTask({ seed: 1, graphs: 1, samplesPerGraph: 1 });
const model = () => new LarkosTrainingModel({ seed: 1, dropout: 0.1 });
const trainer = () => new LarkosTrainer({ seed: 1, graphs: 1, samplesPerGraph: 1 });
const trainerState = (tr: InstanceType<typeof LarkosTrainer>) => ({
  steps: tr.steps,
  lr: tr.optimizer.lr,
});
const modelArgs = () => {
  const b = task().draw(0);
  return [[t([1, 8, 8], 0.1)], b.edges, t([1, 4, 48], 0.1), 3];
};
/** Trainer entries are heavy (three modules): fewer runs, each path still drawn. */
const HEAVY = 40;

const TRAINING_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "cosineAnnealingLr",
    names: ["cosineAnnealingLr", "cosine-annealed learning rate"],
    args: () => [3, { lr: 0.01, etaMin: 1e-5, tMax: 50 }],
    call: (_t, a) => cosineAnnealingLr(a[0] as Any, a[1] as Any),
    poisons: {
      "0": index(),
      "1": notOptions(),
      "1.lr": fc.oneof(P.real(true), fc.constant(-1)),
      "1.etaMin": fc.oneof(P.real(true), fc.constant(-1)),
      "1.tMax": period(),
    },
  }),
  entry({
    name: "new SyntheticGraphHistoryTask",
    args: () => [{ seed: 1, graphs: 1, samplesPerGraph: 1, ablation: "none", outDegree: 2 }],
    call: (_t, a) => new SyntheticGraphHistoryTask(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.seed": seed(),
      "0.graphs": P.count({ optional: true }),
      "0.samplesPerGraph": P.count({ optional: true }),
      "0.ablation": P.notOneOf(["none", "edgeWeightsZeroed", "historyFrozen"]).filter((x) =>
        x !== undefined
      ),
      "0.outDegree": fc.oneof(P.count({ optional: true }), fc.constant(8)),
    },
  }),
  entry({
    name: "SyntheticGraphHistoryTask.draw",
    names: ["SyntheticGraphHistoryTask", "task batch"],
    target: task,
    args: () => [2, true],
    call: (k, a) => k.draw(a[0] as Any, a[1] as Any),
    poisons: { "0": fc.oneof(index(), fc.constant(2 ** 32)), "1": notBool() },
  }),
  entry({
    name: "new LarkosTrainingModel",
    runs: HEAVY,
    args: () => [{ seed: 1, dropout: 0.1 }],
    call: (_t, a) => new LarkosTrainingModel(a[0] as Any),
    poisons: { "0": notOptions(), "0.seed": seed(), "0.dropout": dropoutPoison() },
  }),
  entry({
    name: "LarkosTrainingModel.train",
    runs: HEAVY,
    target: model,
    args: () => [false],
    call: (m, a) => m.train(a[0] as Any),
    poisons: { "0": notBool() },
    state: (m) => [m.temporalEncoder.training, m.fusionHead.training],
  }),
  entry({
    name: "LarkosTrainingModel.forward",
    runs: HEAVY,
    target: model,
    args: modelArgs,
    call: (m, a) => m.forward(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(notList(), fc.constant<unknown>([])),
      "0.0": featPoison(),
      "1": fc.oneof(notList(), fc.constant<unknown>([])),
      ...edgePoisons("1.0", 8),
      "2": tensorArg([1, 4, 48], [1, 3, 48], [2, 4, 48]),
      "3": seed(false),
    },
    state: (m) => headState(m.fusionHead),
  }),
  entry({
    name: "new LarkosTrainer",
    runs: HEAVY,
    args: () => [{
      seed: 1,
      graphs: 1,
      samplesPerGraph: 1,
      ablation: "none",
      schedule: { lr: 0.001, etaMin: 1e-5, tMax: 50 },
      gradClip: 1,
      dropout: 0.1,
    }],
    call: (_t, a) => new LarkosTrainer(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.seed": seed(),
      "0.graphs": P.count({ optional: true }),
      "0.samplesPerGraph": P.count({ optional: true }),
      "0.ablation": P.notOneOf(["none", "edgeWeightsZeroed", "historyFrozen"]).filter((x) =>
        x !== undefined
      ),
      "0.schedule": notOptions(),
      "0.schedule.lr": fc.oneof(P.f32(true), fc.constant(-1)),
      "0.schedule.etaMin": fc.oneof(P.f32(true), fc.constant(-1)),
      "0.schedule.tMax": period(),
      "0.gradClip": fc.oneof(P.f32(true), fc.constantFrom(0, -1)),
      "0.dropout": dropoutPoison(),
    },
  }),
  entry({
    name: "LarkosTrainer.step",
    runs: 6,
    target: trainer,
    args: () => [],
    call: (tr) => tr.step(),
    poisons: { "this": P.disposed() },
  }),
  entry({
    name: "LarkosTrainer.readLosses",
    runs: 6,
    target: trainer,
    args: () => [],
    call: (tr) => tr.readLosses(),
    poisons: { "this": P.disposed() },
  }),
  entry({
    name: "LarkosTrainer.run",
    runs: HEAVY,
    target: trainer,
    args: () => [1, 1],
    call: (tr, a) => tr.run(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.count({ zeroOk: true }),
      "1": P.count({ optional: true }),
    },
    state: trainerState,
  }),
  entry({
    name: "LarkosTrainer.heldOutLoss",
    runs: HEAVY,
    target: trainer,
    args: () => [1],
    call: (tr, a) => tr.heldOutLoss(a[0] as Any),
    poisons: { "this": P.disposed(), "0": P.count({ optional: true }) },
    state: (tr) => [tr.model.temporalEncoder.training, tr.model.fusionHead.training],
  }),
  entry({
    name: "LarkosTrainer.save",
    names: ["LarkosTrainer", "larkos checkpoint"],
    runs: HEAVY,
    target: trainer,
    args: () => [`${ckptDir}/trainer_save.safetensors`],
    call: (tr, a) => tr.save(a[0] as Any),
    poisons: { "this": P.disposed(), "0": P.notString() },
  }),
  entry({
    name: "LarkosTrainer.resume",
    names: ["LarkosTrainer", "larkos checkpoint", "resume"],
    runs: HEAVY,
    target: trainer,
    args: () => [`${ckptDir}/trainer.safetensors`],
    call: (tr, a) => tr.resume(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.oneof(
        P.notString(),
        fc.constantFrom(
          new Lazy("a larkos checkpoint without a step", () => `${ckptDir}/load.safetensors`),
          new Lazy("a checkpoint of another model", () => `${ckptDir}/other.safetensors`),
        ),
      ),
    },
    state: trainerState,
  }),
];

/** Every entry point of the family, in mod.ts order. */
export const LK_ENTRIES: readonly FaultEntry<never>[] = [
  ...GAT_ENTRIES,
  ...REASONER_ENTRIES,
  ...TEMPORAL_ENTRIES,
  ...FUSION_ENTRIES,
  ...FUSE_ENTRIES,
  ...CHECKPOINT_ENTRIES,
  ...TRAINING_ENTRIES,
];

/** The checkpoint files of the load and resume entries, under out/tmp. */
async function makeFiles(): Promise<void> {
  if (ckptDir !== "") return;
  await Deno.mkdir("out/tmp", { recursive: true });
  ckptDir = await Deno.makeTempDir({ dir: "out/tmp", prefix: "larkos_fuzz_" });
  const g = tinyGat();
  await saveLarkosCheckpoint(`${ckptDir}/load.safetensors`, {
    modules: { graph_reasoner: g },
    normalisers: { fused_cog_norm: normStub() },
    cached: { cached_fused_cog: { shape: [1, 2], values: Float32Array.of(1, 2) } },
  });
  g.dispose();
  const other = tinyGat();
  await saveLarkosCheckpoint(`${ckptDir}/other.safetensors`, {
    modules: { graph_reasoner: other },
    meta: { step: 3 },
  });
  other.dispose();
  const tr = trainer();
  await tr.save(`${ckptDir}/trainer.safetensors`);
  tr.dispose();
  globalThis.addEventListener("unload", () => Deno.removeSync(ckptDir, { recursive: true }));
}

async function init(): Promise<void> {
  await initGpu();
  await makeFiles();
}

registerFaultFuzz(
  LK_PUBLIC_FAULTS,
  lk as unknown as Record<string, unknown>,
  LK_ENTRIES,
  EXCLUDED,
  init,
);

registerValidArgumentsAccepted(LK_PUBLIC_FAULTS, LK_ENTRIES, init);

registerDisposeTwice("larkos", {
  GATLayer: gat,
  NeuronGraphReasoner: reasoner,
  TemporalAttentionEncoder: encoder,
  FusionTransformerHead: head,
  LarkosTrainingModel: model,
  LarkosTrainer: trainer,
}, () => initGpu());
