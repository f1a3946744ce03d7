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
import { defineProgram, type Program, type ProgramSpec } from "../../../gpu/program.ts";
import {
  RETENTION_SCAN_WG,
  retentionForwardVec4,
  type RetentionSizes,
  vec4Lanes,
  vec4Rows,
} from "./forward.ts";
import { lanes, registers, rowLoop, scanLanes, UNROLL_MAX_ROWS, unrollRows } from "./unroll.ts";

/**
 * The spec of the chunk-summary pass; with `vec4` (chunk_summary_vec4.ts: key and value sizes
 * multiples of four, rows unrolled) k and v are bound as vec4 arrays, one load per group of
 * four key entries and per block of four columns (the same values in the same order).
 */
export function retentionChunkSummarySpec(
  name: string,
  vec4: boolean,
): ProgramSpec<RetentionSizes> {
  const f32 = { access: "read" } as const;
  const v4 = { access: "read", type: "vec4f" } as const;
  return {
    name,
    workgroupSize: RETENTION_SCAN_WG,
    uniformVar: "prm",
    uniforms: { n: "u32", tm: "u32", chunk: "u32", nc: "u32", per_seq: "u32" },
    bindings: {
      ks: vec4 ? v4 : f32,
      vs: vec4 ? v4 : f32,
      gates: f32,
      ls: { access: "read_write" },
    },
    main: ({ dk, dv }) => {
      if (vec4 && !retentionForwardVec4(dk, dv)) {
        throw new RangeError(
          `Cannot generate ${name} for key size ${dk} and value size ${dv}: expected both ` +
            `multiples of 4 and a key size <= ${UNROLL_MAX_ROWS}`,
        );
      }
      // Column blocks of four (one column past UNROLL_MAX_ROWS rows) per invocation.
      const width = scanLanes(dk);
      const tiles = Math.ceil(dv / width);
      const rows = (t: string) => vec4 ? vec4Rows(dk, t, "") : unrollRows(dk, t, "    ");
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
    ${vec4Lanes(`let v = vs[st * ${dv}u + j];`, dv, dk, vec4)}
    ${rows(`l[c] = g * l[c] + ks[st * ${dk}u + c] * v;`)}
  }
  ${unrollRows(dk, lanes(`ls[(nci * ${dk}u + c) * ${dv}u + j] = l[c];`, dv, dk), "    ")}`;
    },
    // The chunk's steps, and the row loops when not unrolled (one per step, and the store).
    loopIterations: ({ dk }, steps) => steps + 1 + rowLoop(dk) * (1 + steps),
  };
}

/** The chunk-summary pass (k and v as f32). */
export const RETENTION_CHUNK_SUMMARY: Program<RetentionSizes> = defineProgram<RetentionSizes>(
  retentionChunkSummarySpec("decepticons_retention_chunk_summary", false),
);
