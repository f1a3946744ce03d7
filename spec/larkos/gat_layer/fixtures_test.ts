/**
 * Proof of `larkos.gat_layer.fixture_parity`: the oracle and the GPU against an
 * independent torch 1.13 float64 implementation of `_GATLayer`
 * (fixtures/larkos/gat_layer.json, written by fixtures/gen/larkos_gat_layer_fixtures.py).
 *
 * @module
 */
import { checkClose } from "../../../invariants/close.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { f64 } from "../../_harness/encoded_arrays.ts";
import { gatLayerBackward, gatLayerForward } from "../../oracle/larkos/gat_layer.ts";
import { gatBounds } from "./_bounds.ts";
import { runGatGpu } from "./_cases.ts";
import { loadGatFixture, toGatCase } from "./_fixture.ts";
import { GAT_FIXTURE_PARITY } from "./claims.ts";

claimTest(GAT_FIXTURE_PARITY, async (): Promise<Measurement> => {
  const { cases, integrity } = await loadGatFixture();
  let oracleWorst = 0;
  let gpuWorst = 0;
  let oracleWhere = "";
  let gpuWhere = "";
  let compared = 0;
  const slackOf = (want: ArrayLike<number>) =>
    Float64Array.from(want, (v) => FIXTURE_F64_REL * (1 + Math.abs(v)));
  for (const t of cases) {
    const c = toGatCase(t);
    const f = gatLayerForward(c.params, c.h, c.B, c.N, c.edges, c.g);
    const gr = gatLayerBackward(c.params, c.h, c.B, c.N, c.edges, c.g, c.gOut);
    const b = gatBounds(c.params, c.h, c.B, c.N, c.edges, c.g, c.gOut);
    const got = await runGatGpu(c);
    const gp = (n: "W.weight" | "a_src" | "a_dst") => f64(t.grad_params[n], `${t.name}.grad.${n}`);
    const arrays: [string, ArrayLike<number>, ArrayLike<number>, Float64Array, Float64Array][] = [
      ["output", f.out, got.out, b.out, f64(t.output, `${t.name}.output`)],
      ["attention", f.attention, got.attention, b.attention, f64(t.attention, `${t.name}.att`)],
      ["grad h", gr.h, got.grads.h, b.h, f64(t.grad_h, `${t.name}.grad_h`)],
      ["grad W.weight", gr["W.weight"], got.grads["W.weight"], b["W.weight"], gp("W.weight")],
      ["grad a_src", gr.a_src, got.grads.a_src, b.a_src, gp("a_src")],
      ["grad a_dst", gr.a_dst, got.grads.a_dst, b.a_dst, gp("a_dst")],
    ];
    for (const [name, oracle, gpu, bound, torch] of arrays) {
      const slack = slackOf(torch);
      const ov = checkClose(oracle, torch, { atol: slack });
      compared++;
      if (!(ov.ratio <= oracleWorst)) {
        oracleWorst = ov.ratio;
        oracleWhere = `${t.name} ${name}`;
      }
      const gv = checkClose(gpu, torch, {
        atol: Float64Array.from(bound, (v, i) => v + slack[i]!),
      });
      if (!(gv.ratio <= gpuWorst)) {
        gpuWorst = gv.ratio;
        gpuWhere = `${t.name} ${name}: ratio ${gv.ratio.toPrecision(3)} max_abs ` +
          gv.maxAbs.toExponential(2);
      }
    }
    // The edge weights' gradient (oracle only; torch's is NaN off-edge, −∞·0).
    const tw = f64(t.grad_weights, `${t.name}.grad_weights`);
    const on = [...c.edges.adjacency.keys()].filter((k) => c.edges.adjacency[k] === 1);
    const want = on.map((k) => tw[k]!);
    const ov = checkClose(on.map((k) => gr.weights[k]!), want, { atol: slackOf(want) });
    compared++;
    if (!(ov.ratio <= oracleWorst)) {
      oracleWorst = ov.ratio;
      oracleWhere = `${t.name} grad weights (edges)`;
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
    detail: `${cases.length} torch cases, ${compared} arrays (${integrity}); oracle worst ratio ` +
      `${oracleWorst.toPrecision(3)} at ${oracleWhere}; GPU worst ${gpuWhere}`,
  };
});
