/**
 * Copies a branch's final state [batch, n] into columns col..col+n−1 of a
 * [batch, stride] state (mixed substrates assemble their branches this way).
 *
 * Bindings: src [batch, n]; dst [batch, stride].
 * Grid: ceil(count / 64) workgroups of 64, tiled. Accuracy: exact (a copy).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** The column copy. */
export const SUBSTRATE_COPY: Program = defineProgram({
  name: "decepticons_substrate_copy",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { count: "u32", n: "u32", col: "u32", stride: "u32" },
  bindings: { src: { access: "read" }, dst: { access: "read_write" } },
  main: () => `
  let i = wg * 64u + lid;
  if (i >= prm.count) { return; }
  dst[(i / prm.n) * prm.stride + prm.col + i % prm.n] = src[i];`,
});
