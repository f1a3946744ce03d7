/**
 * AMS v4's fiber-bundle geometry on the GPU (FluffyAIcode/AgentMemorySystem:ams_v4/bundles/
 * base.py and bundles/topic.py, PR #30):
 * - `RiemannianMetric`: an MLP d → 4d → 4d → d(d+1)/2 (SiLU) fills a lower-triangular L row by
 *   row; its diagonal becomes softplus(L_ii) + 1e-3; g(x) = L Lᵀ ({@link metricGpu}).
 * - `FiberConnection`: A(x, v) = (R − Rᵀ)/2 with R = MLP([x, v, triu(g(x))]) ({@link connectionGpu}).
 * - `FiberTransporter`: RK4 per segment on f' = −A(·, v) f, renormalised to ‖f₀‖ after every
 *   `interval`-th segment ({@link transportGpu}: two dispatches for a whole batch of paths, the
 *   generators batched over every segment, then one fused RK4 kernel).
 * - `GeodesicSolver`: Adam (lr 0.02) on the interior points, ≤ max steps, the relative stop rule,
 *   the straight-line fallback on a non-finite energy, endpoints copied in
 *   ({@link geodesicGpu}: one dispatch per Adam step, no host sync inside the loop; the energy
 *   trace and the path after every step stay on the device and the host applies the stop rule to
 *   the trace afterwards, {@link applyStopRule}).
 * - The topic bundle's slerp path ({@link slerpGpu}), defined on the whole sphere (see
 *   {@link slerpGpu} for where it differs from the original's clamp), and its transport along it
 *   ({@link topicTransportGpu}).
 *
 * Weights are host arrays in PyTorch's layout (Linear weight (out × in)); {@link initMetric} and
 * {@link initConnection} draw the original's initialisation from the suite's seeded RNG.
 *
 * @example The exact anchor g(0) = (ln 2 + 1e-3)²·I at init
 * ```ts
 * import { initGpu, Rng } from "../../mod.ts";
 * import { initMetric, metricGpu } from "./geometry.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const w = initMetric(8, new Rng(1));
 * const g = await metricGpu(w, new Float32Array(8), 1);
 * ok(Math.abs(g[0]! - (Math.LN2 + 1e-3) ** 2) < 1e-6 && g[1] === 0);
 * ```
 *
 * @module
 */
import { createStorageBuffer, releaseBuffer } from "../../gpu/buffers.ts";
import { dispatch } from "../../gpu/program.ts";
import { readBuffers } from "../../gpu/readback.ts";
import { Rng } from "../../gpu/rng.ts";
import {
  CONNECTION_PROGRAM,
  GEODESIC_STEP_PROGRAM,
  GEODESIC_WG,
  METRIC_PROGRAM,
  SLERP_PROGRAM,
  TRANSPORT_PROGRAM,
} from "./kernels/geometry_kernels.ts";

/** One Linear layer in PyTorch's layout: weight (outF × inF) row-major, bias (outF). */
export interface LinearWeights {
  /** Input features. */
  readonly inF: number;
  /** Output features. */
  readonly outF: number;
  /** The weight, outF × inF row-major. */
  readonly weight: Float64Array;
  /** The bias, outF values. */
  readonly bias: Float64Array;
}

/** Linear, SiLU, Linear, SiLU, Linear. */
export type Mlp3Weights = readonly [LinearWeights, LinearWeights, LinearWeights];

/** RiemannianMetric(d): the MLP d → 4d → 4d → d(d+1)/2. */
export interface MetricWeights {
  /** The base dim d. */
  readonly d: number;
  /** The MLP d → 4d → 4d → d(d+1)/2 (SiLU); its output fills the lower-triangular L. */
  readonly net: Mlp3Weights;
}

/** FiberConnection(d_base, d_F): MLP (2d + d(d+1)/2) → 4d_F → 4d_F → d_F² and its metric. */
export interface ConnectionWeights {
  /** The base dim d. */
  readonly dBase: number;
  /** The fiber dim d_F. */
  readonly dF: number;
  /** The base's metric. */
  readonly metric: MetricWeights;
  /** The MLP (2d + d(d+1)/2) → 4d_F → 4d_F → d_F² (the connection's matrix). */
  readonly net: Mlp3Weights;
}

/** The geodesic solver's settings (Cfg4's n_geo_pts, geo_max_steps, geo_tol, geo_lr). */
export interface GeodesicSettings {
  /** Interior points of the path (n_geo_pts). */
  readonly nGeoPts: number;
  /** Adam steps at most (geo_max_steps). */
  readonly maxSteps: number;
  /** Stop tolerance on the relative energy change (geo_tol). */
  readonly tol: number;
  /** Adam learning rate (geo_lr). */
  readonly lr: number;
}

/** The original's GeodesicResult plus the energy trace the stop rule read. */
export interface GeodesicResult {
  /** B × (nGeoPts + 2) × d; endpoints exactly the inputs. */
  readonly path: Float32Array;
  /** E before the last Adam step; Infinity on the straight-line fallback or with 0 steps. */
  readonly energy: number;
  /** Whether the stop rule was met within maxSteps. */
  readonly converged: boolean;
  /** Adam steps taken (the step that met the stop rule included). */
  readonly iterations: number;
  /** E before each step the device ran (all maxSteps; the rule reads a prefix). */
  readonly trace: Float32Array;
}

