/**
 * Claims of the causal-bank scan (issue 5, mechanisms 1 and 4): the linear
 * recurrence h_t = a_t ⊙ h_{t−1} + b_t in its sequential and division-free
 * chunked forms (real, and complex for oscillatory banks), and the causal
 * bank's deterministic decay bank and configuration. Sources are the seed file
 * and the claim catalogue's ids (../shared/claims/fastweights-decepticons.md,
 * 0.3 findings 1 and 2, B8 and C1).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const SEED = "seed 001_c5ebacc4f0c68784.txt (asuramaya/decepticons, causal_bank)";
const GATES = "gates 0.18, 0.5, 0.5623, 0.6, 0.97, 1.0 and random in [0.18, 1]";
const DIVISION_FAILURE =
  "The original's chunked scan (CausalBankModel._chunked_recurrence_scan, K = 32) divides by " +
  "the in-chunk cumulative gate product clamped at 1e-8, so it is exact only while that " +
  "product stays >= 1e-8, i.e. uniform gates >= 1e-8^(1/32) ~ 0.5623; below, the catalogue " +
  "measured relative error 0.76-1.0 (gated_retention head 0 at init 0.76, gated_delta at " +
  "init 0.90, fast retention heads 0.85-1.0). No test in the original compares it with a " +
  "sequential scan. memspec's chunked form never divides.";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** DC-CB-11, sequential form. */
export const SCAN_SEQUENTIAL = claim({
  id: "decepticons.linear_recurrence.gpu_parity_sequential",
  statement: "the sequential scan kernel equals the f64 sequential recurrence, real and " +
    "complex, split over dispatches or not",
  source: `${SEED}; catalogue DC-CB-11, C1 DC-scan-fix`,
  bound: `|gpu - f64| <= gamma_k * m_t per element (ledger scanRoundingPath, m_t the ` +
    `magnitude companion); ${GATES}; T up to 4096; fuzzed`,
  kind: "parity",
});

/** DC-CB-11, chunked form. */
export const SCAN_CHUNKED = claim({
  id: "decepticons.linear_recurrence.gpu_parity_chunked",
  statement: "the division-free chunked scan (prefix affine pairs, scanned chunk summaries) " +
    "equals the f64 sequential recurrence for every gate in (0, 1] and every chunk size",
  source: `${SEED}; catalogue 0.3 finding 1, DC-CB-11`,
  bound: `|gpu - f64| <= gamma_k * m_t per element (ledger scanRoundingPath); ${GATES}; ` +
    "chunks dividing T and not; T up to 4096; fuzzed",
  kind: "parity",
  divergence: DIVISION_FAILURE,
});

/** The original's division-based algorithm, measured. */
export const SCAN_DIVISION_DIVERGENCE = claim({
  id: "decepticons.linear_recurrence.divergence_division",
  statement: "the original's division-based chunked scan (K = 32) is wrong by order one at " +
    "gate 0.18 and exact at gate 0.6, measured against the f64 sequential recurrence",
  source: `${SEED}; catalogue 0.3 finding 1, B8.2 "Chunked scan", DC-CB-11`,
  bound: "max|h_div - h_seq| / max|h_seq| >= 0.5 at gate 0.18 and <= 1e-12 at gate 0.6 " +
    "(ledger DIVISION_SCAN_*)",
  kind: "behaviour",
  divergence: DIVISION_FAILURE,
});

/** DC-CB-14. */
export const SCAN_STATE_CARRY = claim({
  id: "decepticons.linear_recurrence.property_state_carry",
  statement: "running a sequence in two calls, the second starting from the first's " +
    "finalState, equals one long call",
  source: `${SEED}; catalogue DC-CB-14 (forward_with_state)`,
  bound: "sequential: bit-identical; chunked: both within the ledger bound of the f64 " +
    "recurrence",
  kind: "property",
});

/** DC-CB-10/12 for the kernels. */
export const SCAN_CAUSALITY = claim({
  id: "decepticons.linear_recurrence.property_causality",
  statement: "an impulse at t0 changes no state before t0 in any forward kernel, and no " +
    "gradient after t0 in any backward kernel",
  source: `${SEED}; catalogue 0.3 finding 2, DC-CB-10, DC-CB-12`,
  bound: "bit-identical outputs before t0 (forward) and after t0 (backward)",
  kind: "property",
  divergence: 'The original\'s hierarchical scan (state_impl "hierarchical") broadcasts a ' +
    "window's drive sum back to every position of the window: an impulse at t = 5 reaches " +
    "t = 4. memspec refuses that mode in its config.",
});

/** Gradients of every kernel. */
export const SCAN_GRADIENTS = claim({
  id: "decepticons.linear_recurrence.gpu_gradients",
  statement: "the gate, input and initial-state gradients of every form equal the oracle's " +
    "analytic gradients, real and complex",
  source: `${SEED}; issue 5 claims`,
  bound: "per element within the propagated ledger bound of the adjoint scan and the " +
    "gate-gradient product",
  kind: "parity",
});

/** Oracle gradcheck. */
export const SCAN_GRADCHECK = claim({
  id: "decepticons.linear_recurrence.oracle_gradcheck",
  statement: "the f64 oracle's analytic backward matches central differences, real and " +
    "complex, with and without an initial state",
  source: `${SEED}; issue 5 claims`,
  bound: "max rel error <= 1e-6 (ledger GRADCHECK_MAX_REL)",
  kind: "gradcheck",
});

/** DC-CB-18. */
export const SCAN_STABILITY = claim({
  id: "decepticons.linear_recurrence.property_stability",
  statement: "with keep gates |a| <= max keep < 1 and zero initial state, every state " +
    "satisfies |h_t| <= max|b| / (1 - max keep)",
  source: `${SEED}; catalogue DC-CB-18`,
  bound: "max_t |h_t| / (max|b| / (1 - max keep)) <= 1 + gamma_k (f32 rounding of the states)",
  kind: "property",
});

/** C1 DC-scan-fix. */
export const SCAN_FIXTURES = claim({
  id: "decepticons.linear_recurrence.fixture_parity",
  statement: "the oracle and both GPU forms reproduce the numpy f64 sequential recurrences " +
    "(frozen bank, uniform gates, gated init keeps, complex, impulse)",
  source: `${SEED}; catalogue C1 DC-scan-fix; fixtures/gen/decepticons_scan_fixtures.py`,
  bound: "oracle: rel <= 1e-12 of the magnitude; GPU: the ledger scan bound",
  kind: "parity",
});

/** Op validation. */
export const SCAN_VALIDATION = claim({
  id: "decepticons.linear_recurrence.fault_validation",
  statement: "linearRecurrence rejects mismatched shapes with a TypeError naming the op and " +
    "the shapes, and bad methods, chunk and segment lengths with a RangeError, before any GPU work",
  source: "memspec op conventions",
  bound: "every invalid case throws the named error; the control case runs",
  kind: "fault",
});
