/**
 * stridedWrite: `dst[base + Σ_d c_d(i)·stride_d] = src[i]`, where `c(i)` is the
 * row-major coordinate of `i` in the source's shape: writes a whole tensor into
 * a strided window of a larger one. Used by the backward of slice (the window
 * of a zero-filled gradient) and the forward of concat (one window per input).
 * Distinct `i` map to distinct offsets, so no two invocations write one element.
 *
 * Bindings: 0 uniform {n, rank, base, shape, strides}, 1 src (read), 2 dst.
 * Grid: ceil(n / 64) workgroups, tiled past 65,535. Elements move as u32 bit
 * patterns (accuracy class T0: exact).
 *
 * @module
 */
import { launch } from "../../gpu/batch.ts";
import { COPY_WORKGROUP, STRIDED_HEADER, stridedUniforms } from "./transpose.ts";

const WG = COPY_WORKGROUP;

/** WGSL of the strided write. */
export const STRIDED_WRITE_WGSL = `${STRIDED_HEADER}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= p.n) { return; }
  dst[strided_offset(i)] = src[i];
}
`;

/**
 * Records `dst[base + Σ c_d(i)·strides[d]] = src[i]` for every `i` of `shape`
 * (the source's shape, row-major; rank ≤ 8). Elements of `dst` outside the
 * window keep their values.
 */
export function recordStridedWrite(
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
    code: STRIDED_WRITE_WGSL,
    uniforms,
    buffers: [src, dst],
    workgroups: Math.ceil(uniforms[0]! / WG),
  });
}
