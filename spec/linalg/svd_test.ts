/**
 * The thin SVD (one-sided Jacobi) against numpy's and against its rounding
 * bounds, its sign convention, and PCA against eigh of the covariance matrix.
 * One step per matrix.
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { eigh } from "../../impl/linalg/eigh.ts";
import { fromRows, type Matrix, matrix } from "../../impl/linalg/matrix.ts";
import { spectralNorm } from "../../impl/linalg/norms.ts";
import { pivotRow } from "../../impl/linalg/sign.ts";
import { pca, type Svd, svd } from "../../impl/linalg/svd.ts";
import {
  gamma64,
  LINALG_JACOBI_C,
  linalgValueBound,
  linalgVectorBound,
  U64,
} from "../../invariants/tolerance.ts";
import { claimTest } from "../_harness/claim.ts";
import {
  gaussian,
  loadSvdCases,
  orthonormalityError,
  perCase,
  reconstructionError,
  shapeName,
  signViolations,
  type SvdCase,
} from "./_cases.ts";
import { SVD_FIXTURE_PARITY, SVD_PCA, SVD_PROPERTIES, SVD_SIGN_CONVENTION } from "./claims.ts";

const { cases, integrity } = await loadSvdCases();

/** B (m × r)·C (r × n): rank r. */
function lowRank(m: number, n: number, r: number, seed: number): Matrix {
  const b = gaussian(m, r, seed);
  const c = gaussian(r, n, seed + 1);
  const out = matrix(m, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < r; l++) s += b.data[i * r + l]! * c.data[l * n + j]!;
      out.data[i * n + j] = s;
    }
  }
  return out;
}

/** Matrices of the property claims beyond the fixtures: every shape class and edge case. */
const EXTRA: { name: string; a: Matrix }[] = [
  { name: "scalar", a: matrix(1, 1, [-3]) },
  { name: "row", a: gaussian(1, 5, 11) },
  { name: "column", a: gaussian(5, 1, 12) },
  { name: "square_64", a: gaussian(64, 64, 13) },
  { name: "wide_3x257", a: gaussian(3, 257, 14) },
  { name: "rank_5_of_50x20", a: lowRank(50, 20, 5, 15) },
  { name: "zero_4x3", a: matrix(4, 3) },
  { name: "gaussian_6x4 × 1e300", a: matrix(6, 4, gaussian(6, 4, 16).data.map((x) => x * 1e300)) },
  // v = (1, ±1)/√2 exactly (equal column norms give c = s): the sign convention's tie rule.
  { name: "tied_2", a: fromRows([[2, 1], [1, 2]]) },
  // Exactly dependent rows: a column is driven to rounding level and must count as zero (it
  // once kept being rotated until maxSweeps ran out).
  { name: "dependent_rows_3x4", a: fromRows([[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0]]) },
  {
    name: "dependent_rows_5x3",
    a: fromRows([[1, 2, 3], [2, 4, 6], [1, 0, 1], [2, 2, 4], [0, 2, 2]]),
  },
];

const cache = new Map<string, Svd>();
function decompose(name: string, a: Matrix): Svd {
  let r = cache.get(name);
  if (r === undefined) {
    r = svd(a);
    cache.set(name, r);
  }
  return r;
}

claimTest(SVD_FIXTURE_PARITY, (t) => {
  let upToSign = 0;
  return perCase(t, cases, (c: SvdCase, w) => {
    const r = decompose(c.name, c.a);
    const N = Math.max(c.m, c.n);
    const k = Math.min(c.m, c.n);
    const valueBound = linalgValueBound(N, c.norm2);
    w.add("spectralNorm", Math.abs(spectralNorm(c.a) - c.norm2), valueBound);
    for (let j = 0; j < k; j++) {
      w.add(`σ${j}`, Math.abs(r.s[j]! - c.s[j]!), valueBound);
      // Wedin: the gap to every other singular value, and to 0 when m ≠ n (the thin factor's
      // complement holds zero singular values).
      let gap = c.m !== c.n ? c.s[j]! : Infinity;
      for (let l = 0; l < k; l++) if (l !== j) gap = Math.min(gap, Math.abs(c.s[j]! - c.s[l]!));
      const bound = linalgVectorBound(N, c.norm2, gap);
      // Near-tied largest components of numpy's v_j make the sign convention ill conditioned.
      const p = pivotRow(c.v.data, c.n, k, j);
      let second = 0;
      for (let i = 0; i < c.n; i++) {
        if (i !== p) second = Math.max(second, Math.abs(c.v.data[i * k + j]!));
      }
      const tie = Math.abs(c.v.data[p * k + j]!) - second <= 2 * bound;
      const diff = (sign: number) => {
        let d = 0;
        for (let i = 0; i < c.m; i++) {
          d = Math.max(d, Math.abs(sign * r.u.data[i * k + j]! - c.u.data[i * k + j]!));
        }
        for (let i = 0; i < c.n; i++) {
          d = Math.max(d, Math.abs(sign * r.v.data[i * k + j]! - c.v.data[i * k + j]!));
        }
        return d;
      };
      if (tie) upToSign++;
      w.add(
        `u${j}, v${j} (gap ${gap.toExponential(2)})`,
        tie ? Math.min(diff(1), diff(-1)) : diff(1),
        bound,
      );
    }
  }, "").then((m) => ({
    ...m,
    detail: `${m.detail}${upToSign} vector pairs compared up to sign; bounds 8·N·u·‖A‖₂ and ` +
      `8·N·u·(‖A‖₂/gap + 1); ${integrity}`,
  }));
});

