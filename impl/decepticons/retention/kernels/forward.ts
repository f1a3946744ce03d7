/**
 * Matrix-memory recurrence, forward, fused over a range of time steps: for
 * each sequence n and each column j of the state S ∈ R^{DK×DV},
 *   u = Σ_c k_t[c]·S[c, j]                                   (delta only)
 *   S[c, j] = g_t·(S[c, j] − β_t·k_t[c]·u) + w_t·k_t[c]·v_t[j]
 *   o_t[j] = Σ_c q_t[c]·S[c, j]
 * for t in [t0, t1), where (β, w) = (0, 1) for (gated) retention and
 * (β_t, β_t) for the gated delta rule. One invocation owns a block of four
 * columns and keeps each state row of it in a vec4 register (unroll.ts: every
 * lane sees the scalar loop's operations in its order) and loops over t inside
 * the shader; columns are independent, so one sequence's blocks spread over
 * workgroups of RETENTION_SCAN_WG (threads on llvmpipe). The host splits a long
 * sequence over launches ([t0, t1) per launch, within the loop budget) that carry
 * the state through `state` (read when t0 > 0, written at t1).
 *
 * Bindings: qs [n, tm, DK]; ks [n, tm, DK]; vs [n, tm, DV];
 * gates [n, tm] ([n] when per_seq: retention's γ); betas [n, tm] (optional, read
 * when delta); state [n, DK, DV] (read_write); os [n, tm, DV];
 * hist (optional, written when hist): S_t after each step as vec4 [n, tm, DK, ⌈DV/4⌉],
 * column block jb of row c at ((n·tm + t)·DK + c)·⌈DV/4⌉ + jb (columns past DV are 0).
 * ck (optional, written when ckpt = C > 0): the state S_{mC−1} entering chunk m of C steps,
 * [n, nck, DK, DV] (slot 0, the zero state, is never written).
 * Reversed (sizes.reverse): the launch's steps [t0, t1) are the times [tm − t1, tm − t0)
 * taken backwards and step t decays by the gate of step t + 1 (0 at t = tm − 1, where the
 * state is still zero): S_t = g_{t+1} S_{t+1} + k_tᵀ (w_t v_t), the adjoint recurrence
 * dS_t = g_{t+1} dS_{t+1} + q_tᵀ do_t of (gated) retention with (q, k, v) = (k', q', do).
 * The retention backward (retention.ts) runs this program three times: with transposed roles
 * forwards on (do, v, k) for dq (state Sᵀ; storing checkpoints for adjoint.ts when per-step
 * gates need a gradient) and backwards on (v, do, q) for dk (state dSᵀ), and backwards on
 * (k, q, do) for dv (state dS; with the decay gradient below for a learned γ).
 * Decay gradient (sizes.dgamma; reversed retention on (k, q, do) with a per-sequence γ): the
 * scan also keeps E_t = dS_{t+1} + γ·E_{t+1} (E of the last step 0) in registers and sums
 * (k_t E_t)·v_t per column over its steps into `gps`, with v in `ws` [n, tm, DV]; the columns'
 * sums add up to Σ_t ⟨dS_t, S_{t−1}⟩ = ∂L/∂γ, since S_{t−1} = Σ_{u<t} γ^{t−1−u} k_uᵀv_u gives
 * Σ_t ⟨dS_t, S_{t−1}⟩ = Σ_u k_u E_u v_uᵀ. Launches carry E through `estate` [n, DK, DV] and the
 * sums through `gps` (vec4 [n, ⌈DV/4⌉], columns past DV 0; read when t0 > 0). Each term is a
 * product of the tracked dS and the inputs, with no checkpoints and no division by γ.
 * Grid: ceil(n·ceil(DV / 4) / RETENTION_SCAN_WG) workgroups of RETENTION_SCAN_WG, tiled.
 * Accuracy (class T3): each step's update is a few roundings on every entry on
 * top of the gated previous error; spec/decepticons/retention/gpu_test.ts tracks
 * the running bound step by step; the read adds a DK-term dot product in row order.
 * (Gated) retention compiles the update as g·S + k·v, without the delta rule's exact
 * zero term (S − k·0 = S for every finite S): a subset of the tracked roundings, in the
 * tracked order. With key and value sizes multiples of four, forward_vec4.ts binds q, k,
 * v, o and ck as vec4 arrays (one load or store per four entries; the same values).
 *
 * @module
 */
