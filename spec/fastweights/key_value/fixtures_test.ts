/**
 * Parity with the numpy f64 references (fixtures/fastweights/*.json): the
 * oracle within FIXTURE_F64_REL, the GPU within its running f32 bounds. The
 * fixtures carry numpy's own draws (initial parameters, episodes), so no
 * PCG64 stream is reproduced here.
 *
 * @module
 */
import { initGpu, readTensors } from "../../../impl/mod.ts";
import { kvEvaluate, kvTrainFrom } from "../../../impl/fastweights/key_value/key_value.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  kvBackward,
  kvCosine,
  type KvEpisode,
  kvForward,
  kvMeanCosine,
  kvSgdStep,
} from "../../oracle/fastweights/key_value.ts";
import { KV_CAPACITY_SWEEP, KV_FIXTURE_GPU, KV_FIXTURE_ORACLE } from "./claims.ts";
import { type EncodedArray, f64, loadFastweightsFixture } from "../../_harness/encoded_arrays.ts";
import { F64Worst, WorstRatio } from "../../_harness/worst_ratio.ts";
import { trackKvEpisode, trackKvStep } from "./_bounds.ts";

type Enc = EncodedArray;
type Named = Record<string, Enc>;

// --- key-value ---

interface KvPack {
  keys: Enc;
  values: Enc;
  query: number[];
}

interface KvFixture {
  format: string;
  config: { keyDim: number; valueDim: number; pairs: number; lr: number; maxNorm: number };
  bias: Enc;
  episodes: KvPack;
  cases: { projector: string; wk: Enc; y: Enc; fast: Enc; loss: number[]; grad: Enc }[];
  sgdSteps: {
    wk: Enc;
    keys: Enc;
    values: Enc;
    query: number;
    wkNext: Enc;
    loss: number;
    norm: number;
  }[];
  trained: { wk: Enc; finalLoss: number; preMeanCos: number; postMeanCos: number; eval: KvPack };
  sweep: ({ pairs: number; meanCosTrained: number; meanCosIdentity: number } & KvPack)[];
}

function kvEpisodes(pack: KvPack): KvEpisode[] {
  const keys = f64(pack.keys, "keys");
  const values = f64(pack.values, "values");
  const [E, N, d] = pack.keys.shape as [number, number, number];
  const dv = pack.values.shape[2]!;
  return Array.from({ length: E }, (_, e) => ({
    keys: keys.slice(e * N * d, (e + 1) * N * d),
    values: values.slice(e * N * dv, (e + 1) * N * dv),
    query: pack.query[e]!,
  }));
}

function loadKv() {
  return loadFastweightsFixture<KvFixture>("key_value.json", "memspec-fastweights-key-value-1");
}

claimTest(KV_FIXTURE_ORACLE, async () => {
  const { data, integrity } = await loadKv();
  const d = data.config.keyDim;
  const w = new F64Worst();
  const eps = kvEpisodes(data.episodes);
  for (const c of data.cases) {
    const wk = f64(c.wk, "wk");
    const outs = eps.map((ep) => kvForward(d, wk, ep));
    w.check(`${c.projector} y`, outs.flatMap((o) => Array.from(o.y)), f64(c.y, "y"));
    w.check(`${c.projector} W_fast`, outs.flatMap((o) => Array.from(o.fast)), f64(c.fast, "fast"));
    w.check(`${c.projector} loss`, outs.map((o) => o.loss), c.loss);
    w.check(
      `${c.projector} ∂L/∂W_K`,
      eps.flatMap((ep, i) => Array.from(kvBackward(d, ep, outs[i]!))),
      f64(c.grad, "grad"),
    );
  }
  data.sgdSteps.forEach((s, i) => {
    const wk = Float64Array.from(f64(s.wk, "wk"));
    const ep = { keys: f64(s.keys, "keys"), values: f64(s.values, "values"), query: s.query };
    const r = kvSgdStep(d, wk, ep, { lr: data.config.lr, maxNorm: data.config.maxNorm });
    w.check(`SGD step ${i} (‖g‖ = ${s.norm.toPrecision(3)})`, wk, f64(s.wkNext, "wkNext"));
    w.check(`SGD step ${i} loss, norm`, [r.loss, r.norm], [s.loss, s.norm]);
  });
  const evalEps = kvEpisodes(data.trained.eval);
  const identity = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  const pre = kvMeanCosine(d, identity, evalEps);
  const post = kvMeanCosine(d, f64(data.trained.wk, "wk"), evalEps);
  w.check("pre/post mean cosine", [pre, post], [data.trained.preMeanCos, data.trained.postMeanCos]);
  return {
    figure: w.worst,
    bound: FIXTURE_F64_REL,
    pass: w.worst <= FIXTURE_F64_REL,
    detail: `worst at ${w.where}; ${w.count} values; seed-0 mean cosine pre ${pre.toFixed(5)}, ` +
      `post ${post.toFixed(5)} (catalogue: 0.42764 / 0.75425); SGD step norms ` +
      `[${data.sgdSteps.map((s) => s.norm.toPrecision(3)).join(", ")}]; ${integrity}`,
  };
});

