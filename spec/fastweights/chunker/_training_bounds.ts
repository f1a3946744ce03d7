/**
 * Step-local f32 bounds of the chunkers' training kernels, the kernels the
 * trainers actually run (not `chunkerBptt`):
 *
 * - chunker-22, A's block (impl/fastweights/chunker/kernels/block.ts for the
 *   forward, kernels/block_update.ts for the BPTT, global-norm clip and Adam):
 *   {@link checkA22Block};
 * - chunker-22, C's one-step update inside the block kernel: {@link checkC22Step};
 * - chunker-1200, one SGD update of the window kernel (kernels/c1200_window.ts:
 *   A's windows, C's compressed sequences) or of the phased full kernel
 *   (kernels/c1200_full.ts: the baseline): {@link checkSgdUpdate}.
 *
 * Every reference starts from the GPU's own state (its parameters, moments,
 * carried state and, for the gradients, its own forward trajectory of the
 * block), so each bound covers one step of f32 rounding and never compounds
 * over training. The forward is checked state by state against the oracle's
 * step from the GPU's previous state; the gradient against the oracle's BPTT on
 * the GPU's trajectory within `backwardBounds` (the carried gradient's error
 * recursed norm-wise through ‖W_hh‖₂); the update (clip and Adam, or clamp and
 * SGD) against the oracle's update of the GPU's parameters with the oracle's
 * gradient, the gradient's bound propagated through the update in the kernel's
 * evaluation order with the ledger's running error analysis (`track`,
 * `trackBuiltins`, `trackSum`). The parameter reference is therefore the
 * oracle's whole training step Φ(θ_gpu): |θ_gpu' − Φ(θ_gpu)| is what is bounded.
 *
 * @module
 */
import {
  F32_MAX,
  F32_MIN_NORMAL,
  track,
  trackBuiltins,
  type Tracked,
  trackSum,
  U32,
  WGSL_LOG_ABS,
  WGSL_LOG_ULPS,
  wgslExpUlps,
  wgslUlpError,
} from "../../../invariants/tolerance.ts";
import {
  adamClipStep,
  C22,
  c22Dims,
  rnnBackward,
  type RnnDims,
  rnnForward,
  type RnnLossSpec,
  sgdClipStep,
} from "../../oracle/fastweights/chunker.ts";
import type { Comparison } from "../../_harness/differential.ts";
import { referenceBounds } from "../unknown_delay/_bounds.ts";
import {
  backwardBounds,
  exact,
  type GpuCase,
  readoutBounds,
  rounded,
  spectralBound,
  stepBounds,
  trackedParams,
} from "./_bounds.ts";

const ZERO: Tracked = { v: 0, e: 0 };
const ONE: Tracked = { v: 1, e: 0 };

/**
 * WGSL `log2(x)`: 3 ULP outside [0.5, 2], absolute error below 2⁻²¹ inside (WGSL §15.7.4.1,
 * the same rule as `log`), plus the propagation of x's error (increasing, concave: the low side
 * moves most); Infinity unless x ≥ 2⁻¹²⁶ surely.
 */
function trackLog2(a: Tracked): Tracked {
  const lo = a.v - a.e;
  const hi = a.v + a.e;
  const y = Math.log2(a.v);
  if (!(lo >= F32_MIN_NORMAL)) return { v: y, e: Infinity };
  const p = y - Math.log2(lo);
  let own = 0;
  if (lo <= 2 && hi >= 0.5) own = WGSL_LOG_ABS;
  if (lo < 0.5 || hi > 2) {
    own = Math.max(
      own,
      wgslUlpError(WGSL_LOG_ULPS, Math.max(Math.abs(Math.log2(lo)), Math.abs(Math.log2(hi)))),
    );
  }
  return { v: y, e: p + own + F32_MIN_NORMAL };
}

/**
 * WGSL `exp2(x)`: 3 + 2|x| ULP (WGSL §15.7.4.1) at the largest argument it may see, plus the
 * propagation of x's error (increasing, convex: the high side moves most); Infinity when it may
 * overflow.
 */
