/**
 * Claims of the substrate transforms (impl/decepticons/substrate_transforms/):
 * bank router, overwrite gate inside the recurrence, sign-safe magnitude
 * feature, mode selector and causal temporal attention, after
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const XF = "asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7)";
const ORACLE = "spec/oracle/decepticons/substrate_transforms.ts";
const FIXTURE = "fixtures/gen/decepticons_hash_fixtures.py (PyTorch float64)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The f64 oracles against the PyTorch reference. */
export const XF_FIXTURE_PARITY = claim({
  id: "decepticons.substrate_transforms.fixture_parity",
  statement: "the f64 oracles reproduce the PyTorch float64 reference of every transform on " +
    "shipped weights and inputs (B 2, T 40, E 8): bank router (M 10, 3 banks), overwrite gate " +
    "inside the recurrence and the original's after-scan gate, magnitude feature and the " +
    "original's factor table, mode selector (τ 0.5), causal temporal attention (2 heads of 4, " +
    "interval 8) and the original's unmasked attention",
  source: `${XF}; ${FIXTURE}; ${ORACLE}`,
  bound: "|oracle - fixture| <= 1e-12·max(|fixture|, 1) (FIXTURE_F64_REL) for every element",
  kind: "parity",
});

/** The GPU forwards against the oracles. */
export const XF_GPU_PARITY = claim({
  id: "decepticons.substrate_transforms.gpu_parity",
  statement: "each transform's GPU forward equals its f64 oracle on the fixture's weights and " +
    "inputs (the overwrite gate under the chunked scan with chunk 8 and the sequential one)",
  source: `${XF}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element, e the running f32 error bound of " +
    "spec/decepticons/substrate_transforms/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** Causality of each transform and of the chain. */
export const XF_CAUSALITY = claim({
  id: "decepticons.substrate_transforms.property_causality",
  statement: "for every transform alone and for the chain router → overwrite gate → magnitude " +
    "→ mode selector → temporal attention, changing the inputs at t0 (t0 in {1, 9, 17, 33}, " +
    "T 40 > chunk 8) leaves every output before t0 bit-identical and changes the output at t0",
  source: `${XF}; asuramaya/decepticons:tests/test_causality.py (impulse tests)`,
  bound: "max |Δout| before t0 = 0 (bit-identical); outputs at t0 unchanged = 0",
  kind: "property",
});

/** The overwrite gate erases the history. */
export const XF_OVERWRITE = claim({
  id: "decepticons.substrate_transforms.divergence_overwrite_erases",
  statement: "with the gate inside the recurrence, a gate of 1 at t* erases the history: two " +
    "sequences that differ only before t* give bit-identical states at t* and at every later " +
    "step (chunked scan, chunk 8, and sequential), while their states before t* differ",
  source: `${XF}, OverwriteGate`,
  bound: "max |ΔS| over t >= t* = 0; max |ΔS| before t* > 0; the original's after-scan " +
    "placement (oracle) differs at t* + 1 (> 0)",
  kind: "property",
  divergence: "The original applies S' = g ⊙ D + (1 − g) ⊙ S after the scan, so the next step " +
    "still reads the un-gated state: two histories are equal at the overwrite step (diff 0) " +
    "and differ again one step later (diff 1.035). memspec puts the gate inside the " +
    "recurrence: a_t = (1 − g_t)·d, b_t = g_t·D_t.",
});

/** The magnitude feature keeps the sign. */
export const XF_MAGNITUDE = claim({
  id: "decepticons.substrate_transforms.divergence_magnitude_sign",
  direction: ">=",
  statement: "the magnitude feature's direction channels point along S for every norm, " +
    "‖S‖ in {10, 1, 0.2, 0.13, 0.05, 1e-3}, and its own channel carries σ(γ)·ln‖S‖, so S is " +
    "recovered from the output; the original's factor 1 + σ(γ)·ln(‖S‖ + ε) is negative below " +
    "e^-2 and flips the sign",
  source: `${XF}, MagnitudeNormalizer(keep_magnitude)`,
  bound: "min cos(S'[:M], S) >= 1 - 2^-20 (a sign flip gives -1); every output element " +
    "within the running f32 bound of spec/decepticons/substrate_transforms/_bounds.ts (ratio " +
    "<= 1); the original's factor at ‖S‖ = 0.05 and 1e-3 <= 0 (the oracle)",
  kind: "property",
  divergence: "The original's keep-magnitude output (1 + σ(γ)·ln(n + ε))·S/n flips sign for " +
    "n < e^-2 ≈ 0.135 at init: factors 2.151, 1.0, 0.195, -0.020, -0.498, -2.45 at n = 10, 1, " +
    "0.2, 0.13, 0.05, 1e-3; its docstring's log-magnitude side feature has no channel. memspec " +
    "returns [S/n, σ(γ)·ln n].",
});

/** Temporal attention is causal and its interval mandatory. */
export const XF_TEMPORAL = claim({
  id: "decepticons.substrate_transforms.divergence_temporal_causal",
  statement: "temporal attention without a snapshot interval is refused (a TypeError naming " +
    "snapshotInterval), and with one it is causal: changing the states at every t >= 24 " +
    "leaves every output before 24 bit-identical",
  source: `${XF}, TemporalAttention`,
  bound: "max |Δout| before 24 = 0; construction without snapshotInterval refused (1); the " +
    "original's unmasked attention (oracle) moves those outputs (> 0)",
  kind: "property",
  divergence: "The original's snapshot interval is optional; without it every position " +
    "attends to every snapshot, the future included: a change of the states at t >= 24 moved " +
    "outputs at t < 24 by 2.2. memspec requires the interval and always applies the mask.",
});

/** The router's banks. */
export const XF_ROUTER = claim({
  id: "decepticons.substrate_transforms.divergence_router_banks",
  statement: "the bank router routes every mode: with M 10 modes in 3 banks (3, 3, 4) each " +
    "mode of the output is its drive times its own bank's weight, the remainder mode 9 " +
    "included; more banks than modes are refused with a RangeError naming banks and modes",
  source: `${XF}, SubstrateBankRouter`,
  bound: "modes with |D'[m] - D[m]·ρ[bank(m)]| > 2^-24·|D[m]·ρ[bank(m)]| + 2^-126 (one f32 " +
    "rounding: the 0/1 expansion is exact) = 0, ρ the GPU's bank weights; banks > modes " +
    "refused (1)",
  kind: "property",
  divergence: "The original accepts n > M, which leaves every bank but the last with no mode " +
    "(bank size 0). memspec refuses it.",
});

/** Seeded init. */
export const XF_SEEDED = claim({
  id: "decepticons.substrate_transforms.property_seeded",
  statement: "every transform's parameters come from (seed, prefix + name) streams: the same " +
    "seed gives bit-identical parameters, another seed other ones (the magnitude gain and the " +
    "overwrite bias are constants: γ = 0, b = -3)",
  source: `${XF} (torch nn.Linear default init, global RNG)`,
  bound: "0 differing values for one seed; random tensors equal across seeds = 0",
  kind: "property",
  divergence: "The original initialises these modules from torch's global RNG; memspec seeds " +
    "every tensor by name.",
});

/** Gradients reach every parameter. */
export const XF_GRADIENTS = claim({
  id: "decepticons.substrate_transforms.property_gradients",
  statement: "every transform is differentiable on the GPU: the gradient of sum(g ⊙ out) is " +
    "finite for every parameter and input and non-zero for every parameter",
  source: `${XF}; asuramaya/decepticons:tests/test_adaptive_substrate_plumbing.py (gradient ` +
    "reaches every submodule)",
  bound: "parameters with an all-zero or non-finite gradient + non-finite input gradients = 0",
  kind: "property",
});

/** The oracles' analytic backwards. */
export const XF_ORACLE_GRADCHECK = claim({
  id: "decepticons.substrate_transforms.oracle_gradcheck",
  statement: "each transform's analytic f64 backward (router, overwrite gate inside the " +
    "recurrence, magnitude feature, mode selector, causal temporal attention) matches central " +
    "differences of its f64 oracle for L = sum(g ⊙ out), for every parameter and input " +
    "element, on the fixture's weights and inputs and on a seeded fuzzed case",
  source: `${XF}; ${ORACLE}`,
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL; |a - n| / max(|a|, |n|, 1))",
  kind: "gradcheck",
});

/** The GPU's gradients against the oracles'. */
export const XF_GPU_GRADIENTS = claim({
  id: "decepticons.substrate_transforms.gpu_gradients",
  statement: "each transform's GPU gradients of L = sum(g ⊙ out) (autograd through the module, " +
    "g seeded) with respect to every parameter and input equal the oracle's analytic " +
    "gradients, on the fixture's weights and inputs and on a seeded fuzzed case (the overwrite " +
    "gate under the chunked scan with chunk 8 and the sequential one)",
  source: `${XF}; ${ORACLE}`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element of every gradient, e the running f32 " +
    "error bound of spec/decepticons/substrate_transforms/_bounds.ts walked through the " +
    "backward (worst ratio <= 1)",
  kind: "parity",
});

/** Bad input. */
export const XF_FAULT = claim({
  id: "decepticons.substrate_transforms.fault_validation",
  statement: "bad options (sizes, banks > modes, decays outside [0, 1], temperature <= 0, a " +
    "missing snapshot interval, bad seeds or shipped weights) and bad inputs (not a tensor, " +
    "wrong dtype, rank or width, mismatched B or T) raise a TypeError or RangeError naming the " +
    "field, before any GPU work",
  source: "memspec op conventions (validation before GPU work, no leaked buffers)",
  bound: "fault cases not throwing the expected class naming the field + leaked buffers = 0",
  kind: "fault",
});
