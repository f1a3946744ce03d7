/**
 * f64 oracle of AMS v4's geometry primitives (FluffyAIcode/AgentMemorySystem:ams_v4/bundles/
 * base.py and bundles/topic.py, PR #30): the learned metric g(x) = LLᵀ, the connection
 * A(x, v) = (R − Rᵀ)/2, the RK4 fiber transporter with renormalisation, the geodesic solver
 * (Adam on the interior points) and the slerp path of the topic bundle.
 *
 * The forward passes are written once over an arithmetic ({@link Arith}): `F64` evaluates them
 * in f64; `TRACKED` replays the GPU kernels' f32 operation order with a running error bound
 * (invariants/tolerance.ts), so the parity bounds come from the same code as the oracle. The
 * kernels (impl/ams/geometry/kernels/) follow these functions operation by operation.
 *
 * @module
 */
import {
  track,
  trackBuiltins,
  type Tracked,
  type TrackedArg,
} from "../../../invariants/tolerance.ts";

/**
 * The scalar operations every ams oracle uses (this one's {@link Arith} and the encoders' and
 * cross-bundle attention's `EncArith` extend it); `T` is a number (f64) or a tracked f32 value.
 */
export interface ScalarArith<T> {
  /** A value loaded from an f32 buffer (weights, inputs, incoming gradients). */
  input(x: number): T;
  /** A WGSL literal standing for the real `x`. */
  lit(x: number): T;
  /** A host value passed as an f32 uniform (or uploaded as an f32 tensor). */
  uniform(x: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  /** max(a, c) for an exact constant c. */
  maxc(a: T, c: number): T;
  exp(a: T): T;
  sqrt(a: T): T;
  /** The value (exact for f64, the reference value for tracked). */
  val(a: T): number;
}

/** {@link ScalarArith} in f64: the oracles' arithmetic. */
export const SCALAR_F64: ScalarArith<number> = {
  input: (x) => x,
  lit: (x) => x,
  uniform: (x) => x,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  maxc: (a, c) => Math.max(a, c),
  exp: Math.exp,
  sqrt: Math.sqrt,
  val: (a) => a,
};

/** {@link ScalarArith} as a running error analysis of the GPU's f32 operations. */
export const SCALAR_TRACKED: ScalarArith<Tracked> = {
  input: (x) => track.input(x),
  lit: (x) => trackBuiltins.literal(x),
  uniform: (x) => track.uniform(x),
  add: (a, b) => track.add(a, b),
  sub: (a, b) => track.sub(a, b),
  mul: (a, b) => track.mul(a, b),
  div: (a, b) => track.div(a, b),
  neg: (a) => trackBuiltins.neg(a as TrackedArg),
  maxc: (a, c) => ({ v: Math.max(a.v, c), e: a.e }),
  exp: (a) => trackBuiltins.exp(a as TrackedArg),
  sqrt: (a) => track.sqrt(a),
  val: (a) => a.v,
};

/** The operations the forward passes use: {@link ScalarArith} and the geometry's builtins. */
export interface Arith<T> extends ScalarArith<T> {
  abs(a: T): T;
  log(a: T): T;
  sin(a: T): T;
  cos(a: T): T;
  atan2(y: T, x: T): T;
}

/** f64 arithmetic. */
export const F64: Arith<number> = {
  ...SCALAR_F64,
  abs: (a) => Math.abs(a),
  log: Math.log,
  sin: Math.sin,
  cos: Math.cos,
  atan2: Math.atan2,
};

/** Running error analysis of the f32 kernels: `v` the exact value, `e` a bound on the error. */
export const TRACKED: Arith<Tracked> = {
  ...SCALAR_TRACKED,
  abs: (a) => ({ v: Math.abs(a.v), e: a.e }),
  log: (a) => trackBuiltins.log(a),
  sin: (a) => trackBuiltins.sin(a),
  cos: (a) => trackBuiltins.cos(a),
  atan2: (y, x) => trackBuiltins.atan2(y, x),
};

/** One Linear layer, PyTorch layout: weight (out × in) row-major, bias (out). */
export interface LinearParams {
  readonly inF: number;
  readonly outF: number;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/** A three-layer MLP Linear, SiLU, Linear, SiLU, Linear (the metric's and the connection's). */
export type Mlp3 = readonly [LinearParams, LinearParams, LinearParams];

/** RiemannianMetric(d): the MLP d → 4d → 4d → d(d+1)/2. */
export interface MetricParams {
  readonly d: number;
  readonly net: Mlp3;
}

/** FiberConnection(d_base, d_F): MLP (2d + d(d+1)/2) → 4d_F → 4d_F → d_F², plus its metric. */
export interface ConnectionParams {
  readonly dBase: number;
  readonly dF: number;
  readonly metric: MetricParams;
  readonly net: Mlp3;
}

/** d(d+1)/2: the entries of a triangle with its diagonal. */
export function triSize(d: number): number {
  return (d * (d + 1)) / 2;
}

/** SiLU x·σ(x), written as the kernels write it: x / (1 + exp(−x)). */
export function silu<T>(ar: Arith<T>, x: T): T {
  return ar.div(x, ar.add(ar.lit(1), ar.exp(ar.neg(x))));
}

/**
 * softplus(x) = max(x, 0) + log(1 + exp(−|x|)): torch's softplus (β = 1) in a form that never
 * overflows. It differs from torch's `x` above the threshold 20 by log1p(e^−x) ≤ 2.1e-9.
 */
export function softplus<T>(ar: Arith<T>, x: T): T {
  return ar.add(ar.maxc(x, 0), ar.log(ar.add(ar.lit(1), ar.exp(ar.neg(ar.abs(x))))));
}

/** y = W x + b with the sum in index order, starting from the bias (the kernels' order). */
export function linear<T>(ar: Arith<T>, l: LinearParams, x: readonly T[]): T[] {
  const y: T[] = new Array(l.outF);
  for (let o = 0; o < l.outF; o++) {
    let acc = ar.input(l.bias[o]!);
    for (let i = 0; i < l.inF; i++) {
      acc = ar.add(acc, ar.mul(ar.input(l.weight[o * l.inF + i]!), x[i]!));
    }
    y[o] = acc;
  }
  return y;
}

/** The three-layer MLP with SiLU after the first two layers. */
export function mlp3<T>(ar: Arith<T>, net: Mlp3, x: readonly T[]): T[] {
  const h1 = linear(ar, net[0], x).map((v) => silu(ar, v));
  const h2 = linear(ar, net[1], h1).map((v) => silu(ar, v));
  return linear(ar, net[2], h2);
}

/**
 * g(x) = L Lᵀ for one point: L filled row by row from the MLP output in the order (i, j ≤ i),
 * its diagonal replaced by softplus(L_ii) + 1e-3; g_ij = Σ_{k ≤ min(i,j)} L_ik L_jk in k order.
 * Returns g (d × d, row-major).
 */
export function metricPoint<T>(ar: Arith<T>, p: MetricParams, x: readonly T[]): T[] {
  const d = p.d;
  const v = mlp3(ar, p.net, x);
  const L: (T | null)[] = new Array(d * d).fill(null);
  let n = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const raw = v[n++]!;
      L[i * d + j] = i === j ? ar.add(softplus(ar, raw), ar.lit(1e-3)) : raw;
    }
  }
  const g: T[] = new Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const m = Math.min(i, j);
      let acc = ar.mul(L[i * d]!, L[j * d]!);
      for (let k = 1; k <= m; k++) acc = ar.add(acc, ar.mul(L[i * d + k]!, L[j * d + k]!));
      g[i * d + j] = acc;
    }
  }
  return g;
}

