/**
 * Causal-bank substrate construction (asuramaya/decepticons
 * src/decepticons/causal_bank.py: CausalBankConfig, validate_config,
 * build_linear_bank): the configuration with its validation, and the
 * deterministic decay bank. Half-lives are log-spaced from `halfLifeMin` to
 * `halfLifeMax`; a mode with half-life h decays by d = 0.5^{1/h} per step, so
 * its impulse response halves every h steps. Oscillatory pairs (a fraction of
 * the modes) become complex gates d·e^{iω} with log-spaced periods 2π/ω, the
 * input of the complex {@link linearRecurrence}. The bank depends on the
 * configuration only: no seed enters it.
 *
 * Validation follows the original's rules (at least one path; oscillatory
 * modes need the kernel implementation; gated modes need a state and the
 * matching state implementation; the state splits over the heads; a state
 * implementation needs a state) and goes further in two places, each a
 * causality fault of the original: `stateImpl: "hierarchical"` is refused (the
 * original's hierarchical scan broadcasts a window's sum back to earlier
 * positions, so an impulse at t = 5 reaches t = 4), and `patchSize > 1` with
 * `patchDecoder: "none"` is an error rather than a warning (it leaks future
 * bytes).
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

/** Patch decoders. */
export const PATCH_DECODERS = ["none", "causal"] as const;
/** A patch decoder. */
export type PatchDecoder = typeof PATCH_DECODERS[number];

/** The causal bank's configuration (the substrate part). */
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
  /** The patch decoder ("none", or "causal" when `patchSize` > 1). */
  patchDecoder: PatchDecoder;
  /** Chunk length of the chunked scan. */
  scanChunk: number;
}

/** The original's defaults (B8.1): E = 32, M = 256, half-lives 1.5 to 512, frozen kernel bank. */
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
});

function fail(field: string, why: string): never {
  // Every rule says what it expects ("must …" or "requires …, got …").
  const expected = /must|expected/.test(why) ? "" : " (expected a configuration that satisfies it)";
  throw new RangeError(`Invalid causal-bank config: ${field} ${why}${expected}`);
}

function positiveInt(cfg: CausalBankConfig, field: keyof CausalBankConfig, min: number): void {
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
};

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

/**
 * Validates a causal-bank configuration.
 *
 * @throws {TypeError} when a field has the wrong type, naming the field and what it allows.
 * @throws {RangeError} when a value or a combination is invalid, naming the fields and the
 *   allowed values.
 */
export function validateCausalBankConfig(cfg: CausalBankConfig): void {
  if (cfg === null || typeof cfg !== "object") {
    throw new TypeError(`Invalid causal-bank config: expected an object, got ${cfg}`);
  }
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
  for (const f of ["enableLinear", "enableLocal"] as const) {
    if (typeof cfg[f] !== "boolean") {
      throw new TypeError(
        `Invalid causal-bank config: ${f} must be a boolean, got ${typeof cfg[f]}`,
      );
    }
  }
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
      `${cfg.patchSize} > 1 requires patchDecoder "causal": patchDecoder "none" leaks future bytes`,
    );
  }
}

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
