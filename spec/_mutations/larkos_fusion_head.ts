/**
 * Planted bugs of Larkos 0.3's fusion head (impl/larkos/fusion_head/): each a real
 * mistake a port could make, and the claims that must catch it. The type embedding
 * shifted by one token type, the pool's 1/√d scale dropped, the input noise and dropout
 * applied despite frozenInput, the input LayerNorm skipped, and OnlineMeanStd's first
 * update run through the EMA recurrence instead of taking x.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const TEST = ["spec/larkos/fusion_head/fusion_head_test.ts"];
const FIXTURES = ["spec/larkos/fusion_head/fixtures_test.ts"];
const HOST = "impl/larkos/fusion_head/fusion_head.ts";
const NORM = "impl/larkos/fusion_head/online_mean_std.ts";

/** The planted bugs of the fusion head. */
export const LARKOS_FUSION_HEAD_MUTATIONS: readonly Mutation[] = [
  {
    id: "larkos.fusion_head.type_embedding_shifted",
    family: "larkos",
    mechanism: "fusion_head",
    layer: "forward",
    file: HOST,
    find: "  1,\n  2,\n  3,\n]);",
    replace: "  2,\n  3,\n  3,\n]);",
    tests: TEST,
    filter: "larkos.fusion_head.gpu_parity",
    why: "token types counted from the wrong end (band_q gets the band_m type, band_m and " +
      "the driver share one): the encoder can no longer tell the memory band from the driver",
  },
  {
    id: "larkos.fusion_head.pool_scale_missing",
    family: "larkos",
    mechanism: "fusion_head",
    layer: "forward",
    file: HOST,
    find: "this.poolScale = tensor([1 / Math.sqrt(D)], [1]);",
    replace: "this.poolScale = tensor([1], [1]);",
    tests: TEST,
    filter: "larkos.fusion_head.gpu_parity",
    why: "the learned-query pool without its 1/√d scale: scores 8× too large, so the pool " +
      "weights are far peakier than the original's",
  },
  {
    id: "larkos.fusion_head.noise_despite_frozen_input",
    family: "larkos",
    mechanism: "fusion_head",
    layer: "training",
    file: HOST,
    find: "if (this.training && !opts.frozenInput) {",
    replace: "if (this.training) {",
    tests: TEST,
    filter: "larkos.fusion_head.property_frozen_input",
    why: "frozenInput ignored: a pinned input still gets input dropout and noise, regularising " +
      "a frozen input against a frozen target (what frozen_input exists to prevent)",
  },
  {
    id: "larkos.fusion_head.input_norm_skipped",
    family: "larkos",
    mechanism: "fusion_head",
    layer: "forward",
    file: HOST,
    find: 'let x = layerNorm(tokens, w("input_norm.weight"), w("input_norm.bias"), FUSION_LN_EPS);',
    replace: "let x = tokens;",
    tests: FIXTURES,
    filter: "larkos.fusion_head.fixture_parity",
    why: "the input LayerNorm left out: raw token scales (graph tokens ≈ 1, projected bands " +
      "≈ their inputs' scale) reach the encoder",
  },
  {
    id: "larkos.fusion_head.mean_std_first_update_ema",
    family: "larkos",
    mechanism: "fusion_head",
    layer: "forward",
    file: NORM,
    find: "if (!this.#seen) {",
    replace: "if (!this.#seen && false) {",
    tests: FIXTURES,
    filter: "larkos.fusion_head.fixture_parity_online_mean_std",
    why: "the first update blended into the zero-mean, unit-variance start instead of taking " +
      "x as the mean: the normaliser starts 50 steps behind the fused vector's real offset",
  },
];
