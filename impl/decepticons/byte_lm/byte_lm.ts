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
 * - the readout path (any other `readoutKind`, `readoutBands` > 1, `mixMode: "gated"` or
 *   `hashMemory`), built from impl/decepticons/readouts/: ℓ_lin = readout(u) with
 *   u = [S, x̃(, substrate poly terms)], x̃ = x, or x + HashMemory(x) with the hash memory
 *   (the tied readouts project onto the embedding table; bands read their slice of S beside
 *   x̃); ℓ_loc = the local path's MLP readout of the window; logits = ℓ_lin + s·ℓ_loc, or the
 *   gated mix {@link GatedMix} of the two. The routed readouts' and bands' Switch balance
 *   loss of each training forward is added to the objective with weight `balanceCoef`. The
 *   default configuration ("mlp", no bands, additive, no memory) keeps the path above.
 * - online memory (`memoryKind` "ngram", "exact_context" or "statistical_backoff"; the readout
 *   path): u ← u + σ(memory_gate)·(f W + b) before the linear readout, f [B, T, 7] the online
 *   causal memory's features of the ids (impl/decepticons/memory/online_causal_gpu.ts, queried
 *   before each id is counted), W [7, F] with F the readout input's actual width (the original
 *   sizes it M + E and crashes with polynomial terms), the gate initialised to 0, so σ = 1/2 and
 *   the memory is active at init. `forwardEmbeds` refuses it (embeddings carry no ids).
 *
 * The causal bank's knobs (asuramaya/decepticons:src/decepticons/models/causal_bank_torch.py
 * (7be9af7)), each off by default so that the default model is unchanged:
 *
 * - `"learnable_decays"` / `"learnable_mixing"`: the frozen bank with its decays d (no
 *   constraint; see the regulariser) or its mixing P trained;
 * - `numHemispheres: 2` (gated substrates, ≥ 2 heads): the first max(round(H·ratio), 1) heads
 *   are fast (logit decays linspace(−1.5, 0), the rest linspace(2, 4)); their q/k/v and gate
 *   columns live in `*_fast` tensors trained at lr·fastLrMult in their own Adam group, the slow
 *   heads' in `*_slow` tensors at lr (the original gives every state parameter the fast rate);
 * - `numBlocks > 1`: S ← Sub(S + Φ(S), x) with Φ(s) = relu(s W1 + c1) W2 + c2, strided from the
 *   third block (blockStride^idx), {@link blockSchedule}; the gated substrates take the mixed
 *   states as their drive (S = o W_o + D), so the blocks act on every substrate;
 * - `staticBankGate`: S ← (1 + 0.5·tanh β)·S once after the blocks;
 * - `substratePolyOrder` / `localPolyOrder` ≥ 2: upper-triangle quadratic (+ cheap cubic) terms of
 *   a projection of S, or of the local window, appended to the readout's input;
 * - `trainingNoise`: S + σ·ε in training steps only (seeded by the step);
 * - `substrateReg` / `adaptiveReg`: {@link CausalBankLM.substrateRegularization} added to the
 *   training loss.
 * - substrate transforms (impl/decepticons/substrate_transforms/, each off by default; any on
 *   takes the readout path): `substrateBankRouter` scales the drive x·P per bank before the
 *   substrate; `overwriteGate` runs the bank's recurrence as S_t = (1 − g_t)·d·S_{t−1} + g_t·D_t
 *   in every pass (frozen, learnable_mixing, learnable_decays), so a gate of 1 erases the
 *   history; after the blocks, static gate and noise, `magnitudeNormalize` (S/‖S‖, plus
 *   σ(γ)·ln‖S‖ as one more channel with `magnitudeKeep`), `modeSelector`, then
 *   `temporalAttention` (causal, every `temporalSnapshotInterval` positions). Their parameters
 *   join the model's under {@link TRANSFORM_PREFIXES}.
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
import { fastHeadCount, retentionHemisphereLogits } from "../causal_bank/hemispheres.ts";
import {
  blockBottleneck,
  blockMlp,
  blockSchedule,
  strideSample,
  strideUpsample,
} from "../causal_bank/blocks.ts";
import { polyProjectionWidth, polyTerms, triuSelectors } from "../causal_bank/poly_features.ts";
import { decayRegularizer, gateRegularizer, regularizerScale } from "../causal_bank/regularizer.ts";
import { BANK_GATE_SPAN, staticGate } from "../causal_bank/static_gate.ts";
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
  MEMORY_KINDS,
  type MemoryKind,
  MIX_MODES,
  type MixMode,
  READOUT_KINDS,
  type ReadoutKind,
} from "../causal_bank/config.ts";
import { buildReadout, type CausalBankReadout, type ReadoutSpec } from "../readouts/readouts.ts";
import { MlpReadout } from "../readouts/mlp.ts";
import { GatedMix } from "../readouts/gated_mix.ts";
import { HashMemory } from "../hash_memory/hash_memory.ts";
import { onlineCausalFeatures } from "../memory/online_causal_gpu.ts";
import { OCM_FEATURES } from "../memory/online_causal.ts";
import {
  MagnitudeNormalizer,
  ModeSelector,
  OverwriteGate,
  SubstrateBankRouter,
  TemporalAttention,
} from "../substrate_transforms/substrate_transforms.ts";
import {
  linearRecurrence,
  SCAN_METHODS,
  type ScanMethod,
} from "../linear_recurrence/linear_recurrence.ts";
import { gatedDelta, gatedRetention } from "../retention/retention.ts";

