/**
 * Claims of AMS v4's three bundle encoders (impl/ams/encoders/): TimeEncoder, TopicEncoder
 * and ContextEncoder.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the definitions come from. */
export const ENCODERS_SOURCE =
  "FluffyAIcode/AgentMemorySystem:ams_v4/bundles/temporal.py (TimeEncoder, _fourier_features), " +
  "ams_v4/bundles/topic.py (TopicEncoder, _idf_weighted_centroid), ams_v4/bundles/context.py " +
  "(ContextEncoder) (PR #30)";

/** The original's unit tests the norm and shape claims come from. */
export const ENCODERS_TESTS = "FluffyAIcode/AgentMemorySystem:tests/test_v42.py (PR #30)";

/** The aliasing divergence in words. */
export const TIME_ALIASING_DIVERGENCE =
  "The original feeds raw integer write indices to Fourier frequencies ω = exp(linspace(0, " +
  "ln 10⁴, 4)) = [1, 21.54, 464.2, 10⁴] meant as a multi-scale ladder. At integer s, frequency ω " +
  "is indistinguishable from its alias |ω − 2π·round(ω/2π)| ∈ [0, π]: the ladder collapses to " +
  "[1, 2.695, 0.797, 2.831] rad/index (max/min 3.55 instead of 10⁴), so no feature resolves " +
  "scales beyond about 8 indices (period 2π/0.797). The top feature is not hash noise either: it is a deterministic " +
  "oscillation of period 2.22 indices (consecutive indices correlate at cos(2.831) = −0.95). In " +
  "float32 (the original's dtype), ω₄ = 10000.001 and s·ω rounds, moving the features at " +
  "s ≈ 1000 by up to 0.96 against float64; WGSL's sin/cos have no accuracy guarantee at such " +
  "arguments. memspec computes the features on the host in f64 (exact argument reduction)";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** f64 oracle gradients vs central differences. */
