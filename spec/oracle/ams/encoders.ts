/**
 * f64 oracle of AMS v4's three bundle encoders (FluffyAIcode/AgentMemorySystem:
 * ams_v4/bundles/{temporal,topic,context}.py, PR #30), forward and analytic backward.
 *
 * Every pass is written once over an arithmetic ({@link EncArith}): `ENC_F64` evaluates it in
 * f64 (the oracle); `ENC_TRACKED` replays the GPU's f32 ops (impl/ams/encoders: matmul, the
 * bias add, SiLU `x·(1/(1 + exp(−x)))`, LayerNorm's kernel order, softmax `exp(x − m)/Σ`, the
 * normalisation as square/sum/sqrt/maximum/div, and each op's autograd backward formula) with
 * a running error bound (invariants/tolerance.ts), so the GPU parity bounds come from the same
 * code as the oracle. Sums carry the order-free bound γ_k·Σ|terms| with k = terms + 16: a
 * segmented reduction's path ⌈n/L⌉ + log₂L is at most n + 6 for L ≤ 64 lanes, a reduction over
 * two axes in two passes (the bias gradient of a projection of [B, T, d] turns, a batched
 * matmul's weight gradient summed over the batch) at most (B + 6) + (T + 6) ≤ B·T + 16, and
 * matmul's path at most its inner size; so no summation order is assumed.
 *
 * The inputs the GPU receives from the host (Fourier features, the topic centroid) are f64
 * here; the GPU parity cases pass their f32 roundings (what the GPU holds), the torch fixtures
 * their f64 values.
 *
 * @module
 */
import { trackBuiltins, type Tracked, trackSum } from "../../../invariants/tolerance.ts";
import { SCALAR_F64, SCALAR_TRACKED, type ScalarArith } from "./geometry.ts";

/**
 * The operations the passes use: the oracles' {@link ScalarArith} (the attention scale is a
 * `uniform`, a host value uploaded as an f32 tensor) and the encoders' reductions.
 */
export interface EncArith<T> extends ScalarArith<T> {
  rsqrt(a: T): T;
  /** Σ terms in any order (see the module docs for the path). */
  sum(terms: readonly T[]): T;
  /** The largest value of a row (exact on the computed values). */
  max(terms: readonly T[]): T;
  /** 0 (an exact zero, e.g. a gradient a select drops). */
  zero(): T;
}

/** f64 arithmetic: the oracle. */
export const ENC_F64: EncArith<number> = {
  ...SCALAR_F64,
  rsqrt: (a) => 1 / Math.sqrt(a),
  sum: (t) => {
    let s = 0;
    for (const v of t) s += v;
    return s;
  },
  max: (t) => Math.max(...t),
  zero: () => 0,
};

/** Extra rounding path of a sum beyond its term count (module docs). */
export const SUM_PATH_SLACK = 16;

/** Running error analysis of the GPU's f32 ops. */
export const ENC_TRACKED: EncArith<Tracked> = {
  ...SCALAR_TRACKED,
  rsqrt: (a) => trackBuiltins.inverseSqrt(a),
  sum: (t) => trackSum(t, t.length + SUM_PATH_SLACK),
  // max is 1-Lipschitz in the sup norm: the computed max is within max e of the exact one.
  max: (t) => ({ v: Math.max(...t.map((x) => x.v)), e: Math.max(...t.map((x) => x.e)) }),
  zero: () => ({ v: 0, e: 0 }),
};

/** Parameters by the original's state-dict names, f64 (the values the GPU holds as f32). */
export type EncParams = Readonly<Record<string, Float64Array>>;

/** Sizes of one encoder. */
export interface EncDims {
  /** d_LLM. */
  d: number;
  /** Batch. */
  B: number;
}

// --- building blocks -----------------------------------------------------------------------

/** y = x·Wᵀ + b over `rows` rows: the matmul's sum, then the bias add. */
export function linF<T>(
  ar: EncArith<T>,
  x: readonly T[],
  rows: number,
  W: Float64Array,
  b: Float64Array,
): T[] {
  const outF = b.length;
  const inF = W.length / outF;
  const y: T[] = new Array(rows * outF);
  const terms: T[] = new Array(inF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      for (let c = 0; c < inF; c++) terms[c] = ar.mul(x[r * inF + c]!, ar.input(W[o * inF + c]!));
      y[r * outF + o] = ar.add(ar.sum(terms), ar.input(b[o]!));
    }
  }
  return y;
}

