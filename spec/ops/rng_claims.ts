/**
 * Claims of the counter-based RNG (impl/gpu/rng.ts). Tested in ./rng_test.ts.
 *
 * @module
 */
import { declareClaim } from "../_harness/claim.ts";

/** TS and WGSL streams agree bit for bit. */
export const RNG_BIT_IDENTICAL = declareClaim({
  id: "ops.rng.property_ts_wgsl_bit_identical",
  family: "ops",
  kind: "exact",
  statement: "rng_u32 and rng_uniform computed in a WGSL kernel equal hashU32 and the host " +
    "uniform bit for bit, for fuzzed seeds and indices including 0, 2^31 and 2^32 − 1",
  source: "impl/gpu/rng.ts (PCG RXS-M-XS output permutation, O'Neill 2014); WGSL u32 " +
    "arithmetic wraps modulo 2^32 as JavaScript's Math.imul and >>> 0 do",
  bound: "figure = mismatching values (u32 and f32 bit patterns), pass = 0",
});

/** Uniform draws look uniform. */
export const RNG_UNIFORM_DISTRIBUTION = declareClaim({
  id: "ops.rng.property_uniform_distribution",
  family: "ops",
  kind: "property",
  statement: "10^6 uniform draws lie in [0, 1) with mean and variance within 6 standard errors " +
    "of the exact values of the 24-bit grid, and a 256-bin chi-square below its 1 − 1e-6 quantile",
  source: "impl/gpu/rng.ts; tolerance.ts RNG_SIGMAS, RNG_CHI2_TAIL",
  bound: "figure = worst of |z_mean| / 6, |z_var| / 6 and chi2 / chi2_{1 − 1e-6}(255); " +
    "pass <= 1",
});
