/**
 * Op specs of the selection and loss building blocks: smooth_l1_loss,
 * argmax, topk (values), topk_indices, tril_fill.
 *
 * Bounds:
 * - argmax, topk, topk_indices, tril_fill: selections, exact forward and
 *   backward (class T0, atol 0): values move without arithmetic.
 * - smooth_l1_loss: running error (invariants/tolerance.ts `track`) of the
 *   kernel's expression per element — d = x − t (1 rounding), then
 *   (0.5·d)·d / β (WGSL 2.5 ulp division) or |d| − 0.5·β, β an f32 uniform —
 *   plus, where |d| lies within d's error of β, the other branch's error and
 *   the gap between the two branches at the exact d (the kernel branches on
 *   the computed d). "sum"/"mean": Σ e_i + γ_k·Σ(|l_i| + e_i) with k the
 *   segmented sum's path length (`reducePathLength`), and for "mean" the
 *   f32(1/n) scale and its product, (E + γ₂·(E + M))/n. Gradients: g' · slope
 *   with slope d/β (tracked division) or sign(d) (exact), g' = g, or
 *   g·f32(1/n) for "mean".
 *
 * Cases: shapes with dimensions 1, primes and non-multiples of 64; argmax
 * and topk are fuzzed half on distinct values and half on small integers
 * (ties everywhere: the oracle defines memspec's tie rule, lower index
 * first, so ties test it); larkos's top-32 of 1,200 (one row: 32 lanes; 65
 * rows); rounds split over launches (top-1,500 of 1,500); grids past 65,535
 * workgroups. tril_fill covers n = 1, primes, and batch dims.
 *
 * @module
 */
import fc from "fast-check";
import { Rng } from "../../impl/gpu/rng.ts";
import { argmax, topk } from "../../impl/ops/topk.ts";
import { trilFill } from "../../impl/ops/tril_fill.ts";
import { type LossReduction, smoothL1Loss } from "../../impl/ops/smooth_l1_loss.ts";
import { reducePathLength } from "../../impl/ops/kernels/reduce.ts";
import {
  EXACT_ATOL,
  F32_MIN_NORMAL,
  gamma32,
  track,
  type Tracked,
} from "../../invariants/tolerance.ts";
import {
  type BoundRule,
  f32Input,
  type OpCase,
  type OpInput,
  type OpSpec,
} from "../_harness/op_spec.ts";
import {
  ARGMAX_ORACLE,
  REDUCTION_CODE,
  SMOOTH_L1_ORACLE,
  smoothL1Grad,
  smoothL1Of,
  TOPK_INDICES_ORACLE,
  TOPK_VALUES_ORACLE,
  TRIL_FILL_ORACLE,
} from "../oracle/selection.ts";
import { sizeOf } from "../oracle/ndarray.ts";
import { BIG_GRID_SIZE, dimArb, seedArb, shapeArb } from "./_arbitraries.ts";

const GRID = "grid > 65535";

/** Class T0: the compared elements must equal the oracle's exactly. */
const exact: BoundRule = ({ expected }) => new Float64Array(expected.data.length).fill(EXACT_ATOL);

// ------------------------------------------------------------------ inputs

/** Distinct values (a seeded permutation of multiples of 2⁻⁶): no ties. */
export function distinctInput(shape: number[], seed: number): OpInput {
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

/** Small integers in [0, 3): ties everywhere. */
export function tiedInput(shape: number[], seed: number): OpInput {
  const rng = new Rng(seed >>> 0);
  return { shape, values: Float64Array.from({ length: sizeOf(shape) }, () => rng.int(3)) };
}

/** Not differentiable (argmax, topk indices). */
function frozen(x: OpInput): OpInput {
  return { ...x, differentiable: false };
}

/** A shape and an axis of it. */
const shapeAxisArb: fc.Arbitrary<[number[], number]> = fc.oneof(
  { weight: 3, arbitrary: shapeArb() },
  {
    weight: 1,
    arbitrary: fc.tuple(dimArb(3), fc.integer({ min: 1, max: 3000 })).map(([o, n]) => [o, n]),
  },
).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })));

function axisSize(shape: readonly number[], axis: number): number {
  return shape[axis < 0 ? axis + shape.length : axis]!;
}

// ------------------------------------------------------------------ argmax

