/**
 * Tables of the causal-bank configuration claims: the original's defaults, every field's
 * domain (for the field fuzz), the refused combinations by group, the boundary configurations
 * that must be accepted, and the substrate keys per mode.
 *
 * @module
 */
import {
  CAUSAL_BANK_DEFAULTS,
  type CausalBankConfig,
  LINEAR_IMPLS,
  MEMORY_KINDS,
  MIX_MODES,
  PATCH_DECODERS,
  READOUT_KINDS,
  STATE_IMPLS,
  SUBSTRATE_MODES,
} from "../../../impl/decepticons/causal_bank/config.ts";
import type { Rng } from "../../../impl/gpu/rng.ts";

/** A configuration patch over the defaults. */
export type Patch = Partial<Record<keyof CausalBankConfig, unknown>>;

/** The full configuration `patch` gives over the defaults (untyped values pass through). */
export function withDefaults(patch: Patch): CausalBankConfig {
  return { ...CAUSAL_BANK_DEFAULTS, ...patch } as CausalBankConfig;
}

/**
 * The original's CausalBankConfig defaults by its snake_case name (the dataclass, and the
 * model's `getattr(config, name, default)` for the transform and memory fields), with
 * memspec's camelCase field. `scanChunk` has no counterpart (the original's chunk is min(32, T)).
 */
export const ORIGINAL_DEFAULTS: readonly [string, keyof CausalBankConfig, unknown][] = [
  ["embedding_dim", "embeddingDim", 32],
  ["linear_modes", "linearModes", 256],
  ["max_seq_len", "maxSeqLen", 256],
  ["linear_half_life_min", "halfLifeMin", 1.5],
  ["linear_half_life_max", "halfLifeMax", 512],
  ["oscillatory_frac", "oscillatoryFrac", 0],
  ["linear_impl", "linearImpl", "kernel"],
  ["substrate_mode", "substrateMode", "frozen"],
  ["state_dim", "stateDim", 0],
  ["state_impl", "stateImpl", "scan"],
  ["num_heads", "numHeads", 1],
  ["enable_linear", "enableLinear", true],
  ["enable_local", "enableLocal", true],
  ["patch_size", "patchSize", 1],
  ["patch_causal_decoder", "patchDecoder", "none"],
  ["linear_hidden", "linearHidden", [128]],
  ["linear_readout_kind", "linearReadoutKind", "mlp"],
  ["linear_readout_depth", "linearReadoutDepth", 1],
  ["linear_readout_num_experts", "linearReadoutNumExperts", 4],
  ["tied_readout_normalize", "tiedReadoutNormalize", false],
  ["readout_bands", "readoutBands", 1],
  ["band_experts", "bandExperts", []],
  ["patch_n", "patchN", 1],
  ["local_window", "localWindow", 8],
  ["local_hidden", "localHidden", [128]],
  ["local_scale", "localScale", 0.25],
  ["mix_mode", "mixMode", "additive"],
  ["static_bank_gate", "staticBankGate", false],
  ["bank_gate_span", "bankGateSpan", 0.5],
  ["memory_kind", "memoryKind", "none"],
  ["num_blocks", "numBlocks", 1],
  ["block_mixing_ratio", "blockMixingRatio", 0.25],
  ["block_stride", "blockStride", 1],
  ["num_hemispheres", "numHemispheres", 1],
  ["fast_hemisphere_ratio", "fastHemisphereRatio", 0.25],
  ["fast_lr_mult", "fastLrMult", 4],
  ["local_poly_order", "localPolyOrder", 1],
  ["substrate_poly_order", "substratePolyOrder", 1],
  ["training_noise", "trainingNoise", 0],
  ["adaptive_reg", "adaptiveReg", false],
  ["hash_memory", "hashMemory", false],
  ["hash_memory_slots", "hashMemorySlots", 64],
  ["hash_memory_dim", "hashMemoryDim", 64],
  ["substrate_bank_router", "substrateBankRouter", false],
  ["substrate_n_banks", "substrateNBanks", 4],
  ["overwrite_gate", "overwriteGate", false],
  ["magnitude_normalize", "magnitudeNormalize", false],
  ["magnitude_keep", "magnitudeKeep", true],
  ["mode_selector", "modeSelector", false],
  ["temporal_attention", "temporalAttention", false],
  ["temporal_snapshot_interval", "temporalSnapshotInterval", 64],
  ["temporal_attention_heads", "temporalAttentionHeads", 2],
  ["temporal_attention_head_dim", "temporalAttentionHeadDim", 32],
  ["trust_routing", "trustRouting", false],
  ["table_path", "tablePath", ""],
];

