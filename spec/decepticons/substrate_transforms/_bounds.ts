/**
 * Error bounds of the substrate transforms' GPU forwards (f32) against their
 * f64 oracles (spec/oracle/decepticons/substrate_transforms.ts), one per
 * output element, by the running error analysis of
 * spec/decepticons/hash_memory/_tracked.ts, following each transform's ops in
 * impl/decepticons/substrate_transforms/ in order:
 *
 * - router: x·W + b (dot length E), softmax over the n banks, ρ·(0/1
 *   expansion) (dot length n), times the drive;
 * - overwrite gate: g = σ(x·W + b); a = (1 − g)·d; b = g·D; the linear
 *   recurrence as spec/decepticons/byte_lm/_bounds.ts bounds it: the inputs'
 *   errors move h by ≤ H(|a| + e_a, |b| + e_b) − H(|a|, |b|) with H the
 *   magnitude companion Σ_s |Π a|·|b_s| (recurrenceMagnitude), and the scan's
 *   own rounding is ≤ γ_k·H(|a| + e_a, |b| + e_b) + 2k(t + 1)·2⁻¹²⁶ with k the
 *   ledger's scanRoundingPath for the form (scanAtol);
 * - magnitude: S·S, the row sum (reducePathLength), max with f32(ε²), sqrt,
 *   S/n; log n · σ(γ);
 * - selector: x·W + b, times f32(1/τ), σ, times S;
 * - temporal attention: q = S·W_q, k, v = snapshots·W_{k,v} (dot length M),
 *   scores per head (dot length d) times f32(1/√d), the causal mask's exact
 *   fill, softmax over the snapshots, a·v (dot length nS), ·W_o (dot length
 *   h·d), plus S.
 *
 * @module
 */
import {
  scanAtol,
  scanRoundingPath,
  type Tracked,
  trackSum,
} from "../../../invariants/tolerance.ts";
import { reducePathLength } from "../../../impl/ops/kernels/reduce.ts";
import {
  addRows,
  E,
  fromTracked,
  gatherMove,
  loaded,
  map,
  ONE,
  sigmoid,
  softmaxRows,
  type TA,
  tmm,
  zip,
} from "../hash_memory/_tracked.ts";
import {
  recurrenceForward,
  recurrenceMagnitude,
} from "../../oracle/decepticons/linear_recurrence.ts";

/** The masked score the GPU writes (impl: TEMPORAL_MASKED_SCORE). */
const FILL = -1e30;

function absPlus(x: TA): Float64Array {
  return x.v.map((v, i) => Math.abs(v) + x.e[i]!);
}

/** Router: D ⊙ (softmax(x·W + b)·expand). */
export function routerBounds(
  drive: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  bank: ArrayLike<number>,
  rows: number,
  Ed: number,
  M: number,
): TA {
  const n = b.length;
  const pre = addRows(tmm(loaded(x), loaded(w), { m: rows, k: Ed, n, bShared: true }), loaded(b));
  const rho = softmaxRows(pre, rows, n, () => false, 0);
  const expand = new Float64Array(n * M);
  for (let m = 0; m < M; m++) expand[bank[m]! * M + m] = 1;
  const ex = tmm(rho, loaded(expand), { m: rows, k: n, n: M, bShared: true });
  return zip(loaded(drive), ex, (d, r) => E.mul(d, r));
}

/** Recursion depth of the chunked scan over T steps (spec/decepticons/byte_lm/_bounds.ts). */
function chunkLevels(T: number, K: number): number {
  let n = T;
  let k = Math.min(K, T);
  let levels = 0;
  while (true) {
    levels++;
    const nC = Math.ceil(n / k);
    if (nC <= 1) return levels;
    const sub = Math.max(k, 2);
    if (nC <= sub) return levels;
    n = nC;
    k = sub;
  }
}

/** The scan form of the recurrence. */
export interface ScanForm {
  method: "sequential" | "chunked";
  chunk: number;
}

/** Overwrite gate: h = scan((1 − g)·d, g·D), g = σ(x·W + b). */
export function overwriteBounds(
  drive: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  decays: ArrayLike<number>,
  s: { B: number; T: number; E: number },
  form: ScanForm,
): TA {
  const M = b.length;
  const rows = s.B * s.T;
  const pre = addRows(
    tmm(loaded(x), loaded(w), { m: rows, k: s.E, n: M, bShared: true }),
    loaded(b),
  );
  const g = map(pre, sigmoid);
  const d = loaded(decays);
  const a = map(g, (t, i) => E.mul(E.sub(ONE, t), { v: d.v[i % M]!, e: d.e[i % M]! }));
  const bb = zip(g, loaded(drive), (t, u) => E.mul(t, u));
  const dims = { nb: s.B, T: s.T, C: M, w: 1 as const };
  const v = recurrenceForward(dims, a.v, bb.v, null).h;
  const mAbs = recurrenceMagnitude(dims, a.v, bb.v, null);
  const mBar = recurrenceMagnitude(dims, absPlus(a), absPlus(bb), null);
  const chunked = form.method === "chunked";
  const path = (t: number) =>
    scanRoundingPath(t, {
      chunk: chunked ? Math.min(form.chunk, s.T) : null,
      levels: chunked ? chunkLevels(s.T, form.chunk) : 0,
      complex: false,
    });
  const e = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = Math.floor(i / M) % s.T;
    e[i] = mBar[i]! - mAbs[i]! + scanAtol(path(t), mBar[i]!, t);
  }
  return { v, e };
}

