/**
 * Chunker-22, A's update for one block of every seed (one invocation per
 * seed, no barriers), after ./block.ts has run A's forward:
 * BPTT over the block's B = 21 steps from the stored states and logits, then
 * global-norm clip and bias-corrected Adam. Walking t from B − 1 down to 0:
 * dh = carried ∂L/∂h_{t+1} + Σ_o dz_o W_hy[o, :] with
 * dz = softmax(z_t) − e_{y_t} for t < B − 1 (the boundary step t = B − 1 has no
 * CE), plus (σ − ℓ)·W_hl at t = B − 1 in single mode (ℓ = 1 iff the block
 * starts with a); da = dh·(1 − h_{t+1}²); every parameter gradient accumulates
 * in the order written; the carry becomes Σ_j da_j W_hh[j, :]. Then
 * scale = clip/‖g‖ when ‖g‖ > clip, m ← 0.9m + 0.1ĝ, v ← 0.999v + 0.001ĝ²,
 * p ← p − lr·(m/c₁)/(sqrt(v/c₂) + 1e-8), c₁ = 1 − 0.9^t, c₂ = 1 − 0.999^t for
 * Adam step t = block + 1 (from the host).
 *
 * Uniforms: seeds S, blk (the block), stride, single (0/1), pa (A's
 * parameters), vocab V, hidden H, steps B, lr, clip, c1, c2, and A's offsets
 * whh, why, whl, bh, by, bl.
 * Bindings: stream i32 [S, stride]; pa (A's parameters, read-write) f32
 * [S, pa]; ma (A's moments, m then v) f32 [S, 2·pa]; hs f32 [S, B + 1, H];
 * logits f32 [S, B, V]; labels f32 [S, B]; grads (gradient scratch) f32 [S, pa].
 * Grid: ceil(S / 8) workgroups of 8, tiled. At most 32 hidden units.
 * Accuracy: f32, softmax with the row max subtracted (WGSL exp, one
 * division), sequential sums in the order written, WGSL sqrt; the training
 * run is compared with the f64 oracle by spec/fastweights/chunker/training_test.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Invocations per workgroup (seeds per workgroup). */
export const C22_UPDATE_WORKGROUP = 8;

/** Worst-case loop-header evaluations of one invocation. */
export function c22UpdateLoops(B: number, V: number, H: number, P: number): number {
  const step = 1 + (H + 1) + 3 * (V + 1) + V * (H + 1) + (H + 1) + (H + 1) + (H + 1) +
    H * (H + 1) + (H + 1);
  return 1 + (P + 1) + (B + 1) * step + 2 * (P + 1);
}

/**
 * Sizes of the update kernel: B, V, H and A's parameter count P. They are
 * uniforms in the WGSL; only the loop count ({@link c22UpdateLoops}) needs them.
 */
export interface C22UpdateSizes extends Record<string, number> {
  /** Time steps per block B that the BPTT walks back over (21 in the protocol). */
  B: number;
  /** Symbols V: the one-hot input width and A's symbol logits (22 in the protocol). */
  V: number;
  /** Hidden units H of A, at most 32 (the kernel's private BPTT arrays hold 32). */
  H: number;
  /**
   * A's parameter count P_A per seed (with the label head in single mode): the gradient's length.
   */
  P: number;
}

