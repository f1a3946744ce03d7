/**
 * eighGpu (f32 parallel Jacobi) against numpy's eigh of the same f32
 * matrices (fixtures/linalg/gpu_eigh.json), against the f64 host eigh
 * (fuzzed), and against its derived bounds (c = LINALG_GPU_JACOBI_C = 18, see
 * impl/linalg/eigh_gpu.ts); eighTopKGpu against a planted spectrum and the
 * host; the eigengap helpers; typed errors. Each fixture case is decomposed
 * once per run (n = 256 takes ~2 s on llvmpipe) and shared by the claims.
 *
 * @module
 */
import fc from "fast-check";
import { ok } from "node:assert/strict";
import { initGpu } from "../../impl/mod.ts";
import { liveBufferCount } from "../../impl/gpu/buffers.ts";
import { eigh } from "../../impl/linalg/eigh.ts";
import {
  eigengap,
  eigengaps,
  EIGH_GPU_MAX_N,
  EIGH_GPU_SYMMETRY_RTOL,
  EIGH_GPU_TOL,
  type EighGpu,
  eighGpu,
  eighTopKGpu,
  LINALG_GPU_JACOBI_C,
} from "../../impl/linalg/eigh_gpu.ts";
import { fromRows, type Matrix, matrix, type MatrixData } from "../../impl/linalg/matrix.ts";
import { pivotRow } from "../../impl/linalg/sign.ts";
import { gamma32, linalgValueBound, linalgVectorBound, U32 } from "../../invariants/tolerance.ts";
import { checkFault } from "../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import { type EncodedArray, f32, f64 } from "../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../_harness/fixtures.ts";
import { fcParams } from "../_harness/fuzz.ts";
import {
  clusters,
  gapOf,
  gaussian,
  orthonormalityError,
  perCase,
  projectorDifference,
  reconstructionError,
  signViolations,
  Worst,
} from "./_cases.ts";
import {
  EIGH_GPU_CONVERGENCE,
  EIGH_GPU_EIGENGAP,
  EIGH_GPU_FAULT,
  EIGH_GPU_FIXTURE_PARITY,
  EIGH_GPU_FIXTURE_PARITY_VECTORS,
  EIGH_GPU_ORTHONORMALITY,
  EIGH_GPU_PARITY_HOST,
  EIGH_GPU_RECONSTRUCTION,
  EIGH_GPU_SIGN_CONVENTION,
  EIGH_GPU_TOPK,
} from "./gpu_claims.ts";

// --- the fixture ---

/** One case of fixtures/linalg/gpu_eigh.json. */
interface GpuCase {
  name: string;
  kind: string;
  n: number;
  a: Matrix;
  values: Float64Array;
  vectors: Matrix;
  norm2: number;
}

const FIXTURE = "fixtures/linalg/gpu_eigh.json";
const { data, integrity } = await loadPinnedJson<{
  format: string;
  cases: {
    name: string;
    kind: string;
    n: number;
    a: EncodedArray;
    values: EncodedArray;
    vectors: EncodedArray;
    norm2: number;
  }[];
}>(FIXTURE, "memspec.linalg.gpu_eigh.v1");
const cases: GpuCase[] = data.cases.map((c) => ({
  name: c.name,
  kind: c.kind,
  n: c.n,
  a: matrix(c.n, c.n, f32(c.a, `${c.name}.a`, [c.n, c.n])),
  values: f64(c.values, `${c.name}.values`, [c.n]),
  vectors: matrix(c.n, c.n, f32(c.vectors, `${c.name}.vectors`, [c.n, c.n])),
  norm2: c.norm2,
}));

// --- bounds (LINALG_GPU_JACOBI_C, impl/linalg/eigh_gpu.ts), plus the f64 side's own ---

const C = LINALG_GPU_JACOBI_C;

/** |λ̂ − λ| bound: c·n·u₃₂·‖A‖₂ plus the f64 reference's 8·n·u₆₄·‖A‖₂. */
function valueBound(n: number, norm2: number): number {
  return C * n * U32 * norm2 + linalgValueBound(n, norm2);
}

