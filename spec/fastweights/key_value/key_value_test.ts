/**
 * Key-value binding claims: the oracle's gradient check and exact identities,
 * the GPU kernels against the oracle within derived f32 bounds, and the
 * training claims on GPU-trained projectors (seeds 0..9, memspec's draws).
 *
 * @module
 */
import fc from "fast-check";
import { initGpu, liveBufferCount, readTensors } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  KV_EVAL_OFFSET,
  KV_TASK_DEFAULTS,
  kvBias,
  kvDrawEpisodes,
  type KvEpisodeData,
  kvEvaluate,
  kvTrain,
  kvTrainFrom,
} from "../../../impl/fastweights/key_value/key_value.ts";
import { KV_TRAIN } from "../../../impl/fastweights/key_value/kernels/train.ts";
import { maxStepsPerLaunch } from "../../../impl/gpu/program.ts";
import type { Tensor } from "../../../impl/tensor.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import {
  FW_F64_IDENTITY_REL,
  FW_KV_BIAS_COS_MIN,
  FW_KV_GAIN_MIN,
  GRADCHECK_MAX_REL,
} from "../../../invariants/tolerance.ts";
import { claimTest } from "../../_harness/claim.ts";
import { fcParams } from "../../_harness/fuzz.ts";
import {
  kvBackward,
  kvCosine,
  type KvEpisode,
  kvForward,
  kvLinearAttention,
  kvSgdStep,
  singularDecomposition,
} from "../../oracle/fastweights/key_value.ts";
import { roundToF32 } from "../../oracle/ndarray.ts";
import {
  KV_BIAS_PROJECTION,
  KV_CAPACITY_ONE,
  KV_FAULTS,
  KV_GPU,
  KV_GRADCHECK,
  KV_LINEAR_ATTENTION,
  KV_POST_MINUS_PRE,
} from "./claims.ts";
import { type Compared, Comparison, differential, jointly } from "../../_harness/differential.ts";
import { referenceBounds } from "../unknown_delay/_bounds.ts";
import { trackKvEpisode, trackKvStep } from "./_bounds.ts";

/** Episode `e` of host data as the oracle's type (f64 copies of the f32 values). */
export function kvEpisodeAt(data: KvEpisodeData, d: number, dv: number, e: number): KvEpisode {
  const N = data.pairs;
  return {
    keys: Float64Array.from(data.keys.subarray(e * N * d, (e + 1) * N * d)),
    values: Float64Array.from(data.values.subarray(e * N * dv, (e + 1) * N * dv)),
    query: data.query[e]!,
  };
}

function randomProjector(d: number, rng: Rng, scale: number): Float64Array {
  return roundToF32(
    Float64Array.from(
      { length: d * d },
      (_, i) => (i % (d + 1) === 0 ? 1 : 0) + scale * rng.normal(),
    ),
  );
}

const taskArb = fc.record({
  keyDim: fc.integer({ min: 1, max: 9 }),
  valueDim: fc.integer({ min: 1, max: 9 }),
  pairs: fc.integer({ min: 1, max: 12 }),
  alpha: fc.double({ min: 0, max: 2, noNaN: true }),
  beta: fc.double({ min: 0.05, max: 1, noNaN: true }),
});

