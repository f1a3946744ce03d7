/**
 * Entries and large fields of the store claims, drawn from the suite's seeded RNG: unit dirns
 * and topic base, Gaussian fibers and bases, and large fields of width 1536 from a low-rank
 * model (shared per field: 8 directions, plus 0.1 noise), like the original's Kakeya tests.
 *
 * @module
 */
import { Rng } from "../../../impl/gpu/rng.ts";
import type { MemEntryInput } from "../../../impl/ams/mem_store/mem_store.ts";
import { type Matrix, matrix } from "../../../impl/linalg/matrix.ts";

/** The large fields of the original's write path. */
export const LARGE_FIELDS = ["semantic_emb", "content_wte_mean", "context_descriptor"] as const;
/** Their width, d_LLM. */
export const D_LLM = 1536;
/** Rank of the large-field model. */
const RANK = 8;

function unit(rng: Rng, d: number): Float64Array {
  const v = Float64Array.from({ length: d }, () => rng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function gauss(rng: Rng, d: number): Float64Array {
  return Float64Array.from({ length: d }, () => rng.normal());
}

const bases = new Map<string, Float64Array>();
/** The field's 8 shared directions (RANK × D_LLM), fixed per field name. */
function fieldBasis(name: string): Float64Array {
  let b = bases.get(name);
  if (b === undefined) {
    const rng = new Rng(7000 + LARGE_FIELDS.indexOf(name as (typeof LARGE_FIELDS)[number]));
    b = Float64Array.from({ length: RANK * D_LLM }, () => rng.normal() / Math.sqrt(RANK));
    bases.set(name, b);
  }
  return b;
}

/** A large field: Σ_k u_k·V_k + 0.1·noise with u standard normal. */
export function largeField(rng: Rng, name: string): Float64Array {
  const V = fieldBasis(name);
  const out = new Float64Array(D_LLM);
  for (let k = 0; k < RANK; k++) {
    const u = rng.normal();
    for (let j = 0; j < D_LLM; j++) out[j] = out[j]! + u * V[k * D_LLM + j]!;
  }
  for (let j = 0; j < D_LLM; j++) out[j] = out[j]! + 0.1 * rng.normal();
  return out;
}

/** A valid entry (Cfg4's default dims) from `seed`, with the three large fields when asked. */
export function makeEntry(seed: number, withLarge = true): MemEntryInput {
  const rng = new Rng(seed);
  const tb = gauss(rng, 8);
  const topic = unit(rng, 16);
  const cb = gauss(rng, 12);
  return {
    time_base: tb,
    time_fiber: gauss(rng, 32),
    time_dirn: unit(rng, 8),
    topic_base: topic,
    topic_fiber: gauss(rng, 64),
    topic_dirn: topic.slice(),
    ctx_base: cb,
    ctx_fiber: gauss(rng, 48),
    ctx_dirn: unit(rng, 12),
    source_text: `memory ${seed}`,
    ...(withLarge
      ? { large_fields: Object.fromEntries(LARGE_FIELDS.map((f) => [f, largeField(rng, f)])) }
      : {}),
  };
}

/** A unit query of dim d from `seed`. */
export function makeQuery(seed: number, d: number): Float64Array {
  return unit(new Rng(seed), d);
}

/** Fixed canonical axes of the three bundles (the registry's build input). */
export function bundleAxes(): Record<"time" | "topic" | "ctx", Float64Array> {
  const rng = new Rng(4242);
  return { time: unit(rng, 8), topic: unit(rng, 16), ctx: unit(rng, 12) };
}

/** Rows of one field across `rows` (n × D_LLM). */
export function stackField(
  rows: readonly Readonly<Record<string, Float64Array>>[],
  f: string,
): Matrix {
  const m = matrix(rows.length, D_LLM);
  rows.forEach((r, i) => m.data.set(r[f]!, i * D_LLM));
  return m;
}
