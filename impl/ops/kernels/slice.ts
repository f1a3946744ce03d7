/**
 * stridedWrite ({@link STRIDED_WRITE}): `dst[base + Σ_d c_d(i)·stride_d] = src[i]`,
 * where `c(i)` is the row-major coordinate of `i` in the source's shape: writes
 * a whole tensor into a strided window of a larger one. Used by the backward
 * of slice (the window of a zero-filled gradient) and the forward of concat
 * (one window per input). Distinct `i` map to distinct offsets, so no two
 * invocations write one element.
 *
 * Uniforms {n, rank, base, shape, strides} (`stridedUniforms` of
 * `transpose.ts`); bindings `src` (read), `dst` (read_write).
 * Grid: ceil(n / 64) workgroups, tiled past 65,535. Elements move as u32 bit
 * patterns (accuracy class T0: exact).
 *
 * @module
 */
import type { Program } from "../../gpu/program.ts";
import { stridedCopyProgram } from "./transpose.ts";

/** The strided write (a dense source scattered into a window). */
export const STRIDED_WRITE: Program = stridedCopyProgram(
  "strided_write",
  "dst[strided_offset(i)] = src[i];",
);
