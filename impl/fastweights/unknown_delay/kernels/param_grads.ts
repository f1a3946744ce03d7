/**
 * Unknown-delay parameter gradients, pass 1 of 2 (per-lane partial sums).
 * Workgroup s serves seed s with 8 lanes (one SIMD vector on llvmpipe); lane
 * l walks the step slots l, l + 8, l + 16, … of its seed (slot = episode·tm + t),
 * skipping padding steps, and accumulates in registers every parameter's
 * contribution:
 *   W_xh[i, j] += dz_h[i]·x[j],  b_h[i] += dz_h[i],
 *   W_r[i] += dz[r]·h[i] and b_r += dz[r] for every head row r (order k, v, q, g).
 * The 8 partial vectors go to partials[s, l, :]; ./param_reduce.ts adds them.
 * Generated straight-line with one scalar accumulator per parameter.
 *
 * Uniforms: n, tm, per_seed.
 * Bindings: xs [n, tm, p+2]; lens u32 [n]; hs [n, tm, H]; dz [n, tm, R];
 * dzh [n, tm, H]; partials [S, 8, stride].
 * Grid: S workgroups of 8 (an explicit [S, 1, 1] grid).
 * Accuracy (class T3, with the reduce): every gradient is a sum of Σ_n T_n
 * products in a fixed two-level order: γ_{Σ T_n}·Σ|terms|.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { udLayout, type UdSizes } from "../layout.ts";
import { headRows } from "./heads_backward.ts";

/** Lanes (partial sums) per seed. */
export const UD_GRAD_LANES = 8;

/** The kernel body: accumulators, the strided walk over the slots, the stores. */
function body(cfg: UdSizes): string {
  const { p, hidden: H } = cfg;
  const l = udLayout(cfg);
  const w = p + 2;
  const R = l.heads;
  const rows = headRows(cfg, l);
  const decl: string[] = [];
  const loads: string[] = [];
  const sums: string[] = [];
  for (let i = 0; i < l.total; i++) decl.push(`var a${i} = 0.0;`);
  for (let j = 0; j < w; j++) loads.push(`let x${j} = xs[st * ${w}u + ${j}u];`);
  for (let i = 0; i < H; i++) {
    loads.push(`let e${i} = dzh[st * ${H}u + ${i}u];`, `let h${i} = hs[st * ${H}u + ${i}u];`);
  }
  for (let r = 0; r < R; r++) loads.push(`let z${r} = dz[st * ${R}u + ${r}u];`);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < w; j++) {
      const k = l.wxh + i * w + j;
      sums.push(`a${k} = a${k} + e${i} * x${j};`);
    }
    sums.push(`a${l.bh + i} = a${l.bh + i} + e${i};`);
  }
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < H; i++) {
      const k = rows.w[r]! + i;
      sums.push(`a${k} = a${k} + z${r} * h${i};`);
    }
    sums.push(`a${rows.b[r]} = a${rows.b[r]} + z${r};`);
  }
  const store = Array.from({ length: l.total }, (_, i) => `partials[o + ${i}u] = a${i};`);
  return `
  let s = wid.x;
  let lane = lid;
  ${decl.join("\n  ")}
  let slots = prm.per_seed * prm.tm;
  let first = s * slots;
  for (var slot = lane; slot < slots; slot += ${UD_GRAD_LANES}u) {
    let st = first + slot;
    if (st % prm.tm >= lens[st / prm.tm]) { continue; }
    ${loads.join("\n    ")}
    ${sums.join("\n    ")}
  }
  let o = (s * ${UD_GRAD_LANES}u + lane) * ${l.stride}u;
  ${store.join("\n  ")}`;
}

/** The partial-sum pass; `steps` of a dispatch are the step slots per seed (per_seed·tm). */
export const UD_PARAM_GRADS: Program<UdSizes> = defineProgram<UdSizes>({
  name: "fastweights_ud_param_grads",
  workgroupSize: UD_GRAD_LANES,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", per_seed: "u32" },
  bindings: {
    xs: { access: "read" },
    lens: { access: "read", type: "u32" },
    hs: { access: "read" },
    dz: { access: "read" },
    dzh: { access: "read" },
    partials: { access: "read_write" },
  },
  main: body,
  loopIterations: (_, slots) => Math.ceil(slots / UD_GRAD_LANES) + 1,
});
