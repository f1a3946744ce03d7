/**
 * Linear recurrence, sequential form: h_t = a_t ⊙ h_{t−1} + b_t for one
 * segment [s0, s1) of logical steps (see decepticons_scan_common.ts for the
 * reversed, adjoint order). One invocation owns one (sequence, channel) and
 * loops over the segment; the state it ends with goes to `state`, where the
 * next segment's dispatch picks it up, so long sequences split over
 * dispatches to respect the adapter's loop budget (s1 − s0 + 1 loop headers).
 *
 * Bindings: 0 uniform {nb, T, C, rev, s0, s1, use_init};
 * 1 ga (gates) [nb, T, C]·w; 2 gb (inputs) [nb, T, C]·w; 3 init [nb, C]·w (read when
 * use_init and s0 = 0); 4 h [nb, T, C]·w; 5 state [nb, C]·w (read when s0 > 0, written).
 * Grid: ceil(nb·C / 64) workgroups of 64, tiled.
 * Accuracy (class T3): the term b_s reaches h_t through t − s multiplies and
 * t − s + 1 adds (complex: a multiply is within 2√2·u in modulus), so
 * |Δh_t| ≤ γ_{k·(t+1)}·Σ_s |Π a|·|b_s| with k = 2 (real) or 4 (complex).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { SCAN_STEP_WGSL, scanAccessWgsl, scanElementWgsl } from "./common.ts";

/** WGSL of the sequential scan for element width `w` (1 real, 2 complex). */
export function scanSequentialWgsl(w: 1 | 2): string {
  return `
struct Params { nb: u32, T: u32, C: u32, rev: u32, s0: u32, s1: u32, use_init: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ga: array<f32>;
@group(0) @binding(2) var<storage, read> gb: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read_write> h: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>;
${scanElementWgsl(w)}
${scanAccessWgsl("ga", w, false)}
${scanAccessWgsl("gb", w, false)}
${scanAccessWgsl("init", w, false)}
${scanAccessWgsl("h", w, true)}
${scanAccessWgsl("state", w, true)}
${SCAN_STEP_WGSL}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.nb * prm.C) { return; }
  let bi = gi / prm.C;
  let c = gi % prm.C;
  let base = bi * prm.T * prm.C + c;
  var x = V_ZERO;
  if (prm.s0 > 0u) {
    x = ld_state(gi);
  } else if (prm.use_init == 1u) {
    x = ld_init(gi);
  }
  for (var s = prm.s0; s < prm.s1; s++) {
    let e = base + phys(s, prm.T) * prm.C;
    x = vmul(gate_at(base, s, prm.T), x) + ld_gb(e);
    st_h(e, x);
  }
  st_state(gi, x);
}
`;
}