/** Fields memspec adds (no counterpart in the original's configuration). */
export const MEMSPEC_ONLY_FIELDS: readonly (keyof CausalBankConfig)[] = ["scanChunk"];

/** A field's domain, for the fuzz: what type it has and which values of it are out of range. */
export type FieldDomain =
  | { type: "int"; min: number; max: number }
  | { type: "real"; bad: readonly number[] }
  | { type: "bool" }
  | { type: "enum"; allowed: readonly string[] }
  | { type: "list"; min: number; max: number }
  | { type: "string" };

const int = (min: number, max: number): FieldDomain => ({ type: "int", min, max });
const realBad = (...bad: number[]): FieldDomain => ({ type: "real", bad });
const BOOL: FieldDomain = { type: "bool" };
const oneOf = (allowed: readonly string[]): FieldDomain => ({ type: "enum", allowed });

/** Every field's domain. */
export const FIELD_DOMAINS: Readonly<Record<keyof CausalBankConfig, FieldDomain>> = {
  embeddingDim: int(1, 4096),
  linearModes: int(1, 65536),
  maxSeqLen: int(1, 2 ** 20),
  halfLifeMin: realBad(0, -1, NaN, Infinity),
  halfLifeMax: realBad(NaN, Infinity, 0.1),
  oscillatoryFrac: realBad(-0.1, 1, 1.5, NaN),
  linearImpl: oneOf(LINEAR_IMPLS),
  substrateMode: oneOf(SUBSTRATE_MODES),
  stateDim: int(0, 4096),
  stateImpl: oneOf(STATE_IMPLS),
  numHeads: int(1, 4096),
  enableLinear: BOOL,
  enableLocal: BOOL,
  patchSize: int(1, 2 ** 20),
  patchDecoder: oneOf(PATCH_DECODERS),
  scanChunk: int(1, 2 ** 20),
  linearHidden: { type: "list", min: 1, max: 65536 },
  linearReadoutKind: oneOf(READOUT_KINDS),
  linearReadoutDepth: int(1, 1024),
  linearReadoutNumExperts: int(2, 4096),
  tiedReadoutNormalize: BOOL,
  readoutBands: int(1, 65536),
  bandExperts: { type: "list", min: 0, max: 4096 },
  patchN: int(1, 4096),
  localWindow: int(1, 4096),
  localHidden: { type: "list", min: 1, max: 65536 },
  localScale: realBad(-0.25, NaN, Infinity, 1e39),
  mixMode: oneOf(MIX_MODES),
  staticBankGate: BOOL,
  bankGateSpan: realBad(0, -0.5, 1.5, NaN),
  memoryKind: oneOf(MEMORY_KINDS),
  numBlocks: int(1, 1024),
  blockMixingRatio: realBad(0, -0.25, 1.25, NaN),
  blockStride: int(1, 2 ** 20),
  numHemispheres: int(1, 2),
  fastHemisphereRatio: realBad(0, 1, -0.5, NaN),
  fastLrMult: realBad(0, -4, Infinity, NaN),
  localPolyOrder: int(1, 3),
  substratePolyOrder: int(1, 3),
  trainingNoise: realBad(-0.1, NaN, Infinity),
  adaptiveReg: BOOL,
  hashMemory: BOOL,
  hashMemorySlots: int(1, 2 ** 20),
  hashMemoryDim: int(1, 4096),
  substrateBankRouter: BOOL,
  substrateNBanks: int(1, 65536),
  overwriteGate: BOOL,
  magnitudeNormalize: BOOL,
  magnitudeKeep: BOOL,
  modeSelector: BOOL,
  temporalAttention: BOOL,
  temporalSnapshotInterval: int(1, 2 ** 20),
  temporalAttentionHeads: int(1, 4096),
  temporalAttentionHeadDim: int(1, 4096),
  trustRouting: BOOL,
  tablePath: { type: "string" },
};

