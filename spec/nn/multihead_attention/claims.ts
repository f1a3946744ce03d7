/**
 * Claims of multi-head attention (impl/nn/multihead_attention/) with
 * PyTorch 1.13 `torch.nn.MultiheadAttention` semantics.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definition comes from. */
export const MHA_SOURCE = "PyTorch 1.13 torch.nn.MultiheadAttention and " +
  'torch.nn.functional.multi_head_attention_forward; Vaswani et al., "Attention Is All You ' +
  'Need" (2017), §3.2.2';

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "nn", ...c });
}

/** f64 oracle gradients vs central differences. */
export const MHA_GRADCHECK = claim({
  id: "nn.multihead_attention.oracle_gradcheck",
  statement: "multi-head attention: the f64 oracle's analytic gradients of query, key, value, " +
    "in_proj_weight/bias and out_proj weight/bias match central differences, masks off and on " +
    "(key padding, additive and boolean attn_mask, per-head masks), without biases and with " +
    "attention dropout",
  source: MHA_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** Fused GPU forward vs the oracle, fuzzed. */
export const MHA_GPU_PARITY = claim({
  id: "nn.multihead_attention.gpu_parity",
  statement: "multi-head attention on the GPU (matmul projections, fused attention core) " +
    "matches the f64 oracle's output and per-head weights element by element, fuzzed (>= 100 " +
    "runs) over B, heads, Lq, Lk, dh with sizes 1, primes and Lk past the 64-invocation " +
    "workgroup, masks on and off, plus fixed cases (1 query over 20 memories, 11 tokens, large " +
    "scores)",
  source: `${MHA_SOURCE}; memspec's kernels against spec/oracle/nn/multihead_attention.ts`,
  bound: "error/bound <= 1, bound per element from a running error analysis replaying the " +
    "kernels' f32 operations (spec/nn/multihead_attention/_bounds.ts: matmul γ_d·Σ|terms|, " +
    "WGSL exp 3+2|x| ulp, division 2.5 ulp, sums with order-free path lengths)",
  kind: "parity",
});

/** Fused GPU backward vs the oracle's analytic gradients. */
export const MHA_GPU_GRADIENTS = claim({
  id: "nn.multihead_attention.gpu_gradients",
  statement: "the GPU backward of multi-head attention (two fused kernels plus the matmul " +
    "backward) matches the oracle's analytic gradients of every input and parameter on the " +
    "same fuzzed and fixed cases, masks and attention dropout on and off",
  source: `${MHA_SOURCE}; memspec's kernels against spec/oracle/nn/multihead_attention.ts`,
  bound: "error/bound <= 1, bounds from the same running error analysis of the backward",
  kind: "parity",
});

/** Oracle and GPU vs torch. */
export const MHA_FIXTURE_PARITY = claim({
  id: "nn.multihead_attention.fixture_parity",
  statement: "the oracle and the GPU match torch 1.13 nn.MultiheadAttention (float64, " +
    "batch_first, eval) on embedded weights and inputs: output, averaged and per-head weights " +
    "and every gradient, masks off and on, 1 query over 20 memories and 11 tokens",
  source: `${MHA_SOURCE}; fixtures/gen/nn_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); GPU: error/bound <= 1 (the derived " +
    "f32 bound plus 1e-12·(1 + |torch|) for torch's own f64 rounding)",
  kind: "parity",
});

/** Attention weights behave as probabilities; masked keys get exactly zero. */
export const MHA_PROPERTY_MASK = claim({
  id: "nn.multihead_attention.property_masked_zero",
  statement: "masked keys get attention weight exactly 0 and each query's weights sum to 1 " +
    "within the derived bound; attention dropout is reproducible by seed and off in eval " +
    "(eval output equals the dropout-free oracle)",
  source: MHA_SOURCE,
  bound: "violations = 0",
  kind: "property",
});

/** Bad input raises the documented error before GPU work. */
export const MHA_FAULT = claim({
  id: "nn.multihead_attention.fault",
  statement: "d not divisible by heads, shape and rank mismatches, mask shape and element type, " +
    "a fully masked row and disposed parameters raise the documented typed error naming " +
    "multiheadAttention before any GPU work, with no leaked buffer and parameters unchanged",
  source: `${MHA_SOURCE}; memspec's error conventions (impl/gpu/errors.ts)`,
  bound: "cases without the documented error = 0",
  kind: "fault",
});
