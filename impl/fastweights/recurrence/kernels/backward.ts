/**
 * The fast-weight recurrence, backward, fused over all time steps. With one
 * read at the end, the adjoint of the state is the same matrix Ḡ = ȳ qᵀ at
 * every step, and its contractions factor: Ḡ k_t = ȳ (q·k_t), Ḡᵀ v_t = q (ȳ·v_t).
 * So, with s_t = q·k_t and r_t = ȳ·v_t:
 *   ∂L/∂v_t = ((η g_t)·s_t)·ȳ,  ∂L/∂k_t = ((η g_t)·r_t)·q,  ∂L/∂g_t = (η·s_t)·r_t,
 *   ∂L/∂q  = Σ_t ((η g_t)·r_t)·k_t   (= W_{T−1}ᵀ ȳ, looping over t in the shader).
 * Invocations [0, n·tm) handle one (episode, step) each (zeros past T_n);
 * invocations [n·tm, n·tm + n·DK) one entry of ∂L/∂q each.
 *
 * Uniforms: n, tm, fixed_t, use_lens, q_at_last, eta (as the forward's).
 * Bindings: keys, vals, gates, qs (as in the forward); lens u32 [n] (optional,
 * read only when use_lens); dys (∂L/∂y) [n, DV]; dkeys [n, tm, DK];
 * dvals [n, tm, DV]; dgates [n, tm]; dqs (∂L/∂q) [n, DK].
 * Grid: ceil((n·tm + n·DK) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): s_t and r_t are DK- and DV-term dot products; each
 * output adds two or three product roundings; ∂L/∂q sums T terms.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { ScanSizes } from "./forward.ts";

/** Loop-header evaluations of one backward invocation: the larger of the step and query roles. */
export function scanBackwardLoops(tm: number, keyDim: number, valueDim: number): number {
  return Math.max(2 * (keyDim + 1) + 2 * (valueDim + 1), tm + 1 + tm * (valueDim + 1));
}

/** The backward recurrence; `steps` of a dispatch are the padded steps tm. */
export const SCAN_BACKWARD: Program<ScanSizes> = defineProgram<ScanSizes>({
  name: "fastweights_scan_backward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    fixed_t: "u32",
    use_lens: "u32",
    q_at_last: "u32",
    eta: "f32",
  },
  bindings: {
    keys: { access: "read" },
    vals: { access: "read" },
    gates: { access: "read" },
    qs: { access: "read" },
    lens: { access: "read", type: "u32", optional: true },
    dys: { access: "read" },
    dkeys: { access: "read_write" },
    dvals: { access: "read_write" },
    dgates: { access: "read_write" },
    dqs: { access: "read_write" },
  },
  helpers: ({ keyDim: dk, valueDim: dv }) => `
fn steps_of(n: u32) -> u32 {
  if (prm.use_lens == 1u) { return lens[n]; }
  return prm.fixed_t;
}
fn query_offset(n: u32, steps: u32) -> u32 {
  if (prm.q_at_last == 1u) { return (n * prm.tm + steps - 1u) * ${dk}u; }
  return n * ${dk}u;
}
fn dot_dy_v(n: u32, st: u32) -> f32 {
  var r = 0.0;
  for (var a = 0u; a < ${dv}u; a++) { r = r + dys[n * ${dv}u + a] * vals[st * ${dv}u + a]; }
  return r;
}`,
  main: ({ keyDim: dk, valueDim: dv }) => `
  let gi = wg * 64u + lid;
  let nsteps = prm.n * prm.tm;
  if (gi < nsteps) {
    let n = gi / prm.tm;
    let t = gi % prm.tm;
    let steps = steps_of(n);
    if (t >= steps) {
      for (var c = 0u; c < ${dk}u; c++) { dkeys[gi * ${dk}u + c] = 0.0; }
      for (var a = 0u; a < ${dv}u; a++) { dvals[gi * ${dv}u + a] = 0.0; }
      dgates[gi] = 0.0;
      return;
    }
    let qo = query_offset(n, steps);
    var s = 0.0;
    for (var c = 0u; c < ${dk}u; c++) { s = s + qs[qo + c] * keys[gi * ${dk}u + c]; }
    let r = dot_dy_v(n, gi);
    let coef = prm.eta * gates[gi];
    let cs = coef * s;
    let cr = coef * r;
    for (var a = 0u; a < ${dv}u; a++) { dvals[gi * ${dv}u + a] = cs * dys[n * ${dv}u + a]; }
    for (var c = 0u; c < ${dk}u; c++) { dkeys[gi * ${dk}u + c] = cr * qs[qo + c]; }
    dgates[gi] = (prm.eta * s) * r;
    return;
  }
  let j = gi - nsteps;
  if (j >= prm.n * ${dk}u) { return; }
  let n = j / ${dk}u;
  let c = j % ${dk}u;
  let steps = steps_of(n);
  var acc = 0.0;
  for (var t = 0u; t < steps; t++) {
    let st = n * prm.tm + t;
    acc = acc + ((prm.eta * gates[st]) * dot_dy_v(n, st)) * keys[st * ${dk}u + c];
  }
  dqs[j] = acc;`,
  loopIterations: (s, steps) => scanBackwardLoops(steps, s.keyDim, s.valueDim),
});
