/**
 * A counter-based PRNG whose TypeScript and WGSL streams agree bit for bit:
 * value `i` of stream `seed` is a pure function of (seed, i), built from u32
 * multiplies, xors and shifts that both languages define identically
 * (wrapping 32-bit arithmetic). Uniform floats take the top 24 bits, so they
 * are exact in f32 and identical on both sides too.
 *
 * The mixer is the PCG output permutation (O'Neill, "PCG: A Family of Simple
 * Fast Space-Efficient Statistically Good Algorithms", 2014, RXS-M-XS) applied
 * twice around the seed.
 *
 * @example The same stream on the host and in a kernel
 * ```ts
 * import { Rng } from "./rng.ts";
 * import { strictEqual } from "node:assert/strict";
 * const r = new Rng(42);
 * strictEqual(r.u32At(7), new Rng(42).u32At(7));
 * ```
 *
 * @module
 */

function pcgMix(v: number): number {
  const state = (Math.imul(v, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** u32 number `index` of stream `seed`. */
export function hashU32(seed: number, index: number): number {
  return pcgMix((pcgMix(seed >>> 0) ^ (index >>> 0)) >>> 0);
}

/** WGSL source of the same functions: `rng_u32(seed, i)` and `rng_uniform(seed, i)` in [0, 1). */
export const RNG_WGSL = `
fn rng_pcg_mix(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn rng_u32(seed: u32, index: u32) -> u32 {
  return rng_pcg_mix(rng_pcg_mix(seed) ^ index);
}
fn rng_uniform(seed: u32, index: u32) -> f32 {
  return f32(rng_u32(seed, index) >> 8u) * 5.9604644775390625e-8;
}
`;

/** A seeded stream with a cursor, for host-side draws. */
export class Rng {
  /** The stream's seed, a u32. */
  readonly seed: number;
  #next = 0;

  /**
   * A stream seeded with `seed`, its cursor at index 0.
   *
   * @throws {RangeError} when the seed is not an integer in [0, 2³²).
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Cannot seed the RNG with ${seed}: expected an integer in [0, 2^32)`);
    }
    this.seed = seed;
  }

  /** Value `index` of the stream, without moving the cursor. */
  u32At(index: number): number {
    return hashU32(this.seed, index);
  }

  /** Next u32. */
  nextU32(): number {
    return hashU32(this.seed, this.#next++);
  }

  /** Next uniform in [0, 1), exactly representable in f32. */
  uniform(): number {
    return (this.nextU32() >>> 8) * 2 ** -24;
  }

  /** Next uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Next standard normal (Box–Muller, host only: not bit-matched with WGSL). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Next integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** `n` normals scaled by `scale`, rounded to f32. */
  normals(n: number, scale = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * scale;
    return out;
  }
}
