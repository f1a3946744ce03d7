/**
 * Chunker Elman net, BPTT over a slice of time steps, walking t from
 * first + count − 1 down to first: one invocation per sequence takes the
 * carried ∂L/∂h_t (from step t + 1) from its state buffer, adds the symbol
 * head's w_t·(softmax(z_t) − e_{y_t}) through W_hy and the label head's
 * (σ_t − ℓ_t) through W_hl, forms da = dh·(1 − h_t²), accumulates every
 * parameter gradient in place (sequentially over t, so a sequence split over
 * dispatches sums in the same order) and stores Σ_j da_j W_hh[j, :] as the
 * carried gradient for step t − 1. The host launches the slices from the
 * last one down (so not through the runner's ascending split).
 *
 * Uniforms: first, count (the slice) and the forward's shared fields (sizes
 * and offsets, CHUNKER_UNIFORM_FIELDS).
 * Bindings: params f32 [S, P]; inputs i32 [S, T]; targets i32 [S, T]; cew
 * (cross-entropy weights) f32 [S, T]; labt (label targets, < 0: none) f32
 * [S, T]; hs f32 [S, T + 1, H]; logits f32 [S, T, O]; labels f32 [S, T];
 * carry (∂L/∂h, read-write) f32 [S, H]; grads (read-write, accumulated) f32 [S, P].
 * Grid: ceil(S / 64) workgroups of 64, tiled.
 * Accuracy: softmax with the row max subtracted (WGSL exp, one division),
 * sequential f32 sums in the order written; bounds replayed by
 * spec/fastweights/chunker/_bounds.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { CHUNKER_UNIFORM_FIELDS, type ChunkerNetDims, type ChunkerSizes } from "./forward.ts";

/** Worst-case loop-header evaluations of one backward step. */
export function chunkerBackwardLoopsPerStep(d: Pick<ChunkerNetDims, "hidden" | "out">): number {
  const { hidden: H, out: O } = d;
  return 1 + (H + 1) + 3 * (O + 1) + O * (H + 1) + (H + 1) + 2 * (H + 1) + H * (H + 1) +
    (H + 1);
}

/**
 * The backward kernel (with or without the label head: sizes); at most 256
 * hidden units and outputs. `steps` of a dispatch are the slice's `count`.
 */
export const CHUNKER_BACKWARD: Program<ChunkerSizes> = defineProgram<ChunkerSizes>({
  name: "fastweights_chunker_backward",
  workgroupSize: 64,
  uniformVar: "prm",
  uniforms: { first: "u32", count: "u32", ...CHUNKER_UNIFORM_FIELDS },
  bindings: {
    params: { access: "read" },
    inputs: { access: "read", type: "i32" },
    targets: { access: "read", type: "i32" },
    cew: { access: "read" },
    labt: { access: "read" },
    hs: { access: "read" },
    logits: { access: "read" },
    labels: { access: "read" },
    carry: { access: "read_write" },
    grads: { access: "read_write" },
  },
  main: ({ label }) => {
    // Without a label head the label bindings are still read (a no-op), so that
    // the pipeline's automatic layout keeps them.
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
  let s = wg * 64u + lid;
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
  }`;
  },
  loopIterations: (s, steps) => 1 + steps * chunkerBackwardLoopsPerStep(s),
});
