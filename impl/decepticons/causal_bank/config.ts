/**
 * Causal-bank configuration (asuramaya/decepticons:src/decepticons/causal_bank.py
 * (7be9af7): CausalBankConfig, validate_config, learnable_substrate_keys,
 * build_linear_bank): every field of the original's configuration in camelCase
 * with the original's defaults, its validation, which substrate parameters
 * train per mode, and the deterministic decay bank. Half-lives are log-spaced
 * from `halfLifeMin` to `halfLifeMax`; a mode with half-life h decays by
 * d = 0.5^{1/h} per step, so its impulse response halves every h steps.
 * Oscillatory pairs (a fraction of the modes) become complex gates d·e^{iω}
 * with log-spaced periods 2π/ω, the input of the complex
 * {@link linearRecurrence}. The bank depends on the configuration only: no
 * seed enters it.
 *
 * Validation follows the original's rules (at least one path; oscillatory
 * modes need the kernel implementation; gated modes need a state and the
 * matching state implementation; the state splits over the heads; a state
 * implementation needs a state; the ranges of every knob) and refuses, with a
 * RangeError naming the fields, every combination the original accepts but
 * cannot honour:
 *
 * - not causal: `stateImpl: "hierarchical"` (the original's hierarchical scan
 *   broadcasts a window's sum back to earlier positions), `patchSize > 1` with
 *   `patchDecoder: "none"` (leaks the patch's future bytes; the original only
 *   warns), temporal attention without a snapshot interval;
 * - silently inert: hemispheres without a state to split (or with one
 *   retention head), a block stride the blocks never use, the static bank gate
 *   without oscillatory modes, `adaptiveReg` where the regulariser is 0,
 *   polynomial features of width ⌊n/4⌋ = 0, a bank router with one bank or
 *   more banks than modes, a switch of a path that is off, a patch decoder
 *   without patches, the local path under a decoder that never reads it
 *   ("mlp_factored", "autoregressive"), the overwrite gate on a gated substrate
 *   (it acts inside the decay bank's recurrence);
 * - broken layouts: readout bands whose hidden width ⌊h/n⌋ is 0 or wider than
 *   the modes, bands of a kind they cannot run (recurrent) or routed bands of
 *   one expert, all bands static, substrate polynomial terms or an online
 *   memory beside bands (the original builds them and gives them no gradient),
 *   `patchN > 1` beside bands, the local path or a kind without per-head
 *   logits;
 * - trust routing without a table (the original warns "will use synthetic
 *   table", then fails on its first forward).
 *
 * @example The default bank: 256 decays from 0.5^{1/1.5} to 0.5^{1/512}
 * ```ts
 * import { buildDecayBank, CAUSAL_BANK_DEFAULTS } from "./config.ts";
 * import { ok, strictEqual } from "node:assert/strict";
 * const bank = buildDecayBank(CAUSAL_BANK_DEFAULTS);
 * strictEqual(bank.decays.length, 256);
 * ok(Math.abs(bank.decays[0]! - 0.62996) < 1e-5 && Math.abs(bank.decays[255]! - 0.998647) < 1e-6);
 * ```
 *
 * @example A refused combination names its fields
 * ```ts
 * import { CAUSAL_BANK_DEFAULTS, learnableSubstrateKeys, validateCausalBankConfig } from "./config.ts";
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * throws(
 *   () => validateCausalBankConfig({ ...CAUSAL_BANK_DEFAULTS, numHemispheres: 2 }),
 *   /numHemispheres = 2 needs stateDim > 0/,
 * );
 * const cfg = { ...CAUSAL_BANK_DEFAULTS, substrateMode: "learned_recurrence" as const };
 * deepStrictEqual(learnableSubstrateKeys(cfg), ["in_proj", "gate_w", "gate_b"]);
 * ```
 *
 * @module
 */
import type { LinearRecurrenceOptions } from "../linear_recurrence/linear_recurrence.ts";

/** Substrate modes of the causal bank. */
export const SUBSTRATE_MODES = [
  "frozen",
  "learnable_decays",
  "learnable_mixing",
  "learned_recurrence",
  "gated_retention",
  "gated_delta",
] as const;
/** A substrate mode. */
export type SubstrateMode = typeof SUBSTRATE_MODES[number];

/** How the frozen bank is applied. */
export const LINEAR_IMPLS = ["kernel", "fft", "scan"] as const;
/** A linear implementation. */
export type LinearImpl = typeof LINEAR_IMPLS[number];

/** State implementations memspec accepts ("hierarchical" is refused: it is not causal). */
export const STATE_IMPLS = ["scan", "retention"] as const;
/** A state implementation. */
export type StateImpl = typeof STATE_IMPLS[number];

/**
 * Patch decoders (the original's `patch_causal_decoder`): "none" (only with `patchSize` 1),
 * or one of the three causal decoders.
 */
export const PATCH_DECODERS = ["none", "mlp_factored", "autoregressive", "hybrid"] as const;
/** A patch decoder. */
export type PatchDecoder = typeof PATCH_DECODERS[number];

/** Readout kinds of the linear path (the original's `linear_readout_kind`). */
export const READOUT_KINDS = [
  "mlp",
  "tied_recursive",
  "routed_sqrelu_experts",
  "tied_embed_readout",
  "recurrent",
] as const;
/** A readout kind. */
export type ReadoutKind = typeof READOUT_KINDS[number];

/** How the local path's logits join the linear path's. */
export const MIX_MODES = ["additive", "gated"] as const;
/** A mix mode. */
export type MixMode = typeof MIX_MODES[number];

