/**
 * Op specs of the reductions and normalisations: sum, mean, max, softmax,
 * log_softmax, cross_entropy, layer_norm.
 *
 * Bounds:
 * - sum, mean: class T3, k·u·Σ|terms| ({@link multilinearBound}) with k the
 *   kernel's rounding-path length (`reducePathLength` of
 *   impl/ops/kernels/reduce.ts: per pass ceil(len/L) + log₂L for L lanes), +2 for
 *   mean's product with 1/n rounded to f32; mean's gradient g·f32(1/n): k = 2;
 *   sum's gradient is a copy (exact).
 * - max: a selection, exact forward and backward (atol 0).
 * - softmax, log_softmax, cross_entropy, layer_norm: running-error bounds
 *   (invariants/tolerance.ts: softmaxBounds, crossEntropyBounds,
 *   layerNormBounds) that replay each kernel's operations in order with the
 *   WGSL accuracy of exp, log, division and inverseSqrt, the segmented sums'
 *   path lengths taken from the kernels' lane counts.
 *
 * Cases: shapes with dimensions 1, primes and non-multiples of 64, plus few
 * long rows (up to 64 lanes per row); rows past 524,288 elements (two
 * passes); a grid past 65,535 workgroups (one lane per row, 64 rows per
 * workgroup, so 65,536·64 + 7 rows). max is fuzzed on values without ties
 * (distinct multiples of 2⁻⁶) and checked on ties by examples, where the
 * first maximum takes the gradient on both sides.
 *
 * @module
 */
import fc from "fast-check";
import {
  crossEntropy,
  layerNorm,
  logSoftmax,
  max,
  mean,
  softmax,
  sum,
  type Tensor,
} from "../../impl/mod.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import {
  MAX_ROW,
  reducePathLength,
  rowLanes,
  segmentPathLength,
} from "../../impl/ops/kernels/reduce.ts";
import {
  crossEntropyBounds,
  EXACT_ATOL,
  layerNormBounds,
  softmaxBounds,
} from "../../invariants/tolerance.ts";
import {
  type BoundRule,
  f32Input,
  multilinearBound,
  type OpAttrs,
  type OpCase,
  type OpInput,
  type OpSpec,
} from "../_harness/op_spec.ts";
import { axisView, REDUCE_ORACLES } from "../oracle/reduce.ts";
import { SOFTMAX_ORACLES } from "../oracle/softmax.ts";
import { LAYER_NORM_ORACLE } from "../oracle/layer_norm.ts";
import { sizeOf } from "../oracle/ndarray.ts";
import { BIG_GRID_SIZE, dimArb, seedArb, shapeArb } from "./_arbitraries.ts";

const GRID = "grid > 65535";

/** Class T0: the compared elements must equal the oracle's exactly. */
const exact: BoundRule = ({ expected }) => new Float64Array(expected.data.length).fill(EXACT_ATOL);

/** Fuzz shapes: the common ones, or one to three long rows (which get up to 64 lanes). */
const rowShapeArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 3, arbitrary: shapeArb() },
  {
    weight: 1,
    arbitrary: fc.tuple(dimArb(3), fc.integer({ min: 1, max: 20000 })).map(([o, n]) => [o, n]),
  },
);

/** A shape with an axis of it, or no axis (every element) when `allowAll`. */
function shapeAxisArb(allowAll: boolean): fc.Arbitrary<[number[], number | undefined]> {
  return rowShapeArb.chain((s) => {
    const axis = fc.integer({ min: -s.length, max: s.length - 1 });
    return fc.tuple(
      fc.constant(s),
      allowAll ? fc.option(axis, { nil: undefined, freq: 4 }) : axis,
    );
  });
}

/** Attributes of a reduction: `axis` left out means every element. */
function reduceAttrs(axis: number | undefined, keepDims: boolean): OpAttrs {
  return axis === undefined ? { keepDims: keepDims ? 1 : 0 } : { axis, keepDims: keepDims ? 1 : 0 };
}

/** Distinct values (a seeded permutation of multiples of 2⁻⁶): no ties for max. */
function distinctInput(shape: number[], seed: number): OpInput {
  const n = sizeOf(shape);
  const rng = new Rng(seed >>> 0);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const half = Math.floor(n / 2);
  return { shape, values: Float64Array.from(perm, (p) => (p - half) * 2 ** -6) };
}

/** Small integers: many ties. */
function tiedInput(shape: number[], seed: number): OpInput {
  const rng = new Rng(seed >>> 0);
  return { shape, values: Float64Array.from({ length: sizeOf(shape) }, () => rng.int(3)) };
}