const argmaxSpec: OpSpec = {
  name: "argmax",
  source: "PyTorch torch.argmax(x, dim, keepdim) (first maximal index); not differentiable",
  gpu: ([x], attrs) => argmax(x!, attrs.axis as number, attrs.keepDims === 1),
  oracle: ARGMAX_ORACLE,
  bound: exact,
  boundText: "T0: exact indices (first maximum)",
  arbitrary: fc.tuple(shapeAxisArb, fc.boolean(), fc.boolean(), seedArb).map((
    [[shape, axis], keep, ties, seed],
  ) => ({
    inputs: [frozen(ties ? tiedInput(shape, seed) : distinctInput(shape, seed))],
    attrs: { axis, keepDims: keep ? 1 : 0 },
    seed,
  })),
  examples: (): OpCase[] => [
    {
      inputs: [frozen(f32Input([1], 1))],
      attrs: { axis: 0, keepDims: 0 },
      seed: 2,
      label: "size 1",
    },
    {
      inputs: [frozen(tiedInput([5, 67], 3))],
      attrs: { axis: 1, keepDims: 0 },
      seed: 4,
      label: "ties",
    },
    {
      inputs: [frozen(tiedInput([600_000], 5))],
      attrs: { axis: 0, keepDims: 1 },
      seed: 6,
      label: "ties, two passes",
    },
    {
      inputs: [frozen(f32Input([BIG_GRID_SIZE, 2], 7))],
      attrs: { axis: -1, keepDims: 0 },
      seed: 8,
      label: GRID,
    },
  ],
  gradcheckCases: (): OpCase[] => [
    { inputs: [frozen(distinctInput([4, 5], 9))], attrs: { axis: 1, keepDims: 0 }, seed: 10 },
  ],
  numRuns: 100,
};

// ------------------------------------------------------------------ topk

function topkCase(input: OpInput, k: number, axis: number, seed: number, label?: string): OpCase {
  return { inputs: [input], attrs: { k, axis }, seed, ...(label ? { label } : {}) };
}

/** Fuzzed top-k cases: k anywhere in [1, n], half of them over tied values. */
function topkArb(indices: boolean): fc.Arbitrary<OpCase> {
  return fc.tuple(shapeAxisArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), seedArb)
    .map(([[shape, axis], kf, ties, seed]) => {
      const n = axisSize(shape, axis);
      // Small k (larkos's regime) as often as any k.
      const k = Math.max(1, Math.min(n, kf < 0.5 ? Math.ceil(kf * 64) : Math.ceil(kf * n)));
      const x = ties ? tiedInput(shape, seed) : distinctInput(shape, seed);
      return topkCase(indices ? frozen(x) : x, k, axis, seed);
    });
}

/**
 * Fixed top-k cases. The index spec leaves out the grid past 65,535 workgroups: it runs the
 * same launch as the values spec's, whose gradient already routes through those indices.
 */
function topkExamples(indices: boolean): OpCase[] {
  const f = (x: OpInput) => (indices ? frozen(x) : x);
  const cases = [
    topkCase(f(f32Input([1], 1)), 1, 0, 2, "size 1"),
    topkCase(f(distinctInput([1, 1200], 3)), 32, -1, 4, "larkos top-32 of 1200, one row"),
    topkCase(f(f32Input([65, 1200], 5)), 32, 1, 6, "larkos top-32 of 1200, 65 rows"),
    topkCase(f(tiedInput([7, 131], 7)), 131, 1, 8, "ties, k = n"),
    topkCase(f(tiedInput([67, 3, 5], 9)), 13, 0, 10, "ties, strided"),
    topkCase(f(distinctInput([1500], 11)), 1500, 0, 12, "rounds split over launches"),
  ];
  return indices ? cases : [...cases, topkCase(f32Input([BIG_GRID_SIZE, 2], 13), 1, -1, 14, GRID)];
}

const topkSpec: OpSpec = {
  name: "topk",
  source: "PyTorch torch.topk(x, k, dim, largest=True, sorted=True).values; gradient " +
    "scattered to the selected positions; ties: lower index first (memspec's rule)",
  gpu: ([x], attrs) => topk(x!, attrs.k as number, attrs.axis as number).values,
  oracle: TOPK_VALUES_ORACLE,
  bound: exact,
  boundText: "T0: exact values and gradient (a selection)",
  arbitrary: topkArb(false),
  examples: () => topkExamples(false),
  gradcheckCases: (): OpCase[] => [
    topkCase(distinctInput([4, 7], 15), 3, 1, 16),
    topkCase(distinctInput([5, 2, 3], 17), 5, 0, 18),
  ],
  numRuns: 100,
};

