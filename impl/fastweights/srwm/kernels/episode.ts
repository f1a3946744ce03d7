/**
 * WGSL routines shared by the SRWM kernels (a snippet, not a kernel): one
 * 8-step episode of the self-referential weight matrix, forward and BPTT, in
 * one invocation. The routines are written with named arrays (`prm` for the
 * flat parameters W_slow [H, H], W_xh [H, 4], W_y [H], A_row [H, H],
 * A_col [H, H], A_val [H], A_gate [H], b_h [H], b_y; `gr` for their gradients;
 * the tape `hs`, `fs`, `rs`, `cs`, …) that {@link srwmBindArrays} maps onto
 * storage: the kernel's parameter buffer and a per-invocation scratch slice.
 * With private arrays and constant loop trip counts, llvmpipe's LLVM took 38 s
 * (cold) to compile the train kernel at H = 6 and 132 s at H = 9; with storage
 * slices and opaque trip counts ({@link srwmOpaqueLoops}) it takes ~3 s.
 *
 * - `srwm_load(code)`: decodes an episode code (bits 2t..2t+1: input pair of
 *   step t, (−1,−1), (−1,1), (1,−1), (1,1); bits 16..17: task AND, OR, XOR,
 *   NAND) into inputs `xs` [8, 4] ([x₀, x₁, 2y−1, 1] for steps 0..3,
 *   [x₀, x₁, 0, 0] after) and targets `tg` [8].
 * - `srwm_forward(eta)`: for t = 0..7, fs[t] = F (the fast weights used at t);
 *   h = fw_tanh(b_h[i] + Σ_j (W_slow[i,j] + F[i,j])·h_prev[j] + Σ_k W_xh[i,k]·x[k]);
 *   r, c = softmax(A_row h), softmax(A_col h) as exp(z − max)/Σ;
 *   y = fw_sigmoid(b_y + Σ W_y·h); v = fw_tanh(Σ A_val·h); g = fw_sigmoid(Σ A_gate·h);
 *   F[i,j] += ((η·g)·v·r[i])·c[j]. Returns the mean over steps 4..7 of
 *   min(softplus(∓z), −ln 1e-8) (binary cross-entropy of the clipped y from its logit).
 * - `srwm_backward(eta)`: BPTT into `gr` [P], mirroring the oracle's adjoints,
 *   with ∂L/∂z_t = (y_t − y*_t)·0.25 on the query steps.
 * Every sum is written out left to right (class T3 per term); the order is
 * what spec/fastweights/srwm/gpu_test.ts replays.
 *
 * @module
 */
import { FW_MATH_WGSL } from "../../../gpu/wgsl/tanh_sigmoid.ts";

/** Steps per episode (4 demos, 4 queries): fixed by the task. */
export const SRWM_STEPS = 8;

/**
 * Input width per step, fixed by the task: [x₀, x₁, 2y−1, 1] on demos, [x₀, x₁, 0, 0] on queries.
 */
export const SRWM_INPUTS = 4;

/**
 * Flat parameter offsets for hidden size H (the kernels' own table): where W_slow [H, H],
 * W_xh [H, 4], W_y [H], A_row [H, H], A_col [H, H], A_val [H], A_gate [H], b_h [H] and
 * b_y [1] start (`ws`, `wx`, `wy`, `ar`, `ac`, `av`, `ag`, `bh`, `by`), and the parameter
 * count `total`.
 */
export function srwmOffsets(H: number): {
  ws: number;
  wx: number;
  wy: number;
  ar: number;
  ac: number;
  av: number;
  ag: number;
  bh: number;
  by: number;
  total: number;
} {
  const ws = 0;
  const wx = ws + H * H;
  const wy = wx + H * SRWM_INPUTS;
  const ar = wy + H;
  const ac = ar + H * H;
  const av = ac + H * H;
  const ag = av + H;
  const bh = ag + H;
  const by = bh + H;
  return { ws, wx, wy, ar, ac, av, ag, bh, by, total: by + 1 };
}

/** Loop-header evaluations of `srwm_load`. */
export function srwmLoadLoops(): number {
  return SRWM_STEPS + 1;
}

/** Loop-header evaluations of `srwm_forward`. */
export function srwmForwardLoops(H: number): number {
  const T = SRWM_STEPS;
  const perStep = (H * H + 1) + 5 * (H + 1) + H * (H + 1);
  return (H * H + 1) + (H + 1) + (T + 1) + T * perStep;
}

/** Loop-header evaluations of `srwm_backward`. */
export function srwmBackwardLoops(H: number): number {
  const T = SRWM_STEPS;
  const P = srwmOffsets(H).total;
  const perStep = 6 * (H + 1) + 2 * H * (H + 1);
  return (P + 1) + (H * H + 1) + (H + 1) + (T + 1) + T * perStep;
}

