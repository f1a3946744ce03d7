/**
 * The byte LM's differential cases: tiny configurations (E = 4, 8 modes,
 * hidden 8, B = 2, T = 7, so a chunk of 4 splits the scan), seeded parameter
 * values (f32) and token batches, shared by the oracle gradcheck and the GPU
 * parity and gradient claims.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  type ByteLMBatch,
  byteLMParameterShapes,
  type ByteLMValues,
} from "../../oracle/decepticons/byte_lm.ts";
import { decayOfHalfLife, logSpaced } from "../../oracle/decepticons/causal_bank.ts";
import type { ByteLMBoundsConfig } from "./_bounds.ts";

/** Sizes every case shares (the model's fields besides the substrate and scan form). */
export const CASE_DIMS = {
  embeddingDim: 4,
  linearModes: 8,
  stateDim: 8,
  numHeads: 2,
  readoutHidden: 8,
  localWindow: 3,
  localHidden: 8,
  localScale: 0.25,
  halfLifeMin: 1.5,
  halfLifeMax: 64,
} as const;

/** Batch shape of every case. */
export const CASE_B = 2;
export const CASE_T = 7;

/**
 * One case: a name, the configuration and the seeds of its values and tokens; `hemispheres: 2`
 * runs the GPU model with its heads split into a fast and a slow hemisphere (separate tensors,
 * the oracle sees them put back together: the split is exact data movement).
 */
export interface LMCase {
  readonly name: string;
  readonly config: ByteLMBoundsConfig;
  readonly seed: number;
  readonly hemispheres?: 2;
}

/** Two substrate passes with a block MLP between them (bottleneck ⌊8·0.25⌋ = 2). */
function blocks(c: ByteLMBoundsConfig): ByteLMBoundsConfig {
  return { ...c, numBlocks: 2, blockBottleneck: 2 };
}

/**
 * A readout-path case's configuration: the shared sizes, the chunked scan in chunks of 4, and the
 * options in `extra` (readout kinds, bands, the mix, memories, transforms).
 */
export function pathCase(
  substrate: ByteLMBoundsConfig["substrate"],
  extra: Partial<ByteLMBoundsConfig> = {},
): ByteLMBoundsConfig {
  return { ...CASE_DIMS, substrate, scanMethod: "chunked", scanChunk: 4, ...extra };
}

function cfg(
  substrate: ByteLMBoundsConfig["substrate"],
  scanMethod: ByteLMBoundsConfig["scanMethod"],
): ByteLMBoundsConfig {
  return { ...CASE_DIMS, substrate, scanMethod, scanChunk: 4 };
}

/**
 * The named cases: each substrate, both scan forms of the two recurrent ones, the learnable
 * bank substrates, the gated substrates with two hemispheres, and two blocks on a substrate of
 * each kind (the bank, the learned recurrence, both gated ones).
 */
export const LM_CASES: readonly LMCase[] = [
  { name: "frozen, chunked scan (K 4)", config: cfg("frozen", "chunked"), seed: 11 },
  { name: "frozen, sequential scan", config: cfg("frozen", "sequential"), seed: 12 },
  {
    name: "learned_recurrence, chunked scan (K 4)",
    config: cfg("learned_recurrence", "chunked"),
    seed: 13,
  },
  {
    name: "learned_recurrence, sequential scan",
    config: cfg("learned_recurrence", "sequential"),
    seed: 14,
  },
  { name: "gated_retention", config: cfg("gated_retention", "chunked"), seed: 15 },
  { name: "gated_delta", config: cfg("gated_delta", "chunked"), seed: 16 },
  {
    name: "gated_retention, two hemispheres",
    config: cfg("gated_retention", "chunked"),
    seed: 17,
    hemispheres: 2,
  },
  {
    name: "gated_delta, two hemispheres",
    config: cfg("gated_delta", "chunked"),
    seed: 18,
    hemispheres: 2,
  },
  {
    name: "learnable_decays, chunked scan (K 4)",
    config: cfg("learnable_decays", "chunked"),
    seed: 19,
  },
  {
    name: "learnable_mixing, sequential scan",
    config: cfg("learnable_mixing", "sequential"),
    seed: 20,
  },
  { name: "frozen, two blocks", config: blocks(cfg("frozen", "chunked")), seed: 21 },
  {
    name: "learned_recurrence, two blocks, sequential scan",
    config: blocks(cfg("learned_recurrence", "sequential")),
    seed: 22,
  },
  {
    name: "gated_retention, two blocks",
    config: blocks(cfg("gated_retention", "chunked")),
    seed: 23,
  },
  {
    name: "gated_delta, two blocks, two hemispheres",
    config: blocks(cfg("gated_delta", "chunked")),
    seed: 24,
    hemispheres: 2,
  },
  {
    name: "learnable_decays, two blocks, static gate",
    config: { ...blocks(cfg("learnable_decays", "chunked")), staticBankGate: true },
    seed: 25,
  },
  {
    name: "frozen, substrate poly 3, local poly 2",
    config: { ...cfg("frozen", "chunked"), substratePolyOrder: 3, localPolyOrder: 2 },
    seed: 26,
  },
  {
    name: "gated_delta, substrate poly 2, local poly 3, two hemispheres",
    config: { ...cfg("gated_delta", "chunked"), substratePolyOrder: 2, localPolyOrder: 3 },
    seed: 27,
    hemispheres: 2,
  },
];

