/**
 * Fault-fuzz entries of the causal bank's readouts (impl/decepticons/readouts/), in the format
 * of fault_fuzz_test.ts, for merging there: every constructor, function and method, each from
 * tiny valid arguments with its argument paths poisoned. Constants and dispose() (a documented
 * harmless second call) are excluded with their reason.
 *
 * @module
 */
import fc from "fast-check";
import { readTensors, tensor, tidy, zeros } from "../../../impl/mod.ts";
import { buildReadout, READOUT_SPEC_KINDS } from "../../../impl/decepticons/readouts/readouts.ts";
import { MlpReadout } from "../../../impl/decepticons/readouts/mlp.ts";
import { TiedRecursiveReadout } from "../../../impl/decepticons/readouts/tied_recursive.ts";
import {
  RoutedExpertsReadout,
  switchBalanceLoss,
} from "../../../impl/decepticons/readouts/routed_experts.ts";
import { TiedEmbedReadout } from "../../../impl/decepticons/readouts/tied_embed.ts";
import { RecurrentReadout } from "../../../impl/decepticons/readouts/recurrent.ts";
import { BAND_KINDS, BandsReadout } from "../../../impl/decepticons/readouts/bands.ts";
import { GatedMix } from "../../../impl/decepticons/readouts/gated_mix.ts";
import { type FaultEntry, Lazy, poisons as P } from "../../_harness/fault_fuzz.ts";

const CONSTANT = "a constant (frozen data, not callable)";
const DISPOSE = "a second dispose() is documented harmless, so it has no malformed call; the " +
  "dispose-twice test checks it and that every buffer is released";

/** The readouts' constants and dispose() members: no call to them is malformed. */
export const READOUTS_EXCLUDED: Record<string, string> = {
  READOUT_SPEC_KINDS: CONSTANT,
  BAND_KINDS: CONSTANT,
  "MlpReadout.dispose": DISPOSE,
  "TiedRecursiveReadout.dispose": DISPOSE,
  "RoutedExpertsReadout.dispose": DISPOSE,
  "TiedEmbedReadout.dispose": DISPOSE,
  "RecurrentReadout.dispose": DISPOSE,
  "BandsReadout.dispose": DISPOSE,
  "GatedMix.dispose": DISPOSE,
};

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;

/** Tiny sizes: F = 6 features (4 modes + 2 embedding columns), V = 8, E = 2. */
const F = 6;
const V = 8;
const EMB = 2;
const OPTS = { inputDim: F, vocab: V, seed: 1, prefix: "readout" };
const NAMES = ["Readout", "readout"];

/** Build-option poisons (path prefix `p`, e.g. "1"). */
const optionPoisons = (p: string) => ({
  [p]: P.notObject(),
  [`${p}.inputDim`]: P.count(),
  [`${p}.vocab`]: P.count(),
  [`${p}.seed`]: fc.oneof(P.integer(), fc.constantFrom<unknown>(-1, 2 ** 32)),
  [`${p}.prefix`]: fc.constantFrom<unknown>("", null, 3, {}),
});

const features = () => zeros([1, 3, F]);
const embeddingTable = () => tensor(new Float32Array(V * EMB).fill(0.5), [V, EMB]);
/** State of a readout: its first parameter tensors. */
const stateOf = async (r: { parameters: ReadonlyMap<string, Any> }) =>
  await readTensors([...r.parameters.values()].slice(0, 2));
/** A forward inside tidy (its outputs are released). */
const run = (r: { forward: (u: Any, ctx?: Any) => unknown }, a: unknown[]) =>
  void tidy(() => {
    r.forward(a[0], a[1]);
  });
const uPoison = () =>
  fc.oneof(
    P.tensor([1, 3, F], "f32", { wrongSize: false }),
    fc.constant(new Lazy("features [1, 3, 5]", () => zeros([1, 3, 5]))),
    fc.constant(new Lazy("features [0, 3, 6] (no rows)", () => zeros([0, 3, F]))),
  );
