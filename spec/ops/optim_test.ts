/**
 * Tests of the optimiser claims (./optim_claims.ts). Parity claims restart
 * every step from the GPU's own f32 state: the oracle takes the weights and
 * moments read back after step t − 1, so each compared step carries only its
 * own roundings and the bound stays derived instead of compounding.
 *
 * The long-run claim does the opposite: the GPU runs 50 to 80 steps without a
 * restart, the oracle runs the same steps from the same start in f64, and the
 * bound is the running error (`track`) carried through every step, so a drift
 * too small for any single step (a bias correction wrong only from step 9 on)
 * still shows.
 *
 * @module
 */
import fc from "fast-check";
import {
  Adam,
  type AdamOptions,
  clipGradNorm,
  DisposedTensorError,
  initGpu,
  liveBufferCount,
  readTensors,
  Sgd,
  type SgdOptions,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "../../impl/mod.ts";
import { batchStats, recordedWork } from "../../impl/gpu/batch.ts";
import { sumOfSquaresPathLength, SUMSQ_CHUNK } from "../../impl/ops/kernels/optim.ts";
import { checkClose, describeClose } from "../../invariants/close.ts";
import { FIXTURE_F64_REL, track, type Tracked } from "../../invariants/tolerance.ts";
import { AdamW } from "../../impl/ops/optim.ts";
import { type EncodedArray, f64 } from "../_harness/encoded_arrays.ts";
import { loadPinnedJson } from "../_harness/fixtures.ts";
import { caseValues } from "../_harness/op_spec.ts";
import { claimTest, type Measurement } from "../_harness/claim.ts";
import { fcParams, replayHint } from "../_harness/fuzz.ts";
import { adamStep, clipGradNormOracle, sgdStep } from "../oracle/optim.ts";
import { BIG_GRID_SIZE, seedArb, shapeArb } from "./_arbitraries.ts";
import {
  ADAM_BIAS_CORRECTION,
  ADAM_PARITY,
  ADAM_STATE_ROUND_TRIP,
  ADAMW_FIXTURE_PARITY,
  CLIP_PARITY,
  LONG_RUN_PARITY,
  OPTIM_ARGUMENT_ERRORS,
  OPTIM_SET_STATE_FAULTS,
  OPTIM_STEP_CONTRACT,
  SGD_PARITY,
} from "./optim_claims.ts";

const NUM_RUNS = 100;

/** The worst error-to-bound ratio seen over a claim's cases. */
class Worst {
  ratio = 0;
  detail = "";
  cases = 0;

  /** Compares one array; returns whether it passed. */
  check(label: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: Float64Array) {
    const v = checkClose(got, want, { atol: bound });
    if (!(v.ratio <= this.ratio)) {
      this.ratio = v.ratio;
      this.detail = `${label}: ${describeClose(v)}`;
    }
    return v.pass;
  }

  measurement(seed: number): Measurement {
    return {
      figure: this.ratio,
      bound: 1,
      pass: this.ratio <= 1,
      detail: `${this.cases} cases (seed ${seed}); worst ${this.detail}`,
    };
  }
}

/** f32 values in [−scale, scale) (exact in f32: `scale` is a power of two). */
function gradValues(seed: number, n: number, scale: number): Float64Array {
  return caseValues(seed, n, -1, 1).map((x) => x * scale);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function toF64(a: Float32Array | Int32Array): Float64Array<ArrayBuffer> {
  return Float64Array.from(a);
}

/** Fails the claim with fast-check's report and the replay hint. */
async function fuzz<T>(
  claimId: string,
  arb: fc.Arbitrary<T>,
  worst: Worst,
  run: (c: T) => Promise<boolean>,
  numRuns = NUM_RUNS,
): Promise<number> {
  const params = fcParams<[T]>(numRuns);
  try {
    await fc.assert(fc.asyncProperty(arb, run), params);
  } catch (e) {
    throw new Error(
      `${claimId} failed (worst ${worst.detail})\n${replayHint(claimId)}\n${(e as Error).message}`,
    );
  }
  return params.seed;
}

function assertNoLeak(before: number, what: string): void {
  if (liveBufferCount() !== before) {
    throw new Error(`${what} leaked ${liveBufferCount() - before} GPU buffers`);
  }
}

// ---------------------------------------------------------------- arbitraries

const scaleArb = fc.integer({ min: -12, max: 12 }).map((k) => 2 ** k);
const shapesArb = fc.array(shapeArb(1, 3, 1024), { minLength: 1, maxLength: 3 });
const zeroOr = (arb: fc.Arbitrary<number>) => fc.oneof(fc.constant(0), arb);
const logUniform = (lo: number, hi: number) =>
  fc.double({ min: Math.log10(lo), max: Math.log10(hi), noNaN: true }).map((e) => 10 ** e);

interface SgdCase {
  shapes: number[][];
  seed: number;
  steps: number;
  scale: number;
  h: { lr: number; momentum: number; weightDecay: number };
  label?: string;
}

const sgdCaseArb: fc.Arbitrary<SgdCase> = fc.record({
  shapes: shapesArb,
  seed: seedArb,
  steps: fc.integer({ min: 1, max: 3 }),
  scale: scaleArb,
  h: fc.record({
    lr: zeroOr(logUniform(1e-4, 1)),
    momentum: zeroOr(fc.double({ min: 0.5, max: 0.99, noNaN: true })),
    weightDecay: zeroOr(logUniform(1e-4, 0.1)),
  }),
});

interface AdamCase {
  shapes: number[][];
  seed: number;
  steps: number;
  scale: number;
  h: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    decoupled: boolean;
  };
  label?: string;
}

const adamCaseArb: fc.Arbitrary<AdamCase> = fc.record({
  shapes: shapesArb,
  seed: seedArb,
  steps: fc.integer({ min: 1, max: 3 }),
  scale: scaleArb,
  h: fc.record({
    lr: logUniform(1e-4, 0.5),
    beta1: fc.oneof(fc.constantFrom(0.9, 0), fc.double({ min: 0.5, max: 0.99, noNaN: true })),
    beta2: fc.oneof(
      fc.constantFrom(0.999, 0),
      fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
    ),
    eps: fc.oneof(fc.constant(1e-8), logUniform(1e-10, 1e-2)),
    weightDecay: zeroOr(logUniform(1e-4, 0.1)),
    decoupled: fc.boolean(),
  }),
});

// ---------------------------------------------------------------- SGD parity

/**
 * Tracked bound of one SGD element, mirroring the kernel's evaluation order, from a weight and
 * buffer that may already carry errors (a long run follows them across steps).
 */
function sgdTrackedFrom(
  w0: Tracked,
  g: number,
  buf: Tracked,
  h: SgdCase["h"],
): { p: Tracked; buf: Tracked | null } {
  let d = track.input(g);
  if (h.weightDecay !== 0) d = track.add(d, track.mul(track.uniform(h.weightDecay), w0));
  let b: Tracked | null = null;
  if (h.momentum > 0) b = track.add(track.mul(track.uniform(h.momentum), buf), d);
  return { p: track.sub(w0, track.mul(track.uniform(h.lr), b ?? d)), buf: b };
}

/** Tracked bound of one SGD element from the f32 state read back (exact inputs). */
function sgdTracked(
  w: number,
  g: number,
  buf: number,
  h: SgdCase["h"],
): { p: Tracked; buf: Tracked | null } {
  return sgdTrackedFrom(track.input(w), g, track.input(buf), h);
}

/** Per-element bounds of an SGD step's weights and momentum buffer. */
function sgdBounds(
  w: Float64Array,
  g: Float64Array,
  buf: Float64Array | null,
  h: SgdCase["h"],
): { p: Float64Array; buf: Float64Array } {
  const p = new Float64Array(w.length);
  const b = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const t = sgdTracked(w[i]!, g[i]!, buf?.[i] ?? 0, h);
    p[i] = t.p.e;
    b[i] = t.buf?.e ?? 0;
  }
  return { p, buf: b };
}