/** The largest base and fibre dimensions the kernels take (private arrays, loop budget). */
export const GEOMETRY_MAX_D = 16;
/** The largest fibre dimension. */
export const GEOMETRY_MAX_DF = 64;

const f32 = Math.fround;

function linearInit(
  inF: number,
  outF: number,
  w: () => number,
  b: () => number,
): LinearWeights {
  const weight = new Float64Array(outF * inF);
  for (let i = 0; i < weight.length; i++) weight[i] = f32(w());
  const bias = new Float64Array(outF);
  for (let i = 0; i < outF; i++) bias[i] = f32(b());
  return { inF, outF, weight, bias };
}

function checkDim(op: string, what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    const E = typeof v === "number" ? RangeError : TypeError;
    throw new E(`Cannot ${op}: expected ${what} to be an integer in [${min}, ${max}] but got ${v}`);
  }
  return v;
}

function checkArray(
  op: string,
  what: string,
  v: unknown,
  length: number,
): ArrayLike<number> {
  if (!(v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v))) {
    throw new TypeError(`Cannot ${op}: expected ${what} to be a Float32Array but got ${typeof v}`);
  }
  const a = v as ArrayLike<number>;
  if (a.length !== length) {
    throw new RangeError(
      `Cannot ${op}: expected ${what} to hold ${length} numbers but got ${a.length}`,
    );
  }
  for (let i = 0; i < length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isFinite(f32(x))) {
      throw new RangeError(
        `Cannot ${op}: expected ${what} to be finite in f32 but got ${x} at index ${i}`,
      );
    }
  }
  return a;
}

function checkRng(op: string, rng: unknown): void {
  if (!(rng instanceof Rng)) {
    throw new TypeError(`Cannot ${op}: expected rng to be an Rng (impl/gpu/rng.ts) but got ${rng}`);
  }
}

function checkMlp(op: string, what: string, net: Mlp3Weights, dims: readonly number[]): void {
  if (!Array.isArray(net) || net.length !== 3) {
    throw new TypeError(`Cannot ${op}: expected ${what} to be three Linear layers`);
  }
  net.forEach((l, k) => {
    if (l === null || typeof l !== "object") {
      throw new TypeError(`Cannot ${op}: expected ${what}[${k}] to be a Linear layer but got ${l}`);
    }
    checkDim(op, `${what}[${k}].inF`, l.inF, 1, 1 << 20);
    checkDim(op, `${what}[${k}].outF`, l.outF, 1, 1 << 20);
    if (l.inF !== dims[k] || l.outF !== dims[k + 1]) {
      throw new RangeError(
        `Cannot ${op}: expected ${what}[${k}] to map ${dims[k]} → ${dims[k + 1]} but got ` +
          `${l.inF} → ${l.outF}`,
      );
    }
    checkArray(op, `${what}[${k}].weight`, l.weight, l.inF * l.outF);
    checkArray(op, `${what}[${k}].bias`, l.bias, l.outF);
  });
}

/** Checks a metric's shapes and values (finite in f32). */
export function checkMetric(op: string, w: MetricWeights): number {
  if (w === null || typeof w !== "object") {
    throw new TypeError(`Cannot ${op}: expected metric weights but got ${w}`);
  }
  const d = checkDim(op, "the metric's d", w.d, 1, GEOMETRY_MAX_D);
  checkMlp(op, "metric.net", w.net, [d, 4 * d, 4 * d, (d * (d + 1)) / 2]);
  return d;
}

/** Checks a connection's shapes and values, its metric's included. */
export function checkConnection(op: string, w: ConnectionWeights): void {
  if (w === null || typeof w !== "object") {
    throw new TypeError(`Cannot ${op}: expected connection weights but got ${w}`);
  }
  const d = checkMetric(op, w.metric);
  if (w.dBase !== d) {
    throw new RangeError(
      `Cannot ${op}: expected the connection's dBase to equal its metric's d = ${d} but got ` +
        `${w.dBase}`,
    );
  }
  const dF = checkDim(op, "dF", w.dF, 1, GEOMETRY_MAX_DF);
  checkMlp(op, "connection.net", w.net, [
    2 * d + (d * (d + 1)) / 2,
    4 * dF,
    4 * dF,
    dF * dF,
  ]);
}

/**
 * The original's RiemannianMetric initialisation from `rng`: every weight xavier-normal
 * (std √(2/(fan_in + fan_out))), every bias 0, then the last layer's weight N(0, 0.02²) and its
 * bias 0. Values are rounded to f32 (what the GPU holds).
 *
 * @throws {RangeError} when d is not an integer in [1, {@link GEOMETRY_MAX_D}].
 *
 * @example
 * ```ts
 * import { Rng } from "../../mod.ts";
 * import { initMetric } from "./geometry.ts";
 * import { strictEqual } from "node:assert/strict";
 * const w = initMetric(8, new Rng(1));
 * strictEqual(w.net[2].outF, 36);
 * strictEqual(w.net[0].bias.every((b) => b === 0), true);
 * ```
 */
