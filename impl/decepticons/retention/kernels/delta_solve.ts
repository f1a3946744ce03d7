/**
 * Chunkwise gated delta rule, pass "solve" (the UT transform): inside each
 * chunk the pseudo-values u_t = β_t (v_t − g_t k_t S_{t−1}) turn the rule into
 * gated retention, S_t = g_t S_{t−1} + k_tᵀ u_t, and satisfy the unit lower
 * triangular system (I + A) U = diag(β) V − diag(β·din) K S_in with
 * A[t, s] = β_t·D_ts·(k_t·k_s) (s < t; chunk_scores.ts).
 * This pass solves it for both right-hand sides by forward substitution, so
 * U = X_v − X_w S_in:
 *   column r < DV:        x_t[r] = β_t·v_t[r]              − Σ_{s<t} A[t, s]·x_s[r]
 *   column r = DV + c:    x_t[r] = β_t·(din_t·k_t[c])      − Σ_{s<t} A[t, s]·x_s[r]
 * The diagonal is 1: nothing is divided. One invocation per (sequence, chunk,
 * column) walks the chunk forwards, reading back its own earlier rows.
 *
 * Bindings: ks [n, tm, DK]; vs [n, tm, DV]; betas [n, tm]; din [n, tm];
 * as_ [n, tm, chunk]; xs [n, tm, DV + DK].
 * Grid: ceil(n·nc·(DV + DK) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): forward substitution, tracked row by row in
 * spec/decepticons/retention/gpu_test.ts.
 * Steps of a dispatch: the chunk length (each invocation walks one chunk).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

/** The triangular solve. */
export const RETENTION_DELTA_SOLVE: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_delta_solve",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", chunk: "u32", nc: "u32" },
  bindings: {
    ks: { access: "read" },
    vs: { access: "read" },
    betas: { access: "read" },
    din: { access: "read" },
    as_: { access: "read" },
    xs: { access: "read_write" },
  },
  main: ({ dk, dv }) => {
    const w = dk + dv;
    return `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * prm.nc * ${w}u) { return; }
  let nci = gi / ${w}u;
  let r = gi % ${w}u;
  let n = nci / prm.nc;
  let c0 = (nci % prm.nc) * prm.chunk;
  let c1 = min(c0 + prm.chunk, prm.tm);
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    var x = 0.0;
    if (r < ${dv}u) {
      x = betas[st] * vs[st * ${dv}u + r];
    } else {
      x = betas[st] * (din[st] * ks[st * ${dk}u + r - ${dv}u]);
    }
    for (var s = c0; s < t; s++) {
      x = x - as_[st * prm.chunk + (s - c0)] * xs[(n * prm.tm + s) * ${w}u + r];
    }
    xs[st * ${w}u + r] = x;
  }`;
  },
  // The chunk's steps, and for step i an i-term substitution.
  loopIterations: (_s, steps) => (steps + 1) + (steps * (steps + 1)) / 2,
});
