/**
 * Derived f32 error bounds for the unknown-delay GPU kernels: a running error
 * analysis (the ledger's `track`, `trackBuiltins`, `trackSum`) that replays,
 * operation by operation and in the kernels' evaluation order, what each
 * kernel computes: the slow-net heads with `fw_tanh` / `fw_sigmoid`, the
 * fused recurrence forward and backward, the loss, the heads' backward, the
 * parameter sums and the clip + Adam step. For every output it yields the
 * exact value on the f32 inputs (`v`) and a rigorous bound on the kernel's
 * deviation from it (`e`); claims compare the GPU with the independent f64
 * oracle within `e` (scaled by the ledger's reference factor).
 *
 * @module
 */
import {
  FW_REFERENCE_FACTOR,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
} from "../../../invariants/tolerance.ts";
import { seqSum, trackFwSigmoid, trackFwTanh } from "../../_harness/tracked_wgsl_math.ts";
import type { UdConfig, UdEpisode, UdParams } from "../../oracle/fastweights/unknown_delay.ts";

const ONE = track.input(1);
const ZERO: Tracked = { v: 0, e: 0 };

export { seqSum, trackFwSigmoid, trackFwTanh };

/**
 * The comparison bounds of tracked outputs: each `e` times the ledger's reference factor
 * (the f64 oracle's own rounding on top of the kernel's f32 bound).
 *
 * @example
 * ```ts
 * import { referenceBounds } from "./_bounds.ts";
 * console.assert(referenceBounds([{ v: 1, e: 2 }])[0]! > 2);
 * ```
 */
export function referenceBounds(tracked: readonly Tracked[]): number[] {
  return tracked.map((b) => b.e * FW_REFERENCE_FACTOR);
}

/** Left-to-right `bias + Σ w_i·x_i` with exact f32 weights. */
function affine(bias: number, w: Float64Array, off: number, x: readonly Tracked[]): Tracked {
  const terms: Tracked[] = [track.input(bias)];
  for (let i = 0; i < x.length; i++) terms.push(track.mul(track.input(w[off + i]!), x[i]!));
  return seqSum(terms);
}

/** Tracked forward values of one episode, as the GPU computes them. */
export interface TrackedEpisode {
  h: Tracked[];
  k: Tracked[];
  v: Tracked[];
  q: Tracked[];
  g: Tracked[];
  /** Final state [p, d_k] and, when asked for, the state after every step [T, p, d_k]. */
  w: Tracked[];
  hist: Tracked[] | null;
  y: Tracked[];
}

/** Tracked forward of one seed's episodes (`params` hold the f32 values in f64). */
export function trackUdForward(
  cfg: UdConfig,
  params: UdParams,
  episodes: readonly UdEpisode[],
  history = false,
): { episodes: TrackedEpisode[]; loss: Tracked; dy: Tracked[][] } {
  const { p, hidden: H, keyDim: dk, eta } = cfg;
  const wIn = p + 2;
  const etaT = track.uniform(eta);
  const out = episodes.map((ep): TrackedEpisode => {
    const T = ep.steps;
    const te: TrackedEpisode = { h: [], k: [], v: [], q: [], g: [], w: [], hist: null, y: [] };
    for (let t = 0; t < T; t++) {
      const x = Array.from({ length: wIn }, (_, j) => track.input(ep.x[t * wIn + j]!));
      const h: Tracked[] = [];
      for (let i = 0; i < H; i++) {
        h.push(trackFwTanh(affine(params.bh[i]!, params.wxh, i * wIn, x)));
      }
      te.h.push(...h);
      for (let r = 0; r < dk; r++) {
        te.k.push(trackFwTanh(affine(params.bk[r]!, params.whk, r * H, h)));
      }
      for (let r = 0; r < p; r++) {
        te.v.push(trackFwTanh(affine(params.bv[r]!, params.whv, r * H, h)));
      }
      for (let r = 0; r < dk; r++) {
        te.q.push(trackFwTanh(affine(params.bq[r]!, params.whq, r * H, h)));
      }
      te.g.push(trackFwSigmoid(affine(params.bg[0]!, params.whg, 0, h)));
    }
    // Recurrence: row a of W is Σ_t ((η·g_t)·v_t[a])·k_t[c], left to right from 0.
    const terms: Tracked[][] = Array.from({ length: p * dk }, () => []);
    if (history) te.hist = [];
    for (let t = 0; t < T; t++) {
      for (let a = 0; a < p; a++) {
        const coef = track.mul(track.mul(etaT, te.g[t]!), te.v[t * p + a]!);
        for (let c = 0; c < dk; c++) terms[a * dk + c]!.push(track.mul(coef, te.k[t * dk + c]!));
      }
      if (te.hist) { for (const col of terms) te.hist.push(seqSum(col)); }
    }
    te.w = terms.map(seqSum);
    const qo = (T - 1) * dk;
    for (let a = 0; a < p; a++) {
      const prods: Tracked[] = [];
      for (let c = 0; c < dk; c++) prods.push(track.mul(te.w[a * dk + c]!, te.q[qo + c]!));
      te.y.push(seqSum(prods));
    }
    return te;
  });
  // Loss kernel: Σ (y − P)² left to right, times 1/(E·p); ∂L/∂y = (y − P)·2/(E·p).
  const E = episodes.length;
  const sq: Tracked[] = [];
  const dy = out.map((te, n) =>
    te.y.map((y, a) => {
      const d = track.sub(y, track.input(episodes[n]!.target[a]!));
      sq.push(track.mul(d, d));
      return track.mul(d, track.uniform(2 / (E * p)));
    })
  );
  return { episodes: out, loss: track.mul(seqSum(sq), track.uniform(1 / (E * p))), dy };
}

