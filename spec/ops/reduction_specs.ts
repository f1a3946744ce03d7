/**
 * Op specs of the reduction ops.
 *
 * @module
 */
import type { OpSpec } from "../_harness/op_spec.ts";

/** Every reduction op spec. */
export const REDUCTION_SPECS: OpSpec[] = [];
