/**
 * Half-precision conversions on bit patterns: f32 ↔ IEEE 754 binary16 (F16)
 * and f32 ↔ bfloat16 (BF16), as safetensors stores them.
 *
 * Narrowing rounds to nearest, ties to even, from the f32 bits, with
 * subnormal results, overflow to ±Inf and signed zeros; NaN stays NaN with its
 * sign and the top bits of its payload (the quiet bit among them), as numpy's
 * `astype(np.float16)` does (a payload whose kept bits are all zero becomes 1,
 * so the result is still a NaN). Widening is exact, payload included.
 *
 * Everything works on `Uint32Array`/`Uint16Array` bit patterns so that NaN
 * payloads survive: a NaN read into a JS number may be canonicalised.
 *
 * @example
 * ```ts
 * import { f16BitsToF32, f32ToF16Bits } from "./f16.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const h = f32ToF16Bits(new Float32Array([1, 65504, 65520, 2 ** -24, 1 / 3]));
 * deepStrictEqual(Array.from(h), [0x3c00, 0x7bff, 0x7c00, 0x0001, 0x3555]);
 * deepStrictEqual(Array.from(f16BitsToF32(h)).slice(0, 4), [1, 65504, Infinity, 2 ** -24]);
 * ```
 *
 * @module
 */

/**
 * The f16 bit pattern nearest (ties to even) to the f32 with bit pattern `f`.
 *
 * @example
 * ```ts
 * import { f32BitsToF16Bits } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(f32BitsToF16Bits(0x3f801000), 0x3c00); // 1 + 2⁻¹¹: a tie, to even
 * ```
 */
export function f32BitsToF16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    // NaN: keep the top 10 payload bits; never let a NaN become Inf.
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 1 : payload);
  }
  const he = exp - 112; // the f16 biased exponent: (exp − 127) + 15
  if (he >= 31) return sign | 0x7c00; // |x| ≥ 2¹⁶: past the largest rounding interval
  if (he >= 1) {
    let h = (he << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent (up to Inf at 0x7c00).
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  if (exp === 0) return sign; // f32 zero or subnormal: far below half the least f16 subnormal
  const shift = 14 - he; // the f16 subnormal mantissa is m24 · 2^(he − 14)
  if (shift > 24) return sign;
  const m24 = mant | 0x800000;
  let h = m24 >>> shift;
  const rem = m24 & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (h & 1) === 1)) h++;
  return sign | h;
}

/**
 * The f32 bit pattern of the f16 with bit pattern `h` (exact).
 *
 * @example
 * ```ts
 * import { f16BitsToF32Bits } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(f16BitsToF32Bits(0x0001), 0x33800000); // 2⁻²⁴
 * ```
 */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: normalise the mantissa into an f32 normal.
  let e = 113;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * The bf16 bit pattern nearest (ties to even) to the f32 with bit pattern `f`.
 *
 * @example
 * ```ts
 * import { f32BitsToBf16Bits } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(f32BitsToBf16Bits(0x3f818000), 0x3f82); // a tie, to even
 * ```
 */
export function f32BitsToBf16Bits(f: number): number {
  const u = f >>> 0;
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) {
    // NaN: keep sign and top payload bits (rounding could carry it into Inf).
    const top = u >>> 16;
    return (top & 0x7f) === 0 ? top | 1 : top;
  }
  // The rounding of PyTorch's c10::BFloat16 (round_to_nearest_even): overflow carries into Inf.
  const bias = 0x7fff + ((u >>> 16) & 1);
  return ((u + bias) >>> 16) & 0xffff;
}

/**
 * The f32 bit pattern of the bf16 with bit pattern `b` (exact: bf16 is f32's top half).
 *
 * @example
 * ```ts
 * import { bf16BitsToF32Bits } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(bf16BitsToF32Bits(0xbf80), 0xbf800000); // −1
 * ```
 */
export function bf16BitsToF32Bits(b: number): number {
  return (b << 16) >>> 0;
}

function bitsOf(x: Float32Array | Uint32Array): Uint32Array {
  return x instanceof Uint32Array ? x : new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/**
 * f32 values (or their bit patterns) rounded to f16 bit patterns, ties to even.
 *
 * @example
 * ```ts
 * import { f32ToF16Bits } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(f32ToF16Bits(new Float32Array([-0]))[0], 0x8000);
 * ```
 */
export function f32ToF16Bits(x: Float32Array | Uint32Array): Uint16Array<ArrayBuffer> {
  const bits = bitsOf(x);
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i]!);
  return out;
}

/**
 * f16 bit patterns widened to f32 (exact, NaN payloads kept).
 *
 * @example
 * ```ts
 * import { f16BitsToF32 } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(f16BitsToF32(new Uint16Array([0xc000]))[0], -2);
 * ```
 */
export function f16BitsToF32(h: Uint16Array): Float32Array<ArrayBuffer> {
  const out = new Uint32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = f16BitsToF32Bits(h[i]!);
  return new Float32Array(out.buffer);
}

/**
 * f32 values (or their bit patterns) rounded to bf16 bit patterns, ties to even.
 *
 * @example
 * ```ts
 * import { f32ToBf16Bits } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(f32ToBf16Bits(new Float32Array([1 + 2 ** -8]))[0], 0x3f80); // a tie: to even
 * ```
 */
export function f32ToBf16Bits(x: Float32Array | Uint32Array): Uint16Array<ArrayBuffer> {
  const bits = bitsOf(x);
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16Bits(bits[i]!);
  return out;
}

/**
 * bf16 bit patterns widened to f32 (exact, NaN payloads kept).
 *
 * @example
 * ```ts
 * import { bf16BitsToF32 } from "./f16.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(bf16BitsToF32(new Uint16Array([0x3fc0]))[0], 1.5);
 * ```
 */
export function bf16BitsToF32(b: Uint16Array): Float32Array<ArrayBuffer> {
  const out = new Uint32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = bf16BitsToF32Bits(b[i]!);
  return new Float32Array(out.buffer);
}
