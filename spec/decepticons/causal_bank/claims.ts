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

const CONFIG = "asuramaya/decepticons:src/decepticons/causal_bank.py (7be9af7)";
const MODEL = "asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7)";

/** Every field of the original's configuration, with its default. */
export const BANK_DEFAULTS = claim({
  id: "decepticons.causal_bank.property_defaults",
  statement: "the configuration has every field of the original's CausalBankConfig (substrate, " +
    "readouts, bands, knobs, memories, transforms, patches, trust routing) in camelCase, each " +
    "default equal to the original's, the default configuration valid and frozen",
  source: `${CONFIG}, CausalBankConfig; ${MODEL}, CausalBankModel.__init__ (the getattr ` +
    "defaults of the memory and transform fields)",
  bound: "0 missing fields, 0 defaults that differ, 0 extra fields beyond scanChunk",
  kind: "exact",
});

/** Each field, alone, is type- and range-checked. */
export const BANK_FIELDS = claim({
  id: "decepticons.causal_bank.fault_fields",
  statement: "each invalid value of each field alone (wrong type, out of range, not an " +
    "integer, non-finite, huge), set on random valid configurations, is refused with a " +
    "TypeError (wrong type) or RangeError (bad value) naming that field, and every random " +
    "valid configuration is accepted",
  source: `${CONFIG}, validate_config`,
  bound: "0 cases accepted, of the wrong class or not naming the field",
  kind: "fault",
});

/** Every invalid combination is refused, naming its fields; the edges of every rule pass. */
export const BANK_COMBINATIONS = claim({
  id: "decepticons.causal_bank.fault_combinations",
  statement: "every invalid combination of fields is refused with a RangeError whose message " +
    "names every field involved, and the configurations at the edge of every rule (and the " +
    "representative one: routed experts with bands, hemispheres and two blocks) are accepted",
  source: `${CONFIG}, validate_config; ${MODEL}, CausalBankModel`,
  bound: "0 combinations accepted or not naming their fields; 0 edge configurations refused",
  kind: "fault",
});

/** learnableSubstrateKeys names only parameters the forward reads. */
export const BANK_KEYS = claim({
  id: "decepticons.causal_bank.divergence_learnable_keys",
  statement: "learnableSubstrateKeys names the substrate parameters each mode trains, each one " +
    "read by the forward: none (frozen), the decays (learnable_decays), the input projection " +
    "(learnable_mixing and the gated modes), the input projection and the recurrence gate " +
    "W_g, b_g (learned_recurrence); the other modes name what the original names",
  source: `${CONFIG}, learnable_substrate_keys; ${MODEL}, the learned-recurrence forward`,
  bound: "0 modes whose keys differ from the table; 0 keys the forward does not read",
  kind: "exact",
  divergence: "For learned_recurrence the original also names linear_decays, which its " +
    "forward never reads (no gradient reaches it, and the substrate regulariser then acts on " +
    "it alone); memspec names only the input projection and the gate.",
});

/** Hemispheres need a state to split. */
export const BANK_HEMISPHERES = claim({
  id: "decepticons.causal_bank.divergence_hemispheres_need_state",
  statement: "numHemispheres = 2 is accepted only with a state to split into a fast and a " +
    "slow part: stateDim > 0, two or more entries of a scan state, and for retention two or " +
    "more heads with max(round(H·ratio), 1) < H (half to even); each refusal names the fields",
  source: `${MODEL}, the hemisphere init of _ssm_A and the retention logit decays`,
  bound: "0 hemisphere configurations without a slow part accepted",
  kind: "fault",
  divergence: "The original accepts num_hemispheres = 2 with state_dim = 0, and for retention " +
    "with one head, and changes nothing: the parameters equal those of num_hemispheres = 1.",
});

