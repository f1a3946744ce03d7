/**
 * Chunkwise forms, pass "scores": for each (sequence n, step t) in the chunk
 * starting at c0, the gate-weighted score row, computed once and reused by
 * every value column of the output pass:
 *   P[t, s] = D_ts·(q_t·k_s)              for c0 ≤ s ≤ t
 *   A[t, s] = β_t·(D_ts·(k_t·k_s))        for c0 ≤ s < t (delta only)
 *   din[t]  = D_{t,c0−1} = Π_{r=c0..t} g_r
 * with D_ts = Π_{r=s+1..t} g_r built as a running product while s walks down
 * (D_{t,s−1} = D_ts·g_s): no division, exact structure for every gate in (0, 1].
 * Entries with s > t are neither written nor read. The key-key products are
 * generated only for the delta variant (retention skips that work).
 *
 * Bindings: qs [n, tm, DK]; ks [n, tm, DK]; gates [n, tm] or [n] (per_seq:
 * retention's γ); betas [n, tm] (optional, read when delta); ps [n, tm, chunk];
 * as_ [n, tm, chunk] (optional, written when delta); din [n, tm].
 * Grid: ceil(n·tm / 64) workgroups of 64, tiled; one invocation per (sequence, step).
 * Accuracy (class T3): a DK-term dot product times a ≤ chunk-long running gate
 * product, one more rounding for β (spec/decepticons/retention/gpu_test.ts tracks it).
 * Steps of a dispatch: the chunk length (an invocation walks at most one chunk).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Sizes of the score pass: key size DK, and whether A and β (delta rule) are generated. */
export interface RetentionScoresSizes extends Record<string, number | boolean> {
  dk: number;
  delta: boolean;
}

/** The score pass. */
export const RETENTION_CHUNK_SCORES: Program<RetentionScoresSizes> = defineProgram<
  RetentionScoresSizes
>({
  name: "decepticons_retention_chunk_scores",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", chunk: "u32", delta: "u32", per_seq: "u32" },
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    ps: { access: "read_write" },
    as_: { access: "read_write", optional: true },
    din: { access: "read_write" },
  },
  main: ({ dk, delta }) => {
    const kk = delta ? "kk = kk + ks[st * " + dk + "u + c] * kc;" : "";
    const a = delta ? "if (i - 1u < t) { as_[col] = be * (d * kk); }" : "";
    return `
  let st = wg * 64u + lid;
  if (st >= prm.n * prm.tm) { return; }
  let n = st / prm.tm;
  let t = st % prm.tm;
  let c0 = (t / prm.chunk) * prm.chunk;
  var be = 0.0;
  if (prm.delta == 1u) {
    be = betas[st];
    as_[st * prm.chunk] = 0.0; // A[t, c0] (overwritten below when c0 < t); keeps the binding used
  }
  var d = 1.0;
  for (var i = t + 1u; i > c0; i--) {
    let ss = n * prm.tm + i - 1u;
    var qk = 0.0;
    var kk = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      let kc = ks[ss * ${dk}u + c];
      qk = qk + qs[st * ${dk}u + c] * kc;
      ${kk}
    }
    let col = st * prm.chunk + (i - 1u - c0);
    ps[col] = d * qk;
    ${a}
    var g = gates[ss];
    if (prm.per_seq == 1u) { g = gates[n]; }
    d = d * g;
  }
  din[st] = d;`;
  },
  // Up to `steps` (the chunk) positions, each with a DK-term dot product.
  loopIterations: ({ dk }, steps) => (steps + 1) + steps * (dk + 1),
});
