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

/** One case: a name, the configuration and the seeds of its values and tokens. */
export interface LMCase {
  readonly name: string;
  readonly config: ByteLMBoundsConfig;
  readonly seed: number;
}

function cfg(
  substrate: ByteLMBoundsConfig["substrate"],
  scanMethod: ByteLMBoundsConfig["scanMethod"],
): ByteLMBoundsConfig {
  return { ...CASE_DIMS, substrate, scanMethod, scanChunk: 4 };
}

/** The named cases: each substrate, and both scan forms of the two recurrent ones. */
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
];

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
  if (c.substrate === "frozen") out.decays = caseDecays(c.linearModes);
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