const topkIndicesSpec: OpSpec = {
  name: "topk_indices",
  source: "PyTorch torch.topk(x, k, dim, largest=True, sorted=True).indices; ties: lower " +
    "index first (memspec's rule; PyTorch leaves the order of ties unspecified)",
  gpu: ([x], attrs) => topk(x!, attrs.k as number, attrs.axis as number).indices,
  oracle: TOPK_INDICES_ORACLE,
  bound: exact,
  boundText: "T0: exact indices",
  arbitrary: topkArb(true),
  examples: () => topkExamples(true),
  gradcheckCases: (): OpCase[] => [topkCase(frozen(distinctInput([4, 7], 19)), 3, 1, 20)],
  numRuns: 100,
};

// ------------------------------------------------------------------ tril_fill

function trilCase(batch: number[], n: number, seed: number, label?: string): OpCase {
  return {
    inputs: [f32Input([...batch, (n * (n + 1)) / 2], seed)],
    attrs: { n },
    seed,
    ...(label ? { label } : {}),
  };
}

const trilFillSpec: OpSpec = {
  name: "tril_fill",
  source: "PyTorch: L = zeros(..., n, n); L[..., r, c] = vec for (r, c) in " +
    "torch.tril_indices(n, n) (row-major lower triangle)",
  gpu: ([v], attrs) => trilFill(v!, attrs.n as number),
  oracle: TRIL_FILL_ORACLE,
  bound: exact,
  boundText: "T0: exact (values copied as bit patterns)",
  arbitrary: fc.tuple(
    fc.array(dimArb(7), { minLength: 0, maxLength: 2 }),
    fc.oneof(dimArb(40), fc.integer({ min: 1, max: 90 })),
    seedArb,
  ).filter(([b, n]) => sizeOf(b) * n * n <= 40000).map(([b, n, seed]) => trilCase(b, n, seed)),
  examples: (): OpCase[] => [
    trilCase([], 1, 1, "n = 1"),
    trilCase([3], 2, 2, "batch"),
    trilCase([2, 5], 13, 3, "two batch dims, prime n"),
    trilCase([], 257, 4, "n past the workgroup size"),
    trilCase([], 2049, 5, GRID),
  ],
  gradcheckCases: (): OpCase[] => [trilCase([2], 4, 6), trilCase([], 1, 7)],
  numRuns: 100,
};

// ------------------------------------------------------------------ smooth L1

const REDUCTIONS: readonly LossReduction[] = ["mean", "sum", "none"];

/** Tracked smooth L1 of one element along the branch of `quadratic`, and its slope. */
function trackedPiece(x: number, t: number, beta: number, quadratic: boolean) {
  const d = track.sub(track.input(x), track.input(t));
  const b = track.uniform(beta);
  if (quadratic) {
    const l = track.div(track.mul(track.mul(track.literal(0.5), d), d), b);
    return { d, l, s: track.div(d, b) };
  }
  const a: Tracked = { v: Math.abs(d.v), e: d.e };
  return { d, l: track.sub(a, track.mul(track.literal(0.5), b)), s: null };
}

/** Per-element bound of a value computed on either branch when |d| is within d's error of β. */
function branchBounds(x: number, t: number, beta: number): { l: number; s: number; ls: number } {
  const exactD = x - t;
  const quad = Math.abs(exactD) < beta;
  const taken = trackedPiece(x, t, beta, quad);
  // The slope on the linear branch is sign(d̂): exact (d̂ has d's sign).
  let l = taken.l.e;
  let s = taken.s === null ? 0 : taken.s.e;
  if (beta > 0 && Math.abs(Math.abs(exactD) - beta) <= taken.d.e) {
    const other = trackedPiece(x, t, beta, !quad);
    const gapL = Math.abs((0.5 * exactD * exactD) / beta - (Math.abs(exactD) - 0.5 * beta));
    const gapS = Math.abs(exactD / beta - Math.sign(exactD));
    l = Math.max(l, other.l.e + gapL);
    s = Math.max(s, (other.s === null ? 0 : other.s.e) + gapS);
  }
  return { l, s, ls: Math.abs(smoothL1Of(exactD, beta)) };
}

/** Each element's bounds, computed once per case (the forward and both gradients share them). */
const perElement = new WeakMap<OpCase, { l: number; s: number; ls: number }[]>();

