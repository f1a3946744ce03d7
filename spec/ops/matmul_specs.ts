/**
 * Op specs of the matmul group: `matmul` (attrs transA, transB as 0/1, and
 * `kernel`: 1 register-blocked with texture operands, 2 workgroup-memory
 * tiled, 3 register-blocked from storage buffers, absent or 0 the adapter's
 * default) and `outer`. The fuzzer draws the kernel family, so one parity
 * claim covers every family on the adapter it runs on.
 *
 * ## Bounds (class T3)
 *
 * Every compared value is a sum of L rounded products: the forward output a
 * dot product of length K; dA a dot product of length N for each of the
 * `count` output matrices that read A's matrix (count > 1 where A was
 * broadcast), dB likewise with length M. However the kernels order the sum
 * (a K-loop with or without fma, per-matrix partials then `sumToShape`, or
 * one product over folded rows), each product meets at most L roundings on
 * its way to the result: its own and the additions on its path (for
 * partials, N + count − 1 ≤ N·count). Higham's Lemma 3.1 then gives
 * `|ĉ − c| ≤ γ_L · Σ|a|·|b|` with γ_L = L·u / (1 − L·u), where the magnitude
 * Σ|a|·|b| is the oracle run on |inputs| and |output gradient|, plus
 * 2⁻¹²⁶ per operation (2L) for subnormal flushes. L = K for the output,
 * N·count for dA, M·count for dB. Padding terms (the texture path's zero
 * texels, the tiled kernel's zero-filled tiles) add exact zeros.
 *
 * outer's output is one rounded product (L = 1); its gradients are dot
 * products of length n·count (da) and m·count (db).
 *
 * @module
 */
import fc from "fast-check";
import { matmul, type MatmulKernel, outer } from "../../impl/mod.ts";
import { f32Input, multilinearBound, type OpCase, type OpSpec } from "../_harness/op_spec.ts";
import { MATMUL_ORACLE, OUTER_ORACLE } from "../oracle/matmul.ts";
import { sizeOf } from "../oracle/ndarray.ts";
import { seedArb } from "./_arbitraries.ts";

/** The `kernel` attr's values. */
export const MATMUL_KERNEL_ATTR: Record<number, MatmulKernel> = {
  0: "auto",
  1: "register",
  2: "tiled",
  3: "register-buffer",
};

/** The broadcast batch size of two batch shapes (right-aligned). */
function batchSize(a: readonly number[], b: readonly number[]): number {
  const rank = Math.max(a.length, b.length);
  let n = 1;
  for (let i = 0; i < rank; i++) {
    n *= Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1);
  }
  return n;
}

/** Dot-product length L of each compared array of a matmul case (see the module doc). */
export function matmulDotLength(c: OpCase, which: number): number {
  const [sa, sb] = c.inputs.map((x) => x.shape) as [number[], number[]];
  const tA = c.attrs.transA === 1;
  const tB = c.attrs.transB === 1;
  const m = tA ? sa.at(-1)! : sa.at(-2)!;
  const k = tA ? sa.at(-2)! : sa.at(-1)!;
  const n = tB ? sb.at(-2)! : sb.at(-1)!;
  const out = batchSize(sa.slice(0, -2), sb.slice(0, -2));
  if (which < 0) return k;
  if (which === 0) return n * (out / sizeOf(sa.slice(0, -2)));
  return m * (out / sizeOf(sb.slice(0, -2)));
}

/** Dot-product length of each compared array of an outer case. */
function outerDotLength(c: OpCase, which: number): number {
  const [sa, sb] = c.inputs.map((x) => x.shape) as [number[], number[]];
  const out = batchSize(sa.slice(0, -1), sb.slice(0, -1));
  if (which < 0) return 1;
  if (which === 0) return sb.at(-1)! * (out / sizeOf(sa.slice(0, -1)));
  return sa.at(-1)! * (out / sizeOf(sb.slice(0, -1)));
}

/**
 * Matrix dims that break matmul kernels: 1, primes, the neighbours of the
 * tile sizes (register texture tile 16 × 128, buffer tile 64 × 32, tiled
 * 64 × 64, K steps of 4 and 16), and multiples of 64 (the copy fast path).
 */
export const MATMUL_DIMS = [1, 2, 3, 4, 5, 7, 13, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129];

