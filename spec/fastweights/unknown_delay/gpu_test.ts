/**
 * Unknown-delay GPU parity: the episode generator, the fused forward, the
 * fused backward and the clip + Adam kernel against the f64 oracle, each
 * element within its running f32 bound (spec/fastweights/unknown_delay/_bounds.ts).
 *
 * @module
 */
import { initGpu, liveBufferCount, readTensors, tensor, zeros } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  UD_ADAM_DEFAULTS,
  UdEpisodes,
  udStreamsTensor,
  udTrainingStreams,
  UnknownDelayNet,
} from "../../../impl/fastweights/unknown_delay/unknown_delay.ts";
import { udLayout } from "../../../impl/fastweights/unknown_delay/layout.ts";
import { claimTest } from "../../_harness/claim.ts";
import { roundToF32 } from "../../oracle/ndarray.ts";
import {
  adamStep,
  UD_DEFAULTS,
  UD_PARAM_NAMES,
  udBackward,
  type UdConfig,
  udDelayAt,
  type UdEpisode,
  udFlatten,
  udForward,
  udMakeEpisode,
  type UdParams,
  udParamShapes,
  type UdStepGradients,
} from "../../oracle/fastweights/unknown_delay.ts";
import { UD_GPU_ADAM, UD_GPU_FORWARD, UD_GPU_GRADIENTS } from "./claims.ts";
import { trackAdamStep, trackUdBackward, trackUdForward } from "./_bounds.ts";
import { WorstRatio } from "../../_harness/worst_ratio.ts";
import { f32Params, randomUdParams, udEpisodes, validSteps } from "./_cases.ts";

interface Setup {
  cfg: UdConfig;
  params: UdParams[];
  episodes: UdEpisode[][];
}

/** Two seeds with different parameters and delays, including K = 0 and a long episode. */
function setup(): Setup {
  const cfg = UD_DEFAULTS;
  return {
    cfg,
    params: [f32Params(cfg, randomUdParams(cfg, 21, 2)), f32Params(cfg, randomUdParams(cfg, 22))],
    episodes: [udEpisodes(cfg.p, 31, [1, 7, 20]), udEpisodes(cfg.p, 32, [0, 25, 3])],
  };
}

function uploadNet(s: Setup): UnknownDelayNet {
  const flat = s.params.flatMap((p) => Array.from(udFlatten(p)));
  return new UnknownDelayNet(s.cfg, s.params.map((_, i) => i), flat);
}

