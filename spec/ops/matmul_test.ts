import { registerOpClaims } from "../_harness/op_spec.ts";
import { MATMUL_SPECS } from "./matmul_specs.ts";
import "./claims.ts";

for (const spec of MATMUL_SPECS) registerOpClaims(spec);
