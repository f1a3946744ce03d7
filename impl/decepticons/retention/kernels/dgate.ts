/**
 * (Gated) retention backward, the gate gradient: per (sequence n, step t),
 * dg_t = Σ_j p_t[j] over the columns in order, p from adjoint.ts
 * (p_t[j] = Σ_c dS_t[c, j]·S_{t−1}[c, j]).
 *
 * Bindings: ps (vec4) [n, tm, ⌈DV/4⌉] (columns past DV are 0, skipped); dgs [n, tm].
 * Grid: ceil(n·tm / 64) workgroups of 64, tiled: one invocation per (sequence, step).
 * Accuracy (class T3): a DV-term sum of tracked inputs (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

const LANE = ["x", "y", "z", "w"];

/** Compile-time sizes of {@link RETENTION_DGATE}: the value size DV. */
export interface RetentionDgateSizes extends Record<string, number> {
  /** Value size (state columns). */
  dv: number;
}

/** The gate-gradient gathering pass. */
export const RETENTION_DGATE: Program<RetentionDgateSizes> = defineProgram<RetentionDgateSizes>({
  name: "decepticons_retention_dgate",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { count: "u32" },
  bindings: {
    ps: { access: "read", type: "vec4f" },
    dgs: { access: "read_write" },
  },
  main: ({ dv }) => {
    const tiles = Math.ceil(dv / 4);
    // The last block's lanes past DV hold no column.
    const tail = dv % 4 === 0 ? 4 : dv % 4;
    const add = (lanes: number) => LANE.slice(0, lanes).map((x) => `dg = dg + p4.${x};`).join(" ");
    // The column blocks unrolled (at most 16 where the fused backward runs): no loop.
    const blocks = Array.from(
      { length: tiles },
      (_, jb) => `{ let p4 = ps[st * ${tiles}u + ${jb}u]; ${add(jb + 1 < tiles ? 4 : tail)} }`,
    ).join("\n  ");
    return `
  let st = wg * 64u + lid;
  if (st >= prm.count) { return; }
  var dg = 0.0;
  ${blocks}
  dgs[st] = dg;`;
  },
});