/** Online memories that can be attached to the readout input (the original's `memory_kind`). */
export const MEMORY_KINDS = ["none", "ngram", "exact_context", "statistical_backoff"] as const;
/** A memory kind. */
export type MemoryKind = typeof MEMORY_KINDS[number];

/** The causal bank's configuration: substrate, readouts, knobs, memories, transforms, patches. */
export interface CausalBankConfig {
  /** Embedding width E. */
  embeddingDim: number;
  /** Linear modes M. */
  linearModes: number;
  /** Longest sequence. */
  maxSeqLen: number;
  /** Shortest half-life of the decay bank, in steps (0 < min ≤ max). */
  halfLifeMin: number;
  /** Longest half-life of the decay bank, in steps. */
  halfLifeMax: number;
  /** Fraction of modes in oscillatory pairs, in [0, 1). */
  oscillatoryFrac: number;
  /** How the frozen bank is applied (a causal kernel, an FFT, or a scan). */
  linearImpl: LinearImpl;
  /**
   * Which substrate the bank is: frozen decays, learnable decays or mixing, a learned recurrence,
   * gated retention or the gated delta rule.
   */
  substrateMode: SubstrateMode;
  /** Selective-state width S (0: none). */
  stateDim: number;
  /** How the selective state runs: a scan or retention. */
  stateImpl: StateImpl;
  /** Heads of the state; must divide stateDim. */
  numHeads: number;
  /** Whether the linear (bank) read path is on. */
  enableLinear: boolean;
  /** Whether the local (last-window) read path is on. */
  enableLocal: boolean;
  /** Bytes per patch (1: no patching). */
  patchSize: number;
  /** The patch decoder: "none" with `patchSize` 1, a causal decoder when `patchSize` > 1. */
  patchDecoder: PatchDecoder;
  /** Chunk length of the chunked scan. */
  scanChunk: number;

  /** Hidden widths of the linear-path readout (the routed, tied and recursive kinds take one). */
  linearHidden: readonly number[];
  /** The linear-path readout's kind. */
  linearReadoutKind: ReadoutKind;
  /** Depth D of the tied-recursive readout (>= 1, checked for every kind as the original does). */
  linearReadoutDepth: number;
  /** Experts of the routed and tied-embedding readouts (>= 2, checked for every kind). */
  linearReadoutNumExperts: number;
  /** Whether the tied-embedding readout L2-normalises the embedding rows. */
  tiedReadoutNormalize: boolean;
  /** Readout bands n: the modes split into n contiguous bands, one readout each (1: none). */
  readoutBands: number;
  /**
   * Experts per band (empty: every band `linearReadoutNumExperts`); 0 makes a static band that
   * reads the embedding only.
   */
  bandExperts: readonly number[];
  /** Bytes predicted per position by the readout (logits [B, T, patchN, V]; 1: one). */
  patchN: number;
  /** Embeddings the local path reads. */
  localWindow: number;
  /** Hidden widths of the local path's MLP. */
  localHidden: readonly number[];
  /** Weight of the local path's logits (the additive mix's g, the gated mix's ceiling). */
  localScale: number;
  /** How the local logits join the linear ones: a fixed weight or an entropy-feature gate. */
  mixMode: MixMode;
  /** Whether a learned gate 1 + span·tanh(β) scales the plain and the oscillatory modes. */
  staticBankGate: boolean;
  /** The static gate's span, in (0, 1] so the gate stays >= 0. */
  bankGateSpan: number;
  /** The online memory whose features join the readout input ("none": no memory). */
  memoryKind: MemoryKind;
  /** Substrate blocks stacked on the linear path (1: one substrate pass). */
  numBlocks: number;
  /** Bottleneck of the block mixing MLPs, max(⌊M·ratio⌋, 1) wide; in (0, 1]. */
  blockMixingRatio: number;
  /** Temporal stride of block b >= 2: stride^(b−1) (1: every position). */
  blockStride: number;
  /** Hemispheres of the state: 1, or 2 for a fast and a slow part. */
  numHemispheres: number;
  /** Fraction of the state (or of the heads) in the fast hemisphere, in (0, 1). */
  fastHemisphereRatio: number;
  /** Learning-rate multiplier of the fast hemisphere's parameters (> 0). */
  fastLrMult: number;
  /** Polynomial order of the local window's features: 1, 2 (quadratic) or 3 (+ cubes). */
  localPolyOrder: number;
  /** Polynomial order of the substrate's features: 1, 2 (quadratic) or 3 (+ cubes). */
  substratePolyOrder: number;
  /** σ of the Gaussian noise added to the states in training (0: none). */
  trainingNoise: number;
  /** Whether the substrate regulariser grows as 1 + √(step/1000). */
  adaptiveReg: boolean;
  /** Whether the hash memory (sliding-window attention over the last slots) is on. */
  hashMemory: boolean;
  /** Slots of the hash memory: the window of past positions it attends to. */
  hashMemorySlots: number;
  /** Key/value width of the hash memory. */
  hashMemoryDim: number;
  /** Whether the substrate bank router scales the drive per bank. */
  substrateBankRouter: boolean;
  /** Banks of the router (the last takes the remainder modes); 2..M when the router is on. */
  substrateNBanks: number;
  /** Whether the overwrite gate acts inside the bank's recurrence. */
  overwriteGate: boolean;
  /** Whether the states are normalised to unit norm per position. */
  magnitudeNormalize: boolean;
  /** Whether the normaliser keeps the log-magnitude (as its own channel in memspec). */
  magnitudeKeep: boolean;
  /** Whether the mode selector masks the modes by σ((W x + b)/τ). */
  modeSelector: boolean;
  /** Whether temporal attention over state snapshots is on. */
  temporalAttention: boolean;
  /** Positions between the snapshots temporal attention reads (mandatory: the causal mask). */
  temporalSnapshotInterval: number;
  /** Heads of temporal attention. */
  temporalAttentionHeads: number;
  /** Head width of temporal attention. */
  temporalAttentionHeadDim: number;
  /** Whether the output mixes an n-gram table and the model by a learned trust. */
  trustRouting: boolean;
  /** The n-gram table of trust routing ("" : none; required when `trustRouting`). */
  tablePath: string;
}

