/**
 * Proof of `ams.training.fixture_parity`: the f64 oracle and the GPU losses against an
 * independent torch 1.13 float64 implementation (fixtures/ams/training.json, written by
 * fixtures/gen/ams_training_fixtures.py).
 *
 * @module
 */
import { backward, initGpu, readTensors, type Tensor, tensor, tidy } from "../../../impl/mod.ts";
import { cfg4 } from "../../../impl/ams/config/config.ts";
import {
  CROSS_BUNDLES,
  CrossBundleAttention,
} from "../../../impl/ams/cross_bundle/cross_bundle.ts";
import {
  axisOf,
  bundleAxisAlignmentLoss,
  crossBundleIndependenceLoss,
  prefixSemanticAnchorLoss,
  stubLinearLm,
  writePolicyLoss,
} from "../../../impl/ams/training/losses.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest, type Measurement } from "../../_harness/claim.ts";
import { type EncodedArray, f32, f64, ints } from "../../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../../_harness/fixtures.ts";
import type { CbBundle, CbParams } from "../../oracle/ams/cross_bundle.ts";
import {
  oracleBaa,
  oracleCbi,
  oraclePsa,
  oracleTripletPairs,
  oracleWp,
} from "../../oracle/ams/training.ts";
import { TR_FIXTURE_PARITY } from "./claims.ts";

/** Path of the fixture file. */
export const TRAINING_FIXTURE = "fixtures/ams/training.json";

/** The fixture tolerance of the original's loss fixtures (1e-5): GPU (f32) against torch (f64), absolute. */
const GPU_ATOL = 1e-5;

interface LossOut {
  value: number;
  parts?: Record<string, number>;
  grads: Record<string, EncodedArray>;
}

interface TrainingCase {
  name: string;
  dims: Record<string, number>;
  n: number;
  vocab: number;
  token_ids: EncodedArray[];
  token_counts: EncodedArray;
  inputs: Record<string, EncodedArray>;
  params: Record<string, EncodedArray>;
  lm: { E: EncodedArray; W: EncodedArray };
  examples: { query_hidden: EncodedArray; ids: EncodedArray; split: number }[];
  losses: Record<"baa_original" | "baa_fixed" | "cbi" | "wp" | "psa", LossOut>;
}

