/**
 * svdGpu and pcaGpu (Gram matrix + f32 parallel Jacobi) against numpy's SVD
 * fixtures (fixtures/linalg/svd.json), the f64 host svd/pca, and their derived
 * bounds: B = (γ_M + 2u₃₂)·‖A‖_F² + 18·K·u₃₂·σ₁² on every σ² (see
 * impl/linalg/svd_gpu.ts), 18 = LINALG_GPU_JACOBI_C.
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { initGpu } from "../../impl/mod.ts";
import { LINALG_GPU_JACOBI_C } from "../../impl/linalg/eigh_gpu.ts";
import { fromRows, type Matrix, matrix } from "../../impl/linalg/matrix.ts";
import { pca } from "../../impl/linalg/svd.ts";
import { pcaGpu, type SvdGpu, svdGpu } from "../../impl/linalg/svd_gpu.ts";
import { gamma32, gamma64, U32 } from "../../invariants/tolerance.ts";
import { checkFault } from "../_harness/fault_case.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import {
  gaussian,
  loadSvdCases,
  orthonormalityError,
  reconstructionError,
  signViolations,
  Worst,
} from "./_cases.ts";
import {
  SVD_GPU_FAULT,
  SVD_GPU_FIXTURE_PARITY,
  SVD_GPU_PCA,
  SVD_GPU_PROPERTIES,
  SVD_GPU_SIGN_CONVENTION,
} from "./gpu_claims.ts";

const { cases, integrity } = await loadSvdCases();
const C = LINALG_GPU_JACOBI_C;

/** ‖A‖_F² in f64. */
function frob2(a: Matrix): number {
  let s = 0;
  for (const x of a.data) s += x * x;
  return s;
}

/** The Gram bound B of a matrix whose largest singular value is `s1`. */
function gramBound(a: Matrix, s1: number): number {
  const big = Math.max(a.rows, a.cols);
  const k = Math.min(a.rows, a.cols);
  return (gamma32(big) + 2 * U32) * frob2(a) + C * k * U32 * s1 * s1;
}

/** Extra property cases: rank deficient, square Gaussian, wide, zero. */
function extraCases(): { name: string; a: Matrix }[] {
  const b = gaussian(30, 5, 3);
  const c = gaussian(5, 20, 4);
  const low = matrix(30, 20);
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 20; j++) {
      let s = 0;
      for (let l = 0; l < 5; l++) s += b.data[i * 5 + l]! * c.data[l * 20 + j]!;
      low.data[i * 20 + j] = s;
    }
  }
  return [
    { name: "rank5_30x20", a: low },
    { name: "gaussian_50x50", a: gaussian(50, 50, 8) },
    { name: "wide_7x13", a: gaussian(7, 13, 9) },
    { name: "zero_3x2", a: matrix(3, 2) },
    { name: "single_1x1", a: fromRows([[-2.5]]) },
  ];
}

const cache = new Map<string, SvdGpu>();
async function decompose(name: string, a: Matrix): Promise<SvdGpu> {
  await initGpu();
  let r = cache.get(name);
  if (r === undefined) {
    r = await svdGpu(a);
    cache.set(name, r);
  }
  return r;
}

async function all(): Promise<{ name: string; a: Matrix }[]> {
  const list = [...cases, ...extraCases()];
  for (const c of list) await decompose(c.name, c.a);
  return list;
}

function measurement(worst: Worst, detail: string): Measurement {
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `worst ${worst.where}; ${worst.count} comparisons; ${detail}`,
  };
}

claimTest(SVD_GPU_FIXTURE_PARITY, async (t) => {
  const worst = new Worst();
  for (const c of cases) {
    const r = await decompose(c.name, c.a);
    await t.step(c.name, () => {
      const local = new Worst();
      const k = c.s.length;
      const b = gramBound(c.a, c.s[0]!);
      for (let j = 0; j < k; j++) {
        const [got, want] = [r.s[j]!, c.s[j]!];
        local.add(`σ${j}`, Math.abs(got - want), Math.min(Math.sqrt(b), b / (got + want)));
      }
      for (let j = 0; j < k; j++) {
        let gap = Infinity;
        for (let i = 0; i < k; i++) {
          if (i !== j) gap = Math.min(gap, Math.abs(c.s[i]! ** 2 - c.s[j]! ** 2));
        }
        const bound = Math.SQRT2 * b / gap + C * k * U32;
        if (bound >= 1) continue; // the gap does not determine the vector at f32 accuracy
        let err = 0;
        for (let i = 0; i < c.n; i++) {
          err = Math.max(err, Math.abs(r.v.data[i * k + j]! - c.v.data[i * k + j]!));
        }
        local.add(`v${j} (σ² gap ${gap.toExponential(2)})`, err, bound);
      }
      worst.merge(c.name, local);
      ok(local.ratio <= 1, local.where);
    });
  }
  return measurement(worst, `B = (γ_M + 2u₃₂)‖A‖_F² + 18·K·u₃₂·σ₁²; ${integrity}`);
});

