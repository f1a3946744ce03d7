/**
 * The brute-force cosine scan the direction tree is measured against: one invocation per
 * (query, dirn) pair of `nq` queries and `n` dirns of length `d` (both row-major f32), writing
 * out[q·n + j] = s / (sqrt(qq)·sqrt(dd)) where s = Σ_l q_l·x_l, qq = Σ_l q_l², dd = Σ_l x_l²,
 * each summed in order l = 0 … d − 1. Accuracy: replayed by spec/ams/direction_tree/_bounds.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Invocations per workgroup. */
export const COSINE_SCAN_WORKGROUP = 64;

/** The scan kernel; uniforms {nq, n, d}, bindings q [nq, d], x [n, d], out [nq, n]. */
export const COSINE_SCAN: Program = defineProgram({
  name: "ams_direction_tree_cosine_scan",
  workgroupSize: COSINE_SCAN_WORKGROUP,
  uniforms: { nq: "u32", n: "u32", d: "u32" },
  bindings: { q: { access: "read" }, x: { access: "read" }, out: { access: "read_write" } },
  main: () => `
  let i = wg * ${COSINE_SCAN_WORKGROUP}u + lid;
  if (i >= p.nq * p.n) { return; }
  let qi = i / p.n;
  let j = i - qi * p.n;
  var s = 0.0;
  var qq = 0.0;
  var dd = 0.0;
  for (var l = 0u; l < p.d; l++) {
    let a = q[qi * p.d + l];
    let b = x[j * p.d + l];
    s = s + a * b;
    qq = qq + a * a;
    dd = dd + b * b;
  }
  out[i] = s / (sqrt(qq) * sqrt(dd));`,
  // Dispatched with steps = d: the loop over l runs d + 1 headers.
  loopIterations: (_s, steps) => steps + 1,
});