async function runSgdCase(c: SgdCase, worst: Worst): Promise<boolean> {
  await initGpu();
  const before = liveBufferCount();
  const w0 = c.shapes.map((s, k) => caseValues(c.seed + k, sizeOf(s)));
  const ps = c.shapes.map((s, k) => tensor(w0[k]!, s));
  const opt = new Sgd(ps, c.h);
  let pass = true;
  try {
    let w = w0;
    let bufs: (Float64Array | null)[] = ps.map(() => null);
    for (let t = 1; t <= c.steps; t++) {
      const gs = ps.map((p, k) => gradValues(c.seed ^ (t * 7919 + k), p.size, c.scale));
      ps.forEach((p, k) => {
        p.grad?.dispose();
        p.grad = tensor(gs[k]!, p.shape);
      });
      opt.step();
      const momentum = c.h.momentum > 0;
      const read = (await readTensors([
        ...ps,
        ...(momentum ? opt.momentumBuffers.map((b) => b!) : []),
      ])).map(toF64);
      ps.forEach((_, k) => {
        const o = sgdStep(w[k]!, gs[k]!, bufs[k] ?? null, c.h);
        const b = sgdBounds(w[k]!, gs[k]!, bufs[k] ?? null, c.h);
        const tag = `${c.label ?? ""} step ${t} param ${k} [${ps[k]!.shape}] ${
          JSON.stringify(c.h)
        }`;
        pass &&= worst.check(`${tag} w`, read[k]!, o.p, b.p);
        if (momentum) pass &&= worst.check(`${tag} buf`, read[ps.length + k]!, o.buf!, b.buf);
      });
      w = read.slice(0, ps.length);
      if (momentum) bufs = read.slice(ps.length);
    }
  } finally {
    opt.dispose();
    for (const p of ps) p.dispose();
  }
  assertNoLeak(before, "an SGD case");
  worst.cases++;
  return pass;
}

