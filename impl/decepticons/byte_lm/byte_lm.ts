/**
 * A causal-bank byte language model (asuramaya/decepticons
 * src/decepticons/models/causal_bank_torch.py, CausalBankModel): bytes →
 * embedding → substrate → readout, trained with Adam on the GPU and scored in
 * bits per byte.
 *
 * Forward, for tokens [B, T] (i32 bytes):
 *
 * - x = Emb[tokens] ∈ R^{B×T×E}; drive D = x·P ∈ R^{B×T×M} (P = in_proj);
 * - substrate, one of
 *   - `"frozen"`: S_t = d ⊙ S_{t−1} + D_t with the deterministic decay bank d
 *     ({@link buildDecayBank}); P is fixed (the original's frozen mode learns no
 *     substrate key), drawn N(0, 1)/√E from a fixed seed like the bank;
 *   - `"learned_recurrence"`: a_t = σ(x_t W_g + b_g), S_t = a_t ⊙ S_{t−1} +
 *     (1 − a_t) ⊙ D_t, with W_g = 0 and b_g = clamp(logit d, ±5) at init;
 *   - `"gated_retention"`: per head (d_s = stateDim / heads), q, k, v = x W_{q,k,v};
 *     r, w, e = σ(x W_{r,w,e} + (2, −1, −2)); keep = γ_h·r·(1 − e) with
 *     γ_h = σ(linspace(0.5, 3.5, H)); M_t = keep·M_{t−1} + kᵀ(w·v);
 *     o_t = (q_t/√d_s) M_t ({@link gatedRetention}); S = o W_o + D;
 *   - `"gated_delta"`: the gated delta rule of {@link gatedDelta} per head,
 *     M_t = g_t (I − β_t kᵀk) M_{t−1} + β_t kᵀv with unit-norm keys,
 *     g = σ(x W_g + linspace(0.5, 3.5, H)), β = σ(x W_β); S = o W_o + D.
 *     (The original's "gated_delta" has no delta term, causal_bank_torch.py: memspec
 *     uses the real rule, the one retention.ts implements.)
 * - readout: logits = GELU([S, x] W₁ + b₁) U₁ + s·GELU([x_t, …, x_{t−W+1}] W_ℓ + b_ℓ) U_ℓ + c,
 *   the linear path plus the local path over the last W embeddings (zero
 *   before the sequence starts), s = localScale (additive mix). Both output
 *   layers are one matmul over the concatenated hidden layers.
 *
 * Every path is causal: the scans and retention read the past only, and the
 * local window is built by shifting the ids right (ids −1 embed to zero).
 *
 * Initialisation is seeded with memspec's {@link Rng}: each named parameter
 * draws from its own stream keyed by (seed, name); linear weights are
 * Xavier-uniform, embeddings U(±√(1/E)), biases 0 (except the gate biases
 * above). Training keeps weights, Adam moments and batches on the device;
 * the loss is read back every `logEvery` steps only.
 *
 * @example A tiny model: forward shape, one training step
 * ```ts
 * import { initGpu, liveBufferCount, tensor, tidy } from "../../mod.ts";
 * import { CausalBankLM } from "./byte_lm.ts";
 * import { deepStrictEqual, ok } from "node:assert/strict";
 * await initGpu();
 * const before = liveBufferCount();
 * const lm = new CausalBankLM({ embeddingDim: 4, linearModes: 8, readoutHidden: 8, localHidden: 8 });
 * const tokens = tensor(new Int32Array([104, 105, 33, 10]), [1, 4]);
 * const logits = tidy(() => lm.forward(tokens));
 * deepStrictEqual(logits.shape, [1, 4, 256]);
 * logits.dispose();
 * tokens.dispose();
 * const text = new TextEncoder().encode("hello world, hello bytes. ".repeat(4));
 * const { losses } = await lm.train(text, { steps: 2, batch: 2, seqLen: 8, lr: 1e-2, logEvery: 1 });
 * ok(losses.length === 2 && losses.every((l) => Number.isFinite(l.loss)));
 * lm.dispose();
 * deepStrictEqual(liveBufferCount(), before);
 * ```
 *
 * @module
 */
import { hashU32, Rng } from "../../gpu/rng.ts";
import { backward, noGrad } from "../../autograd.ts";
import { assertLive, keep, readTensors, Tensor, tensor, tidy } from "../../tensor.ts";
import { shown } from "../../validate.ts";
import { add, div, mul, sub } from "../../ops/binary.ts";
import { gelu, sigmoid, sqrt } from "../../ops/unary.ts";
import { sum } from "../../ops/reduce.ts";
import { matmul } from "../../ops/matmul.ts";
import { reshape } from "../../ops/reshape.ts";
import { transpose } from "../../ops/transpose.ts";
import { slice } from "../../ops/slice.ts";
import { concat } from "../../ops/concat.ts";
import { embedding } from "../../ops/gather.ts";
import { crossEntropy } from "../../ops/cross_entropy.ts";
import { Adam, clipGradNorm } from "../../ops/optim.ts";
import {
  buildDecayBank,
  CAUSAL_BANK_DEFAULTS,
  type CausalBankConfig,
} from "../causal_bank/config.ts";
import {
  linearRecurrence,
  SCAN_METHODS,
  type ScanMethod,
} from "../linear_recurrence/linear_recurrence.ts";
import { gatedDelta, gatedRetention } from "../retention/retention.ts";

