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
 * Gradients of L = Σ g ⊙ out (the `…GradBounds` walks), with the seed g exact
 * (backward's gradOutput), follow autograd's graph backwards with the kernels'
 * expressions: mul's `g * b`, div's `g / b` and `-g * a / (b * b)`, sigmoid's
 * `g * y * (1.0 - y)`, log's `g / x`, sqrt's `g * 0.5 / y`, maximum passing g to
 * the larger operand; a broadcast operand's gradient by sumToShape (colSums);
 * matmul's ∂A = ∂C·Bᵀ and ∂W = Aᵀ·∂C with the shared weight's rows folded (dot
 * length B·T); the softmax backward from the computed y; the scan's adjoint
 * λ_t = g_t + a_{t+1} λ_{t+1} bounded as its forward (reverse time) and
 * ∂a_t = λ_t·h_{t−1} one tracked product; moves exact; a tensor read by several
 * ops accumulates its paths (`accumulate`, any order).
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
  accumulate,
  addRows,
  at,
  colSums,
  E,
  fromTracked,
  gatherMove,
  loaded,
  map,
  ONE,
  sigmoid,
  softmaxBackwardRows,
  softmaxRows,
  type TA,
  tmm,
  zip,
} from "../hash_memory/_tracked.ts";
import {
  recurrenceAdjoint,
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

/** Gradient bounds by name (the module's parameter names and its inputs'). */
export type GradBounds = Record<string, TA>;

/** Sigmoid backward from the computed y: `g * y * (1.0 - y)`. */
function sigmoidBackward(y: TA, g: TA): TA {
  return zip(y, g, (yy, gg) => E.mul(E.mul(gg, yy), E.sub(ONE, yy)));
}

/** ∂x, ∂W, ∂b of y = x·W + b [rows, n] (W shared over the rows) from ∂y. */
function affineGrads(x: TA, w: TA, dy: TA, rows: number, k: number, n: number) {
  return {
    dw: tmm(x, dy, { m: k, k: rows, n, transA: true }),
    db: colSums(dy, n),
    dx: tmm(dy, w, { m: rows, k: n, n: k, transB: true, bShared: true }),
  };
}

/** Router gradients: drive, x, route_w, route_b. */
export function routerGradBounds(
  drive: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  bank: ArrayLike<number>,
  g: ArrayLike<number>,
  rows: number,
  Ed: number,
  M: number,
): GradBounds {
  const n = b.length;
  const X = loaded(x);
  const W = loaded(w);
  const D = loaded(drive);
  const G = loaded(g);
  const pre = addRows(tmm(X, W, { m: rows, k: Ed, n, bShared: true }), loaded(b));
  const rho = softmaxRows(pre, rows, n, () => false, 0);
  const expand = new Float64Array(n * M);
  for (let m = 0; m < M; m++) expand[bank[m]! * M + m] = 1;
  const Ex = loaded(expand);
  const ex = tmm(rho, Ex, { m: rows, k: n, n: M, bShared: true });
  const dDrive = zip(G, ex, (gg, r) => E.mul(gg, r));
  const dEx = zip(G, D, (gg, d) => E.mul(gg, d));
  const dRho = tmm(dEx, Ex, { m: rows, k: M, n, transB: true, bShared: true });
  const dPre = softmaxBackwardRows(rho, dRho, rows, n, () => false);
  const a = affineGrads(X, W, dPre, rows, Ed, n);
  return { drive: dDrive, x: a.dx, route_w: a.dw, route_b: a.db };
}

/** Overwrite gate gradients: drive, x, gate_w, gate_b. */
export function overwriteGradBounds(
  drive: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  decays: ArrayLike<number>,
  g: ArrayLike<number>,
  s: { B: number; T: number; E: number },
  form: ScanForm,
): GradBounds {
  const M = b.length;
  const rows = s.B * s.T;
  const X = loaded(x);
  const W = loaded(w);
  const D = loaded(drive);
  const G = loaded(g);
  const pre = addRows(tmm(X, W, { m: rows, k: s.E, n: M, bShared: true }), loaded(b));
  const gate = map(pre, sigmoid);
  const d = loaded(decays);
  const dOf = (i: number): Tracked => ({ v: d.v[i % M]!, e: d.e[i % M]! });
  const a = map(gate, (t, i) => E.mul(E.sub(ONE, t), dOf(i)));
  const h = overwriteBounds(drive, x, w, b, decays, s, form);
  // The adjoint: the forward's bound in reverse time, then ∂a_t = λ_t·h_{t−1}.
  const dims = { nb: s.B, T: s.T, C: M, w: 1 as const };
  const lv = recurrenceAdjoint(dims, a.v, G.v);
  const lAbs = recurrenceAdjoint(dims, a.v.map(Math.abs), G.v.map(Math.abs));
  const lBar = recurrenceAdjoint(dims, absPlus(a), absPlus(G));
  const chunked = form.method === "chunked";
  const le = new Float64Array(lv.length);
  for (let i = 0; i < lv.length; i++) {
    const st = s.T - 1 - (Math.floor(i / M) % s.T);
    const path = scanRoundingPath(st, {
      chunk: chunked ? Math.min(form.chunk, s.T) : null,
      levels: chunked ? chunkLevels(s.T, form.chunk) : 0,
      complex: false,
    });
    le[i] = lBar[i]! - lAbs[i]! + scanAtol(path, lBar[i]!, st);
  }
  const lam: TA = { v: lv, e: le };
  const da = map(lam, (l, i) => {
    const t = Math.floor(i / M) % s.T;
    return E.mul(l, t > 0 ? at(h, i - M) : { v: 0, e: 0 });
  });
  // b = g·D: ∂g = λ·D, ∂D = λ·g; a = (1 − g)·d: ∂(1 − g) = ∂a·d, ∂g = −that (exact).
  const dGateB = zip(lam, D, (l, dd) => E.mul(l, dd));
  const dDrive = zip(lam, gate, (l, gg) => E.mul(l, gg));
  const dGateA = map(da, (t, i) => E.neg(E.mul(t, dOf(i))));
  const dGate = accumulate([dGateB, dGateA]);
  const dPre = sigmoidBackward(gate, dGate);
  const af = affineGrads(X, W, dPre, rows, s.E, M);
  return { drive: dDrive, x: af.dx, gate_w: af.dw, gate_b: af.db };
}

/** Magnitude gradients (keep-magnitude form): states, log_gain. */
export function magnitudeGradBounds(
  states: ArrayLike<number>,
  M: number,
  gamma: number,
  eps: number,
  g: ArrayLike<number>,
): GradBounds {
  const S = loaded(states);
  const G = loaded(g);
  const rows = S.v.length / M;
  const W = M + 1;
  const k = reducePathLength({ outer: rows, n: M, inner: 1 });
  const floor = E.uniform(eps * eps);
  const gain = sigmoid(E.input(Math.fround(gamma)));
  const dS: Tracked[] = new Array(rows * M);
  const dGainTerms: Tracked[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const s = (j: number) => at(S, r * M + j);
    const terms: Tracked[] = [];
    for (let j = 0; j < M; j++) terms.push(E.mul(s(j), s(j)));
    const ss = trackSum(terms, k);
    const above = ss.v > floor.v;
    const mx: Tracked = { v: above ? ss.v : floor.v, e: Math.max(ss.e, floor.e) };
    const n = E.sqrt(mx);
    const ln = E.log(n);
    const gMag = at(G, r * W + M);
    // mul(log n, gain): ∂log n = g·gain; ∂gain per row = g·log n (summed below).
    const dLn = E.mul(gMag, gain);
    dGainTerms[r] = E.mul(gMag, ln);
    const dnLog = E.div(dLn, n);
    // div(S, n): ∂S = g / n; ∂n = Σ_j −g·S / (n·n) (sumToShape over the M columns).
    const nn = E.mul(n, n);
    const dnTerms: Tracked[] = [];
    const dDiv: Tracked[] = [];
    for (let j = 0; j < M; j++) {
      const gj = at(G, r * W + j);
      dDiv.push(E.div(gj, n));
      dnTerms.push(E.div(E.mul(E.neg(gj), s(j)), nn));
    }
    const dnDiv = trackSum(dnTerms, M - 1);
    const dn = trackSum([dnDiv, dnLog], 1);
    const dMx = E.div(E.mul(dn, E.literal(0.5)), n);
    // maximum passes the gradient to the larger operand (the floor is a constant).
    const dSs: Tracked = above ? dMx : { v: 0, e: 0 };
    for (let j = 0; j < M; j++) {
      // mul(S, S): g·b and g·a, both into S, with the div path: three paths.
      const sq = E.mul(dSs, s(j));
      dS[r * M + j] = trackSum([dDiv[j]!, sq, sq], 2);
    }
  }
  const dGain = trackSum(dGainTerms, rows - 1);
  const dGamma = E.mul(E.mul(dGain, gain), E.sub(ONE, gain));
  return { states: fromTracked(dS), log_gain: fromTracked([dGamma]) };
}

/** Selector gradients: states, x, select_w, select_b. */
export function selectorGradBounds(
  states: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  tau: number,
  g: ArrayLike<number>,
  rows: number,
  Ed: number,
): GradBounds {
  const M = b.length;
  const X = loaded(x);
  const W = loaded(w);
  const S = loaded(states);
  const G = loaded(g);
  const pre = addRows(tmm(X, W, { m: rows, k: Ed, n: M, bShared: true }), loaded(b));
  const inv = E.uniform(1 / tau);
  const sig = map(pre, (t) => sigmoid(E.mul(t, inv)));
  const dS = zip(G, sig, (gg, y) => E.mul(gg, y));
  const dSig = zip(G, S, (gg, u) => E.mul(gg, u));
  const dPre = map(sigmoidBackward(sig, dSig), (t) => E.mul(t, inv));
  const af = affineGrads(X, W, dPre, rows, Ed, M);
  return { states: dS, x: af.dx, select_w: af.dw, select_b: af.db };
}

/** Temporal attention gradients: states, q_w, k_w, v_w, o_w. */
export function temporalGradBounds(
  states: ArrayLike<number>,
  p: {
    q_w: ArrayLike<number>;
    k_w: ArrayLike<number>;
    v_w: ArrayLike<number>;
    o_w: ArrayLike<number>;
  },
  g: ArrayLike<number>,
  s: { B: number; T: number; M: number; heads: number; headDim: number; interval: number },
): GradBounds {
  const { B, T, M, heads: h, headDim: d, interval: I } = s;
  const hd = h * d;
  const nS = Math.ceil(T / I);
  const S = loaded(states);
  const G = loaded(g);
  const Wq = loaded(p.q_w);
  const Wk = loaded(p.k_w);
  const Wv = loaded(p.v_w);
  const Wo = loaded(p.o_w);
  const snapIndex = (i: number) => {
    const c = i % M;
    const j = Math.floor(i / M) % nS;
    const b = Math.floor(i / (M * nS));
    return (b * T + j * I) * M + c;
  };
  const snaps = gatherMove(S, B * nS * M, snapIndex);
  const q = tmm(S, Wq, { m: B * T, k: M, n: hd, bShared: true });
  const k = tmm(snaps, Wk, { m: B * nS, k: M, n: hd, bShared: true });
  const v = tmm(snaps, Wv, { m: B * nS, k: M, n: hd, bShared: true });
  // [B, n, h, d] → [B, h, n, d] and back.
  const toHeads = (y: TA, n: number) =>
    gatherMove(y, B * h * n * d, (i) => {
      const c = i % d;
      const t = Math.floor(i / d) % n;
      const hh = Math.floor(i / (d * n)) % h;
      const b = Math.floor(i / (d * n * h));
      return ((b * n + t) * h + hh) * d + c;
    });
  const fromHeads = (y: TA, n: number) =>
    gatherMove(y, B * n * hd, (i) => {
      const c = i % d;
      const hh = Math.floor(i / d) % h;
      const t = Math.floor(i / hd) % n;
      const b = Math.floor(i / (hd * n));
      return ((b * h + hh) * n + t) * d + c;
    });
  const qh = toHeads(q, T);
  const kh = toHeads(k, nS);
  const vh = toHeads(v, nS);
  const bh = B * h;
  const raw = tmm(qh, kh, { batch: bh, m: T, k: d, n: nS, transB: true });
  const scale = E.uniform(1 / Math.sqrt(d));
  const scores = map(raw, (t) => E.mul(t, scale));
  const masked = (r: number, j: number) => j * I > r % T;
  const a = softmaxRows(scores, bh * T, nS, masked, FILL);
  const o = tmm(a, vh, { batch: bh, m: T, k: nS, n: d });
  const merged = fromHeads(o, T);
  // Backward: add(S, ·) passes g to both; matmul(merged, W_o).
  const dOw = tmm(merged, G, { m: hd, k: B * T, n: M, transA: true });
  const dMerged = tmm(G, Wo, { m: B * T, k: M, n: hd, transB: true, bShared: true });
  const dO = toHeads(dMerged, T);
  const dA = tmm(dO, vh, { batch: bh, m: T, k: d, n: nS, transB: true });
  const dVh = tmm(a, dO, { batch: bh, m: nS, k: T, n: d, transA: true });
  const dScores = softmaxBackwardRows(a, dA, bh * T, nS, masked);
  const dRaw = map(dScores, (t) => E.mul(t, scale));
  const dQh = tmm(dRaw, kh, { batch: bh, m: T, k: nS, n: d });
  const dKh = tmm(dRaw, qh, { batch: bh, m: nS, k: T, n: d, transA: true });
  const dq = fromHeads(dQh, T);
  const dk = fromHeads(dKh, nS);
  const dv = fromHeads(dVh, nS);
  const dQw = tmm(S, dq, { m: M, k: B * T, n: hd, transA: true });
  const dKw = tmm(snaps, dk, { m: M, k: B * nS, n: hd, transA: true });
  const dVw = tmm(snaps, dv, { m: M, k: B * nS, n: hd, transA: true });
  const dSq = tmm(dq, Wq, { m: B * T, k: hd, n: M, transB: true, bShared: true });
  const dSnaps = accumulate([
    tmm(dk, Wk, { m: B * nS, k: hd, n: M, transB: true, bShared: true }),
    tmm(dv, Wv, { m: B * nS, k: hd, n: M, transB: true, bShared: true }),
  ]);
  // The slice/reshape/pad backwards scatter the snapshots' gradient to rows j·I (exact).
  const snapOf = new Int32Array(B * T * M).fill(-1);
  for (let i = 0; i < B * nS * M; i++) snapOf[snapIndex(i)] = i;
  const dSs = gatherMove(dSnaps, B * T * M, (i) => snapOf[i]!);
  return {
    states: accumulate([G, dSq, dSs]),
    q_w: dQw,
    k_w: dKw,
    v_w: dVw,
    o_w: dOw,
  };
}
