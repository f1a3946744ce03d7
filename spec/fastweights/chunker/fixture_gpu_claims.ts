/**
 * GPU side of the chunkers' numpy parity fixture (each fast-weight
 * mechanism's numpy f64 fixture is compared with the oracle at 1e-12 and with
 * the GPU at f32 tolerance). The oracle side is claims.ts's
 * `numpy_parity` claims; these run the fixture's numpy parameters and
 * sequences through the fused GPU kernels (impl/fastweights/chunker/chunker.ts).
 *
 * The fixture's W_hh is not contractive element-wise (max row sum of |W_hh|
 * above 1), so a worst-case element-wise running bound from h₀ grows
 * geometrically with the step count. The bounds are therefore step-local
 * where they can be (each GPU state and logit row against the f64 step from
 * the GPU's own previous state, within one replay of the kernels' f32
 * rounding, the parameters' rounding from f64 to f32 included) and norm-wise
 * across steps: the state error and the carried BPTT gradient error grow by at
 * most ‖W_hh‖₂ (≈ 1.0 for chunker-22, ≈ 0.67–0.80 for chunker-1200) per step,
 * plus that step's local bound. This gives every fixture array a finite
 * derived bound against numpy, including the 1199-step baseline gradient.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const PR8 = "cybertronai/schmidhuber-problems PR #8";
const FIXTURE = "fixtures/gen/fastweights_chunker_fixtures.py (chunker.json)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "fastweights", ...c });
}

/** Chunker-22 fixture through the GPU kernels. */
export const C22_FIXTURE_GPU = claim({
  id: "fastweights.chunker.fixture_parity_22_gpu",
  statement: "on numpy's draws the fused GPU kernels (f32) reproduce A's states and logits " +
    "over the fixture's 3 carried blocks, the surprise masks at θ = 0.5 and 0.95, C's label " +
    "for a and x, and the BPTT gradients of A, the single net and C",
  source: `${PR8}, chunker-22-symbol; ${FIXTURE} through the GPU kernels at f32 tolerance`,
  bound: "step-local: every state, logit and label within one step's running f32 bound from " +
    "the GPU's own previous state, every gradient within the bound of the backward pass on " +
    "the GPU's own states (ratio <= 1); every fixture array (logits, p(target), C's label, " +
    "gradients) within its global bound from h0 (norm-wise across steps, + 1e-12 relative) " +
    "(ratio <= 1); masks equal",
  kind: "parity",
});

/** Chunker-1200 fixture through the GPU kernels. */
export const C1200_FIXTURE_GPU = claim({
  id: "fastweights.chunker.fixture_parity_1200_gpu",
  statement: "on numpy's draws the fused GPU kernels (f32, time loop split by the loop " +
    "budget) reproduce A's per-step CE over T − 1 = 1199 steps and its surprise mask at " +
    "θ = 1.4, the baseline's full-BPTT gradient over 1199 steps, A's gradient on a window " +
    "of 6 from the carried state and C's gradient on the compressed pair",
  source: `${PR8}, chunker-very-deep-1200; ${FIXTURE} through the GPU kernels at f32 ` +
    "tolerance",
  bound: "step-local as for chunker-22 (ratio <= 1); per-step CE and every gradient within its " +
    "global bound from h0 (norm-wise across steps, ratio <= 1); mask equal; " +
    "|log10 ‖g_GPU‖ − log10 ‖g_numpy‖| of the 1199-step baseline reported (a long f32 " +
    "recurrence: logs of norms compared)",
  kind: "parity",
});
