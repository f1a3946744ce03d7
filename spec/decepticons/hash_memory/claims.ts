/**
 * Claims of the hash memory (impl/decepticons/hash_memory/hash_memory.ts):
 * sliding-window softmax attention over the previous M positions with
 * keys = values = x·W_w + b_w, after
 * asuramaya/decepticons:src/decepticons/models/hash_memory.py (7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const HASH = "asuramaya/decepticons:src/decepticons/models/hash_memory.py (7be9af7), HashMemory";
const ORACLE = "spec/oracle/decepticons/hash_memory.ts";
const FIXTURE = "fixtures/gen/decepticons_hash_fixtures.py (PyTorch float64, slot gather)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The f64 oracle against the PyTorch slot-gather reference. */
export const HASH_FIXTURE_PARITY = claim({
  id: "decepticons.hash_memory.fixture_parity",
  statement: "the f64 oracle (explicit slot positions p(t, s)) reproduces the PyTorch float64 " +
    "slot-gather reference's output and the gradients of sum(g * out) for every weight and x, " +
    "on the shipped weights (B 2, T 50, E 8, M 16, D 8; and B 1, T 20, M 64 > T, D 4)",
  source: `${HASH}; ${FIXTURE}; ${ORACLE}`,
  bound: "|oracle - fixture| <= 1e-12·max(|fixture|, 1) (FIXTURE_F64_REL) for every element",
  kind: "parity",
});

/** The oracle's analytic backward. */
export const HASH_ORACLE_GRADCHECK = claim({
  id: "decepticons.hash_memory.oracle_gradcheck",
  statement: "the oracle's analytic gradients of sum(g * out) with respect to every weight and " +
    "x match central differences",
  source: ORACLE,
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL; |a - n| / max(|a|, |n|, 1))",
  kind: "gradcheck",
});

/** The GPU's banded forward against the oracle. */
export const HASH_GPU_PARITY = claim({
  id: "decepticons.hash_memory.gpu_parity",
  statement: "the GPU's banded forward (blocks of M queries over 2M keys under a band mask, " +
    "never the B·T·M·D gather) equals the oracle's window attention on the shipped weights of " +
    "both fixture cases",
  source: `${HASH}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element, e the running f32 error bound of " +
    "spec/decepticons/hash_memory/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** The GPU's gradients against the oracle's. */
export const HASH_GPU_GRADIENTS = claim({
  id: "decepticons.hash_memory.gpu_gradients",
  statement: "the GPU's gradients of sum(g * out) with respect to every weight and x equal the " +
    "oracle's analytic gradients on both fixture cases",
  source: `${HASH}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element of every gradient, e the running f32 " +
    "error bound of spec/decepticons/hash_memory/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** Causality and the window, by impulses. */
export const HASH_CAUSALITY = claim({
  id: "decepticons.hash_memory.property_causality",
  statement: "changing x at t0 (t0 in {1, 15, 16, 33, 47}; T 50 > M 16, so block boundaries " +
    "are crossed) leaves every output before t0 bit-identical, changes every output t0 + 1 .. " +
    "t0 + M (x_t0's key and value are in their window; out_t0 may change through its query), " +
    "and leaves every later output bit-identical: the memory reads exactly the previous M " +
    "positions",
  source: `${HASH}; asuramaya/decepticons:tests/test_causality.py (impulse tests)`,
  bound: "max |Δout| outside t0 .. t0 + M = 0 (bit-identical); rows t0 + 1 .. t0 + M (inside " +
    "T) not changed = 0",
  kind: "property",
});

/** out_0 = b_o. */
export const HASH_FIRST_OUTPUT = claim({
  id: "decepticons.hash_memory.divergence_first_output",
  statement: "at t = 0 no slot is valid, so r_0 = 0 and the output is exactly the output bias " +
    "b_o (not 0), for every batch row",
  source: `${HASH} (the comment at t = 0)`,
  bound: "max |out_0 - b_o| = 0 with |b_o| > 0",
  kind: "property",
  divergence: "The original's comment says the memory returns 0 when no slot is valid; it " +
    "returns b_o (|b_o| = 0.69 at its init). memspec states and checks out_0 = b_o.",
});

/** Seeded init. */
export const HASH_SEEDED = claim({
  id: "decepticons.hash_memory.property_seeded",
  statement: "the parameters are drawn U(±1/√fan_in) from (seed, prefix + name) streams: the " +
    "same seed gives bit-identical parameters, another seed or prefix other ones, all within " +
    "their bound",
  source: `${HASH} (torch nn.Linear default init, global RNG)`,
  bound: "0 differing values for the same seed; every tensor differs for another seed and " +
    "prefix; max |w|·√fan_in <= 1",
  kind: "property",
  divergence: "The original draws from torch's global RNG (nn.Linear defaults), so two models " +
    "with one init seed differ; memspec seeds every tensor by name.",
});

/** Bad input. */
export const HASH_FAULT = claim({
  id: "decepticons.hash_memory.fault_validation",
  statement: "bad options (missing, non-integer or out-of-range sizes, a bad seed, prefix or " +
    "shipped weight) and bad inputs (not a tensor, wrong dtype, rank or width) raise a " +
    "TypeError or RangeError naming the field (a disposed input the DisposedTensorError " +
    "naming it), before any GPU work",
  source: "memspec op conventions (validation before GPU work, no leaked buffers)",
  bound: "fault cases not throwing the expected class naming the field + leaked buffers = 0",
  kind: "fault",
});