export function initMetric(d: number, rng: Rng): MetricWeights {
  checkDim("initialise RiemannianMetric", "d", d, 1, GEOMETRY_MAX_D);
  checkRng("initialise RiemannianMetric", rng);
  const h = 4 * d;
  const t = (d * (d + 1)) / 2;
  const xavier = (a: number, b: number) => () => rng.normal() * Math.sqrt(2 / (a + b));
  const zero = () => 0;
  return {
    d,
    net: [
      linearInit(d, h, xavier(d, h), zero),
      linearInit(h, h, xavier(h, h), zero),
      linearInit(h, t, () => rng.normal() * 0.02, zero),
    ],
  };
}

/** Standard deviation of a bundle's raw canonical axis at init (`_axis_raw` ~ N(0, 0.1²)). */
export const AXIS_RAW_STD = 0.1;
/** The floor of the canonical axis's normaliser: axis = raw / max(‖raw‖, AXIS_NORM_FLOOR). */
export const AXIS_NORM_FLOOR = 1e-8;

/**
 * A bundle's raw canonical axis at init: d draws of N(0, {@link AXIS_RAW_STD}²) from `rng`
 * (the original's `Bundle._axis_raw`; torch's draws cannot be reproduced, so memspec draws
 * from its own seeded generator).
 *
 * @throws {RangeError} when d is not an integer in [1, {@link GEOMETRY_MAX_D}].
 *
 * @example
 * ```ts
 * import { Rng } from "../../mod.ts";
 * import { canonicalAxis, initAxisRaw } from "./geometry.ts";
 * import { ok } from "node:assert/strict";
 * const axis = canonicalAxis(initAxisRaw(8, new Rng(3)));
 * ok(Math.abs(Math.hypot(...axis) - 1) < 1e-12);
 * ```
 */
export function initAxisRaw(d: number, rng: Rng): Float64Array {
  checkDim("initialise a canonical axis", "d", d, 1, GEOMETRY_MAX_D);
  checkRng("initialise a canonical axis", rng);
  const raw = new Float64Array(d);
  for (let i = 0; i < d; i++) raw[i] = rng.normal() * AXIS_RAW_STD;
  return raw;
}

/**
 * The bundle's canonical axis, raw / max(‖raw‖, {@link AXIS_NORM_FLOOR}) in f64 (the
 * original's `Bundle.canonical_axis`): a unit vector unless ‖raw‖ is below the floor, where
 * it is raw scaled by 1e8 (shorter than 1, the original's degenerate case).
 *
 * @throws {TypeError} when raw is not an array of numbers or holds a non-finite value.
 * @throws {RangeError} when raw is empty or longer than {@link GEOMETRY_MAX_D}.
 *
 * @example
 * ```ts
 * import { canonicalAxis } from "./geometry.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(Array.from(canonicalAxis([3, 4])), [0.6, 0.8]);
 * ```
 */
export function canonicalAxis(raw: ArrayLike<number>): Float64Array {
  const op = "compute a canonical axis";
  if (raw === null || typeof raw !== "object" || typeof raw.length !== "number") {
    throw new TypeError(`Cannot ${op}: expected an array of numbers but got ${typeof raw}`);
  }
  checkDim(op, "the axis length", raw.length, 1, GEOMETRY_MAX_D);
  let sum = 0;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`Cannot ${op}: expected finite numbers but got ${v} at index ${i}`);
    }
    sum += v * v;
  }
  const norm = Math.max(Math.sqrt(sum), AXIS_NORM_FLOOR);
  return Float64Array.from({ length: raw.length }, (_, i) => raw[i]! / norm);
}

/**
 * The original's FiberConnection initialisation: the first two layers PyTorch's default
 * (weight and bias U(±1/√fan_in)), the last layer's weight and bias N(0, 0.01²); f32 values.
 *
 * @throws {RangeError} when dF is not an integer in [1, {@link GEOMETRY_MAX_DF}] or the metric
 *   is malformed.
 */
export function initConnection(metric: MetricWeights, dF: number, rng: Rng): ConnectionWeights {
  const d = checkMetric("initialise FiberConnection", metric);
  checkDim("initialise FiberConnection", "dF", dF, 1, GEOMETRY_MAX_DF);
  checkRng("initialise FiberConnection", rng);
  const z = 2 * d + (d * (d + 1)) / 2;
  const u = (fan: number) => () => rng.uniformIn(-1, 1) / Math.sqrt(fan);
  const n01 = () => rng.normal() * 0.01;
  return {
    dBase: d,
    dF,
    metric,
    net: [
      linearInit(z, 4 * dF, u(z), u(z)),
      linearInit(4 * dF, 4 * dF, u(4 * dF), u(4 * dF)),
      linearInit(4 * dF, dF * dF, n01, n01),
    ],
  };
}

/**
 * [W1, b1, W2, b2, W3, b3] as f32, the kernels' packing.
 *
 * @throws {TypeError} when `net` is not three Linear layers. @throws {RangeError} when a
 *   layer's sizes are not integers that chain, or a weight or bias has the wrong length or a
 *   value not finite in f32.
 */