/** An invalid value of a field and the error class it must raise. */
export interface BadValue {
  value: unknown;
  kind: "TypeError" | "RangeError";
}

/** The invalid values of a field's domain. */
export function badValues(d: FieldDomain): BadValue[] {
  const type = (...vs: unknown[]) => vs.map((value) => ({ value, kind: "TypeError" as const }));
  const range = (...vs: unknown[]) => vs.map((value) => ({ value, kind: "RangeError" as const }));
  switch (d.type) {
    case "int":
      return [
        ...range(d.min - 1, d.min + 0.5, d.max + 1, NaN, Infinity, -Infinity, 2 ** 40),
        ...type("2", null, undefined, true, [2]),
      ];
    case "real":
      return [...range(...d.bad), ...type("0.5", null, undefined, false)];
    case "bool":
      return type(1, 0, "true", null, undefined);
    case "enum":
      return [...range("bogus", "", d.allowed[0]!.toUpperCase()), ...type(3, null, undefined)];
    case "list":
      return [
        ...range([d.min - 1], [1.5], [NaN], [d.max + 1], new Array(65537).fill(1)),
        ...type("128", 128, null, undefined, { 0: 1 }, ["1"], [null]),
      ];
    case "string":
      return type(3, null, undefined, ["x"]);
  }
}

/** Groups of refused combinations: one claim each, and all of them in the fault table. */
export type ComboGroup =
  | "original"
  | "hemispheres"
  | "bands"
  | "patch_n"
  | "trust"
  | "temporal"
  | "silent";

/** A refused combination: its patch over the defaults and the fields its message must name. */
export interface RefusedCombo {
  name: string;
  group: ComboGroup;
  patch: Patch;
  names: readonly string[];
  /** The error class (default RangeError). */
  kind?: "TypeError" | "RangeError";
}

const RETENTION = { substrateMode: "gated_retention", stateImpl: "retention" } as const;
const ROUTED = { linearReadoutKind: "routed_sqrelu_experts" } as const;
const TIED = { linearReadoutKind: "tied_embed_readout" } as const;
const LINEAR_OFF = { enableLinear: false } as const;

