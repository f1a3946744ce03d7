/**
 * Chunker-22, one block of the protocol for every seed (one invocation per
 * seed, no barriers), everything but A's BPTT and Adam step (the dispatch that
 * follows it: ./block_update.ts). In the protocol's order:
 *
 * 1. h_0 ← the carried state (row B of the previous block's states);
 *    A's forward over the block's B = 21 symbols,
 *    h_{t+1}[j] = tanh(W_xh[j, x_t] + b_h[j] + Σ_k W_hh[j, k] h_t[k]),
 *    z_t[o] = b_y[o] + Σ_k W_hy[o, k] h_{t+1}[k], and in single mode
 *    σ(b_l + Σ_k W_hl[k] h_B[k]) at t = B − 1 (the only label the protocol reads).
 * 2. Label read-out before any update: single mode thresholds A's label at
 *    t = B − 1; chunker mode runs C one step from h = 0 on the last surprising
 *    a/x symbol s* (none yet: predicts 0).
 * 3. Surprise test: p = softmax(z_t)[target_t] (max subtracted, one division),
 *    surprise iff p < θ; argmax hits. Only t = B − 1 can have an a/x target.
 * 4. (train, chunker mode) on an a/x surprise: C one step from h = 0 on that
 *    symbol, BCE against 1 (a) or 0 (x), global-norm clip and bias-corrected
 *    Adam (β = 0.9, 0.999, ε = 1e-8 after the square root). Only W_xh's a and
 *    x columns, b_h, W_hl and b_l ever get a nonzero gradient (h_0 = 0 zeroes
 *    W_hh's, the unsupervised symbol head zeroes W_hy's and b_y's); the other
 *    moments stay exactly 0 and Adam leaves those parameters exactly unchanged,
 *    so only the live ones are updated. Then s* ← the symbol (also in eval).
 *
 * Uniforms: seeds S, blk (the block), blocks, stride, train (0/1), single
 * (0/1), pa, pc (parameters of A and C), vocab V, hidden H, steps B, lr,
 * threshold, clip, A's offsets whh, why, whl_a, bh_a, by_a, bl_a and C's
 * whl_c, bh_c, bl_c.
 * Bindings: stream i32 [S, stride] (stride 0: one stream shared by every
 * seed); pa (A's parameters) f32 [S, pa]; pc (C's parameters) f32 [S, pc]
 * and mc (C's moments, m then v) f32 [S, 2·pc], both optional (absent in
 * single mode, where they are not touched); state f32 [S, 2] (s* or −1, C's
 * Adam step count); hs f32 [S, B + 1, H] (row B: the carried state); logits
 * f32 [S, B, V]; labels f32 [S, B]; rec (records) i32 [S, blocks, 3] (surprise
 * mask bits, prediction, argmax hits); ptgt (p(target)) f32 [S, blocks, B].
 * Grid: ceil(S / 8) workgroups of 8, tiled. At most 32 hidden units.
 * Accuracy: f32, sequential sums in the order written (as the forward kernel
 * ./forward.ts), WGSL tanh/exp/sqrt/pow; the training run is compared with
 * the f64 oracle by spec/fastweights/chunker/training_test.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Invocations per workgroup of the block kernel (seeds per workgroup). */
export const C22_BLOCK_WORKGROUP = 8;

/** Worst-case loop-header evaluations of one invocation for one block. */
export function c22BlockLoops(B: number, V: number, H: number): number {
  const forward = (H + 1) + B * (1 + (H + 1) * (H + 1) + (V + 1) * (H + 1) + (H + 1)) + (H + 1);
  const surprise = (B + 1) * (1 + 3 * (V + 1));
  const readout = H + 1;
  const cstep = 3 * (H + 1) + 2 * (H + 1) * 6;
  return 1 + forward + surprise + readout + cstep;
}

/**
 * Sizes of the block kernel: steps per block B, symbols V and hidden units H.
 * They are uniforms in the WGSL; only the loop count ({@link c22BlockLoops}) needs them.
 */
