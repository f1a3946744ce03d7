/**
 * Derived f64 bounds of the Kakeya identity claims.
 *
 * The identity ‖v − v̂‖² = ‖(I − BᵀB)w‖² + ‖r − r̂‖² (w = v − μ) is exact when B's rows are
 * exactly orthonormal and the arithmetic exact. Two things move the computed sides apart:
 *
 * 1. Rounding. Every computed quantity (c = Bw, α, p, τ, r, ĉ, v̂ = ĉB + μ, the oracle's BᵀBw) is
 *    a sum of at most d + 2·d_eff + 8 products whose absolute values sum to at most a small
 *    multiple of S = ‖v‖ + ‖μ‖ (|B| rows are unit, centres and t are unit, so |α|, |τ|, ‖p‖,
 *    ‖r‖ ≤ ‖c‖ ≤ ‖w‖(1 + η) ≤ 2S). Each therefore carries an error ≤ γ(n)·2S with
 *    γ(n) = n·u/(1 − n·u), n = d + 2·d_eff + 8 (Higham, Accuracy and Stability, §3.1). A squared
 *    norm of a difference of such vectors moves by at most 2·(its size)·(its error) ≤ 4γ·S²
 *    per side; the two sides together: 8·γ(n)·S².
 * 2. Non-orthonormal B. With BBᵀ = I + E and η = d_eff·max|E_ij| ≥ ‖E‖₂, expanding
 *    v − v̂ = (I − BᵀB)w + Bᵀδ (δ = r − r̂, ‖δ‖ ≤ ‖c‖) gives ‖Bᵀδ‖² = ‖δ‖² + δEδᵀ and a
 *    cross term 2⟨(I − BᵀB)w, Bᵀδ⟩ = −2δEBw, so the sides differ by at most
 *    η‖δ‖² + 2η‖δ‖‖B‖‖w‖ ≤ 4η·S² for η ≤ 1/4.
 *
 * Hence |lhs − rhs| ≤ (8·γ(n) + 4η)·S². The corollaries: ĉ − c is a rounding error only
 * (ĉ = αt + τc_seg + r = c exactly when r̂ = r), so ‖v̂ − proj‖ ≤ 8·γ(n)·√d·S (per-element
 * errors ≤ 8γS, d of them); for v = μ + Bᵀa, ‖(I − BᵀB)(v − μ)‖ = ‖BᵀEa‖ ≤ 2η·S adds 2η·S.
 *
 * @module
 */
import { U64 } from "../../../invariants/tolerance.ts";
import type { Matrix } from "../../../impl/linalg/mod.ts";

/** γ(n) = n·u / (1 − n·u), f64. */
export function gamma(n: number): number {
  return (n * U64) / (1 - n * U64);
}

/** η = d_eff · max |BBᵀ − I|: a bound on ‖BBᵀ − I‖₂. */
export function orthonormalityDefect(b: Matrix): number {
  let worst = 0;
  for (let p = 0; p < b.rows; p++) {
    for (let q = 0; q < b.rows; q++) {
      let s = 0;
      for (let j = 0; j < b.cols; j++) s += b.data[p * b.cols + j]! * b.data[q * b.cols + j]!;
      worst = Math.max(worst, Math.abs(s - (p === q ? 1 : 0)));
    }
  }
  return b.rows * worst;
}

/** The identity's bound on |lhs − rhs|. */
export function identityBound(d: number, dEff: number, eta: number, scale: number): number {
  return (8 * gamma(d + 2 * dEff + 8) + 4 * eta) * scale * scale;
}

/** The corollaries' bound on ‖v̂ − proj‖ (inSpan: add the orthonormality term). */
export function corollaryBound(
  d: number,
  dEff: number,
  eta: number,
  scale: number,
  inSpan: boolean,
): number {
  return (8 * gamma(d + 2 * dEff + 8) * Math.sqrt(d) + (inSpan ? 2 * eta : 0)) * scale;
}