/** Backward of {@link linF}: ∂x = ∂y·W, ∂W = Σ_rows ∂y ⊗ x, ∂b = Σ_rows ∂y. */
export function linB<T>(
  ar: EncArith<T>,
  x: readonly T[],
  gy: readonly T[],
  rows: number,
  W: Float64Array,
  outF: number,
): { gx: T[]; gW: T[]; gb: T[] } {
  const inF = W.length / outF;
  const gx: T[] = new Array(rows * inF);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < inF; c++) {
      const t: T[] = [];
      for (let o = 0; o < outF; o++) t.push(ar.mul(gy[r * outF + o]!, ar.input(W[o * inF + c]!)));
      gx[r * inF + c] = ar.sum(t);
    }
  }
  const gW: T[] = new Array(outF * inF);
  const gb: T[] = new Array(outF);
  for (let o = 0; o < outF; o++) {
    for (let c = 0; c < inF; c++) {
      const t: T[] = [];
      for (let r = 0; r < rows; r++) t.push(ar.mul(gy[r * outF + o]!, x[r * inF + c]!));
      gW[o * inF + c] = ar.sum(t);
    }
    const t: T[] = [];
    for (let r = 0; r < rows; r++) t.push(gy[r * outF + o]!);
    gb[o] = ar.sum(t);
  }
  return { gx, gW, gb };
}

/** σ(x) as the kernel writes it: 1 / (1 + exp(−x)). */
function sig<T>(ar: EncArith<T>, x: T): T {
  return ar.div(ar.lit(1), ar.add(ar.lit(1), ar.exp(ar.neg(x))));
}

/** SiLU x·σ(x). */
export function siluF<T>(ar: EncArith<T>, x: readonly T[]): T[] {
  return x.map((v) => ar.mul(v, sig(ar, v)));
}

/** SiLU's backward g·(σ·(1 + x·(1 − σ))). */
export function siluB<T>(ar: EncArith<T>, x: readonly T[], g: readonly T[]): T[] {
  return x.map((v, i) => {
    const s = sig(ar, v);
    return ar.mul(g[i]!, ar.mul(s, ar.add(ar.lit(1), ar.mul(v, ar.sub(ar.lit(1), s)))));
  });
}

/** What LayerNorm's backward recomputes. */
export interface LnCache<T> {
  xh: T[];
  rs: T[];
}

/**
 * LayerNorm in the kernel's order: μ = Σx·(1/d), c = x − μ, σ² = Σc²·(1/d),
 * r = inverseSqrt(σ² + eps), x̂ = c·r, y = x̂·γ + β (biased variance, as torch).
 */
export function lnF<T>(
  ar: EncArith<T>,
  x: readonly T[],
  d: number,
  gamma: Float64Array,
  beta: Float64Array,
  eps: number,
): { y: T[]; cache: LnCache<T> } {
  const rows = x.length / d;
  const y: T[] = new Array(x.length);
  const xh: T[] = new Array(x.length);
  const rs: T[] = new Array(rows);
  const invN = ar.uniform(1 / d);
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * d, (r + 1) * d);
    const mu = ar.mul(ar.sum(row), invN);
    const c = row.map((v) => ar.sub(v, mu));
    const variance = ar.mul(ar.sum(c.map((v) => ar.mul(v, v))), invN);
    const rr = ar.rsqrt(ar.add(variance, ar.uniform(eps)));
    rs[r] = rr;
    for (let j = 0; j < d; j++) {
      xh[r * d + j] = ar.mul(c[j]!, rr);
      y[r * d + j] = ar.add(ar.mul(xh[r * d + j]!, ar.input(gamma[j]!)), ar.input(beta[j]!));
    }
  }
  return { y, cache: { xh, rs } };
}

/**
 * LayerNorm backward in the kernel's order: h = g·γ, a = Σh·(1/d), b = Σh·x̂·(1/d),
 * ∂x = r·((h − a) − x̂·b); ∂γ = Σ_rows g·x̂, ∂β = Σ_rows g.
 */