claimTest(SGD_PARITY, async () => {
  const worst = new Worst();
  const examples: SgdCase[] = [
    {
      shapes: [[1]],
      seed: 1,
      steps: 2,
      scale: 1,
      h: { lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
      label: "size 1",
    },
    {
      shapes: [[BIG_GRID_SIZE]],
      seed: 2,
      steps: 1,
      scale: 1,
      h: { lr: 0.01, momentum: 0.9, weightDecay: 1e-3 },
      label: "grid > 65535",
    },
  ];
  for (const c of examples) await runSgdCase(c, worst);
  const seed = await fuzz(SGD_PARITY.id, sgdCaseArb, worst, (c) => runSgdCase(c, worst));
  return worst.measurement(seed);
});

// ---------------------------------------------------------------- Adam parity

/**
 * Tracked bounds of one Adam element, mirroring the kernel's evaluation order, from a weight
 * and moments that may already carry errors (a long run follows them across steps).
 */
function adamTrackedFrom(
  w0: Tracked,
  g: number,
  m: Tracked,
  v: Tracked,
  t: number,
  h: AdamCase["h"],
): { p: Tracked; m: Tracked; v: Tracked } {
  let gg = track.input(g);
  let ww = w0;
  if (h.weightDecay !== 0) {
    if (h.decoupled) ww = track.mul(w0, track.uniform(1 - h.lr * h.weightDecay));
    else gg = track.add(gg, track.mul(track.uniform(h.weightDecay), w0));
  }
  const m1 = track.add(
    track.mul(track.uniform(h.beta1), m),
    track.mul(track.uniform(1 - h.beta1), gg),
  );
  const v1 = track.add(
    track.mul(track.uniform(h.beta2), v),
    track.mul(track.uniform(1 - h.beta2), track.mul(gg, gg)),
  );
  const bc1 = 1 - h.beta1 ** t;
  const bc2 = 1 - h.beta2 ** t;
  const denom = track.add(
    track.mul(track.sqrt(v1), track.uniform(1 / Math.sqrt(bc2))),
    track.uniform(h.eps),
  );
  const p = track.sub(ww, track.mul(track.uniform(h.lr / bc1), track.div(m1, denom)));
  return { p, m: m1, v: v1 };
}

/** Tracked bounds of one Adam element from the f32 state read back (exact inputs). */
function adamTracked(
  w: number,
  g: number,
  m: number,
  v: number,
  t: number,
  h: AdamCase["h"],
): { p: Tracked; m: Tracked; v: Tracked } {
  return adamTrackedFrom(track.input(w), g, track.input(m), track.input(v), t, h);
}

/** Per-element bounds of an Adam step's weights and moments. */
function adamBounds(
  w: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  h: AdamCase["h"],
): { p: Float64Array; m: Float64Array; v: Float64Array } {
  const out = {
    p: new Float64Array(w.length),
    m: new Float64Array(w.length),
    v: new Float64Array(w.length),
  };
  for (let i = 0; i < w.length; i++) {
    const r = adamTracked(w[i]!, g[i]!, m[i]!, v[i]!, t, h);
    out.p[i] = r.p.e;
    out.m[i] = r.m.e;
    out.v[i] = r.v.e;
  }
  return out;
}

function adamOptions(h: AdamCase["h"]): AdamOptions {
  return {
    lr: h.lr,
    beta1: h.beta1,
    beta2: h.beta2,
    eps: h.eps,
    weightDecay: h.weightDecay,
    decoupledWeightDecay: h.decoupled,
  };
}

async function runAdamCase(c: AdamCase, worst: Worst): Promise<boolean> {
  await initGpu();
  const before = liveBufferCount();
  const w0 = c.shapes.map((s, k) => caseValues(c.seed + k, sizeOf(s)));
  const ps = c.shapes.map((s, k) => tensor(w0[k]!, s));
  const opt = new Adam(ps, adamOptions(c.h));
  let pass = true;
  try {
    let w = w0;
    let ms: Float64Array[] = ps.map((p) => new Float64Array(p.size));
    let vs: Float64Array[] = ps.map((p) => new Float64Array(p.size));
    for (let t = 1; t <= c.steps; t++) {
      const gs = ps.map((p, k) => gradValues(c.seed ^ (t * 7919 + k), p.size, c.scale));
      ps.forEach((p, k) => {
        p.grad?.dispose();
        p.grad = tensor(gs[k]!, p.shape);
      });
      opt.step();
      const states = ps.map((_, k) => opt.state(k)!);
      const read = (await readTensors([
        ...ps,
        ...states.map((s) => s.m),
        ...states.map((s) => s.v),
      ])).map(toF64);
      const n = ps.length;
      ps.forEach((_, k) => {
        const o = adamStep({ p: w[k]!, g: gs[k]!, m: ms[k]!, v: vs[k]!, t }, c.h);
        const b = adamBounds(w[k]!, gs[k]!, ms[k]!, vs[k]!, t, c.h);
        const tag = `${c.label ?? ""} step ${t} param ${k} [${ps[k]!.shape}] scale ${c.scale} ` +
          JSON.stringify(c.h);
        pass &&= worst.check(`${tag} w`, read[k]!, o.p, b.p);
        pass &&= worst.check(`${tag} m`, read[n + k]!, o.m, b.m);
        pass &&= worst.check(`${tag} v`, read[2 * n + k]!, o.v, b.v);
      });
      w = read.slice(0, n);
      ms = read.slice(n, 2 * n);
      vs = read.slice(2 * n);
    }
  } finally {
    opt.dispose();
    for (const p of ps) p.dispose();
  }
  assertNoLeak(before, "an Adam case");
  worst.cases++;
  return pass;
}

claimTest(ADAM_PARITY, async () => {
  const worst = new Worst();
  const base = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
  const examples: AdamCase[] = [
    { shapes: [[1]], seed: 3, steps: 3, scale: 1, h: base, label: "size 1" },
    {
      shapes: [[7, 5]],
      seed: 4,
      steps: 2,
      scale: 2 ** -12,
      h: { ...base, eps: 1e-3, weightDecay: 0.01, decoupled: true },
      label: "AdamW, eps comparable to sqrt(v)",
    },
    {
      shapes: [[BIG_GRID_SIZE]],
      seed: 5,
      steps: 1,
      scale: 1,
      h: { ...base, weightDecay: 1e-2 },
      label: "grid > 65535",
    },
  ];
  for (const c of examples) await runAdamCase(c, worst);
  const seed = await fuzz(ADAM_PARITY.id, adamCaseArb, worst, (c) => runAdamCase(c, worst));
  return worst.measurement(seed);
});

// ---------------------------------------------------------------- long runs

/** Fuzz runs of the long-run claim: each is 50 to 80 steps with a readback per step. */
const LONG_RUNS = 8;

/** A run of many steps, Adam or SGD, with no restart from the GPU's state. */
type LongCase =
  | ({ optimiser: "adam" } & AdamCase)
  | ({ optimiser: "sgd" } & SgdCase);

const longCaseArb: fc.Arbitrary<LongCase> = fc.oneof(
  adamCaseArb.chain((c) =>
    fc.integer({ min: 50, max: 80 }).map((steps) => ({ ...c, steps, optimiser: "adam" as const }))
  ),
  sgdCaseArb.chain((c) =>
    fc.integer({ min: 50, max: 80 }).map((steps) => ({ ...c, steps, optimiser: "sgd" as const }))
  ),
);

/** Fails (returns false) on a bound that is not finite: such a comparison would test nothing. */
function finiteBounds(worst: Worst, label: string, bound: Float64Array): boolean {
  const i = bound.findIndex((b) => !Number.isFinite(b));
  if (i < 0) return true;
  worst.ratio = Infinity;
  worst.detail = `${label}: the running bound of element ${i} is ${bound[i]}, so it tests nothing`;
  return false;
}

/**
 * Runs `c.steps` steps on the GPU without restarting from its state, and the oracle's own run
 * from the same f32 start with the same gradients. Every step compares weights and state with
 * the running bound: each element's error is followed through every step (`adamTrackedFrom`,
 * `sgdTrackedFrom` with the previous step's tracked values), so the bound of step t is the
 * per-step bounds accumulated over steps 1..t, propagated through the recurrences.
 */
async function runLongCase(c: LongCase, worst: Worst): Promise<boolean> {
  await initGpu();
  const before = liveBufferCount();
  const w0 = c.shapes.map((s, k) => caseValues(c.seed + k, sizeOf(s)));
  const ps = c.shapes.map((s, k) => tensor(w0[k]!, s));
  const adam = c.optimiser === "adam" ? new Adam(ps, adamOptions(c.h)) : null;
  const sgd = c.optimiser === "sgd" ? new Sgd(ps, c.h) : null;
  const momentum = c.optimiser === "sgd" && c.h.momentum > 0;
  const n = ps.length;
  const zeros = () => ps.map((p) => new Float64Array(p.size));
  const exact = (xs: Float64Array[]) => xs.map((x) => Array.from(x, (v) => track.input(v)));
  // The oracle's state, and each element's running bound (its exact value and error).
  const ow: Float64Array[] = [...w0];
  const om: Float64Array[] = zeros();
  const ov: Float64Array[] = zeros();
  const oBuf: (Float64Array | null)[] = ps.map(() => null);
  const tw: Tracked[][] = exact(w0);
  const tm: Tracked[][] = exact(zeros());
  const tv: Tracked[][] = exact(zeros());
  let pass = true;
  try {
    for (let t = 1; t <= c.steps && pass; t++) {
      const gs = ps.map((p, k) => gradValues(c.seed ^ (t * 7919 + k), p.size, c.scale));
      ps.forEach((p, k) => {
        p.grad?.dispose();
        p.grad = tensor(gs[k]!, p.shape);
      });
      adam?.step();
      sgd?.step();
      const state = adam
        ? [...ps.map((_, k) => adam.state(k)!.m), ...ps.map((_, k) => adam.state(k)!.v)]
        : momentum
        ? sgd!.momentumBuffers.map((b) => b!)
        : [];
      const read = (await readTensors([...ps, ...state])).map(toF64);
      for (let k = 0; k < n && pass; k++) {
        const size = ps[k]!.size;
        const tag = `${c.label ?? ""} ${c.optimiser} step ${t}/${c.steps} param ${k} ` +
          `[${ps[k]!.shape}] scale ${c.scale} ${JSON.stringify(c.h)}`;
        const bw = new Float64Array(size);
        const bs = [new Float64Array(size), new Float64Array(size)] as const;
        let want: Float64Array[];
        if (c.optimiser === "adam") {
          const o = adamStep({ p: ow[k]!, g: gs[k]!, m: om[k]!, v: ov[k]!, t }, c.h);
          for (let i = 0; i < size; i++) {
            const r = adamTrackedFrom(tw[k]![i]!, gs[k]![i]!, tm[k]![i]!, tv[k]![i]!, t, c.h);
            [tw[k]![i], tm[k]![i], tv[k]![i]] = [r.p, r.m, r.v];
            [bw[i], bs[0][i], bs[1][i]] = [r.p.e, r.m.e, r.v.e];
          }
          [ow[k], om[k], ov[k]] = [o.p, o.m, o.v];
          want = [o.p, o.m, o.v];
        } else {
          const o = sgdStep(ow[k]!, gs[k]!, oBuf[k] ?? null, c.h);
          for (let i = 0; i < size; i++) {
            const r = sgdTrackedFrom(tw[k]![i]!, gs[k]![i]!, tm[k]![i]!, c.h);
            tw[k]![i] = r.p;
            bw[i] = r.p.e;
            if (r.buf !== null) [tm[k]![i], bs[0][i]] = [r.buf, r.buf.e];
          }
          [ow[k], oBuf[k]] = [o.p, o.buf];
          want = [o.p, ...(o.buf ? [o.buf] : [])];
        }
        const got = [read[k]!, ...(state.length > 0 ? [read[n + k]!] : [])];
        if (c.optimiser === "adam") got.push(read[2 * n + k]!);
        const names = ["w", c.optimiser === "adam" ? "m" : "buf", "v"];
        const bounds = [bw, ...bs];
        got.forEach((g, j) => {
          const label = `${tag} ${names[j]}`;
          pass &&= finiteBounds(worst, label, bounds[j]!) &&
            worst.check(label, g, want[j]!, bounds[j]!);
        });
      }
    }
  } finally {
    adam?.dispose();
    sgd?.dispose();
    for (const p of ps) p.dispose();
  }
  assertNoLeak(before, "a long-run case");
  worst.cases++;
  return pass;
}

claimTest(LONG_RUN_PARITY, async () => {
  const worst = new Worst();
  const adamBase = {
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    decoupled: false,
  };
  const examples: LongCase[] = [
    {
      optimiser: "adam",
      shapes: [[37], [3, 5]],
      seed: 21,
      steps: 64,
      scale: 1,
      h: adamBase,
      label: "Adam defaults",
    },
    {
      optimiser: "adam",
      shapes: [[65]],
      seed: 22,
      steps: 64,
      scale: 2 ** -6,
      h: { ...adamBase, lr: 3e-3, weightDecay: 0.05, decoupled: true },
      label: "AdamW",
    },
    {
      optimiser: "adam",
      shapes: [[7, 13]],
      seed: 23,
      steps: 50,
      scale: 16,
      h: { ...adamBase, lr: 1e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01 },
      label: "Adam, L2 decay",
    },
    {
      optimiser: "sgd",
      shapes: [[65], [1]],
      seed: 24,
      steps: 64,
      scale: 1,
      h: { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
      label: "SGD, momentum",
    },
  ];
  for (const c of examples) {
    if (!(await runLongCase(c, worst))) {
      return { ...worst.measurement(0), detail: `example failed: ${worst.detail}` };
    }
  }
  const seed = await fuzz(
    LONG_RUN_PARITY.id,
    longCaseArb,
    worst,
    (c) => runLongCase(c, worst),
    LONG_RUNS,
  );
  return worst.measurement(seed);
});

// ---------------------------------------------------------------- clip parity

interface ClipCase {
  shapes: number[][];
  seed: number;
  scales: number[];
  /** maxNorm as a multiple of the true norm; Infinity and 0 are passed as is. */
  ratio: number;
  label?: string;
}

const clipCaseArb: fc.Arbitrary<ClipCase> = fc.array(shapeArb(1, 3, 1024), {
  minLength: 1,
  maxLength: 4,
}).chain((shapes) =>
  fc.record({
    shapes: fc.constant(shapes),
    seed: seedArb,
    scales: fc.array(scaleArb, { minLength: shapes.length, maxLength: shapes.length }),
    ratio: fc.oneof(
      fc.constantFrom(Infinity, 0, 1),
      fc.double({ min: 0.05, max: 20, noNaN: true }),
    ),
  })
);

/** Σx² over every array, compensated (Neumaier) so the f64 reference is accurate. */
function sumOfSquares(arrays: readonly Float64Array[]): number {
  let s = 0;
  let c = 0;
  for (const a of arrays) {
    for (const x of a) {
      const y = x * x;
      const t = s + y;
      c += Math.abs(s) >= y ? (s - t) + y : (y - t) + s;
      s = t;
    }
  }
  return s + c;
}

async function runClipCase(c: ClipCase, worst: Worst): Promise<boolean> {
  await initGpu();
  const before = liveBufferCount();
  const gs = c.shapes.map((s, k) => gradValues(c.seed + k, sizeOf(s), c.scales[k]!));
  const exactNorm = Math.sqrt(sumOfSquares(gs));
  const maxNorm = c.ratio === Infinity || c.ratio === 0 ? c.ratio : c.ratio * exactNorm;
  const ps = c.shapes.map((s, k) => {
    const p = zeros(s);
    p.grad = tensor(gs[k]!, s);
    return p;
  });
  let read: Float64Array[];
  try {
    const norm = clipGradNorm(ps, maxNorm);
    read = (await readTensors([norm, ...ps.map((p) => p.grad!)])).map(toF64);
    norm.dispose();
  } finally {
    for (const p of ps) p.dispose();
  }
  assertNoLeak(before, "a clip case");
  const o = clipGradNormOracle(gs, maxNorm);
  const partials = gs.reduce((a, g) => a + Math.ceil(g.length / SUMSQ_CHUNK), 0);
  const terms = gs.reduce((a, g) => a + g.length, 0);
  const sumSq = track.sumOfPositive(exactNorm ** 2, sumOfSquaresPathLength(partials), terms);
  const norm = track.sqrt(sumSq);
  const scale: Tracked = maxNorm === Infinity
    ? { v: 1, e: 0 }
    : track.min(track.div(track.uniform(maxNorm), track.add(norm, track.literal(1e-6))), 1);
  const tag = `${c.label ?? ""} [${c.shapes.map((s) => `[${s}]`)}] maxNorm ${maxNorm}`;
  let pass = worst.check(`${tag} norm`, [read[0]![0]!], [o.norm], Float64Array.of(norm.e));
  gs.forEach((g, k) => {
    const bound = g.map((x) => track.mul(track.input(x), scale).e);
    pass &&= worst.check(`${tag} grad ${k}`, read[k + 1]!, o.grads[k]!, bound);
  });
  worst.cases++;
  return pass;
}

claimTest(CLIP_PARITY, async () => {
  const worst = new Worst();
  const examples: ClipCase[] = [
    { shapes: [[1]], seed: 6, scales: [1], ratio: 0.5, label: "size 1" },
    { shapes: [[3], [0]], seed: 7, scales: [1, 1], ratio: 0.5, label: "empty gradient" },
    {
      shapes: [[BIG_GRID_SIZE], [5]],
      seed: 8,
      scales: [2 ** -6, 4],
      ratio: 0.25,
      label: "grid > 65535, 1,025 partials",
    },
  ];
  for (const c of examples) await runClipCase(c, worst);
  const seed = await fuzz(CLIP_PARITY.id, clipCaseArb, worst, (c) => runClipCase(c, worst));
  return worst.measurement(seed);
});

// ---------------------------------------------------------------- bias correction

interface BiasCase {
  n: number;
  seed: number;
  steps: number;
  scale: number;
  h: { lr: number; beta1: number; beta2: number; eps: number };
}

const biasCaseArb: fc.Arbitrary<BiasCase> = fc.record({
  n: fc.integer({ min: 1, max: 300 }),
  seed: seedArb,
  steps: fc.integer({ min: 1, max: 4 }),
  scale: fc.integer({ min: -10, max: 10 }).map((k) => 2 ** k),
  h: fc.record({
    lr: logUniform(1e-4, 0.1),
    beta1: fc.oneof(fc.constant(0.9), fc.double({ min: 0.5, max: 0.99, noNaN: true })),
    beta2: fc.oneof(fc.constant(0.999), fc.double({ min: 0.9, max: 0.9999, noNaN: true })),
    eps: fc.oneof(fc.constant(1e-8), logUniform(1e-10, 1e-3)),
  }),
});

async function runBiasCase(c: BiasCase, worst: Worst): Promise<boolean> {
  await initGpu();
  const before = liveBufferCount();
  const g = gradValues(c.seed, c.n, c.scale);
  const w = tensor(new Float64Array(c.n), [c.n]);
  const opt = new Adam([w], { ...c.h });
  let pass = true;
  try {
    w.grad = tensor(g, [c.n]);
    const h = { ...c.h, weightDecay: 0, decoupled: false };
    // The moments follow the kernel's recurrence from zero, tracked across steps.
    const m: Tracked[] = Array.from(g, () => ({ v: 0, e: 0 }));
    const v: Tracked[] = Array.from(g, () => ({ v: 0, e: 0 }));
    let prev = new Float64Array(c.n);
    for (let t = 1; t <= c.steps; t++) {
      opt.step();
      const cur = toF64(await w.toArray());
      const bc1 = 1 - h.beta1 ** t;
      const bc2 = 1 - h.beta2 ** t;
      const bound = new Float64Array(c.n);
      const want = new Float64Array(c.n);
      const got = new Float64Array(c.n);
      for (let i = 0; i < c.n; i++) {
        const gi = track.input(g[i]!);
        m[i] = track.add(
          track.mul(track.uniform(h.beta1), m[i]!),
          track.mul(track.uniform(1 - h.beta1), gi),
        );
        v[i] = track.add(
          track.mul(track.uniform(h.beta2), v[i]!),
          track.mul(track.uniform(1 - h.beta2), track.mul(gi, gi)),
        );
        const denom = track.add(
          track.mul(track.sqrt(v[i]!), track.uniform(1 / Math.sqrt(bc2))),
          track.uniform(h.eps),
        );
        const update = track.mul(track.uniform(h.lr / bc1), track.div(m[i]!, denom));
        // w_t = fl(ŵ_{t−1} − update): ŵ_{t−1} is the value read back, so Δw = ŵ_t − ŵ_{t−1}
        // differs from −update by the update's error and this subtraction's rounding.
        bound[i] = track.sub(track.input(prev[i]!), update).e;
        want[i] = -h.lr * g[i]! / (Math.abs(g[i]!) + h.eps);
        got[i] = cur[i]! - prev[i]!;
      }
      pass &&= worst.check(
        `n ${c.n} step ${t} scale ${c.scale} ${JSON.stringify(c.h)}`,
        got,
        want,
        bound,
      );
      prev = cur;
    }
  } finally {
    opt.dispose();
    w.dispose();
  }
  assertNoLeak(before, "a bias-correction case");
  worst.cases++;
  return pass;
}

claimTest(ADAM_BIAS_CORRECTION, async () => {
  const worst = new Worst();
  const examples: BiasCase[] = [
    {
      n: 4,
      seed: 9,
      steps: 4,
      scale: 2 ** -10,
      h: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    },
    {
      n: 4,
      seed: 10,
      steps: 4,
      scale: 2 ** 10,
      h: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    },
  ];
  for (const c of examples) await runBiasCase(c, worst);
  const seed = await fuzz(
    ADAM_BIAS_CORRECTION.id,
    biasCaseArb,
    worst,
    (c) => runBiasCase(c, worst),
  );
  return worst.measurement(seed);
});

// ---------------------------------------------------------------- argument errors

type ErrorClass = new (...args: never[]) => Error;

interface FaultCase {
  name: string;
  run: () => unknown;
  expect: ErrorClass;
  /** Substrings the message must contain. */
  mentions: string[];
}

claimTest(OPTIM_ARGUMENT_ERRORS, async () => {
  await initGpu();
  const w = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const u = tensor([1, 2], [2]);
  const ids = tensor(new Int32Array([1, 2]), [2]);
  w.grad = tensor([1, 1, 1, 1, 1, 1], [2, 3]);
  const disposedParam = tensor([1], [1]);
  disposedParam.dispose();
  const wrongGrad = tensor([1, 2], [2]);
  wrongGrad.grad = tensor([1, 2, 3], [3]);
  const cases: FaultCase[] = [
    { name: "lr < 0", run: () => new Adam([w], { lr: -1 }), expect: RangeError, mentions: ["lr"] },
    { name: "lr NaN", run: () => new Sgd([w], { lr: NaN }), expect: RangeError, mentions: ["lr"] },
    {
      name: "lr Infinity",
      run: () => new Sgd([w], { lr: Infinity }),
      expect: RangeError,
      mentions: ["lr"],
    },
    {
      name: "beta1 = 1",
      run: () => new Adam([w], { lr: 0.1, beta1: 1 }),
      expect: RangeError,
      mentions: ["beta1", "[0, 1)"],
    },
    {
      name: "eps < 0",
      run: () => new Adam([w], { lr: 0.1, eps: -1e-8 }),
      expect: RangeError,
      mentions: ["eps"],
    },
    {
      name: "momentum < 0",
      run: () => new Sgd([w], { lr: 0.1, momentum: -0.5 }),
      expect: RangeError,
      mentions: ["momentum"],
    },
    {
      name: "lr set to -0.5",
      run: () => {
        const o = new Sgd([w], { lr: 0.1 });
        o.lr = -0.5;
      },
      expect: RangeError,
      mentions: ["lr", "-0.5"],
    },
    {
      name: "empty parameter list",
      run: () => new Adam([], { lr: 0.1 }),
      expect: TypeError,
      mentions: ["empty"],
    },
    {
      name: "duplicate parameter",
      run: () => new Adam([w, u, w], { lr: 0.1 }),
      expect: TypeError,
      mentions: ["parameter 2", "parameter 0"],
    },
    {
      name: "i32 parameter",
      run: () => new Sgd([ids], { lr: 0.1 }),
      expect: TypeError,
      mentions: ["parameter 0", "i32"],
    },
    {
      name: "disposed parameter",
      run: () => new Sgd([disposedParam], { lr: 0.1 }),
      expect: DisposedTensorError,
      mentions: ["parameter 0"],
    },
    {
      // Parameter 0 has a gradient: validation must fail before its kernel is recorded.
      name: "parameter without gradient",
      run: () => new Adam([w, u], { lr: 0.1 }).step(),
      expect: TypeError,
      mentions: ["parameter 1", "[2]", "no gradient"],
    },
    {
      name: "gradient of another shape",
      run: () => new Sgd([w, wrongGrad], { lr: 0.1 }).step(),
      expect: TypeError,
      mentions: ["parameter 1", "[3]", "[2]"],
    },
    {
      name: "step after dispose",
      run: () => {
        const o = new Sgd([w], { lr: 0.1, momentum: 0.9 });
        o.dispose();
        o.step();
      },
      expect: DisposedTensorError,
      mentions: ["SGD", "dispose()"],
    },
    {
      name: "clipGradNorm maxNorm NaN",
      run: () => clipGradNorm([w], NaN),
      expect: RangeError,
      mentions: ["maxNorm"],
    },
    {
      name: "clipGradNorm maxNorm < 0",
      run: () => clipGradNorm([w], -1),
      expect: RangeError,
      mentions: ["maxNorm"],
    },
    {
      name: "clipGradNorm without gradient",
      run: () => clipGradNorm([u], 1),
      expect: TypeError,
      mentions: ["clipGradNorm", "parameter 0", "[2]"],
    },
  ];
  const failures: string[] = [];
  for (const c of cases) {
    const live = liveBufferCount();
    const dispatches = recordedWork();
    let thrown: unknown = null;
    try {
      c.run();
    } catch (e) {
      thrown = e;
    }
    const msg = thrown instanceof Error ? thrown.message : String(thrown);
    if (!(thrown instanceof c.expect)) {
      failures.push(`${c.name}: expected ${c.expect.name}, got ${thrown === null ? "none" : msg}`);
    } else if (!c.mentions.every((s) => msg.includes(s))) {
      failures.push(`${c.name}: message "${msg}" lacks one of ${JSON.stringify(c.mentions)}`);
    } else if (liveBufferCount() !== live) {
      failures.push(`${c.name}: leaked ${liveBufferCount() - live} buffers`);
    } else if (recordedWork() !== dispatches) {
      failures.push(`${c.name}: recorded GPU work before failing`);
    }
  }
  // Controls: the same calls with valid arguments succeed.
  const live = liveBufferCount();
  const dispatches = batchStats().dispatches;
  let controlError = "";
  try {
    u.grad = tensor([0.5, 0.5], [2]);
    const opt = new Adam([w, u], { lr: 0.1 });
    opt.step();
    const norm = clipGradNorm([w, u], 1);
    const [values] = await readTensors([w]);
    if (!(values![0]! < 1)) controlError = "the control step did not move w";
    opt.dispose();
    norm.dispose();
    u.grad.dispose();
    u.grad = null;
  } catch (e) {
    controlError = `control failed: ${(e as Error).message}`;
  }
  if (batchStats().dispatches - dispatches !== 2 + 5) {
    controlError ||= `control recorded ${batchStats().dispatches - dispatches} dispatches, not 7`;
  }
  if (liveBufferCount() !== live) controlError ||= "control leaked buffers";
  for (const t of [w, u, ids, wrongGrad]) t.dispose();
  if (controlError) failures.push(controlError);
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: failures.length === 0
      ? `${cases.length}/${cases.length} fault cases raised the documented error; control passed`
      : failures.join("; "),
  };
});

// ---------------------------------------------------------------- step contract

claimTest(OPTIM_STEP_CONTRACT, async () => {
  await initGpu();
  const violations: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) violations.push(what);
  };
  const live0 = liveBufferCount();
  const shapes = [[3, 4], [5], [1]];
  const ps = shapes.map((s, k) => tensor(caseValues(40 + k, sizeOf(s)), s));
  const buffers = ps.map((p) => p.buffer);
  const grads = () =>
    ps.forEach((p, k) => {
      p.grad?.dispose();
      p.grad = tensor(caseValues(50 + k, p.size), p.shape);
    });
  grads();
  const liveWithGrads = liveBufferCount();

  const check = (
    label: string,
    opt: { step(): void; dispose(): void },
    statePerParam: number,
  ) => {
    const s0 = batchStats();
    tidy(() => opt.step()); // state must outlive an enclosing tidy scope
    const s1 = batchStats();
    expect(s1.dispatches - s0.dispatches === ps.length, `${label}: first step dispatches`);
    expect(s1.submits === s0.submits, `${label}: first step submitted`);
    expect(
      liveBufferCount() - liveWithGrads === statePerParam * ps.length,
      `${label}: state allocated ${liveBufferCount() - liveWithGrads}`,
    );
    opt.step();
    const s2 = batchStats();
    expect(s2.dispatches - s1.dispatches === ps.length, `${label}: second step dispatches`);
    expect(
      liveBufferCount() - liveWithGrads === statePerParam * ps.length,
      `${label}: second step allocated`,
    );
    expect(ps.every((p, k) => p.buffer === buffers[k]), `${label}: parameters not in place`);
    opt.dispose();
    expect(liveBufferCount() === liveWithGrads, `${label}: dispose() left state buffers`);
    opt.dispose();
  };
  const before = (await readTensors(ps)).map(toF64);
  check("SGD", new Sgd(ps, { lr: 0.1 } satisfies SgdOptions), 0);
  check("SGD momentum", new Sgd(ps, { lr: 0.1, momentum: 0.9 }), 1);
  check("Adam", new Adam(ps, { lr: 0.1 }), 2);
  check("AdamW", new Adam(ps, { lr: 0.1, weightDecay: 0.1, decoupledWeightDecay: true }), 2);
  const after = (await readTensors(ps)).map(toF64);
  expect(after.every((a, k) => a.some((x, i) => x !== before[k]![i])), "steps did not move");

  const s0 = batchStats();
  const gradBuffers = ps.map((p) => p.grad!.buffer);
  const norm = clipGradNorm(ps, 0.5);
  const s1 = batchStats();
  expect(s1.dispatches - s0.dispatches === 2 * ps.length + 1, "clip dispatches != 2P + 1");
  expect(s1.submits === s0.submits, "clip submitted (host readback)");
  expect(liveBufferCount() === liveWithGrads + 1, "clip left temporaries");
  expect(ps.every((p, k) => p.grad!.buffer === gradBuffers[k]), "clip not in place");
  norm.dispose();

  // skipParamsWithoutGrad: the gradient-less parameter gets no dispatch, no state, no change.
  const opt = new Adam(ps, { lr: 0.1, skipParamsWithoutGrad: true });
  ps[1]!.grad!.dispose();
  ps[1]!.grad = null;
  const frozen = (await readTensors([ps[1]!]))[0]!;
  const s2 = batchStats();
  opt.step();
  expect(batchStats().dispatches - s2.dispatches === ps.length - 1, "skip: dispatches");
  expect(opt.state(1) === null && opt.state(0)?.step === 1, "skip: state of the skipped param");
  const still = (await readTensors([ps[1]!]))[0]!;
  expect(still.every((x, i) => x === frozen[i]), "skip: the skipped parameter moved");
  opt.zeroGrad();
  expect(ps.every((p) => p.grad === null), "zeroGrad left a gradient");
  opt.dispose();
  for (const p of ps) p.dispose();
  expect(liveBufferCount() === live0, "buffers leaked");
  return {
    figure: violations.length,
    bound: 0,
    pass: violations.length === 0,
    detail: violations.length === 0
      ? "SGD, SGD+momentum, Adam, AdamW and clipGradNorm: one dispatch per tensor, no submit, " +
        "in place, state on first step only, released by dispose(); skipParamsWithoutGrad " +
        "leaves the parameter untouched and stateless; zeroGrad() releases the gradients"
      : violations.join("; "),
  };
});

