/**
 * Planted bugs of Larkos 0.3's temporal encoder and its input pipeline: each
 * a real mistake a port could make, and the claims that must catch it.
 *
 * The Fourier features laid out e-major instead of d-major, the history padded
 * on the wrong side, encoder layers initialised independently instead of
 * cloned, and memspec's normaliser fix reverted to the original's symmetric EMA.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const PIPELINE = "impl/larkos/temporal_encoder/input_pipeline.ts";
const MODULE = "impl/larkos/temporal_encoder/temporal_encoder.ts";
const PIPELINE_TEST = ["spec/larkos/temporal_encoder/input_pipeline_test.ts"];
const MODULE_TEST = ["spec/larkos/temporal_encoder/temporal_encoder_test.ts"];

/** The planted bugs of the temporal encoder. */
export const LARKOS_TEMPORAL_ENCODER_MUTATIONS: readonly Mutation[] = [
  {
    id: "larkos.temporal_encoder.fourier_e_major",
    family: "larkos",
    mechanism: "temporal_encoder",
    layer: "forward",
    file: PIPELINE,
    find: "out[d * E + e] = f(Math.sin(a));\n      out[n * E + d * E + e] = f(Math.cos(a));",
    replace: "out[e * n + d] = f(Math.sin(a));\n      out[n * E + e * n + d] = f(Math.cos(a));",
    tests: PIPELINE_TEST,
    filter: "larkos.temporal_encoder",
    why: "fourier_encode flattened [E, D] instead of [D, E] (frequency-major): the same 48 " +
      "numbers in another order, so every downstream weight reads the wrong feature",
  },
  {
    id: "larkos.temporal_encoder.history_right_padded",
    family: "larkos",
    mechanism: "temporal_encoder",
    layer: "forward",
    file: PIPELINE,
    find: "this.#frames.forEach((fr, i) => out.set(fr, (pad + i) * this.width));",
    replace: "this.#frames.forEach((fr, i) => out.set(fr, i * this.width));",
    tests: PIPELINE_TEST,
    filter: "larkos.temporal_encoder.property_pipeline_layout",
    why: "a young history padded with zero frames at the end instead of the front: the newest " +
      "frame sits at the oldest position's learned embedding until the window fills",
  },
  {
    id: "larkos.temporal_encoder.layers_not_cloned",
    family: "larkos",
    mechanism: "temporal_encoder",
    layer: "forward",
    file: MODULE,
    find: "    this.encoder = new TransformerEncoder(layer, n);\n",
    replace: "    this.encoder = new TransformerEncoder(layer, n);\n" +
      "    this.encoder.layers[n - 1]!.dispose();\n" +
      "    this.encoder.layers[n - 1] = new TransformerEncoderLayer(d, h, {\n" +
      "      dimFeedforward: ff,\n      dropout: p,\n      seed: hashU32(seed, 2),\n    });\n",
    tests: MODULE_TEST,
    filter: "larkos.temporal_encoder.property_parameters_cloned",
    why: "the last encoder layer initialised on its own (a ModuleList of fresh layers) instead " +
      "of nn.TransformerEncoder's deep copies: the layers no longer start identical, so a " +
      "checkpoint-free init differs from the original's",
  },
  {
    id: "larkos.temporal_encoder.fix_reverted_to_symmetric_ema",
    family: "larkos",
    mechanism: "temporal_encoder",
    layer: "forward",
    file: PIPELINE,
    find: "this.#min[i] = Math.min(xi, lo);\n        this.#max[i] = Math.max(xi, hi);",
    replace: "this.#min[i] = lo;\n        this.#max[i] = hi;",
    tests: PIPELINE_TEST,
    filter: "larkos.temporal_encoder",
    why: "the asymmetric min/max fix reverted to the original's one EMA for both: min ≡ max " +
      "again and the Fourier input is constant",
  },
];