/** Band layouts the readout cannot build are refused. */
export const BANK_BANDS = claim({
  id: "decepticons.causal_bank.divergence_band_layout",
  statement: "readout bands are accepted only when every band reads >= 1 mode and has hidden " +
    "widths ⌊h/n⌋ >= 1, runs a kind bands can build (never the recurrent one), has >= 2 " +
    "experts when routed, one entry of bandExperts per band, not every band static, and no " +
    "substrate polynomial or online memory beside bands; each refusal names the fields",
  source: `${MODEL}, the banded readout (band_size, band_hidden, band_experts)`,
  bound: "0 band layouts the readout cannot honour accepted",
  kind: "fault",
  divergence: "The original builds zero-width band hidden layers (linear_hidden 2, 4 bands: " +
    "width 0), silently builds MLP bands for the recurrent kind and for routed bands of one " +
    "expert, and builds the polynomial and memory projections beside bands with no gradient.",
});

/** patchN needs per-byte heads. */
export const BANK_PATCH_N = claim({
  id: "decepticons.causal_bank.divergence_patch_n",
  statement: "patchN > 1 is accepted only with a readout that has per-byte heads (mlp, routed " +
    "experts), without bands and without the local path; each refusal names the fields",
  source: `${MODEL}, the patch-at-readout path (patch_n)`,
  bound: "0 patchN configurations without per-byte heads accepted",
  kind: "fault",
  divergence: "With patch_n > 1 and the local path on, the original's non-adaptive forward " +
    "fails adding [B, T, V] local logits to [B, T, N, V]; its tests cover the adaptive path only.",
});

/** Trust routing needs its table. */
export const BANK_TRUST = claim({
  id: "decepticons.causal_bank.divergence_trust_table",
  statement: "trustRouting without a table (an empty tablePath) is a configuration error " +
    "naming trustRouting and tablePath",
  source: `${CONFIG}, validate_config (trust_routing, table_path)`,
  bound: "0 trust-routing configurations without a table accepted",
  kind: "fault",
  divergence: 'The original only warns "will use synthetic table" and then fails with an ' +
    "AttributeError on its first forward.",
});

/** Temporal attention's snapshot interval is mandatory. */
export const BANK_TEMPORAL = claim({
  id: "decepticons.causal_bank.divergence_temporal_interval",
  statement: "temporal attention always has a snapshot interval: an interval that is missing, " +
    "0 or not an integer is refused naming temporalSnapshotInterval",
  source: "asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7), " +
    "TemporalAttention",
  bound: "0 temporal-attention configurations without an interval accepted",
  kind: "fault",
  divergence: "The original's TemporalAttention without snapshot_interval is not causal: " +
    "changing the states at t >= 24 moves its outputs at t < 24 by 2.2.",
});

/** Settings that would change nothing, or that the model cannot honour, are refused. */
export const BANK_SILENT = claim({
  id: "decepticons.causal_bank.divergence_silent_settings",
  statement: "every setting that would change nothing or that memspec cannot honour is " +
    "refused naming its fields: a linear-path switch with the linear path off, the static " +
    "gate without an oscillatory pair, a block stride with fewer than three blocks, " +
    "adaptiveReg where the regulariser is 0, polynomial features of width 0, a router of one " +
    "bank or more banks than modes, a patch decoder without patches, the local path under a " +
    "decoder that never reads it, a gated mix of one path, the overwrite gate on a gated " +
    "substrate, a recurrent readout of several widths",
  source: `${CONFIG}, validate_config; ${MODEL}, CausalBankModel`,
  bound: "0 such settings accepted",
  kind: "fault",
  divergence: "The original accepts each and ignores it: the static gate is built only with " +
    "oscillatory modes, a stride with two blocks is never used, adaptive_reg scales a " +
    "regulariser of 0 for the frozen and gated modes, M < 4 gives a Linear(M, 0) polynomial " +
    "projection, a router with n > M leaves banks empty, and the local readout receives no " +
    "gradient under the factored and autoregressive decoders.",
});