// ---------------------------------------------------------------- AdamW fixtures

/** One AdamW trajectory, decoded: [step][param] flat values. */
interface AdamwCase {
  name: string;
  shapes: number[][];
  /** The options torch was given, as AdamWOptions (empty: PyTorch's defaults). */
  options: { lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };
  /** Every hyperparameter torch used (its defaults filled in), for the oracle. */
  hyper: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
  w0: number[][];
  grads: number[][][];
  weights: number[][][];
  m: number[][][];
  v: number[][][];
}

/**
 * fixtures/optim/adamw.json, written by fixtures/gen/ops_selection_fixtures.py: per case,
 * `w0` one f64 array per parameter in its shape, and `grads`, `weights`, `m`, `v` one f64 array
 * [steps, size] per parameter.
 */
interface AdamwFixture {
  format: string;
  cases: (Omit<AdamwCase, "shapes" | "w0" | "grads" | "weights" | "m" | "v"> & {
    w0: EncodedArray[];
    grads: EncodedArray[];
    weights: EncodedArray[];
    m: EncodedArray[];
    v: EncodedArray[];
  })[];
}

/** Decodes a case's per-parameter [steps, size] arrays into [step][param] rows. */
function decodeAdamwCase(c: AdamwFixture["cases"][number]): AdamwCase {
  const bySteps = (arrays: EncodedArray[], what: string): number[][][] => {
    const decoded = arrays.map((a, k) => ({ a, values: f64(a, `${c.name} ${what}[${k}]`) }));
    const steps = decoded[0]?.a.shape[0] ?? 0;
    return Array.from({ length: steps }, (_, t) =>
      decoded.map(({ a, values }) => {
        const size = a.shape[1]!;
        return Array.from(values.subarray(t * size, (t + 1) * size));
      }));
  };
  return {
    ...c,
    shapes: c.w0.map((a) => [...a.shape]),
    w0: c.w0.map((a, k) => Array.from(f64(a, `${c.name} w0[${k}]`))),
    grads: bySteps(c.grads, "grads"),
    weights: bySteps(c.weights, "weights"),
    m: bySteps(c.m, "m"),
    v: bySteps(c.v, "v"),
  };
}