/** The substrates the byte model runs. */
export const LM_SUBSTRATES = [
  "frozen",
  "learnable_decays",
  "learnable_mixing",
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
  /**
   * Hemispheres of the state path: 1, or 2 (a fast and a slow set of heads of a gated
   * substrate, in separate parameter tensors with separate optimiser groups). Default 1.
   */
  numHemispheres: number;
  /** Fraction of the heads in the fast hemisphere, in (0, 1): max(round(H·ratio), 1) heads. */
  fastHemisphereRatio: number;
  /** Learning-rate multiplier of the fast hemisphere's parameters (finite, > 0). */
  fastLrMult: number;
  /** Substrate passes: 1, or more with a block MLP mixing the states before each further pass. */
  numBlocks: number;
  /** Bottleneck of the block MLPs as a fraction of M, in (0, 1]. */
  blockMixingRatio: number;
  /** Stride base of the block passes after the second (block idx ≥ 1 runs at stride^idx). */
  blockStride: number;
  /** Scale the final states by the learned static bank gate 1 + 0.5·tanh(β), once. */
  staticBankGate: boolean;
  /** Polynomial order of the local path's features (1: none; needs a local path). */
  localPolyOrder: number;
  /** Polynomial order of the substrate features the linear readout reads (1: none). */
  substratePolyOrder: number;
  /** Standard deviation of the Gaussian noise added to the states in training (0: none). */
  trainingNoise: number;
  /** Add {@link CausalBankLM.substrateRegularization} of the step to the training loss. */
  substrateReg: boolean;
  /** Scale the substrate regulariser by 1 + √(step/1000). */
  adaptiveReg: boolean;
  /**
   * The linear path's readout kind (READOUT_KINDS of the causal-bank config): "mlp" (default,
   * today's readout), "tied_recursive", "routed_sqrelu_experts", "tied_embed_readout" (the LM's
   * embedding table) or "recurrent" (a GRU over the features).
   */
  readoutKind: ReadoutKind;
  /** Applications of the tied-recursive readout's shared block (integer in [1, 256]). */
  readoutDepth: number;
  /** Experts of the routed and tied-embedding readouts and bands (integer in [2, 256]). */
  readoutExperts: number;
  /** Whether the tied-embedding readout scales the embedding rows to unit norm. */
  tiedReadoutNormalize: boolean;
  /** Readout bands n (1: none): n readouts of kind `readoutKind`, band i over its slice of S. */
  readoutBands: number;
  /** Experts per band (empty: every band `readoutExperts`); 0 makes a band static (x only). */
  bandExperts: readonly number[];
  /** How the local path's logits join the linear path's: "additive" (s·ℓ_loc) or "gated". */
  mixMode: MixMode;
  /** Weight of the routed readouts' Switch balance loss in the training objective (>= 0). */
  balanceCoef: number;
  /**
   * The hash memory (sliding-window softmax attention over the last `hashMemorySlots`
   * positions, impl/decepticons/hash_memory): the readout reads [S, x + HashMemory(x)] instead
   * of [S, x]. Off by default.
   */
  hashMemory: boolean;
  /** Slots M of the hash memory: the window of previous positions it reads (1 … 2²⁰). */
  hashMemorySlots: number;
  /** Key/value width D of the hash memory (1 … 4096). */
  hashMemoryDim: number;
  // online memory
  /**
   * The online causal memory attached to the readout input (the causal-bank config's
   * MEMORY_KINDS): "none" (default: no memory), or "ngram", "exact_context",
   * "statistical_backoff", which all read the same 7 count features in memspec
   * (impl/decepticons/memory/online_causal_gpu.ts; one table per order, so the original's
   * order-4 pollution of the trigram feature is absent): u ← u + σ(memory_gate)·(f W + b).
   */
  memoryKind: MemoryKind;
  // substrate transforms (impl/decepticons/substrate_transforms/; each off by default)
  /** Scale the drive per bank of modes by a softmax of the embedding, before the substrate. */
  substrateBankRouter: boolean;
  /** Banks n of the bank router, in [2, linearModes]. */
  substrateNBanks: number;
  /**
   * The overwrite gate inside the bank's recurrence, S_t = (1 − g_t)·d·S_{t−1} + g_t·D_t
   * (substrate "frozen", "learnable_mixing" or "learnable_decays").
   */
  overwriteGate: boolean;
  /** Normalise the states to S/‖S‖ after the substrate (and the noise). */
  magnitudeNormalize: boolean;
  /** With `magnitudeNormalize`, keep σ(γ)·ln‖S‖ as one extra state channel (width M + 1). */
  magnitudeKeep: boolean;
  /** Gate the states per mode by σ(x W + b), after the normaliser. */
  modeSelector: boolean;
  /** Causal attention over state snapshots, after the selector. */
  temporalAttention: boolean;
  /** Positions between the snapshots temporal attention reads (its causal mask). */
  temporalSnapshotInterval: number;
  /** Heads of temporal attention (integer in [1, 256]). */
  temporalAttentionHeads: number;
  /** Head width of temporal attention (integer in [1, 4096]). */
  temporalAttentionHeadDim: number;
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
  numHemispheres: 1,
  fastHemisphereRatio: 0.25,
  fastLrMult: 4,
  numBlocks: 1,
  blockMixingRatio: 0.25,
  blockStride: 1,
  staticBankGate: false,
  localPolyOrder: 1,
  substratePolyOrder: 1,
  trainingNoise: 0,
  substrateReg: false,
  adaptiveReg: false,
  readoutKind: "mlp",
  readoutDepth: 1,
  readoutExperts: 4,
  tiedReadoutNormalize: false,
  readoutBands: 1,
  bandExperts: Object.freeze([] as number[]),
  mixMode: "additive",
  balanceCoef: 0.01,
  hashMemory: false,
  hashMemorySlots: 64,
  hashMemoryDim: 64,
  // online memory
  memoryKind: "none",
  // substrate transforms
  substrateBankRouter: false,
  substrateNBanks: 4,
  overwriteGate: false,
  magnitudeNormalize: false,
  magnitudeKeep: true,
  modeSelector: false,
  temporalAttention: false,
  temporalSnapshotInterval: 64,
  temporalAttentionHeads: 2,
  temporalAttentionHeadDim: 32,
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
    // The readout's fields, so that the causal-bank rules (bands, kinds, mix) apply here too.
    linearHidden: [c.readoutHidden],
    linearReadoutKind: c.readoutKind,
    linearReadoutDepth: c.readoutDepth,
    linearReadoutNumExperts: c.readoutExperts,
    tiedReadoutNormalize: c.tiedReadoutNormalize,
    readoutBands: c.readoutBands,
    bandExperts: c.bandExperts,
    mixMode: c.mixMode,
    substratePolyOrder: c.substratePolyOrder,
    hashMemory: c.hashMemory,
    hashMemorySlots: c.hashMemorySlots,
    hashMemoryDim: c.hashMemoryDim,
    // online memory: the config's rules (no band reads the features) apply
    memoryKind: c.memoryKind,
    // substrate transforms: the config's rules (banks, the gate on a gated substrate) apply
    substrateBankRouter: c.substrateBankRouter,
    substrateNBanks: c.substrateNBanks,
    overwriteGate: c.overwriteGate,
    magnitudeNormalize: c.magnitudeNormalize,
    magnitudeKeep: c.magnitudeKeep,
    modeSelector: c.modeSelector,
    temporalAttention: c.temporalAttention,
    temporalSnapshotInterval: c.temporalSnapshotInterval,
    temporalAttentionHeads: c.temporalAttentionHeads,
    temporalAttentionHeadDim: c.temporalAttentionHeadDim,
  };
}

/** The causal-bank config's names of the readout fields, and the model's. */
const BANK_FIELD_NAMES: readonly [RegExp, string][] = [
  [/\blinearReadoutKind\b/g, "readoutKind"],
  [/\blinearReadoutDepth\b/g, "readoutDepth"],
  [/\blinearReadoutNumExperts\b/g, "readoutExperts"],
  [/\blinearHidden\b/g, "readoutHidden"],
  // substrate transforms: the overwrite gate's rule names the substrate
  [/\bsubstrateMode\b/g, "substrate"],
];

/** A causal-bank validation message in the model's field names. */
function inModelNames(message: string): string {
  return BANK_FIELD_NAMES.reduce((m, [re, name]) => m.replace(re, name), message);
}

/** Whether a configuration reads out through today's MLP path (out_w over both hidden layers). */
function mlpPath(c: CausalBankLMConfig): boolean {
  return c.readoutKind === "mlp" && c.readoutBands === 1 && c.mixMode === "additive" &&
    !c.hashMemory && !anyTransform(c) && c.memoryKind === "none";
}

/** Whether any substrate transform is on (each takes the readout-modules path). */
function anyTransform(c: CausalBankLMConfig): boolean {
  return c.substrateBankRouter || c.overwriteGate || c.magnitudeNormalize || c.modeSelector ||
    c.temporalAttention;
}

