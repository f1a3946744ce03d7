/**
 * The tied-embedding readout (asuramaya/decepticons:src/decepticons/models/readouts_torch.py
 * (7be9af7), TiedEmbeddingReadout): routed squared-ReLU experts mapping to the embedding width,
 *
 *   m = Σ_e π_e (relu(u W1_e + b1_e)² W2_e + b2_e) ∈ R^E,  logits = m Embᵀ,
 *
 * where Emb [V, E] is the model's embedding table, passed to every forward as
 * `ctx.embedding`, optionally with each row scaled to unit L2 norm (norms below 10⁻¹² are
 * taken as 10⁻¹², torch's F.normalize). The balance loss is the router's, as in the
 * routed readout. Position-wise, so causal.
 *
 * @example
 * ```ts
 * import { initGpu, tensor, tidy, zeros } from "../../mod.ts";
 * import { TiedEmbedReadout } from "./tied_embed.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = new TiedEmbedReadout(
 *   { hidden: 8, experts: 2, embeddingDim: 4, normalize: true },
 *   { inputDim: 6, vocab: 16, seed: 1, prefix: "readout" },
 * );
 * const u = zeros([1, 3, 6]);
 * const emb = tensor(new Float32Array(64).fill(0.5), [16, 4]);
 * const { logits, balance } = tidy(() => r.forward(u, { embedding: emb }));
 * deepStrictEqual(logits.shape, [1, 3, 16]);
 * for (const t of [logits, balance!, u, emb]) t.dispose();
 * r.dispose();
 * ```
 *
 * @module
 */
import { assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { div, maximum, mul } from "../../ops/binary.ts";
import { sqrt } from "../../ops/unary.ts";
import { sum } from "../../ops/reduce.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { shown } from "../../validate.ts";
import { RoutedCore } from "./routed_experts.ts";
import {
  assertNotDisposed,
  type CausalBankReadout,
  checkBuildOptions,
  checkContext,
  checkFeatures,
  intField,
  ParamBuilder,
  type ReadoutBuildOptions,
  type ReadoutContext,
  type ReadoutOutput,
} from "./_common.ts";

const ID = "TiedEmbedReadout";

/** Settings of {@link TiedEmbedReadout}. */
export interface TiedEmbedSettings {
  /** Each expert's hidden width H (integer ≥ 1). */
  hidden: number;
  /** Number of experts (integer ≥ 2). */
  experts: number;
  /** Embedding width E the experts map to (the table's columns). */
  embeddingDim: number;
  /** Scale each embedding row to unit L2 norm before the product. */
  normalize: boolean;
}

/** The tied-embedding readout: routed experts into embedding space, scored against Emb. */
export class TiedEmbedReadout implements CausalBankReadout {
  /** Always "tied_embed_readout". */
  readonly kind = "tied_embed_readout";
  /** The router's and experts' parameters (`router_w`, …, `w2` [E, H, embeddingDim], `b2`). */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** The validated settings. */
  readonly settings: Readonly<TiedEmbedSettings>;
  readonly #core: RoutedCore;
  readonly #inputDim: number;
  readonly #vocab: number;
  #disposed = false;

  /**
   * Checks the arguments, then uploads the readout's parameters, each drawn from its own
   * stream keyed by (seed, name).
   *
   * @param settings hidden width, experts, embedding width, normalisation
   * @param options input width, vocabulary, seed and name prefix
   * @throws {TypeError|RangeError} naming the bad field, before any GPU work.
   */
  constructor(settings: TiedEmbedSettings, options: ReadoutBuildOptions) {
    const o = checkBuildOptions(ID, options);
    if (settings === null || typeof settings !== "object") {
      throw new TypeError(
        `Cannot build ${ID}: expected settings { hidden, experts, embeddingDim, normalize } but ` +
          `got ${shown(settings)}`,
      );
    }
    intField("hidden", ID, settings.hidden, 1, 65536);
    intField("experts", ID, settings.experts, 2, 256);
    intField("embeddingDim", ID, settings.embeddingDim, 1, 65536);
    if (typeof settings.normalize !== "boolean") {
      throw new TypeError(
        `Cannot build ${ID}: expected normalize to be a boolean but got ${
          shown(settings.normalize)
        }`,
      );
    }
    this.settings = Object.freeze({ ...settings });
    this.#inputDim = o.inputDim;
    this.#vocab = o.vocab;
    const p = new ParamBuilder(o.seed, o.prefix);
    this.#core = new RoutedCore(
      p,
      o.inputDim,
      settings.hidden,
      settings.experts,
      settings.embeddingDim,
    );
    this.parameters = p.params;
  }

  /**
   * Logits [B, T, V] of features u against `ctx.embedding` [V, E], and the balance loss [].
   * Differentiable in u, the parameters and the embedding. Call inside `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, F] tensor or ctx.embedding is not a
   *   live f32 [V, E] tensor. @throws {RangeError} for an empty batch.
   */
  forward(u: Tensor, ctx?: ReadoutContext): ReadoutOutput {
    assertNotDisposed(ID, this.#disposed, "forward");
    const [b, t] = checkFeatures(ID, u, this.#inputDim);
    const emb = checkContext(ID, ctx).embedding;
    const { embeddingDim: E, normalize } = this.settings;
    const V = this.#vocab;
    if (!(emb instanceof Tensor)) {
      throw new TypeError(
        `Cannot run ${ID}.forward: expected ctx.embedding as an f32 Tensor [${V}, ${E}] but got ` +
          shown(emb),
      );
    }
    assertLive(emb, `${ID}.forward`, "ctx.embedding");
    if (emb.dtype !== "f32" || formatShape(emb.shape) !== formatShape([V, E])) {
      throw new TypeError(
        `Cannot run ${ID}.forward: expected ctx.embedding as an f32 Tensor [${V}, ${E}] but got ` +
          `${emb.dtype} ${formatShape(emb.shape)}`,
      );
    }
    const { out, balance } = this.#core.mix(reshape(u, [b * t, this.#inputDim]));
    let table = emb;
    if (normalize) {
      const norm = sqrt(sum(mul(emb, emb), 1, true));
      table = div(emb, maximum(norm, tensor([1e-12], [1])));
    }
    const logits = matmul(out, table, { transB: true });
    return { logits: reshape(logits, [b, t, V]), balance };
  }

  /** Releases every parameter (not the embedding, which the caller owns); idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
