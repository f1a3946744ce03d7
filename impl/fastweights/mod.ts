/**
 * Fast-weight mechanisms (seed 004): the fused fast-weight recurrence and its
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
export * from "./layout.ts";
export * from "./recurrence.ts";
export * from "./store.ts";
export * from "./unknown_delay.ts";
export * from "./key_value.ts";
export * from "./srwm.ts";
export * from "./chunker.ts";
export * from "./chunker_train.ts";
export * from "./chunker1200_train.ts";