/** Tracked backward of one seed. */
export interface TrackedBackward {
  dKeys: Tracked[][];
  dValues: Tracked[][];
  dGates: Tracked[][];
  dQuery: Tracked[][];
  /** Parameter gradients in the oracle's flat order ({@link UD_PARAM_NAMES}). */
  grads: Tracked[];
}

/**
 * Tracked backward: the recurrence's backward kernel (s_t = q·k_t, r_t = ȳ·v_t,
 * ∂v = ((ηg)s)ȳ, ∂k = ((ηg)r)q, ∂g = (ηs)r, ∂q = Σ_t ((ηg_t)r_t)k_t), the heads'
 * backward and the parameter sums (a two-level sum over Σ_n T_n terms).
 */
export function trackUdBackward(
  cfg: UdConfig,
  params: UdParams,
  episodes: readonly UdEpisode[],
  fwd: { episodes: TrackedEpisode[]; dy: Tracked[][] },
): TrackedBackward {
  const { p, hidden: H, keyDim: dk, eta } = cfg;
  const wIn = p + 2;
  const etaT = track.uniform(eta);
  const R = 2 * dk + p + 1;
  const rowW: { w: Float64Array; off: number }[] = [];
  for (let c = 0; c < dk; c++) rowW.push({ w: params.whk, off: c * H });
  for (let a = 0; a < p; a++) rowW.push({ w: params.whv, off: a * H });
  for (let c = 0; c < dk; c++) rowW.push({ w: params.whq, off: c * H });
  rowW.push({ w: params.whg, off: 0 });
  const out: TrackedBackward = { dKeys: [], dValues: [], dGates: [], dQuery: [], grads: [] };
  // Terms of every parameter gradient, in the oracle's flat order.
  const shapesLen = [H * wIn, H, dk * H, dk, p * H, p, dk * H, dk, H, 1];
  const offs: number[] = [];
  shapesLen.reduce((o, n) => (offs.push(o), o + n), 0);
  const total = shapesLen.reduce((a, b) => a + b, 0);
  const terms: Tracked[][] = Array.from({ length: total }, () => []);
  // Head row r → (weight offset, bias offset) in the flat order.
  const headW: number[] = [];
  const headB: number[] = [];
  for (let c = 0; c < dk; c++) headW.push(offs[2]! + c * H), headB.push(offs[3]! + c);
  for (let a = 0; a < p; a++) headW.push(offs[4]! + a * H), headB.push(offs[5]! + a);
  for (let c = 0; c < dk; c++) headW.push(offs[6]! + c * H), headB.push(offs[7]! + c);
  headW.push(offs[8]!), headB.push(offs[9]!);
  episodes.forEach((ep, n) => {
    const te = fwd.episodes[n]!;
    const dy = fwd.dy[n]!;
    const T = ep.steps;
    const qo = (T - 1) * dk;
    const q = te.q.slice(qo, qo + dk);
    const dK: Tracked[] = [];
    const dV: Tracked[] = [];
    const dG: Tracked[] = [];
    const dots = (xs: readonly Tracked[], ys: readonly Tracked[]) =>
      seqSum(xs.map((x, i) => track.mul(x, ys[i]!)));
    const rs: Tracked[] = [];
    for (let t = 0; t < T; t++) {
      const s = dots(q, te.k.slice(t * dk, (t + 1) * dk));
      const r = dots(dy, te.v.slice(t * p, (t + 1) * p));
      rs.push(r);
      const coef = track.mul(etaT, te.g[t]!);
      const cs = track.mul(coef, s);
      const cr = track.mul(coef, r);
      for (let a = 0; a < p; a++) dV.push(track.mul(cs, dy[a]!));
      for (let c = 0; c < dk; c++) dK.push(track.mul(cr, q[c]!));
      dG.push(track.mul(track.mul(etaT, s), r));
    }
    const dQ: Tracked[] = [];
    for (let c = 0; c < dk; c++) {
      const tt: Tracked[] = [];
      for (let t = 0; t < T; t++) {
        tt.push(track.mul(track.mul(track.mul(etaT, te.g[t]!), rs[t]!), te.k[t * dk + c]!));
      }
      dQ.push(seqSum(tt));
    }
    out.dKeys.push(dK);
    out.dValues.push(dV);
    out.dGates.push(dG);
    out.dQuery.push(dQ);
    // Heads backward and the parameter terms of every step.
    const oneMinusSq = (a: Tracked) => track.sub(ONE, track.mul(a, a));
    for (let t = 0; t < T; t++) {
      const z: Tracked[] = [];
      for (let c = 0; c < dk; c++) {
        z.push(track.mul(dK[t * dk + c]!, oneMinusSq(te.k[t * dk + c]!)));
      }
      for (let a = 0; a < p; a++) z.push(track.mul(dV[t * p + a]!, oneMinusSq(te.v[t * p + a]!)));
      for (let c = 0; c < dk; c++) {
        z.push(t === T - 1 ? track.mul(dQ[c]!, oneMinusSq(te.q[t * dk + c]!)) : ZERO);
      }
      const g = te.g[t]!;
      z.push(track.mul(dG[t]!, track.mul(g, track.sub(ONE, g))));
      for (let r = 0; r < R; r++) {
        const hr = te.h.slice(t * H, (t + 1) * H);
        for (let i = 0; i < H; i++) terms[headW[r]! + i]!.push(track.mul(z[r]!, hr[i]!));
        terms[headB[r]!]!.push(z[r]!);
      }
      for (let i = 0; i < H; i++) {
        const dh = seqSum(rowW.map((rw, r) => track.mul(track.input(rw.w[rw.off + i]!), z[r]!)));
        const dzh = track.mul(dh, oneMinusSq(te.h[t * H + i]!));
        for (let j = 0; j < wIn; j++) {
          terms[offs[0]! + i * wIn + j]!.push(track.mul(dzh, track.input(ep.x[t * wIn + j]!)));
        }
        terms[offs[1]! + i]!.push(dzh);
      }
    }
  });
  // Two-level sum (per-lane partials, then the lanes): any order, ≤ n additions per term.
  out.grads = terms.map((tt) => trackSum(tt, tt.length));
  return out;
}

