/**
 * Unknown-delay loss and its gradient. Invocations [0, n·p) write
 * ∂L/∂y = (y − P)·dy_scale (dy_scale = 2/(E·p), E = episodes per seed);
 * invocations [n·p, n·p + S) write seed s's loss Σ (y − P)² · loss_scale
 * (loss_scale = 1/(E·p)) to losses[slot·S + s], so a training run can keep its
 * whole loss curve on the GPU and read it once.
 *
 * Uniforms: n, per_seed, seeds S, slot, dy_scale, loss_scale.
 * Bindings: ys [n, p]; targets [n, p]; dys (∂L/∂y) [n, p]; losses [slots, S].
 * Grid: ceil((n·p + S) / 64) workgroups of 64, tiled.
 * Accuracy: ∂L/∂y is two roundings (T1); the loss sums E·p squares (T3).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import type { UdPatternSizes } from "../layout.ts";

/** The loss kernel; `steps` of a dispatch are the episodes per seed. */
export const UD_LOSS: Program<UdPatternSizes> = defineProgram<UdPatternSizes>({
  name: "fastweights_ud_loss",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: {
    n: "u32",
    per_seed: "u32",
    seeds: "u32",
    slot: "u32",
    dy_scale: "f32",
    loss_scale: "f32",
  },
  bindings: {
    ys: { access: "read" },
    targets: { access: "read" },
    dys: { access: "read_write" },
    losses: { access: "read_write" },
  },
  main: ({ p }) => `
  let gi = wg * 64u + lid;
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
  losses[prm.slot * prm.seeds + s] = acc * prm.loss_scale;`,
  loopIterations: ({ p }, perSeed) => perSeed * p + 1,
});