claimTest(UD_GPU_FORWARD, async () => {
  await initGpu();
  const before = liveBufferCount();
  const s = setup();
  const { cfg } = s;
  const { p, hidden: H, keyDim: dk } = cfg;
  // The layout the GPU uses is the oracle's flat order.
  const l = udLayout(cfg);
  const shapes = udParamShapes(cfg);
  let off = 0;
  for (const name of UD_PARAM_NAMES) {
    if (l[name] !== off) throw new Error(`GPU layout puts ${name} at ${l[name]}, oracle at ${off}`);
    off += shapes[name].reduce((a, b) => a * b, 1);
  }
  const worst = new WorstRatio();
  const net = uploadNet(s);
  const ep = UdEpisodes.upload(p, 2, s.episodes.flat());
  const a = net.allocateActivations(ep, true);
  const losses = zeros([1, 2]);
  const g = net.allocateGradients(ep);
  // Episode generator: a training batch and evaluation groups, against the oracle's generator.
  const seeds = [5, 6];
  const streams = udStreamsTensor(seeds.map(udTrainingStreams));
  const train = new UdEpisodes(p, 2, 4, 32);
  const groups = new UdEpisodes(p, 2, 6, 62);
  let generatorMismatches = 0;
  try {
    net.recordForward(ep, a);
    net.recordBackward(ep, a, g, losses, 0);
    train.recordTraining(streams, 17, 5, 30);
    groups.recordGroups(streams, [0, 60, 13], 2);
    const [h, k, v, gt, q, y, w, hist, loss, tx, tt, tl, gx, gtg, gl] = await readTensors([
      a.h,
      a.keys,
      a.values,
      a.gates,
      a.queries,
      a.y,
      a.w,
      a.hist!,
      losses,
      train.x,
      train.target,
      train.lens,
      groups.x,
      groups.target,
      groups.lens,
    ]);
    s.episodes.forEach((eps, si) => {
      const ref = udForward(cfg, s.params[si]!, eps, { history: true });
      const tr = trackUdForward(cfg, s.params[si]!, eps, true);
      eps.forEach((e, j) => {
        const n = si * eps.length + j;
        const o = ref.episodes[j]!;
        const b = tr.episodes[j]!;
        const T = e.steps;
        const tag = `seed ${si} episode ${j} (K=${T - 2})`;
        worst.check(`h ${tag}`, validSteps(h!, n, ep.tm, T, H), o.h, b.h);
        worst.check(`k ${tag}`, validSteps(k!, n, ep.tm, T, dk), o.k, b.k);
        worst.check(`v ${tag}`, validSteps(v!, n, ep.tm, T, p), o.v, b.v);
        worst.check(`q ${tag}`, validSteps(q!, n, ep.tm, T, dk), o.q, b.q);
        worst.check(`g ${tag}`, validSteps(gt!, n, ep.tm, T, 1), o.g, b.g);
        worst.check(
          `W history ${tag}`,
          validSteps(hist!, n, ep.tm, T, p * dk),
          o.history!,
          b.hist!,
        );
        worst.check(`W ${tag}`, w!.slice(n * p * dk, (n + 1) * p * dk), o.w, b.w);
        worst.check(`y ${tag}`, y!.slice(n * p, (n + 1) * p), o.y, b.y);
      });
      worst.check(`loss seed ${si}`, [loss![si]!], [ref.loss], [tr.loss]);
    });
    // Generator: exact equality with the oracle's draws.
    const checkGen = (
      x: ArrayLike<number>,
      target: ArrayLike<number>,
      lens: ArrayLike<number>,
      tm: number,
      perSeed: number,
      make: (s: number, e: number) => UdEpisode,
    ) => {
      for (let si = 0; si < 2; si++) {
        for (let e = 0; e < perSeed; e++) {
          const n = si * perSeed + e;
          const want = make(si, e);
          if (lens[n] !== want.steps) generatorMismatches++;
          const got = validSteps(x, n, tm, want.steps, p + 2);
          for (let i = 0; i < got.length; i++) if (got[i] !== want.x[i]) generatorMismatches++;
          for (let j = 0; j < p; j++) {
            if (target[n * p + j] !== want.target[j]) generatorMismatches++;
          }
          for (let i = want.steps * (p + 2); i < tm * (p + 2); i++) {
            if (x[n * tm * (p + 2) + i] !== 0) generatorMismatches++;
          }
        }
      }
    };
    checkGen(tx!, tt!, tl!, 32, 4, (si, e) => {
      const [bits, delays] = udTrainingStreams(seeds[si]!);
      const K = udDelayAt(new Rng(delays), 17, 5, 30);
      return udMakeEpisode(new Rng(bits), p, 17, e, 4, K);
    });
    checkGen(gx!, gtg!, gl!, 62, 6, (si, e) => {
      const [bits] = udTrainingStreams(seeds[si]!);
      const u = Math.floor(e / 2);
      return udMakeEpisode(new Rng(bits), p, u, e % 2, 2, [0, 60, 13][u]!);
    });
  } finally {
    for (const t of [...Object.values(a), ...Object.values(g)]) t?.dispose();
    for (const t of [ep, train, groups, net]) t.dispose();
    streams.dispose();
    losses.dispose();
  }
  const leaked = liveBufferCount() - before;
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1 && generatorMismatches === 0 && leaked === 0,
    detail: `${worst.summary()}; generator: ${generatorMismatches} values differ from the ` +
      `oracle's draws (training batch and K ∈ {0, 60, 13} groups); ${leaked} buffers leaked`,
  };
});

