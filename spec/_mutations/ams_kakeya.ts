/**
 * Planted bugs of AMS v4's Kakeya codec (impl/ams/kakeya): each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const HOST = "impl/ams/kakeya/kakeya.ts";
const SET_TESTS = ["spec/ams/kakeya/kakeya_test.ts", "spec/ams/kakeya/fixtures_test.ts"];

/** The planted bugs of the Kakeya codec. */
export const AMS_KAKEYA_MUTATIONS: readonly Mutation[] = [
  planted("kakeya", "farthest_first_by_maximum", "forward", {
    file: HOST,
    find: "    if (best < worst) {\n      worst = best;",
    replace: "    if (-best < worst) {\n      worst = -best;",
    tests: SET_TESTS,
    filter: claims("kakeya", "property_kmeans", "fixture_parity_kmeans"),
    why: "farthest-first picks the point with the MAXIMUM of its max-similarity to the centres " +
      "(the nearest point, usually a chosen centre again) instead of the minimum; the " +
      "empty-cluster rule, which shares the helper, takes the best-covered point too",
  }),
  planted("kakeya", "residual_top_k_by_value", "forward", {
    file: HOST,
    find: ".sort((i, j) => Math.abs(r[j]!) - Math.abs(r[i]!) || i - j)",
    replace: ".sort((i, j) => r[j]! - r[i]! || i - j)",
    tests: SET_TESTS,
    filter: claims("kakeya", "property_reconstruction_identity", "fixture_parity_set"),
    why: "the sparse residual keeps the d_res LARGEST entries of r instead of the largest |r|: " +
      "large negative residuals are dropped",
  }),
  planted("kakeya", "decode_without_mean", "forward", {
    file: HOST,
    find: "out[j] = s + this.mean[j]!;",
    replace: "out[j] = s;",
    tests: SET_TESTS,
    filter: claims(
      "kakeya",
      "property_reconstruction_identity",
      "behaviour_reconstruction_in_sample",
      "fixture_parity_set",
    ),
    why: "decode returns ĉB without adding μ back: every decoded vector is off by the mean",
  }),
  planted("kakeya", "cumvar_off_by_one", "forward", {
    file: HOST,
    find: "dEff = i + 1;",
    replace: "dEff = i;",
    tests: SET_TESTS,
    filter: claims("kakeya", "property_pca_rank_rule", "fixture_parity_set"),
    why: "d_eff = (first i with cumvar_i ≥ ratio) without the + 1: one axis too few, so the " +
      "kept variance falls below the ratio",
  }),
];