const smoothL1Bound: BoundRule = ({ case: c, inputs, gradOutput, which }) => {
  const [x, t] = inputs as [typeof inputs[0], typeof inputs[0]];
  const beta = c.attrs.beta as number;
  const reduction = c.attrs.reduction as number;
  const n = x!.data.length;
  let per = perElement.get(c);
  if (per === undefined) {
    per = Array.from({ length: n }, (_, i) => branchBounds(x!.data[i]!, t!.data[i]!, beta));
    perElement.set(c, per);
  }
  if (which < 0) {
    if (reduction === REDUCTION_CODE.none) {
      return Float64Array.from(per, (b) => b.l + F32_MIN_NORMAL);
    }
    const k = reducePathLength({ outer: 1, n, inner: 1 });
    let e = 0;
    let m = 0;
    for (const b of per) {
      e += b.l;
      m += b.ls + b.l;
    }
    const sumErr = e + gamma32(k) * m + 2 * k * F32_MIN_NORMAL;
    const out = reduction === REDUCTION_CODE.sum
      ? sumErr
      : (sumErr + gamma32(2) * (sumErr + m)) / n + F32_MIN_NORMAL;
    return Float64Array.of(out);
  }
  const none = reduction === REDUCTION_CODE.none;
  return Float64Array.from({ length: n }, (_, i) => {
    const gRaw = none ? gradOutput.data[i]! : gradOutput.data[0]!;
    const g: Tracked = reduction === REDUCTION_CODE.mean
      ? track.mul(track.input(gRaw), track.uniform(1 / n))
      : track.input(gRaw);
    const d = x!.data[i]! - t!.data[i]!;
    const slope = smoothL1Grad(d, beta);
    const sl: Tracked = { v: slope, e: per[i]!.s };
    return track.mul(g, sl).e;
  });
};

function smoothCase(
  shape: number[],
  beta: number,
  reduction: LossReduction,
  seed: number,
  range = 2,
  label?: string,
): OpCase {
  return {
    inputs: [f32Input(shape, seed, -range, range), f32Input(shape, seed + 1, -range, range)],
    attrs: { beta, reduction: REDUCTION_CODE[reduction] },
    seed,
    ...(label ? { label } : {}),
  };
}

/** A case with every |d| exactly β, 0 or ±β/2 (the kinks and the quadratic piece). */
function smoothKinkCase(beta: number, reduction: LossReduction, seed: number): OpCase {
  const d = [beta, -beta, 0, beta / 2, -beta / 2, 3 * beta + 1, -(3 * beta + 1)];
  const t = d.map((_, i) => Math.fround(0.25 * i - 1));
  return {
    inputs: [
      { shape: [d.length], values: Float64Array.from(d, (v, i) => Math.fround(v + t[i]!)) },
      { shape: [d.length], values: Float64Array.from(t) },
    ],
    attrs: { beta, reduction: REDUCTION_CODE[reduction] },
    seed,
    label: `|d| = beta, 0, beta/2 (beta ${beta})`,
  };
}

const smoothL1Spec: OpSpec = {
  name: "smooth_l1_loss",
  source: "PyTorch torch.nn.functional.smooth_l1_loss(input, target, reduction, beta); " +
    "Girshick, Fast R-CNN (ICCV 2015)",
  gpu: ([x, t], attrs) =>
    smoothL1Loss(x!, t!, {
      beta: attrs.beta as number,
      reduction: REDUCTIONS[attrs.reduction as number]!,
    }),
  oracle: SMOOTH_L1_ORACLE,
  bound: smoothL1Bound,
  boundText: "running error: d = x − t, (0.5·d)·d/β (div 2.5 ulp) or |d| − β/2, both " +
    "branches near |d| = β; sum γ_k·Σ|l|, mean f32(1/n)",
  arbitrary: fc.tuple(
    shapeArb(),
    fc.constantFrom(0, 0.25, 0.5, 1, 2),
    fc.constantFrom<LossReduction>(...REDUCTIONS),
    fc.constantFrom(2, 30),
    seedArb,
  ).map(([shape, beta, red, range, seed]) => smoothCase(shape, beta, red, seed, range)),
  examples: (): OpCase[] => [
    smoothCase([1], 1, "mean", 1, 2, "size 1"),
    smoothKinkCase(1, "none", 2),
    smoothKinkCase(0.5, "sum", 3),
    smoothKinkCase(0, "none", 4),
    smoothCase([3, 30011], 1, "mean", 5, 2, "long sum"),
    smoothCase([BIG_GRID_SIZE], 0.5, "none", 6, 2, GRID),
  ],
  gradcheckCases: (): OpCase[] => [
    smoothCase([3, 4], 1, "mean", 7),
    smoothCase([7], 0.5, "sum", 8),
    smoothCase([2, 3], 2, "none", 9),
    smoothCase([5], 0, "sum", 10),
  ],
  numRuns: 100,
};

/** Every selection op spec. */
export const SELECTION_SPECS: OpSpec[] = [
  smoothL1Spec,
  argmaxSpec,
  topkSpec,
  topkIndicesSpec,
  trilFillSpec,
];