claimTest(KV_GRADCHECK, () => {
  let worst = 0;
  let detail = "";
  const cases = [
    { task: { ...KV_TASK_DEFAULTS, keyDim: 4, valueDim: 4, pairs: 3 }, seed: 1 },
    { task: KV_TASK_DEFAULTS, seed: 2 },
    { task: { ...KV_TASK_DEFAULTS, keyDim: 5, valueDim: 3, pairs: 9 }, seed: 3 },
  ];
  for (const { task, seed } of cases) {
    const d = task.keyDim;
    const rng = new Rng(seed);
    const wk = Float64Array.from({ length: d * d }, () => 0.3 * rng.normal());
    const data = kvDrawEpisodes(task, kvBias(d), rng, 3);
    const eps = [0, 1, 2].map((e) => kvEpisodeAt(data, d, task.valueDim, e));
    const loss = (w: Float64Array) => eps.reduce((s, ep) => s + kvForward(d, w, ep).loss, 0);
    const g = new Float64Array(d * d);
    for (const ep of eps) kvBackward(d, ep, kvForward(d, wk, ep)).forEach((x, i) => g[i]! += x);
    const scale = 1 / Math.max(...Array.from(g, Math.abs));
    const r = gradcheck(
      ([w]) => [loss(w!)],
      [wk],
      (w) => [g.map((x) => x * w[0]!)],
      Float64Array.of(scale),
    );
    if (r.maxError >= worst) {
      worst = r.maxError;
      detail = `worst at d=${d}, N=${task.pairs}, entry ${r.worst.index} of ${d * d}: analytic ` +
        `${r.worst.analytic.toExponential(6)} vs numeric ${r.worst.numeric.toExponential(6)}`;
    }
  }
  return { figure: worst, bound: GRADCHECK_MAX_REL, pass: worst <= GRADCHECK_MAX_REL, detail };
});

claimTest(KV_CAPACITY_ONE, () => {
  let worst = 0;
  fc.assert(
    fc.property(taskArb, fc.nat(), (task, seed) => {
      const d = task.keyDim;
      const rng = new Rng(seed);
      const wk = Float64Array.from({ length: d * d }, () => rng.normal());
      const ep = kvEpisodeAt(
        kvDrawEpisodes(task, kvBias(d, seed + 1), rng, 1, 1),
        d,
        task.valueDim,
        0,
      );
      const f = kvForward(d, wk, ep);
      if (Math.hypot(...f.pq) === 0) return;
      worst = Math.max(worst, Math.abs(kvCosine(f.y, ep.values) - 1));
    }),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: FW_F64_IDENTITY_REL,
    pass: worst <= FW_F64_IDENTITY_REL,
    detail: "100 fuzzed tasks (d, d_v in 1..9, random W_K), one stored pair each",
  };
});

claimTest(KV_LINEAR_ATTENTION, () => {
  let worst = 0;
  fc.assert(
    fc.property(taskArb, fc.nat(), (task, seed) => {
      const d = task.keyDim;
      const rng = new Rng(seed);
      const wk = Float64Array.from({ length: d * d }, () => rng.normal());
      const ep = kvEpisodeAt(
        kvDrawEpisodes(task, kvBias(d, seed + 1), rng, 1),
        d,
        task.valueDim,
        0,
      );
      const y = kvForward(d, wk, ep).y;
      const y2 = kvLinearAttention(d, wk, ep);
      // Scale: Σ_t |v_t| |⟨W_K k_t, W_K q⟩| with |⟨a, b⟩| ≤ ‖a‖‖b‖.
      const f = kvForward(d, wk, ep);
      let mag = 0;
      const n = task.pairs;
      for (let t = 0; t < n; t++) {
        const pk = f.projected.subarray(t * d, (t + 1) * d);
        mag += Math.hypot(...ep.values.subarray(t * task.valueDim, (t + 1) * task.valueDim)) *
          Math.hypot(...pk) * Math.hypot(...f.pq);
      }
      for (let a = 0; a < y.length; a++) {
        worst = Math.max(worst, Math.abs(y[a]! - y2[a]!) / (1 + mag));
      }
    }),
    fcParams(100),
  );
  return {
    figure: worst,
    bound: FW_F64_IDENTITY_REL,
    pass: worst <= FW_F64_IDENTITY_REL,
    detail: "100 fuzzed tasks and projectors",
  };
});