claimTest(ADAMW_FIXTURE_PARITY, async () => {
  await initGpu();
  const before = liveBufferCount();
  const { data, integrity } = await loadPinnedJson<AdamwFixture>(
    "fixtures/optim/adamw.json",
    "memspec.optim.adamw.v1",
  );
  const oracleWorst = new Worst();
  const gpuWorst = new Worst();
  const rel = (f: ArrayLike<number>) =>
    Float64Array.from(f, (v) => FIXTURE_F64_REL * Math.max(Math.abs(v), 1));
  let pass = true;
  let steps = 0;
  for (const c of data.cases.map(decodeAdamwCase)) {
    const h = { ...c.hyper, decoupled: true };
    const ps = c.shapes.map((s, k) => tensor(c.w0[k]!, s));
    // Only the options torch was given: memspec's defaults must be PyTorch's.
    const opt = new AdamW(ps, c.options);
    const n = ps.length;
    const ow: Float64Array[] = c.w0.map((w) => Float64Array.from(w));
    const om: Float64Array[] = ps.map((p) => new Float64Array(p.size));
    const ov: Float64Array[] = ps.map((p) => new Float64Array(p.size));
    const tw: Tracked[][] = c.w0.map((w) => w.map((v) => track.input(v)));
    const tm: Tracked[][] = ps.map((p) => Array.from({ length: p.size }, () => track.input(0)));
    const tv: Tracked[][] = ps.map((p) => Array.from({ length: p.size }, () => track.input(0)));
    try {
      for (let t = 1; t <= c.grads.length; t++) {
        const gs = c.grads[t - 1]!.map((g) => Float64Array.from(g));
        ps.forEach((p, k) => {
          p.grad?.dispose();
          p.grad = tensor(gs[k]!, p.shape);
        });
        opt.step();
        const read = (await readTensors([
          ...ps,
          ...ps.map((_, k) => opt.state(k)!.m),
          ...ps.map((_, k) => opt.state(k)!.v),
        ])).map(toF64);
        steps++;
        for (let k = 0; k < n; k++) {
          const o = adamStep({ p: ow[k]!, g: gs[k]!, m: om[k]!, v: ov[k]!, t }, h);
          [ow[k], om[k], ov[k]] = [o.p, o.m, o.v];
          const size = ps[k]!.size;
          const bounds = [new Float64Array(size), new Float64Array(size), new Float64Array(size)];
          for (let i = 0; i < size; i++) {
            const r = adamTrackedFrom(tw[k]![i]!, gs[k]![i]!, tm[k]![i]!, tv[k]![i]!, t, h);
            [tw[k]![i], tm[k]![i], tv[k]![i]] = [r.p, r.m, r.v];
            [bounds[0]![i], bounds[1]![i], bounds[2]![i]] = [r.p.e, r.m.e, r.v.e];
          }
          const torchValues = [c.weights[t - 1]![k]!, c.m[t - 1]![k]!, c.v[t - 1]![k]!];
          const oracle = [o.p, o.m, o.v];
          ["w", "m", "v"].forEach((name, j) => {
            const f = torchValues[j]!;
            const tag = `${c.name} step ${t} param ${k} ${name}`;
            pass &&= oracleWorst.check(`${tag} (oracle)`, oracle[j]!, f, rel(f));
            const b = Float64Array.from(f, (v, i) => bounds[j]![i]! + rel([v])[0]!);
            pass &&= finiteBounds(gpuWorst, `${tag} (gpu)`, b) &&
              gpuWorst.check(`${tag} (gpu)`, read[j * n + k]!, f, b);
          });
        }
      }
    } finally {
      opt.dispose();
      for (const p of ps) p.dispose();
    }
  }
  assertNoLeak(before, "the AdamW fixture claim");
  const figure = Math.max(oracleWorst.ratio, gpuWorst.ratio);
  return {
    figure,
    bound: 1,
    pass: pass && figure <= 1,
    detail: `${data.cases.length} trajectories, ${steps} steps (${integrity}); oracle worst ` +
      `${oracleWorst.ratio.toExponential(2)} (${oracleWorst.detail}); gpu worst ` +
      `${gpuWorst.ratio.toExponential(2)} (${gpuWorst.detail})`,
  };
});

