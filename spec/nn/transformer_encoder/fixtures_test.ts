/**
 * Proof of `nn.transformer_encoder.fixture_parity`: the oracle and the GPU
 * against torch 1.13 TransformerEncoderLayer / TransformerEncoder
 * (fixtures/nn/transformer_encoder.json, written by fixtures/gen/nn_fixtures.py).
 *
 * @module
 */
import { checkClose } from "../../../invariants/close.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64, i8 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  type LayerCall,
  type LayerParams,
  PARAM_NAMES,
} from "../../oracle/nn/transformer_encoder.ts";
import { encoderBounds } from "./_bounds.ts";
import { type EncCase, encOracle, runEncGpu } from "./_cases.ts";
import { ENC_FIXTURE_PARITY } from "./claims.ts";

/** Path of the fixture file. */
export const ENC_FIXTURE = "fixtures/nn/transformer_encoder.json";

interface TorchCase {
  name: string;
  batch: number;
  length: number;
  d: number;
  heads: number;
  dim_feedforward: number;
  activation: "relu" | "gelu";
  layers: number;
  eps: number;
  src: EncodedArray;
  params: Record<string, EncodedArray>;
  grad_output: EncodedArray;
  src_key_padding_mask?: EncodedArray;
  src_mask?: EncodedArray;
  output: EncodedArray;
  grad_src: EncodedArray;
  grad_params: Record<string, EncodedArray>;
}

function layerParams(t: TorchCase, i: number, from: Record<string, EncodedArray>): LayerParams {
  const prefix = t.layers === 0 ? "" : `layers.${i}.`;
  return Object.fromEntries(
    PARAM_NAMES.map((n) => [n, f64(from[prefix + n]!, `${t.name}.${prefix}${n}`)]),
  ) as LayerParams;
}

function toCase(t: TorchCase): EncCase {
  const call: LayerCall = {};
  if (t.src_key_padding_mask) {
    call.keyPaddingMask = Array.from(i8(t.src_key_padding_mask, `${t.name}.kpm`), (v) => v === 1);
  }
  if (t.src_mask) {
    call.attnMask = { shape: t.src_mask.shape, data: f64(t.src_mask, `${t.name}.src_mask`) };
  }
  return {
    g: {
      batch: t.batch,
      length: t.length,
      d: t.d,
      heads: t.heads,
      ff: t.dim_feedforward,
      activation: t.activation,
      eps: t.eps,
    },
    params: Array.from({ length: Math.max(1, t.layers) }, (_, i) => layerParams(t, i, t.params)),
    layers: t.layers,
    x: f64(t.src, `${t.name}.src`),
    gOut: f64(t.grad_output, `${t.name}.grad_output`),
    call,
    label: t.name,
  };
}

claimTest(ENC_FIXTURE_PARITY, async (): Promise<Measurement> => {
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchCase[] }>(
    ENC_FIXTURE,
    "memspec.nn.transformer_encoder.v1",
  );
  let oracleWorst = 0;
  let gpuWorst = 0;
  let where = "";
  let compared = 0;
  const slackOf = (want: ArrayLike<number>) =>
    Float64Array.from(want, (v) => FIXTURE_F64_REL * (1 + Math.abs(v)));
  for (const t of data.cases) {
    const c = toCase(t);
    const o = encOracle(c);
    const b = encoderBounds(c.g, c.params, c.x, c.gOut, c.call, c.layers > 0);
    const got = await runEncGpu(c);
    const arrays: [
      string,
      ArrayLike<number>,
      ArrayLike<number>,
      ArrayLike<number>,
      Float64Array,
    ][] = [
      ["output", o.out, got.out, b.out, f64(t.output, `${t.name}.output`)],
      ["grad src", o.x, got.gx, b.x, f64(t.grad_src, `${t.name}.grad_src`)],
    ];
    const torchGrads = Array.from(
      { length: c.params.length },
      (_, i) => layerParams(t, i, t.grad_params),
    );
    o.params.forEach((p, i) => {
      for (const n of PARAM_NAMES) {
        arrays.push([
          `grad ${i}.${n}`,
          p[n],
          got.grads[i]![n]!,
          b.params[i]![n]!,
          torchGrads[i]![n],
        ]);
      }
    });
    for (const [name, oracle, gpu, bound, torch] of arrays) {
      const slack = slackOf(torch);
      const ov = checkClose(oracle, torch, { atol: slack });
      if (ov.ratio > oracleWorst) oracleWorst = ov.ratio;
      const gb = Float64Array.from(bound, (v, i) => v + slack[i]!);
      const gv = checkClose(gpu, torch, { atol: gb });
      compared++;
      if (gv.ratio > gpuWorst) {
        gpuWorst = gv.ratio;
        where = `${t.name} ${name}: ratio ${gv.ratio.toPrecision(3)} max_abs ${
          gv.maxAbs.toExponential(2)
        }`;
      }
    }
  }
  const figure = Math.max(oracleWorst, gpuWorst);
  return {
    figure,
    bound: 1,
    pass: figure <= 1,
    parts: [
      { name: "oracle vs torch", figure: oracleWorst, bound: 1, direction: "<=" },
      { name: "GPU vs torch", figure: gpuWorst, bound: 1, direction: "<=" },
    ],
    detail:
      `${data.cases.length} torch cases, ${compared} arrays (${integrity}); oracle worst ratio ` +
      `${oracleWorst.toPrecision(3)}; GPU worst ${where}`,
  };
});
