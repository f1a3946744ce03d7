/**
 * Cases of the three AMS v4 encoders: seeded weights and inputs, the GPU run (forward and
 * backward, one sync), and the comparison with the f64 oracle under the bounds the oracle's
 * tracked replay derives (spec/oracle/ams/encoders.ts, `ENC_TRACKED`).
 *
 * @module
 */
import fc from "fast-check";
import {
  backward,
  concat,
  initGpu,
  liveBufferCount,
  readTensors,
  type Tensor,
  tensor,
  tidy,
} from "../../../impl/mod.ts";
import {
  ContextEncoder,
  contextParameterShapes,
  type EncoderOutput,
  idfCentroid,
  TimeEncoder,
  timeFourierFeatures,
  timeParameterShapes,
  TopicEncoder,
  topicParameterShapes,
} from "../../../impl/ams/encoders/encoders.ts";
import { type Cfg4, cfg4, type Cfg4Overrides } from "../../../impl/ams/config/config.ts";
import { checkClose, type CloseVerdict, describeClose } from "../../../invariants/close.ts";
import type { Tracked } from "../../../invariants/tolerance.ts";
import { caseValues } from "../../_harness/op_spec.ts";
import {
  contextBackward,
  ENC_F64,
  ENC_TRACKED,
  type EncArith,
  type EncDims,
  type EncGrads,
  type EncOut,
  type EncParams,
  type EncUpstream,
  timeBackward,
  topicBackward,
} from "../../oracle/ams/encoders.ts";

/** Which encoder. */
export type EncoderKind = "time" | "topic" | "context";

/** One case: an encoder, its f32-exact weights and inputs, and upstream gradients. */
export interface EncCase {
  kind: EncoderKind;
  cfg: Readonly<Cfg4>;
  B: number;
  params: Record<string, Float64Array>;
  h: Float64Array;
  /** time: [B, 3] scalars and [B] surprise. */
  s?: Float64Array;
  surprise?: Float64Array;
  /** topic: id lists, the [V, d] table (f32 values), optional idf. */
  ids?: number[][];
  V?: number;
  wte?: Float64Array;
  idf?: Float64Array | null;
  /** context: session [B, d], prev [B, T, d]. */
  session?: Float64Array;
  prev?: Float64Array;
  T?: number;
  up: EncUpstream & { base: Float64Array; fiber: Float64Array; dirn: Float64Array };
  label: string;
}

/** Output widths (d_base, d_F) of an encoder. */
export function outDims(kind: EncoderKind, cfg: Readonly<Cfg4>): [number, number] {
  if (kind === "time") return [cfg.d_time, cfg.d_F_time];
  if (kind === "topic") return [cfg.d_topic, cfg.d_F_topic];
  return [cfg.d_ctx, cfg.d_F_ctx];
}

/** Parameter shapes of an encoder. */
export function shapesOf(kind: EncoderKind, cfg: Readonly<Cfg4>) {
  return kind === "time"
    ? timeParameterShapes(cfg)
    : kind === "topic"
    ? topicParameterShapes(cfg)
    : contextParameterShapes(cfg);
}

/**
 * Seeded f32 weights: Linear layers U(±1/√fan_in) as torch's init (scaled by `gain`),
 * LayerNorm γ ∈ [0.7, 1.3] and β ∈ [−0.2, 0.2] (away from ones and zeros, so the affine step
 * matters).
 */
