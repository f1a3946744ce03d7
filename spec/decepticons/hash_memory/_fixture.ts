/**
 * Loaders of the hash-memory and substrate-transform fixtures
 * (fixtures/gen/decepticons_hash_fixtures.py): manifest-pinned JSON, every
 * array decoded to f64 with its shape checked.
 *
 * @module
 */
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { type EncodedArray, f64, i32 } from "../../_harness/encoded_arrays.ts";
import type { HashMemoryShape, HashMemoryWeights } from "../../oracle/decepticons/hash_memory.ts";

/** One hash-memory case: sizes, shipped weights, x, g, out and every gradient. */
export interface HashCase extends HashMemoryShape {
  name: string;
  weights: HashMemoryWeights;
  x: Float64Array;
  g: Float64Array;
  out: Float64Array;
  grads: HashMemoryWeights & { x: Float64Array };
}

const WEIGHTS = ["write_w", "write_b", "query_w", "query_b", "out_w", "out_b"] as const;

type StoredCase = HashMemoryShape & { name: string } & Record<string, EncodedArray>;

/** Loads fixtures/decepticons/hash_memory.json. */
export async function loadHashFixture(): Promise<{ cases: HashCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: StoredCase[] }>(
    "fixtures/decepticons/hash_memory.json",
    "memspec.decepticons.hash_memory.v1",
  );
  const cases = data.cases.map((c) => {
    const { B, T, E, M, D } = c;
    const shapes: Record<string, number[]> = {
      write_w: [E, D],
      write_b: [D],
      query_w: [E, D],
      query_b: [D],
      out_w: [D, E],
      out_b: [E],
    };
    const get = (k: string, shape: number[]) => f64(c[k]!, `${c.name}.${k}`, shape);
    const weights = Object.fromEntries(
      WEIGHTS.map((k) => [k, get(k, shapes[k]!)]),
    ) as unknown as HashMemoryWeights;
    const grads = Object.fromEntries(
      WEIGHTS.map((k) => [k, get(`grad_${k}`, shapes[k]!)]),
    ) as unknown as HashMemoryWeights;
    return {
      name: c.name,
      B,
      T,
      E,
      M,
      D,
      weights,
      x: get("x", [B, T, E]),
      g: get("g", [B, T, E]),
      out: get("out", [B, T, E]),
      grads: { ...grads, x: get("grad_x", [B, T, E]) },
    };
  });
  return { cases, integrity };
}

/** The decoded transforms fixture (sizes as stored; arrays f64, the bank map i32). */
export interface TransformsFixture {
  router: {
    B: number;
    T: number;
    E: number;
    M: number;
    banks: number;
    x: Float64Array;
    drive: Float64Array;
    route_w: Float64Array;
    route_b: Float64Array;
    bank: Int32Array;
    out: Float64Array;
  };
  overwrite: {
    B: number;
    T: number;
    E: number;
    M: number;
    decays: Float64Array;
    x: Float64Array;
    drive: Float64Array;
    gate_w: Float64Array;
    gate_b: Float64Array;
    out: Float64Array;
    original_after_scan: Float64Array;
  };
  magnitude: {
    B: number;
    T: number;
    M: number;
    eps: number;
    log_gain: Float64Array;
    states: Float64Array;
    out: Float64Array;
    norms: Float64Array;
    original_factor: Float64Array;
  };
  selector: {
    B: number;
    T: number;
    E: number;
    M: number;
    temperature: number;
    x: Float64Array;
    states: Float64Array;
    select_w: Float64Array;
    select_b: Float64Array;
    out: Float64Array;
  };
  temporal: {
    B: number;
    T: number;
    M: number;
    heads: number;
    head_dim: number;
    interval: number;
    states: Float64Array;
    q_w: Float64Array;
    k_w: Float64Array;
    v_w: Float64Array;
    o_w: Float64Array;
    out: Float64Array;
    original_unmasked: Float64Array;
  };
}

/** Decodes every encoded array of a section (shapes as stored), the rest as is. */
function section<T>(s: Record<string, unknown>, name: string): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v !== null && typeof v === "object" && "b64" in (v as object)) {
      const a = v as EncodedArray;
      out[k] = a.dtype === "i32" ? i32(a, `${name}.${k}`) : f64(a, `${name}.${k}`);
    } else out[k] = v;
  }
  return out as T;
}

/** Loads fixtures/decepticons/substrate_transforms.json. */
export async function loadTransformsFixture(): Promise<
  { data: TransformsFixture; integrity: string }
> {
  const { data, integrity } = await loadPinnedJson<
    { format: string } & Record<string, Record<string, unknown>>
  >(
    "fixtures/decepticons/substrate_transforms.json",
    "memspec.decepticons.substrate_transforms.v1",
  );
  const names = ["router", "overwrite", "magnitude", "selector", "temporal"] as const;
  const decoded = Object.fromEntries(names.map((n) => [n, section(data[n]!, n)]));
  return { data: decoded as unknown as TransformsFixture, integrity };
}