/** Every refused combination, by group. */
export const REFUSED: readonly RefusedCombo[] = [
  // --- rules the original has too ---
  {
    name: "no read path",
    group: "original",
    patch: { enableLinear: false, enableLocal: false },
    names: ["enableLinear", "enableLocal"],
  },
  {
    name: "oscillatory modes with the FFT",
    group: "original",
    patch: { oscillatoryFrac: 0.25, linearImpl: "fft" },
    names: ["oscillatoryFrac", "linearImpl"],
  },
  {
    name: "gated retention with a scan state",
    group: "original",
    patch: { substrateMode: "gated_retention", stateDim: 8 },
    names: ["substrateMode", "stateDim", "stateImpl"],
  },
  {
    name: "gated delta without a state",
    group: "original",
    patch: { substrateMode: "gated_delta" },
    names: ["substrateMode", "stateDim", "stateImpl"],
  },
  {
    name: "heads that do not divide the state",
    group: "original",
    patch: { stateDim: 6, numHeads: 4 },
    names: ["stateDim", "numHeads"],
  },
  {
    name: "a routed readout of two widths",
    group: "original",
    patch: { ...ROUTED, linearHidden: [64, 64] },
    names: ["linearReadoutKind", "linearHidden"],
  },
  {
    name: "a tied-recursive readout of no width",
    group: "original",
    patch: { linearReadoutKind: "tied_recursive", linearHidden: [] },
    names: ["linearReadoutKind", "linearHidden"],
  },
  {
    name: "a tied-embedding readout of two widths",
    group: "original",
    patch: { ...TIED, linearHidden: [8, 8] },
    names: ["linearReadoutKind", "linearHidden"],
  },
  {
    name: "patchN beside bands",
    group: "original",
    patch: { patchN: 2, readoutBands: 2, enableLocal: false },
    names: ["patchN", "readoutBands"],
  },
  // --- hemispheres need a state to split ---
  {
    name: "hemispheres without a state",
    group: "hemispheres",
    patch: { numHemispheres: 2 },
    names: ["numHemispheres", "stateDim"],
  },
  {
    name: "hemispheres without a state, learned recurrence",
    group: "hemispheres",
    patch: { numHemispheres: 2, substrateMode: "learned_recurrence" },
    names: ["numHemispheres", "stateDim"],
  },
  {
    name: "hemispheres of one retention head",
    group: "hemispheres",
    patch: { numHemispheres: 2, ...RETENTION, stateDim: 8, numHeads: 1 },
    names: ["numHemispheres", "stateImpl", "numHeads"],
  },
  {
    name: "hemispheres with every retention head fast (round(2·0.75) = 2)",
    group: "hemispheres",
    patch: {
      numHemispheres: 2,
      ...RETENTION,
      stateDim: 8,
      numHeads: 2,
      fastHemisphereRatio: 0.75,
    },
    names: ["numHemispheres", "numHeads", "fastHemisphereRatio"],
  },
  {
    name: "hemispheres of a one-entry scan state",
    group: "hemispheres",
    patch: { numHemispheres: 2, stateDim: 1 },
    names: ["numHemispheres", "stateDim", "fastHemisphereRatio"],
  },
  // --- band layouts the readout cannot build ---
  {
    name: "band hidden width 0",
    group: "bands",
    patch: { readoutBands: 4, linearHidden: [2] },
    names: ["readoutBands", "linearHidden"],
  },
  {
    name: "band hidden width 0 in the second layer",
    group: "bands",
    patch: { readoutBands: 3, linearHidden: [64, 2] },
    names: ["readoutBands", "linearHidden"],
  },
  {
    name: "more bands than modes",
    group: "bands",
    patch: { readoutBands: 5, linearModes: 4, linearHidden: [8] },
    names: ["readoutBands", "linearModes"],
  },
  {
    name: "recurrent bands",
    group: "bands",
    patch: { readoutBands: 2, linearReadoutKind: "recurrent" },
    names: ["readoutBands", "linearReadoutKind"],
  },
  {
    name: "a routed band of one expert",
    group: "bands",
    patch: { readoutBands: 2, ...ROUTED, bandExperts: [4, 1] },
    names: ["bandExperts", "linearReadoutKind"],
  },
  {
    name: "a tied-embedding band of one expert",
    group: "bands",
    patch: { readoutBands: 2, ...TIED, bandExperts: [1, 0] },
    names: ["bandExperts", "linearReadoutKind"],
  },
  {
    name: "band experts of the wrong length",
    group: "bands",
    patch: { readoutBands: 2, bandExperts: [4, 2, 0] },
    names: ["bandExperts", "readoutBands"],
  },
  {
    name: "band experts without bands",
    group: "bands",
    patch: { bandExperts: [4] },
    names: ["bandExperts", "readoutBands"],
  },
  {
    name: "every band static",
    group: "bands",
    patch: { readoutBands: 2, bandExperts: [0, 0] },
    names: ["bandExperts"],
  },
  {
    name: "substrate polynomial terms beside bands",
    group: "bands",
    patch: { readoutBands: 2, substratePolyOrder: 2 },
    names: ["substratePolyOrder", "readoutBands"],
  },
  {
    name: "an online memory beside bands",
    group: "bands",
    patch: { readoutBands: 2, memoryKind: "ngram" },
    names: ["memoryKind", "readoutBands"],
  },
  // --- patchN needs per-byte heads ---
  {
    name: "patchN with the local path",
    group: "patch_n",
    patch: { patchN: 2 },
    names: ["patchN", "enableLocal"],
  },
  {
    name: "patchN with a tied-recursive readout",
    group: "patch_n",
    patch: { patchN: 2, linearReadoutKind: "tied_recursive", enableLocal: false },
    names: ["patchN", "linearReadoutKind"],
  },
  {
    name: "patchN with a recurrent readout",
    group: "patch_n",
    patch: { patchN: 3, linearReadoutKind: "recurrent", enableLocal: false },
    names: ["patchN", "linearReadoutKind"],
  },
  {
    name: "patchN with a tied-embedding readout",
    group: "patch_n",
    patch: { patchN: 2, ...TIED, enableLocal: false },
    names: ["patchN", "linearReadoutKind"],
  },
  // --- trust routing needs its table ---
  {
    name: "trust routing without a table",
    group: "trust",
    patch: { trustRouting: true },
    names: ["trustRouting", "tablePath"],
  },
  // --- temporal attention's snapshot interval is mandatory ---
  {
    name: "temporal attention with interval 0",
    group: "temporal",
    patch: { temporalAttention: true, temporalSnapshotInterval: 0 },
    names: ["temporalSnapshotInterval"],
  },
  {
    name: "temporal attention with no interval (null)",
    group: "temporal",
    patch: { temporalAttention: true, temporalSnapshotInterval: null },
    names: ["temporalSnapshotInterval"],
    kind: "TypeError",
  },
  {
    name: "temporal attention with no interval (undefined)",
    group: "temporal",
    patch: { temporalAttention: true, temporalSnapshotInterval: undefined },
    names: ["temporalSnapshotInterval"],
    kind: "TypeError",
  },
  {
    name: "temporal attention with a fractional interval",
    group: "temporal",
    patch: { temporalAttention: true, temporalSnapshotInterval: 0.5 },
    names: ["temporalSnapshotInterval"],
  },
  // --- settings that would change nothing, or that the model cannot honour ---
  {
    name: "static bank gate without oscillatory modes",
    group: "silent",
    patch: { staticBankGate: true },
    names: ["staticBankGate", "oscillatoryFrac"],
  },
  {
    name: "static bank gate with too few modes for one pair",
    group: "silent",
    patch: { staticBankGate: true, oscillatoryFrac: 0.004 },
    names: ["staticBankGate", "oscillatoryFrac", "linearModes"],
  },
  {
    name: "a block stride with two blocks",
    group: "silent",
    patch: { blockStride: 2, numBlocks: 2 },
    names: ["blockStride", "numBlocks"],
  },
  {
    name: "a block stride with one block",
    group: "silent",
    patch: { blockStride: 4 },
    names: ["blockStride", "numBlocks"],
  },
  {
    name: "adaptiveReg on the frozen bank",
    group: "silent",
    patch: { adaptiveReg: true },
    names: ["adaptiveReg", "substrateMode"],
  },
  {
    name: "adaptiveReg on gated delta",
    group: "silent",
    patch: { adaptiveReg: true, substrateMode: "gated_delta", stateDim: 8 },
    names: ["adaptiveReg", "substrateMode"],
  },
  {
    name: "adaptiveReg on learnable mixing",
    group: "silent",
    patch: { adaptiveReg: true, substrateMode: "learnable_mixing" },
    names: ["adaptiveReg", "substrateMode"],
  },
  {
    name: "substrate polynomial of width 0 (M = 3)",
    group: "silent",
    patch: { substratePolyOrder: 3, linearModes: 3 },
    names: ["substratePolyOrder", "linearModes"],
  },
  {
    name: "local polynomial of width 0 (W·E = 3)",
    group: "silent",
    patch: { localPolyOrder: 2, localWindow: 1, embeddingDim: 3 },
    names: ["localPolyOrder", "localWindow", "embeddingDim"],
  },
  {
    name: "local polynomial without the local path",
    group: "silent",
    patch: { localPolyOrder: 2, enableLocal: false },
    names: ["localPolyOrder", "enableLocal"],
  },
  {
    name: "a bank router of one bank",
    group: "silent",
    patch: { substrateBankRouter: true, substrateNBanks: 1 },
    names: ["substrateBankRouter", "substrateNBanks"],
  },
  {
    name: "a bank router of more banks than modes",
    group: "silent",
    patch: { substrateBankRouter: true, substrateNBanks: 9, linearModes: 8 },
    names: ["substrateBankRouter", "substrateNBanks", "linearModes"],
  },
  {
    name: "a patch decoder without patches",
    group: "silent",
    patch: { patchDecoder: "hybrid" },
    names: ["patchDecoder", "patchSize"],
  },
  {
    name: "the local path under the factored decoder",
    group: "silent",
    patch: { patchSize: 4, patchDecoder: "mlp_factored" },
    names: ["enableLocal", "patchDecoder"],
  },
  {
    name: "the local path under the autoregressive decoder",
    group: "silent",
    patch: { patchSize: 4, patchDecoder: "autoregressive" },
    names: ["enableLocal", "patchDecoder"],
  },
  {
    name: "a gated mix of one path",
    group: "silent",
    patch: { mixMode: "gated", enableLocal: false },
    names: ["mixMode", "enableLinear", "enableLocal"],
  },
  {
    name: "a normalised tied embedding without the tied readout",
    group: "silent",
    patch: { tiedReadoutNormalize: true },
    names: ["tiedReadoutNormalize", "linearReadoutKind"],
  },
  {
    name: "a recurrent readout of two widths",
    group: "silent",
    patch: { linearReadoutKind: "recurrent", linearHidden: [64, 64] },
    names: ["linearReadoutKind", "linearHidden"],
  },
  {
    name: "the overwrite gate on gated retention",
    group: "silent",
    patch: { overwriteGate: true, ...RETENTION, stateDim: 8 },
    names: ["overwriteGate", "substrateMode"],
  },
  {
    name: "the overwrite gate on gated delta",
    group: "silent",
    patch: { overwriteGate: true, substrateMode: "gated_delta", stateDim: 8 },
    names: ["overwriteGate", "substrateMode"],
  },
  ...([
    ["substrateMode", { substrateMode: "learnable_decays" }],
    ["stateDim", { stateDim: 4 }],
    ["oscillatoryFrac", { oscillatoryFrac: 0.5 }],
    ["linearReadoutKind", { ...ROUTED }],
    ["readoutBands", { readoutBands: 2 }],
    ["patchN", { patchN: 2 }],
    ["staticBankGate", { staticBankGate: true, oscillatoryFrac: 0.5 }],
    ["memoryKind", { memoryKind: "exact_context" }],
    ["numBlocks", { numBlocks: 2 }],
    ["substratePolyOrder", { substratePolyOrder: 2 }],
    ["trainingNoise", { trainingNoise: 0.1 }],
    ["hashMemory", { hashMemory: true }],
    ["substrateBankRouter", { substrateBankRouter: true }],
    ["overwriteGate", { overwriteGate: true }],
    ["magnitudeNormalize", { magnitudeNormalize: true }],
    ["modeSelector", { modeSelector: true }],
    ["temporalAttention", { temporalAttention: true }],
  ] as const).map(([field, patch]): RefusedCombo => ({
    name: `${field} with the linear path off`,
    group: "silent",
    patch: { ...LINEAR_OFF, ...patch },
    names: [field, "enableLinear"],
  })),
];

