/**
 * The hash memory's claims: the oracle against the PyTorch fixture and
 * central differences, the GPU's banded forward and gradients against the
 * oracle under derived bounds, causality and the window by impulses, the
 * first output, seeded init and bad input. Claims: ./claims.ts.
 *
 * @module
 */
import {
  backward,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import { DisposedTensorError } from "../../../impl/gpu/errors.ts";
import {
  HASH_MEMORY_PARAMS,
  HashMemory,
} from "../../../impl/decepticons/hash_memory/hash_memory.ts";
import { FIXTURE_F64_REL, GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import {
  hashMemoryBackward,
  hashMemoryForward,
  type HashMemoryGrads,
  hashMemoryLoss,
  type HashMemoryShape,
  type HashMemoryWeights,
} from "../../oracle/decepticons/hash_memory.ts";
import { checkBounds } from "./_tracked.ts";
import { HASH_REFERENCE_FACTOR, hashMemoryBounds, type HashParams32 } from "./_bounds.ts";
import { type HashCase, loadHashFixture } from "./_fixture.ts";
import {
  HASH_CAUSALITY,
  HASH_FAULT,
  HASH_FIRST_OUTPUT,
  HASH_FIXTURE_PARITY,
  HASH_GPU_GRADIENTS,
  HASH_GPU_PARITY,
  HASH_ORACLE_GRADCHECK,
  HASH_SEEDED,
} from "./claims.ts";

await initGpu();

type GradName = keyof HashMemoryGrads;
const GRAD_NAMES: readonly GradName[] = [...HASH_MEMORY_PARAMS, "x"];

let fixture: ReturnType<typeof loadHashFixture> | null = null;
const loadOnce = () => (fixture ??= loadHashFixture());

/** Worst |a − b| / max(|b|, 1). */
function worstRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < b.length; i++) {
    w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1));
  }
  return a.length === b.length ? w : Infinity;
}

claimTest(HASH_FIXTURE_PARITY, async () => {
  const { cases, integrity } = await loadOnce();
  let worst = 0;
  let where = "";
  for (const c of cases) {
    const out = hashMemoryForward(c.weights, c.x, c).out;
    const grads = hashMemoryBackward(c.weights, c.x, c, c.g);
    const parts: [string, number][] = [["out", worstRel(out, c.out)]];
    for (const k of GRAD_NAMES) parts.push([`grad ${k}`, worstRel(grads[k], c.grads[k])]);
    for (const [name, w] of parts) {
      if (w >= worst) {
        worst = w;
        where = `${c.name} ${name}`;
      }
    }
  }
  return {
    figure: worst,
    bound: FIXTURE_F64_REL,
    pass: true,
    detail: `${cases.length} cases, out and 7 gradients; worst at ${where}; ${integrity}`,
  };
});

/** Seeded f32 values of a small problem. */
function smallProblem(seed: number, s: HashMemoryShape) {
  const r = new Rng(seed);
  const u = (n: number, lim: number) =>
    Float64Array.from(Float32Array.from({ length: n }, () => r.uniformIn(-lim, lim)));
  const { E, D, B, T } = s;
  const weights: HashMemoryWeights = {
    write_w: u(E * D, 1),
    write_b: u(D, 0.5),
    query_w: u(E * D, 2),
    query_b: u(D, 0.5),
    out_w: u(D * E, 1),
    out_b: u(E, 0.5),
  };
  return { weights, x: u(B * T * E, 1), g: u(B * T * E, 1) };
}

claimTest(HASH_ORACLE_GRADCHECK, () => {
  const s: HashMemoryShape = { B: 2, T: 11, E: 3, M: 4, D: 2 };
  const { weights, x, g } = smallProblem(7, s);
  const analytic = hashMemoryBackward(weights, x, s, g);
  const h = 1e-5;
  let worst = 0;
  let where = "";
  let count = 0;
  for (const k of GRAD_NAMES) {
    const target = k === "x" ? x : weights[k];
    for (let i = 0; i < target.length; i++) {
      const keepV = target[i]!;
      target[i] = keepV + h;
      const up = hashMemoryLoss(weights, x, s, g);
      target[i] = keepV - h;
      const down = hashMemoryLoss(weights, x, s, g);
      target[i] = keepV;
      const num = (up - down) / (2 * h);
      const a = analytic[k][i]!;
      const rel = Math.abs(a - num) / Math.max(Math.abs(a), Math.abs(num), 1);
      count++;
      if (rel >= worst) {
        worst = rel;
        where = `${k}[${i}]`;
      }
    }
  }
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: true,
    detail: `${count} elements (B 2, T 11, E 3, M 4, D 2; h = 1e-5); worst at ${where}`,
  };
});