function reduceGpu(op: typeof sum) {
  return ([x]: Tensor[], attrs: OpAttrs) =>
    op(x!, attrs.axis as number | undefined, attrs.keepDims === 1);
}

function geometryOf(c: OpCase) {
  const v = axisView(c.inputs[0]!.shape, c.attrs);
  return { outer: v.outer, n: v.n, inner: v.inner };
}

function sumLikeSpec(name: "sum" | "mean"): OpSpec {
  const oracle = REDUCE_ORACLES[name];
  const scale = name === "mean" ? 2 : 0;
  return {
    name,
    source: `PyTorch torch.${name}(x, dim, keepdim); all elements when dim is omitted`,
    gpu: reduceGpu(name === "sum" ? sum : mean),
    oracle,
    bound: multilinearBound(
      oracle,
      (c, which) => (which < 0 ? reducePathLength(geometryOf(c)) : 0) + scale,
    ),
    boundText: name === "sum"
      ? "T3: k·u·Σ|x|, k = segmented path length; gradient exact"
      : "T3: (k + 2)·u·Σ|x|/n, k = segmented path length; gradient 2u·|g|/n",
    arbitrary: fc.tuple(shapeAxisArb(true), fc.boolean(), seedArb).map((
      [[shape, axis], keep, seed],
    ) => ({ inputs: [f32Input(shape, seed)], attrs: reduceAttrs(axis, keep), seed })),
    examples: (): OpCase[] => [
      { inputs: [f32Input([], 1)], attrs: {}, seed: 2, label: "rank 0, size 1" },
      { inputs: [f32Input([1], 3)], attrs: { axis: 0, keepDims: 1 }, seed: 4, label: "size 1" },
      {
        inputs: [f32Input([1, 30011], 5)],
        attrs: { axis: -1, keepDims: 1 },
        seed: 6,
        label: "long rows, 64 lanes",
      },
      {
        inputs: [f32Input([MAX_ROW + 13], 7)],
        attrs: {},
        seed: 8,
        label: "two passes",
      },
      {
        inputs: [f32Input([MAX_ROW + 3, 2], 9)],
        attrs: { axis: 0, keepDims: 0 },
        seed: 10,
        label: "two passes, strided",
      },
      name === "sum"
        ? { inputs: [f32Input([1, BIG_GRID_SIZE], 11)], attrs: { axis: 0 }, seed: 12, label: GRID }
        : {
          inputs: [f32Input([BIG_GRID_SIZE, 1], 11)],
          attrs: { axis: 1, keepDims: 1 },
          seed: 12,
          label: GRID,
        },
    ],
    gradcheckCases: (): OpCase[] => [
      { inputs: [f32Input([3, 4], 13)], attrs: { axis: 1, keepDims: 0 }, seed: 14 },
      { inputs: [f32Input([2, 3, 5], 15)], attrs: { axis: -3, keepDims: 1 }, seed: 16 },
      { inputs: [f32Input([7], 17)], attrs: {}, seed: 18 },
    ],
    numRuns: 100,
  };
}

const maxSpec: OpSpec = {
  name: "max",
  source: "PyTorch torch.max(x, dim, keepdim) values; gradient to the first maximum (its index)",
  gpu: reduceGpu(max),
  oracle: REDUCE_ORACLES.max,
  bound: exact,
  boundText: "T0: exact (a selection), forward and gradient",
  arbitrary: fc.tuple(shapeAxisArb(true), fc.boolean(), seedArb).map((
    [[shape, axis], keep, seed],
  ) => ({ inputs: [distinctInput(shape, seed)], attrs: reduceAttrs(axis, keep), seed })),
  examples: (): OpCase[] => [
    { inputs: [f32Input([1], 1)], attrs: { axis: 0 }, seed: 2, label: "size 1" },
    { inputs: [tiedInput([5, 67], 3)], attrs: { axis: 1 }, seed: 4, label: "ties" },
    { inputs: [tiedInput([131, 3], 5)], attrs: { axis: 0 }, seed: 6, label: "ties, strided" },
    { inputs: [tiedInput([30011], 7)], attrs: {}, seed: 8, label: "ties, 64 lanes" },
    {
      inputs: [tiedInput([MAX_ROW + 13], 9)],
      attrs: { axis: 0, keepDims: 1 },
      seed: 10,
      label: "ties, two passes",
    },
    {
      inputs: [f32Input([BIG_GRID_SIZE, 2], 11)],
      attrs: { axis: -1, keepDims: 0 },
      seed: 12,
      label: GRID,
    },
  ],
  gradcheckCases: (): OpCase[] => [
    { inputs: [distinctInput([4, 5], 13)], attrs: { axis: -1, keepDims: 0 }, seed: 14 },
    { inputs: [distinctInput([3, 2, 4], 15)], attrs: { axis: 1, keepDims: 1 }, seed: 16 },
    { inputs: [distinctInput([9], 17)], attrs: {}, seed: 18 },
  ],
  numRuns: 100,
};

