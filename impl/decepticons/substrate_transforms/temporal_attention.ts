/**
 * Temporal attention over state snapshots, with its causal mask mandatory:
 * memspec's version of the TemporalAttention of
 * asuramaya/decepticons:src/decepticons/models/substrate_transforms.py (7be9af7).
 *
 * Snapshots are the states at positions 0, I, 2I, … (interval I). Per head
 * (h heads of width d, no biases): q_t = S_t W_q, k_j = S_{jI} W_k,
 * v_j = S_{jI} W_v; a_t = softmax over the snapshots with jI ≤ t of
 * q_t·k_j/√d; S'_t = S_t + (Σ_j a_{t,j} v_j) W_o. Snapshot 0 is always
 * readable, so no row is empty.
 *
 * In the original the snapshot interval is optional, and without it every
 * position attends to every snapshot, future included (a change of the states
 * at t ≥ 24 moved earlier outputs by 2.2). Here `snapshotInterval` is required
 * and the mask always applied: masked scores are −10³⁰, whose exp is exactly
 * 0, so earlier outputs are bit-identical whatever the later states are.
 *
 * @example
 * ```ts
 * import { initGpu, tensor, tidy } from "../../mod.ts";
 * import { TemporalAttention } from "./temporal_attention.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * await initGpu();
 * throws(() => new TemporalAttention({ modes: 2, heads: 1, headDim: 2 } as never), TypeError);
 * const att = new TemporalAttention({ modes: 2, heads: 1, headDim: 2, snapshotInterval: 2 });
 * const s = tensor([1, 0, 0, 1, 1, 1], [1, 3, 2]);
 * const y = tidy(() => att.forward(s));
 * deepStrictEqual(y.shape, [1, 3, 2]);
 * for (const t of [s, y]) t.dispose();
 * att.dispose();
 * ```
 *
 * @module
 */
import { keep, type Tensor, tensor, zeros } from "../../tensor.ts";
import { add, mul } from "../../ops/binary.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { slice } from "../../ops/slice.ts";
import { concat } from "../../ops/concat.ts";
import { transpose } from "../../ops/transpose.ts";
import { softmax } from "../../ops/softmax.ts";
import { maskedFill } from "../../ops/where.ts";
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

/** Options of {@link TemporalAttention}. */
export interface TemporalAttentionOptions {
  /** Modes M of the states. */
  modes: number;
  /** Heads h. */
  heads: number;
  /** Width d of each head. */
  headDim: number;
  /** Snapshot interval I ≥ 1: required (the causal mask is built from it). */
  snapshotInterval: number;
  /** Initialisation seed, an integer in [0, 2³²); default 0. */
  seed?: number;
  /** Prefix of the parameter names; default "". */
  prefix?: string;
  /** Shipped values by local name (q_w, k_w, v_w [M, h·d], o_w [h·d, M]). */
  weights?: ShippedWeights;
}

/** The score given to a future snapshot: exp(−10³⁰ − m) is exactly 0 in f32. */
export const TEMPORAL_MASKED_SCORE: number = -1e30;

const OP = "TemporalAttention";

