/**
 * f64 oracle of AMS v4's training losses (impl/ams/training/losses.ts; the original:
 * FluffyAIcode/AgentMemorySystem:ams_v4/training/losses.py, PR #30): BAA with its parts, CBI,
 * WP and PSA through the stub causal linear LM, on plain arrays, written from the definitions in
 * the impl's module docs (Pearson with √(Σa_c²·Σb_c² + 1e-12), F.normalize's max(‖x‖, 1e-8)).
 * PSA's prefix is the cross-bundle oracle's ({@link cbForward}).
 *
 * @module
 */
import { type CbBundle, type CbDims, cbForward, type CbParams } from "./cross_bundle.ts";

/** Pearson's eps (the impl's PEARSON_EPS). */
export const ORACLE_PEARSON_EPS = 1e-12;
/** F.normalize's eps. */
export const ORACLE_NORM_EPS = 1e-8;

/** Rows of a row-major [n, w] array. */
function rows(a: ArrayLike<number>, n: number): number[][] {
  const w = a.length / n;
  return Array.from({ length: n }, (_, i) => Array.from({ length: w }, (_, j) => a[i * w + j]!));
}

function normalize(v: readonly number[]): number[] {
  const n = Math.max(Math.sqrt(v.reduce((s, x) => s + x * x, 0)), ORACLE_NORM_EPS);
  return v.map((x) => x / n);
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const relu = (x: number) => Math.max(x, 0);
const meanOf = (a: readonly number[]) => a.reduce((s, x) => s + x, 0) / a.length;

/** Pearson correlation (module docs). */
export function oraclePearson(a: readonly number[], b: readonly number[]): number {
  const ma = meanOf(a), mb = meanOf(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb + ORACLE_PEARSON_EPS);
}

/** BAA's inputs, row-major f64. */
export interface OracleBaaInputs {
  n: number;
  timeBase: ArrayLike<number>;
  topicDirn: ArrayLike<number>;
  ctxBase: ArrayLike<number>;
  axisTimeRaw: ArrayLike<number>;
  axisCtxRaw: ArrayLike<number>;
  pos: readonly number[];
  neg: readonly number[];
}

/** BAA and its parts (pos/neg given: the pairs are combinatorial, checked separately). */
export function oracleBaa(x: OracleBaaInputs): { value: number; parts: Record<string, number> } {
  const n = x.n;
  const parts: Record<string, number> = {};
  if (n >= 2) {
    const at = normalize(Array.from(x.axisTimeRaw));
    const proj = rows(x.timeBase, n).map((r) => dot(r, at));
    parts.time = 1 - oraclePearson(proj, proj.map((_, i) => i));
  }
  if (n >= 3) {
    const u = rows(x.topicDirn, n).map(normalize);
    const C = u.map((a) => u.map((b) => dot(a, b)));
    parts.triplet = meanOf(u.map((_, i) => relu(C[i]![x.neg[i]!]! - C[i]![x.pos[i]!]! + 0.2)));
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += relu(C[i]![j]! - 0.7);
    parts.diversity = s / (n * (n - 1));
  }
  const ac = normalize(Array.from(x.axisCtxRaw));
  parts.ctx = meanOf(rows(x.ctxBase, n).map((r) => relu(0.3 - dot(normalize(r), ac))));
  const v = Object.values(parts);
  return { value: v.reduce((a, b) => a + b, 0) / v.length, parts };
}

/** Fibers [n, d_F_b] per bundle, row-major f64. */
export type OracleFibers = Record<CbBundle, ArrayLike<number>>;

/** CBI (module docs). */
export function oracleCbi(f: OracleFibers, n: number): number {
  const z = (["time", "topic", "ctx"] as const).map((b) =>
    rows(f[b], n).map((r) => meanOf(normalize(r)))
  );
  const t = (a: number, b: number) => (Math.abs(oraclePearson(z[a]!, z[b]!)) - 0.3) ** 2;
  return (t(0, 1) + t(0, 2) + t(1, 2)) / 3;
}

/** WP (module docs). */
export function oracleWp(f: OracleFibers, n: number, counts: readonly number[]): number {
  let s = 0;
  for (const b of ["time", "topic", "ctx"] as const) {
    s += meanOf(rows(f[b], n).map((r) => relu(1 - Math.sqrt(dot(r, r)))));
  }
  return s / 3 + 0.01 * counts.filter((c) => c < 3).length / counts.length;
}

/** One PSA example. */
export interface OraclePsaExample {
  queryHidden: ArrayLike<number>;
  ids: readonly number[];
  split: number;
}

/**
 * PSA through the stub causal linear LM: prefix = cross-bundle oracle (B 1, M n) of the query's
 * pooled state; logits_t = (1/(t+1)) Σ_{u≤t} x_u·W; mean over examples of the mean CE of the
 * target tokens.
 */
export function oraclePsa(
  dims: Omit<CbDims, "B" | "M">,
  p: CbParams,
  f: OracleFibers,
  n: number,
  examples: readonly OraclePsaExample[],
  E: ArrayLike<number>,
  W: ArrayLike<number>,
  V: number,
): number {
  const d = dims.d;
  const L = dims.slots.time + dims.slots.topic + dims.slots.ctx;
  let total = 0;
  for (const e of examples) {
    const fw = cbForward({ ...dims, B: 1, M: n }, p, {
      h: Float64Array.from(e.queryHidden),
      fibers: {
        time: Float64Array.from(f.time),
        topic: Float64Array.from(f.topic),
        ctx: Float64Array.from(f.ctx),
      },
      mask: null,
    });
    const x: number[][] = rows(fw.prefix, L);
    for (const t of e.ids) x.push(Array.from({ length: d }, (_, j) => E[t * d + j]!));
    const T = e.ids.length;
    const run = new Array<number>(d).fill(0);
    let ce = 0;
    for (let t = 0; t < L + T - 1; t++) {
      for (let j = 0; j < d; j++) run[j]! += x[t]![j]!;
      const j0 = t - (L + e.split - 1);
      if (j0 < 0) continue;
      const logits = Array.from({ length: V }, (_, v) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += (run[j]! / (t + 1)) * W[j * V + v]!;
        return s;
      });
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
      ce += lse - logits[e.ids[e.split + j0]!]!;
    }
    total += ce / (T - e.split);
  }
  return total / examples.length;
}

/**
 * Each row's positive (argmax of the Jaccard row with the diagonal at −1) and negative (the
 * original: argmin of that row, so the row itself; fixed: argmin over j ≠ i), first index on
 * ties; two empty sets have Jaccard 1.
 */
export function oracleTripletPairs(
  ids: readonly (readonly number[])[],
  fix: boolean,
): { pos: number[]; neg: number[] } {
  const n = ids.length;
  const sets = ids.map((l) => new Set(l));
  const J = (i: number, j: number) => {
    const uni = new Set([...sets[i]!, ...sets[j]!]).size;
    if (uni === 0) return 1;
    return [...sets[i]!].filter((t) => sets[j]!.has(t)).length / uni;
  };
  const pos: number[] = [], neg: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: n }, (_, j) => (j === i ? -1 : J(i, j)));
    const js = Array.from({ length: n }, (_, j) => j);
    pos.push(js.reduce((b, j) => (row[j]! > row[b]! ? j : b), 0));
    const cand = js.filter((j) => !(fix && j === i));
    neg.push(cand.reduce((b, j) => (row[j]! < row[b]! ? j : b), cand[0]!));
  }
  return { pos, neg };
}