export function packMlp(net: Mlp3Weights): Float32Array {
  const op = "pack an MLP";
  if (!Array.isArray(net) || net.length !== 3) {
    throw new TypeError(`Cannot ${op}: expected three Linear layers but got ${net}`);
  }
  // The layers' own sizes chain (in → out of each layer is the next layer's in).
  const l0 = net[0] as Partial<LinearWeights> | null;
  checkMlp(op, "net", net, [
    typeof l0 === "object" && l0 !== null ? l0.inF! : NaN,
    ...net.map((l) => (typeof l === "object" && l !== null ? l.outF : NaN)),
  ]);
  const n = net.reduce((s, l) => s + l.weight.length + l.bias.length, 0);
  const out = new Float32Array(n);
  let at = 0;
  for (const l of net) {
    out.set(l.weight, at);
    at += l.weight.length;
    out.set(l.bias, at);
    at += l.bias.length;
  }
  return out;
}

async function withBuffers<T>(
  make: () => GPUBuffer[],
  run: (bufs: GPUBuffer[]) => Promise<T>,
): Promise<T> {
  const bufs: GPUBuffer[] = [];
  try {
    bufs.push(...make());
    return await run(bufs);
  } finally {
    for (const b of bufs) releaseBuffer(b);
  }
}

/**
 * g(x) at n points (x: n × d): n × d × d, one dispatch, one read.
 *
 * @throws {TypeError|RangeError} on malformed weights, a wrong length or a non-finite value,
 *   before any GPU work.
 */
export async function metricGpu(
  w: MetricWeights,
  x: ArrayLike<number>,
  n: number,
): Promise<Float32Array> {
  const op = "evaluate RiemannianMetric";
  const d = checkMetric(op, w);
  checkDim(op, "n", n, 1, 1 << 20);
  checkArray(op, "x", x, n * d);
  return await withBuffers(
    () => [
      createStorageBuffer(packMlp(w.net).byteLength, "ams metric params", packMlp(w.net)),
      createStorageBuffer(n * d * 4, "ams metric x", Float32Array.from(x)),
      createStorageBuffer(n * d * d * 4, "ams metric g"),
    ],
    async ([mp, xin, out]) => {
      dispatch(METRIC_PROGRAM, {
        sizes: { d },
        uniforms: { n },
        buffers: { mp, xin, out },
        workgroups: Math.ceil(n / 64),
      });
      const [bytes] = await readBuffers([{ buffer: out!, byteLength: n * d * d * 4 }]);
      return new Float32Array(bytes!);
    },
  );
}

/**
 * A(x, v) for n pairs (x, v: n × d each): n × d_F × d_F, one workgroup per pair.
 *
 * @throws {TypeError|RangeError} on malformed weights, wrong lengths or non-finite values.
 *
 * @example A is antisymmetric
 * ```ts
 * import { initGpu, Rng } from "../../mod.ts";
 * import { connectionGpu, initConnection, initMetric } from "./geometry.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const rng = new Rng(2);
 * const c = initConnection(initMetric(4, rng), 3, rng);
 * const A = await connectionGpu(c, [0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0], 1);
 * strictEqual(A[1]! + A[3]!, 0);
 * ```
 */
export async function connectionGpu(
  w: ConnectionWeights,
  x: ArrayLike<number>,
  v: ArrayLike<number>,
  n: number,
): Promise<Float32Array> {
  const op = "evaluate FiberConnection";
  checkConnection(op, w);
  const d = w.dBase;
  checkDim(op, "n", n, 1, 1 << 16);
  checkArray(op, "x", x, n * d);
  checkArray(op, "v", v, n * d);
  const xv = new Float32Array(n * 2 * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      xv[r * 2 * d + i] = x[r * d + i]!;
      xv[r * 2 * d + d + i] = v[r * d + i]!;
    }
  }
  const mpData = packMlp(w.metric.net);
  const cpData = packMlp(w.net);
  const outBytes = n * w.dF * w.dF * 4;
  return await withBuffers(
    () => [
      createStorageBuffer(mpData.byteLength, "ams conn metric params", mpData),
      createStorageBuffer(cpData.byteLength, "ams conn params", cpData),
      createStorageBuffer(xv.byteLength, "ams conn xv", xv),
      createStorageBuffer(outBytes, "ams conn A"),
    ],
    async ([mp, cp, xvb, out]) => {
      dispatch(CONNECTION_PROGRAM, {
        sizes: { d, dF: w.dF },
        uniforms: { n, mode: 0, nPts: 0 },
        buffers: { mp, cp, xv: xvb, out },
        workgroups: n,
      });
      const [bytes] = await readBuffers([{ buffer: out!, byteLength: outBytes }]);
      return new Float32Array(bytes!);
    },
  );
}

/** What {@link transportGpu} returns. */
export interface TransportResult {
  /** The transported fibres, B × d_F. */
  readonly fiber: Float32Array;
  /** Every RK4 state, B × nPts × d_F (state 0 the input, state k after segment k). */
  readonly states: Float32Array;
}

/** Sizes of one batched transport: B fibres of width dF along paths of nPts points in R^d. */
interface TransportSizes {
  d: number;
  dF: number;
  B: number;
  nPts: number;
  interval: number;
}

/** Refuses a transport whose generator buffer (3 per segment, dF × dF each) passes 2^30 bytes. */
function checkGeneratorBytes(op: string, z: TransportSizes): void {
  if (z.B * (z.nPts - 1) * 3 * z.dF * z.dF * 4 > 1 << 30) {
    throw new RangeError(`Cannot ${op}: expected at most 2^30 bytes of generators`);
  }
}

