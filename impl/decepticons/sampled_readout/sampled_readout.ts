/**
 * SampledMultiscaleReadout (asuramaya/decepticons src/decepticons/sampled_readout.py): banded,
 * sampled views of a state vector, in f64 on the host.
 *
 * Each band covers state[start, stop) and reads
 * - the sampled entries: `sampleIndices` (band-relative) when given, else every entry when
 *   `sampleCount` is absent or equals the width, else `sampleCount` distinct entries drawn with
 *   the readout's seed + the band's index and sorted;
 * - then, when asked, the band's mean (default on), its mean square "energy" (default on) and its
 *   drift mean|band − prev band| (default off; 0 without a previous state).
 *
 * encode concatenates the bands in order. Bands may overlap and share names, as in the original.
 *
 * Seeded draws use memspec's counter-based Rng, not numpy's PCG64, so seeded indices differ from
 * the original's: parity with it goes through explicit `sampleIndices` (the fixture ships numpy's
 * draws).
 *
 * Every option is validated at construction: a bad band never reaches the first encode.
 *
 * @example The original's test vector
 * ```ts
 * import { SampledMultiscaleReadout } from "./sampled_readout.ts";
 * const r = new SampledMultiscaleReadout({
 *   stateDim: 12,
 *   bands: [
 *     { name: "a", start: 0, stop: 4, sampleIndices: [0, 2], includeDrift: true },
 *     { name: "b", start: 4, stop: 8, sampleIndices: [1, 3], includeDrift: true },
 *     { name: "c", start: 8, stop: 12, includeMean: true, includeEnergy: true },
 *   ],
 * });
 * const s = Array.from({ length: 12 }, (_, i) => i);
 * const f = r.encode(s, s.map((x) => x - 1));
 * if (f.join() !== "0,2,1.5,3.5,1,5,7,5.5,31.5,1,8,9,10,11,9.5,91.5") throw new Error(f.join());
 * ```
 *
 * @module
 */
import { Rng } from "../../gpu/rng.ts";
import { checkStateVector } from "../hierarchical_views/hierarchical_views.ts";
import { checkBool, checkInt, checkList, checkObject, shown } from "../../validate.ts";

const OP = "build SampledMultiscaleReadout";

/** One band of a {@link SampledMultiscaleReadout}. */
export interface SampledBand {
  /** A non-empty name. */
  name: string;
  /** First state index (≥ 0). */
  start: number;
  /** One past the last state index (> start, ≤ stateDim). */
  stop: number;
  /** How many entries to draw (1..width); exclusive with `sampleIndices`. */
  sampleCount?: number;
  /** Band-relative entries to read: distinct, in 0..width−1; exclusive with `sampleCount`. */
  sampleIndices?: readonly number[];
  /** Append the band's mean (default true). */
  includeMean?: boolean;
  /** Append the band's mean square (default true). */
  includeEnergy?: boolean;
  /** Append mean|band − prev| (default false). */
  includeDrift?: boolean;
}

/** Options of {@link SampledMultiscaleReadout}. */
export interface SampledReadoutOptions {
  /** Width of the state vectors (≥ 1). */
  stateDim: number;
  /** At least one band. */
  bands: readonly SampledBand[];
  /** Seed of the drawn indices (default 0); band i draws with seed + i. */
  seed?: number;
}

/** A band as resolved at construction. */
export interface ResolvedBand {
  /** The band's name. */
  readonly name: string;
  /** First state index. */
  readonly start: number;
  /** One past the last state index. */
  readonly stop: number;
  /** Absolute state indices read, ascending for drawn bands. */
  readonly indices: readonly number[];
  /** Whether the mean is appended. */
  readonly includeMean: boolean;
  /** Whether the mean square is appended. */
  readonly includeEnergy: boolean;
  /** Whether the drift is appended. */
  readonly includeDrift: boolean;
}

