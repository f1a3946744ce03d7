/**
 * Leaky tanh reservoir stack (echo-state: one layer; hierarchical: three with
 * same-step upward drive and a strided top layer), fused over time: one
 * workgroup per sequence keeps the state in workgroup memory (double-buffered
 * by step parity) and loops over `steps` tokens, a barrier after each layer.
 * Per layer l and unit i (owned by invocations lid, lid+64, …):
 *   a = U_l[x, i] + Σ_j W_l[i, j]·s_l[j] + Σ_j Up_l[i, j]·s_{l−1}'[j]   (left to right)
 *   s_l'[i] = keep_l·s_l[i] + leak_l·fw_tanh(a)    (keep_l = 1 − leak_l, both f32 literals)
 * A layer with stride > 1 moves only when (phase0 + t0 + s + 1) mod stride = 0.
 * Long sequences are split over dispatches: `state` carries the state in and out.
 *
 * Bindings: 0 uniform {batch, tm, t0, steps, phase0, col, rowStride};
 * 1 tokens u32 [batch, tm]; 2 w (each layer's W [n_l, n_l], concatenated);
 * 3 uin [V, N] (token-major drive of every unit); 4 up (Up_l [n_l, n_{l−1}] for l ≥ 1,
 * concatenated; a 1-float dummy without); 5 state [batch, N] (read_write);
 * 6 hist [batch, tm, rowStride] (unit i of step t written at column col + i).
 * Grid: `batch` workgroups of 64 (tiled).
 * Accuracy (class T3, per step): a is a sum of n_l + n_{l−1} + 1 terms, each product rounded
 * once; bounds charge any association (llvmpipe's LLVM backend was seen to reassociate sums),
 * i.e. γ_{m−1}·Σ|terms|; fw_tanh as in fastweights_math.ts; two products and one add.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { FW_MATH_WGSL } from "../../../gpu/wgsl/tanh_sigmoid.ts";

/** Static shape of one layer. */
export interface ReservoirLayerShape {
  n: number;
  leak: number;
  stride: number;
}

/** Workgroup size of the reservoir kernel. */
export const RESERVOIR_WG = 64;

const lit = (x: number) => {
  const s = Math.fround(x).toPrecision(9);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
};

/** WGSL of the reservoir stack for `layers` (N = Σ n_l ≤ 2048). */
export function reservoirWgsl(layers: readonly ReservoirLayerShape[]): string {
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
struct Params { batch: u32, tm: u32, t0: u32, steps: u32, phase0: u32, col: u32, row_stride: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> uin: array<f32>;
@group(0) @binding(4) var<storage, read> up: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>;
@group(0) @binding(6) var<storage, read_write> hist: array<f32>;
var<workgroup> sh: array<f32, ${2 * N}>;
${FW_MATH_WGSL}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${RESERVOIR_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = linear_workgroup(wid, nwg);
  if (b >= prm.batch) { return; }
  for (var i = lid; i < ${N}u; i += ${RESERVOIR_WG}u) { sh[i] = state[b * ${N}u + i]; }
  workgroupBarrier();
  for (var s = 0u; s < prm.steps; s++) {
    let t = prm.t0 + s;
    let x = tokens[b * prm.tm + t];
    let cur = (s % 2u) * ${N}u;
    let nx = ${N}u - cur;
    ${layers.length > 1 ? "" : "_ = up[0];"}
    ${blocks.join("\n")}
  }
  let fin = (prm.steps % 2u) * ${N}u;
  for (var i = lid; i < ${N}u; i += ${RESERVOIR_WG}u) { state[b * ${N}u + i] = sh[fin + i]; }
}
`;
}