function trackExp2(a: Tracked): Tracked {
  const y = 2 ** a.v;
  const p = y * (2 ** a.e - 1);
  const m = y + p;
  if (!(m <= F32_MAX)) return { v: y, e: Infinity };
  return { v: y, e: p + wgslUlpError(wgslExpUlps(Math.abs(a.v) + a.e), m) };
}

/**
 * WGSL `pow(x, y)` for x > 0, "inherited from exp2(y · log2(x))" (WGSL §15.7.4.1): the
 * inherited expression followed step by step.
 *
 * @example 0.9¹ within 1e-6, 0.999¹⁵⁰⁰ only within 2e-4 (log2's 2⁻²¹ absolute error times 1500)
 * ```ts
 * import { trackPow } from "./_training_bounds.ts";
 * import { track, trackBuiltins } from "../../../invariants/tolerance.ts";
 * import { ok } from "node:assert/strict";
 * ok(trackPow(trackBuiltins.literal(0.9), track.input(1)).e < 1e-6);
 * const late = trackPow(trackBuiltins.literal(0.999), track.input(1500)).e;
 * ok(late > 1e-4 && late < 2e-4);
 * ```
 */
export function trackPow(x: Tracked, y: Tracked): Tracked {
  return trackExp2(track.mul(y, trackLog2(x)));
}

/**
 * The kernels' global-norm clip scale, `var scale = 1.0; if (norm > clip) { scale = clip / norm; }`,
 * against the oracle's `norm > clip ? clip / norm : 1` on the exact norm. When the computed norm
 * may fall on either side of clip, the kernel may take either branch: the bound covers both.
 */
export function clipScale(norm: Tracked, clip: Tracked): Tracked {
  const div = track.div(clip, norm);
  const v = norm.v > clip.v ? div.v : 1;
  if (norm.v - norm.e > clip.v + clip.e) return div;
  if (norm.v + norm.e <= clip.v - clip.e) return ONE;
  return { v, e: Math.max(Math.abs(1 - v), Math.abs(div.v - v) + div.e) };
}

/** Adam's constants as one kernel sees them: lr, and the bias corrections c₁, c₂. */
export interface AdamConstants {
  lr: Tracked;
  c1: Tracked;
  c2: Tracked;
}

/**
 * Relative slack on the a-priori bound of a computed Adam step: the ≈ 25 relative roundings
 * between the step's exact value and the kernel's (literal conversions 2u each, + − × u each,
 * two divisions 5u each, WGSL sqrt ≈ 9u, the bias corrections' uniforms), taken as 64u.
 */
const ADAM_STEP_REL = 64 * U32;

const LIT = {
  b1: trackBuiltins.literal(0.9),
  a1: trackBuiltins.literal(0.1),
  b2: trackBuiltins.literal(0.999),
  a2: trackBuiltins.literal(0.001),
  eps: trackBuiltins.literal(1e-8),
};

/**
 * One element of the kernels' Adam step from the GPU's own f32 parameter p and moments m, v
 * with the (clipped) gradient g: m' = 0.9·m + 0.1·g, v' = 0.999·v + 0.001·(g·g),
 * p' = p − lr·(m'/c₁) / (sqrt(v'/c₂) + 1e-8), in that evaluation order (block_update.ts and
 * block.ts's `adam_c`).
 */
