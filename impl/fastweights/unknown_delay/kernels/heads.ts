/**
 * Unknown-delay slow net, forward: for every (episode, step) computes
 * h = tanh(W_xh x + b_h) and the four heads k = tanh(W_hk h + b_k),
 * v = tanh(W_hv h + b_v), q = tanh(W_hq h + b_q), g = σ(w_hg·h + b_g).
 * Each workgroup serves one seed. The weights are read from a uniform-buffer
 * mirror of the parameters (one vec4 row per 4 parameters, seed s at row
 * s·stride/4), and the source is generated straight-line for the
 * configuration: on llvmpipe, uniform-buffer reads are several times faster
 * than the same reads from a storage buffer, and no private array is indexed
 * dynamically. Padding steps (t ≥ lens[n]) get zeros.
 *
 * Bindings: 0 uniform {n, tm, perSeed, blocksPerSeed}; 1 params (uniform
 * mirror, array<vec4f, S·stride/4>); 2 x f32 [n, tm, p+2]; 3 lens u32 [n];
 * 4 h [n, tm, H]; 5 keys [n, tm, d_k]; 6 values [n, tm, p]; 7 gates [n, tm];
 * 8 queries [n, tm, d_k].
 * Grid: S·blocksPerSeed workgroups of 64 (blocksPerSeed = ceil(perSeed·tm/64)), tiled.
 * Accuracy: each pre-activation is the bias plus a left-to-right dot product
 * (class T3: γ_{fan-in+1}·Σ|terms|), then `fw_tanh` / `fw_sigmoid`
 * (fastweights_math.ts).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import type { UdLayout, UnknownDelayConfig } from "../layout.ts";
import { FW_MATH_WGSL } from "../../../gpu/wgsl/tanh_sigmoid.ts";

/** WGSL expression for parameter `i` of the current seed (row base `pr`) in the uniform mirror. */
export function paramRef(i: number): string {
  return `params[pr + ${Math.floor(i / 4)}u][${i % 4}]`;
}

/** WGSL declaration of the uniform parameter mirror for `seeds` seeds. */
export function paramMirrorDecl(binding: number, seeds: number, l: UdLayout): string {
  return `@group(0) @binding(${binding}) var<uniform> params: array<vec4f, ${
    (seeds * l.stride) / 4
  }>;`;
}

/** `bias + w_0·in_0 + w_1·in_1 + …`, evaluated left to right. */
export function affineExpr(bias: number, wRow: number, inputs: readonly string[]): string {
  return [paramRef(bias), ...inputs.map((x, i) => `${paramRef(wRow + i)} * ${x}`)].join(" + ");
}

/** WGSL of the heads forward kernel for `seeds` seeds. */
export function udHeadsWgsl(cfg: UnknownDelayConfig, l: UdLayout, seeds: number): string {
  const { p, hidden: H, keyDim: dk } = cfg;
  const w = p + 2;
  const xs = Array.from({ length: w }, (_, j) => `x${j}`);
  const hs = Array.from({ length: H }, (_, i) => `h${i}`);
  const lines: string[] = [];
  for (let j = 0; j < w; j++) lines.push(`let x${j} = xs[st * ${w}u + ${j}u];`);
  for (let i = 0; i < H; i++) {
    lines.push(`let h${i} = fw_tanh(${affineExpr(l.bh + i, l.wxh + i * w, xs)});`);
    lines.push(`hs[st * ${H}u + ${i}u] = h${i};`);
  }
  const head = (
    rows: number,
    wOff: number,
    bOff: number,
    out: (r: number) => string,
    fn: string,
  ) => {
    for (let r = 0; r < rows; r++) {
      lines.push(`${out(r)} = ${fn}(${affineExpr(bOff + r, wOff + r * H, hs)});`);
    }
  };
  head(dk, l.whk, l.bk, (r) => `keys[st * ${dk}u + ${r}u]`, "fw_tanh");
  head(p, l.whv, l.bv, (r) => `vals[st * ${p}u + ${r}u]`, "fw_tanh");
  head(dk, l.whq, l.bq, (r) => `qs[st * ${dk}u + ${r}u]`, "fw_tanh");
  head(1, l.whg, l.bg, () => "gates[st]", "fw_sigmoid");
  return `
struct Params { n: u32, tm: u32, per_seed: u32, blocks_per_seed: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
${paramMirrorDecl(1, seeds, l)}
@group(0) @binding(2) var<storage, read> xs: array<f32>;
@group(0) @binding(3) var<storage, read> lens: array<u32>;
@group(0) @binding(4) var<storage, read_write> hs: array<f32>;
@group(0) @binding(5) var<storage, read_write> keys: array<f32>;
@group(0) @binding(6) var<storage, read_write> vals: array<f32>;
@group(0) @binding(7) var<storage, read_write> gates: array<f32>;
@group(0) @binding(8) var<storage, read_write> qs: array<f32>;
${WGSL_LINEAR_WORKGROUP}
${FW_MATH_WGSL}
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
  if (t >= lens[n]) {
    for (var i = 0u; i < ${H}u; i++) { hs[st * ${H}u + i] = 0.0; }
    for (var c = 0u; c < ${dk}u; c++) { keys[st * ${dk}u + c] = 0.0; qs[st * ${dk}u + c] = 0.0; }
    for (var a = 0u; a < ${p}u; a++) { vals[st * ${p}u + a] = 0.0; }
    gates[st] = 0.0;
    return;
  }
  ${lines.join("\n  ")}
}
`;
}
