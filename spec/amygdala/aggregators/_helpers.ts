/**
 * Shared helpers of the aggregator tests: derived rounding bounds, cosines, fp16 rounding.
 *
 * @module
 */
import { f16BitsToF32, f32ToF16Bits } from "../../../impl/io/mod.ts";
import type { Matrix, MatrixData } from "../../../impl/linalg/mod.ts";

/** f64 unit roundoff. */
export const U = 2 ** -53;

/** ‖v‖₂ (plain sum of squares: vectors here are far from overflow). */
export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** cos(a, b); NaN when either is zero. */
export function cos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s / (norm(a) * norm(b));
}

/** ‖a − b‖₂. */
export function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** max_i |P_ij| per column. */
function colAbsMax(m: Matrix<MatrixData>): Float64Array {
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      out[j] = Math.max(out[j]!, Math.abs(m.data[i * m.cols + j]!));
    }
  }
  return out;
}

/**
 * ‖e‖₂ bound on the difference of two computations of mean P − mean N in any summation
 * order: each column mean of n values is within (n + 1)u·max|x| of the exact one (n − 1
 * additions, one division), so two computations differ by at most 2(n + 1)u·max|x| per
 * side; the subtraction adds u·|result| ≤ u(max|P| + max|N|) each.
 */
export function meanDiffErrorBound(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): number {
  const mp = colAbsMax(pos);
  const mn = colAbsMax(neg);
  const n = Math.max(pos.rows, neg.rows);
  let s = 0;
  for (let j = 0; j < pos.cols; j++) {
    const e = 2 * (n + 2) * U * (mp[j]! + mn[j]!);
    s += e * e;
  }
  return Math.sqrt(s);
}

/** ‖mean P − mean N‖₂ computed plainly. */
export function meanDiffNorm(pos: Matrix<MatrixData>, neg: Matrix<MatrixData>): number {
  const h = pos.cols;
  const d = new Float64Array(h);
  for (let i = 0; i < pos.rows; i++) for (let j = 0; j < h; j++) d[j]! += pos.data[i * h + j]!;
  for (let j = 0; j < h; j++) d[j]! /= pos.rows;
  for (let i = 0; i < neg.rows; i++) {
    for (let j = 0; j < h; j++) d[j]! -= neg.data[i * h + j]! / neg.rows;
  }
  return norm(d);
}

/** The rounding bound of a unit vector's norm after f64 → f32 → f16, at hidden size h. */
export function f16NormBound(h: number): number {
  return 2 ** -11 + 2 ** -24 + 2 ** -35 + 2 ** -25 * Math.sqrt(h) + 8 * h * U;
}

/** d rounded f64 → f32 → f16 bit patterns. */
export function toF16Bits(d: ArrayLike<number>): Uint16Array {
  return f32ToF16Bits(Float32Array.from(d as ArrayLike<number>));
}

/** d rounded f64 → f32 → f16 and widened back. */
export function roundF16(d: ArrayLike<number>): Float32Array {
  return f16BitsToF32(toF16Bits(d));
}

/**
 * The derived bound on 1 − cos between two approximations of one direction w*, whose
 * distances to w* are at most ε₁, ε₂, given ‖w‖ of one of them: the angles are at most
 * asin(ε_k/‖w*‖) ≤ (π/2)ε_k/(‖w‖ − ε₁ − ε₂), and 1 − cos θ ≤ θ²/2; plus 8Hu for computing
 * the cosine itself.
 */
export function directionBound(e1: number, e2: number, wNorm: number, h: number): number {
  const denom = wNorm - e1 - e2;
  if (!(denom > 0)) return Infinity;
  const theta = (Math.PI / 2) * (e1 + e2) / denom;
  return theta * theta / 2 + 8 * h * U;
}