/** One fixture case on the GPU: out and every gradient, with the oracle and the bounds. */
interface GpuRun {
  c: HashCase;
  gpu: Record<string, Float32Array>;
  oracle: Record<string, Float64Array>;
  bounds: ReturnType<typeof hashMemoryBounds>;
}

async function runCase(c: HashCase): Promise<GpuRun> {
  const w32 = Object.fromEntries(
    HASH_MEMORY_PARAMS.map((k) => [k, Float32Array.from(c.weights[k])]),
  ) as unknown as HashParams32;
  const mem = new HashMemory({
    embeddingDim: c.E,
    slots: c.M,
    dim: c.D,
    weights: w32 as unknown as Record<string, Float32Array>,
  });
  const x32 = Float32Array.from(c.x);
  const g32 = Float32Array.from(c.g);
  const made: Tensor[] = [];
  try {
    const xT = tensor(x32, [c.B, c.T, c.E], { requiresGrad: true });
    const gT = tensor(g32, [c.B, c.T, c.E]);
    made.push(xT, gT);
    const out = tidy(() => {
      const o = mem.forward(xT);
      backward(o, gT);
      return o;
    });
    made.push(out);
    const params = HASH_MEMORY_PARAMS.map((k) => mem.parameters.get(k)!);
    const read = await readTensors([out, ...params.map((p) => p.grad!), xT.grad!]);
    const gpu: Record<string, Float32Array> = { out: read[0] as Float32Array };
    GRAD_NAMES.forEach((k, i) => (gpu[k] = read[i + 1] as Float32Array));
    const grads = hashMemoryBackward(c.weights, c.x, c, c.g);
    const oracle: Record<string, Float64Array> = {
      out: hashMemoryForward(c.weights, c.x, c).out,
      ...grads,
    };
    return { c, gpu, oracle, bounds: hashMemoryBounds(w32, x32, g32, c) };
  } finally {
    for (const t of made) t.dispose();
    mem.dispose();
  }
}

let runs: Promise<GpuRun[]> | null = null;
const gpuRuns = () => (runs ??= loadOnce().then(async ({ cases }) => {
  const out: GpuRun[] = [];
  for (const c of cases) out.push(await runCase(c));
  return out;
}));

function judgeRuns(rs: GpuRun[], names: readonly string[]) {
  let ratio = 0;
  let where = "";
  let walkRel = 0;
  const scales: string[] = [];
  for (const r of rs) {
    for (const n of names) {
      const walk = n === "out" ? r.bounds.out : r.bounds.grads[n]!;
      const chk = checkBounds(n, r.gpu[n]!, r.oracle[n]!, walk, HASH_REFERENCE_FACTOR);
      walkRel = Math.max(walkRel, chk.walkRel);
      if (chk.ratio >= ratio) {
        ratio = chk.ratio;
        where = `${r.c.name} ${chk.at}`;
      }
      if (n === "out" || n === "x") scales.push(`${r.c.name} ${n} ${formatFigure(chk.boundScale)}`);
    }
  }
  return {
    figure: ratio,
    bound: 1,
    pass: true,
    parts: [{
      name: "walk vs oracle (rel)",
      figure: walkRel,
      bound: 1e-12,
      direction: "<=" as const,
    }],
    detail: `worst at ${where}; median bound / max|value|: ${scales.join(", ")}`,
  };
}

claimTest(HASH_GPU_PARITY, async () => judgeRuns(await gpuRuns(), ["out"]));

claimTest(HASH_GPU_GRADIENTS, async () => judgeRuns(await gpuRuns(), GRAD_NAMES));

/** A seeded input [B, T, E]. */
function seededInput(seed: number, n: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniformIn(-1, 1));
}

