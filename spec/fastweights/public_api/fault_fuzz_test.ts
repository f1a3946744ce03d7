/**
 * The fast-weight family's public surface under the fault fuzzer (spec/_harness/fault_fuzz.ts):
 * one entry per exported function, constructor and method of impl/fastweights/mod.ts, each
 * built from tiny valid arguments with its argument paths poisoned; the constants are listed
 * as excluded with their reason, so that a new export without an entry fails the coverage test.
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, Rng, zeros } from "../../../impl/mod.ts";
import * as fw from "../../../impl/fastweights/mod.ts";
import {
  type FaultEntry,
  Lazy,
  poisons as P,
  registerDisposeTwice,
  registerFaultFuzz,
} from "../../_harness/fault_fuzz.ts";
import { FW_PUBLIC_FAULTS } from "./claims.ts";

const {
  chunker1200ParamCount,
  chunker1200Sequence,
  chunker1200Train,
  chunker22Train,
  c22ParamCount,
  chunkerBptt,
  chunkerParamCount,
  FastWeightStore,
  fastWeightRecall,
  kvBias,
  kvDrawEpisodes,
  kvEvaluate,
  kvTrain,
  srwmEvalCodes,
  srwmEvaluate,
  srwmParamCount,
  srwmTrain,
  UdEpisodes,
  udInitialParams,
  udLayout,
  udStreamsTensor,
  udTrainingStreams,
  UnknownDelayNet,
} = fw;

const DISPOSE = "a second dispose() is documented harmless, so it has no malformed call; the " +
  "dispose-twice test checks it and that every buffer is released";

/** Constants (plain data, no call to make) and members with no malformed call. */
const EXCLUDED: Record<string, string> = {
  UD_ADAM_DEFAULTS: "a constant options object (frozen data, not callable)",
  UNKNOWN_DELAY_DEFAULTS: "a constant configuration object (frozen data, not callable)",
  KV_TASK_DEFAULTS: "a constant configuration object (frozen data, not callable)",
  SRWM_DEFAULTS: "a constant configuration object (frozen data, not callable)",
  C22_GPU: "a constant size record of the GPU protocol (frozen data, not callable)",
  C1200_GPU: "a constant size record of the GPU protocol (frozen data, not callable)",
  "FastWeightStore.dispose": DISPOSE,
  "UdEpisodes.dispose": DISPOSE,
  "UnknownDelayNet.dispose": DISPOSE,
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const f32 = (n: number, x = 0.25) => new Float32Array(n).fill(x);
/** Seeds of memspec's Rng: not an integer, negative, or past 2^32 − 1. */
const seed = (optional = false) => fc.oneof(P.integer(optional), fc.constantFrom(-1, 2 ** 40));
const notBool = () => fc.constantFrom<unknown>("yes", 1, {}, null);
/** A list poison for plain lists of anything: not a list, or empty. */
const notList = () => fc.constantFrom<unknown>(null, undefined, "abc", 7, {}, []);
/** Rng arguments: not an Rng. */
const notRng = () => fc.constantFrom<unknown>(null, undefined, 3, {}, { int: 1 }, "rng");
/** Typed-array arguments: not one, the wrong kind, the wrong length, or a non-finite entry. */
const f32Array = (n: number) =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, "x", 4, {}, new Float32Array(0)),
    fc.constant<unknown>(new Float32Array(n + 1)),
    fc.constantFrom(NaN, Infinity, -Infinity).map((x) => {
      const a = new Float32Array(n);
      a[n - 1] = x;
      return a as unknown;
    }),
  );
const i32Array = (n: number, bad: number) =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, "x", 4, {}, new Int32Array(0)),
    fc.constant<unknown>(new Int32Array(n + 1)),
    fc.constantFrom(bad, -1).map((x) => {
      const a = new Int32Array(n);
      a[n - 1] = x;
      return a as unknown;
    }),
  );

// --- unknown delay ---

const UD = { p: 2, hidden: 2, keyDim: 2, eta: 0.5 };
const udConfig = (withEta: boolean) => ({
  "0": P.notObject(),
  "0.p": P.count(),
  "0.hidden": P.count(),
  "0.keyDim": P.count(),
  ...(withEta ? { "0.eta": P.f32() } : {}),
});
const udNet = () => UnknownDelayNet.create(UD, [1]);
/** Episodes the tiny net accepts: p = 2, one seed, 2 per seed, 4 steps. */
const udEpisodes = () => new UdEpisodes(2, 1, 2, 4);
const badEpisodes = () =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, {}, 3),
    fc.constantFrom(
      new Lazy("disposed UdEpisodes", () => {
        const e = udEpisodes();
        e.dispose();
        return e;
      }),
      new Lazy("UdEpisodes of p = 3", () => new UdEpisodes(3, 1, 2, 4)),
      new Lazy("UdEpisodes of 2 seeds", () => new UdEpisodes(2, 2, 1, 4)),
    ),
  );
