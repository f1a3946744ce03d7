/**
 * Unknown-delay parameter gradients, pass 1 of 2 (per-lane partial sums).
 * Workgroup s serves seed s with 8 lanes (one SIMD vector on llvmpipe); lane
 * l walks the step slots l, l + 8, l + 16, … of its seed (slot = episode·tm + t),
 * skipping padding steps, and accumulates in registers every parameter's
 * contribution:
 *   W_xh[i, j] += dz_h[i]·x[j],  b_h[i] += dz_h[i],
 *   W_r[i] += dz[r]·h[i] and b_r += dz[r] for every head row r (order k, v, q, g).
 * The 8 partial vectors go to partials[s, l, :]; fastweights_ud_param_reduce.ts
 * adds them. Generated straight-line with one scalar accumulator per parameter.
 *
 * Bindings: 0 uniform {n, tm, perSeed}; 1 x [n, tm, p+2]; 2 lens u32 [n];
 * 3 h [n, tm, H]; 4 dz [n, tm, R]; 5 dzh [n, tm, H]; 6 partials [S, 8, stride].
 * Grid: S workgroups of 8.
 * Accuracy (class T3, with the reduce): every gradient is a sum of Σ_n T_n
 * products in a fixed two-level order: γ_{Σ T_n}·Σ|terms|.
 *
 * @module
 */
import type { UdLayout, UnknownDelayConfig } from "../layout.ts";
import { headRows } from "./heads_backward.ts";

/** Lanes (partial sums) per seed. */
export const UD_GRAD_LANES = 8;

/** WGSL of the partial-sum pass. */
export function udParamGradsWgsl(cfg: UnknownDelayConfig, l: UdLayout): string {
  const { p, hidden: H } = cfg;
  const w = p + 2;
  const R = l.heads;
  const rows = headRows(cfg, l);
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
      const k = rows.w[r]! + i;
      body.push(`a${k} = a${k} + z${r} * h${i};`);
    }
    body.push(`a${rows.b[r]} = a${rows.b[r]} + z${r};`);
  }
  const store = Array.from({ length: l.total }, (_, i) => `partials[o + ${i}u] = a${i};`);
  return `
struct Params { n: u32, tm: u32, per_seed: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> lens: array<u32>;
@group(0) @binding(3) var<storage, read> hs: array<f32>;
@group(0) @binding(4) var<storage, read> dz: array<f32>;
@group(0) @binding(5) var<storage, read> dzh: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>;
@compute @workgroup_size(${UD_GRAD_LANES})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let s = wid.x;
  ${decl.join("\n  ")}
  let slots = prm.per_seed * prm.tm;
  let first = s * slots;
  for (var slot = lane; slot < slots; slot += ${UD_GRAD_LANES}u) {
    let st = first + slot;
    if (st % prm.tm >= lens[st / prm.tm]) { continue; }
    ${loads.join("\n    ")}
    ${body.join("\n    ")}
  }
  let o = (s * ${UD_GRAD_LANES}u + lane) * ${l.stride}u;
  ${store.join("\n  ")}
}
`;
}
