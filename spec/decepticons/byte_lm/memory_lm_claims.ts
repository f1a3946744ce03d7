/**
 * Claims of the online-memory attachment of the causal-bank byte LM (`memoryKind`): the online
 * causal memory's 7 features on the GPU (impl/decepticons/memory/online_causal_gpu.ts) and the
 * residual u ← u + σ(memory_gate)·(f W + b) on the readout input
 * (impl/decepticons/byte_lm/byte_lm.ts). The original is
 * asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7) with
 * asuramaya/decepticons:src/decepticons/online_memory.py.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

const TORCH = "asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py (7be9af7)";
const OCM = "asuramaya/decepticons:src/decepticons/online_memory.py (7be9af7)";
const ORACLE = "spec/oracle/decepticons/byte_lm.ts (memoryResidualOracle)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "decepticons", ...c });
}

/** The GPU features against the host memory's trace. */
export const OCM_GPU_PARITY = claim({
  id: "decepticons.memory.gpu_parity_online_features",
  statement: "the GPU kernel's 7 online-memory features of every position of a batch of byte " +
    "streams equal OnlineCausalMemory.trace (f64, exact contexts, maxOrder 3) of each stream, " +
    "on random, repetitive and long-repeat streams (B = 3, T in {1, 2, 3, 37, 300}), and a " +
    "stream with one token changed (control) moves the features after it",
  source: `${OCM}; impl/decepticons/memory/online_causal.ts`,
  bound: "|gpu − trace| <= the bound of a replay of the kernel's operations with the ledger's " +
    "track rules (invariants/tolerance.ts): counts exact integers in f32; f1, f3, f4 one WGSL " +
    "division of exact integers (2.5 ULP, WGSL_DIV_REL, not a correctly rounded division); the " +
    "entropies f0, f2 a sequential sum over the 256 counts of p·log p (p = c/n by WGSL division, " +
    "log 3 ULP outside [0.5, 2], 2⁻²¹ absolute inside) and, for an unseen byte, the clip term " +
    "1e-10·log(1e-10) (the literal rounded, one log, one product), each subtraction one " +
    "rounding; f5, f6 log(1 + n) of an exact integer; ratio <= 1 for every element",
  kind: "parity",
});

/** Query before update on the GPU. */
export const OCM_GPU_CAUSAL = claim({
  id: "decepticons.memory.property_online_features_causal",
  statement: "the GPU features at position t depend on the tokens before t only: changing the " +
    "tokens at and after t0 leaves every feature row <= t0 bit-identical, and changes a later " +
    "row (control)",
  source: `${OCM} (query before update)`,
  bound: "max |Δ| over rows <= t0 == 0 (T = 40, t0 in {0, 17, 39}); rows after t0 changed",
  kind: "property",
});

/** The LM with a memory against the oracle, staged. */
export const MEMORY_LM_GPU_PARITY = claim({
  id: "decepticons.byte_lm.gpu_parity_memory",
  statement: "the byte LM with memoryKind ngram, exact_context and statistical_backoff equals " +
    "the f64 oracle (features from OnlineCausalMemory.trace, the residual σ(g)·(f W + b) in " +
    "f64) stage by stage: the features f, the readout input u = [S, x] + σ(g)·(f W + b), the " +
    "linear and local readouts' logits on the GPU's u and window, and the model's logits",
  source: `${TORCH} (memory_kind, _memory_proj, _memory_gate); ${ORACLE}`,
  bound: "ratio |gpu − oracle| / bound <= 1 per element, bound x BYTE_LM_REFERENCE_FACTOR: f " +
    "the features' replayed bound; u the [S, x] columns' bound of spec/decepticons/byte_lm/" +
    "_bounds.ts with the residual replayed by the track rules (the 7-term dot product γ₇ with " +
    "the features' bound carried through |W|, + b, sigmoid as 1/(1 + exp(−g)), one product, " +
    "one add); readouts spec/decepticons/readouts/_bounds.ts; the additive mix replayed",
  kind: "parity",
});

/** Causality of the LM with a memory. */
export const MEMORY_LM_CAUSAL = claim({
  id: "decepticons.byte_lm.property_memory_causal",
  statement: "the byte LM with every memoryKind is causal: an impulse at t0 leaves the logits " +
    "before t0 bit-identical and changes the logits at t0 (T = 40 > scan chunk 16)",
  source: `${TORCH}; asuramaya/decepticons:tests/test_causality.py`,
  bound: "max |Δ| before t0 == 0 (T = 40, t0 = 33, B = 2); configurations unchanged at t0 == 0",
  kind: "property",
});

/** σ(0) = 1/2: the memory acts at init. */
export const MEMORY_LM_ACTIVE_AT_INIT = claim({
  id: "decepticons.byte_lm.divergence_memory_active_at_init",
  statement: "at init (memory_gate = 0, σ = 1/2) the memory already changes the logits: the " +
    "model with memoryKind ngram differs from the same seed's memoryKind none model, which " +
    "differs from it only by the residual",
  source: `${TORCH} (memory gate initialised to 0)`,
  bound: "max |logits(ngram) − logits(none)| > 0 (same seed, same tokens)",
  kind: "property",
  direction: ">=",
  divergence: "The original's comment says the gate is initialised to 0 so the memory has no " +
    "effect at init, but its forward adds σ(0)·Linear(f) = 0.5·Linear(f): the memory is active " +
    "at init. memspec keeps the forward (gate 0, σ = 1/2) and states the true property.",
});