claimTest(UD_GPU_GRADIENTS, async () => {
  await initGpu();
  const before = liveBufferCount();
  const s = setup();
  const { cfg } = s;
  const { p, keyDim: dk } = cfg;
  const worst = new WorstRatio();
  const net = uploadNet(s);
  const ep = UdEpisodes.upload(p, 2, s.episodes.flat());
  const a = net.allocateActivations(ep);
  const g = net.allocateGradients(ep);
  const losses = zeros([1, 2]);
  try {
    net.recordForward(ep, a);
    net.recordBackward(ep, a, g, losses, 0);
    const [dy, dK, dV, dG, dQ, grads] = await readTensors([
      g.dy,
      g.dKeys,
      g.dValues,
      g.dGates,
      g.dQuery,
      g.grads,
    ]);
    const gradsFlat = net.unpad(grads!);
    const P = net.layout.total;
    s.episodes.forEach((eps, si) => {
      const ref = udForward(cfg, s.params[si]!, eps);
      const steps: UdStepGradients[] = [];
      const refGrads = udFlatten(udBackward(cfg, s.params[si]!, eps, ref, steps));
      const tf = trackUdForward(cfg, s.params[si]!, eps);
      const tb = trackUdBackward(cfg, s.params[si]!, eps, tf);
      eps.forEach((e, j) => {
        const n = si * eps.length + j;
        const T = e.steps;
        const sg = steps[j]!;
        const tag = `seed ${si} episode ${j} (K=${T - 2})`;
        worst.check(`dy ${tag}`, dy!.slice(n * p, (n + 1) * p), sg.dy, tf.dy[j]!);
        worst.check(`dk ${tag}`, validSteps(dK!, n, ep.tm, T, dk), sg.dk, tb.dKeys[j]!);
        worst.check(`dv ${tag}`, validSteps(dV!, n, ep.tm, T, p), sg.dv, tb.dValues[j]!);
        worst.check(`dg ${tag}`, validSteps(dG!, n, ep.tm, T, 1), sg.dg, tb.dGates[j]!);
        worst.check(`dq ${tag}`, dQ!.slice(n * dk, (n + 1) * dk), sg.dq, tb.dQuery[j]!);
      });
      worst.check(
        `∂L/∂params seed ${si}`,
        gradsFlat.slice(si * P, (si + 1) * P),
        refGrads,
        tb.grads,
      );
    });
  } finally {
    for (const t of [...Object.values(a), ...Object.values(g)]) t?.dispose();
    ep.dispose();
    net.dispose();
    losses.dispose();
  }
  const leaked = liveBufferCount() - before;
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1 && leaked === 0,
    detail: `${worst.summary()}; ${leaked} buffers leaked`,
  };
});

claimTest(UD_GPU_ADAM, async () => {
  await initGpu();
  const before = liveBufferCount();
  const s = setup();
  const { cfg } = s;
  const P = udLayout(cfg).total;
  const net = uploadNet(s);
  const stride = net.layout.stride;
  const norms = zeros([2]);
  const worst = new WorstRatio();
  const rng = new Rng(77);
  // Seed 0's gradients have norm ≈ 30 (clip active), seed 1's ≈ 0.03 (inactive).
  const gradsFor = (scale: number) =>
    roundToF32(Float64Array.from({ length: P }, () => rng.normal() * scale));
  const clipped: string[] = [];
  try {
    for (let step = 1; step <= 2; step++) {
      const [p0, m0, v0] = (await readTensors([net.params, net.m, net.v])).map((x) => net.unpad(x));
      const gs = [gradsFor(1), gradsFor(1e-3)];
      const padded = new Float32Array(2 * stride);
      gs.forEach((gv, si) => padded.set(Float32Array.from(gv), si * stride));
      const gt = tensor(padded, [2, stride]);
      net.recordAdam(gt, norms, UD_ADAM_DEFAULTS);
      const [p1, m1, v1, nrm] = await readTensors([net.params, net.m, net.v, norms]);
      gt.dispose();
      for (let si = 0; si < 2; si++) {
        const slice = (x: ArrayLike<number>) =>
          Float64Array.from({ length: P }, (_, i) => x[si * P + i]!);
        const params = slice(p0!);
        const state = { m: slice(m0!), v: slice(v0!), step: step - 1 };
        const normRef = adamStep(params, gs[si]!, state, UD_ADAM_DEFAULTS);
        const tr = trackAdamStep(
          slice(p0!),
          gs[si]!,
          slice(m0!),
          slice(v0!),
          step,
          UD_ADAM_DEFAULTS,
        );
        const tag = `step ${step} seed ${si} (‖g‖ = ${normRef.toPrecision(3)})`;
        clipped.push(`${normRef > 1 ? "clipped" : "unclipped"} ${tag}`);
        const unpad = (x: ArrayLike<number>) =>
          Float64Array.from({ length: P }, (_, i) => x[si * stride + i]!);
        worst.check(`norm ${tag}`, [nrm![si]!], [normRef], [tr.norm]);
        worst.check(`params ${tag}`, unpad(p1!), params, tr.params);
        worst.check(`m ${tag}`, unpad(m1!), state.m, tr.m);
        worst.check(`v ${tag}`, unpad(v1!), state.v, tr.v);
      }
    }
  } finally {
    net.dispose();
    norms.dispose();
  }
  const leaked = liveBufferCount() - before;
  return {
    figure: worst.ratio,
    bound: 1,
    pass: worst.ratio <= 1 && leaked === 0,
    detail: `${worst.summary()}; cases: ${clipped.join(", ")}; ${leaked} buffers leaked`,
  };
});
