/**
 * Linear recurrence, chunked form, phase 3: every step adds the carried-in
 * state of its chunk through its prefix map, h_i = A_i·h_in + B_i (B_i already
 * in `h` from phase 1). h_in is the initial state (or 0) for chunk 0 and the
 * scanned chunk summaries' state after chunk k − 1 otherwise (phase 2). The
 * last logical step also writes the final state.
 *
 * Bindings: 0 uniform {nb, T, C, rev, K, nC, use_init}; 1 apre [nb, T, C]·w;
 * 2 init [nb, C]·w; 3 carry [nb, nC, C]·w; 4 h [nb, T, C]·w (read and written);
 * 5 state [nb, C]·w.
 * Grid: ceil(nb·T·C / 64) workgroups of 64, tiled; no loop.
 * Accuracy: one multiply and one add on top of the phase 1 and phase 2 bounds.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { scanAccessWgsl, scanElementWgsl } from "./common.ts";

/** WGSL of phase 3 of the chunked scan for element width `w`. */
export function scanChunkApplyWgsl(w: 1 | 2): string {
  return `
struct Params { nb: u32, T: u32, C: u32, rev: u32, K: u32, nC: u32, use_init: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> apre: array<f32>;
@group(0) @binding(2) var<storage, read> init: array<f32>;
@group(0) @binding(3) var<storage, read> carry: array<f32>;
@group(0) @binding(4) var<storage, read_write> h: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>;
${scanElementWgsl(w)}
${scanAccessWgsl("apre", w, false)}
${scanAccessWgsl("init", w, false)}
${scanAccessWgsl("carry", w, false)}
${scanAccessWgsl("h", w, true)}
${scanAccessWgsl("state", w, true)}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.nb * prm.T * prm.C) { return; }
  let c = gi % prm.C;
  let s = (gi / prm.C) % prm.T;
  let bi = gi / (prm.C * prm.T);
  var t = s;
  if (prm.rev == 1u) { t = prm.T - 1u - s; }
  let e = (bi * prm.T + t) * prm.C + c;
  let k = s / prm.K;
  var cin = V_ZERO;
  if (k > 0u) {
    cin = ld_carry((bi * prm.nC + k - 1u) * prm.C + c);
  } else if (prm.use_init == 1u) {
    cin = ld_init(bi * prm.C + c);
  }
  let x = vmul(ld_apre(e), cin) + ld_h(e);
  st_h(e, x);
  if (s + 1u == prm.T) { st_state(bi * prm.C + c, x); }
}
`;
}
