/**
 * Linear recurrence, gate and initial-state gradients from the adjoint λ
 * (λ_t = ∂L/∂h_t through the whole future, computed by the scan kernels run
 * in reverse): ∂L/∂a_t = λ_t·conj(h_{t−1}) with h_{−1} the initial state (or
 * 0), and ∂L/∂h_init = conj(a_0)·λ_0. For complex values the gradient of a
 * real loss is ∂L/∂Re + i·∂L/∂Im. (∂L/∂b_t = λ_t needs no kernel.)
 *
 * Bindings: ga [nb, T, C]·w; h [nb, T, C]·w; init [nb, C]·w (optional, read when
 * use_init); lam [nb, T, C]·w; da [nb, T, C]·w; dinit [nb, C]·w.
 * Grid: ceil((nb·T·C + nb·C) / 64) workgroups of 64, tiled; no loop.
 * Accuracy: one (complex) multiply of computed values: the propagated errors
 * of λ and h plus ≤ 3u of the product (2√2·u for complex).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { scanAccessWgsl, scanElementWgsl, type ScanSizes } from "./common.ts";

/** The gate-gradient kernel. */
export const SCAN_GRAD: Program<ScanSizes> = defineProgram<ScanSizes>({
  name: "decepticons_scan_grad",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { nb: "u32", T: "u32", C: "u32", use_init: "u32" },
  bindings: {
    ga: { access: "read" },
    h: { access: "read" },
    init: { access: "read", optional: true },
    lam: { access: "read" },
    da: { access: "read_write" },
    dinit: { access: "read_write" },
  },
  helpers: ({ w }) => `
${scanElementWgsl(w)}
${scanAccessWgsl("ga", w, false)}
${scanAccessWgsl("h", w, false)}
${scanAccessWgsl("init", w, false)}
${scanAccessWgsl("lam", w, false)}
${scanAccessWgsl("da", w, true)}
${scanAccessWgsl("dinit", w, true)}`,
  main: () => `
  let gi = wg * 64u + lid;
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
  st_dinit(j, vmul(vconj(ld_ga(e0)), ld_lam(e0)));`,
});
