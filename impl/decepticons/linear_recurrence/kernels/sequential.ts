/**
 * Linear recurrence, sequential form: h_t = a_t ⊙ h_{t−1} + b_t for one
 * segment [s0, s1) of logical steps (see common.ts for the reversed, adjoint
 * order). One invocation owns one (sequence, channel) and loops over the
 * segment; the state it ends with goes to `state`, where the next segment's
 * launch picks it up, so the program runner splits long sequences over
 * launches to respect the adapter's loop budget (s1 − s0 + 1 loop headers).
 *
 * Bindings: ga (gates) [nb, T, C]·w; gb (inputs) [nb, T, C]·w; init [nb, C]·w
 * (optional, read when use_init and s0 = 0); h [nb, T, C]·w; state [nb, C]·w (read
 * when s0 > 0, written).
 * Grid: ceil(nb·C / 64) workgroups of 64, tiled.
 * Accuracy (class T3): the term b_s reaches h_t through t − s multiplies and
 * t − s + 1 adds (complex: a multiply is within 2√2·u in modulus), so
 * |Δh_t| ≤ γ_{k·(t+1)}·Σ_s |Π a|·|b_s| with k = 2 (real) or 4 (complex).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { SCAN_STEP_WGSL, scanAccessWgsl, scanElementWgsl, type ScanSizes } from "./common.ts";

/** The sequential scan over the logical steps [s0, s1) of each launch. */
export const SCAN_SEQUENTIAL: Program<ScanSizes> = defineProgram<ScanSizes>({
  name: "decepticons_scan_sequential",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    nb: "u32",
    T: "u32",
    C: "u32",
    rev: "u32",
    s0: "u32",
    s1: "u32",
    use_init: "u32",
  },
  bindings: {
    ga: { access: "read" },
    gb: { access: "read" },
    init: { access: "read", optional: true },
    h: { access: "read_write" },
    state: { access: "read_write" },
  },
  helpers: ({ w }) => `
${scanElementWgsl(w)}
${scanAccessWgsl("ga", w, false)}
${scanAccessWgsl("gb", w, false)}
${scanAccessWgsl("init", w, false)}
${scanAccessWgsl("h", w, true)}
${scanAccessWgsl("state", w, true)}
${SCAN_STEP_WGSL}`,
  main: () => `
  let gi = wg * 64u + lid;
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
  st_state(gi, x);`,
  // One loop over the segment's steps.
  loopIterations: (_s, steps) => steps + 1,
  split: { begin: "s0", end: "s1" },
});
