/**
 * Fast-weight mechanisms (cybertronai/schmidhuber-problems PR #8): the fused fast-weight recurrence and its
 * autograd op, the fast-weight store, unknown-delay pattern association and
 * key-value binding through a trained slow projector.
 *
 * @example The fused recurrence as an op
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { fastWeightRecall } from "./mod.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const y = fastWeightRecall(
 *   tensor([1, 0], [1, 1, 2]),
 *   tensor([5], [1, 1, 1]),
 *   tensor([1], [1, 1]),
 *   tensor([1, 0], [1, 2]),
 *   0.5,
 * );
 * deepStrictEqual(Array.from(await y.toArray()), [2.5]);
 * ```
 *
 * @module
 */
export * from "./unknown_delay/layout.ts";
export * from "./recurrence/recurrence.ts";
export * from "./store/store.ts";
export * from "./unknown_delay/unknown_delay.ts";
export * from "./key_value/key_value.ts";
export * from "./srwm/srwm.ts";
export * from "./chunker/chunker.ts";
export * from "./chunker/train22.ts";
export * from "./chunker/train1200.ts";
