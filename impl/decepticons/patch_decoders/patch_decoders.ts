/**
 * Patch decoders of the causal bank (asuramaya/decepticons:src/decepticons/models/
 * causal_bank_torch.py (7be9af7), patch_size > 1 with patch_causal_decoder, patch_n and
 * trust_routing), run end to end by a small patched causal bank: byte ids → patch encoder →
 * frozen decay-bank substrate over the patch sequence → decoder (+ local path) → logits.
 *
 * Notation: ids x_0 … x_{T−1} (bytes, [B, T]), P the patch size, E the embedding width, M the
 * bank's modes, emb(·) the embedding table (id −1 embeds to zero).
 *
 * - Patch encoder: e_k = W_p [emb(x_{kP}), …, emb(x_{kP+P−1})] + b_p over the K = ⌊T/P⌋
 *   complete patches (an incomplete last patch is never read: no position needs it).
 * - Substrate: S_k = d ⊙ S_{k−1} + e_k·W_in, with the deterministic decay bank d and a fixed
 *   in_proj (the original's frozen mode learns no substrate key), through
 *   {@link linearRecurrence}. Patch features F_k = [S_k, e_k] ∈ R^{M+E}; the decoders read the
 *   context shifted one patch, G_k = F_{k−1} with G_0 = 0.
 *
 * One target convention for every decoder: **logits[t] predict x_{t+1}** and depend on x_0 … x_t
 * only. With u = t + 1, k = ⌊u/P⌋ and b = u mod P (the position predicted and its patch):
 *
 * - `"mlp_factored"`: logits[t] = H_b(GELU(G_k W_h + b_h)), H_b one linear head per in-patch
 *   position. The original computes the same heads at u = t (its logits[t] predict x_t):
 *   memspec's logits[t] are the original's logits[t + 1].
 * - `"autoregressive"`: a GRU over [G_k, emb(x_{u−1})] (zero embedding at b = 0), its state
 *   reset at every patch start, teacher-forced; logits[t] = head(h_u). Shifted like the factored
 *   decoder (the original's logits[t] predict x_t).
 * - `"hybrid"`: features [S_{⌊t/P⌋−1}, emb(x_t)] (the substrate state of the previous patch, zero
 *   in the first) through GELU(· W_h + b_h) and a head; the original's convention already, no
 *   shift. Any T works: the original requires T mod P = 0 (it crashes otherwise); here the
 *   incomplete last patch is simply never encoded, as for the other decoders.
 *
 * Every decoder adds the byte-level local path s·GELU([emb(x_t), …, emb(x_{t−W+1})] W_ℓ + b_ℓ)
 * U_ℓ (the original's local readout is dead under its patch decoders: no gradient reaches it).
 * With `patchN` = N > 1 every head emits N·256 logits, reshaped to [B, T, N, 256]: head n at t
 * predicts x_{t+1+n}. With `trustRouting`, the output is the geometric mixture
 * τ_t·log p_table[x_t] + (1 − τ_t)·log_softmax(logits_t), τ_t = σ(MLP([emb(x_t), G_k]))
 * (unnormalised, like the original's; softmax cross-entropy normalises it); the table,
 * p_table[a][c] = P(next byte c | byte a), is required: the original raises AttributeError at
 * the first forward without one although its validation only warns.
 *
 * Ids are host integers checked before any GPU work: an id outside [0, 256) is refused, never
 * wrapped (the original's uint8 casts turn 300 into 44).
 *
 * @example Every decoder, one target convention
 * ```ts
 * import { initGpu, liveBufferCount, tidy } from "../../mod.ts";
 * import { PatchedCausalBank } from "./patch_decoders.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const ids = Int32Array.from({ length: 10 }, (_, i) => 97 + i);
 * for (const decoder of ["mlp_factored", "autoregressive", "hybrid"] as const) {
 *   const m = new PatchedCausalBank({ decoder, patchSize: 4, embeddingDim: 4, linearModes: 8 });
 *   const logits = tidy(() => m.forward(ids, [1, 10]));
 *   deepStrictEqual(logits.shape, [1, 10, 256]);
 *   logits.dispose();
 *   m.dispose();
 * }
 * deepStrictEqual(liveBufferCount(), before);
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { type Tensor, tensor } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { add, mul, sub } from "../../ops/binary.ts";
import { gelu, sigmoid } from "../../ops/unary.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { slice } from "../../ops/slice.ts";
import { concat } from "../../ops/concat.ts";
import { embedding } from "../../ops/gather.ts";
import { logSoftmax } from "../../ops/softmax.ts";
import { crossEntropy } from "../../ops/cross_entropy.ts";
import { buildDecayBank, CAUSAL_BANK_DEFAULTS } from "../causal_bank/config.ts";
import { linearRecurrence } from "../linear_recurrence/linear_recurrence.ts";
import { gru, type GruWeights, initGruWeights } from "../../nn/gru/gru.ts";

/** The causal patch decoders (the original's `none` leaks the future and is not one). */
export const PATCH_CAUSAL_DECODERS = ["mlp_factored", "autoregressive", "hybrid"] as const;
/** A causal patch decoder. */
export type PatchCausalDecoder = typeof PATCH_CAUSAL_DECODERS[number];

