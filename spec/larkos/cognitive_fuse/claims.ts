/**
 * Claims of Larkos 0.3's weight-free cognitive fusion (impl/larkos/cognitive_fuse/): the hash
 * coefficient and the published anchors, parity with an independent gcc-compiled f32 C
 * implementation, the GPU kernels against the host, the mechanism's stated properties, and two
 * divergences (importance weighting cancelled by LayerNorm; the bands are not orthogonal).
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";

/** Where the mechanism comes from. */
export const CF_SOURCE = "Okerew/larkos_models:modules/fusion_mechanism/fusion_mechanism.c " +
  "(cognitive_fuse, proj_coef, project, project_band, layer_norm)";

/** The fixture reference. */
const GCC = "fixtures/gen/larkos_cognitive_fuse.c (independent f32 C, gcc -O2 " +
  "-ffp-contract=off) through fixtures/gen/larkos_cognitive_fuse_fixtures.py";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "larkos", ...c });
}

/** The eight published hash values, host. */
export const CF_HASH_ANCHORS = claim({
  id: "larkos.cognitive_fuse.fixture_parity_hash_anchors",
  statement: "proj_coef on the host (BigInt u64, and the u32-pair fast path) reproduces the " +
    "eight published coefficients exactly: (0,0) −0.981544375, (0,1), (1,0), (1,767), (63,21), " +
    "(1009,0), (3001,1), (3032,767)",
  source: `${CF_SOURCE}; the published hash anchors of the Larkos 0.3 analysis`,
  bound: "mismatching f32 values = 0",
  kind: "exact",
  direction: "==",
});

/** Host hash against the gcc hash. */
export const CF_HASH_FIXTURE = claim({
  id: "larkos.cognitive_fuse.fixture_parity_hash",
  statement: "proj_coef on the host (BigInt and fast path) equals the C's uint64_t hash bit for " +
    "bit on 520 pairs: the anchors, rows of both bands and the key projection, random u32 pairs",
  source: `${CF_SOURCE}; ${GCC}`,
  bound: "mismatching f32 values = 0",
  kind: "exact",
  direction: "==",
});

/** The two published output anchors, host. */
export const CF_FUSE_ANCHORS = claim({
  id: "larkos.cognitive_fuse.fixture_parity_anchors",
  statement: "the host fusion reproduces the two published output anchors (A: llm = [1..8]/8, " +
    "no memories, no text, β = 0.5, c = 0.5; B: three memories, importances [1, 0.5, 2], " +
    "dw = 0.1, β = 0.7, c = 0.25, text sin(0..15)), out[0:6] within 1e-5",
  source: `${CF_SOURCE}; the published fusion anchors of the Larkos 0.3 analysis (float32)`,
  bound: "max |out − anchor| <= 1e-5 (the anchors' printed precision and stated tolerance)",
  kind: "parity",
});

/** Host against the gcc reference, every intermediate. */
export const CF_HOST_FIXTURE = claim({
  id: "larkos.cognitive_fuse.fixture_parity_host",
  statement: "the f32 host equals the gcc-compiled C bit for bit (output, query, every score, " +
    "the top-K index list, softmax weights, mv, both bands, s) on 20 cases (anchors, 0 to 1300 " +
    "memories, ties at the K boundary, text and no text, β = 0 and outside [0, 1], empty llm, " +
    "signed and zero importances, c outside [0, 1]) wherever libm's expf was correctly rounded; " +
    "where it was not, within 1e-5",
  source: `${CF_SOURCE}; ${GCC}`,
  bound: "non-identical values in cases with correctly rounded expf = 0; top-K lists differing " +
    "= 0; max |host − C| <= 1e-5 over all cases",
  kind: "exact",
  direction: "==",
});

/** GPU hash. */
export const CF_GPU_HASH = claim({
  id: "larkos.cognitive_fuse.gpu_parity_hash",
  statement: "the WGSL u32-pair emulation of the 64-bit hash equals the host's BigInt u64 " +
    "proj_coef bit for bit: the eight anchors, the fixture's 520 pairs and a grid of 64 rows of " +
    "each band and projection by 800 columns",
  source: `${CF_SOURCE}; impl/larkos/cognitive_fuse/kernels/hash.ts`,
  bound: "mismatching f32 values = 0",
  kind: "exact",
  direction: "==",
});

