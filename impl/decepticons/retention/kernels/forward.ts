/**
 * Matrix-memory recurrence, forward, fused over a range of time steps: for
 * each sequence n and each column j of the state S ∈ R^{DK×DV},
 *   u = Σ_c k_t[c]·S[c, j]                                   (delta only)
 *   S[c, j] = g_t·(S[c, j] − β_t·k_t[c]·u) + w_t·k_t[c]·v_t[j]
 *   o_t[j] = Σ_c q_t[c]·S[c, j]
 * for t in [t0, t1), where (β, w) = (0, 1) for (gated) retention and
 * (β_t, β_t) for the gated delta rule. One invocation owns a block of four
 * columns and keeps each state row of it in a vec4 register (unroll.ts: every
 * lane sees the scalar loop's operations in its order) and loops over t inside
 * the shader; columns are independent, so one sequence's blocks spread over
 * workgroups of RETENTION_SCAN_WG (threads on llvmpipe). The program runner
 * splits a long sequence over
 * launches ([t0, t1) per launch) that carry the state through `state` (read
 * when t0 > 0, written at t1).
 *
 * Bindings: qs [n, tm, DK]; ks [n, tm, DK]; vs [n, tm, DV];
 * gates [n, tm] ([n] when per_seq: retention's γ); betas [n, tm] (optional, read
 * when delta); state [n, DK, DV] (read_write); os [n, tm, DV];
 * hist (optional, written when hist): S_t after each step as vec4 [n, tm, DK, ⌈DV/4⌉],
 * column block jb of row c at ((n·tm + t)·DK + c)·⌈DV/4⌉ + jb (columns past DV are 0).
 * ck (optional, written when ckpt = C > 0): the state S_{mC−1} entering chunk m of C steps,
 * [n, nck, DK, DV] (slot 0, the zero state, is never written).
 * Reversed (sizes.reverse): the launch's steps [t0, t1) are the times [tm − t1, tm − t0)
 * taken backwards and step t decays by the gate of step t + 1 (0 at t = tm − 1, where the
 * state is still zero): S_t = g_{t+1} S_{t+1} + k_tᵀ (w_t v_t), the adjoint recurrence
 * dS_t = g_{t+1} dS_{t+1} + q_tᵀ do_t of (gated) retention with (q, k, v) = (k', q', do).
 * The retention backward (retention.ts) runs this program twice with transposed roles:
 * forwards on (do, v, k) for dq (state Sᵀ, storing checkpoints for adjoint.ts), backwards
 * on (v, do, q) for dk (state dSᵀ).
 * Grid: ceil(n·ceil(DV / 4) / RETENTION_SCAN_WG) workgroups of RETENTION_SCAN_WG, tiled.
 * Accuracy (class T3): each step's update is a few roundings on every entry on
 * top of the gated previous error; spec/decepticons/retention/gpu_test.ts tracks
 * the running bound step by step; the read adds a DK-term dot product.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import {
  keepBindings,
  lanePick,
  lanes,
  laneZero,
  registers,
  rowLoop,
  SCAN_LANES,
  scanColumns,
  unrollRows,
} from "./unroll.ts";

/**
 * Invocations per workgroup of the scans (one per block of four state columns):
 * llvmpipe runs a workgroup on one thread in 8-invocation slices, so 8 spreads one
 * 64-column sequence over two threads (measured fastest against 1, 4 and 16).
 */
export const RETENTION_SCAN_WG = 8;

/** Compile-time sizes of the retention kernels: key size DK and value size DV. */
export interface RetentionSizes extends Record<string, number> {
  /** Key size (state rows). */
  dk: number;
  /** Value size (state columns). */
  dv: number;
}

/**
 * Compile-time sizes and variant of the scans: the delta rule's extra work and the history
 * store are compiled in or out (llvmpipe does not skip a
 * branch on a uniform flag for free: the masked-off stores still cost).
 */
export interface RetentionScanSizes extends Record<string, number | boolean> {
  /** Key size (state rows, one vec4 register each). */
  dk: number;
  /** Value size (state columns, four per invocation). */
  dv: number;
  /** The gated delta rule (reads betas); else (gated) retention. */
  delta: boolean;
  /** Stores S_t after each step to `hist` (forward only). */
  hist: boolean;
}

/** Sizes of {@link RETENTION_FORWARD}: a scan's, plus the direction and checkpoint interval. */
export interface RetentionForwardSizes extends RetentionScanSizes {
  /** Runs backwards in time with the gates shifted by one step (the adjoint recurrence). */
  reverse: boolean;
  /** Stores the state entering every chunk of `ckpt` steps to `ck` (0: none). */
  ckpt: number;
}

