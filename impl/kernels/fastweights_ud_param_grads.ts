/**
 * Unknown-delay slow net, backward, fused with the parameter-gradient sums
 * (pass 1 of 2). Workgroup s serves seed s with 8 lanes (one SIMD vector on
 * llvmpipe); lane l walks the step slots l, l + 8, l + 16, … of its seed
 * (slot = episode·tm + t), skipping padding steps. For each step it goes from
 * the recurrence's head gradients (∂L/∂k_t, ∂L/∂v_t, ∂L/∂g_t, and ∂L/∂q at the
 * recall step) to the pre-activation gradients
 *   dz_k = ∂L/∂k·(1 − k·k), dz_v = ∂L/∂v·(1 − v·v), dz_q = ∂L/∂q·(1 − q·q) (t = T−1 only),
 *   dz_g = ∂L/∂g·(g·(1 − g)),
 * then into the hidden layer, dz_h[i] = (Σ_r W_r[i]·dz_r)·(1 − h_i·h_i) (sum over
 * head rows left to right, order k, v, q, g), and accumulates in registers
 *   W_xh[i, j] += dz_h[i]·x[j],  b_h[i] += dz_h[i],  W_r[i] += dz_r·h[i],  b_r += dz_r.
 * The 8 partial vectors go to partials[s, l, :]; fastweights_ud_param_reduce.ts
 * adds them. Weights come from the uniform parameter mirror
 * (fastweights_ud_heads.ts); the source is generated straight-line.
 *
 * Bindings: 0 uniform {n, tm, perSeed}; 1 params (uniform mirror); 2 x [n, tm, p+2];
 * 3 lens u32 [n]; 4 h; 5 keys; 6 values; 7 gates; 8 queries (all [n, tm, ·]);
 * 9 dKeys; 10 dValues; 11 dGates; 12 dQuery [n, d_k]; 13 partials [S, 8, stride].
 * Grid: S workgroups of 8.
 * Accuracy: the step terms are T1 products and an R-term dot product (T3);
 * every gradient is then a sum of Σ_n T_n products in a fixed two-level
 * order: γ_{Σ T_n}·Σ|terms| (class T3).
 *
 * @module
 */
import type { UdLayout, UnknownDelayConfig } from "../fastweights/layout.ts";
import { paramMirrorDecl, paramRef } from "./fastweights_ud_heads.ts";

/** Lanes (partial sums) per seed. */
export const UD_GRAD_LANES = 8;

/** WGSL of the fused backward + partial-sum pass for `seeds` seeds. */
export function udParamGradsWgsl(cfg: UnknownDelayConfig, l: UdLayout, seeds: number): string {
  const { p, hidden: H, keyDim: dk } = cfg;
  const w = p + 2;
  const R = l.heads;
  const rowW: number[] = [];
  const rowB: number[] = [];
  for (let c = 0; c < dk; c++) rowW.push(l.whk + c * H), rowB.push(l.bk + c);
  for (let a = 0; a < p; a++) rowW.push(l.whv + a * H), rowB.push(l.bv + a);
  for (let c = 0; c < dk; c++) rowW.push(l.whq + c * H), rowB.push(l.bq + c);
  rowW.push(l.whg), rowB.push(l.bg);
  const decl: string[] = [];
  const body: string[] = [];
  decl.push(`var acc: array<f32, ${l.total}>;`);
  // Pre-activation gradients of the heads.
  for (let c = 0; c < dk; c++) {
    body.push(`let k${c} = keys[st * ${dk}u + ${c}u];`);
    body.push(`let z${c} = dkeys[st * ${dk}u + ${c}u] * (1.0 - k${c} * k${c});`);
  }
  for (let a = 0; a < p; a++) {
    body.push(`let v${a} = vals[st * ${p}u + ${a}u];`);
    body.push(`let z${dk + a} = dvals[st * ${p}u + ${a}u] * (1.0 - v${a} * v${a});`);
  }
  for (let c = 0; c < dk; c++) {
    body.push(`let q${c} = qs[st * ${dk}u + ${c}u];`);
    body.push(
      `let z${dk + p + c} = select(0.0, dqs[n * ${dk}u + ${c}u] * (1.0 - q${c} * q${c}), last);`,
    );
  }
  body.push("let g = gates[st];");
  body.push(`let z${R - 1} = dgates[st] * (g * (1.0 - g));`);
  for (let j = 0; j < w; j++) body.push(`let x${j} = xs[st * ${w}u + ${j}u];`);
  for (let r = 0; r < R; r++) body.push(`acc[${rowB[r]}] += z${r};`);
  // Hidden unit by hidden unit: its gradient, then every accumulation that uses it.
  for (let i = 0; i < H; i++) {
    const terms = rowW.map((wr, r) => `${paramRef(wr + i)} * z${r}`).join(" + ");
    body.push(`let h${i} = hs[st * ${H}u + ${i}u];`);
    body.push(`let e${i} = (${terms}) * (1.0 - h${i} * h${i});`);
    for (let j = 0; j < w; j++) {
      const k = l.wxh + i * w + j;
      body.push(`acc[${k}] += e${i} * x${j};`);
    }
    body.push(`acc[${l.bh + i}] += e${i};`);
    for (let r = 0; r < R; r++) {
      const k = rowW[r]! + i;
      body.push(`acc[${k}] += z${r} * h${i};`);
    }
  }
  const store = [`for (var i = 0u; i < ${l.total}u; i++) { partials[o + i] = acc[i]; }`];
  return `
struct Params { n: u32, tm: u32, per_seed: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
${paramMirrorDecl(1, seeds, l)}
@group(0) @binding(2) var<storage, read> xs: array<f32>;
@group(0) @binding(3) var<storage, read> lens: array<u32>;
@group(0) @binding(4) var<storage, read> hs: array<f32>;
@group(0) @binding(5) var<storage, read> keys: array<f32>;
@group(0) @binding(6) var<storage, read> vals: array<f32>;
@group(0) @binding(7) var<storage, read> gates: array<f32>;
@group(0) @binding(8) var<storage, read> qs: array<f32>;
@group(0) @binding(9) var<storage, read> dkeys: array<f32>;
@group(0) @binding(10) var<storage, read> dvals: array<f32>;
@group(0) @binding(11) var<storage, read> dgates: array<f32>;
@group(0) @binding(12) var<storage, read> dqs: array<f32>;
@group(0) @binding(13) var<storage, read_write> partials: array<f32>;
@compute @workgroup_size(${UD_GRAD_LANES})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let s = wid.x;
  let pr = s * ${l.stride / 4}u;
  ${decl.join("\n  ")}
  let slots = prm.per_seed * prm.tm;
  let first = s * slots;
  for (var slot = lane; slot < slots; slot += ${UD_GRAD_LANES}u) {
    let st = first + slot;
    let n = st / prm.tm;
    let steps = lens[n];
    if (st % prm.tm >= steps) { continue; }
    let last = st % prm.tm + 1u == steps;
    ${body.join("\n    ")}
  }
  let o = (s * ${UD_GRAD_LANES}u + lane) * ${l.stride}u;
  ${store.join("\n  ")}
}
`;
}
