/**
 * Shared data and measurements of the linalg claims: the numpy fixtures
 * (fixtures/linalg/*.json, manifest-pinned), deterministic random matrices,
 * and the error figures the claims compare with their bounds.
 *
 * @module
 */
import { ok } from "node:assert/strict";
import { Rng } from "../../impl/gpu/rng.ts";
import { type Matrix, matrix, type MatrixData } from "../../impl/linalg/matrix.ts";
import type { Measurement } from "../_harness/claim.ts";
import { type EncodedArray, f64 } from "../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../_harness/fixtures.ts";

/** One symmetric case of fixtures/linalg/eigh.json, decoded. */
export interface EighCase {
  name: string;
  kind: "random" | "repeated" | "rank_deficient";
  n: number;
  a: Matrix;
  /** numpy's eigenvalues, ascending. */
  values: Float64Array;
  /** numpy's eigenvectors (columns), in the sign convention. */
  vectors: Matrix;
  /** numpy's ‖A‖₂. */
  norm2: number;
}

/** One case of fixtures/linalg/svd.json, decoded. */
export interface SvdCase {
  name: string;
  m: number;
  n: number;
  a: Matrix;
  /** numpy's singular values, descending. */
  s: Float64Array;
  /** m × k and n × k, v_j in the sign convention and u_j flipped with it. */
  u: Matrix;
  v: Matrix;
  norm2: number;
}

interface EighFile {
  format: string;
  cases: {
    name: string;
    kind: EighCase["kind"];
    n: number;
    a: EncodedArray;
    values: EncodedArray;
    vectors: EncodedArray;
    norm2: number;
  }[];
}

interface SvdFile {
  format: string;
  cases: {
    name: string;
    m: number;
    n: number;
    a: EncodedArray;
    s: EncodedArray;
    u: EncodedArray;
    v: EncodedArray;
    norm2: number;
  }[];
}

const EIGH_PATH = "fixtures/linalg/eigh.json";
const SVD_PATH = "fixtures/linalg/svd.json";

/** Loads the symmetric cases, with the manifest check for claim details. */
export async function loadEighCases(): Promise<{ cases: EighCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<EighFile>(EIGH_PATH, "memspec.linalg.eigh.v1");
  const cases = data.cases.map((c) => ({
    name: c.name,
    kind: c.kind,
    n: c.n,
    a: matrix(c.n, c.n, f64(c.a, `${EIGH_PATH} ${c.name}.a`, [c.n, c.n])),
    values: f64(c.values, `${EIGH_PATH} ${c.name}.values`, [c.n]),
    vectors: matrix(c.n, c.n, f64(c.vectors, `${EIGH_PATH} ${c.name}.vectors`, [c.n, c.n])),
    norm2: c.norm2,
  }));
  return { cases, integrity };
}

/** Loads the SVD cases, with the manifest check for claim details. */
export async function loadSvdCases(): Promise<{ cases: SvdCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<SvdFile>(SVD_PATH, "memspec.linalg.svd.v1");
  const cases = data.cases.map((c) => {
    const k = Math.min(c.m, c.n);
    return {
      name: c.name,
      m: c.m,
      n: c.n,
      a: matrix(c.m, c.n, f64(c.a, `${SVD_PATH} ${c.name}.a`, [c.m, c.n])),
      s: f64(c.s, `${SVD_PATH} ${c.name}.s`, [k]),
      u: matrix(c.m, k, f64(c.u, `${SVD_PATH} ${c.name}.u`, [c.m, k])),
      v: matrix(c.n, k, f64(c.v, `${SVD_PATH} ${c.name}.v`, [c.n, k])),
      norm2: c.norm2,
    };
  });
  return { cases, integrity };
}

/** An m × n matrix of standard normal draws (impl/gpu/rng.ts, deterministic per seed). */
export function gaussian(m: number, n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const out = matrix(m, n);
  for (let i = 0; i < m * n; i++) out.data[i] = rng.normal();
  return out;
}

/** B·Bᵀ/n + I for an n × n Gaussian B: symmetric positive definite, well conditioned. */
export function spd(n: number, seed: number): Matrix {
  const b = gaussian(n, n, seed);
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b.data[i * n + k]! * b.data[j * n + k]!;
      const v = s / n + (i === j ? 1 : 0);
      out.data[i * n + j] = v;
      out.data[j * n + i] = v;
    }
  }
  return out;
}

/** The n × n Hilbert matrix 1/(i + j + 1): positive definite, κ₂ ≈ 1.5e10 at n = 8. */
export function hilbert(n: number): Matrix {
  const out = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = 1 / (i + j + 1);
  return out;
}