/** g at each of `n` points (x: n × d row-major): n × d × d. */
export function metricForward(p: MetricParams, x: Float64Array, n: number): Float64Array {
  const d = p.d;
  const out = new Float64Array(n * d * d);
  for (let r = 0; r < n; r++) {
    out.set(metricPoint(F64, p, Array.from(x.subarray(r * d, r * d + d))), r * d * d);
  }
  return out;
}

/** Upper-triangle indices (i ≤ j) in row-major order, as torch.triu_indices lists them. */
export function triuPairs(d: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out.push([i, j]);
  return out;
}

/** A(x, v) = (R − Rᵀ)/2 with R = reshape(MLP([x, v, triu(g(x))]), d_F × d_F) row-major. */
export function connectionPoint<T>(
  ar: Arith<T>,
  p: ConnectionParams,
  x: readonly T[],
  v: readonly T[],
): T[] {
  const g = metricPoint(ar, p.metric, x);
  const z: T[] = [...x, ...v, ...triuPairs(p.dBase).map(([i, j]) => g[i * p.dBase + j]!)];
  const r = mlp3(ar, p.net, z);
  const dF = p.dF;
  const A: T[] = new Array(dF * dF);
  const half = ar.lit(0.5);
  for (let i = 0; i < dF; i++) {
    for (let j = 0; j < dF; j++) {
      A[i * dF + j] = ar.mul(ar.sub(r[i * dF + j]!, r[j * dF + i]!), half);
    }
  }
  return A;
}

