/**
 * Chunkwise gated delta rule, pass "carry": the inter-chunk recurrence
 * S_c = G_c·S_{c−1} − B_c S_{c−1} + L_c (delta_maps.ts), G_c = Π_{r∈chunk} g_r
 * a product (never a quotient), writing the state ENTERING each chunk for the
 * output pass. One invocation per (sequence, column j); the program runner
 * splits the chunks over launches ([ci0, ci1) per launch), the running state
 * carried across launches through `state` (read when ci0 > 0).
 *
 * Bindings: gates [n, tm]; maps [n, nc, DK, DV + DK]; state [n, DK, DV] (read_write);
 * sin [n, nc, DK, DV].
 * Grid: ceil(n·DV / 64) workgroups of 64, tiled.
 * Accuracy (class T3): per chunk a DK-term product with B_c, one multiply, one
 * subtraction and one add per entry (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionCarrySizes } from "./chunk_carry.ts";

/** The inter-chunk carry of the delta rule over the chunks [ci0, ci1) of each launch. */
export const RETENTION_DELTA_CARRY: Program<RetentionCarrySizes> = defineProgram<
  RetentionCarrySizes
>({
  name: "decepticons_retention_delta_carry",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", chunk: "u32", nc: "u32", ci0: "u32", ci1: "u32" },
  bindings: {
    gates: { access: "read" },
    maps: { access: "read" },
    state: { access: "read_write" },
    sin: { access: "read_write" },
  },
  main: ({ dk, dv }) => {
    const w = dk + dv;
    return `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * ${dv}u) { return; }
  let n = gi / ${dv}u;
  let j = gi % ${dv}u;
  var s: array<f32, ${dk}>;
  var ns: array<f32, ${dk}>;
  for (var c = 0u; c < ${dk}u; c++) {
    s[c] = 0.0;
    if (prm.ci0 > 0u) { s[c] = state[(n * ${dk}u + c) * ${dv}u + j]; }
  }
  for (var ci = prm.ci0; ci < prm.ci1; ci++) {
    let c0 = ci * prm.chunk;
    let c1 = min(c0 + prm.chunk, prm.tm);
    var gc = 1.0;
    for (var t = c0; t < c1; t++) { gc = gc * gates[n * prm.tm + t]; }
    let base = (n * prm.nc + ci) * ${dk}u;
    for (var c = 0u; c < ${dk}u; c++) {
      sin[(base + c) * ${dv}u + j] = s[c];
      var b = 0.0;
      for (var e = 0u; e < ${dk}u; e++) { b = b + maps[(base + c) * ${w}u + ${dv}u + e] * s[e]; }
      ns[c] = (gc * s[c] - b) + maps[(base + c) * ${w}u + j];
    }
    for (var c = 0u; c < ${dk}u; c++) { s[c] = ns[c]; }
  }
  for (var c = 0u; c < ${dk}u; c++) { state[(n * ${dk}u + c) * ${dv}u + j] = s[c]; }`;
  },
  // Load and store (DK + 1 each), the chunk loop, and per chunk the gate product
  // (chunk + 1), the copy-back (DK + 1) and the DK × DK map product.
  loopIterations: ({ dk, chunk }, chunks) =>
    2 * (dk + 1) + (chunks + 1) + chunks * ((chunk + 1) + 2 * (dk + 1) + dk * (dk + 1)),
  split: { begin: "ci0", end: "ci1" },
});
