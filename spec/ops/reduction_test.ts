import { registerOpClaims } from "../_harness/op_spec.ts";
import { REDUCTION_SPECS } from "./reduction_specs.ts";
import "./claims.ts";

for (const spec of REDUCTION_SPECS) registerOpClaims(spec);
