/**
 * Claims of the causal bank: the deterministic decay bank and its kernel, and config validation.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const BANK = "asuramaya/decepticons v0.1.3 src/decepticons/causal_bank.py";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The deterministic decay bank and its half-life mapping. */
export const BANK_DECAYS = claim({
  id: "decepticons.causal_bank.property_decay_bank",
  statement: "the decay bank is deterministic, half-lives are log-spaced over [1.5, 512] and " +
    "d = 0.5^(1/h), in [0.62996, 0.998647] at the defaults",
  source: `${BANK}, build_linear_bank (default_rng(42), independent of init_seed)`,
  bound: "decays equal f32(0.5^(1/h)) of the f64 oracle exactly; identical across calls",
  kind: "exact",
});

/** The frozen bank's kernel equals the scan. */
export const BANK_KERNEL_SCAN = claim({
  id: "decepticons.causal_bank.gpu_parity_kernel_equals_scan",
  statement: "the frozen bank's kernel sum S_t = sum_{s<=t} d^(t-s) drive_s equals the scan " +
    "with gates d (f64 identity; GPU scan within the ledger bound)",
  source: `${BANK}, build_linear_bank kernel K[m, t, s] = d_m^(t−s)`,
  bound: "f64: <= 1e-12 of the magnitude; GPU: ledger scan bound",
  kind: "exact",
});

/** The config validator rejects every invalid combination. */
export const BANK_CONFIG = claim({
  id: "decepticons.causal_bank.fault_config",
  statement: "the config validator rejects every invalid field and combination with a " +
    "TypeError or RangeError naming the field and the allowed values, and accepts the controls",
  source: `${BANK}, validate_config`,
  bound: "every invalid case throws; every control passes",
  kind: "fault",
  divergence: 'The original only warns when patch_size > 1 with decoder "none" (it leaks ' +
    'future bytes) and accepts state_impl "hierarchical", which is not causal; memspec ' +
    "rejects both.",
});
