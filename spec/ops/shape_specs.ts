/**
 * Op specs of the shape ops: reshape, transpose, slice, concat, embedding,
 * where, masked_fill.
 *
 * Bounds: every forward is a copy, gather or selection of f32 bit patterns
 * (class T0, atol 0), and so are the gradients of reshape, transpose, slice,
 * concat and masked_fill. Two gradients add: where's sums the selected output
 * gradient over broadcast dimensions, `count` terms per element summed
 * sequentially from the first (count − 1 roundings); embedding's sums the
 * gradient rows of each id in position order (c_v − 1 roundings for an id seen
 * c_v times). Both are class T3 with those k and the magnitude Σ|terms|.
 *
 * @module
 */
import fc from "fast-check";
import { concat, embedding, maskedFill, reshape, slice, transpose, where } from "../../impl/mod.ts";
import { Rng } from "../../impl/gpu/rng.ts";
import { accumulationBound, EXACT_ATOL } from "../../invariants/tolerance.ts";
import {
  type BoundRule,
  f32Input,
  multilinearBound,
  type OpCase,
  type OpInput,
  type OpSpec,
} from "../_harness/op_spec.ts";
import {
  CONCAT_ORACLE,
  EMBEDDING_ORACLE,
  idCounts,
  MASKED_FILL_ORACLE,
  RESHAPE_ORACLE,
  SLICE_ORACLE,
  TRANSPOSE_ORACLE,
  WHERE_ORACLE,
} from "../oracle/shape.ts";
import { sizeOf } from "../oracle/ndarray.ts";
import { broadcastShape } from "../oracle/broadcast.ts";
import { BIG_GRID_SIZE, dimArb, seedArb, shapeArb } from "./_arbitraries.ts";

/** Class T0: every compared element must equal the oracle's exactly. */
const exact: BoundRule = ({ expected }) => new Float64Array(expected.data.length).fill(EXACT_ATOL);

/** A case on one f32 input. */
function unaryCase(shape: number[], attrs: OpCase["attrs"], seed: number, label?: string): OpCase {
  return { inputs: [f32Input(shape, seed)], attrs, seed, ...(label ? { label } : {}) };
}

/** A condition or mask: about half zeros (−0 among them for f32), the rest assorted nonzeros. */
function conditionInput(shape: number[], seed: number, dtype: "f32" | "i32"): OpInput {
  const rng = new Rng(seed >>> 0);
  const nonzero = dtype === "f32" ? [1, 0.5, -3, 1e-20, 65504] : [1, -1, 2, 7, -2147483648];
  const zero = dtype === "f32" ? [0, -0] : [0];
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) {
    const pool = rng.uniform() < 0.5 ? zero : nonzero;
    values[i] = Math.fround(pool[rng.int(pool.length)]!);
  }
  return { shape, values, dtype, differentiable: false };
}

/** i32 ids for a vocabulary of `vocab`: about 10% out of range (negative, ≥ V, extremes). */
function idsInput(shape: number[], seed: number, vocab: number, outOfRange = 0.1): OpInput {
  const rng = new Rng(seed >>> 0);
  const bad = [-1, -2, vocab, vocab + 1, 2147483647, -2147483648];
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) {
    values[i] = rng.uniform() < outOfRange ? bad[rng.int(bad.length)]! : rng.int(vocab);
  }
  return { shape, values, dtype: "i32" };
}

