/**
 * Claims of the optimisers (SGD, Adam/AdamW), global-norm gradient clipping,
 * and (through ./rng_claims.ts) the RNG. Tested in ./optim_test.ts and ./rng_test.ts.
 *
 * @module
 */
import { declareClaim } from "../_harness/claim.ts";
import "./rng_claims.ts";

const TORCH_SGD = "PyTorch torch.optim.SGD (dampening 0, nesterov off)";
const TORCH_ADAM = "Kingma & Ba 2015, Algorithm 1; PyTorch torch.optim.Adam and AdamW; " +
  "cybertronai/schmidhuber-problems PR #8, fast-weights-unknown-delay/" +
  "fast_weights_unknown_delay.py (Adam: eps after the square root, bias-corrected)";
const BOUND = "per element |gpu − oracle| <= running error bound (tolerance.ts `track`: " +
  "1 rounding per + − ×, WGSL 2.5 ulp `/`, 1/inverseSqrt `sqrt`, f32 uniforms); " +
  "figure = worst error/bound, pass <= 1";

/** SGD parity, one step at a time from the GPU's f32 state. */
export const SGD_PARITY = declareClaim({
  id: "ops.optim.gpu_parity_sgd",
  family: "ops",
  kind: "parity",
  statement: "SGD (momentum, weight decay) updates weights and momentum buffers in place as the " +
    "f64 oracle does, step by step, on fuzzed shapes and hyperparameters",
  source: TORCH_SGD,
  bound: BOUND,
});

/** Adam / AdamW parity, one step at a time from the GPU's f32 state. */
export const ADAM_PARITY = declareClaim({
  id: "ops.optim.gpu_parity_adam",
  family: "ops",
  kind: "parity",
  statement: "Adam and AdamW update weights and both moments in place as the f64 oracle does, " +
    "step by step, on fuzzed shapes, hyperparameters and gradient scales",
  source: TORCH_ADAM,
  bound: BOUND,
});

/** Adam, AdamW and SGD over 50+ steps without restart, against the oracle's own run. */
export const LONG_RUN_PARITY = declareClaim({
  id: "ops.optim.gpu_parity_long_run",
  family: "ops",
  kind: "parity",
  statement: "Adam, AdamW and SGD run 50 to 80 steps on the GPU without restarting from its " +
    "state and stay, at every step, within the accumulated running error bound of the f64 " +
    "oracle's own run from the same f32 start and gradients",
  source: `${TORCH_ADAM}; ${TORCH_SGD}`,
  bound: "per element and step t |gpu − oracle| <= the running error bound (tolerance.ts " +
    "`track`) carried through steps 1..t: each step's roundings (as in the per-step claims) " +
    "plus the errors of the weights and moments it starts from, propagated through the " +
    "update; an infinite bound fails; figure = worst error/bound, pass <= 1",
});

/** Global-norm clipping parity. */
export const CLIP_PARITY = declareClaim({
  id: "ops.optim.gpu_parity_clip",
  family: "ops",
  kind: "parity",
  statement: "clipGradNorm returns the global L2 norm and scales every gradient by " +
    "min(1, maxNorm / (norm + 1e-6)) on the GPU, matching the f64 oracle",
  source: "PyTorch torch.nn.utils.clip_grad_norm_; cybertronai/schmidhuber-problems PR #8, " +
    "fast-weights-unknown-delay/fast_weights_unknown_delay.py (global-norm clip)",
  bound: BOUND + "; the sum of squares is T3 with γ_k, k = 1 + 16 + 8 + ceil(P/256) + 8",
  divergence: "The fastweights original clips only when ‖g‖ > 1, scaling by 1/(‖g‖ + 1e-12); " +
    "PyTorch (and memspec) always scale by min(1, maxNorm/(‖g‖ + 1e-6)). The two differ by " +
    "at most 1e-6 relative, and only when ‖g‖ > maxNorm.",
});

