/**
 * SRWM claims on the GPU and against the numpy fixture: the fused episode
 * kernel's loss and gradients against the f64 oracle within a derived f32
 * bound, and the numpy f64 reference (carrying every random draw) against the
 * oracle at 1e-12 and the GPU at the derived bound.
 *
 * The bound is a running error analysis (the ledger's `track`, `trackBuiltins`,
 * `trackSum`) that replays the kernel (impl/fastweights/srwm/kernels/episode.ts)
 * operation by operation in its evaluation order, on the oracle's f64 values of
 * the same f32 inputs: for each output, `v` is its exact value and `e` a bound
 * on the kernel's deviation from it.
 *
 * @module
 */
import { initGpu } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { SRWM_DEFAULTS, srwmEncode, srwmTrainFrom } from "../../../impl/fastweights/srwm/srwm.ts";
import {
  FIXTURE_F64_REL,
  track,
  trackBuiltins,
  type Tracked,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import {
  SRWM_ADAM,
  srwmAdamStep,
  srwmBackward,
  type SrwmEpisode,
  srwmEpisode,
  srwmForward,
  type SrwmLayout,
  srwmLayout,
} from "../../oracle/fastweights/srwm.ts";
import { type EncodedArray, f64, loadFastweightsFixture } from "../../_harness/encoded_arrays.ts";
import {
  type Compared,
  Comparison,
  differential,
  jointly,
  relativeBounds,
} from "../../_harness/differential.ts";
import { referenceBounds, seqSum, trackFwSigmoid, trackFwTanh } from "../unknown_delay/_bounds.ts";
import { SRWM_FIXTURE, SRWM_GPU_GRADIENTS } from "./claims.ts";

const ZERO: Tracked = { v: 0, e: 0 };
const ONE = track.input(1);
/** −ln(1e-8): the loss's cap (the clip of y at 1e-8), as the kernel's f32 literal. */
const LOSS_CAP = 18.420680743952367;

/** Tracked loss and gradients of one episode, as the kernel computes them. */
export function trackSrwmEpisode(
  L: SrwmLayout,
  eta: number,
  p: ArrayLike<number>,
  ep: SrwmEpisode,
): { loss: Tracked; grad: Tracked[] } {
  const H = L.hidden;
  const T = ep.steps;
  const w = (i: number) => track.input(p[i]!);
  const etaT = track.input(eta);
  const xs = Array.from(ep.x, (x) => track.input(x));
  const hs: Tracked[][] = [Array.from({ length: H }, () => ZERO)];
  const fsAt: Tracked[][] = [];
  let F: Tracked[] = Array.from({ length: H * H }, () => ZERO);
  const rs: Tracked[][] = [];
  const cs: Tracked[][] = [];
  const ys: Tracked[] = [];
  const vs: Tracked[] = [];
  const gs: Tracked[] = [];
  const lossTerms: Tracked[] = [];
  const softmax = (z: Tracked[]) => {
    // The kernel shifts by the computed max: within max e of the exact max.
    const m = { v: Math.max(...z.map((a) => a.v)), e: Math.max(...z.map((a) => a.e)) };
    const ex = z.map((a) => trackBuiltins.exp(track.sub(a, m)));
    const s = seqSum(ex);
    return ex.map((a) => track.div(a, s));
  };
  for (let t = 0; t < T; t++) {
    fsAt.push(F);
    const hp = hs[t]!;
    const h: Tracked[] = [];
    for (let i = 0; i < H; i++) {
      const terms: Tracked[] = [w(L.bH + i)];
      for (let j = 0; j < H; j++) {
        terms.push(track.mul(track.add(w(L.wSlow + i * H + j), F[i * H + j]!), hp[j]!));
      }
      for (let k = 0; k < L.nIn; k++) {
        terms.push(track.mul(w(L.wXh + i * L.nIn + k), xs[t * 4 + k]!));
      }
      h.push(trackFwTanh(seqSum(terms)));
    }
    hs.push(h);
    const dot = (off: number) => h.map((hj, j) => track.mul(w(off + j), hj));
    const zy = seqSum([w(L.bY), ...dot(L.wY)]);
    const zv = seqSum(dot(L.aVal));
    const zg = seqSum(dot(L.aGate));
    const r = softmax(Array.from({ length: H }, (_, i) => seqSum(dot(L.aRow + i * H))));
    const c = softmax(Array.from({ length: H }, (_, i) => seqSum(dot(L.aCol + i * H))));
    rs.push(r);
    cs.push(c);
    const y = trackFwSigmoid(zy);
    const v = trackFwTanh(zv);
    const g = trackFwSigmoid(zg);
    ys.push(y);
    vs.push(v);
    gs.push(g);
    const coef = track.mul(track.mul(etaT, g), v);
    F = F.map((f, k) => track.add(f, track.mul(track.mul(coef, r[Math.floor(k / H)]!), c[k % H]!)));
    if (ep.query[t]) {
      // min(log(1 + exp(±clamp(z))), cap): log is monotone, so min only shrinks the error.
      const zc = trackBuiltins.clampArg(zy, -50, 50);
      const s = ep.target[t]! > 0.5 ? trackBuiltins.neg(zc) : zc;
      const l = trackBuiltins.log(track.add(ONE, trackBuiltins.exp(s)));
      const capped = track.min(l, LOSS_CAP);
      lossTerms.push({ v: capped.v, e: capped.e + trackBuiltins.literal(LOSS_CAP).e });
    }
  }
  const loss = track.mul(seqSum(lossTerms), track.input(0.25));
  // Backward, in the kernel's order.
  const gr: Tracked[] = Array.from({ length: L.total }, () => ZERO);
  const acc = (i: number, x: Tracked) => {
    gr[i] = track.add(gr[i]!, x);
  };
  let dfa: Tracked[] = Array.from({ length: H * H }, () => ZERO);
  let dhn: Tracked[] = Array.from({ length: H }, () => ZERO);
  for (let t = T - 1; t >= 0; t--) {
    const h = hs[t + 1]!;
    const hp = hs[t]!;
    const r = rs[t]!;
    const c = cs[t]!;
    const v = vs[t]!;
    const g = gs[t]!;
    const dz = ep.query[t]
      ? track.mul(track.sub(ys[t]!, track.input(ep.target[t]!)), track.input(0.25))
      : ZERO;
    acc(L.bY, dz);
    const dh: Tracked[] = [];
    for (let j = 0; j < H; j++) {
      acc(L.wY + j, track.mul(dz, h[j]!));
      dh.push(track.add(dhn[j]!, track.mul(w(L.wY + j), dz)));
    }
    const coef = track.mul(track.mul(etaT, g), v);
    let s = ZERO;
    const dr: Tracked[] = [];
    const dc: Tracked[] = [];
    for (let i = 0; i < H; i++) {
      const u = seqSum(c.map((cj, j) => track.mul(dfa[i * H + j]!, cj)));
      const wv = seqSum(r.map((rj, j) => track.mul(dfa[j * H + i]!, rj)));
      dr.push(track.mul(coef, u));
      dc.push(track.mul(coef, wv));
      s = track.add(s, track.mul(r[i]!, u));
    }
    const dv = track.mul(track.mul(etaT, g), s);
    const dg = track.mul(track.mul(etaT, v), s);
    const rr = seqSum(r.map((x, j) => track.mul(x, dr[j]!)));
    const cc = seqSum(c.map((x, j) => track.mul(x, dc[j]!)));
    const dav = track.mul(dv, track.sub(ONE, track.mul(v, v)));
    const dag = track.mul(track.mul(dg, g), track.sub(ONE, g));
    for (let i = 0; i < H; i++) {
      const lr = track.mul(r[i]!, track.sub(dr[i]!, rr));
      const lc = track.mul(c[i]!, track.sub(dc[i]!, cc));
      for (let j = 0; j < H; j++) {
        const a = L.aRow + i * H + j;
        const b = L.aCol + i * H + j;
        acc(a, track.mul(lr, h[j]!));
        acc(b, track.mul(lc, h[j]!));
        dh[j] = track.add(track.add(dh[j]!, track.mul(w(a), lr)), track.mul(w(b), lc));
      }
    }
    const dpre: Tracked[] = [];
    for (let j = 0; j < H; j++) {
      acc(L.aVal + j, track.mul(dav, h[j]!));
      acc(L.aGate + j, track.mul(dag, h[j]!));
      dh[j] = track.add(
        track.add(dh[j]!, track.mul(w(L.aVal + j), dav)),
        track.mul(w(L.aGate + j), dag),
      );
      dpre.push(track.mul(dh[j]!, track.sub(ONE, track.mul(h[j]!, h[j]!))));
    }
    const nextDfa = dfa.slice();
    for (let i = 0; i < H; i++) {
      const d = dpre[i]!;
      acc(L.bH + i, d);
      for (let j = 0; j < H; j++) {
        const q = track.mul(d, hp[j]!);
        acc(L.wSlow + i * H + j, q);
        nextDfa[i * H + j] = track.add(nextDfa[i * H + j]!, q);
      }
      for (let k = 0; k < L.nIn; k++) acc(L.wXh + i * L.nIn + k, track.mul(d, xs[t * 4 + k]!));
    }
    dfa = nextDfa;
    const Ft = fsAt[t]!;
    dhn = Array.from(
      { length: H },
      (_, j) =>
        seqSum(dpre.map((d, i) => track.mul(track.add(w(L.wSlow + i * H + j), Ft[i * H + j]!), d))),
    );
  }
  return { loss, grad: gr };
}

/** The kernel's episode for an oracle episode built from (task, demo, query). */
interface Case {
  hidden: number;
  eta: number;
  params: Float32Array;
  task: number;
  demo: number[];
  query: number[];
}

/** Loss and gradients of `cases` (one hidden size) from one dispatch, no update. */
async function runSrwm(
  cases: readonly Case[],
): Promise<{ losses: Float32Array; grads: Float32Array }> {
  await initGpu();
  const H = cases[0]!.hidden;
  const run = srwmTrainFrom(
    { ...SRWM_DEFAULTS, hidden: H },
    cases.map((c) => c.params),
    cases.map((c) => c.eta),
    cases.map((c) => Uint32Array.of(srwmEncode(c.task, c.demo, c.query))),
    1,
    false,
  );
  try {
    return { grads: await run.grads.toFloat32(), losses: await run.losses.toFloat32() };
  } finally {
    for (const t of [run.params, run.losses, run.grads]) t.dispose();
  }
}

/**
 * Runs each hidden size's cases in one dispatch, once (the dispatch is shared by the claim's
 * named cases of that size).
 */
function srwmRunner(cases: readonly Case[]) {
  const runs = new Map<number, Promise<{ losses: Float32Array; grads: Float32Array }>>();
  return async (c: Case): Promise<{ loss: number; grads: Float32Array }> => {
    const group = cases.filter((x) => x.hidden === c.hidden);
    let run = runs.get(c.hidden);
    if (run === undefined) runs.set(c.hidden, run = runSrwm(group));
    const { losses, grads } = await run;
    const n = group.indexOf(c);
    const P = srwmLayout(c.hidden, 4).total;
    return { loss: losses[n]!, grads: grads.subarray(n * P, (n + 1) * P) };
  };
}

/** Adds one episode's GPU loss and gradients against the oracle's, within the tracked bound. */
function compareEpisode(
  cmp: Comparison,
  tag: string,
  c: Case,
  gpu: { loss: number; grads: ArrayLike<number> },
): void {
  const L = srwmLayout(c.hidden, 4);
  const p = Float64Array.from(c.params);
  const ep = srwmEpisode(c.task, c.demo, c.query);
  const tape = srwmForward(L, c.eta, p, ep);
  const g = srwmBackward(L, c.eta, p, ep, tape);
  const tr = trackSrwmEpisode(L, c.eta, p, ep);
  cmp.add(
    `${tag} loss`,
    [gpu.loss],
    [tape.loss],
    referenceBounds([trackBuiltins.against(tr.loss, tape.loss)]),
  );
  cmp.add(
    `${tag} grads`,
    gpu.grads,
    g,
    referenceBounds(tr.grad.map((b, i) => trackBuiltins.against(b, g[i]!))),
  );
}

function randomCase(hidden: number, eta: number, scale: number, seed: number): Case {
  const rng = new Rng(seed);
  const s = scale / Math.sqrt(Math.max(hidden, 4));
  const perm = () => {
    const a = [0, 1, 2, 3];
    for (let i = 3; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const params = new Float32Array(srwmLayout(hidden, 4).total).map(() => rng.uniformIn(-s, s));
  return { hidden, eta, params, task: rng.int(4), demo: perm(), query: perm() };
}

claimTest(SRWM_GPU_GRADIENTS, (t) => {
  const configs: [number, number, number][] = [
    [6, 0.5, 1],
    [6, 0.5, 3],
    [6, 1.7, 2],
    [4, 0.3, 1],
    [1, 0.9, 2],
    [9, 0.5, 2],
  ];
  let seed = 1000;
  const groups = configs.map(([H, eta, scale]) => ({
    name: `H=${H} η=${eta} scale ${scale} (8 episodes)`,
    input: Array.from({ length: 8 }, () => randomCase(H, eta, scale, seed++)),
  }));
  const run = srwmRunner(groups.flatMap((g) => g.input));
  return differential(t, {
    cases: groups,
    ...jointly(async (cases: Case[]) => {
      const cmp = new Comparison();
      for (const [k, c] of cases.entries()) {
        compareEpisode(cmp, `episode ${k} task ${c.task}`, c, await run(c));
      }
      return cmp;
    }),
  });
});

interface SrwmFixture {
  format: string;
  hidden: number;
  eta: number;
  params: EncodedArray;
  episodes: {
    task: number;
    demo: number[];
    query: number[];
    x: EncodedArray;
    target: EncodedArray;
    h: EncodedArray;
    y: EncodedArray;
    r: EncodedArray;
    c: EncodedArray;
    v: EncodedArray;
    g: EncodedArray;
    fast: EncodedArray;
    loss: number;
    grad: EncodedArray;
  }[];
  adam: {
    grad1: EncodedArray;
    after1: EncodedArray;
    clipped1: string[];
    grad2: EncodedArray;
    after2: EncodedArray;
    clipped2: string[];
  };
}

claimTest(SRWM_FIXTURE, async (t) => {
  const { data: fx, integrity } = await loadFastweightsFixture<SrwmFixture>(
    "srwm.json",
    "memspec-srwm-v1",
  );
  const H = fx.hidden;
  const L = srwmLayout(H, 4);
  const p = f64(fx.params, "params");
  const put = (c: Comparison, name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
    c.add(name, got, want, relativeBounds(want, FIXTURE_F64_REL));
  /** The oracle on one of numpy's episodes: inputs, every per-step array, loss and gradients. */
  const oracleEpisode = (e: SrwmFixture["episodes"][number]): Compared => {
    const cmp = new Comparison();
    const ep = srwmEpisode(e.task, e.demo, e.query);
    put(cmp, "x", ep.x, f64(e.x, "x"));
    put(cmp, "target", ep.target, f64(e.target, "target"));
    const tape = srwmForward(L, fx.eta, p, ep);
    const T = ep.steps;
    put(cmp, "h", tape.h.subarray(H), f64(e.h, "h"));
    for (const k of ["y", "r", "c", "v", "g"] as const) put(cmp, k, tape[k], f64(e[k], k));
    put(cmp, "fast", tape.fast.subarray(H * H, (T + 1) * H * H), f64(e.fast, "fast"));
    put(cmp, "loss", [tape.loss], [e.loss]);
    put(cmp, "grad", srwmBackward(L, fx.eta, p, ep, tape), f64(e.grad, "grad"));
    return cmp;
  };
  /** Two clipped Adam steps, the second on 100× the gradient of task 1 at the first's result. */
  const oracleAdam = (): Compared => {
    const cmp = new Comparison();
    const q = Float64Array.from(p);
    const m = new Float64Array(L.total);
    const v = new Float64Array(L.total);
    srwmAdamStep(L, SRWM_ADAM, q, m, v, f64(fx.adam.grad1, "grad1"), 1);
    put(cmp, "step 1", q.slice(), f64(fx.adam.after1, "after1"));
    const ep1 = srwmEpisode(1, fx.episodes[1]!.demo, fx.episodes[1]!.query);
    const g2 = srwmBackward(L, fx.eta, q, ep1, srwmForward(L, fx.eta, q, ep1)).map((x) => 100 * x);
    put(cmp, "grad 2", g2, f64(fx.adam.grad2, "grad2"));
    srwmAdamStep(L, SRWM_ADAM, q, m, v, f64(fx.adam.grad2, "grad2"), 2);
    put(cmp, "step 2", q, f64(fx.adam.after2, "after2"));
    return cmp;
  };
  // GPU: the same episodes with the f32-rounded parameters, against the oracle on those.
  const gpuCases: Case[] = fx.episodes.map((e) => ({
    hidden: H,
    eta: fx.eta,
    params: Float32Array.from(p),
    task: e.task,
    demo: e.demo,
    query: e.query,
  }));
  const run = srwmRunner(gpuCases);
  const gpuEpisode = async (c: Case): Promise<Compared> => {
    const cmp = new Comparison();
    compareEpisode(cmp, "episode", c, await run(c));
    return cmp;
  };
  type Kase = () => Compared | Promise<Compared>;
  const m = await differential<Kase>(t, {
    cases: [
      ...fx.episodes.map((e) => ({
        name: `oracle vs numpy: task ${e.task}`,
        input: () => oracleEpisode(e),
      })),
      { name: "oracle vs numpy: two clipped Adam steps", input: oracleAdam },
      ...gpuCases.map((c) => ({
        name: `GPU (f32 parameters) vs oracle: H=${H} η=${fx.eta} task ${c.task}`,
        input: () => gpuEpisode(c),
      })),
    ],
    ...jointly((c: Kase) => c()),
  });
  return {
    ...m,
    detail: `${m.detail}; clipped tensors at Adam step 2: [${fx.adam.clipped2.join(", ")}]; ` +
      integrity,
  };
});
