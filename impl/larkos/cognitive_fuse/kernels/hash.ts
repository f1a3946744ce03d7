/**
 * The cognitive fusion's hashed projection coefficient in WGSL, with exact 64-bit arithmetic
 * emulated on u32 pairs (WGSL has no u64): `proj_coef(r, c)` is splitmix64's finaliser on
 * `(r ≪ 32) ⊕ u32(c·2654435761 + 1)`, its low 24 bits mapped to [−1, 1) as
 * `f32(bits)·2⁻²³ − 1` (f32(bits) is exact below 2²⁴, the scaling by a power of two and the
 * subtraction are exact), so every coefficient equals the C's bit for bit.
 *
 * A 64-bit value is a `vec2u(lo, hi)`. Products of 32-bit words are split into 16-bit limbs
 * so that every partial product fits a u32; carries are recovered by unsigned comparison.
 *
 * `CF_HASH` is a program that writes coef(r[i], c[i]) for a list of pairs (the hash claim).
 *
 * Bindings: r [count] u32; c [count] u32; coef [count] f32 (read_write).
 * Grid: ceil(count / 64) workgroups of 64, tiled; one invocation per pair.
 * Accuracy: exact (integer arithmetic and exact float steps).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** WGSL helpers: u32-pair 64-bit multiply and `proj_coef(r, c) -> f32`. */
export const CF_HASH_WGSL = `
// Full 32×32 → 64-bit product as vec2u(lo, hi), from 16-bit limbs.
fn cf_mul32(a: u32, b: u32) -> vec2u {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = p01 + p10;
  let mid_carry = select(0u, 1u, mid < p01);
  let lo = p00 + (mid << 16u);
  let lo_carry = select(0u, 1u, lo < p00);
  let hi = p11 + (mid >> 16u) + (mid_carry << 16u) + lo_carry;
  return vec2u(lo, hi);
}

// a · b mod 2^64.
fn cf_mul64(a: vec2u, b: vec2u) -> vec2u {
  let p = cf_mul32(a.x, b.x);
  return vec2u(p.x, p.y + a.x * b.y + a.y * b.x);
}

// z ^ (z >> k) for 0 < k < 32.
fn cf_xorshr(z: vec2u, k: u32) -> vec2u {
  return vec2u(z.x ^ ((z.x >> k) | (z.y << (32u - k))), z.y ^ (z.y >> k));
}

fn proj_coef(r: u32, c: u32) -> f32 {
  var z = vec2u(c * 2654435761u + 1u, r);
  let lo = z.x + 0x7f4a7c15u;
  z = vec2u(lo, z.y + 0x9e3779b9u + select(0u, 1u, lo < z.x));
  z = cf_mul64(cf_xorshr(z, 30u), vec2u(0x1ce4e5b9u, 0xbf58476du));
  z = cf_mul64(cf_xorshr(z, 27u), vec2u(0x133111ebu, 0x94d049bbu));
  z = cf_xorshr(z, 31u);
  return f32(z.x & 0xffffffu) * 0x1p-23f - 1.0;
}
`;

/** coef(r[i], c[i]) for `count` pairs. */
export const CF_HASH: Program = defineProgram({
  name: "larkos_cognitive_fuse_hash",
  workgroupSize: 64,
  uniforms: { count: "u32" },
  bindings: {
    r: { access: "read", type: "u32" },
    c: { access: "read", type: "u32" },
    coef: { access: "read_write" },
  },
  helpers: () => CF_HASH_WGSL,
  main: () => `
  let i = wg * 64u + lid;
  if (i >= p.count) { return; }
  coef[i] = proj_coef(r[i], c[i]);`,
  loopIterations: () => 0,
});
