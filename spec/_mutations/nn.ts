/**
 * Planted bugs of memspec's nn building blocks: each a real mistake an
 * implementation could make, and the claims that must catch it.
 *
 * Multi-head attention: the scale, the mask polarity, the max shift, the
 * softmax backward's δ term, the key gradient's scale, the fully-masked-row
 * check and the oracle's scale. Encoder: LayerNorm with Bessel's correction,
 * a missing post-norm, clones that share one layer or are re-initialised,
 * GELU's branch, dropout left on in eval.
 *
 * @module
 */
import type { Mutation } from "./mutation.ts";

const MHA_TEST = ["spec/nn/multihead_attention/multihead_attention_test.ts"];
const MHA_FIXTURES = ["spec/nn/multihead_attention/fixtures_test.ts"];
const ENC_TEST = ["spec/nn/transformer_encoder/transformer_encoder_test.ts"];
const ENC_FIXTURES = ["spec/nn/transformer_encoder/fixtures_test.ts"];
const MHA_HOST = "impl/nn/multihead_attention/multihead_attention.ts";
const MHA_KERNEL = "impl/nn/multihead_attention/kernels/attention.ts";
const ENC_HOST = "impl/nn/transformer_encoder/transformer_encoder.ts";

/** The planted bugs of this group. */
export const NN_MUTATIONS: readonly Mutation[] = [
  {
    id: "nn.multihead_attention.scale_one_over_d",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "forward",
    file: MHA_HOST,
    find: "scale: Math.fround(1 / Math.sqrt(g.d / g.heads)),",
    replace: "scale: Math.fround(1 / g.d),",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.gpu_parity",
    why: "scores scaled by 1/d instead of 1/√(d/h) (the model width for the head width, and no " +
      "square root): flatter attention, right only for d = 1",
  },
  {
    id: "nn.multihead_attention.padding_polarity",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "forward",
    file: MHA_HOST,
    find: "if (kpm !== null && kpm[b * Lk + j] === 1) v = MASKED;",
    replace: "if (kpm !== null && kpm[b * Lk + j] === 0) v = MASKED;",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.gpu_parity",
    why: "key_padding_mask read with the wrong polarity (true = attend, as in some other " +
      "libraries' masks): padded keys are attended and real ones ignored",
  },
  {
    id: "nn.multihead_attention.no_max_shift",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "forward",
    file: MHA_KERNEL,
    find: "if (sc != ${MASKED_WGSL}) { e = exp(sc - m); }",
    replace: "if (sc != ${MASKED_WGSL}) { e = exp(sc); }",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.gpu_parity",
    why: "softmax without the max shift: exp(s) overflows to ∞ once a score passes 88, giving " +
      "NaN weights (the fixed case with scores in the hundreds)",
  },
  {
    id: "nn.multihead_attention.unrolled_sum_overwrites",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "forward",
    file: MHA_KERNEL,
    find: "acc_o[c] += wj * ${mat}[mj + c];",
    replace: "acc_o[c] = wj * ${mat}[mj + c];",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.gpu_parity",
    why: "the compiled-in head-width path assigns instead of accumulating: each output keeps " +
      "only the last key's term (the generic path, used for other widths, stays right)",
  },
  {
    id: "nn.multihead_attention.softmax_grad_no_delta",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "backward",
    file: MHA_KERNEL,
    find: "dss[k] = ps[k] * (dss[k] - delta);",
    replace: "dss[k] = ps[k] * dss[k];",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.gpu_gradients",
    why: "the softmax backward without the −Σ p·∂p term (the diagonal of the Jacobian only): " +
      "∂scores no longer sum to zero per query",
  },
  {
    id: "nn.multihead_attention.key_grad_unscaled",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "backward",
    file: MHA_KERNEL,
    find: "gk[e] = acc_k * p.scale;",
    replace: "gk[e] = acc_k;",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.gpu_gradients",
    why: "the key gradient forgets the 1/√dh the scores were scaled by (the query gradient " +
      "keeps it): ∂k too large by √dh",
  },
  {
    id: "nn.multihead_attention.fully_masked_row_unchecked",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "fault",
    file: MHA_HOST,
    find: "if (live === 0) {",
    replace: "if (live < 0) {",
    tests: MHA_TEST,
    filter: "nn.multihead_attention.fault",
    why: "no check for a query whose keys are all masked: the kernel divides 0 by 0 and returns " +
      "NaN silently (what PyTorch does) instead of a RangeError naming the row",
  },
  {
    id: "nn.multihead_attention.oracle_scale",
    family: "nn",
    mechanism: "multihead_attention",
    layer: "oracle",
    file: "spec/oracle/nn/multihead_attention.ts",
    find: "const scale = 1 / Math.sqrt(dh);\n  const q = linear(",
    replace: "const scale = 1 / dh;\n  const q = linear(",
    tests: MHA_FIXTURES,
    filter: "nn.multihead_attention.fixture_parity",
    why: "the oracle itself scales by 1/dh: the definition disagrees with torch",
  },
  {
    id: "nn.transformer_encoder.oracle_layer_norm_eps_outside",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "oracle",
    file: "spec/oracle/nn/transformer_encoder.ts",
    find: "const rr = 1 / Math.sqrt(v / d + eps);",
    replace: "const rr = 1 / (Math.sqrt(v / d) + eps);",
    tests: ENC_FIXTURES,
    filter: "nn.transformer_encoder.fixture_parity",
    why: "the oracle's LayerNorm adds eps outside the root: the definition disagrees with torch",
  },
  {
    id: "nn.transformer_encoder.layer_norm_unbiased",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "forward",
    file: "impl/ops/kernels/layer_norm.ts",
    find: "let variance = seg_sum(lid, s.lane, p.lanes, acc2) * p.inv_n;",
    replace: "let variance = seg_sum(lid, s.lane, p.lanes, acc2) / f32(max(p.n, 2u) - 1u);",
    tests: ENC_TEST,
    filter: "nn.transformer_encoder.gpu_parity",
    why: "the layer's LayerNorms with Bessel's correction (torch.var's default) instead of the " +
      "biased variance nn.LayerNorm uses",
  },
  {
    id: "nn.transformer_encoder.no_norm1",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "forward",
    file: ENC_HOST,
    find: "const z = layerNorm(add(src, drop(a, s1)), this.norm1Weight, this.norm1Bias, eps);",
    replace: "const z = add(src, drop(a, s1));",
    tests: ENC_TEST,
    filter: "nn.transformer_encoder.gpu_parity",
    why: "the first post-norm dropped (LN₁ skipped): the feed-forward block sees the raw " +
      "residual sum",
  },
  {
    id: "nn.transformer_encoder.clones_share_layer",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "forward",
    file: ENC_HOST,
    find: "this.layers = Array.from({ length: numLayers }, () => layer.clone());",
    replace: "this.layers = Array.from({ length: numLayers }, () => layer);",
    tests: ENC_TEST,
    filter: "nn.transformer_encoder.property_clones_identical",
    why: "the encoder reuses the given layer n times instead of deep copies: every layer shares " +
      "one set of buffers, so training one trains all",
  },
  {
    id: "nn.transformer_encoder.clones_reinitialised",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "forward",
    file: ENC_HOST,
    find: "this.layers = Array.from({ length: numLayers }, () => layer.clone());",
    replace: "this.layers = Array.from({ length: numLayers }, (_, i) =>\n" +
      "      new TransformerEncoderLayer(layer.dModel, layer.nhead, {\n" +
      "        dimFeedforward: layer.dimFeedforward,\n" +
      "        seed: i + 1,\n" +
      "      }));",
    tests: ENC_TEST,
    filter: "nn.transformer_encoder.property_clones_identical",
    why: "fresh layers instead of clones: each starts from its own initialisation, not the " +
      "given layer's weights (torch's _get_clones deep-copies)",
  },
  {
    id: "nn.transformer_encoder.gelu_branch_swapped",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "forward",
    file: "impl/nn/transformer_encoder/kernels/gelu_erf.ts",
    find: "return select(2.0 - c, c, x < 0.0);",
    replace: "return select(c, 2.0 - c, x < 0.0);",
    tests: ENC_TEST,
    filter: "nn.transformer_encoder.gpu_parity",
    why: "erfc(−z) = 2 − erfc(z) applied on the wrong side: GELU of x becomes x·(1 − Φ(x))",
  },
  {
    id: "nn.transformer_encoder.dropout_in_eval",
    family: "nn",
    mechanism: "transformer_encoder",
    layer: "forward",
    file: ENC_HOST,
    find: "this.training && this.dropout > 0 ? dropout(x, this.dropout, { seed: s }) : x;",
    replace: "this.dropout > 0 ? dropout(x, this.dropout, { seed: s }) : x;",
    tests: ENC_TEST,
    filter: "nn.transformer_encoder.property_dropout",
    why: "residual and feed-forward dropout applied whatever the mode: eval outputs are noisy " +
      "and depend on the seed",
  },
];
