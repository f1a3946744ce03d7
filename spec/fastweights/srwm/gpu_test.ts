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
import { initGpu, liveBufferCount, zeros } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  SRWM_DEFAULTS,
  srwmEncode,
  srwmEvaluate,
  srwmTrainFrom,
} from "../../../impl/fastweights/srwm/srwm.ts";
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
import {
  type EncodedArray,
  f64,
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
import { referenceBounds, seqSum, trackFwSigmoid, trackFwTanh } from "../unknown_delay/_bounds.ts";
import { SRWM_FAULTS, SRWM_FIXTURE, SRWM_GPU_GRADIENTS, SRWM_GPU_TRAINING } from "./claims.ts";

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

/** Tracked β₁ᵗ, β₂ᵗ, moments and parameters of the training kernel's Adam state. */
interface TrackedAdam {
  b1t: Tracked;
  b2t: Tracked;
  m: Tracked[];
  v: Tracked[];
}

/**
 * One Adam step of the training kernel (impl/fastweights/srwm/kernels/train.ts) in its
 * evaluation order, from exact f32 parameters `p` and gradients `grad` (read back from the
 * kernel) and the tracked state before the step: per tensor ‖g‖ = sqrt(Σ g²) left to right,
 * ĝ = g·(clip/‖g‖) when ‖g‖ > clip; m, v; p − (lr·(m·c₁))/(sqrt(v·c₂) + ε) with
 * β₁ᵗ ← β₁ᵗ·β₁, c₁ = 1/(1 − β₁ᵗ) (and β₂ likewise) computed in f32 in the kernel.
 *
 * @throws {RangeError} when a tensor's gradient norm is within rounding of the clip.
 */
function trackSrwmAdam(
  L: SrwmLayout,
  cfg: typeof SRWM_DEFAULTS,
  p: ArrayLike<number>,
  grad: ArrayLike<number>,
  st: TrackedAdam,
): TrackedAdam & { params: Tracked[]; clipped: string[] } {
  const u = track.uniform;
  const b1t = track.mul(st.b1t, u(cfg.beta1));
  const b2t = track.mul(st.b2t, u(cfg.beta2));
  const c1 = track.div(ONE, track.sub(ONE, b1t));
  const c2 = track.div(ONE, track.sub(ONE, b2t));
  const clip = u(cfg.clip);
  const out = {
    b1t,
    b2t,
    m: st.m.slice(),
    v: st.v.slice(),
    params: Array.from(p, (x) => track.input(x)),
    clipped: [] as string[],
  };
  for (const [name, off, size] of L.tensors) {
    const g = Array.from({ length: size }, (_, i) => track.input(grad[off + i]!));
    const nrm = track.sqrt(seqSum(g.map((x) => track.mul(x, x))));
    if (Math.abs(nrm.v - cfg.clip) <= nrm.e + clip.e) {
      throw new RangeError(`Cannot bound an Adam step: ‖∂L/∂${name}‖ = ${nrm.v} is at the clip`);
    }
    const sc = nrm.v > cfg.clip ? track.div(clip, nrm) : ONE;
    if (nrm.v > cfg.clip) out.clipped.push(name);
    for (let i = 0; i < size; i++) {
      const k = off + i;
      const gs = track.mul(g[i]!, sc);
      const m = track.add(track.mul(u(cfg.beta1), st.m[k]!), track.mul(u(1 - cfg.beta1), gs));
      const v = track.add(
        track.mul(u(cfg.beta2), st.v[k]!),
        track.mul(u(1 - cfg.beta2), track.mul(gs, gs)),
      );
      out.m[k] = m;
      out.v[k] = v;
      out.params[k] = track.sub(
        out.params[k]!,
        track.div(
          track.mul(u(cfg.lr), track.mul(m, c1)),
          track.add(track.sqrt(track.mul(v, c2)), u(cfg.eps)),
        ),
      );
    }
  }
  return out;
}

claimTest(SRWM_GPU_TRAINING, async (t) => {
  await initGpu();
  const H = 6;
  const L = srwmLayout(H, 4);
  const P = L.total;
  const rng = new Rng(2024);
  const runs = [
    { eta: 0.5, scale: 1 },
    { eta: 1.7, scale: 2 },
    { eta: 0.3, scale: 3 },
  ].map(({ eta, scale }) => {
    const s = scale / Math.sqrt(H);
    const perm = () => {
      const a = [0, 1, 2, 3];
      for (let i = 3; i > 0; i--) {
        const j = rng.int(i + 1);
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    };
    const params = new Float32Array(P).map(() => rng.uniformIn(-s, s));
    const codes = Uint32Array.from([0, 1], () => srwmEncode(rng.int(4), perm(), perm()));
    return { eta, params, codes };
  });
  interface Steps {
    /** [R, P] after one step and the gradients it took; after two steps and the second's. */
    p1: Float32Array;
    g1: Float32Array;
    p2: Float32Array;
    g2: Float32Array;
  }
  // Per cap: a one-step and a two-step run of the same 3 runs (the first step of both is the
  // same computation, so the two-step run's second gradients are taken at the one-step run's
  // parameters).
  const gpu = new Map<number, Promise<Steps>>();
  const runCap = (clip: number) => {
    let r = gpu.get(clip);
    if (r === undefined) {
      gpu.set(
        clip,
        r = (async () => {
          const cfg = { ...SRWM_DEFAULTS, hidden: H, clip };
          const train = async (steps: number) => {
            const run = srwmTrainFrom(
              cfg,
              runs.map((x) => x.params),
              runs.map((x) => x.eta),
              runs.map((x) => x.codes),
              steps,
            );
            try {
              return [await run.params.toFloat32(), await run.grads.toFloat32()];
            } finally {
              for (const x of [run.params, run.losses, run.grads]) x.dispose();
            }
          };
          const [p1, g1] = await train(1);
          const [p2, g2] = await train(2);
          return { p1: p1!, g1: g1!, p2: p2!, g2: g2! };
        })(),
      );
    }
    return r;
  };
  const clippedAt: string[] = [];
  /** Both Adam steps of run `r` under cap `clip` against the oracle's, from the GPU's gradients. */
  const stepCase = async (clip: number, r: number): Promise<Compared> => {
    const { p1, g1, p2, g2 } = await runCap(clip);
    const cfg = { ...SRWM_DEFAULTS, hidden: H, clip };
    const adam = { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps, clip };
    const row = (x: Float32Array) => x.subarray(r * P, (r + 1) * P);
    const p0 = runs[r]!.params;
    const q = Float64Array.from(p0);
    const m = new Float64Array(P);
    const v = new Float64Array(P);
    srwmAdamStep(L, adam, q, m, v, row(g1), 1);
    const zero = Array.from({ length: P }, () => ZERO);
    const t1 = trackSrwmAdam(L, cfg, p0, row(g1), { b1t: ONE, b2t: ONE, m: zero, v: zero });
    // Step 2 from the GPU's parameters after step 1, with the oracle's moments.
    const q2 = Float64Array.from(row(p1));
    srwmAdamStep(L, adam, q2, m, v, row(g2), 2);
    const t2 = trackSrwmAdam(L, cfg, row(p1), row(g2), t1);
    clippedAt.push(
      `cap ${clip} run ${r}: ${t1.clipped.length}, ${t2.clipped.length} of 9 tensors clipped`,
    );
    return new Comparison()
      .add("parameters after step 1", row(p1), q, referenceBounds(t1.params))
      .add("parameters after step 2", row(p2), q2, referenceBounds(t2.params));
  };
  type Kase = { clip: number; r: number };
  const cases: Kase[] = [5, 0.05].flatMap((clip) => runs.map((_, r) => ({ clip, r })));
  const m = await differential<Kase>(t, {
    cases: cases.map((c) => ({
      name: `cap ${c.clip}: H=${H} run ${c.r} (η ${runs[c.r]!.eta}), Adam steps 1 and 2`,
      input: c,
    })),
    ...jointly((c: Kase) => stepCase(c.clip, c.r)),
  });
  return { ...m, detail: `${m.detail}; ${clippedAt.join("; ")}` };
});

interface SrwmFixture {
  format: string;
  hidden: number;
  eta: number;
  params: EncodedArray;
  episodes: {
    task: number;
    /** i32 [4]: the demonstration order of the four patterns. */
    demo: EncodedArray;
    /** i32 [4]: the query order. */
    query: EncodedArray;
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

/** A fixture episode with its permutations decoded. */
type SrwmFixtureEpisode = Omit<SrwmFixture["episodes"][number], "demo" | "query"> & {
  demo: number[];
  query: number[];
};

claimTest(SRWM_FIXTURE, async (t) => {
  const { data: fx, integrity } = await loadFastweightsFixture<SrwmFixture>(
    "srwm.json",
    "memspec.fastweights.srwm.v1",
  );
  const H = fx.hidden;
  const L = srwmLayout(H, 4);
  const p = f64(fx.params, "params");
  const episodes: SrwmFixtureEpisode[] = fx.episodes.map((e, i) => ({
    ...e,
    demo: ints(e.demo, `episodes[${i}].demo`, [4]),
    query: ints(e.query, `episodes[${i}].query`, [4]),
  }));
  const put = (c: Comparison, name: string, got: ArrayLike<number>, want: ArrayLike<number>) =>
    c.add(name, got, want, relativeBounds(want, FIXTURE_F64_REL));
  /** The oracle on one of numpy's episodes: inputs, every per-step array, loss and gradients. */
  const oracleEpisode = (e: SrwmFixtureEpisode): Compared => {
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
    const ep1 = srwmEpisode(1, episodes[1]!.demo, episodes[1]!.query);
    const g2 = srwmBackward(L, fx.eta, q, ep1, srwmForward(L, fx.eta, q, ep1)).map((x) => 100 * x);
    put(cmp, "grad 2", g2, f64(fx.adam.grad2, "grad2"));
    srwmAdamStep(L, SRWM_ADAM, q, m, v, f64(fx.adam.grad2, "grad2"), 2);
    put(cmp, "step 2", q, f64(fx.adam.after2, "after2"));
    return cmp;
  };
  // GPU: the same episodes with the f32-rounded parameters, against the oracle on those.
  const gpuCases: Case[] = episodes.map((e) => ({
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
      ...episodes.map((e) => ({
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

claimTest(SRWM_FAULTS, async () => {
  await initGpu();
  const live = liveBufferCount();
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
  const P = srwmLayout(SRWM_DEFAULTS.hidden, 4).total;
  const p = new Float32Array(P);
  const codes = Uint32Array.of(srwmEncode(0, [0, 1, 2, 3], [3, 2, 1, 0]), 0);
  const train = (over: Partial<Parameters<typeof srwmTrainFrom>[0]>, eta: number, steps = 1) =>
    srwmTrainFrom({ ...SRWM_DEFAULTS, ...over }, [p], [eta], [codes], steps);
  rejects("η NaN", () => train({}, NaN), RangeError, "with η NaN");
  rejects("η ∞", () => train({}, Infinity), RangeError, "with η Infinity");
  rejects("0 steps", () => train({}, 0.5, 0), RangeError, "for 0 steps");
  rejects("1.5 steps", () => train({}, 0.5, 1.5), RangeError, "for 1.5 steps");
  rejects("3 steps from 2 codes", () => train({}, 0.5, 3), TypeError, "for 3 steps from 2");
  rejects("hidden 17", () => train({ hidden: 17 }, 0.5), RangeError, "got 17");
  rejects("hidden 0", () => train({ hidden: 0 }, 0.5), RangeError, "got 0");
  rejects(
    "a short parameter vector",
    () => srwmTrainFrom(SRWM_DEFAULTS, [p.subarray(1)], [0.5], [codes], 1),
    TypeError,
    `from ${P - 1} parameters: expected ${P}`,
  );
  rejects(
    "two η values for one run",
    () => srwmTrainFrom(SRWM_DEFAULTS, [p], [0.5, 0.5], [codes], 1),
    TypeError,
    "Cannot train 1 SRWM runs with 2 η values",
  );
  const params = zeros([1, P]);
  try {
    rejects(
      "one run, two code arrays",
      () => srwmEvaluate(SRWM_DEFAULTS, params, [0.5], [codes, codes]),
      TypeError,
      "expected [1, 157] and 1 equal arrays",
    );
    rejects(
      "no episodes",
      () => srwmEvaluate(SRWM_DEFAULTS, params, [0.5], [new Uint32Array(0)]),
      TypeError,
      "Cannot evaluate SRWM parameters",
    );
  } finally {
    params.dispose();
  }
  if (liveBufferCount() !== live) failures.push("a rejected call left GPU buffers behind");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length ? failures.join("; ") : "every fault case raised the documented error",
  };
});
