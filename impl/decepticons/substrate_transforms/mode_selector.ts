/**
 * The mode selector of
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7),
 * ModeSelector: a per-mode sigmoid gate from the embedding,
 * S'_t = S_t ⊙ σ((x_t W + b)/τ) with temperature τ > 0. Pointwise in t, so causal.
 *
 * @example
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { ModeSelector } from "./mode_selector.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const sel = new ModeSelector({ modes: 3, embeddingDim: 2, temperature: 0.5, seed: 1 });
 * const s = tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]);
 * const x = tensor([0.5, -1, 2, 0], [1, 2, 2]);
 * const y = tidy(() => sel.forward(s, x));
 * deepStrictEqual(y.shape, [1, 2, 3]);
 * for (const t of [s, x, y]) t.dispose();
 * sel.dispose();
 * ```
 *
 * @module
 */
import { type Tensor, tensor } from "../../tensor.ts";
import { add, mul } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { sigmoid } from "../../ops/unary.ts";
import { checkInt, checkObject, checkReal } from "../../validate.ts";
import {
  assertNotDisposed,
  checkCommon,
  checkSequence,
  linearInit,
  type ParamPlan,
  resolveParams,
  type ShippedWeights,
  uploadParams,
} from "./params.ts";

/** Options of {@link ModeSelector}. */
export interface ModeSelectorOptions {
  /** Modes M. */
  modes: number;
  /** Embedding width E. */
  embeddingDim: number;
  /** Temperature τ > 0 of the gate; default 1. */
  temperature?: number;
  /** Initialisation seed, an integer in [0, 2³²); default 0. */
  seed?: number;
  /** Prefix of the parameter names; default "". */
  prefix?: string;
  /** Shipped initial values by local name (select_w [E, M], select_b [M]). */
  weights?: ShippedWeights;
}

const OP = "ModeSelector";

/** Per-mode sigmoid gate of the states. */
export class ModeSelector {
  /** Modes M. */
  readonly modes: number;
  /** Embedding width E. */
  readonly embeddingDim: number;
  /** Temperature τ. */
  readonly temperature: number;
  /** Trainable parameters by (prefixed) name: select_w [E, M], select_b [M]. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #prefix: string;
  #disposed = false;

  /**
   * Checks every option, then uploads the selector's parameters (the shipped weights, or drawn
   * per name from `seed`).
   *
   * @throws {TypeError|RangeError} naming the field, before any GPU work.
   */
  constructor(options: ModeSelectorOptions) {
    const o = checkObject(OP, "options", options);
    const M = checkInt(OP, "modes", o.modes, 1, 65536);
    const E = checkInt(OP, "embeddingDim", o.embeddingDim, 1, 4096);
    const tau = o.temperature === undefined ? 1 : checkReal(OP, "temperature", o.temperature);
    if (!(tau > 0) || !(Math.fround(1 / tau) < Infinity)) {
      throw new RangeError(
        `Cannot run ${OP}: expected temperature to be > 0 (with 1/temperature finite in f32) ` +
          `but got ${tau}`,
      );
    }
    const { seed, prefix, weights } = checkCommon(OP, o);
    const plans: ParamPlan[] = [
      {
        name: "select_w",
        shape: [E, M],
        init: () => linearInit(seed, prefix + "select_w", E, E * M),
      },
      { name: "select_b", shape: [M], init: () => linearInit(seed, prefix + "select_b", E, M) },
    ];
    const values = resolveParams(OP, plans, weights);
    this.modes = M;
    this.embeddingDim = E;
    this.temperature = tau;
    this.#prefix = prefix;
    this.parameters = uploadParams(plans, values, prefix);
  }

  /**
   * S' [B, T, M] from states S [B, T, M] and embeddings x [B, T, E]. Records GPU work only;
   * differentiable. Call inside `tidy()`.
   *
   * @throws {TypeError} when a tensor is not live f32 of the expected shape.
   */
  forward(states: Tensor, x: Tensor): Tensor {
    const op = `${OP}.forward`;
    assertNotDisposed(this.#disposed, op);
    const bt = checkSequence(op, "states", states, this.modes);
    checkSequence(op, "x", x, this.embeddingDim, bt);
    const p = (k: string) => this.parameters.get(this.#prefix + k)!;
    const pre = add(matmul(x, p("select_w")), p("select_b"));
    return mul(states, sigmoid(mul(pre, tensor([1 / this.temperature], [1]))));
  }

  /** Releases the parameters; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
