/**
 * The substrate transforms' gradient claims: the oracles' analytic backwards
 * against central differences, and the GPU's autograd gradients against them
 * under the running f32 bounds of ./_bounds.ts walked through the backward.
 * Claims: ./claims.ts.
 *
 * @module
 */
import { backward, initGpu, readTensors, type Tensor, tensor, tidy } from "../../../impl/mod.ts";
import { Rng } from "../../../impl/gpu/rng.ts";
import {
  MagnitudeNormalizer,
  ModeSelector,
  OverwriteGate,
  SubstrateBankRouter,
  TemporalAttention,
} from "../../../impl/decepticons/substrate_transforms/substrate_transforms.ts";
import { gradcheck } from "../../../invariants/gradcheck.ts";
import { GRADCHECK_MAX_REL } from "../../../invariants/tolerance.ts";
import { claimTest, formatFigure } from "../../_harness/claim.ts";
import {
  magnitudeBackward,
  magnitudeFeature,
  oracleBankOf,
  overwriteBackward,
  overwriteGateValues,
  overwriteInside,
  routerBackward,
  routerForward,
  selectorBackward,
  selectorForward,
  temporalBackward,
  temporalForward,
} from "../../oracle/decepticons/substrate_transforms.ts";
import { checkBounds } from "../hash_memory/_tracked.ts";
import { HASH_REFERENCE_FACTOR } from "../hash_memory/_bounds.ts";
import { loadTransformsFixture } from "../hash_memory/_fixture.ts";
import {
  type GradBounds,
  magnitudeGradBounds,
  overwriteGradBounds,
  routerGradBounds,
  selectorGradBounds,
  temporalGradBounds,
} from "./_bounds.ts";
import { XF_GPU_GRADIENTS, XF_ORACLE_GRADCHECK } from "./claims.ts";

await initGpu();

type Vals = Record<string, Float64Array>;

/** One transform's gradient problem: named values, the differentiable ones in order. */
interface Problem {
  name: string;
  /** Every value the problem reads (inputs, parameters, constants). */
  vals: Vals;
  /** The differentiable values, in gradcheck order (inputs, then parameters). */
  grads: readonly string[];
  /** The inputs among `grads` (the rest are the module's parameters). */
  inputs: readonly string[];
  /**
   * Per-element coordinate scales c for the central differences (default 1): the check runs
   * in u = x / c with ∂L/∂u = c ⊙ ∂L/∂x, so a fixed step stays small against a small row.
   */
  coordScale?: Record<string, Float64Array>;
  /** Shapes of the inputs. */
  shapes: Record<string, number[]>;
  forward(v: Vals): Float64Array;
  backward(v: Vals, g: Float64Array): Record<string, Float64Array>;
  bounds(v: Vals, g: Float64Array): GradBounds;
  /** The module on v's parameters, and its forward on the input tensors. */
  build(
    v: Vals,
  ): {
    mod: { parameters: ReadonlyMap<string, Tensor>; dispose(): void };
    run(t: Record<string, Tensor>): Tensor;
  };
}

/** Sizes of the five problems (the fixture's, or a fuzzed case's). */
interface Sizes {
  B: number;
  T: number;
  E: number;
  M: number;
  banks: number;
  tau: number;
  eps: number;
  heads: number;
  headDim: number;
  interval: number;
  method: "chunked" | "sequential";
}

/** The five transforms, in the order of {@link problems}. */
const NAMES = ["router", "overwrite", "magnitude", "selector", "temporal"] as const;

