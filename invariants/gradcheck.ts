/**
 * Finite-difference gradient checks for the f64 oracle. Central differences
 * with step h = 5e-6·max(1, |x_j|) (≈ u64^(1/3) scaled: balances truncation,
 * O(h²), against cancellation, O(u64/h)).
 *
 * The function is scalarised as L(x) = Σ_i w_i f_i(x) with a fixed weight
 * vector w (the "output gradient"), so one vector–Jacobian product is checked
 * against finite differences of L. Two modes:
 * - `full`: ∂L/∂x_j for every input element;
 * - `random`: directional derivatives ⟨∇L, u⟩ along seeded random unit
 *   directions u (PyTorch's fast mode), for large inputs.
 *
 * The error of one entry is |analytic − numeric| / max(|analytic|, |numeric|, 1):
 * relative for gradients of size ≥ 1, absolute below, where a pure ratio
 * would be meaningless near zero.
 *
 * @example
 * ```ts
 * import { gradcheck } from "./gradcheck.ts";
 * import { ok } from "node:assert/strict";
 * const r = gradcheck(
 *   ([x]) => x!.map((v) => v * v * v),
 *   [Float64Array.of(0.5, -2)],
 *   (w) => [Float64Array.of(3 * 0.25 * w[0]!, 3 * 4 * w[1]!)],
 *   Float64Array.of(1, 0.5),
 * );
 * ok(r.pass, String(r.maxError));
 * ```
 *
 * @module
 */
import { GRADCHECK_MAX_REL } from "./tolerance.ts";
import { hashU32 } from "../impl/gpu/rng.ts";

/** Options for {@link gradcheck}. */
export interface GradcheckOptions {
  /**
   * "full": one central difference per input element; "random": central differences along random
   * unit directions (for large inputs). Default "full".
   */
  mode?: "full" | "random";
  /** Directions in random mode; default 4. */
  directions?: number;
  /** Seed of the random directions; default 1. */
  seed?: number;
  /** Pass bound on the error; default {@link GRADCHECK_MAX_REL}. */
  bound?: number;
  /** Which inputs to check; default all. */
  check?: readonly boolean[];
}

/** Outcome of a gradient check. */
export interface GradcheckResult {
  /** Whether the largest error is within the bound. */
  pass: boolean;
  /** Largest |analytic − numeric| / max(|analytic|, |numeric|, 1); Infinity for a NaN. */
  maxError: number;
  /** Input and element (or direction) where the error was largest. */
  worst: { input: number; index: number; analytic: number; numeric: number };
  /** Evaluations of `f` spent on the central differences. */
  evaluations: number;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Checks `vjp(w)` (analytic gradients of L = Σ w·f) against central differences of `f`.
 *
 * @param f the function, from flattened inputs to flattened output
 * @param inputs the point, f64
 * @param vjp the analytic gradient of Σ w_i f_i for each input (null: not differentiable)
 * @param w the output weights
 */
export function gradcheck(
  f: (inputs: Float64Array[]) => ArrayLike<number>,
  inputs: readonly Float64Array[],
  vjp: (w: Float64Array) => readonly (Float64Array | null)[],
  w: Float64Array,
  options: GradcheckOptions = {},
): GradcheckResult {
  const bound = options.bound ?? GRADCHECK_MAX_REL;
  const mode = options.mode ?? "full";
  const analytic = vjp(w);
  const xs = inputs.map((x) => Float64Array.from(x));
  const L = () => dot(f(xs), w);
  const result: GradcheckResult = {
    pass: true,
    maxError: 0,
    worst: { input: -1, index: -1, analytic: 0, numeric: 0 },
    evaluations: 0,
  };
  const consider = (input: number, index: number, a: number, n: number) => {
    const err = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), 1);
    if (!(err <= result.maxError)) {
      result.maxError = Number.isNaN(err) ? Infinity : err;
      result.worst = { input, index, analytic: a, numeric: n };
    }
  };
  xs.forEach((x, k) => {
    const g = analytic[k];
    if (g === null || g === undefined || options.check?.[k] === false) return;
    if (g.length !== x.length) {
      throw new TypeError(
        `Cannot gradcheck input ${k}: analytic gradient has ${g.length} elements, input has ${x.length}`,
      );
    }
    if (mode === "full") {
      for (let j = 0; j < x.length; j++) {
        const x0 = x[j]!;
        const h = 5e-6 * Math.max(1, Math.abs(x0));
        x[j] = x0 + h;
        const lp = L();
        x[j] = x0 - h;
        const lm = L();
        x[j] = x0;
        result.evaluations += 2;
        consider(k, j, g[j]!, (lp - lm) / (2 * h));
      }
    } else {
      const dirs = options.directions ?? 4;
      const seed = options.seed ?? 1;
      const x0 = Float64Array.from(x);
      const scale = 5e-6 * Math.max(1, ...Array.from(x0, Math.abs));
      for (let d = 0; d < dirs; d++) {
        const u = new Float64Array(x.length);
        for (let j = 0; j < u.length; j++) {
          u[j] = (hashU32(seed + d * 7919 + k * 104729, j) >>> 8) * 2 ** -24 - 0.5;
        }
        const norm = Math.sqrt(dot(u, u)) || 1;
        for (let j = 0; j < u.length; j++) u[j] = u[j]! / norm;
        for (let j = 0; j < x.length; j++) x[j] = x0[j]! + scale * u[j]!;
        const lp = L();
        for (let j = 0; j < x.length; j++) x[j] = x0[j]! - scale * u[j]!;
        const lm = L();
        x.set(x0);
        result.evaluations += 2;
        consider(k, d, dot(g, u), (lp - lm) / (2 * scale));
      }
    }
  });
  result.pass = result.maxError <= bound;
  return result;
}
