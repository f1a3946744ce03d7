/**
 * accumulate: `dst[i] += src[i]`, in place.
 *
 * Bindings: `dst` (read_write) the running sum, `src` (read) the addend;
 * uniform `n`, the element count.
 * Grid: ceil(n / 256) workgroups, tiled. Accuracy: one rounding per element (T1).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup. */
export const ACCUMULATE_WORKGROUP = 256;

/** The in-place accumulation program. */
export const ACCUMULATE: Program = defineProgram({
  name: "accumulate",
  workgroupSize: ACCUMULATE_WORKGROUP,
  uniforms: { n: "u32" },
  bindings: { dst: { access: "read_write" }, src: { access: "read" } },
  main: () =>
    `let i = wg * ${ACCUMULATE_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  dst[i] = dst[i] + src[i];`,
});