/** Configurations at the edge of every rule, and the representative ones: all accepted. */
export const ACCEPTED: readonly [string, Patch][] = [
  ["the defaults", {}],
  ["hemispheres of a two-entry scan state", { numHemispheres: 2, stateDim: 2 }],
  [
    "hemispheres of gated retention, two heads",
    { numHemispheres: 2, ...RETENTION, stateDim: 8, numHeads: 2 },
  ],
  [
    "hemispheres of three heads, round(2.5) = 2 fast (half to even)",
    { numHemispheres: 2, ...RETENTION, stateDim: 6, numHeads: 3, fastHemisphereRatio: 2.5 / 3 },
  ],
  [
    "hemispheres of gated delta",
    { numHemispheres: 2, substrateMode: "gated_delta", stateDim: 16, numHeads: 4 },
  ],
  ["bands of hidden width 1", { readoutBands: 4, linearHidden: [4] }],
  ["one mode per band", { readoutBands: 256, linearHidden: [256] }],
  ["bands with remainder modes", { readoutBands: 3, linearModes: 10, linearHidden: [3] }],
  ["bands of a linear readout", { readoutBands: 2, linearHidden: [] }],
  [
    "routed bands with a static band",
    { readoutBands: 3, ...ROUTED, bandExperts: [4, 2, 0] },
  ],
  ["tied-embedding bands", { readoutBands: 2, ...TIED, bandExperts: [2, 0] }],
  ["tied-recursive bands", { readoutBands: 2, linearReadoutKind: "tied_recursive" }],
  ["MLP bands with a static band", { readoutBands: 2, bandExperts: [1, 0] }],
  ["a normalised tied embedding", { ...TIED, tiedReadoutNormalize: true }],
  ["a recurrent readout of no width (256)", { linearReadoutKind: "recurrent", linearHidden: [] }],
  ["a deep MLP readout", { linearHidden: [64, 32, 16] }],
  ["a static gate over one pair", { staticBankGate: true, linearModes: 4, oscillatoryFrac: 0.5 }],
  ["a block stride with three blocks", { blockStride: 2, numBlocks: 3 }],
  ["blocks on gated delta", { numBlocks: 2, substrateMode: "gated_delta", stateDim: 8 }],
  ["adaptiveReg on learnable decays", { adaptiveReg: true, substrateMode: "learnable_decays" }],
  [
    "adaptiveReg on the learned recurrence",
    { adaptiveReg: true, substrateMode: "learned_recurrence" },
  ],
  ["a substrate polynomial at M = 4", { substratePolyOrder: 3, linearModes: 4 }],
  ["a local polynomial at W·E = 4", { localPolyOrder: 2, localWindow: 1, embeddingDim: 4 }],
  ["a substrate polynomial with a memory", { substratePolyOrder: 2, memoryKind: "ngram" }],
  [
    "a substrate polynomial with patchN",
    { substratePolyOrder: 2, patchN: 2, enableLocal: false },
  ],
  ["a substrate polynomial with a tied readout", { substratePolyOrder: 2, ...TIED }],
  ["a bank router of two banks", { substrateBankRouter: true, substrateNBanks: 2 }],
  [
    "a bank router of one bank per mode",
    { substrateBankRouter: true, substrateNBanks: 8, linearModes: 8 },
  ],
  ["the factored decoder", { patchSize: 4, patchDecoder: "mlp_factored", enableLocal: false }],
  [
    "the autoregressive decoder",
    { patchSize: 2, patchDecoder: "autoregressive", enableLocal: false },
  ],
  ["the hybrid decoder with the local path", { patchSize: 4, patchDecoder: "hybrid" }],
  ["patchN with an MLP readout", { patchN: 2, enableLocal: false }],
  ["patchN with routed experts", { patchN: 4, ...ROUTED, enableLocal: false }],
  ["trust routing with a table", { trustRouting: true, tablePath: "tables/ngram.bin" }],
  ["temporal attention every position", { temporalAttention: true, temporalSnapshotInterval: 1 }],
  [
    "every transform",
    {
      hashMemory: true,
      substrateBankRouter: true,
      overwriteGate: true,
      magnitudeNormalize: true,
      modeSelector: true,
      temporalAttention: true,
    },
  ],
  ["the overwrite gate on the learned recurrence", {
    overwriteGate: true,
    substrateMode: "learned_recurrence",
  }],
  ["a gated mix", { mixMode: "gated" }],
  ["training noise", { trainingNoise: 0.5 }],
  ["an online memory", { memoryKind: "statistical_backoff" }],
  ["the local path alone", { enableLinear: false, localPolyOrder: 3 }],
  [
    "routed experts with bands, hemispheres and two blocks",
    {
      ...ROUTED,
      readoutBands: 2,
      bandExperts: [4, 2],
      numHemispheres: 2,
      stateDim: 8,
      numHeads: 2,
      numBlocks: 2,
    },
  ],
];

