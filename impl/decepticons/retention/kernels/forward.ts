/**
 * Matrix-memory recurrence, forward, fused over a range of time steps: for
 * each sequence n and each column j of the state S ∈ R^{DK×DV},
 *   u = Σ_c k_t[c]·S[c, j]                                   (delta only)
 *   S[c, j] = g_t·(S[c, j] − β_t·k_t[c]·u) + w_t·k_t[c]·v_t[j]
 *   o_t[j] = Σ_c q_t[c]·S[c, j]
 * for t in [t0, t1), where (β, w) = (0, 1) for (gated) retention and
 * (β_t, β_t) for the gated delta rule. One invocation owns one column and loops
 * over t inside the shader; the program runner splits a long sequence over
 * launches ([t0, t1) per launch) that carry the state through `state` (read
 * when t0 > 0, written at t1).
 *
 * Bindings: qs [n, tm, DK]; ks [n, tm, DK]; vs [n, tm, DV];
 * gates [n, tm] ([n] when per_seq: retention's γ); betas [n, tm] (optional, read
 * when delta); state [n, DK, DV] (read_write); os [n, tm, DV];
 * hist [n, tm, DK, DV] (optional: S_t after each step, written when store_hist).
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): each step's update is a few roundings on every entry on
 * top of the gated previous error; spec/decepticons/retention/gpu_test.ts tracks
 * the running bound step by step; the read adds a DK-term dot product.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Compile-time sizes of the retention kernels: key size DK and value size DV. */
export interface RetentionSizes extends Record<string, number> {
  dk: number;
  dv: number;
}

/** The forward recurrence over the steps [t0, t1) of each launch. */
export const RETENTION_FORWARD: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_forward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    t0: "u32",
    t1: "u32",
    delta: "u32",
    store_hist: "u32",
    per_seq: "u32",
  },
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    vs: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    state: { access: "read_write" },
    os: { access: "read_write" },
    hist: { access: "read_write", optional: true },
  },
  main: ({ dk, dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  var s: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    s[c] = 0.0;
    if (prm.t0 > 0u) { s[c] = state[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var t = prm.t0; t < prm.t1; t++) {
    let st = n * prm.tm + t;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    var be = 0.0;
    var bw = 1.0;
    var u = 0.0;
    if (prm.delta == 1u) {
      be = betas[st];
      bw = be;
      for (var c = 0u; c < ${dk}u; c++) { u = u + ks[st * ${dk}u + c] * s[c]; }
    }
    let wv = bw * vs[st * ${dv}u + j];
    let bu = be * u;
    var o = 0.0;
    for (var c = 0u; c < ${dk}u; c++) {
      let kc = ks[st * ${dk}u + c];
      s[c] = g * (s[c] - kc * bu) + kc * wv;
      o = o + qs[st * ${dk}u + c] * s[c];
    }
    os[st * ${dv}u + j] = o;
    if (prm.store_hist == 1u) {
      for (var c = 0u; c < ${dk}u; c++) { hist[(st * ${dk}u + c) * ${dv}u + j] = s[c]; }
    }
  }
  for (var c = 0u; c < ${dk}u; c++) { state[(n * ${dk}u + c) * ${dv}u + j] = s[c]; }`,
  // Load and store of the state, the step loop, and per step the delta dot product,
  // the update and the history store (each DK + 1 headers).
  loopIterations: ({ dk }, steps) => 2 * (dk + 1) + (steps + 1) + steps * 3 * (dk + 1),
  split: { begin: "t0", end: "t1" },
});