export function lnB<T>(
  ar: EncArith<T>,
  cache: LnCache<T>,
  g: readonly T[],
  d: number,
  gamma: Float64Array,
): { gx: T[]; gg: T[]; gb: T[] } {
  const rows = g.length / d;
  const invN = ar.uniform(1 / d);
  const gx: T[] = new Array(g.length);
  for (let r = 0; r < rows; r++) {
    const h: T[] = [];
    const hx: T[] = [];
    for (let j = 0; j < d; j++) {
      h.push(ar.mul(g[r * d + j]!, ar.input(gamma[j]!)));
      hx.push(ar.mul(h[j]!, cache.xh[r * d + j]!));
    }
    const a = ar.mul(ar.sum(h), invN);
    const b = ar.mul(ar.sum(hx), invN);
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      gx[k] = ar.mul(cache.rs[r]!, ar.sub(ar.sub(h[j]!, a), ar.mul(cache.xh[k]!, b)));
    }
  }
  const gg: T[] = [];
  const gb: T[] = [];
  for (let j = 0; j < d; j++) {
    gg.push(
      ar.sum(Array.from({ length: rows }, (_, r) => ar.mul(g[r * d + j]!, cache.xh[r * d + j]!))),
    );
    gb.push(ar.sum(Array.from({ length: rows }, (_, r) => g[r * d + j]!)));
  }
  return { gx, gg, gb };
}

/** The normalisation's eps (F.normalize(..., eps=1e-8)). */
export const NORM_EPS = 1e-8;

/** What the normalisation's backward needs. */
export interface NormCache<T> {
  norm: T[];
  den: T[];
}

/** y = x / max(‖x‖, eps) per row: square, sum, sqrt, maximum, div. */
export function normF<T>(
  ar: EncArith<T>,
  x: readonly T[],
  d: number,
): { y: T[]; cache: NormCache<T> } {
  const rows = x.length / d;
  const y: T[] = new Array(x.length);
  const norm: T[] = [];
  const den: T[] = [];
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * d, (r + 1) * d);
    const n = ar.sqrt(ar.sum(row.map((v) => ar.mul(v, v))));
    const m = ar.maxc(n, NORM_EPS);
    norm.push(n);
    den.push(m);
    for (let j = 0; j < d; j++) y[r * d + j] = ar.div(row[j]!, m);
  }
  return { y, cache: { norm, den } };
}

/**
 * Backward of {@link normF} as autograd runs it: div's g/b and −g·a/(b·b) (summed over the
 * row), maximum's select (the gradient passes where ‖x‖ > eps), sqrt's g·0.5/y, square's
 * g·2·x, and the two paths into x added.
 */
export function normB<T>(
  ar: EncArith<T>,
  x: readonly T[],
  cache: NormCache<T>,
  g: readonly T[],
  d: number,
): T[] {
  const rows = x.length / d;
  const gx: T[] = new Array(x.length);
  for (let r = 0; r < rows; r++) {
    const b = cache.den[r]!;
    const terms: T[] = [];
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      terms.push(ar.div(ar.mul(ar.neg(g[k]!), x[k]!), ar.mul(b, b)));
    }
    const n = cache.norm[r]!;
    const gm = ar.val(n) > NORM_EPS ? ar.sum(terms) : ar.zero();
    const gs = ar.div(ar.mul(gm, ar.lit(0.5)), n);
    for (let j = 0; j < d; j++) {
      const k = r * d + j;
      gx[k] = ar.add(ar.div(g[k]!, b), ar.mul(ar.mul(gs, ar.lit(2)), x[k]!));
    }
  }
  return gx;
}

/** Row-wise concatenation of blocks of widths `w` (each [rows, w_i]). */
function cat<T>(blocks: readonly (readonly T[])[], widths: readonly number[], rows: number): T[] {
  const out: T[] = [];
  for (let r = 0; r < rows; r++) {
    blocks.forEach((bl, i) => {
      for (let j = 0; j < widths[i]!; j++) out.push(bl[r * widths[i]! + j]!);
    });
  }
  return out;
}

/** Column block i of a row-wise concatenation (concat's backward: slices). */
function uncat<T>(x: readonly T[], widths: readonly number[], i: number, rows: number): T[] {
  const total = widths.reduce((a, b) => a + b, 0);
  const off = widths.slice(0, i).reduce((a, b) => a + b, 0);
  const out: T[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < widths[i]!; j++) out.push(x[r * total + off + j]!);
  }
  return out;
}

