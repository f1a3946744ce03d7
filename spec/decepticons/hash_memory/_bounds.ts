/**
 * Error bounds of the hash memory on the GPU (f32) against its f64 oracle
 * (spec/oracle/decepticons/hash_memory.ts): one rigorous bound per output
 * element and per element of every gradient of L = Σ g ⊙ out.
 *
 * The walk follows the GPU's autograd graph of impl/decepticons/hash_memory/
 * hash_memory.ts op by op with the rules of ./_tracked.ts: w, q = x·W + b
 * (dot length E); the banded scores q·keysᵀ over 2M keys (dot length D) times
 * f32(1/√D); the band mask's exact fill; the softmax over 2M; the row
 * validity (0 at t = 0); r = a·keys (dot length 2M); out = r·W_o + b_o.
 * Backward, with the seed g exact (passed as backward's gradOutput): ∂b_o
 * by sumToShape over B·T rows, ∂W_o = rᵀg (dot length B·T: the weight is
 * shared, so the rows are folded), ∂r = g·W_oᵀ (dot length E), ∂a = ∂r·keysᵀ
 * (D), ∂keys from both products (M each) accumulated, the softmax backward,
 * the scale, ∂q = ∂s·keys (2M), the band's concat/slice backwards (the
 * current block's and the next block's paths accumulated), and ∂x from the
 * write and query projections accumulated.
 *
 * The f64 oracle's own distance from the exact values (≲ 10³·2⁻⁵³ relative at
 * these sizes) is covered by {@link HASH_REFERENCE_FACTOR}.
 *
 * @module
 */
import { BYTE_LM_REFERENCE_FACTOR } from "../../../invariants/tolerance.ts";
import {
  accumulate,
  addRows,
  colSums,
  E,
  gatherMove,
  loaded,
  map,
  softmaxBackwardRows,
  softmaxRows,
  type TA,
  tmm,
} from "./_tracked.ts";
import type { HashMemoryShape } from "../../oracle/decepticons/hash_memory.ts";

/** Slack on each bound for the f64 oracle's own rounding (1 + 2⁻²⁰, as the byte LM's). */
export const HASH_REFERENCE_FACTOR: number = BYTE_LM_REFERENCE_FACTOR;

/** The masked score the GPU writes (impl: HASH_MASKED_SCORE). */
const FILL = -1e30;

/** f32 parameters of one problem (as uploaded). */
export interface HashParams32 {
  write_w: Float32Array;
  write_b: Float32Array;
  query_w: Float32Array;
  query_b: Float32Array;
  out_w: Float32Array;
  out_b: Float32Array;
}

/** Bounds of one problem: out, and every gradient (x included). */
export interface HashBounds {
  out: TA;
  grads: Record<string, TA>;
}

/** Whether key j of block k is outside query i's window (the GPU's band mask). */
function bandMasked(M: number, k: number, i: number, j: number): boolean {
  return !(j >= i && j <= i + M - 1 && (k > 0 || j >= M));
}

