/**
 * Fault-fuzz entries of the hash memory and the substrate transforms
 * (impl/decepticons/hash_memory/hash_memory.ts,
 * impl/decepticons/substrate_transforms/substrate_transforms.ts), in the format
 * of ./fault_fuzz_test.ts: one entry per exported function, constructor and
 * method, tiny valid arguments, and the argument paths poisoned; constants and
 * members with no malformed call listed with their reason. The forwards change no
 * state (their parameters are only read), so the entries read none back.
 *
 * @module
 */
import fc from "fast-check";
import { zeros } from "../../../impl/mod.ts";
import { HashMemory } from "../../../impl/decepticons/hash_memory/hash_memory.ts";
import {
  bankOf,
  MagnitudeNormalizer,
  ModeSelector,
  OverwriteGate,
  SubstrateBankRouter,
  TemporalAttention,
} from "../../../impl/decepticons/substrate_transforms/substrate_transforms.ts";
import { type FaultEntry, Lazy, poisons as P } from "../../_harness/fault_fuzz.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;

const CONSTANT = "a constant (frozen data, not callable)";
const DISPOSE = "a second dispose() is documented harmless, so it has no malformed call; the " +
  "dispose-twice test checks it and that every buffer is released";

/** Constants and members with no malformed call. */
export const XFORM_EXCLUDED: Record<string, string> = {
  HASH_MEMORY_PARAMS: CONSTANT,
  HASH_MASKED_SCORE: CONSTANT,
  TEMPORAL_MASKED_SCORE: CONSTANT,
  "HashMemory.dispose": DISPOSE,
  "SubstrateBankRouter.dispose": DISPOSE,
  "OverwriteGate.dispose": DISPOSE,
  "MagnitudeNormalizer.dispose": DISPOSE,
  "ModeSelector.dispose": DISPOSE,
  "TemporalAttention.dispose": DISPOSE,
};

const E = 2;
const M = 4;
const notOptions = () => fc.constantFrom<unknown>(null, "opts", 4, true, []);
const seedPoison = () => fc.oneof(P.integer(true), fc.constantFrom(-1, 2 ** 40));
const prefixPoison = () => fc.constantFrom<unknown>(3, null, {}, [], true);
/** Shipped weights: not an object, an unknown name, a wrong length, a non-finite value. */
const weightsPoison = (name: string, n: number) =>
  fc.constantFrom<unknown>(
    null,
    "w",
    3,
    [],
    { bogus: [1] },
    { [name]: [] },
    { [name]: new Array(n + 1).fill(0) },
    { [name]: [NaN, ...new Array(n - 1).fill(0)] },
    { [name]: [1e39, ...new Array(n - 1).fill(0)] },
    { [name]: ["1", ...new Array(n - 1).fill(0)] },
    { [name]: "abc" },
  );
const common = (name: string, n: number) => ({
  "0.seed": seedPoison(),
  "0.prefix": prefixPoison(),
  "0.weights": weightsPoison(name, n),
});
/** A sequence tensor [1, 3, w]: every malformed form, plus a wrong width. */
const seq = (w: number, opts: { wrongSize?: boolean } = {}) =>
  fc.oneof(
    P.tensor([1, 3, w], "f32", { wrongSize: opts.wrongSize ?? false }),
    fc.constant(new Lazy(`f32[1, 3, ${w + 1}]`, () => zeros([1, 3, w + 1]))),
  );

const HASH = { embeddingDim: E, slots: 2, dim: 2, seed: 1 };
const ROUTER = { modes: M, embeddingDim: E, banks: 2, seed: 1 };
const GATE = { decays: [0.5, 0.6, 0.7, 0.8], embeddingDim: E, seed: 1 };
const MAG = { modes: M, seed: 1 };
const SEL = { modes: M, embeddingDim: E, temperature: 0.5, seed: 1 };
const ATT = { modes: M, heads: 1, headDim: 2, snapshotInterval: 2, seed: 1 };

