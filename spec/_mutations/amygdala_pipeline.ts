/**
 * Planted bugs of the amygdala pipeline: the corpus's last-non-pad pooling, the byte LM's
 * token-mean pooling, and the readout artefact and its runtime projection. Each a real mistake an implementation could make, and
 * the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("amygdala");
const CORPUS = ["spec/amygdala/corpus/corpus_test.ts"];
const READOUT = ["spec/amygdala/readout/readout_test.ts"];
const ACTIVATIONS = ["spec/amygdala/activations/activations_test.ts"];

/** The planted bugs of this group. */
export const AMYGDALA_PIPELINE_MUTATIONS: readonly Mutation[] = [
  planted("corpus", "pool_off_by_one", "forward", {
    file: "impl/amygdala/corpus/corpus.ts",
    find: 'const idx = padding === "right" ? n - 1 : t - 1;',
    replace: 'const idx = padding === "right" ? n : t - 1;',
    tests: CORPUS,
    filter: claims("corpus", "property_pooling"),
    why: "the pooling index is Σmask instead of Σmask − 1: every right-padded row reads the " +
      "first pad (or, for a full row, the next row's first token) instead of its last token",
  }),
  planted("corpus", "left_padding_accepted", "fault", {
    file: "impl/amygdala/corpus/corpus.ts",
    find: 'if (padding === "right" && first !== 0) {',
    replace: 'if (padding === "right" && first !== 0 && first < 0) {',
    tests: CORPUS,
    filter: claims("corpus", "property_pooling"),
    why: "the original's _pool_last: a left-padded batch pooled as right-padded is accepted " +
      "silently, so every row shorter than the batch reads a pad position",
  }),
  planted("readout", "transposed", "forward", {
    file: "impl/amygdala/readout/readout.ts",
    find: "tensor(readout.vectors.get(l)!, [this.concepts.length, this.hiddenSize])",
    replace: "tensor(readout.vectors.get(l)!, [this.hiddenSize, this.concepts.length])",
    tests: READOUT,
    filter: claims("readout", "gpu_parity"),
    why: "the readout uploads V_l as (hidden, n_concepts) instead of (n_concepts, hidden): the " +
      "projection reads V transposed (wrong values when C = H, a shape error otherwise)",
  }),
  planted("readout", "f16_truncation", "forward", {
    file: "impl/amygdala/readout/readout.ts",
    find: "data: f32ToF16Bits(r.vectors.get(l)!),",
    replace:
      "data: f32ToF16Bits(\n        new Uint32Array(Float32Array.from(r.vectors.get(l)!).buffer).map((b) => " +
      "b & 0xffffe000),\n      ),",
    tests: READOUT,
    filter: claims("readout", "fixture_parity_written", "property_file_contract"),
    why: "the readout is stored by truncating each f32 to f16 (the 13 dropped mantissa bits " +
      "cleared) instead of rounding to nearest even: values past a half-way point come out " +
      "one f16 ulp low, and the file differs from numpy's astype(float16)",
  }),
  planted("activations", "mean_pool_over_pads", "forward", {
    file: "impl/apps/byte_lm_activations.ts",
    find: "const n = b.length;",
    replace: "const n = T;",
    tests: ACTIVATIONS,
    filter: claims("activations", "property_states"),
    why: "the byte LM's token-mean pooling averages over the whole right-padded row (T " +
      "positions, the pads' states included) instead of the text's own bytes: every text " +
      "shorter than the batch's longest gets a row that depends on its batch",
  }),
  planted("activations", "window_reads_ahead", "forward", {
    file: "impl/apps/byte_lm_activations.ts",
    find: "concat([pad, slice(tokens, [0, 0], [b, t - j])], 1)",
    replace: "concat([slice(tokens, [0, j], [b, t - j]), pad], 1)",
    tests: ACTIVATIONS,
    filter: claims("activations", "property_states"),
    why: "the local window of both activation models shifted the wrong way: position t reads " +
      "the bytes after it (the future, then pads) instead of the ones before it, so a text's " +
      "states depend on what its batch pads it with",
  }),
  planted("activations", "cli_readout_mean_pooled", "forward", {
    file: "impl/apps/amygdala_cli.ts",
    find: "const lm = await loadStackByteLM(checkpoint);\n    source = lm.source();",
    replace: 'const lm = await loadStackByteLM(checkpoint);\n    source = lm.source("mean");',
    tests: ACTIVATIONS,
    filter: claims("activations", "behaviour_heldout_auroc"),
    why: "`deno task amygdala readout` on a --model stack folder pools the stack LM's states " +
      "by their token mean instead of at the last byte the readout was trained on: it prints " +
      "V times a state the directions never saw",
  }),
];
