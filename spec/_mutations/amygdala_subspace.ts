/**
 * Planted bugs of the amygdala subspace method and quality metrics (impl/amygdala/subspace/,
 * impl/amygdala/quality/): each a real mistake an implementation of the original's subspace
 * method or spectrum metrics could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("amygdala");
const SUB = "impl/amygdala/subspace/subspace.ts";
const QUAL = "impl/amygdala/quality/quality.ts";
const SUB_TEST = ["spec/amygdala/subspace/subspace_test.ts"];
const QUAL_TEST = ["spec/amygdala/quality/quality_test.ts"];

/** The planted bugs of this group. */
export const AMYGDALA_SUBSPACE_MUTATIONS: readonly Mutation[] = [
  planted("subspace", "orientation_dropped", "forward", {
    file: SUB,
    find: "if (Math.abs(dot) > h * U * Math.sqrt(un) * gNorm) sign = Math.sign(dot);\n" +
      "    else sign = vectors.data[pivotRow(vectors.data, h, k, j) * k + j]! < 0 ? -1 : 1;",
    replace: "sign = 1;",
    tests: SUB_TEST,
    filter: claims("subspace", "fixture_parity", "divergence_sign_orientation"),
    why: "the top-k eigenvectors are summed in whatever sign the eigensolver returned (the " +
      "original's behaviour): the direction depends on sign conventions",
  }),
  planted("subspace", "negative_weights_unclamped", "forward", {
    file: SUB,
    find: "weights[j] = values[j]! > floor ? values[j]! : 0;",
    replace: "weights[j] = values[j]! > floor ? values[j]! : values[j]!;",
    tests: SUB_TEST,
    filter: claims("subspace", "property_negative_weights_clamped"),
    why: "negative eigenvalues of M enter the weighted sum with their sign instead of weight 0",
  }),
  planted("subspace", "base_averaged_over_positives", "forward", {
    file: SUB,
    find: "project(baseV, -1 / baseV.length);",
    replace: "project(baseV, -1 / posV.length);",
    tests: SUB_TEST,
    filter: claims("subspace", "property_span_parity"),
    why: "M_base is divided by the number of positive stories instead of the base stories " +
      "(the span path): M = M_pos − M_base is mis-weighted whenever the counts differ",
  }),
  planted("quality", "participation_ratio_inverted", "forward", {
    file: QUAL,
    find: "return (s * s) / s2;",
    replace: "return s2 / (s * s);",
    tests: QUAL_TEST,
    filter: claims("quality", "fixture_parity", "property_spectrum"),
    why: "the participation ratio is computed as Σλ²/(Σλ)² (its reciprocal): k equal " +
      "eigenvalues give 1/k instead of k",
  }),
  planted("quality", "head_concentration_over_bottom", "forward", {
    file: QUAL,
    find: "const order = raw.map((_, i) => i).sort((a, b) => raw[b]! - raw[a]! || a - b)",
    replace: "const order = raw.map((_, i) => i).sort((a, b) => raw[a]! - raw[b]! || a - b)",
    tests: QUAL_TEST,
    filter: claims("quality", "fixture_parity", "property_head_concentration"),
    why: "the heads are sorted ascending, so the 'top 10' are the weakest heads: the " +
      "concentration falls below k/n_heads",
  }),
];
