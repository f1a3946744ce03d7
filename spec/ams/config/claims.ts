/**
 * Claims of AMS v4's configuration `Cfg4` (impl/ams/config/config.ts).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Where the defaults and rules come from. */
export const CFG4_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/core/config.py (PR #30) " +
  "Cfg4 defaults and __post_init__ assertions; …:tests/test_shapes.py";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** The defaults are the original's. */
export const CFG4_DEFAULTS_CLAIM = claim({
  id: "ams.config.property_defaults",
  statement: "cfg4() returns the original's defaults field by field (dims 8/32/4, 16/64/8, " +
    "12/48/4, 4 Kakeya sets, variance 0.99, K 16, d_res 5, 8 geodesic points, 80 steps, tol " +
    "1e-5, lr 0.02, renorm every 4, L_mem 12 = 2 + 6 + 4, the five loss weights, …), frozen, " +
    "and the defaults satisfy every rule",
  source: CFG4_SOURCE,
  bound: "fields differing from the original's table == 0",
  direction: "==",
  kind: "exact",
});

/** Throws iff a rule is violated, naming it. */
export const CFG4_RULES_CLAIM = claim({
  id: "ams.config.property_rules",
  statement: "cfg4 throws a RangeError iff a config breaks one of the original's asserted rules " +
    "(bundle dims ≥ 4, heads divide fiber dims, n_kakeya_sets ≥ 2, 0 < variance_ratio ≤ 1, " +
    "K ≥ 2, d_res ≥ 0, min_entries ≥ 2, alignment_tol > 0, 0 < reconstruction_tol < 1, " +
    "prefix slots sum to L_mem and each ≥ 1, n_geo_pts ≥ 2, 0 < tau < 1, cfg_scale ≥ 0, " +
    "llm_dtype ∈ {bf16, fp16, fp32}, compression_min_dim ≥ 64, loss weights ≥ 0) or memspec's " +
    "typing rules (integer sizes ≥ 1, finite reals, geo_tol and geo_lr > 0), judged by a rule " +
    "list written independently in the test; the message names the field, its value and the " +
    "rule. fast-check: 200 runs mixing valid configs and configs breaking exactly one rule, " +
    "and configs drawn wide (≥ 200 runs)",
  source: CFG4_SOURCE,
  bound: "configs where throw ≠ violated, or the message misses field or value, == 0",
  direction: "==",
  kind: "property",
});

/** Wrong types and unknown fields. */
export const CFG4_FAULT = claim({
  id: "ams.config.fault",
  statement: "cfg4 refuses a non-object, an unknown field (a typo), a non-number size, a " +
    "non-string llm_name, a non-object loss_weights and an unknown loss weight with a TypeError " +
    "naming the field and what was expected",
  source: `${CFG4_SOURCE} (memspec: typed errors for what Python would accept silently)`,
  bound: "cases failing otherwise == 0",
  direction: "==",
  kind: "fault",
});
