/**
 * Running error analysis on arrays (Higham, Accuracy and Stability, §3.3), for
 * the GPU-vs-oracle bounds of the hash memory and the substrate transforms.
 * Every array carries v (the exact value of the GPU's expression on its f32
 * inputs) and e (a rigorous bound on |computed − v|), op by op in the order
 * the GPU computes, with the ledger's rules (invariants/tolerance.ts):
 *
 * - moves (reshape, slice, concat, transpose, padding, a mask's fill, their
 *   backwards) are exact;
 * - elementwise kernels replay their WGSL expression with `track` /
 *   `trackBuiltins` (sigmoid as 1/(1 + exp(−x)), WGSL division, sqrt, log);
 * - matmul C = op(A)·op(B) with L roundings per product on its path:
 *   |A|·e_B + e_A·|B| + e_A·e_B + γ_L·(|A| + e_A)(|B| + e_B) + 2L·2⁻¹²⁶
 *   (whatever order the kernel sums in; spec/decepticons/byte_lm/_bounds.ts);
 * - softmax replays impl/ops/kernels/softmax.ts (m = max, exp(x − m), the
 *   segmented sum with path ceil(n/L) + log₂L, the division) and its
 *   backward (c = Σ g·y, y·(g − c)). A masked score is the exact f32
 *   −10³⁰: its exp has an exact value below 2⁻¹⁴⁹, so WGSL's (3 + 2|x|) ULP
 *   allow (3 + 2|x|)·2⁻¹⁴⁹ (subnormal spacing) plus a flush, 2⁻¹²⁶;
 * - sums (bias gradients through sumToShape: rows − 1 additions; a reduction
 *   over its reducePathLength; autograd's accumulation of n paths: n − 1).
 *
 * @module
 */
import {
  F32_MIN_NORMAL,
  gamma32,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
  wgslExpUlps,
} from "../../../invariants/tolerance.ts";
import { rowLanes, segmentPathLength } from "../../../impl/ops/kernels/reduce.ts";

/** Arrays of exact values v and error bounds e, row-major. */
export interface TA {
  readonly v: Float64Array;
  readonly e: Float64Array;
}

/** The ledger's rules, plain and builtin. */
export const E = { ...track, ...trackBuiltins };
/** The exact constant 1. */
export const ONE: Tracked = { v: 1, e: 0 };

/** Element i of x. */
export function at(x: TA, i: number): Tracked {
  return { v: x.v[i]!, e: x.e[i]! };
}

/** An array from tracked elements. */
export function fromTracked(ts: readonly Tracked[]): TA {
  return { v: Float64Array.from(ts, (t) => t.v), e: Float64Array.from(ts, (t) => t.e) };
}

/** f32 values loaded from a buffer: exact unless subnormal (flushed). */
export function loaded(x: ArrayLike<number>): TA {
  const v = Float64Array.from(x);
  return { v, e: v.map((y) => (Math.abs(y) < F32_MIN_NORMAL ? Math.abs(y) : 0)) };
}

/** Elementwise map. */
export function map(x: TA, f: (t: Tracked, i: number) => Tracked): TA {
  const out: Tracked[] = new Array(x.v.length);
  for (let i = 0; i < out.length; i++) out[i] = f(at(x, i), i);
  return fromTracked(out);
}

/** Elementwise map of two arrays of one length. */
export function zip(a: TA, b: TA, f: (x: Tracked, y: Tracked, i: number) => Tracked): TA {
  const out: Tracked[] = new Array(a.v.length);
  for (let i = 0; i < out.length; i++) out[i] = f(at(a, i), at(b, i), i);
  return fromTracked(out);
}

/** An exact move: `index(i)` is the source element of output i (−1: an exact zero). */
export function gatherMove(x: TA, n: number, index: (i: number) => number): TA {
  const v = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = index(i);
    if (j >= 0) {
      v[i] = x.v[j]!;
      e[i] = x.e[j]!;
    }
  }
  return { v, e };
}

/** Geometry of a batched matmul: [batch, m, k]·[batch | 1, k, n] → [batch, m, n]. */
export interface MatmulGeometry {
  batch?: number;
  m: number;
  k: number;
  n: number;
  /** A stored [k, m] per batch. */
  transA?: boolean;
  /** B stored [n, k] per batch. */
  transB?: boolean;
  /** A is shared by every batch (a 2-D weight). */
  aShared?: boolean;
  /** B is shared by every batch (a 2-D weight). */
  bShared?: boolean;
}

/** C = op(A)·op(B): the product rule on the errors plus γ_k of the magnitudes. */
export function tmm(a: TA, b: TA, g: MatmulGeometry): TA {
  const { m, k, n } = g;
  const batch = g.batch ?? 1;
  const out = { v: new Float64Array(batch * m * n), e: new Float64Array(batch * m * n) };
  const gam = gamma32(k);
  for (let bi = 0; bi < batch; bi++) {
    const ao = g.aShared ? 0 : bi * m * k;
    const bo = g.bShared ? 0 : bi * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0;
        let p = 0;
        let mag = 0;
        for (let l = 0; l < k; l++) {
          const ia = ao + (g.transA ? l * m + i : i * k + l);
          const ib = bo + (g.transB ? j * k + l : l * n + j);
          const av = a.v[ia]!;
          const ae = a.e[ia]!;
          const bv = b.v[ib]!;
          const be = b.e[ib]!;
          v += av * bv;
          p += Math.abs(av) * be + ae * Math.abs(bv) + ae * be;
          mag += (Math.abs(av) + ae) * (Math.abs(bv) + be);
        }
        const o = (bi * m + i) * n + j;
        out.v[o] = v;
        out.e[o] = p + gam * mag + 2 * k * F32_MIN_NORMAL;
      }
    }
  }
  return out;
}

