/**
 * Matrix-memory recurrence, backward, pass 2 of 2: per (sequence n, step t,
 * role r), from S_t and S_{t−1} (forward history), dS_t (pass 1's history)
 * and pass 1's per-column (w_j, u_j, p_j):
 * - r < DK (c = r): dq_t[c] = Σ_j S_t[c, j]·do_t[j] and
 *   dk_t[c] = Σ_j w·dS[c, j]·v_t[j] − g_t·β_t·(dS[c, j]·u_j + S_{t−1}[c, j]·w_j);
 * - r = DK: dg_t = Σ_j p_j − β_t·w_j·u_j and dβ_t = Σ_j w_j·(v_t[j] − g_t·u_j)
 *   (delta only; w = 1, β = 0 for retention).
 *
 * Bindings: vs [n, tm, DV]; gates [n, tm] or [n] (per_seq); betas [n, tm] (optional,
 * read when delta); dos [n, tm, DV]; hist [n, tm, DK, DV]; dshist [n, tm, DK, DV];
 * wup [n, tm, DV, 3]; dqs [n, tm, DK]; dks [n, tm, DK]; dgs [n, tm];
 * dbs [n, tm] (optional, written when delta).
 * Grid: ceil(n·tm·(DK + 1) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): DV-term dot products of tracked inputs
 * (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

/** The gradient gathering pass. */
export const RETENTION_GRADS: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_grads",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", delta: "u32", per_seq: "u32" },
  bindings: {
    vs: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    dos: { access: "read" },
    hist: { access: "read" },
    dshist: { access: "read" },
    wup: { access: "read" },
    dqs: { access: "read_write" },
    dks: { access: "read_write" },
    dgs: { access: "read_write" },
    dbs: { access: "read_write", optional: true },
  },
  main: ({ dk, dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * prm.tm * ${dk + 1}u) { return; }
  let st = gi / ${dk + 1}u;
  let r = gi % ${dk + 1}u;
  let t = st % prm.tm;
  var g = gates[st];
  if (prm.per_seq == 1u) { g = gates[st / prm.tm]; }
  var be = 0.0;
  var bw = 1.0;
  if (prm.delta == 1u) {
    be = betas[st];
    bw = be;
  }
  if (r == ${dk}u) {
    var dg = 0.0;
    var db = 0.0;
    for (var j = 0u; j < ${dv}u; j++) {
      let w = wup[(st * ${dv}u + j) * 3u];
      let u = wup[(st * ${dv}u + j) * 3u + 1u];
      dg = dg + (wup[(st * ${dv}u + j) * 3u + 2u] - be * (w * u));
      db = db + w * (vs[st * ${dv}u + j] - g * u);
    }
    dgs[st] = dg;
    if (prm.delta == 1u) { dbs[st] = db; }
    return;
  }
  let row = (st * ${dk}u + r) * ${dv}u;
  var dq = 0.0;
  var dkey = 0.0;
  let gb = g * be;
  for (var j = 0u; j < ${dv}u; j++) {
    let ds = dshist[row + j];
    dq = dq + hist[row + j] * dos[st * ${dv}u + j];
    var prev = 0.0;
    if (t > 0u) { prev = hist[row - ${dk * dv}u + j]; }
    let w = wup[(st * ${dv}u + j) * 3u];
    let u = wup[(st * ${dv}u + j) * 3u + 1u];
    dkey = dkey + (bw * (ds * vs[st * ${dv}u + j]) - gb * (ds * u + prev * w));
  }
  dqs[st * ${dk}u + r] = dq;
  dks[st * ${dk}u + r] = dkey;`,
  // One loop over the DV columns.
  loopIterations: ({ dv }) => dv + 1,
});