/** Vocabulary: bytes. */
export const PATCH_VOCAB = 256;

/** Configuration of {@link PatchedCausalBank}. */
export interface PatchedCausalBankConfig {
  /** The decoder: per-position heads, a per-patch GRU, or the byte-level hybrid. */
  decoder: PatchCausalDecoder;
  /** Bytes per patch P (integer in [1, 64]). */
  patchSize: number;
  /** Embedding width E. */
  embeddingDim: number;
  /** Modes M of the frozen decay bank. */
  linearModes: number;
  /** Shortest half-life of the bank, in patches. */
  halfLifeMin: number;
  /** Longest half-life of the bank, in patches. */
  halfLifeMax: number;
  /** Hidden width of the decoder (MLP width, or the GRU's state). */
  decoderHidden: number;
  /** Embeddings the local path sees (0: no local path). */
  localWindow: number;
  /** Hidden width of the local path. */
  localHidden: number;
  /** Weight of the local path's logits. */
  localScale: number;
  /** Bytes predicted per position N (patch-at-readout heads); 1 gives [B, T, 256]. */
  patchN: number;
  /** Mix a next-byte table into the logits through a learned trust gate. */
  trustRouting: boolean;
  /** The table p[a][c] = P(next c | a), 256 × 256 row-major, rows summing to 1, entries > 0. */
  trustTable: ArrayLike<number> | null;
  /** Hidden width of the trust gate's MLP. */
  trustHidden: number;
  /** Longest sequence `forward` accepts. */
  maxSeqLen: number;
  /** Initialisation seed, an integer in [0, 2³²). */
  seed: number;
}

/** Defaults: small shapes (E = 8, M = 16) for a software GPU. */
export const PATCHED_CAUSAL_BANK_DEFAULTS: Readonly<PatchedCausalBankConfig> = Object.freeze({
  decoder: "mlp_factored",
  patchSize: 4,
  embeddingDim: 8,
  linearModes: 16,
  halfLifeMin: 1.5,
  halfLifeMax: 64,
  decoderHidden: 16,
  localWindow: 4,
  localHidden: 16,
  localScale: 0.25,
  patchN: 1,
  trustRouting: false,
  trustTable: null,
  trustHidden: 8,
  maxSeqLen: 1024,
  seed: 42,
});

const ID = "PatchedCausalBank";

function fail(what: string, expected: string, got: unknown): never {
  const want = expected === "" ? what : `${what} ${expected}`;
  throw new RangeError(`Cannot build ${ID}: expected ${want} but got ${shown(got)}`);
}

function checkInt(what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number") {
    throw new TypeError(`Cannot build ${ID}: expected ${what} a number but got ${shown(v)}`);
  }
  if (!Number.isInteger(v) || v < min || v > max) fail(what, `an integer in [${min}, ${max}]`, v);
  return v;
}

/**
 * Validates a full configuration: every field's type and range, and the combinations memspec
 * cannot honour (trust routing without a table, or with patchN > 1).
 *
 * @throws {TypeError} for a mistyped field. @throws {RangeError} naming the fields.
 */