/** Causal attention of every position over the state snapshots up to it. */
export class TemporalAttention {
  /** Modes M. */
  readonly modes: number;
  /** Heads h. */
  readonly heads: number;
  /** Head width d. */
  readonly headDim: number;
  /** Snapshot interval I. */
  readonly snapshotInterval: number;
  /** Trainable parameters by (prefixed) name: q_w, k_w, v_w [M, h·d], o_w [h·d, M]. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #prefix: string;
  readonly #masks = new Map<number, Tensor>();
  #disposed = false;

  /**
   * Checks every option, then uploads the projections (the shipped weights, or drawn per name
   * from `seed`).
   *
   * @throws {TypeError} naming snapshotInterval when it is missing (the mask is mandatory),
   *   or another field. @throws {RangeError} for a value out of range. Before any GPU work.
   */
  constructor(options: TemporalAttentionOptions) {
    const o = checkObject(OP, "options", options);
    const M = checkInt(OP, "modes", o.modes, 1, 65536);
    const h = checkInt(OP, "heads", o.heads, 1, 256);
    const d = checkInt(OP, "headDim", o.headDim, 1, 4096);
    if (o.snapshotInterval === undefined) {
      throw new TypeError(
        `Cannot run ${OP}: expected snapshotInterval (an integer >= 1, required: it defines ` +
          "the causal mask) but got undefined",
      );
    }
    const interval = checkInt(OP, "snapshotInterval", o.snapshotInterval, 1, 1 << 20);
    const { seed, prefix, weights } = checkCommon(OP, o);
    const hd = h * d;
    const lin = (name: string, fanIn: number, n: number) => () =>
      linearInit(seed, prefix + name, fanIn, n);
    const plans: ParamPlan[] = [
      { name: "q_w", shape: [M, hd], init: lin("q_w", M, M * hd) },
      { name: "k_w", shape: [M, hd], init: lin("k_w", M, M * hd) },
      { name: "v_w", shape: [M, hd], init: lin("v_w", M, M * hd) },
      { name: "o_w", shape: [hd, M], init: lin("o_w", hd, hd * M) },
    ];
    const values = resolveParams(OP, plans, weights);
    this.modes = M;
    this.heads = h;
    this.headDim = d;
    this.snapshotInterval = interval;
    this.#prefix = prefix;
    this.parameters = uploadParams(plans, values, prefix);
  }

  /** The mask [T, nS]: 1 where snapshot j (position jI) lies after t. Cached per T. */
  #mask(T: number): Tensor {
    let m = this.#masks.get(T);
    if (m === undefined) {
      const I = this.snapshotInterval;
      const nS = Math.ceil(T / I);
      const host = new Float32Array(T * nS);
      for (let t = 0; t < T; t++) for (let j = 0; j < nS; j++) host[t * nS + j] = j * I > t ? 1 : 0;
      m = keep(tensor(host, [T, nS]));
      this.#masks.set(T, m);
    }
    return m;
  }

  /**
   * S' [B, T, M] from states S [B, T, M]; the embeddings are not read. Records GPU work only;
   * differentiable. Call inside `tidy()`.
   *
   * @throws {TypeError} when states is not a live f32 tensor [B, T, M].
   */
  forward(states: Tensor, _x?: Tensor): Tensor {
    const op = `${OP}.forward`;
    assertNotDisposed(this.#disposed, op);
    const [B, T] = checkSequence(op, "states", states, this.modes);
    const { modes: M, heads: h, headDim: d, snapshotInterval: I } = this;
    const p = (k: string) => this.parameters.get(this.#prefix + k)!;
    const nS = Math.ceil(T / I);
    const tp = nS * I;
    const padded = tp === T ? states : concat([states, zeros([B, tp - T, M])], 1);
    const snaps = reshape(slice(reshape(padded, [B, nS, I, M]), [0, 0, 0, 0], [B, nS, 1, M]), [
      B,
      nS,
      M,
    ]);
    const heads = (y: Tensor, n: number) =>
      h === 1 ? reshape(y, [B, 1, n, d]) : transpose(reshape(y, [B, n, h, d]), [0, 2, 1, 3]);
    const q = heads(matmul(states, p("q_w")), T);
    const k = heads(matmul(snaps, p("k_w")), nS);
    const v = heads(matmul(snaps, p("v_w")), nS);
    const scores = mul(matmul(q, k, { transB: true }), tensor([1 / Math.sqrt(d)], [1]));
    const a = softmax(maskedFill(scores, this.#mask(T), TEMPORAL_MASKED_SCORE), -1);
    const o = matmul(a, v); // [B, h, T, d]
    const merged = h === 1 ? reshape(o, [B, T, d]) : reshape(transpose(o, [0, 2, 1, 3]), [
      B,
      T,
      h * d,
    ]);
    return add(states, matmul(merged, p("o_w")));
  }

  /** Releases the parameters and cached masks; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
    for (const m of this.#masks.values()) m.dispose();
    this.#masks.clear();
  }
}