/** The five problems, each at its own sizes. */
function problems(zs: Record<string, Sizes>, v: Record<string, Vals>): Problem[] {
  const local = (z: Sizes) => {
    const { B, T, E, M } = z;
    return {
      B,
      T,
      E,
      M,
      rows: B * T,
      seq: { B, T },
      tshape: { B, T, M, heads: z.heads, headDim: z.headDim, interval: z.interval },
      bank: Int32Array.from({ length: M }, (_, m) => oracleBankOf(m, M, z.banks)),
      form: { method: z.method, chunk: 8 },
    };
  };
  const builders: ((z: Sizes) => Problem)[] = [
    (z) => {
      const { B, T, E, M, rows, bank } = local(z);
      return {
        name: "router",
        vals: v.router!,
        grads: ["drive", "x", "route_w", "route_b"],
        inputs: ["drive", "x"],
        shapes: { drive: [B, T, M], x: [B, T, E] },
        forward: (u) => routerForward(u.drive!, u.x!, u.route_w!, u.route_b!, M),
        backward: (u, g) => routerBackward(u.drive!, u.x!, u.route_w!, u.route_b!, M, g),
        bounds: (u, g) =>
          routerGradBounds(u.drive!, u.x!, u.route_w!, u.route_b!, bank, g, rows, E, M),
        build: (u) => {
          const mod = new SubstrateBankRouter({
            modes: M,
            embeddingDim: E,
            banks: z.banks,
            weights: { route_w: u.route_w!, route_b: u.route_b! },
          });
          return { mod, run: (t) => mod.forward(t.drive!, t.x!) };
        },
      };
    },
    (z) => {
      const { B, T, E, M, seq, form } = local(z);
      return {
        name: `overwrite ${z.method}`,
        vals: v.overwrite!,
        grads: ["drive", "x", "gate_w", "gate_b"],
        inputs: ["drive", "x"],
        shapes: { drive: [B, T, M], x: [B, T, E] },
        forward: (u) =>
          overwriteInside(
            u.drive!,
            overwriteGateValues(u.x!, u.gate_w!, u.gate_b!),
            u.decays!,
            seq,
          ),
        backward: (u, g) =>
          overwriteBackward(u.drive!, u.x!, u.gate_w!, u.gate_b!, u.decays!, seq, g),
        bounds: (u, g) =>
          overwriteGradBounds(
            u.drive!,
            u.x!,
            u.gate_w!,
            u.gate_b!,
            u.decays!,
            g,
            { B, T, E },
            form,
          ),
        build: (u) => {
          const mod = new OverwriteGate({
            decays: u.decays!,
            embeddingDim: E,
            scanMethod: z.method,
            scanChunk: 8,
            weights: { gate_w: u.gate_w!, gate_b: u.gate_b! },
          });
          return { mod, run: (t) => mod.forward(t.drive!, t.x!) };
        },
      };
    },
    (z) => {
      const { B, T, M } = local(z);
      return {
        name: "magnitude",
        vals: v.magnitude!,
        grads: ["states", "log_gain"],
        inputs: ["states"],
        shapes: { states: [B, T, M] },
        // The feature is scale-free per row (S/n and ln n): step each row relative to its norm.
        coordScale: { states: rowScales(v.magnitude!.states!, M) },
        forward: (u) => magnitudeFeature(u.states!, M, u.log_gain![0]!, z.eps),
        backward: (u, g) => magnitudeBackward(u.states!, M, u.log_gain![0]!, z.eps, g),
        bounds: (u, g) => magnitudeGradBounds(u.states!, M, u.log_gain![0]!, z.eps, g),
        build: (u) => {
          const mod = new MagnitudeNormalizer({
            modes: M,
            eps: z.eps,
            weights: { log_gain: u.log_gain! },
          });
          return { mod, run: (t) => mod.forward(t.states!) };
        },
      };
    },
    (z) => {
      const { B, T, E, M, rows } = local(z);
      return {
        name: "selector",
        vals: v.selector!,
        grads: ["states", "x", "select_w", "select_b"],
        inputs: ["states", "x"],
        shapes: { states: [B, T, M], x: [B, T, E] },
        forward: (u) => selectorForward(u.states!, u.x!, u.select_w!, u.select_b!, z.tau),
        backward: (u, g) => selectorBackward(u.states!, u.x!, u.select_w!, u.select_b!, z.tau, g),
        bounds: (u, g) =>
          selectorGradBounds(u.states!, u.x!, u.select_w!, u.select_b!, z.tau, g, rows, E),
        build: (u) => {
          const mod = new ModeSelector({
            modes: M,
            embeddingDim: E,
            temperature: z.tau,
            weights: { select_w: u.select_w!, select_b: u.select_b! },
          });
          return { mod, run: (t) => mod.forward(t.states!, t.x!) };
        },
      };
    },
    (z) => {
      const { B, T, M, tshape } = local(z);
      return {
        name: "temporal",
        vals: v.temporal!,
        grads: ["states", "q_w", "k_w", "v_w", "o_w"],
        inputs: ["states"],
        shapes: { states: [B, T, M] },
        forward: (u) => temporalForward(u.states!, weightsOf(u), tshape, true),
        backward: (u, g) => ({ ...temporalBackward(u.states!, weightsOf(u), tshape, g) }),
        bounds: (u, g) => temporalGradBounds(u.states!, weightsOf(u), g, tshape),
        build: (u) => {
          const mod = new TemporalAttention({
            modes: M,
            heads: z.heads,
            headDim: z.headDim,
            snapshotInterval: z.interval,
            weights: weightsOf(u),
          });
          return { mod, run: (t) => mod.forward(t.states!) };
        },
      };
    },
  ];
  return builders.map((b, i) => b(zs[NAMES[i]!]!));
}