/**
 * The original's defaults: E = 32, M = 256, half-lives 1.5 to 512, frozen kernel bank, an MLP
 * readout of one hidden layer of 128, the local path over 8 embeddings added with weight 0.25,
 * every knob, memory and transform off (hash memory 64 slots × 64, temporal attention every 64
 * positions with 2 heads of 32, 4 router banks, a fast hemisphere of 0.25 at 4× the learning
 * rate when switched on). `scanChunk` is memspec's (the original's chunk is min(32, T)).
 */
export const CAUSAL_BANK_DEFAULTS: Readonly<CausalBankConfig> = Object.freeze({
  embeddingDim: 32,
  linearModes: 256,
  maxSeqLen: 256,
  halfLifeMin: 1.5,
  halfLifeMax: 512,
  oscillatoryFrac: 0,
  linearImpl: "kernel",
  substrateMode: "frozen",
  stateDim: 0,
  stateImpl: "scan",
  numHeads: 1,
  enableLinear: true,
  enableLocal: true,
  patchSize: 1,
  patchDecoder: "none",
  scanChunk: 32,
  linearHidden: Object.freeze([128]),
  linearReadoutKind: "mlp",
  linearReadoutDepth: 1,
  linearReadoutNumExperts: 4,
  tiedReadoutNormalize: false,
  readoutBands: 1,
  bandExperts: Object.freeze([] as number[]),
  patchN: 1,
  localWindow: 8,
  localHidden: Object.freeze([128]),
  localScale: 0.25,
  mixMode: "additive",
  staticBankGate: false,
  bankGateSpan: 0.5,
  memoryKind: "none",
  numBlocks: 1,
  blockMixingRatio: 0.25,
  blockStride: 1,
  numHemispheres: 1,
  fastHemisphereRatio: 0.25,
  fastLrMult: 4,
  localPolyOrder: 1,
  substratePolyOrder: 1,
  trainingNoise: 0,
  adaptiveReg: false,
  hashMemory: false,
  hashMemorySlots: 64,
  hashMemoryDim: 64,
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
  trustRouting: false,
  tablePath: "",
});

function fail(field: string, why: string): never {
  // Every rule says what it expects ("must …" or "requires …, got …").
  const expected = /must|expected/.test(why) ? "" : " (expected a configuration that satisfies it)";
  throw new RangeError(`Invalid causal-bank config: ${field} ${why}${expected}`);
}

/** Refuses a combination: `text` names every field involved and says what would be valid. */
function refuse(text: string): never {
  throw new RangeError(`Invalid causal-bank config: ${text}`);
}

type IntField = {
  [K in keyof CausalBankConfig]: CausalBankConfig[K] extends number ? K : never;
}[keyof CausalBankConfig];

function positiveInt(cfg: CausalBankConfig, field: IntField, min: number): void {
  const v = cfg[field];
  if (typeof v !== "number") {
    throw new TypeError(
      `Invalid causal-bank config: ${field} must be a number, got ${typeof v}`,
    );
  }
  if (!Number.isInteger(v) || v < min) fail(field, `must be an integer >= ${min}, got ${v}`);
  // Bounded so that a huge size is refused before anything of that size is built.
  const max = CONFIG_MAX[field] ?? 2 ** 24;
  if (v > max) fail(field, `must be an integer <= ${max}, got ${v}`);
}

/** Upper bounds of the size fields (the byte LM's own bounds, or what one buffer can hold). */
const CONFIG_MAX: Partial<Record<keyof CausalBankConfig, number>> = {
  embeddingDim: 4096,
  linearModes: 65536,
  maxSeqLen: 2 ** 20,
  stateDim: 4096,
  numHeads: 4096,
  patchSize: 2 ** 20,
  scanChunk: 2 ** 20,
  linearReadoutDepth: 1024,
  linearReadoutNumExperts: 4096,
  readoutBands: 65536,
  patchN: 4096,
  localWindow: 4096,
  numBlocks: 1024,
  blockStride: 2 ** 20,
  localPolyOrder: 3,
  substratePolyOrder: 3,
  numHemispheres: 2,
  hashMemorySlots: 2 ** 20,
  hashMemoryDim: 4096,
  substrateNBanks: 65536,
  temporalSnapshotInterval: 2 ** 20,
  temporalAttentionHeads: 4096,
  temporalAttentionHeadDim: 4096,
};

/** Widest hidden layer a readout may ask for (the byte LM's bound). */
const MAX_HIDDEN = 65536;
/** Most experts a band may ask for. */
const MAX_BAND_EXPERTS = 4096;