/** Magnitude feature: [S/n, log n · σ(γ)] (or S/n). */
export function magnitudeBounds(
  states: ArrayLike<number>,
  M: number,
  gamma: number,
  eps: number,
  keepMagnitude: boolean,
): TA {
  const S = loaded(states);
  const rows = S.v.length / M;
  const k = reducePathLength({ outer: rows, n: M, inner: 1 });
  const floor = E.uniform(eps * eps);
  const gain = sigmoid(E.input(Math.fround(gamma)));
  const W = M + (keepMagnitude ? 1 : 0);
  const out: Tracked[] = new Array(rows * W);
  for (let r = 0; r < rows; r++) {
    const terms: Tracked[] = [];
    for (let j = 0; j < M; j++) {
      terms.push(E.mul(E.input(S.v[r * M + j]!), E.input(S.v[r * M + j]!)));
    }
    const ss = trackSum(terms, k);
    // max is 1-Lipschitz in each operand: the larger error bounds the selected value's.
    const mx: Tracked = ss.v >= floor.v
      ? { v: ss.v, e: Math.max(ss.e, floor.e) }
      : { v: floor.v, e: Math.max(ss.e, floor.e) };
    const n = E.sqrt(mx);
    for (let j = 0; j < M; j++) out[r * W + j] = E.div(E.input(S.v[r * M + j]!), n);
    if (keepMagnitude) out[r * W + M] = E.mul(E.log(n), gain);
  }
  return fromTracked(out);
}

/** Selector: S ⊙ σ((x·W + b)·f32(1/τ)). */
export function selectorBounds(
  states: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  tau: number,
  rows: number,
  Ed: number,
): TA {
  const M = b.length;
  const pre = addRows(
    tmm(loaded(x), loaded(w), { m: rows, k: Ed, n: M, bShared: true }),
    loaded(b),
  );
  const inv = E.uniform(1 / tau);
  const sig = map(pre, (t) => sigmoid(E.mul(t, inv)));
  return zip(loaded(states), sig, (u, t) => E.mul(u, t));
}

/** Temporal attention: S + (softmax_causal(q kᵀ/√d) v)·W_o, per head. */
export function temporalBounds(
  states: ArrayLike<number>,
  p: {
    q_w: ArrayLike<number>;
    k_w: ArrayLike<number>;
    v_w: ArrayLike<number>;
    o_w: ArrayLike<number>;
  },
  s: { B: number; T: number; M: number; heads: number; headDim: number; interval: number },
): TA {
  const { B, T, M, heads: h, headDim: d, interval: I } = s;
  const hd = h * d;
  const nS = Math.ceil(T / I);
  const S = loaded(states);
  const snaps = gatherMove(S, B * nS * M, (i) => {
    const c = i % M;
    const j = Math.floor(i / M) % nS;
    const b = Math.floor(i / (M * nS));
    return (b * T + j * I) * M + c;
  });
  const q = tmm(S, loaded(p.q_w), { m: B * T, k: M, n: hd, bShared: true });
  const k = tmm(snaps, loaded(p.k_w), { m: B * nS, k: M, n: hd, bShared: true });
  const v = tmm(snaps, loaded(p.v_w), { m: B * nS, k: M, n: hd, bShared: true });
  // [B, n, h, d] → [B, h, n, d].
  const heads = (y: TA, n: number) =>
    gatherMove(y, B * h * n * d, (i) => {
      const c = i % d;
      const t = Math.floor(i / d) % n;
      const hh = Math.floor(i / (d * n)) % h;
      const b = Math.floor(i / (d * n * h));
      return ((b * n + t) * h + hh) * d + c;
    });
  const raw = tmm(heads(q, T), heads(k, nS), { batch: B * h, m: T, k: d, n: nS, transB: true });
  const scale = E.uniform(1 / Math.sqrt(d));
  const scores = map(raw, (t) => E.mul(t, scale));
  const a = softmaxRows(scores, B * h * T, nS, (r, j) => j * I > r % T, FILL);
  const o = tmm(a, heads(v, nS), { batch: B * h, m: T, k: nS, n: d });
  const merged = gatherMove(o, B * T * hd, (i) => {
    const c = i % d;
    const hh = Math.floor(i / d) % h;
    const t = Math.floor(i / hd) % T;
    const b = Math.floor(i / (hd * T));
    return ((b * h + hh) * T + t) * d + c;
  });
  const y = tmm(merged, loaded(p.o_w), { m: B * T, k: hd, n: M, bShared: true });
  return zip(S, y, (u, t) => E.add(u, t));
}
