/**
 * Claims of the causal bank: the deterministic decay bank and its kernel, and config validation.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SEED = "seed 001_c5ebacc4f0c68784.txt (asuramaya/decepticons, causal_bank)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** DC-CB-01/02. */
export const BANK_DECAYS = claim({
  id: "decepticons.causal_bank.property_decay_bank",
  statement: "the decay bank is deterministic, half-lives are log-spaced over [1.5, 512] and " +
    "d = 0.5^(1/h), in [0.62996, 0.998647] at the defaults",
  source: `${SEED}; catalogue DC-CB-01, DC-CB-02`,
  bound: "decays equal f32(0.5^(1/h)) of the f64 oracle exactly; identical across calls",
  kind: "exact",
});

/** DC-CB-03. */
export const BANK_KERNEL_SCAN = claim({
  id: "decepticons.causal_bank.gpu_parity_kernel_equals_scan",
  statement: "the frozen bank's kernel sum S_t = sum_{s<=t} d^(t-s) drive_s equals the scan " +
    "with gates d (f64 identity; GPU scan within the ledger bound)",
  source: `${SEED}; catalogue DC-CB-03`,
  bound: "f64: <= 1e-12 of the magnitude; GPU: ledger scan bound",
  kind: "exact",
});

/** DC-CB-04. */
export const BANK_CONFIG = claim({
  id: "decepticons.causal_bank.fault_config",
  statement: "the config validator rejects every invalid field and combination with a " +
    "TypeError or RangeError naming the field and the allowed values, and accepts the controls",
  source: `${SEED}; catalogue DC-CB-04`,
  bound: "every invalid case throws; every control passes",
  kind: "fault",
  divergence: 'The original only warns when patch_size > 1 with decoder "none" (it leaks ' +
    'future bytes) and accepts state_impl "hierarchical", which is not causal; memspec ' +
    "rejects both.",
});
