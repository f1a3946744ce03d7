/**
 * Matrix-memory recurrence, backward, pass 1 of 2 (the gated delta rule, and (gated)
 * retention past 64 key or value columns; smaller (gated) retention takes the fused
 * passes, adjoint.ts): the adjoint recurrence run
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
 * betas [n, tm] (optional, read when delta); dos [n, tm, DV]; dstate [n, DK, DV]
 * (read_write); and in blocks of four columns (vec4, ⌈DV/4⌉ = B blocks, columns past
 * DV are 0): hist and dshist [n, tm, DK, B], wup [n, tm, 3, B] (w, u, p);
 * dvs [n, tm, DV].
 * Grid: ceil(n·ceil(DV / 4) / RETENTION_SCAN_WG) workgroups of RETENTION_SCAN_WG, tiled; one
 * invocation per (sequence, block of four columns), dS of the block in vec4 registers
 * (unroll.ts: each lane runs the scalar loop's operations in its order).
 * Accuracy (class T3): a running bound tracked per step in spec/decepticons/retention/gpu_test.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { RETENTION_SCAN_WG, type RetentionScanSizes } from "./forward.ts";
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

/** The adjoint recurrence over the reversed steps [r0, r1) of each launch. */
export const RETENTION_BACKWARD: Program<RetentionScanSizes> = defineProgram<
  RetentionScanSizes
>({
  name: "decepticons_retention_backward",
  workgroupSize: RETENTION_SCAN_WG,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", r0: "u32", r1: "u32", per_seq: "u32" },
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    dos: { access: "read" },
    hist: { access: "read", type: "vec4f" },
    dstate: { access: "read_write" },
    dshist: { access: "read_write", type: "vec4f" },
    wup: { access: "read_write", type: "vec4f" },
    dvs: { access: "read_write" },
  },
  main: ({ dk, dv, delta }) => {
    const tiles = Math.ceil(dv / SCAN_LANES);
    const rows = (t: string) => unrollRows(dk, t, "    ");
    const zero = laneZero(dk);
    const pick = lanePick(dk);
    // Per row: dS_t = dS + q_t·do_t, its key products; then (t > 0) the products with
    // S_{t−1}; stores; and the step back to dS_{t−1} (each accumulator in row order).
    const own = `ds[c] = ds[c] + qs[st * ${dk}u + c] * d;
    k[c] = ks[st * ${dk}u + c];
    w = w + k[c] * ds[c];`;
    const prev = `{ let prev = hist[((st - 1u) * ${dk}u + c) * ${tiles}u + jb]${pick};
      u = u + k[c] * prev;
      p = p + ds[c] * prev; }`;
    return `
  let gi = wg * ${RETENTION_SCAN_WG}u + lid;
  ${scanColumns(dk, dv)}
  ${keepBindings(delta ? [] : ["betas"], [])}
  let t0 = prm.tm - prm.r1;
  let t1 = prm.tm - prm.r0;
  ${registers("ds", dk)}
  ${registers("k", dk, true)}
  if (t1 < prm.tm) {
    ${rows(`{ ${lanes(`let x = dstate[(n * ${dk}u + c) * ${dv}u + j];`, dv, dk)} ds[c] = x; }`)}
  }
  for (var i = t1; i > t0; i--) {
    let t = i - 1u;
    let st = n * prm.tm + t;
    ${lanes(`let d = dos[st * ${dv}u + j];`, dv, dk)}
    var w = ${zero};
    var u = ${zero};
    var p = ${zero};
    ${rows(own)}
    if (t > 0u) {
      ${rows(prev)}
    }
    ${rows(`dshist[(st * ${dk}u + c) * ${tiles}u + jb]${pick} = ds[c];`)}
    let g = gates[select(st, n, prm.per_seq == 1u)];
    var be = 0.0;
    var bw = 1.0;
    ${delta ? "be = betas[st];\n    bw = be;" : ""}
    let bwk = be * w;
    ${rows(`ds[c] = g * (ds[c] - ks[st * ${dk}u + c] * bwk);`)}
    wup[(st * 3u) * ${tiles}u + jb]${pick} = w;
    wup[(st * 3u + 1u) * ${tiles}u + jb]${pick} = u;
    wup[(st * 3u + 2u) * ${tiles}u + jb]${pick} = p;
    ${lanes(`dvs[st * ${dv}u + j] = bw * w;`, dv, dk)}
  }
  ${rows(lanes(`dstate[(n * ${dk}u + c) * ${dv}u + j] = ds[c];`, dv, dk))}`;
  },
  // The step loop, and the row loops when not unrolled: load and store, four per step.
  loopIterations: ({ dk }, steps) => steps + 1 + rowLoop(dk) * (2 + 4 * steps),
  split: { begin: "r0", end: "r1" },
});
