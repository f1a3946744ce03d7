/**
 * Claims of the causal-bank scan: the linear
 * recurrence h_t = a_t ⊙ h_{t−1} + b_t in its sequential and division-free
 * chunked forms (real, and complex for oscillatory banks), and the causal
 * bank's deterministic decay bank and configuration. The original is
 * asuramaya/decepticons v0.1.3: src/decepticons/causal_bank.py and
 * src/decepticons/models/causal_bank_torch.py (CausalBankModel).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const TORCH =
  "asuramaya/decepticons v0.1.3 src/decepticons/models/causal_bank_torch.py, CausalBankModel";
const GATES = "gates 0.18, 0.5, 0.5623, 0.6, 0.97, 1.0 and random in [0.18, 1]";
const DIVISION_FAILURE =
  "The original's chunked scan (CausalBankModel._chunked_recurrence_scan, K = 32) divides by " +
  "the in-chunk cumulative gate product clamped at 1e-8, so it is exact only while that " +
  "product stays >= 1e-8, i.e. uniform gates >= 1e-8^(1/32) ~ 0.5623; below, a numpy " +
  "re-derivation of it measures relative error 0.76-1.0 (gated_retention head 0 at init " +
  "0.76, gated_delta at init 0.90, fast retention heads 0.85-1.0). No test in the original " +
  "compares it with a sequential scan. memspec's chunked form never divides.";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The sequential scan equals the f64 recurrence. */
export const SCAN_SEQUENTIAL = claim({
  id: "decepticons.linear_recurrence.gpu_parity_sequential",
  statement: "the sequential scan kernel equals the f64 sequential recurrence, real and " +
    "complex, split over dispatches or not",
  source: `${TORCH}._chunked_recurrence_scan (h_t = a_t h_{t−1} + b_t); ` +
    "fixtures/gen/decepticons_scan_fixtures.py",
  bound: `|gpu - f64| <= gamma_k * m_t per element (ledger scanRoundingPath, m_t the ` +
    `magnitude companion); ${GATES}; T up to 4096; fuzzed`,
  kind: "parity",
});

/** The division-free chunked scan equals the f64 recurrence for every gate. */
export const SCAN_CHUNKED = claim({
  id: "decepticons.linear_recurrence.gpu_parity_chunked",
  statement: "the division-free chunked scan (prefix affine pairs, scanned chunk summaries) " +
    "equals the f64 sequential recurrence for every gate in (0, 1] and every chunk size",
  source: `asuramaya/decepticons README (a65b98d): "chunked parallel scan for ` +
    `learned_recurrence"; ${TORCH}._chunked_recurrence_scan`,
  bound: `|gpu - f64| <= gamma_k * m_t per element (ledger scanRoundingPath); ${GATES}; ` +
    "chunks dividing T and not; T up to 4096; fuzzed",
  kind: "parity",
  divergence: DIVISION_FAILURE,
});

/** The original's division-based algorithm, measured. */
export const SCAN_DIVISION_DIVERGENCE = claim({
  id: "decepticons.linear_recurrence.divergence_division",
  direction: ">=",
  statement: "the original's division-based chunked scan (K = 32) is wrong by order one at " +
    "gate 0.18 and exact at gate 0.6, measured against the f64 sequential recurrence",
  source: `${TORCH}._chunked_recurrence_scan (divides by the in-chunk gate product)`,
  bound: "max|h_div - h_seq| / max|h_seq| >= 0.5 at gate 0.18 and <= 1e-12 at gate 0.6 " +
    "(ledger DIVISION_SCAN_*)",
  kind: "behaviour",
  divergence: DIVISION_FAILURE,
});

/** Carrying the state across calls equals one long call. */
export const SCAN_STATE_CARRY = claim({
  id: "decepticons.linear_recurrence.property_state_carry",
  statement: "running a sequence in two calls, the second starting from the first's " +
    "finalState, equals one long call",
  source: `${TORCH}.forward_with_state`,
  bound: "sequential: bit-identical; chunked: both within the ledger bound of the f64 " +
    "recurrence",
  kind: "property",
});

/** Every scan kernel is causal, forward and backward. */
export const SCAN_CAUSALITY = claim({
  id: "decepticons.linear_recurrence.property_causality",
  statement: "an impulse at t0 changes no state before t0 in any forward kernel, and no " +
    "gradient after t0 in any backward kernel",
  source: `asuramaya/decepticons tests/test_causality.py; ${TORCH}._hierarchical_scan`,
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
  source: `${TORCH} (trained through the scan); spec/oracle/decepticons/linear_recurrence.ts`,
  bound: "per element within the propagated ledger bound of the adjoint scan and the " +
    "gate-gradient product",
  kind: "parity",
});

/** Oracle gradcheck. */
export const SCAN_GRADCHECK = claim({
  id: "decepticons.linear_recurrence.oracle_gradcheck",
  statement: "the f64 oracle's analytic backward matches central differences, real and " +
    "complex, with and without an initial state",
  source: "memspec: spec/oracle/decepticons/linear_recurrence.ts (f64 analytic backward)",
  bound: "max rel error <= 1e-6 (ledger GRADCHECK_MAX_REL)",
  kind: "gradcheck",
});

/** Keep gates below 1 bound the state (BIBO stability). */
export const SCAN_STABILITY = claim({
  id: "decepticons.linear_recurrence.property_stability",
  statement: "with keep gates |a| <= max keep < 1 and zero initial state, every state " +
    "satisfies |h_t| <= max|b| / (1 - max keep)",
  source: `${TORCH}, gated_delta / gated_retention keep ranges (bound derived)`,
  bound: "max_t |h_t| / (max|b| / (1 - max keep)) <= 1 + gamma_k (f32 rounding of the states)",
  kind: "property",
});

/** The numpy f64 scan fixture. */
export const SCAN_FIXTURES = claim({
  id: "decepticons.linear_recurrence.fixture_parity",
  statement: "the oracle and both GPU forms reproduce the numpy f64 sequential recurrences " +
    "(frozen bank, uniform gates, gated init keeps, complex, impulse)",
  source: "fixtures/gen/decepticons_scan_fixtures.py (numpy f64 sequential recurrences)",
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