/** Gradients reaching one value along several paths, added (autograd's accumulation). */
function acc<T>(ar: EncArith<T>, ...gs: (readonly T[])[]): T[] {
  return gs[0]!.map((_, i) => (gs.length === 1 ? gs[0]![i]! : ar.sum(gs.map((g) => g[i]!))));
}

const inputs = <T>(ar: EncArith<T>, x: ArrayLike<number>): T[] => Array.from(x, (v) => ar.input(v));

/** An encoder's outputs and (for backward) its cache. */
export interface EncOut<T> {
  base: T[];
  fiber: T[];
  dirn: T[];
}

/** Gradients: every parameter by name plus the differentiable data inputs. */
export interface EncGrads<T> {
  params: Record<string, T[]>;
  h: T[];
  /** Context only. */
  session?: T[];
  /** Context only, with turns. */
  prev?: T[];
}

/** Upstream gradients of (base, fiber, dirn). */
export interface EncUpstream {
  base: ArrayLike<number>;
  fiber: ArrayLike<number>;
  dirn: ArrayLike<number>;
}

function mlp2F<T>(ar: EncArith<T>, p: EncParams, name: string, x: readonly T[], rows: number) {
  const a = linF(ar, x, rows, p[`${name}.0.weight`]!, p[`${name}.0.bias`]!);
  const s = siluF(ar, a);
  const y = linF(ar, s, rows, p[`${name}.2.weight`]!, p[`${name}.2.bias`]!);
  return { x, a, s, y };
}

function mlp2B<T>(
  ar: EncArith<T>,
  p: EncParams,
  name: string,
  f: { x: readonly T[]; a: T[]; s: T[] },
  gy: readonly T[],
  rows: number,
  grads: Record<string, T[]>,
): T[] {
  const w2 = p[`${name}.2.weight`]!;
  const l2 = linB(ar, f.s, gy, rows, w2, p[`${name}.2.bias`]!.length);
  grads[`${name}.2.weight`] = l2.gW;
  grads[`${name}.2.bias`] = l2.gb;
  const ga = siluB(ar, f.a, l2.gx);
  const w1 = p[`${name}.0.weight`]!;
  const l1 = linB(ar, f.x, ga, rows, w1, p[`${name}.0.bias`]!.length);
  grads[`${name}.0.weight`] = l1.gW;
  grads[`${name}.0.bias`] = l1.gb;
  return l1.gx;
}

function linNamedB<T>(
  ar: EncArith<T>,
  p: EncParams,
  name: string,
  x: readonly T[],
  gy: readonly T[],
  rows: number,
  grads: Record<string, T[]>,
): T[] {
  const l = linB(ar, x, gy, rows, p[`${name}.weight`]!, p[`${name}.bias`]!.length);
  grads[`${name}.weight`] = l.gW;
  grads[`${name}.bias`] = l.gb;
  return l.gx;
}

// --- TimeEncoder ---------------------------------------------------------------------------

/** TimeEncoder inputs: h [B, d], the Fourier features ff [B, 3·n_f], surprise [B]. */
export interface TimeData {
  h: ArrayLike<number>;
  ff: ArrayLike<number>;
  surprise: ArrayLike<number>;
}

/** The f64 Fourier features (scalar-major), the oracle's own copy of the math. */
export function fourierOracle(s: ArrayLike<number>, batch: number, dTime: number): Float64Array {
  const nf = Math.max(4, 2 * Math.ceil(dTime / 2));
  const k = nf / 2;
  if (s.length % batch !== 0) throw new RangeError("fourierOracle: batch does not divide s");
  const out = new Float64Array(s.length * nf);
  for (let q = 0; q < s.length; q++) {
    for (let i = 0; i < k; i++) {
      const w = k === 1 ? 1 : Math.exp(i * (Math.log(1e4) / (k - 1)));
      out[q * nf + i] = Math.sin(s[q]! * w);
      out[q * nf + k + i] = Math.cos(s[q]! * w);
    }
  }
  return out;
}