/**
 * A valid configuration: one of {@link ACCEPTED} with every field that no rule couples to
 * another redrawn at random.
 */
export function randomValid(rng: Rng): CausalBankConfig {
  const [, patch] = ACCEPTED[rng.int(ACCEPTED.length)]!;
  const c = withDefaults(patch);
  const pick = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const within = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
  const out: CausalBankConfig = {
    ...c,
    embeddingDim: pick(4, 64),
    maxSeqLen: pick(1, 4096),
    halfLifeMin: within(0.5, 4),
    scanChunk: pick(1, 128),
    linearReadoutDepth: pick(1, 8),
    linearReadoutNumExperts: pick(2, 8),
    localHidden: Array.from({ length: rng.int(3) }, () => pick(1, 256)),
    localScale: within(0, 2),
    bankGateSpan: 1 - within(0, 0.99),
    blockMixingRatio: 1 - within(0, 0.99),
    fastLrMult: within(0.01, 16),
    hashMemorySlots: pick(1, 256),
    hashMemoryDim: pick(1, 128),
    magnitudeKeep: rng.int(2) === 1,
    temporalSnapshotInterval: pick(1, 256),
    temporalAttentionHeads: pick(1, 8),
    temporalAttentionHeadDim: pick(1, 64),
  };
  out.halfLifeMax = out.halfLifeMin + within(0, 600);
  if (!c.substrateBankRouter) out.substrateNBanks = pick(1, 65536);
  if (!c.trustRouting) out.tablePath = rng.int(2) === 1 ? "" : "unused.bin";
  if (c.numHemispheres === 1) out.fastHemisphereRatio = 1 - within(0.01, 0.99);
  if (c.enableLinear) out.trainingNoise = rng.int(2) === 1 ? 0 : within(0, 1);
  // The local window is free: with E >= 4 its product with E stays >= 4 (the polynomial's width).
  out.localWindow = pick(1, 16);
  return out;
}