/** The update kernel (A's BPTT and Adam step for one block of every seed). */
export const C22_UPDATE: Program<C22UpdateSizes> = defineProgram<C22UpdateSizes>({
  name: "fastweights_chunker_block_update",
  workgroupSize: C22_UPDATE_WORKGROUP,
  uniformVar: "prm",
  uniforms: {
    seeds: "u32",
    blk: "u32",
    stride: "u32",
    single: "u32",
    pa: "u32",
    vocab: "u32",
    hidden: "u32",
    steps: "u32",
    lr: "f32",
    clip: "f32",
    c1: "f32",
    c2: "f32",
    whh: "u32",
    why: "u32",
    whl: "u32",
    bh: "u32",
    by: "u32",
    bl: "u32",
  },
  bindings: {
    stream: { access: "read", type: "i32" },
    pa: { access: "read_write" },
    ma: { access: "read_write" },
    hs: { access: "read" },
    logits: { access: "read" },
    labels: { access: "read" },
    grads: { access: "read_write" },
  },
  main: () => `
  let s = wg * 8u + lid;
  if (s >= prm.seeds) { return; }
  let V = prm.vocab;
  let H = prm.hidden;
  let B = prm.steps;
  let pb = s * prm.pa;
  let hb = s * (B + 1u) * H;
  let ob = s * prm.stride + prm.blk * B;
  var dh: array<f32, 32>;
  var da: array<f32, 32>;
  var carry: array<f32, 32>;
  var hprev: array<f32, 32>;
  var hcur: array<f32, 32>;
  for (var q = 0u; q < prm.pa; q++) { grads[pb + q] = 0.0; }
  for (var k = 0u; k < H; k++) { carry[k] = 0.0; }
  for (var r = 0u; r < B; r++) {
    let t = B - 1u - r;
    let x = u32(stream[ob + t]);
    let hp = hb + t * H;
    let hc = hp + H;
    for (var k = 0u; k < H; k++) {
      dh[k] = carry[k];
      hprev[k] = hs[hp + k];
      hcur[k] = hs[hc + k];
    }
    if (t + 1u < B) {
      let y = u32(stream[ob + t + 1u]);
      let zb = (s * B + t) * V;
      var m = logits[zb];
      for (var o = 1u; o < V; o++) { m = max(m, logits[zb + o]); }
      var sum = 0.0;
      for (var o = 0u; o < V; o++) { sum = sum + exp(logits[zb + o] - m); }
      for (var o = 0u; o < V; o++) {
        let dz = exp(logits[zb + o] - m) / sum - select(0.0, 1.0, o == y);
        grads[pb + prm.by + o] = grads[pb + prm.by + o] + dz;
        for (var k = 0u; k < H; k++) {
          grads[pb + prm.why + o * H + k] = grads[pb + prm.why + o * H + k] + dz * hcur[k];
          dh[k] = dh[k] + dz * pa[pb + prm.why + o * H + k];
        }
      }
    } else if (prm.single == 1u) {
      let dl = labels[s * B + t] - select(0.0, 1.0, stream[ob] == 0);
      grads[pb + prm.bl] = grads[pb + prm.bl] + dl;
      for (var k = 0u; k < H; k++) {
        grads[pb + prm.whl + k] = grads[pb + prm.whl + k] + dl * hcur[k];
        dh[k] = dh[k] + dl * pa[pb + prm.whl + k];
      }
    }
    for (var j = 0u; j < H; j++) {
      let hj = hcur[j];
      da[j] = dh[j] * (1.0 - hj * hj);
      grads[pb + prm.bh + j] = grads[pb + prm.bh + j] + da[j];
      grads[pb + j * V + x] = grads[pb + j * V + x] + da[j];
    }
    for (var k = 0u; k < H; k++) { carry[k] = 0.0; }
    for (var j = 0u; j < H; j++) {
      for (var k = 0u; k < H; k++) {
        grads[pb + prm.whh + j * H + k] = grads[pb + prm.whh + j * H + k] + da[j] * hprev[k];
        carry[k] = carry[k] + da[j] * pa[pb + prm.whh + j * H + k];
      }
    }
  }
  var sq = 0.0;
  for (var q = 0u; q < prm.pa; q++) { sq = sq + grads[pb + q] * grads[pb + q]; }
  let norm = sqrt(sq);
  var scale = 1.0;
  if (norm > prm.clip) { scale = prm.clip / norm; }
  let mb = 2u * pb;
  for (var q = 0u; q < prm.pa; q++) {
    let g = grads[pb + q] * scale;
    let m = 0.9 * ma[mb + q] + 0.1 * g;
    let v = 0.999 * ma[mb + prm.pa + q] + 0.001 * (g * g);
    ma[mb + q] = m;
    ma[mb + prm.pa + q] = v;
    pa[pb + q] = pa[pb + q] - prm.lr * (m / prm.c1) / (sqrt(v / prm.c2) + 1e-8);
  }`,
  loopIterations: ({ B, V, H, P }) => c22UpdateLoops(B, V, H, P),
});
