/**
 * Unknown-delay slow net, forward: for every (episode, step) computes
 * h = tanh(W_xh x + b_h) and the four heads k = tanh(W_hk h + b_k),
 * v = tanh(W_hv h + b_v), q = tanh(W_hq h + b_q), g = σ(w_hg·h + b_g).
 * Each workgroup serves one seed. The weights are read from a texture mirror
 * of the parameters (layer s holds seed s, four parameters per rgba32float
 * texel, see {@link withParamLoads}), and the source is generated
 * straight-line for the configuration, so no private array is indexed
 * dynamically. Padding steps (t ≥ lens[n]) get zeros.
 *
 * Uniforms: n (episodes), tm (padded steps), per_seed, blocks_per_seed.
 * Bindings: params (texture array [stride/4, 1, ≥ S], the parameter mirror
 * in {@link udLayout} order); xs f32 [n, tm, p+2]; lens u32 [n]; hs [n, tm, H]; keys [n, tm, d_k];
 * vals [n, tm, p]; gates [n, tm]; qs (queries) [n, tm, d_k].
 * Grid: S·blocks_per_seed workgroups of 64 (blocks_per_seed = ceil(per_seed·tm/64)), tiled.
 * Accuracy: each pre-activation is the bias plus a left-to-right dot product
 * (class T3: γ_{fan-in+1}·Σ|terms|), then `fw_tanh` / `fw_sigmoid`
 * (impl/gpu/wgsl/tanh_sigmoid.ts).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { FW_MATH_WGSL } from "../../../gpu/wgsl/tanh_sigmoid.ts";
import { udLayout, type UdSizes } from "../layout.ts";

/**
 * WGSL name of parameter `i` of the current seed: component i % 4 of its
 * texel `w<i / 4>`, which {@link withParamLoads} loads before its first use.
 */
export function paramRef(i: number): string {
  return `w${Math.floor(i / 4)}[${i % 4}]`;
}

/** `bias + w_0·in_0 + w_1·in_1 + …`, evaluated left to right. */
export function affineExpr(bias: number, wRow: number, inputs: readonly string[]): string {
  return [paramRef(bias), ...inputs.map((x, i) => `${paramRef(wRow + i)} * ${x}`)].join(" + ");
}

/**
 * Straight-line `lines` with each parameter texel they name ({@link paramRef})
 * loaded once, right before the first line that uses it: texel x of layer s
 * of the texture `params`. Why a texture: every invocation of a workgroup
 * reads the same weights; on llvmpipe a uniform buffer serves that fastest
 * (these kernels used one before programs, which bind only storage buffers
 * and textures), one texel fetch per four weights comes next. Measured on
 * llvmpipe against the uniform buffer, a training iteration took about 1.5×
 * as long with storage loads and about 1.25× with texel fetches.
 */
export function withParamLoads(lines: readonly string[]): string[] {
  const loaded = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    for (const [, row] of line.matchAll(/\bw(\d+)\[/g)) {
      if (loaded.has(row!)) continue;
      loaded.add(row!);
      out.push(`let w${row} = textureLoad(params, vec2u(${row}u, 0u), s, 0);`);
    }
    out.push(line);
  }
  return out;
}

/** The straight-line body of one valid step (x → h → the four heads). */
function stepLines(cfg: UdSizes): string[] {
  const { p, hidden: H, keyDim: dk } = cfg;
  const l = udLayout(cfg);
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
  return lines;
}

/** The heads forward kernel; sizes are the net's p, H and d_k. */
export const UD_HEADS: Program<UdSizes> = defineProgram<UdSizes>({
  name: "fastweights_ud_heads",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", per_seed: "u32", blocks_per_seed: "u32" },
  bindings: {
    params: { access: "read", kind: "texture_2d_array" },
    xs: { access: "read" },
    lens: { access: "read", type: "u32" },
    hs: { access: "read_write" },
    keys: { access: "read_write" },
    vals: { access: "read_write" },
    gates: { access: "read_write" },
    qs: { access: "read_write" },
  },
  helpers: () => FW_MATH_WGSL,
  main: (cfg) => {
    const { p, hidden: H, keyDim: dk } = cfg;
    return `
  let s = wg / prm.blocks_per_seed;
  if (s >= prm.n / prm.per_seed) { return; }
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
  ${withParamLoads(stepLines(cfg)).join("\n  ")}`;
  },
  loopIterations: ({ p, hidden: H, keyDim: dk }) => H + dk + p + 3,
});
