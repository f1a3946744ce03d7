/**
 * Planted bugs of AMS v4's query heads and cross-bundle attention (impl/ams/cross_bundle): each
 * a real mistake an implementation could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ams");
const HOST = "impl/ams/cross_bundle/cross_bundle.ts";
const TESTS = [
  "spec/ams/cross_bundle/cross_bundle_test.ts",
  "spec/ams/cross_bundle/fixtures_test.ts",
];

/** The planted bugs of cross-bundle attention. */
export const AMS_CROSS_BUNDLE_MUTATIONS: readonly Mutation[] = [
  planted("cross_bundle", "slot_order_swapped", "forward", {
    file: HOST,
    find:
      "    for (const b of CROSS_BUNDLES) {\n      const f = fiberDim(cfg, b);\n      const x = fibers[b];",
    replace: '    for (const b of ["topic", "time", "ctx"] as const) {\n' +
      "      const f = fiberDim(cfg, b);\n      const x = fibers[b];",
    tests: TESTS,
    filter: claims("cross_bundle", "gpu_parity", "fixture_parity", "property_time_perturbation"),
    why: "the prefix's slots concatenated topic, time, ctx instead of the original's time (2), " +
      "topic (6), ctx (4): the LLM reads the topic memory where it expects the time slots",
  }),
  planted("cross_bundle", "prefix_scale_not_applied", "forward", {
    file: HOST,
    find: 'const prefix = mul(ln, this.#p("prefix_scale"));',
    replace: "const prefix = mul(ln, tensor([1], [1]));",
    tests: TESTS,
    filter: claims("cross_bundle", "gpu_parity", "fixture_parity", "property_slot_norm"),
    why: "the LayerNorm output used without the learnable prefix_scale (the original's state " +
      "before commit a86ea25): slots of norm √d_LLM ≈ 39 at d_LLM 1536 instead of ≈ 1",
  }),
  planted("cross_bundle", "mask_ignored", "forward", {
    file: HOST,
    find: "keyPaddingMask: kpm,",
    replace: "keyPaddingMask: null,",
    tests: TESTS,
    filter: claims("cross_bundle", "gpu_parity", "fixture_parity", "property_mask_equivalence"),
    why: "the key padding mask validated but never passed to the attention: masked (removed or " +
      "padded) entries still receive attention weight",
  }),
  planted("cross_bundle", "lift_shared_across_slots", "forward", {
    file: HOST,
    find: "slots.push(reshape(this.#lin(`lift_${b}.${s}`, o), [B, 1, d]));",
    replace: "slots.push(reshape(this.#lin(`lift_${b}.0`, o), [B, 1, d]));",
    tests: TESTS,
    filter: claims("cross_bundle", "gpu_parity", "gpu_gradients", "fixture_parity"),
    why: "every slot of a bundle lifted by its first Linear (a ModuleList indexed with a " +
      "constant): the bundle's 2/6/4 slots are copies of one another",
  }),
  planted("cross_bundle", "layer_norm_per_bundle_before_concat", "forward", {
    file: HOST,
    find: "    const ln = layerNorm(\n      concat(slots, 1),\n",
    replace:
      "    const cut = [0, cfg.prefix_slots_time, cfg.prefix_slots_time + cfg.prefix_slots_topic];\n" +
      "    const ln = concat(\n" +
      "      [0, 1, 2].map((i) =>\n" +
      "        layerNorm(\n" +
      "          concat(slots.slice(cut[i], cut[i + 1] ?? cfg.L_mem), 1),\n" +
      '          this.#p("prefix_ln.weight"),\n' +
      '          this.#p("prefix_ln.bias"),\n' +
      "          CROSS_BUNDLE_LN_EPS,\n" +
      "        )\n" +
      "      ),\n" +
      "      1,\n" +
      "    );\n" +
      "    void layerNorm(\n      concat(slots, 1),\n",
    tests: TESTS,
    filter: claims("cross_bundle", "gpu_parity", "fixture_parity"),
    why: "the prefix LayerNorm applied to each bundle's slots before the concatenation instead " +
      "of to the concatenated prefix",
    equivalent: "nn.LayerNorm(d_LLM) normalises each slot row over its own d_LLM values, so " +
      "normalising each bundle's block of slots before the concatenation computes the same " +
      "values, op for op, as normalising the concatenated prefix (no claim can see it; verified " +
      "by hand: the GPU parity and fixture claims pass with it applied)",
  }),
];