/** min(‖row‖, 1) for every element of each row of width M. */
function rowScales(x: Float64Array, M: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / M; r++) {
    let ss = 0;
    for (let j = 0; j < M; j++) ss += x[r * M + j]! ** 2;
    out.fill(Math.min(Math.sqrt(ss), 1), r * M, (r + 1) * M);
  }
  return out;
}

function weightsOf(u: Vals) {
  return { q_w: u.q_w!, k_w: u.k_w!, v_w: u.v_w!, o_w: u.o_w! };
}

/** The fixture's problems, each at its section's sizes. */
async function fixtureCase(method: "chunked" | "sequential") {
  const { data: f } = await loadTransformsFixture();
  const { router: r, overwrite: o, magnitude: m, selector: s, temporal: t } = f;
  const base = {
    banks: r.banks,
    tau: s.temperature,
    eps: m.eps,
    heads: t.heads,
    headDim: t.head_dim,
    interval: t.interval,
    method,
  };
  const at = (q: { B: number; T: number; M: number; E?: number }): Sizes => ({
    ...base,
    B: q.B,
    T: q.T,
    M: q.M,
    E: q.E ?? 0,
  });
  const sizes = {
    router: at(r),
    overwrite: at(o),
    magnitude: at(m),
    selector: at(s),
    temporal: at(t),
  };
  return problems(sizes, {
    router: { drive: r.drive, x: r.x, route_w: r.route_w, route_b: r.route_b },
    overwrite: { drive: o.drive, x: o.x, gate_w: o.gate_w, gate_b: o.gate_b, decays: o.decays },
    magnitude: { states: m.states, log_gain: m.log_gain },
    selector: { states: s.states, x: s.x, select_w: s.select_w, select_b: s.select_b },
    temporal: { states: t.states, q_w: t.q_w, k_w: t.k_w, v_w: t.v_w, o_w: t.o_w },
  });
}

/** A seeded fuzzed case at other sizes (T not a multiple of the interval or the chunk). */
function fuzzCase(seed: number, method: "chunked" | "sequential"): Problem[] {
  const r = new Rng(seed);
  const u = (n: number, lim = 1) =>
    Float64Array.from(Float32Array.from({ length: n }, () => r.uniformIn(-lim, lim)));
  const z: Sizes = {
    B: 2,
    T: 19,
    E: 3,
    M: 7,
    banks: 3,
    tau: 0.7,
    eps: 1e-6,
    heads: 2,
    headDim: 3,
    interval: 5,
    method,
  };
  const { B, T, E, M, heads, headDim } = z;
  const hd = heads * headDim;
  const decays = Float64Array.from(Float32Array.from({ length: M }, () => r.uniformIn(0.2, 0.95)));
  // Rows of the states at norms from 1e-2 to 3 (the magnitude's 1/n terms stay moderate).
  const states = u(B * T * M);
  for (let row = 0; row < B * T; row++) {
    const k = 10 ** r.uniformIn(-1, 0.5);
    for (let j = 0; j < M; j++) states[row * M + j] = Math.fround(states[row * M + j]! * k);
  }
  const zs = Object.fromEntries(NAMES.map((n) => [n, z]));
  return problems(zs, {
    router: { drive: u(B * T * M), x: u(B * T * E), route_w: u(E * 3), route_b: u(3) },
    overwrite: { drive: u(B * T * M), x: u(B * T * E), gate_w: u(E * M), gate_b: u(M), decays },
    magnitude: { states, log_gain: u(1) },
    selector: { states: u(B * T * M), x: u(B * T * E), select_w: u(E * M), select_b: u(M) },
    temporal: {
      states: u(B * T * M),
      q_w: u(M * hd),
      k_w: u(M * hd),
      v_w: u(hd * M),
      o_w: u(hd * M),
    },
  });
}

/** A seeded output weight g of n elements (f32 values). */
function seedG(seed: number, n: number): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from(Float32Array.from({ length: n }, () => r.uniformIn(-1, 1)));
}