claimTest(SVD_GPU_PROPERTIES, async (t) => {
  const list = await all();
  const worst = new Worst();
  for (const c of list) {
    const r = cache.get(c.name)!;
    await t.step(c.name, () => {
      const local = new Worst();
      const k = r.s.length;
      const big = Math.max(c.a.rows, c.a.cols);
      const f2 = frob2(c.a);
      const b = gramBound(c.a, r.s[0]!);
      local.add("‖VᵀV − I‖_max", orthonormalityError(r.v), C * k * U32);
      // Formed columns (σ² > B): u_iᵀu_j = w_iᵀĜw_j/(σ_iσ_j) off by the Gram error and the
      // product's rounding. Completed columns: Gram–Schmidt twice in f64 against the r formed
      // columns, which are orthonormal only to η (the worst formed bound): each pass leaves a
      // component ≤ √r·η of what it removes, so ≤ r·η² after two, relative to a start vector
      // keeping ≥ 1/big of its squared length; plus the f64 rounding 4·big·u₆₄.
      const formedBound = (i: number, j: number) =>
        (b + 2 * gamma32(k) * f2) / (r.s[i]! * r.s[j]!) + C * k * U32;
      let eta = 0;
      for (let i = 0; i < r.rank; i++) eta = Math.max(eta, formedBound(i, i));
      for (let i = 0; i < k; i++) {
        for (let j = i; j < k; j++) {
          let dot = 0;
          for (let l = 0; l < c.a.rows; l++) dot += r.u.data[l * k + i]! * r.u.data[l * k + j]!;
          const err = Math.abs(dot - (i === j ? 1 : 0));
          const bound = i < r.rank && j < r.rank
            ? formedBound(i, j)
            : r.rank * eta * eta * Math.sqrt(big) + 4 * big * 2 ** -53;
          local.add(`u${i}·u${j}`, err, bound);
        }
      }
      const { error, norm } = reconstructionError(c.a, r.u, r.s, r.v);
      const z = k - r.rank;
      const recBound = C * k * k * U32 + Math.sqrt(k) * gamma32(k) +
        (norm > 0 ? (3 * z * Math.sqrt(b)) / Math.sqrt(f2) : 0);
      local.add("‖A − UΣVᵀ‖_F/‖A‖_F", norm === 0 ? error : error / norm, recBound);
      worst.merge(c.name, local);
      ok(local.ratio <= 1, local.where);
    });
  }
  return measurement(worst, `${list.length} matrices`);
});

claimTest(SVD_GPU_SIGN_CONVENTION, async (t) => {
  const list = await all();
  const bad: string[] = [];
  for (const c of list) {
    const r = cache.get(c.name)!;
    await t.step(c.name, () => {
      const before = bad.length;
      const k = r.s.length;
      for (let j = 0; j < k; j++) {
        if (!(r.s[j]! >= 0)) bad.push(`${c.name} σ${j} < 0`);
        if (j > 0 && !(r.s[j - 1]! >= r.s[j]!)) bad.push(`${c.name} σ${j - 1} < σ${j}`);
      }
      for (const j of signViolations(r.v)) bad.push(`${c.name} v${j}`);
      for (let j = 0; j < r.rank; j++) {
        // u_j·(A v_j) = σ_j > 0 when u_j was formed from A v_j.
        let s = 0;
        for (let i = 0; i < c.a.rows; i++) {
          let av = 0;
          for (let l = 0; l < c.a.cols; l++) {
            av += c.a.data[i * c.a.cols + l]! * r.v.data[l * k + j]!;
          }
          s += av * r.u.data[i * k + j]!;
        }
        if (!(s > 0)) bad.push(`${c.name} u${j}·Av${j} = ${s}`);
      }
      ok(bad.length === before, bad.slice(before).join(", "));
    });
  }
  return {
    figure: bad.length,
    bound: 0,
    pass: bad.length === 0,
    detail: bad.join(", ") || `${list.length} matrices: descending, v pivots positive, u·Av > 0`,
  };
});