export function adamElement(
  p: number,
  m: number,
  v: number,
  g: Tracked,
  k: AdamConstants,
): { p: Tracked; m: Tracked; v: Tracked } {
  const mNew = track.add(track.mul(LIT.b1, track.input(m)), track.mul(LIT.a1, g));
  const vNew = track.add(track.mul(LIT.b2, track.input(v)), track.mul(LIT.a2, track.mul(g, g)));
  const step = track.div(
    track.mul(k.lr, track.div(mNew, k.c1)),
    track.add(track.sqrt(track.div(vNew, k.c2)), LIT.eps),
  );
  const pNew = track.sub(track.input(p), step);
  // Where the gradient's sign is uncertain and the moments are young, numerator and denominator
  // vanish together and the propagated bound is loose or infinite; Adam's step is bounded
  // whatever the gradient: |Δ| ≤ lr·(β₁|m|/c₁ / max(√(β₂v/c₂), ε) + (1 − β₁)/(c₁·√((1 − β₂)/c₂)))
  // (√(β₂v + (1 − β₂)g²) ≥ both √(β₂v) and √(1 − β₂)·|g|), for the computed step too within
  // ADAM_STEP_REL (its ~25 roundings, literals and WGSL sqrt and division included).
  const c1 = k.c1.v - k.c1.e;
  const c2 = k.c2.v + k.c2.e;
  const eps = 1e-8 * (1 - 2 ** -23);
  const bound = (k.lr.v + k.lr.e) * (1 + ADAM_STEP_REL) *
    ((0.9 * Math.abs(m) / c1) / Math.max(Math.sqrt((0.999 * v) / c2), eps) +
      0.1 / (c1 * Math.sqrt(0.001 / c2)));
  const fallback = Math.abs(step.v) + bound + U32 * (Math.abs(p) + bound) + F32_MIN_NORMAL;
  if (c1 > 0 && fallback < pNew.e) return { p: { v: pNew.v, e: fallback }, m: mNew, v: vNew };
  return { p: pNew, m: mNew, v: vNew };
}

