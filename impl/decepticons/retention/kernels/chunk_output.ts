/**
 * Chunkwise forms, output pass (also the parallel form, chunk = tm): a
 * matmul-like pass over the precomputed score rows of chunk_scores.ts. For
 * each (sequence n, step t, column j) in the chunk starting at c0:
 *   y_t[j] = Σ_{s=t..c0 (walking down)} P[t, s]·x_s[xoff + j]
 *          + din_t·(q_t·S_in[:, j])                (use_sin, retention)
 *          + (din_t·q_t − z_t)·S_in[:, j]          (use_sin and use_z, gated delta)
 * With x = v this is (gated) retention's O = (Q Kᵀ ⊙ D) V plus the decayed read
 * of the state entering the chunk; the gated delta rule uses it twice (x = its
 * pseudo-values U, and x = W to form z). No q·k is recomputed per column.
 *
 * Bindings: qs [n, tm, DK]; ps [n, tm, chunk]; xs [n, tm, xstride]; din [n, tm];
 * zs [n, tm, DK] (optional, read when use_z); sin [n, nc, DK, COLS] (optional, read
 * when use_sin); ys [n, tm, COLS].
 * Grid: ceil(n·tm·ceil(COLS / 4) / 64) workgroups of 64, tiled; one invocation per
 * (sequence, step, tile of 4 columns), so each score is loaded once per tile
 * (vector lanes round exactly as the scalar operations would).
 * Accuracy (class T3): a (t − c0 + 1)-term sum of tracked products plus a DK-term read
 * (spec/decepticons/retention/gpu_test.ts).
 * Steps of a dispatch: the chunk length (an invocation walks at most one chunk).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Output columns per invocation: each score P[t, s] is loaded once for all of them. */
export const RETENTION_OUTPUT_TILE = 4;

/**
 * Steps per invocation of the blocked variant (chunks that are a multiple of it): the
 * four rows share every load of x_s and of S_in, a 4 × 4 register block of outputs.
 */
export const RETENTION_OUTPUT_ROWS = 4;

/** Sizes of the output pass: key size DK, output columns COLS, steps per invocation. */
export interface RetentionOutputSizes extends Record<string, number> {
  /** Key size. */
  dk: number;
  /** Output columns. */
  cols: number;
  /** 1, or RETENTION_OUTPUT_ROWS when the chunk is a multiple of it (rows never straddle chunks). */
  rows: number;
}

const LANE = ["x", "y", "z", "w"];

/**
 * The blocked output pass: one invocation per (sequence, four steps t0..t0+3 of one chunk,
 * eight columns as two vec4 blocks; four columns when COLS < 8). Row l walks s from its own t
 * down to c0 exactly as the one-row pass does (the block walks from its last valid row; a row
 * joins when s reaches it), so every output sums the same terms in the same order; the rows
 * share each load of x_s and of S_in, the columns each load of P and q.
 */
function blockedMain(dk: number, cols: number): string {
  const B = cols >= 8 ? 2 : 1;
  const width = 4 * B;
  const tiles = Math.ceil(cols / width);
  const R = RETENTION_OUTPUT_ROWS;
  const each = (f: (l: number) => string) =>
    Array.from({ length: R }, (_, l) => f(l)).join("\n    ");
  const blocks = (f: (b: number) => string) => Array.from({ length: B }, (_, b) => f(b)).join(" ");
  const stores = (l: number) =>
    Array.from({ length: B }, (_, b) =>
      LANE.map((x, i) => {
        const at = `j + ${4 * b + i}u`;
        const st = `ys[(n * prm.tm + t0 + ${l}u) * ${cols}u + ${at}] = o${l}_${b}.${x};`;
        return cols % width === 0 ? st : `if (${at} < ${cols}u) { ${st} }`;
      }).join(" ")).join(" ");
  return `
  let tb = (prm.tm + ${R - 1}u) / ${R}u;
  let gi = wg * 64u + lid;
  if (gi >= prm.n * tb * ${tiles}u) { return; }
  let nb = gi / ${tiles}u;
  let j = (gi % ${tiles}u) * ${width}u;
  let n = nb / tb;
  let t0 = (nb % tb) * ${R}u;
  let last = min(t0 + ${R - 1}u, prm.tm - 1u);
  let ci = t0 / prm.chunk;
  let c0 = ci * prm.chunk;
  ${each((l) => blocks((b) => `var o${l}_${b} = vec4f(0.0);`))}
  ${each((l) => `let r${l} = (n * prm.tm + min(t0 + ${l}u, last)) * prm.chunk;`)}
  for (var i = last + 1u; i > c0; i--) {
    let s = i - 1u;
    let xb = (n * prm.tm + s) * prm.xstride + prm.xoff;
    ${blocks((b) => `let x_${b} = x4(xb, j + ${4 * b}u);`)}
    ${
    each((l) =>
      `if (s <= t0 + ${l}u) { let pv = ps[r${l} + (s - c0)]; ${
        blocks((b) => `o${l}_${b} = o${l}_${b} + pv * x_${b};`)
      } }`
    )
  }
  }
  if (prm.use_sin == 1u) {
    let base = (n * prm.nc + ci) * ${dk}u;
    ${each((l) => `let q${l} = (n * prm.tm + min(t0 + ${l}u, last)) * ${dk}u;`)}
    ${each((l) => `let d${l} = din[n * prm.tm + min(t0 + ${l}u, last)];`)}
    ${each((l) => blocks((b) => `var a${l}_${b} = vec4f(0.0);`))}
    if (prm.use_z == 1u) {
      for (var c = 0u; c < ${dk}u; c++) {
        ${blocks((b) => `let sc_${b} = sin4((base + c) * ${cols}u, j + ${4 * b}u);`)}
        ${
    each((l) =>
      `{ let qe = d${l} * qs[q${l} + c] - zs[q${l} + c]; ${
        blocks((b) => `a${l}_${b} = a${l}_${b} + qe * sc_${b};`)
      } }`
    )
  }
      }
      ${each((l) => blocks((b) => `o${l}_${b} = o${l}_${b} + a${l}_${b};`))}
    } else {
      for (var c = 0u; c < ${dk}u; c++) {
        ${blocks((b) => `let sc_${b} = sin4((base + c) * ${cols}u, j + ${4 * b}u);`)}
        ${
    each((l) =>
      `{ let qc = qs[q${l} + c]; ${blocks((b) => `a${l}_${b} = a${l}_${b} + qc * sc_${b};`)} }`
    )
  }
      }
      ${each((l) => blocks((b) => `o${l}_${b} = o${l}_${b} + d${l} * a${l}_${b};`))}
    }
  }
  ${each((l) => (l === 0 ? stores(0) : `if (t0 + ${l}u <= last) { ${stores(l)} }`))}`;
}

