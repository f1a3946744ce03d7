/**
 * Unknown-delay GPU parity: the episode generator, the fused forward, the
 * fused backward and the clip + Adam kernel against the f64 oracle, each
 * element within its running f32 bound (spec/fastweights/unknown_delay/_bounds.ts).
 *
 * @module
 */
import { initGpu, readTensors, tensor, zeros } from "../../../impl/mod.ts";
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
import { UD_FAULTS, UD_GPU_ADAM, UD_GPU_FORWARD, UD_GPU_GRADIENTS } from "./claims.ts";
import { referenceBounds, trackAdamStep, trackUdBackward, trackUdForward } from "./_bounds.ts";
import { type Compared, Comparison, differential, jointly } from "../../_harness/differential.ts";
import type { Tracked } from "../../../invariants/tolerance.ts";
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

claimTest(UD_GPU_FORWARD, async (t) => {
  await initGpu();
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
  const seeds = [5, 6];
  const TRAIN = { perSeed: 4, tm: 32 };
  const GROUPS = { delays: [0, 60, 13], perDelay: 2, tm: 62 };
  // One recording of both seeds' forward and backward and of both generators, read back once.
  let gpu: Promise<{ read: (Float32Array | Int32Array)[]; tm: number }> | undefined;
  const runGpu = () =>
    gpu ??= (async () => {
      const net = uploadNet(s);
      const ep = UdEpisodes.upload(p, 2, s.episodes.flat());
      const a = net.allocateActivations(ep, true);
      const losses = zeros([1, 2]);
      const g = net.allocateGradients(ep);
      const streams = udStreamsTensor(seeds.map(udTrainingStreams));
      const train = new UdEpisodes(p, 2, TRAIN.perSeed, TRAIN.tm);
      const groups = new UdEpisodes(p, 2, GROUPS.delays.length * GROUPS.perDelay, GROUPS.tm);
      try {
        net.recordForward(ep, a);
        net.recordBackward(ep, a, g, losses, 0);
        train.recordTraining(streams, 17, 5, 30);
        groups.recordGroups(streams, GROUPS.delays, GROUPS.perDelay);
        const read = await readTensors([
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
        return { read, tm: ep.tm };
      } finally {
        for (const x of [...Object.values(a), ...Object.values(g)]) x?.dispose();
        for (const x of [ep, train, groups, net]) x.dispose();
        streams.dispose();
        losses.dispose();
      }
    })();
  /** Seed `si`'s heads, W history, final W, reads and loss within their running bounds. */
  const seedCase = async (si: number): Promise<Compared> => {
    const { read: [h, k, v, gt, q, y, w, hist, loss], tm } = await runGpu();
    const eps = s.episodes[si]!;
    const ref = udForward(cfg, s.params[si]!, eps, { history: true });
    const tr = trackUdForward(cfg, s.params[si]!, eps, true);
    const out = new Comparison();
    const put = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, b: Tracked[]) =>
      out.add(name, got, want, referenceBounds(b));
    eps.forEach((e, j) => {
      const n = si * eps.length + j;
      const o = ref.episodes[j]!;
      const b = tr.episodes[j]!;
      const T = e.steps;
      const tag = `episode ${j} (K=${T - 2})`;
      put(`h ${tag}`, validSteps(h!, n, tm, T, H), o.h, b.h);
      put(`k ${tag}`, validSteps(k!, n, tm, T, dk), o.k, b.k);
      put(`v ${tag}`, validSteps(v!, n, tm, T, p), o.v, b.v);
      put(`q ${tag}`, validSteps(q!, n, tm, T, dk), o.q, b.q);
      put(`g ${tag}`, validSteps(gt!, n, tm, T, 1), o.g, b.g);
      put(`W history ${tag}`, validSteps(hist!, n, tm, T, p * dk), o.history!, b.hist!);
      put(`W ${tag}`, w!.slice(n * p * dk, (n + 1) * p * dk), o.w, b.w);
      put(`y ${tag}`, y!.slice(n * p, (n + 1) * p), o.y, b.y);
    });
    put("loss", [loss![si]!], [ref.loss], [tr.loss]);
    return out;
  };
  /** A generator's batch against the oracle's draws, exactly (bound 0), padding included. */
  const generatorCase = async (
    which: "train" | "groups",
    make: (si: number, e: number) => UdEpisode,
  ): Promise<Compared> => {
    const { read } = await runGpu();
    const [x, target, lens] = which === "train" ? read.slice(9, 12) : read.slice(12, 15);
    const { tm: gtm, perSeed } = which === "train"
      ? TRAIN
      : { tm: GROUPS.tm, perSeed: GROUPS.delays.length * GROUPS.perDelay };
    const got: Record<string, number[]> = { lens: [], x: [], target: [], padding: [] };
    const want: Record<string, number[]> = { lens: [], x: [], target: [], padding: [] };
    for (let si = 0; si < 2; si++) {
      for (let e = 0; e < perSeed; e++) {
        const n = si * perSeed + e;
        const ep = make(si, e);
        got.lens!.push(lens![n]!);
        want.lens!.push(ep.steps);
        got.x!.push(...validSteps(x!, n, gtm, ep.steps, p + 2));
        want.x!.push(...ep.x);
        got.target!.push(...target!.subarray(n * p, (n + 1) * p));
        want.target!.push(...ep.target);
        const pad = x!.subarray(n * gtm * (p + 2) + ep.steps * (p + 2), (n + 1) * gtm * (p + 2));
        got.padding!.push(...pad);
        want.padding!.push(...new Array<number>(pad.length).fill(0));
      }
    }
    return { gpu: got, oracle: want, bound: { lens: 0, x: 0, target: 0, padding: 0 } };
  };
  type Case = () => Promise<Compared>;
  return differential<Case>(t, {
    cases: [
      { name: "seed 0 (K=1, 7, 20; parameters ×2)", input: () => seedCase(0) },
      { name: "seed 1 (K=0, 25, 3)", input: () => seedCase(1) },
      {
        name: "generator: training batch (iteration 17, K ∈ 5..30)",
        input: () =>
          generatorCase("train", (si, e) => {
            const [bits, delays] = udTrainingStreams(seeds[si]!);
            const K = udDelayAt(new Rng(delays), 17, 5, 30);
            return udMakeEpisode(new Rng(bits), p, 17, e, TRAIN.perSeed, K);
          }),
      },
      {
        name: "generator: groups K ∈ {0, 60, 13}",
        input: () =>
          generatorCase("groups", (si, e) => {
            const [bits] = udTrainingStreams(seeds[si]!);
            const u = Math.floor(e / GROUPS.perDelay);
            return udMakeEpisode(
              new Rng(bits),
              p,
              u,
              e % GROUPS.perDelay,
              GROUPS.perDelay,
              GROUPS.delays[u]!,
            );
          }),
      },
    ],
    ...jointly((c: Case) => c()),
  });
});

claimTest(UD_GPU_GRADIENTS, async (t) => {
  await initGpu();
  const s = setup();
  const { cfg } = s;
  const { p, keyDim: dk } = cfg;
  // One recording of both seeds' forward and backward, read back once.
  let gpu:
    | Promise<{ read: (Float32Array | Int32Array)[]; grads: Float64Array; P: number; tm: number }>
    | undefined;
  const runGpu = () =>
    gpu ??= (async () => {
      const net = uploadNet(s);
      const ep = UdEpisodes.upload(p, 2, s.episodes.flat());
      const a = net.allocateActivations(ep);
      const g = net.allocateGradients(ep);
      const losses = zeros([1, 2]);
      try {
        net.recordForward(ep, a);
        net.recordBackward(ep, a, g, losses, 0);
        const read = await readTensors([g.dy, g.dKeys, g.dValues, g.dGates, g.dQuery, g.grads]);
        return {
          read,
          grads: Float64Array.from(net.unpad(read[5]!)),
          P: net.layout.total,
          tm: ep.tm,
        };
      } finally {
        for (const x of [...Object.values(a), ...Object.values(g)]) x?.dispose();
        ep.dispose();
        net.dispose();
        losses.dispose();
      }
    })();
  /** Seed `si`'s step-head gradients and parameter gradients within their running bounds. */
  const seedCase = async (si: number): Promise<Compared> => {
    const { read: [dy, dK, dV, dG, dQ], grads, P, tm } = await runGpu();
    const eps = s.episodes[si]!;
    const ref = udForward(cfg, s.params[si]!, eps);
    const steps: UdStepGradients[] = [];
    const refGrads = udFlatten(udBackward(cfg, s.params[si]!, eps, ref, steps));
    const tf = trackUdForward(cfg, s.params[si]!, eps);
    const tb = trackUdBackward(cfg, s.params[si]!, eps, tf);
    const out = new Comparison();
    const put = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, b: Tracked[]) =>
      out.add(name, got, want, referenceBounds(b));
    eps.forEach((e, j) => {
      const n = si * eps.length + j;
      const T = e.steps;
      const sg = steps[j]!;
      const tag = `episode ${j} (K=${T - 2})`;
      put(`dy ${tag}`, dy!.slice(n * p, (n + 1) * p), sg.dy, tf.dy[j]!);
      put(`dk ${tag}`, validSteps(dK!, n, tm, T, dk), sg.dk, tb.dKeys[j]!);
      put(`dv ${tag}`, validSteps(dV!, n, tm, T, p), sg.dv, tb.dValues[j]!);
      put(`dg ${tag}`, validSteps(dG!, n, tm, T, 1), sg.dg, tb.dGates[j]!);
      put(`dq ${tag}`, dQ!.slice(n * dk, (n + 1) * dk), sg.dq, tb.dQuery[j]!);
    });
    put("∂L/∂params", grads.slice(si * P, (si + 1) * P), refGrads, tb.grads);
    return out;
  };
  return differential(t, {
    cases: [
      { name: "seed 0 (K=1, 7, 20; parameters ×2)", input: 0 },
      { name: "seed 1 (K=0, 25, 3)", input: 1 },
    ],
    ...jointly(seedCase),
  });
});