/** The generator and fiber buffers of a transport, created after the path's own buffers. */
function transportBuffers(
  w: ConnectionWeights,
  z: TransportSizes,
  fiber: ArrayLike<number>,
  label: string,
): GPUBuffer[] {
  const mpData = packMlp(w.metric.net);
  const cpData = packMlp(w.net);
  return [
    createStorageBuffer(mpData.byteLength, `${label} metric params`, mpData),
    createStorageBuffer(cpData.byteLength, `${label} conn params`, cpData),
    createStorageBuffer(z.B * (z.nPts - 1) * 3 * z.dF * z.dF * 4, `${label} generators`),
    createStorageBuffer(z.B * z.dF * 4, `${label} fiber`, Float32Array.from(fiber)),
    createStorageBuffer(z.B * z.nPts * z.dF * 4, `${label} states`),
  ];
}

/**
 * Records the generators A(p0, v), A(mid, v), A(p1, v) of every segment of the paths in
 * `path`, then the fused RK4 kernel, and reads the states back once: the part the straight and
 * the slerp transports share. `bufs` are {@link transportBuffers}' five.
 */
async function recordTransport(
  z: TransportSizes,
  path: GPUBuffer,
  bufs: GPUBuffer[],
): Promise<TransportResult> {
  const [mp, cp, gens, fib, states] = bufs as [
    GPUBuffer,
    GPUBuffer,
    GPUBuffer,
    GPUBuffer,
    GPUBuffer,
  ];
  const S = z.nPts - 1;
  const nEval = z.B * S * 3;
  dispatch(CONNECTION_PROGRAM, {
    sizes: { d: z.d, dF: z.dF },
    uniforms: { n: nEval, mode: 1, nPts: z.nPts },
    buffers: { mp, cp, xv: path, out: gens },
    workgroups: nEval,
  });
  dispatch(TRANSPORT_PROGRAM, {
    sizes: { dF: z.dF },
    uniforms: { B: z.B, nPts: z.nPts, interval: z.interval },
    buffers: { gens, fiber: fib, states },
    workgroups: z.B,
    steps: S,
  });
  const statesBytes = z.B * z.nPts * z.dF * 4;
  const [bytes] = await readBuffers([{ buffer: states, byteLength: statesBytes }]);
  const all = new Float32Array(bytes!);
  const out = new Float32Array(z.B * z.dF);
  for (let b = 0; b < z.B; b++) {
    out.set(all.subarray((b * z.nPts + S) * z.dF, (b * z.nPts + z.nPts) * z.dF), b * z.dF);
  }
  return { fiber: out, states: all };
}

/**
 * FiberTransporter: B fibres (B × d_F) along B paths (B × nPts × d_base), RK4 per segment and
 * renormalisation to max(‖f₀‖, 1e-8) after every `interval`-th segment. Two dispatches: the
 * generators A(p0, v), A(mid, v), A(p1, v) of every segment at once, then the fused RK4 kernel
 * (one workgroup per fibre); one read.
 *
 * @throws {TypeError|RangeError} on malformed weights, wrong lengths, non-finite values, nPts < 2
 *   or interval < 1.
 *
 * @example Transport along a 10-point path keeps the norm at init
 * ```ts
 * import { initGpu, Rng } from "../../mod.ts";
 * import { initConnection, initMetric, transportGpu } from "./geometry.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const rng = new Rng(3);
 * const c = initConnection(initMetric(4, rng), 8, rng);
 * const path = Float32Array.from({ length: 10 * 4 }, (_, i) => 0.01 * i);
 * const f = new Float32Array(8).fill(0.5);
 * const { fiber } = await transportGpu(c, f, path, 1, 10);
 * ok(Math.abs(Math.hypot(...fiber) - Math.hypot(...f)) < 1e-4);
 * ```
 */
export async function transportGpu(
  w: ConnectionWeights,
  fiber: ArrayLike<number>,
  path: ArrayLike<number>,
  B: number,
  nPts: number,
  interval = 4,
): Promise<TransportResult> {
  const op = "transport a fibre (FiberTransporter)";
  checkConnection(op, w);
  const z = { d: w.dBase, dF: w.dF, B, nPts, interval };
  checkDim(op, "B", B, 1, 4096);
  checkDim(op, "nPts", nPts, 2, 4096);
  checkDim(op, "interval", interval, 1, 1 << 20);
  checkArray(op, "fiber", fiber, B * z.dF);
  checkArray(op, "path", path, B * nPts * z.d);
  checkGeneratorBytes(op, z);
  return await withBuffers(
    () => [
      createStorageBuffer(B * nPts * z.d * 4, "ams transport path", Float32Array.from(path)),
      ...transportBuffers(w, z, fiber, "ams transport"),
    ],
    ([pathB, ...bufs]) => recordTransport(z, pathB!, bufs),
  );
}

/**
 * The original's stop rule read from an energy trace: walking the steps in order, a non-finite
 * E ends the solve with the straight-line fallback (iterations = steps before it); otherwise the
 * step runs, and the solve stops (converged) when |E_prev − E|/(|E_prev| + 1e-10) < tol, E_prev
 * starting at ∞. The reported energy is the E of the last step that ran (before its update).
 *
 * @example
 * ```ts
 * import { applyStopRule } from "./geometry.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(applyStopRule([4, 2, 2], 1e-5), {
 *   fallback: false, converged: true, iterations: 3, energy: 2,
 * });
 * ```
 *
 * @throws {TypeError} when `trace` is not an array of numbers (a non-finite energy is valid:
 *   it selects the fallback). @throws {RangeError} when `tol` is not a finite number > 0.
 */