/** ‖v̂ − v‖_∞ (k = 1) or projector bound: c·n·u₃₂·(‖A‖₂/gap + k) plus the f64 side's. */
function vectorBound(n: number, norm2: number, gap: number, k: number): number {
  return C * n * U32 * (norm2 / gap + k) + linalgVectorBound(n, norm2, gap, k);
}

/** ‖A − VΛVᵀ‖_F/‖A‖_F and ‖VᵀV − I‖_max bound. */
function unitBound(n: number): number {
  return C * n * U32;
}

/**
 * Compares `got`'s vectors with `ref`'s (both in the sign convention, values ascending):
 * clusters closer than √u₃₂·‖A‖₂ by projector, others one by one, up to sign where the
 * reference's two largest components are within twice the bound (an ill-conditioned sign).
 */
function compareVectors(
  got: Matrix,
  ref: Matrix,
  refValues: Float64Array,
  norm2: number,
  w: Worst,
): void {
  const n = ref.rows;
  for (const group of clusters(refValues, Math.sqrt(U32) * norm2)) {
    const gap = gapOf(refValues, group);
    const bound = vectorBound(n, norm2, gap, group.length);
    if (group.length > 1) {
      w.add(`cluster λ${group[0]}..λ${group.at(-1)}`, projectorDifference(got, ref, group), bound);
      continue;
    }
    const j = group[0]!;
    const r = pivotRow(ref.data, n, n, j);
    let second = 0;
    for (let i = 0; i < n; i++) {
      if (i !== r) second = Math.max(second, Math.abs(ref.data[i * n + j]!));
    }
    const tie = Math.abs(ref.data[r * n + j]!) - second <= 2 * bound;
    let same = 0;
    let flipped = 0;
    for (let i = 0; i < n; i++) {
      const [x, y] = [got.data[i * n + j]!, ref.data[i * n + j]!];
      same = Math.max(same, Math.abs(x - y));
      flipped = Math.max(flipped, Math.abs(x + y));
    }
    w.add(`v${j} (gap ${gap.toExponential(2)})`, tie ? Math.min(same, flipped) : same, bound);
  }
}

// --- decompositions, once per run ---

const cache = new Map<string, EighGpu>();
async function decompose(name: string, a: Matrix<MatrixData>): Promise<EighGpu> {
  await initGpu();
  let e = cache.get(name);
  if (e === undefined) {
    e = await eighGpu(a);
    cache.set(name, e);
  }
  return e;
}

/** Extra property cases: the zero matrix, scales beyond f32's range, exact ties, a diagonal. */
function extraCases(): { name: string; a: Matrix }[] {
  const r3 = cases.find((c) => c.name === "random_3")!;
  const scaled = (f: number) => matrix(3, 3, Array.from(r3.a.data, (x) => x * f));
  return [
    { name: "zero_3", a: matrix(3, 3) },
    { name: "random_3 × 1e300", a: scaled(1e300) },
    { name: "random_3 × 1e-300", a: scaled(1e-300) },
    { name: "tied_2", a: fromRows([[2, 1], [1, 2]]) },
    { name: "diagonal_4", a: fromRows([[3, 0, 0, 0], [0, -1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 2]]) },
  ];
}

async function all(): Promise<{ name: string; a: Matrix }[]> {
  const list = [...cases, ...extraCases()];
  for (const c of list) await decompose(c.name, c.a);
  return list;
}

claimTest(EIGH_GPU_FIXTURE_PARITY, async (t) => {
  for (const c of cases) await decompose(c.name, c.a);
  return perCase(t, cases, (c: GpuCase, w) => {
    const e = cache.get(c.name)!;
    const bound = valueBound(c.n, c.norm2);
    for (let i = 0; i < c.n; i++) w.add(`λ${i}`, Math.abs(e.values[i]! - c.values[i]!), bound);
  }, `bound 18·n·u₃₂·‖A‖₂; ${integrity}`);
});

claimTest(EIGH_GPU_FIXTURE_PARITY_VECTORS, async (t) => {
  for (const c of cases) await decompose(c.name, c.a);
  return perCase(t, cases, (c: GpuCase, w) => {
    compareVectors(cache.get(c.name)!.vectors, c.vectors, c.values, c.norm2, w);
  }, `bound 18·n·u₃₂·(‖A‖₂/gap + k), clusters below √u₃₂·‖A‖₂ by projector; ${integrity}`);
});