export function validatePatchedCausalBankConfig(c: PatchedCausalBankConfig): void {
  if (c === null || typeof c !== "object") {
    throw new TypeError(`Cannot build ${ID}: expected a config object but got ${shown(c)}`);
  }
  if (typeof c.decoder !== "string") {
    throw new TypeError(
      `Cannot build ${ID}: expected decoder a string but got ${shown(c.decoder)}`,
    );
  }
  if (!(PATCH_CAUSAL_DECODERS as readonly string[]).includes(c.decoder)) {
    const extra = (c.decoder as string) === "none"
      ? ' ("none" reads the whole patch, the future bytes included)'
      : "";
    fail(
      `decoder one of ${PATCH_CAUSAL_DECODERS.map((d) => `"${d}"`).join(", ")}${extra}`,
      "",
      c.decoder,
    );
  }
  checkInt("patchSize", c.patchSize, 1, 64);
  checkInt("embeddingDim", c.embeddingDim, 1, 1024);
  checkInt("linearModes", c.linearModes, 1, 4096);
  checkInt("decoderHidden", c.decoderHidden, 1, 1024);
  checkInt("localWindow", c.localWindow, 0, 64);
  checkInt("localHidden", c.localHidden, 1, 1024);
  checkInt("patchN", c.patchN, 1, 16);
  checkInt("trustHidden", c.trustHidden, 1, 1024);
  checkInt("maxSeqLen", c.maxSeqLen, 1, 2 ** 16);
  checkInt("seed", c.seed, 0, 0xffffffff);
  for (const f of ["halfLifeMin", "halfLifeMax", "localScale"] as const) {
    if (typeof c[f] !== "number") {
      throw new TypeError(`Cannot build ${ID}: expected ${f} a number but got ${shown(c[f])}`);
    }
  }
  if (
    // It reaches the GPU as an f32 uniform: refuse what f32 cannot hold.
    !(Number.isFinite(Math.fround(c.localScale)) && c.localScale >= 0)
  ) {
    fail("localScale", "finite in f32 and >= 0", c.localScale);
  }
  if (!(Number.isFinite(c.halfLifeMin) && c.halfLifeMin > 0)) {
    fail("halfLifeMin", "finite and > 0", c.halfLifeMin);
  }
  if (!(Number.isFinite(c.halfLifeMax) && c.halfLifeMax >= c.halfLifeMin)) {
    fail(`halfLifeMax finite and >= halfLifeMin (${c.halfLifeMin})`, "", c.halfLifeMax);
  }
  if (typeof c.trustRouting !== "boolean") {
    throw new TypeError(
      `Cannot build ${ID}: expected trustRouting a boolean but got ${shown(c.trustRouting)}`,
    );
  }
  if (c.trustRouting) {
    if (c.trustTable === null || c.trustTable === undefined) {
      throw new RangeError(
        `Cannot build ${ID}: trustRouting without a table: expected trustTable, a 256 x 256 ` +
          "next-byte probability table, but got none",
      );
    }
    if (c.patchN > 1) {
      throw new RangeError(
        `Cannot build ${ID}: trustRouting with patchN = ${c.patchN}: expected patchN 1 (the ` +
          "table predicts one byte ahead)",
      );
    }
    checkTable(c.trustTable);
  } else if (c.trustTable !== null && c.trustTable !== undefined) {
    throw new RangeError(
      `Cannot build ${ID}: trustTable without trustRouting: expected trustRouting true with a ` +
        "table (or no table) but got trustRouting false",
    );
  }
}

function checkTable(t: unknown): void {
  const V = PATCH_VOCAB;
  if (typeof t !== "object" || t === null || typeof (t as ArrayLike<number>).length !== "number") {
    throw new TypeError(
      `Cannot build ${ID}: expected trustTable an array of ${V * V} numbers but got ${shown(t)}`,
    );
  }
  const a = t as ArrayLike<number>;
  if (a.length !== V * V) {
    fail(`trustTable of ${V * V} entries (256 x 256)`, "", `${a.length} entries`);
  }
  for (let r = 0; r < V; r++) {
    let s = 0;
    for (let c = 0; c < V; c++) {
      const p = a[r * V + c];
      if (typeof p !== "number" || !(p > 0 && p <= 1) || Math.fround(p) < 2 ** -126) {
        fail(`trustTable[${r}][${c}] a probability in (2^-126, 1]`, "", p);
      }
      s += p;
    }
    // Rows are distributions: f32 entries summing to 1 up to their rounding.
    if (Math.abs(s - 1) > 1e-5) fail(`trustTable row ${r} summing to 1 (within 1e-5)`, "", s);
  }
}

