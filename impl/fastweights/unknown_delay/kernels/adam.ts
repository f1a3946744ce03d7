/**
 * Global-norm clip and bias-corrected Adam, fused, one workgroup per seed
 * (each seed is its own training run):
 *   ‖g‖ = sqrt(Σ g²) (strided partial sums, then a tree in workgroup memory);
 *   scale = maxNorm / (‖g‖ + 1e-12) when ‖g‖ > maxNorm, else 1;
 *   ĝ = g·scale; m ← β₁m + (1−β₁)ĝ; v ← β₂v + (1−β₂)(ĝ·ĝ);
 *   p ← p − (lr·(m·c₁))/(sqrt(v·c₂) + ε), c₁ = 1/(1−β₁^t), c₂ = 1/(1−β₂^t) from the host.
 * Writes the pre-clip norm of each seed to norms[s].
 *
 * Bindings: 0 uniform {count, lr, b1, b2, omb1, omb2, c1, c2, eps, maxNorm};
 * 1 grads [S, count]; 2 params [S, count]; 3 m [S, count]; 4 v [S, count]; 5 norms [S].
 * Grid: S workgroups of 256.
 * Accuracy: the norm is a count-term sum of squares (T3) and a WGSL sqrt; the
 * update is a fixed chain of T1/T2 steps (see the ledger's fastweights rules).
 *
 * @module
 */

/** WGSL of the fused clip + Adam kernel. */
export const ADAM_WGSL = `
struct Params { count: u32, lr: f32, b1: f32, b2: f32, omb1: f32, omb2: f32, c1: f32, c2: f32,
  eps: f32, max_norm: f32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> ms: array<f32>;
@group(0) @binding(4) var<storage, read_write> vs: array<f32>;
@group(0) @binding(5) var<storage, read_write> norms: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
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
  }
}
`;
