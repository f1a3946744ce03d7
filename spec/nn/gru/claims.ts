/**
 * Claims of the GRU building block (impl/nn/gru/) with PyTorch 1.13 `nn.GRU`
 * semantics.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { FIXTURE_F64_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definition comes from. */
export const GRU_SOURCE = "PyTorch 1.13 torch.nn.GRU (batch_first, one layer, unidirectional); " +
  'Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for Statistical ' +
  'Machine Translation" (2014)';

/** The original whose GRU readout this block serves. */
export const GRU_READOUT_SOURCE =
  "asuramaya/decepticons:src/decepticons/models/readouts_torch.py (7be9af7)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "nn", ...c });
}

/** f64 oracle gradients vs central differences. */
export const GRU_GRADCHECK = claim({
  id: "nn.gru.oracle_gradcheck",
  statement: "GRU: the f64 oracle's back-propagation through time (gradients of x, h0, " +
    "weight_ih, weight_hh, bias_ih, bias_hh) matches central differences, with and without h0",
  source: GRU_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** Oracle and GPU vs torch. */
export const GRU_FIXTURE_PARITY = claim({
  id: "nn.gru.fixture_parity",
  statement: "the oracle and the GPU match torch 1.13 nn.GRU (float64) on shipped weights and " +
    "inputs: the states and the gradients of x, h0 and every weight, at T = 40 with and " +
    "without h0 and at T = 1",
  source: `${GRU_SOURCE}; fixtures/gen/nn_gru_fixtures.py`,
  bound: `oracle: |oracle − torch| <= ${FIXTURE_F64_REL}·(1 + |torch|); GPU: error/bound <= 1 ` +
    `(the derived f32 bound plus ${FIXTURE_F64_REL}·(1 + |torch|))`,
  kind: "parity",
});

/** GPU forward vs the oracle. */
export const GRU_GPU_PARITY = claim({
  id: "nn.gru.gpu_parity",
  statement: "the GPU GRU (one matmul for the input projection, one recurrent kernel looping " +
    "over T with h in workgroup memory) matches the f64 oracle's states element by element, " +
    "fixed cases (T = 40, T = 1, a sequence long enough to split over launches on a " +
    "loop-budgeted adapter, hidden sizes past one lane per unit) and fuzzed ones",
  source: `${GRU_SOURCE}; memspec's kernels against spec/oracle/nn/gru.ts`,
  bound: "error/bound <= 1, bound per element from a running error analysis replaying the " +
    "kernels' f32 operations (spec/nn/gru/_bounds.ts)",
  kind: "parity",
});

/** GPU backward vs the oracle's analytic gradients. */
export const GRU_GPU_GRADIENTS = claim({
  id: "nn.gru.gpu_gradients",
  statement: "the GPU backward of the GRU (one reverse-time kernel, then matmuls and sums) " +
    "matches the oracle's gradients of x, h0 and every weight on the same cases",
  source: `${GRU_SOURCE}; memspec's kernels against spec/oracle/nn/gru.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of the backward",
  kind: "parity",
});

/** Causality. */
export const GRU_CAUSAL = claim({
  id: "nn.gru.property_causal",
  statement: "the GRU is causal: changing x at t0 (T = 41, t0 = 20 and t0 = 33) leaves every " +
    "state before t0 bit-identical and changes the state at t0",
  source: `${GRU_READOUT_SOURCE} (unidirectional GRU readout); ${GRU_SOURCE}`,
  bound: "max |Δh| before t0 = 0 (and |Δh_t0| > 0)",
  kind: "property",
});

/** h0 honoured. */
export const GRU_H0 = claim({
  id: "nn.gru.property_h0",
  statement: "the initial state is honoured: an explicit zero h0 gives states bit-identical " +
    "to the default, a nonzero h0 changes them, and its gradient flows to h0 (parity claims " +
    "bound its values)",
  source: GRU_SOURCE,
  bound: "max |h(zero h0) − h(default)| = 0; max |h(h0) − h(default)| > 0; |∂h0| > 0",
  kind: "property",
});

/** Seeded init. */
export const GRU_SEEDED_INIT = claim({
  id: "nn.gru.divergence_seeded_init",
  statement: "initGruWeights draws every GRU tensor from memspec's counter-based Rng keyed by " +
    "(seed, name): two constructions with one seed are bit-identical whatever was drawn in " +
    "between, another seed or prefix changes every tensor, and every value lies in torch's " +
    "U(−1/√H, 1/√H)",
  source: `${GRU_READOUT_SOURCE}; ${GRU_SOURCE} (reset_parameters)`,
  bound: "max |Δ| between same-seed constructions = 0; max |w|·√H <= 1",
  kind: "property",
  divergence: "The original's GRU readout builds torch.nn.GRU with its default init, drawn " +
    "from torch's global RNG; only the output layer is seeded from init_seed. Two readouts " +
    "with the same init_seed under different global seeds give logits differing by 1.14; the " +
    "fixture measures the GRU states of torch.nn.GRU under global seeds 0 and 1 on one input " +
    "differing by up to 1.08 (fixtures/nn/gru.json).",
});

/** Bad input. */
export const GRU_FAULT = claim({
  id: "nn.gru.fault",
  statement: "non-tensor operands, wrong ranks, shapes and dtypes of x, h0 and each weight, " +
    "disposed tensors, a hidden size past the adapter's workgroup memory, and bad init " +
    "arguments (sizes, seed, prefix) raise a TypeError, RangeError or DisposedTensorError " +
    "naming the field before any GPU work (no dispatch recorded), with no leaked buffer",
  source: `${GRU_SOURCE}; memspec's error conventions (impl/gpu/errors.ts)`,
  bound: "cases without the documented error = 0",
  kind: "fault",
});

/** Every export of the GRU module refuses malformed arguments with a typed, named error. */
export const GRU_PUBLIC_FAULTS: Claim = declareClaim({
  id: "nn.gru.fault_fuzz_public_api",
  family: "nn",
  kind: "fault",
  statement: "every function exported by impl/nn/gru/gru.ts refuses malformed arguments (wrong " +
    "shapes, dtypes and types, NaN and ±Infinity, huge sizes, non-integers, disposed tensors) " +
    "with a TypeError or RangeError naming the GRU and what it expected, before any GPU work, " +
    "leaving the live-buffer count unchanged",
  source: "memspec op conventions (typed errors naming what was expected, before any GPU work)",
  bound: "failing (export, poison) cases = 0, per export",
});