const releaseEpisodes = (args: unknown[]) => {
  for (const a of args) if (a instanceof UdEpisodes) a.dispose();
};
const netState = async (n: InstanceType<typeof UnknownDelayNet>) => ({
  steps: n.steps,
  params: await n.readParams(),
});
const streams = () => udStreamsTensor([[1, 2]]);

const UD_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "udLayout",
    args: () => [{ ...UD }],
    call: (_t, a) => udLayout(a[0] as Any),
    poisons: udConfig(false),
  }),
  entry({
    name: "udInitialParams",
    args: () => [{ ...UD }, 3],
    call: (_t, a) => udInitialParams(a[0] as Any, a[1] as Any),
    poisons: { ...udConfig(true), "1": seed() },
  }),
  entry({
    name: "udTrainingStreams",
    args: () => [3],
    call: (_t, a) => udTrainingStreams(a[0] as Any),
    poisons: { "0": seed() },
  }),
  entry({
    name: "udStreamsTensor",
    args: () => [[[1, 2]]],
    call: (_t, a) => udStreamsTensor(a[0] as Any),
    poisons: {
      "0": notList(),
      "0.0": fc.constantFrom<unknown>(null, 3, [1], [1, 2, 3], "ab"),
      "0.0.1": fc.oneof(P.integer(), fc.constantFrom(-1, 2 ** 32)),
    },
  }),
  entry({
    name: "new UdEpisodes",
    names: ["UdEpisodes", "unknown-delay episodes"],
    args: () => [2, 1, 2, 4],
    call: (_t, a) =>
      new UdEpisodes(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": P.count(),
      "1": P.count(),
      "2": P.count(),
      "3": P.count(),
      "4": fc.constantFrom<unknown>("data", 5, { x: 1, target: 2, lens: 3 }),
    },
  }),
  entry({
    name: "UdEpisodes.upload",
    names: ["UdEpisodes", "unknown-delay episode"],
    args: () => [2, 1, [{ steps: 2, x: [1, 0, 1, 0, 0, 1, 0, 1], target: [1, -1] }], 3],
    call: (_t, a) => UdEpisodes.upload(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "0": P.count(),
      "1": P.count(),
      "2": notList(),
      "2.0": fc.constantFrom<unknown>(null, 3, {}, { steps: 2 }),
      "2.0.steps": P.count(),
      "2.0.x": P.finiteArray(8),
      "2.0.target": P.finiteArray(2),
      "3": P.count(),
    },
  }),
  entry({
    name: "UdEpisodes.recordTraining",
    names: ["UdEpisodes", "unknown-delay episodes", "delays"],
    target: udEpisodes,
    args: () => [streams(), 0, 1, 2],
    call: (t, a) => t.recordTraining(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.tensor([1, 2], "i32"),
      "1": P.count({ zeroOk: true }),
      "2": P.count({ zeroOk: true }),
      "3": P.count({ zeroOk: true }),
    },
    state: async (t) => [await t.x.toFloat32(), await t.target.toFloat32()],
  }),
  entry({
    name: "UdEpisodes.recordGroups",
    names: ["UdEpisodes", "unknown-delay episodes", "delay"],
    target: udEpisodes,
    args: () => [streams(), [1, 2], 1],
    call: (t, a) => t.recordGroups(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.tensor([1, 2], "i32"),
      "1": P.intArray({ min: 0, max: 2 }),
      "2": P.count(),
    },
    state: async (t) => [await t.x.toFloat32(), await t.target.toFloat32()],
  }),
  entry({
    name: "new UnknownDelayNet",
    names: ["UnknownDelayNet", "unknown-delay net"],
    args: () => [{ ...UD }, [1], udInitialParams(UD, 1)],
    call: (_t, a) => new UnknownDelayNet(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...udConfig(true),
      "1": fc.oneof(P.intArray(), fc.constantFrom<unknown>([-1], [2 ** 40])),
      "2": P.finiteArray(udLayout(UD).total),
    },
  }),
  entry({
    name: "UnknownDelayNet.create",
    names: ["UnknownDelayNet", "unknown-delay"],
    args: () => [{ ...UD }, [1]],
    call: (_t, a) => UnknownDelayNet.create(a[0] as Any, a[1] as Any),
    poisons: { ...udConfig(true), "1": fc.oneof(P.intArray(), fc.constantFrom<unknown>([-1])) },
  }),
  entry({
    name: "UnknownDelayNet.allocateActivations",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: () => [udEpisodes(), false],
    call: (t, a) => t.allocateActivations(a[0] as Any, a[1] as Any),
    cleanup: releaseEpisodes,
    poisons: { "this": P.disposed(), "0": badEpisodes(), "1": notBool() },
  }),
  entry({
    name: "UnknownDelayNet.allocateGradients",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: () => [udEpisodes()],
    call: (t, a) => t.allocateGradients(a[0] as Any),
    cleanup: releaseEpisodes,
    poisons: { "this": P.disposed(), "0": badEpisodes() },
  }),
  entry({
    name: "UnknownDelayNet.recordForward",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: (t) => {
      const ep = udEpisodes();
      return [ep, t.allocateActivations(ep)];
    },
    call: (t, a) => t.recordForward(a[0] as Any, a[1] as Any),
    cleanup: releaseEpisodes,
    poisons: {
      "this": P.disposed(),
      "0": badEpisodes(),
      "1": P.notObject(),
      "1.keys": P.tensor([2, 4, 2]),
      "1.y": P.tensor([2, 2]),
    },
    state: netState,
  }),
  entry({
    name: "UnknownDelayNet.recordBackward",
    names: ["UnknownDelayNet", "unknown-delay", "loss slot"],
    target: udNet,
    args: (t) => {
      const ep = udEpisodes();
      return [ep, t.allocateActivations(ep), t.allocateGradients(ep), zeros([1, 1]), 0];
    },
    call: (t, a) =>
      t.recordBackward(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    cleanup: releaseEpisodes,
    poisons: {
      "this": P.disposed(),
      "0": badEpisodes(),
      "1": P.notObject(),
      "1.h": P.tensor([2, 4, 2]),
      "2": P.notObject(),
      "2.grads": P.tensor([1, udLayout(UD).stride]),
      // losses [slots, S]: any number of slots is valid.
      "3": P.tensor([1, 1], "f32", { wrongSize: false }),
      "4": P.count({ zeroOk: true, optional: true }),
    },
    state: netState,
  }),
  entry({
    name: "UnknownDelayNet.recordAdam",
    names: ["UnknownDelayNet", "unknown-delay", "Adam"],
    target: udNet,
    args: () => [zeros([1, udLayout(UD).stride]), zeros([1]), { ...fw.UD_ADAM_DEFAULTS }],
    call: (t, a) => t.recordAdam(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.tensor([1, udLayout(UD).stride]),
      "1": P.tensor([1]),
      "2": P.notObject(true),
      "2.lr": P.f32(),
      "2.beta1": P.inRange(0, 1),
      "2.beta2": P.inRange(0, 1),
      "2.eps": P.f32(),
      "2.maxNorm": P.f32(),
    },
    state: netState,
  }),
  entry({
    name: "UnknownDelayNet.train",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: () => [{ iterations: 1, batch: 1, dMin: 0, dMax: 1 }],
    call: (t, a) => t.train(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.notObject(),
      "0.iterations": P.count(),
      "0.batch": P.count({ optional: true }),
      "0.dMin": P.count({ zeroOk: true, optional: true }),
      "0.dMax": P.count({ zeroOk: true, optional: true }),
      "0.adam": fc.constantFrom<unknown>("adam", 3, { lr: NaN }),
      "0.firstIteration": P.count({ zeroOk: true, optional: true }),
    },
    state: netState,
  }),
  entry({
    name: "UnknownDelayNet.evaluate",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: () => [[1], 1, 5],
    call: (t, a) => t.evaluate(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.intArray({ min: 0, max: 63 }),
      "1": P.count({ optional: true }),
      "2": P.integer(true),
    },
    state: netState,
  }),
  entry({
    name: "UnknownDelayNet.readParams",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: () => [],
    call: (t) => t.readParams(),
    poisons: { "this": P.disposed() },
  }),
  entry({
    name: "UnknownDelayNet.unpad",
    names: ["UnknownDelayNet", "unknown-delay"],
    target: udNet,
    args: () => [new Float32Array(udLayout(UD).stride)],
    call: (t, a) => t.unpad(a[0] as Any),
    poisons: {
      "this": P.disposed(),
      "0": fc.constantFrom<unknown>(null, undefined, 3, "x", {}, [], new Float32Array(3)),
    },
  }),
];

