/**
 * The MLP readout of the causal bank (asuramaya/decepticons:src/decepticons/models/
 * readouts_torch.py (7be9af7), MLP): h⁰ = u; hⁱ = GELU(hⁱ⁻¹ Wᵢ + bᵢ) for each hidden width;
 * logits = h W_o + b_o. Position-wise, so causal. GELU is the tanh form memspec's kernels
 * compute (the original's nn.GELU is the erf form; the fixtures use the tanh form on both sides).
 *
 * @example
 * ```ts
 * import { initGpu, liveBufferCount, tidy, zeros } from "../../mod.ts";
 * import { MlpReadout } from "./mlp.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const r = new MlpReadout([8], { inputDim: 6, vocab: 16, seed: 1, prefix: "readout" });
 * const u = zeros([2, 3, 6]);
 * const { logits, balance } = tidy(() => r.forward(u));
 * deepStrictEqual(logits.shape, [2, 3, 16]);
 * deepStrictEqual(balance, null);
 * logits.dispose();
 * u.dispose();
 * r.dispose();
 * deepStrictEqual(liveBufferCount(), before);
 * ```
 *
 * @module
 */
import type { Tensor } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { gelu } from "../../ops/unary.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
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

const ID = "MlpReadout";

/** An MLP readout: GELU hidden layers (possibly none), then a linear map to the vocabulary. */
export class MlpReadout implements CausalBankReadout {
  /** Always "mlp". */
  readonly kind = "mlp";
  /** `<prefix>.w<i>`, `<prefix>.b<i>` per hidden layer, then `<prefix>.out_w`, `<prefix>.out_b`. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** The hidden widths. */
  readonly hidden: readonly number[];
  readonly #inputDim: number;
  readonly #vocab: number;
  readonly #layers: { w: Tensor; b: Tensor }[] = [];
  readonly #out: { w: Tensor; b: Tensor };
  #disposed = false;

  /**
   * Builds the readout with seeded Xavier weights and zero biases.
   *
   * @param hidden hidden widths, each an integer ≥ 1 (empty: a linear readout)
   * @param options input width, vocabulary, seed and name prefix
   * @throws {TypeError|RangeError} naming the bad field, before any GPU work.
   */
  constructor(hidden: readonly number[], options: ReadoutBuildOptions) {
    const o = checkBuildOptions(ID, options);
    if (!Array.isArray(hidden)) {
      throw new TypeError(
        `Cannot build ${ID}: expected hidden to be an array of widths but got ${typeof hidden}`,
      );
    }
    hidden.forEach((h, i) => intField(`hidden[${i}]`, ID, h, 1, 65536));
    this.hidden = Object.freeze([...hidden]);
    this.#inputDim = o.inputDim;
    this.#vocab = o.vocab;
    const p = new ParamBuilder(o.seed, o.prefix);
    let fan = o.inputDim;
    hidden.forEach((h, i) => {
      this.#layers.push({ w: p.xavier(`w${i}`, [fan, h], fan, h), b: p.zeros(`b${i}`, [h]) });
      fan = h;
    });
    this.#out = {
      w: p.xavier("out_w", [fan, o.vocab], fan, o.vocab),
      b: p.zeros("out_b", [o.vocab]),
    };
    this.parameters = p.params;
  }

  /**
   * Logits [B, T, V] of features u [B, T, F]; `balance` is null (no router). Call inside `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, F] tensor. @throws {RangeError} for an
   *   empty batch.
   */
  forward(u: Tensor, ctx?: ReadoutContext): ReadoutOutput {
    assertNotDisposed(ID, this.#disposed, "forward");
    const [b, t] = checkFeatures(ID, u, this.#inputDim);
    checkContext(ID, ctx);
    let h = reshape(u, [b * t, this.#inputDim]);
    for (const l of this.#layers) h = gelu(add(matmul(h, l.w), l.b));
    const logits = add(matmul(h, this.#out.w), this.#out.b);
    return { logits: reshape(logits, [b, t, this.#vocab]), balance: null };
  }

  /** Releases every parameter; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