claimTest(KV_CAPACITY_SWEEP, async () => {
  const { data, integrity } = await loadKv();
  const d = data.config.keyDim;
  const wk = f64(data.trained.wk, "wk");
  const identity = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  let worst = 0;
  const trained: number[] = [];
  const pre: number[] = [];
  let n1 = 0;
  for (const s of data.sweep) {
    const eps = kvEpisodes(s);
    const c = kvMeanCosine(d, wk, eps);
    const ci = kvMeanCosine(d, identity, eps);
    trained.push(c);
    pre.push(ci);
    worst = Math.max(
      worst,
      Math.abs(c - s.meanCosTrained) / Math.max(Math.abs(s.meanCosTrained), 1),
      Math.abs(ci - s.meanCosIdentity) / Math.max(Math.abs(s.meanCosIdentity), 1),
    );
    if (s.pairs === 1) {
      for (const ep of eps) {
        n1 = Math.max(n1, Math.abs(kvCosine(kvForward(d, wk, ep).y, ep.values) - 1));
        n1 = Math.max(n1, Math.abs(kvCosine(kvForward(d, identity, ep).y, ep.values) - 1));
      }
    }
  }
  const rises = trained.flatMap((c, i) => (i > 0 && c > trained[i - 1]! ? [i + 1] : []));
  const f = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(", ");
  return {
    figure: worst,
    bound: FIXTURE_F64_REL,
    pass: worst <= FIXTURE_F64_REL && n1 <= FIXTURE_F64_REL && rises.length > 0,
    detail: `trained sweep N = 1..12 [${f(trained)}]; W_K = I [${f(pre)}]; N = 1 |cos − 1| ≤ ` +
      `${n1.toExponential(1)}; the trained curve rises at N = ${
        rises.join(", ")
      } (non-monotone); ` +
      integrity,
  };
});

claimTest(KV_FIXTURE_GPU, async () => {
  await initGpu();
  const { data, integrity } = await loadKv();
  const { keyDim: d, valueDim: dv } = data.config;
  const task = { ...data.config, alpha: 1, beta: 0.4 };
  const worst = new WorstRatio();
  const eps = kvEpisodes(data.episodes);
  const twice = [...eps, ...eps];
  const host = {
    count: twice.length,
    pairs: data.config.pairs,
    keys: Float32Array.from(twice.flatMap((e) => Array.from(e.keys))),
    values: Float32Array.from(twice.flatMap((e) => Array.from(e.values))),
    query: Int32Array.from(twice.map((e) => e.query)),
  };
  // The fixture's draws and projectors are f64: the GPU gets their f32 uploads, and the bounds
  // carry that rounding (kv_bounds.ts `uploaded`), so numpy's own values are the reference.
  const projectors = data.cases.map((c) => f64(c.wk, "wk"));
  const out = kvEvaluate(task, projectors.flatMap((w) => Array.from(w)), host, eps.length);
  const [y, fast, loss, grad] = await readTensors([out.y, out.fast, out.loss, out.grad]);
  for (const t of Object.values(out)) t.dispose();
  data.cases.forEach((c, ci) => {
    eps.forEach((ep, j) => {
      const e = ci * eps.length + j;
      const tr = trackKvEpisode(d, projectors[ci]!, ep);
      const tag = `${c.projector} episode ${j}`;
      const ref = (a: Enc, name: string, per: number) => f64(a, name).slice(j * per, (j + 1) * per);
      worst.check(`y ${tag}`, y!.slice(e * dv, (e + 1) * dv), ref(c.y, "y", dv), tr.y);
      worst.check(
        `W_fast ${tag}`,
        fast!.slice(e * dv * d, (e + 1) * dv * d),
        ref(c.fast, "fast", dv * d),
        tr.fast,
      );
      worst.check(`loss ${tag}`, [loss![e]!], [c.loss[j]!], [tr.loss]);
      worst.check(
        `∂L/∂W_K ${tag}`,
        grad!.slice(e * d * d, (e + 1) * d * d),
        ref(c.grad, "grad", d * d),
        tr.grad,
      );
    });
  });
  for (const [i, s] of data.sgdSteps.entries()) {
    const wk0 = f64(s.wk, "wk");
    const ep = { keys: f64(s.keys, "keys"), values: f64(s.values, "values"), query: s.query };
    const run = kvTrainFrom(task, [Float32Array.from(wk0)], [{
      count: 1,
      pairs: data.config.pairs,
      keys: Float32Array.from(ep.keys),
      values: Float32Array.from(ep.values),
      query: Int32Array.of(s.query),
    }], { steps: 1, lr: data.config.lr, maxNorm: data.config.maxNorm });
    const [next] = await readTensors([run.wk]);
    run.wk.dispose();
    run.losses.dispose();
    const tr = trackKvStep(d, wk0, ep, data.config.lr, data.config.maxNorm);
    worst.check(
      `SGD step ${i} (‖g‖ = ${s.norm.toPrecision(3)})`,
      next!,
      f64(s.wkNext, "wkNext"),
      tr.wk,
    );
  }
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `${worst.summary()}; ${integrity}`,
  };
});
