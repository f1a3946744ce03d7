/**
 * Op specs of the elementwise ops: what each is checked against and how closely.
 *
 * @module
 */
import fc from "fast-check";
import { binary, type BinaryOpName, unary } from "../../impl/mod.ts";
import { ulpBound } from "../../invariants/tolerance.ts";
import { f32Input, multilinearBound, type OpSpec } from "../_harness/op_spec.ts";
import { BINARY_ORACLES, UNARY_ORACLES } from "../oracle/elementwise.ts";
import { BIG_GRID_SIZE, broadcastPairArb, seedArb, shapeArb } from "./_arbitraries.ts";

function binarySpec(name: BinaryOpName): OpSpec {
  const oracle = BINARY_ORACLES[name];
  return {
    name,
    source: "PyTorch torch." + name + " semantics (NumPy broadcasting)",
    gpu: ([a, b]) => binary(name, a!, b!),
    oracle,
    // Forward: one rounding. Gradients: one rounding per product plus the
    // broadcast sum, whose length is the reduced count (k = count + 1).
    bound: multilinearBound(oracle, (c, which) => {
      if (which < 0) return 1;
      const full = c.inputs.map((x) => x.shape.reduce((p, d) => p * d, 1));
      return Math.max(...full) / full[which]! + 2;
    }),
    boundText: "T1 forward; T3 gradients, k = broadcast count + 2",
    arbitrary: fc.tuple(broadcastPairArb(), seedArb).map(([[sa, sb], seed]) => ({
      inputs: [f32Input(sa, seed), f32Input(sb, seed + 1)],
      attrs: {},
      seed,
    })),
    examples: () => [
      { inputs: [f32Input([1], 1), f32Input([1], 2)], attrs: {}, seed: 3, label: "size 1" },
      {
        inputs: [f32Input([BIG_GRID_SIZE], 4), f32Input([1], 5)],
        attrs: {},
        seed: 6,
        label: "grid > 65535",
      },
    ],
    gradcheckCases: () => [
      { inputs: [f32Input([3, 4], 7), f32Input([4], 8, 0.5, 2)], attrs: {}, seed: 9 },
    ],
  };
}

/** Every elementwise op spec. */
export const ELEMENTWISE_SPECS: OpSpec[] = [
  binarySpec("add"),
  {
    name: "exp",
    source: "WGSL exp builtin; PyTorch torch.exp",
    gpu: ([x]) => unary("exp", x!),
    oracle: UNARY_ORACLES.exp,
    // WGSL: exp is accurate to 3 + 2|x| ulp; the gradient adds one product rounding.
    bound: ({ inputs, expected, which }) =>
      ulpBound((i) => 3 + 2 * Math.abs(inputs[0]!.data[i]!) + (which < 0 ? 0 : 1), expected.data),
    boundText: "T2: (3 + 2|x|) ulp, +1 for the gradient",
    arbitrary: fc.tuple(shapeArb(), seedArb).map(([s, seed]) => ({
      inputs: [f32Input(s, seed, -10, 10)],
      attrs: {},
      seed,
    })),
    examples: () => [
      { inputs: [f32Input([BIG_GRID_SIZE], 10)], attrs: {}, seed: 11, label: "grid > 65535" },
    ],
    gradcheckCases: () => [{ inputs: [f32Input([7], 12)], attrs: {}, seed: 13 }],
  },
];