/** Parameters, moments and what the kernels wrote, as f64 copies of the GPU's f32 values. */
export interface AdamState {
  params: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/**
 * Adds the three outputs of one Adam step to `cmp`: the GPU's parameters and moments after the
 * step against the oracle's `adamClipStep` from the GPU's state before it (Adam step `t`) with
 * the oracle's gradient `g`, within the tracked gradient `gb` propagated through the kernel's
 * clip (`clipSum`: how its squared norm is summed) and Adam (`k`; `live`: which parameters the
 * kernel updates, the others must stay unchanged).
 */
function addAdamStep(
  cmp: Comparison,
  name: string,
  before: AdamState,
  after: AdamState,
  g: Float64Array,
  gb: readonly Tracked[],
  clipSum: Tracked,
  hyper: { lr: number; clip: number; t: number },
  k: AdamConstants,
  live: (q: number) => boolean = () => true,
): void {
  const ref: AdamState = {
    params: before.params.slice(),
    m: before.m.slice(),
    v: before.v.slice(),
  };
  adamClipStep(ref.params, g, { m: ref.m, v: ref.v, t: hyper.t - 1 }, hyper.lr, hyper.clip);
  const scale = clipScale(track.sqrt(clipSum), rounded(hyper.clip));
  const n = before.params.length;
  const bp: Tracked[] = [];
  const bm: Tracked[] = [];
  const bv: Tracked[] = [];
  for (let q = 0; q < n; q++) {
    if (!live(q)) {
      // Untouched by the kernel: the oracle's zero gradient and zero moments leave it exactly.
      bp.push(ZERO), bm.push(ZERO), bv.push(ZERO);
      continue;
    }
    const s = adamElement(
      before.params[q]!,
      before.m[q]!,
      before.v[q]!,
      track.mul(gb[q]!, scale),
      k,
    );
    bp.push(s.p), bm.push(s.m), bv.push(s.v);
  }
  cmp.add(`${name} parameters (one step)`, after.params, ref.params, referenceBounds(bp));
  cmp.add(`${name} first moments (one step)`, after.m, ref.m, referenceBounds(bm));
  cmp.add(`${name} second moments (one step)`, after.v, ref.v, referenceBounds(bv));
}

/** Sequential Σ g_q² of tracked values, as `sq = sq + g * g` from 0.0. */
function sumSquares(gs: readonly Tracked[]): Tracked {
  let sq = ZERO;
  for (const g of gs) sq = track.add(sq, track.mul(g, g));
  return sq;
}

/** Step-local forward checks of a run: states from the GPU's previous state, read-outs. */
function addForward(
  cmp: Comparison,
  name: string,
  d: RnnDims,
  params: Float64Array,
  hs: Float64Array,
  logits: Float64Array,
  inputs: ArrayLike<number>,
  step: (prev: Tracked[], x: number) => Tracked[],
  readout: (h: Tracked[]) => Tracked[],
): void {
  const H = d.hidden;
  const T = inputs.length;
  const hRef = new Float64Array(T * H);
  const hB: Tracked[] = [];
  const zB: Tracked[] = [];
  for (let t = 0; t < T; t++) {
    const prev = hs.subarray(t * H, (t + 1) * H);
    hRef.set(rnnForward(d, params, prev, [inputs[t]!]).h.subarray(H), t * H);
    hB.push(...step(exact(prev, 0, H), inputs[t]!));
    zB.push(...readout(exact(hs, (t + 1) * H, H)));
  }
  cmp.add(`${name} states (local)`, hs.subarray(H, (T + 1) * H), hRef, referenceBounds(hB));
  cmp.add(`${name} logits (local)`, logits, zB.map((u) => u.v), referenceBounds(zB));
}

// --- chunker-22 ---

/** One training block of chunker-22's A: the GPU's state before it and what the kernels wrote. */
export interface A22Block {
  mode: "chunker" | "single";
  /** Adam step of this block's update (the block index + 1). */
  t: number;
  /** A's parameters and moments before the block. */
  before: AdamState;
  /** The block's 21 input symbols and targets (target 20: the next block's first symbol). */
  inputs: ArrayLike<number>;
  targets: ArrayLike<number>;
  /** What the block kernel and the update kernel wrote. */
  gpu: {
    /** [B + 1, H]: row 0 the carried state, rows 1..B the block's states. */
    hs: Float64Array;
    /** [B, V]. */
    logits: Float64Array;
    /** σ(label) at t = B − 1 (single mode; 0 otherwise). */
    label: number;
    /** The update kernel's raw BPTT gradient (its `grads` scratch), before the clip. */
    grads: Float64Array;
    /** Parameters and moments after the update. */
    after: AdamState;
  };
}

/**
 * Adds one chunker-22 block of A to `cmp`: its forward step by step, its BPTT gradient (the
 * update kernel's `grads`) against the oracle's on the GPU's trajectory, and its clipped Adam
 * step against the oracle's from the GPU's parameters, moments and carried state. Outputs:
 * `<name> states (local)`, `… logits (local)`, `… label (local)` (single mode),
 * `… gradients (BPTT)`, `… parameters (one step)`, `… first moments (one step)`, `… second
 * moments (one step)`.
 */
export function checkA22Block(
  cmp: Comparison,
  name: string,
  b: A22Block,
  lr: number,
  clip: number,
): void {
  const d = c22Dims(b.mode).a;
  const { hidden: H } = d;
  const B = C22.block;
  const params = b.before.params;
  const P = trackedParams(params);
  const { hs, logits } = b.gpu;
  addForward(
    cmp,
    name,
    d,
    params,
    hs,
    logits,
    b.inputs,
    (prev, x) => stepBounds(d, P, prev, x),
    (h) => readoutBounds(d, P, h).z,
  );
  const labelTarget = new Array<number>(B).fill(-1);
  const labels: Tracked[] = new Array<Tracked>(B).fill(ZERO);
  if (d.label) {
    labelTarget[B - 1] = b.inputs[0] === C22.a ? 1 : 0;
    labels[B - 1] = track.input(b.gpu.label);
    const lb = readoutBounds(d, P, exact(hs, B * H, H)).label;
    cmp.add(`${name} label (local)`, [b.gpu.label], [lb.v], referenceBounds([lb]));
  }
  const q: GpuCase = {
    params,
    h0: hs.slice(0, H),
    inputs: Array.from(b.inputs),
    targets: Array.from(b.targets),
    ceWeight: Array.from({ length: B }, (_, t) => (t < B - 1 ? 1 : 0)),
    labelTarget,
  };
  const spec: RnnLossSpec = {
    targets: q.targets,
    ceWeight: q.ceWeight,
    labelTarget: labelTarget.map((x) => (x < 0 ? NaN : x)),
  };
  const f = { h: hs, logits, label: Float64Array.from(labels, (u) => u.v) };
  const g = rnnBackward(d, params, q.inputs, f, spec);
  const whhNorm = spectralBound(params, d.whh, H, H);
  const hsT = Array.from({ length: B + 1 }, (_, t) => exact(hs, t * H, H));
  const zsT = Array.from({ length: B }, (_, t) => exact(logits, t * d.out, d.out));
  // Linear propagation: a trained W_hh has ‖W_hh‖₂ ≈ 3, where ‖W_hh‖₂²¹ says nothing.
  const gb = backwardBounds(d, P, q, hsT, zsT, labels, whhNorm, "linear");
  cmp.add(`${name} gradients (BPTT)`, b.gpu.grads, g, referenceBounds(gb));
  addAdamStep(cmp, name, b.before, b.gpu.after, g, gb, sumSquares(gb), { lr, clip, t: b.t }, {
    lr: rounded(lr),
    c1: rounded(1 - 0.9 ** b.t),
    c2: rounded(1 - 0.999 ** b.t),
  });
}

/** C's one-step update of chunker-22 inside the block kernel (on an a/x surprise). */
export interface C22Step {
  /** The surprise symbol (a = 0 or x = 1). */
  symbol: number;
  /** C's Adam steps before this one (the kernel's f32 counter). */
  steps: number;
  before: AdamState;
  /** C's parameters and moments after the block kernel. */
  after: AdamState;
}

/**
 * Adds C's one-step update (`<name> parameters|first moments|second moments (one step)`) to
 * `cmp`: the block kernel's forward from h = 0 on the surprise symbol, BCE gradient of the live
 * parameters (W_xh's a and x columns, b_h, W_hl, b_l), its own clip-norm sum
 * (d² + Σ_k g_lab² + 2·g_hid², W_xh's column and b_h sharing g_hid), the bias corrections
 * 1 − pow(β, t) computed in WGSL, and Adam, against the oracle's full step from the GPU's state.
 * Returns the oracle gradient's norm (the clip acts above `clip`).
 */
export function checkC22Step(
  cmp: Comparison,
  name: string,
  s: C22Step,
  lr: number,
  clip: number,
): number {
  const d = c22Dims("chunker").c;
  const { hidden: H, vocab: V } = d;
  const P = trackedParams(s.before.params);
  const col = s.symbol;
  const hk = Array.from(
    { length: H },
    (_, k) => trackBuiltins.tanh(track.add(P[d.wxh + k * V + col]!, P[d.bh + k]!)),
  );
  let z = P[d.bl]!;
  for (let k = 0; k < H; k++) z = track.add(z, track.mul(P[d.whl + k]!, hk[k]!));
  const sig = track.div(ONE, track.add(ONE, trackBuiltins.exp(trackBuiltins.neg(z))));
  const dl = track.sub(sig, col === C22.a ? ONE : ZERO);
  const gLab = hk.map((h) => track.mul(dl, h));
  const gHid = hk.map((h, k) =>
    track.mul(track.mul(dl, P[d.whl + k]!), track.sub(ONE, track.mul(h, h)))
  );
  let sq = track.mul(dl, dl);
  const two = trackBuiltins.literal(2);
  for (let k = 0; k < H; k++) {
    sq = track.add(
      track.add(sq, track.mul(gLab[k]!, gLab[k]!)),
      track.mul(two, track.mul(gHid[k]!, gHid[k]!)),
    );
  }
  // The tracked gradient of every parameter (zero where the kernel passes 0.0 or skips it).
  const gb: Tracked[] = new Array<Tracked>(d.size).fill(ZERO);
  for (let k = 0; k < H; k++) {
    gb[d.wxh + k * V + col] = gHid[k]!;
    gb[d.bh + k] = gHid[k]!;
    gb[d.whl + k] = gLab[k]!;
  }
  gb[d.bl] = dl;
  const live = (q: number) => {
    if (q >= d.bh && q < d.bh + H) return true;
    if (q >= d.whl && q < d.whl + H) return true;
    return q === d.bl || (q < d.whh && q % V < 2);
  };
  const f = rnnForward(d, s.before.params, new Float64Array(H), [col]);
  const spec = { targets: [0], ceWeight: [0], labelTarget: [col === C22.a ? 1 : 0] };
  const g = rnnBackward(d, s.before.params, [col], f, spec);
  const t = s.steps + 1;
  const pow = (beta: number) => trackPow(trackBuiltins.literal(beta), track.input(t));
  addAdamStep(cmp, name, s.before, s.after, g, gb, sq, { lr, clip, t }, {
    lr: rounded(lr),
    c1: track.sub(ONE, pow(0.9)),
    c2: track.sub(ONE, pow(0.999)),
  }, live);
  return Math.hypot(...g);
}

// --- chunker-1200 ---

/**
 * One forward step of the chunker-1200 net (kernels/c1200_net.ts `net_forward`):
 * h[j] = tanh((W_xh[j, x] + b_h[j]) + a_j), a_j = Σ_k W_hh[j, k]·h[k] as H/4 vec4 dots summed in
 * ascending order. The order inside a dot is unspecified, so each product is charged the
 * longest addition path any order may give it (3 inside its dot, H/4 − 1 across dots).
 */
export function stepBoundsVec4(
  d: RnnDims,
  P: Tracked[],
  prev: readonly Tracked[],
  x: number,
): Tracked[] {
  const { hidden: H, vocab: V } = d;
  const path = H / 4 + 2;
  return Array.from({ length: H }, (_, j) => {
    const terms = Array.from({ length: H }, (_, k) => track.mul(P[d.whh + j * H + k]!, prev[k]!));
    const a = track.add(track.add(P[d.wxh + j * V + x]!, P[d.bh + j]!), trackSum(terms, path));
    return trackBuiltins.tanh(a);
  });
}

/**
 * The chunker-1200 net's logits (`net_forward`): z[o] = b_y[o] + dot₀ + dot₁ + … left to right,
 * so a product meets at most 3 + H/4 additions and b_y H/4.
 */
export function readoutBoundsVec4(d: RnnDims, P: Tracked[], h: readonly Tracked[]): Tracked[] {
  const H = d.hidden;
  return Array.from({ length: d.out }, (_, o) => {
    const terms = [P[d.by + o]!];
    for (let k = 0; k < H; k++) terms.push(track.mul(P[d.why + o * H + k]!, h[k]!));
    return trackSum(terms, H / 4 + 3);
  });
}

/** Longest sequence whose carried-gradient error is propagated through the exact step maps. */
const LINEAR_MAX_STEPS = 64;

/** One SGD update of a chunker-1200 kernel: the GPU's state before it and what it wrote. */
export interface SgdUpdate {
  d: RnnDims;
  /** Parameters before the update (f32 values). */
  params: Float64Array;
  /** The window's start state (the carried state, or zeros at a sequence's start). */
  h0: Float64Array;
  inputs: number[];
  targets: number[];
  /** The oracle's learning rate of this update (lr / n of the window kernel, lr / L of the baseline). */
  lr: number;
  /** The kernel's f32 learning rate as tracked (`prm.lr / f32(n)`, or the uniform). */
  lrKernel: Tracked;
  /** Element-wise clip. */
  clip: number;
  gpu: {
    /** [n + 1, H]: the window's states, row 0 its start state. */
    hs: Float64Array;
    /** [n, V]. */
    logits: Float64Array;
    /** Parameters after the update. */
    after: Float64Array;
    /** The raw gradient, when the kernel left it readable (the full kernel without SGD). */
    grads?: Float64Array;
  };
}

/**
 * Adds one chunker-1200 SGD update to `cmp`: its forward step by step (vec4 dot bounds), its
 * gradient when given (`<name> gradients (BPTT)`), and `<name> parameters (one step)`: the
 * GPU's parameters after p ← p − lr·clamp(g, −c, c) against the oracle's `sgdClipStep` from the
 * GPU's parameters with the oracle's BPTT on the GPU's trajectory, within the gradient's bound
 * (clamp is 1-Lipschitz) times lr plus the two roundings.
 */
export function checkSgdUpdate(cmp: Comparison, name: string, u: SgdUpdate): void {
  const { d, params } = u;
  const { hidden: H } = d;
  const n = u.inputs.length;
  const P = trackedParams(params);
  const { hs, logits } = u.gpu;
  addForward(
    cmp,
    name,
    d,
    params,
    hs,
    logits,
    u.inputs,
    (prev, x) => stepBoundsVec4(d, P, prev, x),
    (h) => readoutBoundsVec4(d, P, h),
  );
  const q: GpuCase = {
    params,
    h0: hs.slice(0, H),
    inputs: u.inputs,
    targets: u.targets,
    ceWeight: new Array<number>(n).fill(1),
    labelTarget: new Array<number>(n).fill(-1),
  };
  const f = { h: hs, logits, label: new Float64Array(0) };
  const g = rnnBackward(d, params, u.inputs, f, { targets: u.targets, ceWeight: q.ceWeight });
  const hsT = Array.from({ length: n + 1 }, (_, t) => exact(hs, t * H, H));
  const zsT = Array.from({ length: n }, (_, t) => exact(logits, t * d.out, d.out));
  // Linear propagation costs H³·n²/2: for windows and compressed sequences; the 1199-step
  // baseline stays contractive (‖W_hh‖₂ ≈ 0.78, it trains 120 steps at lr 0.05/1199).
  const whhNorm = spectralBound(params, d.whh, H, H);
  const gb = backwardBounds(
    d,
    P,
    q,
    hsT,
    zsT,
    [],
    whhNorm,
    n <= LINEAR_MAX_STEPS ? "linear" : "norm",
  );
  if (u.gpu.grads) cmp.add(`${name} gradients (BPTT)`, u.gpu.grads, g, referenceBounds(gb));
  const ref = params.slice();
  sgdClipStep(ref, g, u.lr, u.clip);
  const c = u.clip;
  const bp = gb.map((b, i) => {
    const clamped = { v: Math.min(c, Math.max(-c, b.v)), e: b.e };
    return track.sub(track.input(params[i]!), track.mul(u.lrKernel, clamped));
  });
  cmp.add(`${name} parameters (one step)`, u.gpu.after, ref, referenceBounds(bp));
}

/**
 * Folds the worst |gpu − reference| / bound of every output of `cmp` into `into`, keyed by
 * `prefix` and the output's name without `strip` (default: its `seed <s> ` prefix; a zero
 * bound: 0 when equal, else Infinity), for a claim's detail: which output sits closest to its
 * bound.
 */
export function worstRatios(
  cmp: Comparison,
  into: Map<string, number>,
  strip: RegExp = /^seed \d+ /,
  prefix = "",
): void {
  for (const [name, got] of Object.entries(cmp.gpu)) {
    const ref = cmp.oracle[name]!;
    const b = cmp.bound[name]!;
    let worst = 0;
    for (let i = 0; i < got.length; i++) {
      const e = Math.abs(got[i]! - ref[i]!);
      const bi = typeof b === "number" ? b : b[i]!;
      const r = e === 0 ? 0 : e / bi;
      worst = Math.max(worst, Number.isNaN(r) ? Infinity : r);
    }
    const key = prefix + name.replace(strip, "");
    into.set(key, Math.max(into.get(key) ?? 0, worst));
  }
}

/** `worstRatios`' map as text: `name ratio` pairs in insertion order. */
export function ratiosText(m: ReadonlyMap<string, number>): string {
  return [...m].map(([k, v]) => `${k} ${v.toExponential(2)}`).join(", ");
}
