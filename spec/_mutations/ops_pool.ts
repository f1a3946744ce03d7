/**
 * Planted bugs of the buffer pool behind every tensor (impl/gpu/buffers.ts) and of the leak
 * checks it must not blunt: each a real mistake a pooled allocator or an op could make, and
 * the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ops");
const POOL = "impl/gpu/buffers.ts";
const TESTS = ["spec/ops/pool_test.ts"];

/** The planted bugs of the buffer pool. */
export const OPS_POOL_MUTATIONS: readonly Mutation[] = [
  planted("pool", "output_before_validation_leaks", "fault", {
    file: "impl/ops/binary.ts",
    find: '  assertDType(b, "f32", name, "second input");',
    replace: '  const early = outputLike(a.shape, "f32", name);\n' +
      '  assertDType(b, "f32", name, "second input");\n' +
      "  early.dispose();",
    tests: ["spec/ops/fault_test.ts"],
    filter: "/^ops\\.api\\.fault_wrong_dtype:/",
    why: "an op that takes its output buffer before validating its inputs leaks it when the " +
      "check throws: with pooling, the leaked buffer must still count as live, so the fault " +
      "claim's no-leak check fails",
  }),
  planted("pool", "reuse_without_zero_fill", "forward", {
    file: POOL,
    find: "      if (zeroed) recordClear(reused, cls);",
    replace: "      void recordClear;",
    tests: TESTS,
    filter: claims("pool", "property_no_alias"),
    why: "a pooled buffer handed out for zeros() or emptyLike() keeps its previous tensor's " +
      "values, where a fresh WebGPU buffer reads as zeros",
  }),
  planted("pool", "reuse_before_next_dispatch", "forward", {
    file: POOL,
    find: "  if (meta.get(b)!.releasedAt >= reuseClock()) return null;",
    replace: "  void reuseClock;",
    tests: TESTS,
    filter: claims("pool", "property_no_alias"),
    why: "a buffer released by an op is handed out again before the dispatch that reads it is " +
      "recorded: the op's output aliases its own input",
  }),
  planted("pool", "free_list_not_advanced", "forward", {
    file: POOL,
    find: "  list.items[list.head++] = undefined as unknown as GPUBuffer;",
    replace: "  list.items[list.head] = list.items[list.head]!;",
    tests: TESTS,
    filter: claims("pool", "property_no_alias", "property_live_count"),
    why: "the free list hands out a buffer without removing it, so the next allocation of the " +
      "class gets the same buffer: two live tensors share storage",
  }),
  planted("pool", "pooled_counted_as_live", "fault", {
    file: POOL,
    find: "  live--;\n",
    replace: "  if (m === undefined || m.cls === 0) live--;\n",
    tests: TESTS,
    filter: claims("pool", "property_live_count"),
    why: "liveBufferCount() counts a buffer returned to the pool as still live, so every " +
      "correct program looks like a leak (and a leak hides among pooled buffers)",
  }),
];
