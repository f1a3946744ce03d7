/**
 * Linear recurrence, chunked form, phase 1 (division-free): within each chunk
 * of K logical steps, the prefix affine maps (A_i, B_i) with
 * A_i = a_i·A_{i−1} (A_{−1} = 1) and B_i = a_i·B_{i−1} + b_i (B_{−1} = 0), so
 * that h_i = A_i·h_in + B_i for the state h_in entering the chunk. A_i goes to
 * `apre`, B_i to `h` (phase 3 adds A_i·h_in in place), and the chunk's whole
 * map (A_{K−1}, B_{K−1}) to the summaries. Nothing is ever divided by a gate
 * product, so the result is exact in exact arithmetic for every gate value.
 *
 * Bindings: ga [nb, T, C]·w; gb [nb, T, C]·w; apre [nb, T, C]·w; h [nb, T, C]·w;
 * sum_a [nb, nC, C]·w; sum_b [nb, nC, C]·w.
 * Grid: ceil(nb·nC·C / 64) workgroups of 64, tiled; one invocation per
 * (sequence, chunk, channel), K + 1 loop headers (steps of a dispatch: K).
 * Accuracy (class T3): A_i carries i roundings (complex: ≤ 3u each in modulus),
 * B_i the sequential scan's bound over the chunk.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { SCAN_STEP_WGSL, scanAccessWgsl, scanElementWgsl, type ScanSizes } from "./common.ts";

/** Phase 1 of the chunked scan. */
export const SCAN_CHUNK_LOCAL: Program<ScanSizes> = defineProgram<ScanSizes>({
  name: "decepticons_scan_chunk_local",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { nb: "u32", T: "u32", C: "u32", rev: "u32", K: "u32", nC: "u32" },
  bindings: {
    ga: { access: "read" },
    gb: { access: "read" },
    apre: { access: "read_write" },
    h: { access: "read_write" },
    sum_a: { access: "read_write" },
    sum_b: { access: "read_write" },
  },
  helpers: ({ w }) => `
${scanElementWgsl(w)}
${scanAccessWgsl("ga", w, false)}
${scanAccessWgsl("gb", w, false)}
${scanAccessWgsl("apre", w, true)}
${scanAccessWgsl("h", w, true)}
${scanAccessWgsl("sum_a", w, true)}
${scanAccessWgsl("sum_b", w, true)}
${SCAN_STEP_WGSL}`,
  main: () => `
  let gi = wg * 64u + lid;
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
  st_sum_b(o, pb);`,
  // One loop over the chunk's K steps.
  loopIterations: (_s, steps) => steps + 1,
});