const dimArb = fc.oneof(fc.constantFrom(...MATMUL_DIMS), fc.integer({ min: 1, max: 140 }));

/** Batch shapes of two operands that broadcast: 0–2 dims, some set to 1 or dropped. */
const batchPairArb: fc.Arbitrary<[number[], number[]]> = fc.integer({ min: 0, max: 2 }).chain((
  r,
) =>
  fc.tuple(
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: r, maxLength: r }),
    fc.array(fc.constantFrom(0, 1, 2), { minLength: r, maxLength: r }),
    fc.integer({ min: 0, max: r }),
    fc.integer({ min: 0, max: r }),
  ).map(([dims, who, dropA, dropB]) => {
    // who[i]: 0 both keep dim i, 1 A has 1 there, 2 B has 1 there.
    const a = dims.map((d, i) => (who[i] === 1 ? 1 : d)).slice(dropA);
    const b = dims.map((d, i) => (who[i] === 2 ? 1 : d)).slice(dropB);
    return [a, b] as [number[], number[]];
  })
);

/** Work bound per fuzzed case (multiply-adds), so the f64 oracle stays fast. */
const MAX_CASE_WORK = 250_000;

function matmulCase(
  batchA: number[],
  batchB: number[],
  m: number,
  k: number,
  n: number,
  attrs: { transA: number; transB: number; kernel: number },
  seed: number,
  label?: string,
): OpCase {
  const sa = [...batchA, ...(attrs.transA ? [k, m] : [m, k])];
  const sb = [...batchB, ...(attrs.transB ? [n, k] : [k, n])];
  return {
    inputs: [f32Input(sa, seed), f32Input(sb, seed + 1)],
    attrs,
    seed,
    ...(label === undefined ? {} : { label }),
  };
}

const matmulArb: fc.Arbitrary<OpCase> = fc.tuple(
  batchPairArb,
  dimArb,
  dimArb,
  dimArb,
  fc.constantFrom(0, 1),
  fc.constantFrom(0, 1),
  fc.constantFrom(1, 2, 3),
  seedArb,
).filter(([[ba, bb], m, k, n]) => batchSize(ba, bb) * m * k * n <= MAX_CASE_WORK).map((
  [[ba, bb], m, k, n, transA, transB, kernel, seed],
) => matmulCase(ba, bb, m, k, n, { transA, transB, kernel }, seed));

const KERNEL_NAMES = { 1: "register", 2: "tiled", 3: "register-buffer" } as const;

/** Fixed cases run for every family: [label, batchA, batchB, m, k, n, transA, transB]. */
const FAMILY_EXAMPLES: [string, number[], number[], number, number, number, number, number][] = [
  ["size 1", [], [], 1, 1, 1, 0, 0],
  ["primes, both transposed", [], [], 13, 7, 131, 1, 1],
  ["copy-path dims", [], [], 17, 64, 128, 0, 0],
  ["batched A, shared B (folded)", [2, 3], [], 5, 7, 4, 0, 0],
  ["broadcast batch, transA", [3, 1], [2], 5, 6, 3, 1, 0],
  ["shared A, transB", [], [2, 2], 3, 5, 7, 0, 1],
  ["6 matrices (texture layer quirk)", [6], [6], 5, 3, 9, 0, 0],
];