claimTest(EIGH_GPU_ORTHONORMALITY, async (t) => {
  const list = await all();
  return perCase(t, list, (c, w) => {
    w.add("‖VᵀV − I‖_max", orthonormalityError(cache.get(c.name)!.vectors), unitBound(c.a.rows));
  }, "bound 18·n·u₃₂");
});

claimTest(EIGH_GPU_RECONSTRUCTION, async (t) => {
  const list = await all();
  return perCase(t, list, (c, w) => {
    const e = cache.get(c.name)!;
    const { error, norm } = reconstructionError(c.a, e.vectors, e.values, e.vectors);
    w.add("‖A − VΛVᵀ‖_F/‖A‖_F", norm === 0 ? error : error / norm, unitBound(c.a.rows));
  }, "bound 18·n·u₃₂");
});

claimTest(EIGH_GPU_SIGN_CONVENTION, async (t) => {
  const list = await all();
  const violations: string[] = [];
  for (const c of list) {
    await t.step(`n=${c.a.rows} ${c.name}`, () => {
      const e = cache.get(c.name)!;
      const before = violations.length;
      for (const j of signViolations(e.vectors)) violations.push(`${c.name} v${j}`);
      for (let i = 1; i < e.values.length; i++) {
        if (!(e.values[i - 1]! <= e.values[i]!)) violations.push(`${c.name} λ${i - 1} > λ${i}`);
      }
      ok(violations.length === before, violations.slice(before).join(", "));
    });
  }
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.join(", ") || `${list.length} cases: largest components positive; ascending`,
  };
});

claimTest(EIGH_GPU_CONVERGENCE, async () => {
  const list = await all();
  const bad: string[] = [];
  let worstSweeps = 0;
  for (const c of list) {
    const e = cache.get(c.name)!;
    const n = c.a.rows;
    let big = 0;
    for (const x of c.a.data) big = Math.max(big, Math.abs(x));
    let fro = 0;
    for (const x of c.a.data) fro += (x / (big || 1)) ** 2;
    fro = Math.sqrt(fro) * (big || 1);
    worstSweeps = Math.max(worstSweeps, e.sweeps);
    if (e.sweeps > 12) bad.push(`${c.name}: ${e.sweeps} sweeps`);
    if (e.offHistory.length !== e.sweeps) bad.push(`${c.name}: ${e.offHistory.length} checks`);
    if (e.rounds !== e.sweeps * (n % 2 === 0 ? n - 1 : n)) {
      bad.push(`${c.name}: ${e.rounds} rounds`);
    }
    if (Math.abs(e.frobenius - fro) > 2 * U32 * fro) {
      bad.push(`${c.name}: ‖A‖_F ${e.frobenius} vs ${fro}`);
    }
    const last = e.offHistory.at(-1);
    if (last !== undefined && !(last * e.frobenius <= EIGH_GPU_TOL * fro * (1 + 4 * U32))) {
      bad.push(`${c.name}: stopped at off(A)/‖A‖_F = ${last.toExponential(3)}`);
    }
    const diagonal = c.a.data.every((x, i) => x === 0 || Math.floor(i / n) === i % n);
    if (diagonal && e.sweeps !== 0) bad.push(`${c.name}: diagonal input took ${e.sweeps} sweeps`);
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.join("; ") ||
      `${list.length} cases stopped at off(A) ≤ u₃₂·‖A‖_F; most sweeps ${worstSweeps}`,
  };
});

// --- fuzzed parity with the f64 host solver ---

/** A symmetric f32-exact matrix of one of three structures. */
function fuzzMatrix(n: number, kind: number, seed: number, scale: number): Matrix {
  const a = matrix(n, n);
  const g = gaussian(n, n, seed);
  if (kind === 0) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = Math.fround(0.5 * (g.data[i * n + j]! + g.data[j * n + i]!) * scale);
        a.data[i * n + j] = v;
        a.data[j * n + i] = v;
      }
    }
  } else if (kind === 1) {
    // Rank ≤ 2: B·Bᵀ with B n × 2 (n − 2 eigenvalues at rounding level).
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = Math.fround(
          (g.data[i * n]! * g.data[j * n]! - g.data[i * n + 1 % n]! * g.data[j * n + 1 % n]!) *
            scale,
        );
        a.data[i * n + j] = v;
        a.data[j * n + i] = v;
      }
    }
  } else {
    // Repeated eigenvalues: diag(±1 pattern)+ a rank-one coupling of small weight.
    for (let i = 0; i < n; i++) a.data[i * n + i] = Math.fround((i % 3 === 0 ? -1 : 2) * scale);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = Math.fround(a.data[i * n + j]! + 0.25 * scale * g.data[i]! * g.data[j]!);
        a.data[i * n + j] = v;
        a.data[j * n + i] = v;
      }
    }
  }
  return a;
}

