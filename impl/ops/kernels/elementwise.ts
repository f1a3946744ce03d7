/**
 * Elementwise kernels, generated from a WGSL expression per op.
 *
 * - `unaryMap`: `out[i] = f(x[i])` (forward) or `f(x[i], y[i], g[i])`
 *   (backward, y the forward output) with attributes `p.a0`, `p.a1`.
 *   Bindings: 0 uniform {n, a0, a1}, 1 x, then 2 out (forward) or 2 y, 3 g,
 *   4 out (backward). Grid: ceil(n/64) workgroups of 64, tiled.
 * - `binaryMap`: `out[i] = f(a[ia], b[ib])` (forward) or `f(a[ia], b[ib], g[i])`
 *   (backward) with NumPy broadcasting; a strided variant (rank ≤ 8) and a
 *   same-shape fast path. Bindings: 0 uniform {n, rank, shape, strides of a, b},
 *   1 a, 2 b, then 3 out (forward) or 3 g, 4 out (backward). Grid as unaryMap.
 * - `sumToShape`: reduces a broadcast gradient back to an input's shape by a
 *   sequential sum over the broadcast positions, one invocation per output.
 *   Bindings: 0 uniform, 1 x, 2 out. Grid: ceil(outputs/64), tiled.
 *   Accuracy class T3: count − 1 roundings per output.
 *
 * Accuracy: one rounding per arithmetic op (T1) for + − ×; WGSL builtins
 * (exp, log, tanh, division) carry the WGSL spec's bounds (T2; see the ledger's
 * `f32Err`, which composes them per expression).
 *
 * Non-finite values: WGSL lets implementations assume no NaN or infinity is
 * present (§15.7.2), and its `max`/`clamp` return the non-NaN operand. Unary
 * kernels therefore get {@link WGSL_IS_NAN}, a NaN test on the bit pattern
 * (a comparison such as `x != x` may be folded away under that assumption),
 * to propagate NaN deliberately where a builtin would swallow it.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";

/** Invocations per workgroup of every elementwise kernel (one element each). */
export const ELEMENTWISE_WORKGROUP = 64;
const WG = ELEMENTWISE_WORKGROUP;

const HEADER = `${WGSL_LINEAR_WORKGROUP}
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
`;

/**
 * WGSL `is_nan(x)`: true for every NaN bit pattern (exponent all ones, mantissa
 * non-zero), tested on the bits so no finite-math assumption can fold it away.
 */
export const WGSL_IS_NAN = `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
`;

/** `y = f(x)` where `expr` uses `x`, `p.a0`, `p.a1`; `g` (and `y`) are available in backward forms. */
export function unaryMapWgsl(expr: string, withGrad: boolean): string {
  return `
struct Params { n: u32, a0: f32, a1: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
${
    withGrad
      ? `@group(0) @binding(2) var<storage, read> ys: array<f32>;
@group(0) @binding(3) var<storage, read> gs: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;`
      : "@group(0) @binding(2) var<storage, read_write> out: array<f32>;"
  }
${HEADER}${WGSL_IS_NAN}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= p.n) { return; }
  let x = xs[i];
  ${withGrad ? "let y = ys[i];\n  let g = gs[i];" : "let y = 0.0; let g = 0.0;"}
  out[i] = ${expr};
}
`;
}

/** `out = f(a, b)` (forward) or `f(a, b, g)` (backward) with broadcasting; `strided` false means all operands share out's shape. */
export function binaryMapWgsl(expr: string, strided: boolean, withGrad: boolean): string {
  const index = strided
    ? `var ia = 0u; var ib = 0u; var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.shape, du);
    let c = rem % size;
    rem = rem / size;
    ia += c * dim(p.sa, du);
    ib += c * dim(p.sb, du);
  }`
    : "let ia = i; let ib = i;";
  return `
struct Params { n: u32, rank: u32, shape: array<vec4u, 2>, sa: array<vec4u, 2>, sb: array<vec4u, 2> }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> as_: array<f32>;
@group(0) @binding(2) var<storage, read> bs: array<f32>;
${
    withGrad
      ? `@group(0) @binding(3) var<storage, read> gs: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;`
      : "@group(0) @binding(3) var<storage, read_write> out: array<f32>;"
  }
${HEADER}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${index}
  let a = as_[ia];
  let b = bs[ib];
  ${withGrad ? "let g = gs[i];" : ""}
  out[i] = ${expr};
}
`;
}

/**
 * Sums `x` (of the broadcast shape) down to a target shape. For output `j`,
 * `base` gives x's offset of the kept coordinates; the loop walks the
 * `count` reduced positions.
 */
export const SUM_TO_SHAPE_WGSL = `
struct Params {
  n: u32, rank: u32, count: u32, rrank: u32,
  chunks: u32, chunk: u32, pad0: u32, pad1: u32,
  tshape: array<vec4u, 2>, tstride_x: array<vec4u, 2>,
  rshape: array<vec4u, 2>, rstride_x: array<vec4u, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${HEADER}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let idx = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (idx >= p.n * p.chunks) { return; }
  let j = idx / p.chunks;
  let c = idx % p.chunks;
  var base = 0u;
  var rem = j;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.tshape, du);
    base += (rem % size) * dim(p.tstride_x, du);
    rem = rem / size;
  }
  var acc = 0.0;
  let r1 = min(p.count, (c + 1u) * p.chunk);
  for (var r = c * p.chunk; r < r1; r++) {
    var off = base;
    var rr = r;
    for (var d = i32(p.rrank) - 1; d >= 0; d--) {
      let du = u32(d);
      let size = dim(p.rshape, du);
      off += (rr % size) * dim(p.rstride_x, du);
      rr = rr / size;
    }
    acc += xs[off];
  }
  out[idx] = acc;
}
`;
