/**
 * Claims of the causal bank's readouts (impl/decepticons/readouts/): the MLP, tied-recursive,
 * routed squared-ReLU experts (with the Switch balance loss), tied-embedding and GRU readouts,
 * readout bands with band experts, and the gated local/linear mix, from
 * asuramaya/decepticons at 7be9af7 (models/readouts_torch.py, models/causal_bank_torch.py).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const READOUTS = "asuramaya/decepticons:src/decepticons/models/readouts_torch.py (7be9af7)";
const BANK = "asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7)";
const CAUSALITY = "asuramaya/decepticons:tests/test_causality.py (7be9af7)";
const FIXTURE = "fixtures/gen/decepticons_readout_fixtures.py (PyTorch 1.13, float64)";
const ORACLE = "spec/oracle/decepticons/readouts.ts";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The f64 oracle against PyTorch, every kind. */
export const READOUT_FIXTURE = claim({
  id: "decepticons.readouts.fixture_parity",
  statement: "the f64 readout oracle on the shipped weights reproduces PyTorch's logits (and " +
    "balance loss) for every readout kind: MLP (two GELU layers), tied-recursive (depth 3, " +
    "non-zero offsets), routed experts (4), tied-embedding with and without row normalisation, " +
    "GRU, bands n = 2 (MLP), n = 3 over M = 10 modes (routed, band experts 4, 2, 0, and " +
    "4, 0, 2, whose last band reads the remainder modes 6..9) and n = 2 tied-embedding bands; and the gated mix's gate and logits " +
    "(E = 8, M = 16, V = 256, B = 2, T = 40)",
  source: `${READOUTS}; ${BANK}; ${FIXTURE}`,
  bound: "|oracle - torch| <= 1e-12·max(|torch|, 1) per value (FIXTURE_F64_REL)",
  kind: "parity",
  divergence: "memspec's GELU is the tanh approximation its kernels compute; the original's " +
    "readouts use nn.GELU's exact erf form (the two differ by at most about 5e-4 per " +
    "activation). The fixture runs torch's GELU(approximate='tanh') on both sides, so this " +
    "claim checks the readouts' structure, not the original's activation bit for bit.",
});

/** The GPU forward against the oracle on the same f32 weights. */
export const READOUT_GPU_PARITY = claim({
  id: "decepticons.readouts.gpu_parity",
  statement: "every readout on the GPU (the fixture's cases, weights and features rounded to " +
    "f32) gives the f64 oracle's logits and balance loss, and the gated mix its gate and " +
    "logits, within bounds derived by running error analysis of the GPU's own op sequence",
  source: `${READOUTS}; ${ORACLE}; spec/decepticons/readouts/_bounds.ts`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per value, e the running f32 error bound of " +
    "spec/decepticons/readouts/_bounds.ts (worst ratio <= 1)",
  kind: "parity",
});

/** The balance loss's value table. */
export const READOUT_BALANCE_VALUES = claim({
  id: "decepticons.readouts.property_balance_values",
  statement: "the routed readout's balance loss E·Σ f_e P_e is 1 for a uniform router, within " +
    "E·(1 − 1e-6) of E when one expert takes every row, in (0, E] for random routers, comes from " +
    "the forward that made it (two batches, two values, each its own), and a forward with 0 rows " +
    "is refused (E = 4)",
  source: `${READOUTS} (RoutedSquaredReLUReadout, balance loss)`,
  bound: "table rows violated = 0: uniform |L - 1| <= 2^-22; collapsed L >= 4·(1 - 1e-6); " +
    "random 0 < L <= 4 (5 seeds); per-batch L equals the oracle's of that batch within its " +
    "derived bound; B·T = 0 throws RangeError",
  kind: "property",
  divergence: "The original keeps the balance loss in the module from the last forward (0 " +
    "before any forward), so a caller reading it after another batch gets that batch's value; " +
    "memspec returns it from the forward that computed it.",
});

/** The balance gradient flows only through P. */
export const READOUT_BALANCE_GRADIENT = claim({
  id: "decepticons.readouts.gpu_gradients_balance",
  statement: "the GPU gradient of the balance loss in the router logits equals the analytic " +
    "(E/N)·π_j·(f_j − Σ_e f_e π_e) with the hard fractions f held constant (they carry no " +
    "gradient; only P does), on a random and a collapsed router (N = 80, E = 4)",
  source: `${READOUTS} (f from argmax, detached); ${ORACLE} (balanceLossGradLogits)`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per logit, e the derived bound of the GPU's backward " +
    "(worst ratio <= 1)",
  kind: "parity",
});

