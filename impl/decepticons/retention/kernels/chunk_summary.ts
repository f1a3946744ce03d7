/**
 * Chunkwise (gated) retention, pass 1 of 3: each chunk's own contribution to
 * the state, L_c[:, j] = Σ_{s∈chunk} (Π_{r∈chunk, r>s} g_r)·k_sᵀ·v_s[j], by running
 * l ← g_t·l + k_t·v_t[j] over the chunk from l = 0. Chunks are independent, so
 * every (sequence, chunk, column) is one invocation. Products only: nothing is
 * divided by a cumulative decay (the original's division is wrong below ~0.5623).
 *
 * Bindings: ks [n, tm, DK]; vs [n, tm, DV]; gates [n, tm], or [n] when per_seq
 * (retention's γ); ls [n, nc, DK, DV].
 * Grid: ceil(n·nc·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): the recurrent form's per-step rounding over ≤ chunk steps.
 * Steps of a dispatch: the chunk length (each invocation walks one chunk).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

/** The chunk-summary pass. */
export const RETENTION_CHUNK_SUMMARY: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_chunk_summary",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", chunk: "u32", nc: "u32", per_seq: "u32" },
  bindings: {
    ks: { access: "read" },
    vs: { access: "read" },
    gates: { access: "read" },
    ls: { access: "read_write" },
  },
  main: ({ dk, dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * prm.nc * ${dv}u) { return; }
  let nci = gi / ${dv}u;
  let j = gi % ${dv}u;
  let n = nci / prm.nc;
  let ci = nci % prm.nc;
  let c0 = ci * prm.chunk;
  let c1 = min(c0 + prm.chunk, prm.tm);
  var l: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) { l[c] = 0.0; }
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    var g = gates[st];
    if (prm.per_seq == 1u) { g = gates[n]; }
    let v = vs[st * ${dv}u + j];
    for (var c = 0u; c < ${dk}u; c++) { l[c] = g * l[c] + ks[st * ${dk}u + c] * v; }
  }
  for (var c = 0u; c < ${dk}u; c++) { ls[(nci * ${dk}u + c) * ${dv}u + j] = l[c]; }`,
  // Initialisation and store (DK + 1 each), and the chunk's steps with their DK loop
  // (counted as (steps + 1)·(DK + 1), a bound).
  loopIterations: ({ dk }, steps) => 2 * (dk + 1) + (steps + 1) * (dk + 1),
});