/** y = −A f, the sum over j in index order, negated at the end. */
function negMatvec<T>(ar: Arith<T>, A: readonly T[], f: readonly T[], n: number): T[] {
  const y: T[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let acc = ar.mul(A[i * n]!, f[0]!);
    for (let j = 1; j < n; j++) acc = ar.add(acc, ar.mul(A[i * n + j]!, f[j]!));
    y[i] = ar.neg(acc);
  }
  return y;
}

/** ‖f‖ clamped at 1e-8: sqrt of the squares summed in index order. */
function clampedNorm<T>(ar: Arith<T>, f: readonly T[]): T {
  let s = ar.mul(f[0]!, f[0]!);
  for (let i = 1; i < f.length; i++) s = ar.add(s, ar.mul(f[i]!, f[i]!));
  return ar.maxc(ar.sqrt(s), 1e-8);
}

/** The three generators of one segment: A(p0, v), A(mid, v), A(p1, v). */
export interface SegmentGenerators<T> {
  readonly a0: T[];
  readonly am: T[];
  readonly a1: T[];
}

/**
 * The generators of every segment of one path (points: P × d_base): v = p1 − p0, mid =
 * (p0 + p1)·0.5 (torch's /2, exact in binary).
 */
export function pathGenerators<T>(
  ar: Arith<T>,
  p: ConnectionParams,
  path: readonly T[],
  nPts: number,
): SegmentGenerators<T>[] {
  const d = p.dBase;
  const out: SegmentGenerators<T>[] = [];
  const half = ar.lit(0.5);
  for (let k = 0; k + 1 < nPts; k++) {
    const p0 = path.slice(k * d, k * d + d);
    const p1 = path.slice((k + 1) * d, (k + 2) * d);
    const v = p0.map((a, i) => ar.sub(p1[i]!, a));
    const mid = p0.map((a, i) => ar.mul(ar.add(a, p1[i]!), half));
    out.push({
      a0: connectionPoint(ar, p, p0, v),
      am: connectionPoint(ar, p, mid, v),
      a1: connectionPoint(ar, p, p1, v),
    });
  }
  return out;
}

/**
 * RK4 transport of one fiber with given generators: per segment k1 = −A0 f, k2 = −Am (f + 0.5
 * k1), k3 = −Am (f + 0.5 k2), k4 = −A1 (f + k3), f ← f + (((k1 + 2k2) + 2k3) + k4)/6; after
 * segment k with (k + 1) mod interval = 0, f ← f·(n0 / max(‖f‖, 1e-8)), n0 = max(‖f₀‖, 1e-8).
 * Returns the state after every segment (states[0] = f₀).
 */
export function transportStates<T>(
  ar: Arith<T>,
  gens: readonly SegmentGenerators<T>[],
  f0: readonly T[],
  interval: number,
): T[][] {
  const n = f0.length;
  const half = ar.lit(0.5);
  const two = ar.lit(2);
  const six = ar.lit(6);
  const n0 = clampedNorm(ar, f0);
  let f = [...f0];
  const states: T[][] = [[...f]];
  gens.forEach((g, k) => {
    const k1 = negMatvec(ar, g.a0, f, n);
    const k2 = negMatvec(ar, g.am, f.map((x, i) => ar.add(x, ar.mul(half, k1[i]!))), n);
    const k3 = negMatvec(ar, g.am, f.map((x, i) => ar.add(x, ar.mul(half, k2[i]!))), n);
    const k4 = negMatvec(ar, g.a1, f.map((x, i) => ar.add(x, k3[i]!)), n);
    f = f.map((x, i) => {
      const s = ar.add(
        ar.add(ar.add(k1[i]!, ar.mul(two, k2[i]!)), ar.mul(two, k3[i]!)),
        k4[i]!,
      );
      return ar.add(x, ar.div(s, six));
    });
    if ((k + 1) % interval === 0) {
      const scale = ar.div(n0, clampedNorm(ar, f));
      f = f.map((x) => ar.mul(x, scale));
    }
    states.push([...f]);
  });
  return states;
}