/** Bias correction, checked against its closed form. */
export const ADAM_BIAS_CORRECTION = declareClaim({
  id: "ops.optim.property_adam_bias_correction",
  family: "ops",
  kind: "property",
  statement: "with a constant gradient g, every bias-corrected Adam step moves each weight by " +
    "exactly lr·|g|/(|g| + eps) (m̂ = g, v̂ = g²), from the first step on, at any gradient scale",
  source: TORCH_ADAM,
  bound: "per step |Δw − (−lr·g/(|g| + eps))| <= running error bound (tolerance.ts `track`) of " +
    "the kernel's moment recurrence over t steps from zero, the step's roundings and the " +
    "weight's own rounding; figure = worst error/bound, pass <= 1",
});

/** Argument validation of the optimisers. */
export const OPTIM_ARGUMENT_ERRORS = declareClaim({
  id: "ops.optim.fault_arguments",
  family: "ops",
  kind: "fault",
  statement: "optimisers and clipGradNorm reject bad hyperparameters with RangeError and bad " +
    "parameter lists or missing/mismatched gradients with a TypeError naming the parameter, " +
    "before any GPU work, leaking no buffer; the valid control call succeeds",
  source: "memspec error policy (README: Errors); PyTorch optimiser argument checks",
  bound: "figure = fault cases not raising the documented error (or leaking, or recording " +
    "GPU work), pass = 0",
});

/** In-place, batched, disposable: the runtime contract of a step. */
export const OPTIM_STEP_CONTRACT = declareClaim({
  id: "ops.optim.property_step_contract",
  family: "ops",
  kind: "behaviour",
  statement: "a step records one dispatch per parameter tensor and no submit (no host sync), " +
    "updates the parameter buffers in place, allocates state on a parameter's first step only, " +
    "and dispose() releases every state buffer; with skipParamsWithoutGrad a parameter without " +
    "a gradient gets no dispatch and no state",
  source: "memspec batching model (README: Using the implementation)",
  bound: "figure = contract violations, pass = 0",
});

/** AdamW against PyTorch's own trajectories. */
export const ADAMW_FIXTURE_PARITY = declareClaim({
  id: "ops.optim.fixture_parity_adamw",
  family: "ops",
  kind: "parity",
  statement: "AdamW (PyTorch 1.13 defaults, and two other settings with weight decay) follows " +
    "torch.optim.AdamW's float64 trajectory over 20 to 24 steps: the f64 oracle to 1e-12 " +
    "relative, the GPU (no restart) within its running error bound, weights and both moments " +
    "at every step",
  source: "PyTorch torch.optim.AdamW (torch 1.13); Loshchilov & Hutter, Decoupled Weight Decay " +
    "Regularization (ICLR 2019); fixtures/gen/ops_selection_fixtures.py",
  bound: "oracle |o − f| <= FIXTURE_F64_REL·max(|f|, 1); GPU |g − f| <= the running bound " +
    "(tolerance.ts `track`, carried through steps 1..t as in gpu_parity_long_run) + " +
    "FIXTURE_F64_REL·max(|f|, 1); figure = worst error/bound, pass <= 1",
});

/** state(i) → setState(i) on a fresh optimiser continues bit for bit. */
export const ADAM_STATE_ROUND_TRIP = declareClaim({
  id: "ops.optim.property_state_round_trip",
  family: "ops",
  kind: "exact",
  statement: "Adam and AdamW state read with state(i) and restored with setState(i) on a fresh " +
    "optimiser over copies of the weights give the same weights and moments as the original, " +
    "bit for bit, at each of the next steps",
  source: "memspec optimiser state API (impl/ops/optim.ts); PyTorch Optimizer.state_dict / " +
    "load_state_dict",
  bound: "figure = mismatching elements (bit patterns) over every step, pass = 0",
});

/** setState validation. */
export const OPTIM_SET_STATE_FAULTS = declareClaim({
  id: "ops.optim.fault_set_state",
  family: "ops",
  kind: "fault",
  statement: "setState rejects a bad parameter index, moments of the wrong type or length, " +
    "non-finite moments or a negative v (RangeError or TypeError naming the parameter), a step " +
    "that is not an integer >= 0, and a disposed optimiser (DisposedTensorError), before any " +
    "change: no buffer allocated or leaked, the previous state kept",
  source: "memspec error policy (README: Errors)",
  bound: "figure = fault cases not raising the documented error or changing state, pass = 0",
});
