/**
 * Proof of `nn.multihead_attention.fixture_parity`: the oracle and the GPU
 * against torch 1.13 nn.MultiheadAttention (fixtures/nn/multihead_attention.json,
 * written by fixtures/gen/nn_fixtures.py).
 *
 * @module
 */
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64, i8 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { mhaBackward, mhaForward, type MhaMasks } from "../../oracle/nn/multihead_attention.ts";
import { mhaBounds } from "./_bounds.ts";
import { averagedBounds, type MhaCase, runMhaGpu } from "./_cases.ts";
import { MHA_FIXTURE_PARITY } from "./claims.ts";
import { TorchFixtureTally } from "../_gpu_parity.ts";

/** Path of the fixture file. */
export const MHA_FIXTURE = "fixtures/nn/multihead_attention.json";

type Arr = EncodedArray;

interface TorchCase {
  name: string;
  batch: number;
  heads: number;
  lq: number;
  lk: number;
  d: number;
  bias: boolean;
  query: Arr;
  key: Arr;
  value: Arr;
  in_proj_weight: Arr;
  in_proj_bias?: Arr;
  "out_proj.weight": Arr;
  "out_proj.bias"?: Arr;
  grad_output: Arr;
  key_padding_mask?: Arr;
  attn_mask?: Arr;
  output: Arr;
  weights_averaged: Arr;
  weights_per_head: Arr;
  [grad: `grad_${string}`]: Arr;
}

/** A fixture case as an {@link MhaCase}. */
function toCase(t: TorchCase): MhaCase {
  const n = t.name;
  const masks: MhaMasks = {};
  if (t.key_padding_mask) {
    masks.keyPaddingMask = Array.from(i8(t.key_padding_mask, `${n}.kpm`), (v) => v === 1);
  }
  if (t.attn_mask) {
    const shape = t.attn_mask.shape;
    masks.attnMask = t.attn_mask.dtype === "i8"
      ? { shape, data: Array.from(i8(t.attn_mask, `${n}.attn_mask`), (v) => v === 1) }
      : { shape, data: f64(t.attn_mask, `${n}.attn_mask`) };
  }
  return {
    g: { batch: t.batch, heads: t.heads, lq: t.lq, lk: t.lk, d: t.d },
    x: {
      query: f64(t.query, `${n}.query`),
      key: f64(t.key, `${n}.key`),
      value: f64(t.value, `${n}.value`),
      inProjWeight: f64(t.in_proj_weight, `${n}.in_proj_weight`),
      inProjBias: t.in_proj_bias ? f64(t.in_proj_bias, `${n}.in_proj_bias`) : null,
      outProjWeight: f64(t["out_proj.weight"], `${n}.out_proj.weight`),
      outProjBias: t["out_proj.bias"] ? f64(t["out_proj.bias"], `${n}.out_proj.bias`) : null,
    },
    gOut: f64(t.grad_output, `${n}.grad_output`),
    masks,
    label: n,
  };
}

const GRAD_KEYS = [
  ["query", "grad_query"],
  ["key", "grad_key"],
  ["value", "grad_value"],
  ["inProjWeight", "grad_in_proj_weight"],
  ["inProjBias", "grad_in_proj_bias"],
  ["outProjWeight", "grad_out_proj.weight"],
  ["outProjBias", "grad_out_proj.bias"],
] as const;

claimTest(MHA_FIXTURE_PARITY, async (): Promise<Measurement> => {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchCase[] }>(
    MHA_FIXTURE,
    "memspec.nn.multihead_attention.v1",
  );
  const tally = new TorchFixtureTally();
  for (const t of data.cases) {
    const c = toCase(t);
    const f = mhaForward(c.g, c.x, c.masks);
    const gr = mhaBackward(c.g, c.x, c.gOut, c.masks);
    const b = mhaBounds(c.g, c.x, c.gOut, c.masks);
    const avg = averagedBounds(c.g, f.pd, b.weights);
    const got = await runMhaGpu(c);
    const arrays: [
      string,
      ArrayLike<number>,
      ArrayLike<number>,
      ArrayLike<number>,
      Float64Array,
    ][] = [
      ["output", f.out, got.out, b.out, f64(t.output, `${t.name}.output`)],
      [
        "weights averaged",
        avg.want,
        got.weightsAveraged,
        avg.bound,
        f64(t.weights_averaged, `${t.name}.wa`),
      ],
      [
        "weights per head",
        f.pd,
        got.weightsPerHead,
        b.weights,
        f64(t.weights_per_head, `${t.name}.wh`),
      ],
    ];
    let k = 0;
    for (const [ours, theirs] of GRAD_KEYS) {
      const want = gr[ours];
      const bound = b[ours];
      if (want === null || bound === null) continue;
      arrays.push([
        `grad ${ours}`,
        want,
        got.grads[k++]!,
        bound,
        f64(t[theirs]!, `${t.name}.${theirs}`),
      ]);
    }
    for (const [name, oracle, gpu, bound, torch] of arrays) {
      tally.add(`${t.name} ${name}`, oracle, gpu, bound, torch);
    }
  }
  return tally.measurement(data.cases.length, integrity);
});