export function applyStopRule(
  trace: ArrayLike<number>,
  tol: number,
): { fallback: boolean; converged: boolean; iterations: number; energy: number } {
  const op = "apply the geodesic stop rule";
  if (!(trace instanceof Float32Array || trace instanceof Float64Array || Array.isArray(trace))) {
    throw new TypeError(`Cannot ${op}: expected trace to be an array of energies but got ${trace}`);
  }
  // A non-finite energy is valid (it selects the fallback); a non-number is not an energy.
  for (let i = 0; i < trace.length; i++) {
    if (typeof trace[i] !== "number") {
      throw new TypeError(`Cannot ${op}: expected energy ${i} to be a number but got ${trace[i]}`);
    }
  }
  if (!(typeof tol === "number" && tol > 0 && Number.isFinite(tol))) {
    throw new RangeError(`Cannot ${op}: expected tol > 0 (finite) but got ${tol}`);
  }
  let prev = Infinity;
  let cur = Infinity;
  for (let it = 0; it < trace.length; it++) {
    const e = trace[it]!;
    if (!Number.isFinite(e)) {
      return { fallback: true, converged: false, iterations: it, energy: Infinity };
    }
    cur = e;
    if (Math.abs(prev - cur) / (Math.abs(prev) + 1e-10) < tol) {
      return { fallback: false, converged: true, iterations: it + 1, energy: cur };
    }
    prev = cur;
  }
  return { fallback: false, converged: false, iterations: trace.length, energy: cur };
}

/**
 * The straight line x_s(1 − t) + x_e t on t_k = k/(N + 1) (t = 1 at the end), rounded to f32.
 *
 * @throws {RangeError} when B, d or N is not an integer in range, or xs / xe has the wrong
 *   length or a value not finite in f32. @throws {TypeError} when xs or xe is not an array.
 */
export function linearPathF32(
  xs: ArrayLike<number>,
  xe: ArrayLike<number>,
  B: number,
  d: number,
  N: number,
): Float32Array {
  const op = "build a straight path (linearPathF32)";
  checkDim(op, "B", B, 1, 1 << 16);
  checkDim(op, "d", d, 1, 1 << 16);
  checkDim(op, "N", N, 0, 1 << 16);
  if (B * (N + 2) * d > 1 << 26) {
    throw new RangeError(
      `Cannot ${op}: expected at most 2^26 path values but got B·(N + 2)·d = ${B * (N + 2) * d}`,
    );
  }
  checkArray(op, "xs", xs, B * d);
  checkArray(op, "xe", xe, B * d);
  const P = N + 2;
  const out = new Float32Array(B * P * d);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < P; k++) {
      const t = k === P - 1 ? 1 : k / (P - 1);
      for (let i = 0; i < d; i++) {
        out[(b * P + k) * d + i] = xs[b * d + i]! * (1 - t) + xe[b * d + i]! * t;
      }
    }
  }
  return out;
}

/**
 * GeodesicSolver.solve for B pairs of endpoints (B × d each). Adam (β = (0.9, 0.999), ε = 1e-8,
 * torch's update order) on the nGeoPts interior points, started on the straight line; one
 * dispatch per step for all maxSteps steps, no host sync between them; one read of the energy
 * trace and the per-step paths, then {@link applyStopRule}. Endpoints are copied from the inputs
 * exactly; on a non-finite energy the path is the straight line and the energy ∞.
 *
 * @throws {TypeError|RangeError} on malformed weights, wrong lengths, non-finite endpoints,
 *   nGeoPts < 2, maxSteps < 0, tol ≤ 0, lr ≤ 0 or B·(nGeoPts + 1) > 256 (one segment per thread).
 *
 * @example Endpoints are exactly the inputs
 * ```ts
 * import { initGpu, Rng } from "../../mod.ts";
 * import { geodesicGpu, initMetric } from "./geometry.ts";
 * import { strictEqual } from "node:assert/strict";
 * await initGpu();
 * const w = initMetric(4, new Rng(4));
 * const xs = Float32Array.of(0, 0.5, 1, -1);
 * const xe = Float32Array.of(1, 0, -0.5, 2);
 * const r = await geodesicGpu(w, xs, xe, 1, { nGeoPts: 8, maxSteps: 80, tol: 1e-5, lr: 0.02 });
 * strictEqual(r.path.length, 10 * 4);
 * strictEqual(r.path[9 * 4 + 3], 2);
 * ```
 */
