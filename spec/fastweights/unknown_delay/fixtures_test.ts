/**
 * Parity with the numpy f64 references (fixtures/fastweights/*.json): the
 * oracle within FIXTURE_F64_REL, the GPU within its running f32 bounds. The
 * fixtures carry numpy's own draws (initial parameters, episodes), so no
 * PCG64 stream is reproduced here.
 *
 * @module
 */
import { initGpu, readTensors, tensor, zeros } from "../../../impl/mod.ts";
import {
  UdEpisodes,
  UnknownDelayNet,
} from "../../../impl/fastweights/unknown_delay/unknown_delay.ts";
import { FIXTURE_F64_REL } from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  adamStep,
  UD_ADAM,
  UD_PARAM_NAMES,
  udBackward,
  udBitAccuracy,
  type UdConfig,
  type UdEpisode,
  udEpisodeFromDraws,
  udFlatten,
  udForward,
  type UdParams,
  type UdStepGradients,
} from "../../oracle/fastweights/unknown_delay.ts";
import { UD_FIXTURE_GPU, UD_FIXTURE_ORACLE, UD_FIXTURE_TRAINED } from "./claims.ts";
import {
  type EncodedArray,
  f64,
  f64List,
  i8,
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
import type { Tracked } from "../../../invariants/tolerance.ts";
import { referenceBounds, trackAdamStep, trackUdBackward, trackUdForward } from "./_bounds.ts";
import { validSteps } from "./_cases.ts";

type Enc = EncodedArray;
type Named = Record<string, Enc>;

interface UdBatch {
  K: number;
  x: Enc;
  target: Enc;
  y: Enc;
  loss: number;
  dy: Enc;
  history: Enc;
  grads: Named;
  h: Enc;
  k: Enc;
  v: Enc;
  q: Enc;
  g: Enc;
}

interface UdStepsFixture {
  format: string;
  config: UdConfig;
  params: Named;
  batches: UdBatch[];
  adam: {
    grads1: Named;
    norm1: number;
    params1: Named;
    grads2: Named;
    norm2: number;
    params2: Named;
    m2: Named;
    v2: Named;
  }[];
}

function udParams(enc: Named): UdParams {
  const out = {} as UdParams;
  for (const n of UD_PARAM_NAMES) out[n] = f64(enc[n]!, n);
  return out;
}

function flatNamed(enc: Named): Float64Array {
  return Float64Array.from(UD_PARAM_NAMES.flatMap((n) => Array.from(f64(enc[n]!, n))));
}

function batchEpisodes(cfg: UdConfig, b: UdBatch): UdEpisode[] {
  const x = f64(b.x, "x");
  const target = f64(b.target, "target");
  const [B, T, w] = b.x.shape as [number, number, number];
  return Array.from({ length: B }, (_, e) => ({
    steps: T,
    x: x.slice(e * T * w, (e + 1) * T * w),
    target: target.slice(e * cfg.p, (e + 1) * cfg.p),
  }));
}

claimTest(UD_FIXTURE_ORACLE, async (t) => {
  const { data, integrity } = await loadFastweightsFixture<UdStepsFixture>(
    "unknown_delay_steps.json",
    "memspec.fastweights.unknown_delay_steps.v1",
  );
  const cfg = data.config;
  const params = udParams(data.params);
  const rel = (ref: ArrayLike<number>) => relativeBounds(ref, FIXTURE_F64_REL);
  /** One batch: heads, W history, reads, loss and every gradient against numpy's. */
  const batchCase = (b: UdBatch): Compared => {
    const eps = batchEpisodes(cfg, b);
    const fwd = udForward(cfg, params, eps, { history: true });
    const steps: UdStepGradients[] = [];
    const grads = udBackward(cfg, params, eps, fwd, steps);
    const out = new Comparison();
    const put = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
      out.add(name, got, want, rel(want));
    const cat = (f: (a: typeof fwd.episodes[number]) => Float64Array) =>
      Float64Array.from(fwd.episodes.flatMap((a) => Array.from(f(a))));
    put("h", cat((a) => a.h), f64(b.h, "h"));
    put("k", cat((a) => a.k), f64(b.k, "k"));
    put("v", cat((a) => a.v), f64(b.v, "v"));
    put("q", cat((a) => a.q), f64(b.q, "q"));
    put("g", cat((a) => a.g), f64(b.g, "g"));
    put("W history", cat((a) => a.history!), f64(b.history, "history"));
    put("y", cat((a) => a.y), f64(b.y, "y"));
    put("loss", [fwd.loss], [b.loss]);
    put("dy", steps.flatMap((s) => Array.from(s.dy)), f64(b.dy, "dy"));
    for (const n of UD_PARAM_NAMES) put(`∂L/∂${n}`, grads[n], f64(b.grads[n]!, n));
    return out;
  };
  /** Two Adam steps from the fixture's parameters, against numpy's norms, parameters and moments. */
  const adamCase = (a: UdStepsFixture["adam"][number]): Compared => {
    const p = udFlatten(params);
    const state = { m: new Float64Array(p.length), v: new Float64Array(p.length), step: 0 };
    const out = new Comparison();
    const put = (name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
      out.add(name, got, want, rel(want));
    const n1 = adamStep(p, flatNamed(a.grads1), state, UD_ADAM);
    put("norm 1", [n1], [a.norm1]);
    put("params 1", p.slice(), flatNamed(a.params1));
    const n2 = adamStep(p, flatNamed(a.grads2), state, UD_ADAM);
    put("norm 2", [n2], [a.norm2]);
    put("params 2", p, flatNamed(a.params2));
    put("m 2", state.m, flatNamed(a.m2));
    put("v 2", state.v, flatNamed(a.v2));
    return out;
  };
  type Case = () => Compared;
  const m = await differential<Case>(t, {
    cases: [
      ...data.batches.map((b) => ({
        name: `batch K=${b.K} (${b.x.shape[0]} episodes)`,
        input: () => batchCase(b),
      })),
      ...data.adam.map((a, i) => ({
        name: `Adam ${i}: two steps, clip ${a.norm1 > UD_ADAM.maxNorm ? "active" : "inactive"} ` +
          `(‖g‖ = ${a.norm1.toFixed(2)})`,
        input: () => adamCase(a),
      })),
    ],
    ...jointly((c: Case) => c()),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

claimTest(UD_FIXTURE_GPU, async (t) => {
  await initGpu();
  const { data, integrity } = await loadFastweightsFixture<UdStepsFixture>(
    "unknown_delay_steps.json",
    "memspec.fastweights.unknown_delay_steps.v1",
  );
  const cfg = data.config;
  const { p, hidden: H, keyDim: dk } = cfg;
  const params = udParams(data.params);
  const flat = Array.from(udFlatten(params));
  const S = data.batches.length;
  const eps = data.batches.map((b) => batchEpisodes(cfg, b));
  // The three batches run as three "seeds" with the same parameters, in one recording.
  let batches:
    | Promise<{ read: (Float32Array | Int32Array)[]; grads: Float32Array; P: number; tm: number }>
    | undefined;
  const runBatches = () =>
    batches ??= (async () => {
      const net = new UnknownDelayNet(cfg, [0, 1, 2], [...flat, ...flat, ...flat]);
      const ep = UdEpisodes.upload(p, S, eps.flat());
      const a = net.allocateActivations(ep, true);
      const g = net.allocateGradients(ep);
      const losses = zeros([1, S]);
      try {
        net.recordForward(ep, a);
        net.recordBackward(ep, a, g, losses, 0);
        const read = await readTensors([
          a.h,
          a.keys,
          a.values,
          a.queries,
          a.gates,
          a.y,
          a.hist!,
          losses,
          g.grads,
        ]);
        return { read, grads: net.unpad(read[8]!), P: net.layout.total, tm: ep.tm };
      } finally {
        for (const x of [...Object.values(a), ...Object.values(g)]) x?.dispose();
        ep.dispose();
        net.dispose();
        losses.dispose();
      }
    })();
  /** Batch `s` (delay K) against numpy within the running bounds of the f32 uploads. */
  const batchCase = async (s: number): Promise<Compared> => {
    const { read: [h, k, v, q, gt, y, hist, loss], grads, P, tm } = await runBatches();
    const b = data.batches[s]!;
    const tf = trackUdForward(cfg, params, eps[s]!, true);
    const tb = trackUdBackward(cfg, params, eps[s]!, tf);
    const B = eps[s]!.length;
    const T = b.K + 2;
    const fx = (arr: Enc, name: string, e: number, per: number) =>
      f64(arr, name).slice(e * per, (e + 1) * per);
    const out = new Comparison();
    const put = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, bd: Tracked[]) =>
      out.add(name, got, want, referenceBounds(bd));
    eps[s]!.forEach((_, e) => {
      const n = s * B + e;
      const tag = `episode ${e}`;
      const te = tf.episodes[e]!;
      put(`h ${tag}`, validSteps(h!, n, tm, T, H), fx(b.h, "h", e, T * H), te.h);
      put(`k ${tag}`, validSteps(k!, n, tm, T, dk), fx(b.k, "k", e, T * dk), te.k);
      put(`v ${tag}`, validSteps(v!, n, tm, T, p), fx(b.v, "v", e, T * p), te.v);
      put(`q ${tag}`, validSteps(q!, n, tm, T, dk), fx(b.q, "q", e, T * dk), te.q);
      put(`g ${tag}`, validSteps(gt!, n, tm, T, 1), fx(b.g, "g", e, T), te.g);
      put(
        `W history ${tag}`,
        validSteps(hist!, n, tm, T, p * dk),
        fx(b.history, "history", e, T * p * dk),
        te.hist!,
      );
      put(`y ${tag}`, y!.slice(n * p, (n + 1) * p), fx(b.y, "y", e, p), te.y);
    });
    put("loss", [loss![s]!], [b.loss], [tf.loss]);
    put("∂L/∂params", grads.slice(s * P, (s + 1) * P), flatNamed(b.grads), tb.grads);
    return out;
  };
  // First Adam step of both fixture cases (clip inactive, active) in one dispatch.
  let adam: Promise<{ params: Float32Array; P: number }> | undefined;
  const runAdam = () =>
    adam ??= (async () => {
      const net = new UnknownDelayNet(cfg, [0, 1], [...flat, ...flat]);
      const norms = zeros([2]);
      const stride = net.layout.stride;
      try {
        const padded = new Float32Array(2 * stride);
        data.adam.forEach((c, i) => padded.set(Float32Array.from(flatNamed(c.grads1)), i * stride));
        const gt = tensor(padded, [2, stride]);
        try {
          net.recordAdam(gt, norms, UD_ADAM);
          const [p1] = await readTensors([net.params]);
          return { params: net.unpad(p1!), P: net.layout.total };
        } finally {
          gt.dispose();
        }
      } finally {
        net.dispose();
        norms.dispose();
      }
    })();
  const adamCase = async (i: number): Promise<Compared> => {
    const { params: got, P } = await runAdam();
    const c = data.adam[i]!;
    const z = new Float64Array(P);
    const tr = trackAdamStep(flat, flatNamed(c.grads1), z, z, 1, UD_ADAM);
    return new Comparison().add(
      "params",
      got.slice(i * P, (i + 1) * P),
      flatNamed(c.params1),
      referenceBounds(tr.params),
    );
  };
  type Case = () => Promise<Compared>;
  const m = await differential<Case>(t, {
    cases: [
      ...data.batches.map((b, s) => ({
        name: `batch K=${b.K} (${eps[s]!.length} episodes)`,
        input: () => batchCase(s),
      })),
      ...data.adam.map((c, i) => ({
        name: `Adam step 1, clip ${c.norm1 > UD_ADAM.maxNorm ? "active" : "inactive"} ` +
          `(‖g‖ = ${c.norm1.toFixed(2)})`,
        input: () => adamCase(i),
      })),
    ],
    ...jointly((c: Case) => c()),
  });
  return { ...m, detail: `${m.detail}; ${integrity}` };
});

interface UdTrainedFixture {
  format: string;
  config: UdConfig;
  finalLoss: number;
  params: Named;
  /** i32 [delays]: K = 1..60. */
  delays: Enc;
  episodesPerDelay: number;
  /** i8: per K, each episode's p ±1 bits of steps 0..K (episode-major). */
  signs: Enc;
  y: Enc;
  /** f64 [delays]: numpy's bit accuracy per K, f64 parameters. */
  accuracyF64: Enc;
  /** f64 [delays]: numpy's bit accuracy per K, parameters rounded to f32. */
  accuracyF32Params: Enc;
}

claimTest(UD_FIXTURE_TRAINED, async (t) => {
  await initGpu();
  const { data, integrity } = await loadFastweightsFixture<UdTrainedFixture>(
    "unknown_delay_trained.json",
    "memspec.fastweights.unknown_delay_trained.v1",
  );
  const cfg = data.config;
  const p = cfg.p;
  const params = udParams(data.params);
  const signs = i8(data.signs, "signs");
  const delays = ints(data.delays, "delays");
  const yRef = f64(data.y, "y");
  const E = data.episodesPerDelay;
  const episodes: UdEpisode[] = [];
  let o = 0;
  for (const K of delays) {
    for (let e = 0; e < E; e++) {
      const rows = Array.from(
        { length: K + 1 },
        (_, t) => Array.from(signs.subarray(o + t * p, o + (t + 1) * p)),
      );
      episodes.push(udEpisodeFromDraws(p, rows[0]!, rows.slice(1)));
      o += (K + 1) * p;
    }
  }
  const groupsOf = <T>(xs: readonly T[]) => delays.map((_, u) => xs.slice(u * E, (u + 1) * E));
  const ones = delays.map(() => 1);
  const accuracy: Record<"oracle" | "gpu", number[]> = { oracle: [], gpu: [] };
  /** Oracle: every read within FIXTURE_F64_REL of numpy's, and 100% bit accuracy per K. */
  const oracleCase = (): Compared => {
    const ys = groupsOf(episodes).flatMap((eps) => udForward(cfg, params, eps).episodes)
      .map((a) => a.y);
    accuracy.oracle = groupsOf(ys).map((g, u) =>
      udBitAccuracy(g, groupsOf(episodes)[u]!.map((e) => e.target))
    );
    const got = Float64Array.from(ys.flatMap((y) => Array.from(y)));
    return new Comparison()
      .add("y", got, yRef, relativeBounds(yRef, FIXTURE_F64_REL))
      .add("bit accuracy per K", accuracy.oracle, ones, 0);
  };
  /** GPU: every episode in one batch; 100% bit accuracy per K, reads of episodes 0 and E − 1 of K = 1, 30, 60 within their bounds. */
  const gpuCase = async (): Promise<Compared> => {
    const net = new UnknownDelayNet(cfg, [0], Array.from(udFlatten(params)));
    const ep = UdEpisodes.upload(p, 1, episodes);
    const a = net.allocateActivations(ep);
    let y: Float32Array | Int32Array;
    try {
      net.recordForward(ep, a);
      [y] = (await readTensors([a.y])) as [Float32Array | Int32Array];
    } finally {
      for (const x of Object.values(a)) x?.dispose();
      ep.dispose();
      net.dispose();
    }
    const ys = episodes.map((_, n) => y.subarray(n * p, (n + 1) * p));
    accuracy.gpu = groupsOf(ys).map((g, u) =>
      udBitAccuracy(g, groupsOf(episodes)[u]!.map((e) => e.target))
    );
    const out = new Comparison().add("bit accuracy per K", accuracy.gpu, ones, 0);
    for (const K of [1, 30, 60]) {
      const u = delays.indexOf(K);
      for (const e of [0, E - 1]) {
        const n = u * E + e;
        const tr = trackUdForward(cfg, params, [episodes[n]!]);
        out.add(
          `y K=${K} episode ${e}`,
          y.slice(n * p, (n + 1) * p),
          yRef.slice(n * p, (n + 1) * p),
          referenceBounds(tr.episodes[0]!.y),
        );
      }
    }
    return out;
  };
  type Case = () => Compared | Promise<Compared>;
  const Ks = `K = ${delays[0]}..${delays.at(-1)}, ${E} episodes each`;
  const m = await differential<Case>(t, {
    cases: [
      { name: `oracle: reads and bit accuracy (${Ks})`, input: oracleCase },
      { name: `GPU: bit accuracy (${Ks}) and reads at K = 1, 30, 60`, input: gpuCase },
    ],
    ...jointly((c: Case) => c()),
  });
  // The claim's figure is the accuracy (>= 1); the reads' worst ratio is its second part.
  const min = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);
  const acc = Math.min(min(accuracy.oracle), min(accuracy.gpu));
  return {
    figure: acc,
    bound: 1,
    pass: m.pass && acc === 1,
    parts: [{ name: "reads' worst ratio", figure: Number(m.figure), bound: 1, direction: "<=" }],
    detail: `min bit accuracy: oracle ${min(accuracy.oracle)}, GPU ${min(accuracy.gpu)}, numpy ` +
      `f64 ${
        min(f64List(data.accuracyF64, "accuracyF64"))
      }; reads: ${m.detail}; numpy's final training MSE ` +
      `${data.finalLoss.toExponential(2)}; ${integrity}`,
  };
});