/** Sizes of the scratch arrays of one invocation, in layout order. */
function scratchArrays(H: number): [string, number][] {
  const T = SRWM_STEPS;
  return [
    ["gr", srwmOffsets(H).total],
    ["xs", T * SRWM_INPUTS],
    ["tg", T],
    ["hs", (T + 1) * H],
    ["fs", T * H * H],
    ["fcur", H * H],
    ["rs", T * H],
    ["cs", T * H],
    ["ys", T],
    ["vs", T],
    ["gs", T],
    ["dfa", H * H],
    ["dhn", H],
    ["dh", H],
    ["dr", H],
    ["dc", H],
    ["dpre", H],
  ];
}

/** f32 values of scratch per invocation. */
export function srwmScratchSize(H: number): number {
  return scratchArrays(H).reduce((a, [, n]) => a + n, 0);
}

/**
 * Maps the routines' named arrays onto storage: `name[i]` becomes
 * `scr[sb + offset + i]` for the scratch arrays (the kernel declares `scr`
 * and a private `sb`, its slice's start), and `prm[i]`, `ms[i]`, `vv[i]` the
 * given expressions' buffers (e.g. `params[po + i]`).
 */
export function srwmBindArrays(code: string, H: number, direct: Record<string, string>): string {
  const map: Record<string, string> = { ...direct };
  let off = 0;
  for (const [name, n] of scratchArrays(H)) {
    map[name] = `scr[sb + ${off}u + `;
    off += n;
  }
  const names = Object.keys(map).join("|");
  return code.replace(new RegExp(`\\b(${names})\\[`, "g"), (_, n: string) => map[n]!);
}

/**
 * Makes every loop's trip count opaque to the shader compiler: `i < n` becomes
 * `i < (n) * one`, with the private `one` set from a uniform (1) by the kernel.
 * With constant trip counts LLVM fully unrolls the nested loops of the BPTT on
 * llvmpipe, and the train kernel took over a minute to compile at H = 6.
 */
export function srwmOpaqueLoops(code: string): string {
  return code.replace(/; (\w+) < ([^;]+); \1\+\+\)/g, "; $1 < ($2) * one; $1++)");
}

/** `a₀ + a₁ + …` of n generated terms, left to right. */
function sum(n: number, term: (j: number) => string): string {
  return Array.from({ length: n }, (_, j) => term(j)).join(" + ");
}