claimTest(SVD_GPU_PCA, async () => {
  await initGpu();
  const worst = new Worst();
  for (const [n, d, seed] of [[100, 10, 5], [40, 60, 6]] as const) {
    const x = gaussian(n, d, seed);
    // Anisotropic features so that the leading components are separated.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x.data[i * d + j] = x.data[i * d + j]! * (1 + 3 / (j + 1));
    }
    const k = 4;
    const got = await pcaGpu(x, k);
    const want = pca(x);
    const full = want.explainedVariance.length;
    // The Gram bound of the centred data (its σ₁² = (n − 1)·variance₀).
    let f2 = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) f2 += (x.data[i * d + j]! - want.mean[j]!) ** 2;
    }
    const s1sq = want.explainedVariance[0]! * (n - 1);
    const kk = Math.min(n, d);
    const b = (gamma32(Math.max(n, d)) + 2 * U32) * f2 + C * kk * U32 * s1sq;
    for (let j = 0; j < k; j++) {
      worst.add(
        `${n}×${d} var${j}`,
        Math.abs(got.explainedVariance[j]! - want.explainedVariance[j]!),
        b / (n - 1) + gamma64(4 * n) * want.explainedVariance[j]!,
      );
      let gap = Infinity;
      for (let i = 0; i < full; i++) {
        if (i !== j) {
          gap = Math.min(
            gap,
            (n - 1) * Math.abs(want.explainedVariance[i]! - want.explainedVariance[j]!),
          );
        }
      }
      const bound = Math.SQRT2 * b / gap + C * kk * U32;
      if (bound < 1) {
        let err = 0;
        for (let i = 0; i < d; i++) {
          err = Math.max(
            err,
            Math.abs(got.components.data[i * k + j]! - want.components.data[i * full + j]!),
          );
        }
        worst.add(`${n}×${d} component${j}`, err, bound);
      }
    }
    let ratio = 0;
    for (const r of got.explainedVarianceRatio) ratio += r;
    worst.add(`${n}×${d} Σ ratios − 1`, Math.max(0, ratio - 1), kk * U32);
  }
  return measurement(worst, "variances within B/(n − 1); components where √2·B/gap + 18·K·u₃₂ < 1");
});

claimTest(SVD_GPU_FAULT, async () => {
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
  const bad = { rows: 2, cols: 2, data: new Float64Array(3) };
  await expectError(
    "svdGpu malformed",
    () => svdGpu(bad),
    TypeError,
    /compute on the GPU the SVD of.*3 elements/,
  );
  await expectError("svdGpu 0 × 3", () => svdGpu(matrix(0, 3)), RangeError, /dimensions ≥ 1/);
  await expectError("svdGpu 4 × 0", () => svdGpu(matrix(4, 0)), RangeError, /dimensions ≥ 1/);
  for (const v of [NaN, Infinity, -Infinity]) {
    await expectError(
      `svdGpu ${v}`,
      () => svdGpu(fromRows([[1, 2], [3, v]])),
      RangeError,
      /\(1, 1\) is/,
    );
    await expectError(
      `pcaGpu ${v}`,
      () => pcaGpu(fromRows([[1, 2], [3, v]])),
      RangeError,
      /\(1, 1\) is/,
    );
  }
  await expectError(
    "svdGpu maxSweeps 0",
    () => svdGpu(matrix(2, 2), { maxSweeps: 0 }),
    RangeError,
    /maxSweeps/,
  );
  await expectError("pcaGpu malformed", () => pcaGpu(bad), TypeError, /PCA of.*3 elements/);
  await expectError(
    "pcaGpu 1 sample",
    () => pcaGpu(matrix(1, 3)),
    RangeError,
    /at least 2 samples/,
  );
  for (const k of [0, 3, 1.5]) {
    await expectError(
      `pcaGpu k = ${k}`,
      () => pcaGpu(matrix(4, 2), k),
      RangeError,
      /k to be an integer in 1\.\.2/,
    );
  }
  return {
    figure: list.length,
    bound: 0,
    pass: list.length === 0,
    detail: `${count} cases; ` + (list.join(" | ") || "every fault typed, named, before GPU work"),
  };
});
