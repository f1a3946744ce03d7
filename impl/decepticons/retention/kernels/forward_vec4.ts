/**
 * The forward recurrence of forward.ts with q, k, v, o and the checkpoints bound as vec4
 * arrays: the program the scans take when the key and value sizes are multiples of four and
 * the rows are unrolled ({@link retentionForwardVec4}). Each step then reads a block's four
 * value columns and each group of four key and query entries with one (bounds-checked) load,
 * and stores the block's four outputs (and a checkpoint row's four columns) with one store,
 * where the f32 program issues four: 1.7–2.5× faster than the f32 program on llvmpipe at
 * 64 × 64, T = 512 and 4096 (bench/retention_probe_bench.ts). Same operations, same order,
 * same values to the last bit; same binding names, uniforms, grid and launch ranges.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import {
  type RetentionForwardSizes,
  retentionForwardSpec,
  retentionForwardVec4,
} from "./forward.ts";

export { retentionForwardVec4 };

/** The forward recurrence over the steps [t0, t1) of each launch, q, k, v and o as vec4. */
export const RETENTION_FORWARD_VEC4: Program<RetentionForwardSizes> = defineProgram<
  RetentionForwardSizes
>(retentionForwardSpec("decepticons_retention_forward_vec4", true));