/** FNV-1a of a name, to key a parameter's random stream (as the byte LM does). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The logits' context offset: which patch context G_k position t reads (k = ⌊(t + off)/P⌋). */
function contextOffset(d: PatchCausalDecoder): number {
  return d === "hybrid" ? 0 : 1;
}

/**
 * A small patched causal bank: patch encoder, frozen decay bank over the patches, one of the
 * causal patch decoders, the local path, patchN heads and trust routing. Parameters live on the
 * GPU until {@link PatchedCausalBank.dispose}.
 */
export class PatchedCausalBank {
  /** The validated configuration. */
  readonly config: Readonly<PatchedCausalBankConfig>;
  /** Trainable parameters by name, in a fixed order. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** Fixed tensors by name: in_proj, the bank's decays, local_scale, the log table. */
  readonly buffers: ReadonlyMap<string, Tensor>;
  readonly #decays: Float32Array;
  #gru: GruWeights | null = null;
  #disposed = false;

  /**
   * Builds the model and uploads its parameters, drawn from `config.seed` (each named parameter
   * from its own stream: Xavier-uniform weights, U(±√(1/E)) embeddings, zero biases, the GRU's
   * U(±1/√H)).
   *
   * @param config fields override {@link PATCHED_CAUSAL_BANK_DEFAULTS}
   * @throws {TypeError|RangeError} for an invalid configuration, before any GPU work.
   */
  constructor(config: Partial<PatchedCausalBankConfig> = {}) {
    if (config === null || typeof config !== "object") {
      throw new TypeError(`Cannot build ${ID}: expected a config object but got ${shown(config)}`);
    }
    const c: PatchedCausalBankConfig = { ...PATCHED_CAUSAL_BANK_DEFAULTS, ...config };
    validatePatchedCausalBankConfig(c);
    this.config = Object.freeze(c);
    try {
      this.#decays = buildDecayBank({
        ...CAUSAL_BANK_DEFAULTS,
        embeddingDim: c.embeddingDim,
        linearModes: c.linearModes,
        halfLifeMin: c.halfLifeMin,
        halfLifeMax: c.halfLifeMax,
      }).decays;
    } catch (e) {
      // The bank's settings are this model's: name the model the caller built.
      if (e instanceof RangeError) throw new RangeError(`Cannot build ${ID}: ${e.message}`);
      if (e instanceof TypeError) throw new TypeError(`Cannot build ${ID}: ${e.message}`);
      throw e;
    }
    const init = patchedInitValues(c);
    const params = new Map<string, Tensor>();
    const fixed = new Map<string, Tensor>();
    for (const [name, { data, shape }] of init.parameters) {
      params.set(name, tensor(data, shape, { requiresGrad: true }));
    }
    for (const [name, { data, shape }] of init.buffers) fixed.set(name, tensor(data, shape));
    if (c.decoder === "autoregressive") {
      const w = initGruWeights(
        c.embeddingDim + c.linearModes + c.embeddingDim,
        c.decoderHidden,
        c.seed,
        "ar_gru.",
      );
      const all = [w.wIh, w.wHh, w.bIh, w.bHh];
      GRU_NAMES.forEach((n, i) => params.set(n, all[i]!));
      this.#gru = w;
    }
    this.parameters = params;
    this.buffers = fixed;
  }

  /** The frozen bank's decays d [M] (f32, a copy): the gates of the patch recurrence. */
  get decays(): Float32Array {
    return this.#decays.slice();
  }

  #p(name: string): Tensor {
    const t = this.parameters.get(name) ?? this.buffers.get(name);
    if (t === undefined) throw new Error(`${ID}: internal error, no tensor "${name}"`);
    return t;
  }

  #assertLive(op: string): void {
    if (this.#disposed) {
      throw new TypeError(`Cannot ${op} ${ID}: expected a live model but it was disposed`);
    }
  }

  /**
   * Logits of the next byte at every position: [B, T, 256], or [B, T, N, 256] with patchN = N > 1
   * (head n predicts x_{t+1+n}). logits[t] depend on ids[0..t] only. Records GPU work only;
   * differentiable in the parameters. Call inside `tidy()`.
   *
   * @param ids byte ids, B·T integers in [0, 256) row-major (host memory, checked before any GPU
   *   work: never wrapped)
   * @param shape [B, T]
   * @throws {TypeError} for ids that are not an array of numbers or a bad shape.
   * @throws {RangeError} for an id outside [0, 256), or T outside [1, maxSeqLen].
   */
  forward(ids: ArrayLike<number>, shape: readonly [number, number]): Tensor {
    this.#assertLive("run forward of");
    const [B, T] = this.#checkIds(ids, shape, "forward");
    return this.#forward(Int32Array.from(ids), B, T);
  }

  /**
   * Mean next-byte cross-entropy (nats), shape []: head n of position t scored against
   * x_{t+1+n} wherever that byte exists, each head's mean averaged over the heads. Call inside
   * `tidy()`.
   *
   * @throws {TypeError|RangeError} as {@link PatchedCausalBank.forward}, and for T < 2.
   */
  loss(ids: ArrayLike<number>, shape: readonly [number, number]): Tensor {
    this.#assertLive("compute the loss of");
    const [B, T] = this.#checkIds(ids, shape, "loss");
    if (T < 2) {
      throw new RangeError(
        `Cannot compute the loss of ${ID}: expected T >= 2 (a next byte to predict) but got ${T}`,
      );
    }
    const x = Int32Array.from(ids);
    const N = this.config.patchN;
    const V = PATCH_VOCAB;
    const logits = reshape(this.#forward(x, B, T), [B, T, N * V]);
    let total: Tensor | null = null;
    let heads = 0;
    for (let n = 0; n < N; n++) {
      const L = T - 1 - n;
      if (L < 1) break;
      const tg = new Int32Array(B * L);
      for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) tg[b * L + t] = x[b * T + t + 1 + n]!;
      const part = reshape(slice(logits, [0, 0, n * V], [B, L, V]), [B * L, V]);
      const ce = crossEntropy(part, tg);
      total = total === null ? ce : add(total, ce);
      heads++;
    }
    return heads === 1 ? total! : mul(total!, tensor([1 / heads], []));
  }

  #checkIds(ids: ArrayLike<number>, shape: readonly [number, number], op: string) {
    const what = `Cannot run ${ID}.${op}`;
    if (!Array.isArray(shape) || shape.length !== 2) {
      throw new TypeError(`${what}: expected shape [B, T] but got ${shown(shape)}`);
    }
    const [B, T] = shape;
    if (
      !Number.isInteger(B) || !Number.isInteger(T) || B < 1 || T < 1 || T > this.config.maxSeqLen
    ) {
      throw new RangeError(
        `${what}: expected shape [B, T] with B >= 1 and 1 <= T <= maxSeqLen ` +
          `(${this.config.maxSeqLen}) but got [${B}, ${T}]`,
      );
    }
    if (
      ids === null || typeof ids !== "object" ||
      typeof (ids as ArrayLike<number>).length !== "number"
    ) {
      throw new TypeError(
        `${what}: expected byte ids, an array of B·T numbers, but got ${shown(ids)}`,
      );
    }
    if (ids.length !== B * T) {
      throw new RangeError(
        `${what}: expected B·T = ${B * T} ids for shape [${B}, ${T}] but got ${ids.length}`,
      );
    }
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= PATCH_VOCAB) {
        throw new RangeError(
          `${what}: expected byte ids in [0, 256) but got ${shown(v)} at [${Math.floor(i / T)}, ` +
            `${i % T}] (ids are refused, never wrapped)`,
        );
      }
    }
    return [B, T] as const;
  }

  #forward(x: Int32Array, B: number, T: number): Tensor {
    const c = this.config;
    const { patchSize: P, embeddingDim: E, linearModes: M, patchN: N } = c;
    const V = PATCH_VOCAB;
    const Fd = M + E;
    const K = Math.floor(T / P);
    const U = (K + 1) * P; // positions u = kP + b of the K + 1 contexts G_0 … G_K
    const emb = this.#p("embedding");
    const ids = (data: Int32Array, shape: number[]) => tensor(data, shape, { dtype: "i32" });
    // ---- patch context G [B, K + 1, Fd]: G_0 = 0, G_k = F_{k−1} = [S_{k−1}, e_{k−1}]
    let G = tensor(new Float32Array(B * Fd), [B, 1, Fd]);
    if (K > 0) {
      const pid = new Int32Array(B * K * P);
      for (let b = 0; b < B; b++) pid.set(x.subarray(b * T, b * T + K * P), b * K * P);
      const pe = reshape(embedding(emb, ids(pid, [B, K * P])), [B, K, P * E]);
      const e = add(matmul(pe, this.#p("patch_w")), this.#p("patch_b"));
      const drive = matmul(e, this.#p("in_proj"));
      const gates = new Float32Array(B * K * M);
      for (let i = 0; i < B * K; i++) gates.set(this.#decays, i * M);
      const S = linearRecurrence(tensor(gates, [B, K, M]), drive, { method: "sequential" }).h;
      G = concat([G, concat([S, e], 2)], 1);
    }
    /** A context [B, K + 1, D] repeated per in-patch position: [B, U, D]. */
    const expand = (g: Tensor, D: number) => {
      const g4 = reshape(g, [B, K + 1, 1, D]);
      return reshape(concat(new Array(P).fill(g4), 2), [B, U, D]);
    };
    const xe = embedding(emb, ids(x, [B, T]));
    const off = contextOffset(c.decoder);
    let y: Tensor;
    let ctx: Tensor | null = null;
    if (c.decoder === "mlp_factored") {
      const z = gelu(add(matmul(G, this.#p("dec_w")), this.#p("dec_b")));
      const heads = add(matmul(z, this.#p("head_w")), this.#p("head_b")); // [B, K+1, P·N·V]
      y = slice(reshape(heads, [B, U, N * V]), [0, 1, 0], [B, T, N * V]);
    } else if (c.decoder === "autoregressive") {
      // Input at u: [G_k, emb(x_{u−1})], the embedding zero at b = 0 and past the end.
      const prev = new Int32Array(B * U).fill(-1);
      for (let b = 0; b < B; b++) {
        for (let u = 1; u < U && u <= T; u++) if (u % P !== 0) prev[b * U + u] = x[b * T + u - 1]!;
      }
      const inp = concat([expand(G, Fd), embedding(emb, ids(prev, [B, U]))], 2);
      const Hd = c.decoderHidden;
      // One GRU sequence per patch: the state resets at every patch start.
      const h = gru(reshape(inp, [B * (K + 1), P, Fd + E]), this.#gru!);
      const hb = slice(reshape(h, [B, U, Hd]), [0, 1, 0], [B, T, Hd]);
      y = add(matmul(hb, this.#p("head_w")), this.#p("head_b"));
    } else {
      const sPrev = slice(expand(slice(G, [0, 0, 0], [B, K + 1, M]), M), [0, 0, 0], [B, T, M]);
      const z = gelu(add(matmul(concat([sPrev, xe], 2), this.#p("dec_w")), this.#p("dec_b")));
      y = add(matmul(z, this.#p("head_w")), this.#p("head_b"));
    }
    if (c.trustRouting) ctx = slice(expand(G, Fd), [0, off, 0], [B, T, Fd]);
    if (c.localWindow > 0) {
      const W = c.localWindow;
      const win = new Int32Array(B * T * W).fill(-1);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < W && j <= t; j++) win[(b * T + t) * W + j] = x[b * T + t - j]!;
        }
      }
      const we = reshape(embedding(emb, ids(win, [B, T, W])), [B, T, W * E]);
      const hl = gelu(add(matmul(we, this.#p("local_w")), this.#p("local_b")));
      y = add(y, matmul(mul(hl, this.#p("local_scale")), this.#p("local_out_w")));
    }
    if (c.trustRouting) {
      const f = concat([xe, ctx!], 2);
      const th = gelu(add(matmul(f, this.#p("trust_w1")), this.#p("trust_b1")));
      const tau = sigmoid(add(matmul(th, this.#p("trust_w2")), this.#p("trust_b2"))); // [B, T, 1]
      const lt = embedding(this.#p("log_table"), ids(x, [B, T]));
      const lq = logSoftmax(y, 2);
      y = add(lq, mul(tau, sub(lt, lq)));
    }
    return N > 1 ? reshape(y, [B, T, N, V]) : y;
  }

  /** Releases every parameter and fixed tensor. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of [...this.parameters.values(), ...this.buffers.values()]) t.dispose();
    this.#gru = null;
  }
}

/** The GRU's parameter names (torch's, under the prefix "ar_gru."). */
const GRU_NAMES = [
  "ar_gru.weight_ih_l0",
  "ar_gru.weight_hh_l0",
  "ar_gru.bias_ih_l0",
  "ar_gru.bias_hh_l0",
] as const;

/** Host values of a tensor: data and shape. */
export interface HostArray {
  /** Row-major values. */
  data: Float32Array;
  /** Shape. */
  shape: number[];
}

/**
 * The initial parameters and fixed tensors of a validated configuration, on the host (what the
 * constructor uploads; the autoregressive decoder's GRU tensors come from initGruWeights, named
 * ar_gru.weight_ih_l0, ar_gru.weight_hh_l0, ar_gru.bias_ih_l0, ar_gru.bias_hh_l0): the seeded draws, the fixed in_proj (N(0, 1)/√E from seed 42, as the
 * byte LM's frozen bank), the bank's decays, local_scale and the log table.
 *
 * @throws {TypeError|RangeError} as {@link validatePatchedCausalBankConfig}.
 */
export function patchedInitValues(
  config: PatchedCausalBankConfig,
): { parameters: Map<string, HostArray>; buffers: Map<string, HostArray> } {
  const c = config;
  validatePatchedCausalBankConfig(c);
  const { patchSize: P, embeddingDim: E, linearModes: M, decoderHidden: Hd, patchN: N } = c;
  const V = PATCH_VOCAB;
  const Fd = M + E;
  const params = new Map<string, HostArray>();
  const fixed = new Map<string, HostArray>();
  const streamOf = (name: string) => new Rng(hashU32(c.seed, nameHash(name)));
  const xavier = (name: string, fanIn: number, fanOut: number) => {
    const r = streamOf(name);
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const data = Float32Array.from({ length: fanIn * fanOut }, () => r.uniformIn(-lim, lim));
    params.set(name, { data, shape: [fanIn, fanOut] });
  };
  const zeros = (name: string, n: number) =>
    params.set(name, { data: new Float32Array(n), shape: [n] });
  const er = streamOf("embedding");
  const el = Math.sqrt(1 / E);
  params.set("embedding", {
    data: Float32Array.from({ length: V * E }, () => er.uniformIn(-el, el)),
    shape: [V, E],
  });
  xavier("patch_w", P * E, E);
  zeros("patch_b", E);
  if (c.decoder === "mlp_factored") {
    xavier("dec_w", Fd, Hd);
    zeros("dec_b", Hd);
    xavier("head_w", Hd, P * N * V);
    zeros("head_b", P * N * V);
  } else if (c.decoder === "autoregressive") {
    // The GRU's own tensors come from initGruWeights (seeded U(±1/√H)) in the constructor.
    xavier("head_w", Hd, N * V);
    zeros("head_b", N * V);
  } else {
    xavier("dec_w", M + E, Hd);
    zeros("dec_b", Hd);
    xavier("head_w", Hd, N * V);
    zeros("head_b", N * V);
  }
  if (c.localWindow > 0) {
    xavier("local_w", c.localWindow * E, c.localHidden);
    zeros("local_b", c.localHidden);
    xavier("local_out_w", c.localHidden, N * V);
  }
  if (c.trustRouting) {
    xavier("trust_w1", E + Fd, c.trustHidden);
    zeros("trust_b1", c.trustHidden);
    xavier("trust_w2", c.trustHidden, 1);
    zeros("trust_b2", 1);
    const table = c.trustTable!;
    fixed.set("log_table", {
      data: Float32Array.from({ length: V * V }, (_, i) => Math.log(table[i]!)),
      shape: [V, V],
    });
  }
  fixed.set("in_proj", {
    data: Float32Array.from(
      new Rng(hashU32(42, nameHash("in_proj"))).normals(E * M, 1 / Math.sqrt(E)),
    ),
    shape: [E, M],
  });
  if (c.localWindow > 0) {
    fixed.set("local_scale", { data: Float32Array.of(c.localScale), shape: [1] });
  }
  return { parameters: params, buffers: fixed };
}