// --- the fused recurrence and the store ---

const storeState = async (s: InstanceType<typeof FastWeightStore>) => await s.state.toFloat32();
const RECALL_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "fastWeightRecall",
    args: () => [zeros([1, 2, 2]), zeros([1, 2, 1]), zeros([1, 2]), zeros([1, 2]), 0.5],
    call: (_t, a) =>
      fastWeightRecall(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      "0": P.tensor([1, 2, 2]),
      "1": P.tensor([1, 2, 1]),
      "2": P.tensor([1, 2]),
      "3": P.tensor([1, 2]),
      "4": P.f32(),
    },
  }),
  entry({
    name: "new FastWeightStore",
    names: ["FastWeightStore"],
    args: () => [2, 2, 1],
    call: (_t, a) => new FastWeightStore(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": P.count(), "2": P.f32(true) },
  }),
  entry({
    name: "FastWeightStore.write",
    target: () => new FastWeightStore(2, 2),
    args: () => [[1, 0], [0.5, 1], 1],
    call: (t, a) => t.write(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.finiteArray(2),
      "1": P.finiteArray(2),
      "2": P.f32(true),
    },
    state: storeState,
  }),
  entry({
    name: "FastWeightStore.writeMany",
    target: () => new FastWeightStore(2, 2),
    args: () => [[1, 0, 0, 1], [1, 2, 3, 4], [1, 0.5]],
    call: (t, a) => t.writeMany(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "this": P.disposed(),
      "0": P.finiteArray(4),
      "1": P.finiteArray(4),
      "2": P.finiteArray(2),
    },
    state: storeState,
  }),
  entry({
    name: "FastWeightStore.read",
    target: () => new FastWeightStore(2, 2),
    args: () => [[1, 0]],
    call: (t, a) => t.read(a[0] as Any),
    poisons: { "this": P.disposed(), "0": P.finiteArray(2) },
    state: storeState,
  }),
  entry({
    name: "FastWeightStore.reset",
    target: () => new FastWeightStore(2, 2),
    args: () => [],
    call: (t) => t.reset(),
    poisons: { "this": P.disposed() },
  }),
];