/** WGSL of the three routines for hidden size H (before {@link srwmBindArrays}). */
export function srwmEpisodeWgsl(H: number): string {
  const T = SRWM_STEPS;
  const HH = H * H;
  const o = srwmOffsets(H);
  const hDot = (base: string) => sum(H, (j) => `prm[${base} + ${j}u] * hs[hn + ${j}u]`);
  return `${FW_MATH_WGSL}
var<private> one: u32;
fn srwm_load(code: u32) {
  let task = (code >> 16u) & 3u;
  for (var t = 0u; t < ${T}u; t++) {
    let q = (code >> (2u * t)) & 3u;
    let a = q >> 1u;
    let b = q & 1u;
    let y = select(select(select(1u - (a & b), a ^ b, task == 2u), a | b, task == 1u), a & b,
      task == 0u);
    let demo = t < ${T / 2}u;
    xs[t * 4u] = select(-1.0, 1.0, a == 1u);
    xs[t * 4u + 1u] = select(-1.0, 1.0, b == 1u);
    xs[t * 4u + 2u] = select(0.0, 2.0 * f32(y) - 1.0, demo);
    xs[t * 4u + 3u] = select(0.0, 1.0, demo);
    tg[t] = f32(y);
  }
}

fn srwm_forward(eta: f32) -> f32 {
  for (var i = 0u; i < ${HH}u; i++) { fcur[i] = 0.0; }
  for (var i = 0u; i < ${H}u; i++) { hs[i] = 0.0; }
  var loss = 0.0;
  for (var t = 0u; t < ${T}u; t++) {
    for (var i = 0u; i < ${HH}u; i++) { fs[t * ${HH}u + i] = fcur[i]; }
    let ho = t * ${H}u;
    let hn = ho + ${H}u;
    let xo = t * 4u;
    for (var i = 0u; i < ${H}u; i++) {
      let w = ${o.ws}u + i * ${H}u;
      let f = i * ${H}u;
      let x = ${o.wx}u + i * 4u;
      hs[hn + i] = fw_tanh(prm[${o.bh}u + i] + ${
    sum(H, (j) => `(prm[w + ${j}u] + fcur[f + ${j}u]) * hs[ho + ${j}u]`)
  } + ${sum(SRWM_INPUTS, (k) => `prm[x + ${k}u] * xs[xo + ${k}u]`)});
    }
    let zy = prm[${o.by}u] + ${hDot(`${o.wy}u`)};
    let zv = ${hDot(`${o.av}u`)};
    let zg = ${hDot(`${o.ag}u`)};
    var mr = -3.0e38;
    var mc = -3.0e38;
    for (var i = 0u; i < ${H}u; i++) {
      let a = ${hDot(`${o.ar}u + i * ${H}u`)};
      let b = ${hDot(`${o.ac}u + i * ${H}u`)};
      rs[ho + i] = a;
      cs[ho + i] = b;
      mr = max(mr, a);
      mc = max(mc, b);
    }
    var sr = 0.0;
    var sc = 0.0;
    for (var i = 0u; i < ${H}u; i++) {
      let er = exp(rs[ho + i] - mr);
      let ec = exp(cs[ho + i] - mc);
      rs[ho + i] = er;
      cs[ho + i] = ec;
      sr = sr + er;
      sc = sc + ec;
    }
    for (var i = 0u; i < ${H}u; i++) {
      rs[ho + i] = rs[ho + i] / sr;
      cs[ho + i] = cs[ho + i] / sc;
    }
    let y = fw_sigmoid(zy);
    let v = fw_tanh(zv);
    let g = fw_sigmoid(zg);
    ys[t] = y;
    vs[t] = v;
    gs[t] = g;
    let coef = (eta * g) * v;
    for (var i = 0u; i < ${H}u; i++) {
      let cr = coef * rs[ho + i];
      for (var j = 0u; j < ${H}u; j++) {
        fcur[i * ${H}u + j] = fcur[i * ${H}u + j] + cr * cs[ho + j];
      }
    }
    if (t >= ${T / 2}u) {
      let zc = clamp(zy, -50.0, 50.0);
      let s = select(zc, -zc, tg[t] > 0.5);
      loss = loss + min(log(1.0 + exp(s)), 18.420680743952367);
    }
  }
  return loss * 0.25;
}

fn srwm_backward(eta: f32) {
  for (var i = 0u; i < ${o.total}u; i++) { gr[i] = 0.0; }
  for (var i = 0u; i < ${HH}u; i++) { dfa[i] = 0.0; }
  for (var i = 0u; i < ${H}u; i++) { dhn[i] = 0.0; }
  for (var k = 0u; k < ${T}u; k++) {
    let t = ${T - 1}u - k;
    let ho = t * ${H}u;
    let hn = ho + ${H}u;
    let dz = select(0.0, (ys[t] - tg[t]) * 0.25, t >= ${T / 2}u);
    gr[${o.by}u] = gr[${o.by}u] + dz;
    for (var j = 0u; j < ${H}u; j++) {
      gr[${o.wy}u + j] = gr[${o.wy}u + j] + dz * hs[hn + j];
      dh[j] = dhn[j] + prm[${o.wy}u + j] * dz;
    }
    let v = vs[t];
    let g = gs[t];
    let coef = (eta * g) * v;
    var s = 0.0;
    for (var i = 0u; i < ${H}u; i++) {
      let u = ${sum(H, (j) => `dfa[i * ${H}u + ${j}u] * cs[ho + ${j}u]`)};
      let w = ${sum(H, (j) => `dfa[${j * H}u + i] * rs[ho + ${j}u]`)};
      dr[i] = coef * u;
      dc[i] = coef * w;
      s = s + rs[ho + i] * u;
    }
    let dv = (eta * g) * s;
    let dg = (eta * v) * s;
    let rr = ${sum(H, (j) => `rs[ho + ${j}u] * dr[${j}u]`)};
    let cc = ${sum(H, (j) => `cs[ho + ${j}u] * dc[${j}u]`)};
    let dav = dv * (1.0 - v * v);
    let dag = (dg * g) * (1.0 - g);
    for (var i = 0u; i < ${H}u; i++) {
      let lr = rs[ho + i] * (dr[i] - rr);
      let lc = cs[ho + i] * (dc[i] - cc);
      for (var j = 0u; j < ${H}u; j++) {
        let a = ${o.ar}u + i * ${H}u + j;
        let b = ${o.ac}u + i * ${H}u + j;
        gr[a] = gr[a] + lr * hs[hn + j];
        gr[b] = gr[b] + lc * hs[hn + j];
        dh[j] = dh[j] + prm[a] * lr + prm[b] * lc;
      }
    }
    for (var j = 0u; j < ${H}u; j++) {
      let hj = hs[hn + j];
      gr[${o.av}u + j] = gr[${o.av}u + j] + dav * hj;
      gr[${o.ag}u + j] = gr[${o.ag}u + j] + dag * hj;
      dh[j] = dh[j] + prm[${o.av}u + j] * dav + prm[${o.ag}u + j] * dag;
      dpre[j] = dh[j] * (1.0 - hj * hj);
    }
    for (var i = 0u; i < ${H}u; i++) {
      let d = dpre[i];
      gr[${o.bh}u + i] = gr[${o.bh}u + i] + d;
      for (var j = 0u; j < ${H}u; j++) {
        let q = d * hs[ho + j];
        gr[${o.ws}u + i * ${H}u + j] = gr[${o.ws}u + i * ${H}u + j] + q;
        dfa[i * ${H}u + j] = dfa[i * ${H}u + j] + q;
      }
${
    Array.from({ length: SRWM_INPUTS }, (_, k) => {
      const g = `gr[${o.wx}u + i * 4u + ${k}u]`;
      return `      ${g} = ${g} + d * xs[t * 4u + ${k}u];`;
    }).join("\n")
  }
    }
    for (var j = 0u; j < ${H}u; j++) {
      dhn[j] = ${
    sum(H, (i) => `(prm[${o.ws + i * H}u + j] + fs[t * ${HH}u + ${i * H}u + j]) * dpre[${i}u]`)
  };
    }
  }
}
`;
}
