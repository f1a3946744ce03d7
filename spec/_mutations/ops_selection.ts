/**
 * Planted bugs of memspec's ops selection building blocks: each a real mistake an
 * implementation could make, and the claims that must catch it. Blocks:
 * smooth L1 loss, argmax / top-k, the lower-triangular fill, dropout and
 * AdamW with its state restore.
 *
 * The fixture-layer bugs need the selection specs in OP_SPECS
 * (spec/ops/claims.ts), where the fixture runner finds them.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const SELECTION = ["spec/ops/selection_test.ts"];
const FAULTS = ["spec/ops/selection_fault_test.ts"];
const OPTIM = ["spec/ops/optim_test.ts"];
const FIXTURES = ["spec/ops/fixtures_test.ts"];

/** The planted bugs of this group. */
export const OPS_SELECTION_MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ smooth L1
  {
    id: "ops.smooth_l1_loss.no_half",
    family: "ops",
    mechanism: "smooth_l1_loss",
    layer: "forward",
    file: "impl/ops/kernels/smooth_l1.ts",
    find: "out[i] = 0.5 * d * d / p.beta;",
    replace: "out[i] = d * d / p.beta;",
    tests: SELECTION,
    filter: "ops.smooth_l1_loss.gpu_parity",
    why: "the quadratic piece without its 1/2: d²/β instead of d²/(2β), so the loss jumps at " +
      "|d| = β and is twice too large inside",
  },
  {
    id: "ops.smooth_l1_loss.abs_slope",
    family: "ops",
    mechanism: "smooth_l1_loss",
    layer: "backward",
    file: "impl/ops/kernels/smooth_l1.ts",
    find: "slope = select(0.0, 1.0, d > 0.0) - select(0.0, 1.0, d < 0.0);",
    replace: "slope = select(0.0, 1.0, d > 0.0) + select(0.0, 1.0, d < 0.0);",
    tests: SELECTION,
    filter: "ops.smooth_l1_loss.gpu_parity",
    why: "the linear piece's slope as |sign(d)| (the derivative of |d| taken as 1): every " +
      "negative difference past β pushes the wrong way",
  },
  {
    id: "ops.smooth_l1_loss.mean_grad_unscaled",
    family: "ops",
    mechanism: "smooth_l1_loss",
    layer: "backward",
    file: "impl/ops/kernels/smooth_l1.ts",
    find: '${s.reduced ? "gs[0] * p.scale" : "gs[i]"}',
    replace: '${s.reduced ? "gs[0]" : "gs[i]"}',
    tests: SELECTION,
    filter: "ops.smooth_l1_loss.gpu_parity",
    why: "the mean's backward forgets the 1/n: gradients n times too large for reduction 'mean'",
  },
  {
    id: "ops.smooth_l1_loss.nan_beta_accepted",
    family: "ops",
    mechanism: "smooth_l1_loss",
    layer: "fault",
    file: "impl/ops/smooth_l1_loss.ts",
    find: "!Number.isFinite(beta) || beta < 0",
    replace: "beta < 0",
    tests: FAULTS,
    filter: "ops.smooth_l1_loss.fault_arguments",
    why: "beta validated only for sign: NaN and Infinity reach the kernel, giving NaN or zero " +
      "losses silently",
  },
  {
    id: "ops.smooth_l1_loss.oracle_full_beta",
    family: "ops",
    mechanism: "smooth_l1_loss",
    layer: "oracle",
    file: "spec/oracle/selection.ts",
    find: "return a < beta ? (0.5 * d * d) / beta : a - 0.5 * beta;",
    replace: "return a < beta ? (0.5 * d * d) / beta : a - beta;",
    tests: FIXTURES,
    filter: "ops.smooth_l1_loss.fixture_parity",
    why: "the oracle's linear piece offset by β instead of β/2 (a Huber-loss mix-up): its " +
      "gradient is unchanged, so only PyTorch's values can catch it",
  },
  // ------------------------------------------------------------------ argmax, topk
  {
    id: "ops.topk.ties_skipped",
    family: "ops",
    mechanism: "topk",
    layer: "forward",
    file: "impl/ops/kernels/topk.ts",
    find: "let after = prev.j == NONE || arg_better(cand.v, cand.j, prev.v, prev.j);",
    replace: "let after = prev.j == NONE || cand.v < prev.v;",
    tests: SELECTION,
    filter: "/ops.topk_indices.gpu_parity|ops.topk.property_tie_order/",
    why: "each round excludes by value only (strictly smaller than the last pick), so a tied " +
      "value is never selected twice and later ranks skip the tie",
  },
  {
    id: "ops.topk.resume_off_by_one",
    family: "ops",
    mechanism: "topk",
    layer: "forward",
    file: "impl/ops/kernels/topk.ts",
    find: "let pj = u32(idx_out[obase + (p.r0 - 1u) * p.inner]);",
    replace: "let pj = u32(idx_out[obase + p.r0 * p.inner]);",
    tests: SELECTION,
    filter: "ops.topk_indices.gpu_parity",
    why: "a launch resuming at round r0 reads the pick of round r0 (not yet written, 0) instead " +
      "of r0 − 1: rounds split over launches restart from element 0",
  },
  {
    id: "ops.topk.scatter_stride",
    family: "ops",
    mechanism: "topk",
    layer: "backward",
    file: "impl/ops/kernels/topk.ts",
    find: "gx[(o * p.n + j) * p.inner + i] = gs[e];",
    replace: "gx[o * p.n + j * p.inner + i] = gs[e];",
    tests: SELECTION,
    filter: "ops.topk.gpu_parity",
    why: "the gradient scatter drops the inner stride from the outer offset: top-k along a " +
      "non-last axis sends gradients to the wrong rows",
  },
  {
    id: "ops.argmax.empty_axis_accepted",
    family: "ops",
    mechanism: "argmax",
    layer: "fault",
    file: "impl/ops/topk.ts",
    find: "  if (geo.n === 0) {\n    throw new RangeError(\n      `Cannot argmax",
    replace: "  if (geo.n < 0) {\n    throw new RangeError(\n      `Cannot argmax",
    tests: FAULTS,
    filter: "ops.argmax.fault_arguments",
    why: "argmax of an empty axis allowed: it returns index 0 of nothing (or the reduction's " +
      "sentinel) instead of failing as torch.argmax does",
  },
  // ------------------------------------------------------------------ tril fill
  {
    id: "ops.tril_fill.strict_lower",
    family: "ops",
    mechanism: "tril_fill",
    layer: "forward",
    file: "impl/ops/kernels/tril_fill.ts",
    find: "out[e] = select(0u, vec[min(t, arrayLength(&vec) - 1u)], c <= r);",
    replace: "out[e] = select(0u, vec[min(t, arrayLength(&vec) - 1u)], c < r);",
    tests: SELECTION,
    filter: "ops.tril_fill.gpu_parity",
    why: "the diagonal left out (tril with offset −1): a Cholesky factor loses its diagonal",
  },
  {
    id: "ops.tril_fill.column_major",
    family: "ops",
    mechanism: "tril_fill",
    layer: "forward",
    file: "impl/ops/kernels/tril_fill.ts",
    find: "let t = b * p.m + r * (r + 1u) / 2u + c;",
    replace: "let t = b * p.m + c * (2u * p.n - c + 1u) / 2u + (r - c);",
    tests: SELECTION,
    filter: "ops.tril_fill.gpu_parity",
    why: "the lower triangle read column by column (numpy's tril_indices of the transpose) " +
      "instead of row by row as torch.tril_indices orders it",
  },
  // ------------------------------------------------------------------ dropout
  {
    id: "ops.dropout.backward_other_mask",
    family: "ops",
    mechanism: "dropout",
    layer: "backward",
    file: "impl/ops/dropout.ts",
    find: "recordMask(g.buffer, gx.buffer, x.size, seed, threshold, scale);",
    replace: "recordMask(g.buffer, gx.buffer, x.size, (seed ^ 1) >>> 0, threshold, scale);",
    tests: SELECTION,
    filter: "ops.dropout.gpu_gradients",
    why: "the backward draws a fresh mask instead of reusing the forward's: gradients flow " +
      "through dropped elements and skip kept ones",
  },
  {
    id: "ops.dropout.mask_per_lane",
    family: "ops",
    mechanism: "dropout",
    layer: "forward",
    file: "impl/ops/kernels/dropout.ts",
    find: "let keep = (rng_u32(p.seed, i) >> 8u) >= p.threshold;",
    replace: "let keep = (rng_u32(p.seed, lid) >> 8u) >= p.threshold;",
    tests: SELECTION,
    filter: "ops.dropout.property_exact_values",
    why: "the RNG indexed by the local invocation id: the mask repeats every 64 elements",
  },
  {
    id: "ops.dropout.no_rescale",
    family: "ops",
    mechanism: "dropout",
    layer: "forward",
    file: "impl/ops/dropout.ts",
    find: ": Math.fround(1 / (1 - p));",
    replace: ": 1;",
    tests: SELECTION,
    filter: "ops.dropout.property_exact_values",
    why: "plain dropout without the inverted scale 1/(1 − p): activations shrink by 1 − p in " +
      "training and the eval-mode identity no longer matches their expectation",
  },
  // ------------------------------------------------------------------ AdamW
  {
    id: "ops.optim.adamw_default_no_decay",
    family: "ops",
    mechanism: "optim",
    layer: "training",
    file: "impl/ops/optim.ts",
    find: "weightDecay: options.weightDecay ?? ADAMW_DEFAULTS.weightDecay,",
    replace: "weightDecay: options.weightDecay ?? 0,",
    tests: OPTIM,
    filter: "ops.optim.fixture_parity_adamw",
    why: "AdamW's default weight decay taken from Adam (0) instead of PyTorch's 0.01",
  },
  {
    id: "ops.optim.set_state_step_reset",
    family: "ops",
    mechanism: "optim",
    layer: "training",
    file: "impl/ops/optim.ts",
    find: "this.#steps[i] = state.step;",
    replace: "this.#steps[i] = 0;",
    tests: OPTIM,
    filter: "ops.optim.property_state_round_trip",
    why: "a restore keeps the moments but restarts the step count: the next steps use the " +
      "first steps' bias corrections, so a resumed run jumps",
  },
];
