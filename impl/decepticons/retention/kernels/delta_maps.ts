/**
 * Chunkwise gated delta rule, pass "maps": each chunk's affine state map
 * S_out = G_c·S_in − B_c S_in + L_c, from the solve pass's X = [X_v | X_w]:
 *   L_c = Σ_s (Π_{r>s in chunk} g_r)·k_sᵀ·x_s[0..DV)        (DK × DV)
 *   B_c = Σ_s (Π_{r>s in chunk} g_r)·k_sᵀ·x_s[DV..DV+DK)    (DK × DK)
 * (G_c = Π_{r∈chunk} g_r is recomputed by the carry). Both by the running
 * update acc ← g_s·acc + k_sᵀ·x_s[r] over the chunk from acc = 0, as the
 * retention chunk summary: products only. One invocation per (sequence, chunk,
 * column r of X); it writes column r of the [n, nc, DK, DV + DK] map buffer.
 *
 * Bindings: ks [n, tm, DK]; gates [n, tm]; xs [n, tm, DV + DK];
 * maps [n, nc, DK, DV + DK].
 * Grid: ceil(n·nc·(DV + DK) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): two roundings per step and entry on tracked x
 * (spec/decepticons/retention/gpu_test.ts).
 * Steps of a dispatch: the chunk length (each invocation walks one chunk).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

/** The chunk-map pass. */
export const RETENTION_DELTA_MAPS: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_delta_maps",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", chunk: "u32", nc: "u32" },
  bindings: {
    ks: { access: "read" },
    gates: { access: "read" },
    xs: { access: "read" },
    maps: { access: "read_write" },
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
  var acc: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) { acc[c] = 0.0; }
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    let g = gates[st];
    let x = xs[st * ${w}u + r];
    for (var c = 0u; c < ${dk}u; c++) { acc[c] = g * acc[c] + ks[st * ${dk}u + c] * x; }
  }
  for (var c = 0u; c < ${dk}u; c++) { maps[(nci * ${dk}u + c) * ${w}u + r] = acc[c]; }`;
  },
  // Initialisation and store (DK + 1 each), and the chunk's steps with their DK loop.
  loopIterations: ({ dk }, steps) => 2 * (dk + 1) + (steps + 1) + steps * (dk + 1),
});