/** x[r, :] + bias (the broadcast add): one rounding each. */
export function addRows(x: TA, bias: TA): TA {
  const c = bias.v.length;
  return map(x, (t, i) => E.add(t, at(bias, i % c)));
}

/** Column sums of x [rows, cols] through sumToShape: ≤ rows − 1 additions per term. */
export function colSums(x: TA, cols: number): TA {
  const rows = x.v.length / cols;
  const out: Tracked[] = [];
  for (let c = 0; c < cols; c++) {
    const terms: Tracked[] = [];
    for (let r = 0; r < rows; r++) terms.push(at(x, r * cols + c));
    out.push(trackSum(terms, rows - 1));
  }
  return fromTracked(out);
}

/** Autograd's accumulation of n gradient paths (any order): ≤ n − 1 additions per term. */
export function accumulate(parts: readonly TA[]): TA {
  if (parts.length === 1) return parts[0]!;
  const n = parts[0]!.v.length;
  const out: Tracked[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = trackSum(parts.map((p) => at(p, i)), parts.length - 1);
  return fromTracked(out);
}

/** Sigmoid kernel: `1.0 / (1.0 + exp(-x))`. */
export function sigmoid(x: Tracked): Tracked {
  return E.div(ONE, E.add(ONE, E.exp(E.neg(x))));
}

/** exp(x − m) of a masked score (the exact f32 −10³⁰): exact value < 2⁻¹⁴⁹. */
function maskedExp(d: Tracked): Tracked {
  return { v: 0, e: wgslExpUlps(Math.abs(d.v) + d.e) * 2 ** -149 + F32_MIN_NORMAL };
}

/**
 * Softmax along rows of n (`rows` rows, contiguous) as impl/ops/kernels/softmax.ts computes
 * it, with `masked(r, j)` marking the entries a maskedFill set to `fill` beforehand (their
 * input values are ignored: the fill is exact).
 */
export function softmaxRows(
  x: TA,
  rows: number,
  n: number,
  masked: (r: number, j: number) => boolean,
  fill: number,
): TA {
  const k = segmentPathLength(n, rowLanes(rows, n));
  const out: Tracked[] = new Array(rows * n);
  const f = Math.fround(fill);
  for (let r = 0; r < rows; r++) {
    let any = false;
    let mv = -Infinity;
    let me = 0;
    for (let j = 0; j < n; j++) {
      if (masked(r, j)) continue;
      any = true;
      mv = Math.max(mv, x.v[r * n + j]!);
      me = Math.max(me, x.e[r * n + j]!);
    }
    const ex: Tracked[] = new Array(n);
    if (!any) {
      // Every entry is the fill: m equals it and x − m is exactly 0.
      for (let j = 0; j < n; j++) ex[j] = E.exp({ v: 0, e: 0 });
    } else {
      const m: Tracked = { v: mv, e: me };
      for (let j = 0; j < n; j++) {
        ex[j] = masked(r, j)
          ? maskedExp(E.sub({ v: f, e: 0 }, m))
          : E.exp(E.sub(at(x, r * n + j), m));
      }
    }
    const s = trackSum(ex, k);
    for (let j = 0; j < n; j++) out[r * n + j] = E.div(ex[j]!, s);
  }
  return fromTracked(out);
}

/** Softmax backward from the computed y: c = Σ g·y, gx = y·(g − c); masked entries → 0. */
export function softmaxBackwardRows(
  y: TA,
  g: TA,
  rows: number,
  n: number,
  masked: (r: number, j: number) => boolean,
): TA {
  const k = segmentPathLength(n, rowLanes(rows, n));
  const out: Tracked[] = new Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const terms: Tracked[] = [];
    for (let j = 0; j < n; j++) terms.push(E.mul(at(g, r * n + j), at(y, r * n + j)));
    const c = trackSum(terms, k);
    for (let j = 0; j < n; j++) {
      // maskedFill's backward passes 0 where it filled: exact.
      out[r * n + j] = masked(r, j)
        ? { v: 0, e: 0 }
        : E.mul(at(y, r * n + j), E.sub(at(g, r * n + j), c));
    }
  }
  return fromTracked(out);
}

/** Worst |gpu − ref| / (e·factor) and where, plus the walk's distance from the oracle. */
export interface BoundCheck {
  /** Worst |gpu − oracle| / (bound·factor). */
  ratio: number;
  /** Where the worst ratio is. */
  at: string;
  /** Worst |walk.v − oracle| / max(1, |oracle|): the walk follows the oracle's function. */
  walkRel: number;
  /** Median bound / max(|oracle|) (for the detail line: how tight the bounds are). */
  boundScale: number;
}

/** Compares GPU values with the oracle under the walk's bounds. */
export function checkBounds(
  name: string,
  gpu: ArrayLike<number>,
  oracle: ArrayLike<number>,
  walk: TA,
  factor: number,
): BoundCheck {
  let ratio = 0;
  let where = `${name}[0]`;
  let walkRel = 0;
  let maxAbs = 0;
  for (let i = 0; i < oracle.length; i++) {
    const o = oracle[i]!;
    const r = Math.abs(gpu[i]! - o) / (walk.e[i]! * factor);
    const rr = Number.isNaN(r) ? Infinity : r;
    if (rr > ratio) {
      ratio = rr;
      where = `${name}[${i}]`;
    }
    walkRel = Math.max(walkRel, Math.abs(walk.v[i]! - o) / Math.max(1, Math.abs(o)));
    maxAbs = Math.max(maxAbs, Math.abs(o));
  }
  const sorted = Float64Array.from(walk.e).sort();
  const boundScale = sorted[Math.floor(sorted.length / 2)]! / Math.max(maxAbs, 1e-300);
  return { ratio, at: where, walkRel, boundScale };
}
