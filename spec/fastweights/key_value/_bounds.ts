/**
 * Derived f32 error bounds for the key-value GPU kernels: the running error
 * analysis of the ledger replayed over `kv_episode` (impl/kernels/
 * fastweights_kv_episode.ts) in its evaluation order, and over one SGD step
 * of the training kernel.
 *
 * @module
 */
import { track, type Tracked } from "../../../invariants/tolerance.ts";
import type { KvEpisode } from "../../oracle/fastweights/key_value.ts";
import { seqSum } from "../unknown_delay/_bounds.ts";

/** Tracked outputs of one episode. */
export interface TrackedKv {
  y: Tracked[];
  fast: Tracked[];
  loss: Tracked;
  grad: Tracked[];
}

/**
 * An input the kernel receives as an f32 upload: exact when `x` is an f32; for an f64 `x`
 * (a numpy reference's draw) the error is the rounding |fl₃₂(x) − x|, so outputs can be bounded
 * against the reference's own f64 values.
 */
export function uploaded(x: number): Tracked {
  const r = Math.fround(x);
  return r === x ? track.input(x) : { v: x, e: Math.abs(r - x) + track.input(r).e };
}

/** One episode with projector `wk`, as the kernel computes it from the f32 uploads of its inputs. */
export function trackKvEpisode(d: number, wk: ArrayLike<number>, ep: KvEpisode): TrackedKv {
  const n = ep.keys.length / d;
  const dv = ep.values.length / n;
  const W = (i: number, j: number) => uploaded(wk[i * d + j]!);
  const K = (t: number, j: number) => uploaded(ep.keys[t * d + j]!);
  const V = (t: number, a: number) => uploaded(ep.values[t * dv + a]!);
  const proj = (t: number) =>
    Array.from(
      { length: d },
      (_, i) => seqSum(Array.from({ length: d }, (_, j) => track.mul(W(i, j), K(t, j)))),
    );
  const pk = Array.from({ length: n }, (_, t) => proj(t));
  const pq = proj(ep.query);
  const fast: Tracked[] = [];
  for (let a = 0; a < dv; a++) {
    for (let c = 0; c < d; c++) {
      fast.push(seqSum(Array.from({ length: n }, (_, t) => track.mul(V(t, a), pk[t]![c]!))));
    }
  }
  const y: Tracked[] = [];
  const dy: Tracked[] = [];
  for (let a = 0; a < dv; a++) {
    const ya = seqSum(Array.from({ length: d }, (_, c) => track.mul(fast[a * d + c]!, pq[c]!)));
    y.push(ya);
    dy.push(track.sub(ya, V(ep.query, a)));
  }
  const loss = track.mul(track.input(0.5), seqSum(dy.map((x) => track.mul(x, x))));
  const dpq = Array.from(
    { length: d },
    (_, c) => seqSum(Array.from({ length: dv }, (_, a) => track.mul(fast[a * d + c]!, dy[a]!))),
  );
  const dK = Array.from(
    { length: n },
    (_, t) =>
      Array.from(
        { length: d },
        (_, c) =>
          seqSum(
            Array.from({ length: dv }, (_, a) => track.mul(V(t, a), track.mul(dy[a]!, pq[c]!))),
          ),
      ),
  );
  const grad: Tracked[] = [];
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      grad.push(seqSum([
        track.mul(dpq[i]!, K(ep.query, j)),
        ...Array.from({ length: n }, (_, t) => track.mul(dK[t]![i]!, K(t, j))),
      ]));
    }
  }
  return { y, fast, loss, grad };
}

/** One SGD step of the training kernel from the upload of `wk`: W_K − (lr·scale)·grad. */
export function trackKvStep(
  d: number,
  wk: ArrayLike<number>,
  ep: KvEpisode,
  lr: number,
  maxNorm: number,
): { wk: Tracked[]; norm: Tracked } {
  const { grad } = trackKvEpisode(d, wk, ep);
  const norm = track.sqrt(seqSum(grad.map((g) => track.mul(g, g))));
  const mn = track.uniform(maxNorm);
  if (Math.abs(norm.v - maxNorm) <= norm.e + mn.e) {
    throw new RangeError(`Cannot bound an SGD step whose gradient norm ${norm.v} is at the clip`);
  }
  const scale = norm.v > maxNorm ? track.div(mn, norm) : track.input(1);
  const c = track.mul(track.uniform(lr), scale);
  return {
    wk: grad.map((g, i) => track.sub(uploaded(wk[i]!), track.mul(c, g))),
    norm,
  };
}