claimTest(SVD_PROPERTIES, (t) =>
  perCase(t, [...cases, ...EXTRA], (c, w) => {
    const r = decompose(c.name, c.a);
    const bound = LINALG_JACOBI_C * Math.max(c.a.rows, c.a.cols) * U64;
    w.add("‖UᵀU − I‖_max", orthonormalityError(r.u), bound);
    w.add("‖VᵀV − I‖_max", orthonormalityError(r.v), bound);
    const { error, norm } = reconstructionError(c.a, r.u, r.s, r.v);
    w.add("‖A − UΣVᵀ‖_F/‖A‖_F", norm === 0 ? error : error / norm, bound);
  }, "bound 8·N·u, N = max(m, n)"));

claimTest(SVD_SIGN_CONVENTION, async (t) => {
  const violations: string[] = [];
  for (const c of [...cases, ...EXTRA]) {
    await t.step(`${shapeName(c.a)} ${c.name}`, () => {
      const before = violations.length;
      const r = decompose(c.name, c.a);
      const k = r.s.length;
      for (const j of signViolations(r.v)) violations.push(`${c.name} v${j}`);
      if ("v" in c) {
        for (const j of signViolations((c as SvdCase).v)) violations.push(`${c.name} numpy v${j}`);
      }
      for (let j = 0; j < k; j++) {
        if (!(r.s[j]! >= 0)) violations.push(`${c.name} σ${j} < 0`);
        if (j > 0 && !(r.s[j - 1]! >= r.s[j]!)) violations.push(`${c.name} σ${j - 1} < σ${j}`);
        if (r.s[j]! === 0) continue;
        // ⟨A·v_j, u_j⟩ = σ_j > 0: u_j carries the sign A gives v_j.
        let dot = 0;
        for (let i = 0; i < c.a.rows; i++) {
          let av = 0;
          for (let l = 0; l < c.a.cols; l++) {
            av += c.a.data[i * c.a.cols + l]! * r.v.data[l * k + j]!;
          }
          dot += av * r.u.data[i * k + j]!;
        }
        if (!(dot > 0)) violations.push(`${c.name} ⟨Av${j}, u${j}⟩ = ${dot}`);
      }
      ok(violations.length === before, violations.slice(before).join(", "));
    });
  }
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.join(", ") || "σ descending ≥ 0; every v_j in the convention; Av_j ∥ +u_j",
  };
});

const PCA_CASES: { name: string; a: Matrix; k?: number }[] = [
  // Offsets and unequal column scales, so that centring and ordering matter.
  {
    name: "257 samples × 3 features, k = 2",
    a: matrix(257, 3, gaussian(257, 3, 21).data.map((x, i) => 5 + x * [3, 1, 0.2][i % 3]!)),
    k: 2,
  },
  { name: "64 samples × 40 features", a: gaussian(64, 40, 22) },
  { name: "3 samples × 5 features", a: gaussian(3, 5, 23) },
  { name: "2 samples × 1 feature", a: matrix(2, 1, [1, 4]) },
];

claimTest(SVD_PCA, (t) =>
  perCase(t, PCA_CASES, (c, w) => {
    const [n, d] = [c.a.rows, c.a.cols];
    const p = pca(c.a, c.k);
    const k = p.explainedVariance.length;
    const N = Math.max(n, d);
    // The centred data, exactly as pca forms it, and C = XcᵀXc/(n − 1) in f64.
    const xc = matrix(n, d);
    let frob2 = 0;
    for (let i = 0; i < n * d; i++) {
      xc.data[i] = c.a.data[i]! - p.mean[i % d]!;
      frob2 += xc.data[i]! ** 2;
    }
    const cov = matrix(d, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += xc.data[r * d + i]! * xc.data[r * d + j]!;
        cov.data[i * d + j] = cov.data[j * d + i] = s / (n - 1);
      }
    }
    const e = eigh(cov);
    const top = Math.max(e.values[d - 1]!, p.explainedVariance[0] ?? 0);
    // Forming C: γ_n‖Xc‖_F²/(n − 1) + u‖C‖₂; eigh: 8·d·u‖C‖₂; σ̂² from the SVD (σ̂ within
    // 4·N·u·σ_max): 8·N·u‖C‖₂; squaring and dividing: 2u‖C‖₂.
    const valueBound = (gamma64(n) * frob2) / (n - 1) +
      (1 + 8 * d + 8 * N + 2) * U64 * top;
    for (let j = 0; j < k; j++) {
      w.add(`λ${j}`, Math.abs(p.explainedVariance[j]! - e.values[d - 1 - j]!), valueBound);
    }
    // Scores U_kΣ_k against Xc·V_k: ‖Xc·V̂ − ÛΣ̂‖₂ ≤ 8·N·u·σ_max, plus γ_d(|Xc||V|)_ij to form it.
    const sigmaMax = Math.sqrt(top * (n - 1));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        let a = 0;
        for (let l = 0; l < d; l++) {
          const term = xc.data[i * d + l]! * p.components.data[l * k + j]!;
          s += term;
          a += Math.abs(term);
        }
        const bound = LINALG_JACOBI_C * N * U64 * sigmaMax + gamma64(d) * a;
        w.add(`score (${i}, ${j})`, Math.abs(s - p.scores.data[i * k + j]!), bound);
      }
    }
  }, "variances against eigh of XcᵀXc/(n − 1); scores against Xc·components"));