/** The projection sized from the actual readout input. */
export const MEMORY_LM_POLY_WIDTH = claim({
  id: "decepticons.byte_lm.divergence_memory_poly_width",
  statement: "with substratePolyOrder 2 or 3 and a memory the model builds memory_w as [7, F] " +
    "with F the actual readout input width (M + E + the polynomial terms), runs, and its logits " +
    "have shape [B, T, 256] and are finite",
  source: `${TORCH} (_memory_proj = Linear(7, M + E))`,
  bound: "configurations with a wrong width, shape or a non-finite logit == 0",
  kind: "property",
  direction: "==",
  divergence: "The original sizes the memory projection M + E, so with substrate_poly_order >= 2 " +
    "the forward crashes (a 34 vs 24 feature mismatch). memspec sizes it from the readout " +
    "input's actual width.",
});

/** exact_context reads the same features as ngram. */
export const MEMORY_LM_EXACT_CONTEXT = claim({
  id: "decepticons.byte_lm.divergence_memory_exact_context",
  statement: "the online memory keeps one table per order, so order 4 (the original's " +
    "exact_context) never changes the trigram feature f4: the host trace with maxOrder 4 equals " +
    "maxOrder 3's on every feature, and the LM's logits with memoryKind exact_context equal " +
    "ngram's bit for bit on the same seed",
  source: `${OCM} (one hashed table for every order >= 3); ${TORCH} (exact_context → order 4)`,
  bound: "max |trace(maxOrder 4) − trace(maxOrder 3)| == 0, with exact contexts and with the " +
    "original's hashing (8192 buckets, one table per order), and max |logits(exact_context) − " +
    "logits(ngram)| == 0",
  kind: "property",
  direction: "==",
  divergence: "The original hashes every order >= 3 into one shared table, so with max_order 4 " +
    "(exact_context) the 4-gram counts pollute the trigram feature f4 (by up to 0.5 in the " +
    "original's run). memspec keeps one table per order: exact_context's features equal " +
    "ngram's.",
});

/** The gradient reaches the memory's parameters. */
export const MEMORY_LM_GPU_GRADIENTS = claim({
  id: "decepticons.byte_lm.gpu_gradients_memory",
  statement: "the loss's gradient reaches memory_w, memory_b and memory_gate (non-zero) and " +
    "equals the oracle's backward of the residual σ(g)·(f W + b) from the GPU's ∂L/∂u: " +
    "∂W = fᵀ(σ ∂u), ∂b = Σ σ ∂u, ∂g = σ(1 − σ)·Σ ∂u ⊙ (f W + b)",
  source: `${TORCH}; ${ORACLE}`,
  bound: "ratio |gpu − oracle| / bound <= 1 per element (bound x BYTE_LM_REFERENCE_FACTOR: the " +
    "product σ ∂u and the projection replayed with the track rules, the N-row sums and the " +
    "matmul's γ_N on the computed operands, the sigmoid backward g·y·(1 − y)); zero gradients " +
    "== 0",
  kind: "parity",
});

/** Bad configurations and calls refused before any GPU work. */
export const MEMORY_LM_FAULTS = claim({
  id: "decepticons.byte_lm.fault_memory",
  statement: "an unknown or mistyped memoryKind, memoryKind with readoutBands > 1, " +
    "forwardEmbeds with a memory, and bad tokens of onlineCausalFeatures are refused with a " +
    "RangeError or TypeError naming the fields, before any GPU work, leaking no buffer",
  source: `${TORCH}; impl/decepticons/causal_bank/config.ts (memoryKind with bands)`,
  bound: "cases not refused with the documented error naming the fields, or leaking a buffer " +
    "== 0",
  kind: "fault",
  direction: "==",
});

/** The oracle's memory backward against central differences. */
export const MEMORY_LM_ORACLE_GRADCHECK = claim({
  id: "decepticons.byte_lm.oracle_gradcheck_memory",
  statement: "the f64 oracle's analytic gradients of the memory residual's parameters " +
    "(memoryResidualBackward: memory_w, memory_b, memory_gate) match central differences of " +
    "L = Σ ∂u ⊙ σ(g)·(f W + b) for a fixed adjoint ∂u, on byte streams with repeats",
  source: `${TORCH}; ${ORACLE}`,
  bound: "max rel error <= 1e-6 (GRADCHECK_MAX_REL; |a - n| / max(|a|, |n|, 1))",
  kind: "gradcheck",
});

/** Ids outside the byte range are not counted, never wrapped. */
export const OCM_GPU_INVALID_IDS = claim({
  id: "decepticons.memory.property_online_invalid_ids_not_counted",
  statement: "an id outside [0, 256) is never wrapped onto a byte: a stream holding 353 " +
    "(= 97 + 256) at some positions has the same GPU features as with -5 there (neither is " +
    "counted, and a context holding one has no row), and differs from the stream holding 97 " +
    "there (control)",
  source: `${OCM} (no token-range check: a negative id indexes from the end); ` +
    "impl/decepticons/memory/online_causal_gpu.ts",
  bound: "max |f(353) − f(−5)| == 0 over every row; rows differing from f(97) > 0",
  kind: "property",
  divergence: "The original checks no token range: a negative id indexes its count arrays from " +
    "the end (counted as another byte). memspec's host memory refuses such ids; its GPU kernel, " +
    "which cannot refuse without a host sync, counts none of them (as the embedding gives them " +
    "a zero row).",
});
