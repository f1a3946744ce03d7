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
  decode,
  type EncodedArray,
  f64,
  loadFastweightsFixture,
} from "../../_harness/encoded_arrays.ts";
import { F64Worst, WorstRatio } from "../../_harness/worst_ratio.ts";
import { trackAdamStep, trackUdBackward, trackUdForward } from "./_bounds.ts";
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

/** Worst |oracle − numpy| / max(|numpy|, 1), the FIXTURE_F64_REL measure. */
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

claimTest(UD_FIXTURE_ORACLE, async () => {
  const { data, integrity } = await loadFastweightsFixture<UdStepsFixture>(
    "unknown_delay_steps.json",
    "memspec-fastweights-unknown-delay-steps-1",
  );
  const cfg = data.config;
  const params = udParams(data.params);
  const w = new F64Worst();
  for (const b of data.batches) {
    const eps = batchEpisodes(cfg, b);
    const fwd = udForward(cfg, params, eps, { history: true });
    const steps: UdStepGradients[] = [];
    const grads = udBackward(cfg, params, eps, fwd, steps);
    const tag = `K=${b.K}`;
    const cat = (f: (a: typeof fwd.episodes[number]) => Float64Array) =>
      Float64Array.from(fwd.episodes.flatMap((a) => Array.from(f(a))));
    w.check(`h ${tag}`, cat((a) => a.h), f64(b.h, "h"));
    w.check(`k ${tag}`, cat((a) => a.k), f64(b.k, "k"));
    w.check(`v ${tag}`, cat((a) => a.v), f64(b.v, "v"));
    w.check(`q ${tag}`, cat((a) => a.q), f64(b.q, "q"));
    w.check(`g ${tag}`, cat((a) => a.g), f64(b.g, "g"));
    w.check(`W history ${tag}`, cat((a) => a.history!), f64(b.history, "history"));
    w.check(`y ${tag}`, cat((a) => a.y), f64(b.y, "y"));
    w.check(`loss ${tag}`, [fwd.loss], [b.loss]);
    w.check(`dy ${tag}`, steps.flatMap((s) => Array.from(s.dy)), f64(b.dy, "dy"));
    for (const n of UD_PARAM_NAMES) w.check(`∂L/∂${n} ${tag}`, grads[n], f64(b.grads[n]!, n));
  }
  for (const [i, a] of data.adam.entries()) {
    const p = udFlatten(params);
    const state = { m: new Float64Array(p.length), v: new Float64Array(p.length), step: 0 };
    const n1 = adamStep(p, flatNamed(a.grads1), state, UD_ADAM);
    w.check(`Adam ${i} norm 1`, [n1], [a.norm1]);
    w.check(`Adam ${i} params 1`, p, flatNamed(a.params1));
    const n2 = adamStep(p, flatNamed(a.grads2), state, UD_ADAM);
    w.check(`Adam ${i} norm 2`, [n2], [a.norm2]);
    w.check(`Adam ${i} params 2`, p, flatNamed(a.params2));
    w.check(`Adam ${i} m 2`, state.m, flatNamed(a.m2));
    w.check(`Adam ${i} v 2`, state.v, flatNamed(a.v2));
  }
  return {
    figure: w.worst,
    bound: FIXTURE_F64_REL,
    pass: w.worst <= FIXTURE_F64_REL,
    detail: `worst at ${w.where}; ${w.count} values (3 batches K = 1, 7, 20; Adam steps with ` +
      `the clip inactive (‖g‖ = ${data.adam[0]!.norm1.toFixed(2)}) and active ` +
      `(‖g‖ = ${data.adam[1]!.norm1.toFixed(2)})); ${integrity}`,
  };
});

