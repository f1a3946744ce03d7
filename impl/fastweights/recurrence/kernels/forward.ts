/**
 * The fast-weight recurrence, forward, fused over all time steps: for each
 * episode n and each row a of the state,
 *   W_t[a, :] = W_{t−1}[a, :] + ((η·g_t)·v_t[a])·k_t      (t = 0..T_n−1, W_{−1} = W0 or 0)
 * then the read y[a] = Σ_c W_{T−1}[a, c]·q[c] after the last write. One
 * invocation owns one row and loops over t inside the shader, so a whole
 * batch of sequences is one dispatch. The query is q[n] (qAtLast = 0) or the
 * query emitted at the episode's last step (qAtLast = 1, the unknown-delay
 * recall). Optionally stores W after every step.
 *
 * Bindings: 0 uniform {n, tm, fixedT, useLens, qAtLast, useInit, storeHist, eta};
 * 1 keys [n, tm, DK]; 2 values [n, tm, DV]; 3 gates [n, tm];
 * 4 queries [n, DK] or [n, tm, DK]; 5 lens u32 [n] (T_n when useLens, else fixedT);
 * 6 w0 [n, DV, DK] (read when useInit); 7 y [n, DV]; 8 w [n, DV, DK];
 * 9 hist [n, tm, DV, DK] (written when storeHist).
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled; one invocation per (episode, row).
 * Accuracy (class T3): each state entry is a sum of T (+1 with W0) terms, each
 * term three roundings deep: |ΔW| ≤ γ_{T+2}·Σ_t |η g_t v_t[a] k_t[c]|; the read
 * adds a DK-term dot product.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the forward recurrence for key size `dk` and value size `dv`. */
export function scanForwardWgsl(dk: number, dv: number): string {
  return `
struct Params { n: u32, tm: u32, fixed_t: u32, use_lens: u32, q_at_last: u32, use_init: u32,
  store_hist: u32, eta: f32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> keys: array<f32>;
@group(0) @binding(2) var<storage, read> vals: array<f32>;
@group(0) @binding(3) var<storage, read> gates: array<f32>;
@group(0) @binding(4) var<storage, read> qs: array<f32>;
@group(0) @binding(5) var<storage, read> lens: array<u32>;
@group(0) @binding(6) var<storage, read> w0: array<f32>;
@group(0) @binding(7) var<storage, read_write> ys: array<f32>;
@group(0) @binding(8) var<storage, read_write> ws: array<f32>;
@group(0) @binding(9) var<storage, read_write> hist: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let a = gi % ${dv}u;
  var steps = prm.fixed_t;
  if (prm.use_lens == 1u) { steps = lens[n]; }
  var w: array<f32, ${dk}>;
  let row = (n * ${dv}u + a) * ${dk}u;
  for (var c = 0u; c < ${dk}u; c++) {
    w[c] = 0.0;
    if (prm.use_init == 1u) { w[c] = w0[row + c]; }
  }
  for (var t = 0u; t < steps; t++) {
    let st = n * prm.tm + t;
    let coef = (prm.eta * gates[st]) * vals[st * ${dv}u + a];
    for (var c = 0u; c < ${dk}u; c++) { w[c] = w[c] + coef * keys[st * ${dk}u + c]; }
    if (prm.store_hist == 1u) {
      for (var c = 0u; c < ${dk}u; c++) { hist[(st * ${dv}u + a) * ${dk}u + c] = w[c]; }
    }
  }
  var qo = n * ${dk}u;
  if (prm.q_at_last == 1u) { qo = (n * prm.tm + steps - 1u) * ${dk}u; }
  var y = 0.0;
  for (var c = 0u; c < ${dk}u; c++) {
    ws[row + c] = w[c];
    y = y + w[c] * qs[qo + c];
  }
  ys[n * ${dv}u + a] = y;
}
`;
}
