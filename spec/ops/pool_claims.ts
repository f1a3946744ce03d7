/**
 * Claims of the buffer pool behind every tensor (impl/gpu/buffers.ts): freed
 * buffers are handed out again by size class, and that must never change what
 * a program computes or what the leak checks see.
 *
 * @module
 */
import { declareClaim } from "../_harness/claim.ts";

const SOURCE = "memspec's per-op path (impl/gpu/buffers.ts, impl/gpu/batch.ts); WebGPU: " +
  "commands in one pass run in recorded order, new buffers read as zeros";

/** Reuse never aliases a live tensor, and reused buffers read as fresh ones do. */
export const POOL_NO_ALIAS = declareClaim({
  id: "ops.pool.property_no_alias",
  family: "ops",
  kind: "property",
  statement: "under fuzzed sequences of uploads, zero-filled allocations, op outputs and " +
    "disposals across size classes, no two live tensors share a GPU buffer, every live tensor " +
    "reads back its own values (its upload, its op's result, or zeros), and a disposed " +
    "temporary read by the next dispatch is not handed out as that dispatch's output",
  source: SOURCE,
  bound: "0 failing cases (>= 60 fuzzed sequences of up to 40 steps, one readback each)",
});

/** liveBufferCount counts exactly the buffers owned by live tensors. */
export const POOL_LIVE_COUNT = declareClaim({
  id: "ops.pool.property_live_count",
  family: "ops",
  kind: "property",
  statement: "liveBufferCount() equals its starting value plus the number of live tensors " +
    "after every step of fuzzed allocate/dispose sequences; pooled free buffers are reported " +
    "separately (poolStats) and never counted as live; a second release counts once",
  source: SOURCE,
  bound: "0 steps where the count differs from the model",
  direction: "<=",
});

/** The pool's memory is bounded. */
export const POOL_BOUNDED = declareClaim({
  id: "ops.pool.property_bounded",
  family: "ops",
  kind: "property",
  statement: "the pool never holds more than its cap (64 MiB) of free buffers, releasing past " +
    "the cap destroys instead of pooling, buffers above 16 MiB are never pooled, and a size " +
    "class wastes at most a quarter of its bytes above the 256-byte minimum class",
  source: SOURCE,
  bound: "0 broken checks",
});
