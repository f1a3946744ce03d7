/**
 * Planted bugs of AMS v4's bundle encoders (impl/ams/encoders): each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const HOST = "impl/ams/encoders/encoders.ts";
const TESTS = ["spec/ams/encoders/encoders_test.ts", "spec/ams/encoders/fixtures_test.ts"];

/** The planted bugs of the encoders. */
export const AMS_ENCODERS_MUTATIONS: readonly Mutation[] = [
  planted("encoders", "fourier_frequency_major", "forward", {
    file: HOST,
    find:
      "        out[o + i] = Math.sin(v * w[i]!);\n        out[o + k + i] = Math.cos(v * w[i]!);",
    replace: "        out[o - j * nf + i * ns + j] = Math.sin(v * w[i]!);\n" +
      "        out[o - j * nf + (k + i) * ns + j] = Math.cos(v * w[i]!);",
    tests: TESTS,
    filter: claims("encoders", "property_shapes", "fixture_parity"),
    why: "the Fourier features laid out frequency-major (for each sin/cos frequency, the three " +
      "scalars) instead of the original's scalar-major blocks: same values, wrong columns of " +
      "time_mlp.0",
  }),
  planted("encoders", "centroid_not_normalised", "forward", {
    file: HOST,
    find: "for (let j = 0; j < d; j++) c[j] = c[j]! / den;",
    replace: "for (let j = 0; j < d; j++) c[j] = c[j]! / (den / den);",
    tests: TESTS,
    filter: claims("encoders", "property_centroid", "fixture_parity"),
    why: "the topic centroid is the weighted SUM of the embedding rows, not divided by Σw",
  }),
  planted("encoders", "attention_without_scale", "forward", {
    file: HOST,
    find: "tensor([1 / Math.sqrt(da)], [1])",
    replace: "tensor([1], [1])",
    tests: TESTS,
    filter: claims("encoders", "gpu_parity", "fixture_parity"),
    why: "the context attention pool's scores q·kᵀ without the 1/√d_attn scale",
  }),
  planted("encoders", "layer_norm_without_affine", "forward", {
    file: HOST,
    find: 'layerNorm(mixed, this.p("base_ln.weight"), this.p("base_ln.bias"), LAYER_NORM_EPS)',
    replace: "layerNorm(mixed, tensor(new Float32Array(this.cfg.d_ctx).fill(1), " +
      "[this.cfg.d_ctx]), zeros([this.cfg.d_ctx]), LAYER_NORM_EPS)",
    tests: TESTS,
    filter: claims("encoders", "gpu_parity", "gpu_gradients", "fixture_parity"),
    why: "the context base LayerNorm without its affine γ, β (base_ln.weight and bias ignored)",
  }),
  planted("encoders", "init_bound_without_sqrt", "forward", {
    file: HOST,
    find: "const bound = 1 / Math.sqrt(fanIn);",
    replace: "const bound = 1 / fanIn;",
    tests: TESTS,
    filter: claims("encoders", "property_init"),
    why: "nn.Linear's init bound taken as 1/fan_in instead of 1/√fan_in: weights √fan_in times " +
      "too small",
  }),
];