/** `count` distinct values of 0..width−1, sorted: a partial Fisher–Yates shuffle. */
function drawSorted(width: number, count: number, seed: number): number[] {
  const rng = new Rng(seed);
  const pool = Array.from({ length: width }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.uniform() * (width - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

/** Banded sampled features of a state (see the module documentation). */
export class SampledMultiscaleReadout {
  /** State width. */
  readonly stateDim: number;
  /** The bands with their resolved indices. */
  readonly bands: readonly ResolvedBand[];
  /** Encoded width. */
  readonly featureDim: number;

  /**
   * Resolves and validates every band.
   *
   * @throws {TypeError} when an option has the wrong type, or both sampleCount and sampleIndices
   *   are given.
   * @throws {RangeError} naming the band and the bad value: an empty name, start < 0,
   *   stop ≤ start, stop > stateDim, a count outside 1..width, a repeated index or one outside
   *   0..width−1, no bands, or stateDim < 1.
   */
  constructor(options: SampledReadoutOptions) {
    checkObject(OP, "the options", options);
    this.stateDim = checkInt(OP, "stateDim", options.stateDim, 1, 2 ** 24);
    const seed = options.seed === undefined ? 0 : checkInt(OP, "seed", options.seed, 0, 2 ** 31);
    const n = checkList(OP, "bands", options.bands);
    if (n === 0) {
      throw new RangeError(`Cannot ${OP}: expected at least one band but got none`);
    }
    const bands: ResolvedBand[] = [];
    for (let b = 0; b < n; b++) {
      const band = options.bands[b]!;
      const what = `band ${b}`;
      checkObject(OP, what, band);
      if (typeof band.name !== "string" || band.name.length === 0) {
        throw new RangeError(
          `Cannot ${OP}: expected ${what}'s name to be a non-empty string but got ${
            shown(band.name)
          }`,
        );
      }
      const start = checkInt(OP, `${what}'s start`, band.start, 0, this.stateDim - 1);
      const stop = checkInt(OP, `${what}'s stop`, band.stop, start + 1, this.stateDim);
      const width = stop - start;
      if (band.sampleCount !== undefined && band.sampleIndices !== undefined) {
        throw new TypeError(
          `Cannot ${OP}: expected ${what} to give sampleCount or sampleIndices, not both`,
        );
      }
      let rel: number[];
      if (band.sampleIndices !== undefined) {
        const k = checkList(OP, `${what}'s sampleIndices`, band.sampleIndices);
        if (k === 0) {
          throw new RangeError(`Cannot ${OP}: expected ${what}'s sampleIndices to be non-empty`);
        }
        rel = [];
        for (let i = 0; i < k; i++) {
          rel.push(
            checkInt(OP, `${what}'s sampleIndices[${i}]`, band.sampleIndices[i], 0, width - 1),
          );
        }
        if (new Set(rel).size !== rel.length) {
          throw new RangeError(
            `Cannot ${OP}: expected ${what}'s sampleIndices to be distinct but got [${rel}]`,
          );
        }
      } else if (band.sampleCount === undefined) {
        rel = Array.from({ length: width }, (_, i) => i);
      } else {
        const c = checkInt(OP, `${what}'s sampleCount`, band.sampleCount, 1, width);
        rel = c === width
          ? Array.from({ length: width }, (_, i) => i)
          : drawSorted(width, c, seed + b);
      }
      const flag = (k: "includeMean" | "includeEnergy" | "includeDrift", dflt: boolean) =>
        band[k] === undefined ? dflt : checkBool(OP, `${what}'s ${k}`, band[k]);
      bands.push(Object.freeze({
        name: band.name,
        start,
        stop,
        indices: Object.freeze(rel.map((i) => i + start)),
        includeMean: flag("includeMean", true),
        includeEnergy: flag("includeEnergy", true),
        includeDrift: flag("includeDrift", false),
      }));
    }
    this.bands = Object.freeze(bands);
    this.featureDim = bands.reduce(
      (a, b) => a + b.indices.length + +b.includeMean + +b.includeEnergy + +b.includeDrift,
      0,
    );
  }

  /**
   * The concatenated band features of `state` after `prev` (drift 0 when absent).
   *
   * @throws {TypeError} / {RangeError} when a state is not stateDim finite values.
   */
  encode(state: ArrayLike<number>, prev?: ArrayLike<number> | null): Float64Array {
    const op = "encode with SampledMultiscaleReadout";
    checkStateVector(op, "the state", state, this.stateDim);
    if (prev !== undefined && prev !== null) {
      checkStateVector(op, "the previous state", prev, this.stateDim);
    }
    const out = new Float64Array(this.featureDim);
    let o = 0;
    for (const b of this.bands) {
      for (const i of b.indices) out[o++] = state[i]!;
      const w = b.stop - b.start;
      let s = 0, q = 0, d = 0;
      for (let i = b.start; i < b.stop; i++) {
        s += state[i]!;
        q += state[i]! * state[i]!;
        if (prev) d += Math.abs(state[i]! - prev[i]!);
      }
      if (b.includeMean) out[o++] = s / w;
      if (b.includeEnergy) out[o++] = q / w;
      if (b.includeDrift) out[o++] = d / w;
    }
    return out;
  }
}
