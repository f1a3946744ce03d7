/**
 * Proof of `nn.gru.fixture_parity`: the oracle and the GPU against torch 1.13
 * nn.GRU (fixtures/nn/gru.json, written by fixtures/gen/nn_gru_fixtures.py).
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import { gruBackward, gruForward } from "../../oracle/nn/gru.ts";
import { gruBounds } from "./_bounds.ts";
import { GRU_FIXTURE, GRU_GRAD_KEYS, type GruCase, runGruGpu } from "./_cases.ts";
import { GRU_FIXTURE_PARITY } from "./claims.ts";
import { TorchFixtureTally } from "../_gpu_parity.ts";

type Arr = EncodedArray;

interface TorchCase {
  name: string;
  batch: number;
  steps: number;
  input: number;
  hidden: number;
  has_h0: boolean;
  weight_ih_l0: Arr;
  weight_hh_l0: Arr;
  bias_ih_l0: Arr;
  bias_hh_l0: Arr;
  x: Arr;
  h0?: Arr;
  g: Arr;
  hs: Arr;
  grads: Record<string, Arr>;
}

/** torch's names of the gradients, by memspec's key. */
const TORCH_GRAD: Record<(typeof GRU_GRAD_KEYS)[number], string> = {
  x: "x",
  h0: "h0",
  wIh: "weight_ih_l0",
  wHh: "weight_hh_l0",
  bIh: "bias_ih_l0",
  bHh: "bias_hh_l0",
};

function toCase(t: TorchCase): GruCase {
  const n = t.name;
  const { batch: B, steps: T, input: I, hidden: H } = t;
  return {
    g: { batch: B, steps: T, input: I, hidden: H },
    x: {
      x: f64(t.x, `${n}.x`, [B, T, I]),
      wIh: f64(t.weight_ih_l0, `${n}.weight_ih_l0`, [3 * H, I]),
      wHh: f64(t.weight_hh_l0, `${n}.weight_hh_l0`, [3 * H, H]),
      bIh: f64(t.bias_ih_l0, `${n}.bias_ih_l0`, [3 * H]),
      bHh: f64(t.bias_hh_l0, `${n}.bias_hh_l0`, [3 * H]),
      h0: t.has_h0 ? f64(t.h0!, `${n}.h0`, [B, H]) : null,
    },
    gOut: f64(t.g, `${n}.g`, [B, T, H]),
    label: n,
  };
}

claimTest(GRU_FIXTURE_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TorchCase[] }>(
    GRU_FIXTURE,
    "memspec.nn.gru.v1",
  );
  const tally = new TorchFixtureTally();
  for (const t of data.cases) {
    const c = toCase(t);
    const f = gruForward(c.g, c.x);
    const gr = gruBackward(c.g, c.x, f, c.gOut);
    const b = gruBounds(c.g, c.x, c.gOut);
    const got = await runGruGpu(c);
    const arrays: [string, Float64Array, Float64Array, Float64Array, Float64Array][] = [
      ["states", f.hs, got.hs, b.hs.e, f64(t.hs, `${t.name}.hs`)],
    ];
    for (const k of GRU_GRAD_KEYS) {
      // Without h0 torch still reports ∂L/∂h0 of its zero state; memspec's default has none.
      const mine = got.grads[k];
      const torch = f64(t.grads[TORCH_GRAD[k]]!, `${t.name}.grad ${k}`);
      if (mine === null) {
        tally.oracleOnly(gr[k], torch);
        continue;
      }
      arrays.push([`grad ${k}`, gr[k], mine, b.grads[k].e, torch]);
    }
    for (const [name, oracle, gpu, bound, torch] of arrays) {
      tally.add(`${t.name} ${name}`, oracle, gpu, bound, torch);
    }
  }
  return tally.measurement(data.cases.length, integrity);
});