/** Per-element bounds of a row-wise op, cached per case (forward and gradient share one pass). */
function rowwiseBound(
  compute: (c: OpCase, inputs: Parameters<BoundRule>[0]) => Float64Array[],
): BoundRule {
  const cache = new WeakMap<OpCase, Float64Array[]>();
  return (args) => {
    let b = cache.get(args.case);
    if (b === undefined) {
      b = compute(args.case, args);
      cache.set(args.case, b);
    }
    return b[args.which + 1]!;
  };
}

function softmaxSpec(name: "softmax" | "log_softmax"): OpSpec {
  const log = name === "log_softmax";
  return {
    name,
    source: `PyTorch torch.${name}(x, dim)`,
    gpu: ([x], attrs) => (log ? logSoftmax : softmax)(x!, attrs.axis as number),
    oracle: SOFTMAX_ORACLES[name],
    bound: rowwiseBound((c, { inputs, gradOutput }) => {
      const x = inputs[0]!;
      const v = axisView(x.shape, { axis: c.attrs.axis as number, keepDims: 1 });
      const k = segmentPathLength(v.n, rowLanes(v.outer * v.inner, v.n));
      const b = softmaxBounds(x.data, gradOutput.data, v, k, log);
      return [b.y, b.gx];
    }),
    boundText: "running error: exp (3+2|x|) ulp, div 2.5 ulp, log 3 ulp / 2⁻²¹, sums γ_k",
    // ±100 puts exp(x) past f32's range: a kernel without the max shift overflows there.
    arbitrary: fc.tuple(shapeAxisArb(false), fc.constantFrom(2, 30, 100), seedArb).map((
      [[shape, axis], scale, seed],
    ) => ({ inputs: [f32Input(shape, seed, -scale, scale)], attrs: { axis: axis! }, seed })),
    examples: (): OpCase[] => [
      { inputs: [f32Input([1], 1)], attrs: { axis: 0 }, seed: 2, label: "size 1" },
      {
        inputs: [f32Input([5, 13], 3, -100, 100)],
        attrs: { axis: -1 },
        seed: 4,
        label: "wide range, underflowing terms",
      },
      { inputs: [f32Input([65, 3, 7], 5)], attrs: { axis: 1 }, seed: 6, label: "strided" },
      {
        inputs: [f32Input([1, 30011], 7, -10, 10)],
        attrs: { axis: -1 },
        seed: 8,
        label: "long rows, 64 lanes",
      },
      {
        inputs: [f32Input(log ? [2, BIG_GRID_SIZE] : [BIG_GRID_SIZE, 2], 9)],
        attrs: { axis: log ? 0 : 1 },
        seed: 10,
        label: GRID,
      },
    ],
    gradcheckCases: (): OpCase[] => [
      { inputs: [f32Input([3, 5], 11)], attrs: { axis: -1 }, seed: 12 },
      { inputs: [f32Input([4, 3, 2], 13)], attrs: { axis: 0 }, seed: 14 },
    ],
    numRuns: 100,
  };
}

/** Logits [n, c] in [−scale, scale) and valid targets. */
function ceCase(n: number, c: number, scale: number, seed: number, label?: string): OpCase {
  const rng = new Rng((seed ^ 0x5bd1e995) >>> 0);
  return {
    inputs: [
      f32Input([n, c], seed, -scale, scale),
      {
        shape: [n],
        values: Float64Array.from({ length: n }, () => rng.int(c)),
        dtype: "i32",
        differentiable: false,
      },
    ],
    attrs: {},
    seed,
    ...(label ? { label } : {}),
  };
}