export async function geodesicGpu(
  w: MetricWeights,
  xs: ArrayLike<number>,
  xe: ArrayLike<number>,
  B: number,
  s: GeodesicSettings,
): Promise<GeodesicResult> {
  const op = "solve a geodesic (GeodesicSolver)";
  const d = checkMetric(op, w);
  checkDim(op, "B", B, 1, GEODESIC_WG);
  const N = checkDim(op, "nGeoPts", s?.nGeoPts, 2, GEODESIC_WG - 1);
  const steps = checkDim(op, "maxSteps", s.maxSteps, 0, 10000);
  if (!(typeof s.tol === "number" && s.tol > 0 && Number.isFinite(s.tol))) {
    throw new RangeError(`Cannot ${op}: expected tol > 0 but got ${s.tol}`);
  }
  if (!(typeof s.lr === "number" && s.lr > 0 && Number.isFinite(s.lr))) {
    throw new RangeError(`Cannot ${op}: expected lr > 0 but got ${s.lr}`);
  }
  if (B * (N + 1) > GEODESIC_WG) {
    throw new RangeError(
      `Cannot ${op}: expected B·(nGeoPts + 1) ≤ ${GEODESIC_WG} segments but got ${B * (N + 1)}`,
    );
  }
  checkArray(op, "xs", xs, B * d);
  checkArray(op, "xe", xe, B * d);
  const P = N + 2;
  const line = linearPathF32(xs, xe, B, d, N);
  const nI = B * N * d;
  const interior = new Float32Array(nI);
  for (let b = 0; b < B; b++) {
    interior.set(line.subarray((b * P + 1) * d, (b * P + 1 + N) * d), b * N * d);
  }
  const ends = new Float32Array(B * 2 * d);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < d; i++) {
      ends[b * 2 * d + i] = xs[b * d + i]!;
      ends[b * 2 * d + d + i] = xe[b * d + i]!;
    }
  }
  const finish = (trace: Float32Array, snaps: Float32Array): GeodesicResult => {
    const r = applyStopRule(trace, s.tol);
    if (r.fallback) {
      return { path: line, energy: Infinity, converged: false, iterations: r.iterations, trace };
    }
    const path = Float32Array.from(line);
    if (r.iterations > 0) {
      const at = (r.iterations - 1) * nI;
      for (let b = 0; b < B; b++) {
        path.set(snaps.subarray(at + b * N * d, at + (b + 1) * N * d), (b * P + 1) * d);
      }
    }
    return { path, energy: r.energy, converged: r.converged, iterations: r.iterations, trace };
  };
  if (steps === 0) return finish(new Float32Array(0), new Float32Array(0));
  const mpData = packMlp(w.net);
  return await withBuffers(
    () => [
      createStorageBuffer(mpData.byteLength, "ams geodesic metric params", mpData),
      createStorageBuffer(ends.byteLength, "ams geodesic ends", ends),
      createStorageBuffer(nI * 4, "ams geodesic interior", interior),
      createStorageBuffer(2 * nI * 4, "ams geodesic adam", new Float32Array(2 * nI)),
      createStorageBuffer(B * (N + 1) * (2 * d + 1) * 4, "ams geodesic scratch"),
      createStorageBuffer(steps * 4, "ams geodesic trace"),
      createStorageBuffer(steps * nI * 4, "ams geodesic snapshots"),
    ],
    async ([mp, endsB, inter, adam, scratch, trace, snaps]) => {
      for (let step = 0; step < steps; step++) {
        const t = step + 1;
        dispatch(GEODESIC_STEP_PROGRAM, {
          sizes: { d, N },
          uniforms: {
            B,
            step,
            stepSize: s.lr / (1 - 0.9 ** t),
            bc2s: Math.sqrt(1 - 0.999 ** t),
          },
          buffers: { mp, ends: endsB, interior: inter, adam, scratch, trace, snaps },
          workgroups: 1,
        });
      }
      const [tb, sb] = await readBuffers([
        { buffer: trace!, byteLength: steps * 4 },
        { buffer: snaps!, byteLength: steps * nI * 4 },
      ]);
      const path = finish(new Float32Array(tb!), new Float32Array(sb!));
      // Endpoints exactly the inputs, as the original's concatenation gives them.
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < d; i++) {
          path.path[b * P * d + i] = xs[b * d + i]!;
          path.path[(b * P + P - 1) * d + i] = xe[b * d + i]!;
        }
      }
      return path;
    },
  );
}

/** How far from 1 an input's norm may be for {@link slerpGpu} (f32 normalisation leaves ~1e-7). */
export const SLERP_UNIT_TOL = 1e-5;
/** Below this ‖b − ⟨a,b⟩a‖ the path goes through memspec's canonical orthogonal direction. */
export const SLERP_PERP_MIN = 1e-6;

/** Checks slerp endpoints (B pairs of unit vectors) and packs them as B × 2 × d f32. */
function slerpInputs(
  op: string,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  B: number,
  d: number,
): Float32Array {
  checkArray(op, "a", a, B * d);
  checkArray(op, "b", b, B * d);
  const ab = new Float32Array(B * 2 * d);
  for (let r = 0; r < B; r++) {
    let na = 0;
    let nb = 0;
    for (let i = 0; i < d; i++) {
      ab[r * 2 * d + i] = a[r * d + i]!;
      ab[r * 2 * d + d + i] = b[r * d + i]!;
      na += a[r * d + i]! ** 2;
      nb += b[r * d + i]! ** 2;
    }
    for (const [what, sq] of [["a", na], ["b", nb]] as const) {
      if (!(Math.abs(Math.sqrt(sq) - 1) <= SLERP_UNIT_TOL)) {
        throw new RangeError(
          `Cannot ${op}: expected ${what}[${r}] to be a unit vector (‖·‖ within ` +
            `${SLERP_UNIT_TOL} of 1) but got norm ${Math.sqrt(sq)}`,
        );
      }
    }
  }
  return ab;
}

