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
import "./fastweights/unknown_delay/claims.ts";
import "./decepticons/memory/claims.ts";
import "./decepticons/linear_recurrence/claims.ts";
import "./decepticons/retention/claims.ts";
import "./decepticons/substrate/claims.ts";
import "./fastweights/srwm/claims.ts";
import "./fastweights/chunker/claims.ts";
import "./fastweights/chunker/fixture_gpu_claims.ts";
import "./decepticons/predictive_coder/claims.ts";
import "./decepticons/byte_lm/claims.ts";
