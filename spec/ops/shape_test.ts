import { registerOpClaims } from "../_harness/op_spec.ts";
import { SHAPE_SPECS } from "./shape_specs.ts";
import "./claims.ts";

for (const spec of SHAPE_SPECS) registerOpClaims(spec);