// ---------------------------------------------------------------- state round trip

/** Bit patterns of two f32 arrays that differ. */
function bitMismatches(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let bad = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) bad++;
  return bad;
}

claimTest(ADAM_STATE_ROUND_TRIP, async () => {
  await initGpu();
  const before = liveBufferCount();
  let bad = 0;
  let compared = 0;
  const notes: string[] = [];
  const settings: [string, (ps: Tensor[]) => Adam][] = [
    ["AdamW defaults", (ps) => new AdamW(ps)],
    ["AdamW lr 0.05 wd 0.1", (ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.1 })],
    ["Adam L2", (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.01, beta1: 0.8 })],
  ];
  const shapes = [[1], [67], [7, 13]];
  for (const [label, make] of settings) {
    const a = shapes.map((s, k) => tensor(caseValues(31 + k, sizeOf(s)), s));
    const optA = make(a);
    const grad = (t: number, k: number) => gradValues(t * 7919 + k, a[k]!.size, 1);
    const setGrads = (ps: Tensor[], t: number) =>
      ps.forEach((p, k) => {
        p.grad?.dispose();
        p.grad = tensor(grad(t, k), p.shape);
      });
    let b: Tensor[] = [];
    let optB: Adam | null = null;
    try {
      for (let t = 1; t <= 3; t++) {
        setGrads(a, t);
        optA.step();
      }
      const states = a.map((_, k) => optA.state(k)!);
      const read = (await readTensors([
        ...a,
        ...states.map((s) => s.m),
        ...states.map((s) => s.v),
      ])) as Float32Array[];
      const n = a.length;
      b = a.map((p, k) => tensor(read[k]!, p.shape));
      optB = make(b);
      for (let k = 0; k < n; k++) {
        optB.setState(k, { m: read[n + k]!, v: read[2 * n + k]!, step: states[k]!.step });
      }
      for (let t = 4; t <= 7; t++) {
        setGrads(a, t);
        setGrads(b, t);
        optA.step();
        optB.step();
        const got = (await readTensors([
          ...a,
          ...a.map((_, k) => optA.state(k)!.m),
          ...a.map((_, k) => optA.state(k)!.v),
          ...b,
          ...b.map((_, k) => optB!.state(k)!.m),
          ...b.map((_, k) => optB!.state(k)!.v),
        ])) as Float32Array[];
        for (let j = 0; j < 3 * n; j++) {
          const wrong = bitMismatches(got[j]!, got[3 * n + j]!);
          compared += got[j]!.length;
          if (wrong > 0 && notes.length < 3) notes.push(`${label} step ${t} array ${j}: ${wrong}`);
          bad += wrong;
        }
      }
    } finally {
      optA.dispose();
      optB?.dispose();
      for (const p of [...a, ...b]) p.dispose();
    }
  }
  assertNoLeak(before, "the state round trip");
  return {
    figure: bad,
    bound: 0,
    pass: bad === 0,
    detail: `${compared} elements over 4 steps after a restore, 3 settings` +
      (notes.length ? `; ${notes.join("; ")}` : ""),
  };
});

