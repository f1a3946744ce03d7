/**
 * Linear recurrence, chunked form, phase 1 (division-free): within each chunk
 * of K logical steps, the prefix affine maps (A_i, B_i) with
 * A_i = a_i·A_{i−1} (A_{−1} = 1) and B_i = a_i·B_{i−1} + b_i (B_{−1} = 0), so
 * that h_i = A_i·h_in + B_i for the state h_in entering the chunk. A_i goes to
 * `apre`, B_i to `h` (phase 3 adds A_i·h_in in place), and the chunk's whole
 * map (A_{K−1}, B_{K−1}) to the summaries. Nothing is ever divided by a gate
 * product, so the result is exact in exact arithmetic for every gate value.
 *
 * Bindings: 0 uniform {nb, T, C, rev, K, nC}; 1 ga [nb, T, C]·w; 2 gb [nb, T, C]·w;
 * 3 apre [nb, T, C]·w; 4 h [nb, T, C]·w; 5 sum_a [nb, nC, C]·w; 6 sum_b [nb, nC, C]·w.
 * Grid: ceil(nb·nC·C / 64) workgroups of 64, tiled; one invocation per
 * (sequence, chunk, channel), K + 1 loop headers.
 * Accuracy (class T3): A_i carries i roundings (complex: ≤ 3u each in modulus),
 * B_i the sequential scan's bound over the chunk.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { SCAN_STEP_WGSL, scanAccessWgsl, scanElementWgsl } from "./common.ts";

/** WGSL of phase 1 of the chunked scan for element width `w`. */
export function scanChunkLocalWgsl(w: 1 | 2): string {
  return `
struct Params { nb: u32, T: u32, C: u32, rev: u32, K: u32, nC: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ga: array<f32>;
@group(0) @binding(2) var<storage, read> gb: array<f32>;
@group(0) @binding(3) var<storage, read_write> apre: array<f32>;
@group(0) @binding(4) var<storage, read_write> h: array<f32>;
@group(0) @binding(5) var<storage, read_write> sum_a: array<f32>;
@group(0) @binding(6) var<storage, read_write> sum_b: array<f32>;
${scanElementWgsl(w)}
${scanAccessWgsl("ga", w, false)}
${scanAccessWgsl("gb", w, false)}
${scanAccessWgsl("apre", w, true)}
${scanAccessWgsl("h", w, true)}
${scanAccessWgsl("sum_a", w, true)}
${scanAccessWgsl("sum_b", w, true)}
${SCAN_STEP_WGSL}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.nb * prm.nC * prm.C) { return; }
  let c = gi % prm.C;
  let k = (gi / prm.C) % prm.nC;
  let bi = gi / (prm.C * prm.nC);
  let base = bi * prm.T * prm.C + c;
  let s_end = min(prm.T, (k + 1u) * prm.K);
  var pa = V_ONE;
  var pb = V_ZERO;
  for (var s = k * prm.K; s < s_end; s++) {
    let e = base + phys(s, prm.T) * prm.C;
    let g = gate_at(base, s, prm.T);
    pa = vmul(g, pa);
    pb = vmul(g, pb) + ld_gb(e);
    st_apre(e, pa);
    st_h(e, pb);
  }
  let o = (bi * prm.nC + k) * prm.C + c;
  st_sum_a(o, pa);
  st_sum_b(o, pb);
}
`;
}
