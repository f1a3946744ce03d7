/**
 * Claims of AMS v4's geometry (impl/ams/geometry/): the metric, the connection, the RK4
 * transporter, the geodesic solver and the topic bundle's slerp path.
 *
 * @module
 */
import { type Claim, declareClaim } from "../../_harness/claim.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";

/** Where the geometry comes from. */
export const GEOMETRY_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/bundles/base.py (PR #30) " +
  "RiemannianMetric, GeodesicSolver, FiberConnection, FiberTransporter";
/** Where the slerp path comes from. */
export const SLERP_SOURCE = "FluffyAIcode/AgentMemorySystem:ams_v4/bundles/topic.py (PR #30) " +
  "TopicBundle._great_circle_path";
const TESTS41 = "FluffyAIcode/AgentMemorySystem:ams_v4/tests/test_v41.py";
const TESTS42 = "FluffyAIcode/AgentMemorySystem:ams_v4/tests/test_v42.py";

function claim(c: Omit<Claim, "family">): Claim {
  return declareClaim({ family: "ams", ...c });
}

/** g is symmetric positive-definite. */
export const METRIC_SPD = claim({
  id: "ams.geometry.property_metric_spd",
  statement: "g(x) = LLᵀ is symmetric positive-definite at spec init for x ~ N(0, s²I), s ∈ " +
    "{0.1, 1, 10}, d ∈ {8, 12, 16}, several weight seeds: ‖g − gᵀ‖∞ ≤ 1e-5·‖g‖∞ in the oracle " +
    "and on the GPU, λ_min > 0 in the f64 oracle (host eigh), and the GPU's λ_min within Weyl's " +
    "bound of the oracle's (λ_min(ĝ) ≥ λ_min(g) − ‖E‖_F, E the derived f32 error of each entry)",
  source: `${GEOMETRY_SOURCE}; ${TESTS41}::test_metric_spd`,
  bound: "max ‖g − gᵀ‖∞/(1e-5·‖g‖∞) <= 1; oracle min λ_min > 0; GPU Weyl excess <= 0",
  kind: "property",
});

/** The exact anchor at x = 0. */
export const METRIC_ANCHOR = claim({
  id: "ams.geometry.property_metric_anchor",
  statement: "at init every bias is 0, so g(0) = (ln 2 + 1e-3)²·I = 0.481840·I for any weights: " +
    "the oracle within 1e-15 and the GPU within its derived f32 bound, for d ∈ {8, 12, 16} and " +
    "several weight seeds",
  source: `${GEOMETRY_SOURCE} (initialisation: zero biases; softplus(0) = ln 2)`,
  bound: "oracle max |g(0) − c·I| <= 1e-15; GPU error/bound <= 1; |c − 0.481840| <= 5e-7",
  kind: "exact",
});

/** A + Aᵀ = 0. */
export const CONNECTION_ANTISYMMETRIC = claim({
  id: "ams.geometry.property_connection_antisymmetric",
  statement: "A(x, v) = (R − Rᵀ)/2 is antisymmetric exactly (A + Aᵀ = 0 bit for bit: " +
    "(r_ij − r_ji)·0.5 and (r_ji − r_ij)·0.5 round to exact negatives) on the GPU and in the " +
    "oracle, random x, v and weights (spec init and the last layer ×10)",
  source: `${GEOMETRY_SOURCE}; ${TESTS41}::test_connection_antisymmetric`,
  bound: "max |A + Aᵀ| == 0 (the original's test allows 1e-5)",
  direction: "==",
  kind: "exact",
});

/** Norm drift on closed loops at spec init. */
export const TRANSPORT_NORM = claim({
  id: "ams.geometry.property_transport_norm",
  statement: "at spec init, transport along closed loops (the retraced p0 → p1 → p0 with p1 = " +
    "p0 + 0.1·1, and random closed 10-point loops) changes ‖f‖ by less than 1e-4 relative, in " +
    "the oracle and on the GPU (d_base 8, d_F 16 and 32)",
  source: `${GEOMETRY_SOURCE}; ${TESTS41}::test_transporter_preserves_norm (asserts < 10%)`,
  bound: "max |‖f_out‖ − ‖f‖|/‖f‖ <= 1e-4",
  kind: "property",
});

/** RK4's norm bound for small generators. */
export const TRANSPORT_RK4_BOUND = claim({
  id: "ams.geometry.property_transport_rk4_bound",
  statement: "with the generators scaled so that every ‖A‖₂ on the path is ≤ 0.5 (measured, a " +
    "premise of the claim), 3 unrenormalised RK4 segments change ‖f‖ by at most 1e-3 relative " +
    "(RK4 of a constant skew generator shrinks the norm by ≈ ‖hA‖⁶/144 per step; the generators " +
    "vary along the path, so the bound is checked, not derived), oracle f64",
  source: `${GEOMETRY_SOURCE} (RK4 stability function |R(iθ)|² = 1 − θ⁶/72 + θ⁸/576)`,
  bound: "max relative drift <= 1e-3 while max ‖A‖₂ <= 0.5",
  kind: "property",
});

/** The original's 10% ceiling holds only below a bound on ‖hA‖. */
export const TRANSPORT_CEILING = claim({
  id: "ams.geometry.divergence_transport_ceiling",
  statement: "RK4 keeps ‖f‖ within 10% only for small generators, not for arbitrary weights. " +
    "For a constant skew generator with eigenvalue iθ (θ = h·λ, h = 1 per segment) one step " +
    "scales that eigencomponent by |R(iθ)|, |R(iθ)|² = 1 − θ⁶/72 + θ⁸/576: below 1 for " +
    "0 < θ < 2√2 (as low as 0.5 at θ = √6), above 1 beyond. On closed 3-segment loops " +
    "p0 → p1 → p2 → p0 (no renormalisation before the 4th segment; d_base 8, d_F 16, 3 weight " +
    "seeds, 4 loops each), with the connection's last layer scaled per seed: (a) with every " +
    "‖A‖₂ on the loops ≥ 3.2 > 2√2 the norm grows by more than 10% on every loop; (b) with " +
    "every ‖A‖₂ ≤ 2.7 < 2√2 (inside RK4's stability interval) it still shrinks by more than " +
    "10% on some loop; (c) with every ‖A‖₂ ≤ 1 it changes by at most 10%, and by at most " +
    "1 − (569/576)^{3/2} ≈ 0.0182, the constant-coefficient figure for θ ≤ 1 (A is evaluated " +
    "at p0, mid and p1, so that analysis is approximate: checked, not derived); the bounds on " +
    "‖A‖₂ are measured premises; oracle f64 and GPU",
  source: `${GEOMETRY_SOURCE}; ${TESTS41}::test_transporter_preserves_norm (asserts < 10%); ` +
    "FluffyAIcode/AgentMemorySystem:ARCHITECTURE_v4_IMPL.md (PR #30) (transport preserves the " +
    "norm within 1%)",
  bound: "(a) min (‖f_out‖/‖f‖ − 1) >= 0.1; (b) max (1 − ‖f_out‖/‖f‖) >= 0.1; (c) max " +
    "|‖f_out‖/‖f‖ − 1| <= 0.1 and <= 0.0182; premises min ‖A‖₂ >= 3.2, max ‖A‖₂ <= 2.7, <= 1",
  direction: ">=",
  kind: "property",
  divergence: "the original's test asserts a relative norm drift < 10% on a closed path and its " +
    "IMPL doc says 1%; neither holds for arbitrary connection weights: RK4 is not norm-stable " +
    "for a skew generator with ‖hA‖₂ > 2√2 (measured: the norm grows by a factor of 3.7 to 25 " +
    "over 3 segments with every ‖A‖₂ in [3.2, 3.8]), and inside the stability interval it " +
    "shrinks by up to half per segment near ‖hA‖₂ = √6 (measured: to 0.55 of ‖f‖ over 3 " +
    "segments with ‖A‖₂ ≤ 2.7); the renormalisation every 4th segment cannot help within the " +
    "first 3. The ceiling is true below a bound on ‖hA‖₂: with ‖A‖₂ ≤ 1 the measured drift is " +
    "≤ 0.71%, under the constant-coefficient 1.82%",
});

/** The retraced loop does not return f. */
export const RETRACED_HOLONOMY = claim({
  id: "ams.geometry.divergence_retraced_holonomy",
  statement: "transport along the retraced path p0 → p1 → p0 (p1 = p0 + 0.1·1, 3 points) does " +
    "NOT return f at init: ‖f_out − f‖/‖f‖ stays above 0.01 for every seed (oracle f64, d_base 8, " +
    "d_F 32), because A(x, v) is not linear in v (A(x, −v) ≠ −A(x, v): the biases and x enter " +
    "it), so the zero-area loop has holonomy",
  source: `${GEOMETRY_SOURCE} (FiberConnection docstring: "connection A(x, v)")`,
  bound: "min over seeds ‖f_out − f‖/‖f‖ >= 0.01",
  direction: ">=",
  kind: "property",
  divergence: "a connection is linear in v, and parallel transport along a retraced path returns " +
    "the fibre exactly; the original's A(x, v) = (R − Rᵀ)/2 of an MLP of [x, v, triu g] is not, " +
    "and the retraced loop moves f by about 10% at init (figure in the detail)",
});

/** Geodesic endpoints exact. */
export const GEODESIC_ENDPOINTS = claim({
  id: "ams.geometry.property_geodesic_endpoints",
  statement: "the solved path has shape B × (n_geo_pts + 2) × d and its endpoints are exactly " +
    "x_s and x_e (copied in), on the GPU and in the oracle, random endpoints, n_geo_pts 2 and 8",
  source: `${GEOMETRY_SOURCE}; ${TESTS41}::test_geodesic_endpoints`,
  bound: "endpoint elements differing from the inputs == 0 (the original's test allows 1e-4)",
  direction: "==",
  kind: "exact",
});

/** Straight-line fallback. */
export const GEODESIC_FALLBACK = claim({
  id: "ams.geometry.property_geodesic_fallback",
  statement: "when the energy is not finite (endpoints so large that E overflows) the solver " +
    "returns the straight line x_s(1 − t) + x_e·t on n_geo_pts + 2 points with energy ∞, " +
    "converged false and 0 iterations, on the GPU and in the oracle; with finite energy the " +
    "linear path is never returned as a fallback",
  source: `${GEOMETRY_SOURCE}; ${TESTS41}::test_geodesic_linear_fallback`,
  bound: "cases failing == 0",
  direction: "==",
  kind: "behaviour",
});

/** The optimised energy can exceed the straight line's. */
export const GEODESIC_ENERGY = claim({
  id: "ams.geometry.divergence_geodesic_energy",
  statement: "the solver can return more energy than the straight line it started from: over " +
    "30 metric seeds (d = 8, x_s, x_e ~ N(0, I), spec init, n_geo_pts 8, ≤ 80 steps, oracle f64) " +
    "at least one returned energy is above E(linear), the straight line's energy (the count, the " +
    "excess per seed and the true energy of the returned path are in the detail)",
  source: `${GEOMETRY_SOURCE} (GeodesicSolver: "finds an approximate geodesic … by gradient ` +
    'descent on path energy")',
  bound: "seeds with E(returned) > E(linear) >= 1",
  direction: ">=",
  kind: "property",
  divergence: "gradient descent on the energy suggests E(path) ≤ E(linear); Adam overshoots " +
    "(its first steps move every coordinate by about lr whatever the gradient's size) and the " +
    "reported energy is the one from before the last step, so in some seeds the returned energy " +
    "— and the returned path's true energy — is above the straight line's",
});

/** Slerp endpoints and sphere. */
export const SLERP_SPHERE = claim({
  id: "ams.geometry.property_slerp_sphere",
  statement: "memspec's slerp path has endpoints exactly a and b and every point on the unit " +
    "sphere, for random unit pairs in S¹⁵, near-identical pairs (1 − ⟨a,b⟩ down to 1e-12, and " +
    "a = b) and near-antipodal ones (1e-3, 1e-5 from −a, and b = −a): f64 oracle on exactly " +
    "unit inputs within 1e-12, GPU on f32 inputs within 1e-3 (WGSL sin/cos: 2⁻¹¹ absolute)",
  source: `${SLERP_SOURCE}; ${TESTS42}::test_topic_great_circle_endpoints`,
  bound: "endpoint elements differing == 0; oracle max |‖p‖ − 1| <= 1e-12; GPU <= 1e-3",
  kind: "property",
});

/** The original's slerp leaves the sphere near antipodes. */
export const SLERP_ANTIPODAL = claim({
  id: "ams.geometry.divergence_slerp_antipodal",
  statement: "the original's clamp of ⟨a,b⟩ to [−1 + 1e-7, 1 − 1e-7] keeps its path on the " +
    "sphere only away from antipodes: within |⟨a,b⟩| ≤ 1 − 1e-7 it matches memspec's path within " +
    "1e-9, but at 1e-5 from b = −a and at b = −a its points leave the sphere by more than 0.5 " +
    "(f64 replay of its formula); memspec defines the path there through an orthogonal " +
    "direction and stays on the sphere (ams.geometry.property_slerp_sphere)",
  source: `${SLERP_SOURCE} ("handles near-antipodal / identical edge cases")`,
  bound: "original's max |‖p‖ − 1| near antipodes >= 0.5; in its domain |orig − memspec| <= 1e-9",
  direction: ">=",
  kind: "property",
  divergence: "the docstring says the slerp handles near-antipodal pairs; with the clamp the " +
    "path's norm falls to |cos(πt)| at b = −a (max |‖p‖ − 1| ≈ 0.83 on 10 points, ≈ 0.80 at 1e-5 " +
    "from antipodal; measured figures in the detail)",
});

/** Oracle gradients. */
export const GEOMETRY_GRADCHECK = claim({
  id: "ams.geometry.oracle_gradcheck",
  statement: "the f64 oracle's analytic gradients of the metric (w.r.t. x and every weight and " +
    "bias, d = 3 and 8) and of the transporter (w.r.t. the input fibre through 9 RK4 segments " +
    "with the renormalisations after segments 4 and 8) match central differences",
  source: `${GEOMETRY_SOURCE} (autograd of the same forward)`,
  bound: `max rel error <= ${GRADCHECK_MAX_REL}`,
  kind: "gradcheck",
});

/** GPU metric, connection and transport vs the oracle. */
export const GEOMETRY_GPU_PARITY = claim({
  id: "ams.geometry.gpu_parity",
  statement: "the GPU metric (batched over points, d 8/12/16, x ~ N(0, s²) with s ∈ {0.1, 1, 10} " +
    "and x = 0), connection (batched over (x, v) pairs) and fused path transport (every RK4 " +
    "state, renormalisations included, 10-point paths, d_F 8 and 16, spec init and generators " +
    "×20 where RK4's drift makes the renormalisation visible) and slerp match the f64 " +
    "oracle element by element within bounds from a running error analysis that replays the " +
    "kernels' f32 operations (spec/oracle/ams/geometry.ts TRACKED)",
  source: `${GEOMETRY_SOURCE}; memspec's kernels against spec/oracle/ams/geometry.ts`,
  bound: "max error/bound <= 1",
  kind: "parity",
});

/** GPU geodesic vs the oracle. */
export const GEODESIC_GPU_PARITY = claim({
  id: "ams.geometry.gpu_parity_geodesic",
  statement: "the GPU geodesic solve (one dispatch per Adam step, no host sync in the loop, stop " +
    "rule applied to the device's energy trace) takes the same number of steps and stops the " +
    "same way as the f64 oracle, with its energy trace within 1e-4 relative and its path within " +
    "1e-4·max(1, |x|) (Adam trajectories are order-sensitive: a stated tolerance, not a derived " +
    "bound), 6 metric seeds, B 1 and 3",
  source: `${GEOMETRY_SOURCE}; memspec's kernel against spec/oracle/ams/geometry.ts`,
  bound: "max relative trace error / 1e-4 and path error / 1e-4 <= 1; step-count mismatches == 0",
  kind: "parity",
});

/** Bad input. */
export const GEOMETRY_FAULT = claim({
  id: "ams.geometry.fault",
  statement: "wrong dimensions, wrong lengths, non-finite inputs or weights, n_geo_pts < 2, a " +
    "batch past the geodesic kernel's one-segment-per-thread limit, tol ≤ 0, nPts < 2 and " +
    "non-unit slerp inputs each raise a TypeError or RangeError naming what was wrong, before " +
    "any GPU work and without leaking a buffer",
  source: `${GEOMETRY_SOURCE} (memspec's input contract)`,
  bound: "cases failing otherwise == 0",
  direction: "==",
  kind: "fault",
});

/** Oracle and GPU against the torch fixtures. */
export const GEOMETRY_FIXTURE_PARITY = claim({
  id: "ams.geometry.fixture_parity",
  statement: "the oracle and the GPU match an independent torch 1.13 float64 port of the " +
    "original (fixtures/gen/ams_geometry_fixtures.py, every weight stored): the metric at 16 " +
    "points incl. x = 0 (d 8), A at 4 (x, v) pairs and every RK4 state of 2 fibres along " +
    "10-point paths incl. the renormalisations (d_base 8, d_F 32), the geodesic after exactly 5 " +
    "Adam steps with its energy trace, and the original's slerp (pairs incl. dot ≈ ±1; memspec's " +
    "path where |dot| ≤ 1 − 1e-7, the oracle's replay of the original's formula everywhere)",
  source: `${GEOMETRY_SOURCE}; ${SLERP_SOURCE}; fixtures/gen/ams_geometry_fixtures.py`,
  bound: "oracle |Δ| <= 1e-12·(1 + |torch|) (geodesic 1e-9, memspec's slerp in-domain 1e-9, " +
    "the original's slerp 1e-12/sin θ); GPU " +
    "error/(derived bound + 1e-12·(1 + |torch|)) <= 1; GPU geodesic relative 1e-4",
  kind: "parity",
});

/** The stop rule and the reported energy. */
export const GEODESIC_STOP_RULE = claim({
  id: "ams.geometry.property_geodesic_stop_rule",
  statement: "the solve stops at the first step whose energy changed by less than tol relative " +
    "(|E_prev − E|/(|E_prev| + 1e-10) < tol, read by the test from the returned trace), reports " +
    "converged accordingly (false after max steps), and reports the energy from before the last " +
    "step, E = trace[iterations − 1] exactly, on the GPU and in the oracle (tol 1e-5 and 1e-3, " +
    "max steps 80 and 6)",
  source: `${GEOMETRY_SOURCE} (GeodesicSolver.solve's loop)`,
  bound: "cases failing == 0",
  direction: "==",
  kind: "exact",
});

/** Renormalisation after every interval-th segment, and only then. */
export const TRANSPORT_RENORM_SCHEDULE = claim({
  id: "ams.geometry.property_transport_renorm_schedule",
  statement: "the transporter rescales f to ‖f₀‖ after segment k exactly when k mod interval = 0 " +
    "(after 4 and 8 of 9 segments with interval 4, segment 9 not renormalised; after 3, 6 and 9 " +
    "with interval 3): with the generators ×20 (RK4 drifts ≈ 0.4% per segment) the state's norm " +
    "is ‖f₀‖ within 1e-5 relative after those segments and off by more than 1e-4 after every " +
    "other, on the GPU and in the oracle",
  source: `${GEOMETRY_SOURCE} (FiberTransporter: (k + 1) % norm_correction_interval == 0)`,
  bound: "segments breaking the schedule == 0",
  direction: "==",
  kind: "exact",
});

/** Topic (slerp) transport keeps the norm. */
export const TOPIC_TRANSPORT_NORM = claim({
  id: "ams.geometry.property_topic_transport_norm",
  statement: "TopicBundle.transport (the slerp path on n_geo_pts + 2 = 10 points, then RK4, all " +
    "on the device) changes ‖f‖ by less than 1e-4 relative at spec init for random unit " +
    "endpoints in S¹⁵ and a near-antipodal pair (d_topic 16, d_F 64), on the GPU and in the " +
    "oracle (memspec's slerp path, then the f64 transporter)",
  source: `${SLERP_SOURCE}; ${TESTS42}::test_topic_transport_preserves_norm (asserts < 15%)`,
  bound: "max |‖f_out‖ − ‖f‖|/‖f‖ <= 1e-4",
  kind: "property",
});

/** The canonical axes are unit vectors. */
export const CANONICAL_AXIS_UNIT = claim({
  id: "ams.geometry.property_canonical_axis_unit",
  statement: "canonicalAxis(raw) = raw/max(‖raw‖, 1e-8) is a unit vector for raw axes drawn at " +
    "init (N(0, 0.1²), d ∈ {8, 12, 16}, the three bundles' base widths, 100 seeds each) and for " +
    "the same axes scaled by 1e-6 and 1e6; below the floor (‖raw‖ < 1e-8) it is raw·1e8 " +
    "exactly, shorter than 1 (the original's degenerate case, named rather than hidden)",
  source: "FluffyAIcode/AgentMemorySystem:ams_v4/bundles/base.py (PR #30) Bundle.canonical_axis; " +
    `${TESTS42}::test_all_bundles_canonical_axis_unit`,
  bound: "max |‖axis‖ − 1| <= 1e-5 (the original test's tolerance); below-floor axes " +
    "differing from raw·1e8 == 0",
  kind: "property",
});
