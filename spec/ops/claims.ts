/**
 * Op-level claims: for every op, an f64 gradcheck, GPU parity under fuzzing,
 * and PyTorch fixture parity. Adding a spec to a group's list declares its claims.
 *
 * @module
 */
import { opClaims, type OpSpec } from "../_harness/op_spec.ts";
import { ELEMENTWISE_SPECS } from "./elementwise_specs.ts";
import { REDUCTION_SPECS } from "./reduction_specs.ts";
import { MATMUL_SPECS } from "./matmul_specs.ts";
import { SHAPE_SPECS } from "./shape_specs.ts";
import { SELECTION_SPECS } from "./selection_specs.ts";

/** Every op spec, by group. */
export const OP_SPECS: readonly OpSpec[] = [
  ...ELEMENTWISE_SPECS,
  ...REDUCTION_SPECS,
  ...MATMUL_SPECS,
  ...SHAPE_SPECS,
  ...SELECTION_SPECS,
];

for (const spec of OP_SPECS) opClaims(spec);