// --- key-value binding ---

const KV = { keyDim: 2, valueDim: 2, pairs: 2, alpha: 1, beta: 0.4 };
const kvTask = (i: number) => ({
  [`${i}`]: P.notObject(),
  [`${i}.keyDim`]: P.count(),
  [`${i}.valueDim`]: P.count(),
  [`${i}.pairs`]: P.count(),
  [`${i}.alpha`]: P.f32(),
  [`${i}.beta`]: P.f32(),
});
const kvEpisodes = () => kvDrawEpisodes(KV, kvBias(2), new Rng(1), 2);
const KV_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "kvBias",
    args: () => [2, 13],
    call: (_t, a) => kvBias(a[0] as Any, a[1] as Any),
    poisons: { "0": P.count(), "1": seed(true) },
  }),
  entry({
    name: "kvDrawEpisodes",
    args: () => [{ ...KV }, [1, 0], new Rng(1), 2, 2],
    call: (_t, a) =>
      kvDrawEpisodes(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any, a[4] as Any),
    poisons: {
      ...kvTask(0),
      "1": P.finiteArray(2),
      "2": notRng(),
      "3": P.count(),
      "4": P.count({ optional: true }),
    },
  }),
  entry({
    name: "kvEvaluate",
    args: () => [{ ...KV }, [1, 0, 0, 1], kvEpisodes(), 2],
    call: (_t, a) => kvEvaluate(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      ...kvTask(0),
      "1": P.finiteArray(4),
      "2": P.notObject(),
      "2.count": P.count(),
      "2.pairs": P.count(),
      "2.keys": f32Array(8),
      "2.values": f32Array(8),
      "2.query": i32Array(2, 2),
      "3": P.count({ optional: true }),
    },
  }),
  entry({
    name: "kvTrain",
    args: () => [{ ...KV }, [1], { steps: 1, lr: 0.05, maxNorm: 1 }],
    call: (_t, a) => kvTrain(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...kvTask(0),
      "1": fc.oneof(P.intArray(), fc.constantFrom<unknown>([-1], [2 ** 40])),
      "2": fc.constantFrom<unknown>(null, "opts", 3),
      "2.steps": P.count({ optional: true }),
      "2.lr": P.f32(true),
      "2.maxNorm": P.f32(true),
    },
  }),
];