claimTest(OPTIM_SET_STATE_FAULTS, async () => {
  await initGpu();
  const w = tensor([1, 2, 3], [3]);
  w.grad = tensor([0.1, -0.2, 0.3], [3]);
  const opt = new AdamW([w]);
  opt.step();
  const failures: string[] = [];
  const good = { m: new Float32Array(3), v: new Float32Array(3), step: 1 };
  const cases: { name: string; run: () => void; expect: ErrorClass; mentions: string[] }[] = [
    { name: "index -1", run: () => opt.setState(-1, good), expect: RangeError, mentions: ["-1"] },
    { name: "index 1", run: () => opt.setState(1, good), expect: RangeError, mentions: ["[0, 1)"] },
    {
      name: "index 0.5",
      run: () => opt.setState(0.5, good),
      expect: RangeError,
      mentions: ["0.5"],
    },
    {
      name: "m too short",
      run: () => opt.setState(0, { ...good, m: new Float32Array(2) }),
      expect: TypeError,
      mentions: ["parameter 0", "3 values", "2 values"],
    },
    {
      name: "v not a Float32Array",
      run: () => opt.setState(0, { ...good, v: [0, 0, 0] as unknown as Float32Array }),
      expect: TypeError,
      mentions: ["v", "Float32Array"],
    },
    {
      name: "m NaN",
      run: () => opt.setState(0, { ...good, m: Float32Array.of(0, NaN, 0) }),
      expect: RangeError,
      mentions: ["m[1]", "NaN"],
    },
    {
      name: "v negative",
      run: () => opt.setState(0, { ...good, v: Float32Array.of(0, 0, -1) }),
      expect: RangeError,
      mentions: ["v[2]", ">= 0"],
    },
    {
      name: "v Infinity",
      run: () => opt.setState(0, { ...good, v: Float32Array.of(Infinity, 0, 0) }),
      expect: RangeError,
      mentions: ["v[0]"],
    },
    {
      name: "step -1",
      run: () => opt.setState(0, { ...good, step: -1 }),
      expect: RangeError,
      mentions: ["step", "-1"],
    },
    {
      name: "step 1.5",
      run: () => opt.setState(0, { ...good, step: 1.5 }),
      expect: RangeError,
      mentions: ["step", "1.5"],
    },
  ];
  const stateBefore = opt.state(0)!;
  const [mBefore] = await readTensors([stateBefore.m]);
  for (const c of cases) {
    const live = liveBufferCount();
    const dispatches = recordedWork();
    try {
      c.run();
      failures.push(`${c.name}: no error`);
    } catch (e) {
      const msg = (e as Error).message;
      if (!(e instanceof c.expect)) failures.push(`${c.name}: ${(e as Error).name}: ${msg}`);
      else if (!c.mentions.every((m) => msg.includes(m))) {
        failures.push(`${c.name}: "${msg}" lacks one of ${JSON.stringify(c.mentions)}`);
      }
    }
    const after = opt.state(0);
    if (liveBufferCount() !== live) failures.push(`${c.name}: buffer count changed`);
    if (recordedWork() !== dispatches) failures.push(`${c.name}: recorded GPU work`);
    if (after === null || after.m !== stateBefore.m || after.step !== stateBefore.step) {
      failures.push(`${c.name}: the state changed`);
    }
  }
  const [mAfter] = await readTensors([opt.state(0)!.m]);
  if (bitMismatches(mBefore as Float32Array, mAfter as Float32Array) !== 0) {
    failures.push("the first moment's values changed");
  }
  // Control: a valid restore replaces the state; after dispose() setState throws.
  const live = liveBufferCount();
  opt.setState(0, good);
  if (liveBufferCount() !== live || opt.state(0)!.step !== 1) failures.push("control failed");
  opt.dispose();
  try {
    opt.setState(0, good);
    failures.push("after dispose: no error");
  } catch (e) {
    if (!(e instanceof DisposedTensorError)) failures.push(`after dispose: ${(e as Error).name}`);
  }
  w.dispose();
  return {
    figure: failures.length,
    bound: 0,
    pass: failures.length === 0,
    detail: `${cases.length + 1} fault cases, 1 control` +
      (failures.length ? `; ${failures.join("; ")}` : ""),
  };
});
