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
 * Bindings: 0 uniform {n, tm, fixedT, useLens, qAtLast, eta}; 1 keys; 2 values;
 * 3 gates; 4 queries (as in the forward); 5 lens u32; 6 dy [n, DV];
 * 7 dKeys [n, tm, DK]; 8 dValues [n, tm, DV]; 9 dGates [n, tm]; 10 dQuery [n, DK].
 * Grid: ceil((n·tm + n·DK) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): s_t and r_t are DK- and DV-term dot products; each
 * output adds two or three product roundings; ∂L/∂q sums T terms.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the backward recurrence for key size `dk` and value size `dv`. */
export function scanBackwardWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, fixed_t: u32, use_lens: u32, q_at_last: u32, eta: f32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> keys: array<f32>;
@group(0) @binding(2) var<storage, read> vals: array<f32>;
@group(0) @binding(3) var<storage, read> gates: array<f32>;
@group(0) @binding(4) var<storage, read> qs: array<f32>;
@group(0) @binding(5) var<storage, read> lens: array<u32>;
@group(0) @binding(6) var<storage, read> dys: array<f32>;
@group(0) @binding(7) var<storage, read_write> dkeys: array<f32>;
@group(0) @binding(8) var<storage, read_write> dvals: array<f32>;
@group(0) @binding(9) var<storage, read_write> dgates: array<f32>;
@group(0) @binding(10) var<storage, read_write> dqs: array<f32>;
${WGSL_LINEAR_WORKGROUP}
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
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
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
  dqs[j] = acc;
}
`;
}
