/**
 * The GRU's recurrence, fused over time: one workgroup per sequence b, the
 * hidden state in workgroup memory, the loop over t inside the shader (no
 * dispatch per step). The input projection gi = x·W_ihᵀ + b_ih for every t
 * comes in precomputed (one matmul); these kernels do everything that needs
 * h_{t−1}.
 *
 * - {@link GRU_FORWARD} (steps t in [t0, t1) per launch): lane j (and j + WG, …)
 *   forms a_r = b_hr + Σ_k W_hr[j, k]·h_k, a_z, a_n likewise (k = 0 … H − 1 in
 *   order, reading W_hhᵀ so that lanes read consecutive words), then
 *   r = 1/(1 + exp(−(gi_r + a_r))), z likewise, n = tanh(clamp(gi_n + r·a_n,
 *   −15, 15)), h' = n + z·(h − n) (torch's CPU cell writes it this way). It stores
 *   h' into `hs` and (r, z, n, a_n) into `gates` [B, T, 4H] for the backward.
 *   A launch with t0 > 0 resumes from hs[t0 − 1].
 * - {@link GRU_BACKWARD} (reverse time: step s is t = T − 1 − s, s in [s0, s1)
 *   per launch): with ∂h the carried adjoint plus ∂L/∂h_t,
 *   ∂z = ∂h·(h_{t−1} − n), ∂ n̂ = ∂h·(1 − z)·(1 − n²), ∂â_r = (∂n̂·a_n)·(r(1 − r)),
 *   ∂â_z = ∂z·(z(1 − z)); it stores ∂gi = (∂â_r, ∂â_z, ∂n̂) and ∂gh = (∂â_r,
 *   ∂â_z, ∂n̂·r) [B, T, 3H] and carries ∂h_{t−1} = ∂h·z + Σ_k ∂gh_k·W_hh[k, j]
 *   (k = 0 … 3H − 1 in order). `carry` [B, H] holds the adjoint between launches
 *   and, after the last, ∂L/∂h0. ∂W_hh = ∂ghᵀ·h_{t−1} and ∂b_hh = Σ ∂gh are one
 *   matmul and one sum outside (parallel over the 3H·H outputs instead of
 *   serial inside one workgroup).
 *
 * Uniforms: {nb (B), tm (T), t0, t1}. Sizes: {h: H, wg: lanes}. Workgroup
 * memory: 2H f32 forward (ping-pong h), 4H backward (∂gh and the carry).
 * Grid: B workgroups.
 *
 * Accuracy: every sum is sequential in the order above; spec/nn/gru/_bounds.ts
 * replays these operations with running error analysis.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Compile-time sizes of the GRU kernels. */
export interface GruSizes extends Record<string, number> {
  /** Hidden size H (workgroup arrays are sized by it). */
  h: number;
  /** Invocations per workgroup; lane l owns units l, l + wg, …. */
  wg: number;
}

/** Invocations per workgroup for hidden size `h`: h rounded up to a multiple of 8, at most 256. */
export function gruLanes(h: number): number {
  return Math.min(256, Math.ceil(h / 8) * 8);
}

/** f32 words of workgroup memory the backward needs (the larger of the two kernels). */
export function gruWorkgroupWords(h: number): number {
  return 4 * h;
}

const UNIFORMS = { nb: "u32", tm: "u32", t0: "u32", t1: "u32" } as const;

/** Units a lane owns: ceil(H / wg). */
function units(s: GruSizes): number {
  return Math.ceil(s.h / s.wg);
}