/** The width of the states the readout reads: M, plus the log-magnitude channel when kept. */
function stateWidth(c: CausalBankLMConfig): number {
  return c.linearModes + (c.magnitudeNormalize && c.magnitudeKeep ? 1 : 0);
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
  validateKnobs(c);
  validateReadoutFields(c);
  validateTransformFields(c);
  // Half-lives, chunk and the path rules: the causal-bank configuration's own validation.
  try {
    buildDecayBank(bankConfig(c));
  } catch (e) {
    // The bank's settings are the model's: name the model the caller built, in its fields.
    if (e instanceof TypeError) throw new TypeError(`${ID}: ${inModelNames(e.message)}`);
    if (e instanceof RangeError) throw new RangeError(`${ID}: ${inModelNames(e.message)}`);
    throw e;
  }
}

function checkFlag(what: string, v: unknown): void {
  if (typeof v !== "boolean") {
    throw new TypeError(`${ID}: ${what} must be a boolean, got ${shown(v)}`);
  }
}

/** The substrates with a state path (heads a hemisphere split can divide). */
function hasStatePath(s: LMSubstrate): boolean {
  return s === "gated_retention" || s === "gated_delta";
}

/** The knobs' fields, alone and in combination (each refusal names the fields). */
function validateKnobs(c: CausalBankLMConfig): void {
  checkInt("numHemispheres", c.numHemispheres, 1, 2);
  checkFinite("fastHemisphereRatio", c.fastHemisphereRatio, (x) => x > 0 && x < 1, "in (0, 1)");
  checkFinite("fastLrMult", c.fastLrMult, (x) => x > 0, "finite and > 0");
  checkInt("numBlocks", c.numBlocks, 1, 64);
  checkFinite("blockMixingRatio", c.blockMixingRatio, (x) => x > 0 && x <= 1, "in (0, 1]");
  checkInt("blockStride", c.blockStride, 1, 1 << 20);
  checkFlag("staticBankGate", c.staticBankGate);
  for (const f of ["localPolyOrder", "substratePolyOrder"] as const) {
    checkInt(f, c[f], 1, 3);
  }
  checkFinite("trainingNoise", c.trainingNoise, (x) => x >= 0, "finite and >= 0");
  checkFlag("substrateReg", c.substrateReg);
  checkFlag("adaptiveReg", c.adaptiveReg);
  if (c.numHemispheres === 2) {
    if (!hasStatePath(c.substrate)) {
      throw new RangeError(
        `${ID}: numHemispheres = 2 needs a state path to split: expected substrate ` +
          `"gated_retention" or "gated_delta" but got substrate "${c.substrate}" (the split ` +
          "would be inert)",
      );
    }
    if (c.numHeads < 2) {
      throw new RangeError(
        `${ID}: numHemispheres = 2 expected numHeads >= 2 (one head cannot be split into a ` +
          `fast and a slow hemisphere) but got numHeads = ${c.numHeads}`,
      );
    }
    const f = fastHeadCount(c.numHeads, c.fastHemisphereRatio);
    if (f >= c.numHeads) {
      throw new RangeError(
        `${ID}: fastHemisphereRatio ${c.fastHemisphereRatio} with numHeads ${c.numHeads} gives ` +
          `${f} fast heads and no slow hemisphere, expected fewer than numHeads`,
      );
    }
  }
  if (c.localPolyOrder > 1) {
    if (c.localWindow === 0) {
      throw new RangeError(
        `${ID}: localPolyOrder ${c.localPolyOrder} needs a local path: expected localWindow ` +
          ">= 1 but got localWindow 0",
      );
    }
    if (polyProjectionWidth(c.localWindow * c.embeddingDim) < 1) {
      throw new RangeError(
        `${ID}: localPolyOrder ${c.localPolyOrder} with localWindow·embeddingDim = ` +
          `${c.localWindow * c.embeddingDim} gives a polynomial projection of width 0, ` +
          "expected localWindow·embeddingDim >= 4",
      );
    }
  }
  if (c.substratePolyOrder > 1 && polyProjectionWidth(c.linearModes) < 1) {
    throw new RangeError(
      `${ID}: substratePolyOrder ${c.substratePolyOrder} with linearModes ${c.linearModes} gives ` +
        "a polynomial projection of width 0, expected linearModes >= 4",
    );
  }
}

/**
 * The readout fields' types and ranges (the widths the readout modules accept), and the
 * combinations only the model has; the causal-bank rules (bands, kinds, the gated mix's paths)
 * are the config module's, applied through {@link bankConfig}.
 */
function validateReadoutFields(c: CausalBankLMConfig): void {
  if (typeof c.readoutKind !== "string") {
    throw new TypeError(`${ID}: readoutKind must be a string, got ${shown(c.readoutKind)}`);
  }
  if (!(READOUT_KINDS as readonly string[]).includes(c.readoutKind)) {
    throw new RangeError(
      `${ID}: readoutKind must be one of ${READOUT_KINDS.map((s) => `"${s}"`).join(", ")}, ` +
        `got ${shown(c.readoutKind)}`,
    );
  }
  checkInt("readoutDepth", c.readoutDepth, 1, 256);
  checkInt("readoutExperts", c.readoutExperts, 2, 256);
  checkFlag("tiedReadoutNormalize", c.tiedReadoutNormalize);
  checkInt("readoutBands", c.readoutBands, 1, 65536);
  if (!Array.isArray(c.bandExperts)) {
    throw new TypeError(
      `${ID}: bandExperts must be an array of integers, got ${shown(c.bandExperts)}`,
    );
  }
  if (c.bandExperts.length > 65536) {
    throw new RangeError(
      `${ID}: bandExperts must have at most 65536 entries, got ${c.bandExperts.length}`,
    );
  }
  c.bandExperts.forEach((k, i) => checkInt(`bandExperts[${i}]`, k, 0, 256));
  if (typeof c.mixMode !== "string") {
    throw new TypeError(`${ID}: mixMode must be a string, got ${shown(c.mixMode)}`);
  }
  if (!(MIX_MODES as readonly string[]).includes(c.mixMode)) {
    throw new RangeError(
      `${ID}: mixMode must be one of ${MIX_MODES.map((s) => `"${s}"`).join(", ")}, got ` +
        shown(c.mixMode),
    );
  }
  checkFinite("balanceCoef", c.balanceCoef, (x) => x >= 0, "finite and >= 0");
  checkFlag("hashMemory", c.hashMemory);
  checkInt("hashMemorySlots", c.hashMemorySlots, 1, 2 ** 20);
  checkInt("hashMemoryDim", c.hashMemoryDim, 1, 4096);
  // online memory
  if (typeof c.memoryKind !== "string") {
    throw new TypeError(`${ID}: memoryKind must be a string, got ${shown(c.memoryKind)}`);
  }
  if (!(MEMORY_KINDS as readonly string[]).includes(c.memoryKind)) {
    throw new RangeError(
      `${ID}: memoryKind must be one of ${MEMORY_KINDS.map((s) => `"${s}"`).join(", ")}, got ` +
        shown(c.memoryKind),
    );
  }
  // The GRU's width is bounded by its kernels (impl/nn/gru).
  if (c.readoutKind === "recurrent" && c.readoutHidden > 4096) {
    throw new RangeError(
      `${ID}: readoutKind "recurrent" expected readoutHidden <= 4096 (the GRU's width) but got ` +
        `readoutHidden ${c.readoutHidden}`,
    );
  }
  if (c.mixMode === "gated" && c.localWindow === 0) {
    throw new RangeError(
      `${ID}: mixMode "gated" gates the local path's logits: expected localWindow >= 1 but got ` +
        'localWindow 0 (or mixMode "additive")',
    );
  }
  // The gated mix's ceiling is s: a gate in (0, 0) would silence the local path.
  if (c.mixMode === "gated" && !(c.localScale > 0)) {
    throw new RangeError(
      `${ID}: mixMode "gated" expected localScale > 0 (the gate's ceiling) but got localScale ` +
        `${c.localScale}`,
    );
  }
}