/** The entries. */
export const XFORM_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "new HashMemory",
    args: () => [{ ...HASH }],
    call: (_t, a) => new HashMemory(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.embeddingDim": P.count(),
      "0.slots": P.count(),
      "0.dim": P.count(),
      ...common("out_b", E),
    },
  }),
  entry({
    name: "HashMemory.forward",
    target: () => new HashMemory(HASH),
    args: () => [zeros([1, 3, E])],
    call: (t, a) => t.forward(a[0] as Any),
    poisons: { "this": P.disposed(), "0": seq(E) },
  }),
  entry({
    name: "bankOf",
    args: () => [3, 4, 2],
    call: (_t, a) => bankOf(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: {
      "0": fc.oneof(P.count({ zeroOk: true }), fc.constant(4)),
      "1": P.count(),
      "2": fc.oneof(P.count(), fc.constant(5)),
    },
  }),
  entry({
    name: "new SubstrateBankRouter",
    args: () => [{ ...ROUTER }],
    call: (_t, a) => new SubstrateBankRouter(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.modes": P.count(),
      "0.embeddingDim": P.count(),
      "0.banks": fc.oneof(P.count(), fc.constantFrom(5, 99)),
      ...common("route_b", 2),
    },
  }),
  entry({
    name: "SubstrateBankRouter.forward",
    target: () => new SubstrateBankRouter(ROUTER),
    args: () => [zeros([1, 3, M]), zeros([1, 3, E])],
    call: (t, a) => t.forward(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": seq(M, { wrongSize: true }),
      "1": seq(E, { wrongSize: true }),
    },
  }),
  entry({
    name: "SubstrateBankRouter.routing",
    target: () => new SubstrateBankRouter(ROUTER),
    args: () => [zeros([1, 3, E])],
    call: (t, a) => t.routing(a[0] as Any),
    poisons: { "this": P.disposed(), "0": seq(E) },
  }),
  entry({
    name: "new OverwriteGate",
    args: () => [{ ...GATE, decays: [...GATE.decays] }],
    call: (_t, a) => new OverwriteGate(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.decays": fc.constantFrom<unknown>(
        null,
        undefined,
        "abc",
        7,
        {},
        [],
        [0.5, 1.5],
        [0.5, -0.1],
        [0.5, NaN],
        [0.5, "1"],
      ),
      "0.embeddingDim": P.count(),
      "0.bias": P.f32(true),
      "0.scanMethod": fc.constantFrom<unknown>("parallel", null, 3),
      "0.scanChunk": P.count({ optional: true }),
      ...common("gate_w", E * M),
    },
  }),
  entry({
    name: "OverwriteGate.forward",
    target: () => new OverwriteGate(GATE),
    args: () => [zeros([1, 3, M]), zeros([1, 3, E])],
    call: (t, a) => t.forward(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": seq(M, { wrongSize: true }),
      "1": seq(E, { wrongSize: true }),
    },
  }),
  entry({
    name: "OverwriteGate.gate",
    target: () => new OverwriteGate(GATE),
    args: () => [zeros([1, 3, E])],
    call: (t, a) => t.gate(a[0] as Any),
    poisons: { "this": P.disposed(), "0": seq(E) },
  }),
  entry({
    name: "new MagnitudeNormalizer",
    args: () => [{ ...MAG }],
    call: (_t, a) => new MagnitudeNormalizer(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.modes": P.count(),
      "0.keepMagnitude": fc.constantFrom<unknown>(1, "yes", null),
      "0.eps": P.inRange(1e-18, 1, true),
      ...common("log_gain", 1),
    },
  }),
  entry({
    name: "MagnitudeNormalizer.forward",
    target: () => new MagnitudeNormalizer(MAG),
    args: () => [zeros([1, 3, M])],
    call: (t, a) => t.forward(a[0] as Any),
    poisons: { "this": P.disposed(), "0": seq(M) },
  }),
  entry({
    name: "new ModeSelector",
    args: () => [{ ...SEL }],
    call: (_t, a) => new ModeSelector(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.modes": P.count(),
      "0.embeddingDim": P.count(),
      "0.temperature": fc.oneof(P.f32(true), fc.constantFrom(0, -1, 1e-50)),
      ...common("select_b", M),
    },
  }),
  entry({
    name: "ModeSelector.forward",
    target: () => new ModeSelector(SEL),
    args: () => [zeros([1, 3, M]), zeros([1, 3, E])],
    call: (t, a) => t.forward(a[0] as Any, a[1] as Any),
    poisons: {
      "this": P.disposed(),
      "0": seq(M, { wrongSize: true }),
      "1": seq(E, { wrongSize: true }),
    },
  }),
  entry({
    name: "new TemporalAttention",
    args: () => [{ ...ATT }],
    call: (_t, a) => new TemporalAttention(a[0] as Any),
    poisons: {
      "0": notOptions(),
      "0.modes": P.count(),
      "0.heads": P.count(),
      "0.headDim": P.count(),
      "0.snapshotInterval": P.count(),
      ...common("o_w", 2 * M),
    },
  }),
  entry({
    name: "TemporalAttention.forward",
    target: () => new TemporalAttention(ATT),
    args: () => [zeros([1, 3, M])],
    call: (t, a) => t.forward(a[0] as Any),
    poisons: { "this": P.disposed(), "0": seq(M) },
  }),
];

/** Makers for the dispose-twice test (the six classes whose dispose() is excluded above). */
export const XFORM_DISPOSE_MAKERS: Record<string, () => { dispose(): void }> = {
  HashMemory: () => new HashMemory(HASH),
  SubstrateBankRouter: () => new SubstrateBankRouter(ROUTER),
  OverwriteGate: () => new OverwriteGate(GATE),
  MagnitudeNormalizer: () => new MagnitudeNormalizer(MAG),
  ModeSelector: () => new ModeSelector(SEL),
  TemporalAttention: () => new TemporalAttention(ATT),
};
