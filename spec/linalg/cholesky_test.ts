/**
 * Cholesky factor and solve against Higham's componentwise backward error
 * bounds (Theorems 10.3 and 10.4), one step per size: n = 1, 2, 3, 64, 257
 * (B·Bᵀ/n + I) and the 8 × 8 Hilbert matrix (κ₂ ≈ 1.5e10).
 *
 * @module
 */
import { cholesky, choleskySolve } from "../../impl/linalg/cholesky.ts";
import type { Matrix } from "../../impl/linalg/matrix.ts";
import { gamma64, U64 } from "../../invariants/tolerance.ts";
import { claimTest } from "../_harness/claim.ts";
import { gaussian, hilbert, perCase, spd } from "./_cases.ts";
import { CHOLESKY_FACTOR, CHOLESKY_SOLVE } from "./claims.ts";

const CASES: { name: string; a: Matrix }[] = [
  ...[1, 2, 3, 64, 257].map((n) => ({ name: `spd_${n}`, a: spd(n, 1000 + n) })),
  { name: "hilbert_8", a: hilbert(8) },
];

/** fl(|L|·|Lᵀ|) and fl(L·Lᵀ) of a lower-triangular n × n L, summed over p in increasing order. */
function products(l: Matrix): { abs: Float64Array; prod: Float64Array } {
  const n = l.rows;
  const abs = new Float64Array(n * n);
  const prod = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let a = 0;
      let p = 0;
      for (let k = 0; k <= Math.min(i, j); k++) {
        const x = l.data[i * n + k]!;
        const y = l.data[j * n + k]!;
        a += Math.abs(x) * Math.abs(y);
        p += x * y;
      }
      abs[i * n + j] = a;
      prod[i * n + j] = p;
    }
  }
  return { abs, prod };
}

claimTest(CHOLESKY_FACTOR, (t) =>
  perCase(t, CASES, (c, w) => {
    const n = c.a.rows;
    const l = cholesky(c.a);
    const { abs, prod } = products(l);
    // |A − L̂L̂ᵀ| ≤ γ_{n+1}|L̂||L̂ᵀ| (Thm 10.3); forming L̂L̂ᵀ adds γ_n|L̂||L̂ᵀ|, the subtraction
    // one rounding (1 + u), and fl(|L̂||L̂ᵀ|) may fall short of the exact by a factor 1 − γ_n.
    const factor = ((1 + U64) * (gamma64(n + 1) + gamma64(n))) / (1 - gamma64(n));
    for (let i = 0; i < n * n; i++) {
      w.add(
        `(${Math.floor(i / n)}, ${i % n})`,
        Math.abs(c.a.data[i]! - prod[i]!),
        factor * abs[i]!,
      );
    }
  }, "componentwise bound (1 + u)(γ_{n+1} + γ_n)|L||Lᵀ|/(1 − γ_n)"));

claimTest(CHOLESKY_SOLVE, (t) =>
  perCase(t, CASES, (c, w) => {
    const n = c.a.rows;
    const k = 3;
    const b = gaussian(n, k, 2000 + n);
    const x = choleskySolve(c.a, b);
    const { abs } = products(cholesky(c.a));
    // |b − Ax̂| ≤ γ_{3n+1}|L̂||L̂ᵀ||x̂| (Thm 10.4); evaluating the residual in f64 adds
    // γ_{n+1}(|b| + |A||x̂|); the bound's own f64 evaluation (≤ 2n + 1 roundings of non-negative
    // terms) is covered by dividing by 1 − γ_{2n+1}.
    const scale = 1 / (1 - gamma64(2 * n + 1));
    for (let i = 0; i < n; i++) {
      for (let col = 0; col < k; col++) {
        let r = b.data[i * k + col]!;
        let llx = 0;
        let ax = Math.abs(b.data[i * k + col]!);
        for (let p = 0; p < n; p++) {
          const xp = x.data[p * k + col]!;
          r -= c.a.data[i * n + p]! * xp;
          llx += abs[i * n + p]! * Math.abs(xp);
          ax += Math.abs(c.a.data[i * n + p]! * xp);
        }
        const bound = scale * (gamma64(3 * n + 1) * llx + gamma64(n + 1) * ax);
        w.add(`row ${i} rhs ${col}`, Math.abs(r), bound);
      }
    }
  }, "componentwise bound γ_{3n+1}|L||Lᵀ||x| + γ_{n+1}(|b| + |A||x|), 3 right-hand sides"));
