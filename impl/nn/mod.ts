/**
 * memspec's shared neural-network building blocks (not a mechanism family):
 * multi-head attention with PyTorch 1.13 `nn.MultiheadAttention` semantics
 * (fused WGSL attention core, forward and backward) and the post-norm
 * transformer encoder (`nn.TransformerEncoderLayer`, `nn.TransformerEncoder`).
 * Kernels, the fused attention core and its recorders stay in their own modules.
 *
 * @example Attention weights of a self-attention call sum to one per query
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { MultiheadAttention } from "./mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const mha = new MultiheadAttention(8, 2, { seed: 3 });
 * const x = tensor(Array.from({ length: 24 }, (_, i) => Math.cos(i)), [1, 3, 8]);
 * const w = await mha.forward(x, x, x).weights!.toFloat32();
 * ok(Math.abs(w[0]! + w[1]! + w[2]! - 1) < 1e-6);
 * ```
 *
 * @module
 */
export {
  type AttentionCallOptions,
  type AttentionResult,
  type HostMask,
  MultiheadAttention,
  multiheadAttention,
  type MultiheadAttentionCall,
  type MultiheadAttentionOptions,
  type MultiheadAttentionParams,
  type MultiheadAttentionWeights,
} from "./multihead_attention/multihead_attention.ts";
export {
  type EncoderActivation,
  type EncoderCallOptions,
  geluErf,
  LAYER_PARAMETER_NAMES,
  layerDropoutSeeds,
  type LayerParameterName,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerEncoderLayerOptions,
} from "./transformer_encoder/transformer_encoder.ts";
export {
  gru,
  gruInitValues,
  gruMaxHidden,
  gruParameterNames,
  gruShapes,
  type GruWeights,
  initGruWeights,
  MAX_GRU_HIDDEN,
} from "./gru/gru.ts";