/** Convex combination. */
export const READOUT_CONVEX = claim({
  id: "decepticons.readouts.property_convex_combination",
  statement: "the routed readout's logits are the π-weighted sum of its experts' logits: the " +
    "router's rows are on the simplex (π >= 0, Σπ = 1 up to the softmax's rounding) and the " +
    "forward's logits equal Σ_e π_e ℓ_e of the GPU's own π and ℓ up to the sum's rounding",
  source: `${READOUTS} (RoutedSquaredReLUReadout.forward)`,
  bound: "π >= 0; |Σπ - 1| <= (1 + 5u)/(1 - γ_3) - 1 + 4·2^-126; |logit - Σπℓ| <= " +
    "γ_4·Σ|πℓ| + 8·2^-126 (worst ratio <= 1)",
  kind: "property",
});

/** Tied recursive at δ = 0 is D GELU layers. */
export const READOUT_TIED_RECURSIVE = claim({
  id: "decepticons.readouts.property_tied_recursive_unrolled",
  statement: "a fresh tied-recursive readout (δ = 0) of depth D equals D applications of one " +
    "GELU layer with the shared weights, written out as a plain MLP on the same GPU ops (D = 1, " +
    "2, 3)",
  source: `${READOUTS} (TiedRecursiveReadout)`,
  bound: "max |Δ logits| = 0",
  kind: "exact",
});

/** Causality of every readout kind. */
export const READOUT_CAUSALITY = claim({
  id: "decepticons.readouts.property_causality",
  statement: "changing the features at t0 = 33 leaves every logit before t0 bit-identical and " +
    "changes the logits at t0, for every readout kind (MLP, tied-recursive, routed, " +
    "tied-embedding, GRU, bands) and the gated mix, at T = 40 > 32",
  source: `${CAUSALITY} (test_readout_bands_is_causal, routed experts), ported to every kind`,
  bound: "max |Δ| before t0 = 0 and every kind's logits at t0 change",
  kind: "property",
  divergence: "The original tests causality at seq_len 32 with a 1e-5 tolerance and not for " +
    "every readout kind.",
});

/** Seeded init: the GRU and the bands. */
export const READOUT_SEEDED = claim({
  id: "decepticons.readouts.divergence_seeded_init",
  statement: "two readouts built with one seed have bit-identical parameters and logits, for " +
    "every kind including the GRU readout and every band's readout; another seed gives other " +
    "parameters",
  source: `${READOUTS} (GRUReadout: nn.GRU initialised from torch's global RNG); ${BANK} ` +
    "(band readouts not seed-initialised)",
  bound: "max |Δ| between same-seed builds = 0 (parameters and logits); every parameter " +
    "tensor differs under another seed",
  kind: "property",
  divergence: "The original seeds only the GRU readout's output layer: two constructions with " +
    "one init_seed under different global torch seeds give logits differing by 1.14; its band " +
    "readouts likewise differ between torch seeds. memspec seeds every tensor from (seed, name).",
});

/** Remainder modes reach the logits. */
export const READOUT_BAND_REMAINDER = claim({
  id: "decepticons.readouts.divergence_band_remainder",
  statement: "with M = 10 modes in n = 3 bands the last band reads modes 6–9: zeroing any " +
    "single mode, the remainder mode 9 included, changes the logits",
  source: `${BANK} (readout_bands: band width ⌊M/n⌋)`,
  bound: "modes whose zeroing leaves the logits unchanged = 0 (of 10)",
  kind: "property",
  direction: "==",
  divergence: "The original drops the M mod n remainder modes: zeroing mode 9 of M = 10 with " +
    "3 bands changes its logits by exactly 0 (mode 8: 0.26).",
});

/** No dead band parameters, no unused full readout. */
export const READOUT_BAND_LIVE = claim({
  id: "decepticons.readouts.divergence_band_parameters_live",
  statement: "a banded readout holds only its bands' parameters, and every one of them gets a " +
    "non-zero gradient from the logits (MLP, routed and tied-embedding bands)",
  source: `${BANK} (readout_bands builds linear_readout beside the bands)`,
  bound: "parameter tensors with an all-zero gradient + parameters outside a band = 0",
  kind: "property",
  direction: "==",
  divergence: "The original builds the full linear readout beside the bands and never uses " +
    "it: 70,016 of 198,528 parameters (35 %) get no gradient at its default config with 4 bands.",
});

