/**
 * Gated retention backward with learned per-step gates, the reverse-time pass (retention's
 * per-sequence γ takes the decay-gradient scan of forward.ts instead): for each sequence n and
 * state column j, backwards over t,
 *   dS[c, j] = g_{t+1}·dS[c, j] + q_t[c]·do_t[j]   (dS = ∂L/∂S_t; g_T = 0)
 *   dv_t[j] = Σ_c k_t[c]·dS[c, j]
 *   p_t[j] = Σ_c dS[c, j]·S_{t−1}[c, j]             (t > 0; 0 at t = 0)
 * with each sum in row order, as the adjoint's tracked bounds assume
 * (spec/decepticons/retention/gpu_test.ts). The gate gradient
 * dg_t = Σ_j p_t[j] is gathered by dgate.ts; dq and dk come from the forward
 * kernel run with transposed roles (forward.ts), so no state history is stored.
 * S_{t−1} is recomputed per chunk of CHUNK steps: from the state entering the
 * chunk (checkpoint m of `ck`, written by the dq pass; zero for chunk 0) the
 * chunk's states are rebuilt forwards with the forward's update
 * S_t = g_t S_{t−1} + k_tᵀ v_t into registers (the chunk's steps are unrolled:
 * a per-step store to a scratch buffer is a scatter on llvmpipe, and that form of
 * this pass measured 1.3× slower),
 * then read backwards. One invocation owns a block of four columns, dS and the
 * chunk's S of the block in vec4 registers (unroll.ts); key size ≤ UNROLL_MAX_ROWS.
 * The program runner splits the nck chunks over launches in reversed order:
 * steps [r0, r1) are the chunks [nck − r1, nck − r0), the first launch takes the
 * end of the sequence; launches carry dS through `dstate` (read when r0 > 0).
 *
 * Bindings: qs, ks [n, tm, DK]; vs, dos [n, tm, DV]; gates [n, tm] or [n] (per_seq);
 * ck [n, nck, DV, DK] (S_{mC−1} transposed: S[c, j] at ((n·nck + m)·DV + j)·DK + c);
 * dstate [n, DK, DV]; dvs [n, tm, DV];
 * ps (vec4) [n, tm, ⌈DV/4⌉] (columns past DV are 0).
 * Grid: ceil(n·ceil(DV / 4) / RETENTION_SCAN_WG) workgroups of RETENTION_SCAN_WG, tiled.
 * Accuracy (class T3): the adjoint is the tracked recurrence with fewer roundings
 * (g·dS + q·do, no exact 0-terms); the recomputed S_{t−1} runs the forward's update
 * (without its exact 0-term), within the forward's tracked bound.
 *
 * @module
 */
import { defineProgram, type Program, type ProgramSpec } from "../../../gpu/program.ts";
import { RETENTION_SCAN_WG, retentionForwardVec4, vec4Lanes, vec4Rows } from "./forward.ts";
import {
  lanes,
  registers,
  SCAN_LANES,
  scanColumns,
  UNROLL_MAX_ROWS,
  unrollRows,
} from "./unroll.ts";

/** Sizes of {@link RETENTION_ADJOINT}: key and value sizes and the recompute chunk. */
export interface RetentionAdjointSizes extends Record<string, number> {
  /** Key size (state rows). */
  dk: number;
  /** Value size (state columns). */
  dv: number;
  /** Steps per recomputed chunk (the checkpoint interval of the dq pass). */
  chunk: number;
}

/**
 * The spec of the reverse-time adjoint pass over the reversed chunks [r0, r1) of each launch;
 * with `vec4` (adjoint_vec4.ts: key and value sizes multiples of four) q, k, v, do, dv and the
 * checkpoints are bound as vec4 arrays, one load per group of four key entries or per block of
 * four columns (the same values in the same order).
 */