claimTest(KV_GPU, async (t) => {
  await initGpu();
  const task = KV_TASK_DEFAULTS;
  const d = task.keyDim;
  const dv = task.valueDim;
  const rng = new Rng(404);
  const bias = kvBias(d);
  // Every draw up front, in the order of one stream: the GPU's results never feed the draws.
  // Evaluation kernel: N = 1, 5, 12, six episodes each, episodes 0-2 with projector 0, 3-5 with 1.
  const evals = [1, 5, 12].map((N) => ({
    N,
    data: kvDrawEpisodes(task, bias, rng, 6, N),
    projectors: [randomProjector(d, rng, 0.3), randomProjector(d, rng, 1)],
  }));
  // Training kernel: three chained single SGD steps, values scaled so that step 0's clip is
  // active and step 1's inactive.
  const wk0 = randomProjector(d, rng, 0.05);
  const sgd = [
    { scale: 6, clipped: true },
    { scale: 0.02, clipped: false },
    { scale: 1, clipped: undefined },
  ].map((s) => {
    const data = kvDrawEpisodes(task, bias, rng, 1);
    for (let i = 0; i < data.values.length; i++) data.values[i]! *= s.scale;
    return { ...s, data, ep: kvEpisodeAt(data, d, dv, 0) };
  });
  // Training kernel, two seeds in one dispatch with lr 0.1 and cap 0.5: the values of each
  // seed's episode are scaled so that ‖g‖ ≈ 0.6 (seed 0: clipped, though ‖g‖² < 0.5) and
  // ‖g‖ ≈ 0.3 (seed 1: not clipped). ‖g‖ grows as the values' scale squared.
  const pairSgd = { lr: 0.1, maxNorm: 0.5 };
  const pair = [
    { target: 0.6, clipped: true },
    { target: 0.3, clipped: false },
  ].map((s) => {
    const wk = randomProjector(d, rng, 0.05);
    const data = kvDrawEpisodes(task, bias, rng, 1);
    const at1 = kvSgdStep(d, Float64Array.from(wk), kvEpisodeAt(data, d, dv, 0), pairSgd).norm;
    const scale = Math.sqrt(s.target / at1);
    for (let i = 0; i < data.values.length; i++) data.values[i]! *= scale;
    return { ...s, wk, data, ep: kvEpisodeAt(data, d, dv, 0) };
  });
  // A training run long enough for the runner to split it into launches (when the adapter's
  // loop budget is finite), against the same steps taken one launch each.
  const perLaunch = maxStepsPerLaunch(KV_TRAIN, { keyDim: d, valueDim: dv, pairs: task.pairs }, 64);
  const splitSteps = Math.min(perLaunch, 62) + 2;
  const launches = Math.ceil(splitSteps / perLaunch);
  const splitWk = randomProjector(d, rng, 0.05);
  const splitData = kvDrawEpisodes(task, bias, rng, splitSteps);
  /** One evaluation dispatch: reads, fast weights, losses and gradients of its six episodes. */
  const evalCase = async (c: typeof evals[number]): Promise<Compared> => {
    const out = kvEvaluate(task, c.projectors.flatMap((p) => Array.from(p)), c.data, 3);
    let read: (Float32Array | Int32Array)[];
    try {
      read = await readTensors([out.y, out.fast, out.loss, out.grad]);
    } finally {
      for (const x of Object.values(out)) x.dispose();
    }
    const [y, fast, loss, grad] = read;
    const cmp = new Comparison();
    for (let e = 0; e < 6; e++) {
      const wk = c.projectors[Math.floor(e / 3)]!;
      const ep = kvEpisodeAt(c.data, d, dv, e);
      const f = kvForward(d, wk, ep);
      const g = kvBackward(d, ep, f);
      const tr = trackKvEpisode(d, wk, ep);
      const tag = `episode ${e}`;
      cmp.add(`y ${tag}`, y!.slice(e * dv, (e + 1) * dv), f.y, referenceBounds(tr.y));
      cmp.add(
        `W_fast ${tag}`,
        fast!.slice(e * dv * d, (e + 1) * dv * d),
        f.fast,
        referenceBounds(tr.fast),
      );
      cmp.add(`loss ${tag}`, [loss![e]!], [f.loss], referenceBounds([tr.loss]));
      cmp.add(
        `∂L/∂W_K ${tag}`,
        grad!.slice(e * d * d, (e + 1) * d * d),
        g,
        referenceBounds(tr.grad),
      );
    }
    return cmp;
  };
  // The SGD chain runs once: each step starts from the GPU's previous result.
  let chain: Promise<{ wk: Float64Array; next: Float32Array | Int32Array }[]> | undefined;
  const runChain = () =>
    chain ??= (async () => {
      const steps = [];
      let wk = wk0;
      for (const s of sgd) {
        const run = kvTrainFrom(task, [Float32Array.from(wk)], [s.data], { steps: 1 });
        let next: Float32Array | Int32Array;
        try {
          [next] = (await readTensors([run.wk])) as [Float32Array | Int32Array];
        } finally {
          run.wk.dispose();
          run.losses.dispose();
        }
        steps.push({ wk, next });
        wk = Float64Array.from(next);
      }
      return steps;
    })();
  // The two-seed step runs once; each seed's projector is compared on its own.
  let pairRun: Promise<Float32Array | Int32Array> | undefined;
  const runPair = () =>
    pairRun ??= (async () => {
      const run = kvTrainFrom(task, pair.map((s) => s.wk), pair.map((s) => s.data), {
        steps: 1,
        ...pairSgd,
      });
      try {
        return (await readTensors([run.wk]))[0]!;
      } finally {
        run.wk.dispose();
        run.losses.dispose();
      }
    })();
  const norms: string[] = [];
  /** Seed `i` of the two-seed step against the oracle's step from its initial projector. */
  const pairCase = async (i: number): Promise<Compared> => {
    const next = (await runPair()).subarray(i * d * d, (i + 1) * d * d);
    const s = pair[i]!;
    const ref = Float64Array.from(s.wk);
    const { norm } = kvSgdStep(d, ref, s.ep, pairSgd);
    norms.push(`two seeds, seed ${i}: ${norm.toPrecision(3)}`);
    if (norm > pairSgd.maxNorm !== s.clipped || norm * norm > pairSgd.maxNorm) {
      throw new RangeError(
        `Cannot compare seed ${i} of the two-seed step: expected ‖g‖ ${
          s.clipped ? "in (0.5, √0.5)" : "below 0.5"
        } but ‖g‖ = ${norm}`,
      );
    }
    const tr = trackKvStep(d, s.wk, s.ep, pairSgd.lr, pairSgd.maxNorm);
    return new Comparison().add("W_K", next, ref, referenceBounds(tr.wk));
  };
  /** SGD step `i` against the oracle's step from the same (GPU-computed) projector. */
  const sgdCase = async (i: number): Promise<Compared> => {
    const { wk, next } = (await runChain())[i]!;
    const s = sgd[i]!;
    const ref = Float64Array.from(wk);
    const { norm } = kvSgdStep(d, ref, s.ep, { lr: 0.05, maxNorm: 1 });
    norms.push(`step ${i}: ${norm.toPrecision(3)}`);
    if (s.clipped !== undefined && norm > 1 !== s.clipped) {
      throw new RangeError(
        `Cannot compare SGD step ${i}: expected the clip ${s.clipped ? "active" : "inactive"} ` +
          `but ‖g‖ = ${norm}`,
      );
    }
    const tr = trackKvStep(d, wk, s.ep, 0.05, 1);
    return new Comparison().add("W_K", next, ref, referenceBounds(tr.wk));
  };
  /** The split run against single-step runs chained through the host: equal bit for bit. */
  const splitCase = async (): Promise<Compared> => {
    const read = async (run: { wk: Tensor; losses: Tensor }) => {
      try {
        return await readTensors([run.wk, run.losses]);
      } finally {
        run.wk.dispose();
        run.losses.dispose();
      }
    };
    const [whole, wholeLosses] = await read(
      kvTrainFrom(task, [splitWk], [splitData], { steps: splitSteps }),
    );
    let wk: ArrayLike<number> = splitWk;
    const losses: number[] = [];
    for (let i = 0; i < splitSteps; i++) {
      const N = splitData.pairs;
      const one: KvEpisodeData = {
        count: 1,
        pairs: N,
        keys: splitData.keys.subarray(i * N * d, (i + 1) * N * d),
        values: splitData.values.subarray(i * N * dv, (i + 1) * N * dv),
        query: splitData.query.subarray(i, i + 1),
      };
      const [next, loss] = await read(kvTrainFrom(task, [wk], [one], { steps: 1 }));
      wk = next!;
      losses.push(loss![0]!);
    }
    return new Comparison()
      .add("W_K", whole!, wk, 0)
      .add("losses", wholeLosses!, losses, 0);
  };
  type Case = () => Promise<Compared>;
  const clip = (c: boolean | undefined) =>
    c === undefined ? "" : `, clip ${c ? "active" : "inactive"}`;
  const m = await differential<Case>(t, {
    cases: [
      ...evals.map((c) => ({
        name: `evaluation N=${c.N} (6 episodes, 2 projectors)`,
        input: () => evalCase(c),
      })),
      ...sgd.map((s, i) => ({
        name: `SGD step ${i} (values ×${s.scale}${clip(s.clipped)})`,
        input: () => sgdCase(i),
      })),
      ...pair.map((s, i) => ({
        name: `SGD step, seed ${i} of 2 in one dispatch (lr 0.1, cap 0.5, ‖g‖ ≈ ${s.target}` +
          `${clip(s.clipped)})`,
        input: () => pairCase(i),
      })),
      {
        name: `a run of ${splitSteps} SGD steps in ${launches} launches vs ${splitSteps} ` +
          "single-step runs (bit for bit)",
        input: splitCase,
      },
    ],
    ...jointly((c: Case) => c()),
  });
  return { ...m, detail: `${m.detail}; SGD gradient norms ${norms.join(", ")}` };
});