/** The forward recurrence over the steps [t0, t1) of each launch. */
export const RETENTION_FORWARD: Program<RetentionForwardSizes> = defineProgram<
  RetentionForwardSizes
>({
  name: "decepticons_retention_forward",
  workgroupSize: RETENTION_SCAN_WG,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    t0: "u32",
    t1: "u32",
    per_seq: "u32",
    nck: "u32",
  },
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    vs: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    state: { access: "read_write" },
    os: { access: "read_write" },
    hist: { access: "read_write", type: "vec4f", optional: true },
    ck: { access: "read_write", optional: true },
  },
  main: ({ dk, dv, delta, hist, reverse, ckpt }) => {
    const tiles = Math.ceil(dv / SCAN_LANES);
    const rows = (t: string) => unrollRows(dk, t, "    ");
    const zero = laneZero(dk);
    const pick = lanePick(dk);
    const step = `kc = ks[st * ${dk}u + c];
    s[c] = g * (s[c] - kc * bu) + kc * wv;
    o = o + qs[st * ${dk}u + c] * s[c];`;
    const body = `
    ${
      reverse
        ? `let t = prm.tm - 1u - i;
    let st = n * prm.tm + t;
    let next = select(min(st + 1u, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);
    let g = select(0.0, gates[next], t + 1u < prm.tm);`
        : `let t = i;
    let st = n * prm.tm + t;
    let g = gates[select(st, n, prm.per_seq == 1u)];`
    }
    var be = 0.0;
    var bw = 1.0;
    var u = ${zero};
    ${
      delta
        ? `be = betas[st];
    bw = be;
    ${rows(`u = u + ks[st * ${dk}u + c] * s[c];`)}`
        : ""
    }
    ${lanes(`let wv = bw * vs[st * ${dv}u + j];`, dv, dk)}
    let bu = be * u;
    var o = ${zero};
    var kc = 0.0;
    ${rows(step)}
    ${lanes(`os[st * ${dv}u + j] = o;`, dv, dk)}
    ${hist ? rows(`hist[(st * ${dk}u + c) * ${tiles}u + jb]${pick} = s[c];`) : ""}
`;
    // With checkpoints the steps run in segments that end on chunk boundaries, the store
    // after each segment (a store behind a per-step branch costs llvmpipe 3× the scan).
    const loop = ckpt > 0
      ? `for (var i0 = prm.t0; i0 < prm.t1;) {
    let i1 = min(prm.t1, (i0 / ${ckpt}u + 1u) * ${ckpt}u);
    for (var i = i0; i < i1; i++) {${body}}
    if (i1 % ${ckpt}u == 0u && i1 < prm.tm) {
      let m = i1 / ${ckpt}u;
      ${rows(lanes(`ck[((n * prm.nck + m) * ${dk}u + c) * ${dv}u + j] = s[c];`, dv, dk))}
    }
    i0 = i1;
  }`
      : `for (var i = prm.t0; i < prm.t1; i++) {${body}}`;
    return `
  let gi = wg * ${RETENTION_SCAN_WG}u + lid;
  ${scanColumns(dk, dv)}
  ${
      keepBindings(delta ? [] : ["betas"], [
        ...(hist ? [] : [{ name: "hist", vec4: true }]),
        ...(ckpt > 0 ? [] : [{ name: "ck" }]),
      ])
    }
  ${registers("s", dk)}
  if (prm.t0 > 0u) {
    ${rows(`{ ${lanes(`let x = state[(n * ${dk}u + c) * ${dv}u + j];`, dv, dk)} s[c] = x; }`)}
  }
  ${loop}
  ${rows(lanes(`state[(n * ${dk}u + c) * ${dv}u + j] = s[c];`, dv, dk))}`;
  },
  // The step loop, and the row loops when not unrolled: load and store, and per step the
  // update plus the delta rule's dot product, the history and the checkpoint stores.
  loopIterations: ({ dk, delta, hist, ckpt }, steps) =>
    steps + 1 +
    rowLoop(dk) * (2 + steps * (1 + (delta ? 1 : 0) + (hist ? 1 : 0) + (ckpt > 0 ? 1 : 0))) +
    // The segment loop and each segment's own header.
    (ckpt > 0 ? 2 * (Math.ceil(steps / ckpt) + 1) + 1 : 0),
  split: { begin: "t0", end: "t1" },
});
