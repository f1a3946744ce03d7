/**
 * Eigenvalues of a general (not necessarily symmetric) real square matrix in
 * f64: Householder reduction to upper Hessenberg form, then Francis
 * double-shift QR iterations with deflation on negligible subdiagonals
 * (eigenvalues only, no vectors). Used to set an echo-state reservoir's
 * spectral radius exactly. For a symmetric matrix use ./eigh.ts, which also
 * gives the eigenvectors.
 *
 * @example
 * ```ts
 * import { spectralRadius } from "./eigvals.ts";
 * import { fromRows } from "./matrix.ts";
 * import { ok } from "node:assert/strict";
 * // A rotation by 90° scaled by 2: eigenvalues ±2i.
 * ok(Math.abs(spectralRadius(fromRows([[0, -2], [2, 0]])) - 2) < 1e-14);
 * ```
 *
 * @module
 */
import type { Matrix, MatrixData } from "./matrix.ts";
import { assertFinite, assertSquare } from "./validate.ts";

/** Real and imaginary parts of the n eigenvalues (unordered). */
export interface Eigenvalues {
  /** Real parts, one per eigenvalue. */
  re: Float64Array;
  /** Imaginary parts, in the same order; complex pairs appear as conjugates. */
  im: Float64Array;
}

function hessenberg(a: Float64Array, n: number): void {
  const v = new Float64Array(n);
  const acc = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += a[i * n + k]! ** 2;
    if (norm2 === 0) continue;
    const x0 = a[(k + 1) * n + k]!;
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    const m = n - k - 1;
    for (let i = 0; i < m; i++) v[i] = a[(k + 1 + i) * n + k]!;
    v[0] = x0 - alpha;
    let vv = 0;
    for (let i = 0; i < m; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    // A ← H A H with H = I − 2 v vᵀ / vᵀv acting on rows/columns k+1..n−1.
    // Left: rows k+1..n−1 minus v·(2 vᵀA / vᵀv), row-wise for locality.
    acc.fill(0);
    for (let i = 0; i < m; i++) {
      const row = (k + 1 + i) * n;
      const vi = v[i]!;
      for (let j = k; j < n; j++) acc[j] = acc[j]! + vi * a[row + j]!;
    }
    for (let i = 0; i < m; i++) {
      const row = (k + 1 + i) * n;
      const f = (2 * v[i]!) / vv;
      for (let j = k; j < n; j++) a[row + j] = a[row + j]! - f * acc[j]!;
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += a[i * n + k + 1 + j]! * v[j]!;
      const f = (2 * s) / vv;
      for (let j = 0; j < m; j++) a[i * n + k + 1 + j] = a[i * n + k + 1 + j]! - f * v[j]!;
    }
    for (let i = k + 2; i < n; i++) a[i * n + k] = 0;
  }
}

/** QR sweeps allowed per eigenvalue before giving up. */
const MAX_SWEEPS = 200;

const sign = (a: number, b: number) => (b >= 0 ? Math.abs(a) : -Math.abs(a));

/**
 * Eigenvalues of the square matrix `m` (not modified), unordered; complex
 * ones come in conjugate pairs, negative imaginary part first.
 *
 * @throws {TypeError} when `m` is not a square matrix
 * @throws {RangeError} when an element is not finite (naming it), or QR fails to converge
 *   (200 iterations on one eigenvalue)
 *
 * @example
 * ```ts
 * import { eigenvalues } from "./eigvals.ts";
 * import { fromRows } from "./matrix.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const { re, im } = eigenvalues(fromRows([[2, 0], [0, 3]]));
 * deepStrictEqual([Array.from(re).sort(), Array.from(im)], [[2, 3], [0, 0]]);
 * ```
 */
