/**
 * The patched causal bank's fixture (fixtures/decepticons/patch_decoders.json, written by
 * fixtures/gen/decepticons_patch_fixtures.py): per case the configuration, the shipped weights
 * (f32), the ids and the torch float64 logits.
 *
 * @module
 */
import { type EncodedArray, f32, f64, i32 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import type { PatchOracleConfig } from "../../oracle/decepticons/patch_decoders.ts";

/** The fixture file. */
export const PATCH_FIXTURE = "fixtures/decepticons/patch_decoders.json";

interface StoredCase {
  name: string;
  config: PatchOracleConfig;
  B: number;
  T: number;
  ids: EncodedArray;
  values: Record<string, EncodedArray>;
  logits: EncodedArray;
}

/** One decoded case. */
export interface PatchFixtureCase {
  name: string;
  config: PatchOracleConfig;
  B: number;
  T: number;
  ids: Int32Array;
  /** Every shipped array as f64 (f32 values): parameters, in_proj, decays, log_table. */
  values: Record<string, Float64Array>;
  logits: Float64Array;
}

/** Loads and decodes every case; `integrity` is the manifest line for claim details. */
export async function loadPatchFixture(): Promise<
  { cases: PatchFixtureCase[]; integrity: string }
> {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: StoredCase[] }>(
    PATCH_FIXTURE,
    "memspec.decepticons.patch_decoders.v1",
  );
  const cases = data.cases.map((c) => {
    const values: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(c.values)) values[k] = Float64Array.from(f32(v, k));
    const n = c.B * c.T * c.config.patchN * 256;
    return {
      name: c.name,
      config: c.config,
      B: c.B,
      T: c.T,
      ids: i32(c.ids, `${c.name} ids`, [c.B, c.T]),
      values,
      logits: f64(c.logits, `${c.name} logits`, [c.B, c.T, c.config.patchN * 256]).subarray(0, n),
    };
  });
  return { cases, integrity };
}