/** Transport of B fibers (B × d_F) along B paths (B × P × d_base), f64: B × d_F. */
export function transportForward(
  p: ConnectionParams,
  fiber: Float64Array,
  path: Float64Array,
  B: number,
  nPts: number,
  interval: number,
): Float64Array {
  const out = new Float64Array(B * p.dF);
  for (let b = 0; b < B; b++) {
    const gens = pathGenerators(
      F64,
      p,
      Array.from(path.subarray(b * nPts * p.dBase, (b + 1) * nPts * p.dBase)),
      nPts,
    );
    const states = transportStates(
      F64,
      gens,
      Array.from(fiber.subarray(b * p.dF, (b + 1) * p.dF)),
      interval,
    );
    out.set(states[states.length - 1]!, b * p.dF);
  }
  return out;
}

// ─── Analytic backward (f64) ────────────────────────────────────────────

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Gradients of a metric evaluation: input and every weight and bias. */
export interface MetricGrads {
  readonly dx: Float64Array;
  readonly net: { weight: Float64Array; bias: Float64Array }[];
}

/**
 * The vector–Jacobian product of g(x) at one point: given dG = ∂ℓ/∂g (d × d), returns ∂ℓ/∂x and
 * ∂ℓ/∂(weights). g = L Lᵀ gives ∂ℓ/∂L = (dG + dGᵀ) L; the diagonal then passes through
 * softplus' = σ, and the MLP's backward is the usual one (SiLU' = σ(a)(1 + a(1 − σ(a)))).
 */
export function metricVjp(p: MetricParams, x: Float64Array, dG: Float64Array): MetricGrads {
  const d = p.d;
  const [l1, l2, l3] = p.net;
  const a1 = linear(F64, l1, Array.from(x));
  const h1 = a1.map((a) => silu(F64, a));
  const a2 = linear(F64, l2, h1);
  const h2 = a2.map((a) => silu(F64, a));
  const v = linear(F64, l3, h2);
  const L = new Float64Array(d * d);
  let n = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const raw = v[n++]!;
      L[i * d + j] = i === j ? softplus(F64, raw) + 1e-3 : raw;
    }
  }
  const dL = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k <= i; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (dG[i * d + j]! + dG[j * d + i]!) * L[j * d + k]!;
      dL[i * d + k] = s;
    }
  }
  const dv = new Float64Array(v.length);
  n = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      dv[n] = i === j ? dL[i * d + j]! * sigmoid(v[n]!) : dL[i * d + j]!;
      n++;
    }
  }
  const back = (l: LinearParams, xin: readonly number[], dy: Float64Array) => {
    const dW = new Float64Array(l.outF * l.inF);
    const dxin = new Float64Array(l.inF);
    for (let o = 0; o < l.outF; o++) {
      for (let i = 0; i < l.inF; i++) {
        dW[o * l.inF + i] = dy[o]! * xin[i]!;
        dxin[i]! += dy[o]! * l.weight[o * l.inF + i]!;
      }
    }
    return { weight: dW, bias: Float64Array.from(dy), dx: dxin };
  };
  const siluGrad = (a: number) => {
    const s = sigmoid(a);
    return s * (1 + a * (1 - s));
  };
  const g3 = back(l3, h2, dv);
  const da2 = g3.dx.map((g, i) => g * siluGrad(a2[i]!));
  const g2 = back(l2, h1, da2);
  const da1 = g2.dx.map((g, i) => g * siluGrad(a1[i]!));
  const g1 = back(l1, Array.from(x), da1);
  return {
    dx: g1.dx,
    net: [g1, g2, g3].map((g) => ({ weight: g.weight, bias: g.bias })),
  };
}

/**
 * The vector–Jacobian product of the transporter with respect to the input fibre, for fixed
 * generators: each RK4 step is the linear map f ↦ M f with M = I + (K1 + 2K2 + 2K3 + K4)/6
 * built from the generators, and a renormalisation f ↦ f·n0(f₀)/‖f‖ adds the terms of ‖f‖ and
 * of n0's dependence on f₀. Returns ∂ℓ/∂f₀ given dOut = ∂ℓ/∂f_out.
 */
