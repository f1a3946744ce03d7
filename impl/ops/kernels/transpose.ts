/**
 * stridedRead ({@link STRIDED_READ}): `dst[i] = src[base + Σ_d c_d(i)·stride_d]`,
 * where `c(i)` is the row-major coordinate of `i` in the output shape. One
 * kernel behind every copying view: transpose (input strides permuted), slice
 * (a base offset and the input's strides), reshape (rank 1, stride 1) and the
 * backward of concat. Its mirror, the strided write, is in `slice.ts`.
 *
 * Uniforms {n, rank, base, shape, strides} ({@link stridedUniforms}); bindings
 * `src` (read), `dst` (read_write).
 * Grid: ceil(n / 64) workgroups, tiled past 65,535. Elements move as u32 bit
 * patterns, so any 4-byte dtype copies exactly (accuracy class T0: no rounding,
 * −0 and NaN payloads kept).
 *
 * @module
 */
import { defineProgram, type Program, type UniformInput } from "../../gpu/program.ts";
import { padDims } from "../_shape.ts";

/** Invocations per workgroup of the strided copy kernels. */
export const COPY_WORKGROUP = 64;
const WG = COPY_WORKGROUP;

/** The coordinate walk shared by both copies. */
const STRIDED_HELPERS = `
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

/**
 * A strided copy program: `copy` is the WGSL statement moving element `i`,
 * using `strided_offset(i)` for the strided side.
 */
export function stridedCopyProgram(name: string, copy: string): Program {
  return defineProgram({
    name,
    workgroupSize: WG,
    uniforms: {
      n: "u32",
      rank: "u32",
      base: "u32",
      shape: "array<vec4u, 2>",
      strides: "array<vec4u, 2>",
    },
    bindings: {
      src: { access: "read", type: "u32" },
      dst: { access: "read_write", type: "u32" },
    },
    helpers: () => STRIDED_HELPERS,
    main: () =>
      `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  ${copy}`,
  });
}

/** The strided read (a gather into a dense output). */
export const STRIDED_READ: Program = stridedCopyProgram(
  "strided_read",
  "dst[i] = src[strided_offset(i)];",
);

/** The uniform values of a strided copy over `shape` (rank ≤ 8). */
export function stridedUniforms(
  shape: readonly number[],
  base: number,
  strides: readonly number[],
): { n: number } & Record<string, UniformInput> {
  const n = shape.reduce((a, b) => a * b, 1);
  return { n, rank: shape.length, base, shape: padDims(shape, 1), strides: padDims(strides) };
}
