/**
 * Case builders shared by the unknown-delay claims: random parameters and
 * episodes from memspec's counter-based RNG.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import { roundToF32 } from "../../oracle/ndarray.ts";
import {
  type UdConfig,
  type UdEpisode,
  udFlatten,
  udInitParams,
  udMakeEpisode,
  type UdParams,
  udUnflatten,
} from "../../oracle/fastweights/unknown_delay.ts";

/** Random parameters: the original's init (times `scale`) plus N(0, 0.3²) biases, so every path is active. */
export function randomUdParams(cfg: UdConfig, seed: number, scale = 1): UdParams {
  const rng = new Rng(seed);
  const params = udInitParams(cfg, () => rng.normal() * scale);
  for (const name of ["bh", "bk", "bv", "bq", "bg"] as const) {
    const b = params[name];
    for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.3;
  }
  return params;
}

/** Episodes with the given delays from stream `seed` (unit 0, one episode per delay). */
export function udEpisodes(p: number, seed: number, delays: readonly number[]): UdEpisode[] {
  const stream = new Rng(seed);
  return delays.map((k, e) => udMakeEpisode(stream, p, 0, e, delays.length, k));
}

/** Parameters rounded to f32, as the GPU holds them. */
export function f32Params(cfg: UdConfig, params: UdParams): UdParams {
  return udUnflatten(cfg, roundToF32(udFlatten(params)));
}

/** Values of episode n's valid steps from a padded [n, tm, dim] read-back. */
export function validSteps(
  all: ArrayLike<number>,
  n: number,
  tm: number,
  steps: number,
  dim: number,
): Float64Array {
  const out = new Float64Array(steps * dim);
  for (let i = 0; i < steps * dim; i++) out[i] = all[n * tm * dim + i]!;
  return out;
}