function oneOf(cfg: CausalBankConfig, field: keyof CausalBankConfig, allowed: readonly string[]) {
  const v: unknown = cfg[field];
  if (typeof v !== "string") {
    throw new TypeError(
      `Invalid causal-bank config: ${field} must be a string, one of ` +
        `${allowed.map((s) => `"${s}"`).join(", ")}; got ${typeof v}`,
    );
  }
  if (!allowed.includes(v)) {
    const extra = field === "stateImpl" && (v as string) === "hierarchical"
      ? ' ("hierarchical" is refused: the original\'s hierarchical scan is not causal)'
      : "";
    fail(field, `must be one of ${allowed.map((s) => `"${s}"`).join(", ")}, got "${v}"${extra}`);
  }
}

/** A real field: a number (TypeError otherwise) that is finite and satisfies `ok`. */
function real(
  cfg: CausalBankConfig,
  field: IntField,
  ok: (x: number) => boolean,
  rule: string,
): void {
  const v: unknown = cfg[field];
  if (typeof v !== "number") {
    throw new TypeError(`Invalid causal-bank config: ${field} must be a number, got ${typeof v}`);
  }
  // f32 range too: these reach the GPU as parameters or scales.
  if (!Number.isFinite(Math.fround(v)) || !ok(v)) fail(field, `must be ${rule}, got ${v}`);
}

/** A list of integers in [min, max] (at most `maxLength` entries). */
function intList(
  cfg: CausalBankConfig,
  field: "linearHidden" | "localHidden" | "bandExperts",
  min: number,
  max: number,
  maxLength: number,
): void {
  const v: unknown = cfg[field];
  if (!Array.isArray(v)) {
    throw new TypeError(
      `Invalid causal-bank config: ${field} must be an array of integers, got ${
        v === null ? "null" : typeof v
      }`,
    );
  }
  if (v.length > maxLength) {
    fail(field, `must have at most ${maxLength} entries, got ${v.length}`);
  }
  v.forEach((x: unknown, i: number) => {
    if (typeof x !== "number") {
      throw new TypeError(
        `Invalid causal-bank config: ${field}[${i}] must be a number, got ${typeof x}`,
      );
    }
    if (!Number.isInteger(x) || x < min || x > max) {
      fail(`${field}[${i}]`, `must be an integer in [${min}, ${max}], got ${x}`);
    }
  });
}

function bool(cfg: CausalBankConfig, field: keyof CausalBankConfig): void {
  if (typeof cfg[field] !== "boolean") {
    throw new TypeError(
      `Invalid causal-bank config: ${field} must be a boolean, got ${typeof cfg[field]}`,
    );
  }
}

/** The fields, one by one: types, ranges and sizes. */
function validateFields(cfg: CausalBankConfig): void {
  positiveInt(cfg, "embeddingDim", 1);
  positiveInt(cfg, "linearModes", 1);
  positiveInt(cfg, "maxSeqLen", 1);
  positiveInt(cfg, "stateDim", 0);
  positiveInt(cfg, "numHeads", 1);
  positiveInt(cfg, "patchSize", 1);
  positiveInt(cfg, "scanChunk", 1);
  for (const f of ["halfLifeMin", "halfLifeMax", "oscillatoryFrac"] as const) {
    if (typeof cfg[f] !== "number") {
      throw new TypeError(
        `Invalid causal-bank config: ${f} must be a number, got ${typeof cfg[f]}`,
      );
    }
  }
  for (const f of ["enableLinear", "enableLocal"] as const) bool(cfg, f);
  oneOf(cfg, "linearImpl", LINEAR_IMPLS);
  oneOf(cfg, "substrateMode", SUBSTRATE_MODES);
  oneOf(cfg, "stateImpl", STATE_IMPLS);
  oneOf(cfg, "patchDecoder", PATCH_DECODERS);
  if (!(Number.isFinite(cfg.halfLifeMin) && cfg.halfLifeMin > 0)) {
    fail("halfLifeMin", `must be a finite number > 0, got ${cfg.halfLifeMin}`);
  }
  if (!(Number.isFinite(cfg.halfLifeMax) && cfg.halfLifeMax >= cfg.halfLifeMin)) {
    fail(
      "halfLifeMax",
      `must be finite and >= halfLifeMin (${cfg.halfLifeMin}), got ${cfg.halfLifeMax}`,
    );
  }
  if (!(cfg.oscillatoryFrac >= 0 && cfg.oscillatoryFrac < 1)) {
    fail("oscillatoryFrac", `must be in [0, 1), got ${cfg.oscillatoryFrac}`);
  }
  // Readouts and the local path.
  intList(cfg, "linearHidden", 1, MAX_HIDDEN, 64);
  oneOf(cfg, "linearReadoutKind", READOUT_KINDS);
  // The original checks depth and experts for every kind, used or not.
  positiveInt(cfg, "linearReadoutDepth", 1);
  positiveInt(cfg, "linearReadoutNumExperts", 2);
  bool(cfg, "tiedReadoutNormalize");
  positiveInt(cfg, "readoutBands", 1);
  intList(cfg, "bandExperts", 0, MAX_BAND_EXPERTS, CONFIG_MAX.readoutBands!);
  positiveInt(cfg, "patchN", 1);
  positiveInt(cfg, "localWindow", 1);
  intList(cfg, "localHidden", 1, MAX_HIDDEN, 64);
  real(cfg, "localScale", (x) => x >= 0, "finite and >= 0");
  oneOf(cfg, "mixMode", MIX_MODES);
  // Substrate knobs.
  bool(cfg, "staticBankGate");
  real(cfg, "bankGateSpan", (x) => x > 0 && x <= 1, "in (0, 1]");
  oneOf(cfg, "memoryKind", MEMORY_KINDS);
  positiveInt(cfg, "numBlocks", 1);
  real(cfg, "blockMixingRatio", (x) => x > 0 && x <= 1, "in (0, 1]");
  positiveInt(cfg, "blockStride", 1);
  positiveInt(cfg, "numHemispheres", 1);
  real(cfg, "fastHemisphereRatio", (x) => x > 0 && x < 1, "in (0, 1)");
  real(cfg, "fastLrMult", (x) => x > 0, "finite and > 0");
  positiveInt(cfg, "localPolyOrder", 1);
  positiveInt(cfg, "substratePolyOrder", 1);
  real(cfg, "trainingNoise", (x) => x >= 0, "finite and >= 0");
  bool(cfg, "adaptiveReg");
  // Memory and transforms.
  bool(cfg, "hashMemory");
  positiveInt(cfg, "hashMemorySlots", 1);
  positiveInt(cfg, "hashMemoryDim", 1);
  bool(cfg, "substrateBankRouter");
  positiveInt(cfg, "substrateNBanks", 1);
  for (
    const f of ["overwriteGate", "magnitudeNormalize", "magnitudeKeep", "modeSelector"] as const
  ) {
    bool(cfg, f);
  }
  bool(cfg, "temporalAttention");
  positiveInt(cfg, "temporalSnapshotInterval", 1);
  positiveInt(cfg, "temporalAttentionHeads", 1);
  positiveInt(cfg, "temporalAttentionHeadDim", 1);
  bool(cfg, "trustRouting");
  if (typeof cfg.tablePath !== "string") {
    throw new TypeError(
      `Invalid causal-bank config: tablePath must be a string, got ${typeof cfg.tablePath}`,
    );
  }
}

