/**
 * Chunkwise (gated) retention, pass 1 of 3: each chunk's own contribution to
 * the state, L_c[:, j] = Σ_{s∈chunk} (Π_{r∈chunk, r>s} g_r)·k_sᵀ·v_s[j], by running
 * l ← g_t·l + k_t·v_t[j] over the chunk from l = 0. Chunks are independent, so
 * every (sequence, chunk, column) is one invocation. Products only: nothing is
 * divided by a cumulative decay (the original's division is wrong below ~0.5623).
 *
 * Bindings: ks [n, tm, DK]; vs [n, tm, DV]; gates [n, tm], or [n] when per_seq
 * (retention's γ); ls [n, nc, DK, DV].
 * Grid: ceil(n·nc·⌈DV/4⌉ / RETENTION_SCAN_WG) workgroups of RETENTION_SCAN_WG, tiled: one
 * invocation per (sequence, chunk, block of four columns), each row of the block a vec4
 * register (unroll.ts: every lane runs the scalar update in its order).
 * Accuracy (class T3): the recurrent form's per-step rounding over ≤ chunk steps.
 * Steps of a dispatch: the chunk length (each invocation walks one chunk).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { RETENTION_SCAN_WG, type RetentionSizes } from "./forward.ts";
import { lanes, registers, rowLoop, scanLanes, unrollRows } from "./unroll.ts";

/** The chunk-summary pass. */
export const RETENTION_CHUNK_SUMMARY: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_chunk_summary",
  workgroupSize: RETENTION_SCAN_WG,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", chunk: "u32", nc: "u32", per_seq: "u32" },
  bindings: {
    ks: { access: "read" },
    vs: { access: "read" },
    gates: { access: "read" },
    ls: { access: "read_write" },
  },
  main: ({ dk, dv }) => {
    // Column blocks of four (one column past UNROLL_MAX_ROWS rows) per invocation.
    const width = scanLanes(dk);
    const tiles = Math.ceil(dv / width);
    const rows = (t: string) => unrollRows(dk, t, "    ");
    return `
  let gi = wg * ${RETENTION_SCAN_WG}u + lid;
  if (gi >= prm.n * prm.nc * ${tiles}u) { return; }
  let nci = gi / ${tiles}u;
  let j = (gi % ${tiles}u) * ${width}u;
  let n = nci / prm.nc;
  let ci = nci % prm.nc;
  let c0 = ci * prm.chunk;
  let c1 = min(c0 + prm.chunk, prm.tm);
  ${registers("l", dk)}
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    ${lanes(`let v = vs[st * ${dv}u + j];`, dv, dk)}
    ${rows(`l[c] = g * l[c] + ks[st * ${dk}u + c] * v;`)}
  }
  ${rows(lanes(`ls[(nci * ${dk}u + c) * ${dv}u + j] = l[c];`, dv, dk))}`;
  },
  // The chunk's steps, and the row loops when not unrolled (one per step, and the store).
  loopIterations: ({ dk }, steps) => steps + 1 + rowLoop(dk) * (1 + steps),
});