export function eigenvalues(m: Matrix<MatrixData>): Eigenvalues {
  assertSquare(m, "compute the eigenvalues of");
  assertFinite(m, "compute the eigenvalues of");
  const n = m.rows;
  const a = Float64Array.from(m.data);
  hessenberg(a, n);
  const A = (i: number, j: number) => a[i * n + j]!;
  const set = (i: number, j: number, x: number) => (a[i * n + j] = x);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let anorm = 0;
  for (let i = 0; i < n; i++) {
    for (let j = Math.max(i - 1, 0); j < n; j++) anorm += Math.abs(A(i, j));
  }
  let nn = n - 1;
  let t = 0;
  let its = 0;
  while (nn >= 0) {
    let l = nn;
    for (; l >= 1; l--) {
      let s = Math.abs(A(l - 1, l - 1)) + Math.abs(A(l, l));
      if (s === 0) s = anorm;
      if (Math.abs(A(l, l - 1)) + s === s) {
        set(l, l - 1, 0);
        break;
      }
    }
    let x = A(nn, nn);
    if (l === nn) {
      re[nn] = x + t;
      im[nn] = 0;
      nn--;
      its = 0;
      continue;
    }
    let y = A(nn - 1, nn - 1);
    let w = A(nn, nn - 1) * A(nn - 1, nn);
    if (l === nn - 1) {
      const p = 0.5 * (y - x);
      const q = p * p + w;
      const z = Math.sqrt(Math.abs(q));
      x += t;
      if (q >= 0) {
        const zz = p + sign(z, p);
        re[nn - 1] = re[nn] = x + zz;
        if (zz !== 0) re[nn] = x - w / zz;
        im[nn - 1] = im[nn] = 0;
      } else {
        re[nn - 1] = re[nn] = x + p;
        im[nn - 1] = -z;
        im[nn] = z;
      }
      nn -= 2;
      its = 0;
      continue;
    }
    if (its === MAX_SWEEPS) {
      throw new RangeError(
        `Cannot compute the eigenvalues of a ${n} × ${n} matrix: QR did not converge within ` +
          `${MAX_SWEEPS} iterations on one eigenvalue`,
      );
    }
    if (its > 0 && its % 10 === 0) {
      // Exceptional shift against cycling (exactly structured matrices, e.g. permutations),
      // varied from one to the next so that no fixed pattern of shifts repeats.
      t += x;
      for (let i = 0; i <= nn; i++) set(i, i, A(i, i) - x);
      const s = (Math.abs(A(nn, nn - 1)) + Math.abs(A(nn - 1, nn - 2))) * (1 + its / 100);
      y = x = 0.75 * s;
      w = -0.4375 * s * s;
    }
    its++;
    let mm = nn - 2;
    let p = 0;
    let q = 0;
    let r = 0;
    for (; mm >= l; mm--) {
      const z = A(mm, mm);
      const rr = x - z;
      const ss = y - z;
      p = (rr * ss - w) / A(mm + 1, mm) + A(mm, mm + 1);
      q = A(mm + 1, mm + 1) - z - rr - ss;
      r = A(mm + 2, mm + 1);
      const s = Math.abs(p) + Math.abs(q) + Math.abs(r);
      p /= s;
      q /= s;
      r /= s;
      if (mm === l) break;
      const u = Math.abs(A(mm, mm - 1)) * (Math.abs(q) + Math.abs(r));
      const v = Math.abs(p) *
        (Math.abs(A(mm - 1, mm - 1)) + Math.abs(z) + Math.abs(A(mm + 1, mm + 1)));
      if (u + v === v) break;
    }
    for (let i = mm + 2; i <= nn; i++) {
      set(i, i - 2, 0);
      if (i !== mm + 2) set(i, i - 3, 0);
    }
    for (let k = mm; k <= nn - 1; k++) {
      if (k !== mm) {
        p = A(k, k - 1);
        q = A(k + 1, k - 1);
        r = k !== nn - 1 ? A(k + 2, k - 1) : 0;
        x = Math.abs(p) + Math.abs(q) + Math.abs(r);
        if (x !== 0) {
          p /= x;
          q /= x;
          r /= x;
        }
      }
      const s = sign(Math.sqrt(p * p + q * q + r * r), p);
      if (s === 0) continue;
      if (k === mm) {
        if (l !== mm) set(k, k - 1, -A(k, k - 1));
      } else set(k, k - 1, -s * x);
      p += s;
      x = p / s;
      y = q / s;
      const z = r / s;
      q /= p;
      r /= p;
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      if (k !== nn - 1) {
        for (let j = k; j <= nn; j++) {
          const pp = a[r0 + j]! + q * a[r1 + j]! + r * a[r2 + j]!;
          a[r2 + j] = a[r2 + j]! - pp * z;
          a[r1 + j] = a[r1 + j]! - pp * y;
          a[r0 + j] = a[r0 + j]! - pp * x;
        }
      } else {
        for (let j = k; j <= nn; j++) {
          const pp = a[r0 + j]! + q * a[r1 + j]!;
          a[r1 + j] = a[r1 + j]! - pp * y;
          a[r0 + j] = a[r0 + j]! - pp * x;
        }
      }
      const top = Math.min(nn, k + 3);
      for (let i = l; i <= top; i++) {
        const ri = i * n + k;
        let pp = x * a[ri]! + y * a[ri + 1]!;
        if (k !== nn - 1) {
          pp += z * a[ri + 2]!;
          a[ri + 2] = a[ri + 2]! - pp * r;
        }
        a[ri + 1] = a[ri + 1]! - pp * q;
        a[ri] = a[ri]! - pp;
      }
    }
  }
  return { re, im };
}

/**
 * The spectral radius max|λ| of the square matrix `m` (0 for a 0 × 0 matrix).
 *
 * @throws as {@link eigenvalues}
 *
 * @example
 * ```ts
 * import { spectralRadius } from "./eigvals.ts";
 * import { fromRows } from "./matrix.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(spectralRadius(fromRows([[0, 1], [0, 0]])), 0); // nilpotent
 * ```
 */
export function spectralRadius(m: Matrix<MatrixData>): number {
  const n = m.rows;
  const { re, im } = eigenvalues(m);
  let r = 0;
  for (let i = 0; i < n; i++) r = Math.max(r, Math.hypot(re[i]!, im[i]!));
  return r;
}
