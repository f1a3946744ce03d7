/**
 * Planted-direction token generators of the subspace claims (Kent Overstreet's
 * amygdala trainer's measured case and the G-token generator), seeded through
 * impl/gpu/rng.ts, and the derived f64 bounds the claims compare with.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { type Matrix, matrix } from "../../../impl/linalg/matrix.ts";
import { LINALG_JACOBI_C, U64 } from "../../../invariants/tolerance.ts";

/** A planted case: the direction u and the positive and base token matrices. */
export interface Planted {
  u: Float64Array;
  pos: Matrix[];
  base: Matrix[];
}

/** A unit Gaussian direction. */
export function unit(rng: Rng, h: number): Float64Array {
  const u = Float64Array.from({ length: h }, () => rng.normal());
  const n = Math.hypot(...u);
  return u.map((x) => x / n);
}

/** T × H standard normals. */
export function noise(rng: Rng, t: number, h: number, scale = 1): Matrix {
  const x = matrix(t, h);
  for (let i = 0; i < t * h; i++) x.data[i] = scale * rng.normal();
  return x;
}

/**
 * The original's noisy planted generator: H = 64, 6 positive stories of 10 tokens
 * x_t = a·u + N(0, I) with one amplitude a = amp·U(0.5, 1.5) per story (amp = 3 in the
 * original's measurement), 10 base stories of 10 tokens N(0, I).
 */
export function noisyPlanted(seed: number, amp = 3, h = 64, nPos = 6, nBase = 10, t = 10): Planted {
  const rng = new Rng(seed);
  const u = unit(rng, h);
  const pos = Array.from({ length: nPos }, () => {
    const a = amp * (0.5 + rng.uniform());
    const x = noise(rng, t, h);
    for (let r = 0; r < t; r++) {
      for (let i = 0; i < h; i++) x.data[r * h + i] = x.data[r * h + i]! + a * u[i]!;
    }
    return x;
  });
  const base = Array.from({ length: nBase }, () => noise(rng, t, h));
  return { u, pos, base };
}

/**
 * The exact planted construction: every positive story has the row 2u among T − 1 Gaussian
 * rows; every base story's rows are Gaussian with their u component removed (⟂ u).
 */
export function exactPlanted(seed: number, h: number, nPos = 4, nBase = 4, t = 5): Planted {
  const rng = new Rng(seed);
  const u = unit(rng, h);
  const pos = Array.from({ length: nPos }, () => {
    const x = noise(rng, t, h);
    for (let i = 0; i < h; i++) x.data[i] = 2 * u[i]!;
    return x;
  });
  const base = Array.from({ length: nBase }, () => {
    const x = noise(rng, t, h);
    for (let r = 0; r < t; r++) {
      let d = 0;
      for (let i = 0; i < h; i++) d += x.data[r * h + i]! * u[i]!;
      for (let i = 0; i < h; i++) x.data[r * h + i] = x.data[r * h + i]! - d * u[i]!;
    }
    return x;
  });
  return { u, pos, base };
}

/**
 * G-token: per story T ∈ [8, 12] tokens, x_t = a_t·u·[positive] + b_t·s_S + 0.5·ε_t with a
 * scenario direction s_S shared by a positive story and its paired baseline.
 */
export function gToken(seed: number, h: number, nPairs = 3): Planted {
  const rng = new Rng(seed);
  const u = unit(rng, h);
  const pos: Matrix[] = [];
  const base: Matrix[] = [];
  for (let p = 0; p < nPairs; p++) {
    const s = unit(rng, h);
    for (const positive of [true, false]) {
      const t = 8 + rng.int(5);
      const x = noise(rng, t, h, 0.5);
      for (let r = 0; r < t; r++) {
        const a = positive ? 1 + 2 * rng.uniform() : 0;
        const b = 2 * rng.uniform();
        for (let i = 0; i < h; i++) x.data[r * h + i] = x.data[r * h + i]! + a * u[i]! + b * s[i]!;
      }
      (positive ? pos : base).push(x);
    }
  }
  return { u, pos, base };
}

/** |⟨a, b⟩| / (‖a‖‖b‖). */
export function absCos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return Math.abs(d) / Math.sqrt(na * nb);
}

/**
 * The f64 perturbation of M's eigenproblem, E = c·N·u with c = LINALG_JACOBI_C and
 * N = H + K + n (H: the eigenproblem's order; K = Σk_i: the terms summed into M or into the
 * span basis; n: the stories): each of M's entries sums ≤ K products of unit-vector entries, the
 * span basis is orthonormal to (K + H)·u, and the Jacobi solve is backward stable to c·N·u·‖M‖₂
 * with ‖M‖₂ ≤ 1 (a difference of averages of projectors). Eigenvalues of two such computations
 * differ by ≤ 2E (Weyl).
 */
export function perturbation(h: number, k: number, n: number): number {
  return LINALG_JACOBI_C * (h + k + n) * U64;
}

/**
 * Bound on ‖d̂ − d‖₂ between two computations of the top-k direction, each within E of M:
 * d = s/‖s‖ with s = Σ w_j u_j, ‖s‖ = √Σw_j²; each w_j moves by ≤ 2E (Weyl) and each u_j by
 * ≤ √2·2E/δ_j (Davis–Kahan, δ_j the distance from λ_j to the rest of the spectrum), so
 * ‖ŝ − s‖ ≤ Σ_j (2E + w_j·2√2·E/δ_j) and ‖d̂ − d‖ ≤ 2‖ŝ − s‖/‖s‖. `spectrum` is descending.
 */
export function directionBound(spectrum: ArrayLike<number>, k: number, e: number): number {
  let ds = 0;
  let s2 = 0;
  for (let j = 0; j < k; j++) {
    const w = Math.max(spectrum[j]!, 0);
    if (w === 0) continue;
    const prev = j > 0 ? spectrum[j - 1]! - spectrum[j]! : Infinity;
    const next = j + 1 < spectrum.length ? spectrum[j]! - spectrum[j + 1]! : Infinity;
    const delta = Math.min(prev, next);
    ds += 2 * e + (w * 2 * Math.SQRT2 * e) / delta;
    s2 += w * w;
  }
  return (2 * ds) / Math.sqrt(s2);
}