export const ENC_GRADCHECK = claim({
  id: "ams.encoders.oracle_gradcheck",
  statement: "the f64 oracle's analytic gradients of all three encoders (Fourier MLP, " +
    "LayerNorm and normalisation of the time encoder; the centroid MLP and sphere projection of " +
    "the topic encoder; the attention pool over previous turns, LayerNorm and normalisation of " +
    "the context encoder, with and without turns) with respect to h, the session summary, the " +
    "previous turns and every parameter match central differences",
  source: ENCODERS_SOURCE,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU forward vs oracle. */
export const ENC_GPU_PARITY = claim({
  id: "ams.encoders.gpu_parity",
  statement: "base, fiber and dirn of the three encoders on the GPU match the f64 oracle " +
    "element by element, on fixed cases (Cfg4's base and fiber dims, batches 1–3, ragged and " +
    "empty id lists with out-of-vocabulary ids, IDF, 0–3 previous turns) and fuzzed ones",
  source: `${ENCODERS_SOURCE}; memspec's ops against spec/oracle/ams/encoders.ts`,
  bound: "error/bound <= 1 per element, the bound from the running error analysis of every " +
    "f32 op the GPU runs (the oracle's tracked replay, spec/oracle/ams/encoders.ts)",
  kind: "parity",
});

/** GPU backward vs oracle. */
export const ENC_GPU_GRADIENTS = claim({
  id: "ams.encoders.gpu_gradients",
  statement: "the GPU gradients of h, the session summary, the previous turns and every " +
    "parameter of the three encoders match the oracle's analytic gradients on the same cases",
  source: `${ENCODERS_SOURCE}; memspec's autograd against spec/oracle/ams/encoders.ts`,
  bound: "error/bound <= 1 per element, bounds from the tracked replay of each op's backward",
  kind: "parity",
});

/** Oracle and GPU vs torch. */
export const ENC_FIXTURE_PARITY = claim({
  id: "ams.encoders.fixture_parity",
  statement: "the oracle matches an independent torch 1.13 float64 implementation of the three " +
    "encoders on embedded weights (base, fiber, dirn, the Fourier features and centroids, the " +
    "gradients of h, session, turns and the stored parameters), and the GPU encoders, fed the " +
    "raw time scalars (write indices up to 1000), ragged id lists and the normalised embedding " +
    "sub-table, match torch's base, fiber and dirn",
  source: `${ENCODERS_SOURCE}; fixtures/gen/ams_encoders_fixtures.py`,
  bound: "oracle: |oracle − torch| <= 1e-12·(1 + |torch|); memspec's host Fourier features " +
    "and centroids vs torch: same bound; GPU outputs vs torch: max abs <= 1e-5",
  kind: "parity",
});

/** Unit norms. */
export const ENC_UNIT_NORM = claim({
  id: "ams.encoders.property_unit_norm",
  statement: "on random inputs the time encoder's dirn, the topic encoder's base (= dirn) and " +
    "the context encoder's dirn have unit norm (with and without previous turns, empty id " +
    "lists included); in the degenerate case mixed = 0 the topic base is exactly 0 (no NaN: " +
    "0 / max(0, 1e-8))",
  source: `${ENCODERS_TESTS}::test_time_dirn_unit_norm, ::test_topic_base_on_sphere and its ` +
    "context-dirn test",
  bound: "max |‖d‖ − 1| <= 1e-4 (the original's tests); degenerate rows not exactly 0: 0",
  kind: "property",
});

/** prev_turns optional. */
export const ENC_PREV_OPTIONAL = claim({
  id: "ams.encoders.property_prev_turns_optional",
  statement: "the context encoder accepts prev_turns = null, T = 0 turns or [B, T, d]: null and " +
    "T = 0 give the same outputs bit for bit, and so do turns whose value projection is zero " +
    "(pooled = softmax·0 = 0): 'no turns' is exactly a zero pool; real turns change the output",
  source: `${ENCODERS_TESTS} (its prev_turns None vs (B, T, d) test); ${ENCODERS_SOURCE}`,
  bound: "arrays differing from the null-turns run: 0; min over rows of max |Δdirn| with real " +
    "turns >= 1e-3 (100× the fixtures' fp32 tolerance)",
  kind: "property",
  direction: "==",
});

/** IDF centroid zero. */
export const ENC_CENTROID = claim({
  id: "ams.encoders.property_centroid",
  statement: "the IDF centroid of an empty list, or of ids all out of vocabulary (−1, V, V + 5), " +
    "is exactly the zero vector; out-of-vocabulary ids among valid ones are ignored (the " +
    "centroid equals that of the valid ids alone, bit for bit); with IDF the weights are " +
    "floored at 0.1; the centroid equals the oracle's Σw·ŵ/max(Σw, 1e-8)",
  source: `${ENCODERS_TESTS} (IDF centroid tests); ${ENCODERS_SOURCE}`,
  bound: "non-zero entries of the empty/OOV centroids: 0; differing entries: 0; " +
    "|centroid − oracle| <= 1e-15",
  kind: "property",
  direction: "==",
});

/** Shapes and layout. */
export const ENC_SHAPES = claim({
  id: "ams.encoders.property_shapes",
  statement: "the encoders return base, fiber, dirn of shapes [B, d_base], [B, d_F], [B, d_base] " +
    "(time 8/32, topic 16/64, context 12/48 at Cfg4's defaults, other dims too), their " +
    "parameters carry the original's names and widths (hidden max(4·d_time, 32), fiber hidden " +
    "max(4·d_F, 64 | 128 | 96), d_attn max(4·d_ctx, 32), Fourier width 3·max(4, 2⌈d_time/2⌉) = 24), " +
    "and the Fourier features are laid out scalar-major: [sin(s_jω₁..ₖ), cos(s_jω₁..ₖ)] for " +
    "scalar j at offset j·n_f",
  source: `${ENCODERS_TESTS}; ${ENCODERS_SOURCE}`,
  bound: "violations = 0",
  kind: "property",
  direction: "==",
});

/** The Fourier aliasing divergence. */
export const ENC_ALIASING = claim({
  id: "ams.encoders.divergence_time_aliasing",
  statement: "at integer write indices the Fourier features of frequency ω equal those of its " +
    "alias ω' = |ω − 2π·round(ω/2π)| (sin with the alias's sign), so the ladder [1, 21.5, 464, " +
    "10⁴] acts as frequencies within [0, π]; the top feature is a deterministic oscillation " +
    "(consecutive-index correlation cos ω'₄), not noise; the float32 frequencies of the " +
    "original move the features at s ≈ 1000 far from float64's",
  source: `${ENCODERS_SOURCE}; torch 1.13 float32 linspace/exp`,
  bound: "parts: max |feature(ω) − feature(alias)| over s ∈ [0, 2000] <= 1e-8 (f64 rounding " +
    "of s·ω and of the alias, derived in the test); largest aliased frequency <= π (the nominal " +
    "top is 10⁴); |corr(f(s), f(s+1)) − cos ω'₄| at ω₄ <= 0.01 over " +
    "2000 indices; max float32 − float64 feature difference for s ∈ [990, 1010] >= 0.5",
  kind: "property",
  divergence: TIME_ALIASING_DIVERGENCE,
});

/** Bad input. */
export const ENC_FAULT = claim({
  id: "ams.encoders.fault",
  statement: "a wrong h width, a flat id list with B ≠ 1, an id-list count ≠ B, a non-integer " +
    "id, a NaN in h or the time scalars, wrong time-scalar or surprise lengths, prev_turns of " +
    "the wrong width or batch, a session summary of the wrong shape, bad weights, an invalid " +
    "configuration (d_time < 4) and a disposed parameter raise the documented typed error " +
    "before any GPU work, with no leaked buffer",
  source: `${ENCODERS_SOURCE} (its asserts); memspec's error conventions`,
  bound: "cases without the documented error = 0",
  kind: "fault",
  direction: "==",
});

/** Seeded PyTorch-default initialisation. */
export const ENC_INIT = claim({
  id: "ams.encoders.property_init",
  statement: "seeded construction reproduces PyTorch's default initialisation in distribution " +
    "at Cfg4's defaults (d_LLM 1536): every nn.Linear weight and bias in U(±1/√fan_in) " +
    "(kaiming_uniform_(a = √5) and the bias rule), LayerNorm γ = 1 and β = 0; the same seed " +
    "gives the same parameters bit for bit and another seed different ones",
  source: "PyTorch 1.13 nn.Linear.reset_parameters and nn.LayerNorm; " + ENCODERS_SOURCE,
  bound: "violations = 0: values outside ±1/√fan_in, sample mean or variance of a tensor " +
    "(>= 32 values) more than 6 standard errors from 0 and b²/3, LayerNorm not ones/zeros, " +
    "seeded runs differing, seeds not differing",
  kind: "property",
  direction: "==",
});
