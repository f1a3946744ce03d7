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
import {
  type EncodedArray,
  f64,
  f64List,
  ints,
  loadFastweightsFixture,
} from "../../_harness/encoded_arrays.ts";
import {
  type Compared,
  Comparison,
  differential,
  jointly,
  relativeBounds,
} from "../../_harness/differential.ts";
import { recordFigure } from "../../_harness/figures.ts";
import { referenceBounds } from "../unknown_delay/_bounds.ts";
import { trackKvEpisode, trackKvStep } from "./_bounds.ts";

type Enc = EncodedArray;
type Named = Record<string, Enc>;

// --- key-value ---

interface KvPack {
  keys: Enc;
  values: Enc;
  /** i32 [episodes]: the queried pair of each episode. */
  query: Enc;
}

interface KvFixture {
  format: string;
  config: { keyDim: number; valueDim: number; pairs: number; lr: number; maxNorm: number };
  bias: Enc;
  episodes: KvPack;
  cases: { projector: string; wk: Enc; y: Enc; fast: Enc; loss: Enc; grad: Enc }[];
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
  const query = ints(pack.query, "query", [E]);
  return Array.from({ length: E }, (_, e) => ({
    keys: keys.slice(e * N * d, (e + 1) * N * d),
    values: values.slice(e * N * dv, (e + 1) * N * dv),
    query: query[e]!,
  }));
}

function loadKv() {
  return loadFastweightsFixture<KvFixture>("key_value.json", "memspec.fastweights.key_value.v1");
}

