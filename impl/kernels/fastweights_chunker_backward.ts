/**
 * Chunker Elman net, BPTT over a slice of time steps, walking t from
 * first + count − 1 down to first: one invocation per sequence takes the
 * carried ∂L/∂h_t (from step t + 1) from its state buffer, adds the symbol
 * head's w_t·(softmax(z_t) − e_{y_t}) through W_hy and the label head's
 * (σ_t − ℓ_t) through W_hl, forms da = dh·(1 − h_t²), accumulates every
 * parameter gradient in place (sequentially over t, so a sequence split over
 * dispatches sums in the same order) and stores Σ_j da_j W_hh[j, :] as the
 * carried gradient for step t − 1.
 *
 * Bindings: 0 uniform {seqs, first, count, pad}; 1 params f32 [S, P];
 * 2 inputs i32 [S, T]; 3 targets i32 [S, T]; 4 ce weights f32 [S, T];
 * 5 label targets f32 [S, T] (< 0: none); 6 hs f32 [S, T + 1, H]; 7 logits
 * f32 [S, T, O]; 8 labels f32 [S, T]; 9 dh f32 [S, H] (read-write carry);
 * 10 grads f32 [S, P] (read-write, accumulated).
 * Grid: ceil(S / 64) workgroups of 64, tiled.
 * Accuracy: softmax with the row max subtracted (WGSL exp, one division),
 * sequential f32 sums in the order written; bounds replayed by
 * spec/fastweights/chunker_gpu_test.ts.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../gpu/grid.ts";
import { type ChunkerNetDims, chunkerOffsets } from "./fastweights_chunker_forward.ts";

/** Worst-case loop-header evaluations of one backward step. */
export function chunkerBackwardLoopsPerStep(d: ChunkerNetDims): number {
  const { hidden: H, out: O } = d;
  return 1 + (H + 1) + 3 * (O + 1) + O * (H + 1) + (H + 1) + 2 * (H + 1) + H * (H + 1) +
    (H + 1);
}

/** WGSL of the backward slice kernel. */
export function chunkerBackwardWgsl(d: ChunkerNetDims): string {
  const { vocab: V, hidden: H, out: O, label: L, steps: T } = d;
  const o = chunkerOffsets(d);
  const label = L
    ? `let lt = labt[s * ${T}u + t];
    if (lt >= 0.0) {
      let dl = labels[s * ${T}u + t] - lt;
      grads[gb + ${o.bl}u] = grads[gb + ${o.bl}u] + dl;
      for (var k = 0u; k < ${H}u; k++) {
        grads[gb + ${o.whl}u + k] = grads[gb + ${o.whl}u + k] + dl * hs[hc + k];
        dh[k] = dh[k] + dl * params[pb + ${o.whl}u + k];
      }
    }`
    : `let unused = labt[s * ${T}u + t] + labels[s * ${T}u + t];
    if (unused != unused) { dh[0] = dh[0] + 0.0; }`;
  return `
struct Params { seqs: u32, first: u32, count: u32, pad: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<i32>;
@group(0) @binding(3) var<storage, read> targets: array<i32>;
@group(0) @binding(4) var<storage, read> cew: array<f32>;
@group(0) @binding(5) var<storage, read> labt: array<f32>;
@group(0) @binding(6) var<storage, read> hs: array<f32>;
@group(0) @binding(7) var<storage, read> logits: array<f32>;
@group(0) @binding(8) var<storage, read> labels: array<f32>;
@group(0) @binding(9) var<storage, read_write> carry: array<f32>;
@group(0) @binding(10) var<storage, read_write> grads: array<f32>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let s = linear_workgroup(wid, nwg) * 64u + lid;
  if (s >= prm.seqs) { return; }
  let pb = s * ${o.size}u;
  let gb = pb;
  var dh: array<f32, ${H}>;
  var da: array<f32, ${H}>;
  var p: array<f32, ${O}>;
  for (var i = 0u; i < prm.count; i++) {
    let t = prm.first + prm.count - 1u - i;
    let x = u32(inputs[s * ${T}u + t]);
    let hp = (s * ${T + 1}u + t) * ${H}u;
    let hc = hp + ${H}u;
    for (var k = 0u; k < ${H}u; k++) { dh[k] = carry[s * ${H}u + k]; }
    let w = cew[s * ${T}u + t];
    let zb = (s * ${T}u + t) * ${O}u;
    var m = logits[zb];
    for (var q = 1u; q < ${O}u; q++) { m = max(m, logits[zb + q]); }
    var sum = 0.0;
    for (var q = 0u; q < ${O}u; q++) { p[q] = exp(logits[zb + q] - m); sum = sum + p[q]; }
    let y = u32(targets[s * ${T}u + t]);
    for (var q = 0u; q < ${O}u; q++) {
      let dz = w * (p[q] / sum - select(0.0, 1.0, q == y));
      grads[gb + ${o.by}u + q] = grads[gb + ${o.by}u + q] + dz;
      for (var k = 0u; k < ${H}u; k++) {
        grads[gb + ${o.why}u + q * ${H}u + k] = grads[gb + ${o.why}u + q * ${H}u + k] + dz * hs[hc + k];
        dh[k] = dh[k] + dz * params[pb + ${o.why}u + q * ${H}u + k];
      }
    }
    ${label}
    for (var j = 0u; j < ${H}u; j++) {
      let hj = hs[hc + j];
      da[j] = dh[j] * (1.0 - hj * hj);
      grads[gb + ${o.bh}u + j] = grads[gb + ${o.bh}u + j] + da[j];
      grads[gb + ${o.wxh}u + j * ${V}u + x] = grads[gb + ${o.wxh}u + j * ${V}u + x] + da[j];
    }
    for (var k = 0u; k < ${H}u; k++) { dh[k] = 0.0; }
    for (var j = 0u; j < ${H}u; j++) {
      for (var k = 0u; k < ${H}u; k++) {
        grads[gb + ${o.whh}u + j * ${H}u + k] = grads[gb + ${o.whh}u + j * ${H}u + k] + da[j] * hs[hp + k];
        dh[k] = dh[k] + da[j] * params[pb + ${o.whh}u + j * ${H}u + k];
      }
    }
    for (var k = 0u; k < ${H}u; k++) { carry[s * ${H}u + k] = dh[k]; }
  }
}
`;
}
