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
  /** Key size. */
  dk: number;
  /** Whether A and β (the delta rule) are generated. */
  delta: boolean;
  /** Steps per invocation: 1, or 4 when the chunk is a multiple of 4 (the four rows share each load of k_s). */
  rows: number;
}

/**
 * The blocked score pass: one invocation per (sequence, steps t0..t0+3 of one chunk). Row l
 * walks s from its own t down to c0 as the one-row pass does (the block starts at its last
 * valid row; a row joins when s reaches it), with the same dot products in the same order
 * and its own running decay; the rows share each load of k_s and g_s.
 */
/** Largest key size whose four query rows the blocked pass keeps in registers. */
const SCORES_CACHED_KEY_DIM = 64;

function blockedMain(dk: number, delta: boolean): string {
  const R = 4;
  const each = (f: (l: number) => string) =>
    Array.from({ length: R }, (_, l) => f(l)).join("\n    ");
  // Small keys: the rows' q (and k) in registers, the c loop unrolled (same order).
  const cached = dk <= SCORES_CACHED_KEY_DIM;
  const own = (l: number, c: number) =>
    `let q${l}_${c} = qs[st${l} * ${dk}u + ${c}u];` +
    (delta ? ` let k${l}_${c} = ks[st${l} * ${dk}u + ${c}u];` : "");
  const products = cached
    ? Array.from({ length: dk }, (_, c) =>
      `{ let kc = ks[ss * ${dk}u + ${c}u]; ` +
      each((l) => `qk${l} = qk${l} + q${l}_${c} * kc;`) +
      (delta ? " " + each((l) => `kk${l} = kk${l} + k${l}_${c} * kc;`) : "") + " }").join("\n    ")
    : `for (var c = 0u; c < ${dk}u; c++) {
      let kc = ks[ss * ${dk}u + c];
      ${each((l) => `qk${l} = qk${l} + qs[st${l} * ${dk}u + c] * kc;`)}
      ${delta ? each((l) => `kk${l} = kk${l} + ks[st${l} * ${dk}u + c] * kc;`) : ""}
    }`;
  return `
  let tb = (prm.tm + ${R - 1}u) / ${R}u;
  let gi = wg * 64u + lid;
  if (gi >= prm.n * tb) { return; }
  let n = gi / tb;
  let t0 = (gi % tb) * ${R}u;
  let last = min(t0 + ${R - 1}u, prm.tm - 1u);
  let c0 = (t0 / prm.chunk) * prm.chunk;
  ${each((l) => `let st${l} = n * prm.tm + min(t0 + ${l}u, last);`)}
  ${cached ? Array.from({ length: dk }, (_, c) => each((l) => own(l, c))).join("\n  ") : ""}
  ${each((l) => `var d${l} = 1.0;`)}
  ${each((l) => `var be${l} = 0.0;`)}
  if (prm.delta == 1u) {
    ${each((l) => `be${l} = betas[st${l}];`)}
    ${each((l) => `as_[st${l} * prm.chunk] = 0.0;`)}
  }
  for (var i = last + 1u; i > c0; i--) {
    let ss = n * prm.tm + i - 1u;
    ${each((l) => `var qk${l} = 0.0;`)}
    ${each((l) => `var kk${l} = 0.0;`)}
    ${products}
    var gs = gates[ss];
    if (prm.per_seq == 1u) { gs = gates[n]; }
    ${
    each((l) =>
      `if (i - 1u <= t0 + ${l}u) {
      ps[st${l} * prm.chunk + (i - 1u - c0)] = d${l} * qk${l};
      ${
        delta
          ? `if (i - 1u < t0 + ${l}u) { as_[st${l} * prm.chunk + (i - 1u - c0)] = be${l} * (d${l} * kk${l}); }`
          : ""
      }
      d${l} = d${l} * gs;
    }`
    )
  }
  }
  ${each((l) => `if (t0 + ${l}u <= last) { din[st${l}] = d${l}; }`)}`;
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
  main: ({ dk, delta, rows }) => {
    if (rows !== 1) return blockedMain(dk, delta);
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