claimTest(EIGH_GPU_PARITY_HOST, async () => {
  await initGpu();
  const worst = new Worst();
  let runs = 0;
  const sizes = fc.constantFrom(1, 2, 3, 5, 7, 11, 13, 31, 64, 65, 67);
  const prop = fc.asyncProperty(
    sizes,
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 1, max: 1 << 20 }),
    fc.constantFrom(1, 1e-3, 1e4),
    async (n, kind, seed, scale) => {
      runs++;
      const a = fuzzMatrix(n, kind, seed, scale);
      const got = await eighGpu(a);
      const ref = eigh(a);
      const norm2 = Math.max(Math.abs(ref.values[0]!), Math.abs(ref.values[n - 1]!));
      const local = new Worst();
      const vb = valueBound(n, norm2);
      for (let i = 0; i < n; i++) local.add(`λ${i}`, Math.abs(got.values[i]! - ref.values[i]!), vb);
      if (norm2 > 0) compareVectors(got.vectors, ref.vectors, ref.values, norm2, local);
      local.add("‖VᵀV − I‖", orthonormalityError(got.vectors), unitBound(n));
      const { error, norm } = reconstructionError(a, got.vectors, got.values, got.vectors);
      local.add("reconstruction", norm === 0 ? error : error / norm, unitBound(n));
      worst.merge(`n=${n} kind ${kind} seed ${seed} scale ${scale}`, local);
      return local.ratio <= 1;
    },
  );
  await fc.assert(prop, fcParams(100));
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `worst ${worst.where}; ${runs} runs, ${worst.count} comparisons`,
  };
});

// --- top-k ---

/**
 * A planted symmetric matrix H·diag(λ)·H with H = I − 2wwᵀ (a Householder reflector, dense
 * w): eigenvalues λ exactly, eigenvector j = H·e_j = e_j − 2w·w_j.
 */
function planted(n: number, lambda: Float64Array, seed: number): { a: Matrix; w: Float64Array } {
  const g = gaussian(1, n, seed);
  let nn = 0;
  for (const x of g.data) nn += x * x;
  const w = Float64Array.from(g.data, (x) => x / Math.sqrt(nn));
  // H D H = D − 2w(Dw)ᵀ − 2(Dw)wᵀ + 4(wᵀDw)wwᵀ.
  const dw = Float64Array.from(w, (x, i) => x * lambda[i]!);
  let wdw = 0;
  for (let i = 0; i < n; i++) wdw += w[i]! * dw[i]!;
  const a = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = (i === j ? lambda[i]! : 0) - 2 * w[i]! * dw[j]! - 2 * dw[i]! * w[j]! +
        4 * wdw * w[i]! * w[j]!;
      const f = Math.fround(v);
      a.data[i * n + j] = f;
      a.data[j * n + i] = f;
    }
  }
  return { a, w };
}

