/**
 * The recurrent (GRU) readout (asuramaya/decepticons:src/decepticons/models/readouts_torch.py
 * (7be9af7), GRUReadout): a unidirectional GRU with PyTorch's gate layout over the features,
 * h₀ = 0, then logits_t = h_t W_o + b_o. Causal: h_t reads u_{≤t} only.
 *
 * Every tensor is seeded: the GRU's weights and biases U(±1/√H) from memspec's Rng keyed by
 * (seed, `<prefix>.gru.<torch name>`) (impl/nn/gru/gru.ts, initGruWeights), W_o Xavier, b_o 0.
 * The original draws the GRU from torch's global RNG, so two models with one init seed differ.
 *
 * @example
 * ```ts
 * import { initGpu, tidy, zeros } from "../../mod.ts";
 * import { RecurrentReadout } from "./recurrent.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = new RecurrentReadout(8, { inputDim: 6, vocab: 16, seed: 1, prefix: "readout" });
 * const u = zeros([2, 5, 6]);
 * const { logits } = tidy(() => r.forward(u));
 * deepStrictEqual(logits.shape, [2, 5, 16]);
 * logits.dispose();
 * u.dispose();
 * r.dispose();
 * ```
 *
 * @module
 */
import type { Tensor } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { gru, gruParameterNames, type GruWeights, initGruWeights } from "../../nn/gru/gru.ts";
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

const ID = "RecurrentReadout";

/** A GRU readout of hidden width H. */
export class RecurrentReadout implements CausalBankReadout {
  /** Always "recurrent". */
  readonly kind = "recurrent";
  /**
   * `<prefix>.gru.weight_ih_l0` [3H, F], `…weight_hh_l0` [3H, H], `…bias_ih_l0`,
   * `…bias_hh_l0` (torch layout, rows [r; z; n]), then `<prefix>.out_w` [H, V], `<prefix>.out_b`.
   */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** Hidden width H. */
  readonly hidden: number;
  readonly #gru: GruWeights;
  readonly #outW: Tensor;
  readonly #outB: Tensor;
  readonly #inputDim: number;
  readonly #vocab: number;
  #disposed = false;

  /**
   * Checks the arguments, then uploads the GRU and output layer, each tensor drawn from its
   * own stream keyed by (seed, name).
   *
   * @param hidden the GRU's hidden width H (integer ≥ 1)
   * @param options input width, vocabulary, seed and name prefix
   * @throws {TypeError|RangeError} naming the bad field, before any GPU work.
   */
  constructor(hidden: number, options: ReadoutBuildOptions) {
    const o = checkBuildOptions(ID, options);
    this.hidden = intField("hidden", ID, hidden, 1, 4096);
    this.#inputDim = o.inputDim;
    this.#vocab = o.vocab;
    const p = new ParamBuilder(o.seed, o.prefix);
    const gruPrefix = `${o.prefix}.gru.`;
    this.#gru = initGruWeights(o.inputDim, hidden, o.seed, gruPrefix);
    const names = gruParameterNames(gruPrefix);
    [this.#gru.wIh, this.#gru.wHh, this.#gru.bIh, this.#gru.bHh].forEach((t, i) =>
      p.adopt(names[i]!, t)
    );
    this.#outW = p.xavier("out_w", [hidden, o.vocab], hidden, o.vocab);
    this.#outB = p.zeros("out_b", [o.vocab]);
    this.parameters = p.params;
  }

  /**
   * Logits [B, T, V] of features u [B, T, F]; `balance` is null. Call inside `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, F] tensor. @throws {RangeError} for an
   *   empty batch.
   */
  forward(u: Tensor, ctx?: ReadoutContext): ReadoutOutput {
    assertNotDisposed(ID, this.#disposed, "forward");
    const [b, t] = checkFeatures(ID, u, this.#inputDim);
    checkContext(ID, ctx);
    const h = reshape(gru(u, this.#gru), [b * t, this.hidden]);
    const logits = add(matmul(h, this.#outW), this.#outB);
    return { logits: reshape(logits, [b, t, this.#vocab]), balance: null };
  }

  /**
   * The GRU's hidden states [B, T, H] of features u (what the output layer reads). Call inside
   * `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, F] tensor. @throws {RangeError} for an
   *   empty batch.
   */
  hiddenStates(u: Tensor): Tensor {
    assertNotDisposed(ID, this.#disposed, "hiddenStates");
    checkFeatures(ID, u, this.#inputDim);
    return gru(u, this.#gru);
  }

  /** Releases every parameter; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
