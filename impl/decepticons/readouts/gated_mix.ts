/**
 * The gated local/linear mix (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py
 * (7be9af7), mix_mode = "gated"): per position, from the two paths' logits,
 *
 *   φ = [H(ℓ_lin), H(ℓ_loc), max ℓ_lin, max ℓ_loc, Var ℓ_lin, Var ℓ_loc],
 *   g = σ(φ·w + b)·s,  logits = ℓ_lin + g·ℓ_loc,
 *
 * H the entropy of softmax(ℓ) in nats, Var the population variance over the vocabulary,
 * w ∈ R⁶ Xavier-seeded, b = 0, s = localScale, so g ∈ (0, s). The additive mix is the constant
 * g = s. Position-wise, so causal.
 *
 * @example
 * ```ts
 * import { initGpu, tidy, zeros } from "../../mod.ts";
 * import { GatedMix } from "./gated_mix.ts";
 * import { deepStrictEqual, ok } from "node:assert/strict";
 * await initGpu();
 * const mix = new GatedMix(0.25, { seed: 1, prefix: "mix" });
 * const [a, b] = [zeros([1, 2, 8]), zeros([1, 2, 8])];
 * const { logits, gate } = tidy(() => mix.forward(a, b));
 * deepStrictEqual(logits.shape, [1, 2, 8]);
 * ok(Array.from(await gate.toArray()).every((g) => g > 0 && g < 0.25)); // g ∈ (0, s)
 * for (const t of [logits, gate, a, b]) t.dispose();
 * mix.dispose();
 * ```
 *
 * @module
 */
import { assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { add, mul, sub } from "../../ops/binary.ts";
import { exp, neg, sigmoid } from "../../ops/unary.ts";
import { max, mean, sum } from "../../ops/reduce.ts";
import { logSoftmax } from "../../ops/softmax.ts";
import { matmul } from "../../ops/matmul.ts";
import { concat } from "../../ops/concat.ts";
import { reshape } from "../../ops/reshape.ts";
import { shown } from "../../validate.ts";
import { assertNotDisposed, intField, ParamBuilder } from "./_common.ts";

const ID = "GatedMix";

/** The six gate features [N, 6] of logits rows ℓ_lin, ℓ_loc [N, V] (checked by the caller). */
function gateFeatures(lin: Tensor, loc: Tensor): Tensor {
  const entropy = (l: Tensor) => {
    const lp = logSoftmax(l, -1);
    return neg(sum(mul(exp(lp), lp), 1, true));
  };
  const variance = (l: Tensor) => {
    const c = sub(l, mean(l, 1, true));
    return mean(mul(c, c), 1, true);
  };
  return concat([
    entropy(lin),
    entropy(loc),
    max(lin, 1, true),
    max(loc, 1, true),
    variance(lin),
    variance(loc),
  ], 1);
}

/** The learned gate between the linear path's and the local path's logits. */
export class GatedMix {
  /** `<prefix>.gate_w` [6, 1] and `<prefix>.gate_b` [1]. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** The gate's ceiling s (localScale). */
  readonly localScale: number;
  readonly #w: Tensor;
  readonly #b: Tensor;
  #disposed = false;

  /**
   * Checks the arguments, then uploads the gate's weights, drawn from their own stream keyed
   * by (seed, name).
   *
   * @param localScale the gate's ceiling s: finite, > 0
   * @param options seed and name prefix of the gate's parameters
   * @throws {TypeError|RangeError} naming the bad field, before any GPU work.
   */
  constructor(localScale: number, options: { seed: number; prefix: string }) {
    if (typeof localScale !== "number") {
      throw new TypeError(
        `Cannot build ${ID}: expected localScale to be a number but got ${shown(localScale)}`,
      );
    }
    if (!(localScale > 0) || !Number.isFinite(Math.fround(localScale))) {
      throw new RangeError(
        `Cannot build ${ID}: expected localScale to be a finite f32 number > 0 but got ${localScale}`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Cannot build ${ID}: expected options { seed, prefix } but got ${shown(options)}`,
      );
    }
    intField("seed", ID, options.seed, 0, 0xffffffff);
    if (typeof options.prefix !== "string" || options.prefix.length === 0) {
      throw new TypeError(
        `Cannot build ${ID}: expected prefix to be a non-empty string but got ${
          shown(options.prefix)
        }`,
      );
    }
    this.localScale = localScale;
    const p = new ParamBuilder(options.seed, options.prefix);
    this.#w = p.xavier("gate_w", [6, 1], 6, 1);
    this.#b = p.zeros("gate_b", [1]);
    this.parameters = p.params;
  }

  /**
   * The mixed logits ℓ_lin + g·ℓ_loc [B, T, V] and the gate g [B, T, 1] of the two paths'
   * logits (same shape). Differentiable in both inputs and the gate's parameters. Call inside
   * `tidy()`.
   *
   * @throws {TypeError} when an input is not a live f32 [B, T, V] tensor or the shapes differ.
   *   @throws {RangeError} for an empty batch.
   */
  forward(lin: Tensor, loc: Tensor): { logits: Tensor; gate: Tensor } {
    assertNotDisposed(ID, this.#disposed, "forward");
    for (const [what, x] of [["linear logits", lin], ["local logits", loc]] as const) {
      if (!(x instanceof Tensor)) {
        throw new TypeError(
          `Cannot run ${ID}.forward: expected ${what} as an f32 Tensor [B, T, V] but got ${
            shown(x)
          }`,
        );
      }
      assertLive(x, `${ID}.forward`, what);
      if (x.dtype !== "f32" || x.rank !== 3) {
        throw new TypeError(
          `Cannot run ${ID}.forward: expected ${what} as an f32 Tensor [B, T, V] but got ` +
            `${x.dtype} ${formatShape(x.shape)}`,
        );
      }
    }
    if (formatShape(lin.shape) !== formatShape(loc.shape)) {
      throw new TypeError(
        `Cannot run ${ID}.forward: expected the local logits of the linear logits' shape ` +
          `${formatShape(lin.shape)} but got ${formatShape(loc.shape)}`,
      );
    }
    const [b, t, v] = lin.shape as [number, number, number];
    if (b < 1 || t < 1 || v < 1) {
      throw new RangeError(
        `Cannot run ${ID}.forward: expected logits [B, T, V] with B, T, V >= 1 but got ` +
          formatShape(lin.shape),
      );
    }
    const l2 = reshape(lin, [b * t, v]);
    const c2 = reshape(loc, [b * t, v]);
    const z = add(matmul(gateFeatures(l2, c2), this.#w), this.#b);
    const g = mul(sigmoid(z), tensor([this.localScale], [1]));
    const logits = add(l2, mul(g, c2));
    return { logits: reshape(logits, [b, t, v]), gate: reshape(g, [b, t, 1]) };
  }

  /** Releases the gate's parameters; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