claimTest(HASH_CAUSALITY, async () => {
  const B = 2, T = 50, E = 8, M = 16;
  const mem = new HashMemory({ embeddingDim: E, slots: M, dim: 8, seed: 3 });
  const base = seededInput(11, B * T * E);
  const t0s = [1, 15, 16, 33, 47];
  const made: Tensor[] = [];
  try {
    const inputs = [
      base,
      ...t0s.map((t0) => {
        const x = base.slice();
        for (let b = 0; b < B; b++) {
          for (let e = 0; e < E; e++) x[(b * T + t0) * E + e] = x[(b * T + t0) * E + e]! + 0.75;
        }
        return x;
      }),
    ];
    const ts = inputs.map((x) => tensor(x, [B, T, E]));
    made.push(...ts);
    const outs = tidy(() => ts.map((x) => mem.forward(x)));
    made.push(...outs);
    const read = await readTensors(outs);
    let outside = 0;
    let unchanged = 0;
    t0s.forEach((t0, k) => {
      const y = read[k + 1]!;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          let d = 0;
          for (let e = 0; e < E; e++) {
            const i = (b * T + t) * E + e;
            d = Math.max(d, Math.abs(y[i]! - read[0]![i]!));
          }
          if (t < t0 || t > t0 + M) outside = Math.max(outside, d);
          // Row t0 reads x_t0 through its query only, which may not matter (t0 = 1: one slot).
          else if (t > t0 && d === 0) unchanged++;
        }
      }
    });
    return {
      figure: outside,
      bound: 0,
      pass: true,
      parts: [{ name: "window rows unchanged", figure: unchanged, bound: 0, direction: "==" }],
      detail: `t0 in {${t0s.join(", ")}}, B ${B}, T ${T}, M ${M}`,
    };
  } finally {
    for (const t of made) t.dispose();
    mem.dispose();
  }
});

claimTest(HASH_FIRST_OUTPUT, async () => {
  const B = 2, T = 40, E = 8;
  const mem = new HashMemory({ embeddingDim: E, slots: 16, dim: 8, seed: 9 });
  const x = tensor(seededInput(4, B * T * E), [B, T, E]);
  try {
    const out = tidy(() => mem.forward(x));
    const [y, bo] = await readTensors([out, mem.parameters.get("out_b")!]);
    out.dispose();
    let diff = 0;
    for (let b = 0; b < B; b++) {
      for (let e = 0; e < E; e++) diff = Math.max(diff, Math.abs(y![b * T * E + e]! - bo![e]!));
    }
    const norm = Math.hypot(...bo!);
    return {
      figure: diff,
      bound: 0,
      pass: true,
      parts: [{ name: "|b_o|", figure: norm, bound: 0, direction: ">=" }, {
        name: "|b_o| > 0 (1 when positive)",
        figure: norm > 0 ? 1 : 0,
        bound: 1,
        direction: "==",
      }],
      detail: `|b_o| = ${formatFigure(norm)} at init (seed 9)`,
    };
  } finally {
    x.dispose();
    mem.dispose();
  }
});

claimTest(HASH_SEEDED, async () => {
  const opts = { embeddingDim: 8, slots: 16, dim: 8 };
  const mems = [
    new HashMemory({ ...opts, seed: 5 }),
    new HashMemory({ ...opts, seed: 5 }),
    new HashMemory({ ...opts, seed: 6 }),
    new HashMemory({ ...opts, seed: 5, prefix: "hm." }),
  ];
  try {
    const vals = await Promise.all(mems.map((m) => readTensors([...m.parameters.values()])));
    let same = 0;
    let notDiffering = 0;
    let outOfBound = 0;
    // Fan-ins: E for the write and query projections, D for the output one (8 each here).
    const fanIn = [8, 8, 8, 8, 8, 8];
    HASH_MEMORY_PARAMS.forEach((_, i) => {
      const [a, b, c, d] = vals.map((v) => v[i]!);
      a!.forEach((v, j) => (same += v === b![j] ? 0 : 1));
      if (a!.every((v, j) => v === c![j])) notDiffering++;
      if (a!.every((v, j) => v === d![j])) notDiffering++;
      for (const v of a!) if (Math.abs(v) * Math.sqrt(fanIn[i]!) > 1) outOfBound++;
    });
    return {
      figure: same,
      bound: 0,
      pass: true,
      parts: [
        {
          name: "tensors equal across seed or prefix",
          figure: notDiffering,
          bound: 0,
          direction: "==",
        },
        { name: "values outside U(±1/√fan_in)", figure: outOfBound, bound: 0, direction: "==" },
      ],
      detail: "seeds 5, 5, 6 and prefix hm.; 6 tensors each",
    };
  } finally {
    for (const m of mems) m.dispose();
  }
});

