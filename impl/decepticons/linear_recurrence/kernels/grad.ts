/**
 * Linear recurrence, gate and initial-state gradients from the adjoint λ
 * (λ_t = ∂L/∂h_t through the whole future, computed by the scan kernels run
 * in reverse): ∂L/∂a_t = λ_t·conj(h_{t−1}) with h_{−1} the initial state (or
 * 0), and ∂L/∂h_init = conj(a_0)·λ_0. For complex values the gradient of a
 * real loss is ∂L/∂Re + i·∂L/∂Im. (∂L/∂b_t = λ_t needs no kernel.)
 *
 * Bindings: 0 uniform {nb, T, C, use_init}; 1 ga [nb, T, C]·w; 2 h [nb, T, C]·w;
 * 3 init [nb, C]·w; 4 lam [nb, T, C]·w; 5 da [nb, T, C]·w; 6 dinit [nb, C]·w.
 * Grid: ceil((nb·T·C + nb·C) / 64) workgroups of 64, tiled; no loop.
 * Accuracy: one (complex) multiply of computed values: the propagated errors
 * of λ and h plus ≤ 3u of the product (2√2·u for complex).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { scanAccessWgsl, scanElementWgsl } from "./common.ts";

/** WGSL of the gate-gradient kernel for element width `w`. */
export function scanGradWgsl(w: 1 | 2): string {
  return `
struct Params { nb: u32, T: u32, C: u32, use_init: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ga: array<f32>;
@group(0) @binding(2) var<storage, read> h: array<f32>;
@group(0) @binding(3) var<storage, read> init: array<f32>;
@group(0) @binding(4) var<storage, read> lam: array<f32>;
@group(0) @binding(5) var<storage, read_write> da: array<f32>;
@group(0) @binding(6) var<storage, read_write> dinit: array<f32>;
${scanElementWgsl(w)}
${scanAccessWgsl("ga", w, false)}
${scanAccessWgsl("h", w, false)}
${scanAccessWgsl("init", w, false)}
${scanAccessWgsl("lam", w, false)}
${scanAccessWgsl("da", w, true)}
${scanAccessWgsl("dinit", w, true)}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  let n = prm.nb * prm.T * prm.C;
  if (gi < n) {
    let c = gi % prm.C;
    let t = (gi / prm.C) % prm.T;
    let bi = gi / (prm.C * prm.T);
    var hp = V_ZERO;
    if (t > 0u) {
      hp = ld_h(gi - prm.C);
    } else if (prm.use_init == 1u) {
      hp = ld_init(bi * prm.C + c);
    }
    st_da(gi, vmul(ld_lam(gi), vconj(hp)));
    return;
  }
  let j = gi - n;
  if (j >= prm.nb * prm.C) { return; }
  let c = j % prm.C;
  let bi = j / prm.C;
  let e0 = bi * prm.T * prm.C + c;
  st_dinit(j, vmul(vconj(ld_ga(e0)), ld_lam(e0)));
}
`;
}
