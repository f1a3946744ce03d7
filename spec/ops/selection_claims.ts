/**
 * Claims of the selection and loss building blocks: the op claims of
 * smooth_l1_loss, argmax, topk, topk_indices and tril_fill (./selection_specs.ts:
 * gradcheck, GPU parity, PyTorch fixture parity), dropout's property claims
 * (its mask comes from memspec's own RNG, so no PyTorch parity), top-k's tie
 * rule, argmax's lack of gradient, smooth L1's β = 0 subgradient, and the
 * fault claims of every one of them. Tested in ./selection_test.ts and
 * ./selection_fault_test.ts.
 *
 * @module
 */
import { type Claim, declareClaim } from "../_harness/claim.ts";
import { opClaims } from "../_harness/op_spec.ts";
import { SELECTION_SPECS } from "./selection_specs.ts";

for (const spec of SELECTION_SPECS) opClaims(spec);

const DROPOUT_SOURCE = "Srivastava et al., Dropout (JMLR 2014); PyTorch " +
  "torch.nn.functional.dropout (inverted dropout, scale 1/(1 − p)); impl/ops/dropout.ts";

/** Kept fraction within a binomial bound. */
export const DROPOUT_KEPT_FRACTION = declareClaim({
  id: "ops.dropout.property_kept_fraction",
  family: "ops",
  kind: "property",
  statement: "dropout keeps a fraction of elements within 6 binomial standard errors of " +
    "1 − q, q = ceil(p·2^24)/2^24 (|q − p| < 2^-24), for p in {0.1, 0.25, 0.5, 0.9} over " +
    "2^18 elements and 32 seeds each",
  source: `${DROPOUT_SOURCE}; tolerance.ts RNG_SIGMAS`,
  bound: "figure = worst |kept − n(1 − q)| / (6·sqrt(n·q·(1 − q))); pass <= 1",
});

/** Kept values exact, dropped values zero, the mask the host replay. */
export const DROPOUT_EXACT = declareClaim({
  id: "ops.dropout.property_exact_values",
  family: "ops",
  kind: "exact",
  statement: "every kept element equals fl32(x·fl32(1/(1 − p))) bit for bit and every dropped " +
    "one is 0, the mask equals the host replay (hashU32(seed, i) >>> 8 >= ceil(p·2^24)); " +
    "training: false and p = 0 give a bit-identical copy, p = 1 gives zeros; fuzzed shapes " +
    "(sizes 1, primes, past the workgroup size, a grid > 65535), p and seeds",
  source: DROPOUT_SOURCE,
  bound: "figure = mismatching elements (bit patterns), pass = 0",
});

/** Same seed, same mask; other seeds, other masks. */
export const DROPOUT_DETERMINISM = declareClaim({
  id: "ops.dropout.property_seeded",
  family: "ops",
  kind: "property",
  statement: "dropout with the same seed gives the same output bit for bit across calls; " +
    "seeds s and s + 1 give masks that differ in a fraction within 6 binomial standard errors " +
    "of 2q(1 − q)",
  source: `${DROPOUT_SOURCE}; impl/gpu/rng.ts`,
  bound: "figure = repeat mismatches + (worst |differing − 2nq(1−q)| / 6σ > 1 ? 1 : 0); pass = 0",
});

/** The gradient reuses the mask. */
export const DROPOUT_GRADIENT = declareClaim({
  id: "ops.dropout.gpu_gradients",
  family: "ops",
  kind: "exact",
  statement: "dropout's gradient is g·mask·fl32(1/(1 − p)) bit for bit, from the forward's " +
    "mask (0 everywhere for p = 1, g for training: false), on fuzzed shapes, p and seeds",
  source: DROPOUT_SOURCE,
  bound: "figure = mismatching gradient elements (bit patterns), pass = 0",
});

