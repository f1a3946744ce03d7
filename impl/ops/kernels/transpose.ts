/**
 * stridedRead: `dst[i] = src[base + Σ_d c_d(i)·stride_d]`, where `c(i)` is the
 * row-major coordinate of `i` in the output shape. One kernel behind every
 * copying view: transpose (input strides permuted), slice (a base offset and
 * the input's strides), reshape (rank 1, stride 1) and the backward of concat.
 *
 * Bindings: 0 uniform {n, rank, base, shape, strides}, 1 src (read), 2 dst.
 * Grid: ceil(n / 64) workgroups, tiled past 65,535. Elements move as u32 bit
 * patterns, so any 4-byte dtype copies exactly (accuracy class T0: no rounding,
 * −0 and NaN payloads kept).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";
import { launch } from "../../gpu/batch.ts";
import { padDims } from "../_shape.ts";

/** Invocations per workgroup of the strided copy kernels. */
export const COPY_WORKGROUP = 64;
const WG = COPY_WORKGROUP;

/** Shared header of the strided copy kernels: the uniform block and the coordinate walk. */
export const STRIDED_HEADER = `
struct Params {
  n: u32, rank: u32, base: u32, _pad: u32,
  shape: array<vec4u, 2>, strides: array<vec4u, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;
${WGSL_LINEAR_WORKGROUP}
fn dim(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
fn strided_offset(i: u32) -> u32 {
  var off = p.base;
  var rem = i;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let du = u32(d);
    let size = dim(p.shape, du);
    off += (rem % size) * dim(p.strides, du);
    rem = rem / size;
  }
  return off;
}
`;

/** WGSL of the strided read. */
export const STRIDED_READ_WGSL = `${STRIDED_HEADER}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= p.n) { return; }
  dst[i] = src[strided_offset(i)];
}
`;

/** The uniform values of a strided copy over `shape` (rank ≤ 8). */
export function stridedUniforms(
  shape: readonly number[],
  base: number,
  strides: readonly number[],
): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return [n, shape.length, base, 0, ...padDims(shape, 1), ...padDims(strides)];
}

/**
 * Records `dst[i] = src[base + Σ c_d(i)·strides[d]]` for every `i` of `shape`
 * (the output's shape, row-major; rank ≤ 8).
 */
export function recordStridedRead(
  name: string,
  src: GPUBuffer,
  dst: GPUBuffer,
  shape: readonly number[],
  base: number,
  strides: readonly number[],
): void {
  const uniforms = stridedUniforms(shape, base, strides);
  launch({
    name,
    code: STRIDED_READ_WGSL,
    uniforms,
    buffers: [src, dst],
    workgroups: Math.ceil(uniforms[0]! / WG),
  });
}
