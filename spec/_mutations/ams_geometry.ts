/**
 * Planted bugs of AMS v4's geometry (impl/ams/geometry): each a real mistake an implementation
 * could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const TEST = ["spec/ams/geometry/geometry_test.ts"];
const HOST = "impl/ams/geometry/geometry.ts";
const KERNEL = "impl/ams/geometry/kernels/geometry_kernels.ts";

/** The planted bugs of the geometry. */
export const AMS_GEOMETRY_MUTATIONS: readonly Mutation[] = [
  planted("geometry", "renorm_every_third_segment", "forward", {
    file: KERNEL,
    find: "if ((k + 1u) % p.interval == 0u) {",
    replace: "if ((k + 1u) % (p.interval - 1u) == 0u) {",
    tests: TEST,
    filter: claims("geometry", "property_transport_renorm_schedule"),
    why: "the transporter renormalises after every 3rd segment instead of every 4th (an " +
      "off-by-one in the interval test): the states after segments 3, 6 and 9 are rescaled",
  }),
  planted("geometry", "renorm_every_segment", "forward", {
    file: KERNEL,
    find: "if ((k + 1u) % p.interval == 0u) {",
    replace: "if ((k + 1u) % 1u == 0u) {",
    tests: TEST,
    filter: claims("geometry", "divergence_transport_ceiling"),
    why: "the transporter renormalises after every segment instead of every interval-th one: " +
      "the norm is then exact whatever RK4 does, which hides its instability (a drift of 0 " +
      "where the unrenormalised segments grow the norm several-fold)",
  }),
  planted("geometry", "canonical_axis_norm_squared", "forward", {
    file: HOST,
    find: "const norm = Math.max(Math.sqrt(sum), AXIS_NORM_FLOOR);",
    replace: "const norm = Math.max(sum, AXIS_NORM_FLOOR);",
    tests: TEST,
    filter: claims("geometry", "property_canonical_axis_unit"),
    why: "the canonical axis divided by its squared norm instead of its norm: unit only when " +
      "the raw axis already was",
  }),
  planted("geometry", "triu_order_wrong", "forward", {
    file: KERNEL,
    find: "for (var j = i; j < D; j++) { zin[q] = s.g[i * D + j]; q++; }",
    replace: "for (var j = 0u; j <= i; j++) { zin[q] = s.g[i * D + j]; q++; }",
    tests: TEST,
    filter: claims("geometry", "gpu_parity"),
    why: "the metric's triangle fed to the connection in the lower triangle's row-major order " +
      "(column-major upper) instead of torch.triu_indices' row-major upper order: the same " +
      "values at permuted inputs of the connection's first layer",
  }),
  planted("geometry", "softplus_eps_dropped", "forward", {
    file: KERNEL,
    find: "s.L[i * D + j] = softplus(acc) + 1e-3;",
    replace: "s.L[i * D + j] = softplus(acc);",
    tests: TEST,
    filter: claims("geometry", "property_metric_anchor", "gpu_parity"),
    why: "the + 1e-3 after the diagonal's softplus dropped: g(0) becomes (ln 2)²·I and the " +
      "diagonal is no longer bounded away from 0",
  }),
  planted("geometry", "energy_after_last_step", "forward", {
    file: HOST,
    find: "return { fallback: false, converged: true, iterations: it + 1, energy: cur };",
    replace: "return { fallback: false, converged: true, iterations: it + 1, " +
      "energy: trace[it + 1] ?? cur };",
    tests: TEST,
    filter: claims("geometry", "property_geodesic_stop_rule"),
    why: "the solver reports the energy evaluated after its last Adam step instead of the one " +
      "from before it (what the original's loop returns)",
  }),
];