claimTest(TR_FIXTURE_PARITY, async (): Promise<Measurement> => {
  await initGpu();
  const { data, integrity } = await loadPinnedJson<{ format: string; cases: TrainingCase[] }>(
    TRAINING_FIXTURE,
    "memspec.ams.training.v1",
  );
  let oracleWorst = 0, oracleWhere = "";
  let gpuWorst = 0, gpuWhere = "";
  let compared = 0;
  const gpuCheck = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => {
    if (got.length !== want.length) throw new Error(`${what}: ${got.length} vs ${want.length}`);
    for (let i = 0; i < want.length; i++) {
      compared++;
      const d = Math.abs(got[i]! - want[i]!);
      const r = Number.isNaN(d) ? Infinity : d / GPU_ATOL;
      if (r > gpuWorst) (gpuWorst = r, gpuWhere = `${what}[${i}]`);
    }
  };
  const oracleCheck = (got: number, want: number, what: string) => {
    const r = Math.abs(got - want) / (FIXTURE_F64_REL * (1 + Math.abs(want)));
    if (!(r <= oracleWorst) || Number.isNaN(r)) {
      oracleWorst = Number.isNaN(r) ? Infinity : Math.max(oracleWorst, r);
      oracleWhere = what;
    }
  };
  for (const c of data.cases) {
    const n = c.n, dm = c.dims;
    const cfg = cfg4({
      d_LLM: dm.d_LLM!,
      d_time: dm.d_time!,
      d_topic: dm.d_topic!,
      d_ctx: dm.d_ctx!,
      d_F_time: dm.d_F_time!,
      n_heads_time: dm.n_heads_time!,
      d_F_topic: dm.d_F_topic!,
      n_heads_topic: dm.n_heads_topic!,
      d_F_ctx: dm.d_F_ctx!,
      n_heads_ctx: dm.n_heads_ctx!,
      prefix_slots_time: dm.prefix_slots_time!,
      prefix_slots_topic: dm.prefix_slots_topic!,
      prefix_slots_ctx: dm.prefix_slots_ctx!,
      L_mem: dm.L_mem!,
    });
    const inp = (k: string) => f64(c.inputs[k]!, `${c.name} ${k}`);
    const fibers64 = {
      time: inp("fibers.time"),
      topic: inp("fibers.topic"),
      ctx: inp("fibers.ctx"),
    } as Record<CbBundle, Float64Array>;
    const params: Record<string, Float32Array> = {};
    const params64: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(c.params)) {
      params[k] = f32(v, `${c.name} ${k}`);
      params64[k] = Float64Array.from(params[k]!);
    }
    const E = f32(c.lm.E, "E"), W = f32(c.lm.W, "W");
    const tokenIds = c.token_ids.map((a, i) => ints(a, `${c.name} token_ids[${i}]`));
    const tokenCounts = ints(c.token_counts, `${c.name} token_counts`);
    const examples = c.examples.map((e) => ({
      queryHidden: f64(e.query_hidden, "query_hidden"),
      ids: ints(e.ids, `${c.name} example ids`),
      split: e.split,
    }));
    // --- oracle values
    for (const fix of [false, true]) {
      const { pos, neg } = oracleTripletPairs(tokenIds, fix);
      const o = oracleBaa({
        n,
        timeBase: inp("time_base"),
        topicDirn: inp("topic_dirn"),
        ctxBase: inp("ctx_base"),
        axisTimeRaw: inp("axis_time_raw"),
        axisCtxRaw: inp("axis_ctx_raw"),
        pos,
        neg,
      });
      const want = c.losses[fix ? "baa_fixed" : "baa_original"];
      oracleCheck(o.value, want.value, `${c.name} baa fix=${fix}`);
      for (const [k, v] of Object.entries(want.parts ?? {})) {
        oracleCheck(o.parts[k] ?? NaN, v, `${c.name} baa.${k} fix=${fix}`);
      }
    }
    oracleCheck(oracleCbi(fibers64, n), c.losses.cbi.value, `${c.name} cbi`);
    oracleCheck(oracleWp(fibers64, n, tokenCounts), c.losses.wp.value, `${c.name} wp`);
    const per = (k: string) =>
      Object.fromEntries(CROSS_BUNDLES.map((b) => [b, dm[`${k}_${b}`]!])) as Record<
        CbBundle,
        number
      >;
    const psaO = oraclePsa(
      { d: dm.d_LLM!, dF: per("d_F"), heads: per("n_heads"), slots: per("prefix_slots") },
      params64 as CbParams,
      fibers64,
      n,
      examples,
      E,
      W,
      c.vocab,
    );
    oracleCheck(psaO, c.losses.psa.value, `${c.name} psa`);
    // --- GPU values and gradients
    const cross = new CrossBundleAttention({ cfg, weights: params });
    const lm = stubLinearLm(E, W, c.vocab, dm.d_LLM!);
    const lift = new Map(cross.namedParameters()).get("lift_time.0.weight")!;
    try {
      const leaf = (k: string, shape: number[]) =>
        tensor(Float32Array.from(inp(k)), shape, { requiresGrad: true });
      const run = async (
        key: keyof TrainingCase["losses"],
        fn: (x: Record<string, Tensor>) => Tensor,
        extra: Record<string, Tensor> = {},
      ) => {
        const x: Record<string, Tensor> = {
          time_base: leaf("time_base", [n, dm.d_time!]),
          topic_dirn: leaf("topic_dirn", [n, dm.d_topic!]),
          ctx_base: leaf("ctx_base", [n, dm.d_ctx!]),
          axis_time_raw: leaf("axis_time_raw", [dm.d_time!]),
          axis_ctx_raw: leaf("axis_ctx_raw", [dm.d_ctx!]),
          "fibers.time": leaf("fibers.time", [n, dm.d_F_time!]),
          "fibers.topic": leaf("fibers.topic", [n, dm.d_F_topic!]),
          "fibers.ctx": leaf("fibers.ctx", [n, dm.d_F_ctx!]),
        };
        const all = { ...x, ...extra };
        try {
          const loss = tidy(() => {
            const l = fn(x);
            backward(l);
            return l;
          });
          const want = c.losses[key];
          const names = Object.keys(want.grads);
          // A tensor the loss does not read has no gradient here and zeros in torch's.
          const withGrad = names.filter((k) => all[k]!.grad !== null);
          const vals = await readTensors([loss, ...withGrad.map((k) => all[k]!.grad!)]);
          loss.dispose();
          gpuCheck([vals[0]![0]!], [want.value], `${c.name} ${key}`);
          for (const k of names) {
            const i = withGrad.indexOf(k);
            const wantG = f64(want.grads[k]!, k);
            const got = i < 0 ? new Float64Array(wantG.length) : vals[i + 1]!;
            gpuCheck(got, wantG, `${c.name} ∂${key}/∂${k}`);
          }
        } finally {
          for (const t of Object.values(all)) {
            t.grad?.dispose();
            t.grad = null;
          }
          for (const t of Object.values(x)) t.dispose();
        }
      };
      for (const fix of [false, true]) {
        await run(fix ? "baa_fixed" : "baa_original", (x) =>
          bundleAxisAlignmentLoss({
            timeBase: x.time_base!,
            topicDirn: x.topic_dirn!,
            ctxBase: x.ctx_base!,
            axisTime: axisOf(x.axis_time_raw!),
            axisCtx: axisOf(x.axis_ctx_raw!),
            tokenIds,
          }, { fixNegatives: fix }).loss);
      }
      const fib = (x: Record<string, Tensor>) => ({
        time: x["fibers.time"]!,
        topic: x["fibers.topic"]!,
        ctx: x["fibers.ctx"]!,
      });
      await run("cbi", (x) => crossBundleIndependenceLoss(fib(x)));
      await run("wp", (x) => writePolicyLoss(fib(x), tokenCounts));
      await run(
        "psa",
        (x) => prefixSemanticAnchorLoss(cross, fib(x), examples, lm),
        { "lift_time.0.weight": lift },
      );
    } finally {
      for (const [, t] of cross.namedParameters()) {
        t.grad?.dispose();
        t.grad = null;
      }
      cross.dispose();
    }
  }
  return {
    figure: gpuWorst,
    bound: 1,
    pass: true,
    parts: [{
      name: "oracle |Δ|/(1e-12·(1+|torch|))",
      figure: oracleWorst,
      bound: 1,
      direction: "<=",
    }],
    detail: `${data.cases.length} cases, ${compared} GPU values and gradient elements; worst GPU ` +
      `at ${gpuWhere}; worst oracle at ${oracleWhere || "none"}; fixture ${integrity}`,
  };
});