function timeRun<T>(ar: EncArith<T>, g: EncDims, p: EncParams, x: TimeData) {
  const { B, d } = g;
  const dt = p["base_ln.weight"]!.length;
  const h = inputs(ar, x.h);
  const tm = mlp2F(ar, p, "time_mlp", inputs(ar, x.ff), B);
  const hp = linF(ar, h, B, p["hidden_proj.weight"]!, p["hidden_proj.bias"]!);
  const pre = tm.y.map((v, i) => ar.add(v, hp[i]!));
  const ln = lnF(ar, pre, dt, p["base_ln.weight"]!, p["base_ln.bias"]!, 1e-5);
  const widths = [d, dt, 1];
  const fin = cat([h, ln.y, inputs(ar, x.surprise)], widths, B);
  const fm = mlp2F(ar, p, "fiber_mlp", fin, B);
  const nm = normF(ar, ln.y, dt);
  return { h, tm, pre, ln, fm, nm, widths, out: { base: ln.y, fiber: fm.y, dirn: nm.y } };
}

/** TimeEncoder forward. */
export function timeForward<T>(ar: EncArith<T>, g: EncDims, p: EncParams, x: TimeData): EncOut<T> {
  return timeRun(ar, g, p, x).out;
}

/** TimeEncoder forward and backward from upstream gradients of (base, fiber, dirn). */
export function timeBackward<T>(
  ar: EncArith<T>,
  g: EncDims,
  p: EncParams,
  x: TimeData,
  up: EncUpstream,
): { out: EncOut<T>; grads: EncGrads<T> } {
  const { B } = g;
  const f = timeRun(ar, g, p, x);
  const dt = p["base_ln.weight"]!.length;
  const grads: Record<string, T[]> = {};
  const gFin = mlp2B(ar, p, "fiber_mlp", f.fm, inputs(ar, up.fiber), B, grads);
  const gDirn = normB(ar, f.ln.y, f.nm.cache, inputs(ar, up.dirn), dt);
  const gBase = acc(ar, inputs(ar, up.base), uncat(gFin, f.widths, 1, B), gDirn);
  const lb = lnB(ar, f.ln.cache, gBase, dt, p["base_ln.weight"]!);
  grads["base_ln.weight"] = lb.gg;
  grads["base_ln.bias"] = lb.gb;
  const gh1 = linNamedB(ar, p, "hidden_proj", f.h, lb.gx, B, grads);
  mlp2B(ar, p, "time_mlp", f.tm, lb.gx, B, grads);
  const h = acc(ar, gh1, uncat(gFin, f.widths, 0, B));
  return { out: f.out, grads: { params: grads, h } };
}

// --- TopicEncoder --------------------------------------------------------------------------

/** TopicEncoder inputs: h [B, d] and the centroids c [B, d] (see {@link centroidOracle}). */
export interface TopicData {
  h: ArrayLike<number>;
  c: ArrayLike<number>;
}

/**
 * The oracle's centroid: Σ w_i ŵ(t_i) / max(Σ w_i, 1e-8) over valid ids, 0 without any.
 */
export function centroidOracle(
  ids: readonly number[],
  wte: ArrayLike<number>,
  V: number,
  d: number,
  idf: ArrayLike<number> | null,
): Float64Array {
  const valid = ids.filter((t) => t >= 0 && t < V);
  const c = new Float64Array(d);
  if (valid.length === 0) return c;
  const w = valid.map((t) => (idf === null ? 1 : Math.max(idf[t]!, 0.1)));
  const ws = w.reduce((a, b) => a + b, 0);
  for (let j = 0; j < d; j++) {
    let s = 0;
    valid.forEach((t, i) => (s += w[i]! * wte[t * d + j]!));
    c[j] = s / Math.max(ws, 1e-8);
  }
  return c;
}

function topicRun<T>(ar: EncArith<T>, g: EncDims, p: EncParams, x: TopicData) {
  const { B, d } = g;
  const dt = p["hidden_to_topic.bias"]!.length;
  const h = inputs(ar, x.h);
  const dp = mlp2F(ar, p, "down_project", inputs(ar, x.c), B);
  const ht = linF(ar, h, B, p["hidden_to_topic.weight"]!, p["hidden_to_topic.bias"]!);
  const mixed = dp.y.map((v, i) => ar.add(v, ht[i]!));
  const nm = normF(ar, mixed, dt);
  const widths = [d, dt];
  const fm = mlp2F(ar, p, "fiber_mlp", cat([h, nm.y], widths, B), B);
  return { h, dp, mixed, nm, fm, widths, out: { base: nm.y, fiber: fm.y, dirn: nm.y } };
}