export function makeParams(
  kind: EncoderKind,
  cfg: Readonly<Cfg4>,
  seed: number,
  gain = 1,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const shapes = shapesOf(kind, cfg);
  shapes.forEach(([k, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = seed * 101 + i;
    if (k === "base_ln.weight") out[k] = caseValues(s, n, 0.7, 1.3);
    else if (k === "base_ln.bias") out[k] = caseValues(s, n, -0.2, 0.2);
    else {
      const w = shapes.find(([n2]) => n2 === k.replace(/bias$/, "weight"))![1];
      const b = gain / Math.sqrt(w[1]!);
      out[k] = caseValues(s, n, -b, b);
    }
  });
  return out;
}

/** Small-config overrides (heads 1 so any fiber width is valid). */
export function smallCfg(o: Cfg4Overrides): Readonly<Cfg4> {
  return cfg4({ n_heads_time: 1, n_heads_topic: 1, n_heads_ctx: 1, ...o });
}

/** Builds a case of `kind` with `B` rows. */
export function makeCase(
  kind: EncoderKind,
  cfg: Readonly<Cfg4>,
  B: number,
  seed: number,
  o: { T?: number; idf?: boolean; sMax?: number } = {},
): EncCase {
  const d = cfg.d_LLM;
  const [db, dF] = outDims(kind, cfg);
  const up = {
    base: caseValues(seed * 7 + 1, B * db, -1, 1),
    fiber: caseValues(seed * 7 + 2, B * dF, -1, 1),
    dirn: caseValues(seed * 7 + 3, B * db, -1, 1),
  };
  const c: EncCase = {
    kind,
    cfg,
    B,
    params: makeParams(kind, cfg, seed),
    h: caseValues(seed * 7 + 4, B * d, -1, 1),
    up,
    label: `${kind} B=${B} d=${d} seed=${seed}`,
  };
  if (kind === "time") {
    const sMax = o.sMax ?? 3;
    c.s = caseValues(seed * 7 + 5, B * 3, -sMax, sMax);
    c.surprise = caseValues(seed * 7 + 6, B, 0, 1);
    c.label += ` d_time=${cfg.d_time} |s|<=${sMax}`;
  } else if (kind === "topic") {
    const V = 9;
    const raw = caseValues(seed * 7 + 5, V * d, -1, 1);
    const wte = new Float64Array(V * d);
    for (let v = 0; v < V; v++) {
      const n = Math.hypot(...raw.subarray(v * d, (v + 1) * d));
      for (let j = 0; j < d; j++) wte[v * d + j] = Math.fround(raw[v * d + j]! / n);
    }
    const ids = Array.from({ length: B }, (_, b) => {
      const r = caseValues(seed * 7 + 10 + b, 5, 0, 1);
      return Array.from({ length: b % 3 === 1 ? 0 : 1 + Math.floor(r[0]! * 4) }, (_, i) =>
        // Some out-of-vocabulary ids (−1, V, V + 4) among the valid ones.
        Math.floor(r[1 + i]! * (V + 6)) - 1);
    });
    c.ids = ids;
    c.V = V;
    c.wte = wte;
    c.idf = o.idf ? caseValues(seed * 7 + 6, V, 0, 3) : null;
    c.label += ` d_topic=${cfg.d_topic} ids=${JSON.stringify(ids)}${o.idf ? " idf" : ""}`;
  } else {
    const T = o.T ?? 2;
    c.T = T;
    c.session = caseValues(seed * 7 + 5, B * d, -1, 1);
    c.prev = caseValues(seed * 7 + 6, B * T * d, -1, 1);
    c.label += ` d_ctx=${cfg.d_ctx} T=${T}`;
  }
  return c;
}

/** The f32 Fourier features the GPU receives (the host's f64 features, rounded). */
export function gpuFourier(c: EncCase): Float64Array {
  return Float64Array.from(timeFourierFeatures(c.s!, c.B, c.cfg.d_time), Math.fround);
}

/** The f32 centroids the GPU receives. */
export function gpuCentroids(c: EncCase): Float64Array {
  const d = c.cfg.d_LLM;
  const out = new Float64Array(c.B * d);
  c.ids!.forEach((l, b) => out.set(idfCentroid(l, c.wte!, c.V!, d, c.idf ?? null), b * d));
  return out.map(Math.fround);
}

/** The oracle's forward and backward of a case on arithmetic `ar` (f32 host inputs). */
export function oracleRun<T>(
  ar: EncArith<T>,
  c: EncCase,
): { out: EncOut<T>; grads: EncGrads<T> } {
  const g: EncDims = { B: c.B, d: c.cfg.d_LLM };
  const p = c.params as EncParams;
  if (c.kind === "time") {
    return timeBackward(ar, g, p, { h: c.h, ff: gpuFourier(c), surprise: c.surprise! }, c.up);
  }
  if (c.kind === "topic") return topicBackward(ar, g, p, { h: c.h, c: gpuCentroids(c) }, c.up);
  return contextBackward(ar, g, p, {
    h: c.h,
    session: c.session!,
    prev: c.prev!,
    T: c.T!,
  }, c.up);
}

/** The f64 oracle of a case. */
export const oracleF64 = (c: EncCase) => oracleRun(ENC_F64, c);

/** A module holding a case's weights. */
export function buildModule(c: EncCase): TimeEncoder | TopicEncoder | ContextEncoder {
  const o = { cfg: c.cfg, weights: c.params };
  return c.kind === "time"
    ? new TimeEncoder(o)
    : c.kind === "topic"
    ? new TopicEncoder(o)
    : new ContextEncoder(o);
}

/** Runs a module's forward on a case's inputs (tensors for the differentiable ones). */
export function forwardOf(
  m: TimeEncoder | TopicEncoder | ContextEncoder,
  c: EncCase,
  h: Tensor,
  session: Tensor | null,
  prev: Tensor | null,
): EncoderOutput {
  if (m instanceof TimeEncoder) {
    return m.forward(h, { timeScalars: c.s!, surprise: c.surprise! });
  }
  if (m instanceof TopicEncoder) {
    return m.forward(h, { tokenIds: c.ids!, wteNormed: c.wte!, idf: c.idf ?? null });
  }
  return m.forward(h, { sessionSummary: session!, prevTurns: prev });
}

/** What one GPU run returned. */
export interface GpuRun {
  base: Float32Array;
  fiber: Float32Array;
  dirn: Float32Array;
  grads: Record<string, Float32Array>;
  h: Float32Array;
  session: Float32Array | null;
  prev: Float32Array | null;
}

/**
 * The module's forward and the backward of L = Σ g_base·base + g_fiber·fiber + g_dirn·dirn
 * (one backward from the concatenated outputs: concat's backward is exact slicing); one sync;
 * no leak. A parameter the graph does not reach (the pool's projections without turns) reads 0.
 */
export async function runGpu(c: EncCase): Promise<GpuRun> {
  await initGpu();
  const before = liveBufferCount();
  const d = c.cfg.d_LLM;
  const m = buildModule(c);
  const names = m.namedParameters().map(([k]) => k);
  const h = tensor(c.h, [c.B, d], { requiresGrad: true });
  const session = c.kind === "context"
    ? tensor(c.session!, [c.B, d], { requiresGrad: true })
    : null;
  const prev = c.kind === "context" && c.T! > 0
    ? tensor(c.prev!, [c.B, c.T!, d], { requiresGrad: true })
    : null;
  let vals: (Float32Array | Int32Array)[];
  try {
    const read = tidy(() => {
      const o = forwardOf(m, c, h, session, prev);
      const [db, dF] = outDims(c.kind, c.cfg);
      const y = concat([o.base, o.fiber, o.dirn], 1);
      const g = new Float64Array(c.B * (2 * db + dF));
      for (let b = 0; b < c.B; b++) {
        const row = b * (2 * db + dF);
        g.set(c.up.base.subarray(b * db, (b + 1) * db), row);
        g.set(c.up.fiber.subarray(b * dF, (b + 1) * dF), row + db);
        g.set(c.up.dirn.subarray(b * db, (b + 1) * db), row + db + dF);
      }
      backward(y, tensor(g, y.shape));
      return [o.base, o.fiber, o.dirn];
    });
    const grads = [h, session, prev].filter((t) => t !== null).map((t) => t!.grad!);
    const pg = m.parameters().map((p) => p.grad ?? null);
    vals = await readTensors([...read, ...grads, ...pg.filter((t) => t !== null) as Tensor[]]);
    for (const t of new Set(read)) t.dispose();
    let k = 3 + grads.length;
    const out: GpuRun = {
      base: vals[0] as Float32Array,
      fiber: vals[1] as Float32Array,
      dirn: vals[2] as Float32Array,
      h: vals[3] as Float32Array,
      session: session ? vals[4] as Float32Array : null,
      prev: prev ? vals[5] as Float32Array : null,
      grads: {},
    };
    names.forEach((n, i) => {
      out.grads[n] = pg[i] === null
        ? new Float32Array(m.parameters()[i]!.size)
        : vals[k++] as Float32Array;
    });
    return out;
  } finally {
    for (const t of [h, session, prev]) t?.dispose();
    m.dispose();
    if (liveBufferCount() !== before) {
      // deno-lint-ignore no-unsafe-finally
      throw new Error(`${c.label}: leaked ${liveBufferCount() - before} GPU buffers`);
    }
  }
}

/** One compared array. */
export interface EncCompared {
  name: string;
  verdict: CloseVerdict;
}

/**
 * The GPU run against the oracle's f64 values, each element within the bound the tracked
 * replay derives for it; worst first.
 */
export function compareGpu(c: EncCase, r: GpuRun): EncCompared[] {
  const t = oracleRun(ENC_TRACKED, c);
  const out: EncCompared[] = [];
  const cmp = (name: string, got: ArrayLike<number>, want: readonly Tracked[]) =>
    out.push({
      name,
      verdict: checkClose(got, want.map((x) => x.v), { atol: want.map((x) => x.e) }),
    });
  cmp("out base", r.base, t.out.base);
  cmp("out fiber", r.fiber, t.out.fiber);
  cmp("out dirn", r.dirn, t.out.dirn);
  cmp("grad h", r.h, t.grads.h);
  if (r.session) cmp("grad session", r.session, t.grads.session!);
  if (r.prev) cmp("grad prev", r.prev, t.grads.prev!);
  for (const [k, v] of Object.entries(r.grads)) cmp(`grad ${k}`, v, t.grads.params[k]!);
  return out.sort((a, z) => z.verdict.ratio - a.verdict.ratio);
}

/** One line for a comparison. */
export function describeCompared(c: EncCase, r: EncCompared): string {
  return `${c.label} on ${r.name}: ${describeClose(r.verdict)}`;
}

/**
 * The fuzz arbitrary: any encoder, batch 1–3, d_LLM 4–20, base dims 4–7, fiber dims 4–10,
 * 0–3 previous turns, time scalars up to |s| ≤ 50, IDF on or off.
 */
export const encArbitrary: fc.Arbitrary<EncCase> = fc
  .record({
    kind: fc.constantFrom<EncoderKind>("time", "topic", "context"),
    B: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 4, max: 20 }),
    db: fc.integer({ min: 4, max: 7 }),
    dF: fc.integer({ min: 4, max: 10 }),
    T: fc.integer({ min: 0, max: 3 }),
    idf: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 20 }),
  })
  .map((r) => {
    const cfg = smallCfg({
      d_LLM: r.d,
      d_time: r.db,
      d_F_time: r.dF,
      d_topic: r.db,
      d_F_topic: r.dF,
      d_ctx: r.db,
      d_F_ctx: r.dF,
    });
    return makeCase(r.kind, cfg, r.B, r.seed, { T: r.T, idf: r.idf, sMax: 50 });
  });
