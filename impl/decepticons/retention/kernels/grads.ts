/**
 * Matrix-memory recurrence, backward, pass 2 of 2 (after backward.ts): per (sequence n, step t,
 * role r), from S_t and S_{t−1} (forward history), dS_t (pass 1's history)
 * and pass 1's per-column (w_j, u_j, p_j):
 * - r < DK (c = r): dq_t[c] = Σ_j S_t[c, j]·do_t[j] and
 *   dk_t[c] = Σ_j w·dS[c, j]·v_t[j] − g_t·β_t·(dS[c, j]·u_j + S_{t−1}[c, j]·w_j);
 * - r = DK: dg_t = Σ_j p_j − β_t·w_j·u_j and dβ_t = Σ_j w_j·(v_t[j] − g_t·u_j)
 *   (delta only; w = 1, β = 0 for retention).
 *
 * Bindings: vs [n, tm, DV]; gates [n, tm] or [n] (per_seq); betas [n, tm] (optional,
 * read when delta); dos [n, tm, DV]; hist, dshist and wup in blocks of four columns
 * as backward.ts writes them (vec4); dqs [n, tm, DK]; dks [n, tm, DK]; dgs [n, tm];
 * dbs [n, tm] (optional, written when delta).
 * Grid: ceil(n·tm·(ceil(DK / 4) + 1) / 64) workgroups of 64, tiled: one invocation per
 * (sequence, step, block of four rows c), the rows as vec4 lanes (each lane runs the
 * scalar sum over j in order; the block shares the loads of do_t, v_t, w and u), and one
 * per (sequence, step) for dg and dβ.
 * Accuracy (class T3): DV-term dot products of tracked inputs
 * (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { RetentionSizes } from "./forward.ts";

const LANE = ["x", "y", "z", "w"];

/** The gradient gathering pass. */
export const RETENTION_GRADS: Program<RetentionSizes> = defineProgram<RetentionSizes>({
  name: "decepticons_retention_grads",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { n: "u32", tm: "u32", delta: "u32", per_seq: "u32" },
  bindings: {
    vs: { access: "read" },
    gates: { access: "read" },
    betas: { access: "read", optional: true },
    dos: { access: "read" },
    hist: { access: "read", type: "vec4f" },
    dshist: { access: "read", type: "vec4f" },
    wup: { access: "read", type: "vec4f" },
    dqs: { access: "read_write" },
    dks: { access: "read_write" },
    dgs: { access: "read_write" },
    dbs: { access: "read_write", optional: true },
  },
  main: ({ dk, dv }) => {
    const kt = Math.ceil(dk / 4);
    const tiles = Math.ceil(dv / 4);
    // Column x of the block jb, in order; the last block skips columns past DV.
    const columns = (body: string) =>
      LANE.map((_x, i) => {
        const code = `{ let j = jb * 4u + ${i}u; let col = ${i}u; ${body} }`;
        return dv % 4 === 0 || i < dv % 4 ? code : `if (jb + 1u < ${tiles}u) ${code}`;
      }).join("\n      ");
    // Row lanes: lane l of these vec4s is row c0 + l (rows past DK read as 0, never stored).
    const rowsOf = (name: string, at: string) =>
      `var ${name} = vec4f(0.0); ` +
      LANE.map((x, l) =>
        dk % 4 === 0 || l === 0
          ? `${name}.${x} = ${at.replace("ROW", `${l}u`)}[col];`
          : `if (c0 + ${l}u < ${dk}u) { ${name}.${x} = ${at.replace("ROW", `${l}u`)}[col]; }`
      ).join(" ");
    const store = (buf: string, v: string) =>
      LANE.map((x, l) =>
        dk % 4 === 0 || l === 0
          ? `${buf}[st * ${dk}u + c0 + ${l}u] = ${v}.${x};`
          : `if (c0 + ${l}u < ${dk}u) { ${buf}[st * ${dk}u + c0 + ${l}u] = ${v}.${x}; }`
      ).join(" ");
    return `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * prm.tm * ${kt + 1}u) { return; }
  let st = gi / ${kt + 1}u;
  let r = gi % ${kt + 1}u;
  let t = st % prm.tm;
  var g = gates[st];
  if (prm.per_seq == 1u) { g = gates[st / prm.tm]; }
  var be = 0.0;
  var bw = 1.0;
  if (prm.delta == 1u) {
    be = betas[st];
    bw = be;
  }
  if (r == ${kt}u) {
    var dg = 0.0;
    var db = 0.0;
    for (var jb = 0u; jb < ${tiles}u; jb++) {
      let w4 = wup[(st * 3u) * ${tiles}u + jb];
      let u4 = wup[(st * 3u + 1u) * ${tiles}u + jb];
      let p4 = wup[(st * 3u + 2u) * ${tiles}u + jb];
      ${
      columns(`let w = w4[col];
        let u = u4[col];
        dg = dg + (p4[col] - be * (w * u));
        db = db + w * (vs[st * ${dv}u + j] - g * u);`)
    }
    }
    dgs[st] = dg;
    if (prm.delta == 1u) { dbs[st] = db; }
    return;
  }
  let c0 = r * 4u;
  var dq = vec4f(0.0);
  var dkey = vec4f(0.0);
  let gb = g * be;
  for (var jb = 0u; jb < ${tiles}u; jb++) {
    let w4 = wup[(st * 3u) * ${tiles}u + jb];
    let u4 = wup[(st * 3u + 1u) * ${tiles}u + jb];
    var hs: array<vec4f, 4>;
    var dss: array<vec4f, 4>;
    var before: array<vec4f, 4>;
    ${
      LANE.map((_, l) => {
        const load = `hs[${l}u] = hist[(st * ${dk}u + c0 + ${l}u) * ${tiles}u + jb];
      dss[${l}u] = dshist[(st * ${dk}u + c0 + ${l}u) * ${tiles}u + jb];
      if (t > 0u) { before[${l}u] = hist[((st - 1u) * ${dk}u + c0 + ${l}u) * ${tiles}u + jb]; }`;
        return dk % 4 === 0 || l === 0 ? load : `if (c0 + ${l}u < ${dk}u) { ${load} }`;
      }).join("\n    ")
    }
    ${
      columns(`${rowsOf("h", "hs[ROW]")}
        ${rowsOf("ds", "dss[ROW]")}
        ${rowsOf("prev", "before[ROW]")}
        dq = dq + h * dos[st * ${dv}u + j];
        let w = w4[col];
        let u = u4[col];
        dkey = dkey + (bw * (ds * vs[st * ${dv}u + j]) - gb * (ds * u + prev * w));`)
    }
  }
  ${store("dqs", "dq")}
  ${store("dks", "dkey")}`;
  },
  // One loop over the ⌈DV / 4⌉ column blocks.
  loopIterations: ({ dv }) => Math.ceil(dv / 4) + 1,
});