export function transportVjpFiber(
  gens: readonly SegmentGenerators<number>[],
  f0: Float64Array,
  interval: number,
  dOut: Float64Array,
): Float64Array {
  const n = f0.length;
  const states = transportStates(F64, gens, Array.from(f0), interval);
  // Pre-renormalisation state of each renormalised segment.
  const pre: (number[] | null)[] = [];
  {
    let f = Array.from(f0);
    gens.forEach((g, k) => {
      f = transportStates(F64, [g], f, Number.MAX_SAFE_INTEGER)[1]!;
      pre.push((k + 1) % interval === 0 ? [...f] : null);
      if ((k + 1) % interval === 0) f = [...states[k + 1]!];
    });
  }
  const n0 = Math.max(Math.hypot(...f0), 1e-8);
  const stepMatrix = (g: SegmentGenerators<number>): Float64Array => {
    // Columns: the RK4 step applied to unit vectors (the step is linear in f).
    const M = new Float64Array(n * n);
    for (let c = 0; c < n; c++) {
      const e = new Array(n).fill(0);
      e[c] = 1;
      const out = transportStates(F64, [g], e, Number.MAX_SAFE_INTEGER)[1]!;
      for (let r = 0; r < n; r++) M[r * n + c] = out[r]!;
    }
    return M;
  };
  let gf = Float64Array.from(dOut);
  let dN0 = 0; // ∂ℓ/∂n0 accumulated over the renormalisations
  for (let k = gens.length - 1; k >= 0; k--) {
    const q = pre[k];
    if (q !== null && q !== undefined) {
      const nq = Math.hypot(...q);
      // out = q·n0/‖q‖ (‖q‖ > 1e-8 here): ∂/∂q = n0/‖q‖ (I − q qᵀ/‖q‖²), ∂/∂n0 = q/‖q‖.
      let qg = 0;
      for (let i = 0; i < n; i++) qg += q[i]! * gf[i]!;
      dN0 += qg / nq;
      gf = gf.map((g, i) => (n0 / nq) * (g - (q[i]! * qg) / (nq * nq)));
    }
    const M = stepMatrix(gens[k]!);
    const next = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += M[r * n + c]! * gf[r]!;
      next[c] = s;
    }
    gf = next;
  }
  if (dN0 !== 0) { for (let i = 0; i < n; i++) gf[i]! += (dN0 * f0[i]!) / n0; }
  return gf;
}

// ─── Geodesic solver (f64) ──────────────────────────────────────────────

/** Options of the geodesic solve (the original's Cfg4 fields). */
export interface GeodesicOptions {
  readonly nGeoPts: number;
  readonly maxSteps: number;
  readonly tol: number;
  readonly lr: number;
}

/** What a geodesic solve returns (the original's GeodesicResult) plus the energy trace. */
export interface GeodesicOracleResult {
  /** B × (n_geo_pts + 2) × d. */
  readonly path: Float64Array;
  readonly energy: number;
  readonly converged: boolean;
  readonly iterations: number;
  /** E before each Adam step that ran (a non-finite entry ends it). */
  readonly trace: Float64Array;
}

/** x_s(1 − t) + x_e t on t = linspace(0, 1, N + 2) (t_k = k/(N + 1); t_{N+1} = 1 exactly). */
export function linearPath(xs: Float64Array, xe: Float64Array, B: number, d: number, N: number) {
  const P = N + 2;
  const out = new Float64Array(B * P * d);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < P; k++) {
      const t = k === P - 1 ? 1 : k / (P - 1);
      for (let i = 0; i < d; i++) {
        out[(b * P + k) * d + i] = xs[b * d + i]! * (1 - t) + xe[b * d + i]! * t;
      }
    }
  }
  return out;
}

/** E = Σ_b Σ_k Δxᵀ g(mid) Δx and its gradient with respect to every path point. */
export function pathEnergy(
  p: MetricParams,
  path: Float64Array,
  B: number,
  P: number,
): { energy: number; grad: Float64Array } {
  const d = p.d;
  const grad = new Float64Array(path.length);
  let energy = 0;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k + 1 < P; k++) {
      const o0 = (b * P + k) * d;
      const o1 = o0 + d;
      const dx = new Float64Array(d);
      const mid = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        dx[i] = path[o1 + i]! - path[o0 + i]!;
        mid[i] = (path[o1 + i]! + path[o0 + i]!) / 2;
      }
      const g = metricPoint(F64, p, Array.from(mid));
      const dG = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          energy += dx[i]! * g[i * d + j]! * dx[j]!;
          dG[i * d + j] = dx[i]! * dx[j]!;
        }
      }
      const dm = metricVjp(p, mid, dG).dx;
      for (let i = 0; i < d; i++) {
        let gdx = 0;
        for (let j = 0; j < d; j++) gdx += (g[i * d + j]! + g[j * d + i]!) * dx[j]!;
        grad[o1 + i]! += gdx + dm[i]! / 2;
        grad[o0 + i]! += -gdx + dm[i]! / 2;
      }
    }
  }
  return { energy, grad };
}