/** Planted ties: memspec's rule for topk and argmax. */
export const TOPK_TIE_ORDER = declareClaim({
  id: "ops.topk.property_tie_order",
  family: "ops",
  kind: "exact",
  statement: "with planted ties (constant rows, and copies of the maximum at random positions), " +
    "topk lists tied values in increasing index order and argmax returns the lowest maximal " +
    "index, along every axis; torch.topk leaves the order of ties unspecified",
  source: "memspec's tie rule (impl/ops/topk.ts); PyTorch torch.topk, torch.argmax",
  bound: "figure = rows whose indices differ from the rule, pass = 0",
});

/** argmax and topk's indices carry no gradient. */
export const ARGMAX_NO_GRADIENT = declareClaim({
  id: "ops.argmax.property_no_gradient",
  family: "ops",
  kind: "exact",
  statement: "argmax and topk's indices are i32 tensors that never require a gradient, even " +
    "from an input that does; topk's values do",
  source: "PyTorch torch.argmax (not differentiable); impl/ops/topk.ts",
  bound: "figure = violations, pass = 0",
});

/** β = 0: the L1 subgradient at d = 0. */
export const SMOOTH_L1_BETA0 = declareClaim({
  id: "ops.smooth_l1_loss.divergence_beta0_subgradient",
  family: "ops",
  kind: "exact",
  statement: "smoothL1Loss's gradient is sign(d) at |d| = β (both pieces agree there) and " +
    "0 at d = 0 for every β, β = 0 included (the L1 subgradient of l1_loss)",
  source: "PyTorch torch.nn.functional.smooth_l1_loss and l1_loss (torch 1.13)",
  bound: "figure = gradient elements differing from sign(d) (0 at d = 0), pass = 0",
  divergence: "PyTorch 1.13's smooth_l1_loss with beta = 0 gives gradient −1 at d = 0 (its " +
    "backward tests d <= −beta first), not the 0 of l1_loss; memspec gives 0 and the fixtures " +
    "keep d away from 0 when beta = 0",
});

const FAULT_SOURCE = "memspec error policy (README: Using the implementation, Errors)";
const FAULT_BOUND = "figure = fault cases not raising the documented error (wrong class, " +
  "message, leaked buffer, GPU work recorded) plus failed controls; pass = 0";

function fault(op: string, statement: string): Claim {
  return declareClaim({
    id: `ops.${op}.fault_arguments`,
    family: "ops",
    kind: "fault",
    statement,
    source: FAULT_SOURCE,
    bound: FAULT_BOUND,
  });
}

/** smoothL1Loss faults. */
export const FAULT_SMOOTH_L1 = fault(
  "smooth_l1_loss",
  "smoothL1Loss with shapes that differ (TypeError naming both shapes), an i32 tensor, beta " +
    'NaN, negative or infinite (RangeError naming beta), reduction "mean" of an empty input ' +
    "(RangeError) or an unknown reduction throws before any GPU work",
);
/** argmax faults. */
export const FAULT_ARGMAX = fault(
  "argmax",
  "argmax along an axis out of range or not an integer, of an empty axis, or of an i32 tensor " +
    "throws before any GPU work, naming the op, shape and axis",
);
/** topk faults. */
export const FAULT_TOPK = fault(
  "topk",
  "topk with k < 1, k > n, k not an integer, a bad axis or an i32 tensor throws before any GPU " +
    "work, naming the op, shape, k and axis",
);
/** trilFill faults. */
export const FAULT_TRIL_FILL = fault(
  "tril_fill",
  "trilFill with n not an integer >= 1 (RangeError) or a last axis other than n(n+1)/2 " +
    "(TypeError naming the shape and the expected count) throws before any GPU work",
);
/** dropout faults. */
export const FAULT_DROPOUT = fault(
  "dropout",
  "dropout with p outside [0, 1] or NaN, a seed that is not an integer in [0, 2^32) " +
    "(RangeError), training not a boolean or an i32 tensor (TypeError) throws before any GPU work",
);