/**
 * The topic bundle's great-circle path between unit vectors, B pairs (a, b: B × d each), n points
 * at t = k/(n − 1): p(0) = a and p(1) = b exactly; inside, p(t) = cos(tθ) a + sin(tθ) u with θ =
 * 2·atan2(‖a − b‖, ‖a + b‖) and u the unit direction of b − ⟨a,b⟩a (orthogonalised twice). Where
 * ‖b − ⟨a,b⟩a‖ ≤ {@link SLERP_PERP_MIN} (b = ±a up to rounding) u is the basis vector of a's
 * smallest |component| made orthogonal to a: a defined great semicircle where the original's
 * clamp of ⟨a,b⟩ to −1 + 1e-7 leaves the sphere (its midpoint norm → 0 at b = −a). Elsewhere
 * this is the original's path. Domain: ‖a‖, ‖b‖ within {@link SLERP_UNIT_TOL} of 1.
 *
 * @throws {TypeError|RangeError} on wrong lengths, non-finite values, n < 2, or a non-unit input.
 *
 * @example Antipodal endpoints: a defined half circle on the sphere
 * ```ts
 * import { initGpu } from "../../mod.ts";
 * import { slerpGpu } from "./geometry.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const p = await slerpGpu([1, 0, 0], [-1, 0, 0], 1, 3, 5);
 * ok(Math.abs(Math.hypot(p[6]!, p[7]!, p[8]!) - 1) < 1e-3); // the midpoint
 * ```
 */
export async function slerpGpu(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  B: number,
  d: number,
  n: number,
): Promise<Float32Array> {
  const op = "build a slerp path (TopicBundle)";
  checkDim(op, "B", B, 1, 1 << 16);
  checkDim(op, "d", d, 1, 64);
  checkDim(op, "n", n, 2, 4096);
  const ab = slerpInputs(op, a, b, B, d);
  return await withBuffers(
    () => [
      createStorageBuffer(ab.byteLength, "ams slerp ends", ab),
      createStorageBuffer(B * n * d * 4, "ams slerp path"),
    ],
    async ([abB, out]) => {
      dispatch(SLERP_PROGRAM, {
        sizes: { d },
        uniforms: { B, n, perpMin: SLERP_PERP_MIN },
        buffers: { ab: abB, out },
        workgroups: Math.ceil((B * n) / 64),
      });
      const [bytes] = await readBuffers([{ buffer: out!, byteLength: B * n * d * 4 }]);
      return new Float32Array(bytes!);
    },
  );
}

/**
 * TopicBundle.transport: the slerp path from a to b on nGeoPts + 2 points ({@link slerpGpu}'s
 * path, endpoints exact) and the RK4 transport of the fibres along it, all on the device: three
 * dispatches (slerp, generators, fused RK4) and one read. Inputs as {@link slerpGpu} and
 * {@link transportGpu}: B fibres (B × d_F), B pairs of unit vectors (B × d_base each).
 *
 * @throws {TypeError|RangeError} as {@link slerpGpu} and {@link transportGpu}, before any GPU work.
 *
 * @example
 * ```ts
 * import { initGpu, Rng } from "../../mod.ts";
 * import { initConnection, initMetric, topicTransportGpu } from "./geometry.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const rng = new Rng(5);
 * const c = initConnection(initMetric(4, rng), 8, rng);
 * const f = new Float32Array(8).fill(1);
 * const r = await topicTransportGpu(c, f, [1, 0, 0, 0], [0, 1, 0, 0], 1, 8);
 * ok(Math.abs(Math.hypot(...r.fiber) - Math.hypot(...f)) < 1e-4);
 * ```
 */
export async function topicTransportGpu(
  w: ConnectionWeights,
  fiber: ArrayLike<number>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  B: number,
  nGeoPts: number,
  interval = 4,
): Promise<TransportResult> {
  const op = "transport a fibre along a slerp path (TopicBundle.transport)";
  checkConnection(op, w);
  const d = w.dBase;
  checkDim(op, "B", B, 1, 4096);
  const nPts = checkDim(op, "nGeoPts", nGeoPts, 0, 4094) + 2;
  checkDim(op, "interval", interval, 1, 1 << 20);
  checkArray(op, "fiber", fiber, B * w.dF);
  const ab = slerpInputs(op, a, b, B, d);
  const z = { d, dF: w.dF, B, nPts, interval };
  checkGeneratorBytes(op, z);
  return await withBuffers(
    () => [
      createStorageBuffer(ab.byteLength, "ams topic ends", ab),
      createStorageBuffer(B * nPts * d * 4, "ams topic path"),
      ...transportBuffers(w, z, fiber, "ams topic"),
    ],
    ([abB, pathB, ...bufs]) => {
      dispatch(SLERP_PROGRAM, {
        sizes: { d },
        uniforms: { B, n: nPts, perpMin: SLERP_PERP_MIN },
        buffers: { ab: abB, out: pathB },
        workgroups: Math.ceil((B * nPts) / 64),
      });
      return recordTransport(z, pathB!, bufs);
    },
  );
}