claimTest(UD_GPU_ADAM, async (t) => {
  await initGpu();
  const s = setup();
  const { cfg } = s;
  const P = udLayout(cfg).total;
  const rng = new Rng(77);
  // Seed 0's gradients have norm ≈ 30 (clip active), seed 1's ≈ 0.03 (inactive).
  const gradsFor = (scale: number) =>
    roundToF32(Float64Array.from({ length: P }, () => rng.normal() * scale));
  interface AdamStep {
    /** Parameters and moments before the step, unpadded [2·P]. */
    before: Float32Array[];
    gs: Float64Array[];
    /** Parameters, moments and norms after the step, padded [2·stride] (norms [2]). */
    after: (Float32Array | Int32Array)[];
    stride: number;
  }
  // Two steps of one net, both seeds per dispatch, each read back before and after.
  let gpu: Promise<AdamStep[]> | undefined;
  const runGpu = () =>
    gpu ??= (async () => {
      const net = uploadNet(s);
      const stride = net.layout.stride;
      const norms = zeros([2]);
      const out: AdamStep[] = [];
      try {
        for (let step = 1; step <= 2; step++) {
          const before = (await readTensors([net.params, net.m, net.v])).map((x) => net.unpad(x));
          const gs = [gradsFor(1), gradsFor(1e-3)];
          const padded = new Float32Array(2 * stride);
          gs.forEach((gv, si) => padded.set(Float32Array.from(gv), si * stride));
          const gt = tensor(padded, [2, stride]);
          try {
            net.recordAdam(gt, norms, UD_ADAM_DEFAULTS);
            const after = await readTensors([net.params, net.m, net.v, norms]);
            out.push({ before, gs, after, stride });
          } finally {
            gt.dispose();
          }
        }
        return out;
      } finally {
        net.dispose();
        norms.dispose();
      }
    })();
  /** Step `step` (1 or 2) of seed `si` against the oracle's step from the GPU's state before. */
  const stepCase = async (step: number, si: number, clipped: boolean): Promise<Compared> => {
    const { before: [p0, m0, v0], gs, after: [p1, m1, v1, nrm], stride } =
      (await runGpu())[step - 1]!;
    const slice = (x: ArrayLike<number>) =>
      Float64Array.from({ length: P }, (_, i) => x[si * P + i]!);
    const params = slice(p0!);
    const state = { m: slice(m0!), v: slice(v0!), step: step - 1 };
    const normRef = adamStep(params, gs[si]!, state, UD_ADAM_DEFAULTS);
    if (normRef > 1 !== clipped) {
      throw new RangeError(
        `Cannot compare Adam step ${step} of seed ${si}: expected the clip ` +
          `${clipped ? "active" : "inactive"} but ‖g‖ = ${normRef}`,
      );
    }
    const tr = trackAdamStep(slice(p0!), gs[si]!, slice(m0!), slice(v0!), step, UD_ADAM_DEFAULTS);
    const unpad = (x: ArrayLike<number>) =>
      Float64Array.from({ length: P }, (_, i) => x[si * stride + i]!);
    return {
      gpu: { norm: [nrm![si]!], params: unpad(p1!), m: unpad(m1!), v: unpad(v1!) },
      oracle: { norm: [normRef], params, m: state.m, v: state.v },
      bound: {
        norm: referenceBounds([tr.norm]),
        params: referenceBounds(tr.params),
        m: referenceBounds(tr.m),
        v: referenceBounds(tr.v),
      },
    };
  };
  type Case = { step: number; si: number; clipped: boolean };
  const name = (c: Case) =>
    `step ${c.step} seed ${c.si} (‖g‖ ≈ ${c.clipped ? 30 : 0.03}, clip ` +
    `${c.clipped ? "active" : "inactive"})`;
  const cases: Case[] = [1, 2].flatMap((step) => [
    { step, si: 0, clipped: true },
    { step, si: 1, clipped: false },
  ]);
  return differential(t, {
    cases: cases.map((c) => ({ name: name(c), input: c })),
    ...jointly((c: Case) => stepCase(c.step, c.si, c.clipped)),
  });
});