/** GPU anchors. */
export const CF_GPU_ANCHORS = claim({
  id: "larkos.cognitive_fuse.gpu_parity_anchors",
  statement: "the GPU fusion reproduces the two published output anchors A and B, out[0:6] " +
    "within 1e-5",
  source: `${CF_SOURCE}; the published fusion anchors of the Larkos 0.3 analysis (float32)`,
  bound: "max |out − anchor| <= 1e-5",
  kind: "parity",
});

/** GPU against host and gcc. */
export const CF_GPU_PARITY = claim({
  id: "larkos.cognitive_fuse.gpu_parity",
  statement: "the batched GPU fusion (four dispatches, one sync for all calls) matches the f32 " +
    "host on the 20 gcc cases and 6 seeded inputs (up to 1300 memories, L up to 768, with and " +
    "without text), and the gcc outputs, element by element",
  source: `${CF_SOURCE}; ${GCC}`,
  bound: "max |gpu − host| <= 1e-5 and max |gpu − C| <= 1e-5 (the f32 fixture tolerance; the " +
    "kernels differ from the host only through WGSL's exp, sqrt and division)",
  kind: "parity",
});

/** Output statistics. */
export const CF_STATISTICS = claim({
  id: "larkos.cognitive_fuse.property_output_statistics",
  statement: "the output is a LayerNormed 64-vector: mean 0 and population variance 1 − O(1e-6) " +
    "on every gcc case and seeded input (the deficit is ε/(v + ε) for the cross vector's " +
    "variance v, which is ≥ 0.1 in every case)",
  source: `${CF_SOURCE} (header: LN'd FUSION_DIM output, two bands of 32)`,
  bound: "|mean| <= 1e-6, |1 − var| <= 1e-5, min cross variance >= 0.1",
  kind: "property",
});

/** Determinism. */
export const CF_DETERMINISM = claim({
  id: "larkos.cognitive_fuse.property_determinism",
  statement: "the fusion is deterministic: repeated host calls and repeated GPU batches give " +
    "bit-identical outputs",
  source: `${CF_SOURCE} (weight-free and deterministic)`,
  bound: "non-identical values across runs = 0",
  kind: "property",
  direction: "==",
});

/** Top-K. */
export const CF_TOP_K = claim({
  id: "larkos.cognitive_fuse.property_top_k",
  statement: "top-K = min(n', 32) over the first 1200 memories: adding 80 memories whose scores " +
    "fall below the current 32nd (appended, or prepended) leaves the output bit-identical; " +
    "memories past the 1200th are never read; the softmax runs over K entries only (K weights " +
    "summing to 1); ties keep the earlier memory",
  source: `${CF_SOURCE}; Okerew/larkos_models:Documents/thesis.tex (Design Rationale: top-K = 32 ` +
    "over at most 1200 memories)",
  bound: "output changes = 0; weights per call = min(n', 32); |Σw − 1| <= 32·2⁻²³",
  kind: "property",
  direction: "==",
});

/** β = 0. */
export const CF_BETA_ZERO = claim({
  id: "larkos.cognitive_fuse.property_beta_zero",
  statement: "mem_weight_ratio = 0 gives the pure prior: with β = 0 the output does not depend " +
    "on the memory vectors (all 50 replaced by others: bit-identical output), host and GPU",
  source: "Okerew/larkos_models:modules/fusion_mechanism/fusion.py (docstring: ratio 0 = pure " +
    `prior); ${CF_SOURCE}`,
  bound: "max |out(vec) − out(vec')| = 0",
  kind: "property",
  direction: "==",
});

/** Context factor. */
export const CF_CONTEXT = claim({
  id: "larkos.cognitive_fuse.property_context_factor",
  statement: "context_factor modulates the cross-band mix: s = 0.5·σ(2c − 1) lies in " +
    "[0.134, 0.366] for c ∈ [0, 1] (increasing, 1001 points), and the output changes with c " +
    "(c = 0 and c = 1 against c = 0.5)",
  source: CF_SOURCE,
  bound: "min s >= 0.134, max s <= 0.366, decreasing steps = 0, output change >= 1e-3 (100× " +
    "the parity tolerance)",
  kind: "property",
  direction: ">=",
});

