/**
 * The decepticons causal count memories (asuramaya/decepticons
 * src/decepticons/online_memory.py, exact_context.py, ngram_memory.py,
 * statistical_backoff.py), host-side f64: OnlineCausalMemory (7 features, one
 * table per order), ExactContextMemory with SupportWeightedMixer, NgramMemory
 * and StatisticalBackoffMemory (fitted leave-one-out by default).
 *
 * @example Predict the next byte of a repeated phrase
 * ```ts
 * import { encodeText } from "../codec/codec.ts";
 * import { ExactContextMemory } from "./mod.ts";
 * const m = new ExactContextMemory().fit(encodeText("abcabcabc"));
 * const { probs } = m.predictiveDistribution(encodeText("ab"));
 * if (probs.indexOf(Math.max(...probs)) !== 99) throw new Error("expected 'c'");
 * ```
 *
 * @module
 */
export { OnlineCausalMemory, type OnlineCausalMemoryOptions } from "./online_causal.ts";
export {
  ExactContextMemory,
  type ExactContextMemoryOptions,
  type ExpertPrediction,
  SupportWeightedMixer,
  type SupportWeightedMixerOptions,
} from "./exact_context.ts";
export { NgramMemory, type NgramMemoryOptions, type NgramOrder } from "./ngram.ts";
export {
  type BackoffFitMode,
  type BackoffFitReport,
  StatisticalBackoffMemory,
  type StatisticalBackoffOptions,
} from "./statistical_backoff.ts";
