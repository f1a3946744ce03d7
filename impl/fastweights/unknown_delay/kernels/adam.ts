/**
 * Global-norm clip and bias-corrected Adam, fused, one workgroup per seed
 * (each seed is its own training run):
 *   ‖g‖ = sqrt(Σ g²) (strided partial sums, then a tree in workgroup memory);
 *   scale = max_norm / (‖g‖ + 1e-12) when ‖g‖ > max_norm, else 1;
 *   ĝ = g·scale; m ← β₁m + (1−β₁)ĝ; v ← β₂v + (1−β₂)(ĝ·ĝ);
 *   p ← p − (lr·(m·c₁))/(sqrt(v·c₂) + ε), c₁ = 1/(1−β₁^t), c₂ = 1/(1−β₂^t) from the host.
 * Writes the pre-clip norm of each seed to norms[s].
 *
 * Uniforms: count (parameters per seed, the stride), lr, b1, b2, omb1 (1 − b1),
 * omb2 (1 − b2), c1, c2, eps, max_norm.
 * Bindings: grads [S, count]; params [S, count]; ms (first moments) [S, count];
 * vs (second moments) [S, count]; norms [S].
 * Grid: S workgroups of 256 (an explicit [S, 1, 1] grid).
 * Accuracy: the norm is a count-term sum of squares (T3) and a WGSL sqrt; the
 * update is a fixed chain of T1/T2 steps (see the ledger's fastweights rules).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** The fused clip + Adam kernel; `steps` of a dispatch are the parameters per seed. */
export const UD_ADAM: Program = defineProgram({
  name: "fastweights_adam",
  workgroupSize: 256,
  uniformVar: "prm",
  uniforms: {
    count: "u32",
    lr: "f32",
    b1: "f32",
    b2: "f32",
    omb1: "f32",
    omb2: "f32",
    c1: "f32",
    c2: "f32",
    eps: "f32",
    max_norm: "f32",
  },
  bindings: {
    grads: { access: "read" },
    params: { access: "read_write" },
    ms: { access: "read_write" },
    vs: { access: "read_write" },
    norms: { access: "read_write" },
  },
  helpers: () => "var<workgroup> part: array<f32, 256>;",
  main: () => `
  let s = wid.x;
  let base = s * prm.count;
  var acc = 0.0;
  for (var i = lid; i < prm.count; i += 256u) {
    let g = grads[base + i];
    acc = acc + g * g;
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var half = 128u; half > 0u; half = half / 2u) {
    if (lid < half) { part[lid] = part[lid] + part[lid + half]; }
    workgroupBarrier();
  }
  let norm = sqrt(part[0]);
  var scale = 1.0;
  if (norm > prm.max_norm) { scale = prm.max_norm / (norm + 1e-12); }
  if (lid == 0u) { norms[s] = norm; }
  for (var i = lid; i < prm.count; i += 256u) {
    let g = grads[base + i] * scale;
    let m = prm.b1 * ms[base + i] + prm.omb1 * g;
    let v = prm.b2 * vs[base + i] + prm.omb2 * (g * g);
    ms[base + i] = m;
    vs[base + i] = v;
    params[base + i] = params[base + i] - (prm.lr * (m * prm.c1)) / (sqrt(v * prm.c2) + prm.eps);
  }`,
  loopIterations: (_, count) => 2 * (Math.ceil(count / 256) + 1) + 9,
});
