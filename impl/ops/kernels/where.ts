/**
 * Selection kernels of `where` and `maskedFill`, generated per condition dtype
 * (an f32 or i32 condition; an element is true when it is nonzero).
 *
 * - `whereForward`: `out[i] = cond[ic] ≠ 0 ? a[ia] : b[ib]` with NumPy
 *   broadcasting of all three operands to the output shape (rank ≤ 8).
 *   Bindings: 0 uniform {n, rank, shape, strides of cond, a, b}, 1 cond, 2 a, 3 b, 4 out.
 * - `selectGrad`: `out[i] = (cond[ic] ≠ 0) = keep ? g[i] : 0`: the gradient of
 *   `where` for a (keep = true) or b (keep = false), and of `maskedFill` for x
 *   (keep = false), at the output shape before any broadcast sum.
 *   Bindings: 0 uniform {n, rank, keep, shape, strides of cond}, 1 cond, 2 g, 3 out.
 * - `maskedFill`: `out[i] = mask[im] ≠ 0 ? value : x[i]`, the mask broadcast to x.
 *   Bindings: 0 uniform {n, rank, value (its f32 bits read as a u32), shape, strides of
 *   mask}, 1 mask, 2 x, 3 out.
 *
 * Grid: ceil(n / 64) workgroups, tiled past 65,535. Values move as u32 bit
 * patterns (the fill value's f32 bits are read as a u32), so every kernel is
 * exact (accuracy class T0). For an f32 condition −0 counts as zero; NaN
 * conditions are unsupported, since WGSL lets implementations assume floats are
 * not NaN, and subnormal ones may count as zero where a device flushes them.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";

/** Invocations per workgroup of the selection kernels. */
export const WHERE_WORKGROUP = 64;
const WG = WHERE_WORKGROUP;

/** Element type of a condition or mask. */
export type ConditionType = "f32" | "i32";

function isTrue(t: ConditionType, v: string): string {
  return t === "f32" ? `(${v} != 0.0)` : `(${v} != 0)`;
}

/** The coordinate walk computing one offset per named stride table. */
function offsets(tables: readonly string[]): string {
  return `${tables.map((t) => `var o_${t} = 0u;`).join(" ")}
  var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.shape, du);
    let c = rem % size;
    rem = rem / size;
    ${tables.map((t) => `o_${t} += c * dim(p.${t}, du);`).join("\n    ")}
  }`;
}

function kernel(params: string, bindings: string, body: string): string {
  return `
struct Params { ${params} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}
${WGSL_LINEAR_WORKGROUP}
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${body}
}
`;
}

/** WGSL of `where`'s forward for a condition of type `t`. */
export function whereForwardWgsl(t: ConditionType): string {
  return kernel(
    "n: u32, rank: u32, _p0: u32, _p1: u32, shape: array<vec4u, 2>, sc: array<vec4u, 2>, " +
      "sa: array<vec4u, 2>, sb: array<vec4u, 2>",
    `@group(0) @binding(1) var<storage, read> cond: array<${t}>;
@group(0) @binding(2) var<storage, read> xa: array<u32>;
@group(0) @binding(3) var<storage, read> xb: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;`,
    `${offsets(["sc", "sa", "sb"])}
  if ${isTrue(t, "cond[o_sc]")} { out[i] = xa[o_sa]; } else { out[i] = xb[o_sb]; }`,
  );
}

/** WGSL of the gradient selection (`where`'s and `maskedFill`'s backward). */
export function selectGradWgsl(t: ConditionType): string {
  return kernel(
    "n: u32, rank: u32, keep: u32, _p0: u32, shape: array<vec4u, 2>, sc: array<vec4u, 2>",
    `@group(0) @binding(1) var<storage, read> cond: array<${t}>;
@group(0) @binding(2) var<storage, read> gs: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;`,
    `${offsets(["sc"])}
  out[i] = select(0u, gs[i], ${isTrue(t, "cond[o_sc]")} == (p.keep != 0u));`,
  );
}

/** WGSL of `maskedFill`'s forward. */
export function maskedFillWgsl(t: ConditionType): string {
  return kernel(
    "n: u32, rank: u32, value_bits: u32, _p0: u32, shape: array<vec4u, 2>, sc: array<vec4u, 2>",
    `@group(0) @binding(1) var<storage, read> mask: array<${t}>;
@group(0) @binding(2) var<storage, read> xs: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;`,
    `${offsets(["sc"])}
  out[i] = select(xs[i], p.value_bits, ${isTrue(t, "mask[o_sc]")});`,
  );
}