/** TopicEncoder forward. */
export function topicForward<T>(
  ar: EncArith<T>,
  g: EncDims,
  p: EncParams,
  x: TopicData,
): EncOut<T> {
  return topicRun(ar, g, p, x).out;
}

/** TopicEncoder forward and backward (base and dirn are one tensor: their gradients add). */
export function topicBackward<T>(
  ar: EncArith<T>,
  g: EncDims,
  p: EncParams,
  x: TopicData,
  up: EncUpstream,
): { out: EncOut<T>; grads: EncGrads<T> } {
  const { B } = g;
  const f = topicRun(ar, g, p, x);
  const dt = f.widths[1]!;
  const grads: Record<string, T[]> = {};
  const gFin = mlp2B(ar, p, "fiber_mlp", f.fm, inputs(ar, up.fiber), B, grads);
  const gBase = acc(ar, inputs(ar, up.base), inputs(ar, up.dirn), uncat(gFin, f.widths, 1, B));
  const gMixed = normB(ar, f.mixed, f.nm.cache, gBase, dt);
  mlp2B(ar, p, "down_project", f.dp, gMixed, B, grads);
  const gh1 = linNamedB(ar, p, "hidden_to_topic", f.h, gMixed, B, grads);
  const h = acc(ar, gh1, uncat(gFin, f.widths, 0, B));
  return { out: f.out, grads: { params: grads, h } };
}

// --- ContextEncoder ------------------------------------------------------------------------

/** ContextEncoder inputs: h, session [B, d], prev [B, T, d] (T = 0: no turns). */
export interface ContextData {
  h: ArrayLike<number>;
  session: ArrayLike<number>;
  prev: ArrayLike<number>;
  T: number;
}

function ctxRun<T>(ar: EncArith<T>, g: EncDims, p: EncParams, x: ContextData) {
  const { B, d } = g;
  const T = x.T;
  const da = p["q_proj.bias"]!.length;
  const dc = p["base_ln.weight"]!.length;
  const h = inputs(ar, x.h);
  const s = inputs(ar, x.session);
  let att: null | {
    prev: T[];
    q: T[];
    k: T[];
    v: T[];
    w: T[];
  } = null;
  let pooled: T[];
  if (T === 0) {
    pooled = Array.from({ length: B * da }, () => ar.zero());
  } else {
    const prev = inputs(ar, x.prev);
    const q = linF(ar, h, B, p["q_proj.weight"]!, p["q_proj.bias"]!);
    const k = linF(ar, prev, B * T, p["k_proj.weight"]!, p["k_proj.bias"]!);
    const v = linF(ar, prev, B * T, p["v_proj.weight"]!, p["v_proj.bias"]!);
    const scale = ar.uniform(1 / Math.sqrt(da));
    const w: T[] = [];
    pooled = [];
    for (let b = 0; b < B; b++) {
      const sc: T[] = [];
      for (let t = 0; t < T; t++) {
        const terms: T[] = [];
        for (let j = 0; j < da; j++) terms.push(ar.mul(q[b * da + j]!, k[(b * T + t) * da + j]!));
        sc.push(ar.mul(ar.sum(terms), scale));
      }
      const m = ar.max(sc);
      const ex = sc.map((z) => ar.exp(ar.sub(z, m)));
      const tot = ar.sum(ex);
      const wr = ex.map((e) => ar.div(e, tot));
      w.push(...wr);
      for (let j = 0; j < da; j++) {
        pooled.push(ar.sum(wr.map((wt, t) => ar.mul(wt, v[(b * T + t) * da + j]!))));
      }
    }
    att = { prev, q, k, v, w };
  }
  const mw = [d, d, da];
  const mm = mlp2F(ar, p, "mix_mlp", cat([h, s, pooled], mw, B), B);
  const ln = lnF(ar, mm.y, dc, p["base_ln.weight"]!, p["base_ln.bias"]!, 1e-5);
  const fw = [d, dc, d];
  const fm = mlp2F(ar, p, "fiber_mlp", cat([h, ln.y, s], fw, B), B);
  const nm = normF(ar, ln.y, dc);
  return { h, s, att, mw, mm, ln, fw, fm, nm, out: { base: ln.y, fiber: fm.y, dirn: nm.y } };
}

/** ContextEncoder forward. */
export function contextForward<T>(
  ar: EncArith<T>,
  g: EncDims,
  p: EncParams,
  x: ContextData,
): EncOut<T> {
  return ctxRun(ar, g, p, x).out;
}