/** The walk: forward and backward bounds for x, g on the f32 parameters p. */
export function hashMemoryBounds(
  p: HashParams32,
  x32: Float32Array,
  g32: Float32Array,
  s: HashMemoryShape,
): HashBounds {
  const { B, T, E: Ed, M, D } = s;
  const nb = Math.ceil(T / M);
  const tp = nb * M;
  const BT = B * T;
  const nbB = B * nb;
  const x = loaded(x32);
  const g = loaded(g32);
  const P = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, loaded(v)])) as Record<
    keyof HashParams32,
    TA
  >;
  const proj = (w: TA, b: TA) => addRows(tmm(x, w, { m: BT, k: Ed, n: D, bShared: true }), b);
  // [B, T, D] → [B, Tp, D] (zero rows after T).
  const pad = (y: TA) =>
    gatherMove(y, B * tp * D, (i) => {
      const b = Math.floor(i / (tp * D));
      const t = Math.floor(i / D) % tp;
      return t < T ? (b * T + t) * D + (i % D) : -1;
    });
  const unpad = (y: TA) =>
    gatherMove(y, BT * D, (i) => {
      const b = Math.floor(i / (T * D));
      const t = Math.floor(i / D) % T;
      return (b * tp + t) * D + (i % D);
    });
  const w = proj(P.write_w, P.write_b);
  const q = proj(P.query_w, P.query_b);
  const wb = pad(w);
  const qb = pad(q);
  // keys [B·nb, 2M, D]: block k − 1 (zeros for k = 0), then block k.
  const keyIndex = (i: number) => {
    const c = i % D;
    const j = Math.floor(i / D) % (2 * M);
    const bk = Math.floor(i / (2 * M * D));
    const k = bk % nb;
    const b = Math.floor(bk / nb);
    const blk = j < M ? k - 1 : k;
    if (blk < 0) return -1;
    return ((b * nb + blk) * M + (j % M)) * D + c;
  };
  const keys = gatherMove(wb, nbB * 2 * M * D, keyIndex);
  const scale = E.uniform(1 / Math.sqrt(D));
  const raw = tmm(qb, keys, { batch: nbB, m: M, k: D, n: 2 * M, transB: true });
  const scores = map(raw, (t) => E.mul(t, scale));
  const rows = nbB * M;
  const masked = (r: number, j: number) => bandMasked(M, Math.floor(r / M) % nb, r % M, j);
  const sm = softmaxRows(scores, rows, 2 * M, masked, FILL);
  const validOf = (r: number) => (r % (nb * M) === 0 ? 0 : 1);
  const a = map(sm, (t, i) => E.mul(t, { v: validOf(Math.floor(i / (2 * M))), e: 0 }));
  const r = tmm(a, keys, { batch: nbB, m: M, k: 2 * M, n: D });
  const rt = unpad(r);
  const out = addRows(tmm(rt, P.out_w, { m: BT, k: D, n: Ed, bShared: true }), P.out_b);

  // Backward.
  const dOutB = colSums(g, Ed);
  const dOutW = tmm(rt, g, { m: D, k: BT, n: Ed, transA: true });
  const drt = tmm(g, P.out_w, { m: BT, k: Ed, n: D, transB: true, bShared: true });
  const dr = pad(drt);
  const da = tmm(dr, keys, { batch: nbB, m: M, k: D, n: 2 * M, transB: true });
  const dKeys1 = tmm(a, dr, { batch: nbB, m: 2 * M, k: M, n: D, transA: true });
  const dsm = map(da, (t, i) => E.mul(t, { v: validOf(Math.floor(i / (2 * M))), e: 0 }));
  const dScores = softmaxBackwardRows(sm, dsm, rows, 2 * M, masked);
  const dRaw = map(dScores, (t) => E.mul(t, scale));
  const dqb = tmm(dRaw, keys, { batch: nbB, m: M, k: 2 * M, n: D });
  const dKeys2 = tmm(dRaw, qb, { batch: nbB, m: 2 * M, k: M, n: D, transA: true });
  const dKeys = accumulate([dKeys1, dKeys2]);
  // Block k of wb reads the current half of keys block k and the previous half of block k + 1.
  const half = (k: number, b: number, row: number, c: number, first: boolean) =>
    ((b * nb + k) * 2 * M + (first ? 0 : M) + row) * D + c;
  const blockIndex = (i: number) => {
    const c = i % D;
    const row = Math.floor(i / D) % M;
    const bk = Math.floor(i / (M * D));
    return { b: Math.floor(bk / nb), k: bk % nb, row, c };
  };
  const dwbCur = gatherMove(dKeys, B * tp * D, (i) => {
    const { b, k, row, c } = blockIndex(i);
    return half(k, b, row, c, false);
  });
  const paths = [dwbCur];
  if (nb > 1) {
    paths.push(gatherMove(dKeys, B * tp * D, (i) => {
      const { b, k, row, c } = blockIndex(i);
      return k + 1 < nb ? half(k + 1, b, row, c, true) : -1;
    }));
  }
  const dw = unpad(accumulate(paths));
  const dq = unpad(dqb);
  const projBack = (dy: TA, wt: TA) => ({
    db: colSums(dy, D),
    dw: tmm(x, dy, { m: Ed, k: BT, n: D, transA: true }),
    dx: tmm(dy, wt, { m: BT, k: D, n: Ed, transB: true, bShared: true }),
  });
  const W = projBack(dw, P.write_w);
  const Q = projBack(dq, P.query_w);
  return {
    out,
    grads: {
      write_w: W.dw,
      write_b: W.db,
      query_w: Q.dw,
      query_b: Q.db,
      out_w: dOutW,
      out_b: dOutB,
      x: accumulate([W.dx, Q.dx]),
    },
  };
}
