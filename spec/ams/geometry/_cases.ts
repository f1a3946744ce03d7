/**
 * Shared cases of the geometry claims: seeded weights at spec init, random points, paths and
 * unit pairs, and the running-error replays (TRACKED) of the GPU kernels.
 *
 * @module
 */
import { Rng } from "../../../impl/mod.ts";
import {
  type ConnectionWeights,
  initConnection,
  initMetric,
  type MetricWeights,
} from "../../../impl/ams/geometry/geometry.ts";
import {
  connectionPoint,
  metricPoint,
  pathGenerators,
  slerpPoint,
  TRACKED,
  transportStates,
} from "../../oracle/ams/geometry.ts";
import { track, trackBuiltins, type Tracked } from "../../../invariants/tolerance.ts";

/** A metric at spec init from `seed`. */
export function metricAt(d: number, seed: number): MetricWeights {
  return initMetric(d, new Rng(seed));
}

/** A connection (and its metric) at spec init from `seed`. */
export function connectionAt(d: number, dF: number, seed: number): ConnectionWeights {
  const rng = new Rng(seed);
  return initConnection(initMetric(d, rng), dF, rng);
}

/** The connection with its last layer (weight and bias) scaled by `k` (f32 values). */
export function scaleLastLayer(c: ConnectionWeights, k: number): ConnectionWeights {
  const l = c.net[2];
  const s = (a: Float64Array) => a.map((x) => Math.fround(x * k));
  return { ...c, net: [c.net[0], c.net[1], { ...l, weight: s(l.weight), bias: s(l.bias) }] };
}

/** n × d normals scaled by s, f32 values. */
export function normals(rng: Rng, n: number, s = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * s);
}

/** A unit vector in R^d (f32 values normalised in f64, then rounded). */
export function unit(rng: Rng, d: number): Float32Array {
  const v = Array.from({ length: d }, () => rng.normal());
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

/** Largest |‖row‖ − 1| over the rows of an n × d array. */
export function maxNormError(p: ArrayLike<number>, n: number, d: number): number {
  let worst = 0;
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += p[k * d + i]! ** 2;
    worst = Math.max(worst, Math.abs(Math.sqrt(s) - 1));
  }
  return worst;
}

const tin = (x: number) => track.input(x);

/** The metric kernel replayed with running error bounds: g (d × d) of one point. */
export function trackedMetric(w: MetricWeights, x: ArrayLike<number>): Tracked[] {
  return metricPoint(TRACKED, w, Array.from(x, tin));
}

/** The connection kernel (mode 0) replayed: A (d_F × d_F) of one (x, v). */
export function trackedConnection(
  w: ConnectionWeights,
  x: ArrayLike<number>,
  v: ArrayLike<number>,
): Tracked[] {
  return connectionPoint(TRACKED, w, Array.from(x, tin), Array.from(v, tin));
}

/** The connection (mode 1) and transport kernels replayed: every RK4 state of one fibre. */
export function trackedTransport(
  w: ConnectionWeights,
  f: ArrayLike<number>,
  path: ArrayLike<number>,
  nPts: number,
  interval: number,
): Tracked[][] {
  const gens = pathGenerators(TRACKED, w, Array.from(path, tin), nPts);
  return transportStates(TRACKED, gens, Array.from(f, tin), interval);
}

/** The slerp kernel replayed: interior point k of n (t = f32(k)/f32(n − 1)). */
export function trackedSlerp(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  k: number,
  n: number,
): Tracked[] {
  const t = track.div(trackBuiltins.literal(k), trackBuiltins.literal(n - 1));
  return slerpPoint(TRACKED, Array.from(a, tin), Array.from(b, tin), t);
}

/** Largest |gpu − v|/e over a tracked array (0/0 counts as 0). */
export function trackedRatio(gpu: ArrayLike<number>, t: readonly Tracked[]): number {
  let worst = 0;
  for (let i = 0; i < t.length; i++) {
    const err = Math.abs(gpu[i]! - t[i]!.v);
    const r = err === 0 ? 0 : err / t[i]!.e;
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}
