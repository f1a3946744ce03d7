/**
 * Claims of the self-referential weight matrix (cybertronai/schmidhuber-problems
 * PR #8, self-referential-weight-matrix/): W_eff = W_slow + W_fast
 * with soft row/column addressed, gated rank-1 self-writes, trained by BPTT
 * on 4-task Boolean meta-learning episodes.
 *
 * Training claims use memspec's own seeds (the counter-based `Rng` of
 * impl/gpu/rng.ts for the initial parameters and every episode), not numpy's
 * PCG64 streams, and train in f32 on the GPU: the original's numbers are
 * matched through the numpy fixture, which carries its draws instead.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SRWM = "cybertronai/schmidhuber-problems PR #8, self-referential-weight-matrix";
const OWN_SEEDS = "training on the GPU in f32 with memspec's Rng seeds (impl/gpu/rng.ts), " +
  "not numpy's default_rng streams";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "fastweights", ...c });
}

/** The slow net's parameter count. */
export const SRWM_PARAM_COUNT = claim({
  id: "fastweights.srwm.property_param_count",
  direction: "==",
  statement: "the slow net has 3H² + H·n_in + 4H + 1 parameters: 157 at H = 6, n_in = 4",
  source: `${SRWM}/README.md (169) vs self_referential_weight_matrix.py and run.json ` +
    "(model_n_params: 157)",
  bound: "count equal for every (H, n_in) in the fuzz range and exactly 157 at the defaults",
  kind: "exact",
  divergence: "The original README states 169 slow parameters; its code and run.json " +
    "(model_n_params) give 157 = 3·36 + 24 + 6 + 6 + 1 + 6 + 6. 157 is the count of the model.",
});

/** The hand-derived BPTT through the self-writes against central differences. */
export const SRWM_GRADCHECK = claim({
  id: "fastweights.srwm.oracle_gradcheck",
  statement: "the hand-derived BPTT gradients (through the self-writes) match f64 central " +
    "differences on every parameter entry",
  source: `${SRWM}/self_referential_weight_matrix.py gradcheck, README.md (8.4e-7)`,
  bound: "max rel error <= 1e-6 over every entry, for each of the 4 tasks at H = 6 and H = 4",
  kind: "gradcheck",
});

/** GPU gradient parity. */
export const SRWM_GPU_GRADIENTS = claim({
  id: "fastweights.srwm.gpu_gradients",
  statement: "the fused GPU episode kernel's loss and every gradient entry match the f64 " +
    "oracle's analytic gradients",
  source: `${SRWM}/self_referential_weight_matrix.py BPTT; memspec's fused kernel against ` +
    "spec/oracle/fastweights/srwm.ts",
  bound: "|gpu − oracle| <= derived f32 running-error bound (ledger track/trackSum) per " +
    "entry, 48 random episodes at H ∈ {1, 4, 6, 9}",
  kind: "parity",
});

/** GPU Adam steps of the training kernel. */
export const SRWM_GPU_TRAINING = claim({
  id: "fastweights.srwm.gpu_training",
  statement: "two clipped Adam steps of the fused GPU training kernel match the oracle's " +
    "steps (srwmAdamStep) taken with the kernel's own gradients, with the per-tensor clip " +
    "inactive (cap 5) and active (cap 0.05)",
  source: `${SRWM}/self_referential_weight_matrix.py Adam with per-tensor clipping; memspec's ` +
    "fused train kernel against spec/oracle/fastweights/srwm.ts",
  bound: "every parameter within its running f32 error bound (ratio <= 1), 3 runs per cap at H = 6",
  kind: "parity",
});

/** Fixture parity. */
export const SRWM_FIXTURE = claim({
  id: "fastweights.srwm.fixture_parity",
  statement: "a numpy f64 reference carrying every random draw (initial parameters, episodes) " +
    "agrees with the oracle (per-step h, y, r, c, v, g, W_fast, loss, 9 gradients, 2 clipped " +
    "Adam steps) and with the GPU (loss and gradients)",
  source: `${SRWM}; fixtures/gen/fastweights_srwm_fixtures.py`,
  bound: "oracle: |Δ| <= 1e-12·max(1, |ref|); GPU: the derived f32 bound per entry",
  kind: "parity",
});

/** Seed 0's headline query accuracy. */
export const SRWM_SEED0 = claim({
  id: "fastweights.srwm.behaviour_seed0_accuracy",
  statement: "after 3000 training episodes, seed 0 answers the query steps with accuracy >= 0.99",
  source: `${SRWM}/README.md headline (0.996 at seed 0), run.json`,
  bound: `query accuracy >= 0.99 over 400 evaluation episodes per task; ${OWN_SEEDS}`,
  direction: ">=",
  kind: "behaviour",
});

/** Every seed of the sweep learns the task. */
export const SRWM_SEEDS = claim({
  id: "fastweights.srwm.behaviour_seed_sweep",
  statement: "8 of 8 seeds reach query accuracy >= 0.94 after 3000 training episodes",
  source: `${SRWM}/README.md seed table ("8/8 > 0.95, 7/8 > 0.99")`,
  bound: `min over seeds 0..7 of query accuracy >= 0.94; ${OWN_SEEDS}`,
  direction: ">=",
  kind: "behaviour",
  divergence: "The README claims 8/8 > 0.95; its own seed 3 reaches 0.9503, so memspec sets " +
    "the gate at 0.94.",
});

/** The η = 0 ablation: the fast weights are not needed for this task. */
export const SRWM_ABLATION = claim({
  id: "fastweights.srwm.divergence_eta0_ablation",
  statement: "the η = 0 ablation (W_fast ≡ 0, a plain Elman RNN) still solves the task: its " +
    "mean query accuracy over seeds 0..7 is >= 0.9, and the SRWM (η = 0.5) averages at least as " +
    "high as its ablation",
  source: `${SRWM}/README.md Problem/Task: "The only mechanism for storing task identity ` +
    'is W_fast"',
  bound: `η = 0 mean >= 0.9 (FW_SRWM_ETA0_MEAN_MIN); η = 0.5 mean − η = 0 mean >= 0; same ` +
    `seeds 0..7 for both; ${OWN_SEEDS}`,
  direction: ">=",
  kind: "behaviour",
  divergence: "The original README claims that 'the only mechanism for storing the task is " +
    "W_fast'. False: the original re-run with η = 0 reaches 0.950 / 0.9995 / 0.985 / " +
    "0.999 on seeds 0-3; the hidden state carries the task, so this task does not separate an " +
    "SRWM from an RNN.",
});

/** Bad input raises the documented error before any GPU work. */
export const SRWM_FAULTS = claim({
  id: "fastweights.srwm.fault_arguments",
  statement:
    "srwmTrainFrom and srwmEvaluate reject bad sizes, step counts and η with the documented error before any GPU work",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "fault cases without the documented error, or leaving buffers or state behind = 0",
  kind: "fault",
});
