/**
 * Unknown-delay parameter gradients, pass 1 of 2 (per-lane partial sums).
 * Workgroup s serves seed s with 64 lanes; lane l walks the step slots
 * l, l + 64, l + 128, … of its seed (slot = episode·tm + t) and accumulates,
 * in registers, every parameter's contribution:
 *   W_xh[i, j] += dz_h[i]·x[j],  b_h[i] += dz_h[i],
 *   W_r[i] += dz[r]·h[i] and b_r += dz[r] for every head row r (order k, v, q, g).
 * Padding steps contribute exact zeros (their dz, dz_h were written as 0).
 * The 64 partial vectors go to partials[s, l, :] and
 * fastweights_ud_param_reduce.ts adds them. Generated straight-line.
 *
 * Bindings: 0 uniform {n, tm, perSeed}; 1 x [n, tm, p+2]; 2 h [n, tm, H];
 * 3 dz [n, tm, R]; 4 dzh [n, tm, H]; 5 partials [S, 64, stride].
 * Grid: S workgroups of 64.
 * Accuracy (class T3, with the reduce): every gradient is a sum of Σ_n T_n
 * nonzero products in a fixed two-level order: γ_{Σ T_n + 1}·Σ|terms|.
 *
 * @module
 */
import type { UdLayout, UnknownDelayConfig } from "../fastweights/layout.ts";

/** Lanes (partial sums) per seed. */
export const UD_GRAD_LANES = 64;

/** WGSL of the partial-sum pass. */
export function udParamGradsWgsl(cfg: UnknownDelayConfig, l: UdLayout): string {
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
  const loads: string[] = [];
  const body: string[] = [];
  for (let i = 0; i < l.total; i++) decl.push(`var a${i} = 0.0;`);
  for (let j = 0; j < w; j++) loads.push(`let x${j} = xs[st * ${w}u + ${j}u];`);
  for (let i = 0; i < H; i++) {
    loads.push(`let e${i} = dzh[st * ${H}u + ${i}u];`, `let h${i} = hs[st * ${H}u + ${i}u];`);
  }
  for (let r = 0; r < R; r++) loads.push(`let z${r} = dz[st * ${R}u + ${r}u];`);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < w; j++) {
      const k = l.wxh + i * w + j;
      body.push(`a${k} = a${k} + e${i} * x${j};`);
    }
    body.push(`a${l.bh + i} = a${l.bh + i} + e${i};`);
  }
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < H; i++) {
      const k = rowW[r]! + i;
      body.push(`a${k} = a${k} + z${r} * h${i};`);
    }
    body.push(`a${rowB[r]} = a${rowB[r]} + z${r};`);
  }
  const store = Array.from({ length: l.total }, (_, i) => `partials[o + ${i}u] = a${i};`);
  return `
struct Params { n: u32, tm: u32, per_seed: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> hs: array<f32>;
@group(0) @binding(3) var<storage, read> dz: array<f32>;
@group(0) @binding(4) var<storage, read> dzh: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@compute @workgroup_size(${UD_GRAD_LANES})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let s = wid.x;
  ${decl.join("\n  ")}
  let slots = prm.per_seed * prm.tm;
  let first = s * slots;
  for (var slot = lane; slot < slots; slot += ${UD_GRAD_LANES}u) {
    let st = first + slot;
    ${loads.join("\n    ")}
    ${body.join("\n    ")}
  }
  let o = (s * ${UD_GRAD_LANES}u + lane) * ${l.stride}u;
  ${store.join("\n  ")}
}
`;
}
