/**
 * f64 oracle of AMS v4's Kakeya codec (FluffyAIcode/AgentMemorySystem:ams_v4/kakeya/set.py,
 * PR #30), written from the published formulas independently of impl/ams/kakeya: plain nested
 * loops over number arrays, no shared helpers. It gives the claims the encode and decode of a
 * set from its stored parts, the two terms of the exact error decomposition, the PCA
 * projection, the cumulative variance of a spectrum, and the v3.12 byte accounting.
 *
 * @example The error decomposition of one vector
 * ```ts
 * import { oracleDecomposition } from "./kakeya.ts";
 * import { ok } from "node:assert/strict";
 * const parts = {
 *   mean: [0, 0, 0], basis: [[1, 0, 0], [0, 1, 0]], centers: [[0, 1]], t: [1, 0], dRes: 0,
 * };
 * const d = oracleDecomposition(parts, [1, 2, 3]);
 * ok(Math.abs(d.total - (d.pca + d.residual)) < 1e-12); // 9 = 9 + 0
 * ```
 *
 * @module
 */

/** A set's stored parts as plain arrays. */
export interface OracleSetParts {
  readonly mean: readonly number[];
  /** d_eff rows of d. */
  readonly basis: readonly (readonly number[])[];
  /** K rows of d_eff. */
  readonly centers: readonly (readonly number[])[];
  /** The unit axis direction in coefficient space (d_eff). */
  readonly t: readonly number[];
  /** Residual entries kept (already capped at d_eff). */
  readonly dRes: number;
}

/** What the oracle's encode gives. */
export interface OracleCode {
  alpha: number;
  seg: number;
  tau: number;
  /** The full residual r (d_eff). */
  r: number[];
  /** Kept indices, largest |r| first (index order when d_res ≥ d_eff). */
  idx: number[];
  vals: number[];
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** t = normalize(B·axis) (e₀ when ‖B·axis‖ < 1e-8). */
export function oracleT(basis: readonly (readonly number[])[], axis: readonly number[]): number[] {
  const y = basis.map((row) => dot(row, axis));
  const n = Math.sqrt(dot(y, y));
  if (n < 1e-8) return y.map((_, i) => (i === 0 ? 1 : 0));
  return y.map((x) => x / n);
}

/** Encode as published: c, α, p, seg, τ, r, the top-|r| residual. */
export function oracleEncode(s: OracleSetParts, v: readonly number[]): OracleCode {
  const w = v.map((x, j) => x - s.mean[j]!);
  const c = s.basis.map((row) => dot(row, w));
  const alpha = dot(c, s.t);
  const p = c.map((x, q) => x - alpha * s.t[q]!);
  const pn = Math.sqrt(dot(p, p));
  let seg = 0;
  if (pn > 1e-8) {
    const sims = s.centers.map((ck) => dot(ck, p.map((x) => x / pn)));
    seg = sims.indexOf(Math.max(...sims));
  }
  const tau = dot(p, s.centers[seg]!);
  const r = p.map((x, q) => x - tau * s.centers[seg]![q]!);
  const order = r.map((_, q) => q);
  const idx = s.dRes >= r.length
    ? order
    : order.sort((a, b) => Math.abs(r[b]!) - Math.abs(r[a]!) || a - b).slice(0, s.dRes);
  return { alpha, seg, tau, r, idx, vals: idx.map((q) => r[q]!) };
}

/** Decode as published: r̂ scattered, ĉ = αt + τ·c_seg + r̂, v̂ = ĉB + μ. */
export function oracleDecode(s: OracleSetParts, code: OracleCode): number[] {
  const e = s.t.length;
  const rhat = new Array<number>(e).fill(0);
  code.idx.forEach((q, i) => (rhat[q] = code.vals[i]!));
  const chat = rhat.map((x, q) => code.alpha * s.t[q]! + code.tau * s.centers[code.seg]![q]! + x);
  return s.mean.map((m, j) => {
    let acc = 0;
    for (let q = 0; q < e; q++) acc += chat[q]! * s.basis[q]![j]!;
    return acc + m;
  });
}

/** μ + BᵀB(v − μ): the PCA projection of v. */
export function oracleProjection(s: Pick<OracleSetParts, "mean" | "basis">, v: readonly number[]) {
  const w = v.map((x, j) => x - s.mean[j]!);
  const c = s.basis.map((row) => dot(row, w));
  return s.mean.map((m, j) => m + c.reduce((acc, cq, q) => acc + cq * s.basis[q]![j]!, 0));
}

/** The three squared norms of the identity ‖v − v̂‖² = ‖(I − BᵀB)(v − μ)‖² + ‖r − r̂‖². */
export interface OracleDecomposition {
  /** ‖v − v̂‖² with v̂ from the oracle's own encode and decode. */
  total: number;
  /** ‖(I − BᵀB)(v − μ)‖², the PCA truncation. */
  pca: number;
  /** ‖r − r̂‖², the dropped residual. */
  residual: number;
}

/** The decomposition of v's error, every term computed by the oracle. */
export function oracleDecomposition(s: OracleSetParts, v: readonly number[]): OracleDecomposition {
  const code = oracleEncode(s, v);
  const vhat = oracleDecode(s, code);
  return { total: sqDist(v, vhat), ...oracleTerms(s, v, code.r, code.idx) };
}

/** The identity's right-hand terms for v, a full residual r and the kept indices. */
export function oracleTerms(
  s: Pick<OracleSetParts, "mean" | "basis">,
  v: ArrayLike<number>,
  r: readonly number[],
  kept: readonly number[],
): { pca: number; residual: number } {
  const vv = Array.from(v);
  const w = vv.map((x, j) => x - s.mean[j]!);
  const proj = oracleProjection(s, vv).map((x, j) => x - s.mean[j]!);
  const keep = new Set(kept);
  let residual = 0;
  r.forEach((x, q) => (residual += keep.has(q) ? 0 : x * x));
  return { pca: sqDist(w, proj), residual };
}

/** ‖a − b‖². */
export function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

/** cumvar_i = Σ_{j≤i} S_j² / max(Σ S², 1e-12). */
export function oracleCumvar(s: ArrayLike<number>): number[] {
  const sq = Array.from(s, (x) => x * x);
  const total = Math.max(sq.reduce((a, b) => a + b, 0), 1e-12);
  let acc = 0;
  return sq.map((x) => (acc += x) / total);
}

/** v3.12 byte accounting, term by term: original N·d·4; the compressed sum. */
export function oracleBytes(N: number, d: number, dEff: number, K: number, dRes: number) {
  const basis = dEff * d * 4;
  const mean = d * 4;
  const tDir = dEff * 4;
  const centers = K * dEff * 4;
  const perVector = 4 /* seg */ + 4 /* α */ + 4 /* τ */ + dRes * 4 /* vals */ + dRes * 4; /* idx */
  return { original: N * d * 4, compressed: basis + mean + tDir + centers + N * perVector };
}