/** max_ij |(QᵀQ − I)_ij| of the columns of q, accumulated in f64. */
export function orthonormalityError(q: Matrix<MatrixData>): number {
  const [m, k] = [q.rows, q.cols];
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += q.data[r * k + i]! * q.data[r * k + j]!;
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

/**
 * ‖A − U·diag(s)·Vᵀ‖_F and ‖A‖_F, both scaled by max|a| (so neither overflows nor underflows
 * at extreme magnitudes). For eigh pass V as U.
 */
export function reconstructionError(
  a: Matrix<MatrixData>,
  u: Matrix<MatrixData>,
  s: ArrayLike<number>,
  v: Matrix<MatrixData>,
): { error: number; norm: number } {
  const [m, n, k] = [a.rows, a.cols, s.length];
  let big = 0;
  for (const x of a.data) big = Math.max(big, Math.abs(x));
  if (big === 0) big = 1;
  let err = 0;
  let norm = 0;
  const us = new Float64Array(k);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < k; l++) us[l] = u.data[i * k + l]! * (s[l]! / big);
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < k; l++) x += us[l]! * v.data[j * k + l]!;
      const aij = a.data[i * n + j]! / big;
      err += (aij - x) ** 2;
      norm += aij ** 2;
    }
  }
  return { error: Math.sqrt(err), norm: Math.sqrt(norm) };
}

/**
 * Columns of `v` whose largest-magnitude component (lowest index on ties) is not positive.
 * The pivot is found here from the convention's statement (the largest magnitude, then its
 * first occurrence), not with impl/linalg/sign.ts's `pivotRow`, so that the sign-convention
 * claims check the convention rather than the implementation against itself. A column with
 * a NaN counts as a violation.
 */
export function signViolations(v: Matrix<MatrixData>): number[] {
  const bad: number[] = [];
  for (let j = 0; j < v.cols; j++) {
    const mags = Array.from({ length: v.rows }, (_, i) => Math.abs(v.data[i * v.cols + j]!));
    if (mags.length === 0) continue;
    const top = Math.max(...mags);
    const r = mags.indexOf(top);
    if (r < 0 || !(v.data[r * v.cols + j]! > 0)) bad.push(j);
  }
  return bad;
}

/** Groups of consecutive indices of ascending `values` closer than `tol` to their neighbour. */
export function clusters(values: ArrayLike<number>, tol: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i++) {
    const last = out.at(-1);
    if (last !== undefined && values[i]! - values[i - 1]! < tol) last.push(i);
    else out.push([i]);
  }
  return out;
}

/** The distance from the values of `members` to every other value (∞ when there is none). */
export function gapOf(values: ArrayLike<number>, members: readonly number[]): number {
  let gap = Infinity;
  const inside = new Set(members);
  for (let k = 0; k < values.length; k++) {
    if (inside.has(k)) continue;
    for (const j of members) gap = Math.min(gap, Math.abs(values[k]! - values[j]!));
  }
  return gap;
}

/** max_ij |(P̂ − P)_ij| of the projectors on columns `cols` of `a` and of `b` (both n × n′). */
export function projectorDifference(
  a: Matrix<MatrixData>,
  b: Matrix<MatrixData>,
  cols: readonly number[],
): number {
  const n = a.rows;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let pa = 0;
      let pb = 0;
      for (const c of cols) {
        pa += a.data[i * a.cols + c]! * a.data[j * a.cols + c]!;
        pb += b.data[i * b.cols + c]! * b.data[j * b.cols + c]!;
      }
      worst = Math.max(worst, Math.abs(pa - pb));
    }
  }
  return worst;
}

/** `n=5` for a square matrix, `64×40` otherwise: the size part of a step name. */
export function shapeName(a: Matrix<MatrixData>): string {
  return a.rows === a.cols ? `n=${a.rows}` : `${a.rows}×${a.cols}`;
}

/** The worst ratio seen so far and where: error/bound ≤ 1 passes. */
export class Worst {
  ratio = 0;
  where = "no comparison";
  count = 0;

  /** Records error/bound for `what` (0/0 counts as 0; NaN as ∞). */
  add(what: string, error: number, bound: number): number {
    this.count++;
    let r = error === 0 ? 0 : error / bound;
    if (Number.isNaN(r)) r = Infinity;
    if (r >= this.ratio) {
      this.ratio = r;
      this.where = `${what}: error ${error.toExponential(3)}, bound ${bound.toExponential(3)}`;
    }
    return r;
  }

  /** Takes over `other`'s worst ratio (and where), prefixed by `name`, when it is worse. */
  merge(name: string, other: Worst): void {
    this.count += other.count;
    if (other.ratio >= this.ratio) {
      this.ratio = other.ratio;
      this.where = `${name}, ${other.where}`;
    }
  }
}

/**
 * Runs `measure` as one named step per case; a step fails when its ratio exceeds 1. Returns the
 * claim's measurement: the worst ratio over every step.
 */
export async function perCase<C extends { name: string; a: Matrix }>(
  t: Deno.TestContext,
  items: readonly C[],
  measure: (c: C, worst: Worst) => void,
  detail: string,
): Promise<Measurement> {
  const worst = new Worst();
  for (const c of items) {
    await t.step(`${shapeName(c.a)} ${c.name}`, () => {
      const local = new Worst();
      measure(c, local);
      worst.merge(c.name, local);
      ok(local.ratio <= 1, `${c.name}: ratio ${local.ratio} > 1 (${local.where})`);
    });
  }
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `worst ${worst.where}; ${items.length} cases, ${worst.count} comparisons; ${detail}`,
  };
}