const crossEntropySpec: OpSpec = {
  name: "cross_entropy",
  source: "PyTorch torch.nn.functional.cross_entropy(logits, targets) (reduction='mean')",
  gpu: ([logits, targets]) => crossEntropy(logits!, targets!),
  oracle: SOFTMAX_ORACLES.cross_entropy,
  bound: rowwiseBound((_c, { inputs, gradOutput }) => {
    const [logits, targets] = inputs as [typeof inputs[0], typeof inputs[0]];
    const [n, c] = logits!.shape as [number, number];
    const b = crossEntropyBounds(
      logits!.data,
      targets!.data,
      n,
      c,
      gradOutput.data[0]!,
      segmentPathLength(c, rowLanes(n, c)),
      reducePathLength({ outer: 1, n, inner: 1 }),
    );
    return [Float64Array.of(b.loss), b.gx];
  }),
  boundText: "running error: exp (3+2|x|) ulp, log, div 2.5 ulp, row and batch sums γ_k",
  arbitrary: fc.tuple(
    fc.oneof(dimArb(), fc.integer({ min: 1, max: 300 })),
    fc.oneof(dimArb(), fc.integer({ min: 1, max: 5000 })),
    // ±100 puts exp(x) past f32's range: a kernel without the max shift overflows there.
    fc.constantFrom(2, 30, 100),
    seedArb,
  ).filter(([n, c]) => n * c <= 40000).map(([n, c, scale, seed]) => ceCase(n, c, scale, seed)),
  examples: (): OpCase[] => [
    ceCase(1, 1, 2, 1, "size 1"),
    ceCase(1, 30011, 10, 2, "long rows, 64 lanes"),
    ceCase(7, 5, 100, 3, "wide range"),
    ceCase(BIG_GRID_SIZE, 2, 2, 4, GRID),
  ],
  gradcheckCases: (): OpCase[] => [ceCase(4, 5, 2, 5), ceCase(1, 3, 2, 6)],
  numRuns: 100,
};

/** x [...shape] with values in [lo, hi), gamma and beta [D]. */
function lnCase(
  shape: number[],
  range: [number, number],
  eps: number,
  seed: number,
  label?: string,
): OpCase {
  const d = shape[shape.length - 1]!;
  return {
    inputs: [
      f32Input(shape, seed, range[0], range[1]),
      f32Input([d], seed + 1, -2, 2),
      f32Input([d], seed + 2, -2, 2),
    ],
    attrs: { eps },
    seed,
    ...(label ? { label } : {}),
  };
}

const layerNormSpec: OpSpec = {
  name: "layer_norm",
  source: "PyTorch torch.nn.functional.layer_norm(x, [D], gamma, beta, eps) (biased variance)",
  gpu: ([x, gamma, beta], attrs) => layerNorm(x!, gamma!, beta!, attrs.eps as number),
  oracle: LAYER_NORM_ORACLE,
  bound: rowwiseBound((c, { inputs, gradOutput }) => {
    const [x, gamma, beta] = inputs as [typeof inputs[0], typeof inputs[0], typeof inputs[0]];
    const d = x!.shape[x!.shape.length - 1]!;
    const rows = x!.data.length / d;
    const b = layerNormBounds(x!.data, gamma!.data, beta!.data, gradOutput.data, {
      rows,
      d,
      eps: c.attrs.eps as number,
      k: segmentPathLength(d, rowLanes(rows, d)),
      kRows: reducePathLength({ outer: 1, n: rows, inner: d }),
    });
    return [b.y, b.gx, b.gGamma, b.gBeta];
  }),
  boundText: "running error: two-pass moments, inverseSqrt 2 ulp, sums γ_k",
  arbitrary: fc.tuple(
    // Rows of D = 1 and 2 as often as the rest: where biased and unbiased variance differ most.
    fc.oneof(
      rowShapeArb,
      fc.tuple(dimArb(), fc.constantFrom(1, 2)).map(([rows, d]) => [rows, d]),
    ),
    fc.constantFrom<[number, number]>([-2, 2], [5, 7], [-30, 30]),
    fc.constantFrom(1e-5, 1e-3, 0.5),
    seedArb,
  ).map(([shape, range, eps, seed]) => lnCase(shape, range, eps, seed)),
  examples: (): OpCase[] => [
    lnCase([1], [-2, 2], 1e-5, 1, "size 1"),
    lnCase([3, 1], [-2, 2], 1e-5, 2, "D = 1"),
    lnCase([1, 30011], [-2, 2], 1e-5, 3, "long rows, 64 lanes"),
    lnCase([MAX_ROW + 3, 2], [-2, 2], 1e-5, 4, "two-pass parameter gradients"),
    lnCase([BIG_GRID_SIZE, 2], [-2, 2], 1e-5, 5, GRID),
  ],
  gradcheckCases: (): OpCase[] => [
    lnCase([3, 6], [-2, 2], 1e-5, 6),
    lnCase([2, 2, 5], [1, 3], 0.1, 7),
  ],
  numRuns: 100,
};

/** Every reduction op spec. */
export const REDUCTION_SPECS: OpSpec[] = [
  sumLikeSpec("sum"),
  sumLikeSpec("mean"),
  maxSpec,
  softmaxSpec("softmax"),
  softmaxSpec("log_softmax"),
  crossEntropySpec,
  layerNormSpec,
];