claimTest(KV_FIXTURE_ORACLE, async (t) => {
  const { data, integrity } = await loadKv();
  const d = data.config.keyDim;
  const eps = kvEpisodes(data.episodes);
  const rel = (ref: ArrayLike<number>) => relativeBounds(ref, FIXTURE_F64_REL);
  const put = (c: Comparison, name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
    c.add(name, got, want, rel(want));
  /** One projector over the fixture's episodes: reads, W_fast, losses and gradients. */
  const projectorCase = (c: KvFixture["cases"][number]): Compared => {
    const wk = f64(c.wk, "wk");
    const outs = eps.map((ep) => kvForward(d, wk, ep));
    const cmp = new Comparison();
    put(cmp, "y", outs.flatMap((o) => Array.from(o.y)), f64(c.y, "y"));
    put(cmp, "W_fast", outs.flatMap((o) => Array.from(o.fast)), f64(c.fast, "fast"));
    put(cmp, "loss", outs.map((o) => o.loss), f64List(c.loss, "loss"));
    put(
      cmp,
      "∂L/∂W_K",
      eps.flatMap((ep, i) => Array.from(kvBackward(d, ep, outs[i]!))),
      f64(c.grad, "grad"),
    );
    return cmp;
  };
  /** One clipped SGD step from numpy's projector. */
  const sgdCase = (s: KvFixture["sgdSteps"][number]): Compared => {
    const wk = Float64Array.from(f64(s.wk, "wk"));
    const ep = { keys: f64(s.keys, "keys"), values: f64(s.values, "values"), query: s.query };
    const r = kvSgdStep(d, wk, ep, { lr: data.config.lr, maxNorm: data.config.maxNorm });
    const cmp = new Comparison();
    put(cmp, "W_K", wk, f64(s.wkNext, "wkNext"));
    put(cmp, "loss, norm", [r.loss, r.norm], [s.loss, s.norm]);
    return cmp;
  };
  const evalEps = kvEpisodes(data.trained.eval);
  const identity = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  const cosines: number[] = [];
  /** The seed-0 mean recall cosines before (W_K = I) and after training. */
  const cosineCase = (): Compared => {
    cosines.push(
      kvMeanCosine(d, identity, evalEps),
      kvMeanCosine(d, f64(data.trained.wk, "wk"), evalEps),
    );
    return put(
      new Comparison(),
      "pre/post mean cosine",
      cosines,
      [data.trained.preMeanCos, data.trained.postMeanCos],
    );
  };
  type Case = () => Compared;
  const m = await differential<Case>(t, {
    cases: [
      ...data.cases.map((c) => ({
        name: `projector ${c.projector} (${eps.length} episodes)`,
        input: () => projectorCase(c),
      })),
      ...data.sgdSteps.map((s, i) => ({
        name: `SGD step ${i} (‖g‖ = ${s.norm.toPrecision(3)}, clip ` +
          `${s.norm > data.config.maxNorm ? "active" : "inactive"})`,
        input: () => sgdCase(s),
      })),
      {
        name: `trained seed 0: pre/post mean cosine (${evalEps.length} episodes)`,
        input: cosineCase,
      },
    ],
    ...jointly((c: Case) => c()),
  });
  return {
    ...m,
    detail: `${m.detail}; seed-0 mean cosine pre ${cosines[0]?.toFixed(5)}, post ` +
      `${cosines[1]?.toFixed(5)} (the original: 0.42764 / 0.75425); ${integrity}`,
  };
});

claimTest(KV_CAPACITY_SWEEP, async (t) => {
  const { data, integrity } = await loadKv();
  const d = data.config.keyDim;
  const wk = f64(data.trained.wk, "wk");
  const identity = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  const trained: number[] = [];
  const pre: number[] = [];
  /** The mean cosines at one N against numpy's; at N = 1 every episode's cosine against 1. */
  const sweepCase = (s: KvFixture["sweep"][number]): Compared => {
    const eps = kvEpisodes(s);
    const c = kvMeanCosine(d, wk, eps);
    const ci = kvMeanCosine(d, identity, eps);
    trained.push(c);
    pre.push(ci);
    const cmp = new Comparison()
      .add(
        "trained mean cosine",
        [c],
        [s.meanCosTrained],
        relativeBounds([s.meanCosTrained], FIXTURE_F64_REL),
      )
      .add(
        "W_K = I mean cosine",
        [ci],
        [s.meanCosIdentity],
        relativeBounds([s.meanCosIdentity], FIXTURE_F64_REL),
      );
    if (s.pairs === 1) {
      // One stored pair is recalled exactly (up to f64 rounding) by any projector.
      const ones = eps.map(() => 1);
      const cos = (w: Float64Array) => eps.map((ep) => kvCosine(kvForward(d, w, ep).y, ep.values));
      cmp.add("trained cosine per episode", cos(wk), ones, FIXTURE_F64_REL);
      cmp.add("W_K = I cosine per episode", cos(identity), ones, FIXTURE_F64_REL);
    }
    return cmp;
  };
  type Case = () => Compared;
  const m = await differential<Case>(t, {
    cases: data.sweep.map((s) => ({ name: `N=${s.pairs}`, input: () => sweepCase(s) })),
    ...jointly((c: Case) => c()),
  });
  recordFigure({
    id: "key_value_capacity",
    claim: KV_CAPACITY_SWEEP.id,
    title: "Key-value binding: mean recall cosine against stored pairs N",
    x: { label: "stored pairs N" },
    y: { label: "mean cosine(y, v)" },
    series: [
      { name: "trained W_K", points: data.sweep.map((s, i) => [s.pairs, trained[i]!] as const) },
      {
        name: "W_K = I (before training)",
        points: data.sweep.map((s, i) => [s.pairs, pre[i]!] as const),
      },
    ],
  });
  // Non-monotone: the trained curve rises somewhere.
  const rises = trained.flatMap((c, i) => (i > 0 && c > trained[i - 1]! ? [i + 1] : []));
  const f = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(", ");
  return {
    ...m,
    pass: m.pass && rises.length > 0,
    parts: [{
      name: "rises of the trained curve",
      figure: rises.length,
      bound: 1,
      direction: ">=",
    }],
    detail: `${m.detail}; trained sweep N = 1..12 [${f(trained)}]; W_K = I [${f(pre)}]; the ` +
      `trained curve rises at N = ${rises.join(", ")} (non-monotone); ${integrity}`,
  };
});

claimTest(KV_FIXTURE_GPU, async (t) => {
  await initGpu();
  const { data, integrity } = await loadKv();
  const { keyDim: d, valueDim: dv } = data.config;
  const task = { ...data.config, alpha: 1, beta: 0.4 };
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
  // carry that rounding (_bounds.ts `uploaded`), so numpy's own values are the reference.
  const projectors = data.cases.map((c) => f64(c.wk, "wk"));
  // Every projector's episodes in one evaluation dispatch.
  let evaluation: Promise<(Float32Array | Int32Array)[]> | undefined;
  const runEvaluation = () =>
    evaluation ??= (async () => {
      const out = kvEvaluate(task, projectors.flatMap((w) => Array.from(w)), host, eps.length);
      try {
        return await readTensors([out.y, out.fast, out.loss, out.grad]);
      } finally {
        for (const x of Object.values(out)) x.dispose();
      }
    })();
  /** Projector `ci` over the fixture's episodes against numpy's reads, losses and gradients. */
  const projectorCase = async (ci: number): Promise<Compared> => {
    const [y, fast, loss, grad] = await runEvaluation();
    const c = data.cases[ci]!;
    const cmp = new Comparison();
    eps.forEach((ep, j) => {
      const e = ci * eps.length + j;
      const tr = trackKvEpisode(d, projectors[ci]!, ep);
      const tag = `episode ${j}`;
      const ref = (a: Enc, name: string, per: number) => f64(a, name).slice(j * per, (j + 1) * per);
      cmp.add(`y ${tag}`, y!.slice(e * dv, (e + 1) * dv), ref(c.y, "y", dv), referenceBounds(tr.y));
      cmp.add(
        `W_fast ${tag}`,
        fast!.slice(e * dv * d, (e + 1) * dv * d),
        ref(c.fast, "fast", dv * d),
        referenceBounds(tr.fast),
      );
      cmp.add(
        `loss ${tag}`,
        [loss![e]!],
        [f64List(c.loss, "loss")[j]!],
        referenceBounds([tr.loss]),
      );
      cmp.add(
        `∂L/∂W_K ${tag}`,
        grad!.slice(e * d * d, (e + 1) * d * d),
        ref(c.grad, "grad", d * d),
        referenceBounds(tr.grad),
      );
    });
    return cmp;
  };
  /** One SGD step of the training kernel from numpy's projector, against numpy's step. */
  const sgdCase = async (s: KvFixture["sgdSteps"][number]): Promise<Compared> => {
    const wk0 = f64(s.wk, "wk");
    const ep = { keys: f64(s.keys, "keys"), values: f64(s.values, "values"), query: s.query };
    const run = kvTrainFrom(task, [Float32Array.from(wk0)], [{
      count: 1,
      pairs: data.config.pairs,
      keys: Float32Array.from(ep.keys),
      values: Float32Array.from(ep.values),
      query: Int32Array.of(s.query),
    }], { steps: 1, lr: data.config.lr, maxNorm: data.config.maxNorm });
    let next: Float32Array | Int32Array;
    try {
      [next] = (await readTensors([run.wk])) as [Float32Array | Int32Array];
    } finally {
      run.wk.dispose();
      run.losses.dispose();
    }
    const tr = trackKvStep(d, wk0, ep, data.config.lr, data.config.maxNorm);
    return new Comparison().add("W_K", next, f64(s.wkNext, "wkNext"), referenceBounds(tr.wk));
  };
  type Case = () => Promise<Compared>;
  const m = await differential<Case>(t, {
    cases: [
      ...data.cases.map((c, ci) => ({
        name: `projector ${c.projector} (${eps.length} episodes)`,
        input: () => projectorCase(ci),
      })),
      ...data.sgdSteps.map((s, i) => ({
        name: `SGD step ${i} (‖g‖ = ${s.norm.toPrecision(3)}, clip ` +
          `${s.norm > data.config.maxNorm ? "active" : "inactive"})`,
        input: () => sgdCase(s),
      })),
    ],
    ...jointly((c: Case) => c()),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});
