/**
 * Unknown-delay loss and its gradient. Invocations [0, n·p) write
 * ∂L/∂y = (y − P)·dyScale (dyScale = 2/(E·p), E = episodes per seed);
 * invocations [n·p, n·p + S) write seed s's loss Σ (y − P)² · lossScale
 * (lossScale = 1/(E·p)) to loss[slot·S + s], so a training run can keep its
 * whole loss curve on the GPU and read it once.
 *
 * Bindings: 0 uniform {n, perSeed, seeds, slot, dyScale, lossScale};
 * 1 y [n, p]; 2 target [n, p]; 3 dy [n, p]; 4 loss [slots, S].
 * Grid: ceil((n·p + S) / 64) workgroups of 64, tiled.
 * Accuracy: ∂L/∂y is two roundings (T1); the loss sums E·p squares (T3).
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** WGSL of the loss kernel for p pattern bits. */
export function udLossWgsl(p: number): string {
  return `
struct Params { n: u32, per_seed: u32, seeds: u32, slot: u32, dy_scale: f32, loss_scale: f32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> ys: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<f32>;
@group(0) @binding(3) var<storage, read_write> dys: array<f32>;
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let gi = linear_workgroup(wid, nwg) * 64u + lid;
  let nout = prm.n * ${p}u;
  if (gi < nout) {
    dys[gi] = (ys[gi] - targets[gi]) * prm.dy_scale;
    return;
  }
  let s = gi - nout;
  if (s >= prm.seeds) { return; }
  var acc = 0.0;
  let first = s * prm.per_seed * ${p}u;
  for (var i = 0u; i < prm.per_seed * ${p}u; i++) {
    let d = ys[first + i] - targets[first + i];
    acc = acc + d * d;
  }
  losses[prm.slot * prm.seeds + s] = acc * prm.loss_scale;
}
`;
}