/** Columns per invocation of the blocked output pass (for the host's grid). */
export function retentionOutputWidth(rows: number, cols: number): number {
  return rows !== 1 && cols >= 8 ? 8 : RETENTION_OUTPUT_TILE;
}

/** The output pass. */
export const RETENTION_CHUNK_OUTPUT: Program<RetentionOutputSizes> = defineProgram<
  RetentionOutputSizes
>({
  name: "decepticons_retention_chunk_output",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    tm: "u32",
    chunk: "u32",
    nc: "u32",
    use_sin: "u32",
    use_z: "u32",
    xstride: "u32",
    xoff: "u32",
  },
  bindings: {
    qs: { access: "read" },
    ps: { access: "read" },
    xs: { access: "read" },
    din: { access: "read" },
    zs: { access: "read", optional: true },
    sin: { access: "read", optional: true },
    ys: { access: "read_write" },
  },
  helpers: ({ cols }) => {
    // With COLS a multiple of four a block never passes the last column (j is a multiple of
    // four below COLS): no per-lane branch.
    const lanes = (r: string, pre: string, post: string) =>
      LANE.map((l, i) =>
        cols % 4 === 0
          ? `${r}.${l} = ${pre} + ${i}u${post};`
          : `if (j + ${i}u < ${cols}u) { ${r}.${l} = ${pre} + ${i}u${post}; }`
      ).join("\n  ");
    return `
// Four consecutive entries of a row from column j (0 past the last column); unrolled, so
// no loop counts against the budget.
fn x4(base: u32, j: u32) -> vec4f {
  var r = vec4f(0.0);
  ${lanes("r", "xs[base + j", "]")}
  return r;
}
fn sin4(base: u32, j: u32) -> vec4f {
  var r = vec4f(0.0);
  ${lanes("r", "sin[base + j", "]")}
  return r;
}`;
  },
  main: ({ dk, cols, rows }) => {
    if (rows !== 1) return blockedMain(dk, cols);
    const tiles = Math.ceil(cols / RETENTION_OUTPUT_TILE);
    const stores = LANE.map((l, i) =>
      `if (j + ${i}u < ${cols}u) { ys[st * ${cols}u + j + ${i}u] = o.${l}; }`
    ).join("\n  ");
    return `
  let gi = wg * 64u + lid;
  if (gi >= prm.n * prm.tm * ${tiles}u) { return; }
  let st = gi / ${tiles}u;
  let j = (gi % ${tiles}u) * 4u;
  let n = st / prm.tm;
  let t = st % prm.tm;
  let ci = t / prm.chunk;
  let c0 = ci * prm.chunk;
  var o = vec4f(0.0);
  for (var i = t + 1u; i > c0; i--) {
    let ss = n * prm.tm + i - 1u;
    o = o + ps[st * prm.chunk + (i - 1u - c0)] * x4(ss * prm.xstride + prm.xoff, j);
  }
  if (prm.use_sin == 1u) {
    let base = (n * prm.nc + ci) * ${dk}u;
    let d = din[st];
    var acc = vec4f(0.0);
    if (prm.use_z == 1u) {
      for (var c = 0u; c < ${dk}u; c++) {
        let qe = d * qs[st * ${dk}u + c] - zs[st * ${dk}u + c];
        acc = acc + qe * sin4((base + c) * ${cols}u, j);
      }
      o = o + acc;
    } else {
      for (var c = 0u; c < ${dk}u; c++) {
        acc = acc + qs[st * ${dk}u + c] * sin4((base + c) * ${cols}u, j);
      }
      o = o + d * acc;
    }
  }
  ${stores}`;
  },
  // The walk over up to `steps` (the chunk) positions, and the read of S_in (charged
  // whether or not use_sin is set: the flag is a uniform).
  loopIterations: ({ dk }, steps) => (steps + 1) + (dk + 1),
});
