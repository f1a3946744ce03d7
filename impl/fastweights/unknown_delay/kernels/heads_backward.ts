/**
 * Unknown-delay slow net, backward through the activations, per step: from the
 * head gradients of the recurrence (∂L/∂k_t, ∂L/∂v_t, ∂L/∂g_t, and ∂L/∂q at the
 * recall step) to the pre-activation gradients
 *   dz_k = ∂L/∂k·(1 − k·k), dz_v = ∂L/∂v·(1 − v·v), dz_q = ∂L/∂q·(1 − q·q) (t = T−1 only),
 *   dz_g = ∂L/∂g·(g·(1 − g)),
 * and on into the hidden layer: dz_h[i] = (Σ_r W_r[i]·dz_r)·(1 − h_i·h_i), the sum
 * over head rows left to right in the order k, v, q, g. dz rows are written in
 * that order to dz [n, tm, R]; zeros past T_n. Straight-line generated code;
 * weights come from the uniform parameter mirror (fastweights_ud_heads.ts).
 * (Fusing this pass into the parameter sums was tried: LLVM then needs tens of
 * seconds to compile the kernel on llvmpipe.)
 *
 * Bindings: 0 uniform {n, tm, perSeed, blocksPerSeed}; 1 params (uniform mirror);
 * 2 lens u32; 3 h; 4 keys; 5 values; 6 gates; 7 queries (all [n, tm, ·]);
 * 8 dKeys; 9 dValues; 10 dGates; 11 dQuery [n, d_k]; 12 dz [n, tm, R]; 13 dzh [n, tm, H].
 * Grid: S·blocksPerSeed workgroups of 64, tiled.
 * Accuracy: products with (1 − a²) factors (T1 each) and an R-term dot product (T3).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import type { UdLayout, UnknownDelayConfig } from "../layout.ts";
import { paramMirrorDecl, paramRef } from "./heads.ts";

/** Weight-row offsets of the head rows in the order k, v, q, g. */
export function headRows(cfg: UnknownDelayConfig, l: UdLayout): { w: number[]; b: number[] } {
  const { p, hidden: H, keyDim: dk } = cfg;
  const w: number[] = [];
  const b: number[] = [];
  for (let c = 0; c < dk; c++) w.push(l.whk + c * H), b.push(l.bk + c);
  for (let a = 0; a < p; a++) w.push(l.whv + a * H), b.push(l.bv + a);
  for (let c = 0; c < dk; c++) w.push(l.whq + c * H), b.push(l.bq + c);
  w.push(l.whg), b.push(l.bg);
  return { w, b };
}

/** WGSL of the heads backward kernel for `seeds` seeds. */
export function udHeadsBackwardWgsl(cfg: UnknownDelayConfig, l: UdLayout, seeds: number): string {
  const { p, hidden: H, keyDim: dk } = cfg;
  const R = l.heads;
  const rowW = headRows(cfg, l).w;
  const lines: string[] = [];
  for (let c = 0; c < dk; c++) {
    lines.push(`let k${c} = keys[st * ${dk}u + ${c}u];`);
    lines.push(`let d${c} = dkeys[st * ${dk}u + ${c}u] * (1.0 - k${c} * k${c});`);
  }
  for (let a = 0; a < p; a++) {
    lines.push(`let v${a} = vals[st * ${p}u + ${a}u];`);
    lines.push(`let d${dk + a} = dvals[st * ${p}u + ${a}u] * (1.0 - v${a} * v${a});`);
  }
  for (let c = 0; c < dk; c++) {
    lines.push(`let q${c} = qs[st * ${dk}u + ${c}u];`);
    lines.push(
      `let d${dk + p + c} = select(0.0, dqs[n * ${dk}u + ${c}u] * (1.0 - q${c} * q${c}), last);`,
    );
  }
  lines.push("let g = gates[st];");
  lines.push(`let d${R - 1} = dgates[st] * (g * (1.0 - g));`);
  for (let r = 0; r < R; r++) lines.push(`dz[st * ${R}u + ${r}u] = d${r};`);
  for (let i = 0; i < H; i++) {
    const terms = rowW.map((w, r) => `${paramRef(w + i)} * d${r}`).join(" + ");
    lines.push(`let h${i} = hs[st * ${H}u + ${i}u];`);
    lines.push(`dzh[st * ${H}u + ${i}u] = (${terms}) * (1.0 - h${i} * h${i});`);
  }
  return `
struct Params { n: u32, tm: u32, per_seed: u32, blocks_per_seed: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
${paramMirrorDecl(1, seeds, l)}
@group(0) @binding(2) var<storage, read> lens: array<u32>;
@group(0) @binding(3) var<storage, read> hs: array<f32>;
@group(0) @binding(4) var<storage, read> keys: array<f32>;
@group(0) @binding(5) var<storage, read> vals: array<f32>;
@group(0) @binding(6) var<storage, read> gates: array<f32>;
@group(0) @binding(7) var<storage, read> qs: array<f32>;
@group(0) @binding(8) var<storage, read> dkeys: array<f32>;
@group(0) @binding(9) var<storage, read> dvals: array<f32>;
@group(0) @binding(10) var<storage, read> dgates: array<f32>;
@group(0) @binding(11) var<storage, read> dqs: array<f32>;
@group(0) @binding(12) var<storage, read_write> dz: array<f32>;
@group(0) @binding(13) var<storage, read_write> dzh: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = linear_workgroup(wid, nwg);
  let s = wg / prm.blocks_per_seed;
  if (s >= prm.n / prm.per_seed) { return; }
  let pr = s * ${l.stride / 4}u;
  let slot = (wg % prm.blocks_per_seed) * 64u + lid;
  if (slot >= prm.per_seed * prm.tm) { return; }
  let n = s * prm.per_seed + slot / prm.tm;
  let t = slot % prm.tm;
  let st = n * prm.tm + t;
  let steps = lens[n];
  if (t >= steps) {
    for (var r = 0u; r < ${R}u; r++) { dz[st * ${R}u + r] = 0.0; }
    for (var i = 0u; i < ${H}u; i++) { dzh[st * ${H}u + i] = 0.0; }
    return;
  }
  let last = t + 1u == steps;
  ${lines.join("\n  ")}
}
`;
}