claimTest(UD_FAULTS, async () => {
  await initGpu();
  const failures: string[] = [];
  const rejects = (name: string, f: () => unknown, type: ErrorConstructor, text: string) => {
    try {
      f();
      failures.push(`${name}: accepted`);
    } catch (e) {
      if (!(e instanceof type) || !e.message.includes(text)) {
        failures.push(`${name}: expected a ${type.name} naming "${text}", got ${e}`);
      }
    }
  };
  const p = UD_DEFAULTS.p;
  // Episodes of at most 10 steps: delays up to K = 8 fit (K + 2 steps).
  const ep = new UdEpisodes(p, 1, 2, 10);
  const streams = udStreamsTensor([udTrainingStreams(3)]);
  const net = uploadNet(setup());
  try {
    rejects(
      "training delays up to K = 9 in 10 steps",
      () => ep.recordTraining(streams, 0, 5, 9),
      RangeError,
      "Cannot draw delays up to 9",
    );
    rejects(
      "training delays in [6, 5]",
      () => ep.recordTraining(streams, 0, 6, 5),
      RangeError,
      "Cannot draw delays in [6, 5]",
    );
    rejects(
      "a group of delay 9 in 10 steps",
      () => ep.recordGroups(streams, [9, 1], 1),
      RangeError,
      "Cannot make episodes with delay 9",
    );
    rejects(
      "three groups of one in two episodes",
      () => ep.recordGroups(streams, [1, 2, 3], 1),
      RangeError,
      "Cannot lay out 3 delays of 1 episodes in 2",
    );
    const two = udStreamsTensor([udTrainingStreams(3), udTrainingStreams(4)]);
    rejects(
      "streams for two seeds",
      () => ep.recordTraining(two, 0, 1, 2),
      TypeError,
      "expected [1, 2]",
    );
    two.dispose();
    const long = udEpisodes(p, 9, [9])[0]!;
    rejects(
      "an 11-step episode in 10 steps",
      () => UdEpisodes.upload(p, 1, [long], 10),
      TypeError,
      "Cannot upload unknown-delay episode 0",
    );
    rejects(
      "zero episodes per seed",
      () => new UdEpisodes(p, 1, 0, 10),
      RangeError,
      "perSeed must be >= 1, got 0",
    );
    const norms = zeros([2]);
    const grads = zeros([2, net.layout.stride]);
    try {
      for (const k of ["lr", "beta1", "beta2", "eps", "maxNorm"] as const) {
        for (const bad of [NaN, -1, Infinity]) {
          rejects(
            `Adam ${k} = ${bad}`,
            () => net.recordAdam(grads, norms, { ...UD_ADAM_DEFAULTS, [k]: bad }),
            RangeError,
            `${k} must be finite and >= 0`,
          );
        }
      }
      if (net.steps !== 0) {
        failures.push(`rejected Adam steps advanced the count to ${net.steps}`);
      }
    } finally {
      norms.dispose();
      grads.dispose();
    }
  } finally {
    ep.dispose();
    streams.dispose();
    net.dispose();
  }
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length ? failures.join("; ") : "every fault case raised the documented error",
  };
});
