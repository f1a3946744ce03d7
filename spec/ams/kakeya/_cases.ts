/**
 * Seeded data of the Kakeya claims: the original's low-rank generator
 * X = U(n×r)·V(r×d) + noise·N with standard normal U, V, N (memspec's `Rng`, f64 Box–Muller),
 * and helpers shared by the tests.
 *
 * @module
 */
import type { Rng } from "../../../impl/gpu/rng.ts";
import { type Matrix, matrix } from "../../../impl/linalg/mod.ts";
import type { KakeyaSet } from "../../../impl/ams/kakeya/kakeya.ts";
import type { OracleSetParts } from "../../oracle/ams/kakeya.ts";

/** n × cols standard normals. */
export function normals(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const m = matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal() * scale;
  return m;
}

/** A·B for row-major matrices. */
export function mul(a: Matrix, b: Matrix): Matrix {
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[i * a.cols + k]!;
      for (let j = 0; j < b.cols; j++) {
        out.data[i * b.cols + j] = out.data[i * b.cols + j]! + x * b.data[k * b.cols + j]!;
      }
    }
  }
  return out;
}

/** The original's generator: latent U (n × r) times a fixed V (r × d), plus noise. */
export function lowRank(rng: Rng, n: number, r: number, d: number, noise: number): Matrix {
  return lowRankFrom(rng, normals(rng, r, d), n, noise);
}

/** n draws U·V + noise·N for a given V (one distribution, several draws). */
export function lowRankFrom(rng: Rng, v: Matrix, n: number, noise: number): Matrix {
  const x = mul(normals(rng, n, v.rows), v);
  for (let i = 0; i < x.data.length; i++) x.data[i] = x.data[i]! + noise * rng.normal();
  return x;
}

/** Row i as a Float64Array view. */
export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Rows [from, to) as a new matrix. */
export function rows(m: Matrix, from: number, to: number): Matrix {
  return matrix(to - from, m.cols, m.data.subarray(from * m.cols, to * m.cols));
}

/** A set's parts as the oracle reads them. */
export function oracleParts(s: KakeyaSet): OracleSetParts {
  const toRows = (m: Matrix) =>
    Array.from(
      { length: m.rows },
      (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)),
    );
  return {
    mean: Array.from(s.mean),
    basis: toRows(s.basis),
    centers: toRows(s.centers),
    t: Array.from(s.t),
    dRes: s.dRes,
  };
}

/** Median of a list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 === 1 ? s[(m - 1) / 2]! : (s[m / 2 - 1]! + s[m / 2]!) / 2;
}
