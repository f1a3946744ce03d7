/**
 * matmul_pack: copies one matmul operand from its storage buffer into the
 * rgba32f texture array the texture path of the register-blocked kernel reads,
 * transposing on the way when the operand is stored transposed.
 *
 * The operand is a stack of `layers` matrices of logical shape rows × cols;
 * element (y, x) of layer l sits at `l·rows·cols + y·sy + x·sx` (sy, sx =
 * cols, 1 row-major; 1, rows when stored transposed). Texel (tx, y) of layer l
 * holds elements (y, 4·tx .. 4·tx+3); elements past `cols`, and rows past
 * `rows` up to `height`, are written as 0 (the K padding the matmul relies on).
 *
 * Uniforms {texels, width, height, rows, cols, sy, sx}; bindings `src` (read)
 * and `dst` (texture_storage_2d_array<rgba32float, write>).
 * Grid: ⌈layers·height·width / 64⌉ workgroups of 64, linear, tiled.
 * Accuracy: exact (a copy).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup of the pack kernel. */
export const MATMUL_PACK_WORKGROUP = 64;

/** The pack kernel (one program for A and B; the strides make the transpose). */
export const MATMUL_PACK: Program = defineProgram({
  name: "matmul_pack",
  workgroupSize: MATMUL_PACK_WORKGROUP,
  uniforms: {
    texels: "u32",
    width: "u32",
    height: "u32",
    rows: "u32",
    cols: "u32",
    sy: "u32",
    sx: "u32",
  },
  bindings: {
    src: { access: "read" },
    dst: { access: "write", kind: "storage_texture_2d_array" },
  },
  main: () =>
    `let i = wg * ${MATMUL_PACK_WORKGROUP}u + lid;
  if (i >= p.texels) { return; }
  let tx = i % p.width;
  let t = i / p.width;
  let y = t % p.height;
  let layer = t / p.height;
  var v = vec4f(0.0);
  if (y < p.rows) {
    let base = layer * p.rows * p.cols + y * p.sy;
    for (var q = 0u; q < 4u; q++) {
      let x = 4u * tx + q;
      if (x < p.cols) { v[q] = src[base + x * p.sx]; }
    }
  }
  textureStore(dst, vec2u(tx, y), layer, v);`,
});
