/**
 * Every family's claim declarations. The gate imports this to list all
 * declared claims, so a claim without a test shows as pending.
 *
 * @module
 */
import "./ops/claims.ts";
import "./ops/optim_claims.ts";
import "./ops/fault_claims.ts";
import "./ops/nonfinite_claims.ts";
import "./ops/platform_claims.ts";
import "./fastweights/claims.ts";
import "./decepticons/memory_claims.ts";
import "./decepticons/scan_claims.ts";
import "./decepticons/retention_claims.ts";
import "./decepticons/substrate_claims.ts";
import "./fastweights/srwm_claims.ts";
import "./fastweights/chunker_claims.ts";
import "./fastweights/chunker_fixture_gpu_claims.ts";
import "./decepticons/coder_claims.ts";
import "./decepticons/byte_lm_claims.ts";