/**
 * The per-head tensors of a gated substrate and their layout: rows, columns per head, and
 * column blocks of H heads (the gate projections hold one block per gate).
 */
export function headLayout(
  name: string,
  c: ByteLMBoundsConfig,
): { rows: number; width: number; groups: number } | null {
  const ds = c.stateDim / c.numHeads;
  const G = c.substrate === "gated_retention" ? 3 : 2;
  if (name === "wq" || name === "wk" || name === "wv") {
    return { rows: c.embeddingDim, width: ds, groups: 1 };
  }
  if (name === "gate_w") return { rows: c.embeddingDim, width: 1, groups: G };
  if (name === "gate_b") return { rows: 1, width: 1, groups: G };
  return null;
}

/** A per-head tensor's fast (first f heads) and slow columns, in the model's split layout. */
export function splitHeads(
  data: ArrayLike<number>,
  layout: { rows: number; width: number; groups: number },
  H: number,
  f: number,
): { fast: number[]; slow: number[] } {
  const { rows, width: w, groups } = layout;
  const cols = groups * H * w;
  const pick = (h0: number, h1: number) => {
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) {
        for (let j = (g * H + h0) * w; j < (g * H + h1) * w; j++) out.push(data[r * cols + j]!);
      }
    }
    return out;
  };
  return { fast: pick(0, f), slow: pick(f, H) };
}

/** The inverse of {@link splitHeads}. */
export function joinHeads(
  fast: ArrayLike<number>,
  slow: ArrayLike<number>,
  layout: { rows: number; width: number; groups: number },
  H: number,
  f: number,
): Float64Array {
  const { rows, width: w, groups } = layout;
  const out = new Float64Array(rows * groups * H * w);
  let i = 0;
  let jf = 0;
  let js = 0;
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      for (let k = 0; k < f * w; k++) out[i++] = fast[jf++]!;
      for (let k = 0; k < (H - f) * w; k++) out[i++] = slow[js++]!;
    }
  }
  return out;
}

/** The frozen bank's decays 0.5^{1/h}, h log-spaced, as f32 (the spec's causal-bank oracle). */
export function caseDecays(M: number): Float64Array {
  const h = logSpaced(CASE_DIMS.halfLifeMin, CASE_DIMS.halfLifeMax, M);
  return Float64Array.from(h, (x) => Math.fround(decayOfHalfLife(x)));
}

/**
 * Seeded f32 values of every array the model needs: weights U(±1.5·√(3/fan-in))
 * (pre-activations of order one, so GELU and the gates leave their linear range),
 * embeddings U(±1), biases U(±0.5), gate biases U(−2, 2), γ_h = σ(linspace(0.5, 3.5, H))
 * and the decay bank.
 */
export function caseValues(c: ByteLMBoundsConfig, seed: number): Record<string, Float64Array> {
  const r = new Rng(seed);
  const out: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(byteLMParameterShapes(c))) {
    const n = shape.reduce((a, b) => a * b, 1);
    let lim = 0.5;
    if (name === "embedding") lim = 1;
    else if (shape.length === 2) lim = 1.5 * Math.sqrt(3 / shape[0]!);
    const lo = name === "gate_b" ? -2 : -lim;
    const hi = name === "gate_b" ? 2 : lim;
    out[name] = Float64Array.from({ length: n }, () => Math.fround(r.uniformIn(lo, hi)));
  }
  if (c.substrate === "gated_retention") {
    const H = c.numHeads;
    out.gamma = Float64Array.from(
      { length: H },
      (_, h) => Math.fround(1 / (1 + Math.exp(-(H === 1 ? 0.5 : 0.5 + (3 * h) / (H - 1))))),
    );
  }
  // The bank's decays (trainable for learnable_decays, so seeded with the bank's values too).
  if (
    c.substrate === "frozen" || c.substrate === "learnable_decays" ||
    c.substrate === "learnable_mixing"
  ) {
    out.decays = caseDecays(c.linearModes);
  }
  return out;
}

/**
 * Tokens [B, T] from a small alphabet (so rows of the embedding table repeat within
 * and across windows) and targets: the byte after each token in the same stream.
 */
export function caseBatch(seed: number, B = CASE_B, T = CASE_T): ByteLMBatch {
  const r = new Rng((seed ^ 0x9e3779b9) >>> 0);
  const alphabet = new TextEncoder().encode("abcde .");
  const stream = Int32Array.from({ length: B * (T + 1) }, () => alphabet[r.int(alphabet.length)]!);
  const tokens = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      tokens[b * T + t] = stream[b * (T + 1) + t]!;
      targets[b * T + t] = stream[b * (T + 1) + t + 1]!;
    }
  }
  return { B, T, tokens, targets };
}

/** The trainable names of a case, with the values restricted to them (for gradcheck inputs). */
export function trainableOf(values: ByteLMValues, names: readonly string[]): Float64Array[] {
  return names.map((n) => {
    const v = values[n];
    if (v === undefined) throw new TypeError(`Cannot take parameter "${n}": it has no values`);
    return v;
  });
}