/** The original's hemisphere split of a scan-type state: max(⌊S·ratio⌋, 1) fast entries. */
function fastScanEntries(stateDim: number, ratio: number): number {
  return Math.max(Math.floor(stateDim * ratio), 1);
}

/** Python's round (half to even), as the original rounds the fast head count. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** The original's hemisphere split of a retention-type state: max(round(H·ratio), 1) fast heads. */
function fastHeads(numHeads: number, ratio: number): number {
  return Math.max(roundHalfEven(numHeads * ratio), 1);
}

/** Settings that only the linear path reads, and whether each is switched on. */
function linearOnly(cfg: CausalBankConfig): [string, boolean][] {
  return [
    [`substrateMode "${cfg.substrateMode}"`, cfg.substrateMode !== "frozen"],
    [`stateDim ${cfg.stateDim}`, cfg.stateDim > 0],
    [`oscillatoryFrac ${cfg.oscillatoryFrac}`, cfg.oscillatoryFrac > 0],
    [`linearReadoutKind "${cfg.linearReadoutKind}"`, cfg.linearReadoutKind !== "mlp"],
    [`readoutBands ${cfg.readoutBands}`, cfg.readoutBands > 1],
    [`patchN ${cfg.patchN}`, cfg.patchN > 1],
    ["staticBankGate", cfg.staticBankGate],
    [`memoryKind "${cfg.memoryKind}"`, cfg.memoryKind !== "none"],
    [`numBlocks ${cfg.numBlocks}`, cfg.numBlocks > 1],
    [`substratePolyOrder ${cfg.substratePolyOrder}`, cfg.substratePolyOrder > 1],
    [`trainingNoise ${cfg.trainingNoise}`, cfg.trainingNoise > 0],
    ["hashMemory", cfg.hashMemory],
    ["substrateBankRouter", cfg.substrateBankRouter],
    ["overwriteGate", cfg.overwriteGate],
    ["magnitudeNormalize", cfg.magnitudeNormalize],
    ["modeSelector", cfg.modeSelector],
    ["temporalAttention", cfg.temporalAttention],
  ];
}

/** Kinds whose readouts route over experts (a band of them needs >= 2 experts). */
const EXPERT_KINDS: readonly ReadoutKind[] = ["routed_sqrelu_experts", "tied_embed_readout"];

