/**
 * Proof of `larkos.temporal_encoder.fixture_parity`: the oracle and the GPU
 * against a torch 1.13 float64 eval-mode temporal encoder
 * (fixtures/larkos/temporal_encoder.json, written by
 * fixtures/gen/larkos_temporal_encoder_fixtures.py).
 *
 * @module
 */
import { checkClose } from "../../../invariants/close.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { mhaForward } from "../../oracle/nn/multihead_attention.ts";
import {
  flatParams,
  temporalBackward,
  temporalForward,
  unflatParams,
} from "../../oracle/larkos/temporal_encoder.ts";
import { compareStages, compositionDiffs, runTemporalGpu, type TemporalCase } from "./_cases.ts";
import { TE_FIXTURE_PARITY } from "./claims.ts";

/** Path of the fixture file. */
export const TE_FIXTURE = "fixtures/larkos/temporal_encoder.json";

/** The fp32 tolerance of the larkos module fixtures (GPU output vs torch, absolute). */
const FP32_FIXTURE_ATOL = 1e-5;

interface TorchCase {
  name: string;
  batch: number;
  length: number;
  d: number;
  heads: number;
  dim_feedforward: number;
  layers: number;
  padded_frames: number;
  layers_identical: boolean;
  x: EncodedArray;
  params: Record<string, EncodedArray>;
  grad_output: EncodedArray;
  seq: EncodedArray;
  layer_outputs: EncodedArray[];
  attention: EncodedArray[];
  output: EncodedArray;
  grad_x: EncodedArray;
  grad_params: Record<string, EncodedArray>;
}

function toCase(t: TorchCase): TemporalCase {
  const params = unflatParams(
    Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, f64(v, `${t.name}.${k}`)])),
    t.layers,
  );
  return {
    g: { batch: t.batch, length: t.length, d: t.d, heads: t.heads, ff: t.dim_feedforward },
    params,
    x: f64(t.x, `${t.name}.x`),
    gOut: f64(t.grad_output, `${t.name}.grad_output`),
    call: {},
    label: t.name,
  };
}

claimTest(TE_FIXTURE_PARITY, async (): Promise<Measurement> => {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchCase[] }>(
    TE_FIXTURE,
    "memspec.larkos.temporal_encoder.v1",
  );
  let oracleWorst = 0;
  let oracleWhere = "";
  let gpuStage = 0;
  let gpuStageWhere = "";
  let gpuTorch = 0;
  let diffs = 0;
  let identical = 0;
  let arrays = 0;
  const slackOf = (want: ArrayLike<number>) =>
    Float64Array.from(want, (v) => FIXTURE_F64_REL * (1 + Math.abs(v)));
  for (const t of data.cases) {
    const c = toCase(t);
    const o = temporalForward(c.g, c.params, c.x);
    const gr = temporalBackward(c.g, c.params, c.x, c.gOut);
    const pairs: [string, ArrayLike<number>, EncodedArray][] = [
      ["seq", o.seq, t.seq],
      ["output", o.out, t.output],
      ["grad x", gr.x, t.grad_x],
    ];
    o.layerOutputs.forEach((v, i) => pairs.push([`layer ${i}`, v, t.layer_outputs[i]!]));
    c.params.layers.forEach((p, i) => {
      const input = i === 0 ? o.seq : o.layerOutputs[i - 1]!;
      const a = mhaForward({
        batch: c.g.batch,
        heads: c.g.heads,
        lq: c.g.length,
        lk: c.g.length,
        d: c.g.d,
      }, {
        query: input,
        key: input,
        value: input,
        inProjWeight: p["self_attn.in_proj_weight"],
        inProjBias: p["self_attn.in_proj_bias"],
        outProjWeight: p["self_attn.out_proj.weight"],
        outProjBias: p["self_attn.out_proj.bias"],
      });
      pairs.push([`attention ${i}`, a.p, t.attention[i]!]);
    });
    for (const [k, v] of Object.entries(flatParams(gr.params))) {
      pairs.push([`grad ${k}`, v, t.grad_params[k]!]);
    }
    for (const [name, got, enc] of pairs) {
      const want = f64(enc, `${t.name}.${name}`);
      const v = checkClose(got, want, { atol: slackOf(want) });
      arrays++;
      if (v.ratio > oracleWorst) {
        oracleWorst = v.ratio;
        oracleWhere = `${t.name} ${name}`;
      }
    }
    // The case's weights as stored: the seeded-init case must hold identical layers.
    const same = c.params.layers.length === 2 &&
      Object.keys(c.params.layers[0]!).every((k) =>
        (c.params.layers[0] as Record<string, Float64Array>)[k]!.every((x, i) =>
          x === (c.params.layers[1] as Record<string, Float64Array>)[k]![i]
        )
      );
    if (same !== t.layers_identical) identical++;
    const r = await runTemporalGpu(c);
    diffs += compositionDiffs(r).length;
    for (const v of compareStages(c, r)) {
      if (v.verdict.ratio > gpuStage) {
        gpuStage = v.verdict.ratio;
        gpuStageWhere = `${t.name} ${v.name}`;
      }
    }
    const toTorch = [
      [r.full.out, t.output],
      ...r.staged.layerOutputs.map((v, i) => [v, t.layer_outputs[i]!] as const),
      [r.staged.seq, t.seq],
    ] as const;
    for (const [got, enc] of toTorch) {
      const want = f64(enc, t.name);
      for (let i = 0; i < want.length; i++) {
        gpuTorch = Math.max(gpuTorch, Math.abs(got[i]! - want[i]!));
      }
    }
  }
  const parts = [
    { name: "oracle vs torch (ratio)", figure: oracleWorst, bound: 1, direction: "<=" as const },
    { name: "GPU stages vs oracle (ratio)", figure: gpuStage, bound: 1, direction: "<=" as const },
    { name: "GPU module ≠ stages (arrays)", figure: diffs, bound: 0, direction: "==" as const },
    {
      name: "GPU outputs vs torch (max abs)",
      figure: gpuTorch,
      bound: FP32_FIXTURE_ATOL,
      direction: "<=" as const,
    },
    { name: "clone flag mismatches", figure: identical, bound: 0, direction: "==" as const },
  ];
  const figure = Math.max(oracleWorst, gpuStage);
  return {
    figure,
    bound: 1,
    pass: figure <= 1 && diffs === 0 && gpuTorch <= FP32_FIXTURE_ATOL && identical === 0,
    parts,
    detail:
      `${data.cases.length} torch cases, ${arrays} arrays against the oracle (${integrity}); ` +
      `oracle worst ratio ${oracleWorst.toPrecision(3)} (${oracleWhere}); GPU stage worst ` +
      `${gpuStage.toPrecision(3)} (${gpuStageWhere}); GPU seq/layers/output vs torch max abs ` +
      `${gpuTorch.toExponential(2)}; seeded-init case holds identical layers`,
  };
});
