/**
 * The chunk-summary pass of chunk_summary.ts with k and v bound as vec4 arrays: the program
 * the chunkwise forms take when the key and value sizes are multiples of four and the rows
 * are unrolled (retentionForwardVec4, forward.ts). Each step reads a group of four key
 * entries, and a block's four value columns, with one load; the same operations in the same
 * order as the f32 program, so the same values to the last bit.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";
import { retentionChunkSummarySpec } from "./chunk_summary.ts";

/** The chunk-summary pass (k and v as vec4). */
export const RETENTION_CHUNK_SUMMARY_VEC4: Program<RetentionSizes> = defineProgram<
  RetentionSizes
>(retentionChunkSummarySpec("decepticons_retention_chunk_summary_vec4", true));