/** Every routed band is in the balance loss. */
export const READOUT_BAND_BALANCE = claim({
  id: "decepticons.readouts.divergence_band_balance",
  statement: "a banded readout's balance loss is the sum of every routed band's, " +
    "tied-embedding bands included: on the GPU it equals the oracle's sum over the routed " +
    "bands (routed bands 4, 2, 0 and tied-embedding bands 2, 2)",
  source: `${BANK} (band_balance_loss sums the RoutedSquaredReLU bands only)`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20), e the derived bound (worst ratio <= 1), with the " +
    "tied-band sum > 0",
  kind: "property",
  divergence: "The original's band_balance_loss skips TiedEmbed bands: it returns 0.0 for " +
    "tied bands (2.19 for routed band experts 4, 2, 0).",
});

/** The gate's range. */
export const READOUT_GATE_RANGE = claim({
  id: "decepticons.readouts.property_gate_range",
  statement: "the gated mix's gate lies in (0, localScale) for random logits (scales 0.5, 2 " +
    "and 4, localScale 0.25 and 1)",
  source: `${BANK} (mix_mode = "gated")`,
  bound: "gates outside (0, s) = 0 (of 480)",
  kind: "property",
  direction: "==",
});

/** Bad input. */
export const READOUT_FAULTS = claim({
  id: "decepticons.readouts.fault_validation",
  statement: "bad readout specs (unknown kinds, zero widths, one expert, band hidden widths " +
    "of 0, recurrent bands, a routed band with one expert, bandExperts of the wrong length), " +
    "bad build options and bad forward inputs (wrong shape, dtype, empty batch, a tied readout " +
    "without its embedding) raise a TypeError or RangeError naming the field, before any GPU " +
    "work",
  source: "memspec op conventions; the original's validation in " + BANK,
  bound: "cases not throwing the expected class with the field named + leaked buffers = 0",
  kind: "fault",
  direction: "==",
  divergence: "The original gives a band a hidden width of 0 when linear_hidden < readout_bands " +
    "(the band emits its bias only), and silently builds MLP bands for kind recurrent (and " +
    "for routed bands with one expert); memspec refuses each with a RangeError naming it.",
});

/** The GRU readout trains. */
export const READOUT_GRU_TRAINS = claim({
  id: "decepticons.readouts.behaviour_recurrent_trains",
  statement: "the GRU readout trains: 12 Adam steps (lr 1e-2) of cross-entropy on a fixed " +
    "batch lower the loss below its first value by at least 1e-3 nats, and every parameter " +
    "changes",
  source: "asuramaya/decepticons:tests/test_workstream_integration.py (7be9af7), " +
    "test_recurrent_readout_forward_and_train",
  bound: "first loss - min loss >= 1e-3 nats; parameter tensors unchanged = 0",
  kind: "behaviour",
  direction: ">=",
});

/** The oracle's analytic backward against central differences. */
export const READOUT_ORACLE_GRADCHECK = claim({
  id: "decepticons.readouts.oracle_gradcheck",
  statement: "the f64 readout oracle's analytic gradients of L = Σ w ⊙ logits (seeded w) in " +
    "every parameter tensor, the features and the tied embedding match central differences of " +
    "the oracle's forward, for the MLP, tied-recursive, routed, tied-embedding (plain and " +
    "normalised) and banded (MLP, routed with band experts 4, 2, 0, tied-embedding) readouts " +
    "and the gated mix (in both logits inputs, the gate's weights and bias), " +
    "on the fixture's weights (6 seeded elements per tensor) and on fuzzed weights of each " +
    "kind with B·T = 3 rows (24 seeded elements per tensor, every element of smaller ones)",
  source: `${ORACLE} (oracleReadoutBackward); invariants/gradcheck.ts`,
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL; |a - n| / max(|a|, |n|, 1))",
  kind: "gradcheck",
});

/** The GPU backward against the oracle's analytic gradients. */
export const READOUT_GPU_GRADIENTS = claim({
  id: "decepticons.readouts.gpu_gradients",
  statement: "the GPU's gradients of L = Σ w ⊙ logits (seeded w) in every parameter, in the " +
    "features and (tied readouts) in the embedding equal the f64 oracle's analytic gradients on " +
    "the same f32 weights, for the fixture's MLP, tied-recursive (depth 3), routed, " +
    "tied-embedding (plain and normalised) and banded (MLP; routed with band experts 4, 2, 0; " +
    "tied-embedding) readouts, and the gated mix's gradients in both logits inputs, the gate's " +
    "weights and bias (B = 2, T = 40, V = 256)",
  source: `${ORACLE} (oracleReadoutBackward); spec/decepticons/readouts/_bounds.ts`,
  bound: "|gpu - oracle| <= e·(1 + 2^-20) per element, e the running f32 error bound of the " +
    "GPU's backward (spec/decepticons/readouts/_bounds.ts, readoutGradBounds; worst ratio <= 1)",
  kind: "parity",
});