claimTest(UD_FIXTURE_GPU, async () => {
  await initGpu();
  const { data, integrity } = await loadFastweightsFixture<UdStepsFixture>(
    "unknown_delay_steps.json",
    "memspec-fastweights-unknown-delay-steps-1",
  );
  const cfg = data.config;
  const { p, hidden: H, keyDim: dk } = cfg;
  const params = udParams(data.params);
  const flat = Array.from(udFlatten(params));
  const worst = new WorstRatio();
  // The three batches run as three "seeds" with the same parameters.
  const S = data.batches.length;
  const net = new UnknownDelayNet(cfg, [0, 1, 2], [...flat, ...flat, ...flat]);
  const eps = data.batches.map((b) => batchEpisodes(cfg, b));
  const ep = UdEpisodes.upload(p, S, eps.flat());
  const a = net.allocateActivations(ep, true);
  const g = net.allocateGradients(ep);
  const losses = zeros([1, S]);
  try {
    net.recordForward(ep, a);
    net.recordBackward(ep, a, g, losses, 0);
    const [h, k, v, q, gt, y, hist, loss, grads] = await readTensors([
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
    const gFlat = net.unpad(grads!);
    const P = net.layout.total;
    data.batches.forEach((b, s) => {
      const tf = trackUdForward(cfg, params, eps[s]!, true);
      const tb = trackUdBackward(cfg, params, eps[s]!, tf);
      const B = eps[s]!.length;
      const T = b.K + 2;
      const fx = (arr: Enc, name: string, e: number, per: number) =>
        f64(arr, name).slice(e * per, (e + 1) * per);
      eps[s]!.forEach((_, e) => {
        const n = s * B + e;
        const tag = `K=${b.K} episode ${e}`;
        const te = tf.episodes[e]!;
        worst.check(`h ${tag}`, validSteps(h!, n, ep.tm, T, H), fx(b.h, "h", e, T * H), te.h);
        worst.check(`k ${tag}`, validSteps(k!, n, ep.tm, T, dk), fx(b.k, "k", e, T * dk), te.k);
        worst.check(`v ${tag}`, validSteps(v!, n, ep.tm, T, p), fx(b.v, "v", e, T * p), te.v);
        worst.check(`q ${tag}`, validSteps(q!, n, ep.tm, T, dk), fx(b.q, "q", e, T * dk), te.q);
        worst.check(`g ${tag}`, validSteps(gt!, n, ep.tm, T, 1), fx(b.g, "g", e, T), te.g);
        worst.check(
          `W history ${tag}`,
          validSteps(hist!, n, ep.tm, T, p * dk),
          fx(b.history, "history", e, T * p * dk),
          te.hist!,
        );
        worst.check(`y ${tag}`, y!.slice(n * p, (n + 1) * p), fx(b.y, "y", e, p), te.y);
      });
      worst.check(`loss K=${b.K}`, [loss![s]!], [b.loss], [tf.loss]);
      worst.check(
        `∂L/∂params K=${b.K}`,
        gFlat.slice(s * P, (s + 1) * P),
        flatNamed(b.grads),
        tb.grads,
      );
    });
  } finally {
    for (const t of [...Object.values(a), ...Object.values(g)]) t?.dispose();
    ep.dispose();
    net.dispose();
    losses.dispose();
  }
  // First Adam step of both cases (clip inactive, active) against numpy.
  const adamNet = new UnknownDelayNet(cfg, [0, 1], [...flat, ...flat]);
  const norms = zeros([2]);
  const stride = adamNet.layout.stride;
  const P = adamNet.layout.total;
  try {
    const padded = new Float32Array(2 * stride);
    data.adam.forEach((c, i) => padded.set(Float32Array.from(flatNamed(c.grads1)), i * stride));
    const gt = tensor(padded, [2, stride]);
    adamNet.recordAdam(gt, norms, UD_ADAM);
    gt.dispose();
    const [p1] = await readTensors([adamNet.params]);
    const got = adamNet.unpad(p1!);
    data.adam.forEach((c, i) => {
      const z = new Float64Array(P);
      const tr = trackAdamStep(flat, flatNamed(c.grads1), z, z, 1, UD_ADAM);
      worst.check(
        `Adam step 1 (‖g‖ = ${c.norm1.toFixed(2)})`,
        got.slice(i * P, (i + 1) * P),
        flatNamed(c.params1),
        tr.params,
      );
    });
  } finally {
    adamNet.dispose();
    norms.dispose();
  }
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1,
    detail: `${worst.summary()}; ${integrity}`,
  };
});

interface UdTrainedFixture {
  format: string;
  config: UdConfig;
  finalLoss: number;
  params: Named;
  delays: number[];
  episodesPerDelay: number;
  signs: Enc;
  y: Enc;
  accuracyF64: number[];
  accuracyF32Params: number[];
}

claimTest(UD_FIXTURE_TRAINED, async () => {
  await initGpu();
  const { data, integrity } = await loadFastweightsFixture<UdTrainedFixture>(
    "unknown_delay_trained.json",
    "memspec-fastweights-unknown-delay-trained-1",
  );
  const cfg = data.config;
  const p = cfg.p;
  const params = udParams(data.params);
  const signs = decode(data.signs, "signs");
  const yRef = f64(data.y, "y");
  const E = data.episodesPerDelay;
  const episodes: UdEpisode[] = [];
  let o = 0;
  for (const K of data.delays) {
    for (let e = 0; e < E; e++) {
      const rows = Array.from(
        { length: K + 1 },
        (_, t) => Array.from(signs.subarray(o + t * p, o + (t + 1) * p)),
      );
      episodes.push(udEpisodeFromDraws(p, rows[0]!, rows.slice(1)));
      o += (K + 1) * p;
    }
  }
  // Oracle: reads within FIXTURE_F64_REL, accuracy per K.
  const f = new F64Worst();
  const oracleY: Float64Array[] = [];
  const oracleAcc: number[] = [];
  data.delays.forEach((_, u) => {
    const eps = episodes.slice(u * E, (u + 1) * E);
    const fwd = udForward(cfg, params, eps);
    const ys = fwd.episodes.map((a) => a.y);
    oracleY.push(...ys);
    oracleAcc.push(udBitAccuracy(ys, eps.map((e) => e.target)));
  });
  f.check("y", oracleY.flatMap((y) => Array.from(y)), yRef);
  // GPU: every episode in one batch; bounds on episodes 0 and 49 of K = 1, 30, 60.
  const flat = Array.from(udFlatten(params));
  const net = new UnknownDelayNet(cfg, [0], flat);
  const ep = UdEpisodes.upload(p, 1, episodes);
  const a = net.allocateActivations(ep);
  const worst = new WorstRatio();
  const gpuAcc: number[] = [];
  try {
    net.recordForward(ep, a);
    const [y] = await readTensors([a.y]);
    data.delays.forEach((_, u) => {
      const ys = Array.from(
        { length: E },
        (_, e) => y!.subarray((u * E + e) * p, (u * E + e + 1) * p),
      );
      gpuAcc.push(udBitAccuracy(ys, episodes.slice(u * E, (u + 1) * E).map((e) => e.target)));
    });
    for (const K of [1, 30, 60]) {
      const u = data.delays.indexOf(K);
      for (const e of [0, E - 1]) {
        const n = u * E + e;
        const tr = trackUdForward(cfg, params, [episodes[n]!]);
        worst.check(
          `y K=${K} episode ${e}`,
          y!.slice(n * p, (n + 1) * p),
          yRef.slice(n * p, (n + 1) * p),
          tr.episodes[0]!.y,
        );
      }
    }
  } finally {
    for (const t of Object.values(a)) t?.dispose();
    ep.dispose();
    net.dispose();
  }
  const minOracle = Math.min(...oracleAcc);
  const minGpu = Math.min(...gpuAcc);
  return {
    figure: Math.min(minOracle, minGpu),
    bound: 1,
    pass: minOracle === 1 && minGpu === 1 && f.worst <= FIXTURE_F64_REL && worst.ratio <= 1,
    detail: `min accuracy over K = 1..60 (50 episodes each): oracle ${minOracle}, GPU ${minGpu}, ` +
      `numpy f64 ${Math.min(...data.accuracyF64)}; oracle reads vs numpy worst ` +
      `${f.worst.toExponential(2)} (bound ${FIXTURE_F64_REL}) at ${f.where}; GPU reads ` +
      `${worst.summary()}; numpy's final training MSE ${data.finalLoss.toExponential(2)}; ` +
      integrity,
  };
});