/** A shape broadcasting to `s`: leading dimensions dropped, some set to 1. */
function broadcastFrom(s: readonly number[]): fc.Arbitrary<number[]> {
  return fc.tuple(
    fc.integer({ min: 0, max: s.length }),
    fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
  ).map(([drop, ones]) => s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** The divisors of `n`, ascending. */
function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

const reshapeSpec: OpSpec = {
  name: "reshape",
  source: "PyTorch torch.reshape (row-major order, one inferred -1 dimension)",
  gpu: ([x], attrs) => reshape(x!, attrs.shape as number[]),
  oracle: RESHAPE_ORACLE,
  bound: exact,
  boundText: "T0: exact, atol 0",
  arbitrary: fc.tuple(
    shapeArb(),
    fc.array(fc.nat(), { maxLength: 3 }),
    fc.option(fc.nat()),
    seedArb,
  ).map(([shape, picks, infer, seed]) => {
    let rest = sizeOf(shape);
    const target: number[] = [];
    for (const p of picks) {
      const ds = divisors(rest);
      const d = ds[p % ds.length]!;
      target.push(d);
      rest /= d;
    }
    target.push(rest);
    if (infer !== null) target[infer % target.length] = -1;
    return unaryCase(shape, { shape: target }, seed);
  }),
  examples: () => [
    unaryCase([1], { shape: [] }, 1, "size 1 to rank 0"),
    unaryCase([], { shape: [1, 1, -1] }, 2, "rank 0"),
    unaryCase([0, 3], { shape: [3, 0] }, 3, "zero size"),
    unaryCase([2, 3, 4, 5, 1, 2, 1, 2], { shape: [-1] }, 4, "rank 8"),
    unaryCase([BIG_GRID_SIZE], { shape: [11, -1] }, 5, "grid > 65535"),
  ],
  gradcheckCases: () => [unaryCase([3, 4], { shape: [2, -1, 3] }, 6)],
};

const transposeSpec: OpSpec = {
  name: "transpose",
  source: "PyTorch torch.permute; default perm reverses the axes (numpy.transpose)",
  gpu: ([x], attrs) => transpose(x!, attrs.perm as number[] | undefined),
  oracle: TRANSPOSE_ORACLE,
  bound: exact,
  boundText: "T0: exact, atol 0",
  arbitrary: shapeArb(1, 4).chain((shape) =>
    fc.tuple(
      fc.shuffledSubarray(shape.map((_, i) => i), {
        minLength: shape.length,
        maxLength: shape.length,
      }),
      fc.boolean(),
      seedArb,
    ).map(([perm, useDefault, seed]) => unaryCase(shape, useDefault ? {} : { perm }, seed))
  ),
  examples: () => [
    unaryCase([1], {}, 1, "size 1"),
    unaryCase([7, 13], {}, 2, "default perm"),
    unaryCase([2, 1, 3, 2, 1, 2, 3, 2], { perm: [7, 0, 6, 1, 5, 2, 4, 3] }, 3, "rank 8"),
    unaryCase([65537, 64], { perm: [1, 0] }, 4, "grid > 65535"),
  ],
  gradcheckCases: () => [unaryCase([2, 3, 4], { perm: [1, 2, 0] }, 5)],
};

const sliceSpec: OpSpec = {
  name: "slice",
  source: "TensorFlow tf.slice (begin, size with -1 to the end); PyTorch narrow per axis",
  gpu: ([x], attrs) => slice(x!, attrs.begin as number[], attrs.size as number[]),
  oracle: SLICE_ORACLE,
  bound: exact,
  boundText: "T0: exact, atol 0",
  arbitrary: shapeArb().chain((shape) =>
    fc.tuple(
      fc.tuple(...shape.map(() => fc.tuple(fc.nat(), fc.nat(), fc.boolean()))),
      seedArb,
    ).map(([axes, seed]) => {
      const begin: number[] = [];
      const size: number[] = [];
      axes.forEach(([b, s, toEnd], d) => {
        const dim = shape[d]!;
        begin.push(b % dim);
        size.push(toEnd ? -1 : 1 + (s % (dim - (b % dim))));
      });
      return unaryCase(shape, { begin, size }, seed);
    })
  ),
  examples: () => [
    unaryCase([1], { begin: [0], size: [1] }, 1, "size 1"),
    unaryCase([5, 3], { begin: [5, 1], size: [0, -1] }, 2, "empty box"),
    unaryCase([64, 65], { begin: [1, 1], size: [63, 63] }, 3, "non-multiple of 64"),
    unaryCase([BIG_GRID_SIZE + 3], { begin: [2], size: [-1] }, 4, "grid > 65535"),
  ],
  gradcheckCases: () => [unaryCase([4, 5], { begin: [1, 2], size: [2, -1] }, 5)],
};

const concatSpec: OpSpec = {
  name: "concat",
  source: "PyTorch torch.cat",
  gpu: (xs, attrs) => concat(xs, attrs.axis as number),
  oracle: CONCAT_ORACLE,
  bound: exact,
  boundText: "T0: exact, atol 0",
  arbitrary: shapeArb(1, 4, 1024).chain((shape) =>
    fc.tuple(
      fc.integer({ min: 0, max: shape.length - 1 }),
      fc.boolean(),
      fc.array(dimArb(13), { minLength: 1, maxLength: 4 }),
      seedArb,
    ).map(([axis, negative, dims, seed]) => ({
      inputs: dims.map((d, k) => {
        const s = [...shape];
        s[axis] = d;
        return f32Input(s, seed + k);
      }),
      attrs: { axis: negative ? axis - shape.length : axis },
      seed,
    }))
  ),
  examples: () => [
    { inputs: [f32Input([1], 1)], attrs: { axis: 0 }, seed: 2, label: "one input" },
    {
      inputs: [f32Input([3, 1], 3), f32Input([3, 0], 4), f32Input([3, 64], 5)],
      attrs: { axis: -1 },
      seed: 6,
      label: "empty input",
    },
    {
      inputs: [f32Input([BIG_GRID_SIZE], 7), f32Input([5], 8)],
      attrs: { axis: 0 },
      seed: 9,
      label: "grid > 65535",
    },
  ],
  gradcheckCases: () => [
    { inputs: [f32Input([2, 3], 10), f32Input([2, 1], 11)], attrs: { axis: 1 }, seed: 12 },
  ],
};

/** Embedding's backward: per table row, c_v − 1 roundings over Σ|g| of its rows. */
const embeddingBound: BoundRule = (args) => {
  if (args.which < 0) return exact(args);
  const [table, ids] = args.inputs as [typeof args.inputs[0], typeof args.inputs[0]];
  const [vocab, dim] = table!.shape as [number, number];
  const counts = idCounts(ids!.data, vocab);
  const magnitude = EMBEDDING_ORACLE.backward(args.inputs, args.case.attrs, {
    shape: args.gradOutput.shape,
    data: args.gradOutput.data.map(Math.abs),
  })[0]!.data;
  const out = new Float64Array(vocab * dim);
  for (let v = 0; v < vocab; v++) {
    const k = Math.max(counts[v]! - 1, 0);
    out.set(accumulationBound(k, magnitude.subarray(v * dim, (v + 1) * dim)), v * dim);
  }
  return out;
};

function embeddingCase(
  vocab: number,
  dim: number,
  ids: OpInput,
  seed: number,
  label?: string,
): OpCase {
  return {
    inputs: [f32Input([vocab, dim], seed), ids],
    attrs: {},
    seed,
    ...(label ? { label } : {}),
  };
}

const embeddingSpec: OpSpec = {
  name: "embedding",
  source: "PyTorch torch.nn.functional.embedding; out-of-range ids give zero rows (memspec)",
  gpu: ([table, ids]) => embedding(table!, ids!),
  oracle: EMBEDDING_ORACLE,
  bound: embeddingBound,
  boundText: "T0 forward; T3 gradient, k = (occurrences of the id) − 1",
  arbitrary: fc.tuple(dimArb(67), dimArb(67), shapeArb(1, 3, 512), seedArb).map((
    [vocab, dim, idShape, seed],
  ) => embeddingCase(vocab, dim, idsInput(idShape, seed + 1, vocab), seed)),
  examples: () => [
    embeddingCase(1, 1, idsInput([1], 1, 1, 0), 2, "size 1"),
    embeddingCase(3, 5, idsInput([], 3, 3, 0), 4, "rank-0 ids"),
    embeddingCase(
      3,
      5,
      { shape: [1000], values: new Float64Array(1000).fill(1), dtype: "i32" },
      5,
      "one id repeated 1000 times",
    ),
    embeddingCase(7, 3, idsInput([4, 0], 6, 7), 7, "no ids"),
    embeddingCase(3, 64, idsInput([65537], 8, 3), 9, "grid > 65535 (forward)"),
    embeddingCase(65537, 64, idsInput([7], 10, 65537), 11, "grid > 65535 (backward)"),
  ],
  gradcheckCases: () => [
    embeddingCase(
      4,
      3,
      { shape: [2, 3], values: Float64Array.of(2, 0, 2, 9, 3, -1), dtype: "i32" },
      12,
    ),
  ],
};

/** where's gradients: `count − 1` roundings, count = output size / operand size. */
const whereBound = multilinearBound(WHERE_ORACLE, (c, which) => {
  if (which < 0) return EXACT_ATOL;
  const [sc, sa, sb] = c.inputs.map((x) => x.shape) as [number[], number[], number[]];
  const out = sizeOf(broadcastShape(broadcastShape(sc, sa), sb));
  const own = sizeOf(c.inputs[which]!.shape);
  return own === 0 ? 0 : Math.max(out / own - 1, 0);
});

function whereCase(
  shapes: [number[], number[], number[]],
  dtype: "f32" | "i32",
  seed: number,
  label?: string,
): OpCase {
  return {
    inputs: [
      conditionInput(shapes[0], seed, dtype),
      f32Input(shapes[1], seed + 1),
      f32Input(shapes[2], seed + 2),
    ],
    attrs: {},
    seed,
    ...(label ? { label } : {}),
  };
}

const whereSpec: OpSpec = {
  name: "where",
  source: "PyTorch torch.where (condition nonzero = true, NumPy broadcasting)",
  gpu: ([c, a, b]) => where(c!, a!, b!),
  oracle: WHERE_ORACLE,
  bound: whereBound,
  boundText: "T0 forward; T3 gradients, k = broadcast count − 1",
  arbitrary: shapeArb(1, 4, 2048).chain((s) =>
    fc.tuple(broadcastFrom(s), broadcastFrom(s), broadcastFrom(s), fc.boolean(), seedArb).map((
      [c, a, b, i32, seed],
    ) => whereCase([c, a, b], i32 ? "i32" : "f32", seed))
  ),
  examples: () => [
    whereCase([[1], [1], [1]], "f32", 1, "size 1"),
    whereCase([[], [3], []], "i32", 2, "rank 0 operands"),
    whereCase([[2, 1, 3, 1, 2, 1, 1, 2], [2, 3, 1, 2, 1, 1, 2], [3, 1, 2]], "f32", 3, "rank 8"),
    whereCase([[BIG_GRID_SIZE], [BIG_GRID_SIZE], [1]], "i32", 4, "grid > 65535"),
  ],
  gradcheckCases: () => [whereCase([[3, 1], [3, 4], [4]], "f32", 5)],
};

function maskedFillCase(
  x: number[],
  mask: number[],
  dtype: "f32" | "i32",
  value: number,
  seed: number,
  label?: string,
): OpCase {
  return {
    inputs: [f32Input(x, seed), conditionInput(mask, seed + 1, dtype)],
    attrs: { value },
    seed,
    ...(label ? { label } : {}),
  };
}

const maskedFillSpec: OpSpec = {
  name: "masked_fill",
  source: "PyTorch torch.Tensor.masked_fill (mask broadcast to the input)",
  gpu: ([x, m], attrs) => maskedFill(x!, m!, attrs.value as number),
  oracle: MASKED_FILL_ORACLE,
  bound: exact,
  boundText: "T0: exact, atol 0",
  arbitrary: shapeArb().chain((s) =>
    fc.tuple(
      broadcastFrom(s),
      fc.boolean(),
      fc.oneof(fc.constantFrom(-Infinity, Infinity, 0), fc.float({ noNaN: true })),
      seedArb,
    ).map(([m, i32, value, seed]) => maskedFillCase(s, m, i32 ? "i32" : "f32", value, seed))
  ),
  examples: () => [
    maskedFillCase([1], [1], "f32", -Infinity, 1, "size 1"),
    maskedFillCase([4, 7, 7], [7, 7], "i32", -1e9, 2, "attention mask"),
    maskedFillCase([BIG_GRID_SIZE], [BIG_GRID_SIZE], "f32", -Infinity, 3, "grid > 65535"),
  ],
  gradcheckCases: () => [maskedFillCase([3, 4], [4], "f32", 0.25, 4)],
};

/** Every shape op spec. */
export const SHAPE_SPECS: OpSpec[] = [
  reshapeSpec,
  transposeSpec,
  sliceSpec,
  concatSpec,
  embeddingSpec,
  whereSpec,
  maskedFillSpec,
];
