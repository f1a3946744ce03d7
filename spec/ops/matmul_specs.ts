/**
 * Op specs of the matmul ops.
 *
 * @module
 */
import type { OpSpec } from "../_harness/op_spec.ts";

/** Every matmul op spec. */
export const MATMUL_SPECS: OpSpec[] = [];
