/**
 * Fault-fuzz entries of the GRU's public surface (impl/nn/gru/gru.ts), in the format of
 * spec/decepticons/public_api/fault_fuzz_test.ts: one entry per exported function, each built
 * from tiny valid arguments with its argument paths poisoned, and the exports with no
 * malformed call excluded with their reason. Every message names the GRU.
 *
 * @module
 */
import fc from "fast-check";
import { tensor } from "../../../impl/mod.ts";
import {
  gru,
  gruInitValues,
  gruParameterNames,
  gruShapes,
  type GruWeights,
  initGruWeights,
} from "../../../impl/nn/gru/gru.ts";
import { type FaultEntry, poisons as P } from "../../_harness/fault_fuzz.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const entry = <T>(e: FaultEntry<T>): FaultEntry<never> => e as unknown as FaultEntry<never>;
const NAMES = ["GRU"];
const f32 = (shape: number[]) =>
  tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.25), shape);
/** Valid weights of I = 2, H = 2. */
const weights = (): GruWeights => ({
  wIh: f32([6, 2]),
  wHh: f32([6, 2]),
  bIh: f32([6]),
  bHh: f32([6]),
});
/** A seed: a bad integer, or one outside [0, 2^32). */
const seed = () => fc.oneof(P.integer(), fc.constantFrom<unknown>(-1, 2 ** 32, 2 ** 40));
const operandPoisons = {
  "0": P.tensor([1, 3, 2]),
  "1": P.notObject(),
  "1.wIh": P.tensor([6, 2]),
  "1.wHh": P.tensor([6, 2]),
  "1.bIh": P.tensor([6]),
  "1.bHh": P.tensor([6]),
  "2": P.tensor([1, 2], "f32", { optional: true }),
};

/** The GRU's fault-fuzz entries. */
export const GRU_FAULT_ENTRIES: FaultEntry<never>[] = [
  entry({
    name: "gru",
    names: NAMES,
    args: () => [f32([1, 3, 2]), weights(), f32([1, 2])],
    call: (_t, a) => gru(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: operandPoisons,
  }),
  entry({
    name: "gruShapes",
    names: NAMES,
    args: () => [f32([1, 3, 2]), weights(), f32([1, 2])],
    call: (_t, a) => gruShapes(a[0] as Any, a[1] as Any, a[2] as Any),
    poisons: operandPoisons,
  }),
  entry({
    name: "initGruWeights",
    names: NAMES,
    args: () => [2, 3, 1, "p."],
    call: (_t, a) => initGruWeights(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: { "0": P.count(), "1": P.count(), "2": seed(), "3": P.notString() },
  }),
  entry({
    name: "gruInitValues",
    names: NAMES,
    args: () => [2, 3, 1, "p."],
    call: (_t, a) => gruInitValues(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
    poisons: { "0": P.count(), "1": P.count(), "2": seed(), "3": P.notString() },
  }),
  entry({
    name: "gruParameterNames",
    names: NAMES,
    args: () => ["p."],
    call: (_t, a) => gruParameterNames(a[0] as Any),
    poisons: { "0": P.notString() },
  }),
];

/** Exports with no malformed call, each with its reason. */
export const GRU_EXCLUDED: Record<string, string> = {
  MAX_GRU_HIDDEN: "a constant (a number, not callable)",
  gruMaxHidden: "takes no arguments and reads only the adapter's limits, so no call to it is " +
    "malformed",
};
