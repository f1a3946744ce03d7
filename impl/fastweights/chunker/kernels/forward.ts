/**
 * Chunker Elman net, forward over a slice of time steps: one invocation per
 * sequence runs h_t = tanh(W_xh[:, x_t] + b_h + Σ_k W_hh[j, k] h_{t−1}[k]),
 * z_t = b_y + Σ_k W_hy[o, k] h_t[k] and (with a label head)
 * σ(b_l + Σ_k W_hl[k] h_t[k]) for t in [first, first + count), reading
 * h_{first−1} from the state buffer, so a long sequence is split over
 * dispatches by the adapter's loop budget (the state never leaves the GPU).
 *
 * Bindings: 0 uniform {seqs, first, count, steps, vocab, hidden, out, size, and the
 * seven parameter offsets, label}; 1 params f32 [S, P] (flat
 * layout of spec/oracle/fastweights/chunker.ts: W_xh, W_hh, W_hy, W_hl, b_h,
 * b_y, b_l); 2 inputs i32 [S, T]; 3 hs f32 [S, T + 1, H] (row 0 the initial
 * state); 4 logits f32 [S, T, O]; 5 labels f32 [S, T] (0 without a label head).
 * Grid: ceil(S / 64) workgroups of 64, tiled.
 * Accuracy: sequential f32 sums in the order written (bias first, then k
 * ascending); WGSL tanh and exp; bounds replayed by spec/fastweights/chunker/_bounds.ts.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";

/** Sizes of a chunker net and its sequences. */
export interface ChunkerNetDims {
  readonly vocab: number;
  readonly hidden: number;
  readonly out: number;
  /** 0 or 1. */
  readonly label: number;
  /** Steps per sequence. */
  readonly steps: number;
}

/** Flat parameter offsets (the oracle's layout, derived here independently of it). */
export function chunkerOffsets(d: ChunkerNetDims) {
  const { vocab: V, hidden: H, out: O, label: L } = d;
  const whh = H * V;
  const why = whh + H * H;
  const whl = why + O * H;
  const bh = whl + L * H;
  const by = bh + H;
  const bl = by + O;
  return { wxh: 0, whh, why, whl, bh, by, bl, size: bl + L };
}

/** Worst-case loop-header evaluations of one forward step. */
export function chunkerForwardLoopsPerStep(d: ChunkerNetDims): number {
  const { hidden: H, out: O } = d;
  return 1 + H * (H + 1) + (H + 1) + O * (H + 1) + (O + 1) + (H + 1);
}

/**
 * Uniform values of both chunker kernels for a slice: sizes and offsets go in
 * as uniforms (not WGSL constants) so that llvmpipe does not unroll the loops
 * into a huge straight-line shader.
 */
export function chunkerUniforms(
  d: ChunkerNetDims,
  seqs: number,
  first: number,
  count: number,
): number[] {
  const o = chunkerOffsets(d);
  return [
    seqs,
    first,
    count,
    d.steps,
    d.vocab,
    d.hidden,
    d.out,
    o.size,
    o.wxh,
    o.whh,
    o.why,
    o.whl,
    o.bh,
    o.by,
    o.bl,
    d.label,
  ];
}

/** WGSL of the forward slice kernel (with or without the label head). */
export function chunkerForwardWgsl(label: number): string {
  const labelCode = label
    ? `var zl = prm_at(pb + prm.bl);
    for (var k = 0u; k < prm.hidden; k++) { zl = zl + prm_at(pb + prm.whl + k) * hs[hc + k]; }
    labels[s * prm.steps + t] = 1.0 / (1.0 + exp(-zl));`
    : `labels[s * prm.steps + t] = 0.0;`;
  return `
struct Params { seqs: u32, first: u32, count: u32, steps: u32, vocab: u32, hidden: u32, out: u32, size: u32,
  wxh: u32, whh: u32, why: u32, whl: u32, bh: u32, by: u32, bl: u32, label: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> inputs: array<i32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;
@group(0) @binding(4) var<storage, read_write> logits: array<f32>;
@group(0) @binding(5) var<storage, read_write> labels: array<f32>;
${WGSL_LINEAR_WORKGROUP}
fn prm_at(i: u32) -> f32 { return params[i]; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let s = linear_workgroup(wid, nwg) * 64u + lid;
  if (s >= prm.seqs) { return; }
  let pb = s * prm.size;
  for (var i = 0u; i < prm.count; i++) {
    let t = prm.first + i;
    let x = u32(inputs[s * prm.steps + t]);
    let hp = (s * (prm.steps + 1u) + t) * prm.hidden;
    let hc = hp + prm.hidden;
    for (var j = 0u; j < prm.hidden; j++) {
      var a = prm_at(pb + prm.wxh + j * prm.vocab + x) + prm_at(pb + prm.bh + j);
      for (var k = 0u; k < prm.hidden; k++) { a = a + prm_at(pb + prm.whh + j * prm.hidden + k) * hs[hp + k]; }
      hs[hc + j] = tanh(a);
    }
    for (var q = 0u; q < prm.out; q++) {
      var z = prm_at(pb + prm.by + q);
      for (var k = 0u; k < prm.hidden; k++) { z = z + prm_at(pb + prm.why + q * prm.hidden + k) * hs[hc + k]; }
      logits[(s * prm.steps + t) * prm.out + q] = z;
    }
    ${labelCode}
  }
}
`;
}
