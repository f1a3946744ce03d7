/**
 * Leaky tanh reservoir stack (echo-state: one layer; hierarchical: three with
 * same-step upward drive and a strided top layer), fused over time: one
 * workgroup per sequence keeps the state in workgroup memory (double-buffered
 * by step parity) and loops over the tokens [t0, t1) of its launch, a barrier
 * after each layer.
 * Per layer l and unit i (owned by invocations lid, lid+64, …):
 *   a = U_l[x, i] + Σ_j W_l[i, j]·s_l[j] + Σ_j Up_l[i, j]·s_{l−1}'[j]   (left to right)
 *   s_l'[i] = keep_l·s_l[i] + leak_l·fw_tanh(a)    (keep_l = 1 − leak_l, both f32 literals)
 * A layer with stride > 1 moves only when (phase0 + t + 1) mod stride = 0.
 * The program runner splits long sequences over launches: `state` carries the
 * state in and out.
 *
 * Bindings: tokens u32 [batch, tm]; w (each layer's W [n_l, n_l], concatenated);
 * uin [V, N] (token-major drive of every unit); up (Up_l [n_l, n_{l−1}] for l ≥ 1,
 * concatenated; optional: absent for a single layer); state [batch, N] (read_write);
 * hist [batch, tm, rowStride] (unit i of step t written at column col + i).
 * Grid: `batch` workgroups of 64 (tiled).
 * Accuracy (class T3, per step): a is a sum of n_l + n_{l−1} + 1 terms, each product rounded
 * once; bounds charge any association (llvmpipe's LLVM backend was seen to reassociate sums),
 * i.e. γ_{m−1}·Σ|terms|; fw_tanh as in fastweights_math.ts; two products and one add.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { FW_MATH_WGSL } from "../../../gpu/wgsl/tanh_sigmoid.ts";
import { paddedLoops, type StepLoops } from "./loops.ts";

/** Static shape of one layer. */
export interface ReservoirLayerShape {
  /** Units of the layer. */
  n: number;
  /** Leak rate in (0, 1]: s' = (1 − leak)·s + leak·fw_tanh(a). */
  leak: number;
  /** The layer moves on every stride-th step (1: every step). */
  stride: number;
}

/** Workgroup size of the reservoir kernel. */
export const RESERVOIR_WG = 64;

/** Compile-time sizes of the reservoir kernel: its layer shapes, as {@link reservoirSizes} encodes them. */
export interface ReservoirSizes extends Record<string, string> {
  /** The layers' (n, leak, stride) as JSON: the key a compiled program is cached by. */
  layers: string;
}

/** The sizes of the reservoir kernel for `layers` (only n, leak and stride are kept). */
export function reservoirSizes(layers: readonly ReservoirLayerShape[]): ReservoirSizes {
  return { layers: JSON.stringify(layers.map(({ n, leak, stride }) => ({ n, leak, stride }))) };
}

function layersOf(s: ReservoirSizes): ReservoirLayerShape[] {
  return JSON.parse(s.layers) as ReservoirLayerShape[];
}

/** Loop-header evaluations of one reservoir-kernel step, and of the fixed prologue/epilogue. */
export function reservoirLoops(layers: readonly { n: number }[]): StepLoops {
  const N = layers.reduce((a, l) => a + l.n, 0);
  let step = 1;
  layers.forEach((l, k) => {
    const per = Math.ceil(l.n / RESERVOIR_WG);
    const nb = k > 0 ? layers[k - 1]!.n : -1;
    step += per + 1 + per * (l.n + 1 + (nb >= 0 ? nb + 1 : 0));
  });
  return { step, fixed: 2 * (Math.ceil(N / RESERVOIR_WG) + 1) + 1 };
}

const lit = (x: number) => {
  const s = Math.fround(x).toPrecision(9);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
};

/** WGSL of the body of main for `layers` (N = Σ n_l ≤ 2048). */
function reservoirMain(layers: readonly ReservoirLayerShape[]): string {
  const N = layers.reduce((a, l) => a + l.n, 0);
  let off = 0;
  let wo = 0;
  let uo = 0;
  const blocks = layers.map((l, k) => {
    const below = k > 0 ? layers[k - 1]! : null;
    const bo = off - (below?.n ?? 0);
    const moves = l.stride === 1 ? "true" : `((prm.phase0 + t + 1u) % ${l.stride}u) == 0u`;
    const upLoop = below
      ? `for (var j = 0u; j < ${below.n}u; j++) {
          a = a + up[${uo}u + k * ${below.n}u + j] * sh[nx + ${bo}u + j];
        }`
      : "";
    const code = `
    {
      let moves = ${moves};
      for (var k = lid; k < ${l.n}u; k += ${RESERVOIR_WG}u) {
        let i = ${off}u + k;
        var v = sh[cur + i];
        if (moves) {
          var a = uin[x * ${N}u + i];
          for (var j = 0u; j < ${l.n}u; j++) {
            a = a + w[${wo}u + k * ${l.n}u + j] * sh[cur + ${off}u + j];
          }
          ${upLoop}
          v = ${lit(1 - l.leak)} * v + ${lit(l.leak)} * fw_tanh(a);
        }
        sh[nx + i] = v;
        hist[(b * prm.tm + t) * prm.row_stride + prm.col + i] = v;
      }
      workgroupBarrier();
    }`;
    if (below) uo += l.n * below.n;
    off += l.n;
    wo += l.n * l.n;
    return code;
  });
  return `
  let b = wg;
  if (b >= prm.batch) { return; }
  let steps = prm.t1 - prm.t0;
  for (var i = lid; i < ${N}u; i += ${RESERVOIR_WG}u) { sh[i] = state[b * ${N}u + i]; }
  workgroupBarrier();
  for (var s = 0u; s < steps; s++) {
    let t = prm.t0 + s;
    let x = tokens[b * prm.tm + t];
    let cur = (s % 2u) * ${N}u;
    let nx = ${N}u - cur;
    ${layers.length > 1 ? "" : "_ = up[0];"}
    ${blocks.join("\n")}
  }
  let fin = (steps % 2u) * ${N}u;
  for (var i = lid; i < ${N}u; i += ${RESERVOIR_WG}u) { state[b * ${N}u + i] = sh[fin + i]; }`;
}

/** The reservoir stack over the tokens [t0, t1) of each launch. */
export const SUBSTRATE_RESERVOIR: Program<ReservoirSizes> = defineProgram<ReservoirSizes>({
  name: "decepticons_substrate_reservoir",
  workgroupSize: RESERVOIR_WG,
  uniformVar: "prm",
  uniforms: {
    batch: "u32",
    tm: "u32",
    t0: "u32",
    t1: "u32",
    phase0: "u32",
    col: "u32",
    row_stride: "u32",
  },
  bindings: {
    tokens: { access: "read", type: "u32" },
    w: { access: "read" },
    uin: { access: "read" },
    up: { access: "read", optional: true },
    state: { access: "read_write" },
    hist: { access: "read_write" },
  },
  helpers: (s) => {
    const N = layersOf(s).reduce((a, l) => a + l.n, 0);
    return `var<workgroup> sh: array<f32, ${2 * N}>;\n${FW_MATH_WGSL}`;
  },
  main: (s) => reservoirMain(layersOf(s)),
  loopIterations: (s, steps) => paddedLoops(reservoirLoops(layersOf(s)), steps),
  split: { begin: "t0", end: "t1" },
});
