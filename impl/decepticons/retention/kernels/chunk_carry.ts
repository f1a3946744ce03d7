/**
 * Chunkwise (gated) retention, pass 2 of 3: the inter-chunk recurrence
 * S_c = G_c·S_{c−1} + L_c with G_c = Π_{r∈chunk} g_r (a product, never a
 * quotient), writing the state ENTERING each chunk for pass 3. One invocation
 * per (sequence, column); the program runner splits the chunks over launches
 * ([ci0, ci1) per launch), the running state carried across launches through
 * `state` (read when ci0 > 0).
 *
 * Bindings: gates [n, tm] or [n] (per_seq); ls [n, nc, DK, DV];
 * state [n, DK, DV] (read_write); sin [n, nc, DK, DV].
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): one multiply and one add per chunk and entry, plus the
 * chunk's product of ≤ chunk gates.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

/** Sizes of the inter-chunk carries: the chunk length bounds the gate-product loop. */
export interface RetentionCarrySizes extends RetentionSizes {
  /** Steps per chunk (the gate product of a chunk loops over them). */
  chunk: number;
}

/** The inter-chunk carry over the chunks [ci0, ci1) of each launch. */
export const RETENTION_CHUNK_CARRY: Program<RetentionCarrySizes> = defineProgram<
  RetentionCarrySizes
>({
  name: "decepticons_retention_chunk_carry",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    chunk: "u32",
    nc: "u32",
    per_seq: "u32",
    ci0: "u32",
    ci1: "u32",
  },
  bindings: {
    gates: { access: "read" },
    ls: { access: "read" },
    state: { access: "read_write" },
    sin: { access: "read_write" },
  },
  main: ({ dk, dv }) => `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  var s: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    s[c] = 0.0;
    if (prm.ci0 > 0u) { s[c] = state[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var ci = prm.ci0; ci < prm.ci1; ci++) {
    let c0 = ci * prm.chunk;
    let c1 = min(c0 + prm.chunk, prm.tm);
    var gc = 1.0;
    for (var t = c0; t < c1; t++) {
      var g = gates[n * prm.tm + t];
      if (prm.per_seq == 1u) { g = gates[n]; }
      gc = gc * g;
    }
    let base = (n * prm.nc + ci) * ${dk}u;
    for (var c = 0u; c < ${dk}u; c++) {
      sin[(base + c) * ${dv}u + j] = s[c];
      s[c] = gc * s[c] + ls[(base + c) * ${dv}u + j];
    }
  }
  for (var c = 0u; c < ${dk}u; c++) { state[(n * ${dk}u + c) * ${dv}u + j] = s[c]; }`,
  // Load and store (DK + 1 each), the chunk loop, and per chunk the gate product
  // (chunk + 1) and the update (DK + 1).
  loopIterations: ({ dk, chunk }, chunks) => 2 * (dk + 1) + chunks * (chunk + dk + 3) + 1,
  split: { begin: "ci0", end: "ci1" },
});