const ctxPoison = () => fc.constantFrom<unknown>(null, 3, "ctx", []);

const bandsSettings = { bands: 2, modes: 4, bandKind: "mlp", hidden: [4] };
const tiedSettings = { hidden: 4, experts: 2, embeddingDim: EMB, normalize: true };

const readoutMakers = {
  MlpReadout: () => new MlpReadout([4], OPTS),
  TiedRecursiveReadout: () => new TiedRecursiveReadout(4, 2, OPTS),
  RoutedExpertsReadout: () => new RoutedExpertsReadout(4, 2, OPTS),
  TiedEmbedReadout: () => new TiedEmbedReadout(tiedSettings, OPTS),
  RecurrentReadout: () => new RecurrentReadout(4, OPTS),
  BandsReadout: () => new BandsReadout(bandsSettings as Any, OPTS),
};

/** One forward entry per readout class. */
const forwardEntries = Object.entries(readoutMakers).map(([cls, make]) =>
  entry({
    name: `${cls}.forward`,
    names: [cls, ...NAMES],
    target: make,
    args: () =>
      cls === "TiedEmbedReadout"
        ? [features(), { embedding: embeddingTable() }]
        : [features(), undefined],
    call: (t: Any, a) => run(t, a),
    poisons: {
      "this": P.disposed(),
      "0": uPoison(),
      "1": ctxPoison(),
      ...(cls === "TiedEmbedReadout"
        ? {
          "1.embedding": fc.oneof(
            P.tensor([V, EMB], "f32", { wrongSize: false }),
            fc.constant(new Lazy("embedding [8, 3]", () => zeros([V, 3]))),
          ),
        }
        : {}),
    },
    state: stateOf,
  })
);

