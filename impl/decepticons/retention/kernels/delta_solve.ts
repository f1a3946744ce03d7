/**
 * Chunkwise gated delta rule, pass "solve" (the UT transform): inside each
 * chunk the pseudo-values u_t = β_t (v_t − g_t k_t S_{t−1}) turn the rule into
 * gated retention, S_t = g_t S_{t−1} + k_tᵀ u_t, and satisfy the unit lower
 * triangular system (I + A) U = diag(β) V − diag(β·din) K S_in with
 * A[t, s] = β_t·D_ts·(k_t·k_s) (s < t; decepticons_retention_chunk_scores.ts).
 * This pass solves it for both right-hand sides by forward substitution, so
 * U = X_v − X_w S_in:
 *   column r < DV:        x_t[r] = β_t·v_t[r]              − Σ_{s<t} A[t, s]·x_s[r]
 *   column r = DV + c:    x_t[r] = β_t·(din_t·k_t[c])      − Σ_{s<t} A[t, s]·x_s[r]
 * The diagonal is 1: nothing is divided. One invocation per (sequence, chunk,
 * column) walks the chunk forwards, reading back its own earlier rows.
 *
 * Bindings: 0 uniform {n, tm, chunk, nc}; 1 k [n, tm, DK]; 2 v [n, tm, DV];
 * 3 beta [n, tm]; 4 din [n, tm]; 5 a [n, tm, chunk]; 6 x [n, tm, DV + DK].
 * Grid: ceil(n·nc·(DV + DK) / 64) workgroups of 64, tiled.
 * Accuracy (class T3): forward substitution, tracked row by row in
 * spec/decepticons/retention/gpu_test.ts.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the triangular solve for key size `dk` and value size `dv`. */
export function retentionDeltaSolveWgsl(dk: number, dv: number): string {
  const w = dk + dv;
  return `
struct Params { n: u32, tm: u32, chunk: u32, nc: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ks: array<f32>;
@group(0) @binding(2) var<storage, read> vs: array<f32>;
@group(0) @binding(3) var<storage, read> betas: array<f32>;
@group(0) @binding(4) var<storage, read> din: array<f32>;
@group(0) @binding(5) var<storage, read> as_: array<f32>;
@group(0) @binding(6) var<storage, read_write> xs: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.n * prm.nc * ${w}u) { return; }
  let nci = gi / ${w}u;
  let r = gi % ${w}u;
  let n = nci / prm.nc;
  let c0 = (nci % prm.nc) * prm.chunk;
  let c1 = min(c0 + prm.chunk, prm.tm);
  for (var t = c0; t < c1; t++) {
    let st = n * prm.tm + t;
    var x = 0.0;
    if (r < ${dv}u) {
      x = betas[st] * vs[st * ${dv}u + r];
    } else {
      x = betas[st] * (din[st] * ks[st * ${dk}u + r - ${dv}u]);
    }
    for (var s = c0; s < t; s++) {
      x = x - as_[st * prm.chunk + (s - c0)] * xs[(n * prm.tm + s) * ${w}u + r];
    }
    xs[st * ${w}u + r] = x;
  }
}
`;
}
