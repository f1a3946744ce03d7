/**
 * The reverse-time adjoint pass of adjoint.ts with q, k, v, do, dv and the checkpoints bound
 * as vec4 arrays: the program the fused backward takes when the key and value sizes are
 * multiples of four (retentionForwardVec4, forward.ts). Each step reads a group of four key
 * and query entries, and a block's four columns of v and do, with one load, stores the block's
 * four dv with one store, and a checkpoint column's four rows with one load; the same
 * operations in the same order as the f32 program, so the same values to the last bit.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { type RetentionAdjointSizes, retentionAdjointSpec } from "./adjoint.ts";

/** The reverse-time adjoint pass over the reversed chunks [r0, r1) of each launch (vec4). */
export const RETENTION_ADJOINT_VEC4: Program<RetentionAdjointSizes> = defineProgram<
  RetentionAdjointSizes
>(retentionAdjointSpec("decepticons_retention_adjoint_vec4", true));
