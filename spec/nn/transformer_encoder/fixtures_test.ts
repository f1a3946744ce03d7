/**
 * Proof of `nn.transformer_encoder.fixture_parity`: the oracle and the GPU
 * against torch 1.13 TransformerEncoderLayer / TransformerEncoder
 * (fixtures/nn/transformer_encoder.json, written by fixtures/gen/nn_fixtures.py).
 *
 * @module
 */
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64, i8 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  type LayerCall,
  type LayerParams,
  PARAM_NAMES,
} from "../../oracle/nn/transformer_encoder.ts";
import { TorchFixtureTally } from "../_gpu_parity.ts";
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
  const tally = new TorchFixtureTally();
  let compared = 0;
  for (const t of data.cases) {
    const c = toCase(t);
    const o = encOracle(c);
    const b = encoderBounds(c.g, c.params, c.x, c.gOut, c.call, c.layers > 0);
    const got = await runEncGpu(c);
    tally.add(`${t.name} output`, o.out, got.out, b.out, f64(t.output, `${t.name}.output`));
    tally.add(`${t.name} grad src`, o.x, got.gx, b.x, f64(t.grad_src, `${t.name}.grad_src`));
    compared += 2;
    const torchGrads = Array.from(
      { length: c.params.length },
      (_, i) => layerParams(t, i, t.grad_params),
    );
    o.params.forEach((p, i) => {
      for (const n of PARAM_NAMES) {
        tally.add(
          `${t.name} grad ${i}.${n}`,
          p[n],
          got.grads[i]![n]!,
          b.params[i]![n]!,
          torchGrads[i]![n],
        );
        compared++;
      }
    });
  }
  return tally.measurement(data.cases.length, `${compared} arrays, ${integrity}`);
});