// --- training claims: one GPU run of seeds 0..9, shared ---

const SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

interface KvTrained {
  /** Trained projectors [S·d·d]. */
  wk: Float32Array;
  ms: number;
}

let trained: Promise<KvTrained> | null = null;

function train(): Promise<KvTrained> {
  trained ??= (async () => {
    await initGpu();
    const t0 = performance.now();
    const run = kvTrain(KV_TASK_DEFAULTS, SEEDS, { steps: 1500 });
    try {
      const [wk] = await readTensors([run.wk]);
      return { wk: wk as Float32Array, ms: performance.now() - t0 };
    } finally {
      run.wk.dispose();
      run.losses.dispose();
    }
  })();
  return trained;
}

claimTest(KV_POST_MINUS_PRE, async () => {
  const t = await train();
  const task = KV_TASK_DEFAULTS;
  const d = task.keyDim;
  const dv = task.valueDim;
  const bias = kvBias(d);
  const identity = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  const gains: number[] = [];
  const pre: number[] = [];
  const post: number[] = [];
  for (let s = 0; s < SEEDS.length; s++) {
    const data = kvDrawEpisodes(task, bias, new Rng(SEEDS[s]! + KV_EVAL_OFFSET), 200);
    const both = kvDrawEpisodesTwice(data);
    const projectors = [...identity, ...Array.from(t.wk.subarray(s * d * d, (s + 1) * d * d))];
    const out = kvEvaluate(task, projectors, both, 200);
    const [y] = await readTensors([out.y]);
    for (const x of Object.values(out)) x.dispose();
    const mean = (g: number) => {
      let c = 0;
      for (let e = 0; e < 200; e++) {
        const want = data.values.subarray(
          (e * data.pairs + data.query[e]!) * dv,
          (e * data.pairs + data.query[e]! + 1) * dv,
        );
        c += kvCosine(y!.subarray((g * 200 + e) * dv, (g * 200 + e + 1) * dv), want);
      }
      return c / 200;
    };
    pre.push(mean(0));
    post.push(mean(1));
    gains.push(post[s]! - pre[s]!);
  }
  const minGain = Math.min(...gains);
  const f = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(", ");
  return {
    figure: minGain,
    bound: FW_KV_GAIN_MIN,
    pass: minGain >= FW_KV_GAIN_MIN,
    detail: `mean cosine over 200 eval episodes per seed (Rng(seed + 12345)); pre (W_K = I) ` +
      `[${f(pre)}], post [${f(post)}]; training 10 seeds × 1500 steps on the GPU took ` +
      `${(t.ms / 1000).toFixed(1)} s`,
  };
});