/** The forward recurrence over steps [t0, t1) of each launch. */
export const GRU_FORWARD: Program<GruSizes> = defineProgram<GruSizes>({
  name: "nn_gru_forward",
  workgroupSize: (s) => s.wg,
  uniforms: UNIFORMS,
  bindings: {
    gi: { access: "read" },
    wt: { access: "read" },
    bhh: { access: "read" },
    h0: { access: "read" },
    hs: { access: "read_write" },
    gates: { access: "read_write" },
  },
  helpers: ({ h }) => `var<workgroup> hsh: array<f32, ${2 * h}>;`,
  main: ({ h, wg }) => {
    const H = `${h}u`;
    return `
  let b = min(wg, p.nb - 1u); // the grid is exactly nb workgroups; min keeps indices in range
  for (var j = lid; j < ${H}; j += ${wg}u) {
    if (p.t0 == 0u) { hsh[j] = h0[b * ${H} + j]; }
    else { hsh[j] = hs[(b * p.tm + p.t0 - 1u) * ${H} + j]; }
  }
  workgroupBarrier();
  var cur = 0u;
  for (var t = p.t0; t < p.t1; t++) {
    let st = b * p.tm + t;
    let g = st * ${3 * h}u;
    for (var j = lid; j < ${H}; j += ${wg}u) {
      var ar = bhh[j];
      var az = bhh[${H} + j];
      var an = bhh[${2 * h}u + j];
      for (var k = 0u; k < ${H}; k++) {
        let hk = hsh[cur * ${H} + k];
        let row = k * ${3 * h}u + j;
        ar += wt[row] * hk;
        az += wt[row + ${H}] * hk;
        an += wt[row + ${2 * h}u] * hk;
      }
      let r = 1.0 / (1.0 + exp(-(gi[g + j] + ar)));
      let z = 1.0 / (1.0 + exp(-(gi[g + ${H} + j] + az)));
      let n = tanh(clamp(gi[g + ${2 * h}u + j] + r * an, -15.0, 15.0));
      let hp = hsh[cur * ${H} + j];
      let hn = n + z * (hp - n);
      hsh[(1u - cur) * ${H} + j] = hn;
      hs[st * ${H} + j] = hn;
      let q = st * ${4 * h}u + j;
      gates[q] = r;
      gates[q + ${H}] = z;
      gates[q + ${2 * h}u] = n;
      gates[q + ${3 * h}u] = an;
    }
    workgroupBarrier();
    cur = 1u - cur;
  }`;
  },
  // Load loop; per step the unit loop and its H-term dot products.
  loopIterations: (s, steps) => {
    const u = units(s);
    return u + 1 + steps + 1 + steps * (u + 1 + u * (s.h + 1));
  },
  split: { begin: "t0", end: "t1" },
});

/** The reverse-time backward over steps s in [t0, t1) (t = T − 1 − s) of each launch. */
export const GRU_BACKWARD: Program<GruSizes> = defineProgram<GruSizes>({
  name: "nn_gru_backward",
  workgroupSize: (s) => s.wg,
  uniforms: UNIFORMS,
  bindings: {
    go: { access: "read" },
    gates: { access: "read" },
    hs: { access: "read" },
    h0: { access: "read" },
    wh: { access: "read" },
    carry: { access: "read_write" },
    dgi: { access: "read_write" },
    dgh: { access: "read_write" },
  },
  helpers: ({ h }) =>
    `var<workgroup> dsh: array<f32, ${3 * h}>;
var<workgroup> dc: array<f32, ${h}>;`,
  main: ({ h, wg }) => {
    const H = `${h}u`;
    return `
  let b = min(wg, p.nb - 1u);
  for (var j = lid; j < ${H}; j += ${wg}u) {
    if (p.t0 == 0u) { dc[j] = 0.0; } else { dc[j] = carry[b * ${H} + j]; }
  }
  for (var s = p.t0; s < p.t1; s++) {
    let t = p.tm - 1u - s;
    let st = b * p.tm + t;
    for (var j = lid; j < ${H}; j += ${wg}u) {
      let dh = dc[j] + go[st * ${H} + j];
      let q = st * ${4 * h}u + j;
      let r = gates[q];
      let z = gates[q + ${H}];
      let n = gates[q + ${2 * h}u];
      let an = gates[q + ${3 * h}u];
      var hp = 0.0;
      if (t == 0u) { hp = h0[b * ${H} + j]; } else { hp = hs[(st - 1u) * ${H} + j]; }
      let dz = dh * (hp - n);
      let dpn = (dh * (1.0 - z)) * (1.0 - n * n);
      let dpr = (dpn * an) * (r * (1.0 - r));
      let dpz = dz * (z * (1.0 - z));
      let dan = dpn * r;
      let g = st * ${3 * h}u + j;
      dgi[g] = dpr;
      dgi[g + ${H}] = dpz;
      dgi[g + ${2 * h}u] = dpn;
      dgh[g] = dpr;
      dgh[g + ${H}] = dpz;
      dgh[g + ${2 * h}u] = dan;
      dsh[j] = dpr;
      dsh[${H} + j] = dpz;
      dsh[${2 * h}u + j] = dan;
      dc[j] = dh * z;
    }
    workgroupBarrier();
    for (var j = lid; j < ${H}; j += ${wg}u) {
      var acc = dc[j];
      for (var k = 0u; k < ${3 * h}u; k++) { acc += dsh[k] * wh[k * ${H} + j]; }
      dc[j] = acc;
    }
    workgroupBarrier();
  }
  for (var j = lid; j < ${H}; j += ${wg}u) { carry[b * ${H} + j] = dc[j]; }`;
  },
  // Load and store loops; per step the gate loop and the carry loop with its 3H-term sums.
  loopIterations: (s, steps) => {
    const u = units(s);
    return 2 * (u + 1) + steps + 1 + steps * (2 * (u + 1) + u * (3 * s.h + 1));
  },
  split: { begin: "t0", end: "t1" },
});
