/**
 * accumulate: `target[i] += source[i]`, in place.
 *
 * Bindings: 0 uniform {n}, 1 target (read_write), 2 source (read).
 * Grid: ceil(n / 256) workgroups, tiled. Accuracy: one rounding per element (T1).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";
import { launch } from "../../gpu/batch.ts";

const WG = 256;

export const ACCUMULATE_WGSL = `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (i >= p.n) { return; }
  dst[i] = dst[i] + src[i];
}
`;

/** Records `target += source` over the first `n` elements. */
export function accumulateInto(target: GPUBuffer, source: GPUBuffer, n: number): void {
  launch({
    name: "accumulate",
    code: ACCUMULATE_WGSL,
    uniforms: [n],
    buffers: [target, source],
    workgroups: Math.ceil(n / WG),
  });
}
