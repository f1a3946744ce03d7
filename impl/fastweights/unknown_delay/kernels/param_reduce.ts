/**
 * Unknown-delay parameter gradients, pass 2 of 2: grads[s, i] = Σ_l partials[s, l, i]
 * over the lanes of pass 1, in lane order. Padding entries (i ≥ total) get 0.
 *
 * Bindings: 0 uniform {seeds}; 1 partials [S, lanes, stride]; 2 grads [S, stride].
 * Grid: ceil(S·stride / 64) workgroups of 64, tiled.
 * Accuracy: part of the two-level sum bounded in fastweights_ud_param_grads.ts.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import type { UdLayout } from "../layout.ts";
import { UD_GRAD_LANES } from "./param_grads.ts";

/** WGSL of the reduce pass. */
export function udParamReduceWgsl(l: UdLayout): string {
  return `
struct Params { seeds: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  if (gi >= prm.seeds * ${l.stride}u) { return; }
  let s = gi / ${l.stride}u;
  let i = gi % ${l.stride}u;
  var acc = 0.0;
  if (i < ${l.total}u) {
    for (var lane = 0u; lane < ${UD_GRAD_LANES}u; lane++) {
      acc = acc + partials[(s * ${UD_GRAD_LANES}u + lane) * ${l.stride}u + i];
    }
  }
  grads[gi] = acc;
}
`;
}
