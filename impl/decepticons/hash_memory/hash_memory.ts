/**
 * Hash memory: the slot-hashed softmax memory of
 * asuramaya/decepticons:src/decepticons/models/hash_memory.py (7be9af7), which is
 * sliding-window softmax attention over the previous M positions.
 *
 * For embeddings x ∈ R^{B×T×E}, with M slots and memory width D:
 *
 * - w_t = x_t W_w + b_w is both the key and the value written at t; q_t = x_t W_q + b_q;
 * - slot s holds, at time t, position p(t, s) = ⌊(t − 1 − s)/M⌋·M + s when t − 1 − s ≥ 0:
 *   the valid positions are exactly the window {max(0, t − M), …, t − 1};
 * - a_t = softmax over the valid p of (q_t · w_p)/√D; r_t = Σ_p a_{t,p} w_p;
 *   out_t = r_t W_o + b_o. At t = 0 no slot is valid: r_0 = 0, so out_0 = b_o (the
 *   original's comment says the output is 0 there; it is b_o).
 *
 * Banded, never the B·T·M·D gather: the sequence is cut into blocks of M
 * positions, and block k's queries attend to the keys of blocks k − 1 and k
 * (2M keys) under a fixed band mask, so the scores take B·T·2M floats. Masked
 * scores are set to −10³⁰ (exp underflows to exactly 0, so masked keys add
 * exactly nothing), and the one row with no valid key (t = 0) is zeroed after
 * the softmax. Forward and gradient are GPU autograd ops (matmul, mask,
 * softmax), so every parameter and x receive gradients.
 *
 * @example Shape, and out_0 = b_o
 * ```ts
 * import { initGpu, liveBufferCount, tensor, tidy } from "../../mod.ts";
 * import { HashMemory } from "./hash_memory.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const mem = new HashMemory({ embeddingDim: 4, slots: 3, dim: 2, seed: 1 });
 * const x = tensor(Float32Array.from({ length: 2 * 7 * 4 }, (_, i) => Math.sin(i)), [2, 7, 4]);
 * const out = tidy(() => mem.forward(x));
 * deepStrictEqual(out.shape, [2, 7, 4]);
 * const y = await out.toArray();
 * const bo = await mem.parameters.get("out_b")!.toArray();
 * deepStrictEqual(Array.from(y.subarray(0, 4)), Array.from(bo));
 * for (const t of [x, out]) t.dispose();
 * mem.dispose();
 * deepStrictEqual(liveBufferCount(), before);
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
} from "../substrate_transforms/params.ts";

/** The hash memory's parameters, by local name (weights stored [in, out]). */
export const HASH_MEMORY_PARAMS = [
  "write_w",
  "write_b",
  "query_w",
  "query_b",
  "out_w",
  "out_b",
] as const;

/** Options of {@link HashMemory}. */
export interface HashMemoryOptions {
  /** Embedding width E (input and output). */
  embeddingDim: number;
  /** Slots M: the window of previous positions each query reads. */
  slots: number;
  /** Memory width D (keys, values and queries). */
  dim: number;
  /** Initialisation seed, an integer in [0, 2³²); default 0. */
  seed?: number;
  /** Prefix of the parameter names (and of their random streams); default "". */
  prefix?: string;
  /** Shipped initial values by local name ({@link HASH_MEMORY_PARAMS}); the rest are seeded. */
  weights?: ShippedWeights;
}

/** The score given to a masked key: exp(−10³⁰ − m) is exactly 0 in f32. */
export const HASH_MASKED_SCORE: number = -1e30;

const OP = "HashMemory";

