/**
 * A sign-safe magnitude feature, memspec's replacement for the
 * MagnitudeNormalizer of
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7).
 *
 * The original's `keep_magnitude` mode returns (1 + σ(γ)·ln(n + ε))·S/n with
 * n = max(‖S‖, ε) and γ = 0 at init: the factor 1 + ½ ln n is negative for
 * n < e⁻² ≈ 0.135, so small states come out with their sign flipped, and its
 * docstring's "log-magnitude as a side feature" has no channel of its own.
 * Here the direction and the magnitude are separate channels:
 *
 *   S' = [S/n, σ(γ)·ln n] ∈ R^{M+1},  n = √max(‖S‖², ε²)
 *
 * (√max(·, ε²) equals max(‖S‖, ε) and keeps the gradient finite at S = 0).
 * The first M channels always point along S, and S = exp(c/σ(γ))·S/n is
 * recovered from them whenever ‖S‖ ≥ ε. With `keepMagnitude: false` only
 * S/n is returned. Pointwise in t, so causal.
 *
 * @example A small state keeps its sign
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { MagnitudeNormalizer } from "./magnitude.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const norm = new MagnitudeNormalizer({ modes: 2 });
 * const s = tensor([0.03, -0.04], [1, 1, 2]); // ‖s‖ = 0.05
 * const y = tidy(() => norm.forward(s));
 * const [d0, d1, c] = await y.toArray();
 * ok(d0! > 0 && d1! < 0 && Math.abs(c! - 0.5 * Math.log(0.05)) < 1e-5);
 * for (const t of [s, y]) t.dispose();
 * norm.dispose();
 * ```
 *
 * @module
 */
import { type Tensor, tensor } from "../../tensor.ts";
import { div, maximum, mul } from "../../ops/binary.ts";
import { sum } from "../../ops/reduce.ts";
import { concat } from "../../ops/concat.ts";
import { log, sigmoid, sqrt } from "../../ops/unary.ts";
import { checkBool, checkInt, checkObject, checkReal } from "../../validate.ts";
import {
  assertNotDisposed,
  checkCommon,
  checkSequence,
  type ParamPlan,
  resolveParams,
  type ShippedWeights,
  uploadParams,
} from "./params.ts";

/** Options of {@link MagnitudeNormalizer}. */
export interface MagnitudeOptions {
  /** Modes M of the states. */
  modes: number;
  /** Append the log-magnitude channel σ(γ)·ln n; default true. */
  keepMagnitude?: boolean;
  /** Floor ε of the norm, in [1e-18, 1]; default 1e-6. */
  eps?: number;
  /** Initialisation seed (γ starts at 0 whatever the seed); default 0. */
  seed?: number;
  /** Prefix of the parameter names; default "". */
  prefix?: string;
  /** Shipped initial values by local name (log_gain [1], γ). */
  weights?: ShippedWeights;
}

const OP = "MagnitudeNormalizer";

/** Direction S/n plus, by default, the log-magnitude as its own channel. */
export class MagnitudeNormalizer {
  /** Modes M of the input. */
  readonly modes: number;
  /** Whether the output carries the log-magnitude channel (width M + 1). */
  readonly keepMagnitude: boolean;
  /** Floor ε of the norm. */
  readonly eps: number;
  /** Trainable parameters by (prefixed) name: log_gain [1] (γ). */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #prefix: string;
  #disposed = false;

  /**
   * Checks every option, then uploads γ (the shipped value, or drawn per name from `seed`).
   *
   * @throws {TypeError|RangeError} naming the field, before any GPU work.
   */
  constructor(options: MagnitudeOptions) {
    const o = checkObject(OP, "options", options);
    const M = checkInt(OP, "modes", o.modes, 1, 65536);
    const keepMag = o.keepMagnitude === undefined
      ? true
      : checkBool(OP, "keepMagnitude", o.keepMagnitude);
    // ε² must stay a normal f32 (≥ 2⁻¹²⁶ ≈ 1.2e-38).
    const eps = o.eps === undefined ? 1e-6 : checkReal(OP, "eps", o.eps, 1e-18, 1);
    const { prefix, weights } = checkCommon(OP, o);
    const plans: ParamPlan[] = [{ name: "log_gain", shape: [1], init: () => new Float32Array(1) }];
    const values = resolveParams(OP, plans, weights);
    this.modes = M;
    this.keepMagnitude = keepMag;
    this.eps = eps;
    this.#prefix = prefix;
    this.parameters = uploadParams(plans, values, prefix);
  }

  /** Output width: M + 1 with the magnitude channel, else M. */
  get outputDim(): number {
    return this.modes + (this.keepMagnitude ? 1 : 0);
  }

  /**
   * S' [B, T, outputDim] from states S [B, T, M]; the embeddings are not read. Records GPU
   * work only; differentiable. Call inside `tidy()`.
   *
   * @throws {TypeError} when states is not a live f32 tensor [B, T, M].
   */
  forward(states: Tensor, _x?: Tensor): Tensor {
    const op = `${OP}.forward`;
    assertNotDisposed(this.#disposed, op);
    checkSequence(op, "states", states, this.modes);
    const ss = sum(mul(states, states), 2, true);
    const n = sqrt(maximum(ss, tensor([this.eps * this.eps], [1])));
    const dir = div(states, n);
    if (!this.keepMagnitude) return dir;
    const gain = sigmoid(this.parameters.get(this.#prefix + "log_gain")!);
    return concat([dir, mul(log(n), gain)], 2);
  }

  /** Releases the parameters; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
