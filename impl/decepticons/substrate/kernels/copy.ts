/**
 * Copies a branch's final state [batch, n] into columns col..col+n−1 of a
 * [batch, stride] state (mixed substrates assemble their branches this way).
 *
 * Bindings: 0 uniform {count, n, col, stride}; 1 src [batch, n]; 2 dst [batch, stride].
 * Grid: ceil(count / 64) workgroups of 64, tiled. Accuracy: exact (a copy).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the column copy. */
export const substrateCopyWgsl = `
struct Params { count: u32, n: u32, col: u32, stride: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * 64u + lid;
  if (i >= prm.count) { return; }
  dst[(i / prm.n) * prm.stride + prm.col + i % prm.n] = src[i];
}
`;