/** torch.optim.Adam's update (β = (0.9, 0.999), ε = 1e-8), in torch's operation order. */
export function torchAdamStep(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  lr: number,
): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  const stepSize = lr / bc1;
  const bc2s = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    m[i] = m[i]! * b1 + g[i]! * (1 - b1);
    v[i] = v[i]! * b2 + g[i]! * g[i]! * (1 - b2);
    const denom = Math.sqrt(v[i]!) / bc2s + 1e-8;
    p[i] = p[i]! - stepSize * (m[i]! / denom);
  }
}

/**
 * GeodesicSolver.solve: Adam on the N interior points (initially on the straight line), at most
 * `maxSteps` steps; each step evaluates E, falls back to the straight line (energy ∞, not
 * converged, iterations = steps so far) when E is not finite, steps Adam, and stops when
 * |E_prev − E|/(|E_prev| + 1e-10) < tol. The reported energy is the one evaluated before the last
 * step; the endpoints are copied in. `fixedSteps` runs exactly that many steps without the
 * stop rule (the fixtures' mode).
 */
export function geodesicSolve(
  p: MetricParams,
  xs: Float64Array,
  xe: Float64Array,
  B: number,
  o: GeodesicOptions,
  fixedSteps?: number,
): GeodesicOracleResult {
  const d = p.d;
  const N = o.nGeoPts;
  const P = N + 2;
  const path = linearPath(xs, xe, B, d, N);
  const interior = new Float64Array(B * N * d);
  for (let b = 0; b < B; b++) {
    interior.set(path.subarray((b * P + 1) * d, (b * P + 1 + N) * d), b * N * d);
  }
  const m = new Float64Array(interior.length);
  const v = new Float64Array(interior.length);
  const trace: number[] = [];
  let prev = Infinity;
  let cur = Infinity;
  let converged = false;
  let iters = 0;
  const steps = fixedSteps ?? o.maxSteps;
  for (let it = 0; it < steps; it++) {
    for (let b = 0; b < B; b++) {
      path.set(interior.subarray(b * N * d, (b + 1) * N * d), (b * P + 1) * d);
    }
    const { energy, grad } = pathEnergy(p, path, B, P);
    trace.push(energy);
    if (!Number.isFinite(energy)) {
      return {
        path: linearPath(xs, xe, B, d, N),
        energy: Infinity,
        converged: false,
        iterations: it,
        trace: Float64Array.from(trace),
      };
    }
    const gi = new Float64Array(interior.length);
    for (let b = 0; b < B; b++) {
      gi.set(grad.subarray((b * P + 1) * d, (b * P + 1 + N) * d), b * N * d);
    }
    torchAdamStep(interior, gi, m, v, it + 1, o.lr);
    iters = it + 1;
    cur = energy;
    if (fixedSteps === undefined && Math.abs(prev - cur) / (Math.abs(prev) + 1e-10) < o.tol) {
      converged = true;
      break;
    }
    prev = cur;
  }
  for (let b = 0; b < B; b++) {
    path.set(interior.subarray(b * N * d, (b + 1) * N * d), (b * P + 1) * d);
    path.set(xs.subarray(b * d, b * d + d), b * P * d);
    path.set(xe.subarray(b * d, b * d + d), (b * P + P - 1) * d);
  }
  return { path, energy: cur, converged, iterations: iters, trace: Float64Array.from(trace) };
}

// ─── Slerp ──────────────────────────────────────────────────────────────

/**
 * torch.linspace(0, 1, n) in f64 as torch's CPU kernel computes it: step = 1/(n − 1), the first
 * half as i·step, the second half as 1 − (n − 1 − i)·step.
 */