/** Runs `fn`, expecting `cls` with a message naming `field`; returns a failure or null. */
function expectThrow(what: string, cls: ErrorConstructor, field: string, fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof cls && (e as Error).message.includes(field)) return null;
    return `${what}: threw ${(e as Error).name}: ${(e as Error).message}`;
  }
  return `${what}: did not throw`;
}

claimTest(HASH_FAULT, () => {
  const before = liveBufferCount();
  const ok = { embeddingDim: 4, slots: 3, dim: 2 };
  const failures: (string | null)[] = [];
  const ctor = (o: unknown) => () => new HashMemory(o as never);
  const cases: [string, ErrorConstructor, string, () => unknown][] = [
    ["no options", TypeError, "options", ctor(undefined)],
    ["embeddingDim missing", TypeError, "embeddingDim", ctor({ slots: 3, dim: 2 })],
    ["embeddingDim 0", RangeError, "embeddingDim", ctor({ ...ok, embeddingDim: 0 })],
    ["slots 1.5", RangeError, "slots", ctor({ ...ok, slots: 1.5 })],
    ["dim string", TypeError, "dim", ctor({ ...ok, dim: "2" })],
    ["seed -1", RangeError, "seed", ctor({ ...ok, seed: -1 })],
    ["prefix number", TypeError, "prefix", ctor({ ...ok, prefix: 3 })],
    ["weights unknown name", TypeError, "weights", ctor({ ...ok, weights: { bogus: [1] } })],
    ["weights wrong length", TypeError, "weights.out_b", ctor({ ...ok, weights: { out_b: [1] } })],
    [
      "weights NaN",
      RangeError,
      "weights.out_b",
      ctor({ ...ok, weights: { out_b: [0, NaN, 0, 0] } }),
    ],
  ];
  for (const [w, cls, f, fn] of cases) failures.push(expectThrow(w, cls, f, fn));
  if (liveBufferCount() !== before) failures.push("a refused constructor left buffers");
  const mem = new HashMemory(ok);
  const i32 = tensor(new Int32Array(2 * 3 * 4), [2, 3, 4], { dtype: "i32" });
  const wide = tensor(new Float32Array(2 * 3 * 5), [2, 3, 5]);
  const flat = tensor(new Float32Array(12), [3, 4]);
  const gone = tensor(new Float32Array(12), [1, 3, 4]);
  gone.dispose();
  const afterInputs = liveBufferCount();
  const calls: [string, ErrorConstructor, string, () => unknown][] = [
    ["x not a tensor", TypeError, "x", () => mem.forward([1, 2] as never)],
    ["x i32", TypeError, "x", () => mem.forward(i32)],
    ["x wrong width", TypeError, "x", () => mem.forward(wide)],
    ["x rank 2", TypeError, "x", () => mem.forward(flat)],
    ["x disposed", DisposedTensorError as ErrorConstructor, "x", () => mem.forward(gone)],
  ];
  for (const [w, cls, f, fn] of calls) failures.push(expectThrow(w, cls, f, fn));
  if (liveBufferCount() !== afterInputs) failures.push("a refused forward left buffers");
  for (const t of [i32, wide, flat]) t.dispose();
  mem.dispose();
  failures.push(
    expectThrow("forward after dispose", TypeError, "disposed", () => mem.forward(gone)),
  );
  const bad = failures.filter((f) => f !== null);
  const leaked = liveBufferCount() - before;
  return {
    figure: bad.length + Math.abs(leaked),
    bound: 0,
    pass: true,
    detail: `${cases.length + calls.length + 1} cases` +
      (bad.length ? `; ${bad.join("; ")}` : ""),
  };
});
