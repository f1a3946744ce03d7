/**
 * Unknown-delay slow net, backward through the activations, per step: from the
 * head gradients of the recurrence (∂L/∂k_t, ∂L/∂v_t, ∂L/∂g_t, and ∂L/∂q at the
 * recall step) to the pre-activation gradients
 *   dz_k = ∂L/∂k·(1 − k·k), dz_v = ∂L/∂v·(1 − v·v), dz_q = ∂L/∂q·(1 − q·q) (t = T−1 only),
 *   dz_g = ∂L/∂g·(g·(1 − g)),
 * and on into the hidden layer: dz_h[i] = (Σ_r W_r[i]·dz_r)·(1 − h_i·h_i), the sum
 * over head rows left to right in the order k, v, q, g. dz rows are written in
 * that order to dz [n, tm, R]; zeros past T_n. Straight-line generated code;
 * weights come from the texture mirror of the parameters (./heads.ts).
 * (Fusing this pass into the parameter sums was tried: LLVM then needs tens of
 * seconds to compile the kernel on llvmpipe.)
 *
 * Uniforms: n, tm, per_seed, blocks_per_seed (as the forward's).
 * Bindings: params (the texture mirror, as the forward's); lens u32 [n]; hs; keys; vals; gates;
 * qs (all [n, tm, ·], from the forward); dkeys; dvals; dgates (from the
 * recurrence's backward, [n, tm, ·]); dqs [n, d_k]; dz [n, tm, R]; dzh [n, tm, H].
 * Grid: S·blocks_per_seed workgroups of 64, tiled.
 * Accuracy: products with (1 − a²) factors (T1 each) and an R-term dot product (T3).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { type UdLayout, udLayout, type UdSizes, type UnknownDelayConfig } from "../layout.ts";
import { paramRef, withParamLoads } from "./heads.ts";

/** Weight-row offsets of the head rows in the order k, v, q, g. */
export function headRows(
  cfg: Pick<UnknownDelayConfig, "p" | "hidden" | "keyDim">,
  l: UdLayout,
): { w: number[]; b: number[] } {
  const { p, hidden: H, keyDim: dk } = cfg;
  const w: number[] = [];
  const b: number[] = [];
  for (let c = 0; c < dk; c++) w.push(l.whk + c * H), b.push(l.bk + c);
  for (let a = 0; a < p; a++) w.push(l.whv + a * H), b.push(l.bv + a);
  for (let c = 0; c < dk; c++) w.push(l.whq + c * H), b.push(l.bq + c);
  w.push(l.whg), b.push(l.bg);
  return { w, b };
}

/** The straight-line body of one valid step. */
function stepLines(cfg: UdSizes): string[] {
  const { p, hidden: H, keyDim: dk } = cfg;
  const l = udLayout(cfg);
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
  return lines;
}

/** The heads backward kernel; sizes are the net's p, H and d_k. */
export const UD_HEADS_BACKWARD: Program<UdSizes> = defineProgram<UdSizes>({
  name: "fastweights_ud_heads_backward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", per_seed: "u32", blocks_per_seed: "u32" },
  bindings: {
    params: { access: "read", kind: "texture_2d_array" },
    lens: { access: "read", type: "u32" },
    hs: { access: "read" },
    keys: { access: "read" },
    vals: { access: "read" },
    gates: { access: "read" },
    qs: { access: "read" },
    dkeys: { access: "read" },
    dvals: { access: "read" },
    dgates: { access: "read" },
    dqs: { access: "read" },
    dz: { access: "read_write" },
    dzh: { access: "read_write" },
  },
  main: (cfg) => {
    const H = cfg.hidden;
    const l = udLayout(cfg);
    const R = l.heads;
    return `
  let s = wg / prm.blocks_per_seed;
  if (s >= prm.n / prm.per_seed) { return; }
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
  ${withParamLoads(stepLines(cfg)).join("\n  ")}`;
  },
  loopIterations: (cfg) => udLayout(cfg).heads + cfg.hidden + 2,
});