export interface C22BlockSizes extends Record<string, number> {
  /**
   * Time steps (stream symbols) per block B; 21 in the protocol, the last step's target being the
   * next block's a/x.
   */
  B: number;
  /** Symbols V: the one-hot input width and A's symbol logits (22 in the protocol). */
  V: number;
  /** Hidden units H of A and C, at most 32 (the kernel's private state arrays hold 32). */
  H: number;
}

/** The block kernel (one block of every seed). */
export const C22_BLOCK: Program<C22BlockSizes> = defineProgram<C22BlockSizes>({
  name: "fastweights_chunker_block",
  workgroupSize: C22_BLOCK_WORKGROUP,
  uniformVar: "prm",
  uniforms: {
    seeds: "u32",
    blk: "u32",
    blocks: "u32",
    stride: "u32",
    train: "u32",
    single: "u32",
    pa: "u32",
    pc: "u32",
    vocab: "u32",
    hidden: "u32",
    steps: "u32",
    lr: "f32",
    threshold: "f32",
    clip: "f32",
    whh: "u32",
    why: "u32",
    whl_a: "u32",
    bh_a: "u32",
    by_a: "u32",
    bl_a: "u32",
    whl_c: "u32",
    bh_c: "u32",
    bl_c: "u32",
  },
  bindings: {
    stream: { access: "read", type: "i32" },
    pa: { access: "read" },
    pc: { access: "read_write", optional: true },
    mc: { access: "read_write", optional: true },
    state: { access: "read_write" },
    hs: { access: "read_write" },
    logits: { access: "read_write" },
    labels: { access: "read_write" },
    rec: { access: "read_write", type: "i32" },
    ptgt: { access: "read_write" },
  },
  helpers: () => `
fn sigm(z: f32) -> f32 { return 1.0 / (1.0 + exp(-z)); }

// One clipped Adam step on C's parameter idx with gradient g·scale.
fn adam_c(cb: u32, cm: u32, idx: u32, g: f32, k1: f32, k2: f32) {
  let m = 0.9 * mc[cm + idx] + 0.1 * g;
  let v = 0.999 * mc[cm + prm.pc + idx] + 0.001 * (g * g);
  mc[cm + idx] = m;
  mc[cm + prm.pc + idx] = v;
  pc[cb + idx] = pc[cb + idx] - prm.lr * (m / k1) / (sqrt(v / k2) + 1e-8);
}
`,
  main: () => `
  let s = wg * 8u + lid;
  if (s >= prm.seeds) { return; }
  let V = prm.vocab;
  let H = prm.hidden;
  let B = prm.steps;
  let pb = s * prm.pa;
  let cb = s * prm.pc;
  let cm = s * 2u * prm.pc;
  let hb = s * (B + 1u) * H;
  let ob = s * prm.stride + prm.blk * B;
  // 1. forward from the carried state
  var hprev: array<f32, 32>;
  var hcur: array<f32, 32>;
  for (var k = 0u; k < H; k++) {
    hprev[k] = hs[hb + B * H + k];
    hs[hb + k] = hprev[k];
  }
  for (var t = 0u; t < B; t++) {
    let x = u32(stream[ob + t]);
    let hc = hb + (t + 1u) * H;
    for (var j = 0u; j < H; j++) {
      var a = pa[pb + j * V + x] + pa[pb + prm.bh_a + j];
      for (var k = 0u; k < H; k++) { a = a + pa[pb + prm.whh + j * H + k] * hprev[k]; }
      hcur[j] = tanh(a);
      hs[hc + j] = hcur[j];
    }
    for (var o = 0u; o < V; o++) {
      var z = pa[pb + prm.by_a + o];
      for (var k = 0u; k < H; k++) { z = z + pa[pb + prm.why + o * H + k] * hcur[k]; }
      logits[(s * B + t) * V + o] = z;
    }
    for (var k = 0u; k < H; k++) { hprev[k] = hcur[k]; }
    labels[s * B + t] = 0.0;
  }
  var lab = 0.0;
  if (prm.single == 1u) {
    var z = pa[pb + prm.bl_a];
    for (var k = 0u; k < H; k++) { z = z + pa[pb + prm.whl_a + k] * hs[hb + B * H + k]; }
    lab = sigm(z);
    labels[s * B + B - 1u] = lab;
  }
  // 2. read-out before any update
  var sstar = i32(state[s * 2u]);
  var pred = 0;
  if (prm.single == 1u) {
    pred = select(0, 1, lab > 0.5);
  } else if (sstar >= 0) {
    var z = pc[cb + prm.bl_c];
    for (var k = 0u; k < H; k++) {
      z = z + pc[cb + prm.whl_c + k] * tanh(pc[cb + k * V + u32(sstar)] + pc[cb + prm.bh_c + k]);
    }
    pred = select(0, 1, sigm(z) > 0.5);
  }
  // 3. surprise test on the pre-update probabilities
  var mask = 0u;
  var nhit = 0;
  for (var t = 0u; t < B; t++) {
    let zb = (s * B + t) * V;
    let y = u32(stream[ob + t + 1u]);
    var m = logits[zb];
    var best = 0u;
    for (var o = 1u; o < V; o++) {
      let z = logits[zb + o];
      if (z > m) { m = z; best = o; }
    }
    var sum = 0.0;
    for (var o = 0u; o < V; o++) { sum = sum + exp(logits[zb + o] - m); }
    let p = exp(logits[zb + y] - m) / sum;
    ptgt[(s * prm.blocks + prm.blk) * B + t] = p;
    if (p < prm.threshold) { mask = mask | (1u << t); }
    if (best == y) { nhit = nhit + 1; }
  }
  let r = (s * prm.blocks + prm.blk) * 3u;
  rec[r] = i32(mask);
  rec[r + 1u] = pred;
  rec[r + 2u] = nhit;
  let y20 = stream[ob + B];
  var sym = -1;
  if ((mask & (1u << (B - 1u))) != 0u && y20 < 2) { sym = y20; }
  // 4. C's one-step update on an a/x surprise
  if (prm.train == 1u && prm.single == 0u && sym >= 0) {
    let col = u32(sym);
    var z = pc[cb + prm.bl_c];
    for (var k = 0u; k < H; k++) {
      z = z + pc[cb + prm.whl_c + k] * tanh(pc[cb + k * V + col] + pc[cb + prm.bh_c + k]);
    }
    let d = sigm(z) - select(0.0, 1.0, sym == 0);
    var sq = d * d;
    for (var k = 0u; k < H; k++) {
      let hk = tanh(pc[cb + k * V + col] + pc[cb + prm.bh_c + k]);
      let g_lab = d * hk;
      let g_hid = d * pc[cb + prm.whl_c + k] * (1.0 - hk * hk);
      sq = sq + g_lab * g_lab + 2.0 * (g_hid * g_hid);
    }
    let norm = sqrt(sq);
    var scale = 1.0;
    if (norm > prm.clip) { scale = prm.clip / norm; }
    let tc = state[s * 2u + 1u] + 1.0;
    state[s * 2u + 1u] = tc;
    let k1 = 1.0 - pow(0.9, tc);
    let k2 = 1.0 - pow(0.999, tc);
    // gradients from the pre-update parameters of unit k, then its live parameters' steps
    for (var k = 0u; k < H; k++) {
      let hk = tanh(pc[cb + k * V + col] + pc[cb + prm.bh_c + k]);
      let g_lab = d * hk * scale;
      let g_hid = d * pc[cb + prm.whl_c + k] * (1.0 - hk * hk) * scale;
      adam_c(cb, cm, k * V, select(0.0, g_hid, col == 0u), k1, k2);
      adam_c(cb, cm, k * V + 1u, select(0.0, g_hid, col == 1u), k1, k2);
      adam_c(cb, cm, prm.bh_c + k, g_hid, k1, k2);
      adam_c(cb, cm, prm.whl_c + k, g_lab, k1, k2);
    }
    adam_c(cb, cm, prm.bl_c, d * scale, k1, k2);
  }
  if (sym >= 0) { sstar = sym; }
  state[s * 2u] = f32(sstar);`,
  loopIterations: ({ B, V, H }) => c22BlockLoops(B, V, H),
});