/** The combinations: paths, state, readouts and bands, knobs, memories, transforms, patches. */
function validateCombinations(cfg: CausalBankConfig): void {
  if (!cfg.enableLinear && !cfg.enableLocal) {
    fail("enableLinear/enableLocal", "are both false: at least one read path must be enabled");
  }
  if (cfg.oscillatoryFrac > 0 && cfg.linearImpl !== "kernel") {
    fail(
      "oscillatoryFrac",
      `> 0 requires linearImpl "kernel", got linearImpl "${cfg.linearImpl}"`,
    );
  }
  if (cfg.substrateMode === "gated_retention") {
    if (cfg.stateDim === 0 || cfg.stateImpl !== "retention") {
      fail(
        "substrateMode",
        `"gated_retention" requires stateDim > 0 and stateImpl "retention", got stateDim ` +
          `${cfg.stateDim} and stateImpl "${cfg.stateImpl}"`,
      );
    }
  }
  if (cfg.substrateMode === "gated_delta") {
    if (cfg.stateDim === 0 || cfg.stateImpl !== "scan") {
      fail(
        "substrateMode",
        `"gated_delta" requires stateDim > 0 and stateImpl "scan", got stateDim ` +
          `${cfg.stateDim} and stateImpl "${cfg.stateImpl}"`,
      );
    }
  }
  if (cfg.stateDim % cfg.numHeads !== 0) {
    fail("stateDim", `(${cfg.stateDim}) must be divisible by numHeads (${cfg.numHeads})`);
  }
  if (cfg.stateImpl !== "scan" && cfg.stateDim === 0) {
    fail("stateImpl", `"${cfg.stateImpl}" requires stateDim > 0, got stateDim 0`);
  }
  if (cfg.patchSize > 1 && cfg.patchDecoder === "none") {
    fail(
      "patchSize",
      `${cfg.patchSize} > 1 requires a causal patchDecoder ("mlp_factored", "autoregressive" or ` +
        `"hybrid"): patchDecoder "none" leaks future bytes`,
    );
  }
  if (cfg.patchSize === 1 && cfg.patchDecoder !== "none") {
    refuse(
      `patchDecoder "${cfg.patchDecoder}" needs patchSize > 1 (it decodes patches), got ` +
        `patchSize 1; expected patchDecoder "none" without patches`,
    );
  }
  if (
    cfg.enableLocal &&
    (cfg.patchDecoder === "mlp_factored" || cfg.patchDecoder === "autoregressive")
  ) {
    refuse(
      `enableLocal with patchDecoder "${cfg.patchDecoder}": the decoder's logits never read the ` +
        "local path (the original builds it with no gradient); expected enableLocal false, or " +
        'patchDecoder "hybrid", which mixes the local path in',
    );
  }
  // A switch of a path that is off would be silently inert.
  if (!cfg.enableLinear) {
    const on = linearOnly(cfg).filter(([, active]) => active).map(([what]) => what);
    if (on.length > 0) {
      refuse(
        `${on.join(", ")} ${on.length > 1 ? "need" : "needs"} enableLinear (${
          on.length > 1 ? "they act" : "it acts"
        } on the linear path), got enableLinear false; expected enableLinear true or the ` +
          "defaults of these fields",
      );
    }
  }
  if (!cfg.enableLocal && cfg.localPolyOrder > 1) {
    refuse(
      `localPolyOrder ${cfg.localPolyOrder} needs enableLocal (it expands the local window), ` +
        "got enableLocal false; expected localPolyOrder 1 or enableLocal true",
    );
  }
  if (cfg.mixMode === "gated" && !(cfg.enableLinear && cfg.enableLocal)) {
    refuse(
      `mixMode "gated" needs enableLinear and enableLocal (it gates one path's logits by ` +
        `both), got enableLinear ${cfg.enableLinear} and enableLocal ${cfg.enableLocal}; ` +
        'expected both paths, or mixMode "additive"',
    );
  }
  validateHemispheres(cfg);
  validateReadout(cfg);
  validateKnobs(cfg);
  validateTransforms(cfg);
}

function validateHemispheres(cfg: CausalBankConfig): void {
  if (cfg.numHemispheres !== 2) return;
  // The split acts only on a state path's decays; without one it would change nothing.
  if (cfg.stateDim === 0) {
    refuse(
      "numHemispheres = 2 needs stateDim > 0 (the hemispheres split the state's decays), " +
        "got stateDim 0; expected numHemispheres 1 or a state path",
    );
  }
  if (cfg.stateImpl === "retention") {
    const fast = fastHeads(cfg.numHeads, cfg.fastHemisphereRatio);
    if (cfg.numHeads < 2 || fast >= cfg.numHeads) {
      refuse(
        `numHemispheres = 2 with stateImpl "retention" needs a fast and a slow head: numHeads ` +
          `${cfg.numHeads} and fastHemisphereRatio ${cfg.fastHemisphereRatio} give ${fast} fast ` +
          `of ${cfg.numHeads} (expected numHeads >= 2 and max(round(numHeads·ratio), 1) < numHeads)`,
      );
    }
  } else {
    const fast = fastScanEntries(cfg.stateDim, cfg.fastHemisphereRatio);
    if (fast >= cfg.stateDim) {
      refuse(
        `numHemispheres = 2 needs a fast and a slow part of the state: stateDim ${cfg.stateDim} ` +
          `and fastHemisphereRatio ${cfg.fastHemisphereRatio} give ${fast} fast of ` +
          `${cfg.stateDim} (expected stateDim >= 2)`,
      );
    }
  }
}