claimTest(EIGH_GPU_TOPK, async (t) => {
  await initGpu();
  const worst = new Worst();
  const details: string[] = [];
  await t.step("planted n=2100", async () => {
    const n = 2100;
    const k = 5;
    const lambda = new Float64Array(n);
    const top = [10, -9, 8, 7.5, 7];
    const rng = gaussian(1, n, 99).data;
    for (let i = 0; i < n; i++) lambda[i] = i < top.length ? top[i]! : 3 * Math.tanh(rng[i]!);
    const { a, w } = planted(n, lambda, 5);
    let fro = 0;
    for (const x of a.data) fro += x * x;
    fro = Math.sqrt(fro);
    const r = await eighTopKGpu(a, k);
    const tol = 4 * Math.sqrt(n) * U32;
    // True residual ≤ the stopping test's + the f32 product's γ_n‖A‖_F + A and Q rounded (2u).
    const rb = (tol + gamma32(n) + 2 * U32) * fro;
    const local = new Worst();
    for (let j = 0; j < k; j++) {
      local.add(`λ${j}`, Math.abs(r.values[j]! - top[j]!), rb);
      let gap = Infinity;
      for (let i = 0; i < n; i++) if (i !== j) gap = Math.min(gap, Math.abs(lambda[i]! - top[j]!));
      // v_j = e_j − 2w·w_j, in the sign convention.
      const v = Float64Array.from(w, (x, i) => (i === j ? 1 : 0) - 2 * x * w[j]!);
      const piv = pivotRow(v, n, 1, 0);
      const sgn = v[piv]! < 0 ? -1 : 1;
      let err = 0;
      for (let i = 0; i < n; i++) {
        err = Math.max(err, Math.abs(r.vectors.data[i * k + j]! - sgn * v[i]!));
      }
      local.add(`v${j} (gap ${gap.toExponential(2)})`, err, Math.SQRT2 * rb / (gap - rb));
    }
    worst.merge("planted n=2100", local);
    details.push(
      `n=2100: ${r.iterations} iterations, block ${r.blockSize}, ratio ` +
        `${r.convergenceRatio.toFixed(3)}`,
    );
    ok(local.ratio <= 1, local.where);
  });
  await t.step("host n=150", async () => {
    const n = 150;
    const k = 4;
    const g = gaussian(n, 12, 17);
    const a = matrix(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let l = 0; l < 12; l++) s += g.data[i * 12 + l]! * g.data[j * 12 + l]! * (12 - l);
        const f = Math.fround(s / n);
        a.data[i * n + j] = f;
        a.data[j * n + i] = f;
      }
    }
    const ref = eigh(a);
    let fro = 0;
    for (const x of a.data) fro += x * x;
    fro = Math.sqrt(fro);
    const r = await eighTopKGpu(a, k);
    const tol = 4 * Math.sqrt(n) * U32;
    const rb = (tol + gamma32(n) + 2 * U32) * fro;
    const local = new Worst();
    for (let j = 0; j < k; j++) {
      const src = n - 1 - j; // PSD: the dominant values are the largest
      local.add(`λ${j}`, Math.abs(r.values[j]! - ref.values[src]!), rb);
      const gap = gapOf(ref.values, [src]);
      let err = 0;
      for (let i = 0; i < n; i++) {
        err = Math.max(err, Math.abs(r.vectors.data[i * k + j]! - ref.vectors.data[i * n + src]!));
      }
      local.add(`v${j} (gap ${gap.toExponential(2)})`, err, Math.SQRT2 * rb / (gap - rb));
    }
    worst.merge("host n=150", local);
    details.push(`n=150: ${r.iterations} iterations`);
    ok(local.ratio <= 1, local.where);
  });
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `worst ${worst.where}; ${
      details.join("; ")
    }; residual bound (4√n·u₃₂ + γ_n + 2u₃₂)·‖A‖_F`,
  };
});

// --- eigengaps ---

claimTest(EIGH_GPU_EIGENGAP, async () => {
  for (const c of cases) await decompose(c.name, c.a);
  const worst = new Worst();
  for (const c of cases) {
    const e = cache.get(c.name)!;
    const bound = 2 * valueBound(c.n, c.norm2);
    for (let k = 1; k < c.n; k++) {
      worst.add(
        `${c.name} k=${k}`,
        Math.abs(eigengap(e.values, k).gap - eigengap(c.values, k).gap),
        bound,
      );
    }
    const g = eigengaps(e.values);
    for (let i = 0; i + 1 < c.n; i++) {
      worst.add(`${c.name} gaps[${i}]`, Math.abs(g[i]! - (c.values[i + 1]! - c.values[i]!)), bound);
    }
  }
  // Exact on a known spectrum: any difference is infinitely over its zero bound.
  const exact = eigengap([8, 4, 1], 2);
  const known = exact.gap === 3 && exact.relative === 0.375 && exact.ratio === 0.25 &&
    eigengaps([1, 1.5, 4]).join() === "0.5,2.5" && eigengaps([7]).length === 0;
  worst.add("known spectra", known ? 0 : Infinity, 1);
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `worst ${worst.where}; ${worst.count} gaps`,
  };
});