/** Query scale invariance. */
export const CF_SCALE = claim({
  id: "larkos.cognitive_fuse.property_query_scale",
  statement: "the output is invariant to the scale of the llm embedding (q is LayerNormed): " +
    "exactly in the f64 definition with ε = 0 (llm ×5 and ×0.25), and in f32 with ε = 1e-6 " +
    "llm ×5 changes the output by at most 1e-5 (anchors A, B and 3 seeded inputs; shrinking " +
    "the llm instead raises the ε term, figures in the detail)",
  source: `${CF_SOURCE} (derived: project is linear and LN is scale-invariant up to ε)`,
  bound: "max |out(5·llm) − out(llm)| <= 1e-5 (f32); f64 with ε = 0: <= 1e-12",
  kind: "property",
});

/** Importance weighting is cancelled by LN. */
export const CF_IMPORTANCE = claim({
  id: "larkos.cognitive_fuse.divergence_importance_noop",
  statement: "positive importances do not weight the memory keys: key = LN(project(imp·x)) = " +
    "LN(project(x)) for imp > 0, exactly in the f64 definition with ε = 0 (importances ×7.3 " +
    "and drawn at random in [0.05, 4.05]); in f32 with ε = 1e-6 the change is the ε term of " +
    "the f64 definition up to f32 rounding; negating the importances flips the keys and " +
    "changes the output by O(1)",
  source: `${CF_SOURCE} (comment: importance-weighted blend); Okerew/larkos_models:README.md ` +
    "(step 9)",
  bound: "f64 change with ε = 0 <= 1e-12; |f32 change − f64 change with ε = 1e-6| <= 2e-5 " +
    "(twice the f32 tolerance 1e-5); change under negation >= 0.1",
  kind: "property",
  divergence: "the original describes an importance-weighted blend of memory keys, but the key " +
    "is LayerNormed after the (linear) projection, so any positive importance cancels: scaling " +
    "all importances by 7.3 or drawing them at random moves the output only by the ε term " +
    "(f32 figures in the detail; the analysis measured 6.9e-5 and 2.5e-4), while negating them " +
    "flips every key and changes the output completely (4.45 in the analysis)",
});

/** The bands are not orthogonal subspaces. */
export const CF_BANDS = claim({
  id: "larkos.cognitive_fuse.divergence_band_coupling",
  statement: "the two band seeds give different, not orthogonal, projections, and the mix and " +
    "final LN couple the bands: the largest |cosine| between a query-band row (seed 1009) and " +
    "a memory-band row (seed 3001) is far from 0, and changing only the memories (query fixed) " +
    "moves the query band's outputs out[0:32]",
  source: "Okerew/larkos_models:Documents/thesis.tex (Design Rationale: separate band seeds " +
    `put the two streams in orthogonal subspaces); ${CF_SOURCE}`,
  bound: "max |cos(row_q, row_m)| >= 0.1 (0 if orthogonal); max |Δout[0:32]| >= 1e-2 under a " +
    "memory-only change (0 if the streams stayed apart)",
  kind: "property",
  direction: ">=",
  divergence: "the thesis says the separate band seeds put the two streams in orthogonal " +
    "subspaces; the seeds only make two different random ±1 projections (their rows are " +
    "correlated: cosines up to the figure in the detail), the bands are disjoint coordinate " +
    "ranges only before the mix, and s·fused_{(i+32) mod 64} plus the final LayerNorm couple " +
    "them, so orthogonality is not a property of the output",
});

/** Bad input. */
export const CF_FAULT = claim({
  id: "larkos.cognitive_fuse.fault",
  statement: "bad input to cognitiveFuse, cognitiveFuseTrace, cognitiveFuseGpu(Batch), projCoef " +
    "and projCoefGpu (memories of the wrong width, importances not one per memory, dw of the " +
    "wrong length, NaN or ±∞ in any list or scalar, non-integer or out-of-range hash indices, " +
    "llm + text past the GPU loop budget, not an object or array) raises a TypeError or " +
    "RangeError naming what was wrong, before any GPU work and without leaking a buffer",
  source: "memspec error policy (README: Errors)",
  bound: "cases failing otherwise = 0",
  kind: "fault",
  direction: "==",
});
