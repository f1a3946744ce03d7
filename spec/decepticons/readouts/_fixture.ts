/**
 * Loader of fixtures/decepticons/readouts.json (written by
 * fixtures/gen/decepticons_readout_fixtures.py). The sha256 must match fixtures/manifest.json.
 *
 * @module
 */
import { type EncodedArray, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import type { OracleReadoutSpec } from "../../oracle/decepticons/readouts.ts";

interface StoredCase {
  name: string;
  /** The spec, its width lists (hidden, bandExperts) encoded. */
  spec: Record<string, string | number | boolean | EncodedArray>;
  F: number;
  u: EncodedArray;
  params: Record<string, EncodedArray>;
  logits: EncodedArray;
  balance: number | null;
}

interface StoredReadouts {
  format: string;
  seed: number;
  B: number;
  T: number;
  V: number;
  embedding_dim: number;
  modes: number;
  prefix: string;
  embedding: EncodedArray;
  cases: StoredCase[];
  gated_mix: {
    lin: EncodedArray;
    loc: EncodedArray;
    w: EncodedArray;
    b: number;
    local_scale: number;
    gate: EncodedArray;
    logits: EncodedArray;
  };
}

/** One readout case: its spec, features, shipped weights and torch's outputs. */
export interface ReadoutCase {
  name: string;
  spec: OracleReadoutSpec;
  /** Feature width F. */
  F: number;
  /** [B, T, F]. */
  u: Float64Array;
  /** Parameters by full name, memspec's layout. */
  params: Record<string, Float64Array>;
  /** [B, T, V]. */
  logits: Float64Array;
  balance: number | null;
}

/** The decoded readouts fixture. */
export interface ReadoutsFixture {
  B: number;
  T: number;
  V: number;
  embeddingDim: number;
  prefix: string;
  /** [V, E]. */
  embedding: Float64Array;
  cases: ReadoutCase[];
  gatedMix: {
    /** [B, T, V] each. */
    lin: Float64Array;
    loc: Float64Array;
    w: Float64Array;
    b: number;
    localScale: number;
    /** [B, T]. */
    gate: Float64Array;
    logits: Float64Array;
  };
}

/**
 * Loads the readouts fixture and says how its integrity was checked.
 *
 * @throws {Error} when the manifest does not list the file or pins another sha256.
 */
export async function loadReadoutsFixture(): Promise<
  { data: ReadoutsFixture; integrity: string }
> {
  const { data: s, integrity } = await loadPinnedJson<StoredReadouts>(
    "fixtures/decepticons/readouts.json",
    "memspec.decepticons.readouts.v1",
  );
  const { B, T, V } = s;
  return {
    integrity,
    data: {
      B,
      T,
      V,
      embeddingDim: s.embedding_dim,
      prefix: s.prefix,
      embedding: f64(s.embedding, "embedding", [V, s.embedding_dim]),
      cases: s.cases.map((c) => ({
        name: c.name,
        spec: Object.fromEntries(
          Object.entries(c.spec).map(([k, v]) => [
            k,
            typeof v === "object" ? ints(v, `${c.name}.spec.${k}`) : v,
          ]),
        ) as unknown as OracleReadoutSpec,
        F: c.F,
        u: f64(c.u, `${c.name}.u`, [B, T, c.F]),
        params: Object.fromEntries(
          Object.entries(c.params).map(([k, v]) => [k, f64(v, `${c.name}.params.${k}`)]),
        ),
        logits: f64(c.logits, `${c.name}.logits`, [B, T, V]),
        balance: c.balance,
      })),
      gatedMix: {
        lin: f64(s.gated_mix.lin, "gated_mix.lin", [B, T, V]),
        loc: f64(s.gated_mix.loc, "gated_mix.loc", [B, T, V]),
        w: f64(s.gated_mix.w, "gated_mix.w", [6]),
        b: s.gated_mix.b,
        localScale: s.gated_mix.local_scale,
        gate: f64(s.gated_mix.gate, "gated_mix.gate", [B, T]),
        logits: f64(s.gated_mix.logits, "gated_mix.logits", [B, T, V]),
      },
    },
  };
}