// --- SRWM ---

const SR = { ...fw.SRWM_DEFAULTS, hidden: 2 };
const srwmCfg = {
  "0": P.notObject(),
  "0.hidden": P.count(),
  "0.lr": P.f32(),
  "0.beta1": P.inRange(0, 1),
  "0.beta2": P.inRange(0, 1),
  "0.eps": P.f32(),
  "0.clip": P.f32(),
};
const codesArray = () =>
  fc.constantFrom<unknown>(null, "c", 3, [], [new Uint32Array(0)], [[1, 2]], [
    new Uint32Array(4),
    new Uint32Array(4),
  ]);
const SRWM_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "srwmParamCount",
    args: () => [2],
    call: (_t, a) => srwmParamCount(a[0] as Any),
    poisons: { "0": P.count() },
  }),
  entry({
    name: "srwmEvalCodes",
    args: () => [new Rng(1), 1],
    call: (_t, a) => srwmEvalCodes(a[0] as Any, a[1] as Any),
    poisons: { "0": notRng(), "1": P.count() },
  }),
  entry({
    name: "srwmTrain",
    args: () => [{ ...SR }, [{ seed: 1, eta: 0.5 }], 1],
    call: (_t, a) => srwmTrain(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      ...srwmCfg,
      "1": notList(),
      "1.0": P.notObject(),
      "1.0.seed": seed(),
      "1.0.eta": P.f32(),
      "2": P.count({ optional: true }),
    },
  }),
  entry({
    name: "srwmEvaluate",
    names: ["srwmEvaluate", "SRWM"],
    args: () => [
      { ...SR },
      zeros([1, srwmParamCount(2)]),
      [0.5],
      [srwmEvalCodes(new Rng(1), 1)],
    ],
    call: (_t, a) => srwmEvaluate(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: {
      ...srwmCfg,
      "1": P.tensor([1, srwmParamCount(2)]),
      "2": P.finiteArray(1),
      "3": codesArray(),
    },
  }),
];

// --- chunkers ---

const DIMS = { vocab: 2, hidden: 2, out: 2, label: 0, steps: 2 };
const dimsPoisons = {
  "0": P.notObject(),
  "0.vocab": P.count(),
  "0.hidden": P.count(),
  "0.out": P.count(),
  "0.label": fc.oneof(P.notNumber(), fc.constantFrom(NaN, 2, -1, 0.5)),
  "0.steps": P.count(),
};
const bpttBatch = () => ({
  params: f32(chunkerParamCount(DIMS)),
  h0: f32(2),
  inputs: new Int32Array([0, 1]),
  targets: new Int32Array([1, 0]),
  ceWeight: f32(2, 1),
});
const c22 = c22ParamCount("single");
const C22_CFG = { threshold: 0.95, blocks: 0, lr: 0.01, evalBlocks: 0 };
const c22Inputs = () => ({
  mode: "single",
  a: f32(c22.a, 0.01),
  streams: new Int32Array(21),
  evalStream: new Int32Array(21),
});
const C1200 = {
  T: 4,
  autoHidden: 4,
  autoWindow: 2,
  autoLr: 0.01,
  chunkHidden: 4,
  chunkLr: 0.01,
  baseHidden: 4,
  baseLr: 0.01,
  clip: 1,
};
const c1200Inputs = () => ({
  autoInit: f32(chunker1200ParamCount(4), 0.01),
  chunkInit: f32(chunker1200ParamCount(4), 0.01),
  baseInit: f32(chunker1200ParamCount(4), 0.01),
  autoTriggers: new Int32Array([0, 1]),
  probeTriggers: new Int32Array([0, 1]),
  chunkTriggers: new Int32Array([0, 1]),
  baseTriggers: new Int32Array([0, 1]),
  evalTriggers: new Int32Array([0, 1]),
});
const triggers = () =>
  fc.oneof(
    fc.constantFrom<unknown>(null, undefined, "x", 4, {}, [0, 1], new Float32Array(2)),
    fc.constantFrom(2, -1, 7).map((x) => Int32Array.of(0, x) as unknown),
  );