// --- faults ---

claimTest(EIGH_GPU_FAULT, async () => {
  await initGpu();
  const list: string[] = [];
  let count = 0;
  const expectError = async (
    what: string,
    run: () => Promise<unknown>,
    expect: typeof TypeError | typeof RangeError,
    message: RegExp,
  ) => {
    count++;
    const wrong = await checkFault({ name: what, run, expect, message });
    if (wrong !== null) list.push(wrong);
  };
  const sym = fromRows([[2, 1], [1, 3]]);
  const big = Math.max(...sym.data);
  const asym = (d: number) => fromRows([[2, 1 + d], [1, 3]]);
  const withEntry = (x: number) => fromRows([[2, 1], [x, 3]]);
  const name = /Cannot (eigendecompose|compute the top-k)/;
  for (
    const [label, run] of [
      ["eighGpu", (a: Matrix) => eighGpu(a)],
      ["eighTopKGpu", (a: Matrix) => eighTopKGpu(a, 1)],
    ] as const
  ) {
    await expectError(`${label} non-square`, () => run(matrix(2, 3)), TypeError, /square/);
    await expectError(
      `${label} malformed`,
      () => run({ rows: 2, cols: 2, data: new Float64Array(3) }),
      TypeError,
      /holding 3 elements/,
    );
    await expectError(
      `${label} asymmetric`,
      () => run(asym(4 * EIGH_GPU_SYMMETRY_RTOL * big)),
      TypeError,
      /non-symmetric.*a\[0\]\[1\]/,
    );
    for (const x of [NaN, Infinity, -Infinity]) {
      await expectError(`${label} ${x}`, () => run(withEntry(x)), RangeError, /\(1, 0\) is/);
    }
    await expectError(`${label} n = 0`, () => run(matrix(0, 0)), RangeError, name);
  }
  await expectError(
    "eighGpu n > max",
    () => eighGpu(matrix(EIGH_GPU_MAX_N + 1, EIGH_GPU_MAX_N + 1)),
    RangeError,
    /n ≤ 2048/,
  );
  await expectError(
    "eighGpu maxSweeps 0",
    () => eighGpu(sym, { maxSweeps: 0 }),
    RangeError,
    /maxSweeps/,
  );
  for (const k of [0, 3, 1.5, NaN]) {
    await expectError(
      `eighTopKGpu k = ${k}`,
      () => eighTopKGpu(sym, k),
      RangeError,
      /k to be an integer in 1\.\.2/,
    );
  }
  await expectError(
    "eighTopKGpu blockSize 3",
    () => eighTopKGpu(sym, 1, { blockSize: 3 }),
    RangeError,
    /blockSize/,
  );
  await expectError("eighTopKGpu tol 0", () => eighTopKGpu(sym, 1, { tol: 0 }), RangeError, /tol/);
  await expectError(
    "eighTopKGpu maxIterations -1",
    () => eighTopKGpu(sym, 1, { maxIterations: -1 }),
    RangeError,
    /maxIterations/,
  );
  await expectError(
    "eigengap k = 0",
    () => Promise.resolve().then(() => eigengap([1, 2], 0)),
    RangeError,
    /k to be an integer in 1\.\.1/,
  );
  await expectError(
    "eigengap NaN",
    () => Promise.resolve().then(() => eigengap([1, NaN], 1)),
    RangeError,
    /finite/,
  );
  // Controls: within the symmetry tolerance it is accepted, and leaks nothing.
  count++;
  const live = liveBufferCount();
  try {
    await eighGpu(asym(0.5 * EIGH_GPU_SYMMETRY_RTOL * big));
    await eighTopKGpu(sym, 2);
  } catch (e) {
    list.push(`control: threw ${e instanceof Error ? e.message : e}`);
  }
  if (liveBufferCount() !== live) list.push("control: leaked buffers");
  return {
    figure: list.length,
    bound: 0,
    pass: list.length === 0,
    detail: `${count} cases; ` + (list.join(" | ") || "every fault typed, named, before GPU work"),
  } satisfies Measurement;
});
