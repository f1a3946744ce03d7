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

/** Sizes of the output pass: key size DK and output columns COLS. */
export interface RetentionOutputSizes extends Record<string, number> {
  dk: number;
  cols: number;
}

const LANE = ["x", "y", "z", "w"];

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
    const lanes = (r: string, pre: string, post: string) =>
      LANE.map((l, i) => `if (j + ${i}u < ${cols}u) { ${r}.${l} = ${pre} + ${i}u${post}; }`)
        .join("\n  ");
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
  main: ({ dk, cols }) => {
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
