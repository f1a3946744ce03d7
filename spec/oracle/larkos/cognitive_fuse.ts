/**
 * The f64 definition of Larkos 0.3's cognitive fusion
 * (Okerew/larkos_models:modules/fusion_mechanism/fusion_mechanism.c): the same steps as the
 * f32 host (impl/larkos/cognitive_fuse/cognitive_fuse.ts) in exact-as-f64 arithmetic, with
 * the LayerNorm ε as a parameter so that claims can separate the ε term from the mechanism
 * (with ε = 0, LN is exactly scale-invariant). The hash coefficients are exact f32 values and
 * come from the host's {@link projCoef}.
 *
 * @example
 * ```ts
 * import { cognitiveFuseF64 } from "./cognitive_fuse.ts";
 * import { ok } from "node:assert/strict";
 * const out = cognitiveFuseF64({
 *   llm: [1, 2, 3, 4, 5, 6, 7, 8].map((v) => v / 8), memories: [], importances: [],
 *   defaultWeights: new Array(22).fill(0.1), memWeightRatio: 0.5, contextFactor: 0.5,
 * });
 * ok(Math.abs(out[0]! - 2.094135) < 1e-5);
 * ```
 *
 * @module
 */
import {
  CF_BAND,
  CF_DIM,
  CF_MAX_MEMORIES,
  CF_MEMORY_WIDTH,
  CF_SEED_M,
  CF_SEED_Q,
  CF_TOP_K,
  type CognitiveFuseInput,
  projCoefFast,
  topKInsertion,
} from "../../../impl/larkos/cognitive_fuse/cognitive_fuse.ts";

/** Options of the f64 fusion. */
export interface FuseF64Options {
  /** LayerNorm's ε; 1e-6 (the C's) by default. */
  eps?: number;
}

function project(x: ArrayLike<number>, rows: number, seed: number): Float64Array {
  const y = new Float64Array(rows);
  const n = x.length;
  if (n === 0) return y;
  const scale = 1 / Math.sqrt(n);
  for (let i = 0; i < rows; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += x[j]! * projCoefFast(i + seed, j);
    y[i] = acc * scale;
  }
  return y;
}

function layerNorm(v: Float64Array, eps: number): Float64Array {
  const d = v.length;
  let mean = 0;
  for (const x of v) mean += x;
  mean /= d;
  let variance = 0;
  for (const x of v) variance += (x - mean) ** 2;
  variance /= d;
  const sd = Math.sqrt(variance + eps);
  return v.map((x) => (x - mean) / sd);
}

/**
 * The fused 64-vector in f64 (inputs as given, no f32 rounding anywhere but the
 * coefficients, which are f32 by definition).
 */
export function cognitiveFuseF64(
  input: CognitiveFuseInput,
  options: FuseF64Options = {},
): Float64Array {
  const eps = options.eps ?? 1e-6;
  let q = layerNorm(project(input.llm, CF_DIM, 0), eps);
  const text = input.text ?? [];
  if (text.length > 0) {
    const t = layerNorm(project(text, CF_DIM, 0), eps);
    q = layerNorm(q.map((v, i) => v + 0.5 * t[i]!), eps);
  }
  const n = Math.min(input.memories.length, CF_MAX_MEMORIES);
  const beta = Math.min(1, Math.max(0, input.memWeightRatio));
  const keys: Float64Array[] = [];
  const scores = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    const vec = input.memories[m]!;
    const imp = input.importances[m]!;
    const x = Array.from(
      { length: CF_MEMORY_WIDTH },
      (_, j) => imp * ((1 - beta) * input.defaultWeights[j]! + beta * vec[j]!),
    );
    const key = layerNorm(project(x, CF_DIM, 0), eps);
    keys.push(key);
    let dot = 0;
    for (let i = 0; i < CF_DIM; i++) dot += q[i]! * key[i]!;
    scores[m] = dot / 8;
  }
  const top = topKInsertion(scores, CF_TOP_K);
  let mv: Float64Array = new Float64Array(CF_DIM);
  if (top.length > 0) {
    const mx = scores[top[0]!]!;
    const w = Array.from(top, (m) => Math.exp(scores[m]! - mx));
    const sum = w.reduce((a, b) => a + b, 0);
    top.forEach((m, k) => {
      for (let i = 0; i < CF_DIM; i++) mv[i] = mv[i]! + (w[k]! / sum) * keys[m]![i]!;
    });
    mv = layerNorm(mv, eps);
  }
  const fused = new Float64Array(CF_DIM);
  fused.set(project(q, CF_BAND, CF_SEED_Q), 0);
  fused.set(project(mv, CF_BAND, CF_SEED_M), CF_BAND);
  const s = 0.5 / (1 + Math.exp(-(2 * input.contextFactor - 1)));
  const cross = fused.map((v, i) => v + s * fused[(i + CF_BAND) % CF_DIM]!);
  return layerNorm(cross, eps);
}
