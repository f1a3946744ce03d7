/**
 * The routed squared-ReLU experts readout and its Switch balance loss
 * (asuramaya/decepticons:src/decepticons/models/readouts_torch.py (7be9af7),
 * RoutedSquaredReLUReadout): for each expert e, a_e = relu(u W1_e + b1_e)² and
 * ℓ_e = a_e W2_e + b2_e; the router π = softmax(u W_r + b_r) ∈ Δ^E; logits = Σ_e π_e ℓ_e, a
 * convex combination computed as written (every expert's logits, then the π-weighted sum).
 *
 * Balance loss over the N = B·T rows of the same forward: f_e = #{n : argmax π_n = e} / N
 * (hard, no gradient), P_e = Σ_n π_{n,e} / N, L = E Σ_e f_e P_e ∈ (0, E]: 1 for a uniform
 * router, E when one expert takes every row. The original keeps L in the module from the last
 * forward (a value that silently belongs to whichever batch ran last, and 0 before any
 * forward); memspec returns it from the forward that made it.
 *
 * Position-wise, so causal.
 *
 * @example
 * ```ts
 * import { initGpu, tidy, zeros } from "../../mod.ts";
 * import { RoutedExpertsReadout } from "./routed_experts.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const r = new RoutedExpertsReadout(8, 4, { inputDim: 6, vocab: 16, seed: 1, prefix: "readout" });
 * const u = zeros([1, 4, 6]);
 * const { logits, balance } = tidy(() => r.forward(u));
 * deepStrictEqual(logits.shape, [1, 4, 16]);
 * deepStrictEqual(balance!.shape, []);
 * deepStrictEqual(Array.from(await balance!.toArray()), [1]); // a uniform router
 * logits.dispose();
 * balance!.dispose();
 * u.dispose();
 * r.dispose();
 * ```
 *
 * @module
 */
import { assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { add, mul } from "../../ops/binary.ts";
import { relu, square } from "../../ops/unary.ts";
import { mean, sum } from "../../ops/reduce.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { transpose } from "../../ops/transpose.ts";
import { softmax } from "../../ops/softmax.ts";
import { argmax } from "../../ops/topk.ts";
import { embedding } from "../../ops/gather.ts";
import { shown } from "../../validate.ts";
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

const ID = "RoutedExpertsReadout";

/**
 * The Switch balance loss L = E Σ_e f_e P_e of router probabilities π [N, E] (N ≥ 1 rows):
 * f_e the hard fraction of rows whose argmax (the first, on ties) is e, with no gradient;
 * P_e the mean probability. Shape []; the gradient flows through P only. Call inside `tidy()`.
 *
 * @example A collapsed router gives E
 * ```ts
 * import { initGpu, tensor } from "../../mod.ts";
 * import { switchBalanceLoss } from "./routed_experts.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const pi = tensor([1, 0, 0, 1, 0, 0], [2, 3]);
 * const l = switchBalanceLoss(pi);
 * deepStrictEqual(Array.from(await l.toArray()), [3]);
 * l.dispose();
 * pi.dispose();
 * ```
 *
 * @throws {TypeError} when pi is not a live f32 [N, E] tensor. @throws {RangeError} for N = 0.
 */
export function switchBalanceLoss(pi: Tensor): Tensor {
  if (!(pi instanceof Tensor)) {
    throw new TypeError(
      `Cannot compute the balance loss: expected router probabilities as an f32 Tensor [N, E] ` +
        `but got ${shown(pi)}`,
    );
  }
  assertLive(pi, "compute the balance loss", "router probabilities");
  if (pi.rank !== 2 || pi.dtype !== "f32") {
    throw new TypeError(
      `Cannot compute the balance loss: expected router probabilities as an f32 Tensor [N, E] ` +
        `but got ${pi.dtype} ${formatShape(pi.shape)}`,
    );
  }
  const [n, e] = pi.shape as [number, number];
  if (n < 1 || e < 1) {
    throw new RangeError(
      `Cannot compute the balance loss: expected at least one row and one expert but got ` +
        `${formatShape(pi.shape)} (the fractions are undefined over 0 rows)`,
    );
  }
  const eye = new Float32Array(e * e);
  for (let i = 0; i < e; i++) eye[i * e + i] = 1;
  // One-hot rows of the argmax through a constant table: ids carry no gradient, so f is detached.
  const f = mean(embedding(tensor(eye, [e, e]), argmax(pi, 1)), 0);
  const p = mean(pi, 0);
  return mul(sum(mul(f, p)), tensor([e], []));
}

/**
 * Router and experts shared by the routed and the tied-embedding readouts: π = softmax(u W_r
 * + b_r), ℓ_e = relu(u W1_e + b1_e)² W2_e + b2_e ∈ R^O, out = Σ_e π_e ℓ_e.
 */
export class RoutedCore {
  readonly #w: Record<"rW" | "rB" | "w1" | "b1" | "w2" | "b2", Tensor>;
  /**
   * Builds the router and the experts' weights through `p` (Xavier weights, zero biases).
   *
   * @param p the builder that names, seeds and keeps the parameters
   * @param inputDim features F of a row u
   * @param hidden hidden width H of each expert
   * @param experts number of experts E
   * @param outDim width O of each expert's output
   */
  constructor(
    p: ParamBuilder,
    readonly inputDim: number,
    readonly hidden: number,
    readonly experts: number,
    readonly outDim: number,
  ) {
    const F = inputDim;
    const H = hidden;
    const X = experts;
    this.#w = {
      rW: p.xavier("router_w", [F, X], F, X),
      rB: p.zeros("router_b", [X]),
      // Expert e's first layer is columns e·H … (e + 1)·H − 1: one matmul for all experts.
      w1: p.xavier("w1", [F, X * H], F, H),
      b1: p.zeros("b1", [X * H]),
      w2: p.xavier("w2", [X, H, outDim], H, outDim),
      b2: p.zeros("b2", [X, outDim]),
    };
  }

  /** Router probabilities π [N, E] of rows u [N, F]. */
  route(rows: Tensor): Tensor {
    return softmax(add(matmul(rows, this.#w.rW), this.#w.rB), -1);
  }

  /** Every expert's output ℓ [E, N, O] of rows u [N, F]. */
  expertOutputs(rows: Tensor): Tensor {
    const n = rows.shape[0]!;
    const a = square(relu(add(matmul(rows, this.#w.w1), this.#w.b1)));
    const perExpert = transpose(reshape(a, [n, this.experts, this.hidden]), [1, 0, 2]);
    return add(matmul(perExpert, this.#w.w2), reshape(this.#w.b2, [this.experts, 1, this.outDim]));
  }

  /** The mixed output [N, O], the router probabilities [N, E] and the balance loss []. */
  mix(rows: Tensor): { out: Tensor; pi: Tensor; balance: Tensor } {
    const n = rows.shape[0]!;
    const pi = this.route(rows);
    const l = this.expertOutputs(rows);
    const out = sum(mul(l, reshape(transpose(pi, [1, 0]), [this.experts, n, 1])), 0);
    return { out, pi, balance: switchBalanceLoss(pi) };
  }
}

/** The routed squared-ReLU experts readout (E ≥ 2 experts, hidden width H each). */
export class RoutedExpertsReadout implements CausalBankReadout {
  /** Always "routed_sqrelu_experts". */
  readonly kind = "routed_sqrelu_experts";
  /** `router_w`, `router_b`, `w1` [F, E·H], `b1`, `w2` [E, H, V], `b2` [E, V] under the prefix. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** Hidden width H of each expert. */
  readonly hidden: number;
  /** Number of experts E. */
  readonly experts: number;
  readonly #core: RoutedCore;
  readonly #inputDim: number;
  readonly #vocab: number;
  #disposed = false;

  /**
   * Checks the arguments, then uploads the router and the experts, each tensor drawn from its
   * own stream keyed by (seed, name).
   *
   * @param hidden each expert's hidden width H (integer ≥ 1)
   * @param experts number of experts E (integer ≥ 2)
   * @param options input width, vocabulary, seed and name prefix
   * @throws {TypeError|RangeError} naming the bad field, before any GPU work.
   */
  constructor(hidden: number, experts: number, options: ReadoutBuildOptions) {
    const o = checkBuildOptions(ID, options);
    this.hidden = intField("hidden", ID, hidden, 1, 65536);
    this.experts = intField("experts", ID, experts, 2, 256);
    this.#inputDim = o.inputDim;
    this.#vocab = o.vocab;
    const p = new ParamBuilder(o.seed, o.prefix);
    this.#core = new RoutedCore(p, o.inputDim, hidden, experts, o.vocab);
    this.parameters = p.params;
  }

  /**
   * Logits [B, T, V] and the balance loss [] of this forward. Call inside `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, F] tensor. @throws {RangeError} for an
   *   empty batch (the balance loss needs rows).
   */
  forward(u: Tensor, ctx?: ReadoutContext): ReadoutOutput {
    assertNotDisposed(ID, this.#disposed, "forward");
    const [b, t] = checkFeatures(ID, u, this.#inputDim);
    checkContext(ID, ctx);
    const { out, balance } = this.#core.mix(reshape(u, [b * t, this.#inputDim]));
    return { logits: reshape(out, [b, t, this.#vocab]), balance };
  }

  /**
   * The router probabilities π [B, T, E] and every expert's logits [E, B, T, V] of features u:
   * the terms `forward` combines (logits = Σ_e π_e ℓ_e). Call inside `tidy()`.
   *
   * @throws {TypeError} when u is not a live f32 [B, T, F] tensor. @throws {RangeError} for an
   *   empty batch.
   */
  parts(u: Tensor): { pi: Tensor; experts: Tensor } {
    assertNotDisposed(ID, this.#disposed, "parts");
    const [b, t] = checkFeatures(ID, u, this.#inputDim);
    const rows = reshape(u, [b * t, this.#inputDim]);
    return {
      pi: reshape(this.#core.route(rows), [b, t, this.experts]),
      experts: reshape(this.#core.expertOutputs(rows), [this.experts, b, t, this.#vocab]),
    };
  }

  /** Releases every parameter; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
  }
}
