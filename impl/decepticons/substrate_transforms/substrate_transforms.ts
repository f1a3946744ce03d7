/**
 * The substrate transforms of
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7),
 * with memspec's fixes: the bank router (remainder modes to the last bank;
 * more banks than modes refused), the overwrite gate inside the recurrence
 * (an overwrite erases the history), a sign-safe magnitude feature (ln‖S‖ as
 * its own channel), the mode selector, and temporal attention with its
 * snapshot interval, and so its causal mask, mandatory. Each is a module with
 * seeded parameters (`parameters`), `forward(states or drive [B, T, M],
 * x [B, T, E])` and `dispose()`.
 *
 * @module
 */
export { bankOf, type BankRouterOptions, SubstrateBankRouter } from "./bank_router.ts";
export { OverwriteGate, type OverwriteGateOptions } from "./overwrite_gate.ts";
export { MagnitudeNormalizer, type MagnitudeOptions } from "./magnitude.ts";
export { ModeSelector, type ModeSelectorOptions } from "./mode_selector.ts";
export {
  TEMPORAL_MASKED_SCORE,
  TemporalAttention,
  type TemporalAttentionOptions,
} from "./temporal_attention.ts";
