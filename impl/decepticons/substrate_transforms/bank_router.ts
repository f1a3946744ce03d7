/**
 * The substrate bank router of
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7),
 * SubstrateBankRouter: a softmax over n banks of modes, computed from the
 * embedding, scales the drive of each bank before the substrate runs.
 *
 * ρ_t = softmax(x_t W + b) ∈ Δⁿ; D'_t[m] = D_t[m]·ρ_t[bank(m)], with
 * bank(m) = min(⌊m / ⌊M/n⌋⌋, n − 1): banks of ⌊M/n⌋ modes, the last one
 * taking the remainder, so every mode is routed. n > M would leave banks
 * with no mode (the original accepts it; every bank but the last is then
 * empty): refused here.
 *
 * @example Every mode scaled by its bank's weight
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { bankOf, SubstrateBankRouter } from "./bank_router.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * deepStrictEqual([0, 1, 2, 3, 4].map((m) => bankOf(m, 5, 2)), [0, 0, 1, 1, 1]);
 * const router = new SubstrateBankRouter({ modes: 5, embeddingDim: 2, banks: 2, seed: 3 });
 * const drive = tensor(new Float32Array(10).fill(1), [1, 2, 5]);
 * const x = tensor([0.5, -1, 2, 0], [1, 2, 2]);
 * const y = tidy(() => router.forward(drive, x));
 * deepStrictEqual(y.shape, [1, 2, 5]);
 * for (const t of [drive, x, y]) t.dispose();
 * router.dispose();
 * ```
 *
 * @module
 */
import { keep, type Tensor, tensor } from "../../tensor.ts";
import { add, mul } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { softmax } from "../../ops/softmax.ts";
import { checkInt, checkObject } from "../../validate.ts";
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

/** Options of {@link SubstrateBankRouter}. */
export interface BankRouterOptions {
  /** Modes M of the drive. */
  modes: number;
  /** Embedding width E. */
  embeddingDim: number;
  /** Banks n, in [1, M]. */
  banks: number;
  /** Initialisation seed, an integer in [0, 2³²); default 0. */
  seed?: number;
  /** Prefix of the parameter names; default "". */
  prefix?: string;
  /** Shipped initial values by local name (route_w [E, n], route_b [n]). */
  weights?: ShippedWeights;
}

/**
 * The bank of mode m among n banks of M modes: the last bank takes the remainder.
 *
 * @throws {TypeError|RangeError} unless modes ≥ 1, banks in [1, modes] and m in [0, modes).
 */
export function bankOf(m: number, modes: number, banks: number): number {
  checkInt("bankOf", "modes", modes, 1, 65536);
  checkInt("bankOf", "banks", banks, 1, modes);
  checkInt("bankOf", "m", m, 0, modes - 1);
  return Math.min(Math.floor(m / Math.floor(modes / banks)), banks - 1);
}

const OP = "SubstrateBankRouter";

/** Per-bank softmax scaling of the drive. */
export class SubstrateBankRouter {
  /** Modes M. */
  readonly modes: number;
  /** Embedding width E. */
  readonly embeddingDim: number;
  /** Banks n. */
  readonly banks: number;
  /** Trainable parameters by (prefixed) name: route_w [E, n], route_b [n]. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #prefix: string;
  readonly #expand: Tensor;
  #disposed = false;

  /**
   * Checks every option, then uploads the router's parameters (the shipped weights, or drawn
   * per name from `seed`).
   *
   * @throws {TypeError|RangeError} naming the field (banks > modes refused), before any GPU
   *   work.
   */
  constructor(options: BankRouterOptions) {
    const o = checkObject(OP, "options", options);
    const M = checkInt(OP, "modes", o.modes, 1, 65536);
    const E = checkInt(OP, "embeddingDim", o.embeddingDim, 1, 4096);
    const n = checkInt(OP, "banks", o.banks, 1, 65536);
    if (n > M) {
      throw new RangeError(
        `Cannot run ${OP}: expected banks <= modes (every bank needs a mode) but got ` +
          `banks = ${n} with modes = ${M}`,
      );
    }
    const { seed, prefix, weights } = checkCommon(OP, o);
    const plans: ParamPlan[] = [
      {
        name: "route_w",
        shape: [E, n],
        init: () => linearInit(seed, prefix + "route_w", E, E * n),
      },
      { name: "route_b", shape: [n], init: () => linearInit(seed, prefix + "route_b", E, n) },
    ];
    const values = resolveParams(OP, plans, weights);
    this.modes = M;
    this.embeddingDim = E;
    this.banks = n;
    this.#prefix = prefix;
    const expand = new Float32Array(n * M);
    for (let m = 0; m < M; m++) expand[bankOf(m, M, n) * M + m] = 1;
    this.parameters = uploadParams(plans, values, prefix);
    this.#expand = keep(tensor(expand, [n, M]));
  }

  /**
   * The bank weights ρ [B, T, n] of embeddings x [B, T, E]. Call inside `tidy()`.
   *
   * @throws {TypeError} when x is not a live f32 tensor [B, T, E].
   */
  routing(x: Tensor): Tensor {
    assertNotDisposed(this.#disposed, `${OP}.routing`);
    checkSequence(`${OP}.routing`, "x", x, this.embeddingDim);
    return this.#rho(x);
  }

  #rho(x: Tensor): Tensor {
    const p = (k: string) => this.parameters.get(this.#prefix + k)!;
    return softmax(add(matmul(x, p("route_w")), p("route_b")), -1);
  }

  /**
   * The routed drive D' [B, T, M] of a drive D [B, T, M] and embeddings x [B, T, E].
   * Records GPU work only; differentiable. Call inside `tidy()`.
   *
   * @throws {TypeError} when a tensor is not live f32 of the expected shape.
   */
  forward(drive: Tensor, x: Tensor): Tensor {
    const op = `${OP}.forward`;
    assertNotDisposed(this.#disposed, op);
    const bt = checkSequence(op, "drive", drive, this.modes);
    checkSequence(op, "x", x, this.embeddingDim, bt);
    return mul(drive, matmul(this.#rho(x), this.#expand));
  }

  /** Releases the parameters; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
    this.#expand.dispose();
  }
}