/** The same episodes twice in a row (group 0: pre-training projector, group 1: trained). */
function kvDrawEpisodesTwice(data: KvEpisodeData): KvEpisodeData {
  const dup = <T extends Float32Array | Int32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(a.length * 2);
    out.set(a, 0);
    out.set(a, a.length);
    return out;
  };
  return {
    count: data.count * 2,
    pairs: data.pairs,
    keys: dup(data.keys),
    values: dup(data.values),
    query: dup(data.query),
  };
}

claimTest(KV_BIAS_PROJECTION, async () => {
  const t = await train();
  const d = KV_TASK_DEFAULTS.keyDim;
  const bias = kvBias(d);
  const cosines: number[] = [];
  const gaps: number[] = [];
  for (let s = 0; s < SEEDS.length; s++) {
    const svd = singularDecomposition(d, t.wk.subarray(s * d * d, (s + 1) * d * d));
    const vmin = svd.right[0]!;
    cosines.push(Math.abs(kvCosine(vmin, bias)));
    gaps.push(svd.singular[0]! / svd.singular[1]!);
  }
  const minCos = Math.min(...cosines);
  return {
    figure: minCos,
    bound: FW_KV_BIAS_COS_MIN,
    pass: minCos >= FW_KV_BIAS_COS_MIN,
    detail: `|cos(v_min, b)| per seed [${cosines.map((c) => c.toFixed(4)).join(", ")}]; ` +
      `σ_min/σ_next per seed [${gaps.map((g) => g.toFixed(3)).join(", ")}]`,
  };
});