export function torchLinspace01(n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) return out;
  const step = 1 / (n - 1);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? i * step : 1 - (n - 1 - i) * step;
  return out;
}

/**
 * The original's great-circle path (TopicBundle._great_circle_path): dot clamped to
 * [−1 + 1e-7, 1 − 1e-7], θ = acos(dot), p(t) = [sin((1 − t)θ) a + sin(tθ) b] / max(sin θ, 1e-7)
 * on t = linspace(0, 1, n). f64 (the clamp's constants as f64).
 */
export function slerpOriginal(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const d = a.length;
  let dot = 0;
  for (let i = 0; i < d; i++) dot += a[i]! * b[i]!;
  dot = Math.min(Math.max(dot, -1 + 1e-7), 1 - 1e-7);
  const th = Math.acos(dot);
  const s = Math.max(Math.sin(th), 1e-7);
  const out = new Float64Array(n * d);
  const ts = torchLinspace01(n);
  for (let k = 0; k < n; k++) {
    const t = ts[k]!;
    const ca = Math.sin((1 - t) * th) / s;
    const cb = Math.sin(t * th) / s;
    for (let i = 0; i < d; i++) out[k * d + i] = ca * a[i]! + cb * b[i]!;
  }
  return out;
}

/** Below this ‖b − ⟨a,b⟩a‖, memspec's slerp takes its canonical orthogonal direction. */
export const SLERP_PERP_MIN = 1e-6;

/**
 * memspec's slerp between unit vectors a and b, defined on the whole sphere: θ = 2·atan2(‖a −
 * b‖, ‖a + b‖) (accurate at both ends, unlike acos), u = b − ⟨a,b⟩a orthogonalised twice against
 * a and normalised — or, when ‖b − ⟨a,b⟩a‖ ≤ {@link SLERP_PERP_MIN} (b = ±a up to rounding),
 * the basis vector e_k of the smallest |a_k| (first on ties) orthogonalised the same way —
 * then p(t) = cos(tθ) a + sin(tθ) u for the interior t = k/(n − 1) and p(0) = a, p(1) = b
 * exactly. For |⟨a,b⟩| < 1 − 1e-7 this is the original's path; near antipodes it is a great
 * semicircle through u where the original leaves the sphere.
 */
export function slerpPoint<T>(ar: Arith<T>, a: readonly T[], b: readonly T[], t: T): T[] {
  const d = a.length;
  const dotT = (x: readonly T[], y: readonly T[]) => {
    let s = ar.mul(x[0]!, y[0]!);
    for (let i = 1; i < d; i++) s = ar.add(s, ar.mul(x[i]!, y[i]!));
    return s;
  };
  const diff = a.map((x, i) => ar.sub(x, b[i]!));
  const sum = a.map((x, i) => ar.add(x, b[i]!));
  const theta = ar.mul(ar.lit(2), ar.atan2(ar.sqrt(dotT(diff, diff)), ar.sqrt(dotT(sum, sum))));
  const ab = dotT(a, b);
  let u = b.map((x, i) => ar.sub(x, ar.mul(ab, a[i]!)));
  const perp = ar.sqrt(dotT(u, u));
  if (!(ar.val(perp) > SLERP_PERP_MIN)) {
    let k = 0;
    for (let i = 1; i < d; i++) if (Math.abs(ar.val(a[i]!)) < Math.abs(ar.val(a[k]!))) k = i;
    u = a.map((_, i) => ar.lit(i === k ? 1 : 0));
  }
  for (let pass = 0; pass < 2; pass++) {
    const au = dotT(a, u);
    u = u.map((x, i) => ar.sub(x, ar.mul(au, a[i]!)));
  }
  const nu = ar.sqrt(dotT(u, u));
  u = u.map((x) => ar.div(x, nu));
  const tt = ar.mul(t, theta);
  const c = ar.cos(tt);
  const s = ar.sin(tt);
  return a.map((x, i) => ar.add(ar.mul(c, x), ar.mul(s, u[i]!)));
}

/** memspec's slerp path on n points (f64), n ≥ 2: n × d. */
export function slerpPath(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const d = a.length;
  const out = new Float64Array(n * d);
  out.set(a, 0);
  out.set(b, (n - 1) * d);
  for (let k = 1; k < n - 1; k++) {
    out.set(slerpPoint(F64, Array.from(a), Array.from(b), k / (n - 1)), k * d);
  }
  return out;
}