claimTest(XF_ORACLE_GRADCHECK, async () => {
  const cases = [...(await fixtureCase("chunked")), ...fuzzCase(41, "chunked")];
  let worst = 0;
  let where = "";
  let evaluations = 0;
  cases.forEach((p, ci) => {
    const names = p.grads;
    const scale = names.map((k) => p.coordScale?.[k] ?? null);
    const inputs = names.map((k, i) => p.vals[k]!.map((x, j) => x / (scale[i]?.[j] ?? 1)));
    const withInputs = (us: Float64Array[]) => {
      const u: Vals = { ...p.vals };
      names.forEach((k, i) => (u[k] = us[i]!.map((x, j) => x * (scale[i]?.[j] ?? 1))));
      return u;
    };
    const n = p.forward(p.vals).length;
    const g = seedG(100 + ci, n);
    const r = gradcheck(
      (us) => p.forward(withInputs(us)),
      inputs,
      (w) => {
        const gr = p.backward(p.vals, w);
        return names.map((k, i) => gr[k]!.map((x, j) => x * (scale[i]?.[j] ?? 1)));
      },
      g,
    );
    evaluations += r.evaluations;
    if (r.maxError >= worst) {
      worst = r.maxError;
      where = `${ci < 5 ? "fixture" : "fuzzed"} ${p.name} ${
        names[r.worst.input]
      }[${r.worst.index}]`;
    }
  });
  return {
    figure: worst,
    bound: GRADCHECK_MAX_REL,
    pass: true,
    detail: `${cases.length} problems, ${evaluations} evaluations; worst at ${where}`,
  };
});

/** GPU gradients of L = Σ g ⊙ out of one problem on its f32 values. */
async function gpuGrads(
  p: Problem,
  v: Vals,
  g: Float64Array,
): Promise<Record<string, ArrayLike<number>>> {
  const { mod, run } = p.build(v);
  const made: Tensor[] = [];
  try {
    const ts: Record<string, Tensor> = {};
    for (const k of p.inputs) {
      ts[k] = tensor(Float32Array.from(v[k]!), p.shapes[k]!, { requiresGrad: true });
      made.push(ts[k]!);
    }
    const out = tidy(() => {
      const y = run(ts);
      backward(y, tensor(Float32Array.from(g), y.shape));
      return y;
    });
    made.push(out);
    const params = p.grads.filter((k) => !p.inputs.includes(k)).map((k) => {
      const hit = [...mod.parameters.entries()].find(([name]) => name.endsWith(k));
      if (!hit) {
        throw new TypeError(
          `Cannot read the gradient of ${p.name}.${k}: expected a parameter named ${k} but got none`,
        );
      }
      return hit[1];
    });
    const order = p.grads.map((k) => (p.inputs.includes(k) ? ts[k]! : params.shift()!));
    const read = await readTensors(order.map((t) => t.grad!));
    return Object.fromEntries(p.grads.map((k, i) => [k, read[i]!]));
  } finally {
    for (const t of made) t.dispose();
    mod.dispose();
  }
}

claimTest(XF_GPU_GRADIENTS, async () => {
  const cases = [
    ...(await fixtureCase("chunked")),
    ...(await fixtureCase("sequential")).filter((p) => p.name.startsWith("overwrite")),
    ...fuzzCase(43, "chunked"),
    ...fuzzCase(43, "sequential").filter((p) => p.name.startsWith("overwrite")),
  ];
  let ratio = 0;
  let where = "";
  let walkRel = 0;
  // Per transform, the largest median bound / max|value| over its gradients (how tight).
  const scales = new Map<string, number>();
  for (const [ci, p] of cases.entries()) {
    // The GPU reads f32: the oracle and the walk take the same f32 values.
    const v: Vals = Object.fromEntries(
      Object.entries(p.vals).map(([k, x]) => [k, Float64Array.from(Float32Array.from(x))]),
    );
    const g = seedG(200 + ci, p.forward(v).length);
    const gpu = await gpuGrads(p, v, g);
    const oracle = p.backward(v, g);
    const walk = p.bounds(v, g);
    for (const k of p.grads) {
      const c = checkBounds(
        `${p.name} ∂${k}`,
        gpu[k]!,
        oracle[k]!,
        walk[k]!,
        HASH_REFERENCE_FACTOR,
      );
      walkRel = Math.max(walkRel, c.walkRel);
      if (c.ratio >= ratio) {
        ratio = c.ratio;
        where = c.at;
      }
      const name = p.name.split(" ")[0]!;
      scales.set(name, Math.max(scales.get(name) ?? 0, c.boundScale));
    }
  }
  return {
    figure: ratio,
    bound: 1,
    pass: true,
    parts: [{ name: "walk vs oracle (rel)", figure: walkRel, bound: 1e-12, direction: "<=" }],
    detail: `${cases.length} problems; worst at ${where}; median bound / max|value| up to: ` +
      [...scales].map(([n, x]) => `${n} ${formatFigure(x)}`).join(", "),
  };
});
