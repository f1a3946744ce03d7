/**
 * Host side of the strided copies (impl/ops/kernels/transpose.ts and
 * slice.ts): the recorders behind transpose, slice, reshape and concat.
 *
 * @module
 */
import { dispatch } from "../gpu/program.ts";
import { COPY_WORKGROUP, STRIDED_READ, stridedUniforms } from "./kernels/transpose.ts";
import { STRIDED_WRITE } from "./kernels/slice.ts";

/**
 * Records `dst[i] = src[base + Σ c_d(i)·strides[d]]` for every `i` of `shape`
 * (the output's shape, row-major; rank ≤ 8).
 */
export function recordStridedRead(
  src: GPUBuffer,
  dst: GPUBuffer,
  shape: readonly number[],
  base: number,
  strides: readonly number[],
): void {
  const uniforms = stridedUniforms(shape, base, strides);
  dispatch(STRIDED_READ, {
    uniforms,
    buffers: { src, dst },
    workgroups: Math.ceil(uniforms.n / COPY_WORKGROUP),
  });
}

/**
 * Records `dst[base + Σ c_d(i)·strides[d]] = src[i]` for every `i` of `shape`
 * (the source's shape, row-major; rank ≤ 8). Elements of `dst` outside the
 * window keep their values.
 */
export function recordStridedWrite(
  src: GPUBuffer,
  dst: GPUBuffer,
  shape: readonly number[],
  base: number,
  strides: readonly number[],
): void {
  const uniforms = stridedUniforms(shape, base, strides);
  dispatch(STRIDED_WRITE, {
    uniforms,
    buffers: { src, dst },
    workgroups: Math.ceil(uniforms.n / COPY_WORKGROUP),
  });
}
