/**
 * Proofs of `larkos.fusion_head.fixture_parity` and
 * `larkos.fusion_head.fixture_parity_online_mean_std`: the oracle, the GPU and
 * OnlineMeanStd against torch 1.13 float64 (fixtures/larkos/fusion_head.json, written by
 * fixtures/gen/larkos_fusion_head_fixtures.py).
 *
 * @module
 */
import { initGpu, readTensors, tensor, tidyAsync } from "../../../impl/mod.ts";
import { FusionTransformerHead } from "../../../impl/larkos/fusion_head/fusion_head.ts";
import { OnlineMeanStd } from "../../../impl/larkos/fusion_head/online_mean_std.ts";
import { checkClose } from "../../../invariants/close.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f64 } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import {
  fusionBackward,
  fusionForward,
  type FusionParams,
} from "../../oracle/larkos/fusion_head.ts";
import {
  FH_FIXTURE_PARITY,
  FH_MEAN_STD_FIXTURE,
  FUSION_FIXTURE,
  FUSION_FIXTURE_GPU_ABS,
} from "./claims.ts";

interface TorchCase {
  batch: number;
  parameter_names: string[];
  params: Record<string, EncodedArray>;
  graph: EncodedArray;
  band_q: EncodedArray;
  band_m: EncodedArray;
  driver: EncodedArray;
  grad_output: EncodedArray;
  tokens: EncodedArray;
  input: EncodedArray;
  layers: EncodedArray[];
  pool: EncodedArray;
  pooled: EncodedArray;
  output: EncodedArray;
  grad_graph: EncodedArray;
  grad_band_q: EncodedArray;
  grad_band_m: EncodedArray;
  grad_driver: EncodedArray;
  grad_params: Record<string, EncodedArray>;
}

interface MeanStdTrace {
  dim: number;
  steps: number;
  x: EncodedArray;
  normalized_before_update: EncodedArray;
  mean: EncodedArray;
  var: EncodedArray;
}

interface FusionFixture {
  format: string;
  cases: TorchCase[];
  online_mean_std: MeanStdTrace;
}

const slackOf = (want: ArrayLike<number>) =>
  Float64Array.from(want, (v) => FIXTURE_F64_REL * (1 + Math.abs(v)));

