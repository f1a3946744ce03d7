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
 * Bindings: 0 uniform (as the forward kernel's: sizes and offsets); 1 params f32 [S, P];
 * 2 inputs i32 [S, T]; 3 targets i32 [S, T]; 4 ce weights f32 [S, T];
 * 5 label targets f32 [S, T] (< 0: none); 6 hs f32 [S, T + 1, H]; 7 logits
 * f32 [S, T, O]; 8 labels f32 [S, T]; 9 dh f32 [S, H] (read-write carry);
 * 10 grads f32 [S, P] (read-write, accumulated).
 * Grid: ceil(S / 64) workgroups of 64, tiled.
 * Accuracy: softmax with the row max subtracted (WGSL exp, one division),
 * sequential f32 sums in the order written; bounds replayed by
 * spec/fastweights/chunker/_bounds.ts.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import type { ChunkerNetDims } from "./forward.ts";

/** Worst-case loop-header evaluations of one backward step. */
export function chunkerBackwardLoopsPerStep(d: ChunkerNetDims): number {
  const { hidden: H, out: O } = d;
  return 1 + (H + 1) + 3 * (O + 1) + O * (H + 1) + (H + 1) + 2 * (H + 1) + H * (H + 1) +
    (H + 1);
}

/** WGSL of the backward slice kernel (with or without the label head); at most 256 hidden units and outputs. */
export function chunkerBackwardWgsl(label: number): string {
  const labelCode = label
    ? `let lt = labt[s * prm.steps + t];
    if (lt >= 0.0) {
      let dl = labels[s * prm.steps + t] - lt;
      grads[gb + prm.bl] = grads[gb + prm.bl] + dl;
      for (var k = 0u; k < prm.hidden; k++) {
        grads[gb + prm.whl + k] = grads[gb + prm.whl + k] + dl * hs[hc + k];
        dh[k] = dh[k] + dl * params[pb + prm.whl + k];
      }
    }`
    : `let unused = labt[s * prm.steps + t] + labels[s * prm.steps + t];
    if (unused != unused) { dh[0] = dh[0] + 0.0; }`;
  return `
struct Params { seqs: u32, first: u32, count: u32, steps: u32, vocab: u32, hidden: u32, out: u32, size: u32,
  wxh: u32, whh: u32, why: u32, whl: u32, bh: u32, by: u32, bl: u32, label: u32 }
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
  let pb = s * prm.size;
  let gb = pb;
  var dh: array<f32, 256>;
  var da: array<f32, 256>;
  var p: array<f32, 256>;
  for (var i = 0u; i < prm.count; i++) {
    let t = prm.first + prm.count - 1u - i;
    let x = u32(inputs[s * prm.steps + t]);
    let hp = (s * (prm.steps + 1u) + t) * prm.hidden;
    let hc = hp + prm.hidden;
    for (var k = 0u; k < prm.hidden; k++) { dh[k] = carry[s * prm.hidden + k]; }
    let w = cew[s * prm.steps + t];
    let zb = (s * prm.steps + t) * prm.out;
    var m = logits[zb];
    for (var q = 1u; q < prm.out; q++) { m = max(m, logits[zb + q]); }
    var sum = 0.0;
    for (var q = 0u; q < prm.out; q++) { p[q] = exp(logits[zb + q] - m); sum = sum + p[q]; }
    let y = u32(targets[s * prm.steps + t]);
    for (var q = 0u; q < prm.out; q++) {
      let dz = w * (p[q] / sum - select(0.0, 1.0, q == y));
      grads[gb + prm.by + q] = grads[gb + prm.by + q] + dz;
      for (var k = 0u; k < prm.hidden; k++) {
        grads[gb + prm.why + q * prm.hidden + k] = grads[gb + prm.why + q * prm.hidden + k] + dz * hs[hc + k];
        dh[k] = dh[k] + dz * params[pb + prm.why + q * prm.hidden + k];
      }
    }
    ${labelCode}
    for (var j = 0u; j < prm.hidden; j++) {
      let hj = hs[hc + j];
      da[j] = dh[j] * (1.0 - hj * hj);
      grads[gb + prm.bh + j] = grads[gb + prm.bh + j] + da[j];
      grads[gb + prm.wxh + j * prm.vocab + x] = grads[gb + prm.wxh + j * prm.vocab + x] + da[j];
    }
    for (var k = 0u; k < prm.hidden; k++) { dh[k] = 0.0; }
    for (var j = 0u; j < prm.hidden; j++) {
      for (var k = 0u; k < prm.hidden; k++) {
        grads[gb + prm.whh + j * prm.hidden + k] = grads[gb + prm.whh + j * prm.hidden + k] + da[j] * hs[hp + k];
        dh[k] = dh[k] + da[j] * params[pb + prm.whh + j * prm.hidden + k];
      }
    }
    for (var k = 0u; k < prm.hidden; k++) { carry[s * prm.hidden + k] = dh[k]; }
  }
}
`;
}