function matmulExamples(): OpCase[] {
  const cases: OpCase[] = [];
  let seed = 100;
  for (const kernel of [1, 2, 3] as const) {
    for (const [label, ba, bb, m, k, n, transA, transB] of FAMILY_EXAMPLES) {
      const attrs = { transA, transB, kernel };
      cases.push(matmulCase(ba, bb, m, k, n, attrs, seed++, `${label} (${KERNEL_NAMES[kernel]})`));
    }
  }
  // Grids past 65,535 workgroups. "auto" runs the tiled kernel on real GPUs, and the
  // register-blocked buffer kernel on fallback adapters (65,537 matrices exceed the texture
  // layer limit): there each tiled workgroup costs about 0.5 ms (zero-initialised workgroup
  // memory, per-lane loads), so 65,537 of them would take half a minute per product.
  const plain = { transA: 0, transB: 0 };
  cases.push(
    matmulCase([65537], [65537], 1, 1, 1, { ...plain, kernel: 0 }, seed++, "grid > 65535 (auto)"),
  );
  // Sums longer than the adapter's loop budget (llvmpipe: 65,535 iterations per invocation)
  // run as K chunks, every chunk after the first adding to C. (Texture operands cannot reach
  // such a K: their width, K/4 texels, is capped at the texture size limit.) The tiled
  // kernel's chunk is 45,568 on llvmpipe; one just past it keeps this case near 10 s there.
  cases.push(
    matmulCase(
      [],
      [],
      1,
      270_000,
      3,
      { ...plain, kernel: 3 },
      seed++,
      "K past loop budget (register-buffer)",
    ),
  );
  cases.push(
    matmulCase(
      [],
      [],
      1,
      45_600,
      1,
      { ...plain, kernel: 2 },
      seed++,
      "K past loop budget (tiled)",
    ),
  );
  // Texture operands: 256 matrices (the default layer limit) of 4095 rows at 16 rows per
  // workgroup make 65,536 workgroups; the backward's dB has 4095-long dot products.
  cases.push(
    matmulCase(
      [256],
      [256],
      4095,
      1,
      1,
      { ...plain, kernel: 1 },
      seed++,
      "grid > 65535 (register)",
    ),
  );
  return cases;
}

function outerCase(sa: number[], sb: number[], seed: number, label?: string): OpCase {
  return {
    inputs: [f32Input(sa, seed), f32Input(sb, seed + 1)],
    attrs: {},
    seed,
    ...(label === undefined ? {} : { label }),
  };
}

const outerArb: fc.Arbitrary<OpCase> = fc.tuple(batchPairArb, dimArb, dimArb, seedArb).filter((
  [[ba, bb], m, n],
) => batchSize(ba, bb) * m * n <= MAX_CASE_WORK).map(([[ba, bb], m, n, seed]) =>
  outerCase([...ba, m], [...bb, n], seed)
);

/** Every matmul-group op spec. */
export const MATMUL_SPECS: OpSpec[] = [
  {
    name: "matmul",
    source: "PyTorch torch.matmul semantics (batch dims broadcast, both ranks >= 2); " +
      "transposes as in BLAS gemm",
    gpu: ([a, b], attrs) =>
      matmul(a!, b!, {
        transA: attrs.transA === 1,
        transB: attrs.transB === 1,
        kernel: MATMUL_KERNEL_ATTR[Number(attrs.kernel ?? 0)] ?? "auto",
      }),
    oracle: MATMUL_ORACLE,
    bound: multilinearBound(MATMUL_ORACLE, matmulDotLength),
    boundText: "T3: γ_L·Σ|a||b| + 2L·2⁻¹²⁶, L = K (output), N·count (dA), M·count (dB)",
    arbitrary: matmulArb,
    examples: matmulExamples,
    gradcheckCases: () => [
      matmulCase([], [], 3, 4, 2, { transA: 0, transB: 0, kernel: 0 }, 1),
      matmulCase([], [], 2, 3, 4, { transA: 1, transB: 1, kernel: 0 }, 3),
      matmulCase([2, 1], [3], 2, 3, 2, { transA: 0, transB: 1, kernel: 0 }, 5),
      matmulCase([2], [], 3, 2, 2, { transA: 1, transB: 0, kernel: 0 }, 7),
    ],
    numRuns: 150,
  },
  {
    name: "outer",
    source: "PyTorch torch.outer, batched over leading dims with NumPy broadcasting",
    gpu: ([a, b]) => outer(a!, b!),
    oracle: OUTER_ORACLE,
    bound: multilinearBound(OUTER_ORACLE, outerDotLength),
    boundText: "T1 output (L = 1); T3 gradients, L = n·count (da), m·count (db)",
    arbitrary: outerArb,
    examples: () => [
      outerCase([1], [1], 200, "size 1"),
      outerCase([3, 1, 7], [2, 5], 201, "broadcast batch"),
      outerCase([65537, 8], [65537, 8], 202, "grid > 65535"),
      outerCase([3], [70_000], 203, "sum past loop budget (da)"),
      outerCase([70_000], [2], 204, "sum past loop budget (db)"),
    ],
    gradcheckCases: () => [
      outerCase([3], [4], 210),
      outerCase([2, 1, 3], [4, 2], 212),
    ],
  },
];