claimTest(FH_FIXTURE_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const { data, integrity } = await loadPinnedJson<FusionFixture>(
    FUSION_FIXTURE,
    "memspec.larkos.fusion_head.v1",
  );
  let oracleWorst = 0;
  let gpuWorst = 0;
  let oracleWhere = "";
  let gpuWhere = "";
  let compared = 0;
  for (const t of data.cases) {
    const B = t.batch;
    const p: FusionParams = {};
    for (const n of t.parameter_names) p[n] = f64(t.params[n]!, n);
    const x = {
      graph: f64(t.graph, "graph"),
      bandQ: f64(t.band_q, "band_q"),
      bandM: f64(t.band_m, "band_m"),
      driver: f64(t.driver, "driver"),
    };
    const o = fusionForward(p, x, B);
    const g = fusionBackward(p, x, B, f64(t.grad_output, "grad_output"));
    const head = new FusionTransformerHead({ weights: p }).eval();
    const got = await tidyAsync(async () => {
      const xs = [
        tensor(x.graph, [B, 8, 64]),
        tensor(x.bandQ, [B, 32]),
        tensor(x.bandM, [B, 32]),
        tensor(x.driver, [B, 8]),
      ] as const;
      const r = head.forwardTrace(xs[0], xs[1], xs[2], xs[3]);
      return (await readTensors(
        [r.tokens, r.input, ...r.layers, r.pool, r.pooled, r.out],
      )) as Float32Array[];
    });
    head.dispose();
    const fwd: [string, ArrayLike<number>, EncodedArray, Float32Array][] = [
      ["tokens", o.tokens, t.tokens, got[0]!],
      ["encoder input", o.input, t.input, got[1]!],
      ...o.layers.map((l, i) =>
        [`layer ${i}`, l, t.layers[i]!, got[2 + i]!] as [
          string,
          ArrayLike<number>,
          EncodedArray,
          Float32Array,
        ]
      ),
      ["pool a", o.pool, t.pool, got[5]!],
      ["pooled", o.pooled, t.pooled, got[6]!],
      ["output", o.out, t.output, got[7]!],
    ];
    for (const [name, oracle, enc, gpu] of fwd) {
      const want = f64(enc, name);
      const ov = checkClose(oracle, want, { atol: slackOf(want) });
      const gv = checkClose(gpu, want, { atol: FUSION_FIXTURE_GPU_ABS });
      compared++;
      if (ov.ratio > oracleWorst) {
        oracleWorst = ov.ratio;
        oracleWhere = `${name} ratio ${ov.ratio.toPrecision(3)}`;
      }
      if (gv.ratio > gpuWorst) {
        gpuWorst = gv.ratio;
        gpuWhere = `${name}: max |gpu − torch| ${gv.maxAbs.toExponential(2)}`;
      }
    }
    const grads: [string, ArrayLike<number>, EncodedArray][] = [
      ["grad graph", g.graph, t.grad_graph],
      ["grad band_q", g.bandQ, t.grad_band_q],
      ["grad band_m", g.bandM, t.grad_band_m],
      ["grad driver", g.driver, t.grad_driver],
      ...Object.entries(t.grad_params).map(([n, a]) =>
        [`grad ${n}`, g.params[n]!, a] as [string, ArrayLike<number>, EncodedArray]
      ),
    ];
    for (const [name, oracle, enc] of grads) {
      const want = f64(enc, name);
      const ov = checkClose(oracle, want, { atol: slackOf(want) });
      compared++;
      if (ov.ratio > oracleWorst) {
        oracleWorst = ov.ratio;
        oracleWhere = `${name} ratio ${ov.ratio.toPrecision(3)}`;
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
    detail: `${data.cases.length} torch case(s), ${compared} arrays (${integrity}); oracle ` +
      `worst ${oracleWhere || "0"}; GPU worst ${gpuWhere}`,
  };
});

claimTest(FH_MEAN_STD_FIXTURE, async (): Promise<Measurement> => {
  const { data, integrity } = await loadPinnedJson<FusionFixture>(
    FUSION_FIXTURE,
    "memspec.larkos.fusion_head.v1",
  );
  const t = data.online_mean_std;
  const { dim, steps } = t;
  const xs = f64(t.x, "x", [steps, dim]);
  const zs = f64(t.normalized_before_update, "normalized_before_update", [steps, dim]);
  const means = f64(t.mean, "mean", [steps, dim]);
  const vars = f64(t.var, "var", [steps, dim]);
  const norm = new OnlineMeanStd(dim);
  let worst = 0;
  let where = "";
  let floored = 0;
  let clamped = 0;
  const cmp = (name: string, s: number, got: ArrayLike<number>, want: Float64Array) => {
    const v = checkClose(got, want, { atol: slackOf(want) });
    if (v.ratio > worst) {
      worst = v.ratio;
      where = `${name} at step ${s}`;
    }
  };
  for (let s = 0; s < steps; s++) {
    const row = (a: Float64Array) => a.subarray(s * dim, (s + 1) * dim);
    const x = row(xs);
    const z = norm.normalize(x);
    clamped += z.filter((v) => Math.abs(v) === 3).length;
    cmp("normalized", s, z, row(zs));
    norm.update(x);
    const st = norm.stats();
    floored += st.var.filter((v) => Math.sqrt(v) < 0.1).length;
    cmp("mean", s, st.mean, row(means));
    cmp("var", s, st.var, row(vars));
  }
  return {
    figure: worst,
    bound: 1,
    pass: worst <= 1 && floored > 0 && clamped > 0,
    detail: `${steps} steps × ${dim} dims (${integrity}); ${floored} floored std values and ` +
      `${clamped} clamped outputs exercised; worst ratio ${worst.toPrecision(3)}` +
      (where ? ` (${where})` : ""),
  };
});