import { defineProgram, type Program, type ProgramSpec } from "../../../gpu/program.ts";
import {
  atRow,
  keepBindings,
  lanePick,
  lanes,
  laneZero,
  registers,
  rowLoop,
  SCAN_LANES,
  scanColumns,
  UNROLL_MAX_ROWS,
  unrollRows,
} from "./unroll.ts";

/**
 * Invocations per workgroup of the scans (one per block of four state columns):
 * llvmpipe runs a workgroup on one thread in 8-invocation slices, so 8 spreads one
 * 64-column sequence over two threads (measured fastest against 1, 4 and 16).
 */
export const RETENTION_SCAN_WG = 8;

/** Compile-time sizes of the retention kernels: key size DK and value size DV. */
export interface RetentionSizes extends Record<string, number> {
  /** Key size (state rows). */
  dk: number;
  /** Value size (state columns). */
  dv: number;
}

/**
 * Compile-time sizes and variant of the scans: the delta rule's extra work and the history
 * store are compiled in or out (llvmpipe does not skip a
 * branch on a uniform flag for free: the masked-off stores still cost).
 */
export interface RetentionScanSizes extends Record<string, number | boolean> {
  /** Key size (state rows, one vec4 register each). */
  dk: number;
  /** Value size (state columns, four per invocation). */
  dv: number;
  /** The gated delta rule (reads betas); else (gated) retention. */
  delta: boolean;
  /** Stores S_t after each step to `hist` (forward only). */
  hist: boolean;
}

/** Sizes of {@link RETENTION_FORWARD}: a scan's, plus the direction and checkpoint interval. */
export interface RetentionForwardSizes extends RetentionScanSizes {
  /** Runs backwards in time with the gates shifted by one step (the adjoint recurrence). */
  reverse: boolean;
  /** Stores the state entering every chunk of `ckpt` steps to `ck` (0: none). */
  ckpt: number;
  /**
   * Reversed retention with a per-sequence decay only: also carries E_t = dS_{t+1} + γ·E_{t+1}
   * and sums Σ_t (k_t E_t)·v_t into `gps`, the decay's gradient Σ_t ⟨dS_t, S_{t−1}⟩.
   */
  dgamma: boolean;
}

/**
 * The vec4 form of a step's row statements (key and value sizes multiples of four, rows
 * unrolled): `ks[st * DKu + c]` and `qs[st * DKu + c]` at row c become lane c % 4 of one vec4
 * load per group of four rows (`<prefix>k4_g`, `<prefix>q4_g`, loaded before the group's first
 * row). One bounds-checked vec4 load replaces four scalar ones; every row still sees the same
 * values and the same operations in the same order.
 */
export function vec4Rows(dk: number, template: string, prefix: string): string {
  const out: string[] = [];
  const kRef = `ks[st * ${dk}u + c]`;
  const qRef = `qs[st * ${dk}u + c]`;
  const usesK = template.includes(kRef);
  const usesQ = template.includes(qRef);
  for (let c = 0; c < dk; c++) {
    const g = c >> 2;
    const lane = "xyzw"[c & 3];
    if ((c & 3) === 0) {
      if (usesK) out.push(`let ${prefix}k4_${g} = ks[st * ${dk / 4}u + ${g}u];`);
      if (usesQ) out.push(`let ${prefix}q4_${g} = qs[st * ${dk / 4}u + ${g}u];`);
    }
    out.push(
      atRow(
        template.replaceAll(kRef, `${prefix}k4_${g}.${lane}`).replaceAll(
          qRef,
          `${prefix}q4_${g}.${lane}`,
        ),
        c,
      ),
    );
  }
  return out.join("\n    ");
}

/**
 * A value-row statement over the column block j..j+3: its lanes (scalar loads or stores,
 * see unroll.ts `lanes`), or with vec4 bindings one vec4 access `name[(index) / 4u]` of the
 * first of vs, os, dos and dvs it names (the index is a multiple of four: the row stride DV
 * is, and j is a block's first column).
 */
export function vec4Lanes(
  statement: string,
  dv: number,
  dk: number,
  vec4: boolean,
): string {
  if (!vec4) return lanes(statement, dv, dk);
  return statement.replace(/\b(vs|os|dos|dvs)\[(.*)\]/, "$1[($2) / 4u]");
}

/**
 * The spec of the forward recurrence over the steps [t0, t1) of each launch; with `vec4`
 * (see forward_vec4.ts) q, k, v, o and the checkpoints are bound as vec4 arrays.
 *
 * @throws {RangeError} (at code generation) for a vec4 program with sizes it cannot serve.
 */