/** The substrates the byte model runs. */
export const LM_SUBSTRATES = [
  "frozen",
  "learned_recurrence",
  "gated_retention",
  "gated_delta",
] as const;
/** A substrate of the byte model. */
export type LMSubstrate = typeof LM_SUBSTRATES[number];

/** Vocabulary: bytes. */
export const BYTE_VOCAB = 256;

/** Configuration of {@link CausalBankLM}. */
export interface CausalBankLMConfig {
  /**
   * The substrate: the frozen decay bank, a learned recurrence, gated retention or the gated delta
   * rule.
   */
  substrate: LMSubstrate;
  /** Embedding width E. */
  embeddingDim: number;
  /** Modes M of the bank (the substrate's output width). */
  linearModes: number;
  /** Shortest half-life of the decay bank, in steps. */
  halfLifeMin: number;
  /** Longest half-life of the decay bank, in steps. */
  halfLifeMax: number;
  /** Matrix-memory width S of the gated substrates (d_k = d_v = S / numHeads). */
  stateDim: number;
  /** Heads of the gated substrates; must divide `stateDim`. */
  numHeads: number;
  /** Hidden width of the linear-path readout MLP. */
  readoutHidden: number;
  /** Embeddings the local path sees (0: no local path). */
  localWindow: number;
  /** Hidden width of the local path's MLP. */
  localHidden: number;
  /** Weight of the local path's logits (additive mix). */
  localScale: number;
  /** Chunk length of the chunked scan. */
  scanChunk: number;
  /**
   * How the bank's recurrence runs (frozen and learned_recurrence): the
   * division-free chunked scan, or the sequential one (faster on a software GPU).
   */
  scanMethod: ScanMethod;
  /** Longest sequence `forward` accepts. */
  maxSeqLen: number;
  /** Initialisation seed, an integer in [0, 2³²). */
  seed: number;
}

/**
 * Defaults sized for a 2-core software GPU (the original's are E = 32, M = 256,
 * readout hidden 128, local window 8): E = 24, M = 96, hidden 96, window 4.
 */
export const CAUSAL_BANK_LM_DEFAULTS: Readonly<CausalBankLMConfig> = Object.freeze({
  substrate: "frozen",
  embeddingDim: 24,
  linearModes: 96,
  halfLifeMin: 1.5,
  halfLifeMax: 512,
  stateDim: 16,
  numHeads: 2,
  readoutHidden: 96,
  localWindow: 4,
  localHidden: 96,
  localScale: 0.25,
  scanChunk: 32,
  scanMethod: "chunked",
  maxSeqLen: 1024,
  seed: 42,
});

/** Options of {@link CausalBankLM.train}. */
export interface ByteLMTrainOptions {
  /** Adam steps (integer ≥ 1). */
  steps: number;
  /** Windows per batch (integer ≥ 1). */
  batch: number;
  /** Bytes per window (integer in [1, maxSeqLen]). */
  seqLen: number;
  /** Adam learning rate (finite, > 0). */
  lr: number;
  /** Seed of the window sampler; default the model's seed. */
  seed?: number;
  /** Read the loss back every this many steps (and at the last step); default 10. */
  logEvery?: number;
  /** Global gradient-norm clip; default 1 (Infinity: none). */
  clipNorm?: number;
  /** Cosine-decay the learning rate to this fraction of lr over the run; default 1 (constant). */
  finalLrFraction?: number;
  /** Called after each loss readback. */
  onProgress?: (step: number, loss: number) => void;
}

/** What {@link CausalBankLM.train} returns. */
export interface ByteLMTrainResult {
  /** Mean cross-entropy (nats per byte) at the logged steps (1-based step numbers). */
  losses: { step: number; loss: number }[];
  /** Wall time of the run, ms. */
  wallMs: number;
  /** Training bytes (batch × seqLen × steps) per second of wall time. */
  bytesPerSecond: number;
}

const ID = "CausalBankLM";

