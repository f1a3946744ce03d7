/**
 * The tied-recursive readout (asuramaya/decepticons:src/decepticons/models/readouts_torch.py
 * (7be9af7), TiedRecursiveReadout): one GELU block applied D times with shared weights,
 *
 *   h = u W_in + b_in;  for d = 0..D−1: h ← GELU((h + δ_d) W_b + b_b);  logits = h W_o + b_o,
 *
 * with per-depth offsets δ ∈ R^{D×H} that start at 0 (so at init it equals D applications of
 * one GELU layer). Position-wise, so causal.
 *
 * @example
 * ```ts
 * import { initGpu, tidy, zeros } from "../../mod.ts";
 * import { TiedRecursiveReadout } from "./tied_recursive.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = new TiedRecursiveReadout(8, 3, { inputDim: 6, vocab: 16, seed: 1, prefix: "readout" });
 * const u = zeros([1, 4, 6]);
 * const { logits } = tidy(() => r.forward(u));
 * deepStrictEqual(logits.shape, [1, 4, 16]);
 * logits.dispose();
 * u.dispose();
 * r.dispose();
 * ```
 *
 * @module
 */
import type { Tensor } from "../../tensor.ts";
import { add } from "../../ops/binary.ts";
import { gelu } from "../../ops/unary.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { slice } from "../../ops/slice.ts";
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

const ID = "TiedRecursiveReadout";

/** A tied-recursive readout: one shared GELU block applied `depth` times. */
export class TiedRecursiveReadout implements CausalBankReadout {
  /** Always "tied_recursive". */
  readonly kind = "tied_recursive";
  /** `in_w`, `in_b`, `block_w`, `block_b`, `delta` [D, H], `out_w`, `out_b` under the prefix. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** Hidden width H. */
  readonly hidden: number;
  /** Applications D of the shared block. */
  readonly depth: number;
  readonly #inputDim: number;
  readonly #vocab: number;
  readonly #w: Record<"inW" | "inB" | "blockW" | "blockB" | "delta" | "outW" | "outB", Tensor>;
  #disposed = false;

  /**
   * Checks the arguments, then uploads the readout's parameters, each drawn from its own
   * stream keyed by (seed, name).
   *
   * @param hidden hidden width H (integer ≥ 1)
   * @param depth applications D of the shared block (integer ≥ 1)
   * @param options input width, vocabulary, seed and name prefix
   * @throws {TypeError|RangeError} naming the bad field, before any GPU work.
   */
  constructor(hidden: number, depth: number, options: ReadoutBuildOptions) {
    const o = checkBuildOptions(ID, options);
    this.hidden = intField("hidden", ID, hidden, 1, 65536);
    this.depth = intField("depth", ID, depth, 1, 256);
    this.#inputDim = o.inputDim;
    this.#vocab = o.vocab;
    const p = new ParamBuilder(o.seed, o.prefix);
    const H = hidden;
    this.#w = {
      inW: p.xavier("in_w", [o.inputDim, H], o.inputDim, H),
      inB: p.zeros("in_b", [H]),
      blockW: p.xavier("block_w", [H, H], H, H),
      blockB: p.zeros("block_b", [H]),
      delta: p.zeros("delta", [depth, H]),
      outW: p.xavier("out_w", [H, o.vocab], H, o.vocab),
      outB: p.zeros("out_b", [o.vocab]),
    };
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
    const w = this.#w;
    const H = this.hidden;
    let h = add(matmul(reshape(u, [b * t, this.#inputDim]), w.inW), w.inB);
    for (let d = 0; d < this.depth; d++) {
      const delta = reshape(slice(w.delta, [d, 0], [1, H]), [H]);
      h = gelu(add(matmul(add(h, delta), w.blockW), w.blockB));
    }
    const logits = add(matmul(h, w.outW), w.outB);
    return { logits: reshape(logits, [b, t, this.#vocab]), balance: null };
  }

  /** Releases every parameter; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