export function retentionAdjointSpec(
  name: string,
  vec4: boolean,
): ProgramSpec<RetentionAdjointSizes> {
  const f32 = { access: "read" } as const;
  const v4 = { access: "read", type: "vec4f" } as const;
  return {
    name,
    workgroupSize: RETENTION_SCAN_WG,
    uniformVar: "prm",
    uniforms: { n: "u32", tm: "u32", nck: "u32", r0: "u32", r1: "u32", per_seq: "u32" },
    bindings: {
      qs: vec4 ? v4 : f32,
      ks: vec4 ? v4 : f32,
      vs: vec4 ? v4 : f32,
      gates: f32,
      dos: vec4 ? v4 : f32,
      ck: vec4 ? v4 : f32,
      dstate: { access: "read_write" },
      dvs: vec4 ? { access: "read_write", type: "vec4f" } : { access: "read_write" },
      ps: { access: "read_write", type: "vec4f" },
    },
    main: ({ dk, dv, chunk }) => {
      if (dk > UNROLL_MAX_ROWS) {
        throw new RangeError(
          `Cannot generate ${name} for key size ${dk}: expected at most ` +
            `${UNROLL_MAX_ROWS} (the chunk's states are registers)`,
        );
      }
      if (vec4 && !retentionForwardVec4(dk, dv)) {
        throw new RangeError(
          `Cannot generate ${name} for key size ${dk} and value size ${dv}: expected both ` +
            "multiples of 4",
        );
      }
      const tiles = Math.ceil(dv / SCAN_LANES);
      const rows = (t: string) => vec4 ? vec4Rows(dk, t, "") : unrollRows(dk, t, "      ");
      const line = (t: string) => vec4Lanes(t, dv, dk, vec4);
      // S_{cs−1}[c, j..j+3] from the transposed checkpoint: with vec4 one load per column of
      // each group of four rows, transposed in registers (the same values).
      const checkpoint = vec4
        ? Array.from({ length: dk / 4 }, (_, g) => {
          const cols = [0, 1, 2, 3].map((l) =>
            `let c${l}_${g} = ck[(((n * prm.nck + m) * ${dv}u + j + ${l}u) * ${dk}u) / 4u + ${g}u];`
          ).join(" ");
          // Row c = 4g + r of the block: lane r of each column's load.
          const set = [0, 1, 2, 3].map((r) => {
            const [c, x] = [4 * g + r, "xyzw"[r]];
            return `h0_${c} = vec4f(c0_${g}.${x}, c1_${g}.${x}, c2_${g}.${x}, c3_${g}.${x});`;
          }).join(" ");
          return `${cols} ${set}`;
        }).join("\n      ")
        : unrollRows(
          dk,
          `{ ${
            lanes(`let x = ck[((n * prm.nck + m) * ${dv}u + j) * ${dk}u + c];`, dv, dk)
          } h0[c] = x; }`,
          "      ",
        );
      const states = Array.from({ length: chunk }, (_, i) => registers(`h${i}`, dk)).join("\n  ");
      // Recompute: h_i = S_{cs+i−1}, i = 1..chunk−1, from h_0 = S_{cs−1}.
      const recompute = Array.from({ length: chunk - 1 }, (_, x) => {
        const i = x + 1;
        return `if (cs + ${i}u < ce) {
      let st = n * prm.tm + cs + ${i - 1}u;
      let g = gates[select(st, n, prm.per_seq == 1u)];
      ${line(`let wv = vs[st * ${dv}u + j];`)}
      ${rows(`h${i}[c] = g * h${i - 1}[c] + ks[st * ${dk}u + c] * wv;`)}
    }`;
      }).join("\n    ");
      // The chunk's steps backwards: step cs + i reads S_{cs+i−1} = h_i.
      const reverse = Array.from({ length: chunk }, (_, x) => {
        const i = chunk - 1 - x;
        return `if (cs + ${i}u < ce) {
      let t = cs + ${i}u;
      let st = n * prm.tm + t;
      let next = select(min(st + 1u, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);
      let g = select(0.0, gates[next], t + 1u < prm.tm);
      ${line(`let d = dos[st * ${dv}u + j];`)}
      var w = vec4f(0.0);
      var p = vec4f(0.0);
      ${rows(`ds[c] = g * ds[c] + qs[st * ${dk}u + c] * d; w = w + ks[st * ${dk}u + c] * ds[c];`)}
      ${rows(`p = p + ds[c] * h${i}[c];`)}
      ${line(`dvs[st * ${dv}u + j] = w;`)}
      // Selected, not branched: no S_{−1} term at t = 0.
      ps[st * ${tiles}u + jb] = select(p, vec4f(0.0), t == 0u);
    }`;
      }).join("\n    ");
      return `
  let gi = wg * ${RETENTION_SCAN_WG}u + lid;
  ${scanColumns(dk, dv)}
  ${registers("ds", dk)}
  ${states}
  if (prm.r0 > 0u) {
    ${
        unrollRows(
          dk,
          `{ ${lanes(`let x = dstate[(n * ${dk}u + c) * ${dv}u + j];`, dv, dk)} ds[c] = x; }`,
        )
      }
  }
  for (var mi = prm.nck - prm.r0; mi > prm.nck - prm.r1; mi--) {
    let m = mi - 1u;
    let cs = m * ${chunk}u;
    let ce = min(cs + ${chunk}u, prm.tm);
    // S_{cs−1}: the checkpoint (the zero state before chunk 0).
    if (m > 0u) {
      ${checkpoint}
    } else {
      ${unrollRows(dk, "h0[c] = vec4f(0.0);", "      ")}
    }
    ${recompute}
    ${reverse}
  }
  ${unrollRows(dk, lanes(`dstate[(n * ${dk}u + c) * ${dv}u + j] = ds[c];`, dv, dk))}`;
    },
    // The chunk loop (the chunk's steps and rows are unrolled).
    loopIterations: (_sizes, chunks) => chunks + 1,
    split: { begin: "r0", end: "r1" },
  };
}

/** The reverse-time adjoint pass over the reversed chunks [r0, r1) of each launch (f32). */
export const RETENTION_ADJOINT: Program<RetentionAdjointSizes> = defineProgram<
  RetentionAdjointSizes
>(retentionAdjointSpec("decepticons_retention_adjoint", false));