const CHUNKER_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "chunkerParamCount",
    args: () => [{ ...DIMS }],
    call: (_t, a) => chunkerParamCount(a[0] as Any),
    poisons: dimsPoisons,
  }),
  entry({
    name: "chunkerBptt",
    names: ["chunkerBptt", "chunker BPTT", "chunker net"],
    args: () => [{ ...DIMS }, bpttBatch()],
    call: (_t, a) => chunkerBptt(a[0] as Any, a[1] as Any),
    poisons: {
      ...dimsPoisons,
      "1": P.notObject(),
      "1.params": f32Array(chunkerParamCount(DIMS)),
      "1.h0": f32Array(2),
      "1.inputs": i32Array(2, 2),
      "1.targets": i32Array(2, 2),
      "1.ceWeight": f32Array(2),
      "1.labelTarget": fc.constantFrom<unknown>("x", 3, new Float32Array(3)),
    },
  }),
  entry({
    name: "c22ParamCount",
    args: () => ["single"],
    call: (_t, a) => c22ParamCount(a[0] as Any),
    poisons: { "0": P.notOneOf(["single", "chunker"]) },
  }),
  entry({
    name: "chunker22Train",
    names: ["chunker22Train", "chunker-22"],
    args: () => [{ ...C22_CFG }, c22Inputs()],
    call: (_t, a) => chunker22Train(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.threshold": P.inRange(0, 1),
      "0.blocks": P.count({ zeroOk: true }),
      "0.lr": P.f32(),
      "0.evalBlocks": P.count({ zeroOk: true }),
      "0.clip": P.f32(true),
      "1": P.notObject(),
      "1.mode": P.notOneOf(["single", "chunker"]),
      "1.a": f32Array(c22.a),
      "1.c": fc.constantFrom<unknown>("c", 3, new Float32Array(2)),
      "1.streams": i32Array(21, 22),
      "1.evalStream": i32Array(21, 22),
    },
  }),
  entry({
    name: "chunker1200ParamCount",
    args: () => [4],
    call: (_t, a) => chunker1200ParamCount(a[0] as Any),
    poisons: { "0": fc.oneof(P.count(), fc.constantFrom(3, 36)) },
  }),
  entry({
    name: "chunker1200Sequence",
    args: () => [4, 1],
    call: (_t, a) => chunker1200Sequence(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(P.count(), fc.constantFrom(1, 2)),
      "1": fc.oneof(P.notNumber(), fc.constantFrom(NaN, 2, -1, 0.5)),
    },
  }),
  entry({
    name: "chunker1200Train",
    names: ["chunker1200Train", "chunker-1200"],
    args: () => [{ ...C1200 }, c1200Inputs()],
    call: (_t, a) => chunker1200Train(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.T": P.count(),
      "0.autoHidden": P.count(),
      "0.autoWindow": P.count(),
      "0.autoLr": P.f32(),
      "0.chunkHidden": P.count(),
      "0.chunkLr": P.f32(),
      "0.baseHidden": P.count(),
      "0.baseLr": P.f32(),
      "0.clip": P.f32(),
      "1": P.notObject(),
      "1.autoInit": f32Array(chunker1200ParamCount(4)),
      "1.chunkInit": f32Array(chunker1200ParamCount(4)),
      "1.baseInit": f32Array(chunker1200ParamCount(4)),
      // Any length of trigger list is valid (the counts come from them): types and values only.
      "1.autoTriggers": triggers(),
      "1.probeTriggers": triggers(),
      "1.chunkTriggers": triggers(),
      "1.evalTriggers": triggers(),
    },
  }),
];

/** Every entry point of the family, in mod.ts order. */
export const FW_ENTRIES: readonly FaultEntry<never>[] = [
  ...RECALL_ENTRIES,
  ...UD_ENTRIES,
  ...KV_ENTRIES,
  ...SRWM_ENTRIES,
  ...CHUNKER_ENTRIES,
];

registerFaultFuzz(
  FW_PUBLIC_FAULTS,
  fw as unknown as Record<string, unknown>,
  FW_ENTRIES,
  EXCLUDED,
  () => initGpu(),
);

registerDisposeTwice("fastweights", {
  FastWeightStore: () => new FastWeightStore(2, 2),
  UdEpisodes: () => new UdEpisodes(2, 1, 2, 4),
  UnknownDelayNet: () => UnknownDelayNet.create(UD, [1]),
}, () => initGpu());