function validateReadout(cfg: CausalBankConfig): void {
  const kind = cfg.linearReadoutKind;
  const hidden = cfg.linearHidden;
  const shown = `[${hidden.join(", ")}]`;
  if (kind !== "mlp" && kind !== "recurrent" && hidden.length !== 1) {
    refuse(
      `linearReadoutKind "${kind}" needs exactly one linearHidden width, got linearHidden ` +
        `${shown}; expected linearHidden [h]`,
    );
  }
  if (kind === "recurrent" && hidden.length > 1) {
    refuse(
      `linearReadoutKind "recurrent" reads one linearHidden width (the GRU's; none: 256), got ` +
        `linearHidden ${shown}; expected at most one width`,
    );
  }
  if (cfg.tiedReadoutNormalize && kind !== "tied_embed_readout") {
    refuse(
      `tiedReadoutNormalize needs linearReadoutKind "tied_embed_readout" (it normalises the ` +
        `tied embedding), got linearReadoutKind "${kind}"; expected tiedReadoutNormalize false`,
    );
  }
  const n = cfg.readoutBands;
  if (n > 1) {
    const width = Math.floor(cfg.linearModes / n);
    if (width < 1) {
      refuse(
        `readoutBands ${n} with linearModes ${cfg.linearModes}: band width ${width} ` +
          "(expected readoutBands <= linearModes)",
      );
    }
    for (const h of hidden) {
      if (Math.floor(h / n) < 1) {
        refuse(
          `readoutBands ${n} with linearHidden ${h}: band hidden width ${Math.floor(h / n)} ` +
            `(each band gets ⌊h/n⌋; expected every linearHidden width >= readoutBands)`,
        );
      }
    }
    if (kind === "recurrent") {
      refuse(
        `readoutBands ${n} with linearReadoutKind "recurrent": bands cannot run a recurrent ` +
          "readout (the original silently builds MLP bands); expected readoutBands 1",
      );
    }
    if (cfg.substratePolyOrder > 1) {
      refuse(
        `substratePolyOrder ${cfg.substratePolyOrder} with readoutBands ${n}: the bands read ` +
          "[S_band, x] and no band reads the polynomial terms (the original builds them with no " +
          "gradient); expected substratePolyOrder 1 or readoutBands 1",
      );
    }
    if (cfg.memoryKind !== "none") {
      refuse(
        `memoryKind "${cfg.memoryKind}" with readoutBands ${n}: no band reads the memory ` +
          "features (the original builds the projection with no gradient); expected " +
          'memoryKind "none" or readoutBands 1',
      );
    }
    if (cfg.patchN > 1) {
      refuse(
        `patchN > 1 with readoutBands > 1: bands have no per-byte heads (patchN ${cfg.patchN}, ` +
          `readoutBands ${n}); expected patchN 1 or readoutBands 1`,
      );
    }
  }
  const experts = cfg.bandExperts;
  if (experts.length > 0) {
    if (n === 1 || experts.length !== n) {
      refuse(
        `bandExperts has ${experts.length} entries for readoutBands ${n}: expected one per ` +
          "band (or none: every band linearReadoutNumExperts)" +
          (n === 1 ? ", and there are no bands with readoutBands 1" : ""),
      );
    }
    if (experts.every((e) => e === 0)) {
      refuse(
        `bandExperts [${experts.join(", ")}]: every band static, so no band reads the ` +
          "substrate; expected at least one entry > 0",
      );
    }
    if (EXPERT_KINDS.includes(kind)) {
      const one = experts.indexOf(1);
      if (one >= 0) {
        refuse(
          `bandExperts[${one}] = 1 with linearReadoutKind "${kind}": a routed band needs >= 2 ` +
            "experts (0: a static band), as the original silently builds an MLP band; expected " +
            "0 or >= 2",
        );
      }
    }
  }
  if (cfg.patchN > 1) {
    if (kind !== "mlp" && kind !== "routed_sqrelu_experts") {
      refuse(
        `patchN ${cfg.patchN} with linearReadoutKind "${kind}": only the "mlp" and ` +
          '"routed_sqrelu_experts" readouts have per-byte heads; expected one of them or patchN 1',
      );
    }
    if (cfg.enableLocal) {
      refuse(
        `patchN ${cfg.patchN} with enableLocal: the local path predicts one byte per position ` +
          "and has no per-byte heads (the original fails adding [B, T, V] to [B, T, N, V]); " +
          "expected enableLocal false",
      );
    }
  }
}

function validateKnobs(cfg: CausalBankConfig): void {
  const { pairs } = oscillatoryLayout(cfg);
  if (cfg.staticBankGate && pairs === 0) {
    refuse(
      `staticBankGate needs oscillatory modes (it gates the plain and the oscillatory bank ` +
        `apart): oscillatoryFrac ${cfg.oscillatoryFrac} with linearModes ${cfg.linearModes} ` +
        "gives 0 pairs; expected at least one pair (linearModes·oscillatoryFrac >= 2)",
    );
  }
  if (cfg.blockStride > 1 && cfg.numBlocks < 3) {
    refuse(
      `blockStride ${cfg.blockStride} needs numBlocks >= 3 (the first extra block is never ` +
        `strided), got numBlocks ${cfg.numBlocks}; expected blockStride 1 or numBlocks >= 3`,
    );
  }
  if (cfg.substratePolyOrder > 1 && Math.floor(cfg.linearModes / 4) < 1) {
    refuse(
      `substratePolyOrder ${cfg.substratePolyOrder} with linearModes ${cfg.linearModes}: ` +
        "polynomial width min(64, ⌊linearModes/4⌋) = 0 (expected linearModes >= 4)",
    );
  }
  const windowWidth = cfg.localWindow * cfg.embeddingDim;
  if (cfg.localPolyOrder > 1 && Math.floor(windowWidth / 4) < 1) {
    refuse(
      `localPolyOrder ${cfg.localPolyOrder} with localWindow ${cfg.localWindow} and ` +
        `embeddingDim ${cfg.embeddingDim}: polynomial width min(64, ⌊localWindow·embeddingDim/4⌋)` +
        " = 0 (expected localWindow·embeddingDim >= 4)",
    );
  }
  if (
    cfg.adaptiveReg && cfg.substrateMode !== "learnable_decays" &&
    cfg.substrateMode !== "learned_recurrence"
  ) {
    refuse(
      `adaptiveReg with substrateMode "${cfg.substrateMode}": the substrate regulariser is 0 ` +
        'there (only "learnable_decays" and "learned_recurrence" have one), so scaling it ' +
        "changes nothing; expected adaptiveReg false",
    );
  }
}

