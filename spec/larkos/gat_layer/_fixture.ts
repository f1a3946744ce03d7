/**
 * The torch fixture of the GAT layer (fixtures/larkos/gat_layer.json, written by
 * fixtures/gen/larkos_gat_layer_fixtures.py): its stored form and its cases.
 *
 * @module
 */
import { type EncodedArray, f64, i8 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import type { GatCase } from "./_cases.ts";

/** Path of the fixture file. */
export const GAT_FIXTURE = "fixtures/larkos/gat_layer.json";

/** The fixture's format. */
export const GAT_FIXTURE_FORMAT = "memspec.larkos.gat_layer.v1";

/** One torch case as stored. */
export interface TorchGatCase {
  name: string;
  batch: number;
  nodes: number;
  d_in: number;
  d_out: number;
  heads: number;
  params: Record<"W.weight" | "a_src" | "a_dst", EncodedArray>;
  h: EncodedArray;
  adjacency: EncodedArray;
  weights: EncodedArray;
  grad_output: EncodedArray;
  output: EncodedArray;
  attention: EncodedArray;
  grad_h: EncodedArray;
  grad_params: Record<"W.weight" | "a_src" | "a_dst", EncodedArray>;
  grad_weights: EncodedArray;
  f32_nonedge_minus_10_nan_rows: EncodedArray;
}

/** The case of a torch fixture. */
export function toGatCase(t: TorchGatCase): GatCase {
  const N = t.nodes;
  const p = (n: "W.weight" | "a_src" | "a_dst") => f64(t.params[n], `${t.name}.${n}`);
  return {
    g: { dIn: t.d_in, dOut: t.d_out, heads: t.heads },
    B: t.batch,
    N,
    params: { "W.weight": p("W.weight"), a_src: p("a_src"), a_dst: p("a_dst") },
    h: f64(t.h, `${t.name}.h`, [t.batch, N, t.d_in]),
    edges: {
      nodes: N,
      adjacency: Uint8Array.from(i8(t.adjacency, `${t.name}.adjacency`, [N, N])),
      weights: Float32Array.from(f64(t.weights, `${t.name}.weights`, [N, N])),
    },
    gOut: f64(t.grad_output, `${t.name}.grad_output`),
    label: t.name,
  };
}

/** Loads the torch cases. */
export async function loadGatFixture(): Promise<{ cases: TorchGatCase[]; integrity: string }> {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchGatCase[] }>(
    GAT_FIXTURE,
    GAT_FIXTURE_FORMAT,
  );
  return { cases: data.cases, integrity };
}
