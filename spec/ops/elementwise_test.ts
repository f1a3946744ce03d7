import { registerOpClaims } from "../_harness/op_spec.ts";
import { ELEMENTWISE_SPECS } from "./elementwise_specs.ts";
import "./claims.ts";

for (const spec of ELEMENTWISE_SPECS) registerOpClaims(spec);