function checkInt(what: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== "number") {
    throw new TypeError(`${ID}: ${what} must be a number, got ${typeof v}`);
  }
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${ID}: ${what} must be an integer ${range}, got ${v}`);
  }
  return v;
}

function checkFinite(what: string, v: unknown, ok: (x: number) => boolean, rule: string): number {
  if (typeof v !== "number") {
    throw new TypeError(`${ID}: ${what} must be a number, got ${typeof v}`);
  }
  // f32 range: every such setting reaches the GPU (a parameter, Adam's step size).
  if (!Number.isFinite(Math.fround(v)) || !ok(v)) {
    throw new RangeError(`${ID}: ${what} must be ${rule} (and within f32), got ${v}`);
  }
  return v;
}

/** The causal-bank substrate configuration a model configuration implies (validated there). */
function bankConfig(c: CausalBankLMConfig): CausalBankConfig {
  const gated = c.substrate === "gated_retention" || c.substrate === "gated_delta";
  return {
    ...CAUSAL_BANK_DEFAULTS,
    embeddingDim: c.embeddingDim,
    linearModes: c.linearModes,
    maxSeqLen: c.maxSeqLen,
    halfLifeMin: c.halfLifeMin,
    halfLifeMax: c.halfLifeMax,
    substrateMode: c.substrate,
    stateDim: gated ? c.stateDim : 0,
    stateImpl: c.substrate === "gated_retention" ? "retention" : "scan",
    numHeads: gated ? c.numHeads : 1,
    enableLocal: c.localWindow > 0,
    scanChunk: c.scanChunk,
  };
}

/**
 * Validates a byte-model configuration (all fields present).
 *
 * @throws {TypeError} for a missing or mistyped field. @throws {RangeError} for a bad value.
 */
export function validateCausalBankLMConfig(c: CausalBankLMConfig): void {
  if (c === null || typeof c !== "object") {
    throw new TypeError(`${ID}: config must be an object, got ${c}`);
  }
  if (typeof c.substrate !== "string") {
    throw new TypeError(`${ID}: substrate must be a string, got ${typeof c.substrate}`);
  }
  if (!(LM_SUBSTRATES as readonly string[]).includes(c.substrate)) {
    throw new RangeError(
      `${ID}: substrate must be one of ${LM_SUBSTRATES.map((s) => `"${s}"`).join(", ")}, ` +
        `got "${c.substrate}"`,
    );
  }
  checkInt("embeddingDim", c.embeddingDim, 1, 4096);
  checkInt("linearModes", c.linearModes, 1, 65536);
  checkInt("stateDim", c.stateDim, 1, 4096);
  checkInt("numHeads", c.numHeads, 1, c.stateDim);
  checkInt("readoutHidden", c.readoutHidden, 1, 65536);
  checkInt("localWindow", c.localWindow, 0, 64);
  checkInt("localHidden", c.localHidden, 1, 65536);
  checkFinite("localScale", c.localScale, (x) => x >= 0, "finite and >= 0");
  checkInt("scanChunk", c.scanChunk, 1);
  if (typeof c.scanMethod !== "string") {
    throw new TypeError(`${ID}: scanMethod must be a string, got ${typeof c.scanMethod}`);
  }
  if (!SCAN_METHODS.includes(c.scanMethod)) {
    throw new RangeError(
      `${ID}: scanMethod must be one of ${SCAN_METHODS.map((s) => `"${s}"`).join(", ")}, ` +
        `got "${c.scanMethod}"`,
    );
  }
  checkInt("maxSeqLen", c.maxSeqLen, 1);
  checkInt("seed", c.seed, 0, 0xffffffff);
  if (c.stateDim % c.numHeads !== 0) {
    throw new RangeError(
      `${ID}: stateDim (${c.stateDim}) must be divisible by numHeads (${c.numHeads})`,
    );
  }
  // Half-lives, chunk and the path rules: the causal-bank configuration's own validation.
  try {
    buildDecayBank(bankConfig(c));
  } catch (e) {
    // The bank's settings are the model's: name the model the caller built.
    if (e instanceof TypeError) throw new TypeError(`${ID}: ${e.message}`);
    if (e instanceof RangeError) throw new RangeError(`${ID}: ${e.message}`);
    throw e;
  }
}

/** FNV-1a of a name, to key a parameter's random stream. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}

/**
 * The causal-bank byte language model. Holds its parameters (and, once
 * trained, Adam's moments) on the GPU until {@link CausalBankLM.dispose}.
 */
export class CausalBankLM {
  /**
   * The validated configuration: {@link CAUSAL_BANK_LM_DEFAULTS} with the constructor's overrides.
   */
  readonly config: Readonly<CausalBankLMConfig>;
  /** Trainable parameters by name, in a fixed order. */
  readonly parameters: ReadonlyMap<string, Tensor>;
  /** Fixed (untrained) tensors by name. */
  readonly buffers: ReadonlyMap<string, Tensor>;
  readonly #decays: Float32Array;
  readonly #frozenGates = new Map<string, Tensor>();
  #opt: Adam | null = null;
  #disposed = false;

  /**
   * Builds the model and uploads its initial parameters, drawn from `config.seed`.
   *
   * @param config fields override {@link CAUSAL_BANK_LM_DEFAULTS}
   * @throws {TypeError|RangeError} for an invalid configuration, before any GPU work.
   */
  constructor(config: Partial<CausalBankLMConfig> = {}) {
    if (config === null || typeof config !== "object") {
      throw new TypeError(`${ID}: config must be an object, got ${config}`);
    }
    const c: CausalBankLMConfig = { ...CAUSAL_BANK_LM_DEFAULTS, ...config };
    validateCausalBankLMConfig(c);
    this.config = Object.freeze(c);
    this.#decays = buildDecayBank(bankConfig(c)).decays;
    const { embeddingDim: E, linearModes: M, stateDim: S, numHeads: H } = c;
    const params = new Map<string, Tensor>();
    const fixed = new Map<string, Tensor>();
    const streamOf = (name: string) => new Rng(hashU32(c.seed, nameHash(name)));
    const xavier = (name: string, fanIn: number, fanOut: number) => {
      const r = streamOf(name);
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      return Float32Array.from({ length: fanIn * fanOut }, () => r.uniformIn(-lim, lim));
    };
    const param = (name: string, data: ArrayLike<number>, shape: number[]) =>
      params.set(name, tensor(data, shape, { requiresGrad: true }));
    const zerosOf = (n: number) => new Float32Array(n);
    const er = streamOf("embedding");
    const el = Math.sqrt(1 / E);
    param("embedding", Float32Array.from({ length: BYTE_VOCAB * E }, () => er.uniformIn(-el, el)), [
      BYTE_VOCAB,
      E,
    ]);
    // in_proj, like the bank, comes from a fixed seed (42), independent of the init seed.
    const inProj = new Rng(hashU32(42, nameHash("in_proj"))).normals(E * M, 1 / Math.sqrt(E));
    if (c.substrate === "frozen") fixed.set("in_proj", tensor(inProj, [E, M]));
    else param("in_proj", inProj, [E, M]);
    if (c.substrate === "learned_recurrence") {
      param("gate_w", zerosOf(E * M), [E, M]);
      param("gate_b", Array.from(this.#decays, (d) => Math.max(-5, Math.min(5, logit(d)))), [M]);
    }
    if (c.substrate === "gated_retention" || c.substrate === "gated_delta") {
      for (const n of ["wq", "wk", "wv"]) param(n, xavier(n, E, S), [E, S]);
      param("wo", xavier("wo", S, M), [S, M]);
      if (c.substrate === "gated_retention") {
        param("gate_w", zerosOf(E * 3 * H), [E, 3 * H]);
        param("gate_b", [...Array(H).fill(2), ...Array(H).fill(-1), ...Array(H).fill(-2)], [3 * H]);
        fixed.set("gamma", tensor(linspace(0.5, 3.5, H).map((l) => 1 / (1 + Math.exp(-l))), [H]));
      } else {
        param("gate_w", zerosOf(E * 2 * H), [E, 2 * H]);
        param("gate_b", [...linspace(0.5, 3.5, H), ...Array(H).fill(0)], [2 * H]);
      }
    }
    const hl = c.readoutHidden;
    param("readout_w", xavier("readout_w", M + E, hl), [M + E, hl]);
    param("readout_b", zerosOf(hl), [hl]);
    let outFan = hl;
    const outRows = [xavier("out_w_linear", hl, BYTE_VOCAB)];
    if (c.localWindow > 0) {
      const wl = c.localWindow * E;
      param("local_w", xavier("local_w", wl, c.localHidden), [wl, c.localHidden]);
      param("local_b", zerosOf(c.localHidden), [c.localHidden]);
      outRows.push(xavier("out_w_local", c.localHidden, BYTE_VOCAB));
      outFan += c.localHidden;
      fixed.set("local_scale", tensor([c.localScale], [1]));
    }
    const outW = new Float32Array(outFan * BYTE_VOCAB);
    let o = 0;
    for (const r of outRows) {
      outW.set(r, o);
      o += r.length;
    }
    param("out_w", outW, [outFan, BYTE_VOCAB]);
    param("out_b", zerosOf(BYTE_VOCAB), [BYTE_VOCAB]);
    this.parameters = params;
    this.buffers = fixed;
  }

  #p(name: string): Tensor {
    const t = this.parameters.get(name) ?? this.buffers.get(name);
    if (t === undefined) throw new Error(`${ID}: internal error, no tensor "${name}"`);
    return t;
  }

  #assertLive(op: string): void {
    if (this.#disposed) {
      throw new TypeError(`${ID}: cannot ${op} after dispose() (expected a live model)`);
    }
  }

  /** Checks a token tensor: i32, [B, T] with 1 ≤ T ≤ maxSeqLen. */
  #checkTokens(tokens: Tensor, op: string): [number, number] {
    if (!(tokens instanceof Tensor)) {
      throw new TypeError(`${ID}.${op}: tokens must be an i32 Tensor [B, T], got ${shown(tokens)}`);
    }
    assertLive(tokens, `${ID}.${op}`, "tokens");
    if (tokens.dtype !== "i32" || tokens.rank !== 2) {
      throw new TypeError(
        `${ID}.${op}: tokens must be an i32 Tensor [B, T], got ${tokens.dtype} ` +
          `[${tokens.shape.join(", ")}]`,
      );
    }
    const [b, t] = tokens.shape as [number, number];
    if (b < 1 || t < 1 || t > this.config.maxSeqLen) {
      throw new RangeError(
        `${ID}.${op}: tokens [${b}, ${t}] need B >= 1 and 1 <= T <= maxSeqLen ` +
          `(${this.config.maxSeqLen}), as expected of every input`,
      );
    }
    return [b, t];
  }

  /** The frozen bank's gates broadcast to [B, T, M], cached per shape. */
  #gates(b: number, t: number): Tensor {
    const key = `${b},${t}`;
    let g = this.#frozenGates.get(key);
    if (g === undefined) {
      const M = this.config.linearModes;
      const host = new Float32Array(b * t * M);
      for (let i = 0; i < b * t; i++) host.set(this.#decays, i * M);
      g = keep(tensor(host, [b, t, M]));
      this.#frozenGates.set(key, g);
    }
    return g;
  }

  /** [B, T, S] → [B·H, T, S/H]. */
  #heads(x: Tensor, b: number, t: number): Tensor {
    const { numHeads: H, stateDim: S } = this.config;
    if (H === 1) return x;
    return reshape(transpose(reshape(x, [b, t, H, S / H]), [0, 2, 1, 3]), [b * H, t, S / H]);
  }

  /** [B, T, H] → [B·H, T]. */
  #headGates(g: Tensor, b: number, t: number): Tensor {
    const H = this.config.numHeads;
    if (H === 1) return reshape(g, [b, t]);
    return reshape(transpose(g, [0, 2, 1]), [b * H, t]);
  }

  /** The substrate states S [B, T, M]. */
  #substrate(x: Tensor, b: number, t: number): Tensor {
    const c = this.config;
    const drive = matmul(x, this.#p("in_proj"));
    const scan = { method: c.scanMethod, chunk: c.scanChunk };
    switch (c.substrate) {
      case "frozen":
        return linearRecurrence(this.#gates(b, t), drive, scan).h;
      case "learned_recurrence": {
        const a = sigmoid(add(matmul(x, this.#p("gate_w")), this.#p("gate_b")));
        return linearRecurrence(a, sub(drive, mul(a, drive)), scan).h;
      }
      default: {
        const { numHeads: H, stateDim: S } = c;
        const ds = S / H;
        const q0 = matmul(x, this.#p("wq"));
        let k0 = matmul(x, this.#p("wk"));
        let v0 = matmul(x, this.#p("wv"));
        const gates = sigmoid(add(matmul(x, this.#p("gate_w")), this.#p("gate_b")));
        const gate = (i: number) => slice(gates, [0, 0, i * H], [b, t, H]);
        const q = this.#heads(mul(q0, tensor([1 / Math.sqrt(ds)], [1])), b, t);
        let o: Tensor;
        if (c.substrate === "gated_retention") {
          const keepGate = mul(mul(gate(0), this.#p("gamma")), sub(tensor([1], [1]), gate(2)));
          // The write gate scales each head's values.
          const w = this.#headGates(gate(1), b, t);
          const k = this.#heads(k0, b, t);
          const v = mul(this.#heads(v0, b, t), reshape(w, [b * H, t, 1]));
          o = gatedRetention(q, k, v, this.#headGates(keepGate, b, t), { form: "recurrent" });
        } else {
          k0 = this.#heads(k0, b, t);
          v0 = this.#heads(v0, b, t);
          // Unit-norm keys keep the delta transition a contraction.
          const norm = sqrt(add(sum(mul(k0, k0), 2, true), tensor([1e-6], [1])));
          const k = div(k0, norm);
          o = gatedDelta(q, k, v0, this.#headGates(gate(0), b, t), this.#headGates(gate(1), b, t));
        }
        if (H > 1) o = reshape(transpose(reshape(o, [b, H, t, ds]), [0, 2, 1, 3]), [b, t, S]);
        return add(matmul(o, this.#p("wo")), drive);
      }
    }
  }

  /**
   * Logits [B, T, 256] of the next byte at every position. Records GPU work
   * only (no sync); differentiable in the parameters. Intermediates belong to
   * the caller's scope, like any chain of ops: call it inside `tidy()` (and
   * run `backward()` inside that same tidy).
   *
   * @throws {TypeError} when tokens are not an i32 [B, T] tensor. @throws {RangeError} for T
   *   outside [1, maxSeqLen].
   */
  forward(tokens: Tensor): Tensor {
    this.#assertLive("forward");
    const [b, t] = this.#checkTokens(tokens, "forward");
    const c = this.config;
    {
      const x = embedding(this.#p("embedding"), tokens);
      const states = this.#substrate(x, b, t);
      const hLin = gelu(
        add(matmul(concat([states, x], 2), this.#p("readout_w")), this.#p("readout_b")),
      );
      let hidden = hLin;
      if (c.localWindow > 0) {
        // ids shifted right by j (−1 before the start embeds to zero), stacked on a new axis.
        const cols: Tensor[] = [reshape(tokens, [b, t, 1])];
        for (let j = 1; j < c.localWindow; j++) {
          const pad = tensor(new Int32Array(b * Math.min(j, t)).fill(-1), [b, Math.min(j, t)], {
            dtype: "i32",
          });
          const shifted = j >= t ? pad : concat([pad, slice(tokens, [0, 0], [b, t - j])], 1);
          cols.push(reshape(shifted, [b, t, 1]));
        }
        const window = reshape(
          embedding(this.#p("embedding"), concat(cols, 2)),
          [b, t, c.localWindow * c.embeddingDim],
        );
        const hLoc = gelu(add(matmul(window, this.#p("local_w")), this.#p("local_b")));
        hidden = concat([hLin, mul(hLoc, this.#p("local_scale"))], 2);
      }
      return add(matmul(hidden, this.#p("out_w")), this.#p("out_b"));
    }
  }

  /**
   * The input embeddings [B, T, E] of byte ids [B, T] (rows of the embedding table; ids outside
   * [0, 256) embed to zero). Records GPU work only; differentiable in the table. Call inside
   * `tidy()`.
   *
   * @example
   * ```ts
   * import { initGpu, tensor, tidy } from "../../mod.ts";
   * import { CausalBankLM } from "./byte_lm.ts";
   * import { deepStrictEqual } from "node:assert/strict";
   * await initGpu();
   * const lm = new CausalBankLM({ embeddingDim: 4, linearModes: 8, readoutHidden: 8, localHidden: 8 });
   * const ids = tensor(new Int32Array([104, 105]), [1, 2], { dtype: "i32" });
   * const x = tidy(() => lm.embed(ids));
   * deepStrictEqual(x.shape, [1, 2, 4]);
   * x.dispose();
   * ids.dispose();
   * lm.dispose();
   * ```
   *
   * @throws {TypeError} when tokens are not an i32 [B, T] tensor. @throws {RangeError} for T
   *   outside [1, maxSeqLen].
   */
  embed(tokens: Tensor): Tensor {
    this.#assertLive("embed");
    this.#checkTokens(tokens, "embed");
    return embedding(this.#p("embedding"), tokens);
  }

  /**
   * Logits [B, T, 256] of the next byte at every position, from input embeddings x [B, T, E]
   * instead of byte ids, so soft tokens (a memory prefix) can stand in the stream. The local
   * path's window is built by shifting x right (zeros before the start), which is what
   * {@link CausalBankLM.forward} computes from ids: `forwardEmbeds(embed(ids))` equals
   * `forward(ids)`. A leading run of all-zero embedding rows leaves every later position as if
   * the sequence started after it (every substrate's state stays zero under a zero drive and
   * the local window reads zeros), so a ragged batch may be left-padded with zero rows.
   * Records GPU work only; differentiable in x and the parameters. Call inside `tidy()`.
   *
   * @example Equal to forward on the embedded ids
   * ```ts
   * import { initGpu, tensor, tidy } from "../../mod.ts";
   * import { CausalBankLM } from "./byte_lm.ts";
   * import { deepStrictEqual } from "node:assert/strict";
   * await initGpu();
   * const lm = new CausalBankLM({ embeddingDim: 4, linearModes: 8, readoutHidden: 8, localHidden: 8 });
   * const ids = tensor(new Int32Array([104, 105, 33]), [1, 3], { dtype: "i32" });
   * const [a, b] = tidy(() => [lm.forward(ids), lm.forwardEmbeds(lm.embed(ids))]);
   * deepStrictEqual(await a!.toArray(), await b!.toArray());
   * for (const t of [a!, b!, ids]) t.dispose();
   * lm.dispose();
   * ```
   *
   * @throws {TypeError} when x is not an f32 [B, T, E] tensor. @throws {RangeError} for T
   *   outside [1, maxSeqLen].
   */
  forwardEmbeds(x: Tensor): Tensor {
    this.#assertLive("forwardEmbeds");
    const [b, t] = this.#checkEmbeds(x, "forwardEmbeds");
    return this.#readout(x, b, t).logits();
  }

  /**
   * The per-position hidden states [B, T, readoutHidden] from input embeddings x [B, T, E]:
   * the linear path's hidden layer GELU([S_t, x_t] W₁ + b₁), a function of the whole past
   * through the substrate state S_t (the states a pooled sentence representation averages).
   * Records GPU work only; differentiable. Call inside `tidy()`.
   *
   * @example
   * ```ts
   * import { initGpu, tensor, tidy } from "../../mod.ts";
   * import { CausalBankLM } from "./byte_lm.ts";
   * import { deepStrictEqual } from "node:assert/strict";
   * await initGpu();
   * const lm = new CausalBankLM({ embeddingDim: 4, linearModes: 8, readoutHidden: 6, localHidden: 8 });
   * const ids = tensor(new Int32Array([104, 105, 33]), [1, 3], { dtype: "i32" });
   * const h = tidy(() => lm.hiddenStates(lm.embed(ids)));
   * deepStrictEqual(h.shape, [1, 3, 6]);
   * h.dispose();
   * ids.dispose();
   * lm.dispose();
   * ```
   *
   * @throws {TypeError} when x is not an f32 [B, T, E] tensor. @throws {RangeError} for T
   *   outside [1, maxSeqLen].
   */
  hiddenStates(x: Tensor): Tensor {
    this.#assertLive("hiddenStates");
    const [b, t] = this.#checkEmbeds(x, "hiddenStates");
    return this.#readout(x, b, t).hLin;
  }

  /** Checks input embeddings: a live f32 tensor [B, T, E] with 1 ≤ T ≤ maxSeqLen. */
  #checkEmbeds(x: Tensor, op: string): [number, number] {
    const E = this.config.embeddingDim;
    if (!(x instanceof Tensor)) {
      throw new TypeError(
        `Cannot run ${ID}.${op}: expected input embeddings as an f32 Tensor [B, T, ${E}] but ` +
          `got ${shown(x)}`,
      );
    }
    assertLive(x, `${ID}.${op}`, "input embeddings");
    if (x.dtype !== "f32" || x.rank !== 3 || x.shape[2] !== E) {
      throw new TypeError(
        `Cannot run ${ID}.${op}: expected input embeddings as an f32 Tensor [B, T, ${E}] but ` +
          `got ${x.dtype} [${x.shape.join(", ")}]`,
      );
    }
    const [b, t] = x.shape as [number, number, number];
    if (b < 1 || t < 1 || t > this.config.maxSeqLen) {
      throw new RangeError(
        `Cannot run ${ID}.${op}: expected input embeddings [B, T, ${E}] with B >= 1 and ` +
          `1 <= T <= maxSeqLen (${this.config.maxSeqLen}) but got [${b}, ${t}, ${E}]`,
      );
    }
    return [b, t];
  }

  /** The readout from embeddings: the linear path's hidden layer, and the logits on demand. */
  #readout(x: Tensor, b: number, t: number): { hLin: Tensor; logits: () => Tensor } {
    const c = this.config;
    const E = c.embeddingDim;
    const states = this.#substrate(x, b, t);
    const hLin = gelu(
      add(matmul(concat([states, x], 2), this.#p("readout_w")), this.#p("readout_b")),
    );
    const logits = () => {
      let hidden = hLin;
      if (c.localWindow > 0) {
        // x shifted right by j (zeros before the start), side by side: [x_t, …, x_{t−W+1}].
        const cols: Tensor[] = [x];
        for (let j = 1; j < c.localWindow; j++) {
          const pad = tensor(new Float32Array(b * Math.min(j, t) * E), [b, Math.min(j, t), E]);
          cols.push(j >= t ? pad : concat([pad, slice(x, [0, 0, 0], [b, t - j, E])], 1));
        }
        const window = concat(cols, 2);
        const hLoc = gelu(add(matmul(window, this.#p("local_w")), this.#p("local_b")));
        hidden = concat([hLin, mul(hLoc, this.#p("local_scale"))], 2);
      }
      return add(matmul(hidden, this.#p("out_w")), this.#p("out_b"));
    };
    return { hLin, logits };
  }

  /**
   * Mean cross-entropy (nats per byte) of the next-byte predictions, shape [];
   * `targets` [B, T] i32 holds the byte after each token. Call inside `tidy()`.
   */
  loss(tokens: Tensor, targets: Tensor): Tensor {
    this.#assertLive("loss");
    const [b, t] = this.#checkPair(tokens, targets, "loss");
    return crossEntropy(
      reshape(this.forward(tokens), [b * t, BYTE_VOCAB]),
      reshape(targets, [b * t]),
    );
  }

  /** Checks tokens and their targets: live i32 tensors of one shape [B, T]. */
  #checkPair(tokens: Tensor, targets: Tensor, op: string): [number, number] {
    const [b, t] = this.#checkTokens(tokens, op);
    if (!(targets instanceof Tensor)) {
      throw new TypeError(
        `${ID}.${op}: targets must be an i32 Tensor [${b}, ${t}] like tokens, got ${
          shown(targets)
        }`,
      );
    }
    assertLive(targets, `${ID}.${op}`, "targets");
    if (targets.dtype !== "i32" || targets.shape.join() !== `${b},${t}`) {
      throw new TypeError(
        `${ID}.loss: targets must be an i32 Tensor [${b}, ${t}] like tokens, got ${targets.dtype} ` +
          `[${targets.shape.join(", ")}]`,
      );
    }
    return [b, t];
  }

  /** The trainable parameters, in a fixed order. */
  trainable(): Tensor[] {
    this.#assertLive("list the trainable parameters of");
    return [...this.parameters.values()];
  }

  /**
   * One Adam step on (tokens, targets): forward, backward, gradient clipping,
   * update. Returns the step's loss tensor (shape [], no sync): the caller
   * reads or disposes it.
   *
   * @throws {TypeError|RangeError} for bad tokens, targets, lr or clipNorm.
   */
  trainStep(tokens: Tensor, targets: Tensor, lr: number, clipNorm = 1): Tensor {
    this.#assertLive("trainStep");
    checkFinite("lr", lr, (x) => x > 0, "finite and > 0");
    if (typeof clipNorm !== "number" || !(clipNorm > 0)) {
      throw new RangeError(`${ID}: clipNorm must be a number > 0, got ${clipNorm}`);
    }
    // Checked before Adam's moments are allocated on the first step.
    this.#checkPair(tokens, targets, "trainStep");
    const params = this.trainable();
    this.#opt ??= new Adam(params, { lr });
    const opt = this.#opt;
    opt.lr = lr;
    return tidy(() => {
      const loss = this.loss(tokens, targets);
      backward(loss);
      if (clipNorm !== Infinity) clipGradNorm(params, clipNorm);
      opt.step();
      opt.zeroGrad();
      return loss;
    });
  }

  /**
   * Trains on random windows of `corpus` (bytes): each step samples `batch`
   * windows of seqLen + 1 bytes with the seeded sampler. Deterministic for a
   * given model seed, corpus and options.
   *
   * @throws {TypeError} when corpus is not a Uint8Array. @throws {RangeError} for bad
   *   options or a corpus shorter than seqLen + 1 bytes.
   */
  async train(corpus: Uint8Array, options: ByteLMTrainOptions): Promise<ByteLMTrainResult> {
    this.#assertLive("train");
    if (!(corpus instanceof Uint8Array)) {
      throw new TypeError(`${ID}.train: corpus must be a Uint8Array of bytes`);
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${ID}.train: options must be an object`);
    }
    // Bounded: one step per count, and batch × seqLen ids per step on the host.
    const steps = checkInt("steps", options.steps, 1, 2 ** 24);
    const batch = checkInt("batch", options.batch, 1, 2 ** 16);
    const seqLen = checkInt("seqLen", options.seqLen, 1, this.config.maxSeqLen);
    const lr = checkFinite("lr", options.lr, (x) => x > 0, "finite and > 0");
    const logEvery = checkInt("logEvery", options.logEvery ?? 10, 1, 2 ** 24);
    if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
      throw new TypeError(
        `${ID}.train: onProgress must be a function, got ${shown(options.onProgress)}`,
      );
    }
    const seed = checkInt("seed", options.seed ?? this.config.seed, 0, 0xffffffff);
    const clipNorm = options.clipNorm ?? 1;
    if (typeof clipNorm !== "number" || !(clipNorm > 0)) {
      throw new RangeError(`${ID}: clipNorm must be a number > 0, got ${clipNorm}`);
    }
    const finalFrac = checkFinite(
      "finalLrFraction",
      options.finalLrFraction ?? 1,
      (x) => x > 0 && x <= 1,
      "in (0, 1]",
    );
    if (corpus.length < seqLen + 1) {
      throw new RangeError(
        `${ID}.train: corpus of ${corpus.length} bytes is shorter than seqLen + 1 ` +
          `(${seqLen + 1}), expected at least that many`,
      );
    }
    const rng = new Rng(seed);
    const starts = corpus.length - seqLen;
    const inputs = new Int32Array(batch * seqLen);
    const targets = new Int32Array(batch * seqLen);
    const losses: { step: number; loss: number }[] = [];
    const t0 = performance.now();
    for (let s = 1; s <= steps; s++) {
      for (let i = 0; i < batch; i++) {
        const o = rng.int(starts);
        for (let j = 0; j < seqLen; j++) {
          inputs[i * seqLen + j] = corpus[o + j]!;
          targets[i * seqLen + j] = corpus[o + j + 1]!;
        }
      }
      const frac = steps === 1 ? 1 : (s - 1) / (steps - 1);
      const stepLr = lr * (finalFrac + (1 - finalFrac) * 0.5 * (1 + Math.cos(Math.PI * frac)));
      const tok = tensor(inputs, [batch, seqLen], { dtype: "i32" });
      const tgt = tensor(targets, [batch, seqLen], { dtype: "i32" });
      let loss: Tensor | null = null;
      try {
        loss = this.trainStep(tok, tgt, stepLr, clipNorm);
        if (s % logEvery === 0 || s === steps) {
          const [v] = await readTensors([loss]);
          const value = v![0]!;
          losses.push({ step: s, loss: value });
          options.onProgress?.(s, value);
        }
      } finally {
        loss?.dispose();
        tok.dispose();
        tgt.dispose();
      }
    }
    const wallMs = performance.now() - t0;
    return { losses, wallMs, bytesPerSecond: (batch * seqLen * steps) / (wallMs / 1000) };
  }

  /**
   * Bits per byte of `bytes` under the model: windows of `seqLen` predictions
   * (no state carried between windows, as in training), each byte after the
   * first predicted once; −log₂ p averaged over the len − 1 predicted bytes.
   *
   * @throws {TypeError} when bytes is not a Uint8Array. @throws {RangeError} for fewer than
   *   2 bytes or bad options.
   */
  async evaluateBitsPerByte(
    bytes: Uint8Array,
    options: { seqLen?: number; batch?: number } = {},
  ): Promise<number> {
    this.#assertLive("evaluateBitsPerByte");
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`${ID}.evaluateBitsPerByte: bytes must be a Uint8Array`);
    }
    if (bytes.length < 2) {
      throw new RangeError(
        `${ID}.evaluateBitsPerByte: need at least 2 bytes (expected), got ${bytes.length}`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `${ID}.evaluateBitsPerByte: options must be an object, got ${shown(options)}`,
      );
    }
    const seqLen = checkInt("seqLen", options.seqLen ?? 128, 1, this.config.maxSeqLen);
    const batch = checkInt("batch", options.batch ?? 16, 1, 2 ** 24);
    const n = bytes.length - 1; // predictions
    const windows: number[] = [];
    for (let o = 0; o < n; o += seqLen) windows.push(o);
    // Full windows in batches, then the short last window alone.
    const groups: { starts: number[]; len: number }[] = [];
    const full = windows.filter((o) => o + seqLen <= n);
    for (let i = 0; i < full.length; i += batch) {
      groups.push({ starts: full.slice(i, i + batch), len: seqLen });
    }
    const last = windows.at(-1)!;
    if (last + seqLen > n) groups.push({ starts: [last], len: n - last });
    let nats = 0;
    for (const g of groups) {
      const b = g.starts.length;
      const inp = new Int32Array(b * g.len);
      const tgt = new Int32Array(b * g.len);
      g.starts.forEach((o, i) => {
        for (let j = 0; j < g.len; j++) {
          inp[i * g.len + j] = bytes[o + j]!;
          tgt[i * g.len + j] = bytes[o + j + 1]!;
        }
      });
      const mean = noGrad(() =>
        tidy(() =>
          this.loss(
            tensor(inp, [b, g.len], { dtype: "i32" }),
            tensor(tgt, [b, g.len], { dtype: "i32" }),
          )
        )
      );
      const [v] = await readTensors([mean]);
      mean.dispose();
      nats += v![0]! * b * g.len;
    }
    return nats / n / Math.LN2;
  }

  /** Releases every parameter, fixed tensor, cached gate tensor and Adam's moments. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#opt?.dispose();
    this.#opt = null;
    for (const t of [...this.parameters.values(), ...this.buffers.values()]) t.dispose();
    for (const t of this.#frozenGates.values()) t.dispose();
    this.#frozenGates.clear();
  }
}