/**
 * The substrate transforms' fields: types and the ranges the modules accept, and the
 * combination only the model has (the overwrite gate on the learned recurrence); the
 * causal-bank rules (banks, the gate on a gated substrate) apply through {@link bankConfig}.
 */
function validateTransformFields(c: CausalBankLMConfig): void {
  for (
    const f of [
      "substrateBankRouter",
      "overwriteGate",
      "magnitudeNormalize",
      "magnitudeKeep",
      "modeSelector",
      "temporalAttention",
    ] as const
  ) checkFlag(f, c[f]);
  checkInt("substrateNBanks", c.substrateNBanks, 1, 65536);
  checkInt("temporalSnapshotInterval", c.temporalSnapshotInterval, 1, 2 ** 20);
  // The temporal attention module's ranges (impl/decepticons/substrate_transforms).
  checkInt("temporalAttentionHeads", c.temporalAttentionHeads, 1, 256);
  checkInt("temporalAttentionHeadDim", c.temporalAttentionHeadDim, 1, 4096);
  // The gate's recurrence has a decay per mode, a_t = (1 − g_t)·d; the learned recurrence's
  // decay is itself a gate of x (and its drive (1 − a)·D), a form the module cannot express.
  if (c.overwriteGate && c.substrate === "learned_recurrence") {
    throw new RangeError(
      `Cannot build ${ID}: expected overwriteGate with substrate "frozen", "learnable_mixing" ` +
        `or "learnable_decays" (the gate's recurrence has one decay per mode) but got ` +
        `overwriteGate true with substrate "learned_recurrence"`,
    );
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

/** The modules of the readout path (see {@link CausalBankLM.readoutModules}). */
export interface LMReadoutModules {
  /** The linear path's readout over u = [S, x(, substrate poly terms)] (bands included). */
  readonly linear: CausalBankReadout;
  /** The local path's MLP readout over the window (and its poly terms); null without one. */
  readonly local: CausalBankReadout | null;
  /** The gated mix of the two paths' logits; null with the additive mix. */
  readonly mix: GatedMix | null;
  /** The hash memory whose output joins x in the linear readout's input; null without. */
  readonly memory: HashMemory | null;
}

/**
 * The substrate transforms of a model (see {@link CausalBankLM.transforms}), each null when off.
 * Their parameters are the model's (same tensors), under the prefixes of
 * {@link TRANSFORM_PREFIXES}.
 */
export interface LMTransforms {
  /** Scales the drive x·P per bank before the substrate. */
  readonly router: SubstrateBankRouter | null;
  /** The gate inside the bank's recurrence (every substrate pass). */
  readonly overwrite: OverwriteGate | null;
  /** S → [S/‖S‖(, σ(γ)·ln‖S‖)] after the substrate, blocks, static gate and noise. */
  readonly magnitude: MagnitudeNormalizer | null;
  /** S ⊙ σ(x W + b), after the normaliser. */
  readonly selector: ModeSelector | null;
  /** S + causal attention over the snapshots, after the selector. */
  readonly temporal: TemporalAttention | null;
}

/** The parameter-name prefix of each substrate transform in {@link CausalBankLM.parameters}. */
export const TRANSFORM_PREFIXES: Readonly<Record<keyof LMTransforms, string>> = Object.freeze({
  router: "bank_router.",
  overwrite: "overwrite_gate.",
  magnitude: "magnitude.",
  selector: "mode_selector.",
  temporal: "temporal_attention.",
});

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
  /**
   * The readout modules of a configuration off the MLP path (another `readoutKind`, bands or
   * the gated mix): null on the MLP path. Their parameters are the model's (same tensors).
   */
  readonly readoutModules: LMReadoutModules | null;
  /**
   * The substrate transforms (each null when off); null when every one is off. Their parameters
   * are the model's (same tensors).
   */
  readonly transforms: LMTransforms | null;
  readonly #decays: Float32Array;
  readonly #frozenGates = new Map<string, Tensor>();
  #opt: Adam | null = null;
  /** The fast hemisphere's optimiser group (lr·fastLrMult); null with one hemisphere. */
  #optFast: Adam | null = null;
  /** Training steps taken (the regulariser's step and the noise stream's counter). */
  #steps = 0;
  /** Whether the forward being recorded is a training step's (noise on). */
  #training = false;
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
    // A copy: the caller's array must not change the frozen configuration later.
    c.bandExperts = Object.freeze([...c.bandExperts]);
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
    // frozen and learnable_decays keep the mixing fixed; learnable_mixing trains it.
    if (c.substrate === "frozen" || c.substrate === "learnable_decays") {
      fixed.set("in_proj", tensor(inProj, [E, M]));
    } else param("in_proj", inProj, [E, M]);
    if (c.substrate === "learnable_decays") param("decays", this.#decays, [M]);
    if (c.substrate === "learned_recurrence") {
      param("gate_w", zerosOf(E * M), [E, M]);
      param("gate_b", Array.from(this.#decays, (d) => Math.max(-5, Math.min(5, logit(d)))), [M]);
    }
    if (c.substrate === "gated_retention" || c.substrate === "gated_delta") {
      const split = c.numHemispheres === 2;
      // Hemispheres: the first f heads are fast. Each per-head tensor is drawn whole (the
      // one-hemisphere values) and its fast and slow heads kept as two parameters, so that each
      // sits in its own optimiser group; only the decays' init differs.
      const f = split ? fastHeadCount(H, c.fastHemisphereRatio) : H;
      const ds = S / H;
      /** Columns of each of `groups` blocks of H heads (w wide each), fast heads or slow. */
      const headCols = (data: ArrayLike<number>, rows: number, w: number, groups: number) => {
        const cols = groups * H * w;
        const pick = (fast: boolean) => {
          const out: number[] = [];
          for (let r = 0; r < rows; r++) {
            for (let g = 0; g < groups; g++) {
              const h0 = fast ? 0 : f;
              const h1 = fast ? f : H;
              for (let j = (g * H + h0) * w; j < (g * H + h1) * w; j++) {
                out.push(data[r * cols + j]!);
              }
            }
          }
          return out;
        };
        return { fast: pick(true), slow: pick(false) };
      };
      const headParam = (
        n: string,
        data: ArrayLike<number>,
        rows: number,
        w: number,
        g: number,
      ) => {
        if (!split) {
          param(n, data, rows === 0 ? [g * H * w] : [rows, g * H * w]);
          return;
        }
        const { fast, slow } = headCols(data, Math.max(rows, 1), w, g);
        param(`${n}_fast`, fast, rows === 0 ? [g * f * w] : [rows, g * f * w]);
        param(`${n}_slow`, slow, rows === 0 ? [g * (H - f) * w] : [rows, g * (H - f) * w]);
      };
      for (const n of ["wq", "wk", "wv"]) headParam(n, xavier(n, E, S), E, ds, 1);
      param("wo", xavier("wo", S, M), [S, M]);
      const ell = retentionHemisphereLogits(H, c.numHemispheres, c.fastHemisphereRatio);
      if (c.substrate === "gated_retention") {
        headParam("gate_w", zerosOf(E * 3 * H), E, 1, 3);
        headParam(
          "gate_b",
          [...Array(H).fill(2), ...Array(H).fill(-1), ...Array(H).fill(-2)],
          0,
          1,
          3,
        );
        fixed.set("gamma", tensor(Array.from(ell, (l) => 1 / (1 + Math.exp(-l))), [H]));
      } else {
        headParam("gate_w", zerosOf(E * 2 * H), E, 1, 2);
        headParam("gate_b", [...ell, ...Array(H).fill(0)], 0, 1, 2);
      }
    }
    if (c.numBlocks > 1) {
      const m = blockBottleneck(M, c.blockMixingRatio);
      for (let k = 1; k < c.numBlocks; k++) {
        param(`block${k}_w1`, xavier(`block${k}_w1`, M, m), [M, m]);
        param(`block${k}_b1`, zerosOf(m), [m]);
        param(`block${k}_w2`, xavier(`block${k}_w2`, m, M), [m, M]);
        param(`block${k}_b2`, zerosOf(M), [M]);
      }
    }
    // One group: the byte model's bank has no oscillatory pairs.
    if (c.staticBankGate) param("bank_gate_beta", zerosOf(1), [1]);
    const polyParams = (prefix: string, n: number, order: number) => {
      const d = polyProjectionWidth(n);
      param(`${prefix}_w`, xavier(`${prefix}_w`, n, d), [n, d]);
      param(`${prefix}_b`, zerosOf(d), [d]);
      const sel = triuSelectors(d);
      fixed.set(`${prefix}_sel_i`, tensor(sel.si, [d, sel.pairs]));
      fixed.set(`${prefix}_sel_j`, tensor(sel.sj, [d, sel.pairs]));
      return sel.pairs + (order === 3 ? d : 0);
    };
    this.transforms = anyTransform(c) ? this.#buildTransforms(c, params) : null;
    // Every projection downstream of the transforms reads the states' actual width.
    const sw = stateWidth(c);
    const readIn = sw + E +
      (c.substratePolyOrder > 1 ? polyParams("substrate_poly", sw, c.substratePolyOrder) : 0);
    if (!mlpPath(c)) {
      this.readoutModules = this.#buildReadouts(c, readIn, params, fixed, polyParams);
      // online memory: Linear(7 → readIn), the readout input's actual width (poly terms
      // included; the original sizes it M + E and crashes on them), gate 0 (σ = 1/2: active).
      if (c.memoryKind !== "none") {
        param("memory_w", xavier("memory_w", OCM_FEATURES, readIn), [OCM_FEATURES, readIn]);
        param("memory_b", zerosOf(readIn), [readIn]);
        param("memory_gate", zerosOf(1), [1]);
      }
      this.parameters = params;
      this.buffers = fixed;
      return;
    }
    this.readoutModules = null;
    const hl = c.readoutHidden;
    param("readout_w", xavier("readout_w", readIn, hl), [readIn, hl]);
    param("readout_b", zerosOf(hl), [hl]);
    let outFan = hl;
    const outRows = [xavier("out_w_linear", hl, BYTE_VOCAB)];
    if (c.localWindow > 0) {
      const wl = c.localWindow * E +
        (c.localPolyOrder > 1 ? polyParams("local_poly", c.localWindow * E, c.localPolyOrder) : 0);
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

  /**
   * Builds the substrate transforms that are on (the modules, seeded by `seed` under their
   * prefixes, sized from the states' width at their place: the selector and temporal attention
   * read M + 1 channels after a kept magnitude); their parameters join the model's.
   */
  #buildTransforms(c: CausalBankLMConfig, params: Map<string, Tensor>): LMTransforms {
    const { embeddingDim: E, linearModes: M, seed } = c;
    const P = TRANSFORM_PREFIXES;
    const w = stateWidth(c);
    const router = c.substrateBankRouter
      ? new SubstrateBankRouter({
        modes: M,
        embeddingDim: E,
        banks: c.substrateNBanks,
        seed,
        prefix: P.router,
      })
      : null;
    const overwrite = c.overwriteGate
      ? new OverwriteGate({
        decays: this.#decays,
        embeddingDim: E,
        scanMethod: c.scanMethod,
        scanChunk: c.scanChunk,
        seed,
        prefix: P.overwrite,
      })
      : null;
    const magnitude = c.magnitudeNormalize
      ? new MagnitudeNormalizer({
        modes: M,
        keepMagnitude: c.magnitudeKeep,
        seed,
        prefix: P.magnitude,
      })
      : null;
    const selector = c.modeSelector
      ? new ModeSelector({ modes: w, embeddingDim: E, seed, prefix: P.selector })
      : null;
    const temporal = c.temporalAttention
      ? new TemporalAttention({
        modes: w,
        heads: c.temporalAttentionHeads,
        headDim: c.temporalAttentionHeadDim,
        snapshotInterval: c.temporalSnapshotInterval,
        seed,
        prefix: P.temporal,
      })
      : null;
    for (const m of [router, overwrite, magnitude, selector, temporal]) {
      if (m !== null) { for (const [k, v] of m.parameters) params.set(k, v); }
    }
    return Object.freeze({ router, overwrite, magnitude, selector, temporal });
  }

  /**
   * Builds the readout path of a configuration off the MLP path: the linear readout (bands
   * included) over u = [S, x(, poly)], the local path's MLP readout over the window, the gated
   * mix; their parameters join the model's under their prefixes.
   */
  #buildReadouts(
    c: CausalBankLMConfig,
    readIn: number,
    params: Map<string, Tensor>,
    fixed: Map<string, Tensor>,
    polyParams: (prefix: string, n: number, order: number) => number,
  ): LMReadoutModules {
    const E = c.embeddingDim;
    const o = { inputDim: readIn, vocab: BYTE_VOCAB, seed: c.seed, prefix: "readout" };
    const h = c.readoutHidden;
    let spec: ReadoutSpec;
    if (c.readoutBands > 1) {
      spec = {
        kind: "bands",
        bands: c.readoutBands,
        modes: stateWidth(c),
        // Refused for "recurrent" by the validation (bands are position-wise).
        bandKind: c.readoutKind as Exclude<ReadoutKind, "recurrent">,
        hidden: [h],
        depth: c.readoutDepth,
        experts: c.readoutExperts,
        ...(c.bandExperts.length > 0 ? { bandExperts: c.bandExperts } : {}),
        embeddingDim: E,
        normalize: c.tiedReadoutNormalize,
      };
    } else {
      switch (c.readoutKind) {
        case "mlp":
          spec = { kind: "mlp", hidden: [h] };
          break;
        case "tied_recursive":
          spec = { kind: "tied_recursive", hidden: h, depth: c.readoutDepth };
          break;
        case "routed_sqrelu_experts":
          spec = { kind: "routed_sqrelu_experts", hidden: h, experts: c.readoutExperts };
          break;
        case "tied_embed_readout":
          spec = {
            kind: "tied_embed_readout",
            hidden: h,
            experts: c.readoutExperts,
            embeddingDim: E,
            normalize: c.tiedReadoutNormalize,
          };
          break;
        case "recurrent":
          spec = { kind: "recurrent", hidden: h };
          break;
      }
    }
    const linear = buildReadout(spec, o);
    for (const [k, v] of linear.parameters) params.set(k, v);
    let local: CausalBankReadout | null = null;
    if (c.localWindow > 0) {
      const wl = c.localWindow * E +
        (c.localPolyOrder > 1 ? polyParams("local_poly", c.localWindow * E, c.localPolyOrder) : 0);
      local = new MlpReadout([c.localHidden], { ...o, inputDim: wl, prefix: "local" });
      for (const [k, v] of local.parameters) params.set(k, v);
      fixed.set("local_scale", tensor([c.localScale], [1]));
    }
    let mix: GatedMix | null = null;
    if (c.mixMode === "gated") {
      mix = new GatedMix(c.localScale, { seed: c.seed, prefix: "mix" });
      for (const [k, v] of mix.parameters) params.set(k, v);
    }
    let memory: HashMemory | null = null;
    if (c.hashMemory) {
      memory = new HashMemory({
        embeddingDim: E,
        slots: c.hashMemorySlots,
        dim: c.hashMemoryDim,
        seed: c.seed,
        prefix: "hash_memory.",
      });
      for (const [k, v] of memory.parameters) params.set(k, v);
    }
    return Object.freeze({ linear, local, mix, memory });
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

  /**
   * A per-head parameter: the tensor itself, or with two hemispheres its fast and slow heads
   * put back in the one-hemisphere layout (`groups` blocks of H heads along the last axis).
   */
  #headParam(name: string, groups: number): Tensor {
    const c = this.config;
    if (c.numHemispheres === 1) return this.#p(name);
    const fast = this.#p(`${name}_fast`);
    const slow = this.#p(`${name}_slow`);
    if (groups === 1) return concat([fast, slow], fast.rank - 1);
    const f = fastHeadCount(c.numHeads, c.fastHemisphereRatio);
    const hs = c.numHeads - f;
    const parts: Tensor[] = [];
    const cols = (x: Tensor, from: number, n: number) =>
      x.rank === 1 ? slice(x, [from], [n]) : slice(x, [0, from], [x.shape[0]!, n]);
    for (let g = 0; g < groups; g++) parts.push(cols(fast, g * f, f), cols(slow, g * hs, hs));
    return concat(parts, fast.rank - 1);
  }

  /**
   * The gated substrates' read-out o W_o [B, T, M] of input embeddings x [B, T, E] (what the
   * matrix memory adds to the drive).
   */
  #gatedMix(x: Tensor, b: number, t: number): Tensor {
    const c = this.config;
    const { numHeads: H, stateDim: S } = c;
    const ds = S / H;
    const q0 = matmul(x, this.#headParam("wq", 1));
    let k0 = matmul(x, this.#headParam("wk", 1));
    let v0 = matmul(x, this.#headParam("wv", 1));
    const G = c.substrate === "gated_retention" ? 3 : 2;
    const gates = sigmoid(
      add(matmul(x, this.#headParam("gate_w", G)), this.#headParam("gate_b", G)),
    );
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
    return matmul(o, this.#p("wo"));
  }

  /**
   * One substrate pass Sub(D, x) on the drive D [B, T, M]: the bank's recurrence over D, or for
   * the gated substrates the memory's read-out plus D (`mix`, when already computed for x).
   */
  #pass(x: Tensor, drive: Tensor, b: number, t: number, mix?: Tensor): Tensor {
    const c = this.config;
    const scan = { method: c.scanMethod, chunk: c.scanChunk };
    const gate = this.transforms?.overwrite ?? null;
    if (gate !== null) {
      // The gate inside the recurrence: S_t = (1 − g_t)·d·S_{t−1} + g_t·D_t (a gate of 1 erases
      // the history), with the trained decays under learnable_decays.
      return gate.forward(
        drive,
        x,
        c.substrate === "learnable_decays" ? this.#p("decays") : undefined,
      );
    }
    switch (c.substrate) {
      case "frozen":
      case "learnable_mixing":
        return linearRecurrence(this.#gates(b, t), drive, scan).h;
      case "learnable_decays": {
        // d broadcast over [B, T, M]; adding zeros is exact and its backward sums over B and T.
        const zeros = tensor(new Float32Array(b * t), [b, t, 1]);
        return linearRecurrence(add(zeros, this.#p("decays")), drive, scan).h;
      }
      case "learned_recurrence": {
        const a = sigmoid(add(matmul(x, this.#p("gate_w")), this.#p("gate_b")));
        return linearRecurrence(a, sub(drive, mul(a, drive)), scan).h;
      }
      default:
        return add(mix ?? this.#gatedMix(x, b, t), drive);
    }
  }

  /**
   * The substrate states S [B, T, M] the readout reads: the first pass on the drive x·P, each
   * further block's pass on the mixed states (strided after the second), the static gate once,
   * and in a training step the noise.
   */
  #substrate(x: Tensor, b: number, t: number): Tensor {
    const c = this.config;
    const router = this.transforms?.router ?? null;
    // The bank router scales the first pass's drive per bank.
    const d0 = matmul(x, this.#p("in_proj"));
    const drive = router !== null ? router.forward(d0, x) : d0;
    const gated = hasStatePath(c.substrate);
    const mix = gated && c.numBlocks > 1 ? this.#gatedMix(x, b, t) : undefined;
    let s = this.#pass(x, drive, b, t, mix);
    blockSchedule(c.numBlocks, c.blockStride, t).forEach((stride, idx) => {
      const k = idx + 1;
      const phi = (u: Tensor) =>
        blockMlp(
          u,
          this.#p(`block${k}_w1`),
          this.#p(`block${k}_b1`),
          this.#p(`block${k}_w2`),
          this.#p(`block${k}_b2`),
        );
      if (stride === 1) {
        s = this.#pass(x, add(s, phi(s)), b, t, mix);
      } else {
        const sh = strideSample(s, stride);
        const xs = strideSample(x, stride);
        const ts = sh.shape[1]!;
        s = add(s, strideUpsample(this.#pass(xs, add(sh, phi(sh)), b, ts), stride, t));
      }
    });
    if (c.staticBankGate) s = mul(s, staticGate(this.#p("bank_gate_beta"), BANK_GATE_SPAN));
    if (this.#training && c.trainingNoise > 0) {
      const M = c.linearModes;
      const r = new Rng(hashU32(hashU32(c.seed, nameHash("training_noise")), this.#steps));
      s = add(s, tensor(r.normals(b * t * M, c.trainingNoise), [b, t, M]));
    }
    return this.#transformStates(s, x);
  }

  /**
   * The substrate transforms after the substrate passes, blocks, static gate and noise: the
   * magnitude feature, then the mode selector, then temporal attention (each when on).
   */
  #transformStates(s: Tensor, x: Tensor): Tensor {
    const tr = this.transforms;
    if (tr === null) return s;
    if (tr.magnitude !== null) s = tr.magnitude.forward(s);
    if (tr.selector !== null) s = tr.selector.forward(s, x);
    if (tr.temporal !== null) s = tr.temporal.forward(s);
    return s;
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
    return this.#forwardParts(tokens, b, t).logits;
  }

  /** Logits of checked tokens and the readouts' balance loss of this forward (null: none). */
  #forwardParts(tokens: Tensor, b: number, t: number): { logits: Tensor; balance: Tensor | null } {
    const c = this.config;
    const x = embedding(this.#p("embedding"), tokens);
    const window = c.localWindow > 0 ? this.#windowOfIds(tokens, b, t) : null;
    if (this.readoutModules !== null) return this.#readoutPath(x, window, b, t, tokens);
    const states = this.#substrate(x, b, t);
    const hLin = this.#linearHidden(states, x);
    let hidden = hLin;
    if (window !== null) {
      const hLoc = this.#localHidden(window);
      hidden = concat([hLin, mul(hLoc, this.#p("local_scale"))], 2);
    }
    return { logits: add(matmul(hidden, this.#p("out_w")), this.#p("out_b")), balance: null };
  }

  /** The local window [B, T, W·E] of byte ids: ids shifted right by j, −1 (zero) before the start. */
  #windowOfIds(tokens: Tensor, b: number, t: number): Tensor {
    const c = this.config;
    const cols: Tensor[] = [reshape(tokens, [b, t, 1])];
    for (let j = 1; j < c.localWindow; j++) {
      const pad = tensor(new Int32Array(b * Math.min(j, t)).fill(-1), [b, Math.min(j, t)], {
        dtype: "i32",
      });
      const shifted = j >= t ? pad : concat([pad, slice(tokens, [0, 0], [b, t - j])], 1);
      cols.push(reshape(shifted, [b, t, 1]));
    }
    return reshape(
      embedding(this.#p("embedding"), concat(cols, 2)),
      [b, t, c.localWindow * c.embeddingDim],
    );
  }

  /** The local window [B, T, W·E] of embeddings: x shifted right by j, zeros before the start. */
  #windowOfEmbeds(x: Tensor, b: number, t: number): Tensor {
    const c = this.config;
    const E = c.embeddingDim;
    const cols: Tensor[] = [x];
    for (let j = 1; j < c.localWindow; j++) {
      const pad = tensor(new Float32Array(b * Math.min(j, t) * E), [b, Math.min(j, t), E]);
      cols.push(j >= t ? pad : concat([pad, slice(x, [0, 0, 0], [b, t - j, E])], 1));
    }
    return concat(cols, 2);
  }

  /**
   * The readout path off the MLP one: ℓ_lin = readout([S, x(, poly)]) (the tied readouts
   * project onto the embedding table), ℓ_loc = the local MLP readout of the window (and its
   * poly terms), mixed additively (ℓ_lin + s·ℓ_loc) or by the gated mix; the balance loss of
   * the routed readouts and bands of this forward.
   */
  #readoutPath(
    x: Tensor,
    window: Tensor | null,
    b: number,
    t: number,
    tokens: Tensor | null = null,
  ): { logits: Tensor; balance: Tensor | null } {
    const c = this.config;
    const mods = this.readoutModules!;
    const states = this.#substrate(x, b, t);
    // The hash memory reads the embeddings; the readout reads x + HashMemory(x) beside S.
    const parts = [states, mods.memory !== null ? add(x, mods.memory.forward(x)) : x];
    if (c.substratePolyOrder > 1) {
      parts.push(this.#poly("substrate_poly", states, c.substratePolyOrder));
    }
    const u = this.#withMemory(concat(parts, 2), tokens);
    const lin = mods.linear.forward(u, { embedding: this.#p("embedding") });
    if (window === null || mods.local === null) return lin;
    const localIn = c.localPolyOrder > 1
      ? concat([window, this.#poly("local_poly", window, c.localPolyOrder)], 2)
      : window;
    const loc = mods.local.forward(localIn).logits;
    const logits = mods.mix !== null
      ? mods.mix.forward(lin.logits, loc).logits
      : add(lin.logits, mul(loc, this.#p("local_scale")));
    return { logits, balance: lin.balance };
  }

  /**
   * online memory: u + σ(memory_gate)·(f W + b) with f [B, T, 7] the online causal features of
   * the ids (queried before each id is counted, so causal); u itself without a memory.
   */
  #withMemory(u: Tensor, tokens: Tensor | null): Tensor {
    if (this.config.memoryKind === "none") return u;
    if (tokens === null) throw new Error(`${ID}: internal error, the memory needs the byte ids`);
    const f = onlineCausalFeatures(tokens);
    const proj = add(matmul(f, this.#p("memory_w")), this.#p("memory_b"));
    return add(u, mul(proj, sigmoid(this.#p("memory_gate"))));
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
    // online memory: its features count byte ids, which embeddings do not carry.
    if (this.config.memoryKind !== "none") {
      throw new RangeError(
        `Cannot run ${ID}.forwardEmbeds: expected memoryKind "none" (the online memory counts ` +
          `byte ids, which input embeddings do not carry; use forward) but got memoryKind ` +
          `"${this.config.memoryKind}"`,
      );
    }
    const [b, t] = this.#checkEmbeds(x, "forwardEmbeds");
    if (this.readoutModules !== null) {
      const window = this.config.localWindow > 0 ? this.#windowOfEmbeds(x, b, t) : null;
      return this.#readoutPath(x, window, b, t).logits;
    }
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
    if (this.readoutModules !== null) {
      const c = this.config;
      throw new RangeError(
        `Cannot compute ${ID}.hiddenStates: expected the MLP readout path (readoutKind "mlp", ` +
          `readoutBands 1, mixMode "additive"), whose hidden layer it returns, but got ` +
          `readoutKind "${c.readoutKind}", readoutBands ${c.readoutBands}, mixMode "${c.mixMode}"` +
          // online memory: it alone also leaves the MLP path.
          (c.memoryKind !== "none" ? `, memoryKind "${c.memoryKind}"` : ""),
      );
    }
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

  /** The polynomial terms of u [B, T, n] (projection named by `prefix`) at `order` ≥ 2. */
  #poly(prefix: string, u: Tensor, order: number): Tensor {
    const z = add(matmul(u, this.#p(`${prefix}_w`)), this.#p(`${prefix}_b`));
    return polyTerms(z, order as 2 | 3, this.#p(`${prefix}_sel_i`), this.#p(`${prefix}_sel_j`));
  }

  /** The linear path's hidden layer GELU([S, x(, q, z³)] W₁ + b₁). */
  #linearHidden(states: Tensor, x: Tensor): Tensor {
    const c = this.config;
    const parts = [states, x];
    if (c.substratePolyOrder > 1) {
      parts.push(this.#poly("substrate_poly", states, c.substratePolyOrder));
    }
    return gelu(add(matmul(concat(parts, 2), this.#p("readout_w")), this.#p("readout_b")));
  }

  /** The local path's hidden layer GELU([w(, q, z³)] W_ℓ + b_ℓ) of the window w. */
  #localHidden(window: Tensor): Tensor {
    const c = this.config;
    const input = c.localPolyOrder > 1
      ? concat([window, this.#poly("local_poly", window, c.localPolyOrder)], 2)
      : window;
    return gelu(add(matmul(input, this.#p("local_w")), this.#p("local_b")));
  }

  /**
   * The substrate states S [B, T, M] the linear readout reads, from input embeddings x
   * [B, T, E]: every substrate pass and block, the static gate (once); no training noise (that
   * is added in {@link CausalBankLM.trainStep} only); then the substrate transforms that are on
   * (width M + 1 after a kept magnitude channel). Records GPU work only; differentiable.
   * Call inside `tidy()`.
   *
   * @example
   * ```ts
   * import { initGpu, tensor, tidy } from "../../mod.ts";
   * import { CausalBankLM } from "./byte_lm.ts";
   * import { deepStrictEqual } from "node:assert/strict";
   * await initGpu();
   * const lm = new CausalBankLM({ embeddingDim: 4, linearModes: 8, readoutHidden: 8, localHidden: 8 });
   * const ids = tensor(new Int32Array([104, 105, 33]), [1, 3], { dtype: "i32" });
   * const s = tidy(() => lm.states(lm.embed(ids)));
   * deepStrictEqual(s.shape, [1, 3, 8]);
   * s.dispose();
   * ids.dispose();
   * lm.dispose();
   * ```
   *
   * @throws {TypeError} when x is not an f32 [B, T, E] tensor. @throws {RangeError} for T
   *   outside [1, maxSeqLen].
   */
  states(x: Tensor): Tensor {
    this.#assertLive("states");
    const [b, t] = this.#checkEmbeds(x, "states");
    return this.#substrate(x, b, t);
  }

  /**
   * The substrate regulariser at training step `step` (shape [], differentiable), on the
   * parameters the forward reads: for learnable_decays, scale·[10 Σ relu(0.01 − d) +
   * 10 Σ relu(d − 0.9999) + 0.1·mean_{i≠j} exp(−(d_i − d_j)²/0.01)]; for learned_recurrence,
   * scale·10⁻⁴·‖W_g‖² of the gate weights; 0 for the other substrates. scale = 1 + √(step/1000)
   * with `adaptiveReg`, else 1. Call inside `tidy()`.
   *
   * @throws {TypeError|RangeError} for a step that is not a finite number >= 0.
   */
  substrateRegularization(step: number): Tensor {
    this.#assertLive("substrateRegularization");
    const c = this.config;
    if (typeof step !== "number") {
      throw new TypeError(
        `Cannot compute ${ID}.substrateRegularization: expected step as a number but got ` +
          shown(step),
      );
    }
    if (!(Number.isFinite(step) && step >= 0)) {
      throw new RangeError(
        `Cannot compute ${ID}.substrateRegularization: expected step finite and >= 0 but got ` +
          `${step}`,
      );
    }
    const scale = regularizerScale(step, c.adaptiveReg);
    if (c.substrate === "learnable_decays") return decayRegularizer(this.#p("decays"), scale);
    if (c.substrate === "learned_recurrence") return gateRegularizer(this.#p("gate_w"), scale);
    return tensor([0], []);
  }

  /**
   * The optimiser groups by parameter name: the fast hemisphere's tensors (trained at
   * lr·fastLrMult) and the rest (lr). With one hemisphere every parameter is in `base`.
   */
  optimizerGroups(): { fast: string[]; base: string[] } {
    this.#assertLive("list the optimiser groups of");
    const names = [...this.parameters.keys()];
    return {
      fast: names.filter((n) => n.endsWith("_fast")),
      base: names.filter((n) => !n.endsWith("_fast")),
    };
  }

  /** The readout from embeddings: the linear path's hidden layer, and the logits on demand. */
  #readout(x: Tensor, b: number, t: number): { hLin: Tensor; logits: () => Tensor } {
    const c = this.config;
    const states = this.#substrate(x, b, t);
    const hLin = this.#linearHidden(states, x);
    const logits = () => {
      let hidden = hLin;
      if (c.localWindow > 0) {
        // x shifted right by j (zeros before the start), side by side: [x_t, …, x_{t−W+1}].
        const window = this.#windowOfEmbeds(x, b, t);
        const hLoc = this.#localHidden(window);
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
    return this.#crossEntropy(this.forward(tokens), targets, b, t);
  }

  /** Mean cross-entropy of logits [B, T, 256] against targets [B, T] (`loss` and `trainStep`). */
  #crossEntropy(logits: Tensor, targets: Tensor, b: number, t: number): Tensor {
    return crossEntropy(
      reshape(logits, [b * t, BYTE_VOCAB]),
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
   * update. The objective is the cross-entropy, plus `balanceCoef` times the routed readouts'
   * balance loss of this forward and the substrate regulariser when switched on. Returns the
   * step's cross-entropy tensor (shape [], no sync): the caller reads or disposes it.
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
    if (this.#opt === null) {
      // Two groups with two hemispheres: the fast heads' tensors at lr·fastLrMult.
      const { fast, base } = this.optimizerGroups();
      this.#opt = new Adam(base.map((n) => this.#p(n)), { lr });
      if (fast.length > 0) this.#optFast = new Adam(fast.map((n) => this.#p(n)), { lr });
    }
    const opt = this.#opt;
    const optFast = this.#optFast;
    opt.lr = lr;
    if (optFast !== null) optFast.lr = lr * this.config.fastLrMult;
    const step = this.#steps;
    this.#training = true;
    try {
      return tidy(() => {
        const [b, t] = [tokens.shape[0]!, tokens.shape[1]!];
        const { logits, balance } = this.#forwardParts(tokens, b, t);
        const loss = this.#crossEntropy(logits, targets, b, t);
        let objective = this.config.substrateReg
          ? add(loss, this.substrateRegularization(step))
          : loss;
        // The routed readouts' and bands' balance loss of this very forward.
        if (balance !== null && this.config.balanceCoef > 0) {
          objective = add(objective, mul(balance, tensor([this.config.balanceCoef], [])));
        }
        backward(objective);
        if (clipNorm !== Infinity) clipGradNorm(params, clipNorm);
        opt.step();
        optFast?.step();
        opt.zeroGrad();
        optFast?.zeroGrad();
        return loss;
      });
    } finally {
      this.#training = false;
      this.#steps++;
    }
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
    this.#optFast?.dispose();
    this.#optFast = null;
    for (const t of [...this.parameters.values(), ...this.buffers.values()]) t.dispose();
    this.readoutModules?.linear.dispose();
    this.readoutModules?.local?.dispose();
    this.readoutModules?.mix?.dispose();
    this.readoutModules?.memory?.dispose();
    // The transforms' own buffers (the router's expansion, the gate's decays, cached masks).
    for (const m of Object.values(this.transforms ?? {})) m?.dispose();
    for (const t of this.#frozenGates.values()) t.dispose();
    this.#frozenGates.clear();
  }
}
