/**
 * Claims of key-value binding through a trained slow projector.
 *
 * Seeds in the training claims are memspec's own (the counter-based `Rng` of
 * impl/gpu/rng.ts), not numpy's PCG64 streams: the original's numbers are
 * matched through fixtures that carry numpy's draws instead.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const KV = "cybertronai/schmidhuber-problems PR #8, fast-weights-key-value";
const MEMSPEC_SEEDS = "seeds are memspec's counter-based Rng streams, not numpy's default_rng";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "fastweights", ...c });
}

// --- key-value binding (fast-weights-key-value) ---

/** The analytic projector gradient against central differences. */
export const KV_GRADCHECK = claim({
  id: "fastweights.key_value.oracle_gradcheck",
  statement: "the analytic ∂L/∂W_K matches f64 central differences on all entries",
  source: `${KV}/fast_weights_key_value.py gradcheck, README.md, RESULTS.md ("< 1e-9")`,
  bound: "max rel error <= 1e-6",
  kind: "gradcheck",
  divergence: "The original reports the maximum absolute difference (README '~6e-11'); " +
    "the relative form is used here.",
});

/** One stored pair is recalled exactly. */
export const KV_CAPACITY_ONE = claim({
  id: "fastweights.key_value.property_capacity_n1",
  statement: "with one stored pair the recall cosine is exactly 1 for any W_K with W_K k ≠ 0",
  source: `${KV}/fast_weights_key_value.py read rule (N = 1 gives y = v₁‖W_K k₁‖²)`,
  bound: "|cos − 1| <= 1e-12",
  kind: "exact",
});

/** The fast-weight read is linear attention. */
export const KV_LINEAR_ATTENTION = claim({
  id: "fastweights.key_value.property_linear_attention",
  statement: "the read through W_fast equals Σ_t v_t ⟨W_K k_t, W_K q⟩",
  source: `${KV}/fast_weights_key_value.py docstring (W_fast q̃ = Vᵀ(K q̃))`,
  bound: "|Δy| <= 1e-12·(1 + Σ|terms|) in f64",
  kind: "exact",
});

/** Training the projector helps recall on every seed. */
export const KV_POST_MINUS_PRE = claim({
  id: "fastweights.key_value.behaviour_post_minus_pre",
  direction: ">=",
  statement: "training the projector raises the mean recall cosine by at least 0.2 over W_K = I " +
    "on each of seeds 0..9",
  source: `${KV}/README.md multi-seed table`,
  bound: "min over seeds of (post − pre) >= 0.2",
  kind: "behaviour",
  divergence: `${MEMSPEC_SEEDS}; the bias direction is memspec's too.`,
});

/** The trained projector suppresses the shared bias direction of the keys. */
export const KV_BIAS_PROJECTION = claim({
  id: "fastweights.key_value.behaviour_bias_projection",
  direction: ">=",
  statement: "the trained projector's smallest right-singular direction is the bias direction",
  source: `${KV}/README.md narrative and docstring (implied)`,
  bound: "min over seeds 0..9 of |cos(v_min, b)| >= 0.99",
  kind: "behaviour",
  divergence: `Not claimed numerically by the original; ${MEMSPEC_SEEDS}.`,
});

/** GPU KV parity. */
export const KV_GPU = claim({
  id: "fastweights.key_value.gpu_gradients",
  statement: "the fused GPU key-value kernels give the oracle's reads, losses, gradients and " +
    "SGD steps (one and two seeds per dispatch, clip active and inactive, caps 1 and 0.5), and " +
    "a training run split into launches equals its steps taken one launch each, bit for bit",
  source: `${KV}; memspec's fused kernel against spec/oracle/fastweights/key_value.ts`,
  bound: "every element within its running f32 error bound (ratio <= 1)",
  kind: "parity",
});

/** KV numpy fixture vs oracle. */
export const KV_FIXTURE_ORACLE = claim({
  id: "fastweights.key_value.fixture_parity_oracle",
  statement: "the oracle reproduces a numpy f64 reference (reads, W_fast, gradients, SGD steps " +
    "with the clip active, and the seed-0 pre/post mean cosines 0.4276 / 0.7543)",
  source: `${KV}/README.md Results (seed 0: 0.428 → 0.754); ` +
    "fixtures/gen/fastweights_key_value_fixtures.py",
  bound: "max |oracle − numpy| / (1 + |numpy|) <= 1e-12",
  kind: "parity",
});

/** The capacity sweep N = 1..12 of the trained projector. */
export const KV_CAPACITY_SWEEP = claim({
  id: "fastweights.key_value.fixture_parity_capacity_sweep",
  statement: "the capacity sweep N = 1..12 on the numpy-trained projector reproduces the " +
    "reference's cosines; the curve starts at 1 and is not monotone",
  source: `${KV}/README.md capacity table; fixtures/gen/fastweights_key_value_fixtures.py`,
  bound: "|Δcos| <= 1e-12 per N; cos(N=1) = 1; some N has cos(N+1) > cos(N)",
  kind: "parity",
  divergence: "The README says retrieval 'drops smoothly' and shows N = 1..8 and 12 only; " +
    "the omitted N = 9..11 (.655, .681, .623) make the curve non-monotone. The README's " +
    "pre-training sweep claim ('~0.4 across the whole sweep') is false: at W_K = I the sweep " +
    "falls from exactly 1 at N = 1 to about 0.26 at N = 12.",
});

/** KV numpy fixture vs GPU. */
export const KV_FIXTURE_GPU = claim({
  id: "fastweights.key_value.fixture_parity_gpu",
  statement: "the GPU reproduces the numpy reference's reads and gradients from its draws",
  source: `${KV}; fixtures/gen/fastweights_key_value_fixtures.py`,
  bound: "every element within its running f32 error bound (ratio <= 1)",
  kind: "parity",
});

/** Bad input raises the documented error before any GPU work. */
export const KV_FAULTS = claim({
  id: "fastweights.key_value.fault_arguments",
  statement:
    "kvTrainFrom, kvEvaluate and kvDrawEpisodes reject bad sizes and settings with the documented error before any GPU work",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "fault cases without the documented error, or leaving buffers or state behind = 0",
  kind: "fault",
});
