/**
 * Op specs of the shape ops.
 *
 * @module
 */
import type { OpSpec } from "../_harness/op_spec.ts";

/** Every shape op spec. */
export const SHAPE_SPECS: OpSpec[] = [];
