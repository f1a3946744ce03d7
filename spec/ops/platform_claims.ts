/**
 * Claims about the adapter the suite runs on, and the kernels' defences
 * against it. Mesa llvmpipe stops every loop of an invocation after 65,535
 * loop-header evaluations in total, without an error: a kernel that loops
 * longer returns a silently truncated result. memspec measures the budget at
 * start-up and splits long loops across passes.
 *
 * @module
 */
import { declareClaim } from "../_harness/claim.ts";

/** The loop budget is measured, and a launch past it is refused. */
export const loopBudgetClaim = declareClaim({
  id: "ops.platform.property_loop_budget",
  family: "ops",
  kind: "fault",
  statement:
    "the adapter's per-invocation loop budget is measured at start-up; kernels may declare 7/8 of it; a launch declaring more throws a RangeError, one at the usable budget runs in full, and a loop past the measured budget is cut short silently",
  source:
    "measured on Mesa llvmpipe 22.3 (gallivm loop limiter, 65,535); WebGPU §compute; the 7/8 headroom from fused training kernels that cost more than k + 1 per loop",
  bound: "0 broken checks: usable+1 refused, usable accepted and exact, measured+1 truncated; " +
    "on an adapter without a limit, a 2^20 + 1 loop runs in full",
});

/** Long reductions split by the budget stay exact on integer data. */
export const longLoopsExactClaim = declareClaim({
  id: "ops.platform.property_long_loops_exact",
  family: "ops",
  kind: "exact",
  statement:
    "broadcast gradients and embedding gradients over 65,534 / 65,535 / 65,536 and 200,003 positions are exact on all-ones data",
  source: "regression: before the split, add([100000], [1])'s gradient was 21,845 on llvmpipe",
  bound: "max abs error = 0",
});
