/**
 * The overwrite gate inside the recurrence: memspec's version of the
 * OverwriteGate of
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7).
 *
 * The original computes g = σ(x W + b) and S' = g ⊙ D + (1 − g) ⊙ S *after*
 * the scan, so the next step's recurrence still reads the un-gated S: an
 * "overwrite" (g = 1) makes the two histories' states equal at that step and
 * they differ again one step later. Here the gate sits inside the bank's
 * recurrence,
 *
 *   g_t = σ(x_t W + b),  S_t = (1 − g_t) ⊙ d ⊙ S_{t−1} + g_t ⊙ D_t,
 *
 * (a_t = (1 − g_t)·d, b_t = g_t·D_t through {@link linearRecurrence}), so a
 * gate of 1 erases the history for good: from that step on the states depend
 * on the inputs since the overwrite only. b = −3 at init (σ = 0.047), like the
 * original; W draws U(±1/√E).
 *
 * @example A gate of 1 erases the past
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { OverwriteGate } from "./overwrite_gate.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const gate = new OverwriteGate({
 *   decays: [0.9], embeddingDim: 1, weights: { gate_w: [100], gate_b: [-3] },
 * });
 * const x = tensor([0, 0, 1, 0], [1, 4, 1]); // the gate opens fully at t = 2
 * const d1 = tensor([5, 1, 2, 3], [1, 4, 1]);
 * const d2 = tensor([-7, 4, 2, 3], [1, 4, 1]);
 * const [h1, h2] = tidy(() => [gate.forward(d1, x), gate.forward(d2, x)]);
 * const a = await h1!.toArray();
 * const b = await h2!.toArray();
 * deepStrictEqual(Array.from(a.subarray(2)), Array.from(b.subarray(2)));
 * for (const t of [x, d1, d2, h1!, h2!]) t.dispose();
 * gate.dispose();
 * ```
 *
 * @module
 */
import { assertLive, formatShape, Tensor, tensor } from "../../tensor.ts";
import { add, mul, sub } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { sigmoid } from "../../ops/unary.ts";
import {
  checkFiniteList,
  checkInt,
  checkObject,
  checkOneOf,
  checkReal,
  shown,
} from "../../validate.ts";
import {
  linearRecurrence,
  SCAN_METHODS,
  type ScanMethod,
} from "../linear_recurrence/linear_recurrence.ts";
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

/** Options of {@link OverwriteGate}. */
export interface OverwriteGateOptions {
  /** The bank's decays d ∈ [0, 1]^M (M = length). */
  decays: ArrayLike<number>;
  /** Embedding width E. */
  embeddingDim: number;
  /** Initial gate bias b (every mode); default −3. */
  bias?: number;
  /** How the recurrence runs; default "chunked". */
  scanMethod?: ScanMethod;
  /** Chunk length of the chunked scan; default 32. */
  scanChunk?: number;
  /** Initialisation seed, an integer in [0, 2³²); default 0. */
  seed?: number;
  /** Prefix of the parameter names; default "". */
  prefix?: string;
  /** Shipped initial values by local name (gate_w [E, M], gate_b [M]). */
  weights?: ShippedWeights;
}

const OP = "OverwriteGate";