/** Tracked clip + Adam step of one parameter vector (inputs are f32 values). */
export function trackAdamStep(
  params: ArrayLike<number>,
  grads: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  step: number,
  opts: { lr: number; beta1: number; beta2: number; eps: number; maxNorm: number },
): { params: Tracked[]; m: Tracked[]; v: Tracked[]; norm: Tracked } {
  const n = grads.length;
  let sumsq = 0;
  for (let i = 0; i < n; i++) sumsq += grads[i]! * grads[i]!;
  // 256 strided partial sums, then a tree of 8 levels: ≤ ceil(n/256) + 8 roundings per square.
  const norm = track.sqrt(track.sumOfPositive(sumsq, Math.ceil(n / 256) + 8, n));
  const maxNorm = track.uniform(opts.maxNorm);
  if (Math.abs(norm.v - opts.maxNorm) <= norm.e + maxNorm.e) {
    throw new RangeError(
      `Cannot bound an Adam step whose gradient norm ${norm.v} is within rounding of the clip`,
    );
  }
  const scale = norm.v > opts.maxNorm
    ? track.div(maxNorm, track.add(norm, trackBuiltins.literal(1e-12)))
    : ONE;
  const b1 = track.uniform(opts.beta1);
  const b2 = track.uniform(opts.beta2);
  const omb1 = track.uniform(1 - opts.beta1);
  const omb2 = track.uniform(1 - opts.beta2);
  const c1 = track.uniform(1 / (1 - opts.beta1 ** step));
  const c2 = track.uniform(1 / (1 - opts.beta2 ** step));
  const lr = track.uniform(opts.lr);
  const eps = track.uniform(opts.eps);
  const out = { params: [] as Tracked[], m: [] as Tracked[], v: [] as Tracked[], norm };
  for (let i = 0; i < n; i++) {
    const g = track.mul(track.input(grads[i]!), scale);
    const mi = track.add(track.mul(b1, track.input(m[i]!)), track.mul(omb1, g));
    const vi = track.add(track.mul(b2, track.input(v[i]!)), track.mul(omb2, track.mul(g, g)));
    const upd = track.div(
      track.mul(lr, track.mul(mi, c1)),
      track.add(track.sqrt(track.mul(vi, c2)), eps),
    );
    out.params.push(track.sub(track.input(params[i]!), upd));
    out.m.push(mi);
    out.v.push(vi);
  }
  return out;
}
