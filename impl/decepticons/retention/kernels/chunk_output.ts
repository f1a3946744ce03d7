/**
 * Chunkwise forms, output pass (also the parallel form, chunk = tm): a
 * matmul-like pass over the precomputed score rows of
 * decepticons_retention_chunk_scores.ts. For each (sequence n, step t, column j)
 * in the chunk starting at c0:
 *   y_t[j] = Σ_{s=t..c0 (walking down)} P[t, s]·x_s[xoff + j]
 *          + din_t·(q_t·S_in[:, j])                (use_sin, retention)
 *          + (din_t·q_t − z_t)·S_in[:, j]          (use_sin and use_z, gated delta)
 * With x = v this is (gated) retention's O = (Q Kᵀ ⊙ D) V plus the decayed read
 * of the state entering the chunk; the gated delta rule uses it twice (x = its
 * pseudo-values U, and x = W to form z). No q·k is recomputed per column.
 *
 * Bindings: 0 uniform {n, tm, chunk, nc, use_sin, use_z, xstride, xoff};
 * 1 q [n, tm, DK]; 2 p [n, tm, chunk]; 3 x [n, tm, xstride]; 4 din [n, tm];
 * 5 z [n, tm, DK] (read when use_z); 6 sin [n, nc, DK, COLS] (read when use_sin);
 * 7 y [n, tm, COLS].
 * Grid: ceil(n·tm·ceil(COLS / 4) / 64) workgroups of 64, tiled; one invocation per
 * (sequence, step, tile of 4 columns), so each score is loaded once per tile
 * (vector lanes round exactly as the scalar operations would).
 * Accuracy (class T3): a (t − c0 + 1)-term sum of tracked products plus a DK-term read
 * (spec/decepticons/retention/gpu_test.ts).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** Output columns per invocation: each score P[t, s] is loaded once for all of them. */
export const RETENTION_OUTPUT_TILE = 4;

/** WGSL of the output pass for key size `dk` and `cols` output columns. */
export function retentionChunkOutputWgsl(dk: number, cols: number): string {
  const tiles = Math.ceil(cols / RETENTION_OUTPUT_TILE);
  const lane = ["x", "y", "z", "w"];
  const lanes = (r: string, pre: string, post: string) =>
    lane.map((l, i) => `if (j + ${i}u < ${cols}u) { ${r}.${l} = ${pre} + ${i}u${post}; }`)
      .join("\n  ");
  const stores = lane.map((l, i) =>
    `if (j + ${i}u < ${cols}u) { ys[st * ${cols}u + j + ${i}u] = o.${l}; }`
  ).join("\n  ");
  return `
struct Params { n: u32, tm: u32, chunk: u32, nc: u32, use_sin: u32, use_z: u32, xstride: u32,
  xoff: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> qs: array<f32>;
@group(0) @binding(2) var<storage, read> ps: array<f32>;
@group(0) @binding(3) var<storage, read> xs: array<f32>;
@group(0) @binding(4) var<storage, read> din: array<f32>;
@group(0) @binding(5) var<storage, read> zs: array<f32>;
@group(0) @binding(6) var<storage, read> sin: array<f32>;
@group(0) @binding(7) var<storage, read_write> ys: array<f32>;
${WGSL_LINEAR_WORKGROUP}
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
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
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
  ${stores}
}
`;
}
