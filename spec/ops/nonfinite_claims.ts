/**
 * Fault claim: what the elementwise ops return, forward and backward, at NaN,
 * ±∞, 0 and outside their domain (the policy in impl/ops/unary.ts and
 * impl/ops/binary.ts). Tested in ./nonfinite_test.ts.
 *
 * @module
 */
import { declareClaim } from "../_harness/claim.ts";

/** The non-finite policy of the elementwise ops holds on the adapter in use. */
export const NONFINITE_POLICY = declareClaim({
  id: "ops.api.property_nonfinite_policy",
  family: "ops",
  kind: "fault",
  statement: "Every elementwise op returns its documented forward value and gradient at NaN, " +
    "+Infinity, -Infinity, 0 and an out-of-domain or overflowing input",
  source: "IEEE 754 / PyTorch semantics as documented in impl/ops/unary.ts and " +
    "impl/ops/binary.ts; WGSL §15.7.2 (finite-math assumption)",
  bound: "(op, input) pairs disagreeing with the policy = 0 (finite entries within " +
    "NONFINITE_FINITE_REL)",
  divergence: "WGSL guarantees none of these results (implementations may assume no NaN or " +
    "infinity occurs); the claim holds per adapter, measured on the one in use. Subnormals " +
    "and the sign of zero are outside the policy.",
});