/** ContextEncoder forward and backward, through the attention pool when turns are given. */
export function contextBackward<T>(
  ar: EncArith<T>,
  g: EncDims,
  p: EncParams,
  x: ContextData,
  up: EncUpstream,
): { out: EncOut<T>; grads: EncGrads<T> } {
  const { B } = g;
  const T = x.T;
  const f = ctxRun(ar, g, p, x);
  const dc = p["base_ln.weight"]!.length;
  const da = p["q_proj.bias"]!.length;
  const grads: Record<string, T[]> = {};
  const gFin = mlp2B(ar, p, "fiber_mlp", f.fm, inputs(ar, up.fiber), B, grads);
  const gDirn = normB(ar, f.ln.y, f.nm.cache, inputs(ar, up.dirn), dc);
  const gBase = acc(ar, inputs(ar, up.base), uncat(gFin, f.fw, 1, B), gDirn);
  const lb = lnB(ar, f.ln.cache, gBase, dc, p["base_ln.weight"]!);
  grads["base_ln.weight"] = lb.gg;
  grads["base_ln.bias"] = lb.gb;
  const gMin = mlp2B(ar, p, "mix_mlp", f.mm, lb.gx, B, grads);
  const ghs: T[][] = [uncat(gFin, f.fw, 0, B), uncat(gMin, f.mw, 0, B)];
  const session = acc(ar, uncat(gFin, f.fw, 2, B), uncat(gMin, f.mw, 1, B));
  let prev: T[] | undefined;
  if (f.att !== null) {
    const { q, k, v, w } = f.att;
    const gp = uncat(gMin, f.mw, 2, B);
    const scale = ar.uniform(1 / Math.sqrt(da));
    const gq: T[] = new Array(B * da);
    const gk: T[] = new Array(B * T * da);
    const gv: T[] = new Array(B * T * da);
    for (let b = 0; b < B; b++) {
      // pooled = w·V: ∂w_t = Σ_j ∂p_j V_tj, ∂V_tj = w_t ∂p_j.
      const gw: T[] = [];
      for (let t = 0; t < T; t++) {
        gw.push(
          ar.sum(
            Array.from({ length: da }, (_, j) => ar.mul(gp[b * da + j]!, v[(b * T + t) * da + j]!)),
          ),
        );
        for (let j = 0; j < da; j++) {
          gv[(b * T + t) * da + j] = ar.sum([ar.mul(w[b * T + t]!, gp[b * da + j]!)]);
        }
      }
      // softmax: ∂s = y·(g − Σ g·y); then the scale's mul backward g·scale.
      const wr = w.slice(b * T, (b + 1) * T);
      const c = ar.sum(wr.map((y, t) => ar.mul(gw[t]!, y)));
      const gs = wr.map((y, t) => ar.mul(ar.mul(y, ar.sub(gw[t]!, c)), scale));
      for (let j = 0; j < da; j++) {
        gq[b * da + j] = ar.sum(gs.map((z, t) => ar.mul(z, k[(b * T + t) * da + j]!)));
      }
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < da; j++) {
          gk[(b * T + t) * da + j] = ar.sum([ar.mul(gs[t]!, q[b * da + j]!)]);
        }
      }
    }
    ghs.push(linNamedB(ar, p, "q_proj", f.h, gq, B, grads));
    const gp1 = linNamedB(ar, p, "k_proj", f.att.prev, gk, B * T, grads);
    const gp2 = linNamedB(ar, p, "v_proj", f.att.prev, gv, B * T, grads);
    prev = acc(ar, gp1, gp2);
  } else {
    // No turns: the projections get no gradient (torch leaves .grad None; memspec reads 0).
    for (const n of ["q_proj", "k_proj", "v_proj"]) {
      grads[`${n}.weight`] = Array.from(p[`${n}.weight`]!, () => ar.zero());
      grads[`${n}.bias`] = Array.from(p[`${n}.bias`]!, () => ar.zero());
    }
  }
  const h = acc(ar, ...ghs);
  return { out: f.out, grads: { params: grads, h, session, ...(prev ? { prev } : {}) } };
}

/** Values of tracked or f64 arrays. */
export function values<T>(ar: EncArith<T>, xs: readonly T[]): Float64Array {
  return Float64Array.from(xs, (x) => ar.val(x));
}
