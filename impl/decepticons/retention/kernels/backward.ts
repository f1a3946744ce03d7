/**
 * Matrix-memory recurrence, backward, pass 1 of 2: the adjoint recurrence run
 * backwards over t in [t0, t1) for each sequence n and each state column j:
 *   dS[c, j] += q_t[c]·do_t[j]                     (dS = ∂L/∂S_t in full)
 *   w_j = Σ_c k_t[c]·dS[c, j],  u_j = Σ_c k_t[c]·S_{t−1}[c, j],  p_j = Σ_c dS[c, j]·S_{t−1}[c, j]
 *   dv_t[j] = w·w_j       (w = 1 for retention, β_t for delta)
 *   dS[c, j] = g_t·(dS[c, j] − β_t·k_t[c]·w_j)     (β = 0 for retention: dS_{t−1} part)
 * storing dS_t (before the last line) and (w_j, u_j, p_j) for pass 2
 * (grads.ts). S_{t−1} comes from the forward's history.
 * The program runner splits a long sequence over launches in reversed steps:
 * steps [r0, r1) are the times [tm − r1, tm − r0), so the first launch takes the
 * end of the sequence; launches carry dS through `dstate` (read when r0 > 0,
 * i.e. t1 < tm, written at t0).
 *
 * Bindings: qs [n, tm, DK]; ks [n, tm, DK]; gates [n, tm] or [n] (per_seq);
 * betas [n, tm] (optional, read when delta); dos [n, tm, DV]; hist [n, tm, DK, DV];
 * dstate [n, DK, DV] (read_write); dshist [n, tm, DK, DV]; wup [n, tm, DV, 3];
 * dvs [n, tm, DV].
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled; one invocation per (sequence, column).
 * Accuracy (class T3): a running bound tracked per step in spec/decepticons/retention/gpu_test.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

/** The adjoint recurrence over the reversed steps [r0, r1) of each launch. */
export const RETENTION_BACKWARD: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_backward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", r0: "u32", r1: "u32", delta: "u32", per_seq: "u32" },
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    dos: { access: "read" },
    hist: { access: "read" },
    dstate: { access: "read_write" },
    dshist: { access: "read_write" },
    wup: { access: "read_write" },
    dvs: { access: "read_write" },
  },
  main: ({ dk, dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  let t0 = prm.tm - prm.r1;
  let t1 = prm.tm - prm.r0;
  var ds: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    ds[c] = 0.0;
    if (t1 < prm.tm) { ds[c] = dstate[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var i = t1; i > t0; i--) {
    let t = i - 1u;
    let st = n * prm.tm + t;
    let d = dos[st * ${dv}u + j];
    var w = 0.0;
    var u = 0.0;
    var p = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      ds[c] = ds[c] + qs[st * ${dk}u + c] * d;
      dshist[(st * ${dk}u + c) * ${dv}u + j] = ds[c];
      let kc = ks[st * ${dk}u + c];
      w = w + kc * ds[c];
      if (t > 0u) {
        let prev = hist[((st - 1u) * ${dk}u + c) * ${dv}u + j];
        u = u + kc * prev;
        p = p + ds[c] * prev;
      }
    }
    wup[(st * ${dv}u + j) * 3u] = w;
    wup[(st * ${dv}u + j) * 3u + 1u] = u;
    wup[(st * ${dv}u + j) * 3u + 2u] = p;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    var be = 0.0;
    var bw = 1.0;
    if (prm.delta == 1u) {
      be = betas[st];
      bw = be;
    }
    dvs[st * ${dv}u + j] = bw * w;
    let bwk = be * w;
    for (var c = 0u; c < ${dk}u; c++) {
      ds[c] = g * (ds[c] - ks[st * ${dk}u + c] * bwk);
    }
  }
  for (var c = 0u; c < ${dk}u; c++) { dstate[(n * ${dk}u + c) * ${dv}u + j] = ds[c]; }`,
  // Load and store of dS, the step loop, and per step the two DK loops.
  loopIterations: ({ dk }, steps) => 2 * (dk + 1) + (steps + 1) + steps * 2 * (dk + 1),
  split: { begin: "r0", end: "r1" },
});
