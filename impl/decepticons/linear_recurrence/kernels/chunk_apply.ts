/**
 * Linear recurrence, chunked form, phase 3: every step adds the carried-in
 * state of its chunk through its prefix map, h_i = A_i·h_in + B_i (B_i already
 * in `h` from phase 1). h_in is the initial state (or 0) for chunk 0 and the
 * scanned chunk summaries' state after chunk k − 1 otherwise (phase 2). The
 * last logical step also writes the final state.
 *
 * Bindings: apre [nb, T, C]·w; init [nb, C]·w (optional, read when use_init);
 * carry [nb, nC, C]·w; h [nb, T, C]·w (read and written); state [nb, C]·w.
 * Grid: ceil(nb·T·C / 64) workgroups of 64, tiled; no loop.
 * Accuracy: one multiply and one add on top of the phase 1 and phase 2 bounds.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { scanAccessWgsl, scanElementWgsl, type ScanSizes } from "./common.ts";

/** Phase 3 of the chunked scan. */
export const SCAN_CHUNK_APPLY: Program<ScanSizes> = defineProgram<ScanSizes>({
  name: "decepticons_scan_chunk_apply",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    nb: "u32",
    T: "u32",
    C: "u32",
    rev: "u32",
    K: "u32",
    nC: "u32",
    use_init: "u32",
  },
  bindings: {
    apre: { access: "read" },
    init: { access: "read", optional: true },
    carry: { access: "read" },
    h: { access: "read_write" },
    state: { access: "read_write" },
  },
  helpers: ({ w }) => `
${scanElementWgsl(w)}
${scanAccessWgsl("apre", w, false)}
${scanAccessWgsl("init", w, false)}
${scanAccessWgsl("carry", w, false)}
${scanAccessWgsl("h", w, true)}
${scanAccessWgsl("state", w, true)}`,
  main: () => `
  let gi = wg * 64u + lid;
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
  if (s + 1u == prm.T) { st_state(bi * prm.C + c, x); }`,
});