/** Sliding-window softmax memory over the previous `slots` positions. */
export class HashMemory {
  /** Embedding width E. */
  readonly embeddingDim: number;
  /** Slots M. */
  readonly slots: number;
  /** Memory width D. */
  readonly dim: number;
  /** Trainable parameters by (prefixed) name, in {@link HASH_MEMORY_PARAMS} order. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly #prefix: string;
  readonly #masks = new Map<number, { mask: Tensor; valid: Tensor }>();
  #disposed = false;

  /**
   * Builds the memory and uploads its parameters: shipped ones from `weights`, the rest drawn
   * U(±1/√fan_in) from (seed, prefix + name).
   *
   * @throws {TypeError|RangeError} naming the field, before any GPU work.
   */
  constructor(options: HashMemoryOptions) {
    const o = checkObject(OP, "options", options);
    const E = checkInt(OP, "embeddingDim", o.embeddingDim, 1, 4096);
    const M = checkInt(OP, "slots", o.slots, 1, 4096);
    const D = checkInt(OP, "dim", o.dim, 1, 4096);
    const { seed, prefix, weights } = checkCommon(OP, o);
    const lin = (name: string, fanIn: number, n: number) => () =>
      linearInit(seed, prefix + name, fanIn, n);
    const plans: ParamPlan[] = [
      { name: "write_w", shape: [E, D], init: lin("write_w", E, E * D) },
      { name: "write_b", shape: [D], init: lin("write_b", E, D) },
      { name: "query_w", shape: [E, D], init: lin("query_w", E, E * D) },
      { name: "query_b", shape: [D], init: lin("query_b", E, D) },
      { name: "out_w", shape: [D, E], init: lin("out_w", D, D * E) },
      { name: "out_b", shape: [E], init: lin("out_b", D, E) },
    ];
    const values = resolveParams(OP, plans, weights);
    this.embeddingDim = E;
    this.slots = M;
    this.dim = D;
    this.#prefix = prefix;
    this.parameters = uploadParams(plans, values, prefix);
  }

  #p(name: string): Tensor {
    return this.parameters.get(this.#prefix + name)!;
  }

  /**
   * The band mask [nb, M, 2M] (1 where query i of block k may not read key j of blocks
   * k − 1, k) and the row validity [nb, M, 1] (0 only for t = 0), cached per block count.
   */
  #band(nb: number): { mask: Tensor; valid: Tensor } {
    let m = this.#masks.get(nb);
    if (m === undefined) {
      const M = this.slots;
      const mask = new Float32Array(nb * M * 2 * M);
      const valid = new Float32Array(nb * M).fill(1);
      for (let k = 0; k < nb; k++) {
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < 2 * M; j++) {
            // Key j sits at position (k − 1)M + j; the window of t = kM + i is [t − M, t − 1].
            const ok = j >= i && j <= i + M - 1 && (k > 0 || j >= M);
            mask[(k * M + i) * 2 * M + j] = ok ? 0 : 1;
          }
        }
      }
      valid[0] = 0;
      m = {
        mask: keep(tensor(mask, [nb, M, 2 * M])),
        valid: keep(tensor(valid, [nb, M, 1])),
      };
      this.#masks.set(nb, m);
    }
    return m;
  }

  /**
   * out [B, T, E] from embeddings x [B, T, E]: out_t reads the previous M positions only.
   * Records GPU work only; differentiable in x and every parameter. Call inside `tidy()`.
   *
   * @throws {TypeError} when x is not a live f32 tensor [B, T, E], or the memory is disposed.
   */
  forward(x: Tensor): Tensor {
    assertNotDisposed(this.#disposed, `${OP}.forward`);
    const [B, T] = checkSequence(`${OP}.forward`, "x", x, this.embeddingDim);
    const { slots: M, dim: D } = this;
    const nb = Math.ceil(T / M);
    const tp = nb * M;
    const w = add(matmul(x, this.#p("write_w")), this.#p("write_b"));
    const q = add(matmul(x, this.#p("query_w")), this.#p("query_b"));
    // Positions past T (padding) sit after every real query, so the band never reads them.
    const pad = (y: Tensor) => (tp === T ? y : concat([y, zeros([B, tp - T, D])], 1));
    const wb = reshape(pad(w), [B, nb, M, D]);
    const qb = reshape(pad(q), [B, nb, M, D]);
    const before = zeros([B, 1, M, D]);
    const prev = nb === 1
      ? before
      : concat([before, slice(wb, [0, 0, 0, 0], [B, nb - 1, M, D])], 1);
    const keys = concat([prev, wb], 2);
    const { mask, valid } = this.#band(nb);
    const scores = mul(matmul(qb, keys, { transB: true }), tensor([1 / Math.sqrt(D)], [1]));
    const a = mul(softmax(maskedFill(scores, mask, HASH_MASKED_SCORE), -1), valid);
    const r = reshape(matmul(a, keys), [B, tp, D]);
    const rt = tp === T ? r : slice(r, [0, 0, 0], [B, T, D]);
    return add(matmul(rt, this.#p("out_w")), this.#p("out_b"));
  }

  /** Releases the parameters and cached masks; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.parameters.values()) t.dispose();
    for (const m of this.#masks.values()) {
      m.mask.dispose();
      m.valid.dispose();
    }
    this.#masks.clear();
  }
}
