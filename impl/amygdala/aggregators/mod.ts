/**
 * The amygdala aggregators: pooled CAA and the steering-vectors library's `mean`, `pca`,
 * `logistic`, with memspec's `logistic_l1` (./aggregators.ts).
 *
 * @example
 * ```ts
 * import { AGGREGATOR_METHODS } from "./mod.ts";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(AGGREGATOR_METHODS.length, 5);
 * ```
 *
 * @module
 */
export {
  aggregate,
  AGGREGATOR_METHODS,
  type AggregatorContext,
  AggregatorConvergenceError,
  AggregatorInputError,
  type AggregatorMethod,
  logisticAggregator,
  type LogisticFit,
  logisticFit,
  logisticL1Aggregator,
  logisticL1Fit,
  type LogisticOptions,
  meanAggregator,
  pcaAggregator,
  pooledDirection,
  ZeroDirectionError,
} from "./aggregators.ts";