function validateTransforms(cfg: CausalBankConfig): void {
  if (cfg.substrateBankRouter) {
    if (cfg.substrateNBanks < 2 || cfg.substrateNBanks > cfg.linearModes) {
      refuse(
        `substrateBankRouter with substrateNBanks ${cfg.substrateNBanks} and linearModes ` +
          `${cfg.linearModes}: expected 2 <= substrateNBanks <= linearModes (one bank's weight ` +
          "is always 1; more banks than modes leave banks empty)",
      );
    }
  }
  if (
    cfg.overwriteGate &&
    (cfg.substrateMode === "gated_retention" || cfg.substrateMode === "gated_delta")
  ) {
    refuse(
      `overwriteGate with substrateMode "${cfg.substrateMode}": the gate acts inside the decay ` +
        "bank's recurrence, which a gated substrate replaces; expected overwriteGate false",
    );
  }
  if (cfg.trustRouting && cfg.tablePath === "") {
    refuse(
      "trustRouting without a table: tablePath is empty (the original warns and then fails " +
        "on its first forward); expected the path of the n-gram table",
    );
  }
}

/**
 * Validates a causal-bank configuration: every field's type and range, then every combination.
 *
 * @throws {TypeError} when a field has the wrong type, naming the field and what it allows.
 * @throws {RangeError} when a value or a combination is invalid, naming the fields and the
 *   allowed values.
 */
export function validateCausalBankConfig(cfg: CausalBankConfig): void {
  if (cfg === null || typeof cfg !== "object") {
    throw new TypeError(`Invalid causal-bank config: expected an object, got ${cfg}`);
  }
  validateFields(cfg);
  validateCombinations(cfg);
}

/**
 * The substrate parameters a mode trains, by the names {@link CausalBankLM}'s parameter map
 * uses: none (frozen), the decays d (learnable_decays), the input projection P
 * (learnable_mixing, and the gated substrates, whose own projections are the state path's), and
 * P with the recurrence gate W_g, b_g (learned_recurrence). Every name is one the forward reads:
 * the original's list for learned_recurrence also names the decays, which its forward never
 * reads (no gradient reaches them).
 *
 * @throws {TypeError|RangeError} as {@link validateCausalBankConfig}.
 */
export function learnableSubstrateKeys(cfg: CausalBankConfig): readonly string[] {
  validateCausalBankConfig(cfg);
  return SUBSTRATE_KEYS[cfg.substrateMode];
}

const SUBSTRATE_KEYS: Readonly<Record<SubstrateMode, readonly string[]>> = Object.freeze({
  frozen: Object.freeze([]),
  learnable_decays: Object.freeze(["decays"]),
  learnable_mixing: Object.freeze(["in_proj"]),
  learned_recurrence: Object.freeze(["in_proj", "gate_w", "gate_b"]),
  gated_retention: Object.freeze(["in_proj"]),
  gated_delta: Object.freeze(["in_proj"]),
});

function oscillatoryLayout(cfg: CausalBankConfig): { pairs: number; plain: number } {
  const pairs = Math.floor((cfg.linearModes * cfg.oscillatoryFrac) / 2);
  return { pairs, plain: cfg.linearModes - 2 * pairs };
}

/** The deterministic decay bank. */
export interface DecayBank {
  /** Half-lives of the plain modes, log-spaced, f64. */
  halfLives: Float64Array;
  /** Their decays 0.5^{1/h} as f32 (what the GPU uses). */
  decays: Float32Array;
  /** Oscillatory pairs: half-life, period and the complex gate d·e^{iω} (f32 re, im). */
  oscillatory: {
    halfLives: Float64Array;
    periods: Float64Array;
    gates: Float32Array;
  };
}

/** Log-spaced points from lo to hi inclusive (one point: lo). */
function logSpace(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const l0 = Math.log(lo);
  const l1 = Math.log(hi);
  for (let i = 0; i < n; i++) out[i] = Math.exp(n === 1 ? l0 : l0 + ((l1 - l0) * i) / (n - 1));
  return out;
}

/**
 * Builds the decay bank of a (validated) configuration: M − 2P plain modes with
 * half-lives log-spaced over [halfLifeMin, halfLifeMax] and P = ⌊M·frac/2⌋
 * oscillatory pairs with half-lives log-spaced over [max(halfLifeMin, 2),
 * halfLifeMax] and periods log-spaced over [4, 64]. Identical on every call.
 *
 * @throws {TypeError|RangeError} as {@link validateCausalBankConfig}.
 */
export function buildDecayBank(cfg: CausalBankConfig): DecayBank {
  validateCausalBankConfig(cfg);
  const { pairs, plain } = oscillatoryLayout(cfg);
  const halfLives = logSpace(cfg.halfLifeMin, cfg.halfLifeMax, plain);
  const decays = Float32Array.from(halfLives, (h) => Math.pow(0.5, 1 / h));
  const oh = logSpace(Math.max(cfg.halfLifeMin, 2), Math.max(cfg.halfLifeMax, 2), pairs);
  const periods = logSpace(4, 64, pairs);
  const gates = new Float32Array(2 * pairs);
  for (let i = 0; i < pairs; i++) {
    const d = Math.pow(0.5, 1 / oh[i]!);
    const omega = (2 * Math.PI) / periods[i]!;
    gates[2 * i] = d * Math.cos(omega);
    gates[2 * i + 1] = d * Math.sin(omega);
  }
  return { halfLives, decays, oscillatory: { halfLives: oh, periods, gates } };
}

/** Scan options a configuration implies (the chunk length of the chunked form). */
export function scanOptionsOf(cfg: CausalBankConfig): LinearRecurrenceOptions {
  validateCausalBankConfig(cfg);
  return { method: "chunked", chunk: cfg.scanChunk };
}
