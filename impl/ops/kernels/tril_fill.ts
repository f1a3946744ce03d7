/**
 * The lower-triangular fill and its gradient gather, one invocation per
 * element (b, r, c) of the [batch, n, n] output; the vector holds each
 * matrix's lower triangle row-major (`torch.tril_indices(n, n)` order), so
 * (r, c) with c ≤ r sits at r(r+1)/2 + c of its batch's m = n(n+1)/2 entries.
 *
 * - {@link TRIL_FILL}: out[b, r, c] = c ≤ r ? vec[b·m + r(r+1)/2 + c] : 0.
 *   Bindings `vec`, `out`.
 * - {@link TRIL_GATHER}: for c ≤ r, gv[b·m + r(r+1)/2 + c] = g[b, r, c]; each
 *   vector entry is written by exactly one invocation. Bindings `gs`, `gv`.
 *
 * Uniforms {size (= batch·n²), n, m}. Grid: ceil(size / 64), tiled.
 * Values move as u32 bit patterns: exact (class T0).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup. */
export const TRIL_WORKGROUP = 64;

const INDEX = `let e = wg * ${TRIL_WORKGROUP}u + lid;
  if (e >= p.size) { return; }
  let c = e % p.n;
  let r = (e / p.n) % p.n;
  let b = e / (p.n * p.n);
  let t = b * p.m + r * (r + 1u) / 2u + c;`;

/** Vector → lower-triangular matrices (zeros above the diagonal). */
export const TRIL_FILL: Program = defineProgram({
  name: "tril_fill",
  workgroupSize: TRIL_WORKGROUP,
  uniforms: { size: "u32", n: "u32", m: "u32" },
  bindings: { vec: { access: "read", type: "u32" }, out: { access: "read_write", type: "u32" } },
  main: () =>
    `${INDEX}
  out[e] = select(0u, vec[min(t, arrayLength(&vec) - 1u)], c <= r);`,
});

/** Gradient: the lower triangle of g gathered back into the vector. */
export const TRIL_GATHER: Program = defineProgram({
  name: "tril_gather",
  workgroupSize: TRIL_WORKGROUP,
  uniforms: { size: "u32", n: "u32", m: "u32" },
  bindings: { gs: { access: "read", type: "u32" }, gv: { access: "read_write", type: "u32" } },
  main: () =>
    `${INDEX}
  if (c <= r) { gv[t] = gs[e]; }`,
});