/** The original's learnable_substrate_keys per mode (its tensor names). */
export const ORIGINAL_KEYS: Readonly<Record<string, readonly string[]>> = {
  frozen: [],
  learnable_decays: ["linear_decays"],
  learnable_mixing: ["linear_in_proj"],
  learned_recurrence: ["linear_in_proj", "linear_decays", "recurrence_gate"],
  gated_retention: ["linear_in_proj"],
  gated_delta: ["linear_in_proj"],
};

/** memspec's names of the original's substrate tensors (its recurrence gate is W_g and b_g). */
export const NAME_OF_ORIGINAL: Readonly<Record<string, readonly string[]>> = {
  linear_in_proj: ["in_proj"],
  linear_decays: ["decays"],
  recurrence_gate: ["gate_w", "gate_b"],
};

/** The substrate parameters each mode's forward reads and trains, in memspec's names. */
export const EXPECTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  frozen: [],
  learnable_decays: ["decays"],
  learnable_mixing: ["in_proj"],
  learned_recurrence: ["in_proj", "gate_w", "gate_b"],
  gated_retention: ["in_proj"],
  gated_delta: ["in_proj"],
};

/** Base configurations per mode, for the keys table (gated modes need their state). */
export const MODE_CONFIGS: Readonly<Record<string, Patch>> = {
  frozen: {},
  learnable_decays: { substrateMode: "learnable_decays" },
  learnable_mixing: { substrateMode: "learnable_mixing" },
  learned_recurrence: { substrateMode: "learned_recurrence", linearImpl: "scan" },
  gated_retention: { ...RETENTION, stateDim: 8, numHeads: 2 },
  gated_delta: { substrateMode: "gated_delta", stateDim: 8 },
};