/** The readouts' fault-fuzz entries. */
export const READOUTS_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "buildReadout",
    names: ["buildReadout", ...NAMES],
    args: () => [{ kind: "mlp", hidden: [4] }, { ...OPTS }],
    call: (_t, a) => buildReadout(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.kind": P.notOneOf(READOUT_SPEC_KINDS),
      "0.hidden": P.intArray({ emptyOk: true, min: 1, max: 65536 }),
      ...optionPoisons("1"),
    },
  }),
  entry({
    name: "new MlpReadout",
    names: ["MlpReadout"],
    args: () => [[4], { ...OPTS }],
    call: (_t, a) => new MlpReadout(a[0] as Any, a[1] as Any),
    poisons: { "0": P.intArray({ emptyOk: true, min: 1, max: 65536 }), ...optionPoisons("1") },
  }),
  entry({
    name: "new TiedRecursiveReadout",
    names: ["TiedRecursiveReadout"],
    args: () => [4, 2, { ...OPTS }],
    call: (_t, a) => new TiedRecursiveReadout(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": P.count(), ...optionPoisons("2") },
  }),
  entry({
    name: "new RoutedExpertsReadout",
    names: ["RoutedExpertsReadout"],
    args: () => [4, 2, { ...OPTS }],
    call: (_t, a) => new RoutedExpertsReadout(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: { "0": P.count(), "1": P.count({ min: 2 }), ...optionPoisons("2") },
  }),
  entry({
    name: "new TiedEmbedReadout",
    names: ["TiedEmbedReadout"],
    args: () => [{ ...tiedSettings }, { ...OPTS }],
    call: (_t, a) => new TiedEmbedReadout(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.hidden": P.count(),
      "0.experts": P.count({ min: 2 }),
      "0.embeddingDim": P.count(),
      "0.normalize": fc.constantFrom<unknown>("yes", 1, null, undefined),
      ...optionPoisons("1"),
    },
  }),
  entry({
    name: "new RecurrentReadout",
    names: ["RecurrentReadout"],
    args: () => [4, { ...OPTS }],
    call: (_t, a) => new RecurrentReadout(a[0] as Any, a[1] as Any),
    poisons: { "0": P.count(), ...optionPoisons("1") },
  }),
  entry({
    name: "new BandsReadout",
    names: ["BandsReadout"],
    args: () => [{ ...bandsSettings, hidden: [4] }, { ...OPTS }],
    call: (_t, a) => new BandsReadout(a[0] as Any, a[1] as Any),
    poisons: {
      "0": P.notObject(),
      "0.bands": fc.oneof(P.count({ min: 2 }), fc.constant<unknown>(5)),
      "0.modes": fc.oneof(P.count(), fc.constant<unknown>(F)),
      "0.bandKind": fc.oneof(P.notOneOf(BAND_KINDS), fc.constant<unknown>("recurrent")),
      // [1]: a band hidden width ⌊1/2⌋ = 0.
      "0.hidden": fc.oneof(P.intArray({ emptyOk: true, min: 1, max: 65536 }), fc.constant([1])),
      "0.depth": P.count({ optional: true }),
      "0.experts": P.count({ min: 2, optional: true }),
      "0.bandExperts": fc.oneof(
        P.intArray({ min: 0, max: 256 }).filter((x) => x !== undefined),
        fc.constant<unknown>([2]),
      ),
      ...optionPoisons("1"),
    },
  }),
  ...forwardEntries,
  entry({
    name: "RoutedExpertsReadout.parts",
    names: ["RoutedExpertsReadout"],
    target: readoutMakers.RoutedExpertsReadout,
    args: () => [features()],
    call: (t: Any, a) =>
      void tidy(() => {
        t.parts(a[0]);
      }),
    poisons: { "this": P.disposed(), "0": uPoison() },
    state: stateOf,
  }),
  entry({
    name: "RecurrentReadout.hiddenStates",
    names: ["RecurrentReadout"],
    target: readoutMakers.RecurrentReadout,
    args: () => [features()],
    call: (t: Any, a) =>
      void tidy(() => {
        t.hiddenStates(a[0]);
      }),
    poisons: { "this": P.disposed(), "0": uPoison() },
    state: stateOf,
  }),
  entry({
    name: "switchBalanceLoss",
    names: ["balance loss"],
    args: () => [tensor([0.5, 0.5, 0.25, 0.75], [2, 2])],
    call: (_t, a) =>
      void tidy(() => {
        switchBalanceLoss(a[0] as Any);
      }),
    poisons: {
      "0": fc.oneof(
        P.tensor([2, 2], "f32", { wrongSize: false }),
        fc.constant(new Lazy("probabilities [0, 2] (no rows)", () => zeros([0, 2]))),
      ),
    },
  }),
  entry({
    name: "new GatedMix",
    names: ["GatedMix"],
    args: () => [0.25, { seed: 1, prefix: "mix" }],
    call: (_t, a) => new GatedMix(a[0] as Any, a[1] as Any),
    poisons: {
      "0": fc.oneof(P.f32(), fc.constantFrom<unknown>(0, -0.25)),
      "1": P.notObject(),
      "1.seed": fc.oneof(P.integer(), fc.constantFrom<unknown>(-1, 2 ** 32)),
      "1.prefix": fc.constantFrom<unknown>("", null, 3),
    },
  }),
  entry({
    name: "GatedMix.forward",
    names: ["GatedMix"],
    target: () => new GatedMix(0.25, { seed: 1, prefix: "mix" }),
    args: () => [zeros([1, 3, V]), zeros([1, 3, V])],
    call: (t: Any, a) =>
      void tidy(() => {
        t.forward(a[0], a[1]);
      }),
    poisons: {
      "this": P.disposed(),
      "0": P.tensor([1, 3, V], "f32", { wrongSize: false }),
      "1": fc.oneof(
        P.tensor([1, 3, V], "f32", { wrongSize: false }),
        fc.constant(new Lazy("local logits [1, 3, 4]", () => zeros([1, 3, 4]))),
      ),
    },
    state: stateOf,
  }),
];

/** One small live object per readout class, for the dispose-twice test. */
export const READOUTS_DISPOSABLES: Record<string, () => { dispose(): void }> = {
  ...readoutMakers,
  GatedMix: () => new GatedMix(0.25, { seed: 1, prefix: "mix" }),
};