/** A decay bank whose input gate can overwrite (erase) its state. */
export class OverwriteGate {
  /** Modes M. */
  readonly modes: number;
  /** Embedding width E. */
  readonly embeddingDim: number;
  /** The bank's decays d. */
  readonly decays: Float32Array;
  /** How the recurrence runs. */
  readonly scanMethod: ScanMethod;
  /** Chunk length of the chunked scan. */
  readonly scanChunk: number;
  /** Trainable parameters by (prefixed) name: gate_w [E, M], gate_b [M]. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #prefix: string;
  readonly #d: Tensor;
  #disposed = false;

  /**
   * Checks every option, then uploads the decays and the gate's parameters (the shipped
   * weights, or drawn per name from `seed`).
   *
   * @throws {TypeError|RangeError} naming the field, before any GPU work.
   */
  constructor(options: OverwriteGateOptions) {
    const o = checkObject(OP, "options", options);
    const d = checkFiniteList(OP, "decays", o.decays);
    const M = d.length;
    if (M < 1) {
      throw new RangeError(
        `Cannot run ${OP}: expected decays to hold at least one value but got 0`,
      );
    }
    for (let i = 0; i < M; i++) {
      if (!(d[i]! >= 0 && d[i]! <= 1)) {
        throw new RangeError(
          `Cannot run ${OP}: expected decays[${i}] in [0, 1] but got ${d[i]}`,
        );
      }
    }
    const E = checkInt(OP, "embeddingDim", o.embeddingDim, 1, 4096);
    const bias = o.bias === undefined ? -3 : checkReal(OP, "bias", o.bias);
    const method = o.scanMethod === undefined
      ? "chunked"
      : checkOneOf(OP, "scanMethod", o.scanMethod, SCAN_METHODS);
    const chunk = o.scanChunk === undefined ? 32 : checkInt(OP, "scanChunk", o.scanChunk, 1, 65536);
    const { seed, prefix, weights } = checkCommon(OP, o);
    const plans: ParamPlan[] = [
      { name: "gate_w", shape: [E, M], init: () => linearInit(seed, prefix + "gate_w", E, E * M) },
      { name: "gate_b", shape: [M], init: () => new Float32Array(M).fill(bias) },
    ];
    const values = resolveParams(OP, plans, weights);
    this.modes = M;
    this.embeddingDim = E;
    this.decays = Float32Array.from(d);
    this.scanMethod = method;
    this.scanChunk = chunk;
    this.#prefix = prefix;
    this.parameters = uploadParams(plans, values, prefix);
    this.#d = tensor(this.decays, [M]);
  }

  /**
   * The gate g [B, T, M] of embeddings x [B, T, E]. Call inside `tidy()`.
   *
   * @throws {TypeError} when x is not a live f32 tensor [B, T, E].
   */
  gate(x: Tensor): Tensor {
    assertNotDisposed(this.#disposed, `${OP}.gate`);
    checkSequence(`${OP}.gate`, "x", x, this.embeddingDim);
    return this.#gate(x);
  }

  #gate(x: Tensor): Tensor {
    const p = (k: string) => this.parameters.get(this.#prefix + k)!;
    return sigmoid(add(matmul(x, p("gate_w")), p("gate_b")));
  }

  /**
   * The states S [B, T, M] of the gated bank driven by D [B, T, M] under embeddings
   * x [B, T, E]. `decays` [M], when given, replaces the fixed decays (a trained bank's, e.g. the
   * causal-bank LM's learnable decays; differentiable). Records GPU work only; differentiable.
   * Call inside `tidy()`.
   *
   * @throws {TypeError} when a tensor is not live f32 of the expected shape.
   */
  forward(drive: Tensor, x: Tensor, decays?: Tensor): Tensor {
    const op = `${OP}.forward`;
    assertNotDisposed(this.#disposed, op);
    const bt = checkSequence(op, "drive", drive, this.modes);
    checkSequence(op, "x", x, this.embeddingDim, bt);
    if (decays !== undefined) {
      if (!(decays instanceof Tensor)) {
        throw new TypeError(
          `Cannot run ${op}: expected decays as an f32 tensor [${this.modes}] but got ` +
            shown(decays),
        );
      }
      assertLive(decays, op, "decays");
      if (decays.dtype !== "f32" || decays.rank !== 1 || decays.shape[0] !== this.modes) {
        throw new TypeError(
          `Cannot run ${op}: expected decays as an f32 tensor [${this.modes}] but got ` +
            `${decays.dtype} ${formatShape(decays.shape)}`,
        );
      }
    }
    const g = this.#gate(x);
    const a = mul(sub(tensor([1], [1]), g), decays ?? this.#d);
    return linearRecurrence(a, mul(g, drive), { method: this.scanMethod, chunk: this.scanChunk })
      .h;
  }

  /** Releases the parameters; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
    this.#d.dispose();
  }
}