claimTest(KV_FAULTS, async () => {
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
  const task = { ...KV_TASK_DEFAULTS, keyDim: 3, valueDim: 2, pairs: 2 };
  const data = kvDrawEpisodes(task, kvBias(3), new Rng(1), 2);
  const wk = new Float32Array(9);
  rejects(
    "maxNorm 0",
    () => kvTrainFrom(task, [wk], [data], { maxNorm: 0 }),
    RangeError,
    "maxNorm 0",
  );
  rejects(
    "maxNorm NaN",
    () => kvTrainFrom(task, [wk], [data], { maxNorm: NaN }),
    RangeError,
    "maxNorm NaN",
  );
  rejects("lr NaN", () => kvTrainFrom(task, [wk], [data], { lr: NaN }), RangeError, "lr NaN");
  rejects(
    "lr ∞",
    () => kvTrainFrom(task, [wk], [data], { lr: Infinity }),
    RangeError,
    "lr Infinity",
  );
  rejects(
    "two projectors, one sequence",
    () => kvTrainFrom(task, [wk, wk], [data]),
    TypeError,
    "Cannot train 2 key-value projectors from 1 episode sequences",
  );
  rejects(
    "a projector of 8 values",
    () => kvTrainFrom(task, [new Float32Array(8)], [data]),
    TypeError,
    "initial projector of 8 values: expected 3 × 3",
  );
  rejects(
    "keyDim 0",
    () => kvTrainFrom({ ...task, keyDim: 0 }, [wk], [data]),
    RangeError,
    "keyDim must be an integer in [1, 64], got 0",
  );
  rejects(
    "pairs 65",
    () => kvDrawEpisodes({ ...task, pairs: 65 }, kvBias(3), new Rng(1), 1),
    RangeError,
    "pairs must be an integer in [1, 64], got 65",
  );
  rejects(
    "valueDim 1.5",
    () => kvEvaluate({ ...task, valueDim: 1.5 }, wk, data),
    RangeError,
    "valueDim must be an integer in [1, 64], got 1.5",
  );
  rejects(
    "two groups, one projector",
    () => kvEvaluate(task, wk, data, 1),
    TypeError,
    "with 9 projector values: expected 2 × 3 × 3",
  );
  if (liveBufferCount() !== live) failures.push("a rejected call left GPU buffers behind");
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length ? failures.join("; ") : "every fault case raised the documented error",
  };
});