export function retentionForwardSpec(
  name: string,
  vec4: boolean,
): ProgramSpec<RetentionForwardSizes> {
  const f32 = { access: "read" } as const;
  const v4 = { access: "read", type: "vec4f" } as const;
  return {
    name,
    workgroupSize: RETENTION_SCAN_WG,
    uniformVar: "prm",
    uniforms: {
      n: "u32",
      tm: "u32",
      t0: "u32",
      t1: "u32",
      per_seq: "u32",
      nck: "u32",
    },
    bindings: {
      qs: vec4 ? v4 : f32,
      ks: vec4 ? v4 : f32,
      vs: vec4 ? v4 : f32,
      gates: f32,
      betas: { access: "read", optional: true },
      state: { access: "read_write" },
      os: vec4 ? { access: "read_write", type: "vec4f" } : { access: "read_write" },
      hist: { access: "read_write", type: "vec4f", optional: true },
      ws: { access: "read", optional: true },
      estate: { access: "read_write", optional: true },
      gps: { access: "read_write", type: "vec4f", optional: true },
      ck: vec4
        ? { access: "read_write", type: "vec4f", optional: true }
        : { access: "read_write", optional: true },
    },
    main: ({ dk, dv, delta, hist, reverse, ckpt, dgamma }) => {
      if (dgamma && (!reverse || delta || hist || ckpt > 0 || dk > UNROLL_MAX_ROWS)) {
        throw new RangeError(
          `Cannot compile ${name} with the decay gradient: expected a reversed retention scan ` +
            `without history or checkpoints and a key size <= ${UNROLL_MAX_ROWS}`,
        );
      }
      if (vec4 && !retentionForwardVec4(dk, dv)) {
        throw new RangeError(
          `Cannot compile ${name} for key size ${dk} and value size ${dv}: expected both ` +
            `multiples of 4 and a key size <= ${UNROLL_MAX_ROWS}`,
        );
      }
      const tiles = Math.ceil(dv / SCAN_LANES);
      const rows = (t: string, prefix = "") =>
        vec4 ? vec4Rows(dk, t, prefix) : unrollRows(dk, t, "    ");
      const zero = laneZero(dk);
      const pick = lanePick(dk);
      // A launch's carry: registers `reg` read from / written to the [n, DK, DV] buffer `buf`.
      const carryIn = (reg: string, buf: string) =>
        unrollRows(
          dk,
          `{ ${lanes(`let x = ${buf}[(n * ${dk}u + c) * ${dv}u + j];`, dv, dk)} ${reg}[c] = x; }`,
        );
      const carryOut = (reg: string, buf: string) =>
        unrollRows(dk, lanes(`${buf}[(n * ${dk}u + c) * ${dv}u + j] = ${reg}[c];`, dv, dk));
      // (Gated) retention drops the delta rule's erase term: g·(s − k_c·0) is g·s for every
      // finite value, and the two operations per entry and step cost llvmpipe ~20%.
      const step = delta
        ? `kc = ks[st * ${dk}u + c];
    s[c] = g * (s[c] - kc * bu) + kc * wv;
    o = o + qs[st * ${dk}u + c] * s[c];`
        : dgamma
        // E_t = dS_{t+1} + γ·E_{t+1} is taken before s becomes dS_t; w = k_t E_t in row order.
        ? `e[c] = g * e[c] + s[c];
    kc = ks[st * ${dk}u + c];
    s[c] = g * s[c] + kc * wv;
    o = o + qs[st * ${dk}u + c] * s[c];
    w = w + qs[st * ${dk}u + c] * e[c];`
        : `kc = ks[st * ${dk}u + c];
    s[c] = g * s[c] + kc * wv;
    o = o + qs[st * ${dk}u + c] * s[c];`;
      const body = `
    ${
        reverse
          ? `let t = prm.tm - 1u - i;
    let st = n * prm.tm + t;
    let next = select(min(st + 1u, n * prm.tm + prm.tm - 1u), n, prm.per_seq == 1u);
    let g = select(0.0, gates[next], t + 1u < prm.tm);`
          : `let t = i;
    let st = n * prm.tm + t;
    let g = gates[select(st, n, prm.per_seq == 1u)];`
      }
    var be = 0.0;
    var bw = 1.0;
    var u = ${zero};
    ${
        delta
          ? `be = betas[st];
    bw = be;
    ${rows(`u = u + ks[st * ${dk}u + c] * s[c];`, "u")}`
          : ""
      }
    ${vec4Lanes(`let wv = bw * vs[st * ${dv}u + j];`, dv, dk, vec4)}
    let bu = be * u;
    var o = ${zero};
    var kc = 0.0;
    ${dgamma ? `var w = ${zero};` : ""}
    ${rows(step)}
    ${vec4Lanes(`os[st * ${dv}u + j] = o;`, dv, dk, vec4)}
    ${
        dgamma
          ? `${lanes(`let wv4 = ws[st * ${dv}u + j];`, dv, dk)}
    acc = acc + w * wv4;`
          : ""
      }
    ${hist ? rows(`hist[(st * ${dk}u + c) * ${tiles}u + jb]${pick} = s[c];`) : ""}
`;
      // With checkpoints the steps run in segments that end on chunk boundaries, the store
      // after each segment (a store behind a per-step branch costs llvmpipe 3× the scan).
      const loop = ckpt > 0
        ? `for (var i0 = prm.t0; i0 < prm.t1;) {
    let i1 = min(prm.t1, (i0 / ${ckpt}u + 1u) * ${ckpt}u);
    for (var i = i0; i < i1; i++) {${body}}
    if (i1 % ${ckpt}u == 0u && i1 < prm.tm) {
      let m = i1 / ${ckpt}u;
      ${
          unrollRows(
            dk,
            vec4
              ? `ck[(((n * prm.nck + m) * ${dk}u + c) * ${dv}u + j) / 4u] = s[c];`
              : lanes(`ck[((n * prm.nck + m) * ${dk}u + c) * ${dv}u + j] = s[c];`, dv, dk),
          )
        }
    }
    i0 = i1;
  }`
        : `for (var i = prm.t0; i < prm.t1; i++) {${body}}`;
      return `
  let gi = wg * ${RETENTION_SCAN_WG}u + lid;
  ${scanColumns(dk, dv)}
  ${
        keepBindings([...(delta ? [] : ["betas"]), ...(dgamma ? [] : ["ws"])], [
          ...(hist ? [] : [{ name: "hist", vec4: true }]),
          ...(ckpt > 0 ? [] : [{ name: "ck", vec4 }]),
          ...(dgamma ? [] : [{ name: "estate" }, { name: "gps", vec4: true }]),
        ])
      }
  ${registers("s", dk)}
  ${
        dgamma
          ? `${registers("e", dk)}
  var acc = ${zero};`
          : ""
      }
  if (prm.t0 > 0u) {
    ${carryIn("s", "state")}
    ${
        dgamma
          ? `${carryIn("e", "estate")}
    acc = gps[n * ${tiles}u + jb];`
          : ""
      }
  }
  ${loop}
  ${carryOut("s", "state")}
  ${
        dgamma
          ? `${carryOut("e", "estate")}
  gps[n * ${tiles}u + jb] = acc;`
          : ""
      }`;
    },
    // The step loop, and the row loops when not unrolled: load and store, and per step the
    // update plus the delta rule's dot product, the history and the checkpoint stores.
    loopIterations: ({ dk, delta, hist, ckpt }, steps) =>
      steps + 1 +
      rowLoop(dk) * (2 + steps * (1 + (delta ? 1 : 0) + (hist ? 1 : 0) + (ckpt > 0 ? 1 : 0))) +
      // The segment loop and each segment's own header.
      (ckpt > 0 ? 2 * (Math.ceil(steps / ckpt) + 1) + 1 : 0),
    // No runner split: the host (retention.ts `dispatchScan`) records one launch per range
    // [t0, t1) itself, so that each takes the runner's cached fast path; the general split
    // path builds a bind group per launch (~15% of a 64 × 64, T = 512 forward on llvmpipe).
  };
}

/**
 * Whether {@link RETENTION_FORWARD_VEC4} (forward_vec4.ts) serves key size dk and value size
 * dv: both multiples of four (rows of q, k, v and o start on a vec4) and the rows unrolled.
 */
export function retentionForwardVec4(dk: number, dv: number): boolean {
  return dk % SCAN_LANES === 0 && dv % SCAN_LANES === 0 && dk <= UNROLL_MAX_ROWS;
}

/** The forward recurrence over the steps [t0, t1) of each launch (q, k, v and o as f32). */
export const RETENTION_FORWARD: Program<RetentionForwardSizes> = defineProgram<
  RetentionForwardSizes
>(retentionForwardSpec("decepticons_retention_forward", false));
